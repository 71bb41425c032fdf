//! HCL values as the policy model's span-keeping JSON tree: what `jsonencode(...)` would make of
//! an expression, and what a heredoc's JSON body holds. A value only Terraform knows (a
//! reference, a variable, a function call, an interpolated string, a `for` expression) becomes an
//! opaque one-member object (`{"Fn::Terraform": "<as written>"}`) that the policy model reads, in
//! its CloudFormation dialect, as a value known at deployment: never judged, never guessed.

use crate::diagnostic::Span;
use crate::policy::json::{Kind, Member, Value};
use hcl_edit::expr::{Expression, ObjectKey};

/// The key that makes a tree value opaque (an "intrinsic" to the policy model).
pub(super) const OPAQUE: &str = "Fn::Terraform";

/// The span of a parsed item, shifted by `off` (a BOM stripped before parsing); an empty span at
/// `off` when the parser kept none (it keeps one for everything it parsed).
pub(super) fn span_of(item: &impl hcl_edit::Span, off: usize) -> Span {
    item.span().map_or(off..off, |s| s.start + off..s.end + off)
}

/// A value nobody can know statically, at `span` of `text`.
pub(super) fn opaque(text: &str, span: Span) -> Value {
    let raw = text.get(span.clone()).unwrap_or_default().to_string();
    Value {
        kind: Kind::Object(vec![Member {
            key: OPAQUE.to_string(),
            key_span: span.clone(),
            value: Value {
                kind: Kind::String(raw),
                span: span.clone(),
            },
        }]),
        span,
    }
}

/// Whether a tree value is opaque.
pub(super) fn is_opaque(v: &Value) -> bool {
    matches!(v.as_object(), Some([m]) if m.key == OPAQUE)
}

/// A string made by iamtrim (an `Effect` the block leaves to its default), at `span`.
pub(super) fn synthetic(s: &str, span: Span) -> Value {
    Value {
        kind: Kind::String(s.to_string()),
        span,
    }
}

/// The value `jsonencode` would give `e`, spans into `text` (parsed from `off`).
pub(super) fn value(text: &str, e: &Expression, off: usize) -> Value {
    let span = span_of(e, off);
    let kind = match e {
        Expression::Null(_) => Kind::Null,
        Expression::Bool(b) => Kind::Bool(*b.value()),
        Expression::Number(_) => Kind::Number(text.get(span.clone()).unwrap_or("0").to_string()),
        Expression::String(s) => Kind::String(s.value().clone()),
        Expression::Array(a) => Kind::Array(a.iter().map(|x| value(text, x, off)).collect()),
        Expression::Object(o) => {
            let mut members = Vec::with_capacity(o.len());
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.value().as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    // A computed key: the object is Terraform's to build.
                    ObjectKey::Expression(_) => return opaque(text, span),
                };
                members.push(Member {
                    key,
                    key_span: span_of(k, off),
                    value: value(text, v.expr(), off),
                });
            }
            Kind::Object(members)
        }
        Expression::Parenthesis(p) => return value(text, p.inner(), off),
        _ => return opaque(text, span),
    };
    Value { kind, span }
}

/// A string literal's text, if `e` is one.
pub(super) fn literal(e: &Expression) -> Option<&str> {
    match e {
        Expression::String(s) => Some(s.value().as_str()),
        _ => None,
    }
}

/// `v` with every span moved `by` bytes on (a heredoc body parsed alone).
pub(super) fn shifted(mut v: Value, by: usize) -> Value {
    fn walk(v: &mut Value, by: usize) {
        v.span = v.span.start + by..v.span.end + by;
        match &mut v.kind {
            Kind::Array(items) => items.iter_mut().for_each(|x| walk(x, by)),
            Kind::Object(members) => {
                for m in members {
                    m.key_span = m.key_span.start + by..m.key_span.end + by;
                    walk(&mut m.value, by);
                }
            }
            _ => {}
        }
    }
    walk(&mut v, by);
    v
}

/// A heredoc's JSON with its template sequences made opaque: a string holding `${...}` or
/// `%{...}` is only known once Terraform renders it (`$${` is an escape, and no action either).
pub(super) fn templated(mut v: Value, text: &str) -> Value {
    fn walk(v: &mut Value, text: &str) {
        match &mut v.kind {
            Kind::String(s) if s.contains("${") || s.contains("%{") => {
                *v = opaque(text, v.span.clone());
            }
            Kind::Array(items) => items.iter_mut().for_each(|x| walk(x, text)),
            Kind::Object(members) => members.iter_mut().for_each(|m| walk(&mut m.value, text)),
            _ => {}
        }
    }
    walk(&mut v, text);
    v
}

/// The root and attribute names of a reference (`data.aws_iam_policy_document.d.json` ->
/// `[data, aws_iam_policy_document, d, json]`), index operators skipped (`aws_iam_role.r[0].name`:
/// `count` instances share their block); `None` for any other expression.
pub(super) fn reference(e: &Expression) -> Option<Vec<&str>> {
    use hcl_edit::expr::TraversalOperator as Op;
    match e {
        Expression::Variable(v) => Some(vec![v.value().as_str()]),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut out = vec![root.value().as_str()];
            for op in &t.operators {
                match op.value() {
                    Op::GetAttr(a) => out.push(a.value().as_str()),
                    Op::Index(_) | Op::LegacyIndex(_) => {}
                    Op::AttrSplat(_) | Op::FullSplat(_) => return None,
                }
            }
            Some(out)
        }
        Expression::Parenthesis(p) => reference(p.inner()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(src: &str) -> (String, Value) {
        let text = format!("x = {src}\n");
        let body = hcl_edit::parser::parse_body(&text).unwrap();
        let attr = body.get_attribute("x").unwrap();
        let v = value(&text, &attr.value, 0);
        (text, v)
    }

    #[test]
    fn literals_objects_and_lists_keep_their_spans() {
        let (text, v) = expr(
            "{\n  Version = \"2012-10-17\"\n  \"Statement\" = [{ Effect = \"Allow\", Action = [\"s3:Get*\", 3, true, null] }]\n}",
        );
        let st = v.get("Statement").unwrap();
        assert_eq!(
            &text[v.member("Statement").unwrap().key_span.clone()],
            "\"Statement\""
        );
        let action = st.as_array().unwrap()[0].get("Action").unwrap();
        let items = action.as_array().unwrap();
        assert_eq!(items[0].as_str(), Some("s3:Get*"));
        assert_eq!(&text[items[0].span.clone()], "\"s3:Get*\"");
        assert_eq!(items[1].kind, Kind::Number("3".into()));
        assert_eq!(items[2].kind, Kind::Bool(true));
        assert_eq!(items[3].kind, Kind::Null);
        assert_eq!(
            &text[v.member("Version").unwrap().key_span.clone()],
            "Version"
        );
    }

    #[test]
    fn what_terraform_computes_is_opaque() {
        for src in [
            "var.actions",
            "\"s3:${var.verb}\"",
            "[for a in var.x : a]",
            "concat([\"a\"], var.b)",
            "local.a ? \"x\" : \"y\"",
            "{ (var.k) = \"v\" }",
        ] {
            let (text, v) = expr(src);
            assert!(is_opaque(&v), "{src}");
            assert_eq!(&text[v.span.clone()], src);
        }
        let (_, v) = expr("[\"s3:GetObject\", var.more]");
        let items = v.as_array().unwrap();
        assert!(!is_opaque(&items[0]) && is_opaque(&items[1]));
        let (_, v) = expr("(\"s3:GetObject\")");
        assert_eq!(v.as_str(), Some("s3:GetObject"));
    }

    #[test]
    fn heredoc_strings_with_template_sequences_are_opaque() {
        let body = "{\"Action\": [\"s3:${var.verb}\", \"s3:GetObject\"], \"Resource\": \"%{ if x }a%{ endif }\"}";
        let v = crate::policy::json::parse(body).unwrap();
        let v = templated(shifted(v, 10), &format!("{}{body}", " ".repeat(10)));
        let a = v.get("Action").unwrap().as_array().unwrap();
        assert!(is_opaque(&a[0]) && a[1].as_str() == Some("s3:GetObject"));
        assert_eq!(a[1].span.start, 10 + body.find("\"s3:GetObject\"").unwrap());
        assert!(is_opaque(v.get("Resource").unwrap()));
    }

    #[test]
    fn references_read_through_indexes() {
        let refs = |src: &str| {
            let (text, _) = expr(src);
            let body = hcl_edit::parser::parse_body(&text).unwrap();
            reference(&body.get_attribute("x").unwrap().value).map(|r| r.join("."))
        };
        assert_eq!(
            refs("data.aws_iam_policy_document.d.json").as_deref(),
            Some("data.aws_iam_policy_document.d.json")
        );
        assert_eq!(
            refs("aws_iam_role.r[0].name").as_deref(),
            Some("aws_iam_role.r.name")
        );
        assert_eq!(refs("aws_iam_role.r[*].name"), None);
        assert_eq!(refs("\"MyRole\""), None);
    }
}
