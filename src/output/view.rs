//! How `check` prints its report: the format and the flags that shape it.

use super::report::CheckReport;
use super::{Out, concise, github, human, json, sarif};
use crate::cli::CheckFormat;
use crate::diagnostic::Applicability;

pub struct View {
    pub format: CheckFormat,
    /// `--quiet`: the findings only, no summary.
    pub quiet: bool,
    /// `--statistics`: a count per rule instead of the findings.
    pub statistics: bool,
    /// `--diff`: the diffs and what they would fix instead of the findings.
    pub diff: bool,
    /// The run's fix level (what `[*]` means).
    pub min: Applicability,
    pub color: bool,
    /// The width to wrap the human report at; `None`: no wrapping.
    pub wrap: Option<usize>,
}

pub fn print(report: &CheckReport, view: &View, out: &mut Out) {
    let diffs = || report.files.iter().filter_map(|f| f.diff.as_deref());
    match view.format {
        // The diffs are in the JSON (`files[].diff`).
        CheckFormat::Json => return out.json(&json::render(report)),
        // SARIF and workflow commands stay valid: the diffs go to stderr.
        CheckFormat::Sarif | CheckFormat::Github => {
            for d in diffs() {
                out.text_to_stderr(d);
            }
            if view.format == CheckFormat::Sarif {
                out.json(&sarif::render(report));
            } else {
                out.text(&github::render(report));
            }
            return;
        }
        CheckFormat::Human | CheckFormat::Concise => {}
    }
    if view.diff {
        for d in diffs() {
            out.text(d);
        }
        if !view.quiet {
            out.text(&would_fix(report));
        }
        return;
    }
    if view.statistics {
        out.text(&concise::statistics(report, view.min));
    } else if view.format == CheckFormat::Concise {
        concise::render(report, view.min, &mut |t| out.text(t));
    } else {
        human::render(report, view.color, view.wrap, &mut |t| out.text(t));
    }
    if !view.quiet {
        out.text(&human::summary(report));
    }
}

/// `would fix 3 findings in 1 file`.
fn would_fix(report: &CheckReport) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "would fix {} finding{} in {} file{}\n",
        report.would_fix,
        s(report.would_fix),
        report.would_fix_files,
        s(report.would_fix_files)
    )
}

/// The note for named files none of which is a policy: up to three names, then how many more.
pub fn not_policies(paths: &[std::path::PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let shown = match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n if n <= 3 => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
    };
    if names.len() == 1 {
        format!("{shown} is not an IAM policy, template or Terraform file: nothing to check")
    } else {
        format!("{shown} are not IAM policies, templates or Terraform files: nothing to check")
    }
}
