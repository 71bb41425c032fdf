//! Files in and out: reads only of regular files, never more than a bound; writes that never leave
//! a file half-written (a temporary file in the same folder, the original's permissions, a rename).

use std::io::{Read, Write};
use std::path::Path;

/// The most any single input file (policy, config, snapshot file) may hold.
pub const MAX_INPUT_BYTES: u64 = 8 << 20;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a regular file ({0}): not read")]
    NotRegular(&'static str),
    #[error("the file is over {} MiB: not read", .0 >> 20)]
    TooBig(u64),
    #[error("a symlink inside the snapshot folder: not followed")]
    Symlink,
    #[error("`{0}` is not a plain name inside the folder: not read")]
    Outside(String),
}

fn kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Reads a regular file (symlinks followed) of at most `limit` bytes. FIFOs, devices and sockets
/// are refused before they are opened (opening a FIFO blocks), and the read itself is bounded, so
/// a file that grows while it is read, or lies about its size, cannot exhaust memory.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooBig(limit));
    }
    let file = open_no_block(path)?;
    // The type again, on what was opened (the path may have been swapped in between).
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(meta.file_type())));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooBig(limit));
    }
    Ok(bytes)
}

/// `read_bounded` with the default bound, as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = read_bounded(path, MAX_INPUT_BYTES)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        ))
    })
}

/// Whether `rel` names something inside a folder by plain names only: relative, no `..` or
/// `.`, no empty segment, no backslash or NUL (a Windows path or a C string would read it
/// differently).
pub fn is_plain_relative(rel: &str) -> bool {
    let b = rel.as_bytes();
    // `fold`, not `any`: no early exit, so it vectorizes (an index names thousands of files).
    let forbidden = b
        .iter()
        .fold(false, |bad, &c| bad | (c == b'\\') | (c == 0));
    !b.is_empty()
        && !forbidden
        && b.split(|&c| c == b'/')
            .all(|seg| !seg.is_empty() && seg != b"." && seg != b"..")
}

/// Reads `rel` inside `root` (`read_bounded`), refusing a name that leaves `root` and any
/// symlink between `root` and the file, the file included: what a folder's index names is in
/// the folder. (`root` itself may be a symlink: the user named it.)
pub fn read_inside(root: &Path, rel: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
    if !is_plain_relative(rel) {
        return Err(ReadError::Outside(rel.to_string()));
    }
    let mut path = root.to_path_buf();
    for seg in rel.split('/') {
        path.push(seg);
        if std::fs::symlink_metadata(&path)?.file_type().is_symlink() {
            return Err(ReadError::Symlink);
        }
    }
    read_bounded(&path, limit)
}

#[cfg(unix)]
fn open_no_block(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: a FIFO swapped in after the check does not block the open.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_block(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_regular_only() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.json");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_bounded(&f, 10).unwrap(), b"0123456789");
        assert!(matches!(read_bounded(&f, 9), Err(ReadError::TooBig(9))));
        assert!(matches!(
            read_bounded(dir.path(), 10),
            Err(ReadError::NotRegular("a folder"))
        ));
        #[cfg(unix)]
        {
            assert!(matches!(
                read_bounded(Path::new("/dev/zero"), 10),
                Err(ReadError::NotRegular("a device"))
            ));
            let link = dir.path().join("zero.json");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            assert!(matches!(
                read_bounded(&link, 10),
                Err(ReadError::NotRegular("a device"))
            ));
            assert!(matches!(
                read_inside(dir.path(), "zero.json", 10),
                Err(ReadError::Symlink)
            ));
        }
        assert_eq!(
            read_inside(dir.path(), "a.json", 10).unwrap(),
            b"0123456789"
        );
        for bad in ["../a.json", "/etc/passwd", "./a.json", "a//b", "", "a\\b"] {
            assert!(
                matches!(read_inside(dir.path(), bad, 10), Err(ReadError::Outside(_))),
                "{bad}"
            );
        }
    }
}
