//! The verifier: before any refinement leaves the engine, check over the whole catalogue that each
//! refined statement allows exactly what the original allowed minus the unused actions, and that
//! nothing else changed.

use super::{ActionKey, Decision, Effect, Refinement, StatementIn};
use crate::catalog::{ActionPattern, ActionSet, Catalog};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal error: the refinement of statement {statement} failed verification: {detail}")]
pub struct VerifyError {
    pub statement: usize,
    pub detail: String,
}

fn allowed(patterns: &[String], catalog: &Catalog) -> ActionSet {
    let mut set = ActionSet::default();
    for p in patterns.iter().filter_map(|p| ActionPattern::parse(p)) {
        catalog.expand_into(&p, &mut set);
    }
    set
}

pub(super) fn verify(
    statements: &[StatementIn],
    refinement: &Refinement,
    unused: &ActionSet,
    catalog: &Catalog,
    befores: &[Option<ActionSet>],
) -> Result<(), VerifyError> {
    if statements.len() != refinement.statements.len() {
        return Err(VerifyError {
            statement: 0,
            detail: "statement count differs".into(),
        });
    }
    for (i, (s, out)) in statements.iter().zip(&refinement.statements).enumerate() {
        let fail = |detail: String| VerifyError {
            statement: i,
            detail,
        };
        if out.decisions.len() != s.patterns.len() {
            return Err(fail("pattern count differs".into()));
        }
        let after = out.patterns_after(&s.patterns);
        match (s.effect, s.key) {
            (Effect::Allow, ActionKey::Action) => {
                for (p, d) in s.patterns.iter().zip(&out.decisions) {
                    if matches!(d, Decision::Replace(_))
                        && !ActionPattern::parse(p).is_some_and(|p| p.is_wildcard())
                    {
                        return Err(fail(format!("explicit action {p} was widened")));
                    }
                }
                let mut expected = match befores.get(i) {
                    Some(Some(before)) => before.clone(),
                    _ => allowed(&s.patterns, catalog),
                };
                expected.subtract(unused);
                let got = allowed(&after, catalog);
                if got != expected {
                    return Err(fail(format!(
                        "allows {} catalogued actions, expected {}",
                        got.count(),
                        expected.count()
                    )));
                }
                if out.removed && !after.is_empty() {
                    return Err(fail("removed statement keeps patterns".into()));
                }
            }
            (Effect::Allow, ActionKey::NotAction) => {
                if out.decisions.iter().any(|d| *d != Decision::Keep) || out.removed {
                    return Err(fail("NotAction entries were changed, not extended".into()));
                }
                // C \ after == (C \ before) \ U  <=>  after == before ∪ U (within C).
                let mut expected = allowed(&s.patterns, catalog);
                expected.union(unused);
                if allowed(&after, catalog) != expected {
                    return Err(fail(
                        "NotAction does not exclude exactly the unused actions".into(),
                    ));
                }
            }
            _ => {
                if out.changed() {
                    return Err(fail("a statement that is not Allow was changed".into()));
                }
            }
        }
    }
    let had_allow = statements.iter().any(|s| s.effect == Effect::Allow);
    let allow_left = statements
        .iter()
        .zip(&refinement.statements)
        .any(|(s, o)| s.effect == Effect::Allow && !o.removed);
    if refinement.detach != (had_allow && !allow_left) {
        return Err(VerifyError {
            statement: 0,
            detail: "detach outcome is inconsistent".into(),
        });
    }
    Ok(())
}
