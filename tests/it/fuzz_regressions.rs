//! The fuzz targets' saved inputs (crashes found and fixed, and coverage-rich seeds) run through
//! the same harness functions as `cargo fuzz` runs them: the CI's smoke test of the fuzz targets
//! (cargo-fuzz itself is not on the CI machine; `scripts/fuzz.sh` runs the fuzzers).

use std::path::Path;

fn run(target: &str, harness: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    for f in files {
        let data = std::fs::read(&f).unwrap();
        if std::panic::catch_unwind(|| harness(&data)).is_err() {
            panic!("{} fails its fuzz target", f.display());
        }
    }
}

#[test]
fn json_parser() {
    run("json_parser", iamtrim::fuzzing::json_parser);
}

#[test]
fn yaml_document() {
    run("yaml_document", iamtrim::fuzzing::yaml_document);
}

#[test]
fn terraform_document() {
    run("terraform_document", iamtrim::fuzzing::terraform_document);
}

#[test]
fn cfn_json_document() {
    run("cfn_json_document", iamtrim::fuzzing::cfn_json_document);
}

#[test]
fn snapshot() {
    run("snapshot", iamtrim::fuzzing::snapshot);
}

#[test]
fn git_index() {
    run("git_index", iamtrim::fuzzing::git_index);
}

#[test]
fn refine_fix() {
    run("refine_fix", iamtrim::fuzzing::refine_fix);
}
