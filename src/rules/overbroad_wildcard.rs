use super::{Ctx, Kind, RuleInfo, short_list};
use crate::diagnostic::{Finding, Fix, Severity};
use crate::document::PolicyEdit;
use crate::refine::{ActionKey, Decision};

pub static INFO: RuleInfo = RuleInfo {
    id: "overbroad-wildcard",
    summary: "A wildcard grants unused actions; the help shows its least-general replacement",
    default: Severity::Error,
    kind: Kind::Unused,
    doc: "## What it does
Flags an `Action` wildcard that matches actions IAM Access Analyzer reported unused along with
used ones, and offers the least-general patterns that still allow every used action (verified over
the full action catalogue). For `Allow` + `NotAction`, offers the patterns to add to `NotAction`.

## Why is this bad?
`s3:Get*` allows 60-odd actions; a role that reads objects needs a handful. Every unused action in
a wildcard is access nobody asked for.

## Example
AWS's own example: `s3:Get*` with 22 unused actions becomes `s3:GetAccess*`,
`s3:GetAccountPublicAccessBlock`, `s3:GetDataAccess`, `s3:GetJobTagging`, `s3:GetMulti*`,
`s3:GetObject*`, `s3:GetStorage*`.

## Fix safety
Safe with action-level, fresh evidence; unsafe when the snapshot is stale, the statement uses
`NotAction`, or the wildcard spans services (`*`, `s3*:Get*`): its replacement lists catalogued
services only, so a service newer than the catalogue would lose access nobody judged. Unsafe too
when a service it covers has actions AWS does not document (known from its managed policies, such
as `memorydb:ReplicateMultiRegionClusterData`): it may have more that no source knows, which the
replacement would drop. And unsafe when the refined policy would be over IAM's size quota (6,144
characters for a managed policy, 2,048 for a user's inline policies, 5,120 for a group's;
whitespace not counted): IAM would refuse it; the help gives the sizes before and after.",
};

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for d in ctx.decided() {
        let p = d.pattern;
        let Decision::Replace(with) = d.decision else {
            continue;
        };
        let edit = ctx.render(&PolicyEdit::ReplaceEntry {
            statement: d.statement,
            entry: d.index,
            with: with.clone(),
        });
        let unused = ctx.unused_matched(&p.text);
        // A wildcard in the service part (`*`, `s3*:Get*`) also covers services newer than the
        // catalogue, which the replacement (catalogued services only) would drop unseen.
        let across_services =
            crate::catalog::ActionPattern::parse(&p.text).is_some_and(|x| !x.literal_service());
        let mut help = if with.len() > LONG_LIST {
            format!(
                "replace with {} patterns: {}, and {} more (`--diff` shows them all)",
                with.len(),
                quoted_list(&with[..LONG_LIST / 2]),
                with.len() - LONG_LIST / 2
            )
        } else {
            format!("replace with {}", quoted_list(with))
        };
        if across_services {
            let info = ctx.catalog.info();
            help.push_str(&format!(
                "; services newer than the catalogue ({}, {}) would lose access, so the fix is unsafe",
                info.source, info.date
            ));
        }
        let undocumented = ctx.catalog.undocumented_services(&p.text);
        help.push_str(&undocumented_note(&undocumented));
        out.push(
            Finding::new(
                INFO.id,
                p.span.clone(),
                format!(
                    "`{}` allows {} unused action{} ({}) by {}",
                    p.text,
                    unused.len(),
                    if unused.len() == 1 { "" } else { "s" },
                    short_list(&unused, 3),
                    ctx.who()
                ),
            )
            .label("covers unused actions")
            .help(help)
            .fix(edit.map(|e| Fix {
                edits: vec![e],
                applicability: ctx.applicability(across_services || !undocumented.is_empty()),
            }))
            .principals(ctx.evidence.found.clone()),
        );
    }
    for (i, (stmt, res)) in ctx
        .policy
        .statements
        .iter()
        .zip(&ctx.refinement.statements)
        .enumerate()
    {
        if stmt.input.key != ActionKey::NotAction || res.not_action_added.is_empty() {
            continue;
        }
        let Some(key) = &stmt.action_key_span else {
            continue;
        };
        // Nothing to offer where the document cannot take the addition.
        let Some(edit) = ctx.render(&PolicyEdit::AppendNotAction {
            statement: i,
            with: res.not_action_added.clone(),
        }) else {
            continue;
        };
        out.push(
            Finding::new(
                INFO.id,
                key.clone(),
                format!(
                    "this NotAction statement allows unused actions by {}",
                    ctx.who()
                ),
            )
            .label("allows unused actions")
            .help(format!(
                "add to NotAction: {}",
                quoted_list(&res.not_action_added)
            ))
            .fix(Some(Fix {
                edits: vec![edit],
                applicability: crate::diagnostic::Applicability::Unsafe,
            }))
            .principals(ctx.evidence.found.clone()),
        );
    }
}

/// Replacements longer than this are summarized in the help (the fix has them all).
const LONG_LIST: usize = 12;

fn quoted_list(items: &[String]) -> String {
    let mut out = String::with_capacity(items.iter().map(|s| s.len() + 4).sum());
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
    out
}

/// Why a fix over services with undocumented actions is unsafe, for the help (empty when none).
fn undocumented_note(services: &[&str]) -> String {
    match services {
        [] => String::new(),
        [one] => format!(
            "; `{one}` has actions AWS does not document (known from its managed policies): the fix is unsafe"
        ),
        many => format!(
            "; `{}` have actions AWS does not document (known from their managed policies): the fix is unsafe",
            many.join("`, `")
        ),
    }
}
