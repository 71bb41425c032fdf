//! Bad input never crashes and never stops the run: each file below gets a diagnostic with its
//! path and a span, and the good file next to them is still checked.

use crate::common::{example, iamtrim, read};
use serde_json::Value;
use tempfile::TempDir;

fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let s = |t: &str| t.as_bytes().to_vec();
    vec![
        (
            "truncated",
            s("{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\","),
            "unexpected end of input",
        ),
        (
            "trailing-comma",
            s(
                "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},]}",
            ),
            "trailing comma",
        ),
        (
            "bom-then-error",
            s("\u{feff}{\"Statement\": [}"),
            "expected a JSON value",
        ),
        (
            "invalid-utf8",
            b"{\"Statement\": [\"\xff\"]}".to_vec(),
            "invalid UTF-8 at byte 16",
        ),
        (
            "nested-10000",
            s(&("[".repeat(10_000) + &"]".repeat(10_000))),
            "nesting deeper than",
        ),
        (
            "huge-50mb",
            {
                let mut v = s("{\"Statement\": [], \"Id\": \"");
                v.extend(std::iter::repeat_n(b'x', 50 << 20));
                v.extend(s("\"}"));
                v
            },
            "over 8 MiB",
        ),
        (
            "statement-string",
            s("{\"Version\": \"2012-10-17\", \"Statement\": \"Allow everything\"}"),
            "`Statement` must be an object or an array",
        ),
        (
            "wrong-types",
            s(
                "{\"Version\": 2012, \"Statement\": [{\"Effect\": 1, \"Action\": {\"s3\": \"Get\"}, \"Resource\": 5, \"Condition\": []}]}",
            ),
            "`Effect` must be \"Allow\" or \"Deny\"",
        ),
        (
            "duplicate-keys",
            s(
                "{\"Statement\": [{\"Effect\": \"Allow\", \"Effect\": \"Deny\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}",
            ),
            "duplicate key `Effect`",
        ),
        ("empty", Vec::new(), "empty document"),
        (
            "top-level-array",
            s("[{\"Statement\": []}]"),
            "not an IAM policy",
        ),
        (
            "control-char",
            s("{\"Statement\": [{\"Sid\": \"a\tb\"}]}"),
            "control character",
        ),
        (
            "single-quotes",
            s("{'Statement': []}"),
            "expected a key in double quotes",
        ),
        (
            "lone-surrogate",
            s("{\"Statement\": [{\"Sid\": \"\\ud800\"}]}"),
            "lone surrogate",
        ),
        (
            "trailing-garbage",
            s("{\"Statement\": []} extra"),
            "unexpected text after the JSON value",
        ),
        (
            "crlf-no-effect",
            s(
                "{\r\n  \"Statement\": [\r\n    {\"Action\": \"s3:GetObject\", \"Resource\": \"*\"}\r\n  ]\r\n}\r\n",
            ),
            "has no `Effect`",
        ),
        (
            "bad-action",
            s(
                "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3GetObject\", 7], \"Resource\": \"*\"}]}",
            ),
            "entries must be strings",
        ),
        ("number-key", s("{1: 2}"), "expected a key in double quotes"),
        (
            "raw-escape-sequence",
            s("{\"Statement\": [{\"Sid\": \"a\u{1b}]0;pwned\u{7}\rb\"}]}"),
            "control character",
        ),
        (
            "name-with-\u{1b}[2J-and-\r",
            s("{\"Statement\": ["),
            "unexpected end of input",
        ),
    ]
}

/// Files that are not regular files, named as policies: (name, what is made, the message).
#[cfg(unix)]
fn special_files(root: &std::path::Path) -> Vec<(String, &'static str)> {
    std::os::unix::fs::symlink(root.join("nowhere.json"), root.join("bad/unreadable.json"))
        .unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(root.join("bad/fifo.json"))
        .status()
        .unwrap();
    assert!(fifo.success());
    std::os::unix::fs::symlink("/dev/zero", root.join("bad/dev-zero.json")).unwrap();
    vec![
        ("bad/unreadable.json".into(), "cannot read the file"),
        ("bad/fifo.json".into(), "not a regular file (a FIFO)"),
        ("bad/dev-zero.json".into(), "not a regular file (a device)"),
    ]
}

#[test]
fn each_bad_file_gets_a_diagnostic_and_the_run_goes_on() {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("bad")).unwrap();
    std::fs::create_dir_all(root.join("snapshot")).unwrap();
    std::fs::copy(
        example().join("snapshot/get-finding-v2.MyRole.json"),
        root.join("snapshot/MyRole.json"),
    )
    .unwrap();
    std::fs::write(
        root.join("iamtrim.toml"),
        "snapshot = \"snapshot\"\ninclude = [\"bad/*.json\", \"good.json\"]\n\n[[bind]]\nfiles = [\"good.json\"]\nprincipals = [\"MyRole\"]\n",
    )
    .unwrap();
    std::fs::copy(example().join("policy.json"), root.join("good.json")).unwrap();
    let cases = cases();
    let mut names = vec!["good.json".to_string()];
    for (name, bytes, _) in &cases {
        let p = format!("bad/{name}.json");
        std::fs::write(root.join(&p), bytes).unwrap();
        names.push(p);
    }
    #[cfg(unix)]
    let special = special_files(root);
    #[cfg(unix)]
    names.extend(special.iter().map(|(n, _)| n.clone()));
    let run = |format: &str| {
        iamtrim()
            .current_dir(root)
            .args(["check", "--config", "iamtrim.toml", "--format", format])
            .arg("--catalog")
            .arg(example().join("catalog"))
            .args(&names)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap()
    };
    let out = run("json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    let file = |p: &str| files.iter().find(|f| f["path"] == p);
    // The good file is still checked: its nine findings are there.
    assert_eq!(
        file("good.json").unwrap()["findings"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    let mut all = cases
        .iter()
        .map(|(n, _, m)| (format!("bad/{n}.json"), *m))
        .collect::<Vec<_>>();
    #[cfg(unix)]
    all.extend(special.iter().map(|(n, m)| (n.clone(), *m)));
    for (path, want) in &all {
        let f = file(path).unwrap_or_else(|| panic!("{path} not reported"));
        let findings = f["findings"].as_array().unwrap();
        let hit = findings
            .iter()
            .find(|x| x["message"].as_str().unwrap().contains(want))
            .unwrap_or_else(|| panic!("{path}: no `{want}` in {findings:#?}"));
        assert_eq!(hit["rule"], "invalid-policy", "{path}");
        let len = std::fs::metadata(root.join(path))
            .map(|m| m.len())
            .unwrap_or(0);
        let end = hit["span"]["end"].as_u64().unwrap();
        assert!(end <= len, "{path}: span past the end");
        assert!(hit["start"]["line"].as_u64().unwrap() >= 1);
    }
    // The BOM does not shift positions: the error is on line 1 after `[`.
    let bom = &file("bad/bom-then-error.json").unwrap()["findings"][0];
    assert_eq!(
        bom["span"]["start"], 18,
        "3 bytes of BOM, then 15 before the closing brace"
    );
    // No output lets a control character from a file or its name through raw (JSON escapes
    // them; the others are read by people and terminals).
    for format in ["json", "human", "github", "sarif"] {
        let out = run(format);
        assert_eq!(out.status.code(), Some(1), "{format}");
        for bytes in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(bytes);
            let raw: Vec<char> = text
                .chars()
                .filter(|c| c.is_control() && *c != '\n')
                .collect();
            assert!(raw.is_empty(), "{format}: {raw:?}");
        }
    }
    // Nothing was written.
    assert_eq!(
        read(&root.join("good.json")),
        read(&example().join("policy.json"))
    );
}

/// The human report names the file and draws the span for a syntax error.
#[test]
fn human_report_for_a_syntax_error() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("iamtrim.toml"), "include = [\"*.json\"]\n").unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}\n",
    )
    .unwrap();
    let out = iamtrim()
        .current_dir(dir.path())
        .args(["check", "--config", "iamtrim.toml", "p.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("human-syntax-error", text);
}
