//! Files in and out: reads only of regular files, never more than a bound; writes that never leave
//! a file half-written (a temporary file in the same folder, the original's permissions, a rename).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// Temporary files are named with this prefix next to the file they replace: recognisable, so a
/// run removes what an earlier, killed run left (see `remove_stale_temp_files`).
pub const TEMP_PREFIX: &str = ".iamtrim-tmp-";

/// A temporary file left this long is stale: no run takes that long to write one file.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Temporary files being written, so that an interrupt can remove them.
struct InFlight {
    paths: Vec<PathBuf>,
    /// Set by `interrupted`: no new temporary file is made after it.
    stopping: bool,
}

static IN_FLIGHT: Mutex<InFlight> = Mutex::new(InFlight {
    paths: Vec::new(),
    stopping: false,
});

/// Folders already cleared of stale temporary files this run.
static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_flight() -> std::sync::MutexGuard<'static, InFlight> {
    // A panic while holding the lock leaves the list usable.
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary file being written and stops new ones from being made. For a SIGINT
/// or SIGTERM handler, which exits next: the lock stays held until the process ends, so no file
/// is renamed or created half-way.
pub fn interrupted() -> impl Sized {
    let mut g = in_flight();
    g.stopping = true;
    for p in g.paths.drain(..) {
        let _ = std::fs::remove_file(p);
    }
    g
}

/// A temporary file next to `dir`'s files, registered until it is renamed or dropped.
struct Temp {
    file: Option<tempfile::NamedTempFile>,
}

impl Temp {
    fn new_in(dir: &Path) -> std::io::Result<Temp> {
        let mut g = in_flight();
        if g.stopping {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "interrupted",
            ));
        }
        // Made under the lock: an interrupt cannot fall between making it and listing it.
        let file = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)?;
        g.paths.push(file.path().to_path_buf());
        Ok(Temp { file: Some(file) })
    }

    fn file(&mut self) -> std::io::Result<&mut tempfile::NamedTempFile> {
        self.file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the temporary file is gone"))
    }

    /// Renames it over `path`, unless an interrupt has removed it.
    fn persist(mut self, path: &Path) -> std::io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| std::io::Error::other("the temporary file is gone"))?;
        let mut g = in_flight();
        if g.stopping {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "interrupted",
            ));
        }
        // Renamed under the lock: an interrupt sees it either listed or renamed, never lost.
        let tmp = file.path().to_path_buf();
        g.paths.retain(|p| *p != tmp);
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Temp {
    /// Puts the new text at `path` only if what it replaces is `expected`, with no window for
    /// another program's write to be lost: the two files are swapped atomically (`renameat2`'s
    /// exchange), the one swapped out is compared, and swapped back if it is not `expected`.
    /// Where the system cannot swap, a plain rename after the caller's comparison.
    fn exchange(mut self, path: &Path, expected: &[u8]) -> Result<(), WriteError> {
        let g = in_flight();
        if g.stopping {
            return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted").into());
        }
        let tmp = self.file()?.path().to_path_buf();
        match swap(&tmp, path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                drop(g);
                return Ok(self.persist(path)?);
            }
            Err(e) => return Err(e.into()),
        }
        let limit = (expected.len() as u64).max(1);
        let displaced = read_bounded(&tmp, limit);
        if matches!(&displaced, Ok(b) if b == expected) {
            // What was replaced is what was read: done (dropping `self` removes it).
            return Ok(());
        }
        // Another program's text was swapped out: it goes back.
        if let Err(e) = swap(&tmp, path) {
            // Both are kept: the other text stays where it is, under the temporary name.
            if let Some(f) = self.file.take() {
                let _ = f.into_temp_path().keep();
            }
            return Err(std::io::Error::other(format!(
                "the file changed while iamtrim was fixing it, and its new text could not be put back: it is in {} ({e})",
                tmp.display()
            ))
            .into());
        }
        Err(WriteError::Changed)
    }
}

/// Swaps two files atomically; `Unsupported` where the system or file system cannot.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(e)
            if e == rustix::io::Errno::INVAL
                || e == rustix::io::Errno::NOSYS
                || e == rustix::io::Errno::NOTSUP
                || e == rustix::io::Errno::OPNOTSUPP =>
        {
            Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "no atomic exchange",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn swap(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let tmp = file.path().to_path_buf();
            in_flight().paths.retain(|p| *p != tmp);
            // The file itself is removed by NamedTempFile's drop.
        }
    }
}

/// Removes temporary files in `dir` that an earlier run left (killed before it could), once per
/// folder and run. Only old ones: a fresh one may belong to another run that is still writing.
pub fn remove_stale_temp_files(dir: &Path) {
    {
        let mut swept = SWEPT.lock().unwrap_or_else(|e| e.into_inner());
        if swept.iter().any(|d| d == dir) {
            return;
        }
        swept.push(dir.to_path_buf());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if meta.is_file() && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A temporary file in `path`'s folder holding `bytes`, with `path`'s permissions.
fn prepare(path: &Path, bytes: &[u8]) -> std::io::Result<Temp> {
    let dir = folder_of(path);
    remove_stale_temp_files(dir);
    let mut tmp = Temp::new_in(dir)?;
    let file = tmp.file()?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    match std::fs::metadata(path) {
        Ok(meta) => file.as_file().set_permissions(meta.permissions())?,
        // A new file: not the temporary file's 0600, but what its neighbours have.
        Err(_) => set_new_file_mode(file.as_file(), path)?,
    }
    Ok(tmp)
}

/// The mode a new file gets when nothing says otherwise (`rw-r--r--`).
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o644;

/// A new file takes the permission bits of a regular file of the same extension in its folder
/// (the first found; temporary files aside), or `NEW_FILE_MODE` in a folder with none: a
/// snapshot written into a folder of 0644 files reads like them, not 0600 like `tempfile`'s.
#[cfg(unix)]
fn set_new_file_mode(file: &std::fs::File, path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let ext = path.extension();
    let name = path.file_name();
    let sibling = std::fs::read_dir(folder_of(path)).ok().and_then(|entries| {
        entries.flatten().find_map(|e| {
            let n = e.file_name();
            let p = e.path();
            let candidate = Some(n.as_os_str()) != name
                && !n.to_string_lossy().starts_with(TEMP_PREFIX)
                && p.extension() == ext;
            // `DirEntry::metadata` does not follow a symlink: only regular files count.
            let meta = e.metadata().ok().filter(|m| candidate && m.is_file())?;
            Some(meta.permissions().mode() & 0o777)
        })
    });
    file.set_permissions(std::fs::Permissions::from_mode(
        sibling.unwrap_or(NEW_FILE_MODE),
    ))
}

#[cfg(not(unix))]
fn set_new_file_mode(_: &std::fs::File, _: &Path) -> std::io::Result<()> {
    Ok(())
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    prepare(path, bytes)?.persist(path)
}

/// Why `write_atomic_if_unchanged` did not write.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Read(#[from] ReadError),
    #[error("the file changed while iamtrim was fixing it")]
    Changed,
}

/// `write_atomic`, but only while `path` still holds `expected` (what the new text was made
/// from): another process may have replaced it since it was read, and its text must not be lost.
/// Checked once the new text is on disk, and again, atomically, on what the new file replaced
/// (see `Temp::exchange`).
pub fn write_atomic_if_unchanged(
    path: &Path,
    expected: &[u8],
    bytes: &[u8],
) -> Result<(), WriteError> {
    let tmp = prepare(path, bytes)?;
    let limit = (expected.len() as u64).max(1);
    match read_bounded(path, limit) {
        Ok(now) if now == expected => {}
        Ok(_) | Err(ReadError::TooBig(_)) => return Err(WriteError::Changed),
        Err(e) => return Err(e.into()),
    }
    tmp.exchange(path, expected)
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

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect()
    }

    /// The lost update: the file is replaced between the read and the write.
    #[test]
    fn a_file_changed_since_it_was_read_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.json");
        std::fs::write(&f, b"old").unwrap();
        let read = read_bounded(&f, 100).unwrap();
        // Another process writes in between, with the same length and with another.
        for other in [&b"new"[..], b"newer text"] {
            std::fs::write(&f, other).unwrap();
            assert!(matches!(
                write_atomic_if_unchanged(&f, &read, b"fixed"),
                Err(WriteError::Changed)
            ));
            assert_eq!(std::fs::read(&f).unwrap(), other);
        }
        // Replaced by rename (a new inode), then put back as it was: it is what was read.
        std::fs::write(&f, b"old").unwrap();
        write_atomic_if_unchanged(&f, &read, b"fixed").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"fixed");
        // Gone: an error, nothing made.
        std::fs::remove_file(&f).unwrap();
        assert!(write_atomic_if_unchanged(&f, &read, b"fixed").is_err());
        assert!(!f.exists());
        assert!(leftovers(dir.path()).is_empty());
    }

    /// The last check, on what the new file replaced: a write that lands after the first
    /// comparison is swapped back, not lost.
    #[test]
    fn a_write_just_before_the_rename_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.json");
        std::fs::write(&f, b"old").unwrap();
        let tmp = prepare(&f, b"fixed").unwrap();
        std::fs::write(dir.path().join("theirs"), b"theirs").unwrap();
        std::fs::rename(dir.path().join("theirs"), &f).unwrap();
        assert!(matches!(tmp.exchange(&f, b"old"), Err(WriteError::Changed)));
        assert_eq!(std::fs::read(&f).unwrap(), b"theirs");
        let tmp = prepare(&f, b"fixed").unwrap();
        tmp.exchange(&f, b"theirs").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"fixed");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn stale_temp_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!("{TEMP_PREFIX}stale"));
        let fresh = dir.path().join(format!("{TEMP_PREFIX}fresh"));
        let other = dir.path().join(".tmpother");
        for p in [&stale, &fresh, &other] {
            std::fs::write(p, b"{").unwrap();
        }
        let old = std::time::SystemTime::now() - STALE_AFTER * 2;
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        write_atomic(&dir.path().join("p.json"), b"{}").unwrap();
        assert!(!stale.exists(), "an earlier run's leftover is removed");
        assert!(fresh.exists(), "maybe another run's: kept");
        assert!(other.exists(), "not ours: kept");
        assert_eq!(std::fs::read(dir.path().join("p.json")).unwrap(), b"{}");
    }
}
