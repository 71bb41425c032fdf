//! `*` or `service:*` in an `Allow`.

use super::{Kind, RuleInfo};
use crate::catalog::ActionPattern;
use crate::diagnostic::{Finding, Severity};
use crate::policy::model::Policy;
use crate::refine::{ActionKey, Effect};

pub static INFO: RuleInfo = RuleInfo {
    id: "wildcard-action",
    summary: "An `Allow` grants every action (`*`) or every action of a service (`s3:*`)",
    default: Severity::Warning,
    kind: Kind::Broad,
    doc: "## What it does
Flags `\"*\"` and `\"service:*\"` in the `Action` of an `Allow` statement. It needs no
evidence: with a findings snapshot, `overbroad-wildcard` says what the wildcard should become.

## Why is this bad?
It grants every action the service has and every one AWS adds later, the permissions
management ones included (`iam:*` can grant itself anything). Least privilege names what the
principal does.

## Example
```json
{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}
```

## Fix safety
No fix: what to grant instead needs evidence. Bind the policy to its principal and take the
snapshot's refinement (`overbroad-wildcard`), or suppress it with a reason (`[[ignore]]`) for a
break-glass role.",
};

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    for s in &policy.statements {
        if s.sealed.is_some() || s.input.effect != Effect::Allow || s.input.key != ActionKey::Action
        {
            continue;
        }
        for p in s.patterns.iter().filter(|p| !p.opaque) {
            let Some(pat) = ActionPattern::parse(&p.text) else {
                continue;
            };
            let message = if p.text == "*" {
                "`*` allows every action of every service".to_string()
            } else if pat.literal_service() && pat.name_glob() == "*" {
                format!(
                    "`{}` allows every action of `{}`, present and future",
                    p.text,
                    pat.service_written()
                )
            } else {
                continue;
            };
            out.push(
                Finding::new(INFO.id, p.span.clone(), message)
                    .label("every action")
                    .help("name the actions the principal uses (with a findings snapshot, `overbroad-wildcard` says which)"),
            );
        }
    }
}
