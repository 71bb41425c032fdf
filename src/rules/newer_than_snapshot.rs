use super::{Kind, RuleInfo};
use crate::catalog::{ActionPattern, Catalog};
use crate::diagnostic::{Finding, Severity};
use crate::findings::binding::Evidence;
use crate::policy::model::Policy;

pub static INFO: RuleInfo = RuleInfo {
    id: "newer-than-snapshot",
    summary: "An action was added after the findings were analyzed: not judged",
    default: Severity::Info,
    kind: Kind::Note,
    doc: "## What it does
Notes an action pattern that the policy did not grant when IAM Access Analyzer analyzed its role
(git history: the file as of its last commit at or before the finding's `analyzedAt`), or that
exists only in staged or uncommitted content.

## Why is this bad?
It is not: Access Analyzer cannot have seen an action the role was not granted, so its \"unused\"
verdict says nothing about it. iamtrim does not judge such an action until a newer snapshot does.

## Example
A policy gains `s3:PutObject` on Monday; the snapshot was analyzed last Friday. `s3:PutObject`
gets this note, not `unused-action`.

## Fix safety
No fix: refresh the snapshot after the role has run with the new permission.",
};

/// One note per new pattern that the (older) findings would otherwise have judged.
pub fn check(policy: &Policy, ev: &Evidence, catalog: &Catalog) -> Vec<Finding> {
    if ev.not_judged.is_empty() {
        return Vec::new();
    }
    let unused = ev.unused.resolve(catalog);
    let at = ev
        .analyzed_at
        .as_deref()
        .map(|a| a.get(..10).unwrap_or(a))
        .unwrap_or("?");
    let mut out = Vec::new();
    for stmt in &policy.statements {
        for p in &stmt.patterns {
            if p.opaque
                || !ev
                    .not_judged
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&p.text))
            {
                continue;
            }
            let Some(pattern) = ActionPattern::parse(&p.text) else {
                continue;
            };
            let mut hit = catalog.expand(&pattern);
            hit.intersect(&unused);
            if hit.is_empty() {
                continue;
            }
            out.push(
                Finding::new(
                    INFO.id,
                    p.span.clone(),
                    format!(
                        "`{}` was added after the findings were analyzed ({at}): not judged",
                        p.text
                    ),
                )
                .label("newer than the snapshot")
                .help("refresh the snapshot once the role has run with it")
                .principals(ev.found.clone()),
            );
        }
    }
    out
}
