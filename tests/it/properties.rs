//! Property tests of the refinement engine over the real embedded catalogue: random policies and
//! random unused sets; every result is checked by a naive matcher that shares nothing with the
//! engine but the glob function.

use iamtrim::catalog::{ActionPattern, Catalog};
use iamtrim::findings::UnusedSet;
use iamtrim::refine::tokens::token_ends;
use iamtrim::refine::{ActionKey, Decision, Effect, StatementIn, refine};
use proptest::prelude::*;
use std::collections::BTreeSet;

pub const POOL: &[&str] = &[
    "s3", "ec2", "iam", "lambda", "dynamodb", "kms", "sts", "sqs", "logs", "rds", "ecr", "ecs",
];

#[derive(Debug, Clone)]
pub struct PatSpec {
    svc: usize,
    action: usize,
    kind: u8,
    cut: usize,
    cut2: usize,
    case: u8,
}

#[derive(Debug, Clone)]
pub struct StmtSpec {
    pub deny: bool,
    pub not_action: bool,
    pub patterns: Vec<PatSpec>,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub statements: Vec<StmtSpec>,
    pub unused: Vec<(usize, usize)>,
    pub whole: Vec<usize>,
}

pub fn pat_spec() -> impl Strategy<Value = PatSpec> {
    (
        0..POOL.len(),
        any::<usize>(),
        prop_oneof![
            3 => Just(0u8), 5 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8), 2 => Just(4u8),
            1 => Just(5u8), 1 => Just(7u8)
        ],
        any::<usize>(),
        any::<usize>(),
        0u8..4,
    )
        .prop_map(|(svc, action, kind, cut, cut2, case)| PatSpec {
            svc,
            action,
            kind,
            cut,
            cut2,
            case,
        })
}

pub fn case_strategy() -> impl Strategy<Value = Case> {
    let stmt = (
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        prop::collection::vec(pat_spec(), 1..6),
    )
        .prop_map(|(deny, not_action, patterns)| StmtSpec {
            deny,
            not_action,
            patterns,
        });
    (
        prop::collection::vec(stmt, 1..5),
        prop::collection::vec((0..POOL.len(), any::<usize>()), 0..40),
        prop::collection::vec(0..POOL.len(), 0..2),
    )
        .prop_map(|(statements, unused, whole)| Case {
            statements,
            unused,
            whole,
        })
}

fn recase(s: &str, case: u8, seed: usize) -> String {
    match case {
        1 => s.to_ascii_lowercase(),
        2 => s.to_ascii_uppercase(),
        3 => s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if (seed >> (i % 60)) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
        _ => s.to_string(),
    }
}

pub fn build_pattern(cat: &Catalog, p: &PatSpec) -> String {
    let svc_name = POOL[p.svc];
    let service = cat.service(cat.service_index(svc_name).unwrap());
    let name = &service.actions[p.action % service.actions.len()].name;
    let n = name.len();
    let a = p.cut % (n + 1);
    let b = a + p.cut2 % (n - a + 1);
    let body = match p.kind {
        0 => name.to_string(),
        1 => format!("{}*", &name[..a]),
        2 => format!("*{}", &name[a..]),
        3 => format!("{}*{}", &name[..a], &name[b..]),
        4 => {
            let i = a.min(n - 1);
            let tail = if p.cut2.is_multiple_of(2) { "" } else { "*" };
            format!("{}?{}{}", &name[..i], &name[i + 1..], tail)
        }
        5 => "*".to_string(),
        7 => return format!("{}*:{}*", &svc_name[..1], &name[..a]),
        _ => return "*".to_string(),
    };
    format!(
        "{}:{}",
        recase(svc_name, p.case, p.cut),
        recase(&body, p.case, p.cut2)
    )
}

/// Every (service, action) lower-cased pair a pattern list matches, by brute force over the
/// services in `universe`.
pub fn naive(cat: &Catalog, universe: &[usize], patterns: &[String]) -> BTreeSet<(String, String)> {
    let parsed: Vec<ActionPattern> = patterns
        .iter()
        .filter_map(|p| ActionPattern::parse(p))
        .collect();
    let mut out = BTreeSet::new();
    for &s in universe {
        let service = cat.service(s);
        for a in &service.actions {
            if parsed
                .iter()
                .any(|p| p.matches_lower(&service.prefix, &a.lower))
            {
                out.insert((service.prefix.to_string(), a.lower.to_string()));
            }
        }
    }
    out
}

pub fn universe(cat: &Catalog, patterns: &[String]) -> Vec<usize> {
    let mut set: BTreeSet<usize> = POOL.iter().filter_map(|s| cat.service_index(s)).collect();
    for p in patterns.iter().filter_map(|p| ActionPattern::parse(p)) {
        set.extend(cat.services_matching(p.service_glob()));
    }
    set.into_iter().collect()
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let cat = Catalog::embedded();
    let statements: Vec<StatementIn> = case
        .statements
        .iter()
        .map(|s| StatementIn {
            effect: if s.deny { Effect::Deny } else { Effect::Allow },
            key: if s.not_action {
                ActionKey::NotAction
            } else {
                ActionKey::Action
            },
            patterns: s.patterns.iter().map(|p| build_pattern(cat, p)).collect(),
        })
        .collect();
    let mut unused = UnusedSet::default();
    let mut naive_unused = BTreeSet::new();
    for &(s, a) in &case.unused {
        let service = cat.service(cat.service_index(POOL[s]).unwrap());
        let action = &service.actions[a % service.actions.len()];
        unused.add_action(POOL[s], &action.name);
        naive_unused.insert((POOL[s].to_string(), action.lower.to_string()));
    }
    for &s in &case.whole {
        unused.add_service(POOL[s]);
        let service = cat.service(cat.service_index(POOL[s]).unwrap());
        for a in &service.actions {
            naive_unused.insert((POOL[s].to_string(), a.lower.to_string()));
        }
    }
    let resolved = unused.resolve(cat);
    let refinement = refine(&statements, &resolved, cat)
        .map_err(|e| TestCaseError::fail(format!("verifier: {e}")))?;
    check_document_round_trip(&statements, &refinement)?;

    for (s, out) in statements.iter().zip(&refinement.statements) {
        let after = out.patterns_after(&s.patterns);
        let mut all = s.patterns.clone();
        all.extend(after.iter().cloned());
        let uni = universe(cat, &all);
        let before_set = naive(cat, &uni, &s.patterns);
        let after_set = naive(cat, &uni, &after);
        match (s.effect, s.key) {
            (Effect::Allow, ActionKey::Action) => {
                let expected: BTreeSet<_> = before_set.difference(&naive_unused).cloned().collect();
                prop_assert_eq!(
                    &after_set,
                    &expected,
                    "patterns {:?} -> {:?}",
                    s.patterns,
                    after
                );
                for (p, d) in s.patterns.iter().zip(&out.decisions) {
                    let explicit = !p.contains(['*', '?']);
                    prop_assert!(
                        !(explicit && matches!(d, Decision::Replace(_))),
                        "explicit {} widened",
                        p
                    );
                    if let Decision::Replace(with) = d {
                        let uni = universe(cat, std::slice::from_ref(p));
                        let k: BTreeSet<_> = naive(cat, &uni, std::slice::from_ref(p))
                            .difference(&naive_unused)
                            .cloned()
                            .collect();
                        for w in with {
                            check_emitted(cat, w, &k)?;
                        }
                    }
                }
            }
            (Effect::Allow, ActionKey::NotAction) => {
                // NotAction: allowed = universe \ matched.
                let all_actions = naive(cat, &uni, &["*".to_string()]);
                let allowed_before: BTreeSet<_> =
                    all_actions.difference(&before_set).cloned().collect();
                let allowed_after: BTreeSet<_> =
                    all_actions.difference(&after_set).cloned().collect();
                let expected: BTreeSet<_> =
                    allowed_before.difference(&naive_unused).cloned().collect();
                prop_assert_eq!(allowed_after, expected);
                prop_assert!(out.decisions.iter().all(|d| *d == Decision::Keep));
            }
            _ => prop_assert!(!out.changed(), "Deny statement changed"),
        }
    }
    Ok(())
}

/// The same statements as a JSON policy (a one-pattern `Action` as a string, others as arrays):
/// the document reads back as the engine's input, and after `apply` it reads back as the refined
/// pattern lists, with removed statements gone.
fn check_document_round_trip(
    statements: &[StatementIn],
    refinement: &iamtrim::refine::Refinement,
) -> Result<(), TestCaseError> {
    use iamtrim::policy::document;
    use serde_json::{Value, json};
    let stmts: Vec<Value> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let key = if s.key == ActionKey::NotAction {
                "NotAction"
            } else {
                "Action"
            };
            let effect = if s.effect == Effect::Deny {
                "Deny"
            } else {
                "Allow"
            };
            let actions = if s.patterns.len() == 1 {
                json!(s.patterns[0])
            } else {
                json!(s.patterns)
            };
            json!({"Sid": format!("S{i}"), "Effect": effect, key: actions, "Resource": "*"})
        })
        .collect();
    let mut doc = json!({"Version": "2012-10-17", "Statement": stmts});
    prop_assert_eq!(&document::statements_in(&doc), statements);
    if refinement.detach {
        return Ok(());
    }
    document::apply(&mut doc, statements, refinement);
    let expected: Vec<(String, Vec<String>)> = statements
        .iter()
        .zip(&refinement.statements)
        .enumerate()
        .filter(|(_, (_, o))| !o.removed)
        .map(|(i, (s, o))| (format!("S{i}"), o.patterns_after(&s.patterns)))
        .collect();
    let items: Vec<Value> = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        v => vec![v.clone()],
    };
    let got: Vec<(String, Vec<String>)> = items
        .iter()
        .zip(document::statements_in(&doc))
        .map(|(v, s)| {
            (
                v["Sid"].as_str().unwrap_or_default().to_string(),
                s.patterns,
            )
        })
        .collect();
    prop_assert_eq!(got, expected);
    Ok(())
}

/// An emitted wildcard is safe (everything it matches is kept) and its parent token prefix is not
/// (the parent would match something that must go, or is the root).
fn check_emitted(
    cat: &Catalog,
    emitted: &str,
    kept: &BTreeSet<(String, String)>,
) -> Result<(), TestCaseError> {
    let (svc, name) = emitted.split_once(':').unwrap();
    let s = cat.service_index(svc).unwrap();
    let service = cat.service(s);
    let svc = service.prefix.to_string();
    let matched = naive(cat, &[s], &[emitted.to_string()]);
    prop_assert!(!matched.is_empty(), "{} matches nothing", emitted);
    prop_assert!(
        matched.iter().all(|m| kept.contains(m)),
        "{} is not safe",
        emitted
    );
    if let Some(prefix) = name.strip_suffix('*') {
        if prefix.is_empty() {
            return Ok(());
        }
        let ends = token_ends(prefix);
        let parent = if ends.len() >= 2 {
            &prefix[..ends[ends.len() - 2]]
        } else {
            ""
        };
        let parent_matches = naive(cat, &[s], &[format!("{svc}:{parent}*")]);
        prop_assert!(
            parent_matches.iter().any(|m| !kept.contains(m)),
            "parent {}* of {} is safe too",
            parent,
            emitted
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn refinement_is_exact_and_least_general(case in case_strategy()) {
        check(&case)?;
    }
}

proptest! {
    // `*` expands to every catalogued action (22,000+) and its refinement to one entry per
    // service: fewer cases, same checks.
    #![proptest_config(ProptestConfig {
        cases: 40,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn refinement_of_star_is_exact(mut case in case_strategy()) {
        case.statements[0].patterns[0].kind = 8;
        check(&case)?;
    }
}

/// Unused sets drawn from the actions the policy actually allows, so most cases change something.
#[test]
fn most_cases_change_something() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let cat = Catalog::embedded();
    let mut changed = 0;
    for _ in 0..300 {
        let case = case_strategy().new_tree(&mut runner).unwrap().current();
        check(&case).unwrap();
        let statements: Vec<StatementIn> = case
            .statements
            .iter()
            .map(|s| StatementIn {
                effect: Effect::Allow,
                key: ActionKey::Action,
                patterns: s.patterns.iter().map(|p| build_pattern(cat, p)).collect(),
            })
            .collect();
        let mut unused = UnusedSet::default();
        for &(s, a) in &case.unused {
            let service = cat.service(cat.service_index(POOL[s]).unwrap());
            unused.add_action(POOL[s], &service.actions[a % service.actions.len()].name);
        }
        if refine(&statements, &unused.resolve(cat), cat)
            .unwrap()
            .changed()
        {
            changed += 1;
        }
    }
    assert!(changed > 60, "only {changed} of 300 cases changed anything");
}
