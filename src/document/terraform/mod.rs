//! The Terraform adapter: a `.tf` file's IAM policies, each at its Terraform address.
//! - `data "aws_iam_policy_document"`: its `statement { ... }` blocks read as statements
//!   (`effect` defaults to Allow);
//! - `jsonencode({...})` and heredoc JSON (`<<EOF`, `<<-EOF`) in the `policy` of
//!   `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`, `aws_iam_group_policy` and
//!   an `aws_iam_role`'s `inline_policy` blocks.
//!
//! Parsed with `hcl-edit` for its spans only: every edit is our own byte edit (its serializer
//! re-indents `<<-` heredocs, joins lines and turns CRLF into LF), and a BOM is stripped before
//! parsing (it refuses one) with every span shifted back. What only Terraform knows (a reference,
//! a variable, an interpolation, a `for` expression, a `dynamic` block, a document merged with
//! `source_policy_documents`) is opaque: its statement is left alone with a `not-judged` note.

mod bind;
mod convert;
mod edits;
mod json_string;
mod json_syntax;
mod load;
pub(super) mod names;
mod policy_document;

use super::{Frame, Hints, Note, PolicyAt, PolicyEdit};
use crate::diagnostic::{Edit, Span};
use crate::policy::model::{self, Dialect, Issue, PatternAt, Policy, Stmt};
use crate::refine::{ActionKey, StatementIn};
use convert::span_of;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

/// The resources whose `policy` attribute is an identity policy.
const POLICY_RESOURCES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];

/// Nesting deeper than this is refused before parsing (the parser recurses).
const MAX_NESTING: usize = 256;

/// How a policy is written, which decides how its edits look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// `data "aws_iam_policy_document"`: statements are blocks, actions HCL lists.
    Document,
    /// `jsonencode({...})`: HCL objects and tuples.
    JsonEncode,
    /// JSON in a heredoc.
    Heredoc,
    /// Terraform's JSON syntax: a document's statements, or a policy object, edited as JSON.
    Json,
    /// Escaped JSON in a `.tf.json` string: read, never edited.
    Escaped,
}

/// What the adapter keeps of a read file: each policy's style and frame, by location.
#[derive(Debug)]
pub(super) struct Tf {
    policies: Vec<(String, Style, Frame)>,
}

impl Tf {
    fn of(&self, location: &str) -> Option<&(String, Style, Frame)> {
        self.policies.iter().find(|(l, _, _)| l == location)
    }

    pub(super) fn frame(&self, at: &PolicyAt) -> Frame {
        self.of(&at.location).map_or(
            Frame {
                top: String::new(),
                statements: Vec::new(),
            },
            |(_, _, f)| f.clone(),
        )
    }

    pub(super) fn render(&self, text: &str, at: &PolicyAt, edit: &PolicyEdit) -> Option<Edit> {
        let (_, style, _) = self.of(&at.location)?;
        edits::render(text, *style, &at.policy, edit)
    }
}

/// A syntax error: where, and the parser's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub(super) span: Span,
    pub(super) message: String,
}

/// Whether a text reads as Terraform: a top-level block of the language on a line of its own.
pub(super) fn looks_hcl(text: &str) -> bool {
    const STARTS: &[&str] = &[
        "resource \"",
        "data \"",
        "provider \"",
        "module \"",
        "variable \"",
        "output \"",
        "locals {",
        "terraform {",
    ];
    // Line by line, looking closer only where a line starts with a letter a block name starts
    // with (most lines of a YAML or JSON text start with a space or a quote).
    let starts =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    starts.into_iter().any(|at| {
        let line = text[at..].trim_start_matches('\u{feff}');
        matches!(
            line.as_bytes().first(),
            Some(b'r' | b'd' | b'p' | b'm' | b'v' | b'o' | b'l' | b't')
        ) && STARTS.iter().any(|s| line.starts_with(s))
    })
}

/// Whether a text that does not parse claims IAM resources: then its error is ours to report.
pub(super) fn claims_iam(text: &str) -> bool {
    text.contains("\"aws_iam_")
}

/// What a `.tf` text holds.
#[derive(Debug)]
pub(super) struct TfRead {
    pub(super) tf: Tf,
    pub(super) policies: Vec<PolicyAt>,
    pub(super) notes: Vec<Note>,
}

fn too_deep(src: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in src.bytes().enumerate() {
        match b {
            b'[' | b'{' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

pub(crate) use json_syntax::is_tf_json;

/// Reads a text in Terraform's JSON syntax (`.tf.json`, parsed as `root`) into its policies.
pub(super) fn read_json(
    text: &str,
    root: &crate::policy::json::Value,
    siblings: &[&Module],
) -> TfRead {
    json_syntax::read(text, root, siblings)
}

/// Reads a Terraform text into its policies.
pub(super) fn read(text: &str) -> Result<TfRead, SyntaxError> {
    read_in_module(text, &[])
}

/// Parses a text, its BOM stripped (the parser refuses one): the body and the offset of its
/// spans.
fn parse(text: &str) -> Result<(Body, usize), SyntaxError> {
    let off = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let src = &text[off..];
    if let Some(i) = too_deep(src) {
        return Err(SyntaxError {
            span: i + off..i + off + 1,
            message: format!("nested more than {MAX_NESTING} levels deep"),
        });
    }
    let body = hcl_edit::parser::parse_body(src).map_err(|e| {
        let mut at = (e.location().offset() + off).min(text.len());
        // The parser's offset may fall inside a multi-byte character (at the end of the text):
        // the span starts at that character.
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        SyntaxError {
            span: at..end,
            message: e.message().replace('\n', " "),
        }
    })?;
    Ok((body, off))
}

/// What one `.tf` file tells the other files of its module: its roles and attachments, and the
/// JSON files its policies load.
#[derive(Debug)]
pub(crate) struct Module {
    graph: bind::Graph,
    /// (policy address, the loaded file's path from the module's folder).
    loads: Vec<(String, String)>,
}

impl Module {
    /// The references of a text (`None` when it does not parse).
    pub(crate) fn of(text: &str) -> Option<Module> {
        let (body, _) = parse(text).ok()?;
        let loads = policy_attributes(&body)
            .into_iter()
            .filter_map(|(address, e)| match load::loaded(e)? {
                load::Loaded::Path(p) => Some((address, p)),
                load::Loaded::Not(_) => None,
            })
            .collect();
        Some(Module {
            graph: bind::Graph::of(&[&body]),
            loads,
        })
    }

    /// The references of a text in Terraform's JSON syntax (`None` when it is not one).
    pub(crate) fn of_json(text: &str) -> Option<Module> {
        let root = crate::policy::json::parse(text).ok()?;
        is_tf_json(&root).then(|| Module {
            graph: json_syntax::graph(&root),
            loads: json_syntax::loads(&root),
        })
    }

    /// A file of the module that cannot be read or parsed (`name`): its references could attach
    /// any policy of the module anywhere, so none binds by the HCL.
    pub(crate) fn unreadable(name: String) -> Module {
        Module {
            graph: bind::Graph::unreadable(name),
            loads: Vec::new(),
        }
    }

    /// Every `file()`/`templatefile()` policy of the file: its address and the path it loads
    /// (from the module's folder).
    pub(crate) fn loads(&self) -> impl Iterator<Item = (&str, &str)> {
        self.loads.iter().map(|(a, p)| (a.as_str(), p.as_str()))
    }
}

/// What a module's files (`modules`) say about the policies at `addresses`: their roles and
/// names, as for a policy written in the HCL (the module's graph built once for all of them).
pub(crate) fn module_hints(modules: &[&Module], addresses: &[&str]) -> Vec<Hints> {
    let mut graph = bind::Graph::default();
    for m in modules {
        graph.merge(&m.graph);
    }
    addresses.iter().map(|a| graph.hints(a)).collect()
}

/// The `policy` attributes of a file's policy resources and `inline_policy` blocks, at their
/// addresses.
fn policy_attributes(body: &Body) -> Vec<(String, &Expression)> {
    body.blocks()
        .filter(|b| b.ident.value().as_str() == "resource")
        .flat_map(block_policy_attributes)
        .collect()
}

/// The `policy` attributes of one resource block.
fn block_policy_attributes(block: &Block) -> Vec<(String, &Expression)> {
    let [kind, name] = labels(block);
    let mut out = Vec::new();
    if POLICY_RESOURCES.contains(&kind) {
        if let Some(attr) = block.body.get_attribute("policy") {
            out.push((format!("{kind}.{name}"), &attr.value));
        }
    } else if kind == "aws_iam_role" {
        for (i, inline) in block.body.get_blocks("inline_policy").enumerate() {
            if let Some(attr) = inline.body.get_attribute("policy") {
                out.push((format!("{kind}.{name}.inline_policy[{i}]"), &attr.value));
            }
        }
    }
    out
}

/// Reads a Terraform text into its policies, bound through the references of the other `.tf`
/// files of its module (`siblings`).
pub(super) fn read_in_module(text: &str, siblings: &[&Module]) -> Result<TfRead, SyntaxError> {
    let (body, off) = parse(text)?;
    let mut graph = bind::Graph::of(&[&body]);
    for m in siblings {
        graph.merge(&m.graph);
    }
    let mut r = TfRead {
        tf: Tf {
            policies: Vec::new(),
        },
        policies: Vec::new(),
        notes: Vec::new(),
    };
    for block in body.blocks() {
        let [kind, name] = labels(block);
        match (block.ident.value().as_str(), kind) {
            ("data", "aws_iam_policy_document") => {
                let location = format!("data.{kind}.{name}");
                if graph.is_trust(&location) || names_principals(block) {
                    continue;
                }
                let (doc, frame, reasons, notes) =
                    policy_document::document(text, block, off, &graph);
                r.notes.extend(notes);
                let (mut policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
                for (stmt, why) in policy.statements.iter_mut().zip(reasons) {
                    if let Some(why) = why {
                        seal(stmt, why);
                    }
                }
                let issues = issues.into_iter().map(hcl_words).collect();
                push(
                    &mut r,
                    &graph,
                    location,
                    Style::Document,
                    policy,
                    issues,
                    frame,
                );
            }
            ("resource", k) => {
                if k == "aws_iam_role" {
                    let address = format!("{kind}.{name}");
                    r.notes.extend(policy_document::dynamic_inline_policies(
                        block, &address, off,
                    ));
                }
                for (location, e) in block_policy_attributes(block) {
                    policy_value(text, e, off, location, &graph, &mut r);
                }
            }
            ("module", _) => r.notes.extend(policy_document::module_inputs(block, off)),
            _ => {}
        }
    }
    Ok(r)
}

/// A block's two labels (`resource "type" "name"`).
fn labels(block: &Block) -> [&str; 2] {
    match block.labels.as_slice() {
        [a, b] => [a.as_str(), b.as_str()],
        _ => ["", ""],
    }
}

/// Whether a document's statements name principals: a trust or resource policy (an S3 bucket's,
/// a KMS key's), which unused-access findings say nothing about.
fn names_principals(block: &Block) -> bool {
    block.body.get_blocks("statement").any(|s| {
        s.body.get_blocks("principals").next().is_some()
            || s.body.get_blocks("not_principals").next().is_some()
    })
}

/// Adds a policy read at `location`, its hints from the file's references.
fn push(
    r: &mut TfRead,
    graph: &bind::Graph,
    location: String,
    style: Style,
    mut policy: Policy,
    issues: Vec<Issue>,
    frame: Frame,
) {
    for stmt in &mut policy.statements {
        stmt.sealed = stmt.sealed.map(reworded);
    }
    let hints = graph.hints(&location);
    r.tf.policies.push((location.clone(), style, frame));
    r.policies.push(PolicyAt {
        name: location.clone(),
        location,
        hints,
        policy,
        issues,
    });
}

/// The policy model's words for what it cannot judge, in Terraform's.
fn reworded(why: &'static str) -> &'static str {
    match why {
        model::INTRINSIC_ACTION => {
            "an action is a Terraform expression (a reference, a variable, a function call or an interpolation)"
        }
        model::INTRINSIC_EFFECT => "its effect is a Terraform expression",
        model::INTRINSIC_STATEMENT => "the statement is a Terraform expression",
        other => other,
    }
}

/// A grammar issue of an `aws_iam_policy_document` in the block's attribute names.
fn hcl_words(mut issue: Issue) -> Issue {
    for (json, hcl) in [
        ("`NotAction`", "`not_actions`"),
        ("`Action`", "`actions`"),
        ("`NotResource`", "`not_resources`"),
        ("`Resource`", "`resources`"),
        ("`Effect`", "`effect`"),
        ("`Sid`", "`sid`"),
    ] {
        issue.message = issue.message.replace(json, hcl);
    }
    issue
}

/// Marks a statement as one nobody can judge statically, for `why`.
fn seal(stmt: &mut Stmt, why: &'static str) {
    stmt.sealed = Some(why);
    stmt.input = StatementIn {
        effect: stmt.input.effect,
        key: ActionKey::Missing,
        patterns: Vec::new(),
    };
    if stmt.patterns.is_empty() {
        stmt.patterns.push(PatternAt {
            text: String::new(),
            span: stmt.span.clone(),
            opaque: true,
        });
        stmt.pattern_spans = vec![stmt.span.clone()];
    }
    for p in &mut stmt.patterns {
        p.opaque = true;
    }
}

/// `text[span]` without whitespace: what a fix must leave as it is.
fn squeezed(text: &str, span: &Span) -> String {
    text.get(span.clone())
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

/// A policy attribute's value: `jsonencode({...})`, a heredoc, a document's `.json` (bound, read
/// where the document is), or something else (a note).
fn policy_value(
    text: &str,
    e: &Expression,
    off: usize,
    location: String,
    graph: &bind::Graph,
    r: &mut TfRead,
) {
    let span = span_of(e, off);
    match e {
        Expression::FuncCall(f)
            if f.name.namespace.is_empty()
                && f.name.name.value().as_str() == "jsonencode"
                && f.args.len() == 1 =>
        {
            let Some(arg) = f.args.iter().next() else {
                return;
            };
            let doc = convert::value(text, arg, off);
            if convert::is_opaque(&doc) || doc.as_object().is_none() {
                r.notes.push(not_here(text, &location, &doc.span));
                return;
            }
            let (policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
            let at = placeholder(&policy);
            let frame = super::json::frame(text, Some(&doc), &at);
            push(r, graph, location, Style::JsonEncode, policy, issues, frame);
        }
        Expression::HeredocTemplate(_) => heredoc(text, span, location, graph, r),
        _ if bind::document_json(e).is_some() => {}
        // Checked as a file of its own, bound through this one.
        _ if let Some(loaded) = load::loaded(e) => {
            if let load::Loaded::Not(why) = loaded {
                r.notes.push(Note {
                    message: format!(
                        "{location} loads its policy with `{}`: not followed ({why})",
                        shown(text, &span)
                    ),
                    span,
                    label: "not followed",
                });
            }
        }
        _ => r.notes.push(not_here(text, &location, &span)),
    }
}

/// A stand-in for the policy being built, for the JSON adapter's frame (which reads only its
/// statement count).
fn placeholder(policy: &Policy) -> PolicyAt {
    PolicyAt {
        location: String::new(),
        name: String::new(),
        hints: Hints::default(),
        policy: policy.clone(),
        issues: Vec::new(),
    }
}

/// The start of what `span` holds, for a note: its first line, at most 60 characters.
fn shown(text: &str, span: &Span) -> String {
    let written = text.get(span.clone()).unwrap_or_default();
    let first = written.lines().next().unwrap_or_default();
    let shown: String = first.chars().take(60).collect();
    if shown.len() < written.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// The note for a policy that Terraform builds from values it alone knows.
fn not_here(text: &str, location: &str, span: &Span) -> Note {
    Note {
        span: span.clone(),
        message: format!(
            "{location} takes its policy from `{}`: not judged (Terraform builds it)",
            shown(text, span)
        ),
        label: "built by Terraform",
    }
}

/// JSON in a heredoc: the body (the lines between the opening `<<EOF` and the delimiter's line)
/// parsed as JSON, its spans shifted into the file.
fn heredoc(text: &str, span: Span, location: String, graph: &bind::Graph, r: &mut TfRead) {
    let raw = &text[span.clone()];
    let (Some(first), Some(last)) = (raw.find('\n'), raw.rfind('\n')) else {
        return;
    };
    let body = span.start + first + 1..span.start + last + 1;
    let body_text = &text[body.clone()];
    let templated = body_text.contains("${") || body_text.contains("%{");
    let doc = match crate::policy::json::parse(body_text) {
        Ok(v) => convert::templated(convert::shifted(v, body.start), text),
        Err(_) if templated => {
            r.notes.push(not_here(text, &location, &span));
            return;
        }
        Err(e) => {
            let policy = Policy {
                span: body.clone(),
                statements: Vec::new(),
                statement_key_span: body.clone(),
                statement_is_array: true,
            };
            let at = e.span.start + body.start..e.span.end + body.start;
            let issues = vec![Issue {
                span: at,
                message: format!("invalid JSON in the heredoc: {}", e.message),
            }];
            let frame = Frame {
                top: String::new(),
                statements: Vec::new(),
            };
            push(r, graph, location, Style::Heredoc, policy, issues, frame);
            return;
        }
    };
    let (policy, issues) = model::read_in(&doc, Dialect::CloudFormation);
    let at = placeholder(&policy);
    let frame = super::json::frame(text, Some(&doc), &at);
    push(r, graph, location, Style::Heredoc, policy, issues, frame);
}

#[cfg(test)]
mod tests;
