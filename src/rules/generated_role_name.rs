use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity, Span};
use crate::findings::binding::Evidence;

pub static INFO: RuleInfo = RuleInfo {
    id: "generated-role-name",
    summary: "A template's policy was bound to a role by the name CloudFormation generated for it",
    default: Severity::Info,
    kind: Kind::Note,
    doc: "## What it does
Notes a CloudFormation template's policy that iamtrim bound to its role by the name CloudFormation
generates for a role without `RoleName`: `<stack>-<LogicalId>-<suffix>` (the stack and logical id
cut when the whole would pass 64 characters). The template's stack comes from `[[stack]]` in
`iamtrim.toml`; the role is the one principal of the snapshot whose name has that form. When
several have it, the policy is bound to none of them (the note says which matched).

## Why is this bad?
It is not: it says on which evidence the policy is judged, because a name of that form is a good
guess, not a record. The stack's address book is a record: import `aws cloudformation
list-stack-resources --stack-name S` with `iamtrim snapshot import --stack S -o SNAPSHOT/`, and the
policy is bound by it (`bound_by: \"stack-resources\"`) with no note.

## Example
```toml
[[stack]]
template = \"cfn/app.json\"
name = \"prod-app\"
```

Role `AppRole` of `cfn/app.json`, without `RoleName`, is bound to the snapshot's
`role/prod-app-AppRole-1A2B3C4D5E6F`.

## Fix safety
No fix of its own; the fixes its evidence gives are as safe as that evidence.",
};

/// One note per role of the policy looked for by its generated name, at the `Statement` key.
pub fn check(ev: &Evidence, at: &Span) -> Vec<Finding> {
    ev.generated
        .iter()
        .map(|g| {
            let names: Vec<&str> = g
                .matches
                .iter()
                .map(|a| a.rsplit(':').next().unwrap_or(a))
                .collect();
            let book = format!(
                "import the stack's address book (`iamtrim snapshot import --stack {}`)",
                g.stack
            );
            let (message, label, help) = if let [one] = names.as_slice() {
                (
                    format!(
                        "this policy is bound to {one}, by the name CloudFormation generates for role {} of stack {}",
                        g.logical_id, g.stack
                    ),
                    "bound by generated name",
                    format!("{book} to bind it by record"),
                )
            } else {
                // The file's own binds, if it has any, judge it instead.
                let whom = if ev.is_bound() {
                    "by no role of its own (the file's binds judge it)"
                } else {
                    "to no role"
                };
                (
                    format!(
                        "this policy is bound {whom}: {} roles have the name CloudFormation generates for role {} of stack {} ({})",
                        names.len(),
                        g.logical_id,
                        g.stack,
                        names.join(", ")
                    ),
                    "generated name fits several roles",
                    format!("{book}, or bind the policy in iamtrim.toml"),
                )
            };
            Finding::new(INFO.id, at.clone(), message)
                .label(label)
                .help(help)
                .principals(g.matches.clone())
        })
        .collect()
}
