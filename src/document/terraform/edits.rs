//! The Terraform adapter's edits, as byte edits on the file's own text. An entry of a list laid
//! out one a line goes with its line (its comment with it; a last entry without a trailing comma
//! takes the comma before it); entries on one line go as the JSON adapter removes them; new
//! entries are HCL strings laid out as the list lays out its entries. A `statement { }` block
//! goes with its lines (and one blank line beside it). Heredoc JSON is edited as a JSON file is:
//! the new lines take their neighbours' indentation, so `<<-` bodies keep theirs.

use super::Style;
use crate::diagnostic::{Edit, Span};
use crate::document::PolicyEdit;
use crate::document::json_edits::{remove_element, replace_element_written, string_to_array};
use crate::policy::model::Policy;

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The start of the line after `pos`'s (the text's end on its last line).
fn next_line(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

fn first_on_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
}

fn skip_blanks(text: &str, pos: usize) -> usize {
    pos + (text[pos..].len() - text[pos..].trim_start_matches([' ', '\t']).len())
}

/// `pos` past blanks and the `/* */` comments that close on its line.
fn skip_blanks_and_comments(text: &str, pos: usize) -> usize {
    let mut pos = skip_blanks(text, pos);
    while text[pos..].starts_with("/*") {
        match text[pos..].find("*/") {
            Some(end) if !text[pos..pos + end].contains('\n') => {
                pos = skip_blanks(text, pos + end + 2);
            }
            _ => break,
        }
    }
    pos
}

/// Whether only blanks and `/* */` comments come before `pos` on its line: an entry that has
/// its line to itself (`/* write */ "lambda:CreateFunction",`).
fn alone_on_line(text: &str, pos: usize) -> bool {
    skip_blanks_and_comments(text, line_start(text, pos)) == pos
}

/// Whether only a line break (or the end), or a line comment, follows `pos` on its line.
fn rest_is_comment(text: &str, pos: usize) -> bool {
    let rest = &text[pos..];
    rest.is_empty()
        || rest.starts_with(['\n', '#'])
        || rest.starts_with("\r\n")
        || rest.starts_with("//")
}

/// The line `[start, next_line)` holds only blanks.
fn blank_line(text: &str, start: usize) -> bool {
    start < text.len()
        && text[start..next_line(text, start)]
            .bytes()
            .all(|b| b.is_ascii_whitespace())
}

/// `s` as an HCL string literal; `None` for what no action holds (a control character).
pub(super) fn hcl_quote(s: &str) -> Option<String> {
    if s.chars().any(char::is_control) {
        return None;
    }
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{");
    Some(format!("\"{escaped}\""))
}

/// Replaces entry `i` of a list with entries already written, laid out as the list lays out
/// its entries (a lone entry on its line: `", "`, as `terraform fmt` writes lists).
fn replace_item(text: &str, items: &[Span], i: usize, written: Vec<String>) -> Edit {
    if items.len() == 1 && !first_on_line(text, items[0].start) {
        return Edit {
            span: items[0].clone(),
            replacement: written.join(", "),
        };
    }
    replace_element_written(text, items, i, written)
}

/// A string value that becomes a list: one entry a line where its key has a line of its own,
/// else on one line, `", "` between entries.
fn string_to_list(text: &str, key: &Span, value: &Span, with: &[String]) -> Option<Edit> {
    if first_on_line(text, key.start) {
        return Some(string_to_array(text, key, value, with));
    }
    let written = with
        .iter()
        .map(|s| hcl_quote(s))
        .collect::<Option<Vec<_>>>()?;
    Some(Edit {
        span: value.clone(),
        replacement: format!("[{}]", written.join(", ")),
    })
}

/// Removes entry `i` of a list (or tuple) whose entry spans are `items`.
fn remove_item(text: &str, items: &[Span], i: usize) -> Edit {
    let span = items[i].clone();
    if alone_on_line(text, span.start) {
        let after = skip_blanks_and_comments(text, span.end);
        let comma = text[after..].starts_with(',');
        let rest = if comma {
            skip_blanks_and_comments(text, after + 1)
        } else {
            after
        };
        if rest_is_comment(text, rest) {
            if !comma && i + 1 == items.len() && i > 0 {
                // The last entry, without a trailing comma: the comma before it goes, the
                // previous entry's comment stays.
                let prev = items[i - 1].end;
                let c = skip_blanks_and_comments(text, prev);
                if text[c..].starts_with(',') {
                    return Edit {
                        span: prev..next_line(text, span.end),
                        replacement: text[c + 1..line_start(text, span.start)].to_string(),
                    };
                }
            }
            return Edit {
                span: line_start(text, span.start)..next_line(text, span.end),
                replacement: String::new(),
            };
        }
    } else if i > 0 && !text[items[i - 1].end..span.start].contains('\n') {
        // The last entry of a line that holds others (`"a", "b",` and more lines): from the
        // end of the one before it, so that the next line stays where it is.
        let after = skip_blanks_and_comments(text, span.end);
        let rest = if text[after..].starts_with(',') {
            skip_blanks_and_comments(text, after + 1)
        } else {
            after
        };
        if rest_is_comment(text, rest) {
            return Edit {
                span: items[i - 1].end..span.end,
                replacement: String::new(),
            };
        }
    }
    remove_element(items, i)
}

/// Removes a `statement { }` block that has its lines to itself, and one blank line beside it
/// where it stood between blank lines (or between a blank line and the end of its document).
fn remove_block(text: &str, span: &Span) -> Option<Edit> {
    let after = skip_blanks(text, span.end);
    if !first_on_line(text, span.start) || !rest_is_comment(text, after) {
        return None;
    }
    let mut start = line_start(text, span.start);
    let mut end = next_line(text, span.end);
    let before = (start > 0).then(|| line_start(text, start - 1));
    let before_blank = before.is_some_and(|b| blank_line(text, b));
    let before_opener = before.is_some_and(|b| text[b..start].trim_end().ends_with('{'));
    let next_closer = text[end..].trim_start_matches([' ', '\t']).starts_with('}');
    if blank_line(text, end) && (before_blank || before_opener) {
        end = next_line(text, end);
    } else if before_blank && next_closer {
        start = before.unwrap_or(start);
    }
    Some(Edit {
        span: start..end,
        replacement: String::new(),
    })
}

pub(super) fn render(text: &str, style: Style, policy: &Policy, edit: &PolicyEdit) -> Option<Edit> {
    match style {
        Style::Heredoc | Style::Json => return crate::document::json::render(text, policy, edit),
        // An edit inside a JSON string would have to be escaped in turn: reported, not fixed.
        Style::Escaped => return None,
        Style::Document | Style::JsonEncode => {}
    }
    let quoted = |with: &[String]| {
        with.iter()
            .map(|s| hcl_quote(s))
            .collect::<Option<Vec<_>>>()
    };
    match edit {
        PolicyEdit::RemoveEntry { statement, entry } => {
            let stmt = policy.statements.get(*statement)?;
            if stmt.action_is_string || stmt.pattern_spans.len() < 2 {
                return None;
            }
            (*entry < stmt.pattern_spans.len())
                .then(|| remove_item(text, &stmt.pattern_spans, *entry))
        }
        PolicyEdit::ReplaceEntry {
            statement,
            entry,
            with,
        } => {
            let stmt = policy.statements.get(*statement)?;
            let span = stmt.pattern_spans.get(*entry)?;
            let written = quoted(with)?;
            match (written.len(), stmt.action_is_string, &stmt.action_key_span) {
                (0, _, _) => None,
                (1, _, _) => Some(Edit {
                    span: span.clone(),
                    replacement: written[0].clone(),
                }),
                (_, true, Some(key)) => string_to_list(text, key, span, with),
                (_, true, None) => None,
                _ => Some(replace_item(text, &stmt.pattern_spans, *entry, written)),
            }
        }
        PolicyEdit::AppendNotAction { statement, with } => {
            let stmt = policy.statements.get(*statement)?;
            let mut written = quoted(with)?;
            if written.is_empty() {
                return None;
            }
            if stmt.action_is_string {
                let key = stmt.action_key_span.as_ref()?;
                let value = stmt.action_value_span.as_ref()?;
                let mut all: Vec<String> = stmt.patterns.iter().map(|p| p.text.clone()).collect();
                all.extend(with.iter().cloned());
                return string_to_list(text, key, value, &all);
            }
            let last = stmt.pattern_spans.len().checked_sub(1)?;
            written.insert(0, text[stmt.pattern_spans[last].clone()].to_string());
            Some(replace_item(text, &stmt.pattern_spans, last, written))
        }
        PolicyEdit::RemoveStatement { statement } => {
            if !policy.statement_is_array || policy.statements.len() < 2 {
                return None;
            }
            let stmt = policy.statements.get(*statement)?;
            match style {
                Style::Document => remove_block(text, &stmt.span),
                _ => {
                    let near: Vec<Span> = (statement.saturating_sub(1)..=*statement + 1)
                        .filter(|i| *i < policy.statements.len())
                        .map(|i| policy.statements[i].span.clone())
                        .collect();
                    Some(remove_item(text, &near, usize::from(*statement > 0)))
                }
            }
        }
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
    fn quoting() {
        assert_eq!(hcl_quote("s3:Get*").as_deref(), Some("\"s3:Get*\""));
        assert_eq!(hcl_quote("a${b}\"").as_deref(), Some("\"a$${b}\\\"\""));
        assert_eq!(hcl_quote("a\nb"), None);
    }

    #[test]
    fn an_entry_goes_with_its_line_and_comment() {
        let text = "x = [\n  \"a\", # A\n  \"b\", # B\n  \"c\" # C\n]\n";
        let items = spans(text, &["\"a\"", "\"b\"", "\"c\""]);
        assert_eq!(
            apply(text, &[remove_item(text, &items, 0)]),
            "x = [\n  \"b\", # B\n  \"c\" # C\n]\n"
        );
        assert_eq!(
            apply(text, &[remove_item(text, &items, 1)]),
            "x = [\n  \"a\", # A\n  \"c\" # C\n]\n"
        );
        // The last one without a trailing comma: the comma before it goes.
        assert_eq!(
            apply(text, &[remove_item(text, &items, 2)]),
            "x = [\n  \"a\", # A\n  \"b\" # B\n]\n"
        );
        let trailing = "x = [\r\n  \"a\",\r\n  \"b\",\r\n]\r\n";
        let items = spans(trailing, &["\"a\"", "\"b\""]);
        assert_eq!(
            apply(trailing, &[remove_item(trailing, &items, 1)]),
            "x = [\r\n  \"a\",\r\n]\r\n"
        );
        let inline = "x = [\"a\", \"b\", \"c\"]\n";
        let items = spans(inline, &["\"a\"", "\"b\"", "\"c\""]);
        assert_eq!(
            apply(inline, &[remove_item(inline, &items, 2)]),
            "x = [\"a\", \"b\"]\n"
        );
        assert_eq!(
            apply(inline, &[remove_item(inline, &items, 0)]),
            "x = [\"b\", \"c\"]\n"
        );
    }

    #[test]
    fn block_comments_stay_with_their_entries() {
        // An entry after a block comment has its line to itself: the line goes, and the block
        // comment after the entry before it stays.
        let text = "x = [\n  \"a\", /* kept */\n  /* w */ \"b\", # B\n  \"c\" /* C */\n]\n";
        let items = spans(text, &["\"a\"", "\"b\"", "\"c\""]);
        assert_eq!(
            apply(text, &[remove_item(text, &items, 1)]),
            "x = [\n  \"a\", /* kept */\n  \"c\" /* C */\n]\n"
        );
        // The last one, its block comment with it; the comma before it goes, the comment
        // after that comma stays.
        assert_eq!(
            apply(text, &[remove_item(text, &items, 2)]),
            "x = [\n  \"a\", /* kept */\n  /* w */ \"b\" # B\n]\n"
        );
        // A block comment that does not close on its line is not skipped over: the entry goes
        // as entries that share their line do.
        let open = "x = [\n  \"a\",\n  /* w\n  */ \"b\",\n]\n";
        let items = spans(open, &["\"a\"", "\"b\""]);
        assert_eq!(
            apply(open, &[remove_item(open, &items, 1)]),
            "x = [\n  \"a\",\n]\n"
        );
    }

    #[test]
    fn two_entries_a_line_keep_their_lines() {
        let text = "x = [\n  \"a\", \"b\",\n  \"c\", \"d\" # D\n]\n";
        let items = spans(text, &["\"a\"", "\"b\"", "\"c\"", "\"d\""]);
        // The last of its line: the next line stays (it used to move up beside "a").
        assert_eq!(
            apply(text, &[remove_item(text, &items, 1)]),
            "x = [\n  \"a\",\n  \"c\", \"d\" # D\n]\n"
        );
        assert_eq!(
            apply(text, &[remove_item(text, &items, 3)]),
            "x = [\n  \"a\", \"b\",\n  \"c\" # D\n]\n"
        );
        // The first of its line goes with the blank after its comma.
        assert_eq!(
            apply(text, &[remove_item(text, &items, 2)]),
            "x = [\n  \"a\", \"b\",\n  \"d\" # D\n]\n"
        );
    }

    #[test]
    fn a_lone_entry_becomes_several_in_terraform_fmt_spacing() {
        let w = |v: &[&str]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>();
        let text = "actions = [\"s3:Get*\"]\n";
        let items = spans(text, &["\"s3:Get*\""]);
        let e = replace_item(text, &items, 0, w(&["s3:A*", "s3:B"]));
        assert_eq!(apply(text, &[e]), "actions = [\"s3:A*\", \"s3:B\"]\n");
        let text = "actions = [\n  \"s3:Get*\",\n]\n";
        let items = spans(text, &["\"s3:Get*\""]);
        let e = replace_item(text, &items, 0, w(&["s3:A*", "s3:B"]));
        assert_eq!(
            apply(text, &[e]),
            "actions = [\n  \"s3:A*\",\n  \"s3:B\",\n]\n"
        );
    }

    #[test]
    fn a_block_goes_with_its_lines_and_one_blank_line() {
        let text = "data \"a\" \"b\" {\n  statement {\n    x = 1\n  }\n\n  statement {\n    y = 2\n  }\n\n  statement {\n    z = 3\n  }\n}\n";
        let block = |n: &str| {
            let i = text.find(n).unwrap();
            let start = text[..i].rfind("statement").unwrap();
            start..i + text[i..].find('}').unwrap() + 1
        };
        let first = remove_block(text, &block("x = 1")).unwrap();
        assert_eq!(
            apply(text, &[first]),
            "data \"a\" \"b\" {\n  statement {\n    y = 2\n  }\n\n  statement {\n    z = 3\n  }\n}\n"
        );
        let middle = remove_block(text, &block("y = 2")).unwrap();
        assert_eq!(
            apply(text, &[middle]),
            "data \"a\" \"b\" {\n  statement {\n    x = 1\n  }\n\n  statement {\n    z = 3\n  }\n}\n"
        );
        let last = remove_block(text, &block("z = 3")).unwrap();
        assert_eq!(
            apply(text, &[last]),
            "data \"a\" \"b\" {\n  statement {\n    x = 1\n  }\n\n  statement {\n    y = 2\n  }\n}\n"
        );
        let shared = "d { statement { x = 1 } }\n";
        assert!(remove_block(shared, &(4..23)).is_none());
    }
}
