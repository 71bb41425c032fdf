//! Snapshots that are devices, FIFOs or symlinks, and writes through symlinks.

use super::*;
use crate::common::{data, iamtrim};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo");
}

/// `/dev/zero` and a FIFO are not snapshots: refused at once, not read until memory runs out
/// or forever.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_not_read() {
    use std::os::unix::fs::symlink;
    let refuses = |dir: &Path, snapshot: &str, says: &str| {
        for args in [
            vec!["snapshot", "import", snapshot],
            vec!["snapshot", "show", snapshot],
            vec!["check", "p.json", "--config", "iamtrim.toml"],
            vec!["recommend", "p.json", "--findings", snapshot],
        ] {
            let out = run(dir, &args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", flat(&out));
            assert!(flat(&out).contains(says), "{args:?}: {}", flat(&out));
        }
    };
    let dir = project("zero.json");
    symlink("/dev/zero", dir.path().join("zero.json")).unwrap();
    refuses(dir.path(), "zero.json", "adevice");
    let dir = project("fifo.json");
    mkfifo(&dir.path().join("fifo.json"));
    refuses(dir.path(), "fifo.json", "aFIFO");
    // In a folder snapshot.
    let dir = project("snap");
    std::fs::create_dir(dir.path().join("snap")).unwrap();
    std::fs::copy(
        data("aws-cli/get-finding-v2.ci-deployer.json"),
        dir.path().join("snap/a.json"),
    )
    .unwrap();
    mkfifo(&dir.path().join("snap/b.json"));
    refuses(dir.path(), "snap", "b.json");
    // As an indexed snapshot's principal file.
    let dir = indexed_project();
    std::fs::remove_file(ci_file(dir.path())).unwrap();
    symlink("/dev/zero", ci_file(dir.path())).unwrap();
    refuses(dir.path(), "snap", "symlink");
    let dir = indexed_project();
    std::fs::remove_file(ci_file(dir.path())).unwrap();
    mkfifo(&ci_file(dir.path()));
    refuses(dir.path(), "snap", "aFIFO");
    // As index.json.
    let dir = indexed_project();
    std::fs::remove_file(dir.path().join("snap/index.json")).unwrap();
    mkfifo(&dir.path().join("snap/index.json"));
    refuses(dir.path(), "snap", "index.json");
}

/// Nothing in a snapshot folder is a symlink: a committed symlink could lead anywhere.
#[cfg(unix)]
#[test]
fn symlinks_inside_a_snapshot_folder_are_refused() {
    use std::os::unix::fs::symlink;
    let outside = TempDir::new().unwrap();
    let target = outside.path().join("f.json");
    std::fs::copy(data("aws-cli/get-finding-v2.ci-deployer.json"), &target).unwrap();
    // A plain folder.
    let dir = project("snap");
    std::fs::create_dir(dir.path().join("snap")).unwrap();
    symlink(&target, dir.path().join("snap/a.json")).unwrap();
    for args in [
        vec!["snapshot", "show", "snap"],
        vec!["check", "p.json", "--config", "iamtrim.toml"],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", flat(&out));
        assert!(flat(&out).contains("symlink"), "{}", flat(&out));
    }
    // An indexed folder: a principal's file, and the principals folder.
    let dir = indexed_project();
    let ci = ci_file(dir.path());
    std::fs::copy(&ci, outside.path().join("ci.json")).unwrap();
    std::fs::remove_file(&ci).unwrap();
    symlink(outside.path().join("ci.json"), &ci).unwrap();
    let out = run(dir.path(), &["check", "p.json", "--config", "iamtrim.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", flat(&out));
    assert!(flat(&out).contains("symlink"), "{}", flat(&out));
    let dir = indexed_project();
    let principals = dir.path().join("snap/principals");
    let moved = outside.path().join("principals");
    std::fs::rename(&principals, &moved).unwrap();
    symlink(&moved, &principals).unwrap();
    let out = run(dir.path(), &["snapshot", "show", "snap"]);
    assert_eq!(out.status.code(), Some(2), "{}", flat(&out));
    assert!(flat(&out).contains("symlink"), "{}", flat(&out));
    // A symlinked index.json.
    let dir = indexed_project();
    let index = dir.path().join("snap/index.json");
    std::fs::rename(&index, outside.path().join("index.json")).unwrap();
    symlink(outside.path().join("index.json"), &index).unwrap();
    let out = run(dir.path(), &["snapshot", "show", "snap"]);
    assert_eq!(out.status.code(), Some(2), "{}", flat(&out));
}

/// All regular files under `dir`, with their contents.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(contents(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// `snapshot import -o DIR/` never writes through a symlink in DIR.
#[cfg(unix)]
#[test]
fn import_does_not_write_through_symlinks() {
    use std::os::unix::fs::symlink;
    // DIR/principals a symlink to another folder, no index yet.
    let dir = TempDir::new().unwrap();
    let elsewhere = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("snap")).unwrap();
    symlink(elsewhere.path(), dir.path().join("snap/principals")).unwrap();
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "-o", "snap/"])
        .arg(data("aws-cli"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", flat(&out));
    assert!(flat(&out).contains("symlink"), "{}", flat(&out));
    assert!(contents(elsewhere.path()).is_empty(), "written through");
    assert!(!dir.path().join("snap/index.json").exists());
    // A principal's file a symlink to a file outside, no index yet.
    let dir = TempDir::new().unwrap();
    let outside = elsewhere.path().join("victim.json");
    std::fs::write(&outside, "keep").unwrap();
    std::fs::create_dir_all(dir.path().join("snap/principals")).unwrap();
    symlink(
        &outside,
        dir.path()
            .join("snap/principals/arn_aws_iam__444455556666_role_ci-deployer.json"),
    )
    .unwrap();
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "-o", "snap/"])
        .arg(data("aws-cli"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", flat(&out));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
    assert!(!dir.path().join("snap/index.json").exists());
    // Into an existing indexed snapshot whose principals folder was swapped for a symlink.
    let dir = indexed_project();
    let before = contents(&dir.path().join("snap"));
    let other = TempDir::new().unwrap();
    let principals = dir.path().join("snap/principals");
    std::fs::rename(&principals, other.path().join("p")).unwrap();
    symlink(other.path().join("p"), &principals).unwrap();
    let theirs = contents(other.path());
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "-o", "snap/"])
        .arg(data("snapshot/two-roles.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", flat(&out));
    assert_eq!(contents(other.path()), theirs, "written through");
    assert_eq!(
        std::fs::read(dir.path().join("snap/index.json")).unwrap(),
        before
            .iter()
            .find(|(p, _)| p.ends_with("index.json"))
            .unwrap()
            .1
    );
}
