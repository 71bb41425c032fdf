//! The one filter stage (issue 12, part 1): rule levels, `--select`, `--ignore` and
//! `--min-level` apply to every finding, read errors included, before the fix loop and the
//! output; every rule id written is checked.

use crate::common::{copy_dir, example, iamtrim, read};
use std::path::Path;

/// The AWS example (8 `unused-action`, 1 `overbroad-wildcard`) in a fresh folder.
fn project() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    copy_dir(&example(), dir.path());
    dir
}

fn check(dir: &Path, args: &[&str]) -> (String, String, i32) {
    crate::common::check_in(dir, args)
}

/// The rules of a JSON report's findings, in order.
fn rules(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().clone())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn select_and_ignore_choose_the_rules_reported() {
    let dir = project();
    let (out, _, code) = check(
        dir.path(),
        &[
            "policy.json",
            "--format",
            "json",
            "--select",
            "overbroad-wildcard",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(rules(&out), ["overbroad-wildcard"]);

    let (out, _, _) = check(
        dir.path(),
        &[
            "policy.json",
            "--format",
            "json",
            "--ignore",
            "overbroad-wildcard",
        ],
    );
    let r = rules(&out);
    assert_eq!(r.len(), 8);
    assert!(r.iter().all(|r| r == "unused-action"), "{r:?}");

    // Comma-separated and repeated flags add up; nothing left is exit 0.
    let (out, _, code) = check(
        dir.path(),
        &[
            "policy.json",
            "--format",
            "json",
            "--ignore",
            "overbroad-wildcard,unused-action",
        ],
    );
    assert_eq!((rules(&out).len(), code), (0, 0));
}

#[test]
fn an_ignored_finding_is_not_fixed() {
    let dir = project();
    let before = read(&dir.path().join("policy.json"));
    let (_, err, code) = check(
        dir.path(),
        &["policy.json", "--fix", "--ignore", "overbroad-wildcard"],
    );
    assert_eq!(code, 0, "{err}");
    let after = read(&dir.path().join("policy.json"));
    assert!(after.contains("\"s3:Get*\""), "{after}");
    assert!(!after.contains("lambda:AddPermission"), "{after}");
    assert_ne!(before, after);
}

#[test]
fn min_level_hides_what_is_below_it() {
    let dir = project();
    let toml = read(&dir.path().join("iamtrim.toml"));
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!("{toml}\n[rules.unused-action]\nlevel = \"info\"\n"),
    )
    .unwrap();
    let (out, _, code) = check(
        dir.path(),
        &["policy.json", "--format", "json", "--min-level", "warning"],
    );
    assert_eq!(
        (rules(&out), code),
        (vec!["overbroad-wildcard".to_string()], 1)
    );
}

#[test]
fn a_misspelt_rule_on_the_command_line_is_an_error_with_a_suggestion() {
    let dir = project();
    for flag in ["--select", "--ignore"] {
        let (_, err, code) = check(dir.path(), &["policy.json", flag, "unused-acton"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("no rule called `unused-acton`: did you mean `unused-action`?"),
            "{err}"
        );
    }
    let (_, err, code) = check(dir.path(), &["policy.json", "--select", "nothing-like-it"]);
    assert_eq!(code, 2);
    assert!(err.contains("`iamtrim rules` lists them"), "{err}");
    // `explain` says the same.
    let out = iamtrim()
        .args(["explain", "unused-acton"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `unused-action`?"));
}

#[test]
fn level_off_silences_read_errors_too() {
    // A policy file that is no JSON: an `invalid-policy` error, raised before the rules run.
    let dir = project();
    std::fs::write(
        dir.path().join("policy.json"),
        "{\"Version\": \"2012-10-17\", \"Statement\": [",
    )
    .unwrap();
    let (out, _, code) = check(dir.path(), &["policy.json", "--format", "json"]);
    assert_eq!((rules(&out), code), (vec!["invalid-policy".to_string()], 1));
    let toml = read(&dir.path().join("iamtrim.toml"));
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!("{toml}\n[rules.invalid-policy]\nlevel = \"off\"\n"),
    )
    .unwrap();
    let (out, _, code) = check(dir.path(), &["policy.json", "--format", "json"]);
    assert_eq!((rules(&out).len(), code), (0, 0));
    // And the command line's selection too.
    std::fs::write(dir.path().join("iamtrim.toml"), &toml).unwrap();
    let (out, _, code) = check(
        dir.path(),
        &[
            "policy.json",
            "--format",
            "json",
            "--ignore",
            "invalid-policy",
        ],
    );
    assert_eq!((rules(&out).len(), code), (0, 0));
}

#[test]
fn exit_zero_reports_the_findings_and_exits_0() {
    let dir = project();
    let (out, _, code) = check(
        dir.path(),
        &["policy.json", "--format", "json", "--exit-zero"],
    );
    assert_eq!((rules(&out).len(), code), (9, 0));
    // Usage errors still exit 2.
    let (_, _, code) = check(
        dir.path(),
        &["policy.json", "--exit-zero", "--select", "nope"],
    );
    assert_eq!(code, 2);
}
