//! `--format json`: a documented, versioned schema (version 1), kept apart from internal types.
//! Serialized straight from borrowed views of the report (no JSON tree in memory: a run over
//! 10,000 files with 30,000 findings would otherwise build one of ~400 MB).

use super::position::LineIndex;
use super::report::{CheckReport, FileReport};
use crate::diagnostic::{Finding, Severity};
use serde::Serialize;
use serde::ser::SerializeSeq;

pub const SCHEMA_VERSION: u64 = 1;

#[derive(Serialize)]
pub struct Report<'a> {
    version: u64,
    tool: Tool,
    files: Files<'a>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    checked: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    fixed: usize,
    /// Hidden by `[[ignore]]`, `ignore-sid-prefix` and the baseline.
    suppressed: usize,
    /// Baseline entries that matched no finding.
    baseline_unmatched: usize,
}

/// The files, each serialized when its turn comes (its line index built then).
struct Files<'a>(&'a [FileReport]);

impl Serialize for Files<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for file in self.0 {
            let index = LineIndex::new(&file.text);
            seq.serialize_element(&FileOut {
                path: &file.path,
                diff: file.diff.as_deref(),
                findings: FindingsOut {
                    file,
                    index: &index,
                },
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    /// Only with `--diff`, when the file's fixes change it: their unified diff.
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<&'a str>,
    findings: FindingsOut<'a>,
}

struct FindingsOut<'a> {
    file: &'a FileReport,
    index: &'a LineIndex,
}

impl Serialize for FindingsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.file.findings.len()))?;
        for f in &self.file.findings {
            seq.serialize_element(&FindingOut::new(f, self.file, self.index))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct FindingOut<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    principals: &'a [String],
    span: Span,
    start: Position,
    end: Position,
    help: &'a Option<String>,
    fix: Option<FixOut<'a>>,
    /// Only in a template: which of its policies, and how it was bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<PolicyOut<'a>>,
}

#[derive(Serialize)]
struct PolicyOut<'a> {
    location: &'a str,
    name: &'a str,
    bound_by: Option<&'static str>,
}

#[derive(Serialize)]
struct Span {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct FixOut<'a> {
    applicability: &'static str,
    edits: Vec<EditOut<'a>>,
}

#[derive(Serialize)]
struct EditOut<'a> {
    start: usize,
    end: usize,
    replacement: &'a str,
}

impl<'a> FindingOut<'a> {
    fn new(f: &'a Finding, file: &'a FileReport, index: &LineIndex) -> FindingOut<'a> {
        let pos = |o: usize| {
            let (line, column) = index.position(&file.text, o);
            Position { line, column }
        };
        FindingOut {
            rule: f.rule,
            severity: f.severity.as_str(),
            message: &f.message,
            principals: &f.principals,
            span: Span {
                start: f.span.start,
                end: f.span.end,
            },
            start: pos(f.span.start),
            end: pos(f.span.end),
            help: &f.help,
            fix: f.fix.as_ref().map(|x| FixOut {
                applicability: x.applicability.as_str(),
                edits: x
                    .edits
                    .iter()
                    .map(|e| EditOut {
                        start: e.span.start,
                        end: e.span.end,
                        replacement: &e.replacement,
                    })
                    .collect(),
            }),
            policy: f.policy.as_ref().map(|p| PolicyOut {
                location: &p.location,
                name: &p.name,
                bound_by: p.bound_by,
            }),
        }
    }
}

pub fn render(report: &CheckReport) -> Report<'_> {
    let all = report.files.iter().flat_map(|f| &f.findings);
    let count = |s: Severity| all.clone().filter(|f| f.severity == s).count();
    Report {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "iamtrim",
            version: env!("CARGO_PKG_VERSION"),
        },
        files: Files(&report.files),
        summary: Summary {
            checked: report.checked,
            findings: all.clone().count(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            fixed: report.fixed,
            suppressed: report.suppressed.total(),
            baseline_unmatched: report.suppressed.baseline_unmatched,
        },
    }
}
