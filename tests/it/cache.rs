//! The cache of derived data (`.git/iamtrim/`): a run that reads it reports exactly what a run
//! with `--no-cache` reports, whatever state the cache is in (cold, warm, corrupt, stale, raced).
//!
//! The corpus is built from AWS's published example (`examples/aws-blog/`, from
//! ../shared/fixtures): its policy under many role names, its finding copied for each role (some
//! with fewer unused actions), the findings as raw `get-finding-v2` outputs in arrays of a few,
//! and a config with one `[[bind]]` table per file beside a glob bind and a suppression (whose
//! finding points into the config, so offsets there matter).

use crate::common::{example, iamtrim, read};
use crate::git::Repo;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ROLES: usize = 24;

fn role(i: usize) -> String {
    format!("arn:aws:iam::123456789012:role/app-{i:02}")
}

/// The corpus: `per_file` binds (else one templated bind), findings `per_file_findings` to a
/// file.
fn corpus(per_file: bool, per_file_findings: usize) -> Repo {
    let r = Repo::new();
    let policy = read(&example().join("policy.json"));
    let finding: Value = serde_json::from_str(&read(
        &example().join("snapshot/get-finding-v2.MyRole.json"),
    ))
    .unwrap();
    let mut findings = Vec::new();
    for i in 0..ROLES {
        r.write(&format!("policies/app-{i:02}.json"), &policy);
        let mut f = finding.clone();
        f["resource"] = role(i).into();
        f["id"] = format!("id-{i}").into();
        // Every third role used some of the lambda actions after all.
        if i % 3 == 1 {
            let lambda = &mut f["findingDetails"][0]["unusedPermissionDetails"]["actions"];
            let keep: Vec<Value> = lambda.as_array().unwrap()[..3].to_vec();
            *lambda = Value::Array(keep);
        }
        // One role was never analyzed: no finding, no evidence.
        if i != 5 {
            findings.push(f);
        }
    }
    for (n, chunk) in findings.chunks(per_file_findings).enumerate() {
        r.write(
            &format!("snapshot/findings-{n:02}.json"),
            &serde_json::to_string_pretty(&chunk).unwrap(),
        );
    }
    let mut config = String::from(
        "snapshot = \"snapshot\"\nmax-snapshot-age = \"3650d\"\n\n[rules.wildcard-action]\nlevel = \"warning\"\n\n",
    );
    if per_file {
        for i in 0..ROLES {
            config.push_str(&format!(
                "[[bind]]\nfiles = [\"policies/app-{i:02}.json\"]\nprincipals = [\"{}\"]\n\n",
                role(i)
            ));
        }
        // A glob bind among them: its principals come in the file's order.
        config.push_str(
            "[[bind]] # the first four also belong to a shared role\nfiles = [\"policies/app-0[0-3].json\"]\nprincipals = [\"arn:aws:iam::123456789012:role/shared\"]\n\n",
        );
    } else {
        config.push_str(
            "[[bind]]\nfiles = [\"policies/*.json\"]\nprincipals = [\"arn:aws:iam::123456789012:role/{stem}\"]\n\n",
        );
    }
    config.push_str(
        "[[ignore]]\nfiles = [\"nothing/*.json\"]\nreason = \"matches no file: reported as unused\"\n",
    );
    r.write("iamtrim.toml", &config);
    r.commit("corpus", "2024-06-20T00:00:00+00:00");
    r
}

type Run = (Option<i32>, String, String);

fn run(r: &Repo, args: &[&str]) -> Run {
    let out = r.check(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cache_dir(r: &Repo) -> PathBuf {
    r.path().join(".git/iamtrim")
}

/// The runs every test compares.
const ARGS: [&[&str]; 4] = [
    &["--all"],
    &["--all", "--format", "json"],
    &["policies/app-01.json", "policies/app-05.json"],
    &["--staged", "--format", "concise"],
];

/// Stages a change to one policy (so `--staged` has something to check).
fn stage_a_change(r: &Repo) {
    let p = "policies/app-02.json";
    let text = read(&r.path().join(p)).replacen("\"Version\"", "\"Id\": \"x\",\n  \"Version\"", 1);
    r.write(p, &text);
    r.git(&["add", p]);
}

/// What `--no-cache` reports for each of `ARGS` (and that it leaves no cache behind).
fn reference(r: &Repo) -> Vec<Run> {
    let had = cache_dir(r).exists();
    let runs = ARGS
        .iter()
        .map(|a| run(r, &[*a, &["--no-cache"][..]].concat()))
        .collect();
    assert_eq!(cache_dir(r).exists(), had, "--no-cache wrote a cache");
    runs
}

fn assert_same(r: &Repo, want: &[Run], when: &str) {
    for (a, w) in ARGS.iter().zip(want) {
        assert_eq!(&run(r, a), w, "{when}: check {a:?}");
    }
}

/// Every entry folder and pointer of the cache.
fn entries(r: &Repo) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache_dir(r))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn cached_runs_report_what_uncached_runs_report() {
    for (per_file, per_file_findings) in [(true, 5), (false, 5), (true, 1), (false, 100)] {
        let r = corpus(per_file, per_file_findings);
        stage_a_change(&r);
        let want = reference(&r);
        // The corpus shows what it should: findings, a role with no evidence, a shared role,
        // the suppression that matched nothing.
        let all = &want[0].1;
        assert!(all.contains("unused-action"), "{all}");
        assert!(all.contains("no-evidence"), "{all}");
        assert!(all.contains("unused-suppression"), "{all}");
        if per_file {
            assert!(want[1].1.contains("role/shared"), "{}", want[1].1);
        }
        assert_same(&r, &want, "cold");
        let names: Vec<String> = entries(&r)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("snapshot-")),
            "{names:?}"
        );
        // A config with one templated table has nothing for the cache to keep.
        assert_eq!(
            names.iter().any(|n| n.starts_with("config-")),
            per_file,
            "{names:?}"
        );
        assert_same(&r, &want, "warm");
        assert_same(&r, &want, "warm again");
    }
}

/// Each way a cache file can be broken: cut short, one byte changed, replaced by junk, emptied.
fn breakages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut flipped = bytes.to_vec();
    if let Some(b) = flipped.get_mut(bytes.len() / 2) {
        *b ^= 0x01;
    }
    vec![
        bytes[..bytes.len() / 2].to_vec(),
        flipped,
        b"{\"not\": \"a cache\"}\n".to_vec(),
        Vec::new(),
    ]
}

/// Every file of the cache, one at a time.
fn cache_files(r: &Repo) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in entries(r) {
        if e.is_dir() {
            for f in std::fs::read_dir(&e).unwrap().flatten() {
                out.push(f.path());
            }
        } else {
            out.push(e);
        }
    }
    out.sort();
    out
}

#[test]
fn a_corrupt_cache_is_rebuilt_and_never_changes_a_verdict() {
    let r = corpus(true, 5);
    stage_a_change(&r);
    let want = reference(&r);
    assert_same(&r, &want, "cold");
    let count = cache_files(&r).len();
    // The pointers, the manifests, the snapshot's index and pack, the config's rows.
    assert_eq!(count, 7, "{:?}", cache_files(&r));
    for k in 0..count {
        for n in 0..4 {
            // A fresh warm cache, then its `k`th file broken the `n`th way.
            std::fs::remove_dir_all(cache_dir(&r)).unwrap();
            run(&r, ARGS[0]);
            let file = cache_files(&r)[k].clone();
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let broken = breakages(&std::fs::read(&file).unwrap()).swap_remove(n);
            std::fs::write(&file, &broken).unwrap();
            assert_same(&r, &want, &format!("{name} broken ({n})"));
            // And the runs after it have a cache again.
            assert!(entries(&r).iter().any(|e| e.is_dir()), "{name} ({n})");
            assert_same(&r, &want, &format!("after {name} broken ({n})"));
        }
    }
}

/// Rewrites `rel` in place with `from` replaced by `to` (the same length: the size stays).
fn edit_same_size(r: &Repo, rel: &str, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let p = r.path().join(rel);
    let text = read(&p);
    assert!(text.contains(from), "{rel}: {from}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

fn set_mtime(path: &Path, to: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(to)
        .unwrap();
}

#[test]
fn a_changed_input_is_never_served_from_the_cache() {
    let r = corpus(true, 5);
    let warm = |r: &Repo| {
        for a in ARGS {
            run(r, a);
        }
    };
    warm(&r);
    // A finding's action changed, the file's size and time kept: the time is too close to the
    // cache's writing to be trusted, so the content decides.
    let finding = "snapshot/findings-00.json";
    let mtime = std::fs::metadata(r.path().join(finding))
        .unwrap()
        .modified()
        .unwrap();
    edit_same_size(&r, finding, "\"GetFunction\"", "\"ListAliases\"");
    set_mtime(&r.path().join(finding), mtime);
    let want = reference(&r);
    assert_eq!(want[0].0, Some(1), "{}", want[0].2);
    assert_same(&r, &want, "finding changed, size and time kept");
    // A bind changed (same size, a new time): the content decides again.
    warm(&r);
    edit_same_size(&r, "iamtrim.toml", "role/app-07\"", "role/app-08\"");
    let want = reference(&r);
    assert!(want[1].1.contains("role/app-08"), "{}", want[1].1);
    assert_same(&r, &want, "bind changed");
    // A file added to the snapshot folder, one removed.
    warm(&r);
    std::fs::rename(
        r.path().join("snapshot/findings-01.json"),
        r.path().join("snapshot/findings-99.json"),
    )
    .unwrap();
    std::fs::remove_file(r.path().join("snapshot/findings-02.json")).unwrap();
    let want = reference(&r);
    assert_same(&r, &want, "snapshot files moved and removed");
    // Touched and unchanged: still what it was.
    warm(&r);
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    set_mtime(&r.path().join("iamtrim.toml"), later);
    set_mtime(&r.path().join(finding), later);
    assert_same(&r, &want, "touched");
    // A broken snapshot is the error it always was, cache or not.
    warm(&r);
    edit_same_size(&r, finding, "\"findingType\"", "\"findingType'");
    let want = reference(&r);
    assert_eq!(want[0].0, Some(2), "{}", want[0].2);
    assert_same(&r, &want, "snapshot broken");
}

#[test]
fn racing_runs_agree_and_leave_one_entry() {
    let r = corpus(true, 3);
    let want = run(&r, &["--all", "--no-cache"]);
    std::fs::remove_dir_all(cache_dir(&r)).ok();
    let mut spawned: Vec<std::process::Child> = (0..6)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_iamtrim"))
                .current_dir(r.path())
                .env("NO_COLOR", "1")
                .env_remove("COLUMNS")
                .args(["check", "--all", "--catalog"])
                .arg(example().join("catalog"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in spawned.drain(..) {
        let out = c.wait_with_output().unwrap();
        let got = (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert_eq!(got, want);
    }
    // One entry per kind, no temporary folder left, and it serves the next run.
    let names: Vec<String> = entries(&r)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".tmp")), "{names:?}");
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(run(&r, &["--all"]), want);
}

#[test]
fn no_cache_outside_a_repository_leaves_the_home_alone() {
    // Outside a repository the cache is the user's cache folder.
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_dir(&example(), dir.path());
    let run = |extra: &[&str]| {
        iamtrim()
            .current_dir(dir.path())
            .env("HOME", home.path())
            .env_remove("XDG_CACHE_HOME")
            .args(["check", "policy.json", "--catalog", "catalog"])
            .args(extra)
            .output()
            .unwrap()
    };
    let plain = run(&["--no-cache"]);
    assert!(!home.path().join(".cache").exists());
    let cached = run(&[]);
    assert_eq!(plain.stdout, cached.stdout);
    assert_eq!(plain.status.code(), cached.status.code());
    assert!(home.path().join(".cache/iamtrim").is_dir());
    assert_eq!(run(&[]).stdout, plain.stdout);
}
