//! Every field of every fixture, given every other JSON type.

use super::*;
use crate::common::{data, iamtrim};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Every node of a JSON document, by pointer (the root left out).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    let esc = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = format!("{at}/{}", esc(k));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// One mutated document's fate: `Ok` when refused with its pointer or read the same as the
/// original, else what went wrong.
type Verdict = Result<bool, String>;

/// Gives each node of `doc` (written to `target`) every other JSON type in turn, reads with
/// `args` in `dir`, and collects what was taken with exit 0 and a different answer.
fn mutate_all(
    dir: &Path,
    doc: &Value,
    target: &Path,
    shown: &str,
    args: &[&str],
    baseline: &[u8],
) -> (usize, usize, Vec<String>) {
    let replacements = [
        json!("x"),
        json!(7),
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
    ];
    let mut ps = Vec::new();
    pointers(doc, String::new(), &mut ps);
    let (mut refused_n, mut same_n, mut wrong) = (0, 0, Vec::new());
    for p in &ps {
        let orig = doc.pointer(p).unwrap();
        for r in &replacements {
            // An action may be a bare name or an object: a string there is not a wrong type.
            if same_type(orig, r) || (r.is_string() && p.contains("/actions/")) {
                continue;
            }
            let v = set(doc.clone(), p, r.clone());
            std::fs::write(target, serde_json::to_string_pretty(&v).unwrap()).unwrap();
            let out = run(dir, args);
            let verdict: Verdict = match out.status.code() {
                Some(2) if flat(&out).contains(shown) && flat(&out).contains(p.as_str()) => {
                    Ok(true)
                }
                Some(0) if out.stdout == baseline => Ok(false),
                code => Err(format!(
                    "{shown} {p} = {r}: exit {code:?}, {}",
                    if code == Some(0) {
                        "a different evidence set".to_string()
                    } else {
                        flat(&out)
                    }
                )),
            };
            match verdict {
                Ok(true) => refused_n += 1,
                Ok(false) => same_n += 1,
                Err(e) => wrong.push(e),
            }
        }
    }
    (refused_n, same_n, wrong)
}

/// Every field of every AWS CLI fixture, the normalized file, index.json and a principal's file,
/// given every other JSON type: refused (exit 2, the field named) or, where iamtrim does not
/// read the field, the same evidence as before. Never a different evidence set with exit 0.
#[test]
fn every_wrong_type_is_refused_or_not_read() {
    let mut total = (0, 0);
    let mut wrong = Vec::new();
    let mut tally = |(r, s, w): (usize, usize, Vec<String>)| {
        total.0 += r;
        total.1 += s;
        wrong.extend(w);
    };
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(data("aws-cli"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    fixtures.extend(
        ["paged.json", "two-roles.json", "archived.json"].map(|f| data(&format!("snapshot/{f}"))),
    );
    fixtures.sort();
    // Each fixture alone, and the normalized file of all of them.
    let dir = TempDir::new().unwrap();
    let f = dir.path().join("f.json");
    for path in &fixtures {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        std::fs::write(&f, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        let base = run(dir.path(), &["snapshot", "import", "f.json"]);
        assert!(base.status.success(), "{}: {}", path.display(), flat(&base));
        tally(mutate_all(
            dir.path(),
            &doc,
            &f,
            "f.json",
            &["snapshot", "import", "f.json"],
            &base.stdout,
        ));
    }
    let all = iamtrim()
        .arg("snapshot")
        .arg("import")
        .args(&fixtures)
        .output()
        .unwrap();
    assert!(all.status.success());
    let normalized: Value = serde_json::from_slice(&all.stdout).unwrap();
    std::fs::write(&f, &all.stdout).unwrap();
    tally(mutate_all(
        dir.path(),
        &normalized,
        &f,
        "f.json",
        &["snapshot", "import", "f.json"],
        &all.stdout,
    ));
    // An indexed folder: its index.json and a principal's file.
    let dir = indexed_project();
    let base = run(dir.path(), &["snapshot", "import", "snap"]);
    assert!(base.status.success(), "{}", flat(&base));
    for (file, shown) in [
        (dir.path().join("snap/index.json"), "index.json"),
        (ci_file(dir.path()), "role_ci-deployer.json"),
    ] {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        tally(mutate_all(
            dir.path(),
            &doc,
            &file,
            shown,
            &["snapshot", "import", "snap"],
            &base.stdout,
        ));
        std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    assert!(
        wrong.is_empty(),
        "{} of {} mutations taken as other evidence:\n{}",
        wrong.len(),
        total.0 + total.1 + wrong.len(),
        wrong.join("\n")
    );
    eprintln!("mutations: {} refused, {} not read", total.0, total.1);
    assert!(total.0 > 500, "refused only {}", total.0);
}
