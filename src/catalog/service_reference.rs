//! `--catalog PATH`: a folder of AWS Service Reference JSON files,
//! `{"Name": "s3", "Actions": [{"Name": "GetObject", "Annotations": {"Properties": {...}}}]}`.

use super::{AccessLevel, Action, Catalog, CatalogError, Service};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct File {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Actions", default)]
    actions: Vec<FileAction>,
}

#[derive(Deserialize)]
struct FileAction {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Annotations", default)]
    annotations: Option<Annotations>,
}

#[derive(Deserialize, Default)]
struct Annotations {
    #[serde(rename = "Properties", default)]
    properties: Option<Properties>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
struct Properties {
    #[serde(default)]
    is_list: bool,
    #[serde(default)]
    is_permission_management: bool,
    #[serde(default)]
    is_tagging_only: bool,
    #[serde(default)]
    is_write: bool,
}

/// The same mapping as `level_from_service_reference` in scripts/refresh-catalog.py.
fn level(p: &Properties) -> AccessLevel {
    if p.is_permission_management {
        AccessLevel::PermissionsManagement
    } else if p.is_tagging_only {
        AccessLevel::Tagging
    } else if p.is_write {
        AccessLevel::Write
    } else if p.is_list {
        AccessLevel::List
    } else {
        AccessLevel::Read
    }
}

/// The largest Service Reference file read (ec2's, the largest, is about 1 MiB).
const MAX_SERVICE_FILE: u64 = 64 << 20;

pub(super) fn load(dir: &Path) -> Result<Catalog, CatalogError> {
    let io = |source| CatalogError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(CatalogError::Empty {
            path: dir.display().to_string(),
        });
    }
    let mut services = Vec::with_capacity(paths.len());
    for path in &paths {
        // Regular files only, bounded: a FIFO or `/dev/zero` named in the folder must not hang.
        let text = crate::fsio::read_bounded(path, MAX_SERVICE_FILE)
            .and_then(|b| {
                String::from_utf8(b).map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8").into()
                })
            })
            .map_err(|e| CatalogError::Io {
                path: path.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            })?;
        let file: File = serde_json::from_str(&text).map_err(|e| CatalogError::Format {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let actions = file
            .actions
            .iter()
            .map(|a| Action {
                name: a.name.as_str().into(),
                lower: a.name.to_ascii_lowercase().into(),
                level: level(
                    &a.annotations
                        .as_ref()
                        .and_then(|x| x.properties)
                        .unwrap_or_default(),
                ),
                // The Service Reference is AWS's documentation: nothing in it is undocumented.
                undocumented: false,
            })
            .collect();
        services.push(Service::new(&file.name, actions));
    }
    Ok(Catalog::from_services(
        "aws service reference".into(),
        format!("folder {}", dir.display()),
        services,
    ))
}
