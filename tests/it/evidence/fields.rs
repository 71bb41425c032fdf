//! Each field iamtrim reads, given a wrong type or form, through every reader.

use super::*;
use crate::common::{data, iamtrim};
use serde_json::{Value, json};
use std::path::PathBuf;

/// One corrupt file per case: (fixture, pointer, new value, what the error says).
fn corrupt_cases() -> Vec<(&'static str, &'static str, Value, &'static str)> {
    let f2 = "aws-cli/get-finding-v2.ci-deployer.json";
    let rec = "aws-cli/get-finding-recommendation.ci-deployer.json";
    let list = "aws-cli/list-findings-v2.json";
    let role = "aws-cli/get-finding-v2.legacy-batch.json";
    let upd = "/findingDetails/0/unusedPermissionDetails";
    let step = "/recommendedSteps/2/unusedPermissionsRecommendedStep";
    vec![
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions",
            json!("DeleteTable"),
            "expected an array of objects or strings, found a string",
        ),
        (f2, "/status", json!(["ACTIVE"]), "found an array"),
        (f2, "/status", json!("active"), "ACTIVE"),
        (f2, "/analyzedAt", json!("last tuesday"), "RFC 3339"),
        (
            f2,
            "/analyzedAt",
            json!("2024-06-10T08:15:02+0é0"),
            "RFC 3339",
        ),
        (f2, "/analyzedAt", json!(1718007302), "found a number"),
        (f2, "/analyzedAt", Value::Null, "found null"),
        (f2, "/resource", json!("ci-deployer"), "ARN"),
        (f2, "/resource", json!("arn:aws:s3:::bucket"), "ARN"),
        (f2, "/resourceType", json!(7), "found a number"),
        (f2, "/createdAt", json!("2026-09-02"), "RFC 3339"),
        (f2, "/updatedAt", json!(false), "found a boolean"),
        (f2, "/id", json!(7), "found a number"),
        (f2, "/findingType", json!({}), "found an object"),
        (f2, "/findingDetails", json!({}), "found an object"),
        (f2, "/findingDetails/1", json!("kms"), "found a string"),
        (
            f2,
            "/findingDetails/1",
            json!({}),
            "unusedPermissionDetails",
        ),
        (f2, upd, json!([]), "found an array"),
        (
            f2,
            "/findingDetails/1/unusedPermissionDetails/serviceNamespace",
            json!(7),
            "found a number",
        ),
        (
            f2,
            "/findingDetails/1/unusedPermissionDetails/serviceNamespace",
            json!("s 3"),
            "service",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0",
            json!(7),
            "found a number",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0",
            json!({}),
            "`action` is missing",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0/action",
            json!(["DeleteTable"]),
            "found an array",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/0/action",
            json!("Delete*"),
            "action name",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/actions/1/lastAccessed",
            json!("soon"),
            "RFC 3339",
        ),
        (
            f2,
            "/findingDetails/0/unusedPermissionDetails/lastAccessed",
            json!(0),
            "found a number",
        ),
        (
            role,
            "/findingDetails/0/unusedIamRoleDetails",
            json!("yes"),
            "found a string",
        ),
        (
            role,
            "/findingDetails/0/unusedIamRoleDetails/lastAccessed",
            json!([]),
            "found an array",
        ),
        (rec, "/resourceArn", json!("ci-deployer"), "ARN"),
        (rec, "/status", json!(1), "found a number"),
        (rec, "/completedAt", json!("2026-11-18"), "RFC 3339"),
        (rec, "/recommendedSteps", json!({}), "found an object"),
        (
            rec,
            "/recommendedSteps/0",
            json!("DETACH_POLICY"),
            "found a string",
        ),
        (
            rec,
            "/recommendedSteps/0/unusedPermissionsRecommendedStep",
            json!([]),
            "found an array",
        ),
        (rec, step, json!(null), "found null"),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/recommendedPolicy",
            json!("{\"Version\": "),
            "policy document",
        ),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/recommendedPolicy",
            json!({"Version": "2012-10-17"}),
            "found an object",
        ),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/recommendedAction",
            json!("CREATE"),
            "CREATE_POLICY",
        ),
        (
            rec,
            "/recommendedSteps/2/unusedPermissionsRecommendedStep/existingPolicyId",
            json!(7),
            "found a number",
        ),
        (
            rec,
            "/recommendedSteps/1/unusedPermissionsRecommendedStep/policyUpdatedAt",
            json!("x"),
            "RFC 3339",
        ),
        (list, "/findings", json!({}), "found an object"),
        (list, "/findings/0", json!(7), "found a number"),
        (list, "/findings/0/resource", json!(7), "found a number"),
        (
            list,
            "/findings/1/status",
            json!(["ACTIVE"]),
            "found an array",
        ),
        (
            list,
            "/findings/2/analyzedAt",
            json!("2026-11-18T07:00:01"),
            "RFC 3339",
        ),
    ]
}

/// The table: each corrupt field, through every command that reads evidence.
#[test]
fn corrupt_fields_are_refused_by_every_reader() {
    for (from, pointer, to, says) in corrupt_cases() {
        let dir = project("snap.json");
        let v = set(fixture(from), pointer, to.clone());
        std::fs::write(dir.path().join("snap.json"), v.to_string()).unwrap();
        let out = run(dir.path(), &["snapshot", "import", "snap.json"]);
        refused(&out, "snap.json", pointer);
        let err: String = flat(&out);
        assert!(
            err.contains(&says.replace(' ', "")),
            "{from} {pointer} = {to}: expected `{says}` in {}",
            String::from_utf8_lossy(&out.stderr)
        );
        every_reader_refuses(dir.path(), "snap.json", "snap.json", pointer);
    }
}

/// The short form and iamtrim's own normalized file, each corrupt field refused.
#[test]
fn corrupt_short_form_and_normalized_snapshot() {
    let short = json!([
        {"serviceNamespace": "dynamodb", "actions": ["DeleteTable", {"action": "UpdateTable"}]},
        {"serviceNamespace": "kms"}
    ]);
    let short_with_resource = json!({"resource": CI, "unusedPermissions": short.clone()});
    let dir = project("snap.json");
    // The normalized file as import writes it, with every kind of field.
    let inputs: Vec<PathBuf> = vec![data("aws-cli")];
    let out = iamtrim()
        .arg("snapshot")
        .arg("import")
        .args(&inputs)
        .output()
        .unwrap();
    assert!(out.status.success());
    let normalized: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ci = normalized["principals"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["principal"] == CI)
        .unwrap();
    let p = format!("/principals/{ci}");
    let cases: Vec<(Value, String, Value)> = vec![
        (short.clone(), "/0/serviceNamespace".into(), json!(7)),
        (short.clone(), "/0/actions".into(), json!("DeleteTable")),
        (short.clone(), "/0/actions/1".into(), json!(true)),
        (short.clone(), "/0/actions/1/action".into(), json!(null)),
        (short.clone(), "/1".into(), json!("kms")),
        (
            short_with_resource.clone(),
            "/resource".into(),
            json!("ci-deployer"),
        ),
        (
            short_with_resource.clone(),
            "/unusedPermissions".into(),
            json!({}),
        ),
        (
            short_with_resource,
            "/unusedPermissions/0/actions/0".into(),
            json!("s3:"),
        ),
        (normalized.clone(), "/version".into(), json!("1")),
        (normalized.clone(), "/principals".into(), json!({})),
        (normalized.clone(), p.clone(), json!([])),
        (
            normalized.clone(),
            format!("{p}/principal"),
            json!("ci-deployer"),
        ),
        (normalized.clone(), format!("{p}/findingId"), json!(7)),
        (
            normalized.clone(),
            format!("{p}/analyzedAt"),
            json!("2024-06-10T08:15:02+0é0"),
        ),
        (normalized.clone(), format!("{p}/lastAccessed"), json!(null)),
        (
            normalized.clone(),
            format!("{p}/unusedServices"),
            json!("kms"),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedServices/0"),
            json!(7),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedActions"),
            json!(["s3"]),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedActions/s3"),
            json!("GetBucketAcl"),
        ),
        (
            normalized.clone(),
            format!("{p}/unusedActions/s3/0"),
            json!({}),
        ),
        (
            normalized.clone(),
            format!("{p}/recommendations/0/detach"),
            json!("no"),
        ),
        (
            normalized.clone(),
            format!("{p}/recommendations/0/existingPolicyId"),
            json!(null),
        ),
        (
            normalized.clone(),
            format!("{p}/recommendations/1/recommendedPolicy"),
            json!("not json"),
        ),
    ];
    for (doc, pointer, to) in cases {
        let v = set(doc, &pointer, to);
        std::fs::write(dir.path().join("snap.json"), v.to_string()).unwrap();
        every_reader_refuses(dir.path(), "snap.json", "snap.json", &pointer);
    }
    // unusedRole given as a string must not be read as `false` (or `true`).
    let v = set(normalized, &format!("{p}/unusedRole"), json!("true"));
    std::fs::write(dir.path().join("snap.json"), v.to_string()).unwrap();
    every_reader_refuses(
        dir.path(),
        "snap.json",
        "snap.json",
        &format!("{p}/unusedRole"),
    );
}

/// index.json entries are ARNs naming plain files inside the folder.
#[test]
fn corrupt_index_entries_are_refused() {
    let pk = format!("/principals/{CI_KEY}");
    let cases: Vec<(String, Value)> = vec![
        ("/version".into(), json!(2)),
        ("/layout".into(), json!(7)),
        ("/newestAnalyzedAt".into(), json!("yesterday")),
        ("/newestAnalyzedAt".into(), json!(7)),
        ("/principals".into(), json!([])),
        (pk.clone(), json!(7)),
        (pk.clone(), json!("../../../../etc/passwd")),
        (pk.clone(), json!("/etc/passwd")),
        (pk.clone(), json!("principals/../../x.json")),
        (pk, json!("")),
        ("/policies".into(), json!([])),
        ("/policies/ci-deployer-inline".into(), json!(CI)),
        (
            "/policies/ci-deployer-inline/0".into(),
            json!("ci-deployer"),
        ),
    ];
    for (pointer, to) in cases {
        let dir = indexed_project();
        edit_json(&dir.path().join("snap/index.json"), |v| {
            set(v, &pointer, to.clone())
        });
        every_reader_refuses(dir.path(), "snap", "index.json", &pointer);
    }
    // A key that is not an ARN. Entries are checked when read: import and show read them all;
    // `check` reads the entries its files are bound to, here by the bare name the key has
    // (bound by ARN, the key would simply not be found: no evidence).
    let dir = indexed_project();
    edit_json(&dir.path().join("snap/index.json"), |mut v| {
        let p = v["principals"].as_object_mut().unwrap();
        let f = p.remove(CI).unwrap();
        p.insert("ci-deployer".into(), f);
        v
    });
    let key = "/principals/ci-deployer";
    refused(
        &run(dir.path(), &["snapshot", "import", "snap"]),
        "index.json",
        key,
    );
    refused(
        &run(dir.path(), &["snapshot", "show", "snap"]),
        "index.json",
        key,
    );
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        "snapshot = \"snap\"\n[[bind]]\nfiles = [\"p.json\"]\nprincipals = [\"ci-deployer\"]\n",
    )
    .unwrap();
    refused(
        &run(dir.path(), &["check", "p.json", "--config", "iamtrim.toml"]),
        "index.json",
        key,
    );
    // A principal's file, corrupt.
    let dir = indexed_project();
    edit_json(&ci_file(dir.path()), |v| {
        set(v, "/principals/0/unusedActions/s3", json!("GetBucketAcl"))
    });
    every_reader_refuses(
        dir.path(),
        "snap",
        "role_ci-deployer.json",
        "/principals/0/unusedActions/s3",
    );
}

/// Dates that are not RFC 3339, a multi-byte character among them (it used to panic `check`
/// and `show` once imported): refused by import, and by every reader of a normalized file
/// written by hand.
#[test]
fn bad_dates_are_refused_without_a_panic() {
    for bad in [
        "2024-06-10T08:15:02+0é0",
        "2024-06-10T08:15:0é+00:00",
        "2024-02-30T08:15:02+00:00",
        "2024-06-10T08:15:02",
        "2024-06-10T08:15:02+0000",
        "2024-06-10",
        "2024-06-10T08:15:02+00:00[UTC]",
        "",
    ] {
        let dir = project("snap.json");
        let f = set(
            fixture("aws-cli/get-finding-v2.ci-deployer.json"),
            "/analyzedAt",
            json!(bad),
        );
        std::fs::write(dir.path().join("in.json"), f.to_string()).unwrap();
        refused(
            &run(dir.path(), &["snapshot", "import", "in.json"]),
            "in.json",
            "/analyzedAt",
        );
        let hand = json!({"version": 1, "principals": [
            {"principal": CI, "analyzedAt": bad, "unusedServices": ["kms"]}
        ]});
        std::fs::write(dir.path().join("snap.json"), hand.to_string()).unwrap();
        every_reader_refuses(
            dir.path(),
            "snap.json",
            "snap.json",
            "/principals/0/analyzedAt",
        );
    }
    // The AWS forms are taken.
    for good in [
        "2024-06-10T08:15:02+00:00",
        "2024-06-10T08:15:02.123Z",
        "2026-09-02T10:11:12.345000+00:00",
    ] {
        let dir = project("snap.json");
        let hand = json!({"version": 1, "principals": [
            {"principal": CI, "analyzedAt": good, "unusedServices": ["kms"]}
        ]});
        std::fs::write(dir.path().join("snap.json"), hand.to_string()).unwrap();
        let out = run(dir.path(), &["snapshot", "show", "snap.json"]);
        assert!(out.status.success(), "{good}: {}", flat(&out));
    }
}
