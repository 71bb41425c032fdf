//! The one place findings are kept or dropped: rule levels from `iamtrim.toml`, `--select`,
//! `--ignore` and `--min-level`, then `[[ignore]]` suppressions, statements skipped by their
//! `Sid` (`ignore-sid-prefix`) and the baseline, applied to every finding of a file (read and
//! grammar errors included) after the rules ran and before the fix loop and the output see them.
//! A finding dropped here is neither shown nor fixed.

use crate::baseline::{Baseline, Entry};
use crate::config::{Level, StatementSel, Suppression};
use crate::diagnostic::{Finding, Severity};
use crate::rules;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

/// What is kept of a file's findings, and at what severity.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `[rules.ID] level = ...` from the config.
    pub levels: BTreeMap<String, Level>,
    /// `--select`: only these rules (all when `None`).
    pub select: Option<BTreeSet<String>>,
    /// `--ignore`: never these rules.
    pub ignore: BTreeSet<String>,
    /// `--min-level`: nothing below this severity.
    pub min: Option<Severity>,
    /// The `[[ignore]]` tables in force (not expired; none with `--no-ignores`).
    pub suppressions: Arc<Vec<Suppression>>,
    /// `ignore-sid-prefix` (`None` with `--no-ignores`).
    pub sid_prefix: Option<Arc<str>>,
    pub baseline: Option<Arc<Baseline>>,
    /// The file filtered (relative to the config's folder, `/`-separated): set by `for_file`.
    pub file: Option<Arc<str>>,
}

/// What a filter needs of the file besides its findings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    /// The file's text (for the action a finding points at).
    pub text: &'a str,
    /// The spans of the statements skipped by their `Sid`.
    pub skipped: &'a [Range<usize>],
}

/// What the filter hid, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppressed {
    /// By `[[ignore]]` table (its index): findings hidden.
    pub by_ignore: BTreeMap<usize, usize>,
    /// Findings in statements skipped by their `Sid`.
    pub by_sid: usize,
    /// Findings the baseline recorded.
    pub by_baseline: usize,
    /// Baseline entries of this file that matched no finding.
    pub baseline_unmatched: usize,
}

impl Suppressed {
    pub fn total(&self) -> usize {
        self.by_ignore.values().sum::<usize>() + self.by_sid + self.by_baseline
    }

    pub fn add(&mut self, other: &Suppressed) {
        for (i, n) in &other.by_ignore {
            *self.by_ignore.entry(*i).or_default() += n;
        }
        self.by_sid += other.by_sid;
        self.by_baseline += other.by_baseline;
        self.baseline_unmatched += other.baseline_unmatched;
    }
}

/// A rule id written on the command line or in the config that names no rule: the message, with
/// the closest rule id when one is close.
pub fn unknown_rule(id: &str) -> String {
    crate::config::unknown_rule(id)
}

/// Rule ids as written (`a,b` or several flags), each checked.
pub fn rule_ids(written: &[String]) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for id in written.iter().flat_map(|w| w.split(',')) {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if rules::find(id).is_none() {
            return Err(unknown_rule(id));
        }
        out.insert(id.to_string());
    }
    Ok(out)
}

/// The text a finding points at, without quotes (an action entry as written).
pub(crate) fn pointed<'t>(f: &Finding, text: &'t str) -> &'t str {
    text.get(f.span.clone())
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\''])
}

/// Whether a `file#fragment` names the policy of a finding: a template's logical id or resource
/// address, or the policy's location.
fn fragment_matches(fragment: &str, f: &Finding) -> bool {
    let Some(p) = &f.policy else {
        return false;
    };
    p.location == fragment
        || p.location.starts_with(&format!("/Resources/{fragment}/"))
        || p.name == fragment
        || p.name.starts_with(&format!("{fragment} "))
        || p.name.starts_with(&format!("{fragment}."))
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

impl Filter {
    /// This filter for one file (cheap: the tables are shared).
    pub fn for_file(&self, rel: &str) -> Filter {
        Filter {
            file: Some(Arc::from(rel.replace('\\', "/"))),
            ..self.clone()
        }
    }

    /// Rule levels and the command line's selection only (for findings about the config itself).
    pub fn levels_only(&self) -> Filter {
        Filter {
            levels: self.levels.clone(),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            min: self.min,
            ..Filter::default()
        }
    }

    /// Whether a rule's findings may be reported at all (its level is not `off`, and the
    /// command line selects it).
    pub fn rule_on(&self, rule: &str) -> bool {
        !matches!(self.levels.get(rule), Some(Level::Off))
            && self.select.as_ref().is_none_or(|s| s.contains(rule))
            && !self.ignore.contains(rule)
    }

    /// Whether a suppression matches a finding of this filter's file.
    fn suppresses(&self, s: &Suppression, f: &Finding, text: &str) -> bool {
        if s.rules.as_ref().is_some_and(|r| !r.contains(f.rule)) {
            return false;
        }
        if let Some(files) = &s.files {
            let Some(file) = self.file.as_deref() else {
                return false;
            };
            let hit = files.iter().any(|sel| {
                sel.glob.is_match(file)
                    && sel
                        .fragment
                        .as_deref()
                        .is_none_or(|frag| fragment_matches(frag, f))
            });
            if !hit {
                return false;
            }
        }
        if let Some(sel) = &s.statement {
            let Some(st) = &f.statement else {
                return false;
            };
            let hit = match sel {
                StatementSel::Index(i) => st.index == *i,
                StatementSel::Sid(sid) => st.sid.as_deref() == Some(sid.as_str()),
            };
            if !hit {
                return false;
            }
        }
        if let Some(actions) = &s.actions {
            let p = pointed(f, text).to_ascii_lowercase();
            if !actions.contains(&p) {
                return false;
            }
        }
        true
    }

    /// Keeps the findings the filter lets through, each at the severity its level gives it;
    /// says what it hid.
    pub fn apply(&self, findings: &mut Vec<Finding>, scope: Scope<'_>) -> Suppressed {
        let mut hid = Suppressed::default();
        let file = self.file.as_deref().unwrap_or("");
        let mut recorded = self
            .baseline
            .as_ref()
            .map(|b| b.of_file(file))
            .unwrap_or_default();
        findings.retain_mut(|f| {
            if !self.rule_on(f.rule) {
                return false;
            }
            f.severity = match self.levels.get(f.rule) {
                Some(Level::Error) => Severity::Error,
                Some(Level::Warning) => Severity::Warning,
                Some(Level::Info) => Severity::Info,
                Some(Level::Off) => unreachable!("dropped above"),
                None => rules::find(f.rule).map_or(Severity::Error, |r| r.default),
            };
            if self.min.is_some_and(|m| f.severity < m) {
                return false;
            }
            if let Some(s) = self
                .suppressions
                .iter()
                .find(|s| self.suppresses(s, f, scope.text))
            {
                *hid.by_ignore.entry(s.index).or_default() += 1;
                return false;
            }
            if rules::EVIDENCE_RULES.contains(&f.rule)
                && scope.skipped.iter().any(|k| {
                    overlaps(&f.span, k)
                        || f.fix
                            .as_ref()
                            .is_some_and(|x| x.edits.iter().any(|e| overlaps(&e.span, k)))
                })
            {
                hid.by_sid += 1;
                return false;
            }
            if !recorded.is_empty() {
                let entry = Entry::of(f, file, scope.text);
                if let Some(n) = recorded.get_mut(&entry).filter(|n| **n > 0) {
                    *n -= 1;
                    hid.by_baseline += 1;
                    return false;
                }
            }
            true
        });
        hid.baseline_unmatched = recorded.values().sum();
        hid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings() -> Vec<Finding> {
        ["unused-action", "invalid-policy", "no-evidence"]
            .iter()
            .map(|r| Finding::new(r, 0..1, "m"))
            .collect()
    }

    fn rules_of(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn levels_select_ignore_and_min_level_apply_to_every_rule() {
        let mut f = findings();
        Filter::default().apply(&mut f, Scope::default());
        assert_eq!(f.len(), 3);
        assert_eq!(f[2].severity, Severity::Info);

        let mut f = findings();
        let off = Filter {
            levels: [("invalid-policy".to_string(), Level::Off)].into(),
            ..Filter::default()
        };
        off.apply(&mut f, Scope::default());
        assert_eq!(rules_of(&f), ["unused-action", "no-evidence"]);

        let mut f = findings();
        let sel = Filter {
            select: Some(["no-evidence".to_string()].into()),
            ..Filter::default()
        };
        sel.apply(&mut f, Scope::default());
        assert_eq!(rules_of(&f), ["no-evidence"]);

        let mut f = findings();
        let min = Filter {
            ignore: ["invalid-policy".to_string()].into(),
            min: Some(Severity::Warning),
            levels: [("no-evidence".to_string(), Level::Warning)].into(),
            ..Filter::default()
        };
        min.apply(&mut f, Scope::default());
        assert_eq!(rules_of(&f), ["unused-action", "no-evidence"]);
        assert_eq!(f[1].severity, Severity::Warning);
    }

    #[test]
    fn rule_ids_are_checked_with_a_suggestion() {
        let ok = rule_ids(&["unused-action,no-evidence".into(), " invalid-policy".into()]);
        assert_eq!(ok.unwrap().len(), 3);
        let e = rule_ids(&["unused-acton".into()]).unwrap_err();
        assert!(e.contains("unused-action"), "{e}");
    }
}
