//! The rules: one file each, a plain static registry. Rules say *what* is wrong and where (a span
//! the policy model gives them); their fix-its are policy edits that the document's adapter
//! renders as byte edits in the document's style.

mod duplicate_action;
mod generated_role_name;
mod hygiene;
mod invalid_policy;
mod newer_than_snapshot;
mod no_evidence;
mod not_action_allow;
mod not_judged;
mod overbroad_wildcard;
mod quota;
mod redundant_action;
mod retired;
mod role_name_pattern;
mod shallow_history;
mod unknown_action;
mod unknown_service;
mod unused_action;
mod unused_policy;
mod unused_service;
mod unused_statement;
mod unused_suppression;
mod wildcard_action;

use crate::catalog::{ActionSet, Catalog};
use crate::diagnostic::{Applicability, Edit, Finding, Severity};
use crate::document::{Document, PolicyAt, PolicyEdit};
use crate::findings::UnusedService;
use crate::findings::binding::Evidence;
use crate::policy::model::Policy;
use crate::refine::Refinement;

pub use generated_role_name::check as check_generated;
pub use invalid_policy::from_issues;
pub use newer_than_snapshot::check as check_not_judged;
pub use no_evidence::check as check_evidence;
pub(crate) use not_judged::{notes as document_notes, sealed as check_sealed};
pub use quota::{exceeded as over_size_quota, iam_size};
pub use role_name_pattern::{check as check_name_pattern, unbound_why as name_pattern_why};
pub use shallow_history::check as check_history;
pub use unknown_action::check as check_unknown;
pub(crate) use unknown_action::distance as edit_distance;
pub use unused_suppression::check as check_suppressions;

/// What `iamtrim rules` and `iamtrim explain` show.
pub struct RuleInfo {
    pub id: &'static str,
    pub summary: &'static str,
    pub default: Severity,
    /// Markdown: What it does / Why is this bad? / Example / Fix safety.
    pub doc: &'static str,
    /// What the rule is about: its tags and security severity for code scanning.
    pub kind: Kind,
}

/// What a rule is about, for SARIF's `properties.tags` and `properties.security-severity`.
///
/// The security severity (GitHub code scanning reads it from the rule: above 9.0 critical,
/// 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low) comes from the kind and the rule's
/// default level:
///
/// | kind      | error | warning | note | rules |
/// |-----------|-------|---------|------|-------|
/// | `Unused`  | 7.5   | 5.5     | 3.0  | unused-action, overbroad-wildcard, unused-service, unused-statement, unused-policy |
/// | `Broad`   | 8.0   | 6.0     | 3.0  | wildcard-action, not-action-allow |
/// | `Hygiene` | 3.9   | 2.0     | 1.0  | duplicate-action, redundant-action, unknown-action, unknown-service |
/// | `Input`   | 4.0   | 3.0     | 1.0  | invalid-policy: a file iamtrim cannot judge |
/// | `Note`, `Config` | 3.0 | 1.0 | 0.1 | what was not judged and why; the config's own housekeeping |
///
/// Every rule is tagged `security` (code scanning lists iamtrim as a security tool); the notes
/// score low so that they sort below every finding about a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Evidence says a grant is unused: excess privilege.
    Unused,
    /// A grant wider than it reads, evidence or not (`*`, `Allow` + `NotAction`).
    Broad,
    /// Evidence-free tidiness of action lists: duplicates, covered entries, unknown names.
    Hygiene,
    /// The file is not a policy iamtrim can read.
    Input,
    /// What was left unjudged or how a policy was bound: information.
    Note,
    /// iamtrim.toml's own suppressions.
    Config,
}

impl Kind {
    pub fn tags(self) -> &'static [&'static str] {
        match self {
            Kind::Unused => &["security", "iam", "least-privilege"],
            Kind::Broad => &["security", "iam", "least-privilege", "hygiene"],
            Kind::Hygiene => &["security", "iam", "hygiene"],
            Kind::Input => &["security", "iam", "correctness"],
            Kind::Note => &["security", "iam", "coverage"],
            Kind::Config => &["security", "iam", "configuration"],
        }
    }

    /// The score for a result of this kind at `level` (see the table above).
    pub fn security_severity(self, level: Severity) -> Option<&'static str> {
        let [error, warning, note] = match self {
            Kind::Unused => ["7.5", "5.5", "3.0"],
            Kind::Broad => ["8.0", "6.0", "3.0"],
            Kind::Hygiene => ["3.9", "2.0", "1.0"],
            Kind::Input => ["4.0", "3.0", "1.0"],
            Kind::Note | Kind::Config => ["3.0", "1.0", "0.1"],
        };
        Some(match level {
            Severity::Error => error,
            Severity::Warning => warning,
            Severity::Info => note,
        })
    }
}

impl RuleInfo {
    /// The rule's human name: its id in PascalCase (`unused-action` is `UnusedAction`), as SARIF
    /// recommends for `reportingDescriptor.name`.
    pub fn name(&self) -> String {
        self.id
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The doc's "What it does" section as one paragraph (SARIF's `fullDescription`; GitHub
    /// shows up to 1,024 characters), or the summary when the doc has none.
    pub fn description(&self) -> String {
        const MAX: usize = 1024;
        let section: Vec<&str> = self
            .doc
            .lines()
            .skip_while(|l| *l != "## What it does")
            .skip(1)
            .take_while(|l| !l.starts_with('#'))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let text = section.join(" ");
        if text.is_empty() {
            return self.summary.to_string();
        }
        if text.len() <= MAX {
            return text;
        }
        // Cut at a space, within the limit once the ellipsis is added.
        let mut end = MAX - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = text[..end].rfind(' ').unwrap_or(end);
        format!("{}…", text[..cut].trim_end())
    }

    /// The rule's security severity at its default level (what code scanning reads).
    pub fn security_severity(&self) -> Option<&'static str> {
        self.kind.security_severity(self.default)
    }
}

/// `docs/rules.md`: every rule's documentation (`iamtrim explain`), one section per rule under a
/// heading that is its id (so `rules.md#unused-action` points at it), generated from [`RULES`].
pub fn docs_page() -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let mut out = String::from(
        "# iamtrim rules\n\n\
         <!-- Generated from the rules' own docs (what `iamtrim explain RULE` prints): run\n\
         `IAMTRIM_UPDATE_DOCS=1 cargo test --test it rules_doc` after changing a rule. -->\n\n\
         | Rule | Default level | Security severity | Summary |\n\
         |------|---------------|-------------------|---------|\n",
    );
    for r in RULES {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} | {} |\n",
            r.id,
            r.id,
            level(r.default),
            r.security_severity().unwrap_or("none"),
            r.summary.replace('|', "\\|")
        ));
    }
    for r in RULES {
        out.push_str(&format!("\n## {}\n\n{}.\n\n", r.id, r.summary));
        out.push_str(&format!(
            "Name `{}`. Default level `{}`. Tags: {}. Security severity: {}.\n\n",
            r.name(),
            level(r.default),
            r.kind
                .tags()
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", "),
            r.security_severity()
                .unwrap_or("none (not a security result)")
        ));
        // The doc's own sections sit one level below the rule's heading.
        let mut fenced = false;
        for line in r.doc.lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            if !fenced && line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub static RULES: &[&RuleInfo] = &[
    &duplicate_action::INFO,
    &generated_role_name::INFO,
    &invalid_policy::INFO,
    &newer_than_snapshot::INFO,
    &no_evidence::INFO,
    &not_action_allow::INFO,
    &not_judged::INFO,
    &overbroad_wildcard::INFO,
    &redundant_action::INFO,
    &role_name_pattern::INFO,
    &shallow_history::INFO,
    &unknown_action::INFO,
    &unknown_service::INFO,
    &unused_action::INFO,
    &unused_policy::INFO,
    &unused_service::INFO,
    &unused_statement::INFO,
    &unused_suppression::INFO,
    &unused_suppression::EXPIRED,
    &wildcard_action::INFO,
];

/// The evidence-free hygiene rules of one policy's action lists.
pub const HYGIENE_RULES: &[&str] = &[
    "duplicate-action",
    "redundant-action",
    "wildcard-action",
    "not-action-allow",
];

/// Rules whose findings rest on the snapshot: git history may overrule them, and a statement
/// whose `Sid` starts with `ignore-sid-prefix` is skipped by them.
pub const EVIDENCE_RULES: &[&str] = &[
    "unused-action",
    "overbroad-wildcard",
    "unused-service",
    "unused-statement",
    "unused-policy",
];

pub fn find(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Everything the unused-access rules look at, for one policy of a document.
pub struct Ctx<'a> {
    pub(crate) doc: &'a Document<'a>,
    pub(crate) at: &'a PolicyAt,
    pub policy: &'a Policy,
    pub refinement: &'a Refinement,
    pub evidence: &'a Evidence,
    pub unused: &'a ActionSet,
    pub catalog: &'a Catalog,
}

impl Ctx<'_> {
    /// The byte edit for a change to this policy, in the document's style (`None`: the document
    /// cannot express it).
    pub(crate) fn render(&self, edit: &PolicyEdit) -> Option<Edit> {
        self.doc.render(self.at, edit)
    }

    /// How far a fix built on this evidence may be trusted.
    pub fn applicability(&self, service_level: bool) -> Applicability {
        if self.evidence.stale || service_level {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        }
    }

    /// "role/MyRole (analyzed 2024-06-10)" for messages.
    pub fn who(&self) -> String {
        let names: Vec<&str> = self
            .evidence
            .found
            .iter()
            .map(|a| a.rsplit(':').next().unwrap_or(a))
            .collect();
        let mut s = names.join(", ");
        if let Some(at) = &self.evidence.analyzed_at {
            s.push_str(&format!(" (analyzed {})", at.get(..10).unwrap_or(at)));
        }
        s
    }

    /// Whether the whole service of a pattern is unused (so removing it is a service-level call).
    pub fn service_wholly_unused(&self, pattern: &str) -> bool {
        let u = &self.evidence.unused;
        u.everything
            || pattern
                .split_once(':')
                .and_then(|(svc, _)| u.services.get(&svc.to_ascii_lowercase()))
                .is_some_and(|s| matches!(s, UnusedService::All))
    }

    /// The unused actions a pattern matches, spelled `service:Action`, sorted (for messages).
    pub fn unused_matched(&self, pattern: &str) -> Vec<String> {
        let Some(p) = crate::catalog::ActionPattern::parse(pattern) else {
            return Vec::new();
        };
        let mut m = self.catalog.expand(&p);
        m.intersect(self.unused);
        let mut out = Vec::new();
        for (svc, bits) in m.iter() {
            let s = self.catalog.service(svc);
            out.extend(
                bits.iter()
                    .map(|i| format!("{}:{}", s.prefix, s.actions[i].name)),
            );
        }
        out
    }
}

/// One `Action` entry the refinement decided about, in a statement that stays.
pub struct Decided<'a> {
    pub pattern: &'a crate::policy::model::PatternAt,
    pub decision: &'a crate::refine::Decision,
    /// Its statement's index in the policy, and its own in the statement's list (for edits).
    pub statement: usize,
    pub index: usize,
    pub stmt: &'a crate::policy::model::Stmt,
}

impl Ctx<'_> {
    /// Every entry of the statements that are not removed whole, with its decision.
    pub fn decided(&self) -> Vec<Decided<'_>> {
        let mut out = Vec::new();
        for (statement, (stmt, res)) in self
            .policy
            .statements
            .iter()
            .zip(&self.refinement.statements)
            .enumerate()
        {
            if res.removed {
                continue;
            }
            for (index, (pattern, decision)) in stmt.patterns.iter().zip(&res.decisions).enumerate()
            {
                out.push(Decided {
                    pattern,
                    decision,
                    statement,
                    index,
                    stmt,
                });
            }
        }
        out
    }
}

/// Every unused-access finding for one policy.
pub fn check_unused(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    if ctx.refinement.detach {
        unused_policy::check(ctx, &mut out);
        return out;
    }
    unused_statement::check(ctx, &mut out);
    unused_service::check(ctx, &mut out);
    unused_action::check(ctx, &mut out);
    overbroad_wildcard::check(ctx, &mut out);
    quota::check(ctx, &mut out);
    out
}

/// The evidence-free hygiene rules of one policy. `own`: the policy's findings so far; a
/// statement with unused-access fixes gets no removal fix yet (the fix loop offers it on the next
/// pass, once those are applied: a refinement may lean on the entry it would remove).
pub(crate) fn check_hygiene(
    doc: &Document<'_>,
    at: &PolicyAt,
    catalog: &Catalog,
    own: &[Finding],
) -> Vec<Finding> {
    let statements = &at.policy.statements;
    let withheld: Vec<usize> = statements
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            own.iter().any(|f| {
                EVIDENCE_RULES.contains(&f.rule)
                    && f.fix.as_ref().is_some_and(|x| {
                        x.edits
                            .iter()
                            .any(|e| e.span.start < s.span.end && s.span.start < e.span.end)
                    })
            })
        })
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    let entries = hygiene::Entries::new(doc, at, catalog, &withheld);
    duplicate_action::check(&entries, &mut out);
    redundant_action::check(&entries, &mut out);
    // A wildcard the evidence judges has that finding, more precise than this one.
    let mut wild = Vec::new();
    wildcard_action::check(&at.policy, &mut wild);
    wild.retain(|w| {
        !own.iter()
            .any(|f| f.span == w.span && EVIDENCE_RULES.contains(&f.rule))
    });
    out.extend(wild);
    not_action_allow::check(&at.policy, &mut out);
    out
}

/// Short list for messages: the first few, then a count.
pub fn short_list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, and {} more",
            items[..max].join(", "),
            items.len() - max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, RuleInfo};
    use crate::diagnostic::Severity;

    fn rule(doc: &'static str) -> RuleInfo {
        RuleInfo {
            id: "some-rule",
            summary: "A summary",
            default: Severity::Warning,
            doc,
            kind: Kind::Hygiene,
        }
    }

    #[test]
    fn description_is_what_it_does_within_1024_characters() {
        let r = rule("## What it does\nFlags a\nthing.\n\n## Why is this bad?\nIt is.");
        assert_eq!(r.description(), "Flags a thing.");
        assert_eq!(r.name(), "SomeRule");
        assert_eq!(rule("No sections.").description(), "A summary");
        let long: &'static str = Box::leak(
            format!("## What it does\n{}\n## Example\n", "wordé ".repeat(300)).into_boxed_str(),
        );
        let d = rule(long).description();
        assert!(d.chars().count() <= 1024 && d.len() <= 1024, "{}", d.len());
        assert!(d.ends_with("wordé…"), "{d}");
        let one_word: &'static str =
            Box::leak(format!("## What it does\n{}\n", "é".repeat(2000)).into_boxed_str());
        assert!(rule(one_word).description().len() <= 1024);
    }
}
