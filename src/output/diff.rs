//! `--diff`: the fixes as a unified diff.

use super::escape;

/// The diff of `before` and `after`, their control characters (but line breaks and tabs) shown
/// as pictures, the path escaped: a diff quotes the file, and goes to a terminal or a CI log.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    let path = escape::line(path);
    similar::TextDiff::from_lines(&*escape::text(before).text, &*escape::text(after).text)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
