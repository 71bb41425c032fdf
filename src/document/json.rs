//! The JSON file adapter: a policy document, or one inside the AWS CLI's wrappers
//! (`{"PolicyDocument": ...}`, `{"PolicyVersion": {"Document": ...}}`); one policy a file.

use super::json_edits as edits;
use super::{
    Cause, Document, Expect, Frame, Hints, Invalid, Note, PolicyAt, PolicyEdit, Read, Tree,
};
use crate::diagnostic::{Edit, Span};
use crate::policy::json::{self, Kind, Value};
use crate::policy::model::{self, Policy};

/// What a text that is not JSON gives.
pub(super) fn not_json(text: &str, e: json::ParseError, expect: Expect) -> Read<'_> {
    // A file that is not JSON is only our business when it must be a policy, or claims to be.
    // (Terraform's JSON syntax claims it with its `"aws_iam_...` types.)
    if expect == Expect::Policy || text.contains("\"Statement\"") || text.contains("\"aws_iam_") {
        if let Some(at) = template_outside_strings(text) {
            // A Terraform template whose JSON only its rendering makes: left alone.
            return Read::Document(Document {
                text,
                policies: Vec::new(),
                notes: vec![Note {
                    span: at,
                    message: "a template sequence outside a JSON string: the file is JSON only once Terraform renders it, not judged".to_string(),
                    label: "not judged",
                }],
                tree: std::sync::Arc::new(Tree::Json(Value {
                    kind: Kind::Null,
                    span: 0..0,
                })),
            });
        }
        return Read::Invalid(Invalid {
            span: e.span,
            message: format!("invalid JSON: {}", e.message),
            cause: Cause::Syntax(e.message),
        });
    }
    Read::NotPolicy
}

/// A parsed JSON policy file.
pub(super) fn read_tree(text: &str, root: Value, expect: Expect) -> Read<'_> {
    // A file Terraform loads with `templatefile` (or `file`) may hold `${...}` and `%{...}`
    // sequences in its strings: what they make is known once it is rendered, never guessed.
    let templated = text.contains("${") || text.contains("%{");
    let root = if templated { masked(root, text) } else { root };
    let Some((doc, location)) = model::locate(&root) else {
        if expect == Expect::Policy {
            return Read::Invalid(Invalid {
                span: root.span.start..root.span.start.saturating_add(1).min(text.len()),
                message: format!(
                    "not an IAM policy: expected an object with `Statement`, found {}",
                    root.type_name()
                ),
                cause: Cause::NoPolicy,
            });
        }
        return Read::NotPolicy;
    };
    let (policy, issues) = if templated {
        let (mut policy, issues) = model::read_in(doc, model::Dialect::Template);
        for stmt in &mut policy.statements {
            stmt.sealed = stmt.sealed.map(|why| match why {
                model::INTRINSIC_ACTION => {
                    "an action holds a template sequence (`${...}`), known only once Terraform renders the file"
                }
                model::INTRINSIC_EFFECT => "its `Effect` holds a template sequence (`${...}`)",
                model::INTRINSIC_STATEMENT => "the statement is a template sequence (`${...}`)",
                other => other,
            });
        }
        (policy, issues)
    } else {
        model::read(doc)
    };
    let at = PolicyAt {
        location: location.to_string(),
        name: if location.is_empty() {
            "policy".to_string()
        } else {
            location.to_string()
        },
        hints: Hints::default(),
        policy,
        issues,
    };
    Read::Document(Document {
        text,
        policies: vec![at],
        notes: Vec::new(),
        tree: std::sync::Arc::new(Tree::Json(root)),
    })
}

/// `v` with every string holding a template sequence made an opaque `{"Fn::Template": ...}`
/// (at the string's span), which the policy model's `Template` dialect never judges.
fn masked(mut v: Value, text: &str) -> Value {
    fn walk(v: &mut Value, text: &str) {
        match &mut v.kind {
            Kind::String(s) if s.contains("${") || s.contains("%{") => {
                let span = v.span.clone();
                let raw = text.get(span.clone()).unwrap_or_default().to_string();
                v.kind = Kind::Object(vec![json::Member {
                    key: model::TEMPLATE_KEY.to_string(),
                    key_span: span.clone(),
                    value: Value {
                        kind: Kind::String(raw),
                        span,
                    },
                }]);
            }
            Kind::Array(items) => items.iter_mut().for_each(|x| walk(x, text)),
            Kind::Object(members) => members.iter_mut().for_each(|m| walk(&mut m.value, text)),
            _ => {}
        }
    }
    walk(&mut v, text);
    v
}

/// The span of the first `${...}` or `%{...}` sequence outside a JSON string (to its `}` on the
/// same line, else its two bytes), if any.
fn template_outside_strings(text: &str) -> Option<Span> {
    let b = text.as_bytes();
    let (mut in_string, mut escaped) = (false, false);
    for (i, &c) in b.iter().enumerate() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                // A sequence with quotes of its own (`"${join("\",\"", arns)}"`) makes the text
                // JSON only once Terraform renders it.
                (false, b'$' | b'%') if b.get(i + 1) == Some(&b'{') => {
                    if let Some(end) = sequence_end(b, i + 2)
                        && b[i..end].contains(&b'"')
                    {
                        return Some(i..end);
                    }
                }
                _ => {}
            }
        } else if c == b'"' {
            in_string = true;
        } else if (c == b'$' || c == b'%') && b.get(i + 1) == Some(&b'{') {
            let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            let end = text[i..line_end].find('}').map_or(i + 2, |n| i + n + 1);
            return Some(i..end);
        }
    }
    None
}

/// Where a template sequence whose body starts at `from` ends (after its `}`), braces and
/// Terraform's strings inside it counted; on its line only.
fn sequence_end(b: &[u8], from: usize) -> Option<usize> {
    let (mut depth, mut quoted, mut escaped) = (1usize, false, false);
    for (k, &c) in b.iter().enumerate().skip(from) {
        match (quoted, escaped, c) {
            (_, _, b'\n') => return None,
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => quoted = false,
            (false, _, b'"') => quoted = true,
            (false, _, b'{') => depth += 1,
            (false, _, b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The byte edit for `edit`, as `check` has always written it: entries removed with their comma
/// and line, a string `Action` turned into an array when one entry becomes several.
pub(super) fn render(text: &str, policy: &Policy, edit: &PolicyEdit) -> Option<Edit> {
    match edit {
        PolicyEdit::RemoveEntry { statement, entry } => {
            let stmt = policy.statements.get(*statement)?;
            (*entry < stmt.pattern_spans.len())
                .then(|| edits::remove_element(&stmt.pattern_spans, *entry))
        }
        PolicyEdit::ReplaceEntry {
            statement,
            entry,
            with,
        } => {
            let stmt = policy.statements.get(*statement)?;
            let p = stmt.patterns.get(*entry)?;
            Some(
                match (stmt.action_is_string, &stmt.action_key_span, with.len()) {
                    (true, _, 1) => edits::replace_value(&p.span, &with[0]),
                    (true, Some(key), _) => edits::string_to_array(text, key, &p.span, with),
                    _ => edits::replace_element(text, &stmt.pattern_spans, *entry, with),
                },
            )
        }
        PolicyEdit::AppendNotAction { statement, with } => {
            let stmt = policy.statements.get(*statement)?;
            let (Some(key), Some(value)) = (&stmt.action_key_span, &stmt.action_value_span) else {
                return None;
            };
            let mut all: Vec<String> = stmt.patterns.iter().map(|p| p.text.clone()).collect();
            all.extend(with.iter().cloned());
            Some(match stmt.pattern_spans.len().checked_sub(1) {
                // The last entry, followed by the additions.
                Some(last) if !stmt.action_is_string => {
                    edits::replace_element(text, &stmt.pattern_spans, last, &all[last..])
                }
                _ => edits::string_to_array(text, key, value, &all),
            })
        }
        PolicyEdit::RemoveStatement { statement } => {
            // A lone statement object is the whole `Statement` value: nothing to remove it from.
            if !policy.statement_is_array || *statement >= policy.statements.len() {
                return None;
            }
            let span = |i: usize| policy.statements[i].span.clone();
            let near: Vec<Span> = (statement.saturating_sub(1)..=*statement + 1)
                .filter(|i| *i < policy.statements.len())
                .map(span)
                .collect();
            // Only the neighbours matter to a removal: no list of every statement per edit.
            Some(edits::remove_element(&near, usize::from(*statement > 0)))
        }
    }
}

/// `text[span]` without whitespace outside strings is what IAM compares; dropping all of it is
/// close enough for "unchanged" (a string that only gained spaces is no edit we make).
fn squeezed(text: &str, span: &Span) -> String {
    text[span.clone()].split_whitespace().collect()
}

fn members_but(text: &str, v: &Value, skip: &[&str]) -> String {
    let kept: Vec<String> = v
        .as_object()
        .unwrap_or_default()
        .iter()
        .filter(|m| !skip.contains(&m.key.as_str()))
        .map(|m| format!("{}={}", m.key, squeezed(text, &m.value.span)))
        .collect();
    kept.join(",")
}

pub(super) fn frame(text: &str, doc: Option<&Value>, at: &PolicyAt) -> Frame {
    let Some(doc) = doc else {
        return Frame {
            top: String::new(),
            statements: Vec::new(),
        };
    };
    let items: Vec<&Value> = match doc.get("Statement").map(|v| &v.kind) {
        Some(Kind::Array(a)) => a.iter().collect(),
        Some(_) => doc.get("Statement").into_iter().collect(),
        None => Vec::new(),
    };
    Frame {
        top: members_but(text, doc, &["Statement"]),
        statements: items
            .iter()
            .take(at.policy.statements.len())
            .map(|item| members_but(text, item, &["Action", "NotAction"]))
            .collect(),
    }
}
