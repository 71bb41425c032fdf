//! The pure core of `check`: a file's bytes in, findings with byte spans out; and the fix loop.
//! No I/O here.

use crate::catalog::{ActionPattern, ActionSet, Catalog};
use crate::config::Level;
use crate::diagnostic::{Applicability, Edit, Finding, Severity};
use crate::findings::binding::Evidence;
use crate::fix::edits;
use crate::policy::json::{self, Kind};
use crate::policy::model;
use crate::refine::{self, ActionKey, Effect, VerifyError};
use crate::rules::{self, Ctx};
use std::collections::BTreeMap;

/// Whether the file is a policy, and what was found in it.
#[derive(Debug, Default)]
pub struct Linted {
    /// False: not a policy (skipped silently unless `include` named it).
    pub is_policy: bool,
    pub findings: Vec<Finding>,
}

/// What decides which files are policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `include` named the file: it must be a policy.
    Policy,
    /// Any JSON file: a policy if it looks like one, skipped otherwise.
    Detect,
}

/// Lints one file's bytes.
pub fn lint(
    bytes: &[u8],
    expect: Expect,
    evidence: Option<&Evidence>,
    catalog: &Catalog,
    levels: &BTreeMap<String, Level>,
) -> Result<Linted, VerifyError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            return Ok(Linted {
                is_policy: true,
                findings: vec![
                    Finding::new(
                        "invalid-policy",
                        at..at,
                        format!("invalid UTF-8 at byte {at}: a policy must be UTF-8 text"),
                    )
                    .label("here"),
                ],
            });
        }
    };
    lint_text(text, expect, evidence, catalog, levels)
}

pub fn lint_text(
    text: &str,
    expect: Expect,
    evidence: Option<&Evidence>,
    catalog: &Catalog,
    levels: &BTreeMap<String, Level>,
) -> Result<Linted, VerifyError> {
    let root = match json::parse(text) {
        Ok(v) => v,
        Err(e) => {
            // A file that is not JSON is only our business when it must be a policy, or claims to be.
            let looks = expect == Expect::Policy || text.contains("\"Statement\"");
            return Ok(Linted {
                is_policy: looks,
                findings: if looks {
                    vec![
                        Finding::new(
                            "invalid-policy",
                            e.span,
                            format!("invalid JSON: {}", e.message),
                        )
                        .label("here"),
                    ]
                } else {
                    Vec::new()
                },
            });
        }
    };
    let Some((doc, _)) = model::locate(&root) else {
        if expect == Expect::Policy {
            let f = Finding::new(
                "invalid-policy",
                root.span.start..root.span.start.saturating_add(1).min(text.len()),
                format!(
                    "not an IAM policy: expected an object with `Statement`, found {}",
                    root.type_name()
                ),
            )
            .label("here");
            return Ok(Linted {
                is_policy: true,
                findings: vec![f],
            });
        }
        return Ok(Linted::default());
    };
    let (policy, issues) = model::read(doc);
    let mut findings = rules::from_issues(&issues);
    findings.extend(rules::check_unknown(&policy, catalog));
    if let Some(ev) = evidence {
        if let Some(f) = rules::check_evidence(ev, policy.statement_key_span.clone()) {
            findings.push(f);
        }
        let unused = ev.unused_actions(catalog);
        if !unused.is_empty() {
            let ins: Vec<_> = policy.statements.iter().map(|s| s.input.clone()).collect();
            let refinement = refine::refine(&ins, &unused, catalog)?;
            let ctx = Ctx {
                text,
                policy: &policy,
                refinement: &refinement,
                evidence: ev,
                unused: &unused,
                catalog,
            };
            findings.extend(rules::check_unused(&ctx));
        }
        findings.extend(rules::check_not_judged(&policy, ev, catalog));
    }
    findings.retain_mut(|f| match levels.get(f.rule) {
        Some(Level::Off) => false,
        Some(Level::Error) => {
            f.severity = Severity::Error;
            true
        }
        Some(Level::Warning) => {
            f.severity = Severity::Warning;
            true
        }
        Some(Level::Info) => {
            f.severity = Severity::Info;
            true
        }
        None => {
            f.severity = rules::find(f.rule).map_or(Severity::Error, |r| r.default);
            true
        }
    });
    findings.sort_by_key(|f| (f.span.start, f.span.end));
    Ok(Linted {
        is_policy: true,
        findings,
    })
}

/// The result of fixing one file.
#[derive(Debug)]
pub struct Fixed {
    pub text: String,
    pub applied: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("internal error: the fixed file {0}; nothing was written")]
    Broken(String),
}

/// Applies every fix at or above `min`, a pass at a time (edits of one pass never overlap; the text
/// is re-parsed between passes), then verifies the result against the original.
pub fn fix(
    text: &str,
    min: Applicability,
    evidence: &Evidence,
    catalog: &Catalog,
    levels: &BTreeMap<String, Level>,
) -> Result<Fixed, FixError> {
    let mut current = text.to_string();
    let mut applied = 0;
    for _ in 0..64 {
        let linted = lint_text(&current, Expect::Detect, Some(evidence), catalog, levels)?;
        let mut chosen: Vec<Edit> = Vec::new();
        let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
        for f in &linted.findings {
            let Some(fix) = &f.fix else { continue };
            if fix.applicability < min || fix.applicability == Applicability::DisplayOnly {
                continue;
            }
            let overlaps = fix.edits.iter().any(|e| {
                taken
                    .iter()
                    .any(|t| e.span.start < t.end && t.start < e.span.end || e.span == *t)
            });
            if overlaps || fix.edits.is_empty() {
                continue;
            }
            taken.extend(fix.edits.iter().map(|e| e.span.clone()));
            chosen.extend(fix.edits.iter().cloned());
            applied += 1;
        }
        if chosen.is_empty() {
            break;
        }
        current = edits::apply(&current, &chosen);
    }
    verify_fixed(text, &current, evidence, catalog)?;
    Ok(Fixed {
        text: current,
        applied,
    })
}

/// Statements as (effect, key, everything but the action list, allowed actions).
struct Shape {
    effect: Effect,
    key: ActionKey,
    rest: String,
    allowed: ActionSet,
}

fn shapes(text: &str, catalog: &Catalog) -> Result<(Vec<Shape>, usize), String> {
    let root = json::parse(text).map_err(|e| format!("does not parse: {}", e.message))?;
    let (doc, _) = model::locate(&root).ok_or("is no longer a policy")?;
    let (policy, issues) = model::read(doc);
    let items: Vec<&json::Value> = match doc.get("Statement").map(|v| &v.kind) {
        Some(Kind::Array(a)) => a.iter().collect(),
        Some(_) => vec![doc.get("Statement").expect("matched")],
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (stmt, item) in policy.statements.iter().zip(items) {
        let rest: Vec<String> = item
            .as_object()
            .unwrap_or_default()
            .iter()
            .filter(|m| m.key != "Action" && m.key != "NotAction")
            .map(|m| {
                format!(
                    "{}={}",
                    m.key,
                    &text[m.value.span.clone()]
                        .split_whitespace()
                        .collect::<String>()
                )
            })
            .collect();
        let mut allowed = ActionSet::default();
        for p in stmt
            .patterns
            .iter()
            .filter_map(|p| ActionPattern::parse(&p.text))
        {
            catalog.expand_into(&p, &mut allowed);
        }
        out.push(Shape {
            effect: stmt.input.effect,
            key: stmt.input.key,
            rest: rest.join(","),
            allowed,
        });
    }
    Ok((out, issues.len()))
}

/// The fixed text parses as a policy with no new grammar problem; every statement kept the same
/// `Effect`, `Resource`, `Condition`, `Principal` and `Sid`; each allows no more than before and
/// no less than before minus the unused actions; a removed statement allowed only unused actions.
fn verify_fixed(
    before: &str,
    after: &str,
    evidence: &Evidence,
    catalog: &Catalog,
) -> Result<(), FixError> {
    let broken = |m: String| FixError::Broken(m);
    let (old, old_issues) = shapes(before, catalog).map_err(broken)?;
    let (new, new_issues) = shapes(after, catalog).map_err(broken)?;
    if new_issues > old_issues {
        return Err(broken(
            "has policy grammar problems the original did not".into(),
        ));
    }
    let unused = evidence.unused_actions(catalog);
    let mut j = 0;
    for (i, o) in old.iter().enumerate() {
        let Some(n) = new.get(j) else {
            if o.effect == Effect::Allow
                && o.key == ActionKey::Action
                && unused.contains_all(&o.allowed)
            {
                continue;
            }
            return Err(broken(format!("lost statement {}", i + 1)));
        };
        if n.rest != o.rest || n.effect != o.effect || n.key != o.key {
            if o.effect == Effect::Allow
                && o.key == ActionKey::Action
                && unused.contains_all(&o.allowed)
            {
                continue;
            }
            return Err(broken(format!(
                "changed statement {} beyond its actions",
                i + 1
            )));
        }
        j += 1;
        let ok = match (o.effect, o.key) {
            (Effect::Allow, ActionKey::Action) => {
                let mut floor = o.allowed.clone();
                floor.subtract(&unused);
                o.allowed.contains_all(&n.allowed) && n.allowed.contains_all(&floor)
            }
            (Effect::Allow, ActionKey::NotAction) => {
                let mut ceiling = o.allowed.clone();
                ceiling.union(&unused);
                n.allowed.contains_all(&o.allowed) && ceiling.contains_all(&n.allowed)
            }
            _ => n.allowed == o.allowed,
        };
        if !ok {
            return Err(broken(format!(
                "would change what statement {} allows beyond the unused actions",
                i + 1
            )));
        }
    }
    if j != new.len() {
        return Err(broken("has statements the original did not".into()));
    }
    Ok(())
}
