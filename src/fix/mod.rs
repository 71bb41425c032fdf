//! Fix application: edits on the current text, re-parse, repeat until nothing applies; then verify
//! the result against the original over the whole catalogue before anything is written.

pub(crate) mod verify;

use crate::diagnostic::Edit;

/// Applies non-overlapping edits (any order) to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in sorted {
        if e.span.start < pos {
            continue;
        }
        out.push_str(&text[pos..e.span.start]);
        out.push_str(&e.replacement);
        pos = e.span.end;
    }
    out.push_str(&text[pos..]);
    out
}
