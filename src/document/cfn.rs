//! The CloudFormation JSON adapter: a template (`.json`, `.template`, CDK's `*.template.json`) holds
//! the policies of its IAM and SAM resources, each at a JSON pointer into the template. Values may
//! be intrinsics (`{"Ref": ...}`, `{"Fn::Sub": ...}`, `{"Fn::If": ...}`): the policy model reads them
//! in its CloudFormation dialect (never a grammar error, an action never judged). Spans, edits and
//! the verifier's frame are the JSON adapter's: a policy document is a JSON object in the template.

use super::{Document, Hints, Note, PolicyAt, Read, Tree};
use crate::policy::json::{Kind, Value};
use crate::policy::model::{self, Dialect};

/// Whether a parsed JSON file is a CloudFormation template: a top-level object with
/// `AWSTemplateFormatVersion`, or a `Resources` map whose values have `"Type": "AWS::..."`.
pub(super) fn is_template(root: &Value) -> bool {
    if root.as_object().is_none() {
        return false;
    }
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources")
        .and_then(Value::as_object)
        .is_some_and(|rs| {
            rs.iter().any(|r| {
                r.value
                    .get("Type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("AWS::"))
            })
        })
}

/// A JSON pointer token (RFC 6901).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The literal string at `key` of `props`, if it is one.
fn literal<'v>(props: Option<&'v Value>, key: &str) -> Option<&'v str> {
    props?.get(key)?.as_str()
}

/// The logical ids a `Roles` list (or a `RoleName` value) names with `{"Ref": "X"}`.
fn refs(v: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| v.get("Ref").and_then(Value::as_str).map(str::to_string);
    match v.map(|v| &v.kind) {
        Some(Kind::Array(items)) => items.iter().filter_map(one).collect(),
        Some(Kind::Object(_)) => v.and_then(one).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The note for an entry of a SAM resource's `Policies` that is no statement document: a policy
/// template (`S3ReadPolicy: {BucketName: b}`) or a managed policy (`AmazonS3ReadOnlyAccess`, an
/// ARN): SAM expands them at deployment, outside the template's text.
fn sam_note(who: &str, v: &Value) -> Option<Note> {
    let message = match &v.kind {
        Kind::String(name) => format!(
            "{who} attaches the managed policy `{name}`: not judged here (its statements are not in this file)"
        ),
        Kind::Object(_) if model::is_intrinsic(v) => {
            format!("{who} attaches a policy named at deployment: not judged")
        }
        Kind::Object(members) if members.len() == 1 => format!(
            "{who} uses the SAM policy template `{}`: not judged (SAM expands it at deployment)",
            members[0].key
        ),
        _ => return None,
    };
    Some(Note {
        span: v.span.clone(),
        message,
        label: "not in this file",
    })
}

/// A policy document worth reading: an object with `Statement` (not an intrinsic).
fn is_policy(v: &Value) -> bool {
    v.as_object().is_some() && v.get("Statement").is_some() && !model::is_intrinsic(v)
}

pub(super) fn read(text: &str, root: Value) -> Read<'_> {
    let (policies, notes) = policies(&root);
    if policies.is_empty() && notes.is_empty() {
        // A template without IAM policies is not ours, even when `include` names it.
        return Read::NotPolicy;
    }
    Read::Document(Document {
        text,
        tree: std::sync::Arc::new(Tree::Json(root)),
        policies,
        notes,
    })
}

/// The policies of a template's IAM and SAM resources, in template order (JSON or YAML: a YAML
/// template's tags are read as the long forms they stand for).
pub(crate) fn policies(root: &Value) -> (Vec<PolicyAt>, Vec<Note>) {
    let mut policies = Vec::new();
    let mut notes = Vec::new();
    let resources = root.get("Resources").and_then(Value::as_object);
    // The literal `RoleName` of each role, by logical id (a policy resource binds through them).
    let role_name_of = |id: &str| -> Option<String> {
        let r = root.get("Resources")?.get(id)?;
        (r.get("Type")?.as_str()? == "AWS::IAM::Role")
            .then(|| literal(r.get("Properties"), "RoleName").map(str::to_string))?
    };
    // A logical id given twice (YAML and JSON both forbid it) names its first resource: the one
    // the policy's location points at.
    let mut seen = std::collections::HashSet::new();
    for r in resources.unwrap_or_default() {
        let id = r.key.as_str();
        if !seen.insert(id) {
            continue;
        }
        let res = &r.value;
        let Some(ty) = res.get("Type").and_then(Value::as_str) else {
            continue;
        };
        let props = res.get("Properties");
        let base = format!("/Resources/{}/Properties", token(id));
        let cdk_path = res
            .get("Metadata")
            .and_then(|m| m.get("aws:cdk:path"))
            .and_then(Value::as_str)
            .map(str::to_string);
        // People know a CDK resource by its construct path (its logical id is a hash).
        let who = cdk_path.as_deref().unwrap_or(id);
        let mut hints = Hints {
            logical_id: Some(id.to_string()),
            construct: cdk_path.clone(),
            ..Hints::default()
        };
        let mut found: Vec<(String, String, &Value)> = Vec::new();
        match ty {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                // A literal name binds the principal of that name (and kind) in the snapshot.
                // (Access Analyzer reports on roles and users, not groups.)
                hints.role_name = match ty {
                    "AWS::IAM::Role" => literal(props, "RoleName").map(|n| format!("role/{n}")),
                    "AWS::IAM::User" => literal(props, "UserName").map(|n| format!("user/{n}")),
                    _ => None,
                };
                let list = props
                    .and_then(|p| p.get("Policies"))
                    .and_then(Value::as_array);
                for (i, p) in list.unwrap_or_default().iter().enumerate() {
                    let Some(doc) = p.get("PolicyDocument").filter(|d| is_policy(d)) else {
                        continue;
                    };
                    let name = match p.get("PolicyName").and_then(Value::as_str) {
                        Some(n) => format!("{who} policy \"{n}\""),
                        None => format!("{who} policy {i}"),
                    };
                    found.push((format!("{base}/Policies/{i}/PolicyDocument"), name, doc));
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => {
                let Some(doc) = props
                    .and_then(|p| p.get("PolicyDocument"))
                    .filter(|d| is_policy(d))
                else {
                    continue;
                };
                hints.roles = if ty == "AWS::IAM::RolePolicy" {
                    refs(props.and_then(|p| p.get("RoleName")))
                } else {
                    refs(props.and_then(|p| p.get("Roles")))
                };
                // Bound by literal names only when every principal it attaches to is a role with
                // one: evidence for some of them would judge the others' use too. A role is
                // named by `Ref` or by its literal name.
                let listed: Vec<&Value> = if ty == "AWS::IAM::RolePolicy" {
                    props.and_then(|p| p.get("RoleName")).into_iter().collect()
                } else if ty != "AWS::IAM::Policy" && ty != "AWS::IAM::ManagedPolicy" {
                    // A user's or group's policy: bound by `[[bind]]` only.
                    Vec::new()
                } else {
                    match props.and_then(|p| p.get("Roles")).map(|v| &v.kind) {
                        Some(Kind::Array(items)) => items.iter().collect(),
                        _ => Vec::new(),
                    }
                };
                let others = ["Users", "Groups"].iter().any(|k| {
                    props
                        .and_then(|p| p.get(k))
                        .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
                });
                hints.role_names = listed
                    .iter()
                    .map(|v| match v.as_str() {
                        Some(name) => Some(format!("role/{name}")),
                        None => v
                            .get("Ref")
                            .and_then(Value::as_str)
                            .and_then(role_name_of)
                            .map(|n| format!("role/{n}")),
                    })
                    .collect::<Option<Vec<String>>>()
                    .filter(|_| !others)
                    .unwrap_or_default();
                let name = match literal(props, "PolicyName")
                    .or_else(|| literal(props, "ManagedPolicyName"))
                {
                    // CDK names a policy after its (hashed) logical id: the path says more.
                    Some(n) if cdk_path.is_none() => format!("{id} policy \"{n}\""),
                    _ => format!("{who} policy"),
                };
                found.push((format!("{base}/PolicyDocument"), name, doc));
            }
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                // SAM makes the function's role `<Function>Role` unless `Role` names one.
                hints.roles = match props.and_then(|p| p.get("Role")) {
                    Some(r) => refs(Some(r)),
                    None => vec![format!("{id}Role")],
                };
                // Inline statement documents only: SAM policy templates (`{"S3ReadPolicy": ...}`)
                // and managed policy names are SAM's to expand, and only noted.
                match props.and_then(|p| p.get("Policies")) {
                    Some(doc) if is_policy(doc) => {
                        found.push((format!("{base}/Policies"), format!("{who} policy"), doc));
                    }
                    Some(Value {
                        kind: Kind::Array(items),
                        ..
                    }) => {
                        for (i, doc) in items.iter().enumerate() {
                            if is_policy(doc) {
                                found.push((
                                    format!("{base}/Policies/{i}"),
                                    format!("{who} policy {i}"),
                                    doc,
                                ));
                            } else {
                                notes.extend(sam_note(who, doc));
                            }
                        }
                    }
                    Some(other) => notes.extend(sam_note(who, other)),
                    None => {}
                }
            }
            _ => {}
        }
        for (location, name, doc) in found {
            let (policy, issues) = model::read_in(doc, Dialect::CloudFormation);
            policies.push(PolicyAt {
                location,
                name,
                hints: hints.clone(),
                policy,
                issues,
            });
        }
    }
    (policies, notes)
}
