//! A strict JSON parser (RFC 8259) that keeps the byte range of every key and value: serde_json
//! keeps none, and diagnostics and fix-its need them. A UTF-8 BOM is skipped (spans stay offsets
//! into the whole text); nesting is limited so hostile input cannot overflow the stack; duplicate
//! keys are kept for the policy layer to report.

use std::ops::Range;

/// Deeper than any IAM policy (Condition blocks nest four levels).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Range<usize>,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The first member called `key` (objects only).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.member(key).map(|m| &m.value)
    }

    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().find(|m| m.key == key)
    }

    /// The value at an RFC 6901 JSON pointer (`/Statement/1/Action/0`).
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut cur = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = raw.replace("~1", "/").replace("~0", "~");
            cur = match &cur.kind {
                Kind::Object(_) => cur.get(&token)?,
                Kind::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }
}

/// Parses a whole document.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        pos: start,
    };
    p.ws();
    if p.pos >= p.b.len() {
        return Err(p.err_at(p.pos, "empty document: expected a JSON value"));
    }
    let v = p.value(0)?;
    p.ws();
    if p.pos < p.b.len() {
        return Err(p.err_at(p.pos, "unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err_at(&self, at: usize, message: &str) -> ParseError {
        let at = at.min(self.b.len());
        // One whole character, so the span is valid UTF-8 boundaries.
        let end = self.text[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        ParseError {
            message: message.to_string(),
            span: at..end,
        }
    }

    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err_at(self.pos, &format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        let kind = match self.b.get(self.pos) {
            None => return Err(self.err_at(self.pos, "unexpected end of input: expected a value")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b't') => self.literal("true", Kind::Bool(true))?,
            Some(b'f') => self.literal("false", Kind::Bool(false))?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number()?,
            Some(_) => return Err(self.err_at(self.pos, "expected a JSON value")),
        };
        Ok(Value {
            kind,
            span: start..self.pos,
        })
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Kind, ParseError> {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.err_at(self.pos, "expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Kind, ParseError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.b.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if self.b.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.err_at(self.pos, "invalid number"));
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.err_at(self.pos, "invalid number: digits expected after `.`"));
            }
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.err_at(self.pos, "invalid number: digits expected in exponent"));
            }
        }
        Ok(Kind::Number(self.text[start..self.pos].to_string()))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.b.get(self.pos) else {
                return Err(ParseError {
                    message: "unterminated string".into(),
                    span: open..self.b.len(),
                });
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let esc = self.pos;
                    self.pos += 1;
                    let ch = match self.b.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4(esc)?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.b[self.pos..].starts_with(b"\\u") {
                                    return Err(self.err_at(esc, "lone surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4(esc)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err_at(esc, "invalid surrogate pair"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.err_at(esc, "invalid \\u escape"))?,
                            );
                            continue;
                        }
                        _ => return Err(self.err_at(esc, "invalid escape in string")),
                    };
                    out.push(ch);
                    self.pos += 1;
                }
                0..=0x1f => {
                    return Err(self.err_at(self.pos, "control character in string (escape it)"));
                }
                _ => {
                    // Copy the run up to the next quote, backslash or control character.
                    let run = self.b[self.pos..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .unwrap_or(self.b.len() - self.pos);
                    out.push_str(&self.text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, ParseError> {
        let h = self
            .text
            .get(self.pos..self.pos + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err_at(esc, "invalid \\u escape"))?;
        self.pos += 4;
        Ok(h)
    }

    fn array(&mut self, depth: usize) -> Result<Kind, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            self.ws();
            if self.b.get(self.pos) == Some(&b']') {
                return Err(self.err_at(self.pos, "trailing comma before `]`"));
            }
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Kind::Array(items));
                }
                None => return Err(self.err_at(self.pos, "unexpected end of input: `]` missing")),
                Some(_) => return Err(self.err_at(self.pos, "expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Kind, ParseError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.ws();
            match self.b.get(self.pos) {
                Some(b'"') => {}
                Some(b'}') => return Err(self.err_at(self.pos, "trailing comma before `}`")),
                None => return Err(self.err_at(self.pos, "unexpected end of input: `}` missing")),
                Some(_) => return Err(self.err_at(self.pos, "expected a key in double quotes")),
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = key_start..self.pos;
            self.ws();
            if self.b.get(self.pos) != Some(&b':') {
                return Err(self.err_at(self.pos, "expected `:` after the key"));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Kind::Object(members));
                }
                None => return Err(self.err_at(self.pos, "unexpected end of input: `}` missing")),
                Some(_) => return Err(self.err_at(self.pos, "expected `,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_keys_and_values() {
        let text = "\u{feff}{\r\n  \"a\": [1, \"x\\u00e9\"],\r\n  \"b\": {\"c\": null}\r\n}\r\n";
        let v = parse(text).unwrap();
        let a = v.member("a").unwrap();
        assert_eq!(&text[a.key_span.clone()], "\"a\"");
        assert_eq!(&text[a.value.span.clone()], "[1, \"x\\u00e9\"]");
        let x = v.pointer("/a/1").unwrap();
        assert_eq!(x.as_str(), Some("xé"));
        assert_eq!(&text[x.span.clone()], "\"x\\u00e9\"");
        assert_eq!(v.pointer("/b/c").unwrap().kind, Kind::Null);
        assert!(v.pointer("/a/2").is_none());
    }

    #[test]
    fn errors_have_spans() {
        let cases = [
            ("", "empty document"),
            ("{\"a\": 1,}", "trailing comma"),
            ("[1,]", "trailing comma"),
            ("{\"a\" 1}", "expected `:`"),
            ("{\"a\": tru}", "expected a JSON value"),
            ("{\"a\": \"x", "unterminated string"),
            ("[1 2]", "expected `,` or `]`"),
            ("{} x", "unexpected text"),
            ("{'a': 1}", "expected a key"),
            ("[01]", "expected `,` or `]`"),
            ("\"\\x\"", "invalid escape"),
            ("\"a\tb\"", "control character"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(want), "{text:?}: {e:?}");
            assert!(
                e.span.start <= text.len() && e.span.end <= text.len(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("nesting"), "{e:?}");
    }

    #[test]
    fn agrees_with_serde_json_on_valid_input() {
        for text in [
            "{\"a\": [1, -2.5e3, true, false, null, \"\\ud83d\\ude00\"]}",
            "[]",
            "{}",
            "0",
            "\"\"",
        ] {
            assert!(parse(text).is_ok(), "{text}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        }
    }
}
