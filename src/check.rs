//! `iamtrim check`: which files, their evidence, lint, fix, report.

mod evidence;
mod name_binding;

use crate::app::{AppError, exit, load_catalog_with};
use crate::catalog::Catalog;
use crate::cli::{CheckArgs, CheckFormat, MinLevel};
use crate::config::Config;
use crate::diagnostic::{Applicability, Finding, Severity};
use crate::document::{Expect, PolicyAt};
use crate::filter::Filter;
use crate::findings::binding::is_stale;
use crate::findings::stacks::Books;
use crate::findings::{Snapshot, time};
use crate::fsio::{ReadError, WriteError};
use crate::lint::{self, FixError};
use crate::output::report::{CheckReport, FileReport};
use crate::output::{self, Out};
use crate::source::git::{GitError, Repo};
use crate::source::{Origin, SourceFile};
use evidence::FileEvidence;
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

/// Larger files are reported, not parsed: IAM's own limits are 6,144 characters for a managed
/// policy and 10,240 for a role's inline policies.
const MAX_FILE_BYTES: u64 = 8 << 20;

/// Folders never searched.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

use crate::rules::EVIDENCE_RULES;

/// Whether a file's name makes it a candidate: `.json` (Terraform's `.tf.json` too),
/// CloudFormation's `.template`, YAML (a template or a Serverless service), Terraform's `.tf`, or
/// a template that Terraform's `templatefile()` loads (`.tftpl`, as HashiCorp names them, or
/// `.json.tpl`); others of these kinds are skipped by their content.
fn candidate(path: &Path) -> bool {
    path.extension().is_some_and(|x| {
        x == "json" || x == "template" || x == "yaml" || x == "yml" || x == "tf" || x == "tftpl"
    }) || path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".json.tpl"))
}

/// The candidate files below `dir`.
pub(crate) fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name();
        if ft.is_dir() {
            if !SKIP_DIRS.iter().any(|s| name == *s) {
                walk(&p, out);
            }
        } else if ft.is_file() && candidate(&p) {
            out.push(p);
        }
    }
}

/// The files this run checks.
fn sources(
    args: &CheckArgs,
    config: &Config,
    repo: Option<&Repo>,
    cwd: &Path,
) -> Result<Vec<SourceFile>, AppError> {
    let need_repo = || {
        repo.ok_or_else(|| {
            AppError::Git(crate::source::git::GitError::NotARepo(
                cwd.display().to_string(),
            ))
        })
    };
    let json_only = |files: Vec<SourceFile>| -> Vec<SourceFile> {
        files
            .into_iter()
            .filter(|f| config.include.is_some() || candidate(&f.path))
            .collect()
    };
    if args.staged {
        let repo = need_repo()?;
        let only = if args.paths.is_empty() {
            None
        } else {
            Some(
                args.paths
                    .iter()
                    .map(|p| repo.repo_path(cwd, p))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        return Ok(json_only(repo.staged(only.as_deref())?));
    }
    if let Some(rev) = &args.base {
        return Ok(json_only(need_repo()?.changed_since(rev)?));
    }
    if args.all {
        return Ok(json_only(need_repo()?.tracked()?));
    }
    let mut paths = Vec::new();
    if args.paths.is_empty() {
        walk(&config.root, &mut paths);
    }
    for p in &args.paths {
        if p.is_dir() {
            walk(p, &mut paths);
        } else {
            paths.push(p.clone());
        }
    }
    paths.sort();
    paths.dedup();
    Ok(paths
        .into_iter()
        .map(|path| SourceFile {
            repo_path: repo.and_then(|r| r.repo_path(cwd, &path).ok()),
            path,
            origin: Origin::Worktree,
            bytes: None,
        })
        .collect())
}

/// Today, in UTC (when suppressions expire).
fn today() -> jiff::civil::Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// The run's filter: the config's rule levels and the command line's selection, every rule id
/// checked; the suppressions in force and the baseline, unless `--no-ignores`.
fn filter_of(
    args: &CheckArgs,
    config: &Config,
    today: jiff::civil::Date,
) -> Result<Filter, AppError> {
    let ids = |w: &[String]| crate::filter::rule_ids(w).map_err(AppError::UnknownRule);
    let ignoring = !args.no_ignores;
    let baseline = match args.baseline.clone().or_else(|| config.baseline.clone()) {
        Some(p) if ignoring && args.write_baseline.is_none() => {
            Some(std::sync::Arc::new(crate::baseline::Baseline::load(&p)?))
        }
        _ => None,
    };
    Ok(Filter {
        suppressions: std::sync::Arc::new(if ignoring {
            config
                .ignores
                .iter()
                .filter(|s| !s.expired(today))
                .cloned()
                .collect()
        } else {
            Vec::new()
        }),
        sid_prefix: ignoring.then(|| std::sync::Arc::from(config.ignore_sid_prefix.as_str())),
        baseline,
        file: None,
        levels: config.rules.clone(),
        select: if args.select.is_empty() {
            None
        } else {
            Some(ids(&args.select)?)
        },
        ignore: ids(&args.ignore)?,
        min: args.min_level.map(|l| match l {
            MinLevel::Info => Severity::Info,
            MinLevel::Warning => Severity::Warning,
            MinLevel::Error => Severity::Error,
        }),
    })
}

pub fn run(args: &CheckArgs, out: &mut Out) -> Result<ExitCode, AppError> {
    out.set_quiet(args.quiet);
    if args.statistics && !matches!(args.format, CheckFormat::Human | CheckFormat::Concise) {
        return Err(AppError::Usage(
            "--statistics prints a table: use it with --format human or concise",
        ));
    }
    if args.unsafe_fixes && !args.fix && !args.diff {
        // Found trying it as a team would: the flag alone was accepted and fixed nothing.
        return Err(AppError::Usage(
            "--unsafe-fixes applies unsafe fixes with --fix (or shows them with --diff): pass `--fix --unsafe-fixes`",
        ));
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let repo = discover_repo(args, &cwd)?;
    let cache = if args.no_cache {
        None
    } else {
        crate::cache::Cache::locate(repo.as_ref().map(Repo::git_dir))
    };
    let config = Config::discover_cached(args.config.as_deref(), &cwd, cache.as_ref())?;
    let catalog = load_catalog_with(&args.catalog, Some(&config))?;
    let snapshot_path = args.snapshot.clone().or_else(|| config.snapshot.clone());
    let snapshot = match &snapshot_path {
        Some(p) => Some(crate::cache::snapshot(cache.as_ref(), p)?),
        None => None,
    };
    let now = time::now();
    let stale = snapshot
        .as_ref()
        .is_some_and(|s| is_stale(s, config.max_snapshot_age, now));
    if stale {
        out.note("the snapshot is older than max-snapshot-age: its fixes are unsafe; refresh it");
    }
    if snapshot.is_none() {
        out.note("no findings snapshot (set `snapshot` in iamtrim.toml or pass --snapshot): checking policy grammar only");
    }
    let min = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let fixing = args.fix || args.diff;
    let today = today();
    let filter = filter_of(args, &config, today)?;
    let files = sources(args, &config, repo.as_ref(), &cwd)?;
    let shared = Shared {
        filter: &filter,
        snapshot_rel: snapshot_path.as_deref().map(|p| config.relative(p)),
        config: &config,
        catalog: &catalog,
        snapshot: snapshot.as_ref(),
        stale,
        min,
        fixing,
        diff: args.diff,
        repo: repo.map(Mutex::new),
        books: Books::new(snapshot_path.as_deref()),
        recording: args.write_baseline.is_some(),
    };
    // Files are independent: checked on every core when there are enough of them to pay for
    // the threads, then reported in order.
    let outcomes: Vec<Result<Outcome, AppError>> = if files.len() >= PARALLEL_FROM {
        files
            .par_iter()
            .map(|src| check_file(src, &shared))
            .collect()
    } else {
        files.iter().map(|src| check_file(src, &shared)).collect()
    };
    let mut report = CheckReport {
        suppression_reasons: config.ignores.iter().map(|s| s.reason.clone()).collect(),
        ..CheckReport::default()
    };
    let mut internal = false;
    let mut recorded = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for outcome in outcomes {
        let o = outcome?;
        report.suppressed.add(&o.suppressed);
        recorded.extend(o.entries);
        seen.extend(o.rel);
        for e in o.errors {
            out.error(&e);
        }
        internal |= o.internal;
        report.checked += usize::from(o.checked);
        report.fixed += o.fixed;
        report.fixed_files += usize::from(o.fixed > 0);
        report.would_fix += o.would_fix;
        report.would_fix_files += usize::from(o.diff.is_some());
        report
            .files
            .extend(o.file.map(|f| FileReport { diff: o.diff, ..f }));
    }
    // Over the whole repository, baseline entries of files that are gone no longer match either.
    let whole_repository =
        !args.staged && args.base.is_none() && (args.all || args.paths.is_empty());
    if whole_repository && let Some(b) = &filter.baseline {
        report.suppressed.baseline_unmatched += b.entries_outside(&seen);
    }
    if let Some(path) = &args.write_baseline {
        let n = recorded.len();
        let text = crate::baseline::Baseline::render(recorded);
        crate::fsio::write_atomic(path, text.as_bytes()).map_err(|source| AppError::Write {
            path: path.display().to_string(),
            source,
        })?;
        out.note(&format!(
            "wrote {n} finding{} to the baseline {}: `iamtrim check --baseline {}` (or `baseline = ...` in iamtrim.toml) reports only new ones",
            if n == 1 { "" } else { "s" },
            path.display(),
            path.display()
        ));
        return Ok(ExitCode::from(if internal {
            exit::INTERNAL
        } else {
            exit::OK
        }));
    }
    if !args.no_ignores
        && !config.ignores.is_empty()
        && let Some(cpath) = &config.path
    {
        let hits: Vec<usize> = (0..config.ignores.len())
            .map(|i| report.suppressed.by_ignore.get(&i).copied().unwrap_or(0))
            .collect();
        let mut about =
            crate::rules::check_suppressions(&config.ignores, &hits, today, whole_repository);
        filter
            .levels_only()
            .apply(&mut about, crate::filter::Scope::default());
        if !about.is_empty() {
            let shown = config.relative(cpath).display().to_string();
            let repo_path = shared
                .repo
                .as_ref()
                .and_then(|r| r.lock().ok()?.repo_path(&cwd, cpath).ok())
                .unwrap_or_else(|| shown.clone());
            report.files.push(FileReport {
                path: shown,
                repo_path,
                text: config.text.clone(),
                findings: about,
                diff: None,
            });
        }
    }
    let named_only = !args.staged && args.base.is_none() && !args.all && !args.paths.is_empty();
    if report.checked == 0 && named_only && args.paths.iter().all(|p| !p.is_dir()) {
        // pre-commit names every JSON file: none of them a policy is no error, but say so.
        out.note(&output::view::not_policies(&args.paths));
    }
    let view = output::view::View::of(args, min, std::io::stdout().is_terminal());
    output::view::print_to(&report, &view, args.output_file.as_deref(), out).map_err(
        |(path, source)| AppError::Write {
            path: path.display().to_string(),
            source,
        },
    )?;
    let errors = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| f.severity == Severity::Error);
    Ok(ExitCode::from(if internal {
        exit::INTERNAL
    } else if errors && !args.exit_zero {
        exit::FINDINGS
    } else {
        exit::OK
    }))
}

/// The repository around `cwd`, if any. Outside one, plain paths are still checked; but a
/// repository named by `GIT_DIR` or a `.git` file that is not one is an error, and so is one
/// that cannot be opened when the run needs git.
fn discover_repo(args: &CheckArgs, cwd: &Path) -> Result<Option<Repo>, AppError> {
    let needs_git = args.staged || args.base.is_some() || args.all;
    match Repo::discover(cwd) {
        Ok(r) => Ok(Some(r)),
        Err(GitError::NotARepo(_)) => Ok(None),
        Err(GitError::Unusable { .. }) if !needs_git => Ok(None),
        Err(e) => Err(AppError::Git(e)),
    }
}

/// Below this many files a run stays on one thread (starting the pool costs more than it saves).
const PARALLEL_FROM: usize = 16;

/// What every file's check reads.
struct Shared<'a> {
    config: &'a Config,
    /// What is reported of each file's findings (and so fixed).
    filter: &'a Filter,
    catalog: &'a Catalog,
    snapshot: Option<&'a Snapshot>,
    stale: bool,
    min: Applicability,
    fixing: bool,
    diff: bool,
    /// One file at a time asks git (history, staging a fix).
    repo: Option<Mutex<Repo>>,
    /// The snapshot file or folder, relative to the config's folder: never a policy.
    snapshot_rel: Option<PathBuf>,
    /// The stacks' address books in the snapshot folder.
    books: Books,
    /// `--write-baseline`: each file's findings are recorded.
    recording: bool,
}

/// One file's result.
#[derive(Default)]
struct Outcome {
    file: Option<FileReport>,
    /// The file's errors, printed in order before the report.
    errors: Vec<String>,
    checked: bool,
    /// Fixes applied and written.
    fixed: usize,
    /// `--diff`: the diff of the fixes, and the findings they would fix.
    diff: Option<String>,
    would_fix: usize,
    internal: bool,
    /// What the filter hid of the file's (final) findings.
    suppressed: crate::filter::Suppressed,
    /// `--write-baseline`: the file's findings as baseline entries.
    entries: Vec<crate::baseline::Entry>,
    /// The file, relative to the config's folder, when it was checked.
    rel: Option<String>,
}

/// Checks one file, and with `--write-baseline` records its findings.
fn check_file(src: &SourceFile, sh: &Shared<'_>) -> Result<Outcome, AppError> {
    let mut o = check_one(src, sh)?;
    if sh.recording
        && let (Some(rel), Some(f)) = (&o.rel, &o.file)
    {
        o.entries = f
            .findings
            .iter()
            .map(|x| crate::baseline::Entry::of(x, rel, &f.text))
            .collect();
    }
    Ok(o)
}

/// Checks (and with `--fix` fixes) one file.
fn check_one(src: &SourceFile, sh: &Shared<'_>) -> Result<Outcome, AppError> {
    let Shared {
        config,
        filter,
        catalog,
        snapshot,
        stale,
        min,
        fixing,
        diff,
        ref repo,
        ref snapshot_rel,
        ref books,
        recording: _,
    } = *sh;
    let mut o = Outcome::default();
    let path = &src.path;
    let rel = config.relative(path);
    if config.exclude.as_ref().is_some_and(|g| g.is_match(&rel))
        || snapshot_rel.as_ref().is_some_and(|s| rel.starts_with(s))
    {
        return Ok(o);
    }
    let expect = match &config.include {
        Some(g) if g.is_match(&rel) => Expect::Policy,
        Some(_) => return Ok(o),
        None => Expect::Detect,
    };
    let shown = rel.display().to_string();
    let rel_key = shown.replace('\\', "/");
    let file_filter = filter.for_file(&rel_key);
    let filter = &file_filter;
    let repo_path = src.repo_path.clone().unwrap_or_else(|| shown.clone());
    let file = |text: String, findings: Vec<Finding>| FileReport {
        path: shown.clone(),
        repo_path: repo_path.clone(),
        text,
        findings,
        diff: None,
    };
    let bytes = match read_source(src) {
        Ok(b) => b,
        Err(why) => {
            // A file that cannot be read as text: one finding at its start.
            o.checked = true;
            o.rel = Some(rel_key.clone());
            let mut findings = vec![Finding::new("invalid-policy", 0..0, why)];
            o.suppressed = filter.apply(&mut findings, crate::filter::Scope::default());
            o.file = Some(file(String::new(), findings));
            return Ok(o);
        }
    };
    let mut evidence = match snapshot {
        Some(s) => FileEvidence::find(config, &rel, path, &bytes, s, books, stale)?,
        None => FileEvidence::default(),
    };
    let mut linted = {
        let per_policy = |at: &PolicyAt| evidence.of(at);
        match lint::lint(&bytes, expect, &per_policy, catalog, filter) {
            Ok(l) => l,
            Err(e) => {
                o.internal = true;
                o.errors.push(format!("{shown}: {e}"));
                return Ok(o);
            }
        }
    };
    // Non-policy JSON (pre-commit passes every JSON file) is skipped silently.
    if !linted.is_policy {
        return Ok(o);
    }
    o.checked = true;
    o.rel = Some(rel_key.clone());
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // History only for files with findings that rest on the snapshot.
    if let (Some(repo), Some(rp)) = (repo, &src.repo_path)
        && linted
            .findings
            .iter()
            .any(|f| EVIDENCE_RULES.contains(&f.rule))
        && evidence.history(repo, rp, &text)
    {
        let per_policy = |at: &PolicyAt| evidence.of(at);
        match lint::lint(&bytes, expect, &per_policy, catalog, filter) {
            Ok(l) => linted = l,
            Err(e) => {
                o.internal = true;
                o.errors.push(format!("{shown}: {e}"));
                return Ok(o);
            }
        }
    }
    o.suppressed = linted.suppressed;
    let findings = linted.findings;
    let has_fix = findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability >= min && !x.edits.is_empty())
    });
    if fixing && has_fix {
        let per_policy = |at: &PolicyAt| evidence.of(at);
        match lint::fix_policies(&text, min, &per_policy, catalog, filter) {
            Ok(fixed) if fixed.text != text => {
                if diff {
                    o.diff = Some(output::diff::unified(&shown, &text, &fixed.text));
                    o.would_fix = fixed.applied;
                } else if let Err(why) =
                    write_fixed(src, repo.as_ref(), &config.root, &bytes, &fixed.text)
                {
                    o.errors.push(format!("{shown}: not fixed: {why}"));
                } else {
                    o.fixed = fixed.applied;
                    let left =
                        lint::lint_policies(&fixed.text, expect, &per_policy, catalog, filter)
                            .unwrap_or_default();
                    o.suppressed = left.suppressed;
                    o.file = Some(file(fixed.text, left.findings));
                    return Ok(o);
                }
            }
            Ok(_) => {}
            Err(e @ (FixError::Verify(_) | FixError::Broken(_))) => {
                o.internal = true;
                o.errors.push(format!("{shown}: {e}"));
                // Nothing of this file is offered as fixable once its fixes failed verification.
                o.file = Some(file(text, without_fixes(findings)));
                return Ok(o);
            }
        }
    }
    o.file = Some(file(text, findings));
    Ok(o)
}

fn without_fixes(mut findings: Vec<Finding>) -> Vec<Finding> {
    for f in &mut findings {
        f.fix = None;
    }
    findings
}

/// A file's bytes: from git, or read from the working tree, a regular file (never a FIFO or a
/// device, which could block or never end) of at most `MAX_FILE_BYTES`. `Err`: why not, for the
/// finding.
fn read_source(src: &SourceFile) -> Result<Vec<u8>, String> {
    let too_big = || {
        format!(
            "the file is over {} MiB; IAM policies are at most a few KiB: not checked",
            MAX_FILE_BYTES >> 20
        )
    };
    match &src.bytes {
        Some(b) if b.len() as u64 > MAX_FILE_BYTES => Err(too_big()),
        Some(b) => Ok(b.clone()),
        None => crate::fsio::read_bounded(&src.path, MAX_FILE_BYTES).map_err(|e| match e {
            ReadError::TooBig(_) => too_big(),
            ReadError::NotRegular(kind) => format!("not a regular file ({kind}): not checked"),
            ReadError::Io(e) => format!("cannot read the file: {e}"),
            // Only `read_inside` refuses these; say what it would.
            e @ (ReadError::Symlink | ReadError::Outside(_)) => format!("{e}: not checked"),
        }),
    }
}

/// Writes a fixed file atomically, only while it still holds `original` (what the fix was made
/// from) and only inside the repository. Staged or committed content is fixed only when the
/// working copy is the same, and a staged fix is staged too: both or neither.
fn write_fixed(
    src: &SourceFile,
    repo: Option<&Mutex<Repo>>,
    root: &Path,
    original: &[u8],
    text: &str,
) -> Result<(), String> {
    let path = &src.path;
    if src.origin != Origin::Worktree {
        let on_disk = crate::fsio::read_bounded(path, MAX_FILE_BYTES).map_err(|e| e.to_string())?;
        if on_disk != original {
            return Err(format!(
                "its working copy differs from the {} content; fix and stage it by hand",
                if src.origin == Origin::Index {
                    "staged"
                } else {
                    "committed"
                }
            ));
        }
    }
    let target = inside_repository(path, repo, root)?;
    let staging = match (src.origin, repo, &src.repo_path) {
        (Origin::Index, Some(repo), Some(rp)) => Some((repo, rp)),
        _ => None,
    };
    // Checked before the working copy is touched, so a locked index leaves both as they were.
    if let Some((repo, _)) = staging {
        lock(repo)?.can_stage().map_err(|e| e.to_string())?;
    }
    crate::fsio::write_atomic_if_unchanged(&target, original, text.as_bytes()).map_err(
        |e| match e {
            WriteError::Changed => {
                "the file changed while it was being fixed (another program wrote it); run again"
                    .to_string()
            }
            e => e.to_string(),
        },
    )?;
    if let Some((repo, rp)) = staging {
        let staged = lock(repo)?.stage(rp, text.as_bytes());
        if let Err(why) = staged {
            // Both or neither: the working copy goes back to what it was.
            return Err(
                match crate::fsio::write_atomic_if_unchanged(&target, text.as_bytes(), original) {
                    Ok(()) => format!("cannot stage it ({why}); its working copy is as it was"),
                    Err(e) => format!(
                        "cannot stage it ({why}), and its working copy, fixed, could not be put back ({e})"
                    ),
                },
            );
        }
    }
    Ok(())
}

fn lock(repo: &Mutex<Repo>) -> Result<std::sync::MutexGuard<'_, Repo>, String> {
    repo.lock().map_err(|_| "git is unavailable".to_string())
}

/// `path` with every symlink on the way resolved, when that lies inside the repository (git's
/// work tree, or the config's folder outside git): a symlinked folder must not lead a fix out.
fn inside_repository(
    path: &Path,
    repo: Option<&Mutex<Repo>>,
    root: &Path,
) -> Result<PathBuf, String> {
    let root = match repo {
        Some(r) => lock(r)?.root().to_path_buf(),
        None => root.to_path_buf(),
    };
    let root = std::fs::canonicalize(&root).map_err(|e| {
        format!(
            "cannot resolve the repository's folder {}: {e}",
            root.display()
        )
    })?;
    let target = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    if !target.starts_with(&root) {
        return Err(format!(
            "it resolves to {}, outside the repository",
            target.display()
        ));
    }
    Ok(target)
}
