use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity};
use crate::policy::model::Issue;

pub static INFO: RuleInfo = RuleInfo {
    id: "invalid-policy",
    summary: "The file is not a valid IAM policy (JSON syntax or policy grammar)",
    default: Severity::Error,
    kind: Kind::Input,
    doc: "## What it does
Checks that a policy file is valid JSON and a valid IAM policy: `Version`, `Statement` (an object or
an array of objects), `Effect` (`Allow` or `Deny`), exactly one of `Action`/`NotAction` with
`service:action` patterns, the shapes of `Resource`, `Principal` and `Condition`, no duplicate keys
or `Sid`s, no unknown keys.

## Why is this bad?
IAM rejects such a policy, or reads it differently from what its author meant. iamtrim never edits
a statement it cannot read for certain.

## Example
```json
{\"Statement\": [{\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}
```
`Effect` is case-sensitive: use `\"Allow\"`.

## Fix safety
No fix is offered.",
};

pub fn from_issues(issues: &[Issue]) -> Vec<Finding> {
    issues
        .iter()
        .map(|i| Finding::new(INFO.id, i.span.clone(), i.message.clone()).label("here"))
        .collect()
}
