//! Terraform as real modules write it (tests/data/terraform, see its ORIGIN.md): `for_each` and
//! `count` roles, `dynamic` statements, merged documents, heredocs, `jsonencode` with locals,
//! several documents a file, attachments, conditions, comments, CRLF, child modules. Each case:
//! the human report as an insta snapshot, and the file after `--fix` byte for byte (or unchanged,
//! where the adapter must leave Terraform's expressions alone).

use crate::cfn::{bound_by, check, rules_of};
use crate::common::{copy_dir, data, example_project, read};
use std::path::Path;
use tempfile::TempDir;

/// A project of `tests/data/terraform/<case>`: the AWS example's catalogue and `MyRole` findings,
/// and `shared/`'s dynamodb, kms, logs and sqs catalogue files and `ci-deployer` and
/// `legacy-batch` findings.
fn project(case: &str, extra: &str) -> TempDir {
    let dir = example_project(&format!("terraform/{case}"), extra);
    for sub in ["catalog", "snapshot"] {
        copy_dir(
            &data(&format!("terraform/shared/{sub}")),
            &dir.path().join(sub),
        );
    }
    dir
}

/// `[[bind]]` of a file's Terraform address to a principal.
fn bind(fragment: &str, principal: &str) -> String {
    format!("[[bind]]\nfiles = [\"{fragment}\"]\nprincipals = [\"{principal}\"]\n")
}

/// The human report of `check FILE`, and the exit code.
fn human(dir: &Path, file: &str) -> (String, i32) {
    check(dir, &[file])
}

/// `check FILE --fix` gives `expected` byte for byte, a second run fixes nothing, and what is
/// left is what the first run could not fix.
fn fixes_to(dir: &Path, file: &str, expected: &str) {
    fixes_with(dir, file, &["--fix"], expected);
}

/// `check FILE FIX_ARGS` gives `expected` byte for byte, and a second run fixes nothing more.
fn fixes_with(dir: &Path, file: &str, fix: &[&str], expected: &str) {
    let args = [&[file][..], fix].concat();
    let (out, _) = check(dir, &args);
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)), "{out}");
    let (again, _) = check(dir, &args);
    assert!(!again.contains("Fixed"), "{again}");
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)));
}

/// `check FILE --fix --unsafe-fixes` leaves the file byte for byte as it was.
fn left_alone(dir: &Path, file: &str) {
    let before = std::fs::read(dir.join(file)).unwrap();
    let (out, _) = check(dir, &[file, "--fix", "--unsafe-fixes"]);
    assert!(!out.contains("Fixed"), "{out}");
    assert_eq!(std::fs::read(dir.join(file)).unwrap(), before, "{out}");
}

/// The JSON report's findings as (policy, rule, the text the finding points at).
fn findings(dir: &Path, file: &str) -> Vec<(String, String, String)> {
    let (json, _) = check(dir, &[file, "--format", "json"]);
    let text = read(&dir.join(file));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["files"][0]["findings"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let span = &f["span"];
            let at =
                span["start"].as_u64().unwrap() as usize..span["end"].as_u64().unwrap() as usize;
            (
                f["policy"]["name"].as_str().unwrap_or_default().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                text[at].to_string(),
            )
        })
        .collect()
}

#[test]
fn for_each_roles_bind_nothing_and_the_literal_role_is_fixed() {
    let dir = project("for-each-roles", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-for-each-roles", out);
    let (json, _) = check(dir.path(), &["main.tf", "--format", "json"]);
    assert_eq!(
        bound_by(&json),
        [
            ("data.aws_iam_policy_document.this", serde_json::Value::Null),
            ("data.aws_iam_policy_document.logs", serde_json::Value::Null),
            ("data.aws_iam_policy_document.app", "terraform-role".into()),
            ("data.aws_iam_policy_document.app", "terraform-role".into()),
        ]
        .map(|(a, b)| (a.to_string(), b))
        .to_vec(),
        "{json}"
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn count_indexed_references_bind_documents_and_managed_policies() {
    let dir = project("count-create", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-count-create", out);
    let (json, _) = check(dir.path(), &["main.tf", "--format", "json"]);
    let bound = bound_by(&json);
    assert_eq!(bound.len(), 5, "{json}");
    assert!(
        bound.iter().all(|(_, b)| b == "terraform-role"),
        "{bound:?}"
    );
    assert_eq!(bound[4].0, "aws_iam_policy.extra");
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn dynamic_statements_and_conditions_are_left_alone() {
    let dir = project("dynamic-statements", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-dynamic-statements", out);
    assert_eq!(
        findings(dir.path(), "main.tf")
            .iter()
            .map(|(_, r, _)| r.as_str())
            .collect::<Vec<_>>(),
        ["not-judged", "unused-action", "not-judged"]
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn merged_documents_are_judged_by_the_roles_the_merging_one_reaches() {
    let dir = project("merged-documents", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-merged-documents", out);
    let found: Vec<(String, String)> = findings(dir.path(), "main.tf")
        .into_iter()
        .map(|(p, r, _)| (p, r))
        .collect();
    assert_eq!(
        found,
        [
            // Merged into documents of `aws_iam_role_policy`s: judged.
            ("data.aws_iam_policy_document.base", "unused-action"),
            ("data.aws_iam_policy_document.objects", "overbroad-wildcard"),
            ("", "not-judged"),
            // `Objects` is replaced by the override; `Deploy` and the one without a `sid` stay.
            ("data.aws_iam_policy_document.overridden", "not-judged"),
            ("data.aws_iam_policy_document.overridden", "unused-action"),
            ("data.aws_iam_policy_document.overridden", "unused-action"),
            // Sources only: its own statements are in the merged document.
            ("data.aws_iam_policy_document.layered", "unused-action"),
            // An override the module does not show: the `sid` one may be replaced.
            ("data.aws_iam_policy_document.open", "not-judged"),
            ("data.aws_iam_policy_document.open", "unused-action"),
            // Merged into a document an attached `aws_iam_policy` carries: judged.
            ("data.aws_iam_policy_document.managed_base", "unused-action"),
            ("", "not-judged"),
            // Merged into a document nobody attaches.
            ("data.aws_iam_policy_document.orphan_base", "no-evidence"),
            ("data.aws_iam_policy_document.orphan", "no-evidence"),
            ("", "not-judged"),
        ]
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .to_vec()
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn heredocs_plain_indented_and_templated() {
    let dir = project("heredocs", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-heredocs", out);
    let found = findings(dir.path(), "main.tf");
    // The trust policy is no finding; the directive's policy is a note, its actions unread.
    assert!(
        found.iter().all(|(_, _, t)| !t.contains("sts:")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|(_, _, t)| t != "\"lambda:UpdateFunctionCode\""),
        "{found:?}"
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn jsonencode_with_locals_quoted_and_bare_keys() {
    let dir = project("jsonencode-locals", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        rules_of(&check(dir.path(), &["main.tf", "--format", "json"]).0),
        ["no-evidence", "no-evidence", "not-judged", "not-judged"]
    );
    left_alone(dir.path(), "main.tf");
    // The role's name is a local: bound by its address.
    let dir = project(
        "jsonencode-locals",
        &bind(
            "main.tf#aws_iam_role.this",
            "arn:aws:iam::123456789012:role/MyRole",
        ),
    );
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-jsonencode-locals", out);
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn comments_beside_actions_go_with_their_entries_and_stay_with_the_others() {
    let dir = project("comments", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-comments", out);
    fixes_to(dir.path(), "main.tf", "expected.tf");
    // A kept entry keeps its block comment; a removed one takes its own (regression: the kept
    // entry lost `/* used */` and got the removed last entry's comment).
    let fixed = read(&dir.path().join("main.tf"));
    assert!(
        fixed.contains("      \"lambda:InvokeFunction\",            /* used */\n    ]"),
        "{fixed}"
    );
    assert!(!fixed.contains("/* write */"), "{fixed}");
}

#[test]
fn managed_policies_bind_through_each_kind_of_attachment() {
    let dir = project("managed-policies", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-managed-policies", out);
    let found = findings(dir.path(), "main.tf");
    let of = |policy: &str| {
        found
            .iter()
            .filter(|(p, _, _)| p == policy)
            .map(|(_, r, t)| format!("{r} {t}"))
            .collect::<Vec<_>>()
    };
    // `managed_policy_arns`.
    assert_eq!(
        of("data.aws_iam_policy_document.tables"),
        [
            "unused-action \"dynamodb:DeleteTable\"",
            "unused-action \"dynamodb:UpdateTable\""
        ]
    );
    // `aws_iam_policy_attachment` with one role, then two: only what both leave unused.
    assert_eq!(of("aws_iam_policy.keys").len(), 3, "{found:?}");
    assert_eq!(
        of("aws_iam_policy.shared"),
        ["unused-action \"s3:GetBucketPolicy\""]
    );
    // `aws_iam_role_policy_attachment` of a role unused as a whole: no edit.
    assert_eq!(of("aws_iam_policy.batch").len(), 1, "{found:?}");
    assert!(of("aws_iam_policy.batch")[0].starts_with("unused-policy"));
    fixes_to(dir.path(), "main.tf", "expected.tf");
    let dir = project("managed-policies", "");
    fixes_with(
        dir.path(),
        "main.tf",
        &["--fix", "--unsafe-fixes"],
        "expected-unsafe.tf",
    );
}

#[test]
fn conditions_not_actions_and_resource_policies() {
    let dir = project("conditions", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-conditions", out);
    let found = findings(dir.path(), "main.tf");
    assert!(
        found
            .iter()
            .all(|(p, _, _)| p == "data.aws_iam_policy_document.app"),
        "{found:?}"
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
    let dir = project("conditions", "");
    fixes_with(
        dir.path(),
        "main.tf",
        &["--fix", "--unsafe-fixes"],
        "expected-unsafe.tf",
    );
}

#[test]
fn interpolated_and_computed_actions_are_never_judged_or_edited() {
    let dir = project("interpolated", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("tf-style-interpolated", out);
    let found = findings(dir.path(), "main.tf");
    assert_eq!(found.len(), 8, "{found:?}");
    assert!(found.iter().all(|(_, r, _)| r == "not-judged"), "{found:?}");
    left_alone(dir.path(), "main.tf");
}

#[test]
fn crlf_throughout_is_kept_by_every_kind_of_edit() {
    let dir = project("crlf", "");
    let text = read(&dir.path().join("main.tf"));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-crlf", out);
    fixes_to(dir.path(), "main.tf", "expected.tf");
    let fixed = read(&dir.path().join("main.tf"));
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
}

#[test]
fn a_child_module_and_module_inputs_are_noted_not_judged() {
    let dir = project("child-module", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("tf-style-child-module-caller", out);
    assert_eq!(
        rules_of(&check(dir.path(), &["main.tf", "--format", "json"]).0),
        ["no-evidence", "not-judged"]
    );
    left_alone(dir.path(), "main.tf");
    // The child knows its role only as `var.role_name`: bound to nothing, left alone, and its
    // note says the caller gives the role.
    let child = "modules/policy/main.tf";
    let (out, code) = human(dir.path(), child);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("tf-style-child-module-child", out);
    assert_eq!(
        bound_by(&check(dir.path(), &[child, "--format", "json"]).0),
        [(
            "data.aws_iam_policy_document.this".to_string(),
            serde_json::Value::Null
        )]
    );
    left_alone(dir.path(), child);
    // Bound by the caller's role name in iamtrim.toml, it is fixed.
    let dir = project("child-module", &bind(child, "MyRole"));
    let (out, code) = human(dir.path(), child);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-child-module-bound", out);
    fixes_to(dir.path(), child, "modules/policy/expected.tf");
}

#[test]
fn several_documents_each_bound_to_its_roles() {
    let dir = project("several-documents", "");
    let (out, code) = human(dir.path(), "iam.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-several-documents", out);
    let (json, _) = check(dir.path(), &["iam.tf", "--format", "json"]);
    let mut policies: Vec<(String, serde_json::Value)> = bound_by(&json);
    policies.dedup();
    assert_eq!(
        policies,
        [
            ("data.aws_iam_policy_document.app_lambda", "terraform-role"),
            (
                "data.aws_iam_policy_document.deployer_tables",
                "terraform-role"
            ),
            ("data.aws_iam_policy_document.both", "terraform-role"),
        ]
        .map(|(a, b)| (a.to_string(), serde_json::Value::from(b)))
        .into_iter()
        .chain(
            [
                "data.aws_iam_policy_document.user",
                "aws_iam_group_policy.ops"
            ]
            .map(|a| (a.to_string(), serde_json::Value::Null))
        )
        .collect::<Vec<_>>(),
        "{json}"
    );
    fixes_to(dir.path(), "iam.tf", "expected.tf");
    let dir = project("several-documents", "");
    fixes_with(
        dir.path(),
        "iam.tf",
        &["--fix", "--unsafe-fixes"],
        "expected-unsafe.tf",
    );
}

#[test]
fn layouts_of_lists_and_statements_are_kept() {
    let dir = project("layouts", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-layouts", out);
    fixes_to(dir.path(), "main.tf", "expected.tf");
    // Two entries a line: removing the last of a line leaves the next line where it was.
    let fixed = read(&dir.path().join("main.tf"));
    assert!(
        fixed.contains("      \"lambda:ListTags\",\n      \"s3:GetAccess*\",\n"),
        "{fixed}"
    );
}

#[test]
fn optional_statements_and_dynamic_inline_policies_are_noted() {
    let dir = project("optional-statements", "");
    let (out, code) = human(dir.path(), "main.tf");
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-style-optional-statements", out);
    let found = findings(dir.path(), "main.tf");
    let rules: Vec<&str> = found.iter().map(|(_, r, _)| r.as_str()).collect();
    assert_eq!(rules, ["not-judged", "unused-action", "not-judged"]);
    // The role's `dynamic "inline_policy"` used to be skipped silently.
    assert!(
        found[0].2.starts_with("dynamic \"inline_policy\""),
        "{found:?}"
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
}
