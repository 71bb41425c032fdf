//! Whole-process benchmarks of `iamtrim check` (divan): one policy file with its snapshot (the
//! pre-commit case), and a generated corpus (`scripts/gen-corpus.py`). Run:
//! `cargo bench --bench check`. Compare with the `true` baseline of the same run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn main() {
    divan::main();
}

fn example() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/aws-blog"))
}

fn corpus(n: usize) -> PathBuf {
    static DIRS: OnceLock<std::sync::Mutex<Vec<(usize, tempfile::TempDir)>>> = OnceLock::new();
    let dirs = DIRS.get_or_init(Default::default);
    let mut dirs = dirs.lock().unwrap();
    if let Some((_, d)) = dirs.iter().find(|(k, _)| *k == n) {
        return d.path().to_path_buf();
    }
    let dir = tempfile::TempDir::new().unwrap();
    let status = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/gen-corpus.py"
        ))
        .arg(n.to_string())
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let path = dir.path().to_path_buf();
    dirs.push((n, dir));
    path
}

fn check(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_iamtrim"))
        .current_dir(dir)
        .args(["check", "--config", "iamtrim.toml"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.code().is_some_and(|c| c <= 1));
}

/// The pre-commit case: one changed policy, its snapshot, the embedded catalogue.
#[divan::bench(sample_count = 100)]
fn one_file_embedded_catalog() {
    check(&example(), &["policy.json"]);
}

/// The same with the pinned Service Reference folder.
#[divan::bench(sample_count = 100)]
fn one_file_pinned_catalog() {
    check(&example(), &["policy.json", "--catalog", "catalog"]);
}

/// `check` of a whole generated corpus (policies, one snapshot file per role, a [[bind]] each).
#[divan::bench(args = [100, 1000], sample_count = 5)]
fn corpus_all(n: usize) {
    let dir = corpus(n);
    check(&dir, &["policies"]);
}

/// Baseline: spawning `true`.
#[divan::bench(sample_count = 100)]
fn baseline_true() {
    Command::new("true").status().unwrap();
}
