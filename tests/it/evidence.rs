//! Corrupt evidence is never taken as proof: a field of the wrong type or form, a date that
//! does not parse, a snapshot that is a device, a FIFO or a symlink, an index naming files
//! outside its folder. Each is exit 2 with the file and the JSON pointer named, and nothing is
//! written.

use crate::common::{data, iamtrim};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tempfile::TempDir;

const CI: &str = "arn:aws:iam::444455556666:role/ci-deployer";

/// The pointer of `/principals/<CI>` in an index (RFC 6901 escapes `/`).
const CI_KEY: &str = "arn:aws:iam::444455556666:role~1ci-deployer";

fn run(dir: &Path, args: &[&str]) -> Output {
    iamtrim()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap()
}

/// stderr without whitespace or miette's frame, so a message wrapped at any width still
/// contains its pointer.
fn flat(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '│' | '×' | '╰' | '─' | '╭' | '├'))
        .collect()
}

/// Exit 2 (no panic, no hang), the file and the pointer named.
#[track_caller]
fn refused(out: &Output, file: &str, pointer: &str) {
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

fn fixture(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(rel)).unwrap()).unwrap()
}

/// A project with an iamtrim.toml binding `p.json` to ci-deployer, the snapshot at `snapshot`.
fn project(snapshot: &str) -> TempDir {
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
fn set(mut v: Value, pointer: &str, to: Value) -> Value {
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
fn every_reader_refuses(dir: &Path, snapshot: &str, file: &str, pointer: &str) {
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

/// One corrupt file per case: (fixture, pointer, new value, what the error says).
fn corrupt_cases() -> Vec<(&'static str, &'static str, Value, &'static str)> {
    let f2 = "aws-cli/get-finding-v2.ci-deployer.json";
    let rec = "aws-cli/get-finding-recommendation.ci-deployer.json";
    let list = "aws-cli/list-findings-v2.json";
    let role = "aws-cli/get-finding-v2.legacy-batch.json";
    let upd = "/findingDetails/0/unusedPermissionDetails";
    let step = "/recommendedSteps/2/unusedPermissionsRecommendedStep";
    vec![
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions",
            json!("DeleteTable"),
            "expected an array of objects or strings, found a string",
        ),
        (f2, "/status", json!(["ACTIVE"]), "found an array"),
        (f2, "/status", json!("active"), "ACTIVE"),
        (f2, "/analyzedAt", json!("last tuesday"), "RFC 3339"),
        (
            f2,
            "/analyzedAt",
            json!("2024-06-10T08:15:02+0é0"),
            "RFC 3339",
        ),
        (f2, "/analyzedAt", json!(1718007302), "found a number"),
        (f2, "/analyzedAt", Value::Null, "found null"),
        (f2, "/resource", json!("ci-deployer"), "ARN"),
        (f2, "/resource", json!("arn:aws:s3:::bucket"), "ARN"),
        (f2, "/resourceType", json!(7), "found a number"),
        (f2, "/createdAt", json!("2026-09-02"), "RFC 3339"),
        (f2, "/updatedAt", json!(false), "found a boolean"),
        (f2, "/id", json!(7), "found a number"),
        (f2, "/findingType", json!({}), "found an object"),
        (f2, "/findingDetails", json!({}), "found an object"),
        (f2, "/findingDetails/1", json!("kms"), "found a string"),
        (
            f2,
            "/findingDetails/1",
            json!({}),
            "unusedPermissionDetails",
        ),
        (f2, upd, json!([]), "found an array"),
        (
            f2,
            "/findingDetails/1/unusedPermissionDetails/serviceNamespace",
            json!(7),
            "found a number",
        ),
        (
            f2,
            "/findingDetails/1/unusedPermissionDetails/serviceNamespace",
            json!("s 3"),
            "service",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0",
            json!(7),
            "found a number",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0",
            json!({}),
            "`action` is missing",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0/action",
            json!(["DeleteTable"]),
            "found an array",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0/action",
            json!("Delete*"),
            "action name",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/1/lastAccessed",
            json!("soon"),
            "RFC 3339",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/lastAccessed",
            json!(0),
            "found a number",
        ),
        (
            role,
            "/findingDetails/0/unusedIamRoleDetails",
            json!("yes"),
            "found a string",
        ),
        (
            role,
            "/findingDetails/0/unusedIamRoleDetails/lastAccessed",
            json!([]),
            "found an array",
        ),
        (rec, "/resourceArn", json!("ci-deployer"), "ARN"),
        (rec, "/status", json!(1), "found a number"),
        (rec, "/completedAt", json!("2026-11-18"), "RFC 3339"),
        (rec, "/recommendedSteps", json!({}), "found an object"),
        (
            rec,
            "/recommendedSteps/0",
            json!("DETACH_POLICY"),
            "found a string",
        ),
        (
            rec,
            "/recommendedSteps/0/unusedPermissionsRecommendedStep",
            json!([]),
            "found an array",
        ),
        (rec, step, json!(null), "found null"),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/recommendedPolicy",
            json!("{\"Version\": "),
            "policy document",
        ),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/recommendedPolicy",
            json!({"Version": "2012-10-17"}),
            "found an object",
        ),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/recommendedAction",
            json!("CREATE"),
            "CREATE_POLICY",
        ),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/existingPolicyId",
            json!(7),
            "found a number",
        ),
        (
            rec,
            "/recommendedSteps/1/unusedPermissionsRecommendedStep/policyUpdatedAt",
            json!("x"),
            "RFC 3339",
        ),
        (list, "/findings", json!({}), "found an object"),
        (list, "/findings/0", json!(7), "found a number"),
        (list, "/findings/0/resource", json!(7), "found a number"),
        (
            list,
            "/findings/1/status",
            json!(["ACTIVE"]),
            "found an array",
        ),
        (
            list,
            "/findings/2/analyzedAt",
            json!("2026-11-18T07:00:01"),
            "RFC 3339",
        ),
    ]
}

/// The table: each corrupt field, through every command that reads evidence.
#[test]
fn corrupt_fields_are_refused_by_every_reader() {
    for (from, pointer, to, says) in corrupt_cases() {
        let dir = project("snap.json");
        let v = set(fixture(from), pointer, to.clone());
        std::fs::write(dir.path().join("snap.json"), v.to_string()).unwrap();
        let out = run(dir.path(), &["snapshot", "import", "snap.json"]);
        refused(&out, "snap.json", pointer);
        let err: String = flat(&out);
        assert!(
            err.contains(&says.replace(' ', "")),
            "{from} {pointer} = {to}: expected `{says}` in {}",
            String::from_utf8_lossy(&out.stderr)
        );
        every_reader_refuses(dir.path(), "snap.json", "snap.json", pointer);
    }
}

/// The short form and iamtrim's own normalized file, each corrupt field refused.
#[test]
fn corrupt_short_form_and_normalized_snapshot() {
    let short = json!([
        {"serviceNamespace": "dynamodb", "actions": ["DeleteTable", {"action": "UpdateTable"}]},
        {"serviceNamespace": "kms"}
    ]);
    let short_with_resource = json!({"resource": CI, "unusedPermissions": short.clone()});
    let dir = project("snap.json");
    // The normalized file as import writes it, with every kind of field.
    let inputs: Vec<PathBuf> = vec![data("aws-cli")];
    let out = iamtrim()
        .arg("snapshot")
        .arg("import")
        .args(&inputs)
        .output()
        .unwrap();
    assert!(out.status.success());
    let normalized: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ci = normalized["principals"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["principal"] == CI)
        .unwrap();
    let p = format!("/principals/{ci}");
    let cases: Vec<(Value, String, Value)> = vec![
        (short.clone(), "/0/serviceNamespace".into(), json!(7)),
        (short.clone(), "/0/actions".into(), json!("DeleteTable")),
        (short.clone(), "/0/actions/1".into(), json!(true)),
        (short.clone(), "/0/actions/1/action".into(), json!(null)),
        (short.clone(), "/1".into(), json!("kms")),
        (
            short_with_resource.clone(),
            "/resource".into(),
            json!("ci-deployer"),
        ),
        (
            short_with_resource.clone(),
            "/unusedPermissions".into(),
            json!({}),
        ),
        (
            short_with_resource,
            "/unusedPermissions/0/actions/0".into(),
            json!("s3:"),
        ),
        (normalized.clone(), "/version".into(), json!("1")),
        (normalized.clone(), "/principals".into(), json!({})),
        (normalized.clone(), p.clone(), json!([])),
        (
            normalized.clone(),
            format!("{p}/principal"),
            json!("ci-deployer"),
        ),
        (normalized.clone(), format!("{p}/findingId"), json!(7)),
        (
            normalized.clone(),
            format!("{p}/analyzedAt"),
            json!("2024-06-10T08:15:02+0é0"),
        ),
        (normalized.clone(), format!("{p}/lastAccessed"), json!(null)),
        (
            normalized.clone(),
            format!("{p}/unusedServices"),
            json!("kms"),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedServices/0"),
            json!(7),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedActions"),
            json!(["s3"]),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedActions/s3"),
            json!("GetBucketAcl"),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedActions/s3/0"),
            json!({}),
        ),
        (
            normalized.clone(),
            format!("{p}/recommendations/0/detach"),
            json!("no"),
        ),
        (
            normalized.clone(),
            format!("{p}/recommendations/0/existingPolicyId"),
            json!(null),
        ),
        (
            normalized.clone(),
            format!("{p}/recommendations/1/recommendedPolicy"),
            json!("not json"),
        ),
    ];
    for (doc, pointer, to) in cases {
        let v = set(doc, &pointer, to);
        std::fs::write(dir.path().join("snap.json"), v.to_string()).unwrap();
        every_reader_refuses(dir.path(), "snap.json", "snap.json", &pointer);
    }
    // unusedRole given as a string must not be read as `false` (or `true`).
    let v = set(normalized, &format!("{p}/unusedRole"), json!("true"));
    std::fs::write(dir.path().join("snap.json"), v.to_string()).unwrap();
    every_reader_refuses(
        dir.path(),
        "snap.json",
        "snap.json",
        &format!("{p}/unusedRole"),
    );
}

/// `snapshot import -o snap/` of the AWS test data, in a project bound to ci-deployer.
fn indexed_project() -> TempDir {
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

fn ci_file(dir: &Path) -> PathBuf {
    dir.join("snap/principals/arn_aws_iam__444455556666_role_ci-deployer.json")
}

fn edit_json(path: &Path, f: impl FnOnce(Value) -> Value) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(&f(v)).unwrap()).unwrap();
}

/// index.json entries are ARNs naming plain files inside the folder.
#[test]
fn corrupt_index_entries_are_refused() {
    let pk = format!("/principals/{CI_KEY}");
    let cases: Vec<(String, Value)> = vec![
        ("/version".into(), json!(2)),
        ("/layout".into(), json!(7)),
        ("/newestAnalyzedAt".into(), json!("yesterday")),
        ("/newestAnalyzedAt".into(), json!(7)),
        ("/principals".into(), json!([])),
        (pk.clone(), json!(7)),
        (pk.clone(), json!("../../../../etc/passwd")),
        (pk.clone(), json!("/etc/passwd")),
        (pk.clone(), json!("principals/../../x.json")),
        (pk, json!("")),
        ("/policies".into(), json!([])),
        ("/policies/ci-deployer-inline".into(), json!(CI)),
        (
            "/policies/ci-deployer-inline/0".into(),
            json!("ci-deployer"),
        ),
    ];
    for (pointer, to) in cases {
        let dir = indexed_project();
        edit_json(&dir.path().join("snap/index.json"), |v| {
            set(v, &pointer, to.clone())
        });
        every_reader_refuses(dir.path(), "snap", "index.json", &pointer);
    }
    // A key that is not an ARN.
    let dir = indexed_project();
    edit_json(&dir.path().join("snap/index.json"), |mut v| {
        let p = v["principals"].as_object_mut().unwrap();
        let f = p.remove(CI).unwrap();
        p.insert("ci-deployer".into(), f);
        v
    });
    every_reader_refuses(dir.path(), "snap", "index.json", "/principals/ci-deployer");
    // A principal's file, corrupt.
    let dir = indexed_project();
    edit_json(&ci_file(dir.path()), |v| {
        set(v, "/principals/0/unusedActions/s3", json!("GetBucketAcl"))
    });
    every_reader_refuses(
        dir.path(),
        "snap",
        "role_ci-deployer.json",
        "/principals/0/unusedActions/s3",
    );
}

/// Dates that are not RFC 3339, a multi-byte character among them (it used to panic `check`
/// and `show` once imported): refused by import, and by every reader of a normalized file
/// written by hand.
#[test]
fn bad_dates_are_refused_without_a_panic() {
    for bad in [
        "2024-06-10T08:15:02+0é0",
        "2024-06-10T08:15:0é+00:00",
        "2024-02-30T08:15:02+00:00",
        "2024-06-10T08:15:02",
        "2024-06-10T08:15:02+0000",
        "2024-06-10",
        "2024-06-10T08:15:02+00:00[UTC]",
        "",
    ] {
        let dir = project("snap.json");
        let f = set(
            fixture("aws-cli/get-finding-v2.ci-deployer.json"),
            "/analyzedAt",
            json!(bad),
        );
        std::fs::write(dir.path().join("in.json"), f.to_string()).unwrap();
        refused(
            &run(dir.path(), &["snapshot", "import", "in.json"]),
            "in.json",
            "/analyzedAt",
        );
        let hand = json!({"version": 1, "principals": [
            {"principal": CI, "analyzedAt": bad, "unusedServices": ["kms"]}
        ]});
        std::fs::write(dir.path().join("snap.json"), hand.to_string()).unwrap();
        every_reader_refuses(
            dir.path(),
            "snap.json",
            "snap.json",
            "/principals/0/analyzedAt",
        );
    }
    // The AWS forms are taken.
    for good in [
        "2024-06-10T08:15:02+00:00",
        "2024-06-10T08:15:02.123Z",
        "2026-09-02T10:11:12.345000+00:00",
    ] {
        let dir = project("snap.json");
        let hand = json!({"version": 1, "principals": [
            {"principal": CI, "analyzedAt": good, "unusedServices": ["kms"]}
        ]});
        std::fs::write(dir.path().join("snap.json"), hand.to_string()).unwrap();
        let out = run(dir.path(), &["snapshot", "show", "snap.json"]);
        assert!(out.status.success(), "{good}: {}", flat(&out));
    }
}

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

/// Every node of a JSON document, by pointer (the root left out).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    let esc = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = format!("{at}/{}", esc(k));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// One mutated document's fate: `Ok` when refused with its pointer or read the same as the
/// original, else what went wrong.
type Verdict = Result<bool, String>;

/// Gives each node of `doc` (written to `target`) every other JSON type in turn, reads with
/// `args` in `dir`, and collects what was taken with exit 0 and a different answer.
fn mutate_all(
    dir: &Path,
    doc: &Value,
    target: &Path,
    shown: &str,
    args: &[&str],
    baseline: &[u8],
) -> (usize, usize, Vec<String>) {
    let replacements = [
        json!("x"),
        json!(7),
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
    ];
    let mut ps = Vec::new();
    pointers(doc, String::new(), &mut ps);
    let (mut refused_n, mut same_n, mut wrong) = (0, 0, Vec::new());
    for p in &ps {
        let orig = doc.pointer(p).unwrap();
        for r in &replacements {
            // An action may be a bare name or an object: a string there is not a wrong type.
            if same_type(orig, r) || (r.is_string() && p.contains("/actions/")) {
                continue;
            }
            let v = set(doc.clone(), p, r.clone());
            std::fs::write(target, serde_json::to_string_pretty(&v).unwrap()).unwrap();
            let out = run(dir, args);
            let verdict: Verdict = match out.status.code() {
                Some(2) if flat(&out).contains(shown) && flat(&out).contains(p.as_str()) => {
                    Ok(true)
                }
                Some(0) if out.stdout == baseline => Ok(false),
                code => Err(format!(
                    "{shown} {p} = {r}: exit {code:?}, {}",
                    if code == Some(0) {
                        "a different evidence set".to_string()
                    } else {
                        flat(&out)
                    }
                )),
            };
            match verdict {
                Ok(true) => refused_n += 1,
                Ok(false) => same_n += 1,
                Err(e) => wrong.push(e),
            }
        }
    }
    (refused_n, same_n, wrong)
}

/// Every field of every AWS CLI fixture, the normalized file, index.json and a principal's file,
/// given every other JSON type: refused (exit 2, the field named) or, where iamtrim does not
/// read the field, the same evidence as before. Never a different evidence set with exit 0.
#[test]
fn every_wrong_type_is_refused_or_not_read() {
    let mut total = (0, 0);
    let mut wrong = Vec::new();
    let mut tally = |(r, s, w): (usize, usize, Vec<String>)| {
        total.0 += r;
        total.1 += s;
        wrong.extend(w);
    };
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(data("aws-cli"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    fixtures.extend(
        ["paged.json", "two-roles.json", "archived.json"].map(|f| data(&format!("snapshot/{f}"))),
    );
    fixtures.sort();
    // Each fixture alone, and the normalized file of all of them.
    let dir = TempDir::new().unwrap();
    let f = dir.path().join("f.json");
    for path in &fixtures {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        std::fs::write(&f, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        let base = run(dir.path(), &["snapshot", "import", "f.json"]);
        assert!(base.status.success(), "{}: {}", path.display(), flat(&base));
        tally(mutate_all(
            dir.path(),
            &doc,
            &f,
            "f.json",
            &["snapshot", "import", "f.json"],
            &base.stdout,
        ));
    }
    let all = iamtrim()
        .arg("snapshot")
        .arg("import")
        .args(&fixtures)
        .output()
        .unwrap();
    assert!(all.status.success());
    let normalized: Value = serde_json::from_slice(&all.stdout).unwrap();
    std::fs::write(&f, &all.stdout).unwrap();
    tally(mutate_all(
        dir.path(),
        &normalized,
        &f,
        "f.json",
        &["snapshot", "import", "f.json"],
        &all.stdout,
    ));
    // An indexed folder: its index.json and a principal's file.
    let dir = indexed_project();
    let base = run(dir.path(), &["snapshot", "import", "snap"]);
    assert!(base.status.success(), "{}", flat(&base));
    for (file, shown) in [
        (dir.path().join("snap/index.json"), "index.json"),
        (ci_file(dir.path()), "role_ci-deployer.json"),
    ] {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        tally(mutate_all(
            dir.path(),
            &doc,
            &file,
            shown,
            &["snapshot", "import", "snap"],
            &base.stdout,
        ));
        std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    assert!(
        wrong.is_empty(),
        "{} of {} mutations taken as other evidence:\n{}",
        wrong.len(),
        total.0 + total.1 + wrong.len(),
        wrong.join("\n")
    );
    eprintln!("mutations: {} refused, {} not read", total.0, total.1);
    assert!(total.0 > 500, "refused only {}", total.0);
}
