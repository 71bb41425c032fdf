//! CloudFormation templates in JSON: detected by content, their IAM and SAM policies read at JSON
//! pointers, bound by `file#LogicalId` or a literal `RoleName`, intrinsics left alone, fixed in the
//! template's own text (tests/data/cfn, see its ORIGIN.md).

use crate::common::{data, example_project, read};
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

/// A project of `tests/data/cfn/<case>` with the example's catalogue, snapshot and settings.
pub(crate) fn project(case: &str, extra: &str) -> TempDir {
    example_project(&format!("cfn/{case}"), extra)
}

pub(crate) use crate::common::check_project as check;

/// `check FILE --fix` gives `expected` byte for byte, and a second run finds nothing to fix.
fn fixes_to(dir: &Path, file: &str, expected: &str) {
    let (out, _) = check(dir, &[file, "--fix"]);
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)), "{out}");
    let (again, _) = check(dir, &[file, "--fix"]);
    assert!(!again.contains("Fixed"), "{again}");
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)));
}

/// Each finding's policy name and binding step, in order.
pub(crate) fn bound_by(json: &str) -> Vec<(String, Value)> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["policy"]["name"].as_str().unwrap().to_string(),
                f["policy"]["bound_by"].clone(),
            )
        })
        .collect()
}

pub(crate) fn rules_of(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn aws_example_as_a_template_is_bound_by_role_name_and_fixed() {
    // No [[bind]]: `RoleName: MyRole` binds the inline policy to the snapshot's MyRole.
    let dir = project("aws-blog", "");
    let (out, code) = check(dir.path(), &["template.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Checked 1 policy file: 9 errors"), "{out}");
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
    let (out, code) = check(dir.path(), &["template.json"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn human_report_points_into_the_template() {
    let dir = project("aws-blog", "");
    let (out, _) = check(dir.path(), &["template.json"]);
    insta::assert_snapshot!("cfn-human-aws-blog", out);
}

#[test]
fn json_report_has_spans_in_the_template() {
    let dir = project("aws-blog", "");
    let (out, _) = check(dir.path(), &["template.json", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let findings = v["files"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 9);
    let text = read(&dir.path().join("template.json"));
    let wide = findings
        .iter()
        .find(|f| f["rule"] == "overbroad-wildcard")
        .unwrap();
    let start = text.find("\"s3:Get*\"").unwrap() as u64;
    assert_eq!(wide["span"]["start"], start, "{wide}");
    assert_eq!(wide["span"]["end"], start + 9, "{wide}");
    assert_eq!(
        wide["policy"]["location"],
        "/Resources/MyRole/Properties/Policies/0/PolicyDocument"
    );
    assert!(
        bound_by(&out)
            .iter()
            .all(|(name, how)| name == "MyRole policy \"root\"" && how == "role-name")
    );
    insta::assert_snapshot!("cfn-json-aws-blog", out);
}

#[test]
fn managed_policy_binds_through_a_fragment_on_its_role() {
    // The role has no RoleName: only the `#MyRole` bind ties the policy that attaches to it.
    let bind = "[[bind]]\nfiles = [\"template.json#MyRole\"]\nprincipals = [\"arn:aws:iam::123456789012:role/MyRole\"]\n";
    let dir = project("managed-policy", bind);
    let (out, _) = check(dir.path(), &["template.json", "--format", "json"]);
    assert!(
        bound_by(&out)
            .iter()
            .all(|(name, how)| name == "AppPolicy policy \"app\"" && how == "bind-resource"),
        "{out}"
    );
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
    // Without the bind, no evidence: nothing is removed.
    let dir = project("managed-policy", "");
    let (out, code) = check(dir.path(), &["template.json", "--fix", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(rules_of(&out), ["no-evidence"]);
    assert_eq!(
        read(&dir.path().join("template.json")),
        read(&data("cfn/managed-policy/template.json"))
    );
    // A fragment naming another resource binds nothing here.
    let other = bind.replace("#MyRole", "#OtherRole");
    let dir = project("managed-policy", &other);
    let (out, _) = check(dir.path(), &["template.json", "--format", "json"]);
    assert_eq!(rules_of(&out), ["no-evidence"]);
}

#[test]
fn a_bind_of_the_policy_resource_itself() {
    let bind = "[[bind]]\nfiles = [\"*.json#AppPolicy\"]\nprincipals = [\"MyRole\"]\n";
    let dir = project("managed-policy", bind);
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
}

#[test]
fn a_role_with_two_inline_policies() {
    let dir = project("two-policies", "");
    let (out, code) = check(dir.path(), &["template.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let rules = rules_of(&out);
    assert!(rules.contains(&"unused-statement".to_string()), "{rules:?}");
    assert!(
        rules.contains(&"overbroad-wildcard".to_string()),
        "{rules:?}"
    );
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
}

#[test]
fn a_statement_under_fn_if_is_left_alone() {
    let dir = project("fn-if-statement", "");
    let (out, _) = check(dir.path(), &["template.json", "--format", "json"]);
    // Only the plain statement's unused action: nothing inside the `Fn::If`, which gets a note.
    assert_eq!(rules_of(&out), ["not-judged", "unused-action"], "{out}");
    assert!(
        out.contains("not judged: the statement is under `Fn::If`"),
        "{out}"
    );
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
}

#[test]
fn intrinsic_actions_seal_their_statement_and_intrinsics_are_no_grammar_error() {
    let dir = project("intrinsic-action", "");
    let (out, code) = check(dir.path(), &["template.json"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("cfn-human-intrinsic-action", out);
    let (json, _) = check(dir.path(), &["template.json", "--format", "json"]);
    let mut rules = rules_of(&json);
    rules.sort();
    // The sealed statements give a note each and nothing else; the judged one its wildcard; the
    // real mistakes stay grammar errors (an action without `:`, a number for `Resource`).
    assert_eq!(
        rules,
        [
            "invalid-policy",
            "invalid-policy",
            "not-judged",
            "not-judged",
            "not-judged",
            "overbroad-wildcard"
        ],
        "{json}"
    );
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
}

#[test]
fn sam_statement_documents_are_fixed_and_policy_templates_left_alone() {
    let bind = "[[bind]]\nfiles = [\"template.json#MyFunction\"]\nprincipals = [\"MyRole\"]\n";
    let dir = project("sam-function", bind);
    let (out, _) = check(dir.path(), &["template.json", "--format", "json"]);
    let mut rules = rules_of(&out);
    rules.sort();
    // MyFunction's two unused actions; OtherFunction is bound to nobody; the policy template and
    // the managed policy are noted.
    assert_eq!(
        rules,
        [
            "no-evidence",
            "not-judged",
            "not-judged",
            "unused-action",
            "unused-action"
        ],
        "{out}"
    );
    assert!(
        out.contains("uses the SAM policy template `S3ReadPolicy`"),
        "{out}"
    );
    fixes_to(dir.path(), "template.json", "expected-fixed.json");
}

#[test]
fn a_template_without_iam_is_skipped_silently() {
    let dir = project("no-iam", "");
    let (out, code) = check(dir.path(), &["template.json"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Checked 0 policy files"), "{out}");
    // Even when `include` names it.
    let dir = project("no-iam", "include = [\"*.json\"]\n");
    let (out, code) = check(dir.path(), &["template.json"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Checked 0 policy files"), "{out}");
}

#[test]
fn an_unbound_role_has_no_evidence() {
    let dir = project("unbound", "");
    let (out, code) = check(dir.path(), &["template.json"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("cfn-human-unbound", out);
    // A file-level bind (no fragment) binds every policy of the file, as for policy files.
    let dir = project(
        "unbound",
        "[[bind]]\nfiles = [\"template.json\"]\nprincipals = [\"MyRole\"]\n",
    );
    let (out, code) = check(dir.path(), &["template.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let mut rules = rules_of(&out);
    rules.sort();
    assert_eq!(rules, ["overbroad-wildcard", "unused-action"]);
    assert!(bound_by(&out).iter().all(|(_, how)| how == "bind"), "{out}");
    let dir = project("unbound", "");
    let (out, _) = check(dir.path(), &["template.json", "--format", "json"]);
    assert_eq!(
        bound_by(&out),
        [("WorkerRole policy \"worker\"".to_string(), Value::Null)]
    );
}

#[test]
fn cdk_output_is_reported_with_its_construct_and_never_fixed() {
    let dir = project("cdk", "");
    let file = "cdk.out/AppStack.template.json";
    let (out, code) = check(dir.path(), &[file]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("cfn-human-cdk", out);
    let (out, _) = check(dir.path(), &[file, "--fix", "--unsafe-fixes"]);
    assert!(!out.contains("Fixed"), "{out}");
    assert_eq!(
        read(&dir.path().join(file)),
        read(&data("cfn/cdk/cdk.out/AppStack.template.json"))
    );
}

#[test]
fn dot_template_files_are_found_in_folders() {
    let dir = project("dot-template", "");
    // No paths: the config's folder is walked, and `.template` files are candidates.
    let (out, code) = check(dir.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("stack.template"), "{out}");
    let (_, _) = check(dir.path(), &["--fix"]);
    assert_eq!(
        read(&dir.path().join("stack.template")),
        read(&dir.path().join("expected-fixed.template"))
    );
    // A YAML `.template` is read too.
    std::fs::write(
        dir.path().join("other.template"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            \"Statement\": []\n",
    )
    .unwrap();
    let (out, code) = check(dir.path(), &[]);
    assert_eq!(code, 0, "{out}");
    // stack.template (fixed), expected-fixed.template, other.template (bound to nobody).
    assert!(
        out.contains("other.template: 1 finding") && out.contains("Checked 3 policy files"),
        "{out}"
    );
    // `include` still decides.
    let dir = project("dot-template", "include = [\"policies/*.json\"]\n");
    let (out, code) = check(dir.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("Checked 0 policy files"), "{out}");
}

#[test]
fn plain_policy_files_are_not_taken_for_templates() {
    // A policy file whose statements mention `Resources` and a CloudFormation-looking key stays a
    // policy file: only a template's top level decides.
    let dir = project(
        "aws-blog",
        "[[bind]]\nfiles = [\"p.json\"]\nprincipals = [\"MyRole\"]\n",
    );
    std::fs::write(
        dir.path().join("p.json"),
        "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"Resources\", \"Effect\": \"Allow\", \"Action\": {\"Ref\": \"X\"}, \"Resource\": \"*\"}]}\n",
    )
    .unwrap();
    let (out, _) = check(dir.path(), &["p.json", "--format", "json"]);
    // An intrinsic is no action in a policy file.
    assert_eq!(rules_of(&out), ["invalid-policy"], "{out}");
}

#[test]
fn staged_template_is_checked_and_fixed_in_the_index() {
    let r = crate::git::Repo::new();
    // Repo::new's config includes only policies/*.json: this one finds candidates itself.
    r.write(
        "iamtrim.toml",
        "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n",
    );
    r.write(
        "cfn/app.template",
        &read(&data("cfn/aws-blog/template.json")),
    );
    r.git(&["add", "-A"]);
    let found = r.findings(&["--staged"]);
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(found.iter().all(|(p, _, _)| p == "cfn/app.template"));
    assert!(
        found
            .iter()
            .any(|(_, rule, text)| rule == "overbroad-wildcard" && text == "\"s3:Get*\"")
    );
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = read(&data("cfn/aws-blog/expected-fixed.json"));
    assert_eq!(read(&r.path().join("cfn/app.template")), want);
    let staged = r.git(&["show", ":cfn/app.template"]).stdout;
    assert_eq!(String::from_utf8(staged).unwrap(), want);
}

#[test]
fn actions_added_to_a_template_after_the_analysis_are_not_judged() {
    let r = crate::git::Repo::new();
    r.write(
        "iamtrim.toml",
        "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n",
    );
    let template = read(&data("cfn/aws-blog/template.json"));
    // The version the analysis (2024-06-10) saw had no `lambda:DeleteFunction`; the working
    // copy gained it since.
    let then = template.replacen(
        "                                        \"lambda:DeleteFunction\",\n",
        "",
        1,
    );
    assert_ne!(then, template);
    r.write("cfn/app.json", &then);
    r.commit("template", "2024-06-01T00:00:00+00:00");
    r.write("cfn/app.json", &template);
    let found = r.findings(&["cfn/app.json"]);
    let rule_of = |text: &str| {
        found
            .iter()
            .filter(|(_, _, t)| t == text)
            .map(|(_, r, _)| r.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rule_of("\"lambda:DeleteFunction\""),
        ["newer-than-snapshot"]
    );
    assert_eq!(rule_of("\"lambda:AddPermission\""), ["unused-action"]);
    assert_eq!(rule_of("\"s3:Get*\""), ["overbroad-wildcard"]);
}

#[test]
fn crlf_bom_and_minified_templates_keep_their_style() {
    let dir = project("aws-blog", "");
    let template = read(&data("cfn/aws-blog/template.json"));
    let expected = read(&data("cfn/aws-blog/expected-fixed.json"));
    let crlf = |s: &str| format!("\u{feff}{}", s.replace('\n', "\r\n"));
    let mini = |s: &str| serde_json::from_str::<Value>(s).unwrap().to_string();
    for (name, before, after) in [
        ("crlf.json", crlf(&template), crlf(&expected)),
        ("mini.json", mini(&template), mini(&expected)),
    ] {
        std::fs::write(dir.path().join(name), before).unwrap();
        std::fs::write(dir.path().join(format!("{name}.expected")), after).unwrap();
        fixes_to(dir.path(), name, &format!("{name}.expected"));
    }
}

/// SARIF of a template: valid 2.1.0, each result naming its policy as a logical location (the
/// JSON pointer), on the template's own lines.
#[test]
fn sarif_names_the_templates_policy() {
    let dir = project("aws-blog", "");
    let (out, code) = check(dir.path(), &["template.json", "--format", "sarif"]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let errors: Vec<String> = crate::sarif::validator()
        .iter_errors(&v)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let logical = &r["locations"][0]["logicalLocations"][0];
        assert_eq!(
            logical["fullyQualifiedName"], "/Resources/MyRole/Properties/Policies/0/PolicyDocument",
            "{r}"
        );
        assert_eq!(logical["kind"], "object");
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 25
        );
    }
}
