//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use super::FatalAt;
use super::escape;
use super::position::LineIndex;
use super::report::CheckReport;
use crate::diagnostic::Severity;

/// Escapes for the message part of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes for a property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for file in &report.files {
        let index = LineIndex::new(&file.text);
        for f in &file.findings {
            let (line, col) = index.position(&file.text, f.span.start);
            let (end_line, end_col) = index.position(&file.text, f.span.end);
            let kind = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            // Input's control characters are escaped, as GitHub's own escapes cover only
            // `%`, CR, LF, `:` and `,`; the one line break is ours.
            let message = match &f.help {
                Some(h) => format!("{}\n{}", escape::line(&f.message), escape::line(h)),
                None => escape::line(&f.message).into_owned(),
            };
            out.push_str(&format!(
                "::{kind} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
                property(&escape::line(&file.repo_path)),
                property(f.rule),
                data(&message)
            ));
        }
    }
    out
}

/// A fatal error as a workflow command: `::error` with the file and the place when it has one
/// (a config error), titled `iamtrim`; the help, if any, on the message's second line.
pub fn fatal(message: &str, help: Option<&str>, at: Option<&FatalAt<'_>>) -> String {
    let message = match help {
        Some(h) => format!("{}\n{}", escape::line(message), escape::line(h)),
        None => escape::line(message).into_owned(),
    };
    let place = match at {
        Some(at) => {
            let index = LineIndex::new(at.text);
            let (line, col) = index.position(at.text, at.span.start);
            let (end_line, end_col) = index.position(at.text, at.span.end);
            format!(
                "file={},line={line},col={col},endLine={end_line},endColumn={end_col},",
                property(&escape::line(at.path))
            )
        }
        None => String::new(),
    };
    format!("::error {place}title=iamtrim::{}\n", data(&message))
}
