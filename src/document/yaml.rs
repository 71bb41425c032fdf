//! YAML read through `yaml-edit`'s lossless syntax tree (read-only: every edit is iamtrim's own
//! byte edit), turned into the span-keeping tree the policy model reads. CloudFormation's
//! short-form tags become the long form they stand for (`!Sub x` is `{"Fn::Sub": x}`, spanned on
//! the tagged node), so the CloudFormation reader and the policy model see one shape for both
//! syntaxes. `yaml-edit` was kept after trying it on our templates: it keeps every byte (tags,
//! comments, CRLF, a BOM) with exact byte ranges, and parses the indentation CloudFormation
//! accepts; the other readers measured lose tags, count characters or reject such files.
//!
//! Anchors and aliases are resolved (an alias is a copy of its anchor's value, spans and all); the
//! anchored nodes that an alias repeats are *shared*: an edit inside one would change every copy,
//! so the adapter never makes one there.

use crate::policy::json::{Kind, MAX_DEPTH, Member, ParseError, Value};
use rowan::ast::AstNode;
use std::collections::HashMap;
use std::ops::Range;
use yaml_edit::{SyntaxKind as K, YamlFile};

type Node = rowan::SyntaxNode<yaml_edit::Lang>;
type Token = rowan::SyntaxToken<yaml_edit::Lang>;

/// More than any template nests; deeper block indentation makes the parser slow (it grows with
/// the square of the depth), so such text is refused before it is parsed.
const MAX_INDENT: usize = 512;

/// How many nodes aliases may copy in all: a template repeats a few statements; an "alias bomb"
/// doubles itself at each level.
pub(super) const MAX_ALIAS_NODES: usize = 1_000_000;

/// A YAML document read into the policy model's tree.
#[derive(Debug)]
pub(crate) struct Yaml {
    pub(crate) root: Value,
    /// Spans of anchored nodes that an alias repeats.
    pub(crate) shared: Vec<Range<usize>>,
    /// Spans of flow collections (`[a, b]`, `{k: v}`).
    pub(crate) flow: Vec<Range<usize>>,
}

impl Yaml {
    /// Whether `span` overlaps a shared node.
    pub(crate) fn is_shared(&self, span: &Range<usize>) -> bool {
        self.shared
            .iter()
            .any(|s| s.start < span.end.max(span.start + 1) && span.start < s.end)
    }

    /// Whether `span` lies inside a flow collection.
    pub(crate) fn in_flow(&self, span: &Range<usize>) -> bool {
        self.flow
            .iter()
            .any(|f| f.start < span.start && span.end <= f.end)
    }
}

/// Whether a token is layout: it never starts or ends a node's span.
fn trivia(k: K) -> bool {
    matches!(
        k,
        K::WHITESPACE | K::NEWLINE | K::INDENT | K::COMMENT | K::BOM | K::EOF
    )
}

fn range(r: rowan::TextRange) -> Range<usize> {
    usize::from(r.start())..usize::from(r.end())
}

fn kind_of(raw: rowan::SyntaxKind) -> K {
    <yaml_edit::Lang as rowan::Language>::kind_from_raw(raw)
}

/// A node of the parser's green tree with its offset in the text. The reader walks the green tree
/// itself: its cursors allocate for every node and token they visit, which cost more than the
/// parse.
#[derive(Clone, Copy)]
struct G<'g> {
    node: &'g rowan::GreenNodeData,
    at: usize,
}

/// A token of the green tree with its offset.
#[derive(Clone, Copy)]
struct T<'g> {
    token: &'g rowan::GreenTokenData,
    at: usize,
}

enum E<'g> {
    Node(G<'g>),
    Token(T<'g>),
}

impl<'g> G<'g> {
    fn kind(self) -> K {
        kind_of(self.node.kind())
    }

    fn range(self) -> Range<usize> {
        self.at..self.at + usize::from(self.node.text_len())
    }

    fn children(self) -> impl Iterator<Item = E<'g>> {
        let mut at = self.at;
        self.node.children().map(move |c| {
            let start = at;
            match c {
                rowan::NodeOrToken::Node(node) => {
                    at += usize::from(node.text_len());
                    E::Node(G { node, at: start })
                }
                rowan::NodeOrToken::Token(token) => {
                    at += usize::from(token.text_len());
                    E::Token(T { token, at: start })
                }
            }
        })
    }

    fn nodes(self) -> impl Iterator<Item = G<'g>> {
        self.children().filter_map(|e| match e {
            E::Node(n) => Some(n),
            E::Token(_) => None,
        })
    }

    fn tokens(self) -> impl Iterator<Item = T<'g>> {
        self.children().filter_map(|e| match e {
            E::Token(t) => Some(t),
            E::Node(_) => None,
        })
    }

    /// Every node below this one (itself included), in no particular order, without recursion.
    fn descendants(self) -> Vec<G<'g>> {
        let mut out = vec![self];
        let mut i = 0;
        while i < out.len() {
            let n = out[i];
            out.extend(n.nodes());
            i += 1;
        }
        out
    }

    /// Whether a token of this kind is anywhere below this node.
    fn has_token(self, k: K) -> bool {
        self.descendants()
            .iter()
            .any(|n| n.tokens().any(|t| t.kind() == k))
    }

    fn is_flow(self) -> bool {
        self.tokens()
            .find(|t| !trivia(t.kind()))
            .is_some_and(|t| matches!(t.kind(), K::LEFT_BRACE | K::LEFT_BRACKET))
    }
}

impl<'g> T<'g> {
    fn kind(self) -> K {
        kind_of(self.token.kind())
    }

    fn text(self) -> &'g str {
        self.token.text()
    }

    fn range(self) -> Range<usize> {
        self.at..self.at + self.token.text().len()
    }
}

/// The spans of the text's tokens that are not layout, in order: a node's span without the
/// layout around it is a binary search away (walking each node's tokens would be quadratic).
struct Solid(Vec<Range<usize>>);

impl Solid {
    /// In text order, with an explicit stack (a text may nest brackets thousands deep).
    fn of(root: G<'_>) -> Solid {
        let mut out = Vec::new();
        let mut stack: Vec<E<'_>> = vec![E::Node(root)];
        while let Some(e) = stack.pop() {
            match e {
                E::Token(t) if !trivia(t.kind()) => out.push(t.range()),
                E::Token(_) => {}
                E::Node(n) => {
                    let mut children: Vec<E<'_>> = n.children().collect();
                    children.reverse();
                    stack.extend(children);
                }
            }
        }
        Solid(out)
    }

    /// A span without the layout around it (empty, at its start, if it has only layout).
    fn span(&self, r: Range<usize>) -> Range<usize> {
        let first = self.0.partition_point(|t| t.start < r.start);
        let end = self.0.partition_point(|t| t.end <= r.end);
        if first >= end {
            return r.start..r.start;
        }
        self.0[first].start..self.0[end - 1].end
    }

    /// The first token in `r` that is not layout.
    fn first(&self, r: Range<usize>) -> Option<Range<usize>> {
        let i = self.0.partition_point(|t| t.start < r.start);
        self.0.get(i).filter(|t| t.end <= r.end).cloned()
    }
}

/// A block collection's span with the comment after its last entry on that line: the comment
/// goes with the entry when a fix removes it, and so belongs to the collection (a policy whose
/// last entry goes must not be seen to change the text after it).
pub(super) fn with_trailing_comment(text: &str, span: Range<usize>) -> Range<usize> {
    let rest = &text[span.end..];
    let blank = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if blank == 0 || !rest[blank..].starts_with('#') {
        return span;
    }
    let comment = &rest[blank..];
    let len = comment.find(['\n', '\r']).unwrap_or(comment.len());
    span.start..span.end + blank + len
}

fn is_value_node(k: K) -> bool {
    matches!(
        k,
        K::MAPPING | K::SEQUENCE | K::SCALAR | K::TAGGED_NODE | K::ALIAS
    )
}

fn err(message: impl Into<String>, span: Range<usize>) -> ParseError {
    ParseError {
        message: message.into(),
        span,
    }
}

/// The widest indentation of any line, and where that line starts.
fn widest_indent(text: &str) -> (usize, usize) {
    let mut best = (0, 0);
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let n = line.len() - line.trim_start_matches(' ').len();
        if n > best.0 {
            best = (n, at);
        }
        at += line.len();
    }
    best
}

fn is_flow(n: &Node) -> bool {
    n.children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| !trivia(t.kind()))
        .is_some_and(|t| matches!(t.kind(), K::LEFT_BRACE | K::LEFT_BRACKET))
}

/// The column of a block collection's entry starting at `pos`, when only indentation and
/// sequence dashes stand before it on its line (after an anchor, a tag, a BOM or a tab it is not
/// told).
fn entry_column(text: &str, pos: usize) -> Option<usize> {
    let prefix = &text[text[..pos].rfind('\n').map_or(0, |i| i + 1)..pos];
    prefix
        .bytes()
        .all(|b| b == b' ' || b == b'-')
        .then_some(prefix.len())
}

/// YAML's block collections hold their entries at one column. The parser takes text that breaks
/// this (an entry a column off joins an outer collection, or a key a mapping it is not in), which
/// other YAML readers, CloudFormation's among them, reject: such text is no template to fix.
fn check_indentation(text: &str, root: G<'_>, solid: &Solid) -> Result<(), ParseError> {
    let mut nodes = root.descendants();
    // Reported in text order: the first bad entry of the text.
    nodes.sort_by_key(|n| n.at);
    for n in nodes {
        let (entry, what) = match n.kind() {
            K::MAPPING => (K::MAPPING_ENTRY, "mapping"),
            K::SEQUENCE => (K::SEQUENCE_ENTRY, "sequence"),
            _ => continue,
        };
        if n.is_flow() {
            continue;
        }
        let mut first = None;
        for e in n.nodes().filter(|c| c.kind() == entry) {
            let Some(token) = solid.first(e.range()) else {
                continue;
            };
            let Some(col) = entry_column(text, token.start) else {
                continue;
            };
            match first {
                None => first = Some(col),
                Some(want) if want != col => {
                    return Err(err(
                        format!(
                            "bad indentation: this {what} entry is at column {}, the entries \
                             before it at column {}",
                            col + 1,
                            want + 1
                        ),
                        token,
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// The opening bracket of the first flow collection the text never closes.
fn unclosed(root: &Node) -> Option<Range<usize>> {
    root.descendants()
        .filter(|n| matches!(n.kind(), K::SEQUENCE | K::MAPPING) && is_flow(n))
        .find_map(|n| {
            let tokens: Vec<Token> = n
                .children_with_tokens()
                .filter_map(|e| e.into_token())
                .collect();
            // The parser puts an empty closer where one is missing.
            let closed = tokens.iter().any(|t| {
                matches!(t.kind(), K::RIGHT_BRACKET | K::RIGHT_BRACE) && !t.text().is_empty()
            });
            (!closed)
                .then(|| {
                    tokens
                        .iter()
                        .find(|t| !trivia(t.kind()))
                        .map(|t| range(t.text_range()))
                })
                .flatten()
        })
}

/// Parses a YAML text (its first document).
pub(crate) fn parse(text: &str) -> Result<Yaml, ParseError> {
    let (indent, at) = widest_indent(text);
    if indent > MAX_INDENT {
        return Err(err(
            format!("nested too deeply: a line indented {indent} columns (at most {MAX_INDENT})"),
            at..at + indent,
        ));
    }
    if let Some(y) = super::yaml_fast::parse(text) {
        return Ok(y);
    }
    parse_full(text)
}

/// [`parse`] through `yaml-edit`, for every text the fast reader leaves to it.
pub(crate) fn parse_full(text: &str) -> Result<Yaml, ParseError> {
    // The parser is not ours: a panic in it is a parse error of this file, not a crash.
    let parsed = std::panic::catch_unwind(|| {
        let p = YamlFile::parse(text);
        let errors: Vec<(String, Range<usize>)> = p
            .positioned_errors()
            .iter()
            .map(|e| {
                (
                    e.message.clone(),
                    e.range.start as usize..e.range.end as usize,
                )
            })
            .collect();
        (p.tree().syntax().green().into_owned(), errors)
    });
    let Ok((green, errors)) = parsed else {
        return Err(err("the YAML parser failed on this text", 0..0));
    };
    if let Some((message, span)) = errors.into_iter().next() {
        let span = span.start.min(text.len())..span.end.min(text.len());
        // Found at the end of the text, an unclosed `[` or `{` is best shown where it opens.
        let span = if text[span.start..].trim().is_empty() {
            unclosed(&Node::new_root(green.clone())).unwrap_or(span)
        } else {
            span
        };
        return Err(err(message, span));
    }
    let root = G {
        node: &green,
        at: 0,
    };
    let solid = Solid::of(root);
    check_indentation(text, root, &solid)?;
    let mut r = Reader {
        text,
        green: &green,
        cursor: None,
        solid,
        anchors: HashMap::new(),
        shared: Vec::new(),
        flow: Vec::new(),
        budget: MAX_ALIAS_NODES,
    };
    let doc = root
        .nodes()
        .find(|n| n.kind() == K::DOCUMENT)
        .ok_or_else(|| err("empty document: expected a YAML mapping", 0..0))?;
    let value = match r.content(doc)? {
        (_, Some(n)) => r.value(n, 0)?,
        (_, None) => return Err(err("empty document: expected a YAML mapping", 0..0)),
    };
    let mut shared = r.shared;
    shared.sort_by_key(|s| s.start);
    shared.dedup();
    Ok(Yaml {
        root: value,
        shared,
        flow: r.flow,
    })
}

struct Reader<'t> {
    text: &'t str,
    green: &'t rowan::GreenNode,
    /// A cursor tree over the same green tree, made the first time a scalar needs `yaml-edit` to
    /// decode it (a block scalar, escapes, several lines).
    cursor: Option<Node>,
    solid: Solid,
    /// Each anchor's latest definition: its value and span, and whether an alias used it.
    anchors: HashMap<String, (Value, bool)>,
    shared: Vec<Range<usize>>,
    flow: Vec<Range<usize>>,
    budget: usize,
}

pub(super) fn size(v: &Value) -> usize {
    1 + match &v.kind {
        Kind::Array(items) => items.iter().map(size).sum(),
        Kind::Object(members) => members.iter().map(|m| size(&m.value)).sum(),
        _ => 0,
    }
}

impl<'t> Reader<'t> {
    /// The value node a holder (a document, a mapping value, a sequence entry, a tagged node)
    /// holds, and the anchor it gives it.
    fn content<'g>(&self, holder: G<'g>) -> Result<(Option<T<'g>>, Option<G<'g>>), ParseError> {
        let mut anchor = None;
        for e in holder.children() {
            match e {
                E::Token(t) if t.kind() == K::ANCHOR => anchor = Some(t),
                E::Node(n) if is_value_node(n.kind()) => return Ok((anchor, Some(n))),
                E::Node(n) if n.kind() == K::ERROR => {
                    return Err(err("invalid YAML", self.solid.span(n.range())));
                }
                _ => {}
            }
        }
        Ok((anchor, None))
    }

    /// The value a holder holds (null where it holds none), its anchor recorded.
    fn held(&mut self, holder: G<'_>, depth: usize) -> Result<Value, ParseError> {
        let (anchor, node) = self.content(holder)?;
        let v = match node {
            Some(n) => self.value(n, depth)?,
            None => {
                let at = anchor.map_or(holder.range().end, |a| a.range().end);
                Value {
                    kind: Kind::Null,
                    span: at..at,
                }
            }
        };
        if let Some(a) = anchor {
            let name = a.text().trim_start_matches('&').to_string();
            // The anchor belongs to the value: its span covers the `&name` too.
            let mut anchored = v.clone();
            anchored.span = a.range().start.min(v.span.start)..v.span.end;
            self.anchors.insert(name, (anchored, false));
        }
        Ok(v)
    }

    fn value(&mut self, n: G<'_>, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(err(
                format!("nested too deeply (more than {MAX_DEPTH} levels)"),
                self.solid.span(n.range()),
            ));
        }
        let mut span = self.solid.span(n.range());
        let kind = match n.kind() {
            K::MAPPING => {
                if n.is_flow() {
                    self.flow.push(span.clone());
                } else {
                    span = with_trailing_comment(self.text, span);
                }
                Kind::Object(self.mapping(n, depth)?)
            }
            K::SEQUENCE => {
                if n.is_flow() {
                    self.flow.push(span.clone());
                } else {
                    span = with_trailing_comment(self.text, span);
                }
                let mut items = Vec::new();
                let flow = n.is_flow();
                for entry in n.nodes().filter(|c| c.kind() == K::SEQUENCE_ENTRY) {
                    if flow && empty_flow_entry(entry) {
                        // `[a,, b]`: YAML has no empty flow entries (the parser reads a null),
                        // and a fix that removes an entry would pair the wrong ones.
                        return Err(err(
                            "an empty entry in a flow sequence (two commas)",
                            self.solid.span(entry.range()),
                        ));
                    }
                    items.push(self.held(entry, depth + 1)?);
                }
                Kind::Array(items)
            }
            K::SCALAR => return Ok(self.scalar(n, span)),
            K::ALIAS => return self.alias(n, span),
            K::TAGGED_NODE => return self.tagged(n, span, depth),
            _ => Kind::Null,
        };
        Ok(Value { kind, span })
    }

    fn mapping(&mut self, n: G<'_>, depth: usize) -> Result<Vec<Member>, ParseError> {
        let mut members: Vec<Member> = Vec::new();
        let mut merged: Vec<Member> = Vec::new();
        for entry in n.nodes().filter(|c| c.kind() == K::MAPPING_ENTRY) {
            let key_node = entry.nodes().find(|c| c.kind() == K::KEY);
            let (key, key_span) = match key_node {
                Some(k) => match self.content(k)? {
                    (_, Some(kn)) => {
                        let kv = self.value(kn, depth + 1)?;
                        let text = match &kv.kind {
                            Kind::String(s) => s.clone(),
                            Kind::Null => String::new(),
                            _ => self.text[kn.range()].to_string(),
                        };
                        (text, kv.span)
                    }
                    (_, None) => (String::new(), self.solid.span(k.range())),
                },
                None => (String::new(), self.solid.span(entry.range())),
            };
            let value = match entry.nodes().find(|c| c.kind() == K::VALUE) {
                Some(v) => self.held(v, depth + 1)?,
                None => Value {
                    kind: Kind::Null,
                    span: key_span.end..key_span.end,
                },
            };
            if key_node.is_some_and(|k| k.has_token(K::MERGE_KEY)) {
                // `<<: *base` (or a list of them): the members the mapping does not set itself.
                let sources: Vec<&Value> = match &value.kind {
                    Kind::Array(items) => items.iter().collect(),
                    _ => vec![&value],
                };
                for s in sources {
                    for m in s.as_object().unwrap_or_default() {
                        if !merged.iter().any(|x| x.key == m.key) {
                            merged.push(m.clone());
                        }
                    }
                }
                continue;
            }
            members.push(Member {
                key,
                key_span,
                value,
            });
        }
        for m in merged {
            if !members.iter().any(|x| x.key == m.key) {
                members.push(m);
            }
        }
        Ok(members)
    }

    fn alias(&mut self, n: G<'_>, span: Range<usize>) -> Result<Value, ParseError> {
        let name = self.text[n.range()].trim().trim_start_matches('*');
        let Some((v, used)) = self.anchors.get_mut(name) else {
            return Err(err(
                format!("alias `*{name}` names no anchor before it"),
                span,
            ));
        };
        if !*used {
            *used = true;
            self.shared.push(v.span.clone());
        }
        let cost = size(v);
        if cost > self.budget {
            return Err(err(
                format!(
                    "aliases repeat more than {MAX_ALIAS_NODES} nodes: refused (an alias bomb?)"
                ),
                span,
            ));
        }
        self.budget -= cost;
        Ok(v.clone())
    }

    fn tagged(&mut self, n: G<'_>, span: Range<usize>, depth: usize) -> Result<Value, ParseError> {
        let tag = n.tokens().find(|t| t.kind() == K::TAG);
        let inner = self.held(n, depth + 1)?;
        let Some(tag) = tag else {
            return Ok(inner);
        };
        let name = tag.text();
        // YAML's own tags (`!!str`) say nothing CloudFormation would resolve.
        if name.starts_with("!!") {
            return Ok(Value { span, ..inner });
        }
        let short = name.trim_start_matches('!');
        let key = match short {
            "Ref" | "Condition" => short.to_string(),
            _ => format!("Fn::{short}"),
        };
        Ok(Value {
            kind: Kind::Object(vec![Member {
                key,
                key_span: tag.range(),
                value: inner,
            }]),
            span,
        })
    }

    /// A scalar: null where YAML says so, else a string (CloudFormation reads `1` and `true` as
    /// the strings a property takes; the policy model accepts strings wherever IAM takes a
    /// scalar).
    fn scalar(&mut self, n: G<'_>, span: Range<usize>) -> Value {
        let first = n.tokens().find(|t| !trivia(t.kind()));
        if first.is_none_or(|t| t.kind() == K::NULL) {
            return Value {
                kind: Kind::Null,
                span,
            };
        }
        let text = match simple(n, first) {
            Some(t) => t,
            None => self.decoded(n.range()),
        };
        Value {
            kind: Kind::String(text),
            span,
        }
    }

    /// `yaml-edit`'s reading of the scalar node at `r` (through a cursor: a block scalar's
    /// indentation counts from its parent's column).
    fn decoded(&mut self, r: Range<usize>) -> String {
        let root = self
            .cursor
            .get_or_insert_with(|| Node::new_root(self.green.clone()));
        let tr = rowan::TextRange::new(
            rowan::TextSize::from(r.start as u32),
            rowan::TextSize::from(r.end as u32),
        );
        let node = match root.covering_element(tr) {
            rowan::NodeOrToken::Node(n) => Some(n),
            rowan::NodeOrToken::Token(t) => t.parent(),
        };
        node.into_iter()
            .flat_map(|n| n.ancestors())
            .find(|n| n.kind() == K::SCALAR && n.text_range() == tr)
            .and_then(yaml_edit::Scalar::cast)
            .map_or_else(String::new, |s| s.as_string())
    }
}

/// Whether a flow sequence's entry is nothing before its comma (`[a,, b]`).
fn empty_flow_entry(entry: G<'_>) -> bool {
    let mut tokens = entry.tokens().filter(|t| !trivia(t.kind()));
    let comma = tokens.any(|t| t.kind() == K::COMMA);
    let mut scalars = entry.nodes().filter(|c| c.kind() == K::SCALAR);
    let empty = scalars.next().is_some_and(|sc| {
        sc.range().is_empty()
            || sc
                .tokens()
                .all(|t| t.kind() == K::NULL && t.text().is_empty())
    });
    comma && empty && entry.nodes().count() == 1
}

/// The value of a scalar of one token on one line that needs no unescaping (most of a template's):
/// plain, single-quoted, or double-quoted without a backslash. `None`: decode it in full.
fn simple(n: G<'_>, first: Option<T<'_>>) -> Option<String> {
    let t = first?;
    // One token: the scalar's range is the token's.
    if t.range() != n.range() || t.kind() != K::STRING {
        return None;
    }
    let s = t.text();
    if s.contains(['\n', '\r']) {
        return None;
    }
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return (!inner.contains('\\')).then(|| inner.to_string());
    }
    (!s.starts_with(['\'', '"', '|', '>'])).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'v>(v: &'v Value, pointer: &str) -> &'v Value {
        v.pointer(pointer).unwrap_or_else(|| panic!("no {pointer}"))
    }

    #[test]
    fn entries_off_their_collections_column_are_refused() {
        // Each of these is valid YAML (as PyYAML reads it): nothing is refused.
        for ok in [
            "A:\n  - &a\n    Effect: Allow\n    Action: x\n  - *a\n",
            "A:\n- !If\n  - C\n  - Effect: Allow\n    Action: x\n",
            "A: !Sub |\n  one\n    two\nB:   # c\n    - x\n      # odd comment\n    - y\n",
            "A:\n  -   Effect: Allow\n      Action:\n      - - a\n        - b\n",
            "? A\n: b\nC: This is\n  continued\n",
            "\u{feff}A: 1\nB:\n  C: 2\n",
            "---\nA: 1\nB: 2\n...\n",
        ] {
            assert!(parse(ok).is_ok(), "{ok:?}: {:?}", parse(ok).err());
        }
        // Mis-indented entries, which the parser took into another collection, and one it
        // refuses itself.
        for (bad, at, ours) in [
            ("S:\n  - E: Allow\n    A: x\n   R: y\n", "R", true),
            ("P:\n  D:\n    S: x\n     R: y\n", "R", true),
            ("S:\n  - a:\n      - x\n     - y\n", "- y", true),
            ("S:\n    - a\n   - b\n", "- b", false),
        ] {
            let e = parse(bad).expect_err(bad);
            assert_eq!(e.message.contains("indentation"), ours, "{bad:?}: {e:?}");
            assert!(bad[e.span.start..].starts_with(at), "{bad:?}: {e:?}");
        }
    }

    #[test]
    fn an_empty_flow_entry_is_an_error() {
        // Found by yaml_hostile_mutated_templates: `,,` in a CRLF template's statement list
        // read as a null statement, and the fix removed the wrong one (the verifier caught it).
        for text in ["A: [a,, b]\n", "A: [{x: 1},, {y: 2}]\r\n", "A: [, a]\n"] {
            let e = parse(text).expect_err(text);
            assert!(e.message.contains("empty entry"), "{text:?}: {e:?}");
        }
        for ok in ["A: [a, b]\n", "A: [a, b,]\n", "A: []\n", "A: [a, '', b]\n"] {
            assert!(parse(ok).is_ok(), "{ok:?}: {:?}", parse(ok).err());
        }
    }

    #[test]
    fn an_unclosed_flow_collection_is_shown_where_it_opens() {
        for (text, at) in [
            ("A:\n  B: [x, y\n  C: z\n", 8),
            ("A:\n  B: {x: 1\n  C: z\n\n", 8),
            ("A:\n  B: [x, [y, z]\n", 8),
        ] {
            let e = parse(text).expect_err(text);
            assert_eq!(e.span, at..at + 1, "{text:?}: {e:?}");
        }
    }

    #[test]
    fn a_block_collection_ends_with_the_comment_on_its_last_line() {
        let text =
            "A:\n  - x  # one\n  - y  # two\nB: [p, q]  # flow\nC:\n  k: v # three\n\n# alone\n";
        let y = parse(text).unwrap();
        assert!(text[at(&y.root, "/A").span.clone()].ends_with("y  # two"));
        assert_eq!(&text[at(&y.root, "/A/1").span.clone()], "y");
        assert_eq!(&text[at(&y.root, "/B").span.clone()], "[p, q]");
        assert_eq!(&text[at(&y.root, "/C").span.clone()], "k: v # three");
    }

    #[test]
    fn tags_become_long_forms_spanned_on_the_text() {
        let text = "A: !Sub \"${X}-y\"\nB: !GetAtt R.Arn\nC: !If [Cond, a, !Ref AWS::NoValue]\nD: !!str 12\n";
        let y = parse(text).unwrap();
        let a = at(&y.root, "/A");
        assert_eq!(&text[a.span.clone()], "!Sub \"${X}-y\"");
        assert_eq!(at(&y.root, "/A/Fn::Sub").as_str(), Some("${X}-y"));
        assert_eq!(at(&y.root, "/B/Fn::GetAtt").as_str(), Some("R.Arn"));
        assert_eq!(
            at(&y.root, "/C/Fn::If/2/Ref").as_str(),
            Some("AWS::NoValue")
        );
        assert_eq!(at(&y.root, "/D").as_str(), Some("12"));
        assert_eq!(
            &text[at(&y.root, "/C/Fn::If").span.clone()],
            "[Cond, a, !Ref AWS::NoValue]"
        );
        assert_eq!(y.flow.len(), 1);
    }

    #[test]
    fn scalars_are_decoded_and_spanned_with_their_quotes() {
        let text = "- 'it''s'\n- \"a\\tb\"\n- plain text  # c\n- |\n  block\n-\n- ~\n";
        let y = parse(text).unwrap();
        let items = y.root.as_array().unwrap();
        assert_eq!(items[0].as_str(), Some("it's"));
        assert_eq!(&text[items[0].span.clone()], "'it''s'");
        assert_eq!(items[1].as_str(), Some("a\tb"));
        assert_eq!(items[2].as_str(), Some("plain text"));
        assert_eq!(&text[items[2].span.clone()], "plain text");
        assert_eq!(items[3].as_str(), Some("block\n"));
        assert!(matches!(items[4].kind, Kind::Null));
        assert!(matches!(items[5].kind, Kind::Null));
    }

    #[test]
    fn aliases_copy_their_anchor_and_mark_it_shared() {
        let text =
            "A: &s\n  - x\n  - y\nB: *s\nC: &u z\nD:\n  <<: &m {k: 1}\n  j: 2\nE: {<<: *m, k: 3}\n";
        let y = parse(text).unwrap();
        assert_eq!(at(&y.root, "/B/1").as_str(), Some("y"));
        // B's copy is spanned where the anchor is.
        assert_eq!(at(&y.root, "/B/0").span, at(&y.root, "/A/0").span);
        assert_eq!(y.shared.len(), 2, "{:?}", y.shared);
        assert!(y.is_shared(&at(&y.root, "/A/1").span));
        assert!(!y.is_shared(&at(&y.root, "/C").span));
        assert_eq!(at(&y.root, "/D/k").as_str(), Some("1"));
        assert_eq!(at(&y.root, "/E/k").as_str(), Some("3"));
    }

    #[test]
    fn misindented_entries_are_an_error() {
        // Found by mutating templates: the parser let the second statement join the list; with
        // the first removed by a fix, the third no longer belonged to it.
        let text = "S:\n  - a: 1\n   - b\n  - c\n";
        let e = parse(text).unwrap_err();
        assert!(e.message.contains("bad indentation"), "{e:?}");
        assert_eq!(&text[e.span.clone()], "-");
        assert!(parse("M:\n  a: 1\n   b: 2\n").is_err());
        // One indentation, whatever it is; a BOM is no indentation; flow collections are free.
        for ok in [
            "\u{feff}A: 1\nB:\n- x\n- y\nC:\n    - - p\n      - q\n    - z\n",
            "A: [a,\n  b,\n    c]\nB: {x: 1,\n   y: 2}\n",
            "- Sid: S0\n  Effect: Allow\n- ? k\n  : v\n",
        ] {
            assert!(parse(ok).is_ok(), "{ok:?}: {:?}", parse(ok).err());
        }
    }

    #[test]
    fn crlf_and_bom_keep_byte_spans() {
        let text = "\u{feff}A:\r\n  - s3:Get*\r\n  - 'x:Y'\r\n";
        let y = parse(text).unwrap();
        let v = at(&y.root, "/A/1");
        assert_eq!(&text[v.span.clone()], "'x:Y'");
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        let deep = (0..600)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>();
        assert!(parse(&deep).is_err());
        let brackets = format!("A: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&brackets).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
                (b'a' + i as u8) as char,
                (b'a' + i as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
                (b'a' + p as u8) as char,
            ));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("alias"), "{e:?}");
        assert!(parse("A: *nothing\n").is_err());
    }
}
