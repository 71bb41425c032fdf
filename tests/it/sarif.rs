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
        let severity = rule["properties"].get("security-severity");
        assert_eq!(tags.contains(&"security"), severity.is_some(), "{id}");
        if let Some(s) = severity {
            let score: f64 = s.as_str().unwrap().parse().unwrap();
            assert!(score > 0.0 && score <= 10.0, "{id}: {score}");
        }
    }
    assert_eq!(rules[0]["name"], "DuplicateAction");
    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    // Evidence of unused access at error level is high; evidence-free hygiene is low; what was
    // not judged is no security result.
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
    assert!(
        by_id("no-evidence")["properties"]
            .get("security-severity")
            .is_none()
    );
    // A normal run says it ran; the category is left to upload-sarif (it fills only a missing
    // `automationDetails`).
    assert_eq!(
        run["invocations"],
        serde_json::json!([{"executionSuccessful": true}])
    );
    assert!(run.get("automationDetails").is_none());
}
