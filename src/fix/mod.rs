//! Fix application: edits on the current text, re-parse, repeat until nothing applies; then verify
//! the result against the original over the whole catalogue before anything is written.

pub(crate) mod verify;

use crate::diagnostic::Edit;
use std::collections::BTreeMap;

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

/// The spans a fix pass has taken, sorted and disjoint: overlap tests in logarithmic time, so a
/// pass over a list of 30,000 entries stays linear (the fix loop, and the size quota's
/// "every fix at once").
#[derive(Default)]
pub(crate) struct Taken(BTreeMap<usize, usize>);

impl Taken {
    pub(crate) fn overlaps(&self, s: &std::ops::Range<usize>) -> bool {
        // The last span starting at or before `s.start`, and the first starting after it.
        let before = self.0.range(..=s.start).next_back();
        let after = self.0.range(s.start + 1..).next();
        let hit = |(&a, &b): (&usize, &usize)| a == s.start || (a < s.end && s.start < b);
        before.is_some_and(hit) || after.is_some_and(hit)
    }

    pub(crate) fn insert(&mut self, s: std::ops::Range<usize>) {
        self.0.insert(s.start, s.end);
    }

    /// Whether one taken span holds all of `s`.
    pub(crate) fn covers(&self, s: &std::ops::Range<usize>) -> bool {
        self.0
            .range(..=s.start)
            .next_back()
            .is_some_and(|(_, &end)| end >= s.end)
    }
}
