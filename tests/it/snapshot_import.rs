//! `snapshot import` on many inputs: a bad file is reported and left out, the rest land; the files
//! written have their folder's mode, not tempfile's 0600.

use crate::common::{data, iamtrim};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

/// `iamtrim snapshot import ARGS...` in `dir`: (exit code, stderr).
fn import(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = iamtrim()
        .current_dir(dir)
        .args(["snapshot", "import"])
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code().unwrap(), err)
}

/// Every file under `dir` (relative path -> bytes).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Two good get-finding-v2 outputs and three bad inputs (not JSON, not a known shape, missing).
fn inputs() -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, from) in [
        ("a-good.json", "aws-cli/get-finding-v2.ci-deployer.json"),
        ("e-good.json", "aws-cli/get-finding-v2.legacy-batch.json"),
    ] {
        std::fs::copy(data(from), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("b-broken.json"), "{not json\n").unwrap();
    std::fs::write(dir.path().join("c-other.json"), "{\"hello\": 1}\n").unwrap();
    dir
}

const ALL: [&str; 5] = [
    "a-good.json",
    "b-broken.json",
    "c-other.json",
    "d-missing.json",
    "e-good.json",
];
const GOOD: [&str; 2] = ["a-good.json", "e-good.json"];

/// Each bad file is named with its reason, the good ones are imported exactly as if alone, exit 2.
#[test]
fn a_bad_input_is_reported_and_the_others_imported() {
    let dir = inputs();
    let d = dir.path();
    for out in ["snap/", "snap.json"] {
        let (code, err) = import(d, &[&ALL[..], &["-o", out]].concat());
        assert_eq!(code, 2, "{err}");
        assert_eq!(
            err,
            "error: b-broken.json is not valid JSON: key must be a string at line 1 column 2\n\
             error: c-other.json: not a findings file: expected `aws accessanalyzer get-finding-v2` output or the short form [{\"serviceNamespace\": ..., \"actions\": [...]}]\n\
             error: cannot read findings d-missing.json: No such file or directory (os error 2)\n\
             error: 3 input files not imported (above); the others are written\n"
        );
        let alone = format!("alone-{out}");
        let (code, err) = import(d, &[&GOOD[..], &["-o", &alone]].concat());
        assert_eq!((code, err.as_str()), (0, ""));
        let (written, expected) = (d.join(out), d.join(&alone));
        if out.ends_with('/') {
            assert_eq!(tree(&written), tree(&expected));
            assert_eq!(tree(&written).len(), 3, "index and two principals");
        } else {
            assert_eq!(
                std::fs::read(written).unwrap(),
                std::fs::read(expected).unwrap()
            );
        }
    }
    // To stdout: the good ones printed, exit 2.
    let out = iamtrim()
        .current_dir(d)
        .args(["snapshot", "import"])
        .args(ALL)
        .output()
        .unwrap();
    let alone = iamtrim()
        .current_dir(d)
        .args(["snapshot", "import"])
        .args(GOOD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("role/legacy-batch"));
    assert_eq!(out.stdout, alone.stdout);
}

/// Only bad inputs: nothing written, an existing snapshot left as it was; a snapshot that cannot
/// be written is not begun.
#[test]
fn nothing_is_written_when_nothing_can_be() {
    let dir = inputs();
    let d = dir.path();
    assert_eq!(import(d, &["a-good.json", "-o", "snap/"]).0, 0);
    let before = tree(&d.join("snap"));
    let (code, err) = import(d, &["b-broken.json", "d-missing.json", "-o", "snap/"]);
    assert_eq!(code, 2);
    assert!(
        err.ends_with("error: 2 input files not imported (above), none left: nothing written\n"),
        "{err}"
    );
    assert_eq!(tree(&d.join("snap")), before);
    let (code, _) = import(d, &["c-other.json", "-o", "new/"]);
    assert_eq!(code, 2);
    assert!(!d.join("new").exists());
    // `principals` is a file where the folder goes: refused before anything is written.
    std::fs::create_dir(d.join("blocked")).unwrap();
    std::fs::write(d.join("blocked/principals"), "").unwrap();
    let (code, err) = import(d, &["a-good.json", "b-broken.json", "-o", "blocked/"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a folder where a file goes") || err.contains("not a regular file"),
        "{err}"
    );
    assert!(!d.join("blocked/index.json").exists());
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// Every file of the snapshot folder and the single file: (path, mode).
#[cfg(unix)]
fn modes(dir: &Path) -> Vec<(String, u32)> {
    tree(dir)
        .into_keys()
        .map(|rel| {
            let m = mode(&dir.join(&rel));
            (rel, m)
        })
        .collect()
}

/// New snapshot files get 0644 (not tempfile's 0600), or the mode their folder's files have;
/// replaced files keep theirs.
#[cfg(unix)]
#[test]
fn snapshot_files_have_their_folders_mode() {
    let dir = inputs();
    let d = dir.path();
    // A new folder, a new file.
    assert_eq!(import(d, &["a-good.json", "-o", "snap/"]).0, 0);
    assert_eq!(import(d, &["a-good.json", "-o", "snap.json"]).0, 0);
    let ci = "principals/arn_aws_iam__444455556666_role_ci-deployer.json";
    let lb = "principals/arn_aws_iam__444455556666_role_legacy-batch.json";
    assert_eq!(
        modes(&d.join("snap")),
        vec![("index.json".into(), 0o644), (ci.into(), 0o644)]
    );
    assert_eq!(mode(&d.join("snap.json")), 0o644);
    // An existing folder of 0644 files: the new principal's file is 0644 too.
    assert_eq!(import(d, &["e-good.json", "-o", "snap/"]).0, 0);
    assert_eq!(
        modes(&d.join("snap")),
        vec![
            ("index.json".into(), 0o644),
            (ci.into(), 0o644),
            (lb.into(), 0o644)
        ]
    );
    // A folder whose files are 0640: a new file follows them; a replaced one keeps its own.
    let snap = d.join("other");
    assert_eq!(import(d, &["a-good.json", "-o", "other/"]).0, 0);
    set_mode(&snap.join(ci), 0o640);
    set_mode(&snap.join("index.json"), 0o664);
    assert_eq!(import(d, &["e-good.json", "-o", "other/"]).0, 0);
    assert_eq!(
        modes(&snap),
        vec![
            ("index.json".into(), 0o664),
            (ci.into(), 0o640),
            (lb.into(), 0o640)
        ]
    );
    // A replaced single file keeps its mode.
    set_mode(&d.join("snap.json"), 0o664);
    assert_eq!(import(d, &["e-good.json", "-o", "snap.json"]).0, 0);
    assert_eq!(mode(&d.join("snap.json")), 0o664);
}
