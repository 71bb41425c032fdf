//! An action entry whose service prefix is not in the catalogue.

use super::retired;
use super::unknown_action::{closest, distance};
use super::{Kind, RuleInfo};
use crate::catalog::{ActionPattern, Catalog};
use crate::diagnostic::{Finding, Severity};
use crate::policy::model::PatternAt;

pub static INFO: RuleInfo = RuleInfo {
    id: "unknown-service",
    summary: "An action entry names a service prefix that is not in the catalogue",
    default: Severity::Warning,
    kind: Kind::Hygiene,
    doc: "## What it does
Reports an `Action` or `NotAction` entry whose service prefix (before the `:`) is no service of
the IAM action catalogue. The help says why: a retired service (one AWS removed; iamtrim keeps
the prefixes removed from its catalogue's source), a typo (the closest prefixes, and the action
under the closest one that has it), or a service newer than the catalogue.

## Why is this bad?
IAM accepts the entry and it grants (or, in a `Deny` or `NotAction`, withholds) nothing: the
access its author meant is not what IAM does.

## Example
```json
\"Action\": [\"s4:ListBucket\", \"mobilehub:CreateProject\"]
```
Did you mean `s3:ListBucket`? `mobilehub` was retired.

## Fix safety
No fix: the right service is its author's call.",
};

/// The finding for entry `p`, whose service is not in `catalog`.
pub(super) fn finding(catalog: &Catalog, p: &PatternAt, pattern: &ActionPattern) -> Finding {
    let service = pattern.service_written();
    let name = pattern.name_glob();
    let info = catalog.info();
    let (message, label, help) = if let Some(when) = retired::service(service) {
        (
            format!("`{}`: the service `{service}` was retired", p.text),
            "retired service",
            format!(
                "remove it: it grants nothing (`{service}` last seen in the catalogue's source: {when})"
            ),
        )
    } else {
        let near = nearest_prefixes(catalog, service);
        let message = format!(
            "`{}`: there is no service `{service}` in the catalogue",
            p.text
        );
        let help = match suggest_service(catalog, service, name) {
            Some(s) => format!("did you mean `{s}`?"),
            None if !near.is_empty() => format!(
                "the closest service prefixes are `{}`; or a service newer than the catalogue ({}, {})",
                near.join("`, `"),
                info.source,
                info.date
            ),
            None => format!(
                "a typo, or a service newer than the catalogue ({}, {})",
                info.source, info.date
            ),
        };
        (message, "no such service", help)
    };
    Finding::new(INFO.id, p.span.clone(), message)
        .label(label)
        .help(help)
}

/// Up to three catalogued prefixes within two edits of `service`, nearest first.
fn nearest_prefixes<'c>(catalog: &'c Catalog, service: &str) -> Vec<&'c str> {
    let mut near: Vec<(usize, &str)> = catalog
        .prefixes()
        .filter(|p| p.len().abs_diff(service.len()) <= 2)
        .map(|p| (distance(service, p), p))
        .filter(|(d, _)| *d <= 2)
        .collect();
    near.sort();
    near.into_iter().take(3).map(|(_, p)| p).collect()
}

/// `prefix:name` for the closest catalogued service prefix that has a `name` action.
fn suggest_service(catalog: &Catalog, service: &str, name: &str) -> Option<String> {
    let has_name = |prefix: &&str| {
        let candidate = format!("{prefix}:{name}");
        ActionPattern::parse(&candidate).is_some_and(|p| catalog.matches_any(&p))
    };
    // Distance first: `has_name` decodes the service.
    let near = catalog
        .prefixes()
        .filter(|p| p.len().abs_diff(service.len()) <= 2 && distance(service, p) <= 2)
        .filter(has_name);
    closest(service, near).map(|p| format!("{p}:{name}"))
}
