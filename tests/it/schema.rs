//! The JSON Schema of iamtrim.toml (issue 12, part 7): generated from the config's own types,
//! committed as `iamtrim.schema.json` for editors (taplo, Even Better TOML), and kept in step here.
//! `IAMTRIM_UPDATE_SCHEMA=1 cargo test schema` writes it again.

use crate::common::root;

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = iamtrim::config::json_schema();
    let path = root().join("iamtrim.schema.json");
    if std::env::var_os("IAMTRIM_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "iamtrim.schema.json is out of date: run `IAMTRIM_UPDATE_SCHEMA=1 cargo test schema`"
    );
}

#[test]
fn the_schema_knows_every_key_and_refuses_others() {
    let v: serde_json::Value = serde_json::from_str(&iamtrim::config::json_schema()).unwrap();
    assert_eq!(v["additionalProperties"], false);
    let props = v["properties"].as_object().unwrap();
    for key in [
        "snapshot",
        "catalog",
        "include",
        "exclude",
        "max-snapshot-age",
        "bind",
        "stack",
        "terraform",
        "rules",
        "ignore",
        "ignore-sid-prefix",
        "baseline",
    ] {
        assert!(props.contains_key(key), "{key}");
    }
    let ids = v["properties"]["rules"]["propertyNames"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(ids.len(), iamtrim::rules::RULES.len());
    let text = v.to_string();
    for field in [
        "reason",
        "expires",
        "statement",
        "actions",
        "principals",
        "files",
    ] {
        assert!(text.contains(&format!("\"{field}\"")), "{field}");
    }
}

#[test]
fn real_configs_validate_and_wrong_ones_do_not() {
    let schema: serde_json::Value = serde_json::from_str(&iamtrim::config::json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let as_json = |toml_text: &str| -> serde_json::Value { toml::from_str(toml_text).unwrap() };
    let example = std::fs::read_to_string(crate::common::example().join("iamtrim.toml")).unwrap();
    let good = format!(
        "{example}\n[[ignore]]\nrules = [\"overbroad-wildcard\"]\nfiles = [\"a.json#AppRole\"]\nstatement = \"BreakGlass\"\nactions = [\"s3:*\"]\nreason = \"r\"\nexpires = \"2027-03-01\"\n\n[[ignore]]\nstatement = 2\nreason = \"r\"\n\n[rules.unused-action]\nlevel = \"warning\"\n"
    );
    let v = as_json(&good);
    assert!(
        validator.is_valid(&v),
        "{:?}",
        validator
            .iter_errors(&v)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    for bad in [
        "snapshots = \"s\"\n",
        "[rules.unused-acton]\nlevel = \"warning\"\n",
        "[rules.unused-action]\nlevel = \"loud\"\n",
        "[[ignore]]\nreason = \"r\"\nstatment = 1\n",
        "[[bind]]\nfiles = [\"a.json\"]\n",
        "[[ignore]]\nfiles = [\"a.json\"]\n",
    ] {
        assert!(!validator.is_valid(&as_json(bad)), "{bad}");
    }
}
