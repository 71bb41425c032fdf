//! Real throwaway git repositories: --staged, --base, --all, renames, deletions, the first commit,
//! non-policy JSON, fixes of staged files, and actions added after the analysis.

use crate::common::{example, iamtrim, read};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;

pub struct Repo {
    pub dir: TempDir,
}

impl Repo {
    /// An empty repository with iamtrim.toml binding `policies/*.json` to AWS's MyRole and the
    /// example's snapshot (analyzed 2024-06-10), nothing committed.
    pub fn new() -> Repo {
        let dir = TempDir::new().unwrap();
        let r = Repo { dir };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.name", "Test"]);
        r.git(&["config", "user.email", "test@example.com"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r.write(
            "iamtrim.toml",
            "snapshot = \"snapshot\"\nmax-snapshot-age = \"36500d\"\ninclude = [\"policies/*.json\"]\n\n[[bind]]\nfiles = [\"policies/*.json\"]\nprincipals = [\"MyRole\"]\n",
        );
        r.write(
            "snapshot/MyRole.json",
            &read(&example().join("snapshot/get-finding-v2.MyRole.json")),
        );
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// git in this repository, away from the user's config and any surrounding hook's
    /// repository (`GIT_DIR`, `GIT_INDEX_FILE`, `GIT_WORK_TREE`).
    pub fn git_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(self.path())
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
        cmd
    }

    pub fn git(&self, args: &[&str]) -> Output {
        let out = self.git_command(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Stages everything and commits with author and committer date `date` (ISO 8601).
    pub fn commit(&self, msg: &str, date: &str) {
        self.git(&["add", "-A"]);
        let out = self
            .git_command(&["commit", "-q", "-m", msg])
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn check(&self, args: &[&str]) -> Output {
        iamtrim()
            .current_dir(self.path())
            .args(["check", "--catalog"])
            .arg(example().join("catalog"))
            .args(args)
            .output()
            .unwrap()
    }

    /// `check --format json` findings: (path, rule, the flagged text).
    pub fn findings(&self, args: &[&str]) -> Vec<(String, String, String)> {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let out = self.check(&all);
        assert!(
            out.status.code().unwrap() <= 1,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut res = Vec::new();
        for f in v["files"].as_array().unwrap() {
            let path = f["path"].as_str().unwrap().to_string();
            let text = read(&self.path().join(&path));
            for x in f["findings"].as_array().unwrap() {
                let (s, e) = (
                    x["span"]["start"].as_u64().unwrap() as usize,
                    x["span"]["end"].as_u64().unwrap() as usize,
                );
                res.push((
                    path.clone(),
                    x["rule"].as_str().unwrap().to_string(),
                    text.get(s..e).unwrap_or("").to_string(),
                ));
            }
        }
        res
    }
}

fn policy() -> String {
    read(&example().join("policy.json"))
}

fn fixed() -> String {
    read(&example().join("expected-fixed.json"))
}

const BEFORE: &str = "2024-06-01T00:00:00+00:00";
const AFTER: &str = "2024-07-01T00:00:00+00:00";

#[test]
fn staged_content_is_what_is_checked() {
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.commit("policy", BEFORE);
    // Staged: a Sid added (so the file is staged); working tree: already fixed.
    r.write(
        "policies/p.json",
        &policy().replacen("\"Effect\"", "\"Sid\": \"Lambda\",\n      \"Effect\"", 1),
    );
    r.git(&["add", "policies/p.json"]);
    r.write("policies/p.json", &fixed());
    let out = r.check(&["--staged"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("9 errors"));
    // The working tree alone is clean.
    assert_eq!(r.check(&["policies/p.json"]).status.code(), Some(0));
    // --staged --fix leaves a file whose working copy differs from its staged content.
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("working copy differs from the staged content")
    );
    assert_eq!(read(&r.path().join("policies/p.json")), fixed());
}

/// `git commit -a` and `git commit PATH` stage into a temporary index and name it in
/// `GIT_INDEX_FILE` for the hooks: the plain git hook must check that content.
#[test]
fn the_git_hook_checks_what_commit_a_and_commit_paths_commit() {
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.commit("policy", BEFORE);
    let hooks = r.path().join(".hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let hook = hooks.join("pre-commit");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit"),
        &hook,
    )
    .unwrap();
    r.git(&["config", "core.hooksPath", ".hooks"]);
    let bin_dir = assert_cmd::cargo::cargo_bin("iamtrim")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commit = |args: &[&str]| {
        r.git_command(&[&["commit"][..], args].concat())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    // Changed in the working tree only: nothing in .git/index differs from HEAD.
    let with_sid = policy().replacen("\"Effect\"", "\"Sid\": \"Lambda\",\n      \"Effect\"", 1);
    r.write("policies/p.json", &with_sid);
    for args in [
        &["-q", "-a", "-m", "all"][..],
        &["-q", "-m", "path", "--", "policies/p.json"],
    ] {
        let out = commit(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "git commit {args:?} went through: {err}"
        );
        // git sends a hook's standard output to its standard error.
        assert!(err.contains("the commit was stopped"), "{err}");
        assert!(err.contains("9 errors"), "{err}");
    }
    // The fixed file commits.
    r.write("policies/p.json", &fixed());
    let out = commit(&["-q", "-a", "-m", "fixed"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn staged_fix_fixes_and_stages() {
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.commit("policy", BEFORE);
    r.write("policies/p.json", &format!("{}\n", policy().trim_end()));
    r.write(
        "policies/p.json",
        &policy().replace("\"Version\"", "\"Id\": \"p\",\n  \"Version\""),
    );
    r.git(&["add", "policies/p.json"]);
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = fixed().replace("\"Version\"", "\"Id\": \"p\",\n  \"Version\"");
    assert_eq!(read(&r.path().join("policies/p.json")), want);
    let staged = r.git(&["show", ":policies/p.json"]).stdout;
    assert_eq!(String::from_utf8(staged).unwrap(), want);
}

#[test]
fn first_commit_and_non_policy_json() {
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.write("package.json", "{\"name\": \"x\"}\n");
    r.git(&["add", "-A"]);
    let found = r.findings(&["--staged"]);
    assert_eq!(found.len(), 9);
    assert!(found.iter().all(|(p, _, _)| p == "policies/p.json"));
}

#[test]
fn base_sees_exactly_the_changed_policy_files() {
    let r = Repo::new();
    for f in ["a", "b", "c", "untouched"] {
        r.write(&format!("policies/{f}.json"), &policy());
    }
    r.commit("base", BEFORE);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write(
        "policies/a.json",
        &policy().replace(
            "\"lambda:Invoke*\"",
            "\"lambda:Invoke*\",\n        \"s3:GetObject\"",
        ),
    );
    r.commit("change a", AFTER);
    r.write("policies/d.json", &policy());
    r.write("settings.json", "{\"editor\": true}\n");
    r.commit("add d and a non-policy", AFTER);
    r.git(&["mv", "policies/b.json", "policies/e.json"]);
    r.git(&["rm", "-q", "policies/c.json"]);
    r.commit("rename b, delete c", AFTER);
    let found = r.findings(&["--base", "main"]);
    let mut paths: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    paths.dedup();
    assert_eq!(
        paths,
        ["policies/a.json", "policies/d.json", "policies/e.json"]
    );
    // --all: every tracked policy.
    let found = r.findings(&["--all"]);
    let mut paths: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    paths.dedup();
    assert_eq!(
        paths,
        [
            "policies/a.json",
            "policies/d.json",
            "policies/e.json",
            "policies/untouched.json"
        ]
    );
}

/// An action committed before `analyzedAt` is judged even when a later commit touched its line;
/// an action added by a later commit, or only staged, is not.
#[test]
fn actions_added_after_the_analysis_are_not_judged() {
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.commit("policy", BEFORE);
    // After the analysis: a line touched (the comma moves), and GetBucketAcl added.
    let later = policy()
        .replace(
            "        \"lambda:AddPermission\",\n        \"lambda:GetFunctionConfiguration\",",
            "        \"lambda:AddPermission\"\n        , \"lambda:GetFunctionConfiguration\",",
        )
        .replace(
            "        \"s3:List*\"",
            "        \"s3:List*\",\n        \"s3:GetBucketAcl\"",
        );
    r.write("policies/p.json", &later);
    r.commit("later", AFTER);
    // Only staged: GetBucketPolicy.
    let staged = later.replace(
        "        \"s3:GetBucketAcl\"",
        "        \"s3:GetBucketAcl\",\n        \"s3:GetBucketPolicy\"",
    );
    r.write("policies/p.json", &staged);
    r.git(&["add", "policies/p.json"]);
    let found = r.findings(&["--staged"]);
    let rule_of = |text: &str| {
        found
            .iter()
            .filter(|(_, _, t)| t == text)
            .map(|(_, r, _)| r.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(rule_of("\"lambda:AddPermission\""), ["unused-action"]);
    assert_eq!(
        rule_of("\"lambda:GetFunctionConfiguration\""),
        ["unused-action"]
    );
    // Covered by `s3:Get*` too (a hygiene rule: evidence-free, so judged however new).
    assert_eq!(
        rule_of("\"s3:GetBucketAcl\""),
        ["newer-than-snapshot", "redundant-action"]
    );
    assert_eq!(
        rule_of("\"s3:GetBucketPolicy\""),
        ["newer-than-snapshot", "redundant-action"]
    );
    assert_eq!(rule_of("\"s3:Get*\""), ["overbroad-wildcard"]);
}

#[test]
fn repository_errors_are_clear() {
    let dir = TempDir::new().unwrap();
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "--staged"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in a git repository"));

    let bare = TempDir::new().unwrap();
    Command::new("git")
        .current_dir(bare.path())
        .args(["init", "-q", "--bare"])
        .output()
        .unwrap();
    let out = iamtrim()
        .current_dir(bare.path())
        .args(["check", "--all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bare repository"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let r = Repo::new();
    let outside = TempDir::new().unwrap();
    let p = outside.path().join("x.json");
    std::fs::write(&p, "{}").unwrap();
    let out = r.check(&["--staged", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the repository"));
}
