//! Property tests of the YAML adapter's fixes: random policies embedded in random CloudFormation
//! YAML styles, random unused sets; fixed, then re-read by a reading of yaml-edit's syntax tree
//! written here (not iamtrim's adapter): exact in meaning (the refinement property test's naive
//! matcher is the oracle), and not a byte changed outside the edited action lists and the
//! statements that went.

use crate::properties::{POOL, PatSpec, build_pattern, naive, pat_spec, universe};
use iamtrim::catalog::Catalog;
use iamtrim::diagnostic::Applicability;
use iamtrim::findings::UnusedSet;
use iamtrim::findings::binding::Evidence;
use iamtrim::lint::{self, Expect};
use proptest::prelude::*;
use rowan::ast::AstNode;
use std::collections::BTreeSet;
use std::ops::Range;
use yaml_edit::{SyntaxKind as K, YamlFile};

// --- The oracle's reading: yaml-edit's lossless tree, walked without iamtrim's adapter. ---

type Node = rowan::SyntaxNode<yaml_edit::Lang>;

#[derive(Debug, Clone)]
enum Y {
    Null,
    Str(String),
    Seq(Vec<N>),
    /// Members: key, key span, value.
    Map(Vec<(String, Range<usize>, N)>),
    Tag(String, Box<N>),
}

#[derive(Debug, Clone)]
struct N {
    y: Y,
    span: Range<usize>,
}

impl N {
    fn get(&self, key: &str) -> Option<&N> {
        match &self.y {
            Y::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    fn member(&self, key: &str) -> Option<(&Range<usize>, &N)> {
        match &self.y {
            Y::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, s, v)| (s, v)),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match &self.y {
            Y::Str(s) => Some(s),
            _ => None,
        }
    }
}

fn trivia(k: K) -> bool {
    matches!(
        k,
        K::WHITESPACE | K::NEWLINE | K::INDENT | K::COMMENT | K::BOM | K::EOF
    )
}

fn content_span(n: &Node) -> Range<usize> {
    let toks: Vec<_> = n
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !trivia(t.kind()))
        .collect();
    match (toks.first(), toks.last()) {
        (Some(a), Some(b)) => {
            usize::from(a.text_range().start())..usize::from(b.text_range().end())
        }
        _ => {
            let s = usize::from(n.text_range().start());
            s..s
        }
    }
}

fn held(holder: &Node) -> Option<Node> {
    holder.children().find(|c| {
        matches!(
            c.kind(),
            K::MAPPING | K::SEQUENCE | K::SCALAR | K::TAGGED_NODE | K::ALIAS
        )
    })
}

fn walk(n: &Node) -> N {
    let span = content_span(n);
    let null = |at: usize| N {
        y: Y::Null,
        span: at..at,
    };
    let y = match n.kind() {
        K::MAPPING => Y::Map(
            n.children()
                .filter(|c| c.kind() == K::MAPPING_ENTRY)
                .map(|e| {
                    let key = e
                        .children()
                        .find(|c| c.kind() == K::KEY)
                        .and_then(|k| held(&k))
                        .map(|k| walk(&k));
                    let (key, key_span) = match key {
                        Some(N { y: Y::Str(s), span }) => (s, span),
                        Some(other) => (format!("{other:?}"), other.span),
                        None => (String::new(), content_span(&e)),
                    };
                    let value = e
                        .children()
                        .find(|c| c.kind() == K::VALUE)
                        .and_then(|v| held(&v))
                        .map_or_else(|| null(key_span.end), |v| walk(&v));
                    (key, key_span, value)
                })
                .collect(),
        ),
        K::SEQUENCE => Y::Seq(
            n.children()
                .filter(|c| c.kind() == K::SEQUENCE_ENTRY)
                .map(|e| held(&e).map_or_else(|| null(content_span(&e).end), |v| walk(&v)))
                .collect(),
        ),
        K::SCALAR => {
            let first = n
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .find(|t| !trivia(t.kind()));
            if first.is_none_or(|t| t.kind() == K::NULL) {
                Y::Null
            } else {
                Y::Str(
                    yaml_edit::Scalar::cast(n.clone()).map_or_else(String::new, |s| s.as_string()),
                )
            }
        }
        K::TAGGED_NODE => {
            let tag = n
                .children_with_tokens()
                .filter_map(|e| e.into_token())
                .find(|t| t.kind() == K::TAG)
                .map_or_else(String::new, |t| t.text().to_string());
            let inner = held(n).map_or_else(|| null(span.end), |v| walk(&v));
            Y::Tag(tag, Box::new(inner))
        }
        _ => Y::Null,
    };
    N { y, span }
}

/// The text as YAML (its first document), or why not.
fn parse_yaml(text: &str) -> Result<N, String> {
    let p = YamlFile::parse(text);
    if let Some(e) = p.positioned_errors().first() {
        return Err(format!("{} at {:?}", e.message, e.range));
    }
    let file = p.tree();
    let doc = file
        .syntax()
        .children()
        .find(|n| n.kind() == K::DOCUMENT)
        .ok_or("no document")?;
    held(&doc).map(|n| walk(&n)).ok_or_else(|| "empty".into())
}

// --- The generator. ---

#[derive(Debug, Clone)]
struct EntryG {
    pat: PatSpec,
    /// 0 plain, 1 'single', 2 "double".
    quote: u8,
    comment: bool,
}

#[derive(Debug, Clone)]
struct StmtG {
    deny: bool,
    not_action: bool,
    entries: Vec<EntryG>,
    /// 0 a scalar (its first entry), 1 a block sequence, 2 a flow sequence.
    form: u8,
    sid: bool,
    /// `Resource: !Sub ...` rather than a string.
    sub: bool,
    under_if: bool,
    /// An intrinsic entry at this index (`!Sub "${Svc}:GetObject"`): nobody judges the statement.
    opaque: Option<usize>,
    /// Which of four member orders.
    order: u8,
    comment_before: bool,
    key_comment: bool,
    condition: bool,
}

#[derive(Debug, Clone)]
struct Style {
    indent: usize,
    indentless: bool,
    crlf: bool,
    bom: bool,
    /// 0: the role's inline policy holds the statements, 1: a managed policy, 2: both (split).
    holder: u8,
    split: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct YamlCase {
    statements: Vec<StmtG>,
    style: Style,
    pub(crate) unused: Vec<(usize, usize)>,
    pub(crate) whole: Vec<usize>,
}

fn entry_g() -> impl Strategy<Value = EntryG> {
    (pat_spec(), 0u8..3, prop::bool::weighted(0.3)).prop_map(|(pat, quote, comment)| EntryG {
        pat,
        quote,
        comment,
    })
}

fn stmt_g() -> impl Strategy<Value = StmtG> {
    (
        (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            prop::collection::vec(entry_g(), 1..6),
            0u8..3,
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop::bool::weighted(0.1),
            prop::option::weighted(0.1, 0usize..6),
            0u8..4,
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |(
                (deny, not_action, entries, form, sid, sub),
                (under_if, opaque, order, comment_before, key_comment, condition),
            )| StmtG {
                deny,
                not_action,
                entries,
                form,
                sid,
                sub,
                under_if,
                opaque,
                order,
                comment_before,
                key_comment,
                condition,
            },
        )
}

pub(crate) fn yaml_case() -> impl Strategy<Value = YamlCase> {
    let style = (
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
        0u8..3,
        any::<usize>(),
    )
        .prop_map(|(indent, indentless, crlf, bom, holder, split)| Style {
            indent,
            indentless,
            crlf,
            bom,
            holder,
            split,
        });
    (
        prop::collection::vec(stmt_g(), 1..6),
        style,
        prop::collection::vec((0..POOL.len(), any::<usize>()), 0..40),
        prop::collection::vec(0..POOL.len(), 0..2),
    )
        .prop_map(|(statements, style, unused, whole)| YamlCase {
            statements,
            style,
            unused,
            whole,
        })
}

fn quoted(s: &str, quote: u8) -> String {
    match quote {
        1 => format!("'{s}'"),
        2 => format!("\"{s}\""),
        _ => s.to_string(),
    }
}

const OPAQUE: &str = "!Sub \"${Svc}:GetObject\"";

/// A statement's lines, its mapping's keys at column 0 (the caller puts the dash and indents).
fn statement_lines(cat: &Catalog, i: usize, s: &StmtG, w: usize, indentless: bool) -> Vec<String> {
    let mut entries: Vec<String> = s
        .entries
        .iter()
        .map(|e| quoted(&build_pattern(cat, &e.pat), e.quote))
        .collect();
    let mut comments: Vec<bool> = s.entries.iter().map(|e| e.comment).collect();
    let mut form = s.form;
    if let Some(at) = s.opaque {
        let at = at % (entries.len() + 1);
        entries.insert(at, OPAQUE.to_string());
        comments.insert(at, false);
        form = form.max(1);
    }
    let key_comment = s.key_comment;
    let key = if s.not_action { "NotAction" } else { "Action" };
    let action: Vec<String> = match form {
        0 => {
            let c = if comments[0] { "  # one" } else { "" };
            vec![format!("{key}: {}{c}", entries[0])]
        }
        1 => {
            let c = if key_comment { "  # the list" } else { "" };
            let dash = " ".repeat(if indentless { 0 } else { w });
            let mut lines = vec![format!("{key}:{c}")];
            for (k, (e, c)) in entries.iter().zip(&comments).enumerate() {
                let c = if *c {
                    format!("  # e{k}")
                } else {
                    String::new()
                };
                lines.push(format!("{dash}- {e}{c}"));
            }
            lines
        }
        _ => {
            let c = if key_comment { "  # flow" } else { "" };
            vec![format!("{key}: [{}]{c}", entries.join(", "))]
        }
    };
    let resource = if s.sub {
        format!("Resource: !Sub \"arn:${{AWS::Partition}}:s3:::b{i}/*\"")
    } else {
        format!("Resource: \"arn:aws:s3:::b{i}/*\"")
    };
    let effect = format!("Effect: {}", if s.deny { "Deny" } else { "Allow" });
    let sid = s.sid.then(|| format!("Sid: S{i}"));
    let mut members: Vec<Vec<String>> = match s.order {
        0 => vec![
            sid.into_iter().collect(),
            vec![effect],
            action,
            vec![resource],
        ],
        1 => vec![
            vec![effect],
            action,
            vec![resource],
            sid.into_iter().collect(),
        ],
        2 => vec![
            action,
            vec![resource],
            vec![effect],
            sid.into_iter().collect(),
        ],
        _ => vec![
            sid.into_iter().collect(),
            vec![effect],
            vec![resource],
            action,
        ],
    };
    if s.condition {
        members.push(vec![
            "Condition: {Bool: {\"aws:SecureTransport\": \"true\"}}".into(),
        ]);
    }
    members.into_iter().flatten().collect()
}

/// `lines` as a sequence entry: the dash at `dash`, the rest under the first line's content.
fn as_entry(out: &mut Vec<String>, dash: usize, lines: &[String]) {
    for (k, l) in lines.iter().enumerate() {
        if k == 0 {
            out.push(format!("{}- {l}", " ".repeat(dash)));
        } else {
            out.push(format!("{}{l}", " ".repeat(dash + 2)));
        }
    }
}

/// A policy document's lines, its members at column `col`.
fn policy_lines(cat: &Catalog, c: &YamlCase, range: Range<usize>, col: usize) -> Vec<String> {
    let (w, il) = (c.style.indent, c.style.indentless);
    let dash = col + if il { 0 } else { w };
    let pad = |n: usize| " ".repeat(n);
    let mut out = vec![
        format!("{}Version: \"2012-10-17\"", pad(col)),
        format!("{}Statement:", pad(col)),
    ];
    for i in range.clone() {
        let s = &c.statements[i];
        if s.comment_before {
            out.push(String::new());
            out.push(format!("{}# before statement {i}", pad(dash)));
        }
        let lines = statement_lines(cat, i, s, w, il);
        if s.under_if {
            out.push(format!("{}- !If", pad(dash)));
            out.push(format!("{}- IsProd", pad(dash + 2)));
            as_entry(&mut out, dash + 2, &lines);
            out.push(format!("{}- !Ref AWS::NoValue", pad(dash + 2)));
        } else {
            as_entry(&mut out, dash, &lines);
        }
    }
    out
}

const ROLE: &str = "/Resources/AppRole/Properties/Policies/0/PolicyDocument";
const MANAGED: &str = "/Resources/AppPolicy/Properties/PolicyDocument";

/// The template, and which statements each of its policies holds.
pub(crate) fn template(cat: &Catalog, c: &YamlCase) -> (String, Vec<(&'static str, Range<usize>)>) {
    let n = c.statements.len();
    let (w, il) = (c.style.indent, c.style.indentless);
    let pad = |k: usize| " ".repeat(k * w);
    let seq = |col: usize| col + if il { 0 } else { w };
    let parts: Vec<(&'static str, Range<usize>)> = match c.style.holder {
        2 if n >= 2 => {
            let k = 1 + c.style.split % (n - 1);
            vec![(ROLE, 0..k), (MANAGED, k..n)]
        }
        1 => vec![(MANAGED, 0..n)],
        _ => vec![(ROLE, 0..n)],
    };
    let mut out: Vec<String> = vec![
        "AWSTemplateFormatVersion: \"2010-09-09\"".into(),
        "# A template made by the property test.".into(),
        "Parameters:".into(),
        format!("{}Env:", pad(1)),
        format!("{}Type: String", pad(2)),
        "Conditions:".into(),
        format!("{}IsProd: !Equals [!Ref Env, prod]", pad(1)),
        "Resources:".into(),
        format!("{}AppRole:", pad(1)),
        format!("{}Type: AWS::IAM::Role", pad(2)),
        format!("{}Properties:", pad(2)),
        format!("{}RoleName: app", pad(3)),
        format!("{}AssumeRolePolicyDocument:", pad(3)),
        format!("{}Statement:", pad(4)),
    ];
    as_entry(
        &mut out,
        seq(4 * w),
        &[
            "Effect: Allow".into(),
            "Principal: {Service: lambda.amazonaws.com}".into(),
            "Action: sts:AssumeRole".into(),
        ],
    );
    for (at, range) in &parts {
        if *at == ROLE {
            out.push(format!("{}Policies:", pad(3)));
            let dash = seq(3 * w);
            out.push(format!("{}- PolicyName: root", " ".repeat(dash)));
            out.push(format!("{}PolicyDocument:", " ".repeat(dash + 2)));
            out.extend(policy_lines(cat, c, range.clone(), dash + 2 + w));
        }
    }
    out.extend([
        format!("{}Queue:", pad(1)),
        format!("{}Type: AWS::SQS::Queue", pad(2)),
        format!("{}Properties:", pad(2)),
        format!(
            "{}QueueName: !Sub \"${{AWS::StackName}}-q\"  # kept",
            pad(3)
        ),
    ]);
    for (at, range) in &parts {
        if *at == MANAGED {
            out.extend([
                format!("{}AppPolicy:", pad(1)),
                format!("{}Type: AWS::IAM::ManagedPolicy", pad(2)),
                format!("{}Properties:", pad(2)),
                format!("{}Roles:", pad(3)),
                format!("{}- !Ref AppRole", " ".repeat(seq(3 * w))),
                format!("{}PolicyDocument:", pad(3)),
            ]);
            out.extend(policy_lines(cat, c, range.clone(), 4 * w));
        }
    }
    out.extend([
        "Outputs:".into(),
        format!("{}Arn:", pad(1)),
        format!("{}Value: !GetAtt AppRole.Arn", pad(2)),
    ]);
    let le = if c.style.crlf { "\r\n" } else { "\n" };
    let mut text = out.join(le) + le;
    if c.style.bom {
        text.insert(0, '\u{feff}');
    }
    (text, parts)
}

// --- What the oracle reads of a template's statements. ---

#[derive(Debug)]
struct Read {
    /// Statement `b{i}`'s index `i` (from its `Resource`).
    id: usize,
    span: Range<usize>,
    under_if: bool,
    deny: bool,
    not_action: bool,
    /// Each entry; `None` for an intrinsic.
    entries: Vec<Option<String>>,
    /// What follows each entry on its line (its comment, if any).
    tails: Vec<String>,
    /// From the action key to the end of the line its value ends on.
    action_region: Range<usize>,
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, pos: usize) -> usize {
    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    if text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    }
}

fn next_line(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

fn pointer<'n>(root: &'n N, ptr: &str) -> Option<&'n N> {
    let mut at = root;
    for tok in ptr.split('/').skip(1) {
        at = match &at.y {
            Y::Seq(items) => items.get(tok.parse::<usize>().ok()?)?,
            _ => at.get(tok)?,
        };
    }
    Some(at)
}

fn statement_read(text: &str, v: &N) -> Result<Read, String> {
    let (under_if, v) = match &v.y {
        Y::Tag(t, inner) if t == "!If" => match &inner.y {
            Y::Seq(items) if items.len() == 3 => (true, items[1].clone()),
            _ => return Err(format!("odd !If {inner:?}")),
        },
        _ => (false, v.clone()),
    };
    let resource = v.get("Resource").ok_or("no Resource")?;
    let resource = match &resource.y {
        Y::Str(s) => s.clone(),
        Y::Tag(_, inner) => inner.str().ok_or("odd !Sub")?.to_string(),
        _ => return Err("odd Resource".into()),
    };
    let id = resource
        .rsplit_once(":::b")
        .and_then(|(_, r)| r.strip_suffix("/*"))
        .and_then(|r| r.parse().ok())
        .ok_or("Resource without an id")?;
    let not_action = v.get("NotAction").is_some();
    let (key, value) = v
        .member(if not_action { "NotAction" } else { "Action" })
        .ok_or("no action key")?;
    let entry = |n: &N| n.str().map(str::to_string);
    let items = match &value.y {
        Y::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    let entries = items.iter().map(|n| entry(n)).collect();
    let tails = items
        .iter()
        .map(|n| text[n.span.end..line_end(text, n.span.end)].to_string())
        .collect();
    Ok(Read {
        id,
        span: v.span.clone(),
        under_if,
        deny: v.get("Effect").and_then(N::str) == Some("Deny"),
        not_action,
        entries,
        tails,
        action_region: key.start..line_end(text, value.span.end),
    })
}

/// Each policy's statements, as the oracle reads them.
fn statements_read(
    text: &str,
    root: &N,
    parts: &[(&'static str, Range<usize>)],
) -> Result<Vec<Vec<Read>>, String> {
    parts
        .iter()
        .map(|(at, _)| {
            let doc = pointer(root, at).ok_or(format!("no {at}"))?;
            match &doc.get("Statement").ok_or("no Statement")?.y {
                Y::Seq(items) => items.iter().map(|s| statement_read(text, s)).collect(),
                other => Err(format!("Statement is {other:?}")),
            }
        })
        .collect()
}

/// The text with each region replaced by its marker.
fn cut(text: &str, mut regions: Vec<(Range<usize>, String)>) -> String {
    regions.sort_by_key(|(r, _)| r.start);
    let mut out = String::new();
    let mut at = 0;
    for (r, marker) in regions {
        assert!(r.start >= at, "overlapping regions");
        out.push_str(&text[at..r.start]);
        out.push_str(&marker);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

fn check_case(c: &YamlCase) -> Result<(), TestCaseError> {
    let cat = Catalog::embedded();
    let (text, parts) = template(cat, c);
    let root = parse_yaml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    let before = statements_read(&text, &root, &parts).map_err(TestCaseError::fail)?;

    let mut unused = UnusedSet::default();
    let mut naive_unused = BTreeSet::new();
    for &(s, a) in &c.unused {
        let service = cat.service(cat.service_index(POOL[s]).unwrap());
        let action = &service.actions[a % service.actions.len()];
        unused.add_action(POOL[s], &action.name);
        naive_unused.insert((POOL[s].to_string(), action.lower.to_string()));
    }
    for &s in &c.whole {
        unused.add_service(POOL[s]);
        let service = cat.service(cat.service_index(POOL[s]).unwrap());
        for a in &service.actions {
            naive_unused.insert((POOL[s].to_string(), a.lower.to_string()));
        }
    }
    let evidence = Evidence {
        bound: vec!["role/app".into()],
        found: vec!["arn:aws:iam::1:role/app".into()],
        unused,
        ..Evidence::default()
    };
    let levels = crate::common::engine_only();
    let fixed = lint::fix(&text, Applicability::Unsafe, &evidence, cat, &levels)
        .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    let after_text = &fixed.text;
    let ctx = || format!("\n--- before\n{text}--- after\n{after_text}");

    // (a) YAML, and iamtrim reads it back: the same policies, nothing left to fix.
    let after_root =
        parse_yaml(after_text).map_err(|e| TestCaseError::fail(format!("{e}{}", ctx())))?;
    let after = statements_read(after_text, &after_root, &parts)
        .map_err(|e| TestCaseError::fail(format!("{e}{}", ctx())))?;
    let again = lint::lint_text(after_text, Expect::Detect, Some(&evidence), cat, &levels).unwrap();
    prop_assert!(again.is_policy, "{}", ctx());
    prop_assert_eq!(again.policies.len(), parts.len(), "{}", ctx());
    prop_assert!(
        !again.findings.iter().any(|f| f.rule == "invalid-policy"),
        "{:?}{}",
        again.findings,
        ctx()
    );
    let left: Vec<_> = again
        .findings
        .iter()
        .filter(|f| {
            f.fix.as_ref().is_some_and(|x| {
                x.applicability >= Applicability::Unsafe
                    && x.applicability != Applicability::DisplayOnly
                    && !x.edits.is_empty()
            })
        })
        .map(|f| f.message.clone())
        .collect();
    prop_assert!(left.is_empty(), "not converged: {:?}{}", left, ctx());
    if c.style.crlf {
        prop_assert!(!after_text.replace("\r\n", "").contains('\n'), "{}", ctx());
    } else {
        prop_assert!(!after_text.contains('\r'), "{}", ctx());
    }
    prop_assert_eq!(
        text.starts_with('\u{feff}'),
        after_text.starts_with('\u{feff}')
    );

    // (b) Meaning, statement by statement.
    for (b_policy, a_policy) in before.iter().zip(&after) {
        let judged = |s: &Read| !s.under_if && s.entries.iter().all(Option::is_some);
        let patterns = |s: &Read| -> Vec<String> { s.entries.iter().flatten().cloned().collect() };
        let expected_of = |s: &Read| -> BTreeSet<(String, String)> {
            let p = patterns(s);
            naive(cat, &universe(cat, &p), &p)
                .difference(&naive_unused)
                .cloned()
                .collect()
        };
        // Every Allow statement would go: the policy is to be detached, not edited.
        // (A statement under `!If` may be anything: an Allow that stays; one with an intrinsic
        // entry keeps its `Effect`, and stays.)
        let allows = |s: &Read| s.under_if || !s.deny;
        let goes = |s: &Read| judged(s) && !s.deny && !s.not_action && expected_of(s).is_empty();
        let detach = b_policy.iter().any(allows) && b_policy.iter().all(|s| !allows(s) || goes(s));
        for s in b_policy {
            let now = a_policy.iter().find(|a| a.id == s.id);
            let same =
                |a: &Read| text[s.action_region.clone()] == after_text[a.action_region.clone()];
            if !judged(s) || s.deny || detach {
                prop_assert!(now.is_some_and(same), "statement {} changed{}", s.id, ctx());
                continue;
            }
            let p = patterns(s);
            if !s.not_action {
                let expected = expected_of(s);
                let Some(a) = now else {
                    prop_assert!(expected.is_empty(), "statement {} removed{}", s.id, ctx());
                    continue;
                };
                let q = patterns(a);
                let mut all = p.clone();
                all.extend(q.iter().cloned());
                let got = naive(cat, &universe(cat, &all), &q);
                prop_assert_eq!(
                    &got,
                    &expected,
                    "statement {}: {:?} -> {:?}{}",
                    s.id,
                    p,
                    q,
                    ctx()
                );
                // An entry that stays (as it was or narrowed) keeps its comment.
                let region = &after_text[a.action_region.clone()];
                for (e, tail) in p.iter().zip(&s.tails) {
                    let comment = tail.trim_start();
                    let one = std::slice::from_ref(e);
                    let kept = !naive(cat, &universe(cat, one), one).is_subset(&naive_unused);
                    if comment.starts_with('#') && kept {
                        prop_assert!(
                            region.contains(comment),
                            "statement {}: {} lost{}",
                            s.id,
                            comment,
                            ctx()
                        );
                    }
                }
            } else {
                let a = now.ok_or_else(|| {
                    TestCaseError::fail(format!("NotAction statement {} removed{}", s.id, ctx()))
                })?;
                let q = patterns(a);
                let mut all = p.clone();
                all.extend(q.iter().cloned());
                let uni = universe(cat, &all);
                let everything = naive(cat, &uni, &["*".to_string()]);
                let allowed_before: BTreeSet<_> = everything
                    .difference(&naive(cat, &uni, &p))
                    .cloned()
                    .collect();
                let allowed_after: BTreeSet<_> = everything
                    .difference(&naive(cat, &uni, &q))
                    .cloned()
                    .collect();
                let expected: BTreeSet<_> =
                    allowed_before.difference(&naive_unused).cloned().collect();
                prop_assert_eq!(
                    allowed_after,
                    expected,
                    "NotAction statement {}: {:?} -> {:?}{}",
                    s.id,
                    p,
                    q,
                    ctx()
                );
            }
        }
    }

    // (c) Bytes: cut out each statement's action list (and, before, each statement that went
    // with its lines); what is left is the same text.
    let marker = |id: usize| format!("\u{0}{id}\u{0}");
    let mut b_regions = Vec::new();
    for s in before.iter().flatten() {
        if after.iter().flatten().any(|a| a.id == s.id) {
            b_regions.push((s.action_region.clone(), marker(s.id)));
        } else {
            let r = line_start(&text, s.span.start)..next_line(&text, s.span.end);
            b_regions.push((r, String::new()));
        }
    }
    let a_regions = after
        .iter()
        .flatten()
        .map(|a| (a.action_region.clone(), marker(a.id)))
        .collect();
    prop_assert_eq!(
        cut(&text, b_regions),
        cut(after_text, a_regions),
        "{}",
        ctx()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random policies in random YAML styles, fixed and re-read: exact in meaning, and every
    /// byte outside the edited action lists (and the statements that went) unchanged.
    #[test]
    fn yaml_property_fixes_are_exact_and_keep_every_other_byte(c in yaml_case()) {
        check_case(&c)?;
    }
}

/// The generator makes cases that change something (else the checks above check little).
#[test]
fn yaml_property_cases_change_something() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let cat = Catalog::embedded();
    let mut changed = 0;
    for _ in 0..100 {
        let c = yaml_case().new_tree(&mut runner).unwrap().current();
        let (text, _) = template(cat, &c);
        let mut unused = UnusedSet::default();
        for &(s, a) in &c.unused {
            let service = cat.service(cat.service_index(POOL[s]).unwrap());
            unused.add_action(POOL[s], &service.actions[a % service.actions.len()].name);
        }
        let evidence = Evidence {
            bound: vec!["role/app".into()],
            found: vec!["arn:aws:iam::1:role/app".into()],
            unused,
            ..Evidence::default()
        };
        let fixed = lint::fix(
            &text,
            Applicability::Unsafe,
            &evidence,
            cat,
            &crate::common::engine_only(),
        )
        .unwrap();
        if fixed.text != text {
            changed += 1;
        }
    }
    assert!(changed > 20, "only {changed} of 100 cases changed anything");
}

/// Found by the property test above: comment lines before the statements that a fix removes, at
/// the end of a policy, are left after the policy's last statement, outside its span, and the
/// verifier ("changed the document outside its policies") refuses the whole fix.
#[test]
fn comment_before_the_statements_that_go() {
    let text = "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyName: root\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: ec2:AcceptAddressTransfer\n                Resource: \"*\"\n              # the S3 statement\n              - Effect: Allow\n                Action: s3:AbortMultipartUpload\n                Resource: \"*\"\n";
    let cat = Catalog::embedded();
    let mut unused = UnusedSet::default();
    unused.add_action("s3", "AbortMultipartUpload");
    let evidence = Evidence {
        bound: vec!["role/app".into()],
        found: vec!["arn:aws:iam::1:role/app".into()],
        unused,
        ..Evidence::default()
    };
    let fixed = lint::fix(
        text,
        Applicability::Unsafe,
        &evidence,
        cat,
        &crate::common::engine_only(),
    )
    .unwrap();
    assert!(!fixed.text.contains("s3:"), "{}", fixed.text);
}

/// The same class, found by the hostile-input test: a comment on the last entry of a block list
/// that ends the policy is left after the policy's new end when the entry becomes several (or
/// goes), and the verifier refuses the fix.
#[test]
fn comment_on_the_last_entry_of_a_policy() {
    let text = "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyName: root\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Resource: \"*\"\n                Action:\n                  - s3:*Object  # objects\n";
    let cat = Catalog::embedded();
    let mut unused = UnusedSet::default();
    unused.add_action("s3", "PutObject");
    let evidence = Evidence {
        bound: vec!["role/app".into()],
        found: vec!["arn:aws:iam::1:role/app".into()],
        unused,
        ..Evidence::default()
    };
    let fixed = lint::fix(
        text,
        Applicability::Unsafe,
        &evidence,
        cat,
        &crate::common::engine_only(),
    )
    .unwrap();
    assert!(!fixed.text.contains("s3:*Object"), "{}", fixed.text);
}
