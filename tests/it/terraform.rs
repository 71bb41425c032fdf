//! Terraform: `.tf` files told by their content, their `aws_iam_policy_document`s, `jsonencode`
//! and heredoc policies read at Terraform addresses, bound to their roles from the HCL itself,
//! what Terraform computes left alone, fixed in the file's own text (tests/data/terraform, see
//! its ORIGIN.md).

use crate::cfn::{bound_by, check, rules_of};
use crate::common::{data, example_project, read};
use std::path::Path;
use tempfile::TempDir;

/// A project of `tests/data/terraform/<case>` with the example's catalogue, snapshot and settings.
fn project(case: &str, extra: &str) -> TempDir {
    example_project(&format!("terraform/{case}"), extra)
}

/// `check FILE --fix` gives `expected` byte for byte, and a second run finds nothing to fix.
fn fixes_to(dir: &Path, file: &str, expected: &str) {
    let (out, _) = check(dir, &[file, "--fix"]);
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)), "{out}");
    let (again, _) = check(dir, &[file, "--fix"]);
    assert!(!again.contains("Fixed"), "{again}");
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)));
}

/// The AWS example, bound to `MyRole` by the HCL alone (no `[[bind]]`), nine findings, fixed to
/// the expected file, then clean.
fn aws_example(case: &str) {
    let dir = project(case, "");
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Checked 1 policy file: 9 errors"), "{out}");
    let (json, _) = check(dir.path(), &["main.tf", "--format", "json"]);
    let bound = bound_by(&json);
    assert_eq!(bound.len(), 9, "{json}");
    assert!(
        bound.iter().all(|(_, b)| b == "terraform-role"),
        "{bound:?}"
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn aws_example_as_a_policy_document_is_bound_and_fixed() {
    aws_example("document");
}

/// Found in review: a document the module also hands elsewhere (an output, a local read by a
/// user's policy, a module's argument, a bucket policy) was narrowed for the one role the HCL
/// shows, with safe fixes. It binds to no role by name now.
#[test]
fn a_document_also_used_elsewhere_is_not_bound() {
    for other in [
        "output \"doc\" {\n  value = data.aws_iam_policy_document.app.json\n}\n",
        "locals {\n  shared = data.aws_iam_policy_document.app.json\n}\n",
        "module \"w\" {\n  source = \"./w\"\n  policy = data.aws_iam_policy_document.app.json\n}\n",
        "resource \"aws_s3_bucket_policy\" \"b\" {\n  bucket = \"b\"\n  policy = data.aws_iam_policy_document.app.json\n}\n",
    ] {
        let dir = project("document", "");
        let tf = dir.path().join("main.tf");
        std::fs::write(&tf, format!("{}\n{other}", read(&tf))).unwrap();
        let before = read(&tf);
        let (out, code) = check(dir.path(), &["main.tf", "--fix"]);
        assert_eq!(code, 0, "{other}\n{out}");
        assert!(out.contains("no-evidence"), "{out}");
        assert_eq!(read(&tf), before, "{other}");
    }
    // Read by binding only, it binds (the AWS example, fixed).
    let dir = project("document", "");
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn aws_example_as_jsonencode_is_bound_and_fixed() {
    aws_example("jsonencode");
}

#[test]
fn aws_example_as_a_heredoc_is_bound_and_fixed() {
    aws_example("heredoc");
}

#[test]
fn aws_example_as_an_indented_heredoc_inline_policy_is_bound_and_fixed() {
    aws_example("heredoc-indented");
}

#[test]
fn human_reports_point_into_the_hcl() {
    for case in ["document", "jsonencode", "heredoc", "heredoc-indented"] {
        let dir = project(case, "");
        let (out, _) = check(dir.path(), &["main.tf"]);
        insta::assert_snapshot!(format!("tf-human-{case}"), out);
    }
}

#[test]
fn crlf_and_a_bom_are_kept() {
    let dir = project("document", "");
    for f in ["main.tf", "expected.tf"] {
        let p = dir.path().join(f);
        let text = format!("\u{feff}{}", read(&p).replace('\n', "\r\n"));
        std::fs::write(&p, text).unwrap();
    }
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn a_directory_finds_its_tf_files() {
    let dir = project("document", "");
    std::fs::remove_file(dir.path().join("expected.tf")).unwrap();
    let (out, code) = check(dir.path(), &["."]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("main.tf"), "{out}");
    assert!(out.contains("Checked 1 policy file: 9 errors"), "{out}");
}

#[test]
fn terraform_without_iam_is_skipped_silently() {
    // A provider, a bucket policy (a resource policy) and a document with principals.
    let dir = project("no-iam", "");
    let (out, code) = check(dir.path(), &["network.tf"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 0 policy files: no findings.\n", 0)
    );
    let (out, code) = check(dir.path(), &["."]);
    assert_eq!(
        (out.starts_with("Checked 0 policy files"), code),
        (true, 0),
        "{out}"
    );
}

#[test]
fn invalid_hcl_is_an_invalid_policy_and_the_rest_is_checked() {
    let bind = "[[bind]]\nfiles = [\"policy.json\"]\nprincipals = [\"MyRole\"]\n";
    let dir = project("invalid", bind);
    let (out, code) = check(dir.path(), &[".", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let rules = rules_of(&out);
    assert_eq!(rules[0], "invalid-policy", "{out}");
    assert_eq!(rules.len(), 10, "{out}");
    let (human, _) = check(dir.path(), &["broken.tf"]);
    insta::assert_snapshot!("tf-human-invalid", human);
}

#[test]
fn a_managed_policy_binds_through_its_attachment() {
    let dir = project("attachment", "");
    let (out, code) = check(dir.path(), &["main.tf", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let bound = bound_by(&out);
    assert_eq!(bound.len(), 2, "{out}");
    assert_eq!(bound[0].0, "data.aws_iam_policy_document.s3");
    assert_eq!(bound[0].1, "terraform-role");
    // Attached to a user as well: no binding by the role's name.
    assert_eq!(bound[1].0, "aws_iam_policy.shared");
    assert_eq!(rules_of(&out), vec!["overbroad-wildcard", "no-evidence"]);
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

#[test]
fn a_bind_fragment_names_a_terraform_address() {
    let bind = "[[bind]]\nfiles = [\"iam.tf#aws_iam_role.app\"]\nprincipals = [\"arn:aws:iam::123456789012:role/MyRole\"]\n";
    let dir = project("fragment", bind);
    let (out, _) = check(dir.path(), &["iam.tf", "--format", "json"]);
    assert_eq!(
        bound_by(&out),
        vec![(
            "aws_iam_role_policy.app".to_string(),
            serde_json::json!("bind-resource")
        )],
        "{out}"
    );
    fixes_to(dir.path(), "iam.tf", "expected.tf");
    // Without it the role's generated name binds nothing.
    let dir = project("fragment", "");
    let (out, code) = check(dir.path(), &["iam.tf", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(rules_of(&out), vec!["no-evidence"]);
}

#[test]
fn what_terraform_computes_is_left_alone_with_a_note() {
    let dir = project("computed", "");
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-human-computed", out);
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

/// A repository that finds candidates itself (no `include`), with the example's snapshot.
fn repo() -> crate::git::Repo {
    let r = crate::git::Repo::new();
    r.write(
        "iamtrim.toml",
        "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n",
    );
    r
}

fn example(case: &str, file: &str) -> String {
    read(&data(&format!("terraform/{case}/{file}")))
}

#[test]
fn staged_tf_is_checked_and_fixed_in_the_index() {
    let r = repo();
    r.write("infra/iam.tf", &example("document", "main.tf"));
    r.write("infra/network.tf", &example("no-iam", "network.tf"));
    r.git(&["add", "-A"]);
    let found = r.findings(&["--staged"]);
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(
        found.iter().all(|(p, _, _)| p == "infra/iam.tf"),
        "{found:?}"
    );
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = example("document", "expected.tf");
    assert_eq!(read(&r.path().join("infra/iam.tf")), fixed);
    let staged = r.git(&["show", ":infra/iam.tf"]).stdout;
    assert_eq!(String::from_utf8(staged).unwrap(), fixed);
}

#[test]
fn actions_added_to_a_tf_file_after_the_analysis_are_not_judged() {
    let r = repo();
    let now = example("jsonencode", "main.tf");
    let then = now.replacen("          \"lambda:DeleteFunction\",\n", "", 1);
    assert_ne!(then, now);
    r.write("iam.tf", &then);
    r.commit("policy", "2024-06-01T00:00:00+00:00");
    r.write("iam.tf", &now);
    let found = r.findings(&["iam.tf"]);
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
    assert_eq!(rule_of("\"lambda:CreateFunction\""), ["unused-action"]);
}

#[test]
fn sarif_and_github_annotations_point_into_the_hcl() {
    let r = repo();
    let text = example("document", "main.tf");
    r.write("iam.tf", &text);
    let out = r.check(&["iam.tf", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 9);
    let wide = results
        .iter()
        .find(|x| x["ruleId"] == "overbroad-wildcard")
        .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"s3:Get*\""))
        .unwrap()
        + 1;
    let region = &wide["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], line as u64, "{wide}");
    assert_eq!(region["startColumn"], 18, "{wide}");
    assert_eq!(
        wide["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "data.aws_iam_policy_document.app",
        "{wide}"
    );
    let out = r.check(&["iam.tf", "--format", "github"]);
    let gh = String::from_utf8(out.stdout).unwrap();
    assert!(
        gh.contains(&format!(
            "::error file=iam.tf,line={line},col=18,endLine={line},endColumn=27,title=overbroad-wildcard::"
        )),
        "{gh}"
    );
}

#[test]
fn a_document_binds_through_the_other_files_of_its_module() {
    let dir = project("module", "");
    let (out, code) = check(dir.path(), &["policies.tf", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        bound_by(&out),
        vec![(
            "data.aws_iam_policy_document.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{out}"
    );
    fixes_to(dir.path(), "policies.tf", "expected.tf");
    // A document of another folder is another module's: not bound by this one's references.
    std::fs::create_dir(dir.path().join("other")).unwrap();
    std::fs::copy(
        data("terraform/module/policies.tf"),
        dir.path().join("other/policies.tf"),
    )
    .unwrap();
    let (out, code) = check(dir.path(), &["other/policies.tf", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(rules_of(&out), vec!["no-evidence"]);
}

/// Found in review: a file of the module that did not parse was dropped, and the policy bound by
/// the rest of the module as if that file attached it to nothing else. Now nothing binds by the
/// HCL, and the note names the file.
#[test]
fn a_module_file_that_does_not_parse_binds_nothing() {
    for broken in [
        // An attachment to another role, cut short.
        "resource \"aws_iam_role_policy\" \"other\" {\n  role   = \"OtherRole\"\n  policy = data.aws_iam_policy_document.app.json\n",
        // Not HCL at all.
        "aws_iam_role_policy = {{{\n",
        // Not UTF-8.
        "resource \"aws_iam_role\" \"x\" { name = \"\u{fffd}\" }\n",
    ] {
        let dir = project("module", "");
        // The replacement character stands for a byte that is no UTF-8.
        let bytes = broken.replace('\u{fffd}', "\0").into_bytes();
        let bytes: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == 0 { 0xff } else { b })
            .collect();
        std::fs::write(dir.path().join("broken.tf"), bytes).unwrap();
        let (out, code) = check(dir.path(), &["policies.tf", "--format", "json"]);
        assert_eq!(code, 0, "{broken}: {out}");
        assert_eq!(rules_of(&out), vec!["no-evidence"], "{broken}: {out}");
        assert!(out.contains("`broken.tf`, a file of its module"), "{out}");
        let (out, _) = check(dir.path(), &["policies.tf", "--fix"]);
        assert!(!out.contains("Fixed"), "{out}");
        assert_eq!(
            read(&dir.path().join("policies.tf")),
            read(&data("terraform/module/policies.tf"))
        );
        // HCL that claims IAM resources is reported itself, and the rest still checked.
        let (out, code) = check(dir.path(), &["broken.tf", "policies.tf"]);
        let hcl = broken.starts_with("resource");
        assert_eq!(code, i32::from(hcl), "{out}");
        assert_eq!(out.contains("invalid-policy"), hcl, "{out}");
        assert!(out.contains("`broken.tf`, a file of its module"), "{out}");
    }
}

/// The same for a JSON file that the module loads with `file()`.
#[test]
fn a_loaded_json_file_in_a_module_with_a_file_that_does_not_parse_binds_nothing() {
    let dir = project("file", "");
    std::fs::write(
        dir.path().join("broken.tf"),
        "resource \"aws_iam_role_policy\" \"x\" {\n  policy = file(\"policy.json\")\n",
    )
    .unwrap();
    let (out, code) = check(dir.path(), &["policy.json", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(rules_of(&out), vec!["no-evidence"], "{out}");
    assert!(
        out.contains("`broken.tf`, a file of the module that loads it"),
        "{out}"
    );
}

#[test]
fn staged_document_binds_through_its_module_in_the_working_tree() {
    let r = repo();
    r.write("infra/roles.tf", &example("module", "roles.tf"));
    r.write("infra/policies.tf", &example("module", "policies.tf"));
    r.commit("module", "2024-05-01T00:00:00+00:00");
    r.write(
        "infra/policies.tf",
        &example("module", "policies.tf").replace("# The role", "# Its role"),
    );
    r.git(&["add", "-A"]);
    let found = r.findings(&["--staged"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "overbroad-wildcard", "{found:?}");
}

#[test]
fn styles_of_real_modules_are_fixed_in_place() {
    let dir = project("styles", "");
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-human-styles", out);
    fixes_to(dir.path(), "main.tf", "expected.tf");
}

/// The policies of a JSON output, with the name of what loads them and how they were bound.
fn loaded_by(json: &str) -> Vec<(String, serde_json::Value)> {
    let mut b = bound_by(json);
    b.dedup();
    b
}

#[test]
fn a_json_file_loaded_with_file_is_bound_through_the_hcl_and_fixed() {
    let dir = project("file", "");
    let (out, code) = check(dir.path(), &["policy.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Checked 1 policy file: 9 errors"), "{out}");
    assert!(
        out.contains("loaded by main.tf#aws_iam_role_policy.app"),
        "{out}"
    );
    let (json, _) = check(dir.path(), &["policy.json", "--format", "json"]);
    assert_eq!(
        loaded_by(&json),
        vec![(
            "main.tf#aws_iam_role_policy.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{json}"
    );
    fixes_to(dir.path(), "policy.json", "expected.json");
    // The .tf file itself holds no policy of its own, and says nothing about the one it loads.
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 0 policy files: no findings.\n", 0)
    );
}

#[test]
fn a_templatefile_json_masks_its_template_sequences() {
    let dir = project("templatefile", "");
    let (out, code) = check(dir.path(), &["app.json.tpl"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-human-templatefile", out);
    fixes_to(dir.path(), "app.json.tpl", "expected.json.tpl");
    // A folder finds the template by its name.
    std::fs::remove_file(dir.path().join("expected.json.tpl")).unwrap();
    let (out, _) = check(dir.path(), &["."]);
    assert!(out.contains("app.json.tpl"), "{out}");
}

/// Found in review: a loaded file that the module uses elsewhere too (a local read by a user's
/// policy, a module's argument) was narrowed to the one role the HCL shows, with safe fixes.
#[test]
fn a_json_file_the_module_also_uses_elsewhere_is_not_bound() {
    for other in [
        "locals {\n  shared = file(\"${path.module}/policy.json\")\n}\n\nresource \"aws_iam_user_policy\" \"u\" {\n  user   = \"ci\"\n  policy = local.shared\n}\n",
        "module \"worker\" {\n  source      = \"./worker\"\n  policy_file = \"./policy.json\"\n}\n",
    ] {
        let dir = project("file", "");
        let tf = dir.path().join("main.tf");
        std::fs::write(&tf, format!("{}\n{other}", read(&tf))).unwrap();
        let before = read(&dir.path().join("policy.json"));
        let (out, code) = check(dir.path(), &["policy.json", "--fix"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("no-evidence"), "{out}");
        assert!(out.contains("uses policy.json elsewhere too"), "{out}");
        assert_eq!(read(&dir.path().join("policy.json")), before);
    }
}

/// Found in review: a template sequence with quotes of its own (`"${join("\",\"", arns)}"`) made
/// a valid template an `invalid-policy` error; it is JSON only once rendered, so left alone.
#[test]
fn a_template_sequence_with_quotes_leaves_the_file_alone() {
    let dir = project("templatefile", "");
    let p = dir.path().join("app.json.tpl");
    let text = read(&p);
    let at = text.find("\"Resource\"").expect("a Resource");
    let line_end = at + text[at..].find('\n').unwrap();
    let text = format!(
        "{}\"Resource\": [\"${{join(\"\\\",\\\"\", function_arns)}}\"]{}",
        &text[..at],
        if text[..line_end].ends_with(',') {
            ","
        } else {
            ""
        }
    ) + &text[line_end..];
    std::fs::write(&p, &text).unwrap();
    let (out, code) = check(dir.path(), &["app.json.tpl", "--fix"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("invalid"), "{out}");
    assert!(out.contains("a template sequence"), "{out}");
    assert_eq!(read(&p), text);
}

/// Found in review: HashiCorp names templates `.tftpl`, which no folder search found.
#[test]
fn a_tftpl_template_is_found_bound_and_fixed() {
    let dir = project("templatefile", "");
    let d = dir.path();
    std::fs::rename(d.join("app.json.tpl"), d.join("app.tftpl")).unwrap();
    std::fs::rename(d.join("expected.json.tpl"), d.join("expected.tftpl.want")).unwrap();
    let tf = read(&d.join("main.tf"));
    assert!(tf.contains("app.json.tpl"), "{tf}");
    std::fs::write(d.join("main.tf"), tf.replace("app.json.tpl", "app.tftpl")).unwrap();
    let (out, code) = check(d, &["."]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("app.tftpl"), "{out}");
    assert!(out.contains("loaded by main.tf#"), "{out}");
    fixes_to(d, "app.tftpl", "expected.tftpl.want");
}

#[test]
fn a_template_directive_outside_strings_leaves_the_file_alone() {
    let dir = project("templatefile", "");
    let p = dir.path().join("app.json.tpl");
    let text = read(&p).replacen(
        "  \"Statement\": [\n",
        "  \"Statement\": [\n    %{ if extra }{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},%{ endif }\n",
        1,
    );
    std::fs::write(&p, &text).unwrap();
    let (out, code) = check(dir.path(), &["app.json.tpl", "--fix"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("a template sequence outside a JSON string"),
        "{out}"
    );
    assert!(out.contains("app.json.tpl:4:5"), "{out}");
    assert_eq!(read(&p), text);
}

#[test]
fn a_path_module_json_in_a_subfolder_binds_through_the_module_above() {
    let dir = project("subfolder", "");
    let (json, code) = check(dir.path(), &["policies/app.json", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        loaded_by(&json),
        vec![(
            "main.tf#aws_iam_policy.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{json}"
    );
    fixes_to(dir.path(), "policies/app.json", "policies/expected.json");
}

#[test]
fn paths_not_known_statically_or_leaving_the_folder_are_noted_not_followed() {
    // The project sits in `repo/`; beside it, a policy the HCL names with `..`.
    let outer = tempfile::TempDir::new().unwrap();
    let dir = project("not-followed", "");
    let repo = outer.path().join("repo");
    crate::common::copy_dir(dir.path(), &repo);
    std::fs::copy(
        data("terraform/file/policy.json"),
        outer.path().join("outside.json"),
    )
    .unwrap();
    let (out, code) = check(&repo, &["main.tf"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("tf-human-not-followed", out);
    let (out, code) = check(&repo, &["."]);
    assert_eq!(code, 0, "{out}");
    // Nothing of the file outside was read: no finding in it, none of its actions.
    assert!(!out.contains("outside.json:"), "{out}");
    assert!(!out.contains("lambda:"), "{out}");
    assert!(
        out.contains("Checked 1 policy file: 0 errors, 0 warnings, 3 info"),
        "{out}"
    );
}

#[test]
fn a_json_file_loaded_from_another_folder_with_dotdot_is_not_bound() {
    // `modules/app/main.tf` loads `../shared/policy.json`: only the .tf files of a policy file's
    // folder and the folders above it are read, so this one stays unbound.
    let dir = project("file", "");
    let p = dir.path();
    std::fs::create_dir_all(p.join("modules/app")).unwrap();
    std::fs::create_dir_all(p.join("modules/shared")).unwrap();
    std::fs::write(
        p.join("modules/app/main.tf"),
        read(&p.join("main.tf")).replace(
            "file(\"policy.json\")",
            "file(\"${path.module}/../shared/policy.json\")",
        ),
    )
    .unwrap();
    std::fs::copy(p.join("policy.json"), p.join("modules/shared/policy.json")).unwrap();
    let (out, code) = check(p, &["modules/shared/policy.json", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(rules_of(&out), vec!["no-evidence"]);
    let (out, _) = check(p, &["modules/app/main.tf"]);
    assert!(
        out.contains("not followed (its path leaves the module's folder)"),
        "{out}"
    );
}

#[test]
fn staged_json_file_binds_through_the_hcl_in_the_working_tree() {
    let r = repo();
    let policy = example("file", "policy.json");
    r.write("infra/main.tf", &example("file", "main.tf"));
    r.write(
        "infra/policy.json",
        &policy.replace("\"Resource\": \"*\"", "\"Resource\": \"arn:aws:s3:::b/*\""),
    );
    r.commit("module", "2024-05-01T00:00:00+00:00");
    r.write("infra/policy.json", &policy);
    r.git(&["add", "-A"]);
    let found = r.findings(&["--staged"]);
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(
        found.iter().all(|(p, _, _)| p == "infra/policy.json"),
        "{found:?}"
    );
    let out = r.check(&["--staged", "--format", "json"]);
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        loaded_by(&json),
        vec![(
            "infra/main.tf#aws_iam_role_policy.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{json}"
    );
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = example("file", "expected.json");
    assert_eq!(read(&r.path().join("infra/policy.json")), fixed);
    let staged = r.git(&["show", ":infra/policy.json"]).stdout;
    assert_eq!(String::from_utf8(staged).unwrap(), fixed);
}

/// The AWS example in Terraform's JSON syntax: bound to `MyRole` by the file alone, fixed to the
/// expected file byte for byte, then clean.
fn aws_example_tf_json(case: &str) {
    let dir = project(case, "");
    let (out, code) = check(dir.path(), &["main.tf.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Checked 1 policy file: 9 errors"), "{out}");
    let (json, _) = check(dir.path(), &["main.tf.json", "--format", "json"]);
    let bound = bound_by(&json);
    assert_eq!(bound.len(), 9, "{json}");
    assert!(
        bound.iter().all(|(_, b)| b == "terraform-role"),
        "{bound:?}"
    );
    fixes_to(dir.path(), "main.tf.json", "expected.tf.json");
    let (out, code) = check(dir.path(), &["main.tf.json"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn aws_example_as_a_tf_json_policy_document_is_bound_and_fixed() {
    aws_example_tf_json("tf-json-document");
}

/// Found in review: a `.tf.json` document's `dynamic` statements were dropped silently.
#[test]
fn tf_json_dynamic_statements_are_noted() {
    let dir = project("tf-json-document", "");
    let p = dir.path().join("main.tf.json");
    let text = read(&p);
    let text = text.replacen(
        "      \"app\": {\n        \"statement\": [",
        "      \"app\": {\n        \"dynamic\": {\"statement\": {\"for_each\": \"${var.extra}\", \"content\": {\"actions\": [\"${statement.value}\"]}}},\n        \"statement\": [",
        1,
    );
    assert!(text.contains("\"dynamic\""), "{text}");
    std::fs::write(&p, &text).unwrap();
    let (out, _) = check(dir.path(), &["main.tf.json"]);
    assert!(
        out.contains("data.aws_iam_policy_document.app has `dynamic` statements: not judged"),
        "{out}"
    );
}

/// Found in review (HCL, then the same gap in `.tf.json`): a document the file also hands
/// elsewhere (an output, a local, a module's argument, a user's policy) was bound to the one
/// role seen. It binds to no role by name now, in the file or in another of its module.
#[test]
fn a_tf_json_document_also_used_elsewhere_is_not_bound() {
    for (file, other) in [
        (
            "main.tf.json",
            r#""output": {"doc": {"value": "${data.aws_iam_policy_document.app.json}"}},"#,
        ),
        (
            "main.tf.json",
            r#""locals": {"shared": "${jsondecode(data.aws_iam_policy_document.app.json)}"},"#,
        ),
        (
            "main.tf.json",
            r#""module": {"w": {"source": "./w", "policy": "${data.aws_iam_policy_document.app.json}"}},"#,
        ),
        (
            "other.tf.json",
            r#""resource": {"aws_iam_user_policy": {"u": {"user": "u", "policy": "${data.aws_iam_policy_document.app.json}"}}},"#,
        ),
    ] {
        let dir = project("tf-json-document", "");
        let p = dir.path().join(file);
        let text = if file == "main.tf.json" {
            read(&p)
        } else {
            "{\"x\": 1}".to_string()
        };
        let text = text.replacen('{', &format!("{{\n  {other}"), 1);
        std::fs::write(&p, &text).unwrap();
        let (out, code) = check(dir.path(), &["main.tf.json", "--format", "json"]);
        assert_eq!(code, 0, "{other}: {out}");
        assert_eq!(rules_of(&out), vec!["no-evidence"], "{other}: {out}");
    }
    // Named where binding reads it (a role's `inline_policy`): still bound.
    let dir = project("tf-json-document", "");
    let (out, code) = check(dir.path(), &["main.tf.json"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn aws_example_as_a_tf_json_policy_object_is_bound_and_fixed() {
    aws_example_tf_json("tf-json-object");
}

#[test]
fn a_tf_json_policy_string_is_checked_with_exact_spans_and_not_fixed() {
    let dir = project("tf-json-string", "");
    let (json, code) = check(dir.path(), &["main.tf.json", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    let text = read(&dir.path().join("main.tf.json"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = v["files"][0]["findings"].as_array().unwrap();
    let wide = findings
        .iter()
        .find(|f| f["rule"] == "overbroad-wildcard")
        .unwrap();
    let (s, e) = (
        wide["span"]["start"].as_u64().unwrap() as usize,
        wide["span"]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "\\\"s3:Get*\\\"");
    assert_eq!(wide["policy"]["bound_by"], "terraform-role");
    assert!(findings.iter().all(|f| f["fix"].is_null()), "{json}");
    let (out, _) = check(dir.path(), &["main.tf.json", "--fix"]);
    assert!(
        out.contains("JSON escaped in a string: checked, never fixed"),
        "{out}"
    );
    insta::assert_snapshot!("tf-human-tf-json-string", out);
    assert_eq!(read(&dir.path().join("main.tf.json")), text);
}

#[test]
fn a_directory_finds_tf_json_files() {
    let dir = project("tf-json-document", "");
    std::fs::remove_file(dir.path().join("expected.tf.json")).unwrap();
    let (out, code) = check(dir.path(), &["."]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("main.tf.json"), "{out}");
    assert!(out.contains("Checked 1 policy file: 9 errors"), "{out}");
}

#[test]
fn tf_json_bad_input_is_a_diagnostic() {
    let dir = project("tf-json-object", "");
    let p = dir.path().join("main.tf.json");
    // A statement that is no object, actions of the wrong type, a policy of another type.
    std::fs::write(
        &p,
        r#"{"data": {"aws_iam_policy_document": {"d": {"statement": [3, {"actions": 7}]}}},
 "resource": {"aws_iam_policy": {"p": {"policy": 12}, "q": {"policy": "{\"Statement\": [}"}}}}
"#,
    )
    .unwrap();
    let (json, code) = check(dir.path(), &["main.tf.json", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    let rules = rules_of(&json);
    assert!(rules.iter().any(|r| r == "invalid-policy"), "{json}");
    assert!(rules.iter().any(|r| r == "not-judged"), "{json}");
    // Cut short: its syntax error is reported, with its place.
    std::fs::write(
        &p,
        "{\"resource\": {\"aws_iam_policy\": {\"p\": {\"policy\": ",
    )
    .unwrap();
    let (out, code) = check(dir.path(), &["main.tf.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invalid JSON"), "{out}");
    assert!(out.contains("main.tf.json:1:50"), "{out}");
}

#[cfg(unix)]
#[test]
fn no_tf_file_is_read_through_a_symlinked_folder() {
    // `linked/` leads outside the project, to a module that loads the policy beside it.
    let outer = tempfile::TempDir::new().unwrap();
    crate::common::copy_dir(&data("terraform/file"), outer.path());
    let dir = project("no-iam", "");
    std::os::unix::fs::symlink(outer.path(), dir.path().join("linked")).unwrap();
    let (json, code) = check(dir.path(), &["linked/policy.json", "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(rules_of(&json), vec!["no-evidence"]);
    assert!(!json.contains("main.tf#"), "{json}");
}

#[test]
fn tf_json_and_tf_files_of_a_module_bind_each_other() {
    let dir = project("module", "");
    let p = dir.path();
    std::fs::remove_file(p.join("policies.tf")).unwrap();
    std::fs::write(
        p.join("policies.tf.json"),
        "{\"data\": {\"aws_iam_policy_document\": {\"app\": {\"statement\": [\n  {\"actions\": [\"s3:Get*\"], \"resources\": [\"*\"]}\n]}}}}\n",
    )
    .unwrap();
    let (out, code) = check(p, &["policies.tf.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        bound_by(&out),
        vec![(
            "data.aws_iam_policy_document.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{out}"
    );
    // The other way round: the role and its attachment in JSON, the document in HCL.
    let dir = project("module", "");
    let p = dir.path();
    std::fs::remove_file(p.join("roles.tf")).unwrap();
    std::fs::write(
        p.join("roles.tf.json"),
        r#"{"resource": {
  "aws_iam_role": {"app": {"name": "MyRole"}},
  "aws_iam_role_policy": {"app": {"role": "${aws_iam_role.app.name}", "policy": "${data.aws_iam_policy_document.app.json}"}}
}}
"#,
    )
    .unwrap();
    let (out, code) = check(p, &["policies.tf", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        bound_by(&out),
        vec![(
            "data.aws_iam_policy_document.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{out}"
    );
}

#[test]
fn a_json_file_loaded_from_a_tf_json_file_is_bound_through_it() {
    let dir = project("file", "");
    let p = dir.path();
    std::fs::remove_file(p.join("main.tf")).unwrap();
    std::fs::write(
        p.join("main.tf.json"),
        r#"{"resource": {
  "aws_iam_role": {"x": {"name": "MyRole"}},
  "aws_iam_role_policy": {
    "app": {"role": "${aws_iam_role.x.name}", "policy": "${file(\"${path.module}/policy.json\")}"},
    "other": {"role": "${aws_iam_role.x.name}", "policy": "${file(var.other)}"}
  }
}}
"#,
    )
    .unwrap();
    let (json, code) = check(p, &["policy.json", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        loaded_by(&json),
        vec![(
            "main.tf.json#aws_iam_role_policy.app".to_string(),
            serde_json::json!("terraform-role")
        )],
        "{json}"
    );
    fixes_to(p, "policy.json", "expected.json");
    let (out, code) = check(p, &["main.tf.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("aws_iam_role_policy.other loads its policy with `\"${file(var.other)}\"`: not followed (its path is not known statically)"),
        "{out}"
    );
    assert!(out.contains("1 info"), "{out}");
}

#[test]
fn roles_named_by_a_prefix_or_an_interpolation_bind_to_the_one_role_that_fits() {
    let dir = project("name-pattern", "");
    let (out, code) = check(dir.path(), &["main.tf"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("tf-human-name-pattern", out);
    let (json, _) = check(dir.path(), &["main.tf", "--format", "json"]);
    let mut bound = bound_by(&json);
    bound.dedup();
    assert_eq!(
        bound,
        [
            ("data.aws_iam_policy_document.app", "terraform-name-pattern"),
            ("aws_iam_role_policy.api", "terraform-name-pattern"),
        ]
        .map(|(a, b)| (a.to_string(), serde_json::Value::from(b)))
        .into_iter()
        .chain(
            [
                "aws_iam_role_policy.worker",
                "aws_iam_role_policy.batch",
                "aws_iam_role_policy.jobs",
            ]
            .map(|a| (a.to_string(), serde_json::Value::Null))
        )
        .collect::<Vec<_>>(),
        "{json}"
    );
    fixes_to(dir.path(), "main.tf", "expected.tf");
    // A pattern that binds none leaves the policy to the file's own binds.
    let bind = "[[bind]]\nfiles = [\"main.tf\"]\nprincipals = [\"MyRole\"]\n";
    let dir = project("name-pattern", bind);
    let (json, _) = check(dir.path(), &["main.tf", "--format", "json"]);
    let mut bound = bound_by(&json);
    bound.dedup();
    let of = |p: &str| bound.iter().find(|(l, _)| l == p).map(|(_, b)| b.clone());
    assert_eq!(
        of("aws_iam_role_policy.worker"),
        Some("bind".into()),
        "{json}"
    );
    assert_eq!(
        of("aws_iam_role_policy.batch"),
        Some("bind".into()),
        "{json}"
    );
    assert_eq!(
        of("aws_iam_role_policy.api"),
        Some("terraform-name-pattern".into()),
        "{json}"
    );
}

#[test]
fn a_modules_policy_for_a_role_of_its_caller_says_how_to_bind_it() {
    let dir = project("caller-role", "");
    let file = "modules/app/main.tf";
    let (out, code) = check(dir.path(), &[file]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("tf-human-caller-role", out);
    let (json, _) = check(dir.path(), &[file, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let notes: Vec<(&str, &str)> = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "no-evidence",
                "data.aws_iam_policy_document.read is bound to no principal: its role comes from the module's caller (`var.role_name`)"
            ),
            (
                "no-evidence",
                "aws_iam_role_policy.functions is bound to no principal: its role comes from the module's caller (`var.role.name`)"
            ),
        ],
        "{json}"
    );
    // Bound in iamtrim.toml, the module's policy is judged.
    let bind = format!(
        "[[bind]]\nfiles = [\"{file}#aws_iam_role_policy.functions\"]\nprincipals = [\"MyRole\"]\n"
    );
    let dir = project("caller-role", &bind);
    let (json, code) = check(dir.path(), &[file, "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(rules_of(&json), ["no-evidence", "unused-policy"], "{json}");
    assert_eq!(
        bound_by(&json)[1],
        (
            "aws_iam_role_policy.functions".to_string(),
            serde_json::json!("bind-resource")
        ),
        "{json}"
    );
}

#[test]
fn a_json_file_loaded_for_a_role_named_by_a_pattern_binds_as_the_hcl_does() {
    let dir = project("name-pattern-file", "");
    let (json, code) = check(dir.path(), &["policy.json", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        loaded_by(&json),
        vec![(
            "main.tf#aws_iam_role_policy.app".to_string(),
            serde_json::json!("terraform-name-pattern")
        )],
        "{json}"
    );
    assert!(
        rules_of(&json).contains(&"role-name-pattern".to_string()),
        "{json}"
    );
    // A JSON file is bound as a whole, not by an address in it.
    assert!(
        json.contains(r#"(`[[bind]] files = [\"<this file>\"]`)"#),
        "{json}"
    );
    fixes_to(dir.path(), "policy.json", "expected.json");
    let (json, code) = check(dir.path(), &["worker.json", "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(rules_of(&json), ["no-evidence"], "{json}");
    assert!(
        json.contains("2 roles of the snapshot fit aws_iam_role.worker's `name = \\\"${…}-worker\\\"` (role/prod-worker, role/staging-worker)"),
        "{json}"
    );
    assert_eq!(
        loaded_by(&json),
        vec![(
            "worker.tf#aws_iam_role_policy.worker".to_string(),
            serde_json::Value::Null
        )],
        "{json}"
    );
}
