//! Everything iamtrim prints goes through here.

pub mod concise;
pub mod diff;
pub mod escape;
pub mod github;
pub mod human;
pub mod json;
pub mod position;
pub mod report;
pub mod sarif;
mod source;
pub mod terminal;
pub mod view;

use crate::cli::CheckFormat;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Standard output and error, buffered; tests and `main` share it.
pub struct Out {
    stdout: Box<dyn Write>,
    stderr: Box<dyn Write>,
    /// While the report is being captured (`--output-file`), what would go to stdout.
    captured: Option<Vec<u8>>,
    /// `--quiet`: no notes.
    quiet: bool,
    /// `check --format sarif|github [--output-file FILE]`: a fatal error is also written as that
    /// format's report, where the report would have gone.
    fatal_report: Option<FatalReport>,
}

/// How a fatal error is also reported (see [`Out::report_fatal_as`]).
pub struct FatalReport {
    pub format: CheckFormat,
    pub file: Option<PathBuf>,
    /// `--sarif-category`.
    pub category: String,
}

/// Where in a file a fatal error is: the path as shown, its text and a byte range in it.
pub struct FatalAt<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub span: std::ops::Range<usize>,
}

impl Out {
    pub fn new(stdout: Box<dyn Write>, stderr: Box<dyn Write>) -> Out {
        Out {
            stdout,
            stderr,
            captured: None,
            quiet: false,
            fatal_report: None,
        }
    }

    /// A fatal error from now on is also written in `format` (SARIF or GitHub workflow commands;
    /// the other formats have none), to `file` or stdout: a workflow's upload or annotation step
    /// then reads a valid report that says the run failed, not an empty file.
    pub fn report_fatal_as(&mut self, report: FatalReport) {
        self.fatal_report =
            matches!(report.format, CheckFormat::Sarif | CheckFormat::Github).then_some(report);
    }

    /// Notes are dropped from now on (errors are still shown).
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// What is written for stdout goes to a buffer until [`Out::take_captured`].
    pub fn capture(&mut self) {
        self.captured = Some(Vec::new());
    }

    /// The captured text; stdout is stdout again.
    pub fn take_captured(&mut self) -> Vec<u8> {
        self.captured.take().unwrap_or_default()
    }

    fn sink(&mut self) -> &mut dyn Write {
        match &mut self.captured {
            Some(buffer) => buffer,
            None => &mut self.stdout,
        }
    }

    pub fn stdio() -> Out {
        Out::new(
            Box::new(std::io::BufWriter::new(std::io::stdout())),
            Box::new(std::io::stderr()),
        )
    }

    /// Pretty JSON (two-space indent) and a final newline, written as it is serialized.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        let f = escape::JsonFormatter(serde_json::ser::PrettyFormatter::with_indent(b"  "));
        let sink = self.sink();
        let _ = value.serialize(&mut serde_json::Serializer::with_formatter(&mut *sink, f));
        let _ = writeln!(sink);
    }

    /// Lines of plain text, their control characters escaped (they may quote input); an entry
    /// may hold several lines.
    pub fn lines(&mut self, lines: &[String]) {
        for entry in lines {
            for l in entry.split('\n') {
                let _ = writeln!(self.sink(), "{}", escape::line(l));
            }
        }
    }

    /// Text as it is (it carries its own final newline): whoever made it escaped what came from
    /// input.
    pub fn text(&mut self, text: &str) {
        let _ = self.sink().write_all(text.as_bytes());
    }

    /// Text as it is, on stderr (a `--diff` beside a SARIF or GitHub report).
    pub fn text_to_stderr(&mut self, text: &str) {
        let _ = self.stderr.write_all(text.as_bytes());
    }

    /// A note for the person at the terminal, on stderr.
    pub fn note(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        let _ = writeln!(self.stderr, "note: {}", escape::line(text));
    }

    /// A non-fatal error for one file (the run goes on).
    pub fn error(&mut self, text: &str) {
        let _ = writeln!(self.stderr, "error: {}", escape::line(text));
    }

    /// A fatal error, rendered by miette (plain when not a terminal or with NO_COLOR); with
    /// [`Out::report_fatal_as`], also as a report. `exit_code`: the one the process ends with.
    pub fn fatal(&mut self, message: &str, help: Option<&str>, exit_code: u8) {
        let mut diag = miette::MietteDiagnostic::new(escape::line(message));
        if let Some(h) = help {
            diag = diag.with_help(escape::line(h));
        }
        let report = miette::Report::new(diag);
        let _ = writeln!(self.stderr, "{report:?}");
        self.fatal_as_report(message, help, None, exit_code);
    }

    /// A fatal error at a place in a file: miette draws the source with a label.
    pub fn fatal_at(&mut self, message: &str, at: FatalAt<'_>, help: Option<&str>, exit_code: u8) {
        let shown = escape::text(at.text);
        let mut diag = miette::MietteDiagnostic::new(escape::line(message))
            .with_label(miette::LabeledSpan::at(shown.span(&at.span), "here"));
        if let Some(h) = help {
            diag = diag.with_help(escape::line(h));
        }
        let report = miette::Report::new(diag).with_source_code(miette::NamedSource::new(
            escape::line(at.path),
            shown.text.into_owned(),
        ));
        let _ = writeln!(self.stderr, "{report:?}");
        self.fatal_as_report(message, help, Some(at), exit_code);
    }

    fn fatal_as_report(
        &mut self,
        message: &str,
        help: Option<&str>,
        at: Option<FatalAt<'_>>,
        exit_code: u8,
    ) {
        let Some(FatalReport {
            format,
            file,
            category,
        }) = self.fatal_report.take()
        else {
            return;
        };
        // The path as the repository knows it: below the current folder (the checkout's root in a
        // workflow), relative to it.
        let cwd = std::env::current_dir().unwrap_or_default();
        let relative = at.as_ref().map(|a| {
            Path::new(a.path)
                .strip_prefix(&cwd)
                .ok()
                .and_then(|p| p.to_str())
                .map_or(a.path.to_string(), |p| p.replace('\\', "/"))
        });
        let at = at
            .zip(relative.as_deref())
            .map(|(a, path)| FatalAt { path, ..a });
        if file.is_some() {
            self.capture();
        }
        match format {
            CheckFormat::Sarif => {
                let log = sarif::fatal(message, help, at.as_ref(), exit_code, &category);
                self.json(&log)
            }
            _ => self.text(&github::fatal(message, help, at.as_ref())),
        }
        if let Some(path) = file {
            let text = self.take_captured();
            if let Err(e) = crate::fsio::write_atomic(&path, &text) {
                self.error(&format!("cannot write {}: {e}", path.display()));
            }
        }
    }

    pub fn flush(&mut self) {
        let _ = self.stdout.flush();
        let _ = self.stderr.flush();
    }
}

/// What AWS's GetFindingRecommendation would answer for this policy.
pub fn aws_recommendation(
    principal: Option<&str>,
    policy_id: &str,
    detach: bool,
    changed: bool,
    refined: &Value,
) -> Value {
    let mut steps = Vec::new();
    if changed && !detach {
        steps.push(json!({"unusedPermissionsRecommendedStep": {
            "recommendedAction": "CREATE_POLICY",
            "recommendedPolicy": serde_json::to_string(refined).unwrap_or_default(),
            "existingPolicyId": policy_id,
        }}));
    }
    if changed {
        steps.push(json!({"unusedPermissionsRecommendedStep": {
            "recommendedAction": "DETACH_POLICY",
            "existingPolicyId": policy_id,
        }}));
    }
    let mut answer = json!({
        "recommendedSteps": steps,
        "status": "SUCCEEDED",
        "recommendationType": "UnusedPermissionRecommendation",
    });
    if let Some(p) = principal {
        answer["resourceArn"] = json!(p);
    }
    answer
}
