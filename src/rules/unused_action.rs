use super::{Ctx, Kind, RuleInfo};
use crate::diagnostic::{Finding, Fix, Severity};
use crate::document::PolicyEdit;
use crate::refine::Decision;

pub static INFO: RuleInfo = RuleInfo {
    id: "unused-action",
    summary: "An allowed action (or every action a pattern matches) was reported unused",
    default: Severity::Error,
    kind: Kind::Unused,
    doc: "## What it does
Flags an entry of an `Allow` statement's `Action` whose every matching action IAM Access Analyzer
reported unused for the principals the file is bound to.

## Why is this bad?
Permissions nobody uses only widen what a leaked credential or a confused deputy can do. Least
privilege means granting what is used.

## Example
With `lambda:DeleteFunction` reported unused:
```json
\"Action\": [\"lambda:InvokeFunction\", \"lambda:DeleteFunction\"]
```
becomes
```json
\"Action\": [\"lambda:InvokeFunction\"]
```

## Fix safety
Safe when the finding is action-level and the snapshot is within `max-snapshot-age`; unsafe when
the snapshot is stale. Every fix is verified against the full action catalogue first.",
};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for d in ctx.decided() {
        let p = d.pattern;
        if *d.decision != Decision::Remove || ctx.service_wholly_unused(&p.text) {
            continue;
        }
        let matched = ctx.unused_matched(&p.text);
        let remove = ctx.render(&PolicyEdit::RemoveEntry {
            statement: d.statement,
            entry: d.index,
        });
        let what = if matched.len() == 1 {
            format!("`{}` is unused", p.text)
        } else {
            format!(
                "every action `{}` allows is unused ({})",
                p.text,
                matched.len()
            )
        };
        out.push(
            Finding::new(INFO.id, p.span.clone(), format!("{what} by {}", ctx.who()))
                .label("unused")
                .help(format!("remove `{}`", p.text))
                .fix(remove.map(|e| Fix {
                    edits: vec![e],
                    applicability: ctx.applicability(false),
                }))
                .principals(ctx.evidence.found.clone()),
        );
    }
}
