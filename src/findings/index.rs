//! The snapshot laid out for look-up by principal: a folder with `index.json` and one normalized
//! file per principal under `principals/`. A run reads the index and only the principals its
//! files are bound to, so checking one file stays fast with 10,000 principals in the snapshot.
//!
//! `index.json`: `{"version": 1, "layout": "by-principal", "newestAnalyzedAt": "…",
//! "principals": {ARN: "principals/FILE.json"}, "policies": {policy name: [ARN]}}`.

use super::{FindingsError, PrincipalFindings, Snapshot, normalized, time};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const INDEX: &str = "index.json";

#[derive(Debug, Clone, Default)]
pub struct Indexed {
    dir: PathBuf,
    /// ARN -> (file relative to `dir`, the principal's findings once read).
    entries: BTreeMap<String, (String, OnceLock<Option<PrincipalFindings>>)>,
    policies: BTreeMap<String, Vec<String>>,
    newest: Option<i64>,
}

fn err(path: &Path, reason: impl Into<String>) -> FindingsError {
    FindingsError::Shape {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Whether `dir` holds an indexed snapshot.
pub fn is_indexed(dir: &Path) -> bool {
    dir.is_dir() && dir.join(INDEX).is_file()
}

/// `index.json`, read straight into its own shape (no generic JSON tree: it is read on every
/// run).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexFile {
    version: u64,
    layout: String,
    newest_analyzed_at: Option<String>,
    principals: BTreeMap<String, String>,
    #[serde(default)]
    policies: BTreeMap<String, Vec<String>>,
}

pub fn open(dir: &Path) -> Result<Indexed, FindingsError> {
    let path = dir.join(INDEX);
    let bytes = std::fs::read(&path).map_err(|source| FindingsError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let file: IndexFile = serde_json::from_slice(&bytes).map_err(|e| FindingsError::Json {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    if file.version != 1 || file.layout != "by-principal" {
        return Err(err(
            &path,
            "not an iamtrim snapshot index (version 1, layout by-principal)",
        ));
    }
    Ok(Indexed {
        dir: dir.to_path_buf(),
        entries: file
            .principals
            .into_iter()
            .map(|(arn, f)| (arn, (f, OnceLock::new())))
            .collect(),
        policies: file.policies,
        newest: file.newest_analyzed_at.as_deref().and_then(time::parse),
    })
}

impl Indexed {
    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    pub fn policy_principals(&self, name: &str) -> &[String] {
        self.policies.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn file_of(&self, arn: &str) -> Option<PathBuf> {
        self.entries.get(arn).map(|(f, _)| self.dir.join(f))
    }

    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The principal's findings, read on first use.
    pub fn get(&self, arn: &str) -> Result<Option<(&str, &PrincipalFindings)>, FindingsError> {
        let Some((key, (file, cell))) = self.entries.get_key_value(arn) else {
            return Ok(None);
        };
        if cell.get().is_none() {
            let path = self.dir.join(file);
            let snap = Snapshot::load(&path)?;
            let found = snap.principals.get(arn).cloned();
            let _ = cell.set(found);
        }
        Ok(cell
            .get()
            .and_then(Option::as_ref)
            .map(|f| (key.as_str(), f)))
    }
}

fn file_name(arn: &str) -> String {
    let safe: String = arn
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("principals/{safe}.json")
}

/// Writes `snapshot` as an indexed folder (every file atomically; the index last).
pub fn write(dir: &Path, snapshot: &Snapshot) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("principals"))?;
    let mut principals = serde_json::Map::new();
    let mut policies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (arn, f) in &snapshot.principals {
        if arn.is_empty() {
            continue;
        }
        let recs: Vec<_> = snapshot
            .recommendations
            .iter()
            .filter(|r| r.principal.as_deref() == Some(arn.as_str()))
            .cloned()
            .collect();
        for r in &recs {
            for s in &r.steps {
                policies
                    .entry(s.policy_name().to_string())
                    .or_default()
                    .push(arn.clone());
            }
        }
        let one = Snapshot {
            principals: BTreeMap::from([(arn.clone(), f.clone())]),
            recommendations: recs,
            ..Snapshot::default()
        };
        let file = file_name(arn);
        crate::fsio::write_atomic(&dir.join(&file), normalized::write(&one).as_bytes())?;
        principals.insert(arn.clone(), json!(file));
    }
    for list in policies.values_mut() {
        list.sort();
        list.dedup();
    }
    let newest = snapshot
        .principals
        .values()
        .filter_map(|f| f.analyzed_at.clone())
        .max_by_key(|a| time::parse(a));
    let index = json!({
        "version": 1,
        "layout": "by-principal",
        "newestAnalyzedAt": newest,
        "principals": principals,
        "policies": policies,
    });
    let mut text = serde_json::to_string_pretty(&index).unwrap_or_default();
    text.push('\n');
    crate::fsio::write_atomic(&dir.join(INDEX), text.as_bytes())
}
