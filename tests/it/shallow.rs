//! Verdicts that rest on git history (what a policy granted at the analysis) in clones that lack
//! that history: a shallow clone says so and judges nothing of such a policy, whatever its depth;
//! `--base` without a merge base says to fetch more history.

use crate::common::{example, read};
use crate::git::Repo;
use serde_json::Value;
use tempfile::TempDir;

const BEFORE: &str = "2024-06-01T00:00:00+00:00";
const AFTER: &str = "2024-07-01T00:00:00+00:00";

/// Before the analysis (2024-06-10) the policy granted only what the role uses; after it, the
/// AWS example's unused actions were added: all of them `newer-than-snapshot`, nothing judged.
fn origin() -> Repo {
    let r = Repo::new();
    r.write(
        "policies/p.json",
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["lambda:Invoke*"],
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-lambda"
    },
    {
      "Effect": "Allow",
      "Action": ["s3:List*"],
      "Resource": "*"
    }
  ]
}
"#,
    );
    r.commit("used actions only", BEFORE);
    r.write("policies/other.txt", "unrelated\n");
    r.commit("unrelated", "2024-06-20T00:00:00+00:00");
    r.write("policies/p.json", &read(&example().join("policy.json")));
    r.commit("the example's actions", AFTER);
    r
}

/// A `git clone --depth DEPTH` of `origin`, all branches.
fn clone(origin: &Repo, depth: u32) -> Repo {
    let dir = TempDir::new().unwrap();
    let url = format!("file://{}", origin.path().display());
    let out = origin
        .git_command(&[
            "clone",
            "-q",
            "--no-single-branch",
            "--depth",
            &depth.to_string(),
            &url,
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Repo { dir }
}

fn rules(r: &Repo, args: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = r
        .findings(args)
        .into_iter()
        .map(|(_, rule, _)| rule)
        .collect();
    found.dedup();
    found
}

#[test]
fn full_and_deep_enough_clones_judge_by_history() {
    let r = origin();
    assert_eq!(rules(&r, &["--all"]), ["newer-than-snapshot"]);
    // Three commits back reaches the version from before the analysis: the same verdict.
    let deep = clone(&r, 3);
    assert_eq!(rules(&deep, &["--all"]), ["newer-than-snapshot"]);
    assert_eq!(deep.check(&["--all"]).status.code(), Some(0));
}

#[test]
fn a_shallow_clone_without_the_analysis_says_so_and_judges_nothing() {
    let r = origin();
    for depth in [1, 2] {
        let c = clone(&r, depth);
        // Before, this clone judged the file as if it were new: 12 unused-access errors, exit 1.
        let out = c.check(&["--all", "--format", "concise"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "depth {depth}: {stdout}");
        assert_eq!(
            rules(&c, &["--all"]),
            ["shallow-history"],
            "depth {depth}: {stdout}"
        );
        assert!(
            stdout.contains("policies/p.json:3:3: shallow-history"),
            "{stdout}"
        );
        // One warning for the policy, naming the analysis date and what to do.
        let v: Value =
            serde_json::from_slice(&c.check(&["--all", "--format", "json"]).stdout).unwrap();
        let f = &v["files"][0]["findings"][0];
        assert_eq!(f["severity"], "warning");
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains("2024-06-10") && message.contains("shallow clone"),
            "{message}"
        );
        assert!(
            f["help"].as_str().unwrap().contains("fetch-depth: 0"),
            "{f}"
        );
        // Nothing to fix, nothing changed.
        let before = read(&c.path().join("policies/p.json"));
        let out = c.check(&["--all", "--fix", "--unsafe-fixes"]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(read(&c.path().join("policies/p.json")), before);
        // The same for the staged file (the pre-commit hook) and for a pull-request range.
        assert_eq!(rules(&c, &["policies/p.json"]), ["shallow-history"]);
    }
}

/// A policy whose evidence needs no history (no unused-access finding on it) gets no warning in
/// a shallow clone.
#[test]
fn a_shallow_clone_warns_only_where_history_matters() {
    let r = Repo::new();
    r.write(
        "policies/p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:Invoke*", "Resource": "*"}]}
"#,
    );
    r.commit("one", AFTER);
    r.write("policies/q.txt", "x\n");
    r.commit("two", AFTER);
    let c = clone(&r, 1);
    assert_eq!(rules(&c, &["--all"]), Vec::<String>::new());
}

#[test]
fn base_without_a_merge_base_says_to_fetch_more_history() {
    let r = origin();
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("policies/q.json", &read(&example().join("policy.json")));
    r.commit("feature", AFTER);
    r.git(&["checkout", "-q", "main"]);
    // Each branch one commit deep: their common ancestor was not fetched.
    let c = clone(&r, 1);
    c.git(&["checkout", "-q", "feature"]);
    let out = c.check(&["--base", "origin/main"]);
    let stderr = one_line(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "`origin/main` and HEAD have no common ancestor in this shallow clone's history"
        ) && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
    // Unrelated histories in a complete repository: the same advice, without "shallow".
    r.git(&["checkout", "-q", "--orphan", "alone"]);
    r.commit("alone", AFTER);
    let out = r.check(&["--base", "main"]);
    let stderr = one_line(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`main` and HEAD have no common ancestor in this repository"),
        "{stderr}"
    );
}

/// A report's text with its wrapping undone.
fn one_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
