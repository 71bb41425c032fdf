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

const QUIET: &str = "arn:aws:iam::444455556666:role/quiet";

/// An analyzed-principals file: ci-deployer (which has a finding) and quiet (which has none);
/// policy files bound to quiet, to a role absent from the list, and to ci-deployer.
fn analyzed_project() -> TempDir {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    std::fs::copy(
        data("aws-cli/get-finding-v2.ci-deployer.json"),
        d.join("ci.json"),
    )
    .unwrap();
    for f in ["quiet.json", "absent.json", "ci-deployer.json"] {
        std::fs::copy(data("snapshot/ci-deployer-inline.json"), d.join(f)).unwrap();
    }
    std::fs::write(
        d.join("analyzed.json"),
        format!(
            "{{\"analyzer\": \"arn:aws:access-analyzer:eu-west-1:444455556666:analyzer/org\", \
             \"analyzedAt\": \"2026-11-30T10:00:00Z\", \"principals\": \
             [\"arn:aws:iam::444455556666:role/ci-deployer\", \"{QUIET}\"]}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("iamtrim.toml"),
        format!(
            "snapshot = \"snap\"\nmax-snapshot-age = \"36500d\"\n\
             [[bind]]\nfiles = [\"quiet.json\"]\nprincipals = [\"{QUIET}\"]\n\
             [[bind]]\nfiles = [\"absent.json\"]\nprincipals = [\"arn:aws:iam::444455556666:role/absent\"]\n\
             [[bind]]\nfiles = [\"ci-deployer.json\"]\nprincipals = [\"ci-deployer\"]\n"
        ),
    )
    .unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = iamtrim().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A role analyzed with no finding is "analyzed: nothing unused": no no-evidence, nothing removed;
/// a role absent from the list is still "no evidence".
#[test]
fn an_analyzed_role_with_no_finding_has_nothing_unused() {
    let dir = analyzed_project();
    let d = dir.path();
    assert_eq!(
        import(d, &["ci.json", "analyzed.json", "-o", "snap/"]),
        (0, String::new())
    );
    assert_eq!(
        crate::common::read(&d.join("snap/principals/arn_aws_iam__444455556666_role_quiet.json")),
        format!(
            "{{\n    \"version\": 1,\n    \"principals\": [\n        {{\n            \"principal\": \"{QUIET}\",\n            \"analyzedAt\": \"2026-11-30T10:00:00Z\",\n            \"nothingUnused\": true\n        }}\n    ]\n}}\n"
        )
    );
    // ci-deployer has a finding: the finding is kept, not "nothing unused".
    let (code, out, _) = run(d, &["snapshot", "show", "snap"]);
    assert_eq!(code, 0);
    let out: Vec<&str> = out.lines().filter(|l| !l.contains("days old")).collect();
    assert_eq!(
        out,
        [
            "arn:aws:iam::444455556666:role/ci-deployer",
            "  dynamodb: 2 unused: DeleteTable, UpdateTable",
            "  kms: every action unused",
            "  s3: 3 unused: GetBucketAcl, GetBucketPolicy, PutBucketPolicy",
            QUIET,
        ]
    );
    let (_, show, _) = run(d, &["snapshot", "show", "snap"]);
    assert!(
        show.contains(&format!(
            "{QUIET}\n  analyzed: nothing unused (analyzed 2026-11-30T10:00:00Z, "
        )),
        "{show}"
    );
    let (code, out, err) = run(
        d,
        &[
            "check",
            "quiet.json",
            "absent.json",
            "--format",
            "concise",
            "--config",
            "iamtrim.toml",
        ],
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            0,
            "absent.json:3:3: no-evidence no active finding with details for arn:aws:iam::444455556666:role/absent in the snapshot: nothing is removed\n\
             Checked 2 policy files: 0 errors, 0 warnings, 1 info.\n",
            ""
        )
    );
    let policy = crate::common::read(&d.join("quiet.json"));
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    for args in [
        &["recommend", "quiet.json", "--config", "iamtrim.toml"][..],
        &[
            "recommend",
            "quiet.json",
            "--findings",
            "snap",
            "--principal",
            "role/quiet",
        ],
    ] {
        let (code, out, err) = run(d, args);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap(),
            policy
        );
        assert_eq!(
            err,
            format!(
                "note: quiet.json: {QUIET}: analyzed: nothing unused (analyzed 2026-11-30T10:00:00Z): nothing is removed for it\n\
                 note: quiet.json: no unused action to remove\n"
            )
        );
    }
    let (code, _, err) = run(d, &["recommend", "absent.json", "--config", "iamtrim.toml"]);
    assert_eq!(code, 0);
    assert!(
        err.contains("role/absent has no active finding with details in the snapshot: no evidence"),
        "{err}"
    );
    // ci-deployer is in the list too, but its finding says more: it still removes what it says.
    let (code, out, _) = run(
        d,
        &[
            "check",
            "ci-deployer.json",
            "--format",
            "concise",
            "--config",
            "iamtrim.toml",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().filter(|l| l.contains("unused-action")).count(),
        5,
        "{out}"
    );
}

/// The analyzed-principals file is checked like any evidence: a bad ARN or date is exit 2.
#[test]
fn a_bad_analyzed_principals_file_is_refused() {
    let dir = analyzed_project();
    let d = dir.path();
    for (text, pointer) in [
        (
            r#"{"analyzer": "x", "analyzedAt": "2026-11-30T10:00:00Z", "principals": []}"#,
            "/analyzer",
        ),
        (
            r#"{"analyzer": "arn:aws:access-analyzer:eu-west-1:444455556666:analyzer/org", "analyzedAt": "yesterday", "principals": []}"#,
            "/analyzedAt",
        ),
        (
            r#"{"analyzer": "arn:aws:access-analyzer:eu-west-1:444455556666:analyzer/org", "analyzedAt": "2026-11-30T10:00:00Z", "principals": ["quiet"]}"#,
            "/principals/0",
        ),
    ] {
        std::fs::write(d.join("bad.json"), text).unwrap();
        let (code, err) = import(d, &["bad.json", "-o", "snap/"]);
        assert_eq!(code, 2);
        assert!(err.contains("bad.json") && err.contains(pointer), "{err}");
        assert!(!d.join("snap").exists());
    }
}
