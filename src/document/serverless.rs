//! The Serverless Framework adapter: `serverless.yml` lists its role's statements, not a policy
//! document, at `provider.iam.role.statements` (v3 and later) or `provider.iamRoleStatements`
//! (older), and per function with the `serverless-iam-roles-per-function` plugin
//! (`functions.<name>.iamRoleStatements`). Each list is read as the `Statement` of a policy. A
//! Serverless variable (`${self:custom.bucket}`, `${opt:stage}`) is known at deployment only: a
//! value holding one is opaque, like a CloudFormation intrinsic.

use super::{Hints, PolicyAt};
use crate::policy::json::{Kind, Member, Value};
use crate::policy::model::{self, Dialect};

/// Whether a parsed YAML file is a Serverless Framework service: a `service` and a `provider`
/// mapping at its top.
pub(super) fn is_service(root: &Value) -> bool {
    root.get("service").is_some() && root.get("provider").and_then(Value::as_object).is_some()
}

/// The statement lists of a service: where they are (a JSON pointer), their key, their name.
fn lists(root: &Value) -> Vec<(String, &Member, String, Hints)> {
    let mut out = Vec::new();
    let provider = root.get("provider");
    let role = provider
        .and_then(|p| p.get("iam"))
        .and_then(|i| i.get("role"));
    let role_name = role
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.contains("${"))
        .map(|n| format!("role/{n}"));
    // `serverless.yml#provider` binds the service's role (and names its policies in reports).
    let hints = Hints {
        role_name,
        logical_id: Some("provider".to_string()),
        ..Hints::default()
    };
    if let Some(m) = role.and_then(|r| r.member("statements")) {
        out.push((
            "/provider/iam/role/statements".to_string(),
            m,
            "provider.iam.role.statements".to_string(),
            hints.clone(),
        ));
    }
    if let Some(m) = provider.and_then(|p| p.member("iamRoleStatements")) {
        out.push((
            "/provider/iamRoleStatements".to_string(),
            m,
            "provider.iamRoleStatements".to_string(),
            hints,
        ));
    }
    // A function named twice names its first (the one the location points at).
    let mut seen = std::collections::HashSet::new();
    for f in root
        .get("functions")
        .and_then(Value::as_object)
        .unwrap_or_default()
    {
        if !seen.insert(f.key.as_str()) {
            continue;
        }
        if let Some(m) = f.value.member("iamRoleStatements") {
            let token = f.key.replace('~', "~0").replace('/', "~1");
            out.push((
                format!("/functions/{token}/iamRoleStatements"),
                m,
                format!("function {} iamRoleStatements", f.key),
                Hints {
                    logical_id: Some(f.key.clone()),
                    ..Hints::default()
                },
            ));
        }
    }
    out
}

/// A copy of `v` with every string holding a Serverless variable made an opaque value.
fn variables_opaque(v: &Value) -> Value {
    let kind = match &v.kind {
        Kind::String(s) if s.contains("${") => Kind::Object(vec![Member {
            key: "Fn::ServerlessVariable".to_string(),
            key_span: v.span.clone(),
            value: v.clone(),
        }]),
        Kind::Array(items) => Kind::Array(items.iter().map(variables_opaque).collect()),
        Kind::Object(members) => Kind::Object(
            members
                .iter()
                .map(|m| Member {
                    key: m.key.clone(),
                    key_span: m.key_span.clone(),
                    value: variables_opaque(&m.value),
                })
                .collect(),
        ),
        k => k.clone(),
    };
    Value {
        kind,
        span: v.span.clone(),
    }
}

/// The policy document a statement list stands for: `{"Statement": <the list>}`, spanned on the
/// list (its key stands for `Statement`).
pub(super) fn as_document(list: &Member) -> Value {
    Value {
        kind: Kind::Object(vec![Member {
            key: "Statement".to_string(),
            key_span: list.key_span.clone(),
            value: variables_opaque(&list.value),
        }]),
        span: list.value.span.clone(),
    }
}

/// The policy document at `location` (one of [`policies`]'s).
pub(super) fn document_at(root: &Value, location: &str) -> Option<Value> {
    let (parent, key) = location.rsplit_once('/')?;
    let member = root.pointer(parent)?.member(key)?;
    Some(as_document(member))
}

pub(super) fn policies(root: &Value) -> Vec<PolicyAt> {
    lists(root)
        .into_iter()
        .map(|(location, member, name, hints)| {
            let doc = as_document(member);
            let (mut policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
            for stmt in &mut policy.statements {
                if stmt.sealed == Some(model::INTRINSIC_ACTION) {
                    stmt.sealed = Some(
                        "an action is written with a Serverless variable or an intrinsic function, known only at deployment",
                    );
                }
            }
            PolicyAt {
                location,
                name,
                hints,
                policy,
                issues,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_in_an_action_seals_its_statement_once_worded() {
        let text = "service: s\nprovider:\n  name: aws\n  iamRoleStatements:\n    - Effect: Allow\n      Action:\n        - ${self:custom.a}\n        - s3:GetObject\n      Resource: arn:aws:s3:::${self:custom.b}/*\n";
        let y = crate::document::yaml::parse(text).expect("yaml");
        let found = policies(&y.root);
        let stmt = &found[0].policy.statements[0];
        assert_eq!(
            stmt.sealed,
            Some(
                "an action is written with a Serverless variable or an intrinsic function, known only at deployment"
            )
        );
        assert!(found[0].issues.is_empty(), "{:?}", found[0].issues);
    }
}
