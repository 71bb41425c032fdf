use super::{Ctx, Kind, RuleInfo};
use crate::diagnostic::{Finding, Fix, Severity};
use crate::document::PolicyEdit;

pub static INFO: RuleInfo = RuleInfo {
    id: "unused-statement",
    summary: "Every action a statement allows was reported unused",
    default: Severity::Error,
    kind: Kind::Unused,
    doc: "## What it does
Flags an `Allow` statement all of whose actions IAM Access Analyzer reported unused, while the
policy has other statements that are used.

## Why is this bad?
The statement grants nothing that is needed; its `Resource` and `Condition` only make it look
deliberate.

## Example
A statement allowing `dynamodb:DeleteTable` and `dynamodb:UpdateTable`, both unused, goes whole.

## Fix safety
Safe with action-level, fresh evidence; unsafe when a whole service or role was reported unused,
or the snapshot is stale.",
};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (i, (stmt, res)) in ctx
        .policy
        .statements
        .iter()
        .zip(&ctx.refinement.statements)
        .enumerate()
    {
        if !res.removed {
            continue;
        }
        let service_level = stmt
            .patterns
            .iter()
            .any(|p| ctx.service_wholly_unused(&p.text));
        let at = stmt.action_key_span.clone().unwrap_or(stmt.span.clone());
        let name = stmt
            .sid
            .as_deref()
            .map(|s| format!("statement `{s}`"))
            .unwrap_or_else(|| format!("statement {}", i + 1));
        out.push(
            Finding::new(
                INFO.id,
                at,
                format!("every action {name} allows is unused by {}", ctx.who()),
            )
            .label("all unused")
            .help(format!("remove {name}"))
            .fix(
                ctx.render(&PolicyEdit::RemoveStatement { statement: i })
                    .map(|e| Fix {
                        edits: vec![e],
                        applicability: ctx.applicability(service_level),
                    }),
            )
            .principals(ctx.evidence.found.clone()),
        );
    }
}
