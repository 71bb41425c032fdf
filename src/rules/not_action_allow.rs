//! `Allow` with `NotAction`.

use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity};
use crate::policy::model::Policy;
use crate::refine::{ActionKey, Effect};

pub static INFO: RuleInfo = RuleInfo {
    id: "not-action-allow",
    summary: "An `Allow` statement uses `NotAction`: it grants everything else",
    default: Severity::Warning,
    kind: Kind::Broad,
    doc: "## What it does
Flags an `Allow` statement whose actions are given by `NotAction`.

## Why is this bad?
`Allow` + `NotAction` grants every action of every service except the ones listed, including
every action and service AWS adds later. It is almost always meant as a `Deny` + `NotAction`
guard, or is a broad grant written to look narrow.

## Example
```json
{\"Effect\": \"Allow\", \"NotAction\": \"iam:*\", \"Resource\": \"*\"}
```
allows everything but IAM.

## Fix safety
No fix: list the actions to allow with `Action`. With a findings snapshot, `overbroad-wildcard`
adds the unused actions to the `NotAction` list.",
};

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    for s in &policy.statements {
        if s.sealed.is_some()
            || s.input.effect != Effect::Allow
            || s.input.key != ActionKey::NotAction
        {
            continue;
        }
        let Some(span) = s.action_key_span.clone() else {
            continue;
        };
        out.push(
            Finding::new(
                INFO.id,
                span,
                "`Allow` with `NotAction` allows every action of every service but those listed, present and future",
            )
            .label("allows everything else")
            .help("list what to allow with `Action` instead"),
        );
    }
}
