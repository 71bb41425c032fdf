use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity};
use crate::document::Note;
use crate::policy::model::Policy;

pub static INFO: RuleInfo = RuleInfo {
    id: "not-judged",
    summary: "A statement or policy known only at deployment: left alone",
    default: Severity::Info,
    kind: Kind::Note,
    doc: "## What it does
Notes what a template holds that iamtrim cannot read statically, and so leaves as it is: a
statement under `Fn::If` (or written as another intrinsic), an action or `Effect` written with an
intrinsic function (`!Ref`, `!Sub`, `Fn::Join`) or a Serverless Framework variable
(`${self:custom.action}`), a statement whose actions a YAML alias repeats, a SAM resource's
policy templates (`S3ReadPolicy`) and managed policies; in Terraform, an action or statement
written with a reference, a variable, a function call, an interpolation (`\"s3:${var.verb}\"`) or a
`for` expression, a `dynamic \"statement\"` block, a statement with a `sid` that an
`override_policy_documents` statement replaces (or, the overrides not written in the module, may
replace), a document made only of merged documents (they are judged where they are written), and
a `policy` built by a variable.

## Why is this bad?
It is not: the note says where the unused-access findings were not applied, so that a clean run
is not read as \"everything is least privilege\". Noted only for policies with evidence.

## Example
```yaml
Statement:
  - !If
    - IsProd
    - Effect: Allow
      Action: s3:*
      Resource: '*'
    - !Ref AWS::NoValue
```
The statement under `!If` gets this note; the other statements are judged as usual.

## Fix safety
No fix: write the statement without the intrinsic (or a YAML alias) to have it judged.",
};

/// One note per sealed statement of a policy (`terraform`: read from HCL, which has no
/// intrinsics or aliases to speak of).
pub fn sealed(policy: &Policy, terraform: bool) -> Vec<Finding> {
    let help = |why: &str| {
        if why.contains("may replace") {
            "write the override documents in this module (or give the statement no `sid`) to have it judged"
        } else if why.contains("override_policy_documents") {
            "Terraform exports the override's statement of that `sid` in its place; it is judged where it is written"
        } else if terraform {
            "write it in literal HCL (no expression or `dynamic` block) to have it judged"
        } else {
            "write it without the intrinsic, variable or alias to have it judged"
        }
    };
    policy
        .statements
        .iter()
        .filter_map(|s| {
            let why = s.sealed?;
            let span = s.sealed_at.clone().unwrap_or_else(|| {
                s.patterns
                    .iter()
                    .find(|p| p.opaque)
                    .map_or(s.span.clone(), |p| p.span.clone())
            });
            Some(
                Finding::new(INFO.id, span, format!("not judged: {why}"))
                    .label("not judged")
                    .help(help(why)),
            )
        })
        .collect()
}

/// The document's notes (SAM policy templates, managed policies).
pub(crate) fn notes(notes: &[Note]) -> Vec<Finding> {
    notes
        .iter()
        .map(|n| Finding::new(INFO.id, n.span.clone(), n.message.clone()).label(n.label))
        .collect()
}
