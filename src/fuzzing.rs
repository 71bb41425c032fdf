//! The fuzz targets' bodies (`fuzz/` only calls them; `tests/it/fuzz_regressions.rs` runs the
//! saved inputs through them): each takes any bytes, drives one reader of untrusted input, and
//! panics when an invariant breaks. Not part of the API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod build;

use crate::catalog::Catalog;
use crate::diagnostic::{Applicability, Span};
use crate::document::{self, Expect, PolicyAt, PolicyEdit, Read};
use crate::findings::{Snapshot, index, normalized};
use crate::lint;
use crate::policy::json::{self, Kind};

/// Bytes as text: invalid UTF-8 is replaced, so every input reaches the reader.
fn text_of(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A span a reader gave for `text`: inside it, on character boundaries.
fn check_span(text: &str, span: &Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} cuts a character"
    );
}

/// Our tree as serde_json's, to compare (the first of repeated keys, as the policy layer reads).
fn to_serde(v: &json::Value) -> Option<serde_json::Value> {
    Some(match &v.kind {
        Kind::Null => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        // serde_json refuses numbers out of f64's range that RFC 8259 allows.
        Kind::Number(n) => serde_json::from_str(n).ok()?,
        Kind::String(s) => serde_json::Value::String(s.clone()),
        Kind::Array(a) => serde_json::Value::Array(a.iter().map(to_serde).collect::<Option<_>>()?),
        Kind::Object(members) => {
            let mut map = serde_json::Map::new();
            for m in members {
                let v = to_serde(&m.value)?;
                map.entry(m.key.clone()).or_insert(v);
            }
            serde_json::Value::Object(map)
        }
    })
}

/// Every span of a parsed JSON tree re-parses, by itself, to the value it covers.
fn check_tree(text: &str, v: &json::Value, depth: usize) {
    check_span(text, &v.span, "value");
    if depth < 4 {
        let alone = json::parse(&text[v.span.clone()])
            .unwrap_or_else(|e| panic!("the span {:?} of a value does not parse: {e:?}", v.span));
        assert_eq!(to_serde(&alone), to_serde(v), "span {:?}", v.span);
    }
    match &v.kind {
        Kind::Array(items) => items.iter().for_each(|i| check_tree(text, i, depth + 1)),
        Kind::Object(members) => {
            for m in members {
                check_span(text, &m.key_span, "key");
                let key: String = serde_json::from_str(&text[m.key_span.clone()])
                    .unwrap_or_else(|e| panic!("key span {:?}: {e}", m.key_span));
                assert_eq!(key, m.key);
                check_tree(text, &m.value, depth + 1);
            }
        }
        _ => {}
    }
}

/// Target: the strict JSON span parser. It agrees with serde_json on what is JSON (within its
/// nesting limit), reads the same values, and every span it gives is exact.
pub fn json_parser(data: &[u8]) {
    let text = text_of(data);
    // A BOM is skipped by our parser, refused by serde_json.
    let bare = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match json::parse(&text) {
        Ok(v) => {
            assert!(
                serde_json::from_str::<serde_json::Value>(bare).is_ok() || to_serde(&v).is_none(),
                "accepted what serde_json refuses"
            );
            if let Some(ours) = to_serde(&v) {
                let theirs: serde_json::Value = serde_json::from_str(bare).unwrap();
                // serde_json keeps the last of repeated keys, we the first: compare only
                // trees without repeats.
                if !has_repeated_keys(&v) {
                    assert_eq!(ours, theirs);
                }
            }
            check_tree(&text, &v, 0);
        }
        Err(e) => {
            check_span(&text, &e.span, "parse error");
            let deep = max_depth(&text) > json::MAX_DEPTH;
            assert!(
                deep || serde_json::from_str::<serde_json::Value>(bare).is_err(),
                "refused what serde_json reads: {e:?}"
            );
        }
    }
}

fn has_repeated_keys(v: &json::Value) -> bool {
    match &v.kind {
        Kind::Array(items) => items.iter().any(has_repeated_keys),
        Kind::Object(members) => {
            let mut keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1])
                || members.iter().any(|m| has_repeated_keys(&m.value))
        }
        _ => false,
    }
}

/// How deep brackets nest outside strings (an upper bound of the JSON nesting).
fn max_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Every span of a policy inside the text and on character boundaries.
fn check_policy_spans(text: &str, at: &PolicyAt) {
    let p = &at.policy;
    check_span(text, &p.span, "policy");
    check_span(text, &p.statement_key_span, "Statement key");
    for s in &p.statements {
        check_span(text, &s.span, "statement");
        for span in [&s.action_key_span, &s.action_value_span, &s.sealed_at]
            .into_iter()
            .flatten()
        {
            check_span(text, span, "action key or value");
        }
        for pat in &s.patterns {
            check_span(text, &pat.span, "pattern");
        }
        for span in &s.pattern_spans {
            check_span(text, span, "pattern span");
        }
    }
    for issue in &at.issues {
        check_span(text, &issue.span, "issue");
    }
}

/// What every adapter must do with any text: spans that fit the text, frames and edits that do
/// not panic, and an entry replaced by two patterns that reads back as the same policies. Two
/// edits per text (chosen by its length), each re-parsed: a parse is most of an input's cost.
fn check_document(text: &str) {
    // A text that is not a policy when detected may be one when `include` names it.
    let (doc, detected) = match document::read(text, Expect::Detect) {
        Read::Document(doc) => (doc, true),
        Read::Invalid(i) => return check_span(text, &i.span, "invalid-policy"),
        Read::NotPolicy => match document::read(text, Expect::Policy) {
            Read::Document(doc) => (doc, false),
            Read::Invalid(i) => return check_span(text, &i.span, "invalid-policy"),
            Read::NotPolicy => return,
        },
    };
    for note in &doc.notes {
        check_span(text, &note.span, "note");
    }
    let mut targets = Vec::new();
    for (pi, at) in doc.policies.iter().enumerate() {
        check_policy_spans(text, at);
        let _ = doc.frame(at);
        for (si, s) in at.policy.statements.iter().enumerate() {
            targets.push((pi, si, s.patterns.len()));
        }
    }
    if targets.is_empty() {
        return;
    }
    let locations: Vec<&str> = doc.policies.iter().map(|a| a.location.as_str()).collect();
    let pick = text.len();
    for round in 0..2 {
        let (pi, si, entries) = targets[(pick / 7 + round) % targets.len()];
        let at = &doc.policies[pi];
        let s = &at.policy.statements[si];
        let entry = entries.saturating_sub(1);
        let edit = match (pick + round) % 4 {
            _ if round == 0 && entries > 0 => PolicyEdit::ReplaceEntry {
                statement: si,
                entry,
                with: vec!["s3:GetObject".into(), "s3:PutObject".into()],
            },
            0 if entries > 0 => PolicyEdit::RemoveEntry {
                statement: si,
                entry,
            },
            1 => PolicyEdit::AppendNotAction {
                statement: si,
                with: vec!["s3:GetObject".into()],
            },
            _ => PolicyEdit::RemoveStatement { statement: si },
        };
        let Some(e) = doc.render(at, &edit) else {
            continue;
        };
        check_span(text, &e.span, "edit");
        let after = crate::fix::apply(text, std::slice::from_ref(&e));
        let again = document::read(&after, Expect::Detect);
        let editable = s.sealed.is_none() && !s.patterns.iter().any(|p| p.opaque);
        if detected && editable && matches!(edit, PolicyEdit::ReplaceEntry { .. }) {
            let Read::Document(d) = again else {
                panic!("replacing an entry broke the document:\n{after}");
            };
            let now: Vec<&str> = d.policies.iter().map(|a| a.location.as_str()).collect();
            assert_eq!(now, locations, "replacing an entry lost a policy:\n{after}");
        }
    }
}

/// Target: the CloudFormation/SAM/Serverless YAML adapter (the fast block reader and the
/// `yaml-edit` reader), and the two readers agree wherever the fast one reads a text.
pub fn yaml_document(data: &[u8]) {
    let text = text_of(data);
    if let Some(fast) = document::yaml_fast::parse(&text) {
        let full = document::yaml::parse_full(&text)
            .unwrap_or_else(|e| panic!("the fast reader took a text the full one refuses: {e:?}"));
        assert_eq!(
            fast.root, full.root,
            "the two YAML readers read differently"
        );
        assert_eq!(fast.shared, full.shared, "shared spans differ");
        assert_eq!(fast.flow, full.flow, "flow spans differ");
    }
    check_document(&text);
}

/// Target: the Terraform adapter (HCL, and `.tf.json` through the JSON reader), alone and with the
/// text as a sibling module file.
pub fn terraform_document(data: &[u8]) {
    let text = text_of(data);
    check_document(&text);
    let module = document::TfModule::of(&text);
    let json_module = document::TfModule::of_json(&text);
    let siblings: Vec<&document::TfModule> = module.iter().chain(json_module.iter()).collect();
    for at in document::terraform_in_module(&text, &siblings) {
        check_policy_spans(&text, &at);
    }
    for at in document::terraform_json_in_module(&text, &siblings) {
        check_policy_spans(&text, &at);
    }
    let _ = document::terraform_hints(&siblings, &["aws_iam_role_policy.a"]);
}

/// Target: CloudFormation templates (and policy files) in JSON.
pub fn cfn_json_document(data: &[u8]) {
    check_document(&text_of(data));
}

/// Target: one snapshot file's bytes, whatever Access Analyzer shape; the fast reader of
/// normalized files never takes what the checking reader refuses and reads what it reads; a
/// snapshot's normalized text reads back; and the same bytes as an indexed snapshot's
/// `index.json`.
pub fn snapshot(data: &[u8]) {
    let checked = Snapshot::from_bytes("fuzz.json", data);
    if let Some((findings, recs)) = normalized::read_fast(data) {
        let snap = checked.as_ref().unwrap_or_else(|e| {
            panic!("the fast reader took a normalized file the checking reader refuses: {e}")
        });
        let value: serde_json::Value =
            serde_json::from_slice(data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data)).unwrap();
        let (f2, r2) = normalized::read_with_recommendations("fuzz.json", &value).unwrap();
        assert_eq!(findings, f2, "the two normalized readers read differently");
        assert_eq!(
            recs, r2,
            "the two normalized readers read different recommendations"
        );
        let _ = snap;
    }
    if let Ok(snap) = checked {
        let written = normalized::write(&snap);
        let back = Snapshot::from_bytes("written.json", written.as_bytes())
            .unwrap_or_else(|e| panic!("iamtrim does not read its own snapshot: {e}\n{written}"));
        assert!(
            normalized::read_fast(written.as_bytes()).is_some(),
            "the fast reader declines iamtrim's own snapshot:\n{written}"
        );
        assert_eq!(
            normalized::write(&back),
            written,
            "a normalized snapshot does not read back the same"
        );
    }
    if let Ok(ix) = index::from_bytes(std::path::Path::new("/nonexistent-fuzz"), data.to_vec()) {
        let arns: Vec<String> = ix.arns().take(8).map(String::from).collect();
        for arn in &arns {
            let _ = ix.get(arn);
        }
        let _ = ix.policy_principals("p");
        let _ = ix.newest();
    }
}

/// Target: the git index reader. Entries have non-empty paths inside the file, and keeping
/// every entry keeps at least those that would be committed.
pub fn git_index(data: &[u8]) {
    let Some(ix) = crate::source::index_file::parse_keeping(data, false) else {
        return;
    };
    for e in &ix.entries {
        assert!(!ix.path(e).is_empty());
        let _ = (ix.mode(e), ix.oid(e));
    }
    let all =
        crate::source::index_file::parse_keeping(data, true).expect("the same file, every entry");
    assert!(all.entries.len() >= ix.entries.len());
    assert_eq!(all.valid_trees, ix.valid_trees);
    assert_eq!(all.conflicted, ix.conflicted);
    for e in &all.entries {
        let _ = (all.path(e), all.mode(e), all.oid(e));
    }
}

/// Target: refine + fix + re-parse + verify. A policy in one of the document styles and an unused
/// set, both built from the input: the engine's refinement verifies, the fix loop's result passes
/// its verifier, re-parses as the same policies, and has nothing left to fix.
pub fn refine_fix(data: &[u8]) {
    let cat = Catalog::embedded();
    let case = build::Case::of(data, cat);
    // The engine alone, on the raw statements.
    let ins: Vec<_> = case.statements.iter().map(build::Stmt::input).collect();
    if let Err(e) = crate::refine::refine(&ins, &case.unused.resolve(cat), cat) {
        panic!("the engine's own verifier refused its refinement: {e}\n{case:?}");
    }
    let text = case.render();
    let evidence = case.evidence();
    let filter = case.filter();
    let min = if case.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let before = match document::read(&text, Expect::Detect) {
        Read::Document(d) => d
            .policies
            .iter()
            .map(|a| a.location.clone())
            .collect::<Vec<_>>(),
        other => panic!("the built policy does not read: {other:?}\n{text}"),
    };
    let fixed = lint::fix(&text, min, &evidence, cat, &filter)
        .unwrap_or_else(|e| panic!("{e}\n--- text\n{text}\n--- case\n{case:?}"));
    match document::read(&fixed.text, Expect::Detect) {
        Read::Document(d) => {
            let after: Vec<String> = d.policies.iter().map(|a| a.location.clone()).collect();
            assert_eq!(
                after, before,
                "the fixed text lost a policy:\n{}",
                fixed.text
            );
            for at in &d.policies {
                check_policy_spans(&fixed.text, at);
            }
        }
        other => panic!(
            "the fixed text does not re-parse: {other:?}\n{}",
            fixed.text
        ),
    }
    if case.format.is_json() {
        assert!(
            serde_json::from_str::<serde_json::Value>(&fixed.text).is_ok(),
            "the fixed text is not JSON:\n{}",
            fixed.text
        );
    }
    let again = lint::lint_text(&fixed.text, Expect::Detect, Some(&evidence), cat, &filter)
        .unwrap_or_else(|e| panic!("{e}\n{}", fixed.text));
    let left: Vec<&str> = again
        .findings
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability >= min && !x.edits.is_empty())
        })
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        left.is_empty(),
        "not converged: {left:?}\n--- before\n{text}\n--- after\n{}",
        fixed.text
    );
}
