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
            let mut d = json!({"serviceNamespace": svc, "lastAccessed": null});
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
