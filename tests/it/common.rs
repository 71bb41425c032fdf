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
    // Plain and unwrapped whatever the shell or CI sets (FORCE_COLOR would colour a pipe, COLUMNS
    // would wrap it); the tests that want them set them.
    for var in ["FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS"] {
        cmd.env_remove(var);
    }
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

/// Copies a folder of test data, subfolders and all.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A project holding the AWS example's catalogue and snapshot (those of tests/data/cfn/aws-blog),
/// the files of `tests/data/<folder>`, and an iamtrim.toml of the example's settings plus `extra`.
pub fn example_project(folder: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    copy_dir(&data(folder), dir.path());
    for sub in ["catalog", "snapshot"] {
        copy_dir(&data(&format!("cfn/aws-blog/{sub}")), &dir.path().join(sub));
    }
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!("snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n{extra}"),
    )
    .unwrap();
    dir
}

/// `check` in `dir` with its iamtrim.toml and catalogue folder: stdout and the exit code. An
/// internal error or a panic on stderr fails the test.
pub fn check_project(dir: &Path, args: &[&str]) -> (String, i32) {
    let out = iamtrim()
        .current_dir(dir)
        .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("internal"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

/// A filter without the evidence-free hygiene rules, for tests of the unused-access engine's own
/// fixes (the hygiene rules' removals are tested on their own).
pub fn engine_only() -> iamtrim::filter::Filter {
    iamtrim::filter::Filter {
        ignore: iamtrim::rules::HYGIENE_RULES
            .iter()
            .map(|r| r.to_string())
            .collect(),
        ..iamtrim::filter::Filter::default()
    }
}

/// `check ARGS` in `dir` without colour: stdout, stderr and the exit code.
pub fn check_in(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = iamtrim()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}
