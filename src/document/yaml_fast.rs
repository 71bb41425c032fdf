//! A fast reader for the block YAML most templates are written in: block mappings and sequences,
//! one-line scalars (plain, single-quoted, double-quoted without escapes), block scalars (`|`,
//! `>`), nulls by omission, one-line flow collections, CloudFormation's short-form tags, anchors
//! and aliases. It builds the same tree,
//! spans and all, as the `yaml-edit` reader in `yaml.rs`, at a fraction of its cost (that parser
//! builds a lossless syntax tree of every token, which a template read for its policies does not
//! need).
//!
//! It is strict on purpose: whatever it does not know for certain (a plain or quoted scalar over
//! several lines, escapes, a merge key, a tab, CRLF, a BOM, a directive, several documents, an
//! error of any kind) makes it give up, and the full reader reads the text, errors
//! and all. So it never has to report an error, and never reads a text differently: a test reads
//! every YAML text of the test suite, and mutations of them, both ways and compares.

use super::yaml::{MAX_ALIAS_NODES, Yaml, size, with_trailing_comment};
use crate::policy::json::{Kind, MAX_DEPTH, Member, Value};
use std::collections::HashMap;
use std::ops::Range;

/// The text's first document, or `None` where the full reader must read it.
pub(crate) fn parse(text: &str) -> Option<Yaml> {
    let b = text.as_bytes();
    // Tabs, CR, other control characters and a BOM: the full reader's.
    if b.iter().any(|&c| (c < 0x20 && c != b'\n') || c == 0x7f) || text.contains('\u{feff}') {
        return None;
    }
    let start = document_start(text)?;
    let mut f = Fast {
        t: text,
        b,
        anchors: HashMap::new(),
        shared: Vec::new(),
        flow: Vec::new(),
        budget: MAX_ALIAS_NODES,
    };
    let (ls, ind) = f.content_line(start)?;
    let (root, _, next) = f.block_at(ls + ind, ind, 0)?;
    if f.content_line(next).is_some() {
        return None;
    }
    let mut shared = f.shared;
    shared.sort_by_key(|s| s.start);
    shared.dedup();
    Some(Yaml {
        root,
        shared,
        flow: f.flow,
    })
}

/// Where the document's content starts: after a first `---` line, if any. Directives, document
/// ends and further documents are the full reader's.
fn document_start(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut start = 0;
    // Where the first line with content starts (a marker after it is the full reader's).
    let mut content = None;
    let lines = std::iter::once(0).chain(memchr::memchr_iter(b'\n', b).map(|i| i + 1));
    for at in lines.filter(|&at| at < b.len()) {
        let body = &text[at..memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |k| at + k)];
        if body.starts_with('%') {
            return None;
        }
        if body.starts_with("---") || body.starts_with("...") {
            let rest = &body[3..];
            let bare = rest.trim_start_matches(' ');
            let plain_marker = body.starts_with("---")
                && (bare.is_empty() || (bare.starts_with('#') && rest.starts_with(' ')));
            if content.is_some() || start > 0 || !plain_marker {
                return None;
            }
            start = at + body.len() + 1;
        } else if content.is_none() {
            let solid = body.trim_start_matches(' ');
            if !solid.is_empty() && !solid.starts_with('#') {
                content = Some(at);
            }
        }
    }
    Some(start.min(b.len()))
}

struct Fast<'t> {
    t: &'t str,
    b: &'t [u8],
    /// Each anchor's latest value (spanned with its `&name`), and whether an alias used it.
    anchors: HashMap<&'t str, (Value, bool)>,
    shared: Vec<Range<usize>>,
    flow: Vec<Range<usize>>,
    budget: usize,
}

/// A node read: its value, where its last token that is not layout ends, and the start of the
/// line after it.
type Read = (Value, usize, usize);

/// Characters that start something other than a plain scalar.
fn indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

fn name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-' | b'!')
}

fn is_null(s: &str) -> bool {
    matches!(s, "~" | "null" | "Null" | "NULL")
}

impl<'t> Fast<'t> {
    /// Whether `i` is past the end, a space or a line break.
    fn sep(&self, i: usize) -> bool {
        self.b.get(i).is_none_or(|&c| c == b' ' || c == b'\n')
    }

    /// Whether the character at `i` starts something other than a plain scalar (`-1` is one;
    /// `- ` is not).
    fn opens_other(&self, i: usize) -> bool {
        indicator(self.b[i]) && (self.b[i] != b'-' || self.sep(i + 1))
    }

    fn spaces(&self, mut i: usize) -> usize {
        while self.b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    }

    fn line_end(&self, i: usize) -> usize {
        memchr::memchr(b'\n', &self.b[i..]).map_or(self.b.len(), |k| i + k)
    }

    fn column(&self, i: usize) -> usize {
        i - memchr::memrchr(b'\n', &self.b[..i]).map_or(0, |k| k + 1)
    }

    /// The first line at or after the line start `at` that holds more than layout: its start and
    /// indentation.
    fn content_line(&self, mut at: usize) -> Option<(usize, usize)> {
        while at < self.b.len() {
            let i = self.spaces(at);
            match self.b.get(i) {
                Some(b'\n') | Some(b'#') | None => {}
                Some(_) => return Some((at, i - at)),
            }
            at = self.line_end(i) + 1;
        }
        None
    }

    /// After a node ending at `p`: only spaces and a comment may follow on its line; the start of
    /// the next line.
    fn eol(&self, p: usize) -> Option<usize> {
        let q = self.spaces(p);
        match self.b.get(q) {
            None => Some(q),
            Some(b'\n') => Some(q + 1),
            Some(b'#') if q > p => Some((self.line_end(q) + 1).min(self.b.len())),
            Some(_) => None,
        }
    }

    /// Whether only layout is left on the line from `p`.
    fn rest_is_layout(&self, p: usize) -> bool {
        let q = self.spaces(p);
        match self.b.get(q) {
            None | Some(b'\n') => true,
            Some(b'#') => q > p,
            Some(_) => false,
        }
    }

    /// A block node starting at `p`, the first character of its line at column `col`.
    fn block_at(&mut self, p: usize, col: usize, depth: usize) -> Option<Read> {
        if depth > MAX_DEPTH / 2 {
            return None;
        }
        if self.b[p] == b'-' && self.sep(p + 1) {
            self.sequence(p, col, depth)
        } else {
            self.mapping(p, col, depth)
        }
    }

    /// A block sequence whose first `-` is at `p`, column `col`.
    fn sequence(&mut self, mut p: usize, col: usize, depth: usize) -> Option<Read> {
        let start = p;
        let mut items = Vec::new();
        loop {
            let (v, end, next) = self.after_indicator(p + 1, col, true, depth + 1)?;
            items.push(v);
            match self.content_line(next) {
                Some((_, ind)) if ind > col => return None,
                Some((ls, ind))
                    if ind == col && self.b[ls + ind] == b'-' && self.sep(ls + ind + 1) =>
                {
                    p = ls + ind;
                }
                _ => {
                    let span = with_trailing_comment(self.t, start..end);
                    return Some((
                        Value {
                            kind: Kind::Array(items),
                            span,
                        },
                        end,
                        next,
                    ));
                }
            }
        }
    }

    /// A block mapping whose first key is at `p`, column `col`.
    fn mapping(&mut self, mut p: usize, col: usize, depth: usize) -> Option<Read> {
        let start = p;
        let mut members = Vec::new();
        loop {
            let (key, key_span, after) = self.key(p)?;
            let (value, end, next) = self.after_indicator(after, col, false, depth + 1)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            match self.content_line(next) {
                Some((_, ind)) if ind > col => return None,
                Some((ls, ind)) if ind == col => p = ls + ind,
                _ => {
                    let span = with_trailing_comment(self.t, start..end);
                    return Some((
                        Value {
                            kind: Kind::Object(members),
                            span,
                        },
                        end,
                        next,
                    ));
                }
            }
        }
    }

    /// A block mapping key at `p`: its text, span, and the position after its `:`.
    fn key(&self, p: usize) -> Option<(String, Range<usize>, usize)> {
        let b = self.b;
        if matches!(b[p], b'"' | b'\'') {
            let (s, e) = self.quoted(p)?;
            return (b.get(e) == Some(&b':') && self.sep(e + 1)).then(|| (s, p..e, e + 1));
        }
        if indicator(b[p]) {
            return None;
        }
        let mut i = p;
        while i < b.len() {
            match b[i] {
                b'\n' => return None,
                b':' if self.sep(i + 1) => break,
                b'#' if b[i - 1] == b' ' => return None,
                b'[' | b']' | b'{' | b'}' | b',' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
                | b'"' | b'%' | b'@' | b'`' => return None,
                _ => {}
            }
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let raw = self.t[p..i].trim_end_matches(' ');
        if raw.is_empty() || raw == "<<" || is_null(raw) {
            return None;
        }
        Some((raw.to_string(), p..p + raw.len(), i + 1))
    }

    /// The node after a mapping's `:` or a sequence's `-` at `p`, in a collection at column `n`.
    fn after_indicator(&mut self, p: usize, n: usize, in_seq: bool, depth: usize) -> Option<Read> {
        // Deep nesting is the full reader's to refuse.
        if depth > MAX_DEPTH / 2 || !self.sep(p) {
            return None;
        }
        let mut q = self.spaces(p);
        if self.rest_is_layout(p) {
            return match self.below(p, n, !in_seq, depth)? {
                Some(r) => Some(r),
                None => self.omitted(p),
            };
        }
        let mut anchor = None;
        let mut tag = None;
        if self.b[q] == b'&' {
            let e = self.token_end(q + 1);
            if e == q + 1 {
                return None;
            }
            anchor = Some(q..e);
            q = self.spaces(e);
            if q == e && !self.rest_is_layout(e) {
                return None;
            }
        } else if self.b[q] == b'!' {
            let e = self.token_end(q + 1);
            if e == q + 1 {
                return None;
            }
            tag = Some(q..e);
            q = self.spaces(e);
            if q == e && !self.rest_is_layout(e) {
                return None;
            }
        }
        if (anchor.is_some() || tag.is_some()) && matches!(self.b.get(q), Some(b'&' | b'!')) {
            return None;
        }
        let props_end = anchor.as_ref().or(tag.as_ref()).map_or(p, |r| r.end);
        let (v, end, next) = if self.rest_is_layout(props_end) {
            match (self.below(props_end, n, false, depth)?, &anchor) {
                (Some(r), _) => r,
                // `&a` alone: an anchored null; a tag on nothing is the full reader's.
                (None, Some(a)) if tag.is_none() => self.omitted(a.end)?,
                (None, _) => return None,
            }
        } else {
            self.inline(q, n, in_seq && anchor.is_none() && tag.is_none(), depth)?
        };
        if let Some(a) = anchor {
            let name = &self.t[a.start + 1..a.end];
            let mut anchored = v.clone();
            anchored.span = a.start.min(v.span.start)..v.span.end;
            self.anchors.insert(name, (anchored, false));
            return Some((v, end, next));
        }
        if let Some(tag) = tag {
            return Some((self.tagged(tag, v, end), end, next));
        }
        Some((v, end, next))
    }

    /// A tagged node: the long form a CloudFormation tag stands for.
    fn tagged(&self, tag: Range<usize>, inner: Value, end: usize) -> Value {
        let span = tag.start..end;
        let name = &self.t[tag.clone()];
        if name.starts_with("!!") {
            return Value { span, ..inner };
        }
        let short = &name[1..];
        let key = match short {
            "Ref" | "Condition" => short.to_string(),
            _ => format!("Fn::{short}"),
        };
        Value {
            kind: Kind::Object(vec![Member {
                key,
                key_span: tag,
                value: inner,
            }]),
            span,
        }
    }

    /// Where an anchor, tag or alias name starting at `i` ends: at the first character that is
    /// not a letter, a digit or one of `_.:-!` (a name with others is the full reader's: the
    /// caller finds no space there).
    fn token_end(&self, mut i: usize) -> usize {
        while i < self.b.len() && name_char(self.b[i]) {
            i += 1;
        }
        i
    }

    /// The node on the lines below an indicator (or properties) ending at `q` with nothing but
    /// layout after it on its line: `Some(None)` where there is none (the value is null).
    fn below(
        &mut self,
        q: usize,
        n: usize,
        indentless: bool,
        depth: usize,
    ) -> Option<Option<Read>> {
        let next = self.eol(q)?;
        let Some((ls, ind)) = self.content_line(next) else {
            return Some(None);
        };
        let p = ls + ind;
        if ind > n {
            return self.block_at(p, ind, depth).map(Some);
        }
        if ind == n && indentless && self.b[p] == b'-' && self.sep(p + 1) {
            return self.sequence(p, ind, depth).map(Some);
        }
        Some(None)
    }

    /// A null by omission after an indicator (or an anchor) ending at `p`: spanned, as the full
    /// reader spans it, at the end of its line (the layout and comment after it included).
    fn omitted(&self, p: usize) -> Option<Read> {
        let next = self.eol(p)?;
        let at = self.line_end(p);
        Some((
            Value {
                kind: Kind::Null,
                span: at..at,
            },
            at,
            next,
        ))
    }

    /// A node that starts on the indicator's line, at `q`.
    fn inline(&mut self, q: usize, n: usize, in_seq: bool, depth: usize) -> Option<Read> {
        let b = self.b;
        let c = self.column(q);
        let (v, end) = match b[q] {
            b'*' => {
                let e = self.token_end(q + 1);
                if e == q + 1 {
                    return None;
                }
                let t = self.t;
                let v = self.alias(&t[q + 1..e])?;
                (v, e)
            }
            b'[' | b'{' => self.flow(q, depth)?,
            b'|' | b'>' => return self.block_scalar(q, n),
            b'"' | b'\'' => {
                let (s, e) = self.quoted(q)?;
                if b.get(e) == Some(&b':') && self.sep(e + 1) {
                    return in_seq.then(|| self.mapping(q, c, depth)).flatten();
                }
                (
                    Value {
                        kind: Kind::String(s),
                        span: q..e,
                    },
                    e,
                )
            }
            b'-' if self.sep(q + 1) => {
                return in_seq.then(|| self.sequence(q, c, depth)).flatten();
            }
            _ if self.opens_other(q) => return None,
            _ if self.keyed(q) => {
                // `- Key: value`: a mapping in a sequence entry.
                return in_seq.then(|| self.mapping(q, c, depth)).flatten();
            }
            _ => self.plain(q),
        };
        let next = self.eol(end)?;
        Some((v, end, next))
    }

    /// Whether the line from `q` holds a mapping key (a `:` before a space or the line's end,
    /// before any comment).
    fn keyed(&self, q: usize) -> bool {
        let b = self.b;
        let mut i = q;
        while i < b.len() && b[i] != b'\n' {
            match b[i] {
                b'#' if i > q && b[i - 1] == b' ' => return false,
                b':' if self.sep(i + 1) => return true,
                _ => {}
            }
            i += 1;
        }
        false
    }

    /// A plain scalar on one line at `q`.
    fn plain(&self, q: usize) -> (Value, usize) {
        let b = self.b;
        let le = self.line_end(q);
        let mut end = le;
        for i in q + 1..le {
            if b[i] == b'#' && b[i - 1] == b' ' {
                end = i;
                break;
            }
        }
        let raw = self.t[q..end].trim_end_matches(' ');
        let span = q..q + raw.len();
        let kind = if is_null(raw) {
            Kind::Null
        } else {
            Kind::String(raw.to_string())
        };
        (Value { kind, span }, q + raw.len())
    }

    /// A block scalar (`|`, `>`, chomped with `-` or `+`) whose header is at `q`, in a
    /// collection at column `n`. Leading blank lines, lines of spaces only, an explicit
    /// indentation and folded text with more-indented lines are the full reader's.
    fn block_scalar(&self, q: usize, n: usize) -> Option<Read> {
        let b = self.b;
        let literal = b[q] == b'|';
        let mut h = q + 1;
        let chomp = match b.get(h) {
            Some(&c @ (b'-' | b'+')) => {
                h += 1;
                c
            }
            _ => b' ',
        };
        let mut at = self.eol(h)?;
        let mut indent = None;
        let mut lines: Vec<&str> = Vec::new();
        let mut end = h;
        while at < b.len() {
            let le = self.line_end(at);
            let line = &self.t[at..le];
            let spaces = line.len() - line.trim_start_matches(' ').len();
            if spaces == line.len() {
                // An empty line belongs to the text; one of spaces only is not told here.
                if spaces > 0 || indent.is_none() {
                    return None;
                }
                lines.push("");
            } else {
                let want = *indent.get_or_insert(spaces);
                if spaces < want {
                    break;
                }
                let content = &line[want..];
                // More-indented folded lines, and spaces at a line's end, are not told here.
                if (!literal && content.starts_with(' ')) || content.ends_with(' ') {
                    return None;
                }
                lines.push(content);
                end = le;
            }
            at = le + 1;
        }
        let indent = indent?;
        if indent <= n {
            return None;
        }
        // The blank lines after the last line of text are chomped.
        let kept = lines.iter().rposition(|l| !l.is_empty())? + 1;
        let trailing = lines.len() - kept;
        let body = &lines[..kept];
        let mut s = String::new();
        if literal {
            s = body.join("\n");
        } else {
            let mut blank = 0;
            for (i, l) in body.iter().enumerate() {
                if l.is_empty() {
                    blank += 1;
                    continue;
                }
                if i > 0 {
                    match blank {
                        0 => s.push(' '),
                        k => s.push_str(&"\n".repeat(k)),
                    }
                }
                blank = 0;
                s.push_str(l);
            }
        }
        match chomp {
            b'-' => {}
            b'+' => s.push_str(&"\n".repeat(trailing + 1)),
            _ => s.push('\n'),
        }
        let next = (end + 1).min(b.len());
        Some((
            Value {
                kind: Kind::String(s),
                span: q..end,
            },
            end,
            next,
        ))
    }

    /// A quoted scalar on one line at `q`: its value and the position after its closing quote.
    fn quoted(&self, q: usize) -> Option<(String, usize)> {
        let b = self.b;
        let quote = b[q];
        let mut i = q + 1;
        while i < b.len() {
            match b[i] {
                b'\n' => return None,
                b'\\' if quote == b'"' => return None,
                c if c == quote => {
                    if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    let inner = &self.t[q + 1..i];
                    let s = if quote == b'\'' {
                        inner.replace("''", "'")
                    } else {
                        inner.to_string()
                    };
                    return Some((s, i + 1));
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn alias(&mut self, name: &str) -> Option<Value> {
        let (v, used) = self.anchors.get_mut(name)?;
        if !*used {
            *used = true;
            self.shared.push(v.span.clone());
        }
        let cost = size(v);
        if cost > self.budget {
            return None;
        }
        self.budget -= cost;
        Some(v.clone())
    }

    /// A flow collection on one line at `q`: its value and the position after its closer.
    fn flow(&mut self, q: usize, depth: usize) -> Option<(Value, usize)> {
        if depth > MAX_DEPTH / 2 {
            return None;
        }
        let b = self.b;
        let (open, close) = (b[q], if b[q] == b'[' { b']' } else { b'}' });
        let slot = self.flow.len();
        self.flow.push(q..q);
        let mut items = Vec::new();
        let mut members = Vec::new();
        let mut i = self.spaces(q + 1);
        if b.get(i) == Some(&close) {
            i += 1;
        } else {
            loop {
                if open == b'[' {
                    let (v, e) = self.flow_node(i, depth + 1)?;
                    items.push(v);
                    i = self.spaces(e);
                } else {
                    let (key, key_span, after) = self.flow_key(i)?;
                    let (value, e) = self.flow_node(self.spaces(after), depth + 1)?;
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                    i = self.spaces(e);
                }
                match b.get(i) {
                    Some(b',') => {
                        i = self.spaces(i + 1);
                        if matches!(b.get(i), Some(b']' | b'}') | None) {
                            return None;
                        }
                    }
                    Some(&c) if c == close => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let span = q..i;
        self.flow[slot] = span.clone();
        let kind = if open == b'[' {
            Kind::Array(items)
        } else {
            Kind::Object(members)
        };
        Some((Value { kind, span }, i))
    }

    /// A flow mapping key at `i`: its text, span, and the position after `: `.
    fn flow_key(&self, i: usize) -> Option<(String, Range<usize>, usize)> {
        let b = self.b;
        if matches!(b.get(i), Some(b'"' | b'\'')) {
            let (s, e) = self.quoted(i)?;
            return (b.get(e) == Some(&b':') && self.sep(e + 1)).then(|| (s, i..e, e + 1));
        }
        if b.get(i).is_none_or(|&c| indicator(c)) {
            return None;
        }
        let mut j = i;
        while j < b.len() {
            match b[j] {
                b':' if self.sep(j + 1) => break,
                b'\n' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'\''
                | b'"' => return None,
                _ => {}
            }
            j += 1;
        }
        if j >= b.len() {
            return None;
        }
        let raw = self.t[i..j].trim_end_matches(' ');
        if raw.is_empty() || raw == "<<" || is_null(raw) {
            return None;
        }
        Some((raw.to_string(), i..i + raw.len(), j + 1))
    }

    /// A node inside a flow collection at `i`.
    fn flow_node(&mut self, i: usize, depth: usize) -> Option<(Value, usize)> {
        let b = self.b;
        match *b.get(i)? {
            b'[' | b'{' => self.flow(i, depth),
            b'"' | b'\'' => {
                let (s, e) = self.quoted(i)?;
                Some((
                    Value {
                        kind: Kind::String(s),
                        span: i..e,
                    },
                    e,
                ))
            }
            b'!' => {
                let e = self.token_end(i + 1);
                if e == i + 1 || b.get(e) != Some(&b' ') {
                    return None;
                }
                let at = self.spaces(e);
                if matches!(b.get(at), Some(b'!' | b'&' | b'*')) {
                    return None;
                }
                let (inner, end) = self.flow_node(at, depth + 1)?;
                Some((self.tagged(i..e, inner, end), end))
            }
            _ if self.opens_other(i) => None,
            _ => {
                let mut j = i;
                while j < b.len() {
                    match b[j] {
                        b'\n' | b',' | b'[' | b']' | b'{' | b'}' => break,
                        b':' if self.sep(j + 1)
                            || matches!(b.get(j + 1), Some(b',' | b']' | b'}')) =>
                        {
                            return None;
                        }
                        b'#' if b[j - 1] == b' ' => return None,
                        _ => {}
                    }
                    j += 1;
                }
                let raw = self.t[i..j].trim_end_matches(' ');
                if raw.is_empty() {
                    return None;
                }
                let kind = if is_null(raw) {
                    Kind::Null
                } else {
                    Kind::String(raw.to_string())
                };
                Some((
                    Value {
                        kind,
                        span: i..i + raw.len(),
                    },
                    i + raw.len(),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::yaml::parse_full;

    /// Every YAML text of the test suite and the examples.
    fn corpus() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut dirs = vec![root.join("tests/data"), root.join("examples")];
        // More, by hand: `IAMTRIM_YAML_CORPUS=dir` (cfn-lint's test templates, say; see
        // scripts/real-templates/run.sh).
        dirs.extend(std::env::var_os("IAMTRIM_YAML_CORPUS").map(Into::into));
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| x == "yaml" || x == "yml" || x == "template")
                    && let Ok(t) = std::fs::read_to_string(&p)
                {
                    out.push((p.display().to_string(), t));
                }
            }
        }
        out.sort();
        out
    }

    /// Where the fast reader reads a text, it reads it as the full reader does.
    fn same(name: &str, text: &str) -> bool {
        let Some(fast) = parse(text) else {
            return false;
        };
        let full = parse_full(text).unwrap_or_else(|e| {
            panic!("{name}: the fast reader took a text refused: {e:?}\n{text}")
        });
        if fast.root != full.root {
            let (a, b) = (format!("{:#?}", fast.root), format!("{:#?}", full.root));
            let at = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let show = |s: &str| {
                s.lines()
                    .skip(at.saturating_sub(8))
                    .take(12)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!("{name}: fast\n{}\nfull\n{}\n{text}", show(&a), show(&b));
        }
        assert_eq!(fast.shared, full.shared, "{name}\n{text}");
        assert_eq!(fast.flow, full.flow, "{name}\n{text}");
        true
    }

    #[test]
    fn reads_the_test_suites_yaml_as_the_full_reader() {
        let corpus = corpus();
        let fast = corpus.iter().filter(|(n, t)| same(n, t)).count();
        eprintln!("{fast} of {} texts read by the fast reader", corpus.len());
        // Most of them are the block YAML the fast reader is for.
        assert!(fast * 2 > corpus.len(), "{fast} of {}", corpus.len());
    }

    #[test]
    fn reads_mutated_texts_as_the_full_reader_or_not_at_all() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        const PIECES: [&str; 15] = [
            " ", "- ", ":", "#", "'", "\"", "[", "]", "{", "\n", "&a ", "*a", "%é", "\u{2028}", "!",
        ];
        let (mut tried, mut read) = (0, 0);
        for (name, text) in corpus() {
            for _ in 0..std::env::var("YAML_MUTATIONS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(60)
            {
                let mut t = text.clone();
                let at = next(t.len() + 1);
                let at = (0..=at).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                match next(3) {
                    0 => t.insert_str(at, PIECES[next(PIECES.len())]),
                    1 => {
                        let end = (at + 1..=t.len()).find(|&i| t.is_char_boundary(i));
                        if let Some(end) = end {
                            t.replace_range(at..end, "");
                        }
                    }
                    _ => {
                        // A line indented one column more or less.
                        let ls = t[..at].rfind('\n').map_or(0, |i| i + 1);
                        if t[ls..].starts_with(' ') && next(2) == 0 {
                            t.remove(ls);
                        } else {
                            t.insert(ls, ' ');
                        }
                    }
                }
                tried += 1;
                read += usize::from(same(&name, &t));
            }
        }
        // The mutations reach the fast reader's own decisions, not only its refusals.
        assert!(read * 4 > tried, "{read} of {tried} read");
        eprintln!("{read} of {tried} mutated texts read");
    }

    #[test]
    fn leaves_what_it_does_not_know_to_the_full_reader() {
        for text in [
            "A: |2\n    block\n",
            "A: |\n\n  block\n",
            "A: >\n  x\n    more\n",
            "A: |\n  x\n  \n  y\n",
            "A: !Ref\nB: 1\n",
            "A: one\n  two\n",
            "A:\n  <<: *x\n",
            "A:\r\n  - x\r\n",
            "\u{feff}A: 1\n",
            "A: \"a\\tb\"\n",
            "--- \nA: 1\n---\nB: 2\n",
            "%YAML 1.2\n---\nA: 1\n",
            "A: [a,\n  b]\n",
            "? A\n: b\n",
            "A:\n\t- x\n",
            // Found by the hostile-input tests: a directive line with a character of two bytes,
            // and nesting deeper than the fast reader goes.
            "%é\nA: 1\n",
            &format!("A:\n  {}x\n", "- ".repeat(5000)),
            &format!("A: {}\n", "{a: ".repeat(5000)),
        ] {
            assert!(parse(text).is_none(), "{text:?}");
        }
        for text in [
            "---\nA: 1\n",
            "A: !Sub 'x'\nB:\n- a\n- b\nC: [!Ref X, {k: v}]  # c\n",
            "- &s\n  Effect: Allow\n- *s\n",
            // Nulls by omission, and block scalars.
            "A:\nB: 1\n",
            "A:   # c\nB:\n",
            "- \n-\n- x\n",
            "A: &a\nB: 1\n",
            "A: |\n  x\n  y\nB: 1\n",
            "A: |-\n  x\n\n  y\n\nB: 1\n",
            "A: >\n  x\n  y\n\n  z\nB: 1\n",
            "A:\n  - |\n    code\n      more\n  - b\n",
            "A: !Sub |\n  x ${A}\n# c\nB: 1\n",
            "A: |+\n  x\n\nB: 1\n",
            "A: >- # c\n  x\n  y\n",
        ] {
            assert!(same("inline", text), "{text:?}");
        }
    }
}
