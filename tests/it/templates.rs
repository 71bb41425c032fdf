//! YAML templates through git: `--staged`, `--base`, `--all`, `--diff`, SARIF and `--format
//! github` work on them as on policy files; and whom a policy resource attached to several
//! principals is bound to (tests/data/templates, see its ORIGIN.md).

use crate::cfn::{bound_by, check, project, rules_of};
use crate::common::{data, read};
use crate::git::Repo;
use serde_json::Value;

const BEFORE: &str = "2024-06-01T00:00:00+00:00";
const AFTER: &str = "2024-07-01T00:00:00+00:00";

fn template() -> String {
    read(&data("templates/aws-blog.yaml"))
}

fn fixed() -> String {
    read(&data("templates/aws-blog.fixed.yaml"))
}

/// A repository that finds candidates itself (no `include`), with the example's snapshot.
fn repo() -> Repo {
    let r = Repo::new();
    r.write(
        "iamtrim.toml",
        "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n",
    );
    r
}

fn paths(found: &[(String, String, String)]) -> Vec<&str> {
    let mut p: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    p.dedup();
    p
}

#[test]
fn staged_yaml_template_is_checked_and_fixed_in_the_index() {
    let r = repo();
    r.write("cfn/app.yaml", &template());
    // Other YAML the hook passes: a workflow, and a template without IAM.
    r.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo test\n",
    );
    r.write(
        "cfn/bucket.yml",
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
    );
    r.git(&["add", "-A"]);
    let found = r.findings(&["--staged"]);
    assert_eq!(found.len(), 9, "{found:?}");
    assert_eq!(paths(&found), ["cfn/app.yaml"]);
    assert!(
        found
            .iter()
            .any(|(_, rule, text)| rule == "overbroad-wildcard" && text == "'s3:Get*'")
    );
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(read(&r.path().join("cfn/app.yaml")), fixed());
    let staged = r.git(&["show", ":cfn/app.yaml"]).stdout;
    assert_eq!(String::from_utf8(staged).unwrap(), fixed());
}

#[test]
fn base_and_all_see_templates_as_policy_files() {
    let r = repo();
    r.write("cfn/a.yaml", &template());
    r.write("cfn/untouched.yml", &template());
    r.commit("base", BEFORE);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write(
        "cfn/a.yaml",
        &template().replace("RoleName: MyRole", "RoleName: MyRole  # named"),
    );
    r.write("cfn/new.template", &template());
    r.commit("change a, add new", AFTER);
    let found = r.findings(&["--base", "main"]);
    assert_eq!(paths(&found), ["cfn/a.yaml", "cfn/new.template"]);
    let found = r.findings(&["--all"]);
    assert_eq!(
        paths(&found),
        ["cfn/a.yaml", "cfn/new.template", "cfn/untouched.yml"]
    );
}

#[test]
fn actions_added_to_a_yaml_template_after_the_analysis_are_not_judged() {
    let r = repo();
    let now = template();
    let then = now.replacen("                  - lambda:DeleteFunction\n", "", 1);
    assert_ne!(then, now);
    r.write("cfn/app.yaml", &then);
    r.commit("template", BEFORE);
    r.write("cfn/app.yaml", &now);
    let found = r.findings(&["cfn/app.yaml"]);
    let rule_of = |text: &str| {
        found
            .iter()
            .filter(|(_, _, t)| t == text)
            .map(|(_, r, _)| r.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(rule_of("lambda:DeleteFunction"), ["newer-than-snapshot"]);
    assert_eq!(rule_of("lambda:CreateFunction"), ["unused-action"]);
}

#[test]
fn diff_prints_the_template_fix_and_writes_nothing() {
    let r = repo();
    r.write("cfn/app.yaml", &template());
    let out = r.check(&["cfn/app.yaml", "--diff"]);
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("--- a/cfn/app.yaml"), "{diff}");
    assert!(
        diff.contains("-                  - lambda:AddPermission"),
        "{diff}"
    );
    assert!(
        diff.contains("+                  - 's3:GetAccess*'   # reads of the bucket"),
        "{diff}"
    );
    assert_eq!(read(&r.path().join("cfn/app.yaml")), template());
}

#[test]
fn sarif_and_github_annotations_point_into_the_template() {
    let r = repo();
    r.write("cfn/app.yaml", &template());
    let out = r.check(&["cfn/app.yaml", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 9);
    let wide = results
        .iter()
        .find(|x| x["ruleId"] == "overbroad-wildcard")
        .unwrap();
    let region = &wide["locations"][0]["physicalLocation"]["region"];
    let line = template()
        .lines()
        .position(|l| l.contains("'s3:Get*'"))
        .unwrap()
        + 1;
    assert_eq!(region["startLine"], line as u64, "{wide}");
    assert_eq!(region["startColumn"], 21, "{wide}");
    assert_eq!(
        wide["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "/Resources/MyRole/Properties/Policies/0/PolicyDocument",
        "{wide}"
    );
    let out = r.check(&["cfn/app.yaml", "--format", "github"]);
    let gh = String::from_utf8(out.stdout).unwrap();
    assert!(
        gh.contains(&format!(
            "::error file=cfn/app.yaml,line={line},col=21,endLine={line},endColumn=30,title=overbroad-wildcard::"
        )),
        "{gh}"
    );
}

/// A template of one `AWS::IAM::Policy` attached to `attach`, and role MyRole named `MyRole`.
fn attached(attach: &str) -> String {
    format!(
        "Resources:\n  MyRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: MyRole\n      AssumeRolePolicyDocument: {{}}\n  Unnamed:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {{}}\n  AppPolicy:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: app\n      {attach}\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: [lambda:CreateFunction, lambda:Invoke*]\n            Resource: '*'\n"
    )
}

#[test]
fn a_policy_is_bound_by_role_names_only_when_all_its_principals_have_one() {
    let dir = project("aws-blog", "");
    for (attach, bound) in [
        ("Roles: [!Ref MyRole]", Some("role-name")),
        ("Roles: [MyRole]", Some("role-name")),
        // Evidence for MyRole would judge what the unnamed role, or a user, uses too.
        ("Roles: [!Ref MyRole, !Ref Unnamed]", None),
        ("Roles: [!Ref MyRole, !ImportValue Other]", None),
        ("Roles: [!Ref MyRole]\n      Users: [alice]", None),
    ] {
        std::fs::write(dir.path().join("t.yaml"), attached(attach)).unwrap();
        let (out, _) = check(dir.path(), &["t.yaml", "--format", "json"]);
        let how = bound_by(&out);
        assert!(!how.is_empty(), "{attach}: {out}");
        for (_, b) in &how {
            assert_eq!(b.as_str(), bound, "{attach}: {out}");
        }
        if bound.is_none() {
            assert_eq!(rules_of(&out), ["no-evidence"], "{attach}");
        } else {
            assert!(
                rules_of(&out).contains(&"unused-action".to_string()),
                "{attach}"
            );
        }
    }
}

#[test]
fn a_literal_name_binds_only_a_principal_of_its_kind() {
    // The snapshot's MyRole is a role: a user of the same name is another principal.
    let dir = project("aws-blog", "");
    let user = "Resources:\n  U:\n    Type: AWS::IAM::User\n    Properties:\n      UserName: MyRole\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: [lambda:CreateFunction, lambda:Invoke*]\n                Resource: '*'\n";
    std::fs::write(dir.path().join("u.yaml"), user).unwrap();
    let (out, _) = check(dir.path(), &["u.yaml", "--format", "json"]);
    assert_eq!(rules_of(&out), ["no-evidence"], "{out}");
    let role = user
        .replace("AWS::IAM::User", "AWS::IAM::Role")
        .replace("UserName", "RoleName");
    std::fs::write(dir.path().join("r.yaml"), role).unwrap();
    let (out, _) = check(dir.path(), &["r.yaml", "--format", "json"]);
    assert_eq!(rules_of(&out), ["unused-action"], "{out}");
    assert_eq!(bound_by(&out)[0].1, "role-name");
}

#[test]
fn an_included_yaml_file_must_be_a_template() {
    let dir = project("aws-blog", "include = [\"*.yaml\"]\n");
    std::fs::write(dir.path().join("ci.yaml"), "on: push\njobs: {}\n").unwrap();
    let (out, code) = check(dir.path(), &["ci.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("not an IAM policy or template: a YAML file without `Resources`"),
        "{out}"
    );
    // Without `include`, the same file is skipped silently.
    let dir = project("aws-blog", "");
    std::fs::write(dir.path().join("ci.yaml"), "on: push\njobs: {}\n").unwrap();
    let (out, code) = check(dir.path(), &["ci.yaml"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "Checked 0 policy files: no findings.\n")
    );
}

#[test]
fn a_statement_under_a_dash_alone_on_its_line_is_removed_with_the_dash() {
    let dir = project("aws-blog", "");
    let file = dir.path().join("t.yaml");
    std::fs::copy(data("templates/lone-dash.yaml"), &file).unwrap();
    let (out, _) = check(dir.path(), &["t.yaml", "--fix"]);
    assert!(out.contains("Fixed 1 finding"), "{out}");
    assert_eq!(read(&file), read(&data("templates/lone-dash.fixed.yaml")));
}
