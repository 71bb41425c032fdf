//! The files a snapshot path names, read: only regular files, with a bound; inside a folder no
//! symlink is followed.

use super::{FindingsError, Snapshot, aws, index, parse_json};
use std::path::{Path, PathBuf};

/// Reads a regular file with a bounded reader (a FIFO or `/dev/zero` is refused, not read).
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, FindingsError> {
    crate::fsio::read_bounded(path, crate::fsio::MAX_INPUT_BYTES).map_err(|source| {
        FindingsError::Read {
            path: path.display().to_string(),
            source,
        }
    })
}

/// The `.json` files a snapshot path names: the file itself, or a folder's, sorted. Inside a
/// folder only regular files are taken: a symlink (which could lead anywhere) or a FIFO named
/// `.json` is an error, not skipped, so evidence never silently goes missing; subfolders are
/// not read.
fn snapshot_files(path: &Path) -> Result<Vec<PathBuf>, FindingsError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let io = |source| FindingsError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let p = entry.path();
        if p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let ft = entry.file_type().map_err(io)?;
        if ft.is_dir() {
            continue;
        }
        if ft.is_symlink() {
            return Err(FindingsError::Read {
                path: p.display().to_string(),
                source: crate::fsio::ReadError::Symlink,
            });
        }
        // A FIFO or a device goes on to `read_file`, which refuses it by name without opening.
        files.push(p);
    }
    files.sort();
    Ok(files)
}

/// What one path named on the command line holds: an indexed folder as one result, else one
/// result per file (a folder that cannot be listed: one error).
pub(super) fn read_path(p: &Path) -> Vec<Result<aws::FileContents, FindingsError>> {
    if index::is_indexed(p) {
        let snap = match Snapshot::load(p).and_then(Snapshot::materialize) {
            Ok(s) => s,
            Err(e) => return vec![Err(e)],
        };
        return vec![Ok(aws::FileContents {
            findings: snap.principals.into_values().collect(),
            summaries: Vec::new(),
            recommendations: snap.recommendations,
            stack_pages: Vec::new(),
            tf_states: Vec::new(),
            analyzed: Vec::new(),
        })];
    }
    let files = match snapshot_files(p) {
        Ok(f) => f,
        Err(e) => return vec![Err(e)],
    };
    let read = |file: &PathBuf| -> Result<aws::FileContents, FindingsError> {
        let shown = file.display().to_string();
        let value = parse_json(&shown, &read_file(file)?)?;
        aws::read_any(&shown, &value)
    };
    // A folder of raw AWS output can hold a file per principal: read them on every core.
    if files.len() >= 16 {
        use rayon::prelude::*;
        files.par_iter().map(read).collect()
    } else {
        files.iter().map(read).collect()
    }
}
