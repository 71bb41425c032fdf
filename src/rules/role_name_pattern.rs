use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity, Span};
use crate::findings::binding::Evidence;

pub static INFO: RuleInfo = RuleInfo {
    id: "role-name-pattern",
    summary: "A Terraform policy was bound to a role by a pattern of its name",
    default: Severity::Info,
    kind: Kind::Note,
    doc: "## What it does
Notes a Terraform policy that iamtrim bound to its role by a pattern of the role's name, because
the HCL gives no literal `name`: `name_prefix = \"app-\"` (the AWS provider adds a unique suffix
of 26 characters: 18 digits of time and 8 hex digits of a counter), or an interpolated `name =
\"${var.env}-app\"` (its literal pieces in order, at the start and the end where no interpolation
stands before or after them). The role is the one principal of the snapshot whose name fits. When
none or several fit, the policy is bound to none of them, and its `no-evidence` note says which
matched.

## Why is this bad?
It is not: it says on which evidence the policy is judged, because a name that fits is a good
guess, not a record. A `[[bind]]` of the role's address is a record, and binds with no note.

## Example
```hcl
resource \"aws_iam_role\" \"app\" {
  name_prefix = \"app-\"
}
```

With `role/app-20240601120000000000000001` the only role of the snapshot whose name fits, the
role's policies are bound to it (`bound_by: \"terraform-name-pattern\"`).

## Fix safety
No fix of its own; the fixes its evidence gives are as safe as that evidence.",
};

/// One note per role of a policy bound by a pattern of its name, at the `Statement` key.
pub fn check(ev: &Evidence, at: &Span) -> Vec<Finding> {
    if ev.bound_by != Some("terraform-name-pattern") {
        return Vec::new();
    }
    ev.name_patterns
        .iter()
        .filter_map(|m| {
            let [arn] = m.matches.as_slice() else {
                return None;
            };
            let name = arn.rsplit(':').next().unwrap_or(arn);
            Some(
                Finding::new(
                    INFO.id,
                    at.clone(),
                    format!(
                        "this policy is bound to {name}, the one role of the snapshot whose name fits {}'s `{}`",
                        m.role, m.written
                    ),
                )
                .label("bound by name pattern")
                .help(if ev.via.is_empty() {
                    format!(
                        "bind it in iamtrim.toml to make it a record (`[[bind]] files = [\"<this file>#{}\"]`)",
                        m.role
                    )
                } else {
                    // A JSON file that Terraform loads: bound as a whole.
                    "bind it in iamtrim.toml to make it a record (`[[bind]] files = [\"<this file>\"]`)"
                        .to_string()
                })
                .principals(m.matches.clone()),
            )
        })
        .collect()
}

/// Why a policy whose roles are named by patterns is bound to none: for the no-evidence note.
pub fn unbound_why(ev: &Evidence) -> Option<String> {
    let why: Vec<String> = ev
        .name_patterns
        .iter()
        .filter(|m| m.matches.len() != 1)
        .map(|m| {
            let names: Vec<&str> = m
                .matches
                .iter()
                .map(|a| a.rsplit(':').next().unwrap_or(a))
                .collect();
            if names.is_empty() {
                format!("no role of the snapshot fits {}'s `{}`", m.role, m.written)
            } else {
                format!(
                    "{} roles of the snapshot fit {}'s `{}` ({})",
                    names.len(),
                    m.role,
                    m.written,
                    names.join(", ")
                )
            }
        })
        .collect();
    (!why.is_empty()).then(|| why.join("; "))
}
