//! The document layer: one adapter per format turns a file's text into the policies it holds, each
//! at a symbolic location, and turns the rules' policy edits back into byte edits in the
//! document's own style. The core above it (lint, rules, fix loop, verifier, history) never parses
//! a format itself, so a template holding many policies, or values only known at deploy time, needs
//! a new adapter and nothing else.

pub(crate) mod cfn;
mod json;
mod json_edits;
mod serverless;
mod terraform;
pub(crate) mod yaml;
mod yaml_edits;
pub(crate) mod yaml_fast;

use crate::diagnostic::{Edit, Span};
use crate::policy::model::{Issue, Policy};
use crate::refine::{ActionKey, StatementIn};

/// What decides which files are policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `include` named the file: it must be a policy.
    Policy,
    /// Any JSON file: a policy if it looks like one, skipped otherwise.
    Detect,
}

/// The formats an adapter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// A policy document, or the AWS CLI's `get-policy-version` / `get-role-policy` output.
    Json,
    /// A CloudFormation (or SAM, or CDK output) template in JSON.
    CloudFormationJson,
    /// Terraform's JSON syntax (`.tf.json`).
    TerraformJson,
}

/// Something a document says that iamtrim leaves to deployment: a SAM policy template, a managed
/// policy a SAM function names (rule `not-judged`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    pub(crate) span: Span,
    pub(crate) message: String,
    /// What the underline says: where the policy really is.
    pub(crate) label: &'static str,
}

/// What the document itself says about whom its policies belong to (bindings come from the config
/// first). Empty for JSON policy files; templates name roles and resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// A literal role name the template gives the policy's role.
    pub role_name: Option<String>,
    /// The template's logical id (CloudFormation) or address (Terraform) of the resource.
    pub logical_id: Option<String>,
    /// The logical ids of the roles a policy resource attaches to (`Roles: [{"Ref": "X"}]`).
    pub roles: Vec<String>,
    /// The literal role names of those roles (or a `RolePolicy`'s literal `RoleName`).
    pub role_names: Vec<String>,
    /// The CDK construct path (`Metadata.aws:cdk:path`): the template is generated, never fixed.
    pub construct: Option<String>,
    /// The stack or module the resource belongs to.
    pub stack: Option<String>,
    /// Read from Terraform: its literal role names bind as `terraform-role`.
    pub terraform: bool,
    /// Terraform: the policy also reaches principals other than `roles` (a user, a group, a
    /// role by literal name), so an address book of `roles` alone cannot bind it.
    pub reaches_others: bool,
    /// Terraform: the roles of the policy by their names or the patterns of their names
    /// (`name_prefix`, an interpolated `name`), when some have only a pattern (binding step 4).
    pub name_patterns: Vec<NamePattern>,
    /// Terraform: the roles the module's caller gives (`var.role_name`), bound only by a `[[bind]]`.
    pub caller_roles: Vec<String>,
    /// Terraform: a file of the policy's module that does not read or parse; what it attaches
    /// the policy to is unknown, so the HCL binds it to nothing.
    pub unreadable_module_file: Option<String>,
}

/// One policy of a document.
#[derive(Debug, Clone)]
pub struct PolicyAt {
    /// Where it sits in the document, as a JSON pointer (`""` for a plain policy file,
    /// `/PolicyVersion/Document` inside the AWS CLI's wrapper) or an adapter's address. Stable
    /// across edits: the fix loop, the verifier and history pair policies by it.
    pub location: String,
    /// For people: "policy" for a plain file, else its location.
    pub name: String,
    pub hints: Hints,
    /// Statements, entries and their byte spans in the document's text.
    pub policy: Policy,
    /// Its grammar problems (rule `invalid-policy`).
    pub issues: Vec<Issue>,
}

/// Why a document that must be a policy could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The text does not parse; the parser's message.
    Syntax(String),
    /// It parses, and holds no policy.
    NoPolicy,
}

/// A document that is meant to be a policy and is not: the `invalid-policy` finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) span: Span,
    pub(crate) message: String,
    pub(crate) cause: Cause,
}

/// What reading a document gave.
#[derive(Debug)]
pub(crate) enum Read<'t> {
    /// Not a policy document (and not expected to be): skipped.
    NotPolicy,
    Invalid(Invalid),
    Document(Document<'t>),
}

/// The adapter's own tree, kept for rendering edits and for the verifier's comparison.
#[derive(Debug)]
enum Tree {
    Json(crate::policy::json::Value),
    /// A CloudFormation/SAM template, or a Serverless Framework service (whose policies are
    /// statement lists, read as documents).
    Yaml {
        yaml: std::sync::Arc<yaml::Yaml>,
        serverless: bool,
    },
    /// A Terraform file: each policy's style (document blocks, `jsonencode`, heredoc JSON).
    Terraform(terraform::Tf),
}

/// A document read by its adapter: the text, and the policies in it in document order.
#[derive(Debug)]
pub(crate) struct Document<'t> {
    text: &'t str,
    tree: std::sync::Arc<Tree>,
    pub(crate) policies: Vec<PolicyAt>,
    /// What the document leaves to deployment, outside its policies.
    pub(crate) notes: Vec<Note>,
}

/// A change to one policy, by statement and entry index within it (`PolicyAt::policy`); the
/// adapter decides how it looks in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyEdit {
    /// Drop entry `entry` of the statement's action list.
    RemoveEntry { statement: usize, entry: usize },
    /// Put several patterns where entry `entry` is (one stays a plain value where it was one).
    ReplaceEntry {
        statement: usize,
        entry: usize,
        with: Vec<String>,
    },
    /// Add patterns after the last entry of the statement's `NotAction`.
    AppendNotAction { statement: usize, with: Vec<String> },
    /// Drop the whole statement.
    RemoveStatement { statement: usize },
}

/// The rest of a policy as the adapter sees it, whitespace dropped: what a fix must not change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The policy's members other than its statements.
    pub(crate) top: String,
    /// Each statement's members other than its action list, in statement order.
    pub(crate) statements: Vec<String>,
}

/// The format of a parsed JSON text, told by its content: a CloudFormation template, or else a
/// policy file.
pub(crate) fn detect(root: &crate::policy::json::Value) -> Format {
    if cfn::is_template(root) {
        Format::CloudFormationJson
    } else if terraform::is_tf_json(root) {
        Format::TerraformJson
    } else {
        Format::Json
    }
}

/// Whether a text that is not JSON may be a template worth parsing as YAML: CloudFormation needs
/// `Resources`, Serverless a `provider`. Other YAML (workflows, manifests) is never parsed.
fn may_be_yaml_template(text: &str) -> bool {
    text.contains("Resources") || text.contains("provider")
}

/// Whether a text that does not parse as YAML claims to be a template: then its syntax error is
/// ours to report.
fn claims_template(text: &str) -> bool {
    [
        "AWSTemplateFormatVersion",
        "AWS::IAM::",
        "AWS::Serverless",
        "iamRoleStatements",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Reads a document, its format told by its content (the text parsed once): JSON where it starts
/// as JSON does, else YAML when it may be a template.
pub(crate) fn read(text: &str, expect: Expect) -> Read<'_> {
    let cached = LAST_READ.with(|last| match &*last.borrow() {
        Some((t, e, m)) if *e == expect && **t == *text => Some(m.clone()),
        _ => None,
    });
    if let Some(m) = cached {
        return m.read(text);
    }
    let read = read_uncached(text, expect);
    let memo = Memo::of(&read);
    LAST_READ.with(|last| *last.borrow_mut() = Some((text.into(), expect, memo)));
    read
}

/// What [`read`] gave, without the text it borrows.
#[derive(Clone)]
enum Memo {
    NotPolicy,
    Invalid(Invalid),
    Document {
        tree: std::sync::Arc<Tree>,
        policies: Vec<PolicyAt>,
        notes: Vec<Note>,
    },
}

impl Memo {
    fn of(read: &Read<'_>) -> Memo {
        match read {
            Read::NotPolicy => Memo::NotPolicy,
            Read::Invalid(i) => Memo::Invalid(i.clone()),
            Read::Document(d) => Memo::Document {
                tree: d.tree.clone(),
                policies: d.policies.clone(),
                notes: d.notes.clone(),
            },
        }
    }

    fn read(self, text: &str) -> Read<'_> {
        match self {
            Memo::NotPolicy => Read::NotPolicy,
            Memo::Invalid(i) => Read::Invalid(i),
            Memo::Document {
                tree,
                policies,
                notes,
            } => Read::Document(Document {
                text,
                tree,
                policies,
                notes,
            }),
        }
    }
}

/// A text, how it was read, and what it held.
type LastRead = Option<(Box<str>, Expect, Memo)>;

thread_local! {
    /// The last text this thread read, and what it held: `check` reads a file for its evidence,
    /// then to lint it, and the parse is most of a pre-commit run's time on a template. Not
    /// freed when the thread ends (the process is about to: freeing a large template's tree was
    /// a tenth of a pre-commit run).
    static LAST_READ: std::mem::ManuallyDrop<std::cell::RefCell<LastRead>> =
        const { std::mem::ManuallyDrop::new(std::cell::RefCell::new(None)) };
}

fn read_uncached(text: &str, expect: Expect) -> Read<'_> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    let json_like = body.starts_with(['{', '[']);
    let mut read = if !json_like && terraform::looks_hcl(text) {
        read_terraform(text)
    } else if !json_like && (expect == Expect::Policy || may_be_yaml_template(text)) {
        read_yaml(text, expect)
    } else {
        read_json(text, expect)
    };
    if let Read::Document(doc) = &mut read {
        for at in &mut doc.policies {
            seal(&mut at.policy);
        }
    }
    read
}

fn read_json(text: &str, expect: Expect) -> Read<'_> {
    match crate::policy::json::parse(text) {
        Ok(root) => match detect(&root) {
            Format::CloudFormationJson => cfn::read(text, root),
            Format::TerraformJson => {
                let r = terraform::read_json(text, &root, &[]);
                if r.policies.is_empty() && r.notes.is_empty() {
                    return Read::NotPolicy;
                }
                Read::Document(Document {
                    text,
                    tree: std::sync::Arc::new(Tree::Terraform(r.tf)),
                    policies: r.policies,
                    notes: r.notes,
                })
            }
            Format::Json => json::read_tree(text, root, expect),
        },
        Err(e) => json::not_json(text, e, expect),
    }
}

/// A Terraform text: its policies, or nothing when it has none (a syntax error is ours to report
/// when it claims IAM resources).
fn read_terraform(text: &str) -> Read<'_> {
    match terraform::read(text) {
        Ok(r) if !r.policies.is_empty() || !r.notes.is_empty() => Read::Document(Document {
            text,
            tree: std::sync::Arc::new(Tree::Terraform(r.tf)),
            policies: r.policies,
            notes: r.notes,
        }),
        Err(e) if terraform::claims_iam(text) => Read::Invalid(Invalid {
            span: e.span,
            message: format!("invalid HCL: {}", e.message),
            cause: Cause::Syntax(e.message),
        }),
        Ok(_) | Err(_) => Read::NotPolicy,
    }
}

/// What a `.tf` file tells the other files of its module (read once per file and run).
pub(crate) use terraform::Module as TfModule;
pub use terraform::names::{Form as NameForm, NamePattern};

/// What a module's `.tf` files say about the policy at `address`: its role names and how it
/// binds, as for a policy written in the HCL (the JSON file a `file()` policy loads).
pub(crate) fn terraform_hints(modules: &[&TfModule], addresses: &[&str]) -> Vec<Hints> {
    terraform::module_hints(modules, addresses)
}

/// The policies of a Terraform text with their hints from the whole module: the text and the
/// other `.tf` files of its folder (`siblings`), whose references bind them too. Empty for a
/// text that is no Terraform or does not parse.
pub(crate) fn terraform_in_module(text: &str, siblings: &[&TfModule]) -> Vec<PolicyAt> {
    if !terraform::looks_hcl(text) {
        return Vec::new();
    }
    terraform::read_in_module(text, siblings).map_or_else(|_| Vec::new(), |r| r.policies)
}

/// The policies of a text in Terraform's JSON syntax with their hints from the whole module (as
/// `terraform_in_module`).
pub(crate) fn terraform_json_in_module(text: &str, siblings: &[&TfModule]) -> Vec<PolicyAt> {
    match crate::policy::json::parse(text) {
        Ok(root) if terraform::is_tf_json(&root) => {
            terraform::read_json(text, &root, siblings).policies
        }
        _ => Vec::new(),
    }
}

/// A YAML text read into its policies (before the document borrows the text).
#[derive(Debug, Clone)]
struct YamlRead {
    yaml: std::sync::Arc<yaml::Yaml>,
    policies: Vec<PolicyAt>,
    notes: Vec<Note>,
    serverless: bool,
}

/// What a YAML text holds: its policies, `None` when it is no template or service.
fn yaml_policies(text: &str) -> Result<Option<YamlRead>, crate::policy::json::ParseError> {
    let y = yaml::parse(text)?;
    let (mut policies, notes, serverless) = if cfn::is_template(&y.root) {
        let (p, n) = cfn::policies(&y.root);
        (p, n, false)
    } else if serverless::is_service(&y.root) {
        (serverless::policies(&y.root), Vec::new(), true)
    } else {
        return Ok(None);
    };
    // An action list that an alias repeats (or copies) is one edit away from changing another
    // place: nobody judges it.
    for at in &mut policies {
        for stmt in &mut at.policy.statements {
            let span = stmt.action_value_span.clone().unwrap_or(stmt.span.clone());
            if y.is_shared(&span) {
                for p in &mut stmt.patterns {
                    p.opaque = true;
                }
                if stmt.patterns.is_empty() {
                    stmt.patterns.push(crate::policy::model::PatternAt {
                        text: String::new(),
                        span: stmt.span.clone(),
                        opaque: true,
                    });
                    stmt.pattern_spans = vec![stmt.span.clone()];
                }
                stmt.sealed = Some(
                    "its actions are repeated by a YAML alias: an edit here would change them there too",
                );
            }
        }
    }
    Ok(Some(YamlRead {
        yaml: std::sync::Arc::new(y),
        policies,
        notes,
        serverless,
    }))
}

fn read_yaml(text: &str, expect: Expect) -> Read<'_> {
    let r = match yaml_policies(text) {
        Ok(Some(r)) => r,
        Err(e) if claims_template(text) => {
            return Read::Invalid(Invalid {
                span: e.span,
                message: format!("invalid YAML: {}", e.message),
                cause: Cause::Syntax(e.message),
            });
        }
        // YAML, and no template: a file `include` names must be one.
        Ok(None) if expect == Expect::Policy => {
            let at = text.len()
                - text
                    .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
                    .len();
            // The first character, whole: the text may start with a multi-byte one.
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            return Read::Invalid(Invalid {
                span: at..end,
                message: "not an IAM policy or template: a YAML file without `Resources` of `Type: AWS::...` (CloudFormation, SAM) or `service` and `provider` (Serverless Framework)".to_string(),
                cause: Cause::NoPolicy,
            });
        }
        // Not a template we can tell: as a JSON text would be.
        Ok(None) | Err(_) => return read_json(text, expect),
    };
    if r.policies.is_empty() && r.notes.is_empty() {
        return Read::NotPolicy;
    }
    Read::Document(Document {
        text,
        tree: std::sync::Arc::new(Tree::Yaml {
            yaml: r.yaml,
            serverless: r.serverless,
        }),
        policies: r.policies,
        notes: r.notes,
    })
}

/// A statement with an opaque entry allows what nobody can tell statically: it reaches the engine
/// as one it never touches, whatever the adapter built.
fn seal(policy: &mut Policy) {
    for stmt in &mut policy.statements {
        if stmt.patterns.iter().any(|p| p.opaque) {
            stmt.input = StatementIn {
                effect: stmt.input.effect,
                key: ActionKey::Missing,
                patterns: Vec::new(),
            };
        }
    }
}

impl Document<'_> {
    pub(crate) fn text(&self) -> &str {
        self.text
    }

    /// The byte edit that makes `edit` to policy `at`, in the document's style; `None` when the
    /// document cannot express it (a statement that is not in a list cannot be removed alone).
    pub(crate) fn render(&self, at: &PolicyAt, edit: &PolicyEdit) -> Option<Edit> {
        match &*self.tree {
            Tree::Json(_) => json::render(self.text, &at.policy, edit),
            Tree::Yaml { yaml, .. } => yaml_edits::render(self.text, yaml, &at.policy, edit),
            Tree::Terraform(tf) => tf.render(self.text, at, edit),
        }
    }

    /// What of policy `at` (one of this document's) a fix must leave as it is.
    pub(crate) fn frame(&self, at: &PolicyAt) -> Frame {
        match &*self.tree {
            Tree::Json(root) => json::frame(self.text, root.pointer(&at.location), at),
            Tree::Yaml {
                yaml,
                serverless: false,
            } => json::frame(self.text, yaml.root.pointer(&at.location), at),
            Tree::Yaml {
                yaml,
                serverless: true,
            } => {
                let doc = serverless::document_at(&yaml.root, &at.location);
                json::frame(self.text, doc.as_ref(), at)
            }
            Tree::Terraform(tf) => tf.frame(at),
        }
    }
}

#[cfg(test)]
mod tests;
