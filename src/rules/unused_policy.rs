use super::{Ctx, Kind, RuleInfo};
use crate::diagnostic::{Applicability, Finding, Fix, Severity};

pub static INFO: RuleInfo = RuleInfo {
    id: "unused-policy",
    summary: "Nothing the policy allows is used: detach it",
    default: Severity::Error,
    kind: Kind::Unused,
    doc: "## What it does
Flags a policy every `Allow` statement of which grants only unused actions (or whose role is
unused as a whole).

## Why is this bad?
An attached policy that grants nothing needed is exposure with no purpose. Editing it down to no
statement would leave an invalid document: detach or delete it instead.

## Example
A policy allowing `kms:*` for a role that never called KMS.

## Fix safety
Display only: iamtrim does not delete files or detach policies; do it in the infrastructure code.",
};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    // A `.tf` file holds many resources: deleting it is not the advice.
    let help = if ctx.at.hints.terraform {
        format!(
            "detach this policy from the role (remove `{}` or its attachment), instead of editing it",
            ctx.at.location
        )
    } else {
        "detach this policy from the role (and delete the file), instead of editing it".to_string()
    };
    out.push(
        Finding::new(
            INFO.id,
            ctx.policy.statement_key_span.clone(),
            format!("nothing this policy allows is used by {}", ctx.who()),
        )
        .label("all unused")
        .help(help)
        .fix(Some(Fix {
            edits: Vec::new(),
            applicability: Applicability::DisplayOnly,
        }))
        .principals(ctx.evidence.found.clone()),
    );
}
