//! The file text miette draws snippets from, with its line starts indexed: miette's own
//! `SourceCode` for text scans from the start of the file for every label, so a file with 10,000
//! findings took quadratic time. Here each snippet is cut from a window of the lines around its
//! span, and miette's reading of that window is shifted back to file offsets and lines.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

#[derive(Debug)]
pub(super) struct IndexedSource {
    text: String,
    /// Where each line starts, lines ending as miette ends them: `\n`, `\r\n` or a lone `\r`.
    starts: Vec<usize>,
}

impl IndexedSource {
    pub(super) fn new(text: String) -> IndexedSource {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        IndexedSource { text, starts }
    }

    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let bytes = self.text.as_bytes();
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > bytes.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_of(start);
        let last = self.line_of(end.saturating_sub(1).max(start));
        // A line more than miette shows before the span: its arithmetic differs for an empty
        // span at the very start of what it reads.
        let window_line = first.saturating_sub(context_lines_before + 1);
        let window_start = self.starts[window_line];
        // Two lines more than miette reads after the span, so its scan ends inside the window
        // exactly where it would in the whole text.
        let window_end = self
            .starts
            .get(last + context_lines_after + 2)
            .copied()
            .unwrap_or(bytes.len());
        let window = &bytes[window_start..window_end];
        let shifted = SourceSpan::new((start - window_start).into(), span.len());
        let c = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            c.data(),
            SourceSpan::new((c.span().offset() + window_start).into(), c.span().len()),
            c.line() + window_line,
            c.column(),
            c.line_count() + window_line,
        )))
    }
}

/// Lines longer than this are cut around a finding's span (a minified policy is one line).
pub(super) const LONG_LINE: usize = 240;

/// What miette draws left of a snippet's text (line number, bar, margins), at most.
const GUTTER: usize = 12;

/// How much of a long line is shown on each side of the span.
const CUT_CONTEXT: usize = 60;

/// A finding on a long line is drawn from an excerpt of that line, `…` at each cut end: the
/// snippet stays a few dozen characters whatever the line's length (drawing the whole line for
/// each of 30,000 findings was quadratic, and miette cannot pad past 65,535 columns).
#[derive(Debug)]
pub(super) struct Excerpt {
    name: String,
    text: String,
    /// The real (0-based) line, and the byte column the excerpt's first byte stands for.
    line: usize,
    column_shift: isize,
}

impl IndexedSource {
    /// For a span on a line longer than [`LONG_LINE`]: an excerpt of the line and the span in it.
    /// `width`: the terminal's, when the report wraps: a line that does not fit beside miette's
    /// gutter is cut too, around the span, to fit.
    pub(super) fn excerpt(
        &self,
        name: &str,
        span: &std::ops::Range<usize>,
        width: Option<usize>,
    ) -> Option<(Excerpt, std::ops::Range<usize>)> {
        let text = &self.text;
        let line = self.line_of(span.start);
        let line_start = self.starts[line];
        let line_end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        // Room for the text: the width less miette's gutter (`  12 │ `) and margins.
        let room = width.map_or(LONG_LINE, |w| w.saturating_sub(GUTTER).clamp(24, LONG_LINE));
        // Bytes first: counting the characters of a megabyte line per finding would be quadratic.
        let bytes = line_end - line_start;
        let fits = bytes <= room
            || (bytes <= 4 * room && text[line_start..line_end].trim_end().chars().count() <= room);
        if fits || span.end > text.len() {
            return None;
        }
        let context = if width.is_some() {
            room.saturating_sub((span.end - span.start).min(room) + 2) / 2
        } else {
            CUT_CONTEXT
        };
        let floor = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        // The span itself, at most LONG_LINE bytes of it, and on its first line only.
        let shown_end = span.end.min(line_end).min(span.start + LONG_LINE);
        let shown_end = floor(shown_end.max(span.start));
        let from = floor(span.start.saturating_sub(context).max(line_start));
        let to = ceil((shown_end + context).min(line_end));
        let body = text[from..to].trim_end_matches(['\r', '\n']);
        let lead = if from > line_start { "…" } else { "" };
        let tail = if from + body.len() < line_end && to < line_end {
            "…"
        } else {
            ""
        };
        let excerpt = format!("{lead}{body}{tail}");
        let at = span.start - from + lead.len();
        let len = shown_end - span.start;
        Some((
            Excerpt {
                name: name.to_string(),
                text: excerpt,
                line,
                column_shift: (from - line_start) as isize - lead.len() as isize,
            },
            at..at + len,
        ))
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self
            .text
            .as_bytes()
            .read_span(span, context_lines_before, context_lines_after)?;
        // The header's column: where the span starts on the real line.
        let column = (c.column() as isize + self.column_shift).max(0) as usize;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            *c.span(),
            c.line() + self.line,
            column,
            c.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!(
            "{{\"Action\":[{}\"s3:Get*\",{}]}}\n",
            "\"é:x\",".repeat(100),
            "\"a:b\",".repeat(100)
        );
        let src = IndexedSource::new(line.clone());
        let at = line.find("\"s3:Get*\"").unwrap();
        let (ex, span) = src.excerpt("p.json", &(at..at + 9), None).unwrap();
        assert_eq!(&ex.text[span.clone()], "\"s3:Get*\"");
        assert!(
            ex.text.starts_with('…') && ex.text.ends_with('…'),
            "{}",
            ex.text
        );
        assert!(ex.text.len() < 2 * CUT_CONTEXT + 20);
        let c = ex
            .read_span(&SourceSpan::new(span.start.into(), span.len()), 0, 0)
            .unwrap();
        assert_eq!((c.line(), c.column()), (0, at));
        // Short lines are drawn whole.
        let short = IndexedSource::new("{\"Action\": \"s3:Get*\"}".into());
        assert!(short.excerpt("p.json", &(11..20), None).is_none());
        // A span at the end of a long last line with no newline.
        let tail = format!("{}x", "a".repeat(500));
        let src = IndexedSource::new(tail.clone());
        let (ex, span) = src.excerpt("p.json", &(500..501), None).unwrap();
        assert_eq!(&ex.text[span], "x");
    }

    /// Same snippets as miette's own reading of the whole text, for every span of a few texts.
    #[test]
    fn agrees_with_miettes_reading() {
        let texts = [
            "{\n  \"a\": [\n    \"x\",\n    \"y\"\n  ],\n  \"b\": 1\n}\n",
            "{\r\n\t\"a\": \"x\",\r\n\t\"b\": [\"y\", \"z\"]\r\n}",
            "one line only",
            "\n\n\nx\n\n\ny\n",
            "a\rb\r\nc\nd",
        ];
        for text in texts {
            let ours = IndexedSource::new(text.to_string());
            for start in 0..=text.len() {
                for end in start..=text.len() {
                    for ctx in [0, 1, 2] {
                        let span = SourceSpan::new(start.into(), end - start);
                        let theirs = text.as_bytes().read_span(&span, ctx, ctx);
                        let mine = ours.read_span(&span, ctx, ctx);
                        match (theirs, mine) {
                            (Ok(t), Ok(m)) => {
                                assert_eq!(t.data(), m.data(), "{text:?} {start}..{end} ctx {ctx}");
                                assert_eq!(t.span(), m.span());
                                assert_eq!((t.line(), t.column()), (m.line(), m.column()));
                            }
                            (Err(_), Err(_)) => {}
                            (t, m) => panic!(
                                "{text:?} {start}..{end} ctx {ctx}: {:?} vs {:?}",
                                t.is_ok(),
                                m.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }
}
