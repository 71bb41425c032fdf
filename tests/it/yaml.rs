//! CloudFormation/SAM templates in YAML and Serverless Framework services: read through the YAML
//! adapter, bound like the JSON templates, fixed in the file's own style (tests/data/yaml, see its
//! ORIGIN.md). Each case: the human report is a snapshot, `check --fix` gives the case's
//! `expected-fixed.*` byte for byte, and a second `--fix` finds nothing.

use crate::common::{check_project as check, data, example_project, read};
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

/// The bind of a SAM function's (or a Serverless service's) policies to the example's role.
const BIND_FUNCTION: &str =
    "[[bind]]\nfiles = [\"template.yaml#MyFunction\"]\nprincipals = [\"MyRole\"]\n";
const BIND_SERVERLESS: &str = "[[bind]]\nfiles = [\"serverless.yml\"]\nprincipals = [\"MyRole\"]\n";

/// A project of `tests/data/yaml/<case>` with the example's catalogue, snapshot and settings.
fn project(case: &str, extra: &str) -> TempDir {
    example_project(&format!("yaml/{case}"), extra)
}

/// Bytes, not text: a BOM and CRLF are part of what must survive.
fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `check FILE --fix [more]` gives `expected` byte for byte, and a second run finds nothing to fix.
fn fixes_to(dir: &Path, file: &str, expected: &str, more: &[&str]) {
    let args: Vec<&str> = [file, "--fix"].iter().chain(more).copied().collect();
    let (out, _) = check(dir, &args);
    assert!(out.contains("Fixed"), "{out}");
    let want = bytes(&dir.join(expected));
    assert_eq!(
        String::from_utf8_lossy(&bytes(&dir.join(file))),
        String::from_utf8_lossy(&want),
        "{out}"
    );
    assert_eq!(bytes(&dir.join(file)), want);
    let (again, _) = check(dir, &args);
    assert!(!again.contains("Fixed"), "{again}");
    assert!(
        !again.contains("fixable with --fix") || again.contains(" 0 fixable with --fix"),
        "{again}"
    );
    assert_eq!(bytes(&dir.join(file)), want);
}

/// One case: the human report of `file` is the snapshot `yaml-<case>` (and exits `code`), and
/// `--fix` gives `expected`.
fn case(case: &str, extra: &str, file: &str, expected: &str, code: i32) -> TempDir {
    let dir = project(case, extra);
    let (out, got) = check(dir.path(), &[file]);
    insta::assert_snapshot!(format!("yaml-{case}"), out);
    assert_eq!(got, code, "{out}");
    fixes_to(dir.path(), file, expected, &[]);
    dir
}

/// `check FILE --format json`'s findings.
fn findings(dir: &Path, file: &str) -> Vec<Value> {
    let (out, _) = check(dir, &[file, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter().cloned())
        .collect()
}

fn rules(found: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = found
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

/// The text each finding of `rule` points at.
fn texts<'a>(text: &'a str, found: &[Value], rule: &str) -> Vec<&'a str> {
    found
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            let s = f["span"]["start"].as_u64().unwrap() as usize;
            let e = f["span"]["end"].as_u64().unwrap() as usize;
            &text[s..e]
        })
        .collect()
}

// --- The AWS example, three ways ---

#[test]
fn aws_example_as_a_cloudformation_yaml_role() {
    let dir = case("cfn-role", "", "template.yaml", "expected-fixed.yaml", 1);
    // Fixed, it has nothing left to say.
    let (out, code) = check(dir.path(), &["template.yaml"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn aws_example_yaml_json_report_names_the_policy_and_its_binding() {
    let dir = project("cfn-role", "");
    let found = findings(dir.path(), "template.yaml");
    assert_eq!(found.len(), 9);
    for f in &found {
        assert_eq!(
            f["policy"]["location"], "/Resources/MyRole/Properties/Policies/0/PolicyDocument",
            "{f}"
        );
        assert_eq!(f["policy"]["name"], "MyRole policy \"root\"", "{f}");
        assert_eq!(f["policy"]["bound_by"], "role-name", "{f}");
    }
    let text = read(&dir.path().join("template.yaml"));
    assert_eq!(texts(&text, &found, "overbroad-wildcard"), ["s3:Get*"]);
    assert_eq!(texts(&text, &found, "unused-action").len(), 8);
}

#[test]
fn aws_example_as_a_sam_function_policy() {
    let dir = case(
        "sam-function",
        BIND_FUNCTION,
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
    let found = findings(dir.path(), "template.yaml");
    // The fixed template: only the notes for the policy template and the managed policy.
    assert_eq!(rules(&found), ["not-judged", "not-judged"]);
    let text = read(&dir.path().join("template.yaml"));
    let noted = texts(&text, &found, "not-judged");
    assert!(noted[0].starts_with("S3ReadPolicy:"), "{noted:?}");
    assert_eq!(noted[1], "AWSLambdaBasicExecutionRole");
}

#[test]
fn sam_function_json_report_names_the_policy_and_its_binding() {
    let dir = project("sam-function", BIND_FUNCTION);
    let found = findings(dir.path(), "template.yaml");
    let judged: Vec<&Value> = found.iter().filter(|f| f["rule"] != "not-judged").collect();
    assert_eq!(judged.len(), 9);
    for f in judged {
        assert_eq!(
            f["policy"]["location"], "/Resources/MyFunction/Properties/Policies/0",
            "{f}"
        );
        assert_eq!(f["policy"]["bound_by"], "bind-resource", "{f}");
    }
    // Without the bind: `MyFunctionRole` is nobody's, nothing is judged.
    // (The notes for the policy template and the managed policy are the document's: still there.)
    let dir = project("sam-function", "");
    let found = findings(dir.path(), "template.yaml");
    assert_eq!(rules(&found), ["no-evidence", "not-judged", "not-judged"]);
}

#[test]
fn aws_example_as_a_serverless_service() {
    let dir = case(
        "serverless-role",
        BIND_SERVERLESS,
        "serverless.yml",
        "expected-fixed.yml",
        1,
    );
    let (out, code) = check(dir.path(), &["serverless.yml"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn serverless_json_report_names_the_statement_list() {
    let dir = project("serverless-role", BIND_SERVERLESS);
    let found = findings(dir.path(), "serverless.yml");
    assert_eq!(found.len(), 9);
    for f in &found {
        assert_eq!(
            f["policy"]["location"], "/provider/iam/role/statements",
            "{f}"
        );
        // `provider.iam.role.name` binds before the file's own `[[bind]]`.
        assert_eq!(f["policy"]["bound_by"], "role-name", "{f}");
    }
    let dir = project("serverless-functions", BIND_SERVERLESS);
    let found = findings(dir.path(), "serverless.yml");
    assert_eq!(
        found[0]["policy"]["location"],
        "/provider/iamRoleStatements"
    );
}

#[test]
fn serverless_role_name_binds_without_a_bind() {
    let dir = project("serverless-role", "");
    let found = findings(dir.path(), "serverless.yml");
    assert_eq!(found.len(), 9, "{found:?}");
    fixes_to(dir.path(), "serverless.yml", "expected-fixed.yml", &[]);
}

#[test]
fn serverless_function_statements_bind_by_function_name() {
    let bind = "[[bind]]\nfiles = [\"serverless.yml#render\"]\nprincipals = [\"MyRole\"]\n";
    let dir = case(
        "serverless-per-function",
        bind,
        "serverless.yml",
        "expected-fixed.yml",
        1,
    );
    let found = findings(dir.path(), "serverless.yml");
    // `notify` is bound to nobody.
    assert_eq!(rules(&found), ["no-evidence"]);
    assert_eq!(
        found[0]["policy"]["location"],
        "/functions/notify/iamRoleStatements"
    );
}

#[test]
fn yaml_template_without_a_format_version_binds_by_role_name() {
    let dir = project("cfn-role", "");
    let text = read(&dir.path().join("template.yaml"));
    let text = text.replacen("AWSTemplateFormatVersion: \"2010-09-09\"\n", "", 1);
    std::fs::write(dir.path().join("template.yaml"), text).unwrap();
    let found = findings(dir.path(), "template.yaml");
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(found.iter().all(|f| f["policy"]["bound_by"] == "role-name"));
}

// --- Sequence and scalar styles ---

#[test]
fn flow_sequence_on_one_line() {
    case(
        "flow-one-line",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn flow_sequence_over_several_lines() {
    case(
        "flow-multiline",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn flow_sequence_with_comments_on_its_entries() {
    case(
        "flow-comments",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn scalar_action_becomes_a_block_sequence() {
    case(
        "scalar-block",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn scalar_action_in_a_flow_mapping_becomes_a_flow_sequence() {
    case(
        "scalar-flow-mapping",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn entries_keep_their_quotes() {
    case("quoting", "", "template.yaml", "expected-fixed.yaml", 1);
}

#[test]
fn comments_on_and_between_entries_stay() {
    case("comments", "", "template.yaml", "expected-fixed.yaml", 1);
}

#[test]
fn four_space_indentation() {
    case("four-space", "", "template.yaml", "expected-fixed.yaml", 1);
}

#[test]
fn indentless_sequences() {
    case("indentless", "", "template.yaml", "expected-fixed.yaml", 1);
}

#[test]
fn crlf_line_endings() {
    let dir = case("crlf", "", "template.yaml", "expected-fixed.yaml", 1);
    let fixed = bytes(&dir.path().join("template.yaml"));
    // Every line break is still CRLF.
    let lf = fixed.iter().filter(|b| **b == b'\n').count();
    let crlf = fixed.windows(2).filter(|w| w == b"\r\n").count();
    assert_eq!(lf, crlf);
}

#[test]
fn utf8_bom_and_no_final_newline() {
    let dir = case("bom", "", "template.yaml", "expected-fixed.yaml", 1);
    let fixed = bytes(&dir.path().join("template.yaml"));
    assert!(fixed.starts_with("\u{feff}".as_bytes()));
    assert!(!fixed.ends_with(b"\n"));
}

#[test]
fn an_unused_entry_on_the_last_line_of_a_file_without_a_final_newline() {
    let dir = case("last-line", "", "template.yaml", "expected-fixed.yaml", 1);
    assert!(!bytes(&dir.path().join("template.yaml")).ends_with(b"\n"));
}

#[test]
fn a_policys_last_entry_and_last_statement_go_with_their_comments() {
    case(
        "last-entry-comment",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

// --- Intrinsics ---

#[test]
fn short_form_if_statement_and_effect_are_left_alone() {
    let dir = case("if-short", "", "template.yaml", "expected-fixed.yaml", 1);
    let found = findings(dir.path(), "template.yaml");
    // The `!If` statement and the `!If` Effect keep their unused actions, noted.
    assert_eq!(rules(&found), ["not-judged", "not-judged"]);
}

#[test]
fn long_form_if_statement_is_left_alone_and_if_resource_is_fine() {
    case("if-long", "", "template.yaml", "expected-fixed.yaml", 1);
}

#[test]
fn long_form_sub_and_get_att_in_resource() {
    case(
        "sub-long-getatt",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn an_action_written_with_sub_seals_its_statement() {
    let dir = project("sub-action", "");
    let found = findings(dir.path(), "template.yaml");
    let text = read(&dir.path().join("template.yaml"));
    assert_eq!(
        texts(&text, &found, "not-judged"),
        ["!Sub '${Service}:GetFunction'"]
    );
    // `lambda:DeleteFunction` shares the sealed statement: not judged.
    assert!(
        !found
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("DeleteFunction")),
        "{found:?}"
    );
    case("sub-action", "", "template.yaml", "expected-fixed.yaml", 1);
}

// --- Anchors and aliases ---

#[test]
fn a_statement_an_alias_repeats_is_left_alone() {
    case(
        "alias-statement",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn an_action_list_an_alias_repeats_is_left_alone() {
    case(
        "alias-actions",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn an_anchor_in_condition_does_not_stop_the_fix() {
    case(
        "anchor-condition",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

// --- Resources and statements ---

#[test]
fn policy_resources_attached_to_the_role() {
    let dir = case(
        "several-roles",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
    let dir2 = project("several-roles", "");
    let mut located: Vec<(String, String)> = findings(dir2.path(), "template.yaml")
        .iter()
        .map(|f| {
            (
                f["policy"]["location"].as_str().unwrap().to_string(),
                f["policy"]["bound_by"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    located.dedup();
    let want = [
        // AuditRole has a literal name but no finding.
        (
            "/Resources/AuditRole/Properties/Policies/0/PolicyDocument",
            "role-name",
        ),
        (
            "/Resources/ReadPolicy/Properties/PolicyDocument",
            "role-name",
        ),
        (
            "/Resources/DeployPolicy/Properties/PolicyDocument",
            "role-name",
        ),
        (
            "/Resources/InvokePolicy/Properties/PolicyDocument",
            "role-name",
        ),
    ];
    assert_eq!(
        located,
        want.map(|(l, b)| (l.to_string(), b.to_string())),
        "{located:?}"
    );
    drop(dir);
}

#[test]
fn nested_stack_child_is_checked_and_the_parent_skipped() {
    let dir = project("nested-stack", "");
    let (out, code) = check(dir.path(), &["main.yaml", "stacks/iam.yaml"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("yaml-nested-stack", out);
    // The policy's name is an intrinsic: it is known by its index.
    assert!(out.contains("in MyRole policy 0"), "{out}");
    let (out, _) = check(dir.path(), &["main.yaml", "stacks/iam.yaml", "--fix"]);
    assert!(out.contains("Fixed 2 findings in 1 file"), "{out}");
    assert_eq!(
        bytes(&dir.path().join("stacks/iam.yaml")),
        bytes(&dir.path().join("stacks/expected-fixed.yaml"))
    );
    assert_eq!(
        bytes(&dir.path().join("main.yaml")),
        bytes(&data("yaml/nested-stack/main.yaml"))
    );
    let (again, code) = check(dir.path(), &["main.yaml", "stacks/iam.yaml", "--fix"]);
    assert_eq!(
        (again.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn a_statement_with_every_action_unused_goes() {
    case(
        "remove-statement",
        "",
        "template.yaml",
        "expected-fixed.yaml",
        1,
    );
}

#[test]
fn not_action_gains_entries_with_unsafe_fixes_only() {
    // `--fix`: only the unused statement goes; the NotAction statements are reported.
    let dir = case("not-action", "", "template.yaml", "expected-fixed.yaml", 1);
    let found = findings(dir.path(), "template.yaml");
    assert_eq!(
        rules(&found),
        [
            "not-action-allow",
            "not-action-allow",
            "overbroad-wildcard",
            "overbroad-wildcard"
        ]
    );
    // `--unsafe-fixes`: both Allow NotAction lists gain the unused actions; the Deny one stays.
    let dir = project("not-action", "");
    fixes_to(
        dir.path(),
        "template.yaml",
        "expected-unsafe.yaml",
        &["--unsafe-fixes"],
    );
    let (out, code) = check(
        dir.path(),
        &["template.yaml", "--ignore", "not-action-allow"],
    );
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

// --- SAM and Serverless ---

#[test]
fn sam_globals_and_a_function_with_its_own_role() {
    case("sam-globals", "", "template.yaml", "expected-fixed.yaml", 1);
    // WorkerFunction's implicit role binds with `#WorkerFunction`.
    let bind = "[[bind]]\nfiles = [\"template.yaml#WorkerFunction\"]\nprincipals = [\"MyRole\"]\n";
    let dir = project("sam-globals", bind);
    let found = findings(dir.path(), "template.yaml");
    let worker: Vec<&Value> = found
        .iter()
        .filter(|f| f["policy"]["location"] == "/Resources/WorkerFunction/Properties/Policies")
        .collect();
    assert_eq!(worker.len(), 1, "{found:?}");
    assert_eq!(worker[0]["rule"], "overbroad-wildcard");
    assert_eq!(worker[0]["policy"]["bound_by"], "bind-resource");
}

#[test]
fn serverless_old_style_statements_and_variables() {
    let dir = case(
        "serverless-functions",
        BIND_SERVERLESS,
        "serverless.yml",
        "expected-fixed.yml",
        1,
    );
    let found = findings(dir.path(), "serverless.yml");
    let text = read(&dir.path().join("serverless.yml"));
    // The variable in an action seals its statement (`lambda:DeleteFunction` stays); those in
    // `Resource` are fine.
    assert_eq!(
        texts(&text, &found, "not-judged"),
        ["${self:custom.readAction}"]
    );
}

// --- File names and files that are not templates ---

#[test]
fn a_yaml_dot_template_file() {
    case(
        "dot-template",
        "",
        "app.template",
        "expected-fixed.template",
        1,
    );
    // Found by walking the folder too.
    let dir = project("dot-template", "");
    let (out, _) = check(dir.path(), &[]);
    assert!(out.contains("app.template: 2 findings"), "{out}");
}

#[test]
fn a_dot_yml_template() {
    case("yml-extension", "", "template.yml", "expected-fixed.yml", 1);
}

#[test]
fn a_yaml_template_without_iam_is_skipped_silently() {
    let dir = project("no-iam", "");
    let (out, code) = check(dir.path(), &["template.yaml"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 0 policy files: no findings.\n", 0)
    );
    let (out, code) = check(dir.path(), &["template.yaml", "--fix"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        bytes(&dir.path().join("template.yaml")),
        bytes(&data("yaml/no-iam/template.yaml"))
    );
}

#[test]
fn a_github_workflow_is_skipped_silently() {
    // It says `Resources` and `provider`: parsed, and found to be no template.
    let dir = project("workflow", "");
    let (out, code) = check(dir.path(), &["deploy.yml"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 0 policy files: no findings.\n", 0)
    );
}

#[test]
fn an_invalid_yaml_template_is_reported_and_the_run_goes_on() {
    let dir = project("invalid", "");
    let files = ["template.yaml", "good.yaml", ".github/workflows/deploy.yml"];
    let (out, code) = check(dir.path(), &files);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("yaml-invalid", out);
    let found = findings(dir.path(), "template.yaml");
    assert_eq!(rules(&found), ["invalid-policy"]);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid YAML: "),
        "{found:?}"
    );
    let text = read(&dir.path().join("template.yaml"));
    let span = found[0]["span"]["start"].as_u64().unwrap() as usize;
    // At the bracket it never closes.
    assert_eq!(span, text.find("Action: [").unwrap() + 8, "{found:?}");
    // `--fix` fixes the good file, leaves the broken one, and still fails for it.
    let mut args = files.to_vec();
    args.push("--fix");
    let (out, code) = check(dir.path(), &args);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Fixed 1 finding in 1 file"), "{out}");
    assert_eq!(
        bytes(&dir.path().join("good.yaml")),
        bytes(&data("yaml/yml-extension/expected-fixed.yml"))
    );
    assert_eq!(
        bytes(&dir.path().join("template.yaml")),
        bytes(&data("yaml/invalid/template.yaml"))
    );
}

#[test]
fn a_mis_indented_template_is_invalid_and_never_fixed() {
    // `Resource` sits a column left of its statement's keys: YAML (and CloudFormation) refuse it.
    let dir = project("bad-indent", "");
    let (out, code) = check(dir.path(), &["template.yaml"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("yaml-bad-indent", out);
    let found = findings(dir.path(), "template.yaml");
    assert_eq!(rules(&found), ["invalid-policy"]);
    let text = read(&dir.path().join("template.yaml"));
    assert_eq!(texts(&text, &found, "invalid-policy"), ["Resource"]);
    let (out, _) = check(dir.path(), &["template.yaml", "--fix", "--unsafe-fixes"]);
    assert!(!out.contains("Fixed"), "{out}");
    assert_eq!(
        bytes(&dir.path().join("template.yaml")),
        bytes(&data("yaml/bad-indent/template.yaml"))
    );
}
