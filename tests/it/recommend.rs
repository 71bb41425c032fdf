use crate::common::{data, example, read, recommend};

/// `recommend` on AWS's example with its pinned catalogue.
fn example_recommendation(findings: &str) -> String {
    let ex = example();
    let catalog = ex.join("catalog");
    let out = recommend(
        &ex.join("policy.json"),
        &ex.join(findings),
        &["--catalog", catalog.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// AWS's own example: `s3:Get*` becomes the seven entries AWS published, the eight lambda actions
/// go, `lambda:Invoke*` and `s3:List*` stay. Byte for byte, from both findings shapes.
#[test]
fn aws_example_from_short_form() {
    assert_eq!(
        example_recommendation("unused-permissions.json"),
        read(&example().join("expected-fixed.json"))
    );
}

#[test]
fn aws_example_from_get_finding_v2() {
    assert_eq!(
        example_recommendation("snapshot/get-finding-v2.MyRole.json"),
        read(&example().join("expected-fixed.json"))
    );
}

#[test]
fn aws_format_gives_create_and_detach_steps() {
    let ex = example();
    let catalog = ex.join("catalog");
    let out = recommend(
        &ex.join("policy.json"),
        &ex.join("snapshot/get-finding-v2.MyRole.json"),
        &["--format", "aws", "--catalog", catalog.to_str().unwrap()],
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["resourceArn"], "arn:aws:iam::123456789012:role/MyRole");
    let steps = v["recommendedSteps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    let create = &steps[0]["unusedPermissionsRecommendedStep"];
    assert_eq!(create["recommendedAction"], "CREATE_POLICY");
    assert_eq!(create["existingPolicyId"], "policy");
    let policy: serde_json::Value =
        serde_json::from_str(create["recommendedPolicy"].as_str().unwrap()).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&read(&ex.join("expected-fixed.json"))).unwrap();
    assert_eq!(policy, expected);
    assert_eq!(
        steps[1]["unusedPermissionsRecommendedStep"]["recommendedAction"],
        "DETACH_POLICY"
    );
}

#[test]
fn fully_unused_policy_says_detach() {
    let out = recommend(
        &data("recommend/all-unused.policy.json"),
        &data("recommend/all-unused.findings.json"),
        &[],
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("detach the policy"), "{err}");

    let out = recommend(
        &data("recommend/all-unused.policy.json"),
        &data("recommend/all-unused.findings.json"),
        &["--format", "aws"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = v["recommendedSteps"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(
        steps[0]["unusedPermissionsRecommendedStep"]["recommendedAction"],
        "DETACH_POLICY"
    );
}

/// Deny, Condition, Sid and a string `Action` that becomes several patterns; a whole-service
/// entry; prefixed action names in get-finding-v2 output; the embedded catalogue.
#[test]
fn keeps_everything_but_actions() {
    let out = recommend(
        &data("recommend/mixed.policy.json"),
        &data("recommend/mixed.findings.json"),
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        read(&data("recommend/mixed.expected.json"))
    );
}

#[test]
fn several_principals_need_a_choice() {
    let out = recommend(
        &example().join("policy.json"),
        &data("recommend/two-principals.json"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("role/a") && err.contains("role/b") && err.contains("--principal"),
        "{err}"
    );

    let out = recommend(
        &example().join("policy.json"),
        &data("recommend/two-principals.json"),
        &["--principal", "b"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // b has only lambda:AddPermission unused.
    assert!(!v.to_string().contains("lambda:AddPermission"));
    assert!(v.to_string().contains("lambda:GetFunction"));
}

#[test]
fn bad_inputs_exit_2_with_the_file_named() {
    let out = recommend(
        &example().join("policy.json"),
        &example().join("iamtrim.toml"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("iamtrim.toml"));

    let out = recommend(
        &example().join("nope.json"),
        &example().join("unused-permissions.json"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.json"));
}

/// `recommend` reads the policy as `check` does (one reader): a duplicate key is an invalid
/// policy for both, not the last value for one and the first for the other; a template is
/// refused with the command that fixes it.
#[test]
fn recommend_reads_policies_as_check_does() {
    let ex = example();
    let dir = tempfile::TempDir::new().unwrap();
    let dup = dir.path().join("dup.json");
    std::fs::write(
        &dup,
        "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:Get*\", \"Action\": \"lambda:Invoke*\", \"Resource\": \"*\"}]}\n",
    )
    .unwrap();
    let catalog = ex.join("catalog");
    let args = ["--catalog", catalog.to_str().unwrap()];
    let findings = ex.join("unused-permissions.json");
    let out = recommend(&dup, &findings, &args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dup.json") && err.contains("invalid policy: duplicate key"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let template = dir.path().join("app.yaml");
    std::fs::copy(data("templates/aws-blog.yaml"), &template).unwrap();
    let out = recommend(&template, &findings, &args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("iamtrim check --diff"), "{err}");
}
