//! Which evidence judges each policy of a file: the file's binds, and, in a template, a bind of
//! the policy's resource or its role's literal `RoleName`; and what git history says each policy
//! gained after its evidence's analysis.

use crate::app::AppError;
use crate::config::Config;
use crate::document::{self, Expect, PolicyAt, Read};
use crate::findings::Snapshot;
use crate::findings::binding::{Evidence, evidence_for};
use crate::findings::time;
use crate::source::git::Repo;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

/// The policies of a text, through its document adapter (none when it holds none).
fn policies(text: &str) -> Vec<PolicyAt> {
    match document::read(text, Expect::Detect) {
        Read::Document(doc) => doc.policies,
        Read::NotPolicy | Read::Invalid(_) => Vec::new(),
    }
}

/// The action patterns a policy grants (lower-cased).
fn granted(at: &PolicyAt) -> BTreeSet<String> {
    at.policy
        .statements
        .iter()
        .flat_map(|s| {
            s.patterns
                .iter()
                .filter(|p| !p.opaque)
                .map(|p| p.text.to_ascii_lowercase())
        })
        .collect()
}

/// Each policy's location, and the patterns it grants that it did not at the analysis.
type Added = Vec<(String, Vec<String>)>;

/// For each policy of `text` (by location), the patterns that the policy at the same location did
/// not grant at the evidence's `analyzedAt` (by git history); empty when history has no version
/// from before then. A document holding one policy then and now is the same policy, wherever it
/// sat (a file later wrapped by the AWS CLI's output).
fn added_after_analysis(repo: &Mutex<Repo>, repo_path: &str, text: &str, ev: &Evidence) -> Added {
    let Some(t) = ev.analyzed_at.as_deref().and_then(time::parse) else {
        return Vec::new();
    };
    let old = match repo.lock() {
        Ok(r) => r.file_at(repo_path, t),
        Err(_) => return Vec::new(),
    };
    let Ok(Some(old)) = old else {
        return Vec::new();
    };
    let then = policies(&String::from_utf8_lossy(&old));
    let now = policies(text);
    let single = then.len() == 1 && now.len() == 1;
    now.iter()
        .map(|at| {
            let before = then
                .iter()
                .find(|o| single || o.location == at.location)
                .map(granted)
                .unwrap_or_default();
            let mut new: Vec<String> = at
                .policy
                .statements
                .iter()
                .flat_map(|s| s.patterns.iter())
                .filter(|p| !p.opaque && !before.contains(&p.text.to_ascii_lowercase()))
                .map(|p| p.text.clone())
                .collect();
            new.sort();
            new.dedup();
            (at.location.clone(), new)
        })
        .collect()
}

/// The evidence of a file's policies: the file's (its `[[bind]]`s without a fragment), and, for a
/// template's policy that a `file#LogicalId` bind or a literal `RoleName` binds, its own.
#[derive(Default)]
pub(super) struct FileEvidence {
    file: Option<Evidence>,
    /// By policy location.
    own: Vec<(String, Evidence)>,
}

impl FileEvidence {
    pub(super) fn find(
        config: &Config,
        rel: &Path,
        path: &Path,
        bytes: &[u8],
        snapshot: &Snapshot,
        stale: bool,
    ) -> Result<FileEvidence, AppError> {
        let stem = path
            .file_stem()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_default();
        let configured = config.principals_for(rel);
        let mut file = evidence_for(&configured, &stem, snapshot, stale)?;
        file.bound_by = if !configured.is_empty() {
            Some("bind")
        } else if file.is_bound() {
            Some("recommendation")
        } else {
            None
        };
        let mut own = Vec::new();
        // Only a template has policies bound one by one; a cheap look before reading it twice.
        let maybe_template = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if let Ok(text) = std::str::from_utf8(bytes)
            && (maybe_template(b"\"Resources\"") || maybe_template(b"AWSTemplateFormatVersion"))
        {
            for at in policies(text) {
                if let Some((principals, how)) = bound_in_template(config, rel, &at) {
                    let mut ev = evidence_for(&principals, &stem, snapshot, stale)?;
                    ev.bound_by = Some(how);
                    own.push((at.location, ev));
                }
            }
        }
        Ok(FileEvidence {
            file: Some(file),
            own,
        })
    }

    pub(super) fn of(&self, at: &PolicyAt) -> Option<&Evidence> {
        self.own
            .iter()
            .find(|(l, _)| *l == at.location)
            .map(|(_, e)| e)
            .or(self.file.as_ref())
    }

    /// Marks what each policy of `text` granted only after its evidence's analysis (git history)
    /// as not judged; true when anything was.
    pub(super) fn history(&mut self, repo: &Mutex<Repo>, repo_path: &str, text: &str) -> bool {
        let mut changed = false;
        let own: Vec<String> = self.own.iter().map(|(l, _)| l.clone()).collect();
        if let Some(ev) = &mut self.file {
            // The policies the file's evidence judges: their additions together.
            let mut new: Vec<String> = added_after_analysis(repo, repo_path, text, ev)
                .into_iter()
                .filter(|(l, _)| !own.contains(l))
                .flat_map(|(_, added)| added)
                .collect();
            new.sort();
            new.dedup();
            if !new.is_empty() {
                ev.not_judged = new;
                changed = true;
            }
        }
        // Each policy's additions, read once per analysis date (a template's policies mostly
        // share their principals' date).
        let mut by_date: Vec<(Option<String>, Added)> = Vec::new();
        for (location, ev) in &mut self.own {
            let i = match by_date.iter().position(|(d, _)| *d == ev.analyzed_at) {
                Some(i) => i,
                None => {
                    let added = added_after_analysis(repo, repo_path, text, ev);
                    by_date.push((ev.analyzed_at.clone(), added));
                    by_date.len() - 1
                }
            };
            let new: Vec<String> = by_date[i]
                .1
                .iter()
                .filter(|(l, _)| l == location)
                .flat_map(|(_, added)| added.iter().cloned())
                .collect();
            if !new.is_empty() {
                ev.not_judged = new;
                changed = true;
            }
        }
        changed
    }
}

/// Whom a template's policy belongs to, and by which step, in this order: a `[[bind]]` naming its
/// resource (or a role a policy resource attaches to) with `file#LogicalId`; else the literal
/// `RoleName` of its role. `None`: the file's own binds decide.
fn bound_in_template(
    config: &Config,
    rel: &Path,
    at: &PolicyAt,
) -> Option<(Vec<String>, &'static str)> {
    let h = &at.hints;
    let ids: Vec<&str> = h
        .logical_id
        .iter()
        .chain(&h.roles)
        .map(String::as_str)
        .collect();
    if !ids.is_empty() && config.has_fragments_for(rel) {
        let bound = config.principals_for_resources(rel, &ids);
        if !bound.is_empty() {
            return Some((bound, "bind-resource"));
        }
    }
    let mut names: Vec<String> = h.role_name.iter().chain(&h.role_names).cloned().collect();
    names.dedup();
    (!names.is_empty()).then_some((names, "role-name"))
}
