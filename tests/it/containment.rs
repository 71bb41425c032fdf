//! What iamtrim reads, writes and prints stays contained: only regular files are read, nothing is
//! written outside the repository or over another program's write, an interrupted `--fix`
//! leaves no temporary file, input's control characters never reach the terminal raw, SARIF URIs
//! are URIs, a misspelt rule is an error, and git's own troubles are named.

use crate::common::{example, iamtrim, read};
use crate::git::Repo;
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use tempfile::TempDir;

/// AWS's example with its catalogue and snapshot, every `.json` in any folder bound to MyRole.
fn project() -> TempDir {
    let dir = TempDir::new().unwrap();
    let ex = example();
    std::fs::copy(ex.join("policy.json"), dir.path().join("policy.json")).unwrap();
    for sub in ["catalog", "snapshot"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for e in std::fs::read_dir(ex.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    let toml = read(&ex.join("iamtrim.toml"))
        .replace("files = [\"policy.json\"]", "files = [\"**/*.json\"]");
    std::fs::write(dir.path().join("iamtrim.toml"), toml).unwrap();
    dir
}

fn check(dir: &Path, args: &[&str]) -> Output {
    iamtrim()
        .current_dir(dir)
        .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn policy() -> String {
    read(&example().join("policy.json"))
}

fn fixed() -> String {
    read(&example().join("expected-fixed.json"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A miette report's text on one line, its wrapping and margins undone.
fn unwrapped(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Temporary files of ours or of the `tempfile` default naming, anywhere below `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else if name.starts_with(".iamtrim-tmp") || name.starts_with(".tmp") {
                found.push(e.path().display().to_string());
            }
        }
    }
    found
}

/// Class 8: a FIFO or a device named as a policy, found in a folder, or named as the config never
/// blocks; named files get a finding and the run goes on.
#[cfg(unix)]
#[test]
fn fifos_and_devices_are_never_read() {
    let dir = project();
    let d = dir.path();
    std::fs::create_dir(d.join("iam")).unwrap();
    mkfifo(&d.join("iam/fifo.json"));
    std::os::unix::fs::symlink("/dev/zero", d.join("iam/zero.json")).unwrap();
    std::fs::write(d.join("iam/good.json"), policy()).unwrap();
    let out = check(
        d,
        &[
            "--format",
            "json",
            "iam/fifo.json",
            "iam/zero.json",
            "iam/good.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = |path: &str| {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["findings"][0]["message"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{path} not reported: {v}"))
    };
    assert!(
        message("iam/fifo.json").contains("not a regular file (a FIFO)"),
        "{v}"
    );
    assert!(
        message("iam/zero.json").contains("not a regular file (a device)"),
        "{v}"
    );
    assert!(message("iam/good.json").contains("lambda"), "{v}");
    // A folder's walk passes them by.
    let out = check(d, &["--format", "json", "iam"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["iam/good.json"]);
    // A FIFO as the config, named or found: an error, at once.
    mkfifo(&d.join("fifo.toml"));
    let out = iamtrim()
        .current_dir(d)
        .args(["check", "--config", "fifo.toml", "policy.json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a regular file (a FIFO)"));
    let bare = TempDir::new().unwrap();
    std::fs::create_dir(bare.path().join(".git")).unwrap();
    mkfifo(&bare.path().join("iamtrim.toml"));
    let out = iamtrim()
        .current_dir(bare.path())
        .args(["check", "x.json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file (a FIFO)"));
}

/// Class 10: a fix never leaves the repository through a symlinked folder; one that stays
/// inside is followed.
#[cfg(unix)]
#[test]
fn fixes_through_a_symlinked_folder_stay_in_the_repository() {
    let dir = project();
    let d = dir.path();
    let elsewhere = TempDir::new().unwrap();
    std::fs::write(elsewhere.path().join("policy.json"), policy()).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), d.join("roles")).unwrap();
    let out = check(d, &["roles/policy.json", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let real = std::fs::canonicalize(elsewhere.path().join("policy.json")).unwrap();
    assert!(
        err.contains(&format!(
            "not fixed: it resolves to {}, outside the repository",
            real.display()
        )),
        "{err}"
    );
    assert_eq!(read(&elsewhere.path().join("policy.json")), policy());
    // In a git repository the boundary is the work tree.
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    std::os::unix::fs::symlink(elsewhere.path(), r.path().join("policies/out")).unwrap();
    std::fs::create_dir(r.path().join("real")).unwrap();
    std::fs::write(r.path().join("real/p.json"), policy()).unwrap();
    std::os::unix::fs::symlink(r.path().join("real"), r.path().join("policies/in")).unwrap();
    let toml = read(&r.path().join("iamtrim.toml")).replace("policies/*.json", "policies/**");
    r.write("iamtrim.toml", &toml);
    let out = r.check(&["policies/out/policy.json", "policies/in/p.json", "--fix"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("outside the repository"));
    assert_eq!(read(&elsewhere.path().join("policy.json")), policy());
    assert_eq!(read(&r.path().join("real/p.json")), fixed());
    assert!(r.path().join("policies/in").is_symlink());
}

/// Class 12: a file another program replaces while `--fix` runs keeps the other program's text.
/// (The check itself is `fsio::write_atomic_if_unchanged`, unit-tested deterministically; here
/// real races, the other program writing at every point of the run.)
#[cfg(unix)]
#[test]
fn a_file_replaced_during_fix_keeps_the_new_text() {
    let dir = project();
    let d = dir.path();
    let p = d.join("policy.json");
    // Another version with nothing to fix: once it is there, iamtrim must leave it.
    let theirs = fixed().replace("\"Version\"", "\"Id\": \"theirs\",\n  \"Version\"");
    let bin = assert_cmd::cargo::cargo_bin("iamtrim");
    let mut lost = 0;
    let runs = 60;
    for i in 0..runs {
        std::fs::write(&p, policy()).unwrap();
        let mut child = std::process::Command::new(&bin)
            .current_dir(d)
            .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
            .args(["policy.json", "--fix"])
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the run: from at once to after it has written.
        std::thread::sleep(Duration::from_micros((i * 250) as u64));
        let tmp = d.join(".theirs");
        std::fs::write(&tmp, &theirs).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        child.wait().unwrap();
        if read(&p) != theirs {
            lost += 1;
        }
    }
    assert_eq!(
        lost, 0,
        "{lost} of {runs} runs overwrote the other program's text"
    );
    assert!(temp_files(d).is_empty());
}

/// Class 13: `--staged --fix` with the index locked touches neither the working copy nor the
/// index, and says why; once the lock is gone, it fixes and stages.
#[test]
fn staged_fix_with_a_locked_index_changes_nothing() {
    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.commit("policy", "2024-06-01T00:00:00+00:00");
    let staged = policy().replace("\"Version\"", "\"Id\": \"p\",\n  \"Version\"");
    r.write("policies/p.json", &staged);
    r.git(&["add", "policies/p.json"]);
    let lock = r.path().join(".git/index.lock");
    std::fs::write(&lock, b"").unwrap();
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("policies/p.json: not fixed") && err.contains("index.lock exists"),
        "{err}"
    );
    assert_eq!(read(&r.path().join("policies/p.json")), staged);
    std::fs::remove_file(&lock).unwrap();
    let show = || String::from_utf8(r.git(&["show", ":policies/p.json"]).stdout).unwrap();
    assert_eq!(show(), staged);
    let out = r.check(&["--staged", "--fix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = fixed().replace("\"Version\"", "\"Id\": \"p\",\n  \"Version\"");
    assert_eq!(read(&r.path().join("policies/p.json")), want);
    assert_eq!(show(), want);
}

/// Class 14: SIGINT in the middle of a `--fix` over many files: no temporary file is left, and
/// every file is either as it was or wholly fixed.
#[cfg(unix)]
#[test]
fn an_interrupted_fix_leaves_no_temporary_files() {
    let dir = project();
    let d = dir.path();
    let (policy, fixed) = (policy(), fixed());
    let names: Vec<String> = (0..2000)
        .map(|i| format!("iam/{}/p{i:04}.json", i % 4))
        .collect();
    for name in &names {
        std::fs::create_dir_all(d.join(name).parent().unwrap()).unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin("iamtrim");
    let mut interrupted = 0;
    for round in 0..3 {
        for name in &names {
            std::fs::write(d.join(name), &policy).unwrap();
        }
        let first = d.join("iam/0");
        let before = std::fs::metadata(&first).unwrap().modified().unwrap();
        let mut child = std::process::Command::new(&bin)
            .current_dir(d)
            .args(["check", "--config", "iamtrim.toml", "--catalog", "catalog"])
            .args(["iam", "--fix"])
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the first write (the folder changes), then interrupt a little later.
        let started = std::time::Instant::now();
        while std::fs::metadata(&first).unwrap().modified().unwrap() == before
            && started.elapsed() < Duration::from_secs(30)
        {
            std::thread::sleep(Duration::from_micros(100));
        }
        std::thread::sleep(Duration::from_millis(10 * round));
        let kill = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(2) || status.code() == Some(130) {
            interrupted += 1;
        } else {
            assert!(status.code().is_some(), "{status:?}");
        }
        assert_eq!(temp_files(d), Vec::<String>::new(), "round {round}");
        let mut done = 0;
        for name in &names {
            let now = read(&d.join(name));
            assert!(now == policy || now == fixed, "{name} is half-written");
            done += usize::from(now == fixed);
        }
        if status.signal() == Some(2) {
            assert!(
                done < names.len(),
                "round {round}: interrupted, yet all fixed"
            );
        }
    }
    assert!(interrupted > 0, "no run was interrupted mid-way");
}

/// Every byte a terminal acts on: C0 controls but `\n` (and `\t`), DEL, and the C1 controls.
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.char_indices()
        .filter(|(_, c)| c.is_control() && *c != '\n' && *c != '\t')
        .map(|(i, c)| format!("{:?} at {i}", c))
        .collect()
}

/// Class 15: control characters in an action string (escaped in the JSON) and in a file name
/// reach no output raw: human, github, --diff and the messages; JSON and SARIF escape them.
#[cfg(unix)]
#[test]
fn control_characters_from_input_are_escaped_everywhere() {
    let dir = project();
    let d = dir.path();
    let hostile = policy().replace(
        "\"s3:List*\"",
        "\"s3:List*\",\n        \"s3:Get\\u001b]0;pwned\\u0007*\\u009b2J\\r\"",
    );
    let name = "p\u{1b}]0;x\u{7}\r.json";
    std::fs::write(d.join(name), &hostile).unwrap();
    // Raw control bytes in the file itself: an invalid policy, shown with its text.
    std::fs::write(
        d.join("raw\u{1b}.json"),
        "{\"Statement\": [{\"Sid\": \"a\u{1b}]0;pwned\u{7}\rb\"}]}\r\n",
    )
    .unwrap();
    for format in ["human", "github", "json", "sarif"] {
        let out = check(d, &["--format", format, name, "raw\u{1b}.json"]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let found = raw_controls(bytes);
            assert!(
                found.is_empty(),
                "{format} {what}: {found:?}\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
        if format == "human" {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("s3:Get\\u{1b}]0;pwned\\u{7}*"), "{text}");
            assert!(text.contains("p\\u{1b}]0;x\\u{7}\\u{d}.json"), "{text}");
            // The snippet shows the control characters as pictures.
            assert!(
                text.contains("a\u{241b}]0;pwned\u{2407}\u{240d}b"),
                "{text}"
            );
        }
    }
    let out = check(d, &["--diff", name]);
    let found = raw_controls(&out.stdout);
    assert!(found.is_empty(), "{found:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("+++ b/p\\u{1b}]0;x\\u{7}\\u{d}.json"));
    // A message that names the file: `not fixed` through a symlink out of the folder.
    let elsewhere = TempDir::new().unwrap();
    std::fs::write(elsewhere.path().join("x.json"), policy()).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("x.json"), d.join("l\u{1b}[2J.json")).unwrap();
    let out = check(d, &["--fix", "l\u{1b}[2J.json"]);
    assert!(
        stderr(&out).contains("l\\u{1b}[2J.json: not fixed"),
        "{}",
        stderr(&out)
    );
    assert!(raw_controls(&out.stderr).is_empty());
}

/// Class 15, CRLF: a CRLF file's report is drawn as before, its CRs not shown as pictures.
#[test]
fn crlf_files_render_normally() {
    let dir = project();
    let d = dir.path();
    std::fs::write(d.join("policy.json"), policy().replace('\n', "\r\n")).unwrap();
    let out = check(d, &["policy.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{240d}'), "{text}");
    assert!(text.contains("\"lambda:AddPermission\""), "{text}");
}

/// The inverse of SARIF's URI encoding: percent-escapes decoded as UTF-8 bytes.
fn percent_decode(uri: &str) -> String {
    let b = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&uri[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Class 16: SARIF artifact URIs are percent-encoded and decode back to the files.
#[test]
fn sarif_uris_are_percent_encoded() {
    let dir = project();
    let d = dir.path();
    let names = [
        "a b.json",
        "c#d.json",
        "g%41.json",
        "é/ü ö.json",
        "x?y&z.json",
    ];
    for n in names {
        let p = d.join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, policy()).unwrap();
    }
    let out = check(d, &[&["--format", "sarif"][..], &names].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut uris: Vec<String> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    uris.dedup();
    assert_eq!(
        uris,
        [
            "a%20b.json",
            "c%23d.json",
            "g%2541.json",
            "x%3Fy%26z.json",
            "%C3%A9/%C3%BC%20%C3%B6.json"
        ]
    );
    for u in &uris {
        assert!(
            u.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
            "{u}"
        );
        assert!(d.join(percent_decode(u)).is_file(), "{u}");
    }
}

/// Class 17: a misspelt rule in `[rules.X]` is an error at the key, with the rule meant.
#[test]
fn a_misspelt_rule_is_an_error_with_a_suggestion() {
    let dir = project();
    let d = dir.path();
    let toml = read(&d.join("iamtrim.toml"));
    std::fs::write(
        d.join("iamtrim.toml"),
        format!("{toml}\n[rules.unused-acton]\nlevel = \"off\"\n"),
    )
    .unwrap();
    let out = check(d, &["policy.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no rule called `unused-acton`: did you mean `unused-action`?"),
        "{err}"
    );
    // The key is drawn and underlined.
    assert!(
        err.contains("[rules.unused-acton]") && err.contains("──┬"),
        "{err}"
    );
    // A real rule still works.
    let fixed_toml = format!("{toml}\n[rules.unused-action]\nlevel = \"off\"\n");
    std::fs::write(d.join("iamtrim.toml"), fixed_toml).unwrap();
    let out = check(d, &["policy.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Class 18: a bad `GIT_DIR` or `.git` file is named, with what is wrong; a conflicted index
/// stops `--staged` with the conflicted files, as `git commit` does.
#[test]
fn git_troubles_are_named() {
    let dir = project();
    let d = dir.path();
    for args in [&["--staged"][..], &["policy.json"]] {
        let out = iamtrim()
            .current_dir(d)
            .env("GIT_DIR", "/nonexistent")
            .arg("check")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = unwrapped(&stderr(&out));
        assert!(
            err.contains("GIT_DIR=/nonexistent is not a git repository"),
            "{err}"
        );
    }
    std::fs::write(d.join(".git"), "gitdir: /nowhere\n").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    for args in [&["--staged"][..], &["../policy.json"]] {
        let out = iamtrim()
            .current_dir(d.join("sub"))
            .arg("check")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = unwrapped(&stderr(&out));
        assert!(
            err.contains(".git says `gitdir: /nowhere`, which is not a git repository"),
            "{err}"
        );
    }

    let r = Repo::new();
    r.write("policies/p.json", &policy());
    r.write("policies/q.json", &policy());
    r.commit("policy", "2024-06-01T00:00:00+00:00");
    r.git(&["checkout", "-q", "-b", "other"]);
    r.write("policies/p.json", &fixed());
    r.write("policies/q.json", &fixed());
    r.commit("other", "2024-06-02T00:00:00+00:00");
    r.git(&["checkout", "-q", "main"]);
    r.write(
        "policies/p.json",
        &policy().replace("s3:List*", "s3:ListBucket"),
    );
    r.write(
        "policies/q.json",
        &policy().replace("s3:List*", "s3:ListBucket"),
    );
    r.commit("main", "2024-06-02T00:00:00+00:00");
    let merge = r.git_command(&["merge", "-q", "other"]).output().unwrap();
    assert!(!merge.status.success(), "the merge conflicts");
    let out = r.check(&["--staged"]);
    assert_eq!(out.status.code(), Some(2));
    let err = unwrapped(&stderr(&out));
    assert!(
        err.contains("unresolved conflicts in policies/p.json, policies/q.json"),
        "{err}"
    );
}
