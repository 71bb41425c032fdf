//! Benchmarks of the catalogue and the refinement engine (divan). Run: `cargo bench --bench refine`.
//! Numbers are reported in the README; compare medians within one run, not across machines.

use iamtrim::catalog::{ActionPattern, Catalog};
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
