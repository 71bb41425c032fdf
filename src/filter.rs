//! The one place findings are kept or dropped: rule levels from `iamtrim.toml`, `--select`,
//! `--ignore` and `--min-level`, applied to every finding of a file (read and grammar errors
//! included) after the rules ran and before the fix loop and the output see them. A finding
//! dropped here is neither shown nor fixed.

use crate::config::Level;
use crate::diagnostic::{Finding, Severity};
use crate::rules;
use std::collections::{BTreeMap, BTreeSet};

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

impl Filter {
    /// Whether a rule's findings may be reported at all (its level is not `off`, and the
    /// command line selects it).
    pub fn rule_on(&self, rule: &str) -> bool {
        !matches!(self.levels.get(rule), Some(Level::Off))
            && self.select.as_ref().is_none_or(|s| s.contains(rule))
            && !self.ignore.contains(rule)
    }

    /// Keeps the findings the filter lets through, each at the severity its level gives it.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
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
            self.min.is_none_or(|m| f.severity >= m)
        });
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
        Filter::default().apply(&mut f);
        assert_eq!(f.len(), 3);
        assert_eq!(f[2].severity, Severity::Info);

        let mut f = findings();
        let off = Filter {
            levels: [("invalid-policy".to_string(), Level::Off)].into(),
            ..Filter::default()
        };
        off.apply(&mut f);
        assert_eq!(rules_of(&f), ["unused-action", "no-evidence"]);

        let mut f = findings();
        let sel = Filter {
            select: Some(["no-evidence".to_string()].into()),
            ..Filter::default()
        };
        sel.apply(&mut f);
        assert_eq!(rules_of(&f), ["no-evidence"]);

        let mut f = findings();
        let min = Filter {
            ignore: ["invalid-policy".to_string()].into(),
            min: Some(Severity::Warning),
            levels: [("no-evidence".to_string(), Level::Warning)].into(),
            ..Filter::default()
        };
        min.apply(&mut f);
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
