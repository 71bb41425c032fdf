//! SARIF 2.1.0 and GitHub annotations for pull requests.

use crate::common::{data, example, read};
use crate::git::Repo;
use serde_json::Value;

fn repo_with_policy(text: &str) -> Repo {
    let r = Repo::new();
    r.write("policies/p.json", text);
    r.commit("policy", "2024-06-01T00:00:00+00:00");
    r
}

fn sarif(r: &Repo) -> Value {
    let out = r.check(&["--all", "--format", "sarif"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A validator of the vendored OASIS SARIF 2.1.0 schema.
pub fn validator() -> jsonschema::Validator {
    let mut schema: Value =
        serde_json::from_str(&read(&data("sarif/sarif-schema-2.1.0.json"))).unwrap();
    // The OASIS schema's pattern for the `language` properties has a stray `]` that the
    // meta-schema's `format: regex` check refuses; iamtrim never writes `language`, so that
    // pattern is corrected in memory (the vendored file stays as published).
    for def in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let validator = validator();
    let r = repo_with_policy(&read(&example().join("policy.json")));
    let v = sarif(&r);
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // What GitHub code scanning reads.
    let run = &v["runs"][0];
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "iamtrim");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(rule.get(key).is_some(), "{key}");
        }
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 9);
    let first = &results[0];
    assert_eq!(first["ruleId"], "unused-action");
    assert_eq!(first["level"], "error");
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "policies/p.json");
    assert_eq!(loc["region"]["startLine"], 7);
    assert_eq!(loc["region"]["startColumn"], 9);
    assert_eq!(loc["region"]["endColumn"], 31);
    let rep = &first["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(rep["insertedContent"]["text"], "");
    assert_eq!(rep["deletedRegion"]["startLine"], 7);

    // A SARIF that breaks the schema is caught (the check can fail).
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn fingerprints_survive_an_unrelated_line_above() {
    let policy = read(&example().join("policy.json"));
    let a = sarif(&repo_with_policy(&policy));
    let shifted = policy.replacen("{\n", "{\n  \"Id\": \"unrelated\",\n", 1);
    let b = sarif(&repo_with_policy(&shifted));
    let prints = |v: &Value| -> Vec<(String, String, u64)> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let (pa, pb) = (prints(&a), prints(&b));
    assert_eq!(pa.len(), pb.len());
    for (x, y) in pa.iter().zip(&pb) {
        assert_eq!(x.0, y.0);
        assert_eq!(x.1, y.1, "fingerprint moved");
        assert_eq!(x.2 + 1, y.2, "the line did move");
    }
    let unique: std::collections::BTreeSet<&String> = pa.iter().map(|x| &x.1).collect();
    assert_eq!(unique.len(), pa.len(), "fingerprints are distinct");
}

#[test]
fn github_annotations() {
    let r = repo_with_policy(&read(&example().join("policy.json")));
    let out = r.check(&["--all", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9);
    assert_eq!(
        lines[0],
        "::error file=policies/p.json,line=7,col=9,endLine=7,endColumn=31,title=unused-action::`lambda%3AAddPermission` is unused by role/MyRole (analyzed 2024-06-10)%0Aremove `lambda%3AAddPermission`"
            .replace("lambda%3AAddPermission` is", "lambda:AddPermission` is")
            .replace("remove `lambda%3AAddPermission`", "remove `lambda:AddPermission`")
    );
    assert!(lines[8].starts_with("::error file=policies/p.json,line=22,col=9,"));
}

/// The rules as GitHub code scanning files a security tool's: a human name, a link to the rule's
/// section of docs/rules.md, tags, and a security severity for the security rules only.
#[test]
fn rules_read_as_a_security_tools() {
    let r = repo_with_policy(&read(&example().join("policy.json")));
    let v = sarif(&r);
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    let home = "https://github.com/iamtrim/iamtrim";
    assert_eq!(driver["informationUri"], home);
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), iamtrim::rules::RULES.len());
    let page = read(&crate::common::root().join("docs/rules.md"));
    let mut names = std::collections::BTreeSet::new();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let name = rule["name"].as_str().unwrap();
        assert_ne!(name, id);
        assert!(names.insert(name.to_string()), "{name} twice");
        // PascalCase: the id's words, capitalized, joined.
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
        assert_eq!(name.to_ascii_lowercase(), id.replace('-', ""));
        assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
        assert_eq!(
            rule["helpUri"],
            format!("{home}/blob/main/docs/rules.md#{id}").as_str()
        );
        assert!(
            page.contains(&format!("\n## {id}\n")),
            "{id} has no section"
        );
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"iam"), "{id}");
        // Code scanning lists a result as security only when its rule has both.
        assert!(tags.contains(&"security"), "{id}");
        let s = &rule["properties"]["security-severity"];
        let score: f64 = s.as_str().unwrap().parse().unwrap();
        assert!(score > 0.0 && score <= 10.0, "{id}: {score}");
    }
    assert_eq!(rules[0]["name"], "DuplicateAction");
    // The full description is the doc's "What it does", within GitHub's 1,024 characters.
    for rule in rules {
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(full.chars().count() <= 1024, "{}", rule["id"]);
        assert_ne!(full, rule["shortDescription"]["text"], "{}", rule["id"]);
        assert!(!full.contains('\n') && !full.contains("##"), "{full}");
    }
    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    // Evidence of unused access at error level is high; evidence-free hygiene is low;
    // what was not judged is the least.
    assert_eq!(by_id("unused-action")["name"], "UnusedAction");
    assert_eq!(
        by_id("unused-action")["properties"]["security-severity"],
        "7.5"
    );
    assert_eq!(
        by_id("wildcard-action")["properties"]["security-severity"],
        "6.0"
    );
    assert_eq!(
        by_id("duplicate-action")["properties"]["security-severity"],
        "2.0"
    );
    assert_eq!(
        by_id("redundant-action")["properties"]["tags"],
        serde_json::json!(["security", "iam", "hygiene"])
    );
    // What was not judged is the lowest score (code scanning reads under 4.0 as "low").
    assert_eq!(
        by_id("no-evidence")["properties"]["security-severity"],
        "0.1"
    );
    // A normal run says it ran, under its category (upload-sarif keeps an id already there).
    assert_eq!(
        run["invocations"],
        serde_json::json!([{"executionSuccessful": true}])
    );
    assert_eq!(
        run["automationDetails"],
        serde_json::json!({"id": "iamtrim/"})
    );
}

/// `--sarif-category` names the run (code scanning keeps one analysis per category), with the
/// trailing `/` code scanning writes; a failed run carries it too.
#[test]
fn sarif_category_names_the_run() {
    let r = repo_with_policy(&read(&example().join("policy.json")));
    for (category, id) in [
        ("iamtrim/prod", "iamtrim/prod/"),
        ("accounts/", "accounts/"),
    ] {
        let out = r.check(&["--all", "--format", "sarif", "--sarif-category", category]);
        assert_eq!(out.status.code(), Some(1));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(validator().iter_errors(&v).next().is_none());
        assert_eq!(v["runs"][0]["automationDetails"]["id"], id);
    }
    let r = example_repo(Some(BROKEN_CONFIG), false);
    let out = r.check(&["policy.json", "--format", "sarif", "--sarif-category", "x"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    failed_log(&out.stdout);
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "x/");
}

/// The AWS example in a repository, its iamtrim.toml or its snapshot maybe broken.
fn example_repo(config: Option<&str>, broken_snapshot: bool) -> Repo {
    let r = Repo::new();
    crate::common::copy_dir(&example(), r.path());
    if let Some(text) = config {
        r.write("iamtrim.toml", text);
    }
    if broken_snapshot {
        for e in std::fs::read_dir(r.path().join("snapshot")).unwrap() {
            std::fs::write(e.unwrap().path(), "{\"broken").unwrap();
        }
    }
    r.commit("example", "2024-06-01T00:00:00+00:00");
    r
}

const BROKEN_CONFIG: &str = "snapshot = \"snapshot\"\nmax-snapshot-age = 3650\n";

/// A fatal error's SARIF log: valid, one run of the tool with no results, and an invocation that
/// failed with the error (and the exit code); its notification is returned.
fn failed_log(stdout: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(stdout).unwrap();
    let errors: Vec<String> = validator().iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["tool"]["driver"]["name"], "iamtrim");
    assert!(
        !runs[0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(runs[0]["results"], serde_json::json!([]));
    let invocations = runs[0]["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 1);
    assert_eq!(invocations[0]["executionSuccessful"], false);
    assert_eq!(invocations[0]["exitCode"], 2);
    let notes = invocations[0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    notes[0].clone()
}

/// A broken iamtrim.toml, a corrupt snapshot and a `--base` that does not exist, with `--format
/// sarif`: the log says the run failed, on stdout or in the `--output-file`; the human message
/// stays on stderr and the exit code is 2.
#[test]
fn fatal_errors_are_sarif_logs() {
    // The config found at the repository's root (an absolute path inside iamtrim) is named
    // relative to it, with its place.
    let r = example_repo(Some(BROKEN_CONFIG), false);
    let out = r.check(&["policy.json", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid type: integer `3650`"), "{stderr}");
    let note = failed_log(&out.stdout);
    let text = note["message"]["text"].as_str().unwrap();
    assert!(text.ends_with("iamtrim.toml: invalid type: integer `3650`, expected a string"));
    let loc = &note["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"],
        serde_json::json!({"uri": "iamtrim.toml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 20);
    assert_eq!(loc["region"]["endColumn"], 24);
    // The same log in the --output-file, nothing on stdout.
    let to_file = r.check(&["policy.json", "--format", "sarif", "-o", "out.sarif"]);
    assert_eq!(to_file.status.code(), Some(2));
    assert!(to_file.stdout.is_empty());
    assert_eq!(read(&r.path().join("out.sarif")).as_bytes(), out.stdout);

    let r = example_repo(None, true);
    for extra in [&[][..], &["--output-file", "out.sarif"][..]] {
        let out = r.check(&[&["policy.json", "--format", "sarif"][..], extra].concat());
        assert_eq!(out.status.code(), Some(2));
        let stdout = if extra.is_empty() {
            out.stdout
        } else {
            assert!(out.stdout.is_empty());
            std::fs::read(r.path().join("out.sarif")).unwrap()
        };
        let note = failed_log(&stdout);
        let text = note["message"]["text"].as_str().unwrap();
        assert!(
            text.contains("snapshot/MyRole.json is not valid JSON"),
            "{text}"
        );
        assert!(note.get("locations").is_none());
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid JSON"));
    }

    let r = example_repo(None, false);
    let out = r.check(&["--base", "no-such-rev", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let note = failed_log(&out.stdout);
    assert!(
        note["message"]["text"]
            .as_str()
            .unwrap()
            .contains("no-such-rev")
    );
}

/// With `--format github`, a fatal error is an `::error` workflow command too, with the file and
/// place when it has one, escaped as GitHub reads them.
#[test]
fn fatal_errors_are_github_annotations() {
    let r = example_repo(None, false);
    r.write("a,b%.toml", BROKEN_CONFIG);
    let out = r.check(&["policy.json", "--format", "github", "--config", "a,b%.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "::error file=a%2Cb%25.toml,line=2,col=20,endLine=2,endColumn=24,title=iamtrim::a,b%25.toml: invalid type: integer `3650`, expected a string\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid type: integer `3650`"));

    let r = example_repo(None, true);
    let out = r.check(&["policy.json", "--format", "github"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("::error title=iamtrim::") && stdout.contains("is not valid JSON"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1);
    // Other formats print nothing on stdout for a fatal error.
    let out = r.check(&["policy.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
