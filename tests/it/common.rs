use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// AWS's published example, copied from shared/fixtures/seed-example (see its ORIGIN.md).
pub fn example() -> PathBuf {
    root().join("examples/aws-blog")
}

/// Test data of our own under tests/data.
pub fn data(rel: &str) -> PathBuf {
    root().join("tests/data").join(rel)
}

pub fn iamtrim() -> Command {
    let mut cmd = Command::cargo_bin("iamtrim").expect("binary");
    cmd.env("NO_COLOR", "1");
    // The tests make their own repositories: not the one a surrounding git hook points at.
    for var in ["GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"] {
        cmd.env_remove(var);
    }
    cmd
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `iamtrim recommend POLICY --findings FINDINGS [extra...]`.
pub fn recommend(policy: &Path, findings: &Path, extra: &[&str]) -> std::process::Output {
    iamtrim()
        .arg("recommend")
        .arg(policy)
        .arg("--findings")
        .arg(findings)
        .args(extra)
        .output()
        .unwrap()
}
