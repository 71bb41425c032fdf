//! Whole-process benchmarks of `iamtrim check` (divan): one policy file with its snapshot (the
//! pre-commit case), and a generated corpus (`scripts/gen-corpus.py`). Run:
//! `cargo bench --bench check`. Compare with the `true` baseline of the same run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn main() {
    // Build the git repositories before any timing (each takes seconds to generate), those of
    // the benchmarks the command line's filters ask for.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |names: &[&str]| {
        filters.is_empty() || names.iter().any(|n| filters.iter().any(|f| n.contains(f)))
    };
    if wanted(&["precommit_template_2000_lines"]) {
        template_project();
    }
    if wanted(&["terraform_all_2000_files"]) {
        terraform_repo();
    }
    if wanted(&["staged_one_of_1000", "git_diff_cached_name_only"]) {
        staged_repo();
        staged_repo_bind_per_file();
    }
    if wanted(&["all_10000"]) {
        repo_10000();
        repo_10000_history();
    }
    for layout in Layout::ALL {
        if wanted(&[layout.name()]) {
            layout.repo();
        }
    }
    divan::main();
}

/// The layouts a repository of 10,000 policies may have (issue 14): how it binds files to
/// roles, and the snapshot's form. Each is built once and warmed by one run (the cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// One templated `[[bind]]`, the snapshot by principal (`snapshot import -o DIR/`).
    A,
    /// A `[[bind]]` table per file (a 1 MB iamtrim.toml), the snapshot by principal.
    B,
    /// One templated `[[bind]]`, the snapshot as raw AWS CLI output: 20 files of 500 findings.
    C,
    /// A table per file and the raw snapshot: the layout a team starts with.
    D,
}

impl Layout {
    const ALL: [Layout; 4] = [Layout::A, Layout::B, Layout::C, Layout::D];

    fn name(self) -> &'static str {
        match self {
            Layout::A => "layout_a",
            Layout::B => "layout_b",
            Layout::C => "layout_c",
            Layout::D => "layout_d",
        }
    }

    fn repo(self) -> PathBuf {
        static DIRS: [OnceLock<tempfile::TempDir>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        let i = Layout::ALL.iter().position(|l| *l == self).unwrap();
        DIRS[i]
            .get_or_init(|| {
                let (per_file, raw) = match self {
                    Layout::A => (false, None),
                    Layout::B => (true, None),
                    Layout::C => (false, Some(500)),
                    Layout::D => (true, Some(500)),
                };
                let dir = make_repo_layout(10_000, per_file, None, raw);
                check(dir.path(), &["--staged"]);
                dir
            })
            .path()
            .to_path_buf()
    }
}

fn git_diff_cached(dir: &std::path::Path) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(["diff", "--cached", "--name-only"])
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// `check --staged`, one staged policy among 10,000, per layout, warm; and what it is
/// compared with, `git diff --cached --name-only` in the same repository.
#[divan::bench(args = Layout::ALL, sample_count = 50)]
fn layout_staged(layout: Layout) {
    check(&layout.repo(), &["--staged"]);
}

#[divan::bench(args = Layout::ALL, sample_count = 50)]
fn layout_git_diff_cached(layout: Layout) {
    git_diff_cached(&layout.repo());
}

/// The same with `--no-cache`: what the cache saves.
#[divan::bench(args = Layout::ALL, sample_count = 10)]
fn layout_staged_no_cache(layout: Layout) {
    check(&layout.repo(), &["--staged", "--no-cache"]);
}

/// `check --all` on the 10,000 policies per layout, warm.
#[divan::bench(args = Layout::ALL, sample_count = 5)]
fn layout_all(layout: Layout) {
    check(&layout.repo(), &["--all"]);
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
    gen_corpus_raw(n, bind_per_file, None)
}

/// `gen_corpus`, with `raw` findings to a file of the snapshot.
fn gen_corpus_raw(n: usize, bind_per_file: bool, raw: Option<usize>) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let n = n.to_string();
    let grouped = raw.map(|k| format!("--findings-per-file={k}"));
    let mut args = vec![n.as_str(), dir.path().to_str().unwrap()];
    args.extend(bind_per_file.then_some("--bind-per-file"));
    args.extend(grouped.as_deref());
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
    make_repo_layout(n, bind_per_file, date, None)
}

/// `make_repo_at`; with `raw`, the snapshot stays as generated, raw AWS CLI output with `raw`
/// findings to a file, instead of being imported by principal.
fn make_repo_layout(
    n: usize,
    bind_per_file: bool,
    date: Option<&str>,
    raw: Option<usize>,
) -> tempfile::TempDir {
    let dir = gen_corpus_raw(n, bind_per_file, raw);
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
    if raw.is_none() {
        index_snapshot(dir.path());
    }
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

/// Replaces the generated snapshot by its import by principal.
fn index_snapshot(dir: &std::path::Path) {
    let ok = Command::new(env!("CARGO_BIN_EXE_iamtrim"))
        .current_dir(dir)
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
    std::fs::remove_dir_all(dir.join("snapshot")).unwrap();
    let toml = std::fs::read_to_string(dir.join("iamtrim.toml")).unwrap();
    std::fs::write(
        dir.join("iamtrim.toml"),
        toml.replace(
            "snapshot = \"snapshot\"",
            "snapshot = \"snapshot-by-principal\"",
        ),
    )
    .unwrap();
}
