//! The YAML adapter on hostile text (regression tests; the document layer is private, so through
//! the library's lint and fix entry points).

use iamtrim::catalog::Catalog;
use iamtrim::diagnostic::Applicability;
use iamtrim::findings::UnusedSet;
use iamtrim::findings::binding::Evidence;
use iamtrim::lint::{self, Expect};
use std::collections::BTreeMap;

fn evidence() -> Evidence {
    let mut u = UnusedSet::default();
    u.add_action("s3", "PutObject");
    u.add_action("s3", "DeleteObject");
    u.add_service("sqs");
    Evidence {
        bound: vec!["role/app".into()],
        found: vec!["arn:aws:iam::1:role/app".into()],
        unused: u,
        ..Evidence::default()
    }
}

fn offers_fixes(linted: &lint::Linted) -> bool {
    linted.findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability != Applicability::DisplayOnly && !x.edits.is_empty())
    })
}

/// Found by mutating templates: a logical id (or a Serverless function) given twice.
/// Each copy was read as a policy at the same location, which names the first; the verifier then
/// compared the wrong policies and refused every fix of the file, even with nothing to fix.
#[test]
fn yaml_hostile_duplicate_logical_ids() {
    let role = |action: &str| {
        format!(
            "  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: {action}\n                Resource: '*'\n"
        )
    };
    let function = |action: &str| {
        format!(
            "  f:\n    handler: h\n    iamRoleStatements:\n      - Effect: Allow\n        Action: {action}\n        Resource: '*'\n"
        )
    };
    let cat = Catalog::embedded();
    let ev = evidence();
    for text in [
        format!(
            "Resources:\n{}{}",
            role("[s3:PutObject, s3:GetObject]"),
            role("sqs:*")
        ),
        format!(
            "service: s\nprovider:\n  name: aws\nfunctions:\n{}{}",
            function("[s3:PutObject, s3:GetObject]"),
            function("sqs:*")
        ),
    ] {
        let fixed = lint::fix(&text, Applicability::Unsafe, &ev, cat, &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let first_fixed =
            fixed.text.contains("[s3:GetObject]") || !fixed.text.contains("s3:PutObject");
        assert!(first_fixed, "{}", fixed.text);
    }
    // The first is no role: nothing to judge, nothing to fix.
    let text = format!(
        "Resources:\n  AppRole:\n{}",
        role("[s3:PutObject, s3:GetObject]")
    );
    let linted = lint::lint_text(&text, Expect::Detect, Some(&ev), cat, &BTreeMap::new()).unwrap();
    assert!(
        linted.policies.is_empty() && !offers_fixes(&linted),
        "{linted:?}"
    );
}
