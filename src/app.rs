//! The pipeline behind each command. Returns what to print and the exit code; printing is
//! `output`'s job.

use crate::catalog::{ActionPattern, Catalog, CatalogError};
use crate::cli::{CatalogArgs, Cli, Command, ExpandArgs, RecommendArgs, RecommendFormat};
use crate::findings::{self, FindingsError};
use crate::output::{self, Out};
use crate::policy::document::{self, DocumentError};
use crate::refine::{self, VerifyError};
use std::process::ExitCode;

/// Exit codes, as the README documents them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INTERNAL: u8 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Findings(#[from] FindingsError),
    #[error("{path}: {source}")]
    Document {
        path: String,
        #[source]
        source: DocumentError,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {reason}")]
    Json { path: String, reason: String },
    #[error(
        "`{0}` is not an action pattern: expected `service:action` (wildcards `*` and `?` allowed) or `*`"
    )]
    BadPattern(String),
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Verify(_) => exit::INTERNAL,
            _ => exit::USAGE,
        }
    }

    pub fn help(&self) -> Option<&'static str> {
        match self {
            AppError::Verify(_) => Some(
                "this is a bug in iamtrim: nothing was written; please report it with the policy and findings",
            ),
            AppError::Findings(FindingsError::SeveralPrincipals { .. }) => {
                Some("pass --principal with one of the ARNs above")
            }
            _ => None,
        }
    }
}

pub fn run(cli: Cli, out: &mut Out) -> Result<ExitCode, AppError> {
    match cli.command {
        Command::Recommend(args) => recommend(&args, out),
        Command::Expand(args) => expand(&args, out),
        Command::Catalog(args) => catalog(&args, out),
    }
}

/// The embedded catalogue, or the folder given with `--catalog`.
pub fn load_catalog(args: &CatalogArgs) -> Result<CatalogRef, AppError> {
    Ok(match &args.path {
        Some(path) => CatalogRef::Owned(Box::new(Catalog::from_service_reference_dir(path)?)),
        None => CatalogRef::Embedded(Catalog::embedded()),
    })
}

pub enum CatalogRef {
    Embedded(&'static Catalog),
    Owned(Box<Catalog>),
}

impl std::ops::Deref for CatalogRef {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        match self {
            CatalogRef::Embedded(c) => c,
            CatalogRef::Owned(c) => c,
        }
    }
}

fn read_json(path: &std::path::Path) -> Result<serde_json::Value, AppError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AppError::Io {
        path: shown.clone(),
        source,
    })?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| AppError::Json {
        path: shown,
        reason: e.to_string(),
    })
}

fn recommend(args: &RecommendArgs, out: &mut Out) -> Result<ExitCode, AppError> {
    let catalog = load_catalog(&args.catalog)?;
    let (principal, unused) = findings::unused_for(&args.findings, args.principal.as_deref())?;
    let mut value = read_json(&args.policy)?;
    let shown = args.policy.display().to_string();
    let doc = document::document_mut(&mut value).map_err(|source| AppError::Document {
        path: shown.clone(),
        source,
    })?;
    let ins = document::statements_in(doc);
    let refinement = refine::refine(&ins, &unused.resolve(&catalog), &catalog)?;
    if !refinement.detach {
        document::apply(doc, &ins, &refinement);
    }
    let policy_id = args
        .policy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match args.format {
        RecommendFormat::Json => {
            if refinement.detach {
                out.note(&format!(
                    "{shown}: every action this policy allows is unused: detach the policy instead of editing it"
                ));
            } else {
                out.json(&value);
                if !refinement.changed() {
                    out.note(&format!("{shown}: no unused action to remove"));
                }
            }
        }
        RecommendFormat::Aws => out.json(&output::aws_recommendation(
            principal.as_deref(),
            &policy_id,
            refinement.detach,
            refinement.changed(),
            doc,
        )),
    }
    Ok(ExitCode::from(exit::OK))
}

fn expand(args: &ExpandArgs, out: &mut Out) -> Result<ExitCode, AppError> {
    let catalog = load_catalog(&args.catalog)?;
    let mut lines = Vec::new();
    for raw in &args.patterns {
        let pattern = ActionPattern::parse(raw).ok_or_else(|| AppError::BadPattern(raw.clone()))?;
        let set = catalog.expand(&pattern);
        if set.is_empty() {
            out.note(&format!("`{raw}` matches no catalogued action"));
        }
        for (svc, bits) in set.iter() {
            let service = catalog.service(svc);
            for i in bits.iter() {
                lines.push(format!("{}:{}", service.prefix, service.actions[i].name));
            }
        }
    }
    lines.sort_by_key(|l| l.to_ascii_lowercase());
    lines.dedup();
    out.lines(&lines);
    Ok(ExitCode::from(exit::OK))
}

fn catalog(args: &CatalogArgs, out: &mut Out) -> Result<ExitCode, AppError> {
    let catalog = load_catalog(args)?;
    let info = catalog.info();
    out.lines(&[
        format!("source:   {}", info.source),
        format!("date:     {}", info.date),
        format!("services: {}", info.services),
        format!("actions:  {}", info.actions),
    ]);
    Ok(ExitCode::from(exit::OK))
}
