//! Which files a run checks, and their bytes: explicit paths from the working tree, or (through
//! `git`) the staged blobs, the files changed since a base, or every tracked file.

pub mod git;
pub(crate) mod index_file;

use std::path::PathBuf;

/// Where a file's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Worktree,
    /// The git index (`--staged`): what is being committed.
    Index,
    /// A commit (`--base`: `HEAD`).
    Commit,
}

/// One file to check.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it is on disk (for fixes and messages).
    pub path: PathBuf,
    /// Its path relative to the repository root, `/`-separated, when it is in a repository.
    pub repo_path: Option<String>,
    pub origin: Origin,
    /// The bytes from the index or a commit; `None`: read the working tree.
    pub bytes: Option<Vec<u8>>,
}
