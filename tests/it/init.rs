//! `iamtrim init` (issue 12, part 6): a config for the repository it stands in, never over one.

use crate::common::{example, iamtrim, read};
use std::path::Path;

fn init(dir: &Path) -> (String, String, i32) {
    let out = iamtrim().current_dir(dir).arg("init").output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

/// A repository with the AWS example's policy under two names (one a role of the snapshot), the
/// snapshot folder, a template and a JSON file that is no policy.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    std::fs::create_dir_all(p.join("iam/roles")).unwrap();
    std::fs::create_dir_all(p.join("cfn")).unwrap();
    let policy = read(&example().join("policy.json"));
    std::fs::write(p.join("iam/roles/MyRole.json"), &policy).unwrap();
    std::fs::write(p.join("iam/roles/Other.json"), &policy).unwrap();
    crate::common::copy_dir(&example().join("snapshot"), &p.join("snapshot"));
    std::fs::write(
        p.join("cfn/app.yaml"),
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      AssumeRolePolicyDocument: {}\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: s3:GetObject\n                Resource: \"*\"\n",
    )
    .unwrap();
    std::fs::write(p.join("package.json"), "{\"name\": \"x\"}\n").unwrap();
    dir
}

#[test]
fn init_writes_a_config_that_binds_files_named_after_roles() {
    let dir = repository();
    let (out, err, code) = init(dir.path());
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("init-report", out);
    let config = read(&dir.path().join("iamtrim.toml"));
    insta::assert_snapshot!("init-config", config);
    // The config works: the bound file is judged by its role's findings, the other is not bound.
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--no-ignores"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules_of = |file: &str| -> Vec<String> {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == file)
            .flat_map(|f| f["findings"].as_array().unwrap().clone())
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        rules_of("iam/roles/MyRole.json").contains(&"unused-action".to_string()),
        "{v}"
    );
    assert_eq!(rules_of("iam/roles/Other.json"), ["no-evidence"]);
}

#[test]
fn init_never_overwrites_a_config() {
    let dir = repository();
    std::fs::write(dir.path().join("iamtrim.toml"), "snapshot = \"mine\"\n").unwrap();
    let (_, err, code) = init(dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        read(&dir.path().join("iamtrim.toml")),
        "snapshot = \"mine\"\n"
    );
}

#[test]
fn without_a_snapshot_init_says_how_to_get_one() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}\n",
    )
    .unwrap();
    let (out, _, code) = init(dir.path());
    assert_eq!(code, 0);
    assert!(out.contains("Found 1 policy file and 0 templates"), "{out}");
    assert!(out.contains("iamtrim snapshot import"), "{out}");
    let config = read(&dir.path().join("iamtrim.toml"));
    assert!(!config.contains("[[bind]]"), "{config}");
    // What it wrote is a valid config.
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
