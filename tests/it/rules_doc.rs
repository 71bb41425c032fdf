//! docs/rules.md, every rule's documentation on one page (SARIF's `helpUri` points at its
//! sections): generated from the rules' own docs and kept in step here.
//! `IAMTRIM_UPDATE_DOCS=1 cargo test --test it rules_doc` writes it again.

use crate::common::root;

#[test]
fn the_committed_rules_page_is_the_generated_one() {
    let generated = iamtrim::rules::docs_page();
    let path = root().join("docs/rules.md");
    if std::env::var_os("IAMTRIM_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is out of date: run `IAMTRIM_UPDATE_DOCS=1 cargo test --test it rules_doc`"
    );
}

#[test]
fn each_rule_has_a_section_under_its_id() {
    let page = iamtrim::rules::docs_page();
    for r in iamtrim::rules::RULES {
        // GitHub's anchor for `## unused-action` is `#unused-action`.
        assert_eq!(
            page.matches(&format!("\n## {}\n", r.id)).count(),
            1,
            "{}",
            r.id
        );
        // The rule's own sections sit below it, and `explain`'s text is all there.
        assert!(page.contains("### What it does\n"), "{}", r.id);
        for line in r.doc.lines().filter(|l| !l.starts_with('#')) {
            assert!(page.contains(line), "{}: {line}", r.id);
        }
    }
    assert!(!page.contains("\n## What it does"));
}
