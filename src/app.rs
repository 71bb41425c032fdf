//! The pipeline behind each command. Returns what to print and the exit code; printing is
//! `output`'s job.

use crate::catalog::{ActionPattern, Catalog, CatalogError};
use crate::cli::{
    CatalogArgs, Cli, Command, ExpandArgs, RecommendArgs, RecommendFormat, SnapshotCommand,
};
use crate::config::{Config, ConfigError};
use crate::findings::binding::{Evidence, evidence_for, is_stale};
use crate::findings::{self, FindingsError, Snapshot, time};
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
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("no findings to judge {0} by: pass --findings FILE, or set `snapshot` in iamtrim.toml")]
    NoSnapshot(String),
    #[error(transparent)]
    Git(#[from] crate::source::git::GitError),
    /// A rule id that names no rule: the message says the closest one.
    #[error("{0}")]
    UnknownRule(String),
    /// Flags that do nothing together: the message says what to pass instead.
    #[error("{0}")]
    Usage(&'static str),
    #[error(transparent)]
    Baseline(#[from] crate::baseline::BaselineError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
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
            AppError::Config(ConfigError::At { .. }) => Some(
                "keys: snapshot, catalog, include, exclude, max-snapshot-age, [[bind]] files/principals, [[stack]] template/name, [[terraform]] root/book, [[ignore]] rules/files/statement/actions/reason/expires, ignore-sid-prefix, baseline, [rules.NAME] level",
            ),
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
        Command::Check(args) => crate::check::run(&args, out),
        Command::Rules => {
            let lines: Vec<String> = crate::rules::RULES
                .iter()
                .map(|r| format!("{:<20} {:<8} {}", r.id, r.default.as_str(), r.summary))
                .collect();
            out.lines(&lines);
            Ok(ExitCode::from(exit::OK))
        }
        Command::Explain { rule } => match crate::rules::find(&rule) {
            Some(r) => {
                out.text(&format!(
                    "# {}\n\n{}\n\nDefault level: {}.\n",
                    r.id,
                    r.doc,
                    r.default.as_str()
                ));
                Ok(ExitCode::from(exit::OK))
            }
            None => Err(AppError::UnknownRule(crate::filter::unknown_rule(&rule))),
        },
        Command::Recommend(args) => recommend(&args, out),
        Command::Expand(args) => expand(&args, out),
        Command::Catalog(args) => catalog(&args, out),
        Command::Snapshot(SnapshotCommand::Import {
            files,
            output,
            stack,
            terraform,
        }) => crate::snapshot_cmd::import(
            &files,
            output.as_deref(),
            (stack.as_deref(), terraform.as_deref()),
            out,
        ),
        Command::Init { dir } => crate::init::run(dir.as_deref(), out),
        Command::Snapshot(SnapshotCommand::Show { path, config }) => {
            crate::snapshot_cmd::show(path.as_deref(), config.as_deref(), out)
        }
    }
}

/// The embedded catalogue, or the folder given with `--catalog`.
pub fn load_catalog(args: &CatalogArgs) -> Result<CatalogRef, AppError> {
    load_catalog_with(args, None)
}

/// `--catalog`, else the config's `catalog`, else the embedded catalogue.
pub fn load_catalog_with(
    args: &CatalogArgs,
    config: Option<&Config>,
) -> Result<CatalogRef, AppError> {
    Ok(
        match args
            .path
            .as_ref()
            .or(config.and_then(|c| c.catalog.as_ref()))
        {
            Some(path) => CatalogRef::Owned(Box::new(Catalog::from_service_reference_dir(path)?)),
            None => CatalogRef::Embedded(Catalog::embedded()),
        },
    )
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

fn read_policy_text(path: &std::path::Path) -> Result<String, AppError> {
    crate::fsio::read_text(path).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })
}

fn parse_json(path: &std::path::Path, text: &str) -> Result<serde_json::Value, AppError> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| AppError::Json {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// What `recommend` refines: the statements of the one policy of a policy file, read through the
/// document layer as `check` reads them (so both agree on what the policy says); a policy with
/// grammar errors, or a template (many policies, fixed in place by `check`), is refused.
fn recommend_statements(
    path: &std::path::Path,
    text: &str,
) -> Result<Vec<refine::StatementIn>, AppError> {
    use crate::document::{Expect, Read};
    let refuse = |why: String| AppError::Document {
        path: path.display().to_string(),
        source: DocumentError::Refused(why),
    };
    let doc = match crate::document::read(text, Expect::Policy) {
        Read::Document(doc) => doc,
        Read::Invalid(i) => return Err(refuse(format!("not an IAM policy: {}", i.message))),
        Read::NotPolicy => {
            return Err(refuse(
                "not an IAM policy: expected a JSON object with `Statement`".into(),
            ));
        }
    };
    let [at] = doc.policies.as_slice() else {
        return Err(refuse(format!(
            "a template of {} policies: `recommend` reads one policy file; `iamtrim check --diff` shows a template's fixes",
            doc.policies.len()
        )));
    };
    if at.hints.logical_id.is_some() {
        return Err(refuse(format!(
            "a template: `recommend` reads one policy file; `iamtrim check --diff {}` shows the fixes of {}",
            path.display(),
            at.name
        )));
    }
    if let Some(issue) = at.issues.first() {
        return Err(refuse(format!(
            "invalid policy: {} (`iamtrim check` shows every problem)",
            issue.message
        )));
    }
    Ok(at
        .policy
        .statements
        .iter()
        .map(|s| s.input.clone())
        .collect())
}

fn recommend(args: &RecommendArgs, out: &mut Out) -> Result<ExitCode, AppError> {
    let catalog = load_catalog(&args.catalog)?;
    let (principal, unused) = match &args.findings {
        Some(path) => {
            let (principal, unused, nothing) =
                findings::unused_for(path, args.principal.as_deref())?;
            if let (Some(arn), Some(at)) = (&principal, nothing) {
                out.note(&format!(
                    "{}: {arn}: analyzed: nothing unused (analyzed {at}): nothing is removed for it",
                    args.policy.display()
                ));
            }
            (principal, unused)
        }
        None => {
            let ev = evidence_from_config(args, out)?;
            (ev.found.first().cloned(), ev.unused)
        }
    };
    let text = read_policy_text(&args.policy)?;
    let ins = recommend_statements(&args.policy, &text)?;
    let mut value = parse_json(&args.policy, &text)?;
    let shown = args.policy.display().to_string();
    let doc = document::document_mut(&mut value).map_err(|source| AppError::Document {
        path: shown.clone(),
        source,
    })?;
    let size_before = crate::rules::iam_size(&doc.to_string());
    let refinement = if unused.everything {
        refine::refine_role_unused(&ins)
    } else {
        refine::refine(&ins, &unused.resolve(&catalog), &catalog)?
    };
    if !refinement.detach {
        document::apply(doc, &ins, &refinement);
        let after = crate::rules::iam_size(&doc.to_string());
        let principals: Vec<String> = principal.iter().cloned().collect();
        if let Some(why) = crate::rules::over_size_quota(size_before, after, &principals) {
            out.note(&format!("{}: {why}", args.policy.display()));
        }
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

pub(crate) fn cwd() -> std::path::PathBuf {
    std::env::current_dir().unwrap_or_else(|_| ".".into())
}

/// The evidence iamtrim.toml's snapshot and bindings give for `recommend`'s policy, with notes.
fn evidence_from_config(args: &RecommendArgs, out: &mut Out) -> Result<Evidence, AppError> {
    let shown = args.policy.display().to_string();
    let config = Config::discover(args.config.as_deref(), &cwd())?;
    let snap_path = args
        .snapshot
        .clone()
        .or_else(|| config.snapshot.clone())
        .ok_or_else(|| AppError::NoSnapshot(shown.clone()))?;
    let snapshot = Snapshot::load(&snap_path)?;
    let stem = args
        .policy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let principals = match &args.principal {
        Some(p) => vec![p.clone()],
        None => config.principals_for(&config.relative(&args.policy)),
    };
    let stale = is_stale(&snapshot, config.max_snapshot_age, time::now());
    let ev = evidence_for(&principals, &stem, &snapshot, stale)?;
    for n in evidence_notes(&shown, &ev) {
        out.note(&n);
    }
    Ok(ev)
}

/// What a user should be told about a file's evidence.
pub fn evidence_notes(shown: &str, ev: &Evidence) -> Vec<String> {
    let mut notes = Vec::new();
    if !ev.is_bound() {
        notes.push(format!(
            "{shown} is bound to no principal: nothing to judge it by (add a [[bind]] to iamtrim.toml)"
        ));
    }
    for m in &ev.missing {
        notes.push(format!(
            "{shown}: {m} has no active finding with details in the snapshot: no evidence, nothing is removed"
        ));
    }
    for (arn, at) in &ev.nothing_unused {
        notes.push(format!(
            "{shown}: {arn}: analyzed: nothing unused (analyzed {at}): nothing is removed for it"
        ));
    }
    if ev.stale {
        notes.push(format!(
            "{shown}: the snapshot is older than max-snapshot-age: its fixes are unsafe; refresh it"
        ));
    }
    notes
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
    let mut lines = vec![format!("source:   {}", info.source)];
    if let Some(extra) = &info.extra_source {
        lines.push(format!(
            "extra:    {extra}: {} actions AWS does not document (access level unknown)",
            info.extra_actions
        ));
    }
    lines.extend([
        format!("date:     {}", info.date),
        format!("services: {}", info.services),
        format!("actions:  {}", info.actions),
    ]);
    out.lines(&lines);
    Ok(ExitCode::from(exit::OK))
}
