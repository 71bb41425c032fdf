//! iamtrim's own diagnostic types (miette's stay in `output/`): a finding with one primary span,
//! and fixes as byte edits on the original text.

use std::ops::Range;

pub type Span = Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How far a fix may be trusted (ruff's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Shown, never applied (e.g. "detach this policy").
    DisplayOnly,
    /// Applied with `--unsafe-fixes`.
    Unsafe,
    /// Applied with `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace `span` of the original text with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// One problem, at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The primary location: a byte range of the file's text.
    pub span: Span,
    /// A short label drawn under the span.
    pub label: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The principals whose evidence the finding rests on.
    pub principals: Vec<String>,
    /// Which policy of a template the finding is in (`None` in a policy file: the file is one).
    pub policy: Option<PolicyRef>,
    /// The statement the finding lies in, if it lies in one.
    pub statement: Option<StatementRef>,
}

/// A statement, as suppressions and the baseline name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// Its index in the policy's `Statement` list (0-based, as in a JSON pointer).
    pub index: usize,
    pub sid: Option<String>,
    /// A digest of its text without whitespace: the same wherever the statement moves, another
    /// once it is edited.
    pub digest: u64,
}

/// FNV-1a of `text` without its ASCII whitespace.
pub fn squeezed_digest(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A template's policy, for people and for the JSON report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    /// Its JSON pointer in the template.
    pub location: String,
    /// `AppRole policy "root"`.
    pub name: String,
    /// How it was bound to its principals: `bind-resource` (a `file#LogicalId` bind), `role-name`
    /// (its role's literal `RoleName`), `stack-resources` (its stack's address book),
    /// `generated-name` (the name CloudFormation generated for its role), `terraform-role` (its
    /// Terraform role's literal `name`), `terraform-name-pattern` (the one role of the snapshot
    /// whose name fits its role's `name_prefix` or interpolated `name`), `bind` (a bind of the
    /// whole file), `recommendation`; `None`: unbound, or no snapshot.
    pub bound_by: Option<&'static str>,
}

impl Finding {
    /// A finding with its one primary location; the rest is added with the `with_` methods.
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            fix: None,
            principals: Vec::new(),
            policy: None,
            statement: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Finding {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }

    pub fn principals(mut self, principals: Vec<String>) -> Finding {
        self.principals = principals;
        self
    }
}
