use crate::common::{data, example, iamtrim, read};

fn recommend(findings: &str) -> String {
    let ex = example();
    let out = iamtrim()
        .arg("recommend")
        .arg(ex.join("policy.json"))
        .arg("--findings")
        .arg(ex.join(findings))
        .arg("--catalog")
        .arg(ex.join("catalog"))
        .output()
        .unwrap();
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
        recommend("unused-permissions.json"),
        read(&example().join("expected-fixed.json"))
    );
}

#[test]
fn aws_example_from_get_finding_v2() {
    assert_eq!(
        recommend("snapshot/get-finding-v2.MyRole.json"),
        read(&example().join("expected-fixed.json"))
    );
}

#[test]
fn aws_format_gives_create_and_detach_steps() {
    let ex = example();
    let out = iamtrim()
        .args(["recommend", "--format", "aws", "--catalog"])
        .arg(ex.join("catalog"))
        .arg(ex.join("policy.json"))
        .arg("--findings")
        .arg(ex.join("snapshot/get-finding-v2.MyRole.json"))
        .output()
        .unwrap();
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
    let out = iamtrim()
        .arg("recommend")
        .arg(data("recommend/all-unused.policy.json"))
        .arg("--findings")
        .arg(data("recommend/all-unused.findings.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("detach the policy"), "{err}");

    let out = iamtrim()
        .args(["recommend", "--format", "aws"])
        .arg(data("recommend/all-unused.policy.json"))
        .arg("--findings")
        .arg(data("recommend/all-unused.findings.json"))
        .output()
        .unwrap();
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
    let out = iamtrim()
        .arg("recommend")
        .arg(data("recommend/mixed.policy.json"))
        .arg("--findings")
        .arg(data("recommend/mixed.findings.json"))
        .output()
        .unwrap();
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
    let out = iamtrim()
        .arg("recommend")
        .arg(example().join("policy.json"))
        .arg("--findings")
        .arg(data("recommend/two-principals.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("role/a") && err.contains("role/b") && err.contains("--principal"),
        "{err}"
    );

    let out = iamtrim()
        .arg("recommend")
        .arg(example().join("policy.json"))
        .arg("--findings")
        .arg(data("recommend/two-principals.json"))
        .args(["--principal", "b"])
        .output()
        .unwrap();
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
    let out = iamtrim()
        .arg("recommend")
        .arg(example().join("policy.json"))
        .arg("--findings")
        .arg(example().join("iamtrim.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("iamtrim.toml"));

    let out = iamtrim()
        .arg("recommend")
        .arg(example().join("nope.json"))
        .arg("--findings")
        .arg(example().join("unused-permissions.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.json"));
}
