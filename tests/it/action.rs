//! The GitHub Action outside GitHub: scripts/action/run.sh (all of action.yml's logic) with the
//! real iamtrim on PATH, in throwaway repositories, with the event payloads GitHub writes
//! (tests/data/action/events): the base chosen per event, the shallow-clone warning, the job
//! summary, the annotation-overflow notice, the fatal-error path and the release install.

use crate::common::{data, example, read, root};
use crate::git::Repo;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const DATE: &str = "2024-06-01T00:00:00+00:00";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
    outputs: BTreeMap<String, String>,
    summary: String,
    path: String,
}

fn script() -> PathBuf {
    root().join("scripts/action/run.sh")
}

fn catalog() -> String {
    example().join("catalog").display().to_string()
}

/// An event payload from tests/data/action/events with `edits` (JSON pointer, value) applied.
fn payload(event: &str, edits: &[(&str, &str)]) -> Value {
    let mut v: Value =
        serde_json::from_str(&read(&data(&format!("action/events/{event}.json")))).unwrap();
    for (pointer, value) in edits {
        *v.pointer_mut(pointer).unwrap() = Value::from(*value);
    }
    v
}

/// `run.sh MODE` in `dir` as a GitHub runner would start it: `event` is GITHUB_EVENT_NAME and
/// `payload` the file at GITHUB_EVENT_PATH; `env` sets inputs and the like. Nothing of a
/// surrounding GitHub job or git hook leaks in.
fn action(mode: &str, dir: &Path, event: &str, payload: &Value, env: &[(&str, &str)]) -> Run {
    let tmp = TempDir::new().unwrap();
    let event_path = tmp.path().join("event.json");
    std::fs::write(&event_path, payload.to_string()).unwrap();
    let (output, summary, path) = (
        tmp.path().join("output"),
        tmp.path().join("summary"),
        tmp.path().join("path"),
    );
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_iamtrim"));
    let search = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(script()).arg(mode).current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_")
            || k.starts_with("INPUT_")
            || k.starts_with("RUNNER_")
            || k.starts_with("IAMTRIM_")
            || k.starts_with("GIT_")
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("PATH", search)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_PATH", &path)
        .env("RUNNER_TEMP", tmp.path())
        .env("INPUT_ARGS", format!("--catalog {}", catalog()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let outputs = text(&output)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr,
        code: out.status.code().unwrap(),
        outputs,
        summary: text(&summary),
        path: text(&path),
    }
}

fn check(dir: &Path, event: &str, payload: &Value, env: &[(&str, &str)]) -> Run {
    action("check", dir, event, payload, env)
}

/// main: `policies/a.json` (commit A), then `policies/b.json` (HEAD): 9 findings each.
fn two_commits() -> (Repo, String) {
    let r = Repo::new();
    r.write("policies/a.json", &read(&example().join("policy.json")));
    r.commit("a", DATE);
    let a = r.head();
    r.write("policies/b.json", &read(&example().join("policy.json")));
    r.commit("b", DATE);
    (r, a)
}

impl Repo {
    fn head(&self) -> String {
        let out = self.git(&["rev-parse", "HEAD"]);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

/// The scope iamtrim was run with (`base` output), the findings, and the reason printed.
fn chosen(run: &Run) -> (&str, &str) {
    (
        run.outputs["base"].as_str(),
        run.outputs["findings"].as_str(),
    )
}

fn said(run: &Run) -> &str {
    run.stdout.lines().next().unwrap_or("")
}

#[test]
fn a_pull_request_is_checked_against_its_base() {
    let (r, a) = two_commits();
    let run = check(
        r.path(),
        "pull_request",
        &payload("pull_request", &[("/pull_request/base/sha", &a)]),
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(chosen(&run), (a.as_str(), "9"));
    assert_eq!(
        said(&run),
        format!("iamtrim: --base {a} (the pull request's base)")
    );
    assert!(run.stdout.contains("::error file=policies/b.json,line=7,"));
    assert!(!run.stdout.contains("policies/a.json"));
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(run.outputs["sarif-file"], "iamtrim.sarif");
    // Not shallow: no warning; 9 errors: no overflow notice.
    assert!(!run.stdout.contains("::warning"), "{}", run.stdout);
    assert!(!run.stdout.contains("::notice"), "{}", run.stdout);

    // pull_request_target carries the same payload.
    let run = check(
        r.path(),
        "pull_request_target",
        &payload("pull_request", &[("/pull_request/base/sha", &a)]),
        &[],
    );
    assert_eq!(chosen(&run), (a.as_str(), "9"));
}

#[test]
fn a_push_is_checked_against_the_commit_before_it() {
    let (r, a) = two_commits();
    let run = check(r.path(), "push", &payload("push", &[("/before", &a)]), &[]);
    assert_eq!(chosen(&run), (a.as_str(), "9"));
    assert_eq!(
        said(&run),
        format!("iamtrim: --base {a} (the commit before the push)")
    );
}

/// main at A (also origin/main), branch tighten-deploy adds b.json.
fn branch() -> (Repo, String) {
    let r = Repo::new();
    r.write("policies/a.json", &read(&example().join("policy.json")));
    r.commit("a", DATE);
    let a = r.head();
    r.git(&["update-ref", "refs/remotes/origin/main", &a]);
    r.git(&["checkout", "-q", "-b", "tighten-deploy"]);
    r.write("policies/b.json", &read(&example().join("policy.json")));
    r.commit("b", DATE);
    (r, a)
}

#[test]
fn a_new_branch_is_checked_against_its_merge_base_with_the_default_branch() {
    let (r, a) = branch();
    let run = check(r.path(), "push", &payload("push-new-branch", &[]), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(chosen(&run), (a.as_str(), "9"));
    assert_eq!(
        said(&run),
        format!("iamtrim: --base {a} (a new branch: its merge base with origin/main)")
    );
}

#[test]
fn a_push_whose_before_is_not_fetched_falls_back_to_the_merge_base() {
    let (r, a) = branch();
    let gone = "1234567890abcdef1234567890abcdef12345678";
    let run = check(
        r.path(),
        "push",
        &payload("push-new-branch", &[("/before", gone)]),
        &[],
    );
    assert_eq!(chosen(&run), (a.as_str(), "9"));
    assert_eq!(
        said(&run),
        format!(
            "iamtrim: --base {a} (the commit before the push ({gone}) is not in the fetched \
             history: its merge base with origin/main)"
        )
    );
}

#[test]
fn a_new_branch_without_the_default_branch_fetched_checks_everything() {
    let (r, _) = branch();
    r.git(&["update-ref", "-d", "refs/remotes/origin/main"]);
    let run = check(r.path(), "push", &payload("push-new-branch", &[]), &[]);
    assert_eq!(chosen(&run), ("--all", "18"));
    assert_eq!(
        said(&run),
        "iamtrim: --all (a new branch, and origin/main is not fetched: checking everything)"
    );
}

#[test]
fn the_first_push_of_the_default_branch_checks_everything() {
    let (r, _) = two_commits();
    let run = check(
        r.path(),
        "push",
        &payload("push", &[("/before", &"0".repeat(40))]),
        &[],
    );
    assert_eq!(chosen(&run), ("--all", "18"));
    assert_eq!(
        said(&run),
        "iamtrim: --all (a new branch on the default branch: checking everything)"
    );
}

#[test]
fn schedule_and_workflow_dispatch_check_everything() {
    let (r, _) = two_commits();
    for event in ["schedule", "workflow_dispatch"] {
        let run = check(r.path(), event, &payload(event, &[]), &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(chosen(&run), ("--all", "18"));
        assert_eq!(
            said(&run),
            format!("iamtrim: --all (a {event} has no base: checking everything)")
        );
    }
}

#[test]
fn the_base_input_wins() {
    let (r, a) = two_commits();
    let head = r.head();
    let run = check(
        r.path(),
        "pull_request",
        &payload("pull_request", &[("/pull_request/base/sha", &a)]),
        &[("INPUT_BASE", &head)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(chosen(&run), (head.as_str(), "0"));
    assert_eq!(
        said(&run),
        format!("iamtrim: --base {head} (the base input)")
    );
    assert_eq!(
        run.summary,
        "## iamtrim\n\n0 findings in 0 checked files: 0 errors, 0 warnings, 0 info (the base input).\n"
    );
    // `--all` in args: no base of ours beside it.
    let run = check(
        r.path(),
        "pull_request",
        &payload("pull_request", &[("/pull_request/base/sha", &a)]),
        &[("INPUT_ARGS", &format!("--all --catalog {}", catalog()))],
    );
    assert_eq!(run.outputs["findings"], "18", "{}", run.stderr);
    assert_eq!(
        said(&run),
        "iamtrim: as args say (`--all` in the args input)"
    );
}

#[test]
fn a_shallow_clone_gets_a_warning_naming_fetch_depth() {
    let (r, _) = two_commits();
    let clone = TempDir::new().unwrap();
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", r.path().display()))
        .arg(clone.path().join("c"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = check(
        &clone.path().join("c"),
        "schedule",
        &payload("schedule", &[]),
        &[],
    );
    assert_eq!(
        run.stdout.lines().nth(1).unwrap(),
        "::warning title=iamtrim::This is a shallow clone: iamtrim needs the history to find \
         the changed files and the actions added after the analysis. Set `fetch-depth: 0` on \
         actions/checkout."
    );
    assert_eq!(run.outputs["findings"], "18", "{}", run.stderr);
}

#[test]
fn the_job_summary_counts_rules_lists_findings_and_says_how_to_fix() {
    let (r, a) = two_commits();
    let run = check(
        r.path(),
        "pull_request",
        &payload("pull_request", &[("/pull_request/base/sha", &a)]),
        &[],
    );
    let summary = run
        .summary
        .replace(&a, "BASE")
        .replace(&catalog(), "CATALOG");
    let row = |line: u32, rule: &str, msg: &str| {
        format!("| `policies/b.json` | {line} | error | `{rule}` | {msg} |\n")
    };
    let unused = |line, action: &str| {
        row(
            line,
            "unused-action",
            &format!("`lambda:{action}` is unused by role/MyRole (analyzed 2024-06-10)"),
        )
    };
    let mut want = String::from(
        "## iamtrim\n\n\
         9 findings in 1 checked file: 9 errors, 0 warnings, 0 info (the pull request's base).\n\n\
         | rule | findings | fixable | with `--unsafe-fixes` |\n\
         | --- | ---: | ---: | ---: |\n\
         | `unused-action` | 8 | 8 | 0 |\n\
         | `overbroad-wildcard` | 1 | 1 | 0 |\n\n\
         ### Findings\n\n\
         | file | line | level | rule | message |\n\
         | --- | ---: | --- | --- | --- |\n",
    );
    for (line, action) in [
        (7, "AddPermission"),
        (8, "GetFunctionConfiguration"),
        (9, "UpdateFunctionConfiguration"),
        (10, "UpdateFunctionCode"),
        (11, "CreateFunction"),
        (12, "DeleteFunction"),
        (13, "ListVersionsByFunction"),
        (14, "GetFunction"),
    ] {
        want += &unused(line, action);
    }
    want += &row(
        22,
        "overbroad-wildcard",
        "`s3:Get*` allows 22 unused actions (s3:GetAccelerateConfiguration, \
         s3:GetAnalyticsConfiguration, s3:GetBucketAcl, and 19 more) by role/MyRole (analyzed \
         2024-06-10)",
    );
    want += "\nFix them locally (in a clone with this history):\n\n```sh\n\
             iamtrim check --base BASE --catalog CATALOG --fix\n```\n";
    assert_eq!(summary, want);

    // summary: false writes none.
    let run = check(
        r.path(),
        "pull_request",
        &payload("pull_request", &[("/pull_request/base/sha", &a)]),
        &[("INPUT_SUMMARY", "false")],
    );
    assert_eq!(run.summary, "");
    assert_eq!(run.outputs["findings"], "9");
}

#[test]
fn more_annotations_than_github_shows_get_a_notice_first() {
    let (r, _) = two_commits();
    r.write("policies/c.json", &read(&example().join("policy.json")));
    r.commit("c", DATE);
    let run = check(r.path(), "schedule", &payload("schedule", &[]), &[]);
    assert_eq!(run.outputs["findings"], "27", "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let notice = "::notice title=iamtrim::27 error findings, GitHub shows 10 annotations: see the SARIF / summary";
    // Before the annotations, where GitHub still shows it.
    assert_eq!(lines[1], notice);
    assert_eq!(lines.iter().filter(|l| **l == notice).count(), 1);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        27
    );
    assert!(run.summary.contains(
        "\n> 27 error findings, GitHub shows 10 annotations: see the SARIF (code scanning) or the \
         table below.\n"
    ));
    assert!(run.summary.contains("\n### The first 20 of 27 findings\n"));
    let rows = run
        .summary
        .lines()
        .filter(|l| l.starts_with("| `policies/"))
        .count();
    assert_eq!(rows, 20);
    assert!(run.summary.contains("| `unused-action` | 24 | 24 | 0 |\n"));
    // The SARIF holds all of them, under the category.
    let sarif: Value = serde_json::from_str(&read(&r.path().join("iamtrim.sarif"))).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 27);
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "iamtrim/");
}

#[test]
fn fail_false_reports_without_failing() {
    let (r, _) = two_commits();
    let run = check(
        r.path(),
        "schedule",
        &payload("schedule", &[]),
        &[
            ("INPUT_FAIL", "false"),
            ("INPUT_SARIF_FILE", "out/iam.sarif"),
            ("INPUT_CATEGORY", "iam-policies"),
            // A YAML block: one argument a line.
            (
                "INPUT_ARGS",
                &format!("--catalog\n{}\n--min-level\nerror\n", catalog()),
            ),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(run.outputs["sarif-file"], "out/iam.sarif");
    assert_eq!(run.outputs["findings"], "18");
    let sarif: Value = serde_json::from_str(&read(&r.path().join("out/iam.sarif"))).unwrap();
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "iam-policies/");
    // iamtrim's notes reach the log once.
    let (r, _) = two_commits();
    r.write(
        "iamtrim.toml",
        &read(&r.path().join("iamtrim.toml")).replace("36500d", "1d"),
    );
    let run = check(r.path(), "schedule", &payload("schedule", &[]), &[]);
    assert_eq!(
        run.stderr.matches("older than max-snapshot-age").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn a_fatal_error_fails_the_step_with_a_sarif_that_says_so() {
    let (r, _) = two_commits();
    r.write("iamtrim.toml", "snapshot = [\n");
    let run = check(
        r.path(),
        "schedule",
        &payload("schedule", &[]),
        &[("INPUT_FAIL", "false")],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.outputs["exit-code"], "2");
    assert_eq!(run.outputs["findings"], "0");
    let error = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap();
    assert!(
        error.starts_with("::error title=iamtrim::iamtrim failed (exit 2): "),
        "{error}"
    );
    assert!(error.contains("iamtrim.toml"), "{error}");
    // iamtrim's own report stays in the log.
    assert!(run.stderr.contains("iamtrim.toml"), "{}", run.stderr);
    let sarif: Value = serde_json::from_str(&read(&r.path().join("iamtrim.sarif"))).unwrap();
    let errors: Vec<String> = crate::sarif::validator()
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["exitCode"], 2);
    assert!(
        run.summary
            .starts_with("## iamtrim\n\niamtrim failed (exit 2): ")
    );

    // A SARIF that iamtrim did write is kept, and marked as failed.
    let (r, _) = two_commits();
    let run = check(
        r.path(),
        "schedule",
        &payload("schedule", &[]),
        &[("INPUT_BASE", "no-such-ref")],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("::error title=iamtrim::iamtrim failed (exit 2): ")
    );
    let sarif: Value = serde_json::from_str(&read(&r.path().join("iamtrim.sarif"))).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

/// A release folder laid out as .github/workflows/release.yml lays one out: the archive that
/// scripts/release/package.py makes of a wheel (here with a stand-in binary), and the checksums
/// file made of the `.sha256` files as the workflow makes it.
fn release(tag: &str, target: &str, corrupt: bool) -> TempDir {
    let dir = TempDir::new().unwrap();
    let assets = dir.path().join("releases/download").join(tag);
    let sh = |script: &str| {
        let out = Command::new("sh")
            .args(["-c", script])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let scripts = dir.path().join("wheel/iamtrim-0.1.0.data/scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    std::fs::write(scripts.join("iamtrim"), "#!/bin/sh\necho 'iamtrim 0.1.0'\n").unwrap();
    sh(&format!(
        "mkdir -p dist && cd wheel && python3 -m zipfile -c ../dist/iamtrim-0.1.0-py3-none-any.whl \
         iamtrim-0.1.0.data && cd .. && python3 {package} dist {target} {assets} && cd {assets} \
         && cat ./*.sha256 | sort -k 2 > iamtrim-checksums.txt",
        package = root().join("scripts/release/package.py").display(),
        assets = assets.display()
    ));
    if corrupt {
        sh(&format!(
            "echo junk >> {}/iamtrim-{target}.tar.gz",
            assets.display()
        ));
    }
    dir
}

fn install(release: &Path, env: &[(&str, &str)]) -> Run {
    let url = format!("file://{}/releases", release.display());
    let action_path = root();
    let mut all = vec![
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
        ("GITHUB_ACTION_PATH", action_path.to_str().unwrap()),
        ("IAMTRIM_RELEASES_URL", url.as_str()),
    ];
    all.extend_from_slice(env);
    action("install", release, "push", &payload("push", &[]), &all)
}

#[test]
fn the_release_binary_is_installed_when_its_checksum_matches() {
    // With no tag ref, the release of the action's own version (Cargo.toml).
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let rel = release(&version, "x86_64-unknown-linux-musl", false);
    let run = install(rel.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["source"], "false", "{}", run.stdout);
    assert!(run.outputs["cache-key"].starts_with("iamtrim-Linux-X64-noref-"));
    let bin = run.path.trim();
    assert!(
        bin.ends_with("/x/iamtrim-x86_64-unknown-linux-musl"),
        "{bin}"
    );
    assert!(run.stdout.contains("installed iamtrim 0.1.0 from file://"));
    assert!(!run.stdout.contains("::warning"), "{}", run.stdout);

    // A tag ref names its release.
    let rel = release("v9.9.9", "aarch64-apple-darwin", false);
    let run = install(
        rel.path(),
        &[
            ("IAMTRIM_ACTION_REF", "v9.9.9"),
            ("RUNNER_OS", "macOS"),
            ("RUNNER_ARCH", "ARM64"),
        ],
    );
    assert_eq!(run.outputs["source"], "false", "{}", run.stdout);
    assert!(run.outputs["cache-key"].starts_with("iamtrim-macOS-ARM64-v9.9.9-"));
}

#[test]
fn a_bad_or_missing_release_falls_back_to_building_from_source() {
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let rel = release(&version, "x86_64-unknown-linux-musl", true);
    let run = install(rel.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["source"], "true");
    assert_eq!(run.path, "");
    let warning = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning"))
        .unwrap();
    assert!(
        warning.starts_with(
            "::warning title=iamtrim::iamtrim-x86_64-unknown-linux-musl.tar.gz: SHA-256 "
        ),
        "{warning}"
    );
    assert!(warning.ends_with("building iamtrim from the action's source instead (slower)"));

    // No such release.
    let run = install(rel.path(), &[("INPUT_VERSION", "0.0.7")]);
    assert_eq!(run.outputs["source"], "true");
    assert!(
        run.stdout.contains("could not download file://"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("/releases/download/v0.0.7/iamtrim-x86_64-unknown-linux-musl.tar.gz")
    );

    // No binary for this runner.
    let run = install(rel.path(), &[("RUNNER_ARCH", "ARM")]);
    assert_eq!(run.outputs["source"], "true");
    assert!(run.stdout.contains("no release binary for Linux/ARM"));

    // `source` asks for it, without a warning.
    let run = install(rel.path(), &[("INPUT_VERSION", "source")]);
    assert_eq!(run.outputs["source"], "true");
    assert!(!run.stdout.contains("::warning"), "{}", run.stdout);

    // A version that is none is refused.
    let run = install(rel.path(), &[("INPUT_VERSION", "newest")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("version: `newest` is not"),
        "{}",
        run.stderr
    );
}
