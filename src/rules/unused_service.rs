use super::{Ctx, Kind, RuleInfo};
use crate::diagnostic::{Finding, Fix, Severity};
use crate::document::PolicyEdit;
use crate::refine::Decision;

pub static INFO: RuleInfo = RuleInfo {
    id: "unused-service",
    summary: "A whole service was reported unused, and the policy still grants it",
    default: Severity::Error,
    kind: Kind::Unused,
    doc: "## What it does
Flags the `Action` entries of a service that IAM Access Analyzer reported unused as a whole (an
`unusedPermissionDetails` entry without `actions`), or of a role reported unused entirely.

## Why is this bad?
A service the principal never calls is pure exposure: every action of it can go.

## Example
With `kms` unused as a whole, `\"kms:Decrypt\"` and `\"kms:GenerateDataKey*\"` go.

## Fix safety
Unsafe: a service-level report says the service was not used in the tracking period, not which
actions a rare job might still need. Apply with `--unsafe-fixes` after a look.",
};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for d in ctx.decided() {
        let p = d.pattern;
        if *d.decision != Decision::Remove || !ctx.service_wholly_unused(&p.text) {
            continue;
        }
        let svc = p.text.split(':').next().unwrap_or(&p.text);
        let remove = ctx.render(&PolicyEdit::RemoveEntry {
            statement: d.statement,
            entry: d.index,
        });
        out.push(
            Finding::new(
                INFO.id,
                p.span.clone(),
                format!("service `{svc}` is unused as a whole by {}", ctx.who()),
            )
            .label("service unused")
            .help(format!("remove `{}`", p.text))
            .fix(remove.map(|e| Fix {
                edits: vec![e],
                applicability: ctx.applicability(true),
            }))
            .principals(ctx.evidence.found.clone()),
        );
    }
}
