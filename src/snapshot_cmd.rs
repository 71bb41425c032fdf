//! `iamtrim snapshot import` and `iamtrim snapshot show`: AWS CLI outputs into the normalized
//! snapshot, and what a snapshot says of each principal.

use crate::app::{AppError, cwd, exit};
use crate::config::Config;
use crate::findings::{
    self, FindingsError, Snapshot, UnusedSet, normalized, stacks, tf_state, time,
};
use crate::output::Out;
use std::process::ExitCode;

/// The address books an import writes, with their normalized texts.
struct ImportBooks {
    stack: Option<stacks::AddressBook>,
    terraform: Option<tf_state::AddressBook>,
}

impl ImportBooks {
    fn is_empty(&self) -> bool {
        self.stack.is_none() && self.terraform.is_none()
    }

    fn texts(&self) -> Vec<String> {
        let mut t: Vec<String> = self.stack.iter().map(stacks::write_text).collect();
        t.extend(self.terraform.iter().map(tf_state::write_text));
        t
    }

    /// Checked before anything is written: nothing is, when it cannot be.
    fn check_writable(&self, dir: &std::path::Path) -> Result<(), FindingsError> {
        if let Some(b) = &self.stack {
            stacks::check_writable(dir, &b.stack)?;
        }
        if let Some(b) = &self.terraform {
            tf_state::check_writable(dir, &b.name)?;
        }
        Ok(())
    }

    fn write(&self, dir: &std::path::Path) -> Result<(), FindingsError> {
        if let Some(b) = &self.stack {
            stacks::write(dir, b)?;
        }
        if let Some(b) = &self.terraform {
            tf_state::write(dir, b)?;
        }
        Ok(())
    }
}

/// `snapshot import`; `names`: `--stack` and `--terraform`, the books' names. A file that cannot
/// be read is reported and left out, the others are imported, and the exit code is 2; when none
/// can be, nothing is written.
pub(crate) fn import(
    files: &[std::path::PathBuf],
    output: Option<&std::path::Path>,
    names: (Option<&str>, Option<&str>),
    out: &mut Out,
) -> Result<ExitCode, AppError> {
    let (incoming, read, bad) = Snapshot::load_each(files);
    for e in &bad {
        out.error(&e.to_string());
    }
    if bad.is_empty() {
        return import_read(incoming, output, names, out);
    }
    let n = bad.len();
    let files = if n == 1 { "file" } else { "files" };
    if read == 0 {
        out.error(&format!(
            "{n} input {files} not imported (above), none left: nothing written"
        ));
        return Ok(ExitCode::from(exit::USAGE));
    }
    import_read(incoming, output, names, out)?;
    let done = if output.is_some() {
        "the others are written"
    } else {
        "the others are printed"
    };
    out.error(&format!("{n} input {files} not imported (above); {done}"));
    Ok(ExitCode::from(exit::USAGE))
}

/// `import` of what was read.
fn import_read(
    mut incoming: Snapshot,
    output: Option<&std::path::Path>,
    names: (Option<&str>, Option<&str>),
    out: &mut Out,
) -> Result<ExitCode, AppError> {
    for n in &incoming.notes {
        out.note(n);
    }
    if incoming.principals.contains_key("") {
        out.note(
            "findings that name no principal (the short form without `resource`) are left out",
        );
    }
    // A folder (existing, or named with a trailing `/`) gets the by-principal layout.
    let as_folder =
        output.is_some_and(|p| p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/'));
    let pages = std::mem::take(&mut incoming.stack_pages);
    let states = std::mem::take(&mut incoming.tf_states);
    let to_file = output.filter(|_| !as_folder);
    let books = ImportBooks {
        stack: stacks::for_import(&pages, names.0, to_file)?,
        terraform: tf_state::for_import(&states, names.1, to_file)?,
    };
    if let Some(b) = &books.stack {
        let skipped: usize = pages.iter().map(|p| p.skipped).sum();
        out.note(&format!(
            "stack {}: {} roles; {skipped} rows that are not AWS::IAM::Role (or are deleted) skipped",
            b.stack,
            b.roles.len()
        ));
    }
    if let Some(b) = &books.terraform {
        let skipped: usize = states.iter().map(|s| s.skipped).sum();
        out.note(&format!(
            "terraform {}: {} aws_iam_role addresses and ARNs kept; {skipped} other resources not read",
            b.name,
            b.roles.len()
        ));
    }
    let no_findings = incoming.principals.is_empty() && incoming.recommendations.is_empty();
    let only_books = !books.is_empty() && no_findings;
    let Some(path) = output else {
        let texts = books.texts();
        if texts.len() > 1 {
            return Err(AppError::Findings(FindingsError::Shape {
                path: "-o".into(),
                reason: "two address books go into a snapshot folder: name one with -o DIR/; nothing written".into(),
            }));
        }
        if only_books {
            out.text(&texts.concat());
        } else if !books.is_empty() {
            return Err(AppError::Findings(FindingsError::Shape {
                path: "-o".into(),
                reason: "findings and an address book together go into a snapshot folder: name one with -o DIR/; nothing written".into(),
            }));
        } else {
            out.text(&normalized::write(&incoming));
        }
        return Ok(ExitCode::from(exit::OK));
    };
    books.check_writable(path)?;
    if only_books {
        books.write(path)?;
        return Ok(ExitCode::from(exit::OK));
    }
    let mut snap = if path.exists() {
        Snapshot::load(path)?.materialize()?
    } else {
        Snapshot::default()
    };
    snap.update(incoming);
    if as_folder {
        findings::index::write(path, &snap)?;
    } else {
        crate::fsio::write_atomic(path, normalized::write(&snap).as_bytes()).map_err(|source| {
            AppError::Write {
                path: path.display().to_string(),
                source,
            }
        })?;
    }
    books.write(path)?;
    Ok(ExitCode::from(exit::OK))
}

pub(crate) fn show(
    path: Option<&std::path::Path>,
    config: Option<&std::path::Path>,
    out: &mut Out,
) -> Result<ExitCode, AppError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => Config::discover(config, &cwd())?
            .snapshot
            .ok_or_else(|| AppError::NoSnapshot("the snapshot".into()))?,
    };
    let snap = Snapshot::load(&path)?.materialize()?;
    let now = time::now();
    let mut lines = Vec::new();
    for (arn, f) in &snap.principals {
        let who = if arn.is_empty() {
            "(no principal named)"
        } else {
            arn
        };
        let age = f
            .analyzed_at
            .as_deref()
            .and_then(time::parse)
            .map(|t| format!(", {} days old", (now - t).max(0) / 86_400))
            .unwrap_or_default();
        if f.nothing_unused {
            lines.push(format!(
                "{who}\n  analyzed: nothing unused (analyzed {}{age})",
                f.analyzed_at.as_deref().unwrap_or("at an unknown time"),
            ));
            continue;
        }
        lines.push(format!(
            "{who}\n  {} analyzed {}{age}",
            f.finding_type.as_deref().unwrap_or("unused access"),
            f.analyzed_at.as_deref().unwrap_or("at an unknown time"),
        ));
        lines.extend(describe_unused(&f.unused, f.details_missing));
        for r in snap
            .recommendations
            .iter()
            .filter(|r| r.principal.as_deref() == Some(arn.as_str()))
        {
            for s in &r.steps {
                let what = match (s.detach, s.recommended_policy.is_some()) {
                    (true, true) => "replace with the recommended policy",
                    (true, false) => "detach",
                    (false, true) => "create the recommended policy",
                    (false, false) => "no step",
                };
                lines.push(format!(
                    "  recommendation for {}: {what}",
                    s.existing_policy_id
                ));
            }
        }
    }
    for n in &snap.notes {
        lines.push(format!("note: {n}"));
    }
    out.lines(&lines);
    Ok(ExitCode::from(exit::OK))
}

fn describe_unused(u: &UnusedSet, details_missing: bool) -> Vec<String> {
    if details_missing {
        return vec!["  details missing (list-findings-v2 summary only)".into()];
    }
    if u.everything {
        return vec!["  the whole principal is unused".into()];
    }
    u.services
        .iter()
        .map(|(svc, s)| match s {
            findings::UnusedService::All => format!("  {svc}: every action unused"),
            findings::UnusedService::Actions(a) => {
                let names: Vec<&str> = a.values().map(String::as_str).collect();
                format!("  {svc}: {} unused: {}", names.len(), names.join(", "))
            }
        })
        .collect()
}
