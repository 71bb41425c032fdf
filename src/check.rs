//! `iamtrim check`: which files, their evidence, lint, fix, report.

use crate::app::{AppError, exit, load_catalog};
use crate::cli::{CheckArgs, CheckFormat};
use crate::config::Config;
use crate::diagnostic::{Applicability, Finding, Severity};
use crate::findings::binding::{Evidence, evidence_for, is_stale};
use crate::findings::{Snapshot, time};
use crate::lint::{self, Expect, FixError};
use crate::output::report::{CheckReport, FileReport};
use crate::output::{self, Out};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Larger files are reported, not parsed: IAM's own limits are 6,144 characters for a managed
/// policy and 10,240 for a role's inline policies.
const MAX_FILE_BYTES: u64 = 8 << 20;

/// Folders never searched.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

fn collect(paths: &[PathBuf], root: &Path) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let roots: Vec<PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.to_vec()
    };
    for p in roots {
        if p.is_dir() {
            walk(&p, &mut out);
        } else {
            out.push((p, true));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `.json` files below `dir` (explicit = false: non-policies are skipped silently).
fn walk(dir: &Path, out: &mut Vec<(PathBuf, bool)>) {
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
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "json") {
            out.push((p, false));
        }
    }
}

pub fn run(args: &CheckArgs, out: &mut Out) -> Result<ExitCode, AppError> {
    let catalog = load_catalog(&args.catalog)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let config = Config::discover(args.config.as_deref(), &cwd)?;
    let snapshot = match args.snapshot.clone().or_else(|| config.snapshot.clone()) {
        Some(p) => Some(Snapshot::load(&p)?),
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
    let mut report = CheckReport::default();
    let mut internal = false;
    for (path, _explicit) in collect(&args.paths, &config.root) {
        let rel = config.relative(&path);
        if config.exclude.as_ref().is_some_and(|g| g.is_match(&rel)) {
            continue;
        }
        let expect = match &config.include {
            Some(g) if g.is_match(&rel) => Expect::Policy,
            Some(_) => continue,
            None => Expect::Detect,
        };
        let shown = rel.display().to_string();
        let too_big = std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_FILE_BYTES);
        if too_big {
            report.checked += 1;
            report.files.push(FileReport {
                path: shown,
                text: String::new(),
                findings: vec![Finding::new(
                    "invalid-policy",
                    0..0,
                    format!(
                        "the file is over {} MiB; IAM policies are at most a few KiB: not checked",
                        MAX_FILE_BYTES >> 20
                    ),
                )],
            });
            continue;
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                report.checked += 1;
                report.files.push(FileReport {
                    path: shown,
                    text: String::new(),
                    findings: vec![Finding::new(
                        "invalid-policy",
                        0..0,
                        format!("cannot read the file: {e}"),
                    )],
                });
                continue;
            }
        };
        let evidence: Option<Evidence> = snapshot.as_ref().map(|s| {
            let stem = path
                .file_stem()
                .map(|x| x.to_string_lossy().into_owned())
                .unwrap_or_default();
            evidence_for(&config.principals_for(&rel), &stem, s, stale)
        });
        let linted = match lint::lint(&bytes, expect, evidence.as_ref(), &catalog, &config.rules) {
            Ok(l) => l,
            Err(e) => {
                internal = true;
                out.error(&format!("{shown}: {e}"));
                continue;
            }
        };
        // Non-policy JSON (pre-commit passes every JSON file) is skipped silently.
        if !linted.is_policy {
            continue;
        }
        report.checked += 1;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut findings = linted.findings;
        let has_fix = findings.iter().any(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability >= min && !x.edits.is_empty())
        });
        if fixing
            && has_fix
            && let Some(ev) = &evidence
        {
            match lint::fix(&text, min, ev, &catalog, &config.rules) {
                Ok(fixed) if fixed.text != text => {
                    if args.diff {
                        out.text(&output::diff::unified(&shown, &text, &fixed.text));
                    } else if let Err(why) = write_fixed(&path, &config.root, &fixed.text) {
                        out.error(&format!("{shown}: not fixed: {why}"));
                    } else {
                        report.fixed += fixed.applied;
                        report.fixed_files += 1;
                        findings =
                            lint::lint_text(&fixed.text, expect, Some(ev), &catalog, &config.rules)
                                .map(|l| l.findings)
                                .unwrap_or_default();
                        report.files.push(FileReport {
                            path: shown,
                            text: fixed.text,
                            findings,
                        });
                        continue;
                    }
                }
                Ok(_) => {}
                Err(FixError::Verify(e)) => {
                    internal = true;
                    out.error(&format!("{shown}: {e}"));
                }
                Err(e @ FixError::Broken(_)) => {
                    internal = true;
                    out.error(&format!("{shown}: {e}"));
                }
            }
        }
        report.files.push(FileReport {
            path: shown,
            text,
            findings,
        });
    }
    match args.format {
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            out.text(&output::human::render(&report, color, 100));
        }
        CheckFormat::Json => out.json(&output::json::render(&report)),
    }
    let errors = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| f.severity == Severity::Error);
    Ok(ExitCode::from(if internal {
        exit::INTERNAL
    } else if errors {
        exit::FINDINGS
    } else {
        exit::OK
    }))
}

/// Writes a fixed file atomically. A symlink is written through only when its target lies inside
/// the repository (the config's folder).
fn write_fixed(path: &Path, root: &Path, text: &str) -> Result<(), String> {
    let target = if path.is_symlink() {
        let target = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
        let root = std::fs::canonicalize(root).map_err(|e| e.to_string())?;
        if !target.starts_with(&root) {
            return Err(format!(
                "it is a symlink to {}, outside the repository",
                target.display()
            ));
        }
        target
    } else {
        path.to_path_buf()
    };
    crate::fsio::write_atomic(&target, text.as_bytes()).map_err(|e| e.to_string())
}
