//! The JSON adapter's edits: byte edits on the original text, in the file's own style: its line
//! endings, its indentation, one entry a line where it has one entry a line, minified where it is
//! minified.

use crate::diagnostic::{Edit, Span};

/// The file's line ending.
pub(super) fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The whitespace before the first non-blank character of `pos`'s line.
fn indent_at(text: &str, pos: usize) -> &str {
    let start = line_start(text, pos);
    let line = &text[start..];
    let n = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..n]
}

/// Whether only whitespace stands between the start of `pos`'s line and `pos`.
fn first_on_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
}

/// One level of the file's indentation: that of its first indented line, else two spaces.
pub(super) fn indent_unit(text: &str) -> String {
    text.lines()
        .skip(1)
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .find(|i| !i.is_empty())
        .unwrap_or("  ")
        .to_string()
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Removes element `i` of an array (or object member list) whose element spans are `items`, with
/// its comma and, where it stands on its own line, its line.
pub(super) fn remove_element(items: &[Span], i: usize) -> Edit {
    let span = if i + 1 < items.len() {
        // Up to the next element: the element, its comma, the line break and the next indent.
        items[i].start..items[i + 1].start
    } else if i > 0 {
        // The last one: from the end of the one before (its comma goes too).
        items[i - 1].end..items[i].end
    } else {
        items[i].clone()
    };
    Edit {
        span,
        replacement: String::new(),
    }
}

/// The separator of a list laid out on one line: `", "` where the file puts a space after its
/// colons (`"Action": [`), `","` where it is minified.
fn inline_separator(text: &str, pos: usize) -> &'static str {
    let before = &text[line_start(text, pos)..pos];
    match before.rfind(':') {
        Some(i) if before[i + 1..].starts_with([' ', '\t']) => ", ",
        _ => ",",
    }
}

/// The separator the array uses between its elements.
fn separator(text: &str, items: &[Span], i: usize) -> String {
    if first_on_line(text, items[i].start) {
        format!(",{}{}", line_ending(text), indent_at(text, items[i].start))
    } else if i > 0 {
        text[items[i - 1].end..items[i].start].to_string()
    } else if items.len() > 1 {
        text[items[i].end..items[i + 1].start].to_string()
    } else {
        inline_separator(text, items[i].start).to_string()
    }
}

/// Replaces element `i` with several patterns, laid out as the array lays out its elements.
pub(super) fn replace_element(text: &str, items: &[Span], i: usize, with: &[String]) -> Edit {
    replace_element_written(text, items, i, with.iter().map(|p| quote(p)).collect())
}

/// Replaces element `i` with values already written in the document's syntax (a YAML flow
/// sequence quotes as its entries do), laid out as the list lays out its elements.
pub(super) fn replace_element_written(
    text: &str,
    items: &[Span],
    i: usize,
    written: Vec<String>,
) -> Edit {
    let sep = separator(text, items, i);
    Edit {
        span: items[i].clone(),
        replacement: written.join(&sep),
    }
}

/// Turns a string value (`"Action": "s3:Get*"`) into an array of patterns: one a line, indented one
/// level deeper than the key, where the key stands on a line of its own; on one line, in the
/// file's spacing, where it shares its line (a minified or one-line policy).
pub(super) fn string_to_array(
    text: &str,
    key_span: &Span,
    value_span: &Span,
    with: &[String],
) -> Edit {
    let quoted: Vec<String> = with.iter().map(|p| quote(p)).collect();
    let replacement = if first_on_line(text, key_span.start) {
        let le = line_ending(text);
        let base = indent_at(text, key_span.start);
        let inner = format!("{base}{}", indent_unit(text));
        format!(
            "[{le}{inner}{}{le}{base}]",
            quoted.join(&format!(",{le}{inner}"))
        )
    } else {
        format!(
            "[{}]",
            quoted.join(inline_separator(text, value_span.start))
        )
    };
    Edit {
        span: value_span.clone(),
        replacement,
    }
}

/// Replaces a value (a one-pattern string stays a string).
pub(super) fn replace_value(span: &Span, with: &str) -> Edit {
    Edit {
        span: span.clone(),
        replacement: quote(with),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply;

    fn spans(text: &str, needles: &[&str]) -> Vec<Span> {
        needles
            .iter()
            .map(|n| {
                let i = text.find(n).unwrap();
                i..i + n.len()
            })
            .collect()
    }

    #[test]
    fn remove_first_middle_last() {
        let text = "[\n  \"a\",\n  \"b\",\n  \"c\"\n]\n";
        let items = spans(text, &["\"a\"", "\"b\"", "\"c\""]);
        assert_eq!(
            apply(text, &[remove_element(&items, 0)]),
            "[\n  \"b\",\n  \"c\"\n]\n"
        );
        assert_eq!(
            apply(text, &[remove_element(&items, 1)]),
            "[\n  \"a\",\n  \"c\"\n]\n"
        );
        assert_eq!(
            apply(text, &[remove_element(&items, 2)]),
            "[\n  \"a\",\n  \"b\"\n]\n"
        );
        let mini = "[\"a\",\"b\",\"c\"]";
        let items = spans(mini, &["\"a\"", "\"b\"", "\"c\""]);
        assert_eq!(apply(mini, &[remove_element(&items, 2)]), "[\"a\",\"b\"]");
        assert_eq!(apply(mini, &[remove_element(&items, 0)]), "[\"b\",\"c\"]");
    }

    #[test]
    fn replace_keeps_layout() {
        let text = "[\r\n\t\t\"s3:Get*\",\r\n\t\t\"s3:List*\"\r\n]";
        let items = spans(text, &["\"s3:Get*\"", "\"s3:List*\""]);
        let e = replace_element(text, &items, 0, &["s3:A*".into(), "s3:B".into()]);
        assert_eq!(
            apply(text, &[e]),
            "[\r\n\t\t\"s3:A*\",\r\n\t\t\"s3:B\",\r\n\t\t\"s3:List*\"\r\n]"
        );
        let mini = "{\"Action\":[\"s3:Get*\",\"s3:List*\"]}";
        let items = spans(mini, &["\"s3:Get*\"", "\"s3:List*\""]);
        let e = replace_element(mini, &items, 0, &["s3:A*".into(), "s3:B".into()]);
        assert_eq!(
            apply(mini, &[e]),
            "{\"Action\":[\"s3:A*\",\"s3:B\",\"s3:List*\"]}"
        );
    }

    #[test]
    fn one_line_policies_stay_on_one_line() {
        // Minified with a final newline, one line with spaces, CRLF after a one-line policy.
        for (text, expected) in [
            (
                "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}}\n",
                "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:A*\",\"s3:B\"],\"Resource\":\"*\"}}\n",
            ),
            (
                "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:Get*\"}}\r\n",
                "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:A*\", \"s3:B\"]}}\r\n",
            ),
            (
                "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:Get*\"}\n  ]\n}\n",
                "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": [\"s3:A*\", \"s3:B\"]}\n  ]\n}\n",
            ),
        ] {
            let key = spans(text, &["\"Action\""])[0].clone();
            let val = spans(text, &["\"s3:Get*\""])[0].clone();
            let e = string_to_array(text, &key, &val, &["s3:A*".into(), "s3:B".into()]);
            assert_eq!(apply(text, &[e]), expected);
        }
        // A one-entry array in a minified file.
        let mini = "{\"Action\":[\"s3:Get*\"]}\n";
        let items = spans(mini, &["\"s3:Get*\""]);
        let e = replace_element(mini, &items, 0, &["s3:A*".into(), "s3:B".into()]);
        assert_eq!(apply(mini, &[e]), "{\"Action\":[\"s3:A*\",\"s3:B\"]}\n");
    }

    #[test]
    fn string_becomes_array() {
        let text = "{\n    \"Action\": \"s3:Get*\",\n    \"Resource\": \"*\"\n}\n";
        let key = spans(text, &["\"Action\""])[0].clone();
        let val = spans(text, &["\"s3:Get*\""])[0].clone();
        let e = string_to_array(text, &key, &val, &["s3:A*".into(), "s3:B".into()]);
        assert_eq!(
            apply(text, &[e]),
            "{\n    \"Action\": [\n        \"s3:A*\",\n        \"s3:B\"\n    ],\n    \"Resource\": \"*\"\n}\n"
        );
    }
}
