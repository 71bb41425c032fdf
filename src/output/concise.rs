//! `--format concise` (one line per finding, as ruff's concise output) and `--statistics` (a
//! count per rule).

use super::escape;
use super::position::LineIndex;
use super::report::CheckReport;
use crate::diagnostic::{Applicability, Finding};

/// Whether a fix applies at the run's fix level (`--fix`, or `--unsafe-fixes` too).
fn fixable(f: &Finding, min: Applicability) -> bool {
    f.fix
        .as_ref()
        .is_some_and(|x| x.applicability >= min && !x.edits.is_empty())
}

/// `path:line:col: rule message`, and ` [*]` when a fix applies at `min`; input's control
/// characters escaped.
pub fn render(report: &CheckReport, min: Applicability, write: &mut dyn FnMut(&str)) {
    for file in &report.files {
        if file.findings.is_empty() {
            continue;
        }
        let index = LineIndex::new(&file.text);
        let path = escape::line(&file.path);
        let mut out = String::new();
        for f in &file.findings {
            let (line, col) = index.position(&file.text, f.span.start);
            out.push_str(&format!(
                "{path}:{line}:{col}: {} {}{}\n",
                f.rule,
                escape::line(&f.message),
                if fixable(f, min) { " [*]" } else { "" }
            ));
        }
        write(&out);
    }
}

/// Findings per rule, most first, with how many a fix applies to at `min`:
/// `   8  unused-action       [*] 8 fixable`.
pub fn statistics(report: &CheckReport, min: Applicability) -> String {
    let mut counts: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for f in report.files.iter().flat_map(|f| &f.findings) {
        let c = counts.entry(f.rule).or_default();
        c.0 += 1;
        c.1 += usize::from(fixable(f, min));
    }
    let mut rows: Vec<(&str, usize, usize)> =
        counts.into_iter().map(|(r, (n, x))| (r, n, x)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let count_width = rows
        .iter()
        .map(|r| r.1.to_string().len())
        .max()
        .unwrap_or(0)
        .max(4);
    let rule_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (rule, n, fix) in rows {
        let line = if fix > 0 {
            format!("{n:>count_width$}  {rule:<rule_width$}  [*] {fix} fixable")
        } else {
            format!("{n:>count_width$}  {rule}")
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}
