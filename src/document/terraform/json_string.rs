//! A JSON string that holds escaped JSON (a `.tf.json` policy written as a string): each byte
//! of the decoded text mapped back to the escape it comes from, so the policy inside is reported
//! at exact spans in the file.

use crate::diagnostic::Span;
use crate::policy::json::{Kind, Value};

/// For each byte of the decoded string `s` (and one past its end), the offset in `text` of the
/// escape or character of the JSON string at `span` it comes from; `None` when the string's raw
/// text does not decode to `s` (never for a string the parser read).
pub(super) fn offsets(text: &str, span: &Span, s: &str) -> Option<Vec<usize>> {
    let raw = text.get(span.start + 1..span.end.checked_sub(1)?)?;
    let base = span.start + 1;
    let mut out = Vec::with_capacity(s.len() + 1);
    let mut decoded = String::with_capacity(s.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        let ch = if c == '\\' {
            let (_, e) = chars.next()?;
            match e {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => {
                    let hi = hex4(&mut chars)?;
                    if (0xD800..0xDC00).contains(&hi) {
                        // A surrogate pair: `\uD83D\uDE00`.
                        if chars.next()?.1 != '\\' || chars.next()?.1 != 'u' {
                            return None;
                        }
                        let lo = hex4(&mut chars)?.checked_sub(0xDC00)?;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + lo)?
                    } else {
                        char::from_u32(hi)?
                    }
                }
                _ => return None,
            }
        } else {
            c
        };
        decoded.push(ch);
        out.extend(std::iter::repeat_n(base + i, ch.len_utf8()));
    }
    out.push(span.end - 1);
    (decoded == s).then_some(out)
}

/// Four hex digits of a `\u` escape.
fn hex4(chars: &mut impl Iterator<Item = (usize, char)>) -> Option<u32> {
    let mut n = 0;
    for _ in 0..4 {
        n = n * 16 + chars.next()?.1.to_digit(16)?;
    }
    Some(n)
}

/// `v` with every span mapped through `map` (byte offsets of a decoded string to the text).
pub(super) fn remapped(mut v: Value, map: &[usize]) -> Value {
    fn at(map: &[usize], o: usize) -> usize {
        map.get(o).or(map.last()).copied().unwrap_or(0)
    }
    fn walk(v: &mut Value, map: &[usize]) {
        v.span = at(map, v.span.start)..at(map, v.span.end);
        match &mut v.kind {
            Kind::Array(items) => items.iter_mut().for_each(|x| walk(x, map)),
            Kind::Object(members) => {
                for m in members {
                    m.key_span = at(map, m.key_span.start)..at(map, m.key_span.end);
                    walk(&mut m.value, map);
                }
            }
            _ => {}
        }
    }
    walk(&mut v, map);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::json;

    #[test]
    fn escapes_map_back_to_the_text() {
        let text = r#"{"p": "{\"Action\": [\"s3:Get*\", \"a\u00e9\"]}"}"#;
        let root = json::parse(text).unwrap();
        let v = root.get("p").unwrap();
        let s = v.as_str().unwrap();
        let map = offsets(text, &v.span, s).unwrap();
        let inner = remapped(json::parse(s).unwrap(), &map);
        let items = inner.get("Action").unwrap().as_array().unwrap();
        assert_eq!(&text[items[0].span.clone()], r#"\"s3:Get*\""#);
        assert_eq!(&text[items[1].span.clone()], r#"\"a\u00e9\""#);
        assert_eq!(
            &text[inner.span.clone()],
            &text[v.span.start + 1..v.span.end - 1]
        );
    }
}
