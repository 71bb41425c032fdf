//! How `check` prints its report: the format and the flags that shape it.

use super::report::CheckReport;
use super::{Out, concise, github, human, json, sarif, terminal};
use crate::cli::{CheckArgs, CheckFormat};
use crate::diagnostic::Applicability;
use std::path::Path;

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
    /// `--sarif-category`.
    pub sarif_category: String,
}

impl View {
    /// The view `check`'s flags and the environment ask for; `stdout_terminal`: whether stdout
    /// is a terminal (it does not count when the report goes to a file).
    pub fn of(args: &CheckArgs, min: Applicability, stdout_terminal: bool) -> View {
        let env = |k: &str| std::env::var_os(k);
        let terminal = args.output_file.is_none() && stdout_terminal;
        View {
            format: args.format,
            quiet: args.quiet,
            statistics: args.statistics,
            diff: args.diff,
            min,
            color: terminal::color(args.color, terminal, &env),
            wrap: terminal::width(terminal, &env, &terminal::stdout_width),
            sarif_category: args.sarif_category.clone(),
        }
    }
}

/// The report to stdout, or with `--output-file` to that file, written atomically. `Err`: the
/// file and why it could not be written.
pub fn print_to<'p>(
    report: &CheckReport,
    view: &View,
    file: Option<&'p Path>,
    out: &mut Out,
) -> Result<(), (&'p Path, std::io::Error)> {
    let Some(path) = file else {
        print(report, view, out);
        return Ok(());
    };
    out.capture();
    print(report, view, out);
    let text = out.take_captured();
    crate::fsio::write_atomic(path, &text).map_err(|e| (path, e))
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
                out.json(&sarif::render(report, &view.sarif_category));
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
        let summary = human::summary(report);
        match view.wrap {
            Some(width) if view.format == CheckFormat::Human && !view.statistics => {
                out.text(&wrapped(&summary, width));
            }
            _ => out.text(&summary),
        }
    }
}

/// Each line of `text` wrapped at `width`, at spaces only (as the report's messages) and never
/// inside a `command`, so it can be copied whole.
fn wrapped(text: &str, width: usize) -> String {
    const KEEP: char = '\u{a0}';
    let options = textwrap::Options::new(width)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false);
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.lines() {
        let mut quoted = false;
        let held: String = line
            .chars()
            .map(|c| {
                quoted ^= c == '`';
                if quoted && c == ' ' { KEEP } else { c }
            })
            .collect();
        for piece in textwrap::wrap(&held, &options) {
            out.extend(piece.chars().map(|c| if c == KEEP { ' ' } else { c }));
            out.push('\n');
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_wraps_between_commands_not_inside() {
        let text = "Checked 1 policy file: 9 errors. 9 fixable with `iamtrim check --fix`.\n";
        assert_eq!(
            wrapped(text, 40),
            "Checked 1 policy file: 9 errors. 9\nfixable with `iamtrim check --fix`.\n"
        );
        // A command longer than the width stays whole, on its own line.
        assert_eq!(
            wrapped("run `iamtrim check --fix --unsafe-fixes` now\n", 20),
            "run\n`iamtrim check --fix --unsafe-fixes`\nnow\n"
        );
    }

    #[test]
    fn not_policies_names_three_then_counts() {
        let paths = |n: usize| -> Vec<std::path::PathBuf> {
            (1..=n).map(|i| format!("f{i}.json").into()).collect()
        };
        assert_eq!(
            not_policies(&paths(1)),
            "f1.json is not an IAM policy, template or Terraform file: nothing to check"
        );
        assert!(not_policies(&paths(3)).starts_with("f1.json, f2.json and f3.json are not"));
        assert!(
            not_policies(&paths(4)).starts_with("f1.json, f2.json, f3.json and 1 more are not")
        );
    }
}
