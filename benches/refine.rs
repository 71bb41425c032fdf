//! Benchmarks of the catalogue and the refinement engine (divan). Run: `cargo bench --bench refine`.
//! Numbers are reported in the README; compare medians within one run, not across machines.

use iamtrim::catalog::{ActionPattern, ActionSet, Catalog};
use iamtrim::findings::UnusedSet;
use iamtrim::refine::{ActionKey, Effect, StatementIn, refine};
use std::hint::black_box;

fn main() {
    divan::main();
}

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }
}

/// One action in `one_in` of `services`, unused, at random.
fn random_unused(cat: &Catalog, services: &[&str], one_in: usize, seed: u64) -> UnusedSet {
    let mut rng = Rng(seed);
    let mut u = UnusedSet::default();
    for svc in services {
        let s = cat.service(cat.service_index(svc).unwrap());
        for a in &s.actions {
            if rng.next().is_multiple_of(one_in) {
                u.add_action(svc, &a.name);
            }
        }
    }
    u
}

fn allow(patterns: &[String]) -> Vec<StatementIn> {
    vec![StatementIn {
        effect: Effect::Allow,
        key: ActionKey::Action,
        patterns: patterns.to_vec(),
    }]
}

#[divan::bench]
fn load_index_embedded() -> Catalog {
    Catalog::from_generated(black_box(include_str!("../data/catalog.txt")))
}

#[divan::bench]
fn load_and_decode_s3() -> usize {
    let cat = Catalog::from_generated(black_box(include_str!("../data/catalog.txt")));
    cat.service(cat.service_index("s3").unwrap()).actions.len()
}

#[divan::bench]
fn load_and_decode_everything() -> usize {
    let cat = Catalog::from_generated(black_box(include_str!("../data/catalog.txt")));
    cat.expand(&ActionPattern::parse("*").unwrap()).count()
}

/// `s3:*` and `ec2:*` with a third of the service's actions unused, at random.
#[divan::bench(args = ["s3:*", "ec2:*"])]
fn refine_service_star(bencher: divan::Bencher, pattern: &str) {
    let cat = Catalog::embedded();
    let svc = pattern.split(':').next().unwrap();
    let unused = random_unused(cat, &[svc], 3, 7).resolve(cat);
    let stmts = allow(&[pattern.to_string()]);
    bencher.bench(|| refine(black_box(&stmts), black_box(&unused), cat).unwrap());
}

/// `*` with a third of s3, ec2 and iam unused: every other service becomes `svc:*`.
#[divan::bench(sample_count = 20)]
fn refine_star(bencher: divan::Bencher) {
    let cat = Catalog::embedded();
    let unused = random_unused(cat, &["s3", "ec2", "iam"], 3, 7).resolve(cat);
    let stmts = allow(&["*".to_string()]);
    bencher.bench(|| refine(black_box(&stmts), black_box(&unused), cat).unwrap());
}

/// A typical policy: 10 statements over 10 common services, 50 patterns (explicit actions and
/// `Verb*`-style wildcards). `one_in` = 10: a tenth of each service's actions unused, as a role's
/// finding reads; 3: a third, a heavier case.
#[divan::bench(args = [10, 3])]
fn refine_typical_policy(bencher: divan::Bencher, one_in: usize) {
    let cat = Catalog::embedded();
    let services = [
        "s3", "dynamodb", "lambda", "sqs", "logs", "kms", "sns", "ecr", "sts", "ssm",
    ];
    let mut rng = Rng(42);
    let mut stmts = Vec::new();
    for svc in services {
        let s = cat.service(cat.service_index(svc).unwrap());
        let mut patterns = Vec::new();
        for k in 0..5 {
            let a = &s.actions[rng.next() % s.actions.len()].name;
            patterns.push(if k % 2 == 0 {
                format!("{svc}:{a}")
            } else {
                let cut = 3.min(a.len());
                format!("{svc}:{}*", &a[..cut])
            });
        }
        stmts.push(StatementIn {
            effect: Effect::Allow,
            key: ActionKey::Action,
            patterns,
        });
    }
    let unused = random_unused(cat, &services, one_in, 9).resolve(cat);
    if std::env::var_os("IAMTRIM_BENCH_SIZES").is_some() {
        let r = refine(&stmts, &unused, cat).unwrap();
        let after: usize = stmts
            .iter()
            .zip(&r.statements)
            .map(|(s, o)| o.patterns_after(&s.patterns).len())
            .sum();
        eprintln!("typical policy (1 in {one_in} unused): 50 patterns -> {after}");
    }
    bencher.bench(|| refine(black_box(&stmts), black_box(&unused), cat).unwrap());
}

/// `n` items of `items`, evenly spaced (all of them when `n` is larger).
fn spread<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    if n >= items.len() {
        return items.to_vec();
    }
    (0..n).map(|k| items[k * items.len() / n]).collect()
}

/// Every (service index, action index) of the catalogue, in catalogue order.
fn all_actions(cat: &Catalog) -> Vec<(usize, usize)> {
    (0..cat.service_count())
        .flat_map(|svc| (0..cat.service(svc).actions.len()).map(move |a| (svc, a)))
        .collect()
}

/// An unused set of exactly `n` catalogued actions. With a service (`s3`): its actions first, up
/// to all of them, then actions of the other services (which `s3:*` does not cover); without:
/// spread across the whole catalogue.
fn unused_of_size(cat: &Catalog, service: Option<&str>, n: usize) -> ActionSet {
    let all = all_actions(cat);
    let picked = match service.map(|s| cat.service_index(s).unwrap()) {
        None => spread(&all, n),
        Some(svc) => {
            let (own, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|&(s, _)| s == svc);
            let mut picked = spread(&own, n);
            picked.extend(spread(&others, n - picked.len()));
            picked
        }
    };
    let mut u = UnusedSet::default();
    for (svc, a) in picked {
        u.add_action(cat.prefix(svc), &cat.service(svc).actions[a].name);
    }
    let set = u.resolve(cat);
    assert_eq!(set.count(), n);
    set
}

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn refine_at_scale(bencher: divan::Bencher, pattern: &str, n: usize) {
    let cat = Catalog::embedded();
    let service = pattern.split_once(':').map(|(s, _)| s);
    let unused = unused_of_size(cat, service, n);
    let stmts = allow(&[pattern.to_string()]);
    if std::env::var_os("IAMTRIM_BENCH_SIZES").is_some() {
        let r = refine(&stmts, &unused, cat).unwrap();
        let after = r.statements[0].patterns_after(&stmts[0].patterns).len();
        eprintln!("{pattern} against {n} unused: {after} patterns");
    }
    bencher.bench(|| refine(black_box(&stmts), black_box(&unused), cat).unwrap());
}

/// Issue 14: `s3:*` against unused sets of 10 to 10,000 actions (all of s3 from its size on).
#[divan::bench(args = SIZES)]
fn scale_s3_star(bencher: divan::Bencher, n: usize) {
    refine_at_scale(bencher, "s3:*", n);
}

/// Same for `ec2:*`.
#[divan::bench(args = SIZES)]
fn scale_ec2_star(bencher: divan::Bencher, n: usize) {
    refine_at_scale(bencher, "ec2:*", n);
}

/// Same for `*`, the unused actions spread across every service.
#[divan::bench(args = SIZES, sample_count = 20)]
fn scale_star(bencher: divan::Bencher, n: usize) {
    refine_at_scale(bencher, "*", n);
}

/// `*` against a fixed unused set (1,000 actions spread over the first 57 services) in catalogues
/// of the first 57, 114, 228 and all 457 services of the embedded one: growth with the catalogue.
#[divan::bench(args = [57, 114, 228, 457], sample_count = 20)]
fn scale_catalog_star(bencher: divan::Bencher, services: usize) {
    let full = Catalog::embedded();
    let lists: Vec<(&str, Vec<&str>)> = (0..services.min(full.service_count()))
        .map(|svc| {
            let names = full.service(svc).actions.iter().map(|a| &*a.name).collect();
            (full.prefix(svc), names)
        })
        .collect();
    let borrowed: Vec<(&str, &[&str])> = lists.iter().map(|(p, n)| (*p, n.as_slice())).collect();
    let cat = Catalog::from_lists("bench", &borrowed);
    let first = Catalog::from_lists("bench", &borrowed[..57]);
    let mut u = UnusedSet::default();
    for (svc, a) in spread(&all_actions(&first), 1_000) {
        u.add_action(first.prefix(svc), &first.service(svc).actions[a].name);
    }
    let unused = u.resolve(&cat);
    assert_eq!(unused.count(), 1_000);
    let stmts = allow(&["*".to_string()]);
    bencher.bench(|| refine(black_box(&stmts), black_box(&unused), &cat).unwrap());
}

fn example_args(pinned: bool) -> Vec<String> {
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/aws-blog");
    let mut args = vec![
        "recommend".to_string(),
        format!("{ex}/policy.json"),
        "--findings".into(),
        format!("{ex}/unused-permissions.json"),
    ];
    if pinned {
        args.extend(["--catalog".to_string(), format!("{ex}/catalog")]);
    }
    args
}

/// The whole `recommend` process on AWS's example (a fresh process each time).
#[divan::bench(args = [false, true], sample_count = 50)]
fn process_recommend_example(pinned_catalog: bool) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_iamtrim"))
        .args(example_args(pinned_catalog))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Baseline for the process benchmarks: spawning `true` on this machine, in the same run.
#[divan::bench(sample_count = 50)]
fn process_baseline_true() {
    std::process::Command::new("true").status().unwrap();
}
