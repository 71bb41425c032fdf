//! Corrupt evidence is never taken as proof: a field of the wrong type or form, a date that
//! does not parse, a snapshot that is a device, a FIFO or a symlink, an index naming files
//! outside its folder. Each is exit 2 with the file and the JSON pointer named, and nothing is
//! written.

use crate::common::{data, iamtrim};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tempfile::TempDir;

mod fields;
mod files;
mod mutations;

pub const CI: &str = "arn:aws:iam::444455556666:role/ci-deployer";

/// The pointer of `/principals/<CI>` in an index (RFC 6901 escapes `/`).
pub const CI_KEY: &str = "arn:aws:iam::444455556666:role~1ci-deployer";

pub fn run(dir: &Path, args: &[&str]) -> Output {
    iamtrim()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap()
}

/// stderr without whitespace or miette's frame, so a message wrapped at any width still
/// contains its pointer.
pub fn flat(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '│' | '×' | '╰' | '─' | '╭' | '├'))
        .collect()
}

/// Exit 2 (no panic, no hang), the file and the pointer named.
#[track_caller]
pub fn refused(out: &Output, file: &str, pointer: &str) {
    let err = flat(out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2 naming {file} {pointer}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        err.contains(file) && err.contains(pointer),
        "expected {file} and {pointer} in: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn fixture(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(rel)).unwrap()).unwrap()
}

/// A project with an iamtrim.toml binding `p.json` to ci-deployer, the snapshot at `snapshot`.
pub fn project(snapshot: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!(
            "snapshot = \"{snapshot}\"\n[[bind]]\nfiles = [\"p.json\"]\nprincipals = [\"{CI}\"]\n"
        ),
    )
    .unwrap();
    std::fs::copy(
        data("snapshot/ci-deployer-inline.json"),
        dir.path().join("p.json"),
    )
    .unwrap();
    dir
}

/// Replaces the value at `pointer`, or adds it to its object.
pub fn set(mut v: Value, pointer: &str, to: Value) -> Value {
    if let Some(x) = v.pointer_mut(pointer) {
        *x = to;
        return v;
    }
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{pointer}"))
        .insert(key.to_string(), to);
    v
}

/// Every command that reads `snapshot` (in `dir`) refuses it, naming `file` and `pointer`, and
/// `snapshot import -o` writes nothing.
#[track_caller]
pub fn every_reader_refuses(dir: &Path, snapshot: &str, file: &str, pointer: &str) {
    refused(&run(dir, &["snapshot", "import", snapshot]), file, pointer);
    refused(
        &run(dir, &["snapshot", "import", snapshot, "-o", "out/"]),
        file,
        pointer,
    );
    assert!(!dir.join("out").exists(), "import -o wrote on an error");
    refused(
        &run(dir, &["snapshot", "import", snapshot, "-o", "out.json"]),
        file,
        pointer,
    );
    assert!(
        !dir.join("out.json").exists(),
        "import -o wrote on an error"
    );
    refused(&run(dir, &["snapshot", "show", snapshot]), file, pointer);
    refused(
        &run(
            dir,
            &[
                "recommend",
                "p.json",
                "--findings",
                snapshot,
                "--principal",
                CI,
            ],
        ),
        file,
        pointer,
    );
    refused(
        &run(dir, &["recommend", "p.json", "--config", "iamtrim.toml"]),
        file,
        pointer,
    );
    refused(
        &run(dir, &["check", "p.json", "--config", "iamtrim.toml"]),
        file,
        pointer,
    );
}

/// `snapshot import -o snap/` of the AWS test data, in a project bound to ci-deployer.
pub fn indexed_project() -> TempDir {
    let dir = project("snap");
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "-o", "snap/"])
        .arg(data("aws-cli"))
        .output()
        .unwrap();
    assert!(out.status.success());
    dir
}

pub fn ci_file(dir: &Path) -> PathBuf {
    dir.join("snap/principals/arn_aws_iam__444455556666_role_ci-deployer.json")
}

pub fn edit_json(path: &Path, f: impl FnOnce(Value) -> Value) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(&f(v)).unwrap()).unwrap();
}
