//! Templates bound through their stack (binding steps 3 and 4): a stack's address book imported
//! from `aws cloudformation list-stack-resources`, and the names CloudFormation generates for
//! roles without `RoleName` (tests/data/cfn/stack-*, see its ORIGIN.md).

use crate::common::{check_project as check, copy_dir, data, iamtrim, read};
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

const ACCOUNT: &str = "arn:aws:iam::123456789012:role/";

/// A project with the AWS example's catalogue, the files of `tests/data/cfn/<case>`, and a
/// folder `raw/` holding the example's `get-finding-v2` output once for each role named (the
/// example's finding, its `resource` and `id` changed).
fn project(case: &str, roles: &[&str]) -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_dir(&data(&format!("cfn/{case}")), dir.path());
    copy_dir(&data("cfn/aws-blog/catalog"), &dir.path().join("catalog"));
    std::fs::create_dir(dir.path().join("raw")).unwrap();
    for r in roles {
        add_finding(dir.path(), r);
    }
    dir
}

/// The example's finding, as the finding of role `role`, in `raw/`.
fn add_finding(dir: &Path, role: &str) {
    let example = read(&data("cfn/aws-blog/snapshot/get-finding-v2.MyRole.json"));
    let mut v: Value = serde_json::from_str(&example).unwrap();
    v["resource"] = Value::String(format!("{ACCOUNT}{role}"));
    v["id"] = Value::String(format!("finding-{role}"));
    std::fs::write(
        dir.join(format!("raw/{role}.json")),
        serde_json::to_string_pretty(&v).unwrap(),
    )
    .unwrap();
}

fn config(dir: &Path, extra: &str) {
    std::fs::write(
        dir.join("iamtrim.toml"),
        format!("snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n{extra}"),
    )
    .unwrap();
}

/// `iamtrim snapshot import ARGS...`: (stdout, stderr with its lines unwrapped, exit code).
fn import(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = iamtrim()
        .current_dir(dir)
        .args(["snapshot", "import"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        flat(&String::from_utf8(out.stderr).unwrap()),
        out.status.code().unwrap(),
    )
}

/// miette's report as one line: its wrapping and gutter gone.
fn flat(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each finding as (rule, policy name, bound_by, message).
fn findings(json: &str) -> Vec<(String, String, Value, String)> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["policy"]["name"].as_str().unwrap_or_default().to_string(),
                f["policy"]["bound_by"].clone(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every file below `dir`, with its bytes, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if !dir.exists() {
        return out;
    }
    for e in walk(dir) {
        out.push((
            e.strip_prefix(dir).unwrap().display().to_string(),
            std::fs::read(&e).unwrap(),
        ));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `check FILE --fix` gives `expected` byte for byte, and a second run has nothing to fix.
fn fixes_to(dir: &Path, file: &str, expected: &str) {
    let (out, _) = check(dir, &[file, "--fix"]);
    assert_eq!(read(&dir.join(file)), read(&dir.join(expected)), "{out}");
    let (again, _) = check(dir, &[file, "--fix"]);
    assert!(!again.contains("Fixed"), "{again}");
}

const STACK: &str = "[[stack]]\ntemplate = \"*.json\"\nname = \"prod-app\"\n";

/// The stack-role project, its findings and its address book imported.
fn imported() -> TempDir {
    let dir = project("stack-role", &["prod-app-AppRole-1A2B3C4D5E6F", "MyRole"]);
    let p = dir.path();
    let (_, err, code) = import(p, &["raw", "-o", "snapshot/"]);
    assert_eq!(code, 0, "{err}");
    let (out, err, code) = import(
        p,
        &[
            "stack-resources.json",
            "--stack",
            "prod-app",
            "-o",
            "snapshot/",
        ],
    );
    assert_eq!((out.as_str(), code), ("", 0), "{err}");
    assert!(
        err.contains(
            "stack prod-app: 2 roles; 3 rows that are not AWS::IAM::Role (or are deleted) skipped"
        ),
        "{err}"
    );
    dir
}

#[test]
fn an_address_book_is_imported_into_the_snapshot_folder() {
    let dir = imported();
    let p = dir.path();
    assert_eq!(
        read(&p.join("snapshot/stacks/prod-app.json")),
        "{\n    \"version\": 1,\n    \"stack\": \"prod-app\",\n    \"roles\": {\n        \"AppRole\": \"prod-app-AppRole-1A2B3C4D5E6F\",\n        \"PinnedRole\": \"prod-app-PinnedRole-0LDB00K0LD00\"\n    }\n}\n"
    );
    // The findings are as they were; importing the book again changes nothing.
    let before = tree(&p.join("snapshot"));
    assert!(before.iter().any(|(f, _)| f == "index.json"), "{before:?}");
    let (_, err, code) = import(
        p,
        &[
            "stack-resources.json",
            "--stack",
            "prod-app",
            "-o",
            "snapshot/",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(tree(&p.join("snapshot")), before);
    // Without -o, the book is printed.
    let (out, _, code) = import(p, &["stack-resources.json", "--stack", "prod-app"]);
    assert_eq!(code, 0);
    assert_eq!(out, read(&p.join("snapshot/stacks/prod-app.json")));
}

#[test]
fn a_corrupt_address_book_is_refused_and_nothing_written() {
    let dir = imported();
    let p = dir.path();
    let before = tree(&p.join("snapshot"));
    for (file, pointer, why) in [
        (
            "bad-types.json",
            "/StackResourceSummaries/1/PhysicalResourceId",
            "expected an IAM role name (a role's physical id), found a number",
        ),
        (
            "missing-field.json",
            "/StackResourceSummaries/2",
            "`LogicalResourceId` is missing",
        ),
    ] {
        let (_, err, code) = import(p, &[file, "--stack", "prod-app", "-o", "snapshot/"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&format!("{file}: {pointer}: {why}")), "{err}");
        assert_eq!(tree(&p.join("snapshot")), before, "{file}");
        // Into a new folder: not even the folder is made.
        let (_, err, code) = import(p, &[file, "--stack", "prod-app", "-o", "new/"]);
        assert_eq!(code, 2, "{err}");
        assert!(!p.join("new").exists());
    }
    // A book needs its stack's name, a stack name of its form, and a folder to go to.
    for (args, says) in [
        (
            &["stack-resources.json", "-o", "snapshot/"][..],
            "does not name its stack: pass --stack NAME",
        ),
        (
            &["stack-resources.json", "--stack", "../x", "-o", "snapshot/"][..],
            "not a stack name",
        ),
        (
            &["raw", "--stack", "prod-app", "-o", "snapshot/"][..],
            "none of the files is",
        ),
        (
            &[
                "stack-resources.json",
                "--stack",
                "prod-app",
                "-o",
                "snap.json",
            ][..],
            "an address book is kept in a snapshot folder",
        ),
        (
            &["stack-resources.json", "raw", "--stack", "prod-app"][..],
            "go into a snapshot folder",
        ),
    ] {
        let (_, err, code) = import(p, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(tree(&p.join("snapshot")), before, "{args:?}");
        assert!(!p.join("snap.json").exists());
    }
    // A `stacks` folder that is a symlink could lead anywhere: refused, nothing written.
    #[cfg(unix)]
    {
        let other = TempDir::new().unwrap();
        let moved = p.join("snapshot-moved");
        std::fs::rename(p.join("snapshot/stacks"), &moved).unwrap();
        std::os::unix::fs::symlink(other.path(), p.join("snapshot/stacks")).unwrap();
        let (_, err, code) = import(
            p,
            &[
                "stack-resources.json",
                "--stack",
                "prod-app",
                "-o",
                "snapshot/",
            ],
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("stacks: a symlink: nothing written"), "{err}");
        assert_eq!(std::fs::read_dir(other.path()).unwrap().count(), 0);
        std::fs::remove_file(p.join("snapshot/stacks")).unwrap();
        std::fs::rename(&moved, p.join("snapshot/stacks")).unwrap();
    }
    // A book that is not a book (edited by hand): the check says where.
    std::fs::write(
        p.join("snapshot/stacks/prod-app.json"),
        "{\"version\": 1, \"stack\": \"prod-app\", \"roles\": {\"AppRole\": 7}}",
    )
    .unwrap();
    config(p, STACK);
    let out = iamtrim()
        .current_dir(p)
        .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
        .arg("template.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = flat(&String::from_utf8_lossy(&out.stderr));
    assert!(
        err.contains("prod-app.json: /roles/AppRole: expected an IAM role name, found a number"),
        "{err}"
    );
}

#[test]
fn a_role_is_bound_through_its_stacks_address_book_and_fixed() {
    let dir = imported();
    let p = dir.path();
    config(p, STACK);
    let (out, code) = check(p, &["template.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let found = findings(&out);
    assert_eq!(found.len(), 9, "{out}");
    assert!(
        found
            .iter()
            .all(|(_, name, how, _)| name == "AppRole policy \"root\"" && how == "stack-resources"),
        "{out}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["files"][0]["findings"][0]["principals"][0],
        format!("{ACCOUNT}prod-app-AppRole-1A2B3C4D5E6F")
    );
    fixes_to(p, "template.json", "expected-fixed.json");
    // Without [[stack]], the book is not used: no evidence.
    let dir = imported();
    config(dir.path(), "");
    let (out, code) = check(dir.path(), &["template.json", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let rules: Vec<String> = findings(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["no-evidence"]);
}

#[test]
fn a_fragment_bind_and_a_literal_role_name_beat_the_address_book() {
    let dir = imported();
    let p = dir.path();
    // The book says PinnedRole is prod-app-PinnedRole-0LDB00K0LD00 (no finding: it predates the
    // RoleName); its literal RoleName says MyRole, which has one.
    config(p, STACK);
    let (out, code) = check(p, &["pinned.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        findings(&out)
            .iter()
            .all(|(rule, _, how, _)| rule != "no-evidence" && how == "role-name"),
        "{out}"
    );
    // A `#AppRole` bind to a role with no finding wins over the book's role (which has one).
    config(
        p,
        &format!(
            "{STACK}[[bind]]\nfiles = [\"template.json#AppRole\"]\nprincipals = [\"role/nobody\"]\n"
        ),
    );
    let (out, code) = check(p, &["template.json", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0].0, "no-evidence");
    assert_eq!(found[0].2, "bind-resource");
    assert!(found[0].3.contains("role/nobody"), "{out}");
}

#[test]
fn a_sam_functions_implicit_role_is_found_in_the_address_book() {
    let dir = project("stack-sam", &["prod-api-MyFunctionRole-Zp3f5K3xLm0q"]);
    let p = dir.path();
    std::fs::copy(
        data("cfn/sam-function/template.json"),
        p.join("template.json"),
    )
    .unwrap();
    std::fs::copy(
        data("cfn/sam-function/expected-fixed.json"),
        p.join("expected-fixed.json"),
    )
    .unwrap();
    assert_eq!(import(p, &["raw", "-o", "snapshot/"]).2, 0);
    // Two pages of list-stack-resources output, one book.
    let (_, err, code) = import(
        p,
        &[
            "stack-resources.page1.json",
            "stack-resources.page2.json",
            "--stack",
            "prod-api",
            "-o",
            "snapshot/",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("stack prod-api: 2 roles; 2 rows"), "{err}");
    config(
        p,
        "[[stack]]\ntemplate = \"./template.json\"\nname = \"prod-api\"\n\n[[stack]]\ntemplate = \"nowhere/*.json\"\nname = \"unused\"\n",
    );
    let (out, _) = check(p, &["template.json", "--format", "json"]);
    let mut found: Vec<(String, String, Value)> = findings(&out)
        .into_iter()
        // (The notes on SAM's managed policies and policy templates are not bound to anyone.)
        .filter(|(r, ..)| r != "not-judged")
        .map(|(r, n, h, _)| (r, n, h))
        .collect();
    found.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let by = |s: &str| Value::String(s.into());
    assert_eq!(
        found,
        [
            // OtherFunction's role is in the book, and has no finding.
            (
                "no-evidence".to_string(),
                "OtherFunction policy".to_string(),
                by("stack-resources")
            ),
            (
                "unused-action".to_string(),
                "MyFunction policy 2".to_string(),
                by("stack-resources")
            ),
            (
                "unused-action".to_string(),
                "MyFunction policy 2".to_string(),
                by("stack-resources")
            ),
        ],
        "{out}"
    );
    assert!(
        out.contains("role/prod-api-OtherFunctionRole-H4j5K6l7M8n9"),
        "{out}"
    );
    fixes_to(p, "template.json", "expected-fixed.json");
}

#[test]
fn a_role_is_bound_by_its_generated_name_when_one_role_has_it() {
    let dir = project(
        "stack-generated",
        &[
            "prod-gen-WorkerRole-AAAABBBBCCCC",
            "prod-gen-OtherRole-AAAABBBBCCCC",
        ],
    );
    let p = dir.path();
    assert_eq!(import(p, &["raw", "-o", "snapshot/"]).2, 0);
    config(
        p,
        "[[stack]]\ntemplate = \"template.json\"\nname = \"prod-gen\"\n",
    );
    let (out, code) = check(p, &["template.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let found = findings(&out);
    assert_eq!(found.len(), 10, "{out}");
    assert!(
        found.iter().all(|(_, _, how, _)| how == "generated-name"),
        "{out}"
    );
    let notes: Vec<&String> = found
        .iter()
        .filter(|f| f.0 == "generated-role-name")
        .map(|f| &f.3)
        .collect();
    assert_eq!(
        notes,
        [
            "WorkerRole policy \"root\" is bound to role/prod-gen-WorkerRole-AAAABBBBCCCC, by the name CloudFormation generates for role WorkerRole of stack prod-gen"
        ]
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let note = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "generated-role-name")
        .unwrap();
    assert_eq!(note["severity"], "info");
    fixes_to(p, "template.json", "expected-fixed.json");
    // The note is in SARIF too.
    let (sarif, _) = check(p, &["template.json", "--format", "sarif"]);
    assert!(sarif.contains("generated-role-name"), "{sarif}");
}

#[test]
fn a_generated_name_that_fits_two_roles_binds_none() {
    let dir = project(
        "stack-generated",
        &[
            "prod-gen-WorkerRole-AAAABBBBCCCC",
            "prod-gen-WorkerRole-DDDDEEEEFFFF",
        ],
    );
    let p = dir.path();
    assert_eq!(import(p, &["raw", "-o", "snapshot/"]).2, 0);
    config(
        p,
        "[[stack]]\ntemplate = \"template.json\"\nname = \"prod-gen\"\n",
    );
    let (out, code) = check(p, &["template.json", "--format", "json", "--fix"]);
    assert_eq!(code, 0, "{out}");
    let found = findings(&out);
    let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(rules, ["generated-role-name", "no-evidence"], "{out}");
    assert!(found.iter().all(|f| f.2.is_null()), "{out}");
    assert_eq!(
        found[0].3,
        "WorkerRole policy \"root\" is bound to no role: 2 roles have the name CloudFormation generates for role WorkerRole of stack prod-gen (role/prod-gen-WorkerRole-AAAABBBBCCCC, role/prod-gen-WorkerRole-DDDDEEEEFFFF)"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let help = v["files"][0]["findings"][1]["help"].as_str().unwrap();
    assert!(
        help.contains("2 roles have the generated name of role WorkerRole of stack prod-gen"),
        "{help}"
    );
    assert_eq!(
        read(&p.join("template.json")),
        read(&data("cfn/stack-generated/template.json"))
    );
    // A bind of the whole file judges it then; the note says so.
    config(
        p,
        "[[stack]]\ntemplate = \"template.json\"\nname = \"prod-gen\"\n\n[[bind]]\nfiles = [\"template.json\"]\nprincipals = [\"role/prod-gen-WorkerRole-AAAABBBBCCCC\"]\n",
    );
    let (out, code) = check(p, &["template.json", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let found = findings(&out);
    assert_eq!(found.len(), 10, "{out}");
    assert!(found.iter().all(|f| f.2 == "bind"), "{out}");
    assert!(
        found[0]
            .3
            .starts_with("WorkerRole policy \"root\" is bound by no role of its own (the file's binds judge it): 2 roles"),
        "{out}"
    );
}

#[test]
fn stack_config_is_checked_like_the_rest() {
    let dir = project("stack-generated", &[]);
    let p = dir.path();
    for (toml, says) in [
        (
            "[[stack]]\ntemplate = \"template.json\"\nname = \"prod-gen\"\nregion = \"eu-west-1\"\n",
            "unknown field `region`",
        ),
        (
            "[[stack]]\ntemplate = \"template.json\"\n",
            "missing field `name`",
        ),
        (
            "[[stack]]\ntemplate = \"template.json\"\nname = \"prod gen\"\n",
            "stack name `prod gen` is not one",
        ),
    ] {
        config(p, toml);
        let out = iamtrim()
            .current_dir(p)
            .args(["check", "--config", "iamtrim.toml", "template.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{toml}");
        let err = flat(&String::from_utf8_lossy(&out.stderr));
        assert!(err.contains(says), "{toml}: {err}");
    }
}

#[test]
fn a_template_in_two_stacks_is_judged_by_both() {
    let dir = project(
        "stack-generated",
        &[
            "prod-gen-WorkerRole-AAAABBBBCCCC",
            "stage-gen-WorkerRole-GGGGHHHHIIII",
        ],
    );
    let p = dir.path();
    assert_eq!(import(p, &["raw", "-o", "snapshot/"]).2, 0);
    let both = "[[stack]]\ntemplate = \"template.json\"\nname = \"prod-gen\"\n\n[[stack]]\ntemplate = \"*.json\"\nname = \"stage-gen\"\n";
    config(p, both);
    let (out, _) = check(p, &["template.json", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let wide = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "overbroad-wildcard")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        wide["principals"],
        serde_json::json!([
            format!("{ACCOUNT}prod-gen-WorkerRole-AAAABBBBCCCC"),
            format!("{ACCOUNT}stage-gen-WorkerRole-GGGGHHHHIIII")
        ])
    );
    // A stack whose role the snapshot lacks: no evidence for that deployment, nothing removed.
    config(p, &both.replace("stage-gen", "test-gen"));
    let (out, code) = check(p, &["template.json", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let rules: Vec<String> = findings(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["generated-role-name", "no-evidence"], "{out}");
    assert!(out.contains("role/test-gen-WorkerRole-…"), "{out}");
}
