//! A policy as a `serde_json::Value` (keys in their original order): the statements the engine
//! needs, and the refined document. The AWS CLI's wrapped forms are accepted:
//! `{"PolicyDocument": {...}}` (get-role-policy) and `{"PolicyVersion": {"Document": {...}}}`
//! (get-policy-version).

use crate::refine::{ActionKey, Effect, Refinement, StatementIn};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("not an IAM policy: {0}")]
    NotPolicy(String),
    /// A policy `recommend` does not refine (invalid, or a template's).
    #[error("{0}")]
    Refused(String),
}

/// The policy document inside `value` (unwrapping the AWS CLI's forms).
pub fn document_mut(value: &mut Value) -> Result<&mut Value, DocumentError> {
    let is_policy = |v: &Value| v.get("Statement").is_some();
    if is_policy(value) {
        return Ok(value);
    }
    if value.get("PolicyDocument").is_some_and(is_policy) {
        return Ok(&mut value["PolicyDocument"]);
    }
    if value
        .get("PolicyVersion")
        .and_then(|v| v.get("Document"))
        .is_some_and(is_policy)
    {
        return Ok(&mut value["PolicyVersion"]["Document"]);
    }
    Err(DocumentError::NotPolicy(
        "expected a JSON object with `Statement`".into(),
    ))
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// What the engine needs of each statement. Statements of an unexpected shape come out as
/// `Effect::Other` / `ActionKey::Missing`, which the engine never touches.
pub fn statements_in(doc: &Value) -> Vec<StatementIn> {
    statements(doc).into_iter().map(statement_in).collect()
}

fn statement_in(s: &Value) -> StatementIn {
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => Effect::Other,
    };
    let (key, value) = match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => (ActionKey::Action, a),
        (None, Some(n)) => (ActionKey::NotAction, n),
        _ => return missing(effect),
    };
    let patterns = match value {
        Value::String(p) => vec![p.clone()],
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => return missing(effect),
    };
    StatementIn {
        effect,
        key,
        patterns,
    }
}

fn missing(effect: Effect) -> StatementIn {
    StatementIn {
        effect,
        key: ActionKey::Missing,
        patterns: Vec::new(),
    }
}

/// Writes a refinement into the document: new pattern lists (a string stays a string while it holds
/// one pattern), removed statements dropped. Nothing else is touched.
pub fn apply(doc: &mut Value, ins: &[StatementIn], refinement: &Refinement) {
    let single = doc.get("Statement").is_some_and(Value::is_object);
    let mut list: Vec<Value> = match doc.get_mut("Statement").map(Value::take) {
        Some(Value::Array(items)) => items,
        Some(v @ Value::Object(_)) => vec![v],
        _ => return,
    };
    let mut kept = Vec::with_capacity(list.len());
    for ((mut stmt, s), out) in list.drain(..).zip(ins).zip(&refinement.statements) {
        if out.removed {
            continue;
        }
        if out.changed() {
            let key = match s.key {
                ActionKey::Action => "Action",
                ActionKey::NotAction => "NotAction",
                ActionKey::Missing => {
                    kept.push(stmt);
                    continue;
                }
            };
            let after = out.patterns_after(&s.patterns);
            let was_string = stmt.get(key).is_some_and(Value::is_string);
            stmt[key] = if was_string && after.len() == 1 {
                Value::String(after[0].clone())
            } else {
                Value::Array(after.into_iter().map(Value::String).collect())
            };
        }
        kept.push(stmt);
    }
    doc["Statement"] = if single && kept.len() == 1 {
        kept.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(kept)
    };
}
