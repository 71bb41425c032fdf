use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity, Span};
use crate::findings::binding::Evidence;

pub static INFO: RuleInfo = RuleInfo {
    id: "shallow-history",
    summary: "The clone's history stops after the findings' analysis: nothing is judged",
    default: Severity::Warning,
    kind: Kind::Note,
    doc: "## What it does
Warns, once per policy, when the policy has unused-access findings but the repository is a shallow
clone whose history stops after the findings' `analyzedAt`: iamtrim cannot see the file as it
stood at the analysis, so it cannot tell the actions Access Analyzer judged from those added
since (`newer-than-snapshot`).

## Why is this bad?
The verdict would depend on how deep the clone is. Judged as it is, a policy could lose an action
added after the analysis (Access Analyzer never saw it granted). So iamtrim judges nothing of such
a policy, the same way in every shallow clone, and says so: no unused-access finding, nothing
fixed, this warning instead.

## Example
`actions/checkout` fetches one commit by default. With findings analyzed last week, every policy
that has findings gets this warning; with `fetch-depth: 0` they are judged as usual.

## Fix safety
No fix: fetch the history (`fetch-depth: 0` in `actions/checkout`, or `git fetch --unshallow`).",
};

/// The one warning for a policy whose evidence's analysis is older than the clone's history.
pub fn check(evidence: &Evidence, at: Span) -> Option<Finding> {
    if !evidence.history_cut {
        return None;
    }
    let when = evidence
        .analyzed_at
        .as_deref()
        .map(|a| a.get(..10).unwrap_or(a))
        .unwrap_or("?");
    Some(
        Finding::new(
            INFO.id,
            at,
            format!(
                "this policy's findings were analyzed {when}, before the history of this shallow clone begins: which of its actions the analysis saw is unknown, so none is judged"
            ),
        )
        .label("history missing")
        .help("fetch the full history: `fetch-depth: 0` in actions/checkout, or `git fetch --unshallow`")
        .principals(evidence.found.clone()),
    )
}
