//! `iamtrim init`: writes an `iamtrim.toml` for the repository it stands in. It finds the policy
//! files and templates, a findings snapshot if there is one, and proposes a templated `[[bind]]`
//! for each folder whose file names are role names of the snapshot; then it says what it found
//! and what is left to do. It never overwrites a config.

use crate::app::{AppError, exit};
use crate::catalog::Catalog;
use crate::document::Expect;
use crate::filter::Filter;
use crate::findings::Snapshot;
use crate::output::Out;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Folder and file names that hold findings, by convention.
const SNAPSHOT_NAMES: &[&str] = &["snapshot", "findings", "access-analyzer", "unused-access"];

/// What `init` found.
#[derive(Debug, Default)]
struct Found {
    /// Policy files (a plain policy document, or the AWS CLI's wrapper), relative.
    policies: Vec<PathBuf>,
    /// Templates and Terraform files that hold policies, relative.
    templates: Vec<PathBuf>,
    /// The snapshot, relative, and its principals' ARNs.
    snapshot: Option<(PathBuf, Vec<String>)>,
}

pub fn run(dir: Option<&Path>, out: &mut Out) -> Result<ExitCode, AppError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let start = dir.map_or(cwd.clone(), |d| cwd.join(d));
    let root = start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(&start)
        .to_path_buf();
    let target = root.join(crate::config::FILE_NAME);
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(AppError::Usage(
            "iamtrim.toml already exists here: `iamtrim init` never overwrites a config (edit it, or move it away first)",
        ));
    }
    let found = survey(&root);
    let text = render(&found);
    crate::fsio::write_atomic(&target, text.as_bytes()).map_err(|source| AppError::Write {
        path: target.display().to_string(),
        source,
    })?;
    out.text(&report(&found, &text));
    Ok(ExitCode::from(exit::OK))
}

/// Reads the repository: its snapshot first (its files are no policies), then every candidate.
fn survey(root: &Path) -> Found {
    let mut found = Found {
        snapshot: find_snapshot(root),
        ..Found::default()
    };
    let mut files = Vec::new();
    crate::check::walk(root, &mut files);
    files.sort();
    let catalog = Catalog::embedded();
    let filter = Filter::default();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if found
            .snapshot
            .as_ref()
            .is_some_and(|(s, _)| rel.starts_with(s))
        {
            continue;
        }
        let Ok(bytes) = crate::fsio::read_bounded(&path, 8 << 20) else {
            continue;
        };
        let Ok(linted) = crate::lint::lint(&bytes, Expect::Detect, &|_| None, catalog, &filter)
        else {
            continue;
        };
        if !linted.is_policy || linted.policies.is_empty() {
            continue;
        }
        let plain = linted.policies.len() == 1
            && matches!(
                linted.policies[0].location.as_str(),
                "" | "/PolicyDocument" | "/PolicyVersion/Document"
            );
        if plain {
            found.policies.push(rel);
        } else {
            found.templates.push(rel);
        }
    }
    found
}

/// The first folder or file by a snapshot's name (at most three levels down) that loads as one.
fn find_snapshot(root: &Path) -> Option<(PathBuf, Vec<String>)> {
    fn visit(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() && [".git", "target", "node_modules", ".terraform"].contains(&&*name) {
                continue;
            }
            let named = SNAPSHOT_NAMES.iter().any(|n| name.contains(n));
            if named && (ft.is_dir() || name.ends_with(".json")) {
                out.push(e.path());
            }
            if ft.is_dir() && depth < 3 {
                visit(&e.path(), depth + 1, out);
            }
        }
    }
    let mut candidates = Vec::new();
    visit(root, 0, &mut candidates);
    candidates.into_iter().find_map(|p| {
        let snap = Snapshot::load(&p).ok()?;
        let arns: Vec<String> = snap.arns().into_iter().map(str::to_string).collect();
        (!arns.is_empty()).then(|| (p.strip_prefix(root).unwrap_or(&p).to_path_buf(), arns))
    })
}

/// A role ARN's name (`role/path/Name` gives `Name`), and its ARN up to the name.
fn role_of(arn: &str) -> Option<(&str, &str)> {
    let (_, resource) = arn.split_once(":role/")?;
    let name = resource.rsplit('/').next()?;
    Some((name, &arn[..arn.len() - name.len()]))
}

/// For each folder of policy files, the templated bind its file names support: the files whose
/// stem is a role name of the snapshot, and the principal template.
fn binds(found: &Found) -> Vec<(String, String, usize, usize)> {
    let Some((_, arns)) = &found.snapshot else {
        return Vec::new();
    };
    let roles: BTreeMap<&str, &str> = arns.iter().filter_map(|a| role_of(a)).collect();
    let mut by_dir: BTreeMap<(PathBuf, String), Vec<&PathBuf>> = BTreeMap::new();
    for p in &found.policies {
        let ext = p
            .extension()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        by_dir.entry((dir, ext)).or_default().push(p);
    }
    let mut out = Vec::new();
    for ((dir, ext), files) in by_dir {
        let matched: Vec<&str> = files
            .iter()
            .filter_map(|f| f.file_stem().and_then(|s| s.to_str()))
            .filter_map(|stem| roles.get(stem).copied())
            .collect();
        if matched.is_empty() {
            continue;
        }
        // One ARN prefix for all: the ARN template; else the role name alone.
        let principal = if matched.iter().all(|p| *p == matched[0]) {
            format!("{}{{stem}}", matched[0])
        } else {
            "{stem}".to_string()
        };
        let glob = if dir.as_os_str().is_empty() {
            format!("*.{ext}")
        } else {
            format!("{}/*.{ext}", dir.to_string_lossy().replace('\\', "/"))
        };
        out.push((glob, principal, matched.len(), files.len()));
    }
    out
}

/// The config text.
fn render(found: &Found) -> String {
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut s = String::from(
        "# Written by `iamtrim init`; every key is described in the README (Configuration).\n",
    );
    match &found.snapshot {
        Some((path, _)) => {
            let shown = path.to_string_lossy().replace('\\', "/");
            s.push_str(&format!(
                "snapshot = \"{}\"\n# Findings older than this make fixes unsafe; refresh the snapshot before.\nmax-snapshot-age = \"30d\"\n",
                quote(&shown)
            ));
        }
        None => s.push_str(
            "# snapshot = \"snapshot\"          # the findings: `iamtrim snapshot import ... -o snapshot/`\n",
        ),
    }
    for (glob, principal, matched, all) in binds(found) {
        s.push_str(&format!(
            "\n# {matched} of the {all} files here {} named after a role of the snapshot.\n[[bind]]\nfiles = [\"{}\"]\nprincipals = [\"{}\"]\n",
            if matched == 1 { "is" } else { "are" },
            quote(&glob),
            quote(&principal)
        ));
    }
    s.push_str(
        "\n# Suppress what must stay, with a reason:\n# [[ignore]]\n# files = [\"iam/breakglass.json\"]\n# reason = \"incident response, reviewed 2026-11\"\n",
    );
    s
}

/// What `init` says: what it found, what it wrote, what is left to do.
fn report(found: &Found, text: &str) -> String {
    let mut s = format!(
        "Found {} policy file{} and {} template{} or Terraform file{} with policies.\n",
        found.policies.len(),
        if found.policies.len() == 1 { "" } else { "s" },
        found.templates.len(),
        if found.templates.len() == 1 { "" } else { "s" },
        if found.templates.len() == 1 { "" } else { "s" },
    );
    let mut todo = Vec::new();
    match &found.snapshot {
        Some((path, arns)) => s.push_str(&format!(
            "Found the findings snapshot {} ({} principal{}).\n",
            path.display(),
            arns.len(),
            if arns.len() == 1 { "" } else { "s" }
        )),
        None => todo.push(
            "fetch the Access Analyzer findings and import them (`iamtrim snapshot import FILES -o snapshot/`), then set `snapshot` (README: Findings)".to_string(),
        ),
    }
    let binds = binds(found);
    let bound: usize = binds.iter().map(|b| b.2).sum();
    let unbound = found.policies.len() - bound.min(found.policies.len());
    if found.snapshot.is_some() && unbound > 0 {
        todo.push(format!(
            "{unbound} policy file{} {} named after no role of the snapshot: bind {} with `[[bind]] files = [...] principals = [...]`",
            if unbound == 1 { "" } else { "s" },
            if unbound == 1 { "is" } else { "are" },
            if unbound == 1 { "it" } else { "them" },
        ));
    }
    if !found.templates.is_empty() {
        todo.push("templates bind their policies by the roles they create (`RoleName`, Terraform's `name`); `iamtrim check` says which it cannot".to_string());
    }
    todo.push(
        "run `iamtrim check`, and add it to pre-commit (README: In your workflow)".to_string(),
    );
    s.push_str(&format!(
        "Wrote iamtrim.toml ({} line{}).\nLeft to do:\n",
        text.lines().count(),
        if text.lines().count() == 1 { "" } else { "s" }
    ));
    for t in todo {
        s.push_str(&format!("  - {t}\n"));
    }
    s
}
