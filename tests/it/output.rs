//! Snapshot tests (insta) of what a user reads: the human report without colour at a fixed width,
//! and the versioned JSON, for each rule. Update with `INSTA_UPDATE=always cargo test` and review
//! the diff.

use crate::common::{data, iamtrim};

const CASES: &[(&str, &str)] = &[
    ("invalid-policy", "policies/invalid-policy.json"),
    ("no-evidence", "other/no-evidence.json"),
    ("overbroad-wildcard", "policies/overbroad-wildcard.json"),
    ("overbroad-wildcard-not-action", "policies/not-action.json"),
    ("unknown-action", "policies/unknown-action.json"),
    ("unused-action", "policies/unused-action.json"),
    ("unused-policy", "policies/unused-policy.json"),
    ("unused-service", "policies/unused-service.json"),
    ("unused-statement", "policies/unused-statement.json"),
];

fn run(file: &str, format: &str) -> (String, i32) {
    let out = iamtrim()
        .current_dir(data("check/rules"))
        .args([
            "check",
            "--config",
            "iamtrim.toml",
            "--format",
            format,
            file,
        ])
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
fn human_output_per_rule() {
    for (rule, file) in CASES {
        let (text, code) = run(file, "human");
        // Only errors fail the run: these two rules are info and warning.
        let expected_code = if ["no-evidence", "unknown-action"].contains(rule) {
            0
        } else {
            1
        };
        assert_eq!(code, expected_code, "{rule}");
        insta::assert_snapshot!(format!("human-{rule}"), text);
    }
}

#[test]
fn json_output_per_rule() {
    for (rule, file) in CASES {
        let (text, _) = run(file, "json");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 1);
        assert!(
            v["files"][0]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == rule.trim_end_matches("-not-action")),
            "{rule}"
        );
        insta::assert_snapshot!(format!("json-{rule}"), text);
    }
}
