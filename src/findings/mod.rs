//! Evidence: IAM Access Analyzer unused-access findings, read from the files the AWS CLI prints.

mod aws;
mod unused;

pub use unused::{UnusedService, UnusedSet};

use std::path::Path;

/// What the findings say of one principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalFindings {
    /// The principal's ARN (`resource`), when the file names it.
    pub principal: Option<String>,
    pub id: Option<String>,
    /// `ACTIVE`, `ARCHIVED` or `RESOLVED`; `None` for the short form (taken as active).
    pub status: Option<String>,
    pub finding_type: Option<String>,
    pub analyzed_at: Option<String>,
    pub last_accessed: Option<String>,
    pub unused: UnusedSet,
}

impl PrincipalFindings {
    /// Only `ACTIVE` findings count.
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "ACTIVE")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    #[error("cannot read findings file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {reason}")]
    Json { path: String, reason: String },
    #[error("{path}: {reason}")]
    Shape { path: String, reason: String },
    #[error("{path} holds findings for several principals ({}); choose one with --principal", .principals.join(", "))]
    SeveralPrincipals {
        path: String,
        principals: Vec<String>,
    },
    #[error("{path} holds no active finding for {principal}")]
    NoSuchPrincipal { path: String, principal: String },
}

/// Reads one findings file.
pub fn read_file(path: &Path) -> Result<Vec<PrincipalFindings>, FindingsError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| FindingsError::Io {
        path: shown.clone(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| FindingsError::Json {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    aws::read_value(&shown, &value)
}

/// The unused set of one principal from a findings file: the only one it names, or the one chosen
/// with `principal` (an ARN or a role name). Findings for the same principal are merged.
pub fn unused_for(
    path: &Path,
    principal: Option<&str>,
) -> Result<(Option<String>, UnusedSet), FindingsError> {
    let shown = path.display().to_string();
    let findings: Vec<PrincipalFindings> = read_file(path)?
        .into_iter()
        .filter(PrincipalFindings::is_active)
        .collect();
    let mut names: Vec<String> = findings
        .iter()
        .filter_map(|f| f.principal.clone())
        .collect();
    names.sort();
    names.dedup();
    let chosen: Option<String> = match principal {
        Some(p) => {
            let hit = names.iter().find(|n| principal_matches(n, p)).cloned();
            // A file that names no principal (the short form) is taken as the principal's.
            if hit.is_none() && !names.is_empty() {
                return Err(FindingsError::NoSuchPrincipal {
                    path: shown,
                    principal: p.to_string(),
                });
            }
            hit
        }
        None if names.len() > 1 => {
            return Err(FindingsError::SeveralPrincipals {
                path: shown,
                principals: names,
            });
        }
        None => names.into_iter().next(),
    };
    let mut unused = UnusedSet::default();
    for f in &findings {
        if f.principal.is_none() || f.principal == chosen {
            unused.merge(&f.unused);
        }
    }
    Ok((chosen, unused))
}

/// Whether an ARN names the principal given as an ARN or a bare role/user name.
pub fn principal_matches(arn: &str, wanted: &str) -> bool {
    arn == wanted || arn.rsplit('/').next() == Some(wanted)
}
