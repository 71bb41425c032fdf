//! An entry written twice in one statement's action list.

use super::hygiene::{Entries, removal};
use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity};

pub static INFO: RuleInfo = RuleInfo {
    id: "duplicate-action",
    summary: "An action entry appears twice in the same statement",
    default: Severity::Warning,
    kind: Kind::Hygiene,
    doc: "## What it does
Flags an `Action` or `NotAction` entry that an earlier entry of the same statement already
spells (ASCII case-insensitively, as IAM compares actions: `dynamodb:GetItem` and
`dynamodb:getitem` are one action).

## Why is this bad?
It grants (or excludes) nothing more; it only makes the policy longer (IAM counts its size) and
harder to review.

## Example
```json
\"Action\": [\"s3:GetObject\", \"s3:PutObject\", \"S3:getobject\"]
```

## Fix safety
Safe: the later entry is removed; the statement allows exactly what it allowed. When the
statement also has unused-access fixes, those are applied first.",
};

pub(crate) fn check(entries: &Entries<'_>, out: &mut Vec<Finding>) {
    for (stmt, list) in entries.statements() {
        // The first entry of each spelling, case folded: linear in the list.
        let mut first_of: std::collections::HashMap<String, usize> = Default::default();
        for (k, e) in list.iter().enumerate() {
            let first = *first_of.entry(e.text.to_ascii_lowercase()).or_insert(k);
            if first == k {
                continue;
            }
            let first = &list[first];
            out.push(
                Finding::new(
                    INFO.id,
                    e.span.clone(),
                    format!(
                        "`{}` is already in this statement's list (as `{}`)",
                        e.text, first.text
                    ),
                )
                .label("duplicate")
                .help(format!("remove this `{}`", e.text))
                .fix(removal(entries, stmt, e.index)),
            );
        }
    }
}
