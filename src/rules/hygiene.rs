//! What the evidence-free hygiene rules share: a policy's action entries, statement by
//! statement, and pattern coverage.

use crate::catalog::glob_match;
use crate::catalog::{ActionPattern, Catalog};
use crate::diagnostic::{Applicability, Fix, Span};
use crate::document::{Document, PolicyAt, PolicyEdit};
use crate::refine::{ActionKey, Effect};

/// One entry of an action list.
pub(crate) struct Entry<'a> {
    /// Its index in the statement's entries.
    pub index: usize,
    pub text: &'a str,
    pub span: Span,
}

/// The action entries of a policy's statements that may be judged (not sealed, a known effect
/// and key; opaque and unparsable entries left out), and how to remove one.
pub(crate) struct Entries<'a> {
    doc: &'a Document<'a>,
    at: &'a PolicyAt,
    lists: Vec<(usize, Vec<Entry<'a>>)>,
    /// Statements whose entries are not removed yet: fixes of their own come first.
    withheld: &'a [usize],
}

impl<'a> Entries<'a> {
    pub(crate) fn new(
        doc: &'a Document<'a>,
        at: &'a PolicyAt,
        catalog: &Catalog,
        withheld: &'a [usize],
    ) -> Self {
        let mut lists = Vec::new();
        for (i, s) in at.policy.statements.iter().enumerate() {
            if s.sealed.is_some()
                || s.input.effect == Effect::Other
                || s.input.key == ActionKey::Missing
            {
                continue;
            }
            let list: Vec<Entry<'a>> = s
                .patterns
                .iter()
                .enumerate()
                // An entry that matches nothing is `unknown-action`'s: left as it is.
                .filter(|(_, p)| {
                    !p.opaque
                        && ActionPattern::parse(&p.text).is_some_and(|x| catalog.matches_any(&x))
                })
                .map(|(index, p)| Entry {
                    index,
                    text: p.text.as_str(),
                    span: p.span.clone(),
                })
                .collect();
            if list.len() > 1 {
                lists.push((i, list));
            }
        }
        Entries {
            doc,
            at,
            lists,
            withheld,
        }
    }

    /// Each statement with two entries or more, by index.
    pub(crate) fn statements(&self) -> impl Iterator<Item = (usize, &[Entry<'a>])> {
        self.lists.iter().map(|(i, l)| (*i, l.as_slice()))
    }
}

/// The safe fix that removes entry `entry` of statement `stmt` (`None` while the statement has
/// other fixes, or when the document cannot express it).
pub(crate) fn removal(entries: &Entries<'_>, stmt: usize, entry: usize) -> Option<Fix> {
    if entries.withheld.contains(&stmt) {
        return None;
    }
    let edit = entries.doc.render(
        entries.at,
        &PolicyEdit::RemoveEntry {
            statement: stmt,
            entry,
        },
    )?;
    Some(Fix {
        edits: vec![edit],
        applicability: Applicability::Safe,
    })
}

/// Whether every action `a` can match (today's or a future one), `b` matches too; decided on the
/// patterns, ASCII case-insensitively. Conservative: `false` when unsure.
pub(crate) fn covers(b: &str, a: &str) -> bool {
    let (Some(pb), Some(pa)) = (ActionPattern::parse(b), ActionPattern::parse(a)) else {
        return false;
    };
    if b == "*" {
        return true;
    }
    if !pb.literal_service() {
        return false;
    }
    if !pa.is_wildcard() {
        return glob_match(
            pb.service_glob().as_bytes(),
            pa.service_written().as_bytes(),
        ) && glob_match(pb.name_glob().as_bytes(), pa.name_glob().as_bytes());
    }
    if a == "*" || !pa.literal_service() {
        return false;
    }
    if !pb
        .service_written()
        .eq_ignore_ascii_case(pa.service_written())
    {
        return false;
    }
    let name_b = pb.name_glob();
    if name_b == "*" {
        return true;
    }
    // `Prefix*` covers every pattern whose literal head starts with `Prefix`.
    let Some(prefix) = name_b.strip_suffix('*') else {
        return false;
    };
    if prefix.contains(['*', '?']) {
        return false;
    }
    let name_a = pa.name_glob();
    let head = &name_a[..name_a.find(['*', '?']).unwrap_or(name_a.len())];
    head.len() >= prefix.len() && head[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn coverage_is_decided_on_the_patterns() {
        for (b, a) in [
            ("s3:Get*", "s3:GetObject"),
            ("S3:get*", "s3:GetObjectAcl"),
            ("s3:*", "s3:Get*"),
            ("*", "s3:*"),
            ("*", "ec2:DescribeInstances"),
            ("s3:Get*", "s3:GetObject*"),
            ("s3:Get*", "s3:Get?bject"),
            ("s3:Get?bject", "s3:GetObject"),
            ("s3:*Object", "s3:GetObject"),
        ] {
            assert!(covers(b, a), "{b} covers {a}");
        }
        for (b, a) in [
            ("s3:GetObject", "s3:Get*"),
            ("s3:Get*", "s3:Ge*"),
            ("s3:Get*", "s3:G?tObject"),
            ("s3:Get*", "s3:List*"),
            ("s3:*", "*"),
            ("s3:*", "s3x:Get"),
            ("s3:*Object", "s3:Get*"),
            ("s?:Get*", "s3:GetObject"),
            ("s3:Get*", "sqs:GetQueueUrl"),
            ("s3:Get*", "not a pattern"),
        ] {
            assert!(!covers(b, a), "{b} does not cover {a}");
        }
    }
}
