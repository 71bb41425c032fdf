//! scripts/fetch-snapshot.sh against a stand-in `aws` (tests/data/fetch/bin/aws) serving the
//! recorded outputs that scripts/gen-fetch-fixtures.py writes: an organization analyzer over three
//! accounts and 50 roles, throttling on some first calls, empty pages with a nextToken, one
//! download that stays throttled. The imported snapshot must be exactly tests/data/fetch/expected.

use crate::common::{data, root};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every file under `dir` (relative path -> text).
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

#[test]
#[allow(clippy::useless_format)] // every expected line in one form, placeholders or not
fn fetch_snapshot_for_an_organization() {
    // jq is on this machine and CI's: its absence is a failure, not a skip.
    let jq = Command::new("jq").arg("--version").output();
    assert!(
        jq.is_ok_and(|o| o.status.success()),
        "jq is needed by scripts/fetch-snapshot.sh and this test: install it"
    );
    let dir = tempfile::TempDir::new().unwrap();
    let state = dir.path().join("state");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&state).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    let path = format!(
        "{}:{}",
        data("fetch/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(root().join("scripts/fetch-snapshot.sh"))
        .args([
            "--analyzer",
            "arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/org-unused",
            "--region",
            "eu-west-1",
            "--out",
            "snap",
            "--parallel",
            "3",
            "--max-attempts",
            "3",
            "--account-profile",
            "222222222222=member-b",
            "--iamtrim",
        ])
        .arg(assert_cmd::cargo::cargo_bin("iamtrim"))
        .current_dir(dir.path())
        .env("PATH", path)
        .env("FAKE_AWS_DATA", data("fetch/responses"))
        .env("FAKE_AWS_STATE", &state)
        .env("IAMTRIM_FETCH_BACKOFF", "0")
        .env("IAMTRIM_FETCH_POLL", "0")
        .env("TMPDIR", &tmp)
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    // One download stays throttled past --max-attempts: reported, the rest imported, exit 1.
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Parallel downloads report in any order: the lines, sorted.
    let mut lines: Vec<&str> = err.lines().collect();
    lines.sort_unstable();
    let throttled = "0a9c30e3-fd34-5016-9c3d-3dc57b487f60";
    assert_eq!(
        lines,
        [
            format!(
                "fetch-snapshot: account 333333333333: no role listing (pass --account-profile 333333333333=PROFILE): only its principals with findings count as analyzed"
            ),
            format!(
                "fetch-snapshot: get-finding-v2 {throttled} (page 1) failed after 3 attempt(s) (exit 254): An error occurred (ThrottlingException) when calling the GetFindingV2 operation (reached max retries: 0): Rate exceeded"
            ),
            format!(
                "fetch-snapshot: get-finding-v2 {throttled} (page 1): throttled (attempt 1 of 3), retrying in 0s"
            ),
            format!(
                "fetch-snapshot: get-finding-v2 {throttled} (page 1): throttled (attempt 2 of 3), retrying in 0s"
            ),
            format!(
                "fetch-snapshot: get-finding-v2 f6a86726-2832-540a-82b3-21a946cd8776 (page 1): throttled (attempt 1 of 3), retrying in 0s"
            ),
            format!(
                "fetch-snapshot: iam list-roles for 111111111111 (page 2): throttled (attempt 1 of 3), retrying in 0s"
            ),
            format!(
                "fetch-snapshot: list-findings-v2 UnusedPermission (page 2): throttled (attempt 1 of 3), retrying in 0s"
            ),
            format!("fetch-snapshot: not downloaded: get-finding-v2.{throttled}"),
            format!(
                "note: arn:aws:iam::222222222222:role/svc-40: only a list-findings-v2 summary (UnusedPermission): details missing, run `aws accessanalyzer get-finding-v2 --id {throttled}`"
            ),
        ]
    );
    // The snapshot, byte for byte.
    let written = tree(&dir.path().join("snap"));
    let expected = tree(&data("fetch/expected"));
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (rel, text) in &expected {
        assert_eq!(&written[rel], text, "{rel}");
    }
    // Every call, how often: the throttled ones again, the IN_PROGRESS recommendation polled,
    // every page (the empty ones with a nextToken too) asked for.
    let mut calls: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let key = name.strip_prefix("count.")?.to_string();
            let n = std::fs::read_to_string(state.join(&name)).unwrap();
            Some(format!("{key} {}", n.trim()))
        })
        .collect();
    calls.sort();
    let expected_calls = crate::common::read(&data("fetch/expected-calls.txt"));
    assert_eq!(calls, expected_calls.lines().collect::<Vec<_>>());
    for retried in [
        "accessanalyzer.list-findings-v2.UnusedPermission.t-up-2 2",
        "accessanalyzer.get-finding-v2.f6a86726-2832-540a-82b3-21a946cd8776 2",
        "iam.list-roles.m-roles-2 2",
        "accessanalyzer.get-finding-v2.0a9c30e3-fd34-5016-9c3d-3dc57b487f60 3",
        "accessanalyzer.list-findings-v2.UnusedPermission.t-up-3 1",
        "accessanalyzer.list-findings-v2.UnusedIAMRole.t-ur-2 1",
    ] {
        assert!(calls.iter().any(|c| c == retried), "{retried} in {calls:?}");
    }
    // The log has a line per call.
    let log = crate::common::read(&state.join("calls.log"));
    let total: usize = calls
        .iter()
        .map(|c| c.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(log.lines().count(), total);
    // The staging folder (a temporary folder in TMPDIR) is gone.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

/// The recorded outputs are what scripts/gen-fetch-fixtures.py writes (regenerate, commit both).
#[test]
fn recorded_outputs_are_the_generators() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not found: skipped");
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let out = Command::new("python3")
        .arg(root().join("scripts/gen-fetch-fixtures.py"))
        .arg(dir.path().join("responses"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        tree(&dir.path().join("responses")),
        tree(&data("fetch/responses")),
        "run `python3 scripts/gen-fetch-fixtures.py` and commit tests/data/fetch/responses"
    );
}
