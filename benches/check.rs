//! Whole-process benchmarks of `iamtrim check` (divan): one policy file with its snapshot (the
//! pre-commit case), and a generated corpus (`scripts/gen-corpus.py`). Run:
//! `cargo bench --bench check`. Compare with the `true` baseline of the same run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn main() {
    // Build the git repositories before any timing (each takes seconds to generate).
    template_project();
    terraform_repo();
    staged_repo();
    staged_repo_bind_per_file();
    repo_10000();
    repo_10000_history();
    divan::main();
}

fn example() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/aws-blog"))
}

fn corpus(n: usize) -> PathBuf {
    static DIRS: OnceLock<std::sync::Mutex<Vec<(usize, tempfile::TempDir)>>> = OnceLock::new();
    let dirs = DIRS.get_or_init(Default::default);
    let mut dirs = dirs.lock().unwrap();
    if let Some((_, d)) = dirs.iter().find(|(k, _)| *k == n) {
        return d.path().to_path_buf();
    }
    let dir = gen_corpus(n, false);
    let path = dir.path().to_path_buf();
    dirs.push((n, dir));
    path
}

/// `scripts/gen-corpus.py` into a new temporary folder.
fn gen_corpus(n: usize, bind_per_file: bool) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let n = n.to_string();
    let mut args = vec![n.as_str(), dir.path().to_str().unwrap()];
    args.extend(bind_per_file.then_some("--bind-per-file"));
    assert!(script("gen-corpus.py", &args));
    dir
}

/// Runs `scripts/NAME ARGS` with python3; whether it succeeded.
fn script(name: &str, args: &[&str]) -> bool {
    Command::new("python3")
        .arg(format!("{}/scripts/{name}", env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .status()
        .unwrap()
        .success()
}

fn check(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_iamtrim"))
        .current_dir(dir)
        .args(["check", "--config", "iamtrim.toml"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.code().is_some_and(|c| c <= 1));
}

/// The pre-commit case: one changed policy, its snapshot, the embedded catalogue.
#[divan::bench(sample_count = 100)]
fn one_file_embedded_catalog() {
    check(&example(), &["policy.json"]);
}

/// A project holding the example's snapshot and a 2,000-line CloudFormation YAML template
/// (`scripts/gen-template.py`) whose role `MyRole` holds the example's policy, next to the example's
/// policy file: the pre-commit case for a template, against the same run on the policy file.
fn template_project() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::TempDir::new().unwrap();
        let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
        assert!(script("gen-template.py", &["2000", &out("template.yaml")]));
        // The same template in CloudFormation JSON, when PyYAML is there to convert it.
        let _ = script("gen-template.py", &["2000", &out("template.json")]);
        let ex = example();
        std::fs::copy(ex.join("policy.json"), dir.path().join("policy.json")).unwrap();
        std::fs::create_dir(dir.path().join("snapshot")).unwrap();
        for e in std::fs::read_dir(ex.join("snapshot")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.path().join("snapshot").join(e.file_name())).unwrap();
        }
        std::fs::write(
            dir.path().join("iamtrim.toml"),
            "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\n\n[[bind]]\nfiles = [\"policy.json\"]\nprincipals = [\"MyRole\"]\n",
        )
        .unwrap();
        dir
    })
    .path()
    .to_path_buf()
}

/// The pre-commit case on the policy file, in the template's project (the ratio's baseline).
#[divan::bench(sample_count = 100)]
fn precommit_policy_file() {
    check(&template_project(), &["policy.json"]);
}

/// The pre-commit case on one changed 2,000-line template (its `MyRole` bound by `RoleName`).
#[divan::bench(sample_count = 100)]
fn precommit_template_2000_lines() {
    check(&template_project(), &["template.yaml"]);
}

/// The same template as CloudFormation JSON (the JSON adapter on the same policies; skipped
/// without PyYAML).
#[divan::bench(sample_count = 100)]
fn precommit_template_2000_lines_as_json() {
    let dir = template_project();
    if dir.join("template.json").exists() {
        check(&dir, &["template.json"]);
    }
}

/// The same with the pinned Service Reference folder.
#[divan::bench(sample_count = 100)]
fn one_file_pinned_catalog() {
    check(&example(), &["policy.json", "--catalog", "catalog"]);
}

/// `check` of a whole generated corpus (policies, one raw snapshot file per role, one templated
/// `[[bind]]`).
#[divan::bench(args = [100, 1000], sample_count = 5)]
fn corpus_all(n: usize) {
    let dir = corpus(n);
    check(&dir, &["policies"]);
}

/// A git repository with 1,000 tracked policies (the generated corpus, one templated `[[bind]]`)
/// and one staged change.
fn staged_repo() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| make_repo(1000, false))
        .path()
        .to_path_buf()
}

/// The same with one `[[bind]]` table per file (a 1,000-table iamtrim.toml).
fn staged_repo_bind_per_file() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| make_repo(1000, true))
        .path()
        .to_path_buf()
}

/// A git repository of `n` generated policies, their snapshot by principal, and one policy
/// changed and staged.
fn make_repo(n: usize, bind_per_file: bool) -> tempfile::TempDir {
    make_repo_at(n, bind_per_file, None)
}

/// `make_repo`, committed at `date` (git's date format) when given: before the corpus's
/// `analyzedAt`, so every file's history is read ("added after analysis").
fn make_repo_at(n: usize, bind_per_file: bool, date: Option<&str>) -> tempfile::TempDir {
    let dir = gen_corpus(n, bind_per_file);
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        if let Some(d) = date {
            cmd.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
        }
        let ok = cmd
            .current_dir(dir.path())
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    // The snapshot as `iamtrim snapshot import -o DIR/` lays it out: by principal.
    let ok = Command::new(env!("CARGO_BIN_EXE_iamtrim"))
        .current_dir(dir.path())
        .args([
            "snapshot",
            "import",
            "snapshot",
            "-o",
            "snapshot-by-principal/",
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    std::fs::remove_dir_all(dir.path().join("snapshot")).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("iamtrim.toml")).unwrap();
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        toml.replace(
            "snapshot = \"snapshot\"",
            "snapshot = \"snapshot-by-principal\"",
        ),
    )
    .unwrap();
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=b",
        "-c",
        "user.email=b@b",
        "commit",
        "-q",
        "-m",
        "corpus",
    ]);
    let p = dir.path().join("policies/app-00500.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        text.replacen("\"Version\"", "\"Id\": \"changed\",\n  \"Version\"", 1),
    )
    .unwrap();
    git(&["add", "policies/app-00500.json"]);
    dir
}

/// A git repository with 10,000 tracked policies (DESIGN's `check --all` bar).
fn repo_10000() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| make_repo(10_000, false))
        .path()
        .to_path_buf()
}

/// The same corpus committed before its findings were analyzed: history in play.
fn repo_10000_history() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| make_repo_at(10_000, false, Some("2026-11-01T00:00:00Z")))
        .path()
        .to_path_buf()
}

/// `check --all` on 10,000 tracked policies with their snapshot (30,000 findings, human output),
/// committed after the analysis (no history to read).
#[divan::bench(sample_count = 5)]
fn all_10000() {
    check(&repo_10000(), &["--all"]);
}

/// The same with every file's history read: the commit predates `analyzedAt`.
#[divan::bench(sample_count = 5)]
fn all_10000_history() {
    check(&repo_10000_history(), &["--all"]);
}

/// The pre-commit path: `check --staged` with one changed policy among 1,000 tracked files.
#[divan::bench(sample_count = 50)]
fn staged_one_of_1000() {
    check(&staged_repo(), &["--staged"]);
}

/// The same with a 1,000-table iamtrim.toml (one `[[bind]]` per file).
#[divan::bench(sample_count = 50)]
fn staged_one_of_1000_bind_per_file() {
    check(&staged_repo_bind_per_file(), &["--staged"]);
}

/// What it is compared with, in the same repository and run.
#[divan::bench(sample_count = 50)]
fn git_diff_cached_name_only() {
    let ok = Command::new("git")
        .current_dir(staged_repo())
        .args(["diff", "--cached", "--name-only"])
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// A git repository of 2,000 `.tf` files holding 5,000 policies (`scripts/gen-terraform.py`).
fn terraform_repo() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::TempDir::new().unwrap();
        assert!(script(
            "gen-terraform.py",
            &["2000", dir.path().to_str().unwrap()]
        ));
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &[
                "-c",
                "user.name=b",
                "-c",
                "user.email=b@e",
                "commit",
                "-qm",
                "tf",
            ],
        ] {
            let ok = Command::new("git")
                .current_dir(dir.path())
                .args(args)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok, "git {args:?}");
        }
        dir
    })
    .path()
    .to_path_buf()
}

/// `check --all` on the Terraform repository (issue 11's bar: under 1 s on 2 cores).
#[divan::bench(sample_count = 5)]
fn terraform_all_2000_files() {
    check(&terraform_repo(), &["--all"]);
}

/// Baseline: spawning `true`.
#[divan::bench(sample_count = 100)]
fn baseline_true() {
    Command::new("true").status().unwrap();
}
