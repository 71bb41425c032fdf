//! The YAML adapter's edits: byte edits on the template's own text. An entry of a block sequence
//! is a line (`- s3:Get*`, its comment kept with it); a flow sequence (`[a, b]`, over one line or
//! several) is edited as the JSON adapter edits an array; new entries are quoted as the entry
//! they replace (plain where YAML lets them be); a scalar `Action: s3:Get*` that becomes several
//! entries becomes a block sequence indented as the file indents its sequences (a flow sequence
//! inside a flow mapping). Nothing inside a node that a YAML alias repeats is ever edited.

use super::PolicyEdit;
use super::json_edits::{line_ending, remove_element, replace_element_written};
use super::yaml::Yaml;
use crate::diagnostic::{Edit, Span};
use crate::policy::model::{Policy, Stmt};

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of `pos`'s line, before its line break.
fn line_end(text: &str, pos: usize) -> usize {
    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    if end > pos && text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    }
}

/// The end of `pos`'s line, after its line break.
fn next_line(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// The lines from `start`'s to `end`'s with the line break after them. The last line of a text
/// without a final newline goes with the line break before it: the text still ends as it did,
/// and nothing after the policy changes.
fn whole_lines(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let from = line_start(text, start);
    let to = next_line(text, end);
    if to == text.len() && !text.ends_with('\n') && from > 0 {
        let before = text[..from - 1]
            .strip_suffix('\r')
            .map_or(from - 1, str::len);
        return before..to;
    }
    from..to
}

/// What stands before an entry of a block sequence on its line (`    - `), when only that does.
fn dash_prefix(text: &str, pos: usize) -> Option<&str> {
    let prefix = &text[line_start(text, pos)..pos];
    let rest = prefix.trim_start_matches([' ', '\t']);
    let after = rest.strip_prefix('-')?;
    (!after.is_empty() && after.bytes().all(|b| b == b' ' || b == b'\t')).then_some(prefix)
}

/// Where the dash stands when an entry starts on the line after a dash alone (`-` then, indented
/// below it, `Effect: Allow`): only blanks before `pos` on its line, and only blanks, the dash and
/// a comment on the line before.
fn lone_dash_before(text: &str, pos: usize) -> Option<usize> {
    let start = line_start(text, pos);
    if start == 0 || !text[start..pos].bytes().all(|b| b == b' ' || b == b'\t') {
        return None;
    }
    let prev = line_start(text, start - 1);
    let line = text[prev..start].trim_end_matches(['\r', '\n']);
    let body = line.trim_start_matches([' ', '\t']);
    let after = body.strip_prefix('-')?;
    let after = after.trim_start_matches([' ', '\t']);
    (after.is_empty() || after.starts_with('#')).then_some(prev + (line.len() - body.len()))
}

/// Whether only blanks and a comment follow `pos` on its line.
fn rest_is_comment(text: &str, pos: usize) -> bool {
    let rest = text[pos..line_end(text, pos)].trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// Whether YAML reads `s` written plain as the string `s` (in a flow collection when `flow`).
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if s.ends_with([' ', '\t', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    if s.contains(['\n', '\r', '\t']) || s.chars().any(char::is_control) {
        return false;
    }
    // Not a value YAML would read as another type.
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) && s.parse::<f64>().is_err()
}

/// `s` written as `like` (an entry of the document) is written: in its quotes, or plain where it
/// is plain and YAML allows.
fn written_like(s: &str, like: &str, flow: bool) -> String {
    if like.starts_with('\'') {
        format!("'{}'", s.replace('\'', "''"))
    } else if like.starts_with('"') || !plain_ok(s, flow) {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    } else {
        s.to_string()
    }
}

/// How many columns deeper than its key this file puts a block sequence's dashes: `Key:` then
/// `  - x` is 2, an indentless `- x` under the key is 0. The first such pair in the file decides.
fn sequence_offset(text: &str) -> usize {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r')).peekable();
    while let Some(line) = lines.next() {
        let body = line.trim_start_matches(' ');
        let key_col = line.len() - body.len();
        // `Key:` alone (or `- Key:`), a comment at most after it.
        let body = body.split(" #").next().unwrap_or(body).trim_end();
        if !body.ends_with(':') || body.starts_with('#') {
            continue;
        }
        let key_col = match body.strip_prefix("- ") {
            Some(rest) => key_col + 2 + (rest.len() - rest.trim_start().len()),
            None => key_col,
        };
        let next = loop {
            match lines.peek() {
                Some(l) if l.trim().is_empty() || l.trim_start().starts_with('#') => {
                    lines.next();
                }
                other => break other.copied(),
            }
        };
        if let Some(next) = next {
            let nb = next.trim_start_matches(' ');
            let col = next.len() - nb.len();
            if nb.starts_with("- ") && col >= key_col {
                return col - key_col;
            }
        }
    }
    2
}

/// The column of `pos` (bytes since its line's start: indentation is ASCII).
fn column(text: &str, pos: usize) -> usize {
    pos - line_start(text, pos)
}

/// Whether only blanks and a comment, or nothing, are left of a line.
fn blank_or_comment(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// Removes entry `i` of a flow sequence. Laid out one entry a line, the entry goes with its line
/// (its comma and comment with it) and every other comment stays; the JSON way (up to the next
/// entry) would take the comment after the entry's comma with it. Where a comment would go, no
/// edit.
fn remove_flow_entry(text: &str, items: &[Span], i: usize) -> Option<Edit> {
    let span = &items[i];
    let own_line = text[line_start(text, span.start)..span.start]
        .bytes()
        .all(|b| b == b' ' || b == b'\t');
    if !own_line {
        let edit = remove_element(items, i);
        return (!text[edit.span.clone()].contains('#')).then_some(edit);
    }
    let rest = &text[span.end..line_end(text, span.end)];
    let after_comma = rest.trim_start_matches([' ', '\t']).strip_prefix(',');
    if let Some(after) = after_comma {
        // Followed by its comma (a last entry with a trailing comma too): its line goes.
        return blank_or_comment(after).then(|| Edit {
            span: whole_lines(text, span.start, span.end),
            replacement: String::new(),
        });
    }
    // The last entry: its line goes, and the comma of the entry before it.
    if i + 1 != items.len() || i == 0 || !blank_or_comment(rest) {
        return None;
    }
    let prev = &items[i - 1];
    let gap = &text[prev.end..];
    let comma = prev.end + (gap.len() - gap.trim_start_matches([' ', '\t']).len());
    if !text[comma..].starts_with(',') || comma >= line_start(text, span.start) {
        return None;
    }
    Some(Edit {
        span: comma..next_line(text, span.end),
        replacement: text[comma + 1..line_start(text, span.start)].to_string(),
    })
}

/// Replaces an entry of a flow sequence that stands on its own line with a comment after it, as
/// in a block sequence: the first replacement keeps the entry's line and comment, the others
/// follow on lines of their own. `None` where there is no such comment (the JSON way then).
fn replace_flow_line(text: &str, span: &Span, written: &[String]) -> Option<Edit> {
    let start = line_start(text, span.start);
    let indent = &text[start..span.start];
    if !indent.bytes().all(|b| b == b' ' || b == b'\t') {
        return None;
    }
    let end = line_end(text, span.end);
    let rest = &text[span.end..end];
    let after = rest.trim_start_matches([' ', '\t']);
    let (comma, comment) = match after.strip_prefix(',') {
        Some(c) => (true, c),
        None => (false, rest),
    };
    if !comment.trim_start_matches([' ', '\t']).starts_with('#') {
        return None;
    }
    let le = line_ending(text);
    let (first, others) = written.split_first()?;
    let mut replacement = format!("{first},{comment}");
    for (k, w) in others.iter().enumerate() {
        replacement.push_str(&format!("{le}{indent}{w}"));
        if comma || k + 1 < others.len() {
            replacement.push(',');
        }
    }
    Some(Edit {
        span: span.start..end,
        replacement,
    })
}

/// A scalar value becomes a list: `Key: [a, b]` in a flow collection, else a block sequence
/// under the key, one entry a line.
fn scalar_to_list(text: &str, y: &Yaml, stmt: &Stmt, all: &[String]) -> Option<Edit> {
    let key = stmt.action_key_span.as_ref()?;
    let value = stmt.action_value_span.as_ref()?;
    let like = &text[value.clone()];
    if y.in_flow(value) {
        let items: Vec<String> = all.iter().map(|s| written_like(s, like, true)).collect();
        return Some(Edit {
            span: value.clone(),
            replacement: format!("[{}]", items.join(", ")),
        });
    }
    // From the key's colon: `Action:` then the entries on lines of their own. A comment after
    // the value stays on the key's line: it spoke of the whole value, not of the last entry.
    let colon = key.end + text[key.end..value.start].find(':')?;
    let end = match line_end(text, value.end) {
        end if text[value.end..end]
            .trim_start_matches([' ', '\t'])
            .starts_with('#') =>
        {
            end
        }
        _ => value.end,
    };
    let le = line_ending(text);
    let indent = " ".repeat(column(text, key.start) + sequence_offset(text));
    let mut replacement = format!(":{}", &text[value.end..end]);
    for s in all {
        replacement.push_str(&format!("{le}{indent}- {}", written_like(s, like, false)));
    }
    Some(Edit {
        span: colon..end,
        replacement,
    })
}

pub(super) fn render(text: &str, y: &Yaml, policy: &Policy, edit: &PolicyEdit) -> Option<Edit> {
    let touches = |span: &Span| y.is_shared(span);
    match edit {
        PolicyEdit::RemoveEntry { statement, entry } => {
            let stmt = policy.statements.get(*statement)?;
            let span = stmt.pattern_spans.get(*entry)?;
            if touches(span) || stmt.action_is_string || stmt.pattern_spans.len() < 2 {
                return None;
            }
            if y.in_flow(span) {
                return remove_flow_entry(text, &stmt.pattern_spans, *entry);
            }
            // The entry's line, its comment with it.
            dash_prefix(text, span.start)?;
            rest_is_comment(text, span.end).then(|| Edit {
                span: whole_lines(text, span.start, span.end),
                replacement: String::new(),
            })
        }
        PolicyEdit::ReplaceEntry {
            statement,
            entry,
            with,
        } => {
            let stmt = policy.statements.get(*statement)?;
            let span = stmt.pattern_spans.get(*entry)?;
            if touches(span) || with.is_empty() {
                return None;
            }
            let like = &text[span.clone()];
            if with.len() == 1 {
                return Some(Edit {
                    span: span.clone(),
                    replacement: written_like(&with[0], like, y.in_flow(span)),
                });
            }
            if stmt.action_is_string {
                return scalar_to_list(text, y, stmt, with);
            }
            if y.in_flow(span) {
                let written: Vec<String> =
                    with.iter().map(|s| written_like(s, like, true)).collect();
                if let Some(edit) = replace_flow_line(text, span, &written) {
                    return Some(edit);
                }
                return Some(replace_element_written(
                    text,
                    &stmt.pattern_spans,
                    *entry,
                    written,
                ));
            }
            // The first replacement where the entry was (its comment after it), the others on
            // lines of their own below.
            let prefix = dash_prefix(text, span.start)?;
            if !rest_is_comment(text, span.end) {
                return None;
            }
            let end = line_end(text, span.end);
            let le = line_ending(text);
            let mut replacement = written_like(&with[0], like, false);
            replacement.push_str(&text[span.end..end]);
            for s in &with[1..] {
                replacement.push_str(&format!("{le}{prefix}{}", written_like(s, like, false)));
            }
            Some(Edit {
                span: span.start..end,
                replacement,
            })
        }
        PolicyEdit::AppendNotAction { statement, with } => {
            let stmt = policy.statements.get(*statement)?;
            let value = stmt.action_value_span.as_ref()?;
            if touches(value) || with.is_empty() {
                return None;
            }
            if stmt.action_is_string {
                let mut all: Vec<String> = stmt.patterns.iter().map(|p| p.text.clone()).collect();
                all.extend(with.iter().cloned());
                return scalar_to_list(text, y, stmt, &all);
            }
            let last = stmt.pattern_spans.last()?;
            let like = &text[last.clone()];
            if y.in_flow(last) {
                let mut written = vec![like.to_string()];
                written.extend(with.iter().map(|s| written_like(s, like, true)));
                return Some(replace_element_written(
                    text,
                    &stmt.pattern_spans,
                    stmt.pattern_spans.len() - 1,
                    written,
                ));
            }
            let prefix = dash_prefix(text, last.start)?;
            if !rest_is_comment(text, last.end) {
                return None;
            }
            let end = line_end(text, last.end);
            let le = line_ending(text);
            let replacement = with
                .iter()
                .map(|s| format!("{le}{prefix}{}", written_like(s, like, false)))
                .collect();
            Some(Edit {
                span: end..end,
                replacement,
            })
        }
        PolicyEdit::RemoveStatement { statement } => {
            if !policy.statement_is_array || policy.statements.len() < 2 {
                return None;
            }
            let stmt = policy.statements.get(*statement)?;
            // Nothing another node repeats goes with it (an anchor inside it, or it inside one).
            if touches(&stmt.span) {
                return None;
            }
            if y.in_flow(&stmt.span) {
                let near: Vec<Span> = (statement.saturating_sub(1)..=*statement + 1)
                    .filter(|i| *i < policy.statements.len())
                    .map(|i| policy.statements[i].span.clone())
                    .collect();
                return Some(remove_element(&near, usize::from(*statement > 0)));
            }
            if !rest_is_comment(text, stmt.span.end) {
                return None;
            }
            // `- Effect: ...`, or a dash alone on the line before the statement's first key.
            let from = match dash_prefix(text, stmt.span.start) {
                Some(_) => stmt.span.start,
                None => lone_dash_before(text, stmt.span.start)?,
            };
            Some(Edit {
                span: whole_lines(text, from, stmt.span.end),
                replacement: String::new(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_where_yaml_reads_it_back() {
        assert!(plain_ok("s3:GetObject*", false));
        assert!(!plain_ok("*", false));
        assert!(!plain_ok("true", false));
        assert!(!plain_ok("1e3", false));
        assert!(!plain_ok("a,b", true));
        assert!(plain_ok("a,b", false));
        assert_eq!(written_like("s3:Get*", "'x'", false), "'s3:Get*'");
        assert_eq!(written_like("it's", "'x'", false), "'it''s'");
        assert_eq!(written_like("s3:Get*", "\"x\"", false), "\"s3:Get*\"");
        assert_eq!(written_like("*", "x", false), "\"*\"");
    }

    /// `text` after `edit` of its first policy.
    fn edited(text: &str, edit: &PolicyEdit) -> String {
        let super::super::Read::Document(d) =
            super::super::read(text, super::super::Expect::Detect)
        else {
            panic!("not a document");
        };
        let e = d.render(&d.policies[0], edit).expect("an edit");
        let mut out = text.to_string();
        out.replace_range(e.span.clone(), &e.replacement);
        out
    }

    #[test]
    fn a_comment_after_a_scalar_stays_on_the_key_line() {
        let text = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: s3:Get*  # reads\n                Resource: '*'\n";
        let with = vec!["s3:GetA*".to_string(), "s3:GetB".to_string()];
        let replace = PolicyEdit::ReplaceEntry {
            statement: 0,
            entry: 0,
            with: with.clone(),
        };
        let want = "Action:  # reads\n                  - s3:GetA*\n                  - s3:GetB\n                Resource";
        assert!(
            edited(text, &replace).contains(want),
            "{}",
            edited(text, &replace)
        );
        let no_comment = text.replace("  # reads", "");
        let want = "Action:\n                  - s3:GetA*\n                  - s3:GetB\n                Resource";
        assert!(edited(&no_comment, &replace).contains(want));
        let append = PolicyEdit::AppendNotAction {
            statement: 0,
            with: vec!["s3:GetA*".to_string()],
        };
        let want = "Action:  # reads\n                  - s3:Get*\n                  - s3:GetA*\n";
        assert!(
            edited(text, &append).contains(want),
            "{}",
            edited(text, &append)
        );
    }

    #[test]
    fn flow_entries_on_their_own_lines_go_with_their_line_and_comment_only() {
        let head = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Resource: '*'\n                Action: [\n";
        let text = format!(
            "{head}                  a:A, # one\n                  # about b\n                  b:B, # two\n                  c:C # three\n                ]\n"
        );
        let remove = |entry| PolicyEdit::RemoveEntry {
            statement: 0,
            entry,
        };
        let body = |t: String| t[head.len()..].to_string();
        assert_eq!(
            body(edited(&text, &remove(0))),
            "                  # about b\n                  b:B, # two\n                  c:C # three\n                ]\n"
        );
        assert_eq!(
            body(edited(&text, &remove(1))),
            "                  a:A, # one\n                  # about b\n                  c:C # three\n                ]\n"
        );
        assert_eq!(
            body(edited(&text, &remove(2))),
            "                  a:A, # one\n                  # about b\n                  b:B # two\n                ]\n"
        );
        // With a trailing comma, the last one's line goes and the comma before it stays.
        let trailing = text.replace("c:C # three", "c:C, # three");
        assert_eq!(
            body(edited(&trailing, &remove(2))),
            "                  a:A, # one\n                  # about b\n                  b:B, # two\n                ]\n"
        );
        // A one-line flow sequence as before; the closing bracket on the last entry's line and a
        // comment in the way: no edit.
        let one_line = format!("{}[a:A, b:B]\n", &head[..head.len() - 2]);
        assert!(edited(&one_line, &remove(1)).ends_with("Action: [a:A]\n"));
        let closed = text.replace("c:C # three\n                ]", "c:C ]");
        let super::super::Read::Document(d) =
            super::super::read(&closed, super::super::Expect::Detect)
        else {
            panic!("not a document");
        };
        assert_eq!(d.render(&d.policies[0], &remove(2)), None);
    }

    #[test]
    fn flow_entries_replaced_keep_their_comment_on_the_first() {
        let head = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Resource: '*'\n                Action: [\n";
        let text = format!(
            "{head}                  a:A,  # one\n                  b:B # two\n                ]\n"
        );
        let replace = |entry| PolicyEdit::ReplaceEntry {
            statement: 0,
            entry,
            with: vec!["x:X".to_string(), "y:Y".to_string()],
        };
        let body = |t: String| t[head.len()..].to_string();
        assert_eq!(
            body(edited(&text, &replace(0))),
            "                  x:X,  # one\n                  y:Y,\n                  b:B # two\n                ]\n"
        );
        assert_eq!(
            body(edited(&text, &replace(1))),
            "                  a:A,  # one\n                  x:X, # two\n                  y:Y\n                ]\n"
        );
    }

    #[test]
    fn the_last_line_of_a_text_without_a_final_newline() {
        let head = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Resource: '*'\n                Action:\n                  - a:A\n";
        let remove = PolicyEdit::RemoveEntry {
            statement: 0,
            entry: 1,
        };
        for le in ["\n", "\r\n"] {
            let text = format!("{head}                  - b:B  # c").replace('\n', le);
            let want = head.strip_suffix('\n').unwrap_or(head).replace('\n', le);
            assert_eq!(edited(&text, &remove), want);
            // With a final newline, as before.
            let text = format!("{text}{le}");
            assert_eq!(edited(&text, &remove), head.replace('\n', le));
        }
        let two = format!("{head}              - Effect: Allow\n                Action: b:B");
        let drop = PolicyEdit::RemoveStatement { statement: 1 };
        assert_eq!(edited(&two, &drop), head.strip_suffix('\n').unwrap_or(head));
    }

    #[test]
    fn a_dash_alone_on_its_line_goes_with_its_statement() {
        let text = "S:\n  -\n    Effect: Allow\n    Action: a:B\n  - # two\n    Effect: Deny\n";
        assert_eq!(
            lone_dash_before(text, text.find("Effect: Allow").unwrap()),
            Some(5)
        );
        assert_eq!(
            lone_dash_before(text, text.find("Effect: Deny").unwrap()),
            Some(43)
        );
        assert_eq!(lone_dash_before(text, text.find("Action").unwrap()), None);
    }

    #[test]
    fn sequences_indented_as_the_file_does() {
        assert_eq!(sequence_offset("A:\n  - x\n"), 2);
        assert_eq!(sequence_offset("A:\n- x\n"), 0);
        assert_eq!(sequence_offset("- A:\n    - x\n"), 2);
        assert_eq!(sequence_offset("A:  # c\n\n    # c\n    - x\n"), 4);
        assert_eq!(sequence_offset("A: b\n"), 2);
    }
}
