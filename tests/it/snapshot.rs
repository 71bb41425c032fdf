//! Findings snapshots and bindings: every Access Analyzer shape, iamtrim.toml, shared principals.

use crate::common::{data, example, iamtrim, read, recommend};
use serde_json::{Value, json};
use std::path::Path;
use tempfile::TempDir;

/// A throwaway project: files written relative to its root.
fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn copy(from: &Path, dir: &TempDir, rel: &str) {
    let to = dir.path().join(rel);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// `recommend` in `dir` with its iamtrim.toml: (stdout as JSON or Null, stderr).
fn recommend_in(dir: &Path, policy: &str) -> (Value, String) {
    let out = iamtrim()
        .current_dir(dir)
        .args(["recommend", policy, "--config", "iamtrim.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = if out.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out.stdout).unwrap()
    };
    (v, String::from_utf8(out.stderr).unwrap())
}

fn actions(policy: &Value) -> Vec<Vec<String>> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
            _ => vec![],
        })
        .collect()
}

/// The seed example's iamtrim.toml (binding policy.json to MyRole, snapshot folder) gives what the
/// short form gives.
#[test]
fn seed_example_through_config_and_snapshot_folder() {
    let ex = example();
    let out = iamtrim()
        .current_dir(&ex)
        .args([
            "recommend",
            "policy.json",
            "--config",
            "iamtrim.toml",
            "--catalog",
            "catalog",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        read(&ex.join("expected-fixed.json"))
    );
}

/// get-finding-v2 with a whole-service entry, list-findings-v2 (an ARCHIVED summary ignored, an
/// access-key summary irrelevant), the recommendation with DETACH before CREATE binding the inline
/// policy by its name: iamtrim's answer equals the policy AWS recommended.
#[test]
fn recommendation_binds_inline_policy_by_name_and_matches_aws() {
    let dir = project(&[("iamtrim.toml", "snapshot = \"findings\"\n")]);
    for f in [
        "get-finding-v2.ci-deployer.json",
        "get-finding-v2.legacy-batch.json",
        "list-findings-v2.json",
        "get-finding-recommendation.ci-deployer.json",
    ] {
        copy(&data("aws-cli").join(f), &dir, &format!("findings/{f}"));
    }
    copy(
        &data("snapshot/ci-deployer-inline.json"),
        &dir,
        "policies/ci-deployer-inline.json",
    );
    let (refined, err) = recommend_in(dir.path(), "policies/ci-deployer-inline.json");
    assert!(err.is_empty(), "{err}");
    let rec: Value = serde_json::from_str(&read(&data(
        "aws-cli/get-finding-recommendation.ci-deployer.json",
    )))
    .unwrap();
    let aws_policy: Value = serde_json::from_str(
        rec["recommendedSteps"][2]["unusedPermissionsRecommendedStep"]["recommendedPolicy"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(actions(&refined), actions(&aws_policy));
}

/// A project whose `policies/app.json` is bound to `principals` (a TOML array's contents), with
/// the two-roles snapshot.
fn two_roles_project(files: &str, principals: &str) -> TempDir {
    let dir = project(&[(
        "iamtrim.toml",
        &format!("snapshot = \"snap\"\n[[bind]]\nfiles = [{files}]\nprincipals = [{principals}]\n"),
    )]);
    copy(
        &data("snapshot/two-roles.json"),
        &dir,
        "snap/two-roles.json",
    );
    copy(&data("snapshot/app.policy.json"), &dir, "policies/app.json");
    dir
}

/// A policy bound to two roles loses only what both leave unused; whole-service entries combine
/// with action lists.
#[test]
fn two_roles_keep_what_either_uses() {
    let dir = two_roles_project(
        "\"policies/*.json\"",
        "\"arn:aws:iam::444455556666:role/app-blue\", \"app-green\"",
    );
    let (refined, err) = recommend_in(dir.path(), "policies/app.json");
    assert!(err.is_empty(), "{err}");
    // DeleteTable: unused by both. UpdateTable: green uses it. kms: blue uses nothing of it,
    // green leaves only Decrypt unused.
    assert_eq!(
        actions(&refined),
        vec![vec![
            "dynamodb:UpdateTable",
            "dynamodb:PutItem",
            "kms:Encrypt"
        ]]
    );
}

#[test]
fn bound_role_missing_from_snapshot_removes_nothing() {
    let dir = two_roles_project(
        "\"policies/app.json\"",
        "\"app-blue\", \"arn:aws:iam::444455556666:role/not-analyzed\"",
    );
    let (refined, err) = recommend_in(dir.path(), "policies/app.json");
    assert!(
        err.contains("role/not-analyzed has no active finding"),
        "{err}"
    );
    let original: Value = serde_json::from_str(&read(&data("snapshot/app.policy.json"))).unwrap();
    assert_eq!(refined, original);
}

#[test]
fn unbound_file_is_reported() {
    let dir = project(&[("iamtrim.toml", "snapshot = \"snap\"\n")]);
    copy(
        &data("snapshot/two-roles.json"),
        &dir,
        "snap/two-roles.json",
    );
    copy(&data("snapshot/app.policy.json"), &dir, "policies/app.json");
    let (refined, err) = recommend_in(dir.path(), "policies/app.json");
    assert!(err.contains("bound to no principal"), "{err}");
    assert_eq!(actions(&refined)[0].len(), 5);
}

#[test]
fn unused_role_and_archived_findings() {
    let dir = project(&[(
        "iamtrim.toml",
        r#"snapshot = "snap"
[[bind]]
files = ["legacy.json"]
principals = ["legacy-batch"]
[[bind]]
files = ["old.json"]
principals = ["old-reporting"]
"#,
    )]);
    copy(
        &data("aws-cli/get-finding-v2.legacy-batch.json"),
        &dir,
        "snap/legacy.json",
    );
    copy(&data("snapshot/archived.json"), &dir, "snap/archived.json");
    copy(&data("snapshot/app.policy.json"), &dir, "legacy.json");
    copy(&data("snapshot/app.policy.json"), &dir, "old.json");
    let (refined, err) = recommend_in(dir.path(), "legacy.json");
    assert_eq!(refined, Value::Null);
    assert!(err.contains("detach the policy"), "{err}");
    let (refined, err) = recommend_in(dir.path(), "old.json");
    assert!(err.contains("old-reporting has no active finding"), "{err}");
    assert_eq!(actions(&refined)[0].len(), 5);
}

#[test]
fn finding_split_over_two_pages_is_merged() {
    let out = iamtrim()
        .args(["snapshot", "import"])
        .arg(data("snapshot/paged.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &v["principals"][0];
    assert_eq!(p["principal"], "arn:aws:iam::444455556666:role/paged");
    assert_eq!(
        p["unusedActions"],
        json!({"s3": ["GetBucketAcl", "GetBucketPolicy"]})
    );
    assert_eq!(p["unusedServices"], json!(["sqs"]));
    assert_eq!(p["lastAccessed"], "2026-10-01T00:00:00+00:00");
}

/// Import is deterministic (same bytes twice, whatever the argument order), round-trips through
/// its own format, and newer findings for a principal replace older ones.
#[test]
fn import_is_deterministic_and_newer_replaces_older() {
    let cli = data("aws-cli");
    let files = [
        "get-finding-v2.ci-deployer.json",
        "list-findings-v2.json",
        "get-finding-recommendation.ci-deployer.json",
        "get-finding-v2.legacy-batch.json",
    ];
    let run = |order: &[&str]| {
        let mut cmd = iamtrim();
        cmd.args(["snapshot", "import"]);
        for f in order {
            cmd.arg(cli.join(f));
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let a = run(&files);
    let mut reversed = files;
    reversed.reverse();
    assert_eq!(a, run(&reversed));
    assert_eq!(a, run(&files));

    let dir = TempDir::new().unwrap();
    let snap = dir.path().join("snapshot.json");
    std::fs::write(&snap, &a).unwrap();
    // Reading the normalized file back gives the same bytes.
    let out = iamtrim()
        .args(["snapshot", "import"])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(out.stdout, a);

    // A newer finding for ci-deployer: only s3:PutBucketPolicy unused now.
    let newer = dir.path().join("newer.json");
    std::fs::write(
        &newer,
        json!({
            "analyzedAt": "2026-11-25T07:00:01+00:00",
            "id": "8d1b5c2e-0f4a-4c1e-9b1f-3f5e6a7b8c90",
            "resource": "arn:aws:iam::444455556666:role/ci-deployer",
            "status": "ACTIVE",
            "findingType": "UnusedPermission",
            "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3",
                "actions": [{"action": "PutBucketPolicy"}]}}]
        })
        .to_string(),
    )
    .unwrap();
    let out = iamtrim()
        .args(["snapshot", "import", "-o"])
        .arg(&snap)
        .arg(&newer)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&read(&snap)).unwrap();
    let ci = v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"] == "arn:aws:iam::444455556666:role/ci-deployer")
        .unwrap();
    assert_eq!(ci["analyzedAt"], "2026-11-25T07:00:01+00:00");
    assert_eq!(ci["unusedActions"], json!({"s3": ["PutBucketPolicy"]}));
    assert!(ci.get("unusedServices").is_none());
    // An older import does not undo it.
    let out = iamtrim()
        .args(["snapshot", "import", "-o"])
        .arg(&snap)
        .arg(cli.join("get-finding-v2.ci-deployer.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v2: Value = serde_json::from_str(&read(&snap)).unwrap();
    assert_eq!(v, v2);
}

#[test]
fn show_lists_principals_with_age() {
    let out = iamtrim()
        .args(["snapshot", "show"])
        .arg(data("aws-cli"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("arn:aws:iam::444455556666:role/ci-deployer\n"),
        "{text}"
    );
    assert!(text.contains("kms: every action unused"), "{text}");
    assert!(text.contains("days old"), "{text}");
    assert!(text.contains("the whole principal is unused"), "{text}");
    assert!(
        text.contains("recommendation for ci-deployer-inline: replace"),
        "{text}"
    );
    assert!(
        !text.contains("old-reporting"),
        "ARCHIVED must be ignored: {text}"
    );
}

#[test]
fn several_principals_in_a_folder_need_principal() {
    let out = recommend(&data("snapshot/app.policy.json"), &data("aws-cli"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("role/ci-deployer") && err.contains("role/legacy-batch"),
        "{err}"
    );
    let out = recommend(
        &data("snapshot/app.policy.json"),
        &data("aws-cli"),
        &["--principal", "ci-deployer"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        actions(&v),
        vec![vec!["dynamodb:PutItem"]],
        "kms is unused as a whole, DeleteTable and UpdateTable too"
    );
}

#[test]
fn stale_snapshot_is_said() {
    let dir = project(&[(
        "iamtrim.toml",
        r#"snapshot = "snap"
max-snapshot-age = "30d"
[[bind]]
files = ["policy.json"]
principals = ["MyRole"]
"#,
    )]);
    copy(
        &example().join("snapshot/get-finding-v2.MyRole.json"),
        &dir,
        "snap/MyRole.json",
    );
    copy(&example().join("policy.json"), &dir, "policy.json");
    let (_, err) = recommend_in(dir.path(), "policy.json");
    assert!(err.contains("older than max-snapshot-age"), "{err}");
}

#[test]
fn config_errors_point_at_the_key() {
    let dir = project(&[(
        "iamtrim.toml",
        "snapshot = \"snap\"\nmax-snapshot-ages = \"30d\"\n",
    )]);
    copy(&data("snapshot/app.policy.json"), &dir, "p.json");
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["recommend", "p.json", "--config", "iamtrim.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("iamtrim.toml"), "{err}");
    assert!(err.contains("unknown field `max-snapshot-ages`"), "{err}");
    assert!(err.contains("2 │ max-snapshot-ages"), "{err}");

    let dir = project(&[("iamtrim.toml", "max-snapshot-age = \"soon\"\n")]);
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "show", "--config", "iamtrim.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a duration"));
}

#[test]
fn corrupt_snapshot_names_the_file() {
    let dir = project(&[
        (
            "iamtrim.toml",
            "snapshot = \"snap\"\n[[bind]]\nfiles = [\"p.json\"]\nprincipals = [\"x\"]\n",
        ),
        ("snap/broken.json", "{\"findingDetails\": [\n"),
    ]);
    copy(&data("snapshot/app.policy.json"), &dir, "p.json");
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["recommend", "p.json", "--config", "iamtrim.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.json") && err.contains("not valid JSON"),
        "{err}"
    );
}

/// `snapshot import -o DIR/` lays the snapshot out by principal; recommend, check and show read
/// it, and a re-import is byte-stable.
#[test]
fn indexed_snapshot_folder() {
    let dir = project(&[(
        "iamtrim.toml",
        r#"snapshot = "snap"
[[bind]]
files = ["policies/app.json"]
principals = ["arn:aws:iam::444455556666:role/app-blue", "app-green"]
"#,
    )]);
    copy(&data("snapshot/app.policy.json"), &dir, "policies/app.json");
    copy(
        &data("snapshot/ci-deployer-inline.json"),
        &dir,
        "policies/ci-deployer-inline.json",
    );
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "-o", "snap/"])
        .arg(data("snapshot/two-roles.json"))
        .arg(data("aws-cli"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index: Value = serde_json::from_str(&read(&dir.path().join("snap/index.json"))).unwrap();
    assert_eq!(index["layout"], "by-principal");
    assert_eq!(
        index["policies"]["ci-deployer-inline"],
        json!(["arn:aws:iam::444455556666:role/ci-deployer"])
    );
    let first = read(&dir.path().join("snap/index.json"));
    // Same answer as from the raw files.
    let (refined, err) = recommend_in(dir.path(), "policies/app.json");
    assert!(err.is_empty(), "{err}");
    assert_eq!(
        actions(&refined),
        vec![vec![
            "dynamodb:UpdateTable",
            "dynamodb:PutItem",
            "kms:Encrypt"
        ]]
    );
    // Binding by recommendation still works through the index.
    let (refined, _) = recommend_in(dir.path(), "policies/ci-deployer-inline.json");
    assert_eq!(
        actions(&refined)[0],
        vec![
            "dynamodb:CreateTable",
            "dynamodb:DescribeTable",
            "dynamodb:PutItem"
        ]
    );
    // Re-importing the same inputs changes nothing.
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "-o", "snap"])
        .arg(data("snapshot/two-roles.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(read(&dir.path().join("snap/index.json")), first);
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "show", "snap"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("role/app-green") && text.contains("role/legacy-batch"),
        "{text}"
    );
}

/// `{stem}` and `{dir}` in a bind's principals name the principal after each bound file, so one
/// `[[bind]]` covers a folder of per-role files; a role missing from the snapshot is "no
/// evidence", not an error.
#[test]
fn bind_templates_name_the_principal_after_the_file() {
    let dir = project(&[(
        "iamtrim.toml",
        r#"snapshot = "snap"
max-snapshot-age = "36500d"
[[bind]]
files = ["roles/*.json"]
principals = ["{stem}"]
[[bind]]
files = ["teams/*/policy.json"]
principals = ["arn:aws:iam::123456789012:role/{dir}"]
"#,
    )]);
    copy(
        &example().join("snapshot/get-finding-v2.MyRole.json"),
        &dir,
        "snap/MyRole.json",
    );
    for rel in [
        "roles/MyRole.json",
        "roles/Other.json",
        "teams/MyRole/policy.json",
        "teams/Other/policy.json",
    ] {
        copy(&example().join("policy.json"), &dir, rel);
    }
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "roles", "teams", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = |path: &str| -> Vec<String> {
        let f = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} in {v}"));
        let mut r: Vec<String> = f["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["rule"].as_str().unwrap().to_string())
            .collect();
        r.dedup();
        r
    };
    for bound in ["roles/MyRole.json", "teams/MyRole/policy.json"] {
        assert_eq!(
            rules(bound),
            ["unused-action", "overbroad-wildcard"],
            "{bound}"
        );
    }
    for unbound in ["roles/Other.json", "teams/Other/policy.json"] {
        assert_eq!(rules(unbound), ["no-evidence"], "{unbound}");
    }
}

#[test]
fn an_unknown_bind_placeholder_points_at_the_principal() {
    let dir = project(&[(
        "iamtrim.toml",
        "snapshot = \"snap\"\n[[bind]]\nfiles = [\"roles/*.json\"]\nprincipals = [\"role/{role}\"]\n",
    )]);
    copy(&example().join("policy.json"), &dir, "roles/a.json");
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "roles"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown placeholder `{role}`"), "{err}");
    assert!(err.contains("4 │ principals = [\"role/{role}\"]"), "{err}");
}

/// `role/a_b` and `role/a/b` (a role path) sanitize to the same file name: each principal
/// keeps its own file.
#[test]
fn indexed_snapshot_keeps_principals_whose_file_names_collide() {
    let finding = read(&example().join("snapshot/get-finding-v2.MyRole.json"));
    let arn = "arn:aws:iam::123456789012:role/MyRole";
    assert!(finding.contains(arn));
    let dir = project(&[
        (
            "in/a.json",
            &finding.replace(arn, "arn:aws:iam::123456789012:role/a_b"),
        ),
        (
            "in/b.json",
            &finding.replace(arn, "arn:aws:iam::123456789012:role/a/b"),
        ),
    ]);
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "import", "in", "-o", "snap/"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index: Value = serde_json::from_str(&read(&dir.path().join("snap/index.json"))).unwrap();
    let files: Vec<&str> = index["principals"]
        .as_object()
        .unwrap()
        .values()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2);
    assert_ne!(files[0], files[1]);
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["snapshot", "show", "snap"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("role/a_b\n") && text.contains("role/a/b\n"),
        "{text}"
    );
}

/// An index.json written by another JSON tool (escaped slashes, keys out of order) reads the
/// same.
#[test]
fn indexed_snapshot_reads_escaped_and_unsorted_index() {
    let dir = project(&[(
        "snap/index.json",
        r#"{"version": 1, "layout": "by-principal",
  "principals": {
    "arn:aws:iam::123456789012:role\/Zed": "principals/z.json",
    "arn:aws:iam::123456789012:role/MyRole": "principals\/m.json"
  }}"#,
    )]);
    copy(
        &example().join("snapshot/get-finding-v2.MyRole.json"),
        &dir,
        "snap/principals/m.json",
    );
    let zed = read(&example().join("snapshot/get-finding-v2.MyRole.json"))
        .replace("role/MyRole", "role/Zed");
    std::fs::write(dir.path().join("snap/principals/z.json"), zed).unwrap();
    let catalog = example().join("catalog");
    let out = recommend(
        &example().join("policy.json"),
        &dir.path().join("snap"),
        &[
            "--principal",
            "MyRole",
            "--catalog",
            catalog.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        read(&example().join("expected-fixed.json"))
    );
}
