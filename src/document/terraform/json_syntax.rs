//! Terraform's JSON syntax (`.tf.json`): `{"resource": {"aws_iam_role_policy": {"app": {...}}},
//! "data": {"aws_iam_policy_document": {"d": {"statement": [...]}}}}`, read at the same
//! addresses as HCL and bound the same way (`"role": "${aws_iam_role.app.name}"`).
//! - an `aws_iam_policy_document`'s `statement` objects read as statements (`effect` defaulting
//!   to Allow), fixed as JSON is (its `actions` are JSON arrays);
//! - a `policy` that is a JSON object: a policy document, fixed as JSON is;
//! - a `policy` that is a JSON string holding escaped JSON: read, its spans mapped back through
//!   the escapes, and reported without a fix (an edit would have to be escaped in turn);
//! - a string is a Terraform template: one holding `${...}` or `%{...}` is opaque.

use super::bind::{self, Resource, Val};
use super::json_string::{offsets, remapped};
use super::{Style, TfRead, convert, push};
use crate::document::{Frame, Note};
use crate::policy::json::{self, Kind, Member, Value};
use crate::policy::model::{self, Dialect, Issue, Policy};

/// Whether a parsed JSON text is Terraform's JSON syntax: a `resource` or `data` object of
/// `aws_` types, and no `Statement` (a policy file).
pub(crate) fn is_tf_json(root: &Value) -> bool {
    root.get("Statement").is_none()
        && ["resource", "data"].iter().any(|k| {
            root.get(k)
                .and_then(Value::as_object)
                .is_some_and(|types| types.iter().any(|t| t.key.starts_with("aws_")))
        })
}

/// The blocks of `top` (`resource`, `data`): (type, name, body), bodies that are objects only.
fn blocks<'v>(root: &'v Value, top: &str) -> Vec<(&'v str, &'v str, &'v Value)> {
    let mut out = Vec::new();
    for t in root.get(top).and_then(Value::as_object).unwrap_or_default() {
        for n in t.value.as_object().unwrap_or_default() {
            // A body may also be written as an array of objects: each one is a block.
            match &n.value.kind {
                Kind::Object(_) => out.push((t.key.as_str(), n.key.as_str(), &n.value)),
                Kind::Array(items) => out.extend(
                    items
                        .iter()
                        .filter(|i| i.as_object().is_some())
                        .map(|i| (t.key.as_str(), n.key.as_str(), i)),
                ),
                _ => {}
            }
        }
    }
    out
}

/// The objects of a nested block (`statement`, `inline_policy`): one object, or an array of them.
fn nested<'v>(body: &'v Value, key: &str) -> Vec<&'v Value> {
    match body.get(key).map(|v| &v.kind) {
        Some(Kind::Object(_)) => body.get(key).into_iter().collect(),
        Some(Kind::Array(items)) => items.iter().filter(|i| i.as_object().is_some()).collect(),
        _ => Vec::new(),
    }
}

/// A value as binding reads it: a string that is exactly one reference (`"${aws_iam_role.a.name}"`,
/// index operators skipped), a literal string, a list.
fn val(v: &Value) -> Val {
    match &v.kind {
        Kind::String(s) => {
            if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                let plain = inner
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-[]".contains(&b));
                if !plain || inner.contains("..") {
                    return Val::Other;
                }
                let mut parts = Vec::new();
                for seg in inner.split('.') {
                    let name = seg.split('[').next().unwrap_or_default();
                    if name.is_empty() {
                        return Val::Other;
                    }
                    parts.push(name.to_string());
                }
                Val::Ref(parts)
            } else if s.contains("${") || s.contains("%{") {
                Val::Other
            } else {
                Val::Literal(s.clone())
            }
        }
        Kind::Array(items) => Val::List(items.iter().map(val).collect()),
        _ => Val::Other,
    }
}

/// The resource blocks, as binding reads them.
fn resources(root: &Value) -> Vec<Resource> {
    blocks(root, "resource")
        .into_iter()
        .map(|(kind, name, body)| Resource {
            kind: kind.to_string(),
            name: name.to_string(),
            attrs: body
                .as_object()
                .unwrap_or_default()
                .iter()
                .map(|m| (m.key.clone(), val(&m.value)))
                .collect(),
            inline: nested(body, "inline_policy")
                .into_iter()
                .map(|i| i.get("policy").map(val))
                .collect(),
        })
        .collect()
}

/// What a string that is exactly one `${file(...)}` or `${templatefile(...)}` loads.
fn json_loaded(v: &Value) -> Option<super::load::Loaded> {
    let inner = v.as_str()?.strip_prefix("${")?.strip_suffix('}')?;
    let e = hcl_edit::parser::parse_expr(inner).ok()?;
    super::load::loaded(&e)
}

/// The `policy` values of a file's policy resources and `inline_policy` blocks, at their
/// addresses.
fn policy_values(root: &Value) -> Vec<(String, &Value)> {
    let mut found = Vec::new();
    for (kind, name, body) in blocks(root, "resource") {
        if super::POLICY_RESOURCES.contains(&kind) {
            found.extend(body.get("policy").map(|p| (format!("{kind}.{name}"), p)));
        } else if kind == "aws_iam_role" {
            for (i, inline) in nested(body, "inline_policy").into_iter().enumerate() {
                found.extend(
                    inline
                        .get("policy")
                        .map(|p| (format!("{kind}.{name}.inline_policy[{i}]"), p)),
                );
            }
        }
    }
    found
}

/// The JSON files a `.tf.json` file's policies load: (address, path from the module's folder).
pub(super) fn loads(root: &Value) -> Vec<(String, String)> {
    policy_values(root)
        .into_iter()
        .filter_map(|(address, v)| match json_loaded(v)? {
            super::load::Loaded::Path(p) => Some((address, p)),
            super::load::Loaded::Not(_) => None,
        })
        .collect()
}

/// The attachments a `.tf.json` file's resources make.
pub(super) fn graph(root: &Value) -> bind::Graph {
    bind::Graph::of_resources_escaping(&resources(root), escaping(root))
}

/// The documents and `aws_iam_policy` resources a `.tf.json` file names anywhere binding does not
/// read (an output, a local, a module's argument, another resource): they serve principals the
/// file does not show (as for HCL).
fn escaping(root: &Value) -> Vec<String> {
    fn walk(v: &Value, ident: &str, kind: &str, out: &mut Vec<String>) {
        for m in v.as_object().unwrap_or_default() {
            if bind::read_by_binding(ident, kind, &m.key) {
                continue;
            }
            match &m.value.kind {
                Kind::Object(_) => walk(&m.value, ident, kind, out),
                Kind::Array(items) => items.iter().for_each(|i| match i.kind {
                    Kind::Object(_) => walk(i, ident, kind, out),
                    _ => scan(i, out),
                }),
                _ => scan(&m.value, out),
            }
        }
    }
    let mut out = Vec::new();
    for top in root.as_object().unwrap_or_default() {
        match top.key.as_str() {
            ident @ ("resource" | "data") => {
                for (kind, _, body) in blocks(root, ident) {
                    walk(body, ident, kind, &mut out);
                }
            }
            _ => scan(&top.value, &mut out),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The documents and `aws_iam_policy` resources the `${...}` of a value's strings name.
fn scan(v: &Value, out: &mut Vec<String>) {
    match &v.kind {
        Kind::String(s) if s.contains("${") => {
            for prefix in ["data.aws_iam_policy_document.", "aws_iam_policy."] {
                for (at, _) in s.match_indices(prefix) {
                    let before = s[..at].chars().next_back();
                    if prefix == "aws_iam_policy."
                        && before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    {
                        // `xaws_iam_policy.`, `module.aws_iam_policy.`: not this one.
                        continue;
                    }
                    let name: String = s[at + prefix.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    if !name.is_empty() {
                        out.push(format!("{prefix}{name}"));
                    }
                }
            }
        }
        Kind::Object(members) => members.iter().for_each(|m| scan(&m.value, out)),
        Kind::Array(items) => items.iter().for_each(|i| scan(i, out)),
        _ => {}
    }
}

/// Reads a `.tf.json` text (parsed as `root`) into its policies, bound through the references of
/// the other files of its module (`siblings`) too.
pub(super) fn read(text: &str, root: &Value, siblings: &[&super::Module]) -> TfRead {
    let mut graph = graph(root);
    for m in siblings {
        graph.merge(&m.graph);
    }
    let mut r = TfRead {
        tf: super::Tf {
            policies: Vec::new(),
        },
        policies: Vec::new(),
        notes: Vec::new(),
    };
    for (kind, name, body) in blocks(root, "data") {
        if kind != "aws_iam_policy_document" {
            continue;
        }
        let location = format!("data.{kind}.{name}");
        let principals = nested(body, "statement")
            .iter()
            .any(|s| s.get("principals").is_some() || s.get("not_principals").is_some());
        if graph.is_trust(&location) || principals {
            continue;
        }
        // Found in review: `dynamic` statements were dropped without a word.
        if let Some(d) = body.member("dynamic") {
            r.notes.push(Note {
                span: d.key_span.clone(),
                message: format!(
                    "{location} has `dynamic` statements: not judged (Terraform builds them)"
                ),
                label: "built by Terraform",
            });
        }
        let (doc, merged) = document(text, body);
        let (mut policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
        if let Some(why) = merged {
            policy
                .statements
                .iter_mut()
                .for_each(|s| super::seal(s, why));
        }
        let frame = frame_of(text, &doc, &policy);
        push(
            &mut r,
            &graph,
            location,
            Style::Json,
            policy,
            issues.into_iter().map(super::hcl_words).collect(),
            frame,
        );
    }
    for (location, v) in policy_values(root) {
        policy_value(text, v, location, &graph, &mut r);
    }
    r
}

fn frame_of(text: &str, doc: &Value, policy: &Policy) -> Frame {
    super::super::json::frame(text, Some(doc), &super::placeholder(policy))
}

/// An `aws_iam_policy_document` body as a policy tree, and why its statements are left alone
/// when it is merged with other documents.
fn document(text: &str, body: &Value) -> (Value, Option<&'static str>) {
    let mut members = Vec::new();
    let mut merged = None;
    for m in body.as_object().unwrap_or_default() {
        let key = match m.key.as_str() {
            "version" => "Version",
            "policy_id" => "Id",
            "source_policy_documents" | "source_json" => {
                merged = Some("the document is merged with `source_policy_documents`");
                continue;
            }
            "override_policy_documents" | "override_json" => {
                merged = Some("the document is merged with `override_policy_documents`");
                continue;
            }
            _ => continue,
        };
        members.push(Member {
            key: key.to_string(),
            key_span: m.key_span.clone(),
            value: convert::templated(m.value.clone(), text),
        });
    }
    if let Some(st) = body.member("statement") {
        let value = match &st.value.kind {
            Kind::Array(items) => Value {
                kind: Kind::Array(items.iter().map(|s| statement(text, s)).collect()),
                span: st.value.span.clone(),
            },
            _ => statement(text, &st.value),
        };
        members.push(Member {
            key: "Statement".to_string(),
            key_span: st.key_span.clone(),
            value,
        });
    }
    (
        Value {
            kind: Kind::Object(members),
            span: body.span.clone(),
        },
        merged,
    )
}

/// A `statement` object in the policy model's names (`effect` defaulting to Allow; a
/// `condition` is left as Terraform writes it, opaque).
fn statement(text: &str, s: &Value) -> Value {
    let Some(ms) = s.as_object() else {
        // Not an object: the model reports it.
        return s.clone();
    };
    let mut members = Vec::new();
    let mut has_effect = false;
    for m in ms {
        let key = match m.key.as_str() {
            "sid" => "Sid",
            "effect" => {
                has_effect = true;
                "Effect"
            }
            "actions" => "Action",
            "not_actions" => "NotAction",
            "resources" => "Resource",
            "not_resources" => "NotResource",
            "condition" => {
                members.push(Member {
                    key: "Condition".to_string(),
                    key_span: m.key_span.clone(),
                    value: convert::opaque(text, m.value.span.clone()),
                });
                continue;
            }
            _ => continue,
        };
        members.push(Member {
            key: key.to_string(),
            key_span: m.key_span.clone(),
            value: convert::templated(m.value.clone(), text),
        });
    }
    if !has_effect {
        let at = s.span.start;
        members.push(Member {
            key: "Effect".to_string(),
            key_span: at..at,
            value: convert::synthetic("Allow", at..at),
        });
    }
    Value {
        kind: Kind::Object(members),
        span: s.span.clone(),
    }
}

/// A resource's `policy` value: a JSON object (a document), a string of escaped JSON, a
/// document's `"${data.aws_iam_policy_document.d.json}"` (read where the document is), a
/// `file()` the JSON file's own check binds, or something only Terraform knows (a note).
fn policy_value(text: &str, v: &Value, location: String, graph: &bind::Graph, r: &mut TfRead) {
    match &v.kind {
        Kind::Object(_) => {
            let doc = convert::templated(v.clone(), text);
            let (policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
            let frame = frame_of(text, &doc, &policy);
            push(r, graph, location, Style::Json, policy, issues, frame);
        }
        Kind::String(s) if !s.contains("${") && !s.contains("%{") => {
            escaped(text, v, s, location, graph, r);
        }
        // Bound, and read, where the document is.
        Kind::String(_) if bind::document_ref(&val(v)).is_some() => {}
        // Checked as a file of its own, bound through this one.
        Kind::String(_) if let Some(loaded) = json_loaded(v) => {
            if let super::load::Loaded::Not(why) = loaded {
                r.notes.push(Note {
                    span: v.span.clone(),
                    message: format!(
                        "{location} loads its policy with `{}`: not followed ({why})",
                        super::shown(text, &v.span)
                    ),
                    label: "not followed",
                });
            }
        }
        _ => r.notes.push(Note {
            span: v.span.clone(),
            message: format!(
                "{location} takes its policy from `{}`: not judged (Terraform builds it)",
                super::shown(text, &v.span)
            ),
            label: "built by Terraform",
        }),
    }
}

/// A policy written as a JSON string of escaped JSON: read with its spans in the file, never
/// fixed (`Style::Escaped`).
fn escaped(text: &str, v: &Value, s: &str, location: String, graph: &bind::Graph, r: &mut TfRead) {
    let Some(map) = offsets(text, &v.span, s) else {
        r.notes.push(Note {
            span: v.span.clone(),
            message: format!("{location}: its policy string could not be read: not judged"),
            label: "not judged",
        });
        return;
    };
    let (policy, issues) = match json::parse(s) {
        Ok(inner) => {
            let doc = remapped(inner, &map);
            let (policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
            let frame = frame_of(text, &doc, &policy);
            r.notes.push(Note {
                span: v.span.clone(),
                message: format!(
                    "{location}: its policy is JSON escaped in a string: checked, never fixed (write it as a JSON object or an `aws_iam_policy_document` to have it fixed)"
                ),
                label: "not fixed",
            });
            push(r, graph, location, Style::Escaped, policy, issues, frame);
            return;
        }
        Err(e) => (
            Policy {
                span: v.span.clone(),
                statements: Vec::new(),
                statement_key_span: v.span.clone(),
                statement_is_array: true,
            },
            vec![Issue {
                span: remapped(
                    Value {
                        kind: Kind::Null,
                        span: e.span.clone(),
                    },
                    &map,
                )
                .span,
                message: format!("invalid JSON in the policy string: {}", e.message),
            }],
        ),
    };
    let frame = Frame {
        top: String::new(),
        statements: Vec::new(),
    };
    push(r, graph, location, Style::Escaped, policy, issues, frame);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_bind_as_in_hcl() {
        let v = |s: &str| val(&json::parse(&format!("\"{s}\"")).unwrap());
        assert_eq!(
            v("${aws_iam_role.app.name}"),
            Val::Ref(vec!["aws_iam_role".into(), "app".into(), "name".into()])
        );
        assert_eq!(
            v("${aws_iam_role.app[0].id}"),
            Val::Ref(vec!["aws_iam_role".into(), "app".into(), "id".into()])
        );
        assert_eq!(v("MyRole"), Val::Literal("MyRole".into()));
        assert_eq!(v("${var.a}-${var.b}"), Val::Other);
        assert_eq!(v("${upper(var.a)}"), Val::Other);
    }
}
