//! Issue 9's classes on the fix side: wrong or refused fixes, whole-role evidence, minified
//! layouts, policy size quotas, and files whose cost must stay linear. Each test uses inputs of
//! its own (not only the issue's example).

use crate::common::iamtrim;
use serde_json::{Value, json};
use std::path::Path;
use tempfile::TempDir;

const ROLE: &str = "arn:aws:iam::123456789012:role/app";

/// A project whose every `p*.json` is bound to `ROLE`, with a fresh get-finding-v2 snapshot that
/// reports `unused` (`(service, Some(actions))`, or `(service, None)` for a whole service).
fn project(unused: &[(&str, Option<&[&str]>)], files: &[(&str, &str)]) -> TempDir {
    let details: Vec<Value> = unused
        .iter()
        .map(|(svc, actions)| {
            let mut d = json!({"serviceNamespace": svc});
            if let Some(a) = actions {
                d["actions"] = a.iter().map(|a| json!({"action": a})).collect();
            }
            json!({ "unusedPermissionDetails": d })
        })
        .collect();
    let finding = json!({
        "analyzedAt": "2026-11-20T08:15:02+00:00",
        "id": "f-1",
        "resource": ROLE,
        "resourceType": "AWS::IAM::Role",
        "resourceOwnerAccount": "123456789012",
        "status": "ACTIVE",
        "findingType": "UnusedPermission",
        "findingDetails": details,
    });
    project_with(&finding, files)
}

fn project_with(finding: &Value, files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("snapshot.json"),
        serde_json::to_string_pretty(finding).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!(
            "snapshot = \"snapshot.json\"\nmax-snapshot-age = \"3650d\"\n\n[[bind]]\nfiles = [\"p*.json\"]\nprincipals = [\"{ROLE}\"]\n"
        ),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    iamtrim()
        .current_dir(dir)
        .args(["check", "--config", "iamtrim.toml"])
        .args(args)
        .output()
        .unwrap()
}

fn text(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Class 1: a removed statement is paired by identity, not with the next statement that looks the
/// same. First, middle and last statements, several at once, and a single-statement neighbour.
#[test]
fn removed_statements_are_paired_by_identity() {
    let cases: &[(&str, &str, &str)] = &[
        // The issue's example: the removed one is followed by a look-alike.
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudwatch:DescribeAlarms","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            "first",
        ),
        // The middle of three look-alikes, pretty-printed.
        (
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\"},\n    {\"Effect\": \"Allow\", \"Action\": [\"sqs:DeleteQueue\", \"sqs:PurgeQueue\"], \"Resource\": \"*\"},\n    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}\n  ]\n}\n",
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\"},\n    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}\n  ]\n}\n",
            "middle",
        ),
        // The last, and two at once with a look-alike between them.
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"cloudwatch:DescribeAlarms","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"sqs:DeleteQueue","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            "first and last",
        ),
    ];
    for (before, after, what) in cases {
        let dir = project(
            &[
                ("cloudwatch", Some(&["DescribeAlarms"])),
                ("sqs", Some(&["DeleteQueue", "PurgeQueue"])),
            ],
            &[("p.json", before)],
        );
        let out = check(dir.path(), &["p.json", "--fix"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{what}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert_eq!(text(dir.path(), "p.json"), *after, "{what}");
    }
}

/// Class 3: a one-line policy stays on one line when a string `Action` becomes several entries, or
/// a string `NotAction` gains some; in its own spacing (minified, or with spaces), LF or CRLF.
#[test]
fn one_line_policies_stay_one_line() {
    let unused: &[(&str, Option<&[&str]>)] = &[
        ("s3", Some(&["GetObjectTorrent", "GetBucketPolicy"])),
        ("sqs", Some(&["DeleteQueue"])),
    ];
    let cases = [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject*","Resource":"*"}]}"#.to_string() + "\n",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetBucket*", "Resource": "*"}}"#.to_string() + "\r\n",
        r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#.to_string(),
    ];
    for (i, before) in cases.iter().enumerate() {
        let dir = project(unused, &[("p.json", before)]);
        let out = check(dir.path(), &["p.json", "--fix", "--unsafe-fixes"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        let after = text(dir.path(), "p.json");
        assert_ne!(&after, before, "case {i}: nothing fixed");
        let body = after.trim_end_matches(['\r', '\n']);
        assert!(
            !body.contains('\n'),
            "case {i} lost its one-line layout:\n{after}"
        );
        assert_eq!(
            &after[body.len()..],
            &before[before.trim_end_matches(['\r', '\n']).len()..]
        );
        // Spacing kept: minified stays without spaces, spaced keeps ", ".
        assert_eq!(
            body.contains(", "),
            before.contains(", "),
            "case {i}: {after}"
        );
        let v: Value = serde_json::from_str(body).unwrap();
        let st = &v["Statement"];
        let st = if st.is_array() { &st[0] } else { st };
        let list = st.get("Action").or(st.get("NotAction")).unwrap();
        assert!(
            list.as_array().is_some_and(|a| a.len() > 1),
            "case {i}: {after}"
        );
    }
}

/// A policy of `n` entries: mostly names the catalogue lacks (each an `unknown-action` warning)
/// and a tenth unused (each an `unused-action` error with a fix), pretty or minified.
fn long_policy(n: usize, minified: bool) -> String {
    let actions: Vec<String> = (0..n)
        .map(|i| {
            if i % 10 == 0 {
                "sqs:DeleteQueue".to_string()
            } else {
                format!("s3:GetObjectX{i}")
            }
        })
        .chain(["s3:GetObject".to_string()])
        .collect();
    let v = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]});
    if minified {
        v.to_string()
    } else {
        serde_json::to_string_pretty(&v).unwrap()
    }
}

/// The fastest of three runs of `args` on a fresh copy of `policy`.
fn fastest(policy: &str, args: &[&str]) -> std::time::Duration {
    (0..3)
        .map(|_| {
            let dir = project(&[("sqs", Some(&["DeleteQueue"]))], &[("p.json", policy)]);
            let t = std::time::Instant::now();
            let out = check(dir.path(), args);
            let took = t.elapsed();
            assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
            took
        })
        .min()
        .unwrap()
}

/// Class 9: time (and with it memory: the quadratic cost was a list of sibling spans cloned per
/// entry, and miette reading every snippet from the start of the file) grows linearly with the
/// length of an `Action` list, pretty or minified, for every output and for `--fix`. Eight times
/// the entries may cost at most 24 times as much (a quadratic cost would be 64 times).
#[test]
fn cost_is_linear_in_the_length_of_an_action_list() {
    for minified in [false, true] {
        let (small, big) = (long_policy(1_000, minified), long_policy(8_000, minified));
        for args in [
            &["p.json"][..],
            &["p.json", "--format", "sarif"],
            &["p.json", "--format", "json"],
            &["p.json", "--fix"],
        ] {
            let (a, b) = (fastest(&small, args), fastest(&big, args));
            let ratio = b.as_secs_f64() / a.as_secs_f64();
            assert!(
                ratio < 24.0,
                "{args:?} minified={minified}: 1,000 entries {a:?}, 8,000 entries {b:?} ({ratio:.1}x)"
            );
        }
    }
}

/// A finding that the whole role is unused.
fn role_unused_finding() -> Value {
    json!({
        "analyzedAt": "2026-11-20T08:15:02+00:00",
        "id": "f-2",
        "resource": ROLE,
        "resourceType": "AWS::IAM::Role",
        "resourceOwnerAccount": "123456789012",
        "status": "ACTIVE",
        "findingType": "UnusedIAMRole",
        "findingDetails": [{"unusedIamRoleDetails": {"lastAccessed": "2026-01-01T00:00:00Z"}}],
    })
}

/// Class 2: a whole role unused means "detach": `unused-policy`, no rewrite by `--fix
/// --unsafe-fixes`, only `DETACH_POLICY` from `recommend --format aws`; for `NotAction`
/// statements, wildcards, explicit actions and mixed policies alike.
#[test]
fn unused_role_means_detach_whatever_the_statements() {
    let policies = [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","sqs:SendMessage"],"Resource":"*"},{"Effect":"Allow","NotAction":"ec2:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ];
    for policy in policies {
        let dir = project_with(&role_unused_finding(), &[("p.json", policy)]);
        let out = check(dir.path(), &["p.json", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{policy}: {}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: Vec<&str> = report["files"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .filter(|r| !iamtrim::rules::HYGIENE_RULES.contains(r))
            .collect();
        assert_eq!(rules, ["unused-policy"], "{policy}");
        let out = check(dir.path(), &["p.json", "--fix", "--unsafe-fixes"]);
        assert_eq!(out.status.code(), Some(1), "{policy}: {}", stderr(&out));
        assert_eq!(text(dir.path(), "p.json"), policy, "a detach is no rewrite");
        let out = iamtrim()
            .current_dir(dir.path())
            .args([
                "recommend",
                "p.json",
                "--config",
                "iamtrim.toml",
                "--format",
                "aws",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        let steps: Vec<&str> = answer["recommendedSteps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s["unusedPermissionsRecommendedStep"]["recommendedAction"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(steps, ["DETACH_POLICY"], "{policy}");
    }
}

/// The actions `pattern` expands to, every `step`-th one, as (service, [names]).
fn every_nth(pattern: &str, step: usize) -> Vec<String> {
    let out = iamtrim().args(["expand", pattern]).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .step_by(step)
        .map(|l| l.split_once(':').unwrap().1.to_string())
        .collect()
}

fn wildcard_fixes(dir: &Path) -> Vec<(String, String)> {
    let out = check(dir, &["p.json", "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "overbroad-wildcard")
        .map(|f| {
            (
                f["fix"]["applicability"].as_str().unwrap().to_string(),
                f["help"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Class 5: a refinement that grows a policy past IAM's size limit says so, with the sizes, and
/// its fix is unsafe; one that stays within the limit is untouched.
#[test]
fn refinements_past_the_size_quota_are_unsafe_and_say_so() {
    let ec2 = every_nth("ec2:*", 3);
    let names: Vec<&str> = ec2.iter().map(String::as_str).collect();
    let big = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:*", "s3:GetObject"], "Resource": "*"}]}"#;
    let dir = project(&[("ec2", Some(&names))], &[("p.json", big)]);
    let fixes = wildcard_fixes(dir.path());
    assert_eq!(fixes.len(), 1);
    let (applicability, help) = &fixes[0];
    assert_eq!(applicability, "unsafe", "{help}");
    assert!(
        help.contains("over IAM's limit of 6144 for a managed policy")
            && help.contains("(now 106)"),
        "{help}"
    );
    // --fix leaves it; --unsafe-fixes applies it.
    let out = check(dir.path(), &["p.json", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(dir.path(), "p.json"), big);

    // A narrowing that stays small is still safe.
    let s3 = every_nth("s3:GetObject*", 4);
    let names: Vec<&str> = s3.iter().map(String::as_str).collect();
    let small = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}]}"#;
    let dir = project(&[("s3", Some(&names))], &[("p.json", small)]);
    let fixes = wildcard_fixes(dir.path());
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0].0, "safe", "{}", fixes[0].1);
    assert!(!fixes[0].1.contains("limit"));
}

/// Class 5 for `recommend`: the refined policy is printed, and stderr says it is over the quota.
#[test]
fn recommend_says_when_the_refined_policy_is_over_the_quota() {
    let ec2 = every_nth("ec2:*", 3);
    let names: Vec<&str> = ec2.iter().map(String::as_str).collect();
    let big = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}"#;
    let dir = project(&[("ec2", Some(&names))], &[("p.json", big)]);
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["recommend", "p.json", "--config", "iamtrim.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("over IAM's limit of 6144"),
        "{}",
        stderr(&out)
    );
    let refined: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(refined["Statement"][0]["Action"].as_array().unwrap().len() > 100);
}

/// Class 19: reading each file's version at `analyzedAt` costs about the same however many files
/// share its folder: `check --all` on 3,000 policies committed before the analysis (history in
/// play) against the same committed after it (no history to read). libgit2 re-inflating the
/// folder's tree for every file made the first cost grow with the square of the folder.
#[test]
fn history_costs_the_same_for_a_big_folder() {
    use crate::git::Repo;
    let policy = crate::common::read(&crate::common::example().join("policy.json"));
    let make = |date: &str| {
        let r = Repo::new();
        for i in 0..3_000 {
            r.write(&format!("policies/p{i:05}.json"), &policy);
        }
        r.commit("policies", date);
        r
    };
    let (before, after) = (make("2024-06-01T00:00:00Z"), make("2024-07-01T00:00:00Z"));
    let time = |r: &Repo| {
        (0..2)
            .map(|_| {
                let t = std::time::Instant::now();
                let out = r.check(&["--all", "--format", "json"]);
                assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
                t.elapsed()
            })
            .min()
            .unwrap()
    };
    let (with, without) = (time(&before), time(&after));
    let ratio = with.as_secs_f64() / without.as_secs_f64();
    assert!(
        ratio < 2.0,
        "with history {with:?}, without {without:?} ({ratio:.2}x)"
    );
}

/// Class 8 elsewhere: the policy `recommend` reads and the files of a `--catalog` folder are read
/// only when regular, with a bound: a FIFO or `/dev/zero` gives an error (exit 2) at once.
#[test]
fn recommend_and_catalog_folders_do_not_read_fifos_or_devices() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let status = std::process::Command::new("mkfifo")
        .arg(d.join("fifo.json"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.json")).unwrap();
    std::fs::write(
        d.join("f.json"),
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    )
    .unwrap();
    for policy in ["fifo.json", "zero.json"] {
        let out = iamtrim()
            .current_dir(d)
            .args(["recommend", policy, "--findings", "f.json"])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{policy}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    for bad in ["fifo.json", "zero.json"] {
        let cat = d.join(format!("catalog-{bad}"));
        std::fs::create_dir(&cat).unwrap();
        std::fs::rename(d.join(bad), cat.join("s3.json")).unwrap();
        let out = iamtrim()
            .args(["expand", "s3:GetObject", "--catalog"])
            .arg(&cat)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
}
