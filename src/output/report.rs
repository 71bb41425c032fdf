//! The result of `check` for the outputs: per file, its text and findings.

use crate::diagnostic::Finding;

#[derive(Debug)]
pub struct FileReport {
    /// The path as shown (relative to the config's folder where it lies inside it).
    pub path: String,
    /// The path relative to the repository root (`/`-separated), for SARIF and annotations.
    pub repo_path: String,
    pub text: String,
    pub findings: Vec<Finding>,
    /// `--diff`: the unified diff of its fixes, when they change it.
    pub diff: Option<String>,
}

#[derive(Debug, Default)]
pub struct CheckReport {
    pub files: Vec<FileReport>,
    pub checked: usize,
    pub fixed: usize,
    pub fixed_files: usize,
    /// `--diff`: the findings its fixes would fix, and in how many files.
    pub would_fix: usize,
    pub would_fix_files: usize,
    /// What the filter hid, over all files.
    pub suppressed: crate::filter::Suppressed,
    /// The `reason` of each `[[ignore]]` table, in order.
    pub suppression_reasons: Vec<String>,
}
