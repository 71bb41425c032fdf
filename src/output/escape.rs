//! Control characters that came from input (file names, action strings, file text) never reach
//! a terminal or a CI log raw: they could set the window title, clear the screen, or forge lines.

use std::borrow::Cow;

/// `s` for one line of output: every control character (C0, DEL, C1, and so also `\n` and `\r`)
/// written as `\u{1b}`.
pub fn line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What a control character looks like in shown file text: its Unicode control picture
/// (U+2400 block), or U+FFFD for the C1 controls, which have none.
fn picture(c: char) -> char {
    match u32::from(c) {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// File text as shown (a source snippet, a diff): each control character except `\n`, `\t`
/// and the `\r` of a CRLF becomes a visible picture, so the lines stay as they are.
pub struct Shown<'a> {
    pub text: Cow<'a, str>,
    /// (end of a replaced character in the original text, bytes added up to there), in order.
    moved: Vec<(usize, usize)>,
}

impl Shown<'_> {
    /// An offset in the original text as an offset in `text` (the pictures are longer than
    /// the characters they replace).
    pub fn offset(&self, original: usize) -> usize {
        let i = self.moved.partition_point(|&(end, _)| end <= original);
        original + if i == 0 { 0 } else { self.moved[i - 1].1 }
    }

    pub fn span(&self, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.offset(span.start)..self.offset(span.end).max(self.offset(span.start))
    }
}

fn kept(text: &str, at: usize, c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t' || (c == '\r' && text[at + 1..].starts_with('\n'))
}

/// Whether a text holds a character [`text`] replaces: found by bytes (a template is read here
/// once per run, and most have none).
fn any_shown_otherwise(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'\n' | b'\t' => false,
        b'\r' => b.get(i + 1) != Some(&b'\n'),
        // C0, DEL, and the C1 controls (U+0080 to U+009F: 0xC2 0x80 to 0xC2 0x9F in UTF-8).
        0..0x20 | 0x7f => true,
        0xc2 => b.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)),
        _ => false,
    })
}

pub fn text(text: &str) -> Shown<'_> {
    if !any_shown_otherwise(text) {
        return Shown {
            text: Cow::Borrowed(text),
            moved: Vec::new(),
        };
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut moved = Vec::new();
    let mut added = 0;
    for (i, c) in text.char_indices() {
        if kept(text, i, c) {
            out.push(c);
        } else {
            let p = picture(c);
            out.push(p);
            added += p.len_utf8() - c.len_utf8();
            moved.push((i + c.len_utf8(), added));
        }
    }
    Shown {
        text: Cow::Owned(out),
        moved,
    }
}

/// serde_json's pretty printer, but DEL and the C1 controls (U+0080 to U+009F), which JSON
/// allows raw and serde_json leaves so, are written `\u009b`: a JSON report piped to a terminal
/// cannot drive it either. (serde_json escapes the C0 controls itself.)
pub struct JsonFormatter(pub serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for JsonFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|(_, c)| c.is_control()) {
            writer.write_all(&rest.as_bytes()[..i])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    // The rest as the pretty printer does it.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_c1_controls_too() {
        let mut out = Vec::new();
        let f = JsonFormatter(serde_json::ser::PrettyFormatter::with_indent(b"  "));
        let mut ser = serde_json::Serializer::with_formatter(&mut out, f);
        serde::Serialize::serialize(
            &serde_json::json!({"a\u{9b}": ["x\u{1b}\u{7f}é"]}),
            &mut ser,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\\u009b\": [\n    \"x\\u001b\\u007fé\"\n  ]\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["a\u{9b}"][0], "x\u{1b}\u{7f}é");
    }

    #[test]
    fn lines_escape_every_control_character() {
        assert_eq!(line("s3:Get*"), "s3:Get*");
        assert_eq!(
            line("s3:Get\u{1b}]0;pwned\u{7}*\r\n\u{9b}\u{7f}"),
            "s3:Get\\u{1b}]0;pwned\\u{7}*\\u{d}\\u{a}\\u{9b}\\u{7f}"
        );
    }

    #[test]
    fn text_keeps_lines_and_moves_offsets() {
        let src = "{\r\n\t\"a\": \"x\u{1b}y\",\r\u{85}\"b\": 1\n}";
        let shown = text(src);
        assert_eq!(
            shown.text,
            "{\r\n\t\"a\": \"x\u{241b}y\",\u{240d}\u{fffd}\"b\": 1\n}"
        );
        assert!(
            !shown
                .text
                .chars()
                .any(|c| c.is_control() && !"\r\n\t".contains(c))
        );
        // Every character after a replacement is found at its new offset.
        for (i, c) in src.char_indices().filter(|&(i, c)| kept(src, i, c)) {
            assert_eq!(
                shown.text[shown.offset(i)..].chars().next(),
                Some(c),
                "at {i}"
            );
        }
        assert_eq!(shown.offset(src.len()), shown.text.len());
        let plain = text("{\r\n}\n");
        assert!(matches!(plain.text, Cow::Borrowed(_)));
        assert_eq!(plain.offset(3), 3);
    }
}
