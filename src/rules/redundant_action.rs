//! An entry that another entry of the same statement already covers.

use super::hygiene::{Entries, covers, removal};
use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity};
use std::collections::HashMap;

/// Wildcards of other shapes (`s3:*Object`, `s3:Get?bject`) tried against every entry: past
/// this many, the rest are not (the check stays linear in the list).
const MAX_OTHER_WILDCARDS: usize = 32;

pub static INFO: RuleInfo = RuleInfo {
    id: "redundant-action",
    summary: "An action entry is covered by another entry of the same statement",
    default: Severity::Warning,
    kind: Kind::Hygiene,
    doc: "## What it does
Flags an `Action` or `NotAction` entry that a wildcard of the same statement already matches,
whatever actions AWS adds later: `s3:GetObject` beside `s3:Get*`, `s3:Get*` beside `s3:*`,
anything beside `*`. Coverage is decided on the patterns themselves, not on today's catalogue. Entries that match no
catalogued action are `unknown-action`'s, and are left to it.

## Why is this bad?
The entry grants (or excludes) nothing the other does not. It reads as if the policy meant to
grant something narrow when it grants the broad pattern, and it costs policy size.

## Example
```json
\"Action\": [\"s3:Get*\", \"s3:GetObject\"]
```
`s3:GetObject` is covered by `s3:Get*`.

## Fix safety
Safe: the covered entry is removed; the statement allows exactly what it allowed. When the
statement also has unused-access fixes, those are applied first (they may narrow the wildcard).",
};

pub(crate) fn check(entries: &Entries<'_>, out: &mut Vec<Finding>) {
    for (stmt, list) in entries.statements() {
        let lower: Vec<String> = list.iter().map(|e| e.text.to_ascii_lowercase()).collect();
        // The entries that may cover others, indexed so that each entry looks up only its own
        // candidates (a list of thousands stays linear): `*`; `service:Prefix*` by service and
        // prefix; a few other wildcards, tried one by one.
        let mut stars = Vec::new();
        let mut prefixed: HashMap<(&str, &str), usize> = HashMap::new();
        let mut others = Vec::new();
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        for (j, l) in lower.iter().enumerate() {
            first_of.entry(l.as_str()).or_insert(j);
            if l == "*" {
                stars.push(j);
                continue;
            }
            let Some((svc, name)) = l.split_once(':') else {
                continue;
            };
            if !name.contains(['*', '?']) {
                continue;
            }
            match name.strip_suffix('*') {
                Some(head) if !head.contains(['*', '?']) && !svc.contains(['*', '?']) => {
                    prefixed.entry((svc, head)).or_insert(j);
                }
                _ if others.len() < MAX_OTHER_WILDCARDS => others.push(j),
                _ => {}
            }
        }
        for (k, e) in list.iter().enumerate() {
            // A duplicate is the other rule's.
            if first_of.get(lower[k].as_str()) != Some(&k) {
                continue;
            }
            let mut candidates: Vec<usize> = stars.clone();
            if let Some((svc, name)) = lower[k].split_once(':') {
                let head_len = name.find(['*', '?']).unwrap_or(name.len());
                for i in 0..=head_len {
                    if let Some(&j) = name.get(..i).and_then(|h| prefixed.get(&(svc, h))) {
                        candidates.push(j);
                    }
                }
            }
            candidates.extend(others.iter().copied());
            // Covered by another; when two cover each other (and differ), the later one goes.
            let Some(by) = candidates.into_iter().find_map(|j| {
                let o = &list[j];
                (j != k
                    && lower[j] != lower[k]
                    && covers(o.text, e.text)
                    && (!covers(e.text, o.text) || j < k))
                    .then_some(o)
            }) else {
                continue;
            };
            out.push(
                Finding::new(
                    INFO.id,
                    e.span.clone(),
                    format!("`{}` is covered by `{}` in this statement", e.text, by.text),
                )
                .label(format!("covered by `{}`", by.text))
                .help(format!("remove `{}`", e.text))
                .fix(removal(entries, stmt, e.index)),
            );
        }
    }
}
