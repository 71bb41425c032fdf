//! `[[ignore]]`: suppressions, each with the reason it was made and, optionally, the day it
//! stops applying. Applied by the filter stage (`crate::filter`).

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ops::Range;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIgnore {
    /// Rule ids (all rules when absent).
    rules: Option<Vec<String>>,
    /// Globs of files, relative to the config; `file#Fragment` names one policy of a template.
    files: Option<Vec<String>>,
    /// A `Sid`, or an index into `Statement` (0-based).
    statement: Option<RawStatement>,
    /// Action entries as written (case-insensitive).
    actions: Option<Vec<String>>,
    /// Why the findings may stay (required).
    #[schemars(required)]
    reason: Option<String>,
    /// `2027-03-01`, quoted or not: from this day (UTC) it no longer applies.
    #[schemars(with = "Option<String>")]
    expires: Option<toml::Value>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum RawStatement {
    Index(usize),
    Sid(String),
}

/// Which statement a suppression names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementSel {
    Index(usize),
    Sid(String),
}

/// A file pattern of a suppression, with the policy it names inside the file, if any.
#[derive(Debug, Clone)]
pub struct FileSel {
    pub glob: GlobMatcher,
    /// After `#`: a template's logical id or resource address, or a policy's location.
    pub fragment: Option<String>,
}

/// One `[[ignore]]` table.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Its place among the config's `[[ignore]]` tables (0-based).
    pub index: usize,
    /// The table's span in the config's text.
    pub span: Range<usize>,
    pub rules: Option<BTreeSet<String>>,
    pub files: Option<Vec<FileSel>>,
    pub statement: Option<StatementSel>,
    /// Lower-cased.
    pub actions: Option<Vec<String>>,
    pub reason: String,
    pub expires: Option<jiff::civil::Date>,
}

impl Suppression {
    /// Whether it has stopped applying on `today` (it applies up to the day before `expires`).
    pub fn expired(&self, today: jiff::civil::Date) -> bool {
        self.expires.is_some_and(|e| today >= e)
    }
}

/// Compiles the tables; `Err((span, message))`: where in the config, and why.
pub(super) fn compile(
    raw: Vec<toml::Spanned<RawIgnore>>,
    text: &str,
) -> Result<Vec<Suppression>, (Range<usize>, String)> {
    let mut out = Vec::new();
    for (index, item) in raw.into_iter().enumerate() {
        let span = item.span();
        let r = item.into_inner();
        // The quoted value inside this table, else the table.
        let at = |needle: &str| {
            let quoted = format!("\"{needle}\"");
            text.get(span.start..)
                .and_then(|t| t.find(&quoted))
                .map(|i| span.start + i..span.start + i + quoted.len())
                .unwrap_or(span.clone())
        };
        let reason = match r.reason.as_deref().map(str::trim) {
            Some(why) if !why.is_empty() => why.to_string(),
            _ => {
                return Err((
                    span,
                    "this `[[ignore]]` has no `reason`: say why the findings may stay (`reason = \"break-glass role, reviewed 2026-11\"`)"
                        .to_string(),
                ));
            }
        };
        let rules = match r.rules {
            None => None,
            Some(ids) => {
                let mut set = BTreeSet::new();
                for id in ids {
                    if crate::rules::find(&id).is_none() {
                        return Err((at(&id), super::unknown_rule(&id)));
                    }
                    set.insert(id);
                }
                Some(set)
            }
        };
        let files = match r.files {
            None => None,
            Some(list) => {
                let mut sels = Vec::new();
                for g in list {
                    let (file, fragment) = match g.split_once('#') {
                        Some((_, "")) => {
                            return Err((
                                at(&g),
                                format!(
                                    "`{g}`: nothing after `#` (a logical id such as `template.yaml#AppRole`)"
                                ),
                            ));
                        }
                        Some((f, id)) => (f, Some(id.to_string())),
                        None => (g.as_str(), None),
                    };
                    let file = file.strip_prefix("./").unwrap_or(file);
                    let glob = Glob::new(file)
                        .map_err(|e| (at(&g), format!("bad glob `{g}`: {e}")))?
                        .compile_matcher();
                    sels.push(FileSel { glob, fragment });
                }
                Some(sels)
            }
        };
        let expires = match r.expires {
            None => None,
            Some(v) => {
                let text = match &v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Datetime(d) => d.to_string(),
                    other => other.to_string(),
                };
                let date: jiff::civil::Date = text.trim().parse().map_err(|_| {
                    (
                        at(&text),
                        format!("`expires = {v}` is not a date such as \"2027-03-01\""),
                    )
                })?;
                Some(date)
            }
        };
        out.push(Suppression {
            index,
            span,
            rules,
            files,
            statement: r.statement.map(|s| match s {
                RawStatement::Index(i) => StatementSel::Index(i),
                RawStatement::Sid(s) => StatementSel::Sid(s),
            }),
            actions: r
                .actions
                .map(|a| a.iter().map(|a| a.trim().to_ascii_lowercase()).collect()),
            reason,
            expires,
        });
    }
    Ok(out)
}
