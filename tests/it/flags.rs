//! `check`'s report flags on AWS's example: `--format concise`, `--quiet`, `--statistics`,
//! `--output-file`, `--color`, the width (`COLUMNS`), `--diff`, and named files that are not
//! policies.

use crate::common::{example, iamtrim, read};
use tempfile::TempDir;

/// `check policy.json` in the example folder with `args`: (stdout, stderr, exit code).
fn example_check(args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = iamtrim();
    cmd.current_dir(example())
        .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

const SUMMARY: &str =
    "Checked 1 policy file: 9 errors, 0 warnings, 0 info. 9 fixable with `iamtrim check --fix`.\n";

#[test]
fn concise_is_one_line_per_finding_then_the_summary() {
    let (text, _, code) = example_check(&["--format", "concise", "policy.json"], &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("concise", text);
    assert!(text.ends_with(SUMMARY), "{text}");
    let (human, _, _) = example_check(&["policy.json"], &[]);
    assert!(human.ends_with(SUMMARY), "{human}");
    // Unsafe fixes count as fixable only at the unsafe level; all of these are safe.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10);
    assert!(lines[..9].iter().all(|l| l.ends_with(" [*]")), "{text}");
}

#[test]
fn concise_marks_only_fixes_that_apply_and_escapes_controls() {
    let dir = TempDir::new().unwrap();
    let name = "p\u{1b}]0;x\u{7}.json";
    std::fs::write(
        dir.path().join(name),
        "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:Get\\u001b[2J*\", \"Resource\": \"*\"}]}\n",
    )
    .unwrap();
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "--format", "concise", name])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert!(text.starts_with("p\\u{1b}]0;x\\u{7}.json:1:"), "{text}");
    assert!(text.contains("\\u{1b}[2J"), "{text}");
    // No fix applies here: no marker.
    assert!(!text.contains("[*]"), "{text}");
}

#[test]
fn quiet_prints_the_findings_only() {
    for format in ["human", "concise"] {
        let (text, err, code) = example_check(&["-q", "--format", format, "policy.json"], &[]);
        assert_eq!(code, 1);
        assert!(!text.contains("Checked"), "{text}");
        assert!(text.contains("lambda:AddPermission"), "{text}");
        assert_eq!(err, "");
    }
    // Without a snapshot there is a note; --quiet drops it.
    let dir = TempDir::new().unwrap();
    std::fs::copy(
        example().join("policy.json"),
        dir.path().join("policy.json"),
    )
    .unwrap();
    let run = |quiet: bool| {
        let mut cmd = iamtrim();
        cmd.current_dir(dir.path()).args(["check", "policy.json"]);
        if quiet {
            cmd.arg("--quiet");
        }
        let out = cmd.output().unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (text, err) = run(false);
    assert!(err.contains("note: no findings snapshot"), "{err}");
    assert_eq!(text, "Checked 1 policy file: no findings.\n");
    let (text, err) = run(true);
    assert_eq!((text.as_str(), err.as_str()), ("", ""));
}

#[test]
fn statistics_counts_per_rule() {
    let (text, _, code) = example_check(&["--statistics", "policy.json"], &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("statistics", text);
    let (quiet, _, _) = example_check(&["--statistics", "-q", "policy.json"], &[]);
    assert_eq!(format!("{quiet}{SUMMARY}"), text);
    let (concise, _, _) =
        example_check(&["--statistics", "--format", "concise", "policy.json"], &[]);
    assert_eq!(concise, text);
    // A table is not JSON: a usage error, not a silent choice.
    let (_, err, code) = example_check(&["--statistics", "--format", "json", "policy.json"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--statistics"), "{err}");
}

#[test]
fn output_file_takes_the_report_in_any_format() {
    let dir = TempDir::new().unwrap();
    for format in ["human", "concise", "json", "sarif", "github"] {
        let file = dir.path().join(format!("report.{format}"));
        let (stdout, _, code) = example_check(&["--format", format, "policy.json"], &[]);
        let (text, err, code_to_file) = example_check(
            &[
                "--format",
                format,
                "policy.json",
                "--output-file",
                file.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!((text.as_str(), code_to_file), ("", code), "{format}");
        assert_eq!(read(&file), stdout, "{format}");
        assert!(!err.contains("error"), "{err}");
    }
    // Notes stay on stderr.
    let p = TempDir::new().unwrap();
    std::fs::copy(example().join("policy.json"), p.path().join("policy.json")).unwrap();
    let out = iamtrim()
        .current_dir(p.path())
        .args(["check", "policy.json", "-o", "out.txt"])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: no findings snapshot"));
    assert_eq!(
        read(&p.path().join("out.txt")),
        "Checked 1 policy file: no findings.\n"
    );
    // A folder that is not there: an error that names the file, exit 2.
    let (_, err, code) = example_check(&["policy.json", "-o", "/nonexistent/dir/r.txt"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/nonexistent/dir/r.txt"), "{err}");
}

#[test]
fn color_flag_against_the_environment() {
    let colour = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = iamtrim();
        cmd.env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .current_dir(example())
            .args([
                "check",
                "--config",
                "iamtrim.toml",
                "--catalog",
                "catalog",
                "policy.json",
            ])
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        out.stdout.contains(&0x1b)
    };
    // Piped: no colour unless forced or asked.
    assert!(!colour(&[], &[]));
    assert!(!colour(&["--color", "auto"], &[("FORCE_COLOR", "0")]));
    assert!(colour(&[], &[("FORCE_COLOR", "1")]));
    assert!(colour(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(colour(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!colour(&["--color", "never"], &[("FORCE_COLOR", "1")]));
}

/// Whether every underline (a `─` run in a snippet's gutter) is on one line with its `┬` or
/// `╰` label: one torn by wrapping would leave a run of `─` alone.
fn underlines_whole(text: &str) -> bool {
    text.lines()
        .filter(|l| l.trim_start().starts_with('·'))
        .filter(|l| l.contains('─'))
        .all(|l| l.contains('┬') || l.contains('╰'))
}

#[test]
fn human_report_wraps_at_columns() {
    for width in [60, 80, 120] {
        let (text, _, _) = example_check(&["policy.json"], &[("COLUMNS", &width.to_string())]);
        insta::assert_snapshot!(format!("human-columns-{width}"), text);
        for l in text.lines() {
            assert!(l.chars().count() <= width, "{width}: {l:?}");
        }
        assert!(underlines_whole(&text), "{text}");
        // Wrapped at spaces only: no date, rule id or flag split at its hyphen.
        assert!(!text.lines().any(|l| l.ends_with('-')), "{text}");
        assert_eq!(text.matches('┬').count(), 9, "{text}");
    }
    // Without COLUMNS and piped: no wrapping.
    let (text, _, _) = example_check(&["policy.json"], &[]);
    assert!(text.contains(SUMMARY.trim_end()), "{text}");
}

#[test]
fn diff_prints_the_diffs_and_what_they_would_fix() {
    let before = read(&example().join("policy.json"));
    let (text, _, code) = example_check(&["--diff", "policy.json"], &[]);
    assert_eq!(code, 1);
    assert!(
        text.starts_with("--- a/policy.json\n+++ b/policy.json\n"),
        "{text}"
    );
    assert!(
        text.ends_with("\nwould fix 9 findings in 1 file\n"),
        "{text}"
    );
    assert!(!text.contains("Checked"), "{text}");
    assert!(!text.contains("unused-action"), "{text}");
    let (quiet, _, _) = example_check(&["--diff", "-q", "policy.json"], &[]);
    assert_eq!(format!("{quiet}would fix 9 findings in 1 file\n"), text);
    // JSON stays JSON: the diff is the file's `diff`.
    let (json, _, _) = example_check(&["--diff", "--format", "json", "policy.json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let diff = v["files"][0]["diff"].as_str().unwrap();
    assert!(text.starts_with(diff), "{diff}");
    assert_eq!(v["files"][0]["findings"].as_array().unwrap().len(), 9);
    let (plain, _, _) = example_check(&["--format", "json", "policy.json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert!(v["files"][0].get("diff").is_none(), "{plain}");
    // SARIF too: the diff goes to stderr.
    let (sarif, err, _) = example_check(&["--diff", "--format", "sarif", "policy.json"], &[]);
    serde_json::from_str::<serde_json::Value>(&sarif).unwrap();
    assert!(err.starts_with(diff), "{err}");
    let (github, err, _) = example_check(&["--diff", "--format", "github", "policy.json"], &[]);
    assert!(
        github.lines().all(|l| l.starts_with("::error ")),
        "{github}"
    );
    assert!(err.starts_with(diff), "{err}");
    // Concise is a text format: the diffs, as with human.
    let (concise, _, _) = example_check(&["--diff", "--format", "concise", "policy.json"], &[]);
    assert_eq!(concise, text);
    // Nothing written.
    assert_eq!(read(&example().join("policy.json")), before);
}

#[test]
fn named_files_that_are_not_policies_say_so() {
    let dir = TempDir::new().unwrap();
    let names = ["a.json", "b.json", "c.json", "d.json", "package.json"];
    for n in names {
        std::fs::write(dir.path().join(n), "{\"name\": \"x\"}\n").unwrap();
    }
    let run = |files: &[&str]| {
        let out = iamtrim()
            .current_dir(dir.path())
            .arg("check")
            .args(files)
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code().unwrap(),
        )
    };
    let (text, err, code) = run(&["package.json"]);
    assert_eq!(code, 0);
    assert_eq!(text, "Checked 0 policy files: no findings.\n");
    assert!(
        err.contains("note: package.json is not an IAM policy, template or Terraform file: nothing to check\n"),
        "{err}"
    );
    let (_, err, code) = run(&["a.json", "b.json"]);
    assert_eq!(code, 0);
    assert!(err.contains("note: a.json and b.json are not IAM policies, templates or Terraform files: nothing to check\n"), "{err}");
    let (_, err, _) = run(&names);
    assert!(
        err.contains("note: a.json, b.json, c.json and 2 more are not IAM policies"),
        "{err}"
    );
    // A policy among them: no note.
    std::fs::copy(
        example().join("policy.json"),
        dir.path().join("policy.json"),
    )
    .unwrap();
    let (_, err, _) = run(&["package.json", "policy.json"]);
    assert!(!err.contains("nothing to check"), "{err}");
    // A folder searched is not a file named.
    let (_, err, _) = run(&["."]);
    assert!(!err.contains("nothing to check"), "{err}");
}

/// With a stale snapshot every fix is unsafe: `[*]` and "fixable" count only what applies at the
/// run's level, which `check` alone (no `--unsafe-fixes`) puts at safe.
#[test]
fn fixable_means_at_the_runs_level() {
    let dir = TempDir::new().unwrap();
    crate::common::copy_dir(&example(), dir.path());
    let toml = read(&dir.path().join("iamtrim.toml"));
    std::fs::write(
        dir.path().join("iamtrim.toml"),
        toml.replace("max-snapshot-age = \"3650d\"", "max-snapshot-age = \"1d\""),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = iamtrim()
            .current_dir(dir.path())
            .args([
                "check",
                "--config",
                "iamtrim.toml",
                "--catalog",
                "catalog",
                "policy.json",
            ])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let concise = run(&["--format", "concise"]);
    assert!(!concise.contains("[*]"), "{concise}");
    assert!(
        concise.ends_with("9 fixable with `iamtrim check --fix --unsafe-fixes`.\n"),
        "{concise}"
    );
    let stats = run(&["--statistics", "-q"]);
    assert_eq!(stats, "   8  unused-action\n   1  overbroad-wildcard\n");
    // At the unsafe level they would all be fixed.
    let diff = run(&["--diff", "--unsafe-fixes"]);
    assert!(diff.ends_with("would fix 9 findings in 1 file\n"), "{diff}");
    assert!(run(&["--diff"]).starts_with("would fix 0 findings in 0 files\n"));
}
