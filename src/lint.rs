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
    /// The span of each statement, in order (for the fix loop's bookkeeping).
    pub statements: Vec<std::ops::Range<usize>>,
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
                statements: Vec::new(),
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
                statements: Vec::new(),
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
                statements: Vec::new(),
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
            let refinement = if ev.unused.everything {
                refine::refine_role_unused(&ins)
            } else {
                refine::refine(&ins, &unused, catalog)?
            };
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
        statements: policy.statements.iter().map(|s| s.span.clone()).collect(),
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
    // For each statement of the current text, its index in the original: statements are paired
    // by identity (the edits that removed some), never by what they look like.
    let mut origin: Option<Vec<usize>> = None;
    for _ in 0..64 {
        let linted = lint_text(&current, Expect::Detect, Some(evidence), catalog, levels)?;
        let ids = origin.get_or_insert_with(|| (0..linted.statements.len()).collect());
        if ids.len() != linted.statements.len() {
            return Err(FixError::Broken(
                "lost track of its statements between fix passes".into(),
            ));
        }
        let mut chosen: Vec<Edit> = Vec::new();
        let mut taken = Taken::default();
        for f in &linted.findings {
            let Some(fix) = &f.fix else { continue };
            if fix.applicability < min || fix.applicability == Applicability::DisplayOnly {
                continue;
            }
            if fix.edits.is_empty() || fix.edits.iter().any(|e| taken.overlaps(&e.span)) {
                continue;
            }
            for e in &fix.edits {
                taken.insert(e.span.clone());
            }
            chosen.extend(fix.edits.iter().cloned());
            applied += 1;
        }
        if chosen.is_empty() {
            break;
        }
        // A statement an edit covers whole is gone (edits inside a statement keep it).
        let mut kept = Vec::with_capacity(ids.len());
        for (id, span) in ids.iter().zip(&linted.statements) {
            if !taken.covers(span) {
                kept.push(*id);
            }
        }
        *ids = kept;
        current = edits::apply(&current, &chosen);
    }
    let ids = origin.unwrap_or_default();
    verify_fixed(text, &current, &ids, evidence, catalog)?;
    Ok(Fixed {
        text: current,
        applied,
    })
}

/// The spans a fix pass has taken, sorted and disjoint: overlap tests in logarithmic time, so a
/// pass over a list of 30,000 entries stays linear.
#[derive(Default)]
struct Taken(BTreeMap<usize, usize>);

impl Taken {
    fn overlaps(&self, s: &std::ops::Range<usize>) -> bool {
        // The last span starting at or before `s.start`, and the first starting after it.
        let before = self.0.range(..=s.start).next_back();
        let after = self.0.range(s.start + 1..).next();
        let hit = |(&a, &b): (&usize, &usize)| a == s.start || (a < s.end && s.start < b);
        before.is_some_and(hit) || after.is_some_and(hit)
    }

    fn insert(&mut self, s: std::ops::Range<usize>) {
        self.0.insert(s.start, s.end);
    }

    /// Whether one taken span holds all of `s`.
    fn covers(&self, s: &std::ops::Range<usize>) -> bool {
        self.0
            .range(..=s.start)
            .next_back()
            .is_some_and(|(_, &end)| end >= s.end)
    }
}

/// Statements as (effect, key, everything but the action list, allowed actions).
struct Shape {
    effect: Effect,
    key: ActionKey,
    rest: String,
    allowed: ActionSet,
}

/// A policy's statement shapes, its members other than `Statement` (whitespace dropped), and its
/// number of grammar problems.
struct Shapes {
    statements: Vec<Shape>,
    top: String,
    issues: usize,
}

/// `text[span]` without whitespace outside strings is what IAM compares; dropping all of it is
/// close enough for "unchanged" (a string that only gained spaces is no edit we make).
fn squeezed(text: &str, span: &std::ops::Range<usize>) -> String {
    text[span.clone()].split_whitespace().collect()
}

fn shapes(text: &str, catalog: &Catalog) -> Result<Shapes, String> {
    let root = json::parse(text).map_err(|e| format!("does not parse: {}", e.message))?;
    let (doc, _) = model::locate(&root).ok_or("is no longer a policy")?;
    let (policy, issues) = model::read(doc);
    let items: Vec<&json::Value> = match doc.get("Statement").map(|v| &v.kind) {
        Some(Kind::Array(a)) => a.iter().collect(),
        Some(_) => doc.get("Statement").into_iter().collect(),
        None => Vec::new(),
    };
    let top: Vec<String> = doc
        .as_object()
        .unwrap_or_default()
        .iter()
        .filter(|m| m.key != "Statement")
        .map(|m| format!("{}={}", m.key, squeezed(text, &m.value.span)))
        .collect();
    let mut out = Vec::new();
    for (stmt, item) in policy.statements.iter().zip(items) {
        let rest: Vec<String> = item
            .as_object()
            .unwrap_or_default()
            .iter()
            .filter(|m| m.key != "Action" && m.key != "NotAction")
            .map(|m| format!("{}={}", m.key, squeezed(text, &m.value.span)))
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
    Ok(Shapes {
        statements: out,
        top: top.join(","),
        issues: issues.len(),
    })
}

/// The fixed text parses as a policy with no new grammar problem and the same members besides
/// `Statement`. Statements are paired by identity: `kept[j]` is the original index of the fixed
/// text's statement `j`. Each kept statement has the same `Effect`, `Resource`, `Condition`,
/// `Principal` and `Sid`, and allows no more than before and no less than before minus the unused
/// actions; a removed statement allowed only unused actions.
fn verify_fixed(
    before: &str,
    after: &str,
    kept: &[usize],
    evidence: &Evidence,
    catalog: &Catalog,
) -> Result<(), FixError> {
    let broken = |m: String| FixError::Broken(m);
    let old = shapes(before, catalog).map_err(broken)?;
    let new = shapes(after, catalog).map_err(broken)?;
    if new.issues > old.issues {
        return Err(broken(
            "has policy grammar problems the original did not".into(),
        ));
    }
    if new.top != old.top {
        return Err(broken("changed the policy beyond its statements".into()));
    }
    if new.statements.len() != kept.len() || kept.windows(2).any(|w| w[0] >= w[1]) {
        return Err(broken(format!(
            "has {} statements where {} were expected",
            new.statements.len(),
            kept.len()
        )));
    }
    let unused = evidence.unused_actions(catalog);
    let removable = |o: &Shape| {
        o.effect == Effect::Allow && o.key == ActionKey::Action && unused.contains_all(&o.allowed)
    };
    let mut next = kept.iter().zip(&new.statements).peekable();
    for (i, o) in old.statements.iter().enumerate() {
        let Some((_, n)) = next.next_if(|(k, _)| **k == i) else {
            if removable(o) {
                continue;
            }
            return Err(broken(format!(
                "removed statement {}, which allows used actions",
                i + 1
            )));
        };
        if n.rest != o.rest || n.effect != o.effect || n.key != o.key {
            return Err(broken(format!(
                "changed statement {} beyond its actions",
                i + 1
            )));
        }
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
    if next.next().is_some() {
        return Err(broken("has statements the original did not".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::UnusedSet;

    fn evidence(unused: &[(&str, &str)]) -> Evidence {
        let mut u = UnusedSet::default();
        for (svc, a) in unused {
            u.add_action(svc, a);
        }
        Evidence {
            bound: vec!["role/r".into()],
            found: vec!["arn:aws:iam::1:role/r".into()],
            unused: u,
            ..Evidence::default()
        }
    }

    const BEFORE: &str = r#"{"Statement":[{"Effect":"Allow","Action":"sqs:DeleteQueue","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    const AFTER: &str =
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    #[test]
    fn verifier_pairs_statements_by_identity() {
        let cat = Catalog::embedded();
        let ev = evidence(&[("sqs", "DeleteQueue")]);
        // Statement 1 went, statement 2 stayed: right.
        assert!(verify_fixed(BEFORE, AFTER, &[1], &ev, cat).is_ok());
        // Paired with the wrong original (the removed one), the same text fails.
        assert!(matches!(
            verify_fixed(BEFORE, AFTER, &[0], &ev, cat),
            Err(FixError::Broken(_))
        ));
        // A used statement may not vanish, a statement may not appear.
        let ev_none = evidence(&[]);
        assert!(verify_fixed(BEFORE, AFTER, &[1], &ev_none, cat).is_err());
        assert!(verify_fixed(AFTER, BEFORE, &[0], &ev, cat).is_err());
        // Members besides `Statement` must not change.
        let versioned = AFTER.replacen('{', r#"{"Version":"2012-10-17","#, 1);
        assert!(verify_fixed(AFTER, &versioned, &[0], &ev, cat).is_err());
    }

    #[test]
    fn fix_loop_removes_the_right_look_alike() {
        let cat = Catalog::embedded();
        let ev = evidence(&[("sqs", "DeleteQueue")]);
        let fixed = fix(BEFORE, Applicability::Safe, &ev, cat, &BTreeMap::new()).unwrap();
        assert_eq!(fixed.text, AFTER);
    }

    #[test]
    fn taken_spans() {
        let mut t = Taken::default();
        t.insert(10..20);
        t.insert(30..30);
        assert!(t.overlaps(&(15..16)) && t.overlaps(&(5..11)) && t.overlaps(&(19..25)));
        assert!(!t.overlaps(&(20..30)) && !t.overlaps(&(0..10)));
        assert!(t.overlaps(&(30..30)) && t.overlaps(&(29..31)) && t.overlaps(&(30..35)));
        assert!(t.covers(&(12..20)) && !t.covers(&(12..21)) && !t.covers(&(5..12)));
    }
}
