//! The refinement engine: for each `Allow` statement, keep, remove or replace every action pattern
//! so that the statement allows exactly what it allowed before minus the unused actions, using the
//! least-general patterns the catalogue allows. Pure: no I/O, text in, decisions out.

pub mod generalize;
mod verify;

/// The CamelCase tokenizer lives with the catalogue; re-exported for the engine's users.
pub use crate::catalog::tokens;

use crate::catalog::{ActionPattern, ActionSet, Catalog};
use generalize::{Emit, least_general};
pub use verify::VerifyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
    /// Missing or misspelled: never touched.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKey {
    Action,
    NotAction,
    /// Neither (or both): never touched.
    Missing,
}

/// What the engine needs to know of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementIn {
    pub effect: Effect,
    pub key: ActionKey,
    pub patterns: Vec<String>,
}

/// What happens to one pattern of an `Action` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Keep,
    Remove,
    Replace(Vec<String>),
}

/// The outcome for one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOut {
    /// One decision per input pattern.
    pub decisions: Vec<Decision>,
    /// For `Allow` + `NotAction`: patterns to append to `NotAction`.
    pub not_action_added: Vec<String>,
    /// The statement has no action left and goes.
    pub removed: bool,
}

impl StatementOut {
    fn keep_all(n: usize) -> StatementOut {
        StatementOut {
            decisions: vec![Decision::Keep; n],
            not_action_added: Vec::new(),
            removed: false,
        }
    }

    pub fn changed(&self) -> bool {
        self.removed
            || !self.not_action_added.is_empty()
            || self.decisions.iter().any(|d| *d != Decision::Keep)
    }

    /// The statement's pattern list after the refinement.
    pub fn patterns_after(&self, before: &[String]) -> Vec<String> {
        if self.removed {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(before.len());
        for (p, d) in before.iter().zip(&self.decisions) {
            match d {
                Decision::Keep => out.push(p.clone()),
                Decision::Remove => {}
                Decision::Replace(with) => out.extend(with.iter().cloned()),
            }
        }
        out.extend(self.not_action_added.iter().cloned());
        out
    }
}

/// The refinement of a whole policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refinement {
    pub statements: Vec<StatementOut>,
    /// Every `Allow` statement went: the policy should be detached, not edited.
    pub detach: bool,
}

impl Refinement {
    pub fn changed(&self) -> bool {
        self.detach || self.statements.iter().any(StatementOut::changed)
    }
}

/// Refines a policy's statements against the unused actions, and verifies the result over the whole
/// catalogue before returning it.
pub fn refine(
    statements: &[StatementIn],
    unused: &ActionSet,
    catalog: &Catalog,
) -> Result<Refinement, VerifyError> {
    // What each `Allow` + `Action` statement allowed before, expanded once and shared with the
    // verifier (which expands the refined patterns on its own).
    let mut befores = Vec::with_capacity(statements.len());
    let outs: Vec<StatementOut> = statements
        .iter()
        .map(|s| {
            let (out, before) = refine_statement(s, unused, catalog);
            befores.push(before);
            out
        })
        .collect();
    let had_allow = statements.iter().any(|s| s.effect == Effect::Allow);
    let allow_left = statements
        .iter()
        .zip(&outs)
        .any(|(s, o)| s.effect == Effect::Allow && !o.removed);
    let refinement = Refinement {
        statements: outs,
        detach: had_allow && !allow_left,
    };
    verify::verify(statements, &refinement, unused, catalog, &befores)?;
    Ok(refinement)
}

/// The refinement when the role itself is unused (`UnusedIAMRole`): nothing it allows is used,
/// whatever the catalogue knows, so every `Allow` statement goes and the policy is to be detached.
/// No rewrite: a `NotAction` statement would have to exclude every catalogued service and would
/// still allow the services newer than the catalogue.
pub fn refine_role_unused(statements: &[StatementIn]) -> Refinement {
    let outs: Vec<StatementOut> = statements
        .iter()
        .map(|s| match (s.effect, s.key) {
            (Effect::Allow, ActionKey::Action | ActionKey::NotAction) => StatementOut {
                decisions: vec![
                    if s.key == ActionKey::Action {
                        Decision::Remove
                    } else {
                        Decision::Keep
                    };
                    s.patterns.len()
                ],
                not_action_added: Vec::new(),
                removed: true,
            },
            _ => StatementOut::keep_all(s.patterns.len()),
        })
        .collect();
    Refinement {
        detach: statements.iter().any(|s| s.effect == Effect::Allow),
        statements: outs,
    }
}

fn refine_statement(
    s: &StatementIn,
    unused: &ActionSet,
    catalog: &Catalog,
) -> (StatementOut, Option<ActionSet>) {
    match (s.effect, s.key) {
        (Effect::Allow, ActionKey::Action) => {
            let mut before = ActionSet::default();
            let decisions: Vec<Decision> = s
                .patterns
                .iter()
                .map(|p| match ActionPattern::parse(p) {
                    None => Decision::Keep,
                    Some(pattern) => {
                        let matched = catalog.expand(&pattern);
                        before.union(&matched);
                        decide_matched(&pattern, matched, unused, catalog)
                    }
                })
                .collect();
            let removed = !decisions.is_empty() && decisions.iter().all(|d| *d == Decision::Remove);
            let out = StatementOut {
                decisions,
                not_action_added: Vec::new(),
                removed,
            };
            (out, Some(before))
        }
        (Effect::Allow, ActionKey::NotAction) => {
            let out = StatementOut {
                not_action_added: extend_not_action(&s.patterns, unused, catalog),
                ..StatementOut::keep_all(s.patterns.len())
            };
            (out, None)
        }
        _ => (StatementOut::keep_all(s.patterns.len()), None),
    }
}

/// Keep, remove or replace one pattern of an `Allow` statement's `Action`.
pub fn decide(raw: &str, unused: &ActionSet, catalog: &Catalog) -> Decision {
    match ActionPattern::parse(raw) {
        None => Decision::Keep,
        Some(pattern) => decide_matched(&pattern, catalog.expand(&pattern), unused, catalog),
    }
}

/// [`decide`] for a parsed pattern and the catalogued actions it matches.
fn decide_matched(
    pattern: &ActionPattern,
    mut kept: ActionSet,
    unused: &ActionSet,
    catalog: &Catalog,
) -> Decision {
    // Most patterns cover no unused action: tell before copying anything.
    if !kept.intersects(unused) {
        return Decision::Keep;
    }
    kept.subtract(unused);
    if kept.is_empty() {
        return Decision::Remove;
    }
    if !pattern.is_wildcard() {
        // An explicit action matches one catalogued action: it stays or goes, never widens.
        return Decision::Keep;
    }
    let mut with = Vec::new();
    for (svc, bits) in kept.iter() {
        let service = catalog.service(svc);
        let prefix = if pattern.literal_service() {
            pattern.service_written()
        } else {
            catalog.prefix(svc)
        };
        for emit in least_general(service, bits, bits) {
            with.push(spell(prefix, service, &emit));
        }
    }
    sort_patterns(&mut with);
    Decision::Replace(with)
}

/// The least-general patterns to add to an `Allow` statement's `NotAction` so that it no longer
/// allows the unused actions.
fn extend_not_action(patterns: &[String], unused: &ActionSet, catalog: &Catalog) -> Vec<String> {
    let mut excluded = ActionSet::default();
    for p in patterns.iter().filter_map(|p| ActionPattern::parse(p)) {
        catalog.expand_into(&p, &mut excluded);
    }
    let mut added = Vec::new();
    for (svc, unused_bits) in unused.iter() {
        let service = catalog.service(svc);
        let mut target = unused_bits.clone();
        let mut ok = unused_bits.clone();
        if let Some(ex) = excluded.get(svc) {
            target.subtract(ex);
            ok.union_with(ex);
        }
        for emit in least_general(service, &target, &ok) {
            added.push(spell(catalog.prefix(svc), service, &emit));
        }
    }
    sort_patterns(&mut added);
    added
}

fn spell(prefix: &str, service: &crate::catalog::Service, emit: &Emit) -> String {
    let name: &str = match emit {
        Emit::All => "*",
        Emit::Prefix(p) => p,
        Emit::Action(i) => &service.actions[*i].name,
    };
    let mut s = String::with_capacity(prefix.len() + name.len() + 2);
    s.push_str(prefix);
    s.push(':');
    s.push_str(name);
    if matches!(emit, Emit::Prefix(_)) {
        s.push('*');
    }
    s
}

/// Case-insensitive order, as the replacements are shown and written.
pub fn sort_patterns(patterns: &mut Vec<String>) {
    // Compared byte by byte, lower-cased on the fly: no allocation per comparison.
    patterns.sort_by(|a, b| {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
            .then_with(|| a.cmp(b))
    });
    patterns.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::UnusedSet;

    fn allow(patterns: &[&str]) -> StatementIn {
        StatementIn {
            effect: Effect::Allow,
            key: ActionKey::Action,
            patterns: patterns.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn unused(catalog: &Catalog, svc: &str, actions: &[&str]) -> ActionSet {
        let mut u = UnusedSet::default();
        for a in actions {
            u.add_action(svc, a);
        }
        u.resolve(catalog)
    }

    /// `DescribeVpc*` would also match `DescribeVpcs`, which sits on another trie branch: safety
    /// must be decided on the string prefix.
    #[test]
    fn string_prefix_trap() {
        let cat = Catalog::from_lists(
            "test",
            &[(
                "ec2",
                &[
                    "DescribeVpcs",
                    "DescribeVpcAttribute",
                    "DescribeVpcEndpoints",
                    "DescribeVpcPeeringConnections",
                    "DescribeInstances",
                    "RunInstances",
                ],
            )],
        );
        let u = unused(&cat, "ec2", &["DescribeVpcs"]);
        let r = refine(&[allow(&["ec2:Describe*"])], &u, &cat).unwrap();
        assert_eq!(
            r.statements[0].decisions,
            vec![Decision::Replace(vec![
                "ec2:DescribeInstances".into(),
                "ec2:DescribeVpcAttribute".into(),
                "ec2:DescribeVpcEndpoints".into(),
                "ec2:DescribeVpcPeeringConnections".into(),
            ])]
        );
    }

    #[test]
    fn shortest_safe_prefix_and_literal_unsafe_node() {
        let cat = Catalog::from_lists(
            "test",
            &[(
                "iam",
                &[
                    "GetRole",
                    "GetRolePolicy",
                    "GetRoleTags",
                    "GetUser",
                    "GetUserPolicy",
                    "ListRoles",
                ],
            )],
        );
        // GetRole stays, GetRolePolicy is unused: the unsafe node GetRole is emitted literally and
        // the walk goes on below it (GetRoleTags: a single action, bare).
        let u = unused(&cat, "iam", &["GetRolePolicy"]);
        let r = refine(&[allow(&["iam:Get*"])], &u, &cat).unwrap();
        assert_eq!(
            r.statements[0].decisions,
            vec![Decision::Replace(vec![
                "iam:GetRole".into(),
                "iam:GetRoleTags".into(),
                "iam:GetUser*".into(),
            ])]
        );
    }

    #[test]
    fn whole_service_and_case() {
        let cat = Catalog::from_lists(
            "test",
            &[("s3", &["GetObject", "PutObject"]), ("kms", &["Decrypt"])],
        );
        let mut u = UnusedSet::default();
        u.add_service("kms");
        u.add_action("s3", "PutObject");
        let u = u.resolve(&cat);
        let r = refine(&[allow(&["S3:*", "kms:Decrypt", "sqs:Send*"])], &u, &cat).unwrap();
        assert_eq!(
            r.statements[0].decisions,
            vec![
                Decision::Replace(vec!["S3:GetObject".into()]),
                Decision::Remove,
                Decision::Keep
            ]
        );
        // `*` becomes every other service whole, and the rest of s3.
        let r = refine(&[allow(&["*"])], &u, &cat).unwrap();
        assert_eq!(
            r.statements[0].decisions,
            vec![Decision::Replace(vec!["s3:GetObject".into()])]
        );
    }

    #[test]
    fn removed_statement_and_detach() {
        let cat = Catalog::from_lists("test", &[("s3", &["GetObject", "PutObject"])]);
        let u = unused(&cat, "s3", &["GetObject", "PutObject"]);
        let deny = StatementIn {
            effect: Effect::Deny,
            key: ActionKey::Action,
            patterns: vec!["s3:*".into()],
        };
        let r = refine(&[allow(&["s3:Get*", "s3:PutObject"]), deny], &u, &cat).unwrap();
        assert!(r.statements[0].removed);
        assert!(!r.statements[1].changed());
        assert!(r.detach);
    }

    #[test]
    fn not_action_is_extended() {
        let cat = Catalog::from_lists(
            "test",
            &[(
                "s3",
                &["GetObject", "GetObjectAcl", "PutObject", "DeleteObject"],
            )],
        );
        let u = unused(&cat, "s3", &["GetObjectAcl", "DeleteObject"]);
        let s = StatementIn {
            effect: Effect::Allow,
            key: ActionKey::NotAction,
            patterns: vec!["s3:Delete*".into()],
        };
        let r = refine(&[s], &u, &cat).unwrap();
        assert_eq!(r.statements[0].not_action_added, vec!["s3:GetObjectAcl"]);
    }
}
