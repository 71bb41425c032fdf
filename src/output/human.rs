//! Human output: miette's graphical report, one per file with every finding a related diagnostic,
//! the span underlined and the fix in the help. Plain (no colour) when not a terminal or with
//! NO_COLOR.

use super::escape::{self, Shown};
use super::report::{CheckReport, FileReport};
use super::source::IndexedSource;
use crate::diagnostic::{Applicability, Finding, Severity};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use rayon::prelude::*;
use std::fmt;

#[derive(Debug)]
struct FileDiag {
    message: String,
    src: NamedSource<IndexedSource>,
    related: Vec<FindingDiag>,
}

impl fmt::Display for FileDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for FileDiag {}

impl Diagnostic for FileDiag {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        let worst = self.related.iter().map(|r| r.severity).max();
        worst.map(to_miette)
    }
}

#[derive(Debug)]
struct FindingDiag {
    /// Its own excerpt when its line is too long to draw whole.
    src: Option<super::source::Excerpt>,
    message: String,
    rule: &'static str,
    severity: Severity,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl fmt::Display for FindingDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for FindingDiag {}

impl Diagnostic for FindingDiag {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(to_miette(self.severity))
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}

fn to_miette(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// A finding, its span moved as `shown` moved the text, drawn from an excerpt of its line when
/// the line is too long to draw whole.
fn finding_diag(
    f: &Finding,
    shown: &Shown<'_>,
    path: &str,
    source: &IndexedSource,
    width: Option<usize>,
) -> FindingDiag {
    let fixable = match f.fix.as_ref().map(|x| x.applicability) {
        Some(Applicability::Safe) => " (fix: --fix)",
        Some(Applicability::Unsafe) => " (fix: --unsafe-fixes)",
        _ => "",
    };
    let span = shown.span(&f.span);
    let (src, span) = match source.excerpt(path, &span, width) {
        Some((ex, span)) => (Some(ex), span),
        None => (None, span),
    };
    FindingDiag {
        src,
        message: escape::line(&f.message).into_owned(),
        rule: f.rule,
        severity: f.severity,
        labels: vec![label(f, span)],
        help: f
            .help
            .as_ref()
            .map(|h| format!("{}{fixable}", escape::line(h))),
    }
}

fn label(f: &Finding, span: std::ops::Range<usize>) -> LabeledSpan {
    LabeledSpan::new_with_span(
        Some(escape::line(&f.label).into_owned()).filter(|l| !l.is_empty()),
        span,
    )
}

/// The most findings drawn in one snippet.
const GROUP_MAX: usize = 16;

/// Where the findings of a file read better as one snippet: runs of findings of one rule, level
/// and kind of fix, in one statement, each on the line after the one before it (a list of unused
/// actions), none of them on a line too long to draw whole. Returns the runs' lengths, in order.
fn runs(
    findings: &[Finding],
    source: &IndexedSource,
    path: &str,
    width: Option<usize>,
) -> Vec<usize> {
    let groupable =
        |f: &Finding| f.statement.is_some() && source.excerpt(path, &f.span, width).is_none();
    let kind = |f: &Finding| f.fix.as_ref().map(|x| x.applicability);
    let mut runs = Vec::new();
    let mut i = 0;
    while i < findings.len() {
        let first = &findings[i];
        let mut n = 1;
        if groupable(first) {
            while i + n < findings.len() && n < GROUP_MAX {
                let (prev, next) = (&findings[i + n - 1], &findings[i + n]);
                let adjacent = source.line_of(next.span.start)
                    <= source.line_of(prev.span.end.max(prev.span.start)) + 1
                    && next.span.start >= prev.span.end;
                if next.rule != first.rule
                    || next.severity != first.severity
                    || kind(next) != kind(first)
                    || next.statement.as_ref().map(|s| s.index)
                        != first.statement.as_ref().map(|s| s.index)
                    || next.policy != first.policy
                    || !adjacent
                    || !groupable(next)
                {
                    break;
                }
                n += 1;
            }
        }
        runs.push(n);
        i += n;
    }
    runs
}

/// One snippet for a run of findings, each span labelled, when their messages and helps read as
/// one: the same words about different names ("`a` is unused by R", "`b` is unused by R") or
/// the same message, and helps that are the same or start the same ("remove `a`", "remove `b`"
/// -> "remove `a`, `b`"). `None` when they do not: each is then drawn alone.
fn group_diag(group: &[Finding], shown: &Shown<'_>) -> Option<FindingDiag> {
    let first = &group[0];
    let messages: Vec<String> = group
        .iter()
        .map(|f| escape::line(&f.message).into_owned())
        .collect();
    let message = group_message(&messages)?;
    let helps: Vec<String> = group
        .iter()
        .filter_map(|f| f.help.as_deref())
        .map(|h| escape::line(h).into_owned())
        .collect();
    let fixable = match first.fix.as_ref().map(|x| x.applicability) {
        Some(Applicability::Safe) => " (fix: --fix)",
        Some(Applicability::Unsafe) => " (fix: --unsafe-fixes)",
        _ => "",
    };
    let help = match helps.len() {
        0 => None,
        n if n < group.len() => return None,
        _ => Some(format!("{}{fixable}", join_helps(&helps)?)),
    };
    Some(FindingDiag {
        src: None,
        message,
        rule: first.rule,
        severity: first.severity,
        labels: group
            .iter()
            .map(|f| label(f, shown.span(&f.span)))
            .collect(),
        help,
    })
}

/// "`a` is unused by R", "`b` is unused by R" -> "2 findings in one statement, each is unused by
/// R: `a`, `b`"; the same message n times -> "n findings: message"; `None` otherwise.
fn group_message(messages: &[String]) -> Option<String> {
    let split = |m: &str| -> Option<usize> {
        let rest = m.strip_prefix('`')?;
        Some(rest.find('`')? + 2)
    };
    let n = messages.len();
    let cuts: Option<Vec<usize>> = messages.iter().map(|m| split(m)).collect();
    if let Some(cuts) = cuts {
        let tail = &messages[0][cuts[0]..];
        if tail.starts_with(' ') && messages.iter().zip(&cuts).all(|(m, &c)| &m[c..] == tail) {
            let names: Vec<&str> = messages.iter().zip(&cuts).map(|(m, &c)| &m[..c]).collect();
            return Some(format!(
                "{n} findings in one statement, each{tail}: {}",
                names.join(", ")
            ));
        }
    }
    let first = &messages[0];
    messages
        .iter()
        .all(|m| m == first)
        .then(|| format!("{n} findings: {first}"))
}

/// "remove `a`", "remove `b`" -> "remove `a`, `b`"; the same help n times -> it once; `None`
/// unless the helps share their first words and each goes on with one quoted name (two
/// replacements joined would no longer say which entry each replaces).
fn join_helps(helps: &[String]) -> Option<String> {
    let first = &helps[0];
    if helps.iter().all(|h| h == first) {
        return Some(first.clone());
    }
    let mut common = first.len();
    for h in &helps[1..] {
        common = common.min(
            first
                .bytes()
                .zip(h.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    // Back to the end of a word, and keep at least one character of each help's own.
    let shortest = helps.iter().map(String::len).min().unwrap_or(0);
    let mut cut = first[..common.min(shortest.saturating_sub(1))]
        .rfind(' ')
        .map_or(0, |i| i + 1);
    if helps.iter().any(|h| !h.is_char_boundary(cut)) {
        cut = 0;
    }
    if cut == 0 {
        return None;
    }
    let rest: Vec<&str> = helps.iter().map(|h| &h[cut..]).collect();
    // Each help's own part one quoted name, so the joined help still says what goes where.
    let one_name = |r: &&str| {
        r.len() >= 2
            && r.starts_with('`')
            && r.ends_with('`')
            && r[1..r.len() - 1].find('`').is_none()
    };
    if !rest.iter().all(one_name) {
        return None;
    }
    Some(format!("{}{}", &first[..cut], rest.join(", ")))
}

/// Everything from input (the path, the messages, which quote the file, and the file's text) is
/// shown with its control characters escaped.
fn file_diag(file: &FileReport, width: Option<usize>) -> FileDiag {
    let n = file.findings.len();
    let path = escape::line(&file.path);
    let shown = escape::text(&file.text);
    let source = IndexedSource::new(shown.text.clone().into_owned());
    let mut related = Vec::new();
    let mut at = 0;
    for n in runs(&file.findings, &source, &path, width) {
        let run = &file.findings[at..at + n];
        match (n > 1).then(|| group_diag(run, &shown)).flatten() {
            Some(group) => related.push(group),
            None => related.extend(
                run.iter()
                    .map(|f| finding_diag(f, &shown, &path, &source, width)),
            ),
        }
        at += n;
    }
    FileDiag {
        message: format!("{path}: {n} finding{}", if n == 1 { "" } else { "s" }),
        related,
        src: NamedSource::new(&path, source),
    }
}

/// Renders the report, handing `write` the text a piece at a time (a file's report at a time;
/// the summary is the caller's: `--quiet` has none), so a run over thousands of files never holds all of its output at once. `wrap`:
/// the width to wrap messages at (on a terminal); `None` keeps each message on one line, which
/// is what `grep` and CI logs want (and wrapping was a sixth of a 10,000-file run).
pub fn render(report: &CheckReport, color: bool, wrap: Option<usize>, write: &mut dyn FnMut(&str)) {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        // Messages are ASCII (action names, ARNs): break at spaces only, not by the Unicode
        // line-breaking algorithm.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        // Nor at a hyphen: `--unsafe-fixes` and rule ids stay whole.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false);
    let handler = match wrap {
        Some(width) => handler.with_width(width),
        None => handler.with_width(usize::MAX / 4).with_wrap_lines(false),
    };
    let one = |file: &FileReport| {
        let mut out = String::new();
        let _ = handler.render_report(&mut out, &file_diag(file, wrap));
        out.push('\n');
        out
    };
    let with_findings: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .collect();
    // Rendering is a large share of a big run: every core takes a part of each chunk, and the
    // chunk is written in order before the next is rendered.
    for chunk in with_findings.chunks(RENDER_CHUNK) {
        let parts: Vec<String> = if chunk.len() >= 16 {
            chunk.par_iter().map(|f| one(f)).collect()
        } else {
            chunk.iter().map(|f| one(f)).collect()
        };
        for p in &parts {
            write(p);
        }
    }
}

/// Files rendered per round (bounds the rendered text held at once).
const RENDER_CHUNK: usize = 256;

pub fn summary(report: &CheckReport) -> String {
    let all: Vec<&Finding> = report.files.iter().flat_map(|f| &f.findings).collect();
    let count = |s: Severity| all.iter().filter(|f| f.severity == s).count();
    let safe = all
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Safe)
        })
        .count();
    let unsafe_ = all
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Unsafe)
        })
        .count();
    let mut s = String::new();
    if report.fixed > 0 {
        s.push_str(&format!(
            "Fixed {} finding{} in {} file{}.\n",
            report.fixed,
            if report.fixed == 1 { "" } else { "s" },
            report.fixed_files,
            if report.fixed_files == 1 { "" } else { "s" }
        ));
    }
    if all.is_empty() {
        s.push_str(&format!(
            "Checked {} policy file{}: no findings.\n",
            report.checked,
            if report.checked == 1 { "" } else { "s" }
        ));
    } else {
        s.push_str(&format!(
            "Checked {} policy file{}: {} error{}, {} warning{}, {} info.",
            report.checked,
            if report.checked == 1 { "" } else { "s" },
            count(Severity::Error),
            if count(Severity::Error) == 1 { "" } else { "s" },
            count(Severity::Warning),
            if count(Severity::Warning) == 1 {
                ""
            } else {
                "s"
            },
            count(Severity::Info),
        ));
        match (safe, unsafe_) {
            (0, 0) => {}
            (0, u) => s.push_str(&format!(
                " {u} fixable with `iamtrim check --fix --unsafe-fixes`."
            )),
            (n, 0) => s.push_str(&format!(" {n} fixable with `iamtrim check --fix`.")),
            (n, u) => s.push_str(&format!(
                " {n} fixable with `iamtrim check --fix` ({u} more with `--fix --unsafe-fixes`)."
            )),
        }
        s.push('\n');
    }
    s.push_str(&suppressed_line(
        &report.suppressed,
        &report.suppression_reasons,
    ));
    s
}

/// "4 findings suppressed: ..." and the baseline entries that no longer match; empty when
/// nothing was.
fn suppressed_line(hid: &crate::filter::Suppressed, reasons: &[String]) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = String::new();
    let total = hid.total();
    if total > 0 {
        let mut by: Vec<String> = hid
            .by_ignore
            .iter()
            .map(|(i, n)| {
                let why = reasons.get(*i).map(String::as_str).unwrap_or("");
                format!("{n} by `[[ignore]]` {} ({why})", i + 1)
            })
            .collect();
        if hid.by_sid > 0 {
            by.push(format!("{} by `ignore-sid-prefix`", hid.by_sid));
        }
        if hid.by_baseline > 0 {
            by.push(format!("{} by the baseline", hid.by_baseline));
        }
        s.push_str(&format!(
            "{} suppressed: {}; `--no-ignores` shows them.\n",
            plural(total, "finding", "findings"),
            by.join(", ")
        ));
    }
    if hid.baseline_unmatched > 0 {
        s.push_str(&format!(
            "{} of the baseline no longer match{} a finding (fixed, or its statement changed): run `--write-baseline` again to prune {}.\n",
            plural(hid.baseline_unmatched, "entry", "entries"),
            if hid.baseline_unmatched == 1 { "es" } else { "" },
            if hid.baseline_unmatched == 1 { "it" } else { "them" },
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a terminal messages wrap at the width; piped, each stays on one line.
    #[test]
    fn wraps_only_when_asked() {
        let text = "{\"Action\": \"s3:Get*\"}\n".to_string();
        let long = "word ".repeat(30);
        let report = CheckReport {
            files: vec![FileReport {
                path: "p.json".into(),
                repo_path: "p.json".into(),
                findings: vec![Finding::new("unused-action", 11..20, long.trim()).label("x")],
                text,
                diff: None,
            }],
            checked: 1,
            ..CheckReport::default()
        };
        let render_with = |wrap| {
            let mut out = String::new();
            render(&report, false, wrap, &mut |t| out.push_str(t));
            out
        };
        let piped = render_with(None);
        assert!(piped.contains(long.trim()), "{piped}");
        let wrapped = render_with(Some(60));
        assert!(!wrapped.contains(long.trim()), "{wrapped}");
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 60),
            "{wrapped}"
        );
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn messages_group_only_when_they_read_as_one() {
        let same_words = strings(&["`a:X` is unused by R", "`a:Y` is unused by R"]);
        assert_eq!(
            group_message(&same_words).as_deref(),
            Some("2 findings in one statement, each is unused by R: `a:X`, `a:Y`")
        );
        let same = strings(&["service `kms` is unused", "service `kms` is unused"]);
        assert_eq!(
            group_message(&same).as_deref(),
            Some("2 findings: service `kms` is unused")
        );
        let different = strings(&["`s4:X`: no service `s4`", "`lamda:Y`: no service `lamda`"]);
        assert_eq!(group_message(&different), None);
    }

    #[test]
    fn helps_join_only_when_each_names_one_entry() {
        let removals = strings(&["remove `a:X`", "remove `a:Y`"]);
        assert_eq!(
            join_helps(&removals).as_deref(),
            Some("remove `a:X`, `a:Y`")
        );
        let same = strings(&["remove it", "remove it"]);
        assert_eq!(join_helps(&same).as_deref(), Some("remove it"));
        // Two replacements joined would not say which entry each replaces.
        let replacements = strings(&[
            "replace with \"s3:GetA*\", \"s3:GetB\"",
            "replace with \"s3:ListA*\"",
        ]);
        assert_eq!(join_helps(&replacements), None);
        let unlike = strings(&[
            "did you mean `s3:ListBucket`?",
            "remove it: it grants nothing",
        ]);
        assert_eq!(join_helps(&unlike), None);
        let half = strings(&["remove `a:X`", "remove it: it grants nothing"]);
        assert_eq!(join_helps(&half), None);
    }

    /// Adjacent findings of one rule in one statement share a snippet; in two statements they
    /// do not.
    #[test]
    fn one_snippet_per_run_in_a_statement() {
        let text = "{\"Statement\": [\n {\"Action\": [\n  \"a:X\",\n  \"a:Y\"]},\n {\"Action\": [\n  \"a:Z\"]}]}\n".to_string();
        let at = |needle: &str| {
            let i = text.find(needle).unwrap();
            i..i + needle.len()
        };
        let finding = |name: &str, index: usize| {
            let mut f = Finding::new(
                "unused-action",
                at(&format!("\"a:{name}\"")),
                format!("`a:{name}` is unused by R"),
            )
            .label("unused")
            .help(format!("remove `a:{name}`"));
            f.statement = Some(crate::diagnostic::StatementRef {
                index,
                sid: None,
                digest: 0,
            });
            f
        };
        let report = CheckReport {
            files: vec![FileReport {
                path: "p.json".into(),
                repo_path: "p.json".into(),
                findings: vec![finding("X", 0), finding("Y", 0), finding("Z", 1)],
                text: text.clone(),
                diff: None,
            }],
            checked: 1,
            ..CheckReport::default()
        };
        let mut out = String::new();
        render(&report, false, None, &mut |t| out.push_str(t));
        assert!(
            out.contains("2 findings in one statement, each is unused by R: `a:X`, `a:Y`"),
            "{out}"
        );
        assert!(out.contains("help: remove `a:X`, `a:Y`"), "{out}");
        assert!(out.contains("`a:Z` is unused by R"), "{out}");
        assert_eq!(out.matches("Error: unused-action").count(), 2, "{out}");
    }
}
