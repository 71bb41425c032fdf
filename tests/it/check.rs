//! `iamtrim check`: the CLI on real files, byte-exact fixed files, diagnostics without colour.

use crate::common::{copy_dir, data, example, iamtrim, read};
use std::path::Path;
use tempfile::TempDir;

/// A copy of AWS's example whose iamtrim.toml binds every `.json` at its root to MyRole.
fn example_project() -> TempDir {
    let dir = TempDir::new().unwrap();
    let ex = example();
    for f in ["policy.json", "expected-fixed.json"] {
        std::fs::copy(ex.join(f), dir.path().join(f)).unwrap();
    }
    for sub in ["catalog", "snapshot"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for e in std::fs::read_dir(ex.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    let toml =
        read(&ex.join("iamtrim.toml")).replace("files = [\"policy.json\"]", "files = [\"*.json\"]");
    std::fs::write(dir.path().join("iamtrim.toml"), toml).unwrap();
    dir
}

fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    iamtrim()
        .current_dir(dir)
        .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn fix_gives_aws_expected_file_and_converges() {
    let dir = example_project();
    let out = check(dir.path(), &["policy.json", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        read(&dir.path().join("policy.json")),
        read(&example().join("expected-fixed.json"))
    );
    let out = check(dir.path(), &["policy.json"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, "Checked 1 policy file: no findings.\n");
}

/// The example in other styles: each fixed file equals the expected file in the same style.
#[test]
fn fix_keeps_each_style() {
    let policy = read(&example().join("policy.json"));
    let expected = read(&example().join("expected-fixed.json"));
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let four = |s: &str| {
        s.lines()
            .map(|l| {
                let n = l.len() - l.trim_start().len();
                format!("{}{}\n", " ".repeat(n * 2), l.trim_start())
            })
            .collect::<String>()
    };
    let tabs = |s: &str| s.replace("  ", "\t");
    let minify = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        serde_json::to_string(&v).unwrap()
    };
    let no_final_newline = |s: &str| s.trim_end().to_string();
    let cases: Vec<(&str, String, String)> = vec![
        ("crlf.json", crlf(&policy), crlf(&expected)),
        ("four.json", four(&policy), four(&expected)),
        ("tabs.json", tabs(&policy), tabs(&expected)),
        ("mini.json", minify(&policy), minify(&expected)),
        (
            "nonl.json",
            no_final_newline(&policy),
            no_final_newline(&expected),
        ),
        (
            "bom.json",
            format!("\u{feff}{policy}"),
            format!("\u{feff}{expected}"),
        ),
    ];
    let dir = example_project();
    for (name, before, _) in &cases {
        std::fs::write(dir.path().join(name), before).unwrap();
    }
    let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let mut args = names.clone();
    args.push("--fix");
    let out = check(dir.path(), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for (name, _, after) in &cases {
        assert_eq!(&read(&dir.path().join(name)), after, "{name}");
    }
}

/// `"Action": "s3:Get*"` as a string becomes an array, one entry a line, at the file's indent.
#[test]
fn string_action_becomes_an_array() {
    let policy = read(&example().join("policy.json")).replace(
        "      \"Action\": [\n        \"s3:Get*\",\n        \"s3:List*\"\n      ],",
        "      \"Action\": \"s3:Get*\",",
    );
    assert!(policy.contains("\"Action\": \"s3:Get*\""));
    let dir = example_project();
    std::fs::write(dir.path().join("string.json"), &policy).unwrap();
    let out = check(dir.path(), &["string.json", "--fix"]);
    assert_eq!(out.status.code(), Some(0));
    let expected = read(&example().join("expected-fixed.json")).replace(
        "        \"s3:GetStorage*\",\n        \"s3:List*\"\n",
        "        \"s3:GetStorage*\"\n",
    );
    assert_eq!(read(&dir.path().join("string.json")), expected);
}

#[test]
fn diff_prints_and_writes_nothing() {
    let dir = example_project();
    let out = check(dir.path(), &["policy.json", "--diff"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("--- a/policy.json\n+++ b/policy.json\n"),
        "{text}"
    );
    assert!(
        text.contains("-        \"lambda:AddPermission\",\n"),
        "{text}"
    );
    assert!(text.contains("+        \"s3:GetObject*\",\n"), "{text}");
    assert_eq!(
        read(&dir.path().join("policy.json")),
        read(&example().join("policy.json"))
    );
    assert_eq!(out.status.code(), Some(1));
}

#[cfg(unix)]
#[test]
fn fix_is_atomic_keeps_mode_and_refuses_symlinks_out_of_the_repo() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
    let dir = example_project();
    let p = dir.path().join("policy.json");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    // A hard link keeps the old inode: a reader holding the file must see it whole, unchanged.
    let held = dir.path().join("held.lnk");
    std::fs::hard_link(&p, &held).unwrap();
    let inode = std::fs::metadata(&p).unwrap().ino();
    let out = check(dir.path(), &["policy.json", "--fix"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(read(&p), read(&example().join("expected-fixed.json")));
    assert_eq!(read(&held), read(&example().join("policy.json")));
    assert_ne!(
        std::fs::metadata(&p).unwrap().ino(),
        inode,
        "written by rename"
    );
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    // A symlink to a file outside the repository is not written through.
    let outside = TempDir::new().unwrap();
    let target = outside.path().join("policy.json");
    std::fs::copy(example().join("policy.json"), &target).unwrap();
    symlink(&target, dir.path().join("linked.json")).unwrap();
    let out = check(dir.path(), &["linked.json", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the repository"));
    assert_eq!(read(&target), read(&example().join("policy.json")));

    // One inside is: the target is fixed, the link stays a link.
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let inner = dir.path().join("real/inner.json");
    std::fs::copy(example().join("policy.json"), &inner).unwrap();
    symlink(&inner, dir.path().join("inner-link.json")).unwrap();
    let out = check(dir.path(), &["inner-link.json", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("inner-link.json").is_symlink());
    assert_eq!(read(&inner), read(&example().join("expected-fixed.json")));
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let rules = data("check/rules");
    let dir = TempDir::new().unwrap();
    copy_dir(&rules, dir.path());
    let run = |args: &[&str]| {
        iamtrim()
            .current_dir(dir.path())
            .args([
                "check",
                "--config",
                "iamtrim.toml",
                "policies/unused-service.json",
            ])
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["--fix"]).status.code(), Some(1));
    assert!(read(&dir.path().join("policies/unused-service.json")).contains("kms:Decrypt"));
    // Alone it would do nothing: a usage error that says what to pass, and nothing written.
    let alone = run(&["--unsafe-fixes"]);
    assert_eq!(alone.status.code(), Some(2));
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(err.contains("pass `--fix --unsafe-fixes`"), "{err}");
    assert!(read(&dir.path().join("policies/unused-service.json")).contains("kms:Decrypt"));
    assert_eq!(run(&["--diff", "--unsafe-fixes"]).status.code(), Some(1));
    assert!(read(&dir.path().join("policies/unused-service.json")).contains("kms:Decrypt"));
    assert_eq!(run(&["--fix", "--unsafe-fixes"]).status.code(), Some(0));
    let after = read(&dir.path().join("policies/unused-service.json"));
    assert!(after.contains("\"Action\": [\"s3:GetObject\"],"), "{after}");
}

/// Every rule's fix converges: a second --fix --unsafe-fixes changes nothing, and the result
/// still parses.
#[test]
fn every_rule_fix_converges() {
    let dir = TempDir::new().unwrap();
    copy_dir(&data("check/rules"), dir.path());
    let run = || {
        iamtrim()
            .current_dir(dir.path())
            .args([
                "check",
                "--config",
                "iamtrim.toml",
                "policies",
                "--fix",
                "--unsafe-fixes",
            ])
            .output()
            .unwrap()
    };
    run();
    let snapshot: Vec<(String, String)> = std::fs::read_dir(dir.path().join("policies"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), read(&p))
        })
        .collect();
    for (p, text) in &snapshot {
        assert!(
            serde_json::from_str::<serde_json::Value>(text).is_ok(),
            "{p}"
        );
    }
    run();
    for (p, text) in &snapshot {
        assert_eq!(&read(Path::new(p)), text, "{p} changed on the second run");
    }
}

#[test]
fn rules_and_explain() {
    let out = iamtrim().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for id in [
        "invalid-policy",
        "no-evidence",
        "overbroad-wildcard",
        "unused-action",
        "unused-policy",
        "unused-service",
        "unused-statement",
    ] {
        assert!(text.contains(id), "{id}");
        let out = iamtrim().args(["explain", id]).output().unwrap();
        assert!(out.status.success());
        let doc = String::from_utf8(out.stdout).unwrap();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix safety",
        ] {
            assert!(doc.contains(section), "{id}: {section}");
        }
    }
    let out = iamtrim().args(["explain", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// With a snapshot older than max-snapshot-age every fix is unsafe: `--fix` leaves the file,
/// `--unsafe-fixes` applies.
#[test]
fn stale_evidence_makes_fixes_unsafe() {
    let dir = example_project();
    let toml = read(&dir.path().join("iamtrim.toml")).replace("3650d", "30d");
    std::fs::write(dir.path().join("iamtrim.toml"), toml).unwrap();
    let out = check(dir.path(), &["policy.json", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("older than max-snapshot-age"));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("9 fixable with `iamtrim check --fix --unsafe-fixes`")
    );
    assert_eq!(
        read(&dir.path().join("policy.json")),
        read(&example().join("policy.json"))
    );
    let out = check(dir.path(), &["policy.json", "--fix", "--unsafe-fixes"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        read(&dir.path().join("policy.json")),
        read(&example().join("expected-fixed.json"))
    );
}

/// The AWS CLI's wrapped forms are policies too, and are fixed in place.
#[test]
fn wrapped_forms_are_checked_and_fixed() {
    let dir = example_project();
    let policy = read(&example().join("policy.json"));
    let indent = |s: &str| s.trim_end().replace('\n', "\n  ");
    let wrapped = format!(
        "{{\n  \"RoleName\": \"MyRole\",\n  \"PolicyName\": \"inline\",\n  \"PolicyDocument\": {}\n}}\n",
        indent(&policy)
    );
    std::fs::write(dir.path().join("role-policy.json"), &wrapped).unwrap();
    // Not a policy at all: skipped silently.
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}\n").unwrap();
    let out = check(dir.path(), &["role-policy.json", "package.json", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let expected = format!(
        "{{\n  \"RoleName\": \"MyRole\",\n  \"PolicyName\": \"inline\",\n  \"PolicyDocument\": {}\n}}\n",
        indent(&read(&example().join("expected-fixed.json")))
    );
    assert_eq!(read(&dir.path().join("role-policy.json")), expected);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Checked 1 policy file"));
}

/// Enough files to be checked on several threads: every good file fixed byte for byte, every
/// broken one reported (the run goes on), the report in path order, the same as file by file.
#[test]
fn many_files_are_checked_in_parallel_and_reported_in_order() {
    let dir = example_project();
    let policy = read(&example().join("policy.json"));
    let mut names = Vec::new();
    for i in 0..40 {
        let name = format!("p{i:02}.json");
        let text = if i % 7 == 3 {
            policy[..policy.len() / 2].to_string() // truncated: invalid-policy
        } else {
            policy.clone()
        };
        std::fs::write(dir.path().join(&name), text).unwrap();
        names.push(name);
    }
    let json = |args: &[&str]| -> serde_json::Value {
        let out = check(dir.path(), &[&["--format", "json"], args].concat());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let all = json(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let paths: Vec<&str> = all["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, names);
    // Each file's findings are what checking it alone gives.
    for (i, name) in names.iter().enumerate().step_by(5) {
        let alone = json(&[name.as_str()]);
        assert_eq!(alone["files"][0], all["files"][i], "{name}");
    }
    let out = check(
        dir.path(),
        &[
            &["--fix"][..],
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1), "the broken files remain");
    let fixed = read(&example().join("expected-fixed.json"));
    for (i, name) in names.iter().enumerate() {
        let now = read(&dir.path().join(name));
        if i % 7 == 3 {
            assert_eq!(now, policy[..policy.len() / 2], "{name} left alone");
        } else {
            assert_eq!(now, fixed, "{name}");
        }
    }
}

/// The snapshot is never checked as a policy, even when `include` selects every JSON file.
#[test]
fn the_snapshot_is_not_a_policy() {
    let dir = example_project();
    let toml = read(&dir.path().join("iamtrim.toml"));
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        format!("include = [\"**/*.json\"]\nexclude = [\"catalog/**\"]\n{toml}"),
    )
    .unwrap();
    let out = check(dir.path(), &["--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["expected-fixed.json", "policy.json"], "{v}");
}

/// An entry that matches nothing is reported (with a did-you-mean) and left alone by `--fix`,
/// which still fixes the rest of the file.
#[test]
fn unknown_actions_are_reported_and_kept_by_fix() {
    let dir = example_project();
    let policy = read(&dir.path().join("policy.json"));
    let typo = policy.replacen(
        "\"lambda:AddPermission\",",
        "\"lambda:AddPermission\",\n        \"lambda:InvokeFuncton\",",
        1,
    );
    assert_ne!(typo, policy);
    std::fs::write(dir.path().join("policy.json"), &typo).unwrap();
    let out = check(dir.path(), &["policy.json", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unknown: Vec<&serde_json::Value> = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unknown-action")
        .collect();
    assert_eq!(unknown.len(), 1, "{v}");
    assert_eq!(unknown[0]["help"], "did you mean `lambda:InvokeFunction`?");
    let out = check(dir.path(), &["policy.json", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = read(&example().join("expected-fixed.json")).replacen(
        "\"lambda:Invoke*\"",
        "\"lambda:InvokeFuncton\",\n        \"lambda:Invoke*\"",
        1,
    );
    assert_eq!(read(&dir.path().join("policy.json")), want);
}

/// `*` (a wildcard across services) is narrowed only with --unsafe-fixes: its replacement lists
/// catalogued services only. The help summarizes the long list; the fix has all of it.
#[test]
fn star_is_narrowed_only_as_an_unsafe_fix() {
    let dir = example_project();
    let star = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}\n";
    std::fs::write(dir.path().join("policy.json"), star).unwrap();
    let out = check(dir.path(), &["policy.json", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["files"][0]["findings"][0];
    assert_eq!(f["rule"], "overbroad-wildcard", "{v}");
    assert_eq!(f["fix"]["applicability"], "unsafe");
    let help = f["help"].as_str().unwrap();
    assert!(help.contains("more (`--diff` shows them all)"), "{help}");
    assert!(help.contains("would lose access"), "{help}");
    // --fix leaves it; --unsafe-fixes narrows it, and the result is clean.
    let out = check(dir.path(), &["policy.json", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(&dir.path().join("policy.json")), star);
    let out = check(dir.path(), &["policy.json", "--fix", "--unsafe-fixes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = read(&dir.path().join("policy.json"));
    assert!(
        fixed.contains("\"s3:GetObject*\"") && !fixed.contains("\"Action\": \"*\""),
        "{fixed}"
    );
    let out = check(dir.path(), &["policy.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
