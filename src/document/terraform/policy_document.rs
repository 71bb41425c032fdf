//! An `aws_iam_policy_document` as a policy tree: its `statement` blocks as statements
//! (`effect` defaulting to Allow, `condition` blocks merged by operator), a `dynamic "statement"`
//! as an opaque one, and what of each statement a fix must leave as it is.

use super::bind::Graph;
use super::convert::{self, span_of};
use super::squeezed;
use crate::diagnostic::Span;
use crate::document::{Frame, Note};
use crate::policy::json::{Kind, Member, Value};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};

/// Why each statement of a document is left alone, if it is.
type Reasons = Vec<Option<&'static str>>;

/// An `aws_iam_policy_document` as a policy tree, its frame, why statements are sealed, and its
/// notes.
pub(super) fn document(
    text: &str,
    block: &Block,
    off: usize,
    graph: &Graph,
) -> (Value, Frame, Reasons, Vec<Note>) {
    let mut members = Vec::new();
    let mut notes = Vec::new();
    let mut merged = None;
    // The `sid`s the document's overrides export (`None`: not known); no overrides: none.
    let mut overriding: Option<Vec<String>> = Some(Vec::new());
    let mut top = Vec::new();
    for attr in block.body.attributes() {
        let key = attr.key.value().as_str();
        top.push(format!(
            "{key}={}",
            squeezed(text, &span_of(&attr.value, off))
        ));
        let name = match key {
            "version" => "Version",
            "policy_id" => "Id",
            "source_policy_documents"
            | "override_policy_documents"
            | "source_json"
            | "override_json" => {
                merged.get_or_insert_with(|| (key.to_string(), span_of(&attr.key, off)));
                if key.starts_with("override") {
                    overriding = match (overriding, graph.overriding_sids(&attr.value)) {
                        (Some(mut a), Some(b)) => {
                            a.extend(b);
                            Some(a)
                        }
                        _ => None,
                    };
                }
                continue;
            }
            _ => continue,
        };
        members.push(Member {
            key: name.to_string(),
            key_span: span_of(&attr.key, off),
            value: convert::value(text, &attr.value, off),
        });
    }
    let mut items = Vec::new();
    let mut reasons: Reasons = Vec::new();
    let mut frames = Vec::new();
    let mut key_span = None;
    for s in block.body.iter() {
        let Structure::Block(b) = s else { continue };
        let ident = b.ident.value().as_str();
        let span = span_of(b, off);
        if ident == "statement" {
            key_span.get_or_insert_with(|| span_of(&b.ident, off));
            let (v, dynamic) = statement(text, b, off);
            items.push(v);
            reasons.push(if dynamic {
                Some("the statement has a `dynamic` block")
            } else {
                overridden(b, overriding.as_deref())
            });
            frames.push(statement_frame(text, &b.body, off));
        } else if ident == "dynamic" && b.labels.first().is_some_and(|l| l.as_str() == "statement")
        {
            key_span.get_or_insert_with(|| span_of(&b.ident, off));
            items.push(convert::opaque(text, span.clone()));
            reasons.push(Some("the statement is a `dynamic` block"));
            frames.push(squeezed(text, &span));
        }
    }
    if let Some((key, key_span)) = &merged
        && items.is_empty()
    {
        notes.push(Note {
            span: key_span.clone(),
            message: format!("the document is made only of `{key}`: judged where they are written"),
            label: "merged by Terraform",
        });
    }
    let span = span_of(block, off);
    let array_span = match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span.start..b.span.end,
        _ => span.clone(),
    };
    members.push(Member {
        key: "Statement".to_string(),
        key_span: key_span.unwrap_or_else(|| span.clone()),
        value: Value {
            kind: Kind::Array(items),
            span: array_span,
        },
    });
    let frame = Frame {
        top: top.join(","),
        statements: frames,
    };
    (
        Value {
            kind: Kind::Object(members),
            span,
        },
        frame,
        reasons,
        notes,
    )
}

/// Why a statement of a document with `override_policy_documents` is not in the document
/// Terraform exports, if it may not be: an override statement of the same `sid` replaces it.
/// A statement without a `sid` (or a blank one) is always kept; with sources only, every
/// statement of the block is (it replaces theirs).
fn overridden(b: &Block, overriding: Option<&[String]>) -> Option<&'static str> {
    let sid = match b.body.get_attribute("sid") {
        None => return None,
        Some(a) => convert::literal(&a.value),
    };
    match (sid, overriding) {
        (Some(""), _) => None,
        (Some(s), Some(known)) if !known.iter().any(|k| k == s) => None,
        (Some(_), Some(_)) => {
            Some("an `override_policy_documents` statement of the same `sid` replaces it")
        }
        _ => Some(
            "an `override_policy_documents` statement the module does not show may replace it by its `sid`",
        ),
    }
}

/// What of a `statement` block a fix leaves as it is: everything but its action lists.
fn statement_frame(text: &str, body: &Body, off: usize) -> String {
    body.iter()
        .filter(|s| {
            !matches!(s, Structure::Attribute(a)
                if matches!(a.key.value().as_str(), "actions" | "not_actions"))
        })
        .map(|s| match s {
            Structure::Attribute(a) => squeezed(text, &span_of(a, off)),
            Structure::Block(b) => squeezed(text, &span_of(b, off)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A `statement` block as a statement object, and whether it holds a `dynamic` block.
fn statement(text: &str, b: &Block, off: usize) -> (Value, bool) {
    let mut members = Vec::new();
    let mut has_effect = false;
    for attr in b.body.attributes() {
        let name = match attr.key.value().as_str() {
            "sid" => "Sid",
            "effect" => {
                has_effect = true;
                "Effect"
            }
            "actions" => "Action",
            "not_actions" => "NotAction",
            "resources" => "Resource",
            "not_resources" => "NotResource",
            _ => continue,
        };
        members.push(Member {
            key: name.to_string(),
            key_span: span_of(&attr.key, off),
            value: convert::value(text, &attr.value, off),
        });
    }
    if !has_effect {
        // Terraform's default; written nowhere, so an empty span.
        let at = span_of(&b.ident, off).start;
        members.push(Member {
            key: "Effect".to_string(),
            key_span: at..at,
            value: convert::synthetic("Allow", at..at),
        });
    }
    let conditions: Vec<&Block> = b.body.get_blocks("condition").collect();
    if let Some(m) = condition(text, &conditions, off) {
        members.push(m);
    }
    let dynamic = b.body.get_blocks("dynamic").next().is_some();
    (
        Value {
            kind: Kind::Object(members),
            span: span_of(b, off),
        },
        dynamic,
    )
}

/// The span from the first block's start to the last's end, and the first one's key span.
fn spread(blocks: &[&Block], off: usize) -> Option<(Span, Span)> {
    let first = blocks.first()?;
    let last = blocks.last()?;
    let span = span_of(*first, off).start..span_of(*last, off).end;
    Some((span, span_of(&first.ident, off)))
}

/// `condition { test variable values }` blocks as a `Condition` object.
fn condition(text: &str, blocks: &[&Block], off: usize) -> Option<Member> {
    let (span, key_span) = spread(blocks, off)?;
    let mut ops: Vec<Member> = Vec::new();
    let mut open = false;
    for b in blocks {
        let get = |k: &str| b.body.get_attribute(k);
        let (Some(test), Some(var), Some(values)) = (get("test"), get("variable"), get("values"))
        else {
            open = true;
            continue;
        };
        let (Some(t), Some(v)) = (convert::literal(&test.value), convert::literal(&var.value))
        else {
            open = true;
            continue;
        };
        let entry = Member {
            key: v.to_string(),
            key_span: span_of(&var.value, off),
            value: convert::value(text, &values.value, off),
        };
        match ops.iter_mut().find(|m| m.key == t) {
            Some(Member {
                value:
                    Value {
                        kind: Kind::Object(keys),
                        ..
                    },
                ..
            }) => keys.push(entry),
            _ => ops.push(Member {
                key: t.to_string(),
                key_span: span_of(&test.value, off),
                value: Value {
                    kind: Kind::Object(vec![entry]),
                    span: span_of(*b, off),
                },
            }),
        }
    }
    let value = if open {
        convert::opaque(text, span.clone())
    } else {
        Value {
            kind: Kind::Object(ops),
            span,
        }
    };
    Some(Member {
        key: "Condition".to_string(),
        key_span,
        value,
    })
}

/// Notes for a `module` block's inputs that hold IAM statements (objects with `actions`, as
/// terraform-aws-modules take `policy_statements`): the module builds a policy of them, which
/// only Terraform sees.
pub(super) fn module_inputs(block: &Block, off: usize) -> Vec<Note> {
    let name = block.labels.first().map_or("", |l| l.as_str());
    block
        .body
        .attributes()
        .filter(|a| holds_statements(&a.value))
        .map(|a| Note {
            span: span_of(a, off),
            message: format!(
                "module.{name} is given IAM statements in `{}`: not judged (the module builds the policy)",
                a.key.value().as_str()
            ),
            label: "built by the module",
        })
        .collect()
}

/// Notes for a role's `dynamic "inline_policy"` blocks: Terraform makes their policies.
pub(super) fn dynamic_inline_policies(role: &Block, address: &str, off: usize) -> Vec<Note> {
    role.body
        .get_blocks("dynamic")
        .filter(|b| b.labels.first().is_some_and(|l| l.as_str() == "inline_policy"))
        .map(|b| Note {
            span: span_of(b, off),
            message: format!(
                "{address} has a `dynamic \"inline_policy\"`: not judged (Terraform builds its policies)"
            ),
            label: "built by Terraform",
        })
        .collect()
}

/// Whether an input holds an object with an action list, at any depth.
fn holds_statements(e: &Expression) -> bool {
    const ACTION_KEYS: &[&str] = &["actions", "not_actions", "Action", "NotAction"];
    match e {
        Expression::Object(o) => o.iter().any(|(k, v)| {
            let key = match k {
                ObjectKey::Ident(i) => Some(i.value().as_str()),
                ObjectKey::Expression(Expression::String(s)) => Some(s.value().as_str()),
                ObjectKey::Expression(_) => None,
            };
            key.is_some_and(|k| ACTION_KEYS.contains(&k)) || holds_statements(v.expr())
        }),
        Expression::Array(a) => a.iter().any(holds_statements),
        Expression::Parenthesis(p) => holds_statements(p.inner()),
        _ => false,
    }
}
