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
const MAX_ALIAS_NODES: usize = 1_000_000;

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

/// A node's span without the layout around it.
fn content_span(n: &Node) -> Range<usize> {
    let mut tokens = n
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !trivia(t.kind()));
    match tokens.next() {
        None => {
            let s = usize::from(n.text_range().start());
            s..s
        }
        Some(first) => {
            let last = tokens.last().unwrap_or_else(|| first.clone());
            usize::from(first.text_range().start())..usize::from(last.text_range().end())
        }
    }
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

/// Parses a YAML text (its first document).
pub(crate) fn parse(text: &str) -> Result<Yaml, ParseError> {
    let (indent, at) = widest_indent(text);
    if indent > MAX_INDENT {
        return Err(err(
            format!("nested too deeply: a line indented {indent} columns (at most {MAX_INDENT})"),
            at..at + indent,
        ));
    }
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
        (p.tree(), errors)
    });
    let Ok((file, errors)) = parsed else {
        return Err(err("the YAML parser failed on this text", 0..0));
    };
    if let Some((message, span)) = errors.into_iter().next() {
        let span = span.start.min(text.len())..span.end.min(text.len());
        return Err(err(message, span));
    }
    let mut r = Reader {
        text,
        anchors: HashMap::new(),
        shared: Vec::new(),
        flow: Vec::new(),
        budget: MAX_ALIAS_NODES,
    };
    let doc = file
        .syntax()
        .children()
        .find(|n| n.kind() == K::DOCUMENT)
        .ok_or_else(|| err("empty document: expected a YAML mapping", 0..0))?;
    let root = match r.content(&doc)? {
        (_, Some(n)) => r.value(&n, 0)?,
        (_, None) => return Err(err("empty document: expected a YAML mapping", 0..0)),
    };
    let mut shared = r.shared;
    shared.sort_by_key(|s| s.start);
    shared.dedup();
    Ok(Yaml {
        root,
        shared,
        flow: r.flow,
    })
}

struct Reader<'t> {
    text: &'t str,
    /// Each anchor's latest definition: its value and span, and whether an alias used it.
    anchors: HashMap<String, (Value, bool)>,
    shared: Vec<Range<usize>>,
    flow: Vec<Range<usize>>,
    budget: usize,
}

fn size(v: &Value) -> usize {
    1 + match &v.kind {
        Kind::Array(items) => items.iter().map(size).sum(),
        Kind::Object(members) => members.iter().map(|m| size(&m.value)).sum(),
        _ => 0,
    }
}

impl Reader<'_> {
    /// The value node a holder (a document, a mapping value, a sequence entry, a tagged node)
    /// holds, and the anchor it gives it.
    fn content(&mut self, holder: &Node) -> Result<(Option<Token>, Option<Node>), ParseError> {
        let mut anchor = None;
        for e in holder.children_with_tokens() {
            match e {
                rowan::NodeOrToken::Token(t) if t.kind() == K::ANCHOR => anchor = Some(t),
                rowan::NodeOrToken::Node(n) if is_value_node(n.kind()) => {
                    return Ok((anchor, Some(n)));
                }
                rowan::NodeOrToken::Node(n) if n.kind() == K::ERROR => {
                    return Err(err("invalid YAML", content_span(&n)));
                }
                _ => {}
            }
        }
        Ok((anchor, None))
    }

    /// The value a holder holds (null where it holds none), its anchor recorded.
    fn held(&mut self, holder: &Node, depth: usize) -> Result<Value, ParseError> {
        let (anchor, node) = self.content(holder)?;
        let v = match node {
            Some(n) => self.value(&n, depth)?,
            None => {
                let at = anchor
                    .as_ref()
                    .map_or(usize::from(holder.text_range().end()), |a| {
                        usize::from(a.text_range().end())
                    });
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
            anchored.span = usize::from(a.text_range().start()).min(v.span.start)..v.span.end;
            self.anchors.insert(name, (anchored, false));
        }
        Ok(v)
    }

    fn value(&mut self, n: &Node, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(err(
                format!("nested too deeply (more than {MAX_DEPTH} levels)"),
                content_span(n),
            ));
        }
        let span = content_span(n);
        let kind = match n.kind() {
            K::MAPPING => {
                if self.is_flow(n) {
                    self.flow.push(span.clone());
                } else {
                    self.same_column(n, K::MAPPING_ENTRY)?;
                }
                Kind::Object(self.mapping(n, depth)?)
            }
            K::SEQUENCE => {
                if self.is_flow(n) {
                    self.flow.push(span.clone());
                } else {
                    self.same_column(n, K::SEQUENCE_ENTRY)?;
                }
                let mut items = Vec::new();
                for entry in n.children().filter(|c| c.kind() == K::SEQUENCE_ENTRY) {
                    items.push(self.held(&entry, depth + 1)?);
                }
                Kind::Array(items)
            }
            K::SCALAR => return Ok(scalar(n, span)),
            K::ALIAS => return self.alias(n, span),
            K::TAGGED_NODE => return self.tagged(n, span, depth),
            _ => Kind::Null,
        };
        Ok(Value { kind, span })
    }

    /// The entries of a block collection start at one column, as YAML requires. The parser lets
    /// a misindented entry join the collection; an edit to an entry before it (a statement
    /// removed) then changes what the rest of the text means.
    fn same_column(&self, n: &Node, entry: K) -> Result<(), ParseError> {
        let mut first_col = None;
        for e in n.children().filter(|c| c.kind() == entry) {
            let Some(t) = e
                .descendants_with_tokens()
                .filter_map(|x| x.into_token())
                .find(|t| !trivia(t.kind()))
            else {
                continue;
            };
            let at = usize::from(t.text_range().start());
            let line = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
            let col = self.text[line..at].trim_start_matches('\u{feff}').len();
            match first_col {
                None => first_col = Some(col),
                Some(c) if c != col => {
                    return Err(err(
                        format!(
                            "this entry is indented {col} columns, the entries before it {c}: YAML requires one indentation"
                        ),
                        at..usize::from(t.text_range().end()),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn is_flow(&self, n: &Node) -> bool {
        n.children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| !trivia(t.kind()))
            .is_some_and(|t| matches!(t.kind(), K::LEFT_BRACE | K::LEFT_BRACKET))
    }

    fn mapping(&mut self, n: &Node, depth: usize) -> Result<Vec<Member>, ParseError> {
        let mut members: Vec<Member> = Vec::new();
        let mut merged: Vec<Member> = Vec::new();
        for entry in n.children().filter(|c| c.kind() == K::MAPPING_ENTRY) {
            let key_node = entry.children().find(|c| c.kind() == K::KEY);
            let (key, key_span) = match &key_node {
                Some(k) => match self.content(k)? {
                    (_, Some(kn)) => {
                        let kv = self.value(&kn, depth + 1)?;
                        let text = match &kv.kind {
                            Kind::String(s) => s.clone(),
                            Kind::Null => String::new(),
                            _ => kn.text().to_string(),
                        };
                        (text, kv.span)
                    }
                    (_, None) => (String::new(), content_span(k)),
                },
                None => (String::new(), content_span(&entry)),
            };
            let value = match entry.children().find(|c| c.kind() == K::VALUE) {
                Some(v) => self.held(&v, depth + 1)?,
                None => Value {
                    kind: Kind::Null,
                    span: key_span.end..key_span.end,
                },
            };
            let is_merge = key_node.as_ref().is_some_and(|k| {
                k.descendants_with_tokens()
                    .any(|e| e.kind() == K::MERGE_KEY)
            });
            if is_merge {
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

    fn alias(&mut self, n: &Node, span: Range<usize>) -> Result<Value, ParseError> {
        let name = n.text().to_string();
        let name = name.trim().trim_start_matches('*');
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

    fn tagged(&mut self, n: &Node, span: Range<usize>, depth: usize) -> Result<Value, ParseError> {
        let tag = n
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| t.kind() == K::TAG);
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
                key_span: range(tag.text_range()),
                value: inner,
            }]),
            span,
        })
    }
}

/// A scalar: null where YAML says so, else a string (CloudFormation reads `1` and `true` as the
/// strings a property takes; the policy model accepts strings wherever IAM takes a scalar).
fn scalar(n: &Node, span: Range<usize>) -> Value {
    let first = n
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| !trivia(t.kind()));
    if first.as_ref().is_none_or(|t| t.kind() == K::NULL) {
        return Value {
            kind: Kind::Null,
            span,
        };
    }
    let text = yaml_edit::Scalar::cast(n.clone()).map_or_else(String::new, |s| s.as_string());
    Value {
        kind: Kind::String(text),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'v>(v: &'v Value, pointer: &str) -> &'v Value {
        v.pointer(pointer).unwrap_or_else(|| panic!("no {pointer}"))
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
        assert!(e.message.contains("indented 3 columns"), "{e:?}");
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
