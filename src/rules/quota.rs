//! IAM's policy size quotas. A refinement that replaces a wildcard by many patterns can grow a
//! policy past what IAM accepts (`*` became 94,592 characters); such fixes are made unsafe and
//! their help says so, with the size before and after. Not a rule of its own: it qualifies the
//! fixes of the others.

use super::Ctx;
use crate::diagnostic::{Applicability, Finding};

/// IAM's limits, in characters not counting whitespace (a role's inline policies may hold 10,240
/// in all, more than a managed policy: the managed limit is the one a role's file must meet).
const MANAGED: usize = 6_144;
const USER_INLINE: usize = 2_048;
const GROUP_INLINE: usize = 5_120;

/// The size IAM counts: every character but whitespace outside strings.
pub fn iam_size(json: &str) -> usize {
    let (mut n, mut in_string, mut escaped) = (0, false, false);
    for c in json.chars() {
        if in_string {
            n += 1;
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !c.is_whitespace() {
            n += 1;
            in_string = c == '"';
        }
    }
    n
}

/// The smallest limit that may apply to a policy of these principals, and what it is.
fn limit(principals: &[String]) -> (usize, &'static str) {
    let mut best = (
        MANAGED,
        "a managed policy (a role's inline policies: 10,240 in all)",
    );
    for p in principals {
        let (l, what) = if p.contains(":user/") {
            (
                USER_INLINE,
                "a user's inline policies (a managed policy: 6,144)",
            )
        } else if p.contains(":group/") {
            (
                GROUP_INLINE,
                "a group's inline policies (a managed policy: 6,144)",
            )
        } else {
            continue;
        };
        if l < best.0 {
            best = (l, what);
        }
    }
    best
}

/// When the policy with every growing fix applied is over the limit (and larger than now), those
/// fixes become unsafe and say why.
pub fn check(ctx: &Ctx, findings: &mut [Finding]) {
    let grows = |f: &Finding| {
        f.fix.as_ref().is_some_and(|x| {
            x.edits
                .iter()
                .any(|e| iam_size(&e.replacement) > iam_size(&ctx.doc.text()[e.span.clone()]))
        })
    };
    if !findings.iter().any(grows) {
        return;
    }
    let doc = ctx.policy.span.clone();
    let text = ctx.doc.text();
    let before = iam_size(&text[doc.clone()]);
    // Every fix at once, first come first served among overlapping ones, as the fix loop would.
    let mut chosen = Vec::new();
    let mut taken = crate::fix::Taken::default();
    for f in findings.iter() {
        let Some(fix) = &f.fix else { continue };
        if fix.edits.iter().any(|e| taken.overlaps(&e.span)) {
            continue;
        }
        for e in &fix.edits {
            taken.insert(e.span.clone());
        }
        chosen.extend(fix.edits.iter().cloned());
    }
    // Edits start and end outside strings (they replace whole entries with their separators),
    // so the size after is the size before plus what each edit adds.
    let delta: isize = chosen
        .iter()
        .map(|e| iam_size(&e.replacement) as isize - iam_size(&text[e.span.clone()]) as isize)
        .sum();
    let after = (before as isize + delta).max(0) as usize;
    let Some(why) = exceeded(before, after, &ctx.evidence.found) else {
        return;
    };
    for f in findings.iter_mut() {
        if !grows(f) {
            continue;
        }
        if let Some(fix) = &mut f.fix {
            fix.applicability = fix.applicability.min(Applicability::Unsafe);
        }
        f.help = Some(f.help.take().unwrap_or_default() + &format!("; {why}: the fix is unsafe"));
    }
}

/// Why a policy that grows from `before` to `after` characters (IAM's count) would be refused,
/// if it would: over the smallest limit that may apply to these principals, and larger than now.
pub fn exceeded(before: usize, after: usize, principals: &[String]) -> Option<String> {
    let (limit, what) = limit(principals);
    (after > limit && after > before).then(|| {
        format!(
            "refined, the policy would be {after} characters (now {before}), over IAM's limit of {limit} for {what}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_counts_no_whitespace_outside_strings() {
        assert_eq!(iam_size("{ \"a b\" : [ \"c\" ,\n\t\"d\\\"e\" ] }"), 20);
        assert_eq!(iam_size(""), 0);
        assert_eq!(iam_size("\"é\""), 3);
    }

    #[test]
    fn the_smallest_limit_applies() {
        assert_eq!(limit(&["arn:aws:iam::1:role/r".into()]).0, MANAGED);
        assert_eq!(
            limit(&[
                "arn:aws:iam::1:role/r".into(),
                "arn:aws:iam::1:user/u".into()
            ])
            .0,
            USER_INLINE
        );
        assert_eq!(limit(&["arn:aws:iam::1:group/g".into()]).0, GROUP_INLINE);
    }
}
