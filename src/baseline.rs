//! The baseline: findings recorded by `check --write-baseline FILE`, hidden by `--baseline FILE`
//! (or `baseline` in iamtrim.toml) so that only new ones are reported.
//!
//! A finding is keyed by what it is about, never by where it is: its rule, file, policy location,
//! the statement it lies in (its `Sid` and a digest of its text without whitespace), the text it
//! points at (an action string) and its principals. Moving a statement keeps its entries; editing
//! it makes its findings new. Entries are a multiset: two equal findings need two entries.

use crate::diagnostic::{Finding, squeezed_digest};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The format's version, written in the file.
const VERSION: u32 = 1;

/// Longer texts are recorded by their digest.
const MAX_TEXT: usize = 160;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    /// Relative to the config's folder, with `/`.
    pub file: String,
    /// The policy's location in a template (`""`: the file is the policy).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The digest of its statement's text (`None`: the finding lies in no statement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// What the finding points at, without whitespace (or its digest, when long).
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

impl Entry {
    /// The entry for a finding of `file` (relative, `/`-separated) whose text is `text`.
    pub fn of(finding: &Finding, file: &str, text: &str) -> Entry {
        let squeezed: String = crate::filter::pointed(finding, text)
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let text = if squeezed.len() > MAX_TEXT {
            format!("#{:016x}", squeezed_digest(&squeezed))
        } else {
            squeezed
        };
        Entry {
            rule: finding.rule.to_string(),
            file: file.to_string(),
            policy: finding
                .policy
                .as_ref()
                .map(|p| p.location.clone())
                .unwrap_or_default(),
            sid: finding.statement.as_ref().and_then(|s| s.sid.clone()),
            statement: finding
                .statement
                .as_ref()
                .map(|s| format!("{:016x}", s.digest)),
            text,
            principals: finding.principals.clone(),
        }
    }
}

/// A loaded baseline: for each file, how many times each entry was recorded.
#[derive(Debug, Default)]
pub struct Baseline {
    by_file: HashMap<String, HashMap<Entry, usize>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: crate::fsio::ReadError,
    },
    #[error("the baseline {path} is not one written by `iamtrim check --write-baseline`: {reason}")]
    Format { path: String, reason: String },
}

impl Baseline {
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Baseline {
        let mut by_file: HashMap<String, HashMap<Entry, usize>> = HashMap::new();
        for e in entries {
            *by_file
                .entry(e.file.clone())
                .or_default()
                .entry(e)
                .or_default() += 1;
        }
        Baseline { by_file }
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = crate::fsio::read_text(path).map_err(|source| BaselineError::Read {
            path: shown.clone(),
            source,
        })?;
        let file: BaselineFile =
            serde_json::from_str(&text).map_err(|e| BaselineError::Format {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        if file.version != VERSION {
            return Err(BaselineError::Format {
                path: shown,
                reason: format!(
                    "format version {} (this iamtrim reads {VERSION})",
                    file.version
                ),
            });
        }
        Ok(Baseline::from_entries(file.findings))
    }

    /// The file's text: entries sorted, one per finding.
    pub fn render(mut entries: Vec<Entry>) -> String {
        entries.sort();
        let file = BaselineFile {
            version: VERSION,
            findings: entries,
        };
        let mut s = serde_json::to_string_pretty(&file).expect("plain data serializes");
        s.push('\n');
        s
    }

    /// The recorded entries of `file`, with their counts (to be used up as findings match).
    pub fn of_file(&self, file: &str) -> HashMap<&Entry, usize> {
        self.by_file
            .get(file)
            .map(|m| m.iter().map(|(e, n)| (e, *n)).collect())
            .unwrap_or_default()
    }

    /// How many entries are recorded for files not in `seen`.
    pub fn entries_outside(&self, seen: &std::collections::HashSet<String>) -> usize {
        self.by_file
            .iter()
            .filter(|(f, _)| !seen.contains(*f))
            .map(|(_, m)| m.values().sum::<usize>())
            .sum()
    }

    pub fn len(&self) -> usize {
        self.by_file.values().flat_map(|m| m.values()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
