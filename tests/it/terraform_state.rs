//! Terraform policies bound through an address book (binding step 3): `terraform show -json`
//! output imported with `snapshot import --terraform NAME`, only the `aws_iam_role` address ->
//! ARN pairs kept, then `[[terraform]]` naming the book of a folder
//! (tests/data/terraform/state-book, see its ORIGIN.md).

use crate::cfn::{bound_by, check, rules_of};
use crate::common::{data, example_project, iamtrim, read};
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

const ACCOUNT: &str = "arn:aws:iam::123456789012:role/";

/// What the book of `state.json` must be, byte for byte: its four managed roles, nothing else.
const BOOK: &str = r#"{
    "version": 1,
    "book": "prod",
    "roles": {
        "aws_iam_role.app": "arn:aws:iam::123456789012:role/MyRole",
        "aws_iam_role.per_env[\"blue\"]": "arn:aws:iam::123456789012:role/app-blue",
        "aws_iam_role.per_env[\"green\"]": "arn:aws:iam::123456789012:role/app-green",
        "module.lambda.aws_iam_role.this": "arn:aws:iam::123456789012:role/lambda-fn-role"
    }
}
"#;

/// The state-book project: the example's catalogue and snapshot (MyRole's finding), the
/// example's finding again for each of `roles`, and `extra` in iamtrim.toml.
fn project(roles: &[&str], extra: &str) -> TempDir {
    let dir = example_project("terraform/state-book", extra);
    for r in roles {
        add_finding(dir.path(), r);
    }
    dir
}

/// The example's finding, as the finding of role `role`, in the snapshot folder.
fn add_finding(dir: &Path, role: &str) {
    let example = read(&data("cfn/aws-blog/snapshot/get-finding-v2.MyRole.json"));
    let mut v: Value = serde_json::from_str(&example).unwrap();
    v["resource"] = Value::String(format!("{ACCOUNT}{role}"));
    v["id"] = Value::String(format!("finding-{role}"));
    std::fs::write(
        dir.join(format!("snapshot/get-finding-v2.{role}.json")),
        serde_json::to_string_pretty(&v).unwrap(),
    )
    .unwrap();
}

/// miette's report as one line: its wrapping and gutter gone.
fn flat(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `iamtrim ARGS...` in `dir`: (stdout, stderr, exit code); a panic fails the test.
fn run(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = iamtrim().current_dir(dir).args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    (
        String::from_utf8(out.stdout).unwrap(),
        err,
        out.status.code().unwrap(),
    )
}

/// `snapshot import state.json --terraform prod -o snapshot/`, which must succeed.
fn import_book(dir: &Path) {
    let (_, err, code) = run(
        dir,
        &[
            "snapshot",
            "import",
            "state.json",
            "--terraform",
            "prod",
            "-o",
            "snapshot/",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

/// `check FILE --fix` gives `expected` byte for byte, and a second run finds nothing to fix.
fn fixes_to(dir: &Path, file: &str, expected: &str) {
    let (out, _) = check(dir, &[file, "--fix"]);
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)), "{out}");
    let (again, _) = check(dir, &[file, "--fix"]);
    assert!(!again.contains("Fixed"), "{again}");
}

/// The example's nine findings on `file`, every one bound by the address book.
fn bound_through_the_book(dir: &Path, file: &str) {
    let (json, code) = check(dir, &[file, "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    let bound = bound_by(&json);
    assert_eq!(bound.len(), 9, "{json}");
    assert!(
        bound.iter().all(|(_, b)| b == "terraform-state"),
        "{bound:?}"
    );
}

const ROOT: &str = "[[terraform]]\nroot = \"root\"\nbook = \"prod\"\n";

#[test]
fn importing_state_keeps_only_the_role_addresses_and_arns() {
    let dir = project(&[], "");
    let p = dir.path();
    let (out, err, code) = run(
        p,
        &[
            "snapshot",
            "import",
            "state.json",
            "--terraform",
            "prod",
            "-o",
            "snapshot/",
        ],
    );
    assert_eq!((out.as_str(), code), ("", 0), "{err}");
    assert!(
        err.contains(
            "terraform prod: 4 aws_iam_role addresses and ARNs kept; 4 other resources not read"
        ),
        "{err}"
    );
    let book = read(&p.join("snapshot/terraform/prod.json"));
    assert_eq!(book, BOOK);
    // Whatever else the state holds is never copied.
    for secret in [
        "db-secret-hunter2",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "smtp-secret-value",
        "output-secret-hunter2",
        "AKIAIOSFODNN7EXAMPLE",
        "payments-secret-tag",
        "InlinePolicyMarker",
        "sts:AssumeRole",
        "AROAEXAMPLEUNIQUEID01",
        "kms-secret-key-id",
        "DataSourceOnlyRole",
        "create_date",
        "registry.terraform.io",
    ] {
        assert!(!book.contains(secret), "{secret} in {book}");
    }
    // The same bytes again, and on stdout without -o.
    import_book(p);
    assert_eq!(read(&p.join("snapshot/terraform/prod.json")), BOOK);
    let (out, err, code) = run(
        p,
        &["snapshot", "import", "state.json", "--terraform", "prod"],
    );
    assert_eq!((out.as_str(), code), (BOOK, 0), "{err}");
    // The snapshot still reads as it did: the book is no finding.
    let (show, _, code) = run(p, &["snapshot", "show", "snapshot"]);
    assert_eq!(code, 0);
    assert!(!show.contains("lambda-fn-role"), "{show}");
}

#[test]
fn a_role_named_by_a_variable_binds_through_the_book_and_is_fixed() {
    let dir = project(&[], ROOT);
    let p = dir.path();
    // Before the book: no evidence, and the help says how to get it.
    let (out, code) = check(p, &["root/main.tf"]);
    assert_eq!(code, 0, "{out}");
    let flat = flat(&out);
    assert!(flat.contains("no-evidence"), "{out}");
    assert!(
        flat.contains("aws_iam_role.app has no literal `name`: import its state's address book"),
        "{out}"
    );
    assert!(flat.contains("--terraform NAME"), "{out}");
    import_book(p);
    bound_through_the_book(p, "root/main.tf");
    fixes_to(p, "root/main.tf", "root/expected.tf");
    let (out, code) = check(p, &["root/main.tf"]);
    assert_eq!(
        (out.as_str(), code),
        ("Checked 1 policy file: no findings.\n", 0)
    );
}

#[test]
fn a_folder_without_a_terraform_table_is_not_bound_by_the_book() {
    let dir = project(&[], "");
    import_book(dir.path());
    let (json, code) = check(dir.path(), &["root/main.tf", "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(rules_of(&json), ["no-evidence"]);
}

#[test]
fn every_instance_of_a_for_each_role_binds_and_the_policy_is_fixed() {
    let extra = "[[terraform]]\nroot = \"for-each\"\nbook = \"prod\"\n";
    let dir = project(&["app-blue", "app-green"], extra);
    let p = dir.path();
    import_book(p);
    bound_through_the_book(p, "for-each/main.tf");
    let (json, _) = check(p, &["for-each/main.tf", "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let principals = &v["files"][0]["findings"][0]["principals"];
    assert_eq!(
        principals,
        &serde_json::json!([
            "arn:aws:iam::123456789012:role/app-blue",
            "arn:aws:iam::123456789012:role/app-green"
        ]),
        "{json}"
    );
    fixes_to(p, "for-each/main.tf", "for-each/expected.tf");
}

#[test]
fn an_instance_without_a_finding_keeps_the_policy_whole() {
    let extra = "[[terraform]]\nroot = \"for-each\"\nbook = \"prod\"\n";
    let dir = project(&["app-blue"], extra);
    let p = dir.path();
    import_book(p);
    let (json, code) = check(p, &["for-each/main.tf", "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(rules_of(&json), ["no-evidence"]);
    assert!(json.contains("app-green"), "{json}");
    let (out, _) = check(p, &["for-each/main.tf", "--fix"]);
    assert_eq!(
        read(&p.join("for-each/main.tf")),
        read(&data("terraform/state-book/for-each/main.tf")),
        "{out}"
    );
}

#[test]
fn a_module_folder_binds_by_its_module_address() {
    let extra =
        "[[terraform]]\nroot = \"modules/lambda\"\nbook = \"prod\"\nmodule = \"module.lambda\"\n";
    let dir = project(&["lambda-fn-role"], extra);
    let p = dir.path();
    import_book(p);
    bound_through_the_book(p, "modules/lambda/main.tf");
    fixes_to(p, "modules/lambda/main.tf", "modules/lambda/expected.tf");
}

#[test]
fn a_module_folder_without_its_module_address_is_not_bound() {
    // The root module has no `aws_iam_role.this`: the module's folder alone does not say
    // which call of it the state holds.
    // (Two roles of the snapshot fit the role's `name = "${...}-role"`: binding step 4, by the
    // name's pattern, does not decide either.)
    let extra = "[[terraform]]\nroot = \"modules/lambda\"\nbook = \"prod\"\n";
    let dir = project(&["lambda-fn-role", "batch-fn-role"], extra);
    import_book(dir.path());
    let (json, code) = check(dir.path(), &["modules/lambda/main.tf", "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(rules_of(&json), ["no-evidence"]);
}

/// `snapshot import FILE ARGS...` of a file with `text`: (stderr, exit code); nothing written.
fn import_text(text: &[u8], args: &[&str]) -> (String, i32) {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("state.json"), text).unwrap();
    let mut all = vec!["snapshot", "import", "state.json"];
    all.extend_from_slice(args);
    let (_, err, code) = run(dir.path(), &all);
    assert!(!dir.path().join("snapshot").exists(), "{err}");
    (flat(&err), code)
}

#[test]
fn bad_state_files_are_errors_and_nothing_is_written() {
    let to = ["--terraform", "prod", "-o", "snapshot/"];
    let (err, code) = import_text(b"{\"format_version\": \"1.0\", ", &to);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("state.json"), "{err}");
    let wrong = br#"{"format_version": "1.0", "values": {"root_module": {"resources": "none"}}}"#;
    let (err, code) = import_text(wrong, &to);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/values/root_module/resources"), "{err}");
    let no_arn = br#"{"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "values": {"arn": "MyRole"}}]}}}"#;
    let (err, code) = import_text(no_arn, &to);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/values/root_module/resources/0/values/arn"),
        "{err}"
    );
    assert!(!err.contains("aws_db"), "{err}");
    let plan = br#"{"format_version": "1.2", "planned_values": {"root_module": {}}}"#;
    let (err, code) = import_text(plan, &to);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a plan's JSON"), "{err}");
    let empty = br#"{"format_version": "1.0"}"#;
    let (err, code) = import_text(empty, &to);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no `values`"), "{err}");
    // State without a book's name, and a name that is not one.
    let state = read(&data("terraform/state-book/state.json"));
    let (err, code) = import_text(state.as_bytes(), &["-o", "snapshot/"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pass --terraform NAME"), "{err}");
    let (err, code) = import_text(
        state.as_bytes(),
        &["--terraform", "../x", "-o", "snapshot/"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a book name"), "{err}");
    // A book goes into a snapshot folder, not a file.
    let (err, code) = import_text(
        state.as_bytes(),
        &["--terraform", "prod", "-o", "snapshot.json"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name one with -o DIR/"), "{err}");
}

#[test]
fn a_huge_state_file_is_refused_by_a_bounded_read() {
    let mut huge =
        b"{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"resources\": [".to_vec();
    huge.resize(9 << 20, b' ');
    huge.extend_from_slice(b"]}}}");
    let (err, code) = import_text(&huge, &["--terraform", "prod", "-o", "snapshot/"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("state.json"), "{err}");
}

#[test]
fn a_corrupt_or_foreign_book_is_a_snapshot_error() {
    let dir = project(&[], ROOT);
    let p = dir.path();
    std::fs::create_dir(p.join("snapshot/terraform")).unwrap();
    let book = p.join("snapshot/terraform/prod.json");
    for (text, expected) in [
        ("{\"version\": 1, ", "prod.json"),
        (
            "{\"version\": 2, \"book\": \"prod\", \"roles\": {}}",
            "an iamtrim Terraform address book",
        ),
        (
            "{\"version\": 1, \"book\": \"staging\", \"roles\": {}}",
            "expected `prod` (the file's name)",
        ),
        (
            "{\"version\": 1, \"book\": \"prod\", \"roles\": {\"aws_iam_role.app\": \"MyRole\"}}",
            "/roles/aws_iam_role.app",
        ),
    ] {
        std::fs::write(&book, text).unwrap();
        let (_, err, code) = run(
            p,
            &[
                "check",
                "--config",
                "iamtrim.toml",
                "--catalog",
                "catalog",
                "root/main.tf",
            ],
        );
        let err = flat(&err);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn a_bad_terraform_table_is_a_config_error() {
    for (table, expected) in [
        (
            "[[terraform]]\nroot = \"root\"\nbook = \"a/b\"\n",
            "not one",
        ),
        (
            "[[terraform]]\nroot = \"../x\"\nbook = \"prod\"\n",
            "not a folder inside",
        ),
        (
            "[[terraform]]\nroot = \"root\"\nbook = \"prod\"\nmodule = \"lambda\"\n",
            "not a module address",
        ),
        ("[[terraform]]\nroot = \"root\"\nbok = \"prod\"\n", "bok"),
    ] {
        let dir = project(&[], table);
        let (_, err, code) = run(
            dir.path(),
            &["check", "--config", "iamtrim.toml", "root/main.tf"],
        );
        assert_eq!(code, 2, "{table}: {err}");
        assert!(err.contains(expected), "{table}: {err}");
    }
}

#[test]
fn a_json_file_a_var_named_role_loads_binds_through_the_book_and_is_fixed() {
    let extra = "[[terraform]]\nroot = \"loaded\"\nbook = \"prod\"\n";
    let dir = project(&[], extra);
    let p = dir.path();
    let loaded = p.join("loaded");
    std::fs::create_dir(&loaded).unwrap();
    for f in ["policy.json", "expected.json"] {
        std::fs::copy(data(&format!("terraform/file/{f}")), loaded.join(f)).unwrap();
    }
    std::fs::write(
        loaded.join("main.tf"),
        "resource \"aws_iam_role\" \"app\" {\n  name = var.role_name\n}\n\n\
         resource \"aws_iam_role_policy\" \"app\" {\n  name   = \"root\"\n  role   = aws_iam_role.app.name\n  policy = file(\"${path.module}/policy.json\")\n}\n",
    )
    .unwrap();
    let (json, code) = check(p, &["loaded/policy.json", "--format", "json"]);
    assert_eq!(
        (code, rules_of(&json)),
        (0, vec!["no-evidence".to_string()]),
        "{json}"
    );
    import_book(p);
    let (json, code) = check(p, &["loaded/policy.json", "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    let mut bound = bound_by(&json);
    bound.dedup();
    assert_eq!(
        bound,
        [(
            "loaded/main.tf#aws_iam_role_policy.app".to_string(),
            serde_json::json!("terraform-state")
        )],
        "{json}"
    );
    fixes_to(p, "loaded/policy.json", "loaded/expected.json");
}

#[test]
fn a_policy_also_attached_to_a_user_is_not_bound_by_the_book() {
    // Evidence for the role would judge the user's use too.
    let dir = project(&[], ROOT);
    let p = dir.path();
    let main = read(&p.join("root/main.tf")).replace(
        "resource \"aws_iam_role_policy\" \"app\" {\n  name   = \"root\"\n  role   = aws_iam_role.app.name\n  policy = data.aws_iam_policy_document.app.json\n}",
        "resource \"aws_iam_policy\" \"app\" {\n  policy = data.aws_iam_policy_document.app.json\n}\n\n\
         resource \"aws_iam_role_policy_attachment\" \"app\" {\n  role       = aws_iam_role.app.name\n  policy_arn = aws_iam_policy.app.arn\n}\n",
    );
    std::fs::write(p.join("root/main.tf"), &main).unwrap();
    import_book(p);
    // Attached to the role alone, the managed policy binds through the book.
    bound_through_the_book(p, "root/main.tf");
    let user = "\nresource \"aws_iam_user_policy_attachment\" \"ci\" {\n  user       = \"ci\"\n  policy_arn = aws_iam_policy.app.arn\n}\n";
    std::fs::write(p.join("root/main.tf"), main + user).unwrap();
    let (json, code) = check(p, &["root/main.tf", "--format", "json"]);
    assert_eq!(
        (code, rules_of(&json)),
        (0, vec!["no-evidence".to_string()]),
        "{json}"
    );
}

#[test]
fn findings_and_a_book_are_imported_together_into_a_folder() {
    let dir = project(&[], ROOT);
    let p = dir.path();
    let (_, err, code) = run(
        p,
        &[
            "snapshot",
            "import",
            "state.json",
            "snapshot/get-finding-v2.MyRole.json",
            "--terraform",
            "prod",
            "-o",
            "indexed/",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&p.join("indexed/terraform/prod.json")), BOOK);
    assert!(p.join("indexed/index.json").exists());
    let toml =
        read(&p.join("iamtrim.toml")).replace("snapshot = \"snapshot\"", "snapshot = \"indexed\"");
    std::fs::write(p.join("iamtrim.toml"), toml).unwrap();
    bound_through_the_book(p, "root/main.tf");
}

#[test]
fn a_stack_book_and_a_terraform_book_need_a_folder_together() {
    let dir = project(&[], "");
    let p = dir.path();
    std::fs::copy(
        data("cfn/stack-role/stack-resources.json"),
        p.join("stack-resources.json"),
    )
    .unwrap();
    let both = [
        "snapshot",
        "import",
        "state.json",
        "stack-resources.json",
        "--terraform",
        "prod",
        "--stack",
        "prod-app",
    ];
    let (out, err, code) = run(p, &both);
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    assert!(
        flat(&err).contains("two address books go into a snapshot folder"),
        "{err}"
    );
    let mut to_dir = both.to_vec();
    to_dir.extend(["-o", "snapshot/"]);
    let (_, err, code) = run(p, &to_dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&p.join("snapshot/terraform/prod.json")), BOOK);
    assert!(p.join("snapshot/stacks/prod-app.json").exists());
}

#[test]
fn a_module_called_with_for_each_binds_by_its_instance_address() {
    let extra =
        "[[terraform]]\nroot = \"modules/lambda\"\nbook = \"prod\"\nmodule = 'module.fn[\"a\"]'\n";
    let dir = project(&["lambda-fn-role"], extra);
    let p = dir.path();
    let state = read(&p.join("state.json")).replace(
        "\"module.lambda.aws_iam_role.this\"",
        "\"module.fn[\\\"a\\\"].aws_iam_role.this\"",
    );
    assert!(state.contains(r#""module.fn[\"a\"].aws_iam_role.this""#));
    std::fs::write(p.join("state.json"), state).unwrap();
    import_book(p);
    bound_through_the_book(p, "modules/lambda/main.tf");
}
