//! `[[ignore]]` tables that no finding needed, and those past their `expires` date.

use super::{Kind, RuleInfo};
use crate::config::Suppression;
use crate::diagnostic::{Finding, Severity};

pub static INFO: RuleInfo = RuleInfo {
    id: "unused-suppression",
    summary: "An `[[ignore]]` table of iamtrim.toml suppressed no finding",
    default: Severity::Warning,
    kind: Kind::Config,
    doc: "## What it does
Flags an `[[ignore]]` table of `iamtrim.toml` that matched no finding in a run over the whole
repository (`iamtrim check` with no paths, or `--all`). Runs over some files (`--staged`, `--base`,
named paths) never report it: the finding it is for may be in a file they did not read.

## Why is this bad?
A suppression outlives what it was written for: the statement was fixed, renamed or moved, and
the table now only hides whatever comes to match it next (ruff's `RUF100`).

## Example
```toml
[[ignore]]
files = [\"iam/old-role.json\"]   # the file was deleted
reason = \"legacy, see TICKET-12\"
```

## Fix safety
No fix: delete the table, or correct what it names.",
};

pub static EXPIRED: RuleInfo = RuleInfo {
    id: "expired-suppression",
    summary: "An `[[ignore]]` table of iamtrim.toml is past its `expires` date",
    default: Severity::Warning,
    kind: Kind::Config,
    doc: "## What it does
Flags an `[[ignore]]` table whose `expires` date has come (it applies up to the day before, in
UTC). An expired table no longer suppresses anything: what it hid is reported again.

## Why is this bad?
A suppression with a date was meant to be looked at again by then: renew it with a new date and
reason, or fix the findings.

## Example
```toml
[[ignore]]
rules = [\"overbroad-wildcard\"]
files = [\"iam/breakglass.json\"]
reason = \"incident response\"
expires = \"2026-03-01\"
```

## Fix safety
No fix.",
};

/// The findings about the config's suppressions: expired ones always; unused ones when the run
/// covered the whole repository. `hits[i]`: findings the table at `i` suppressed.
pub fn check(
    ignores: &[Suppression],
    hits: &[usize],
    today: jiff::civil::Date,
    whole_repository: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in ignores {
        if s.expired(today) {
            let date = s.expires.map(|d| d.to_string()).unwrap_or_default();
            out.push(
                Finding::new(
                    EXPIRED.id,
                    s.span.clone(),
                    format!(
                        "this suppression expired on {date}: what it suppressed is reported again"
                    ),
                )
                .label("expired")
                .help(format!(
                    "renew it with a new `expires` and `reason`, or fix its findings and delete it (reason given: {})",
                    s.reason
                )),
            );
        } else if whole_repository && hits.get(s.index).copied().unwrap_or(0) == 0 {
            out.push(
                Finding::new(
                    INFO.id,
                    s.span.clone(),
                    "this suppression matched no finding",
                )
                .label("unused")
                .help("delete it, or correct the rules, files, statement or actions it names"),
            );
        }
    }
    out
}
