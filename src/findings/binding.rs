//! Which principals' evidence applies to a policy file, and what it lets iamtrim remove.

use super::{Snapshot, UnusedSet, time};
use crate::catalog::{ActionPattern, ActionSet, Catalog};
/// The evidence for one policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Every principal bound to the file (config `[[bind]]` and recommendations), as written.
    pub bound: Vec<String>,
    /// Bound principals with findings in the snapshot, by ARN.
    pub found: Vec<String>,
    /// Bound principals with no (detailed, active) finding: no evidence, so nothing is removed.
    pub missing: Vec<String>,
    /// Found principals the analyzer analyzed with no finding (ARN, analyzedAt): evidence that
    /// nothing is unused.
    pub nothing_unused: Vec<(String, String)>,
    /// What every bound principal leaves unused (the intersection); empty when any is missing.
    pub unused: UnusedSet,
    /// The oldest `analyzedAt` among the findings used (the evidence is as old as its oldest part).
    pub analyzed_at: Option<String>,
    pub last_accessed: Option<String>,
    /// The snapshot is older than `max-snapshot-age`.
    pub stale: bool,
    /// Action patterns the file did not grant when the principals were analyzed (git history
    /// says): Access Analyzer cannot have judged them, so what they allow is not taken as unused.
    pub not_judged: Vec<String>,
    /// The clone is shallow and its history begins after the analysis: what the file granted
    /// then is unknown, so nothing of it is judged (rule `shallow-history`).
    pub history_cut: bool,
    /// How the policy was bound (`PolicyRef::bound_by`), set by whoever chose the principals.
    pub bound_by: Option<&'static str>,
    /// A template's roles looked for by the names CloudFormation generates (rule
    /// `generated-role-name`).
    pub generated: Vec<GeneratedName>,
    /// The Terraform policies that load the file with `file()` or `templatefile()`
    /// (`main.tf#aws_iam_role_policy.app`), when the file's binding came through them.
    pub via: Vec<String>,
    /// A Terraform policy's roles looked for by a pattern of their names (rule
    /// `role-name-pattern`).
    pub name_patterns: Vec<NameMatch>,
    /// Terraform: a file of the policy's module that cannot be read as Terraform, so the HCL
    /// binds the policy to nothing (what that file attaches it to is unknown).
    pub unreadable_module_file: Option<String>,
}

/// A Terraform role looked for by a pattern of its name (`name_prefix = "app-"`, `name =
/// "${var.env}-app"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameMatch {
    /// The role's address (`aws_iam_role.app`).
    pub role: String,
    /// The pattern as the HCL writes it (`name_prefix = "app-"`).
    pub written: String,
    /// The snapshot's roles whose names fit: one binds, none or several bind none.
    pub matches: Vec<String>,
}

/// A template's role looked for by its generated name, `<stack>-<LogicalId>-<suffix>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedName {
    pub stack: String,
    pub logical_id: String,
    /// The snapshot's roles of that name: one binds, several bind none.
    pub matches: Vec<String>,
}

impl Evidence {
    pub fn is_bound(&self) -> bool {
        !self.bound.is_empty()
    }

    /// The catalogued actions this evidence says are unused, less what the patterns added after
    /// the analysis allow (none when the history that tells is missing).
    pub fn unused_actions(&self, catalog: &Catalog) -> ActionSet {
        if self.history_cut {
            return ActionSet::default();
        }
        let mut set = self.unused.resolve(catalog);
        for p in self
            .not_judged
            .iter()
            .filter_map(|p| ActionPattern::parse(p))
        {
            set.subtract(&catalog.expand(&p));
        }
        set
    }
}

/// Whether the snapshot's newest finding is older than `max_age_secs` (computed once per run).
pub fn is_stale(snapshot: &Snapshot, max_age_secs: Option<i64>, now: i64) -> bool {
    match (max_age_secs, snapshot.newest_analysis()) {
        (Some(max), Some(newest)) => now - newest > max,
        _ => false,
    }
}

/// The evidence for a file bound to `principals` by the config, and to whichever principals'
/// recommendations name a policy called `file_stem`.
pub fn evidence_for(
    principals: &[String],
    file_stem: &str,
    snapshot: &Snapshot,
    stale: bool,
) -> Result<Evidence, super::FindingsError> {
    let mut bound: Vec<String> = principals.to_vec();
    for p in snapshot.recommended_for_policy(file_stem) {
        if !bound.iter().any(|b| super::principal_matches(&p, b)) {
            bound.push(p);
        }
    }
    let mut ev = Evidence {
        stale,
        ..Evidence::default()
    };
    let mut found = Vec::new();
    for b in &bound {
        match snapshot.find(b)? {
            Some((arn, f)) if !f.details_missing => {
                ev.found.push(arn.to_string());
                if f.nothing_unused {
                    let at = f.analyzed_at.clone().unwrap_or_default();
                    ev.nothing_unused.push((arn.to_string(), at));
                }
                let older = match (&ev.analyzed_at, &f.analyzed_at) {
                    (None, _) => true,
                    (Some(cur), Some(new)) => time::parse(new) < time::parse(cur),
                    _ => false,
                };
                if older {
                    ev.analyzed_at = f.analyzed_at.clone();
                }
                if ev.last_accessed < f.last_accessed {
                    ev.last_accessed = f.last_accessed.clone();
                }
                found.push(f);
            }
            _ => ev.missing.push(b.clone()),
        }
    }
    let sets: Vec<&UnusedSet> = found.iter().map(|f| &f.unused).collect();
    ev.bound = bound;
    if ev.missing.is_empty()
        && let Some((first, rest)) = sets.split_first()
    {
        ev.unused = rest
            .iter()
            .fold((*first).clone(), |acc, s| acc.intersect(s));
    }
    Ok(ev)
}
