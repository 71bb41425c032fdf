//! The policy model over the span-keeping JSON tree, and the grammar checks (rule
//! `invalid-policy`). Statements with a broken `Effect` or action list reach the engine as
//! `Effect::Other` / `ActionKey::Missing`, which it never touches.

use super::json::{Kind, Member, Value};
use crate::catalog::ActionPattern;
use crate::diagnostic::Span;
use crate::refine::{ActionKey, Effect, StatementIn};
use std::collections::HashSet;

/// Where the policy document sits in the file: the file itself, or the AWS CLI's wrappers.
pub fn locate(root: &Value) -> Option<(&Value, &'static str)> {
    let is_policy = |v: &Value| v.as_object().is_some() && v.get("Statement").is_some();
    if is_policy(root) {
        return Some((root, ""));
    }
    if let Some(d) = root.get("PolicyDocument").filter(|v| is_policy(v)) {
        return Some((d, "/PolicyDocument"));
    }
    if let Some(d) = root
        .get("PolicyVersion")
        .and_then(|v| v.get("Document"))
        .filter(|v| is_policy(v))
    {
        return Some((d, "/PolicyVersion/Document"));
    }
    None
}

/// One action pattern and where it is.
#[derive(Debug, Clone)]
pub struct PatternAt {
    pub text: String,
    pub span: Span,
    /// A value the document's adapter cannot know statically (a template intrinsic, an
    /// interpolation): never judged, and its statement never reaches the engine. Always false in a
    /// JSON policy file.
    pub opaque: bool,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub span: Span,
    pub sid: Option<String>,
    pub input: StatementIn,
    /// The `Action`/`NotAction` member, when the statement has exactly one of them.
    pub action_key_span: Option<Span>,
    pub action_value_span: Option<Span>,
    pub action_is_string: bool,
    pub patterns: Vec<PatternAt>,
    /// The spans of `patterns`, once per statement (edits of one entry need its neighbours').
    pub pattern_spans: Vec<Span>,
    /// Why nobody can judge the statement statically (an intrinsic, a YAML alias), if so: it
    /// reaches the engine as one it never touches.
    pub sealed: Option<&'static str>,
    /// Where to say so, when not at its first opaque entry (an intrinsic `Effect`).
    pub sealed_at: Option<Span>,
}

/// A policy document read from its JSON tree.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The policy document's span (the whole file, or the object inside an AWS CLI wrapper).
    pub span: Span,
    pub statements: Vec<Stmt>,
    /// Span of the `Statement` key, for whole-policy findings.
    pub statement_key_span: Span,
    /// `Statement` is an array (a single object otherwise).
    pub statement_is_array: bool,
}

/// Why a statement with an intrinsic among its actions is not judged (adapters reword it).
pub const INTRINSIC_ACTION: &str =
    "an action is written with an intrinsic function, known only at deployment";
/// Why a statement whose `Effect` is an intrinsic is not judged.
pub const INTRINSIC_EFFECT: &str =
    "its `Effect` is written with an intrinsic function, known only at deployment";
/// Why a statement that is itself an intrinsic (other than `Fn::If`) is not judged.
pub const INTRINSIC_STATEMENT: &str =
    "the statement is written with an intrinsic function, known only at deployment";

/// Which values a policy's document may hold where IAM wants a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// A policy as IAM reads it.
    Iam,
    /// A policy inside a CloudFormation template: any value may be an intrinsic function
    /// (`{"Ref": ...}`, `{"Fn::Sub": ...}`, `{"Fn::If": ...}`), resolved at deployment.
    CloudFormation,
    /// A policy file that Terraform renders (`templatefile`, `file`): a string holding a
    /// template sequence (`${...}`) was made an opaque `{"Fn::Template": ...}` by the adapter.
    Template,
}

/// The key of a value the JSON adapter made opaque for a template sequence.
pub const TEMPLATE_KEY: &str = "Fn::Template";

impl Dialect {
    /// Whether `v` is a value known only later (at deployment, or when a template is rendered).
    fn opens(self, v: &Value) -> bool {
        match self {
            Dialect::Iam => false,
            Dialect::CloudFormation => is_intrinsic(v),
            Dialect::Template => matches!(v.as_object(), Some([m]) if m.key == TEMPLATE_KEY),
        }
    }
}

/// A CloudFormation intrinsic: an object of one member, `Ref` or `Fn::...`.
pub fn is_intrinsic(v: &Value) -> bool {
    matches!(v.as_object(), Some([m]) if m.key == "Ref" || m.key.starts_with("Fn::"))
}

/// A grammar problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub span: Span,
    pub message: String,
}

const TOP_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn issue(issues: &mut Vec<Issue>, span: &Span, message: impl Into<String>) {
    issues.push(Issue {
        span: span.clone(),
        message: message.into(),
    });
}

fn check_keys(members: &[Member], allowed: &[&str], what: &str, issues: &mut Vec<Issue>) {
    // A set, not a scan of the members before: an object of 30,000 keys stays linear.
    let mut seen: HashSet<&str> = HashSet::with_capacity(members.len());
    for m in members {
        if !seen.insert(m.key.as_str()) {
            issue(
                issues,
                &m.key_span,
                format!(
                    "duplicate key `{}` in {what}: IAM rejects the policy",
                    m.key
                ),
            );
        } else if !allowed.contains(&m.key.as_str()) {
            let hint = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&m.key))
                .map(|a| format!(" (did you mean `{a}`?)"))
                .unwrap_or_default();
            issue(
                issues,
                &m.key_span,
                format!("unknown key `{}` in {what}{hint}", m.key),
            );
        }
    }
}

/// A string or an array of strings; issues for anything else.
fn strings<'v>(
    v: &'v Value,
    what: &str,
    issues: &mut Vec<Issue>,
    dialect: Dialect,
) -> Option<Vec<&'v Value>> {
    let open = |v: &Value| dialect.opens(v);
    if open(v) {
        return Some(vec![v]);
    }
    match &v.kind {
        Kind::String(_) => Some(vec![v]),
        Kind::Array(items) => {
            let mut ok = true;
            for item in items {
                if item.as_str().is_none() && !open(item) {
                    issue(
                        issues,
                        &item.span,
                        format!("{what} entries must be strings, not {}", item.type_name()),
                    );
                    ok = false;
                }
            }
            ok.then(|| items.iter().collect())
        }
        _ => {
            issue(
                issues,
                &v.span,
                format!(
                    "{what} must be a string or an array of strings, not {}",
                    v.type_name()
                ),
            );
            None
        }
    }
}

/// Reads the document and checks its grammar.
pub fn read(doc: &Value) -> (Policy, Vec<Issue>) {
    read_in(doc, Dialect::Iam)
}

/// Reads the document, written in `dialect`, and checks its grammar.
pub fn read_in(doc: &Value, dialect: Dialect) -> (Policy, Vec<Issue>) {
    let open = |v: &Value| dialect.opens(v);
    let mut issues = Vec::new();
    let members = doc.as_object().unwrap_or_default();
    check_keys(members, TOP_KEYS, "the policy", &mut issues);
    if let Some(v) = doc.get("Version").filter(|v| !open(v)) {
        match v.as_str() {
            Some("2012-10-17" | "2008-10-17") => {}
            _ => issue(
                &mut issues,
                &v.span,
                "`Version` must be \"2012-10-17\" (or the legacy \"2008-10-17\")",
            ),
        }
    }
    let st = doc.member("Statement");
    let statement_key_span = st.map_or(doc.span.clone(), |m| m.key_span.clone());
    let (items, statement_is_array): (Vec<&Value>, bool) = match st.map(|m| &m.value.kind) {
        // A whole `Statement` known at deployment: one statement nobody can judge.
        Some(_) if open(&st.expect("matched").value) => (vec![&st.expect("matched").value], false),
        Some(Kind::Array(items)) => (items.iter().collect(), true),
        Some(Kind::Object(_)) => (vec![&st.expect("matched").value], false),
        Some(_) => {
            let v = &st.expect("matched").value;
            issue(
                &mut issues,
                &v.span,
                format!(
                    "`Statement` must be an object or an array of objects, not {}",
                    v.type_name()
                ),
            );
            (Vec::new(), true)
        }
        None => (Vec::new(), true),
    };
    let mut statements = Vec::new();
    let mut sids: HashSet<String> = HashSet::new();
    for item in items {
        statements.push(statement(item, &mut issues, &mut sids, dialect));
    }
    (
        Policy {
            span: doc.span.clone(),
            statements,
            statement_key_span,
            statement_is_array,
        },
        issues,
    )
}

fn statement(
    v: &Value,
    issues: &mut Vec<Issue>,
    sids: &mut HashSet<String>,
    dialect: Dialect,
) -> Stmt {
    let open = |v: &Value| dialect.opens(v);
    let mut stmt = Stmt {
        span: v.span.clone(),
        sid: None,
        input: StatementIn {
            effect: Effect::Other,
            key: ActionKey::Missing,
            patterns: Vec::new(),
        },
        action_key_span: None,
        action_value_span: None,
        action_is_string: false,
        patterns: Vec::new(),
        pattern_spans: Vec::new(),
        sealed: None,
        sealed_at: None,
    };
    if open(v) {
        // A statement under `Fn::If`: it may allow anything; one opaque entry seals it.
        let why = if v.get("Fn::If").is_some() {
            "the statement is under `Fn::If`, decided at deployment"
        } else {
            INTRINSIC_STATEMENT
        };
        return sealed(stmt, v, why);
    }
    let Some(members) = v.as_object() else {
        issue(
            issues,
            &v.span,
            format!("a statement must be an object, not {}", v.type_name()),
        );
        return stmt;
    };
    let before = issues.len();
    check_keys(members, STATEMENT_KEYS, "a statement", issues);
    let shape_ok = issues.len() == before;
    if let Some(sid) = v.get("Sid").filter(|v| !open(v)) {
        match sid.as_str() {
            Some(s) => {
                if !sids.insert(s.to_string()) {
                    issue(issues, &sid.span, format!("duplicate `Sid` \"{s}\""));
                }
                stmt.sid = Some(s.to_string());
            }
            None => issue(issues, &sid.span, "`Sid` must be a string"),
        }
    }
    let effect_open = v.get("Effect").is_some_and(open);
    let effect = match v.get("Effect") {
        // Known at deployment: it may be `Allow`, and the statement is sealed below.
        Some(_) if effect_open => Effect::Allow,
        None => {
            issue(issues, &v.span, "the statement has no `Effect`");
            Effect::Other
        }
        Some(e) => match e.as_str() {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => {
                issue(issues, &e.span, "`Effect` must be \"Allow\" or \"Deny\"");
                Effect::Other
            }
        },
    };
    for (a, b) in [("Resource", "NotResource"), ("Principal", "NotPrincipal")] {
        if let (Some(_), Some(m)) = (v.member(a), v.member(b)) {
            issue(
                issues,
                &m.key_span,
                format!("a statement takes `{a}` or `{b}`, not both"),
            );
        }
    }
    for key in ["Resource", "NotResource"] {
        if let Some(r) = v.get(key) {
            strings(r, &format!("`{key}`"), issues, dialect);
        }
    }
    for key in ["Principal", "NotPrincipal"] {
        if let Some(p) = v.get(key) {
            principal(p, key, issues, dialect);
        }
    }
    if let Some(c) = v.get("Condition") {
        condition(c, issues, dialect);
    }
    let (action, not_action) = (v.member("Action"), v.member("NotAction"));
    let (key, member) = match (action, not_action) {
        (Some(m), None) => (ActionKey::Action, m),
        (None, Some(m)) => (ActionKey::NotAction, m),
        (Some(_), Some(m)) => {
            issue(
                issues,
                &m.key_span,
                "a statement takes `Action` or `NotAction`, not both",
            );
            return stmt;
        }
        (None, None) => {
            issue(
                issues,
                &v.span,
                "the statement has neither `Action` nor `NotAction`",
            );
            return stmt;
        }
    };
    let name = if key == ActionKey::Action {
        "`Action`"
    } else {
        "`NotAction`"
    };
    let Some(values) = strings(&member.value, name, issues, dialect) else {
        return stmt;
    };
    let mut patterns_ok = true;
    for p in &values {
        if open(p) {
            // Its value is known at deployment: kept as written, never judged.
            stmt.patterns.push(PatternAt {
                text: String::new(),
                span: p.span.clone(),
                opaque: true,
            });
            continue;
        }
        let text = p.as_str().unwrap_or_default();
        if ActionPattern::parse(text).is_none() {
            issue(
                issues,
                &p.span,
                format!(
                    "\"{text}\" is not an action: expected \"service:action\" (wildcards allowed) or \"*\""
                ),
            );
            patterns_ok = false;
        }
        stmt.patterns.push(PatternAt {
            text: text.to_string(),
            span: p.span.clone(),
            opaque: false,
        });
    }
    if member.value.as_array().is_some_and(<[Value]>::is_empty) {
        issue(issues, &member.value.span, format!("{name} is empty"));
        patterns_ok = false;
    }
    stmt.pattern_spans = stmt.patterns.iter().map(|p| p.span.clone()).collect();
    stmt.action_key_span = Some(member.key_span.clone());
    stmt.action_value_span = Some(member.value.span.clone());
    stmt.action_is_string = member.value.as_str().is_some();
    // The engine touches only statements whose shape is sound.
    if shape_ok && patterns_ok {
        stmt.input = StatementIn {
            effect,
            key,
            patterns: stmt.patterns.iter().map(|p| p.text.clone()).collect(),
        };
    }
    if effect_open {
        stmt.sealed_at = v.get("Effect").map(|e| e.span.clone());
        return sealed(stmt, v, INTRINSIC_EFFECT);
    }
    if stmt.patterns.iter().any(|p| p.opaque) {
        stmt.sealed = Some(INTRINSIC_ACTION);
    }
    stmt
}

/// `stmt` marked as one nobody can judge statically: an `Allow` (it may be one) whose entries are
/// all opaque, with one opaque entry at `v` when it has none; the document layer seals it.
fn sealed(mut stmt: Stmt, v: &Value, why: &'static str) -> Stmt {
    stmt.sealed = Some(why);
    stmt.input = StatementIn {
        effect: Effect::Allow,
        key: ActionKey::Missing,
        patterns: Vec::new(),
    };
    if stmt.patterns.is_empty() {
        stmt.patterns.push(PatternAt {
            text: String::new(),
            span: v.span.clone(),
            opaque: true,
        });
        stmt.pattern_spans = vec![v.span.clone()];
    }
    for p in &mut stmt.patterns {
        p.opaque = true;
    }
    stmt
}

fn principal(p: &Value, key: &str, issues: &mut Vec<Issue>, dialect: Dialect) {
    if dialect.opens(p) {
        return;
    }
    match &p.kind {
        Kind::String(s) if s == "*" => {}
        Kind::Object(members) => {
            for m in members {
                if !["AWS", "Service", "Federated", "CanonicalUser"].contains(&m.key.as_str()) {
                    issue(
                        issues,
                        &m.key_span,
                        format!("unknown principal type `{}` in `{key}`", m.key),
                    );
                }
                strings(&m.value, &format!("`{key}.{}`", m.key), issues, dialect);
            }
        }
        _ => issue(
            issues,
            &p.span,
            format!("`{key}` must be \"*\" or an object such as {{\"AWS\": [...]}}"),
        ),
    }
}

fn condition(c: &Value, issues: &mut Vec<Issue>, dialect: Dialect) {
    let open = |v: &Value| dialect.opens(v);
    if open(c) {
        return;
    }
    let Some(ops) = c.as_object() else {
        issue(
            issues,
            &c.span,
            "`Condition` must be an object of operators",
        );
        return;
    };
    for op in ops {
        if open(&op.value) {
            continue;
        }
        let Some(keys) = op.value.as_object() else {
            issue(
                issues,
                &op.value.span,
                format!("condition operator `{}` must map keys to values", op.key),
            );
            continue;
        };
        for k in keys {
            let scalar = |v: &Value| {
                matches!(v.kind, Kind::String(_) | Kind::Bool(_) | Kind::Number(_)) || open(v)
            };
            let ok = scalar(&k.value) || k.value.as_array().is_some_and(|a| a.iter().all(scalar));
            if !ok {
                issue(
                    issues,
                    &k.value.span,
                    format!(
                        "condition value for `{}` must be a string, number, boolean or an array of them",
                        k.key
                    ),
                );
            }
        }
    }
}
