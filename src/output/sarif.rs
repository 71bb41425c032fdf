//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

use super::FatalAt;
use super::position::LineIndex;
use super::report::{CheckReport, FileReport};
use crate::diagnostic::Severity;
use crate::rules::RULES;
use serde::Serialize;
use serde::ser::SerializeSeq;
use serde_json::{Value, json};
use std::collections::HashMap;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// FNV-1a, 64 bits: small, stable across Rust versions and platforms (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn region(index: &LineIndex, text: &str, start: usize, end: usize) -> Value {
    let (sl, sc) = index.position(text, start);
    let (el, ec) = index.position(text, end);
    json!({
        "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec,
        "byteOffset": start, "byteLength": end - start,
    })
}

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log: its envelope typed, its results serialized a file at a time (a run over
/// 10,000 files would otherwise hold a JSON tree of ~600 MB).
#[derive(Serialize)]
pub struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    /// One: this run of `iamtrim check`, which got as far as its report.
    invocations: [Value; 1],
    automation_details: AutomationDetails,
    column_kind: &'static str,
    results: Results<'a>,
}

/// The run's category: code scanning keeps one analysis per category and commit, so that a
/// second iamtrim run (another folder, another account) does not replace this one's alerts.
#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

impl AutomationDetails {
    /// `category/` as code scanning writes it (`id` is `category/run`, the run left out).
    fn of(category: &str) -> AutomationDetails {
        let mut id = category.to_string();
        if !id.ends_with('/') {
            id.push('/');
        }
        AutomationDetails { id }
    }
}

struct Results<'a>(&'a CheckReport);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let total = self.0.files.iter().map(|f| f.findings.len()).sum();
        let mut seq = s.serialize_seq(Some(total))?;
        for file in &self.0.files {
            for result in file_results(file) {
                seq.serialize_element(&result)?;
            }
        }
        seq.end()
    }
}

/// The rules as code scanning reads them: a human `name` (the id in PascalCase), the help as a
/// link into docs/rules.md (generated from the same docs), and tags and a security severity
/// (see [`crate::rules::Kind`]) so that code scanning files the results as security alerts.
fn tool() -> Value {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let mut properties = json!({"tags": r.kind.tags()});
            if let Some(score) = r.security_severity() {
                properties["security-severity"] = json!(score);
            }
            json!({
                "id": r.id,
                "name": r.name(),
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.description()},
                "help": {"text": r.doc, "markdown": r.doc},
                "helpUri": format!("{repository}/blob/main/docs/rules.md#{}", r.id),
                "defaultConfiguration": {"level": level(r.default)},
                "properties": properties,
            })
        })
        .collect();
    json!({"driver": {
        "name": "iamtrim",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": repository,
        "rules": rules,
    }})
}

/// A repository path as a relative URI reference (RFC 3986): `/` separates segments, the
/// unreserved characters stay, every other byte is percent-encoded (`a b.json` is `a%20b.json`,
/// and `g%41.json` stays that file, not `gA.json`).
fn uri(repo_path: &str) -> String {
    let mut out = String::with_capacity(repo_path.len());
    for b in repo_path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One file's results.
fn file_results(file: &FileReport) -> Vec<Value> {
    let mut results = Vec::new();
    let index = LineIndex::new(&file.text);
    // Per (rule, line): its hash, computed once (a minified policy is one long line holding
    // every finding); per hash: how many times it was seen.
    let mut hashes: HashMap<(&str, usize), u64> = HashMap::new();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let uri = uri(&file.repo_path);
    for f in &file.findings {
        let (line, _) = index.position(&file.text, f.span.start);
        // The rule and the primary line's text, with an occurrence count for repeats: stable
        // when unrelated lines are added or removed.
        let key = *hashes.entry((f.rule, line)).or_insert_with(|| {
            let line_text = index.line_text(&file.text, line).trim();
            fnv1a(format!("{}\u{0}{line_text}", f.rule).as_bytes())
        });
        let n = {
            let c = seen.entry(key).or_insert(0);
            *c += 1;
            *c
        };
        let mut result = json!({
            "ruleId": f.rule,
            "ruleIndex": RULES.iter().position(|r| r.id == f.rule).unwrap_or(0),
            "level": level(f.severity),
            "message": {"text": match &f.help {
                Some(h) => format!("{} ({h})", f.message),
                None => f.message.clone(),
            }},
            "locations": [location(f, &uri, region(&index, &file.text, f.span.start, f.span.end))],
            "partialFingerprints": {"primaryLocationLineHash": format!("{key:016x}:{n}")},
        });
        if let Some(fix) = f.fix.as_ref().filter(|x| !x.edits.is_empty()) {
            result["fixes"] = json!([{
                "description": {"text": f.help.clone().unwrap_or_else(|| f.message.clone())},
                "artifactChanges": [{
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "replacements": fix.edits.iter().map(|e| json!({
                        "deletedRegion": region(&index, &file.text, e.span.start, e.span.end),
                        "insertedContent": {"text": e.replacement},
                    })).collect::<Vec<_>>(),
                }],
            }]);
        }
        results.push(result);
    }
    results
}

/// A result's location: the file and region, and for a template's policy its JSON pointer as a
/// logical location (code scanning shows which of the template's policies it is).
fn location(f: &crate::diagnostic::Finding, uri: &str, region: Value) -> Value {
    let mut loc = json!({"physicalLocation": {
        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
        "region": region,
    }});
    if let Some(p) = &f.policy {
        loc["logicalLocations"] = json!([{
            "name": p.name,
            "fullyQualifiedName": p.location,
            "kind": "object",
        }]);
    }
    loc
}

pub fn render<'a>(report: &'a CheckReport, category: &str) -> Log<'a> {
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: tool(),
            invocations: [json!({"executionSuccessful": true})],
            automation_details: AutomationDetails::of(category),
            column_kind: "unicodeCodePoints",
            results: Results(report),
        }],
    }
}

/// The log of a run that ended with a fatal error (a broken iamtrim.toml, a corrupt snapshot, a
/// `--base` that does not exist): the tool, no results, and an invocation that failed with the
/// error as its notification, at its place in a file when it has one. A workflow's upload step
/// then reads a valid log instead of an empty file.
pub fn fatal(
    message: &str,
    help: Option<&str>,
    at: Option<&FatalAt<'_>>,
    exit_code: u8,
    category: &str,
) -> Value {
    let text = match help {
        Some(h) => format!("{message} ({h})"),
        None => message.to_string(),
    };
    let mut notification = json!({"level": "error", "message": {"text": text}});
    if let Some(at) = at {
        let index = LineIndex::new(at.text);
        let region = region(&index, at.text, at.span.start, at.span.end);
        let artifact = if at.path.starts_with('/') {
            json!({"uri": format!("file://{}", uri(at.path))})
        } else {
            json!({"uri": uri(at.path), "uriBaseId": "%SRCROOT%"})
        };
        notification["locations"] = json!([{"physicalLocation": {
            "artifactLocation": artifact,
            "region": region,
        }}]);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": tool(),
            "invocations": [{
                "executionSuccessful": false,
                "exitCode": exit_code,
                "toolExecutionNotifications": [notification],
            }],
            "automationDetails": AutomationDetails::of(category),
            "columnKind": "unicodeCodePoints",
            "results": [],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("policies/p-1_a.~.json"), "policies/p-1_a.~.json");
        assert_eq!(uri("a b.json"), "a%20b.json");
        assert_eq!(uri("c#d.json"), "c%23d.json");
        assert_eq!(uri("g%41.json"), "g%2541.json");
        assert_eq!(uri("dir/é?.json"), "dir/%C3%A9%3F.json");
    }
}
