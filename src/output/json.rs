//! `--format json`: a documented, versioned schema (version 1), kept apart from internal types.

use super::position::LineIndex;
use super::report::CheckReport;
use crate::diagnostic::Severity;
use serde_json::{Value, json};

pub const SCHEMA_VERSION: u64 = 1;

pub fn render(report: &CheckReport) -> Value {
    let mut files = Vec::new();
    let (mut errors, mut warnings, mut infos, mut total) = (0, 0, 0, 0);
    for file in &report.files {
        let index = LineIndex::new(&file.text);
        let pos = |o: usize| {
            let (line, column) = index.position(&file.text, o);
            json!({"line": line, "column": column})
        };
        let findings: Vec<Value> = file
            .findings
            .iter()
            .map(|f| {
                total += 1;
                match f.severity {
                    Severity::Error => errors += 1,
                    Severity::Warning => warnings += 1,
                    Severity::Info => infos += 1,
                }
                json!({
                    "rule": f.rule,
                    "severity": f.severity.as_str(),
                    "message": f.message,
                    "principals": f.principals,
                    "span": {"start": f.span.start, "end": f.span.end},
                    "start": pos(f.span.start),
                    "end": pos(f.span.end),
                    "help": f.help,
                    "fix": f.fix.as_ref().map(|x| json!({
                        "applicability": x.applicability.as_str(),
                        "edits": x.edits.iter().map(|e| json!({
                            "start": e.span.start,
                            "end": e.span.end,
                            "replacement": e.replacement,
                        })).collect::<Vec<_>>(),
                    })),
                })
            })
            .collect();
        files.push(json!({"path": file.path, "findings": findings}));
    }
    json!({
        "version": SCHEMA_VERSION,
        "tool": {"name": "iamtrim", "version": env!("CARGO_PKG_VERSION")},
        "files": files,
        "summary": {
            "checked": report.checked,
            "findings": total,
            "errors": errors,
            "warnings": warnings,
            "infos": infos,
            "fixed": report.fixed,
        },
    })
}
