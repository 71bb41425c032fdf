//! Suppressions (`[[ignore]]`, `ignore-sid-prefix`) and the baseline (issue 12, parts 2 and 3):
//! one filter stage, so what is suppressed is neither shown nor fixed.

use crate::common::{copy_dir, example, read};
use std::path::Path;

/// The AWS example (8 `unused-action`, 1 `overbroad-wildcard` in policy.json) with `extra`
/// appended to its iamtrim.toml; its second policy file is left out.
fn project(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    copy_dir(&example(), dir.path());
    std::fs::remove_file(dir.path().join("expected-fixed.json")).unwrap();
    let toml = read(&dir.path().join("iamtrim.toml"));
    std::fs::write(dir.path().join("iamtrim.toml"), format!("{toml}\n{extra}")).unwrap();
    dir
}

fn check(dir: &Path, args: &[&str]) -> (String, String, i32) {
    crate::common::check_in(dir, args)
}

/// (file, rule, text pointed at) of each finding of a JSON report.
fn found(json: &str) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut out = Vec::new();
    for f in v["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap().to_string();
        for x in f["findings"].as_array().unwrap() {
            out.push((
                path.clone(),
                x["rule"].as_str().unwrap().to_string(),
                x["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn rules_in(json: &str, file: &str) -> Vec<String> {
    found(json)
        .into_iter()
        .filter(|(p, _, _)| p == file)
        .map(|(_, r, _)| r)
        .collect()
}

fn summary(json: &str, key: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["summary"][key].as_u64().unwrap()
}

#[test]
fn a_suppression_needs_a_reason() {
    for table in [
        "[[ignore]]\nfiles = [\"policy.json\"]\n",
        "[[ignore]]\nfiles = [\"policy.json\"]\nreason = \"  \"\n",
    ] {
        let dir = project(table);
        let (_, err, code) = check(dir.path(), &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("has no `reason`"), "{err}");
        assert!(err.contains("iamtrim.toml"), "{err}");
    }
}

#[test]
fn a_suppression_naming_no_rule_or_a_bad_date_is_an_error() {
    let dir = project("[[ignore]]\nrules = [\"overbroad-wildcards\"]\nreason = \"x\"\n");
    let (_, err, code) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("overbroad-wildcard`?"), "{err}");
    assert!(err.contains("rules = [\"overbroad-wildcards\"]"), "{err}");

    let dir = project("[[ignore]]\nreason = \"x\"\nexpires = \"next spring\"\n");
    let (_, err, code) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a date"), "{err}");

    let dir = project("[[ignore]]\nreason = \"x\"\nstatment = 1\n");
    let (_, err, code) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("statment"), "{err}");
}

#[test]
fn a_suppressed_finding_is_neither_shown_nor_fixed() {
    let dir = project(
        "[[ignore]]\nrules = [\"overbroad-wildcard\"]\nfiles = [\"*.json\"]\nreason = \"incident response, reviewed 2026-11\"\nexpires = \"2999-03-01\"\n",
    );
    let (out, _, code) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    let rules = rules_in(&out, "policy.json");
    assert_eq!(rules.len(), 8);
    assert!(rules.iter().all(|r| r == "unused-action"), "{rules:?}");
    assert_eq!(summary(&out, "suppressed"), 1);

    let (text, _, _) = check(dir.path(), &[]);
    assert!(
        text.contains(
            "1 finding suppressed: 1 by `[[ignore]]` 1 (incident response, reviewed 2026-11); `--no-ignores` shows them."
        ),
        "{text}"
    );

    // `--no-ignores` shows it again.
    let (out, _, _) = check(dir.path(), &["--format", "json", "--no-ignores"]);
    assert_eq!(rules_in(&out, "policy.json").len(), 9);
    assert_eq!(summary(&out, "suppressed"), 0);

    // `--fix` leaves the suppressed wildcard as it was, and fixes the rest.
    let (_, err, code) = check(dir.path(), &["--fix"]);
    assert_eq!(code, 0, "{err}");
    let after = read(&dir.path().join("policy.json"));
    assert!(after.contains("\"s3:Get*\""), "{after}");
    assert!(!after.contains("lambda:AddPermission"), "{after}");
}

#[test]
fn actions_match_as_written_whatever_their_case_and_statements_by_sid_or_index() {
    let dir = project(
        "[[ignore]]\nfiles = [\"policy.json\"]\nactions = [\"LAMBDA:addpermission\", \"lambda:CreateFunction\"]\nreason = \"the deploy job\"\n\n[[ignore]]\nfiles = [\"policy.json\"]\nstatement = 1\nreason = \"the second statement\"\n",
    );
    let (out, _, _) = check(dir.path(), &["--format", "json"]);
    let left: Vec<String> = found(&out)
        .into_iter()
        .filter(|(p, _, _)| p == "policy.json")
        .map(|(_, _, m)| m)
        .collect();
    assert_eq!(left.len(), 6, "{left:?}");
    assert!(
        !left.iter().any(|m| m.contains("AddPermission")
            || m.contains("CreateFunction")
            || m.contains("s3:")),
        "{left:?}"
    );
    assert_eq!(summary(&out, "suppressed"), 3);

    // By `Sid`.
    let dir =
        project("[[ignore]]\nstatement = \"Storage\"\nreason = \"reads everything by design\"\n");
    let p = dir.path().join("policy.json");
    let text = read(&p).replacen(
        "\"Effect\": \"Allow\",\n      \"Action\": [\n        \"s3:Get*\"",
        "\"Sid\": \"Storage\",\n      \"Effect\": \"Allow\",\n      \"Action\": [\n        \"s3:Get*\"",
        1,
    );
    assert!(text.contains("Storage"));
    std::fs::write(&p, text).unwrap();
    let (out, _, _) = check(dir.path(), &["--format", "json"]);
    assert_eq!(
        rules_in(&out, "policy.json"),
        vec!["unused-action".to_string(); 8]
    );
}

#[test]
fn expired_and_unused_suppressions_are_reported() {
    let dir = project(
        "[[ignore]]\nrules = [\"overbroad-wildcard\"]\nreason = \"was needed\"\nexpires = 2020-01-01\n\n[[ignore]]\nfiles = [\"gone.json\"]\nreason = \"old role\"\n",
    );
    let (out, _, code) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    // The expired one no longer applies.
    assert_eq!(rules_in(&out, "policy.json").len(), 9);
    assert_eq!(
        rules_in(&out, "iamtrim.toml"),
        ["expired-suppression", "unused-suppression"]
    );
    // A run over some files cannot know a suppression is unused: only the expired one.
    let (out, _, _) = check(dir.path(), &["policy.json", "--format", "json"]);
    assert_eq!(rules_in(&out, "iamtrim.toml"), ["expired-suppression"]);
    // The rules have levels like any other.
    let dir = project(
        "[[ignore]]\nfiles = [\"gone.json\"]\nreason = \"old role\"\n\n[rules.unused-suppression]\nlevel = \"off\"\n",
    );
    let (out, _, _) = check(dir.path(), &["--format", "json"]);
    assert!(rules_in(&out, "iamtrim.toml").is_empty());
}

#[test]
fn unused_suppressions_render_on_the_config() {
    let dir = project("[[ignore]]\nfiles = [\"gone.json\"]\nreason = \"old role\"\n");
    let (text, _, _) = check(dir.path(), &["--select", "unused-suppression"]);
    insta::assert_snapshot!("unused-suppression", text);
    let (text, _, _) = check(
        dir.path(),
        &["--select", "unused-suppression", "--format", "concise"],
    );
    insta::assert_snapshot!("unused-suppression-concise", text);
    let dir = project(
        "[[ignore]]\nfiles = [\"policy.json\"]\nreason = \"until the migration\"\nexpires = \"2021-06-30\"\n",
    );
    for format in ["human", "concise"] {
        let (text, _, _) = check(
            dir.path(),
            &["--select", "expired-suppression", "--format", format],
        );
        insta::assert_snapshot!(format!("expired-suppression-{format}"), text);
    }
}

#[test]
fn statements_whose_sid_has_the_prefix_are_skipped_by_the_unused_access_rules() {
    for (extra, sid) in [
        ("", "iamtrim-ignore-breakglass"),
        ("ignore-sid-prefix = \"Keep\"\n", "KeepForIncidents"),
    ] {
        // Top-level keys go before the first table.
        let dir = tempfile::TempDir::new().unwrap();
        copy_dir(&example(), dir.path());
        std::fs::remove_file(dir.path().join("expected-fixed.json")).unwrap();
        let toml = read(&dir.path().join("iamtrim.toml"));
        std::fs::write(dir.path().join("iamtrim.toml"), format!("{extra}{toml}")).unwrap();
        let p = dir.path().join("policy.json");
        let before = read(&p).replacen(
            "{\n      \"Effect\": \"Allow\",\n      \"Action\": [\n        \"lambda",
            &format!("{{\n      \"Sid\": \"{sid}\",\n      \"Effect\": \"Allow\",\n      \"Action\": [\n        \"lambda"),
            1,
        );
        assert!(before.contains(sid));
        std::fs::write(&p, &before).unwrap();
        let (out, _, _) = check(dir.path(), &["--format", "json"]);
        assert_eq!(
            rules_in(&out, "policy.json"),
            ["overbroad-wildcard"],
            "{sid}"
        );
        assert_eq!(summary(&out, "suppressed"), 8);
        // Fixed around: the skipped statement is as it was.
        let (_, err, code) = check(dir.path(), &["--fix"]);
        assert_eq!(code, 0, "{err}");
        let after = read(&p);
        assert!(after.contains("lambda:AddPermission"), "{after}");
        assert!(!after.contains("\"s3:Get*\""), "{after}");
    }
}

#[test]
fn a_fragment_names_one_policy_of_a_template() {
    let dir = tempfile::TempDir::new().unwrap();
    let template = "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n      Policies:\n        - PolicyName: root\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: s3:GetObjekt\n                Resource: \"*\"\n  Worker:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n      Policies:\n        - PolicyName: root\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: s3:PutObjekt\n                Resource: \"*\"\n";
    std::fs::write(dir.path().join("template.yaml"), template).unwrap();
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        "[[ignore]]\nfiles = [\"template.yaml#AppRole\"]\nreason = \"a vendor's action\"\n",
    )
    .unwrap();
    let (out, _, _) = check(dir.path(), &["--format", "json"]);
    let left = found(&out);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].2.contains("s3:PutObjekt"), "{left:?}");
}

#[test]
fn the_baseline_hides_what_it_recorded_and_only_that() {
    let dir = project("");
    let (_, err, code) = check(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 9 findings to the baseline"), "{err}");
    let recorded = read(&dir.path().join("baseline.json"));
    assert!(
        !recorded.contains("\"line\""),
        "keyed by content: {recorded}"
    );

    let (out, _, code) = check(
        dir.path(),
        &["--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!((found(&out).len(), code), (0, 0), "{out}");
    assert_eq!(summary(&out, "suppressed"), 9);

    // Moved ten lines down (the statements swapped, indented otherwise): still recorded.
    let p = dir.path().join("policy.json");
    let mut v: serde_json::Value = serde_json::from_str(&read(&p)).unwrap();
    v["Statement"].as_array_mut().unwrap().reverse();
    std::fs::write(
        &p,
        serde_json::to_string_pretty(&v)
            .unwrap()
            .replace("  ", "    "),
    )
    .unwrap();
    let (out, _, code) = check(
        dir.path(),
        &["--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!((found(&out).len(), code), (0, 0), "{out}");

    // Its actions edited: the edited statement's findings are new; the other's are not.
    let text = read(&p).replacen(
        "\"lambda:GetFunction\",",
        "\"lambda:GetFunction\", \"lambda:GetAlias\",",
        1,
    );
    std::fs::write(&p, text).unwrap();
    let (out, _, code) = check(
        dir.path(),
        &["--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!(code, 1);
    let rules = rules_in(&out, "policy.json");
    assert_eq!(rules, vec!["unused-action".to_string(); 8], "{out}");
    assert_eq!(summary(&out, "suppressed"), 1);
    assert_eq!(summary(&out, "baseline_unmatched"), 8);
    let (text, _, _) = check(dir.path(), &["--baseline", "baseline.json"]);
    assert!(
        text.contains("8 entries of the baseline no longer match a finding"),
        "{text}"
    );

    // The config names it too; `--no-ignores` shows everything.
    let toml = read(&dir.path().join("iamtrim.toml"));
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!("baseline = \"baseline.json\"\n{toml}"),
    )
    .unwrap();
    let (out, _, _) = check(dir.path(), &["--format", "json"]);
    assert_eq!(summary(&out, "suppressed"), 1);
    let (out, _, _) = check(dir.path(), &["--format", "json", "--no-ignores"]);
    assert_eq!(summary(&out, "suppressed"), 0);
}

#[test]
fn a_baseline_counts_equal_findings() {
    // Two equal statements: one recorded entry hides one of their findings, not both.
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObjekt\",\"Resource\":\"*\"}]}\n",
    )
    .unwrap();
    let (_, err, code) = check(dir.path(), &["--write-baseline", "b.json"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.path().join("p.json"),
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObjekt\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":\"s3:GetObjekt\",\"Resource\":\"*\"}]}\n",
    )
    .unwrap();
    let (out, _, _) = check(dir.path(), &["--format", "json", "--baseline", "b.json"]);
    assert_eq!(found(&out).len(), 1, "{out}");
    assert_eq!(summary(&out, "suppressed"), 1);
}

#[test]
fn a_corrupt_baseline_is_an_error_not_an_empty_one() {
    let dir = project("");
    for bad in ["", "{", "{\"version\": 9, \"findings\": []}", "[1,2]"] {
        std::fs::write(dir.path().join("b.json"), bad).unwrap();
        let (_, err, code) = check(dir.path(), &["--baseline", "b.json"]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("b.json"), "{err}");
    }
    let (_, err, code) = check(dir.path(), &["--baseline", "missing.json"]);
    assert_eq!(code, 2, "{err}");
    let (_, err, code) = check(dir.path(), &["--write-baseline", "b.json", "--fix"]);
    assert_eq!(code, 2, "{err}");
}
