//! The fix verifier: the fixed text, re-read through the same document adapter, holds the same
//! policies at the same locations, and each allows exactly what its original did minus the unused
//! actions, over the whole catalogue. A failure is an internal error: nothing is written.

use crate::catalog::{ActionPattern, ActionSet, Catalog};
use crate::document::{self, Cause, Expect, Invalid, Read};
use crate::lint::EvidenceFor;
use crate::refine::{ActionKey, Effect};

/// Statements as (effect, key, everything but the action list, allowed actions).
struct Shape {
    effect: Effect,
    key: ActionKey,
    rest: String,
    allowed: ActionSet,
}

/// A policy's location, statement shapes, its members other than its statements (whitespace
/// dropped), and its number of grammar problems.
struct Shapes {
    location: String,
    statements: Vec<Shape>,
    top: String,
    issues: usize,
    /// The unused actions by its evidence (the original's; empty for the fixed text).
    unused: ActionSet,
    /// The policy document's span in the text.
    span: std::ops::Range<usize>,
}

/// Every policy of a text, re-read through the document's adapter.
fn shapes(
    text: &str,
    evidence: Option<&EvidenceFor<'_>>,
    catalog: &Catalog,
) -> Result<Vec<Shapes>, String> {
    let doc = match document::read(text, Expect::Policy) {
        Read::Document(doc) => doc,
        Read::Invalid(Invalid {
            cause: Cause::Syntax(why),
            ..
        }) => return Err(format!("does not parse: {why}")),
        Read::Invalid(_) | Read::NotPolicy => return Err("is no longer a policy".into()),
    };
    let mut all = Vec::with_capacity(doc.policies.len());
    for at in &doc.policies {
        let frame = doc.frame(at);
        let mut out = Vec::new();
        for (stmt, rest) in at.policy.statements.iter().zip(frame.statements) {
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
                rest,
                allowed,
            });
        }
        all.push(Shapes {
            location: at.location.clone(),
            statements: out,
            top: frame.top,
            issues: at.issues.len(),
            unused: evidence
                .and_then(|ev| ev(at))
                .map(|ev| ev.unused_actions(catalog))
                .unwrap_or_default(),
            span: at.policy.span.clone(),
        });
    }
    Ok(all)
}

/// The fixed text holds the same policies, at the same locations, each verified against its
/// original by `verify_policy` with its own evidence; `kept[p]` pairs policy `p`'s statements.
pub(crate) fn verify_policies(
    before: &str,
    after: &str,
    kept: &[Vec<usize>],
    evidence: &EvidenceFor<'_>,
    catalog: &Catalog,
) -> Result<(), String> {
    let old = shapes(before, Some(evidence), catalog)?;
    let new = shapes(after, None, catalog)?;
    if new.len() != old.len()
        || kept.len() != old.len()
        || old.iter().zip(&new).any(|(o, n)| o.location != n.location)
    {
        return Err(format!(
            "has {} policies where {} were expected",
            new.len(),
            old.len()
        ));
    }
    for ((o, n), kept) in old.iter().zip(&new).zip(kept) {
        verify_policy(o, n, kept)?;
    }
    if !same_outside(before, &old, after, &new) {
        return Err("changed the document outside its policies".into());
    }
    Ok(())
}

/// Past the blanks, line breaks and comment-only lines after `pos` (a YAML policy ends at its last
/// token: when its last lines go, the comments and blank lines that were inside it follow its new
/// end; they are layout, not the text around it).
fn after_layout(text: &str, pos: usize) -> usize {
    let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    let layout = |line: &str| {
        let t = line
            .trim_start_matches([' ', '\t'])
            .trim_end_matches(['\r', '\n']);
        t.is_empty() || t.starts_with('#')
    };
    let mut at = line_end(pos);
    if !layout(&text[pos..at]) {
        return pos;
    }
    while at < text.len() {
        let end = line_end(at);
        if !layout(&text[at..end]) {
            break;
        }
        at = end;
    }
    at
}

/// Whether the text between and around the policies (a template's other resources, a wrapper) is
/// byte for byte the same: fixes edit policies and nothing else.
fn same_outside(before: &str, old: &[Shapes], after: &str, new: &[Shapes]) -> bool {
    let gaps = |text: &str, policies: &[Shapes]| -> Option<Vec<String>> {
        let mut out = Vec::with_capacity(policies.len() + 1);
        let mut pos = 0;
        for p in policies {
            out.push(text.get(pos..p.span.start)?.to_string());
            pos = after_layout(text, p.span.end).max(pos);
        }
        out.push(text.get(pos..)?.to_string());
        Some(out)
    };
    match (gaps(before, old), gaps(after, new)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The fixed policy has no new grammar problem and the same members besides its statements.
/// Statements are paired by identity: `kept[j]` is the original index of the fixed policy's
/// statement `j`. Each kept statement has the same `Effect`, `Resource`, `Condition`, `Principal`
/// and `Sid`, and allows no more than before and no less than before minus the unused actions; a
/// removed statement allowed only unused actions.
fn verify_policy(old: &Shapes, new: &Shapes, kept: &[usize]) -> Result<(), String> {
    let unused = &old.unused;
    if new.issues > old.issues {
        return Err("has policy grammar problems the original did not".into());
    }
    if new.top != old.top {
        return Err("changed the policy beyond its statements".into());
    }
    if new.statements.len() != kept.len() || kept.windows(2).any(|w| w[0] >= w[1]) {
        return Err(format!(
            "has {} statements where {} were expected",
            new.statements.len(),
            kept.len()
        ));
    }
    let removable = |o: &Shape| {
        o.effect == Effect::Allow && o.key == ActionKey::Action && unused.contains_all(&o.allowed)
    };
    let mut next = kept.iter().zip(&new.statements).peekable();
    for (i, o) in old.statements.iter().enumerate() {
        let Some((_, n)) = next.next_if(|(k, _)| **k == i) else {
            if removable(o) {
                continue;
            }
            return Err(format!(
                "removed statement {}, which allows used actions",
                i + 1
            ));
        };
        if n.rest != o.rest || n.effect != o.effect || n.key != o.key {
            return Err(format!("changed statement {} beyond its actions", i + 1));
        }
        let ok = match (o.effect, o.key) {
            (Effect::Allow, ActionKey::Action) => {
                let mut floor = o.allowed.clone();
                floor.subtract(unused);
                o.allowed.contains_all(&n.allowed) && n.allowed.contains_all(&floor)
            }
            (Effect::Allow, ActionKey::NotAction) => {
                let mut ceiling = o.allowed.clone();
                ceiling.union(unused);
                n.allowed.contains_all(&o.allowed) && ceiling.contains_all(&n.allowed)
            }
            _ => n.allowed == o.allowed,
        };
        if !ok {
            return Err(format!(
                "would change what statement {} allows beyond the unused actions",
                i + 1
            ));
        }
    }
    if next.next().is_some() {
        return Err("has statements the original did not".into());
    }
    Ok(())
}
