//! Whom a file's policies belong to, from the HCL itself: `aws_iam_role_policy.role`,
//! `aws_iam_role_policy_attachment { role, policy_arn }`, an `aws_iam_role`'s `inline_policy`
//! and `managed_policy_arns`, and the `data.aws_iam_policy_document.D.json` any of them (or an
//! `aws_iam_policy`) names. A role binds by its literal `name`; a policy binds by names only when
//! every principal it reaches is a role with one (evidence for some would judge the others' use).

use super::Hints;
use super::convert::{literal, reference};
use super::names::{Form, NamePattern};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use std::collections::HashMap;

/// What a policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A role of this file, by address (`aws_iam_role.app`).
    Role(String),
    /// A role by its literal name (`role = "MyRole"`).
    RoleName(String),
    /// A role the module's caller gives (`role = var.role_name`): only a `[[bind]]` knows it.
    Caller(String),
    /// A user, a group, or a role only Terraform knows: no binding by names.
    Other,
}

/// The file's attachments: policy address -> targets; a document's address -> the
/// `aws_iam_policy` addresses, and the documents merging it (`source_policy_documents`,
/// `override_policy_documents`), that carry it.
#[derive(Debug, Default)]
pub(super) struct Graph {
    /// Each role's literal `name`, by address.
    roles: HashMap<String, Option<String>>,
    attached: Vec<(String, Target)>,
    carried: Vec<(String, String)>,
    /// The documents a role's `assume_role_policy` names: trust policies, not ours.
    trust: Vec<String>,
    /// Each role without a literal `name` that a pattern names (`name_prefix`, an interpolated
    /// `name`), by address.
    patterns: HashMap<String, Form>,
    /// Each document's statement `sid`s as Terraform exports them, by address; `None` where
    /// the HCL does not tell (a `dynamic` statement, a `sid` that is an expression, merges of
    /// its own).
    sids: HashMap<String, Option<Vec<String>>>,
    /// The files of the module that do not read or parse: what they attach is unknown.
    unreadable: Vec<String>,
}

/// An attribute's value, as binding reads it (HCL or Terraform's JSON syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Val {
    /// A string literal.
    Literal(String),
    /// A reference (`aws_iam_role.app.name`: its root and attribute names).
    Ref(Vec<String>),
    List(Vec<Val>),
    /// An interpolated string with literal pieces (`"${var.env}-app"`).
    Template(Form),
    /// Anything else (a function call, a conditional, an interpolation).
    Other,
}

impl Val {
    /// An HCL expression.
    pub(super) fn of_hcl(e: &Expression) -> Val {
        if let Some(l) = literal(e) {
            return Val::Literal(l.to_string());
        }
        if let Some(r) = reference(e) {
            return Val::Ref(r.into_iter().map(str::to_string).collect());
        }
        if let Some(f) = Form::of_template(e) {
            return Val::Template(f);
        }
        match e {
            Expression::Array(a) => Val::List(a.iter().map(Val::of_hcl).collect()),
            _ => Val::Other,
        }
    }

    fn reference(&self) -> Option<Vec<&str>> {
        match self {
            Val::Ref(r) => Some(r.iter().map(String::as_str).collect()),
            _ => None,
        }
    }
}

/// A resource block, as binding reads it.
#[derive(Debug)]
pub(super) struct Resource {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) attrs: Vec<(String, Val)>,
    /// An `aws_iam_role`'s `inline_policy` blocks: each one's `policy`, if it has one.
    pub(super) inline: Vec<Option<Val>>,
}

impl Resource {
    fn attr(&self, k: &str) -> Option<&Val> {
        self.attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
}

/// The resource blocks of HCL bodies.
fn hcl_resources(bodies: &[&Body]) -> Vec<Resource> {
    bodies
        .iter()
        .flat_map(|b| b.blocks())
        .filter(|b| b.ident.value().as_str() == "resource")
        .map(|block| {
            let [kind, name] = super::labels(block);
            Resource {
                kind: kind.to_string(),
                name: name.to_string(),
                attrs: block
                    .body
                    .attributes()
                    .map(|a| (a.key.value().to_string(), Val::of_hcl(&a.value)))
                    .collect(),
                inline: block
                    .body
                    .get_blocks("inline_policy")
                    .map(|i| {
                        i.body
                            .get_attribute("policy")
                            .map(|a| Val::of_hcl(&a.value))
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The document a `data.aws_iam_policy_document.D.json` reference names (its address).
pub(super) fn document_json(e: &Expression) -> Option<String> {
    document_ref(&Val::of_hcl(e))
}

pub(super) fn document_ref(v: &Val) -> Option<String> {
    match v.reference()?.as_slice() {
        [
            "data",
            "aws_iam_policy_document",
            name,
            "json" | "minified_json",
        ] => Some(format!("data.aws_iam_policy_document.{name}")),
        _ => None,
    }
}

/// The resource an `X.Y.attr` reference names (`aws_iam_policy.p.arn` -> `aws_iam_policy.p`),
/// when its type is `kind` and its attribute one of `attrs`.
fn resource_ref(v: &Val, kind: &str, attrs: &[&str]) -> Option<String> {
    match v.reference()?.as_slice() {
        [k, name, attr] if *k == kind && attrs.contains(attr) => Some(format!("{k}.{name}")),
        _ => None,
    }
}

/// A `role` argument: a role of this file (its `name` or `id`, which Terraform sets to the
/// name), a literal name, or something else.
fn role_target(v: &Val) -> Target {
    if let Val::Literal(name) = v {
        return Target::RoleName(name.clone());
    }
    if let Some(["var", path @ ..]) = v.reference().as_deref()
        && !path.is_empty()
    {
        return Target::Caller(format!("var.{}", path.join(".")));
    }
    resource_ref(v, "aws_iam_role", &["name", "id"]).map_or(Target::Other, Target::Role)
}

/// The documents an expression names (`[data.aws_iam_policy_document.a.json]`, through
/// `compact(...)` or `concat(...)` too).
fn documents_in(e: &Expression, out: &mut Vec<String>) {
    match e {
        Expression::Array(a) => a.iter().for_each(|x| documents_in(x, out)),
        Expression::FuncCall(f) => f.args.iter().for_each(|x| documents_in(x, out)),
        Expression::Parenthesis(p) => documents_in(p.inner(), out),
        other => out.extend(document_json(other)),
    }
}

/// The documents an expression names when it names nothing else (`[d.a.json, d.b.json]`,
/// through `compact(...)` or `concat(...)` too); `None` if anything else may be in it.
fn documents_only(e: &Expression) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match e {
            Expression::Array(a) => todo.extend(a.iter()),
            Expression::FuncCall(f)
                if matches!(f.name.name.value().as_str(), "compact" | "concat") =>
            {
                todo.extend(f.args.iter());
            }
            Expression::Parenthesis(p) => todo.push(p.inner()),
            Expression::Null(_) => {}
            other => out.push(document_json(other)?),
        }
    }
    Some(out)
}

/// The `sid`s of a document's `statement` blocks, when the HCL tells them all.
fn statement_sids(body: &Body) -> Option<Vec<String>> {
    const MERGES: [&str; 4] = [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ];
    if MERGES.iter().any(|k| body.get_attribute(k).is_some()) {
        return None;
    }
    let mut sids = Vec::new();
    for b in body.blocks() {
        match b.ident.value().as_str() {
            "statement" => match b.body.get_attribute("sid") {
                None => {}
                Some(a) => sids.push(literal(&a.value)?.to_string()),
            },
            "dynamic" if b.labels.first().is_some_and(|l| l.as_str() == "statement") => {
                return None;
            }
            _ => {}
        }
    }
    Some(sids)
}

/// Where binding reads a policy's or a document's consumers: these attributes of these blocks.
pub(super) fn read_by_binding(ident: &str, kind: &str, key: &str) -> bool {
    match (ident, kind) {
        ("resource", "aws_iam_policy")
        | ("resource", "aws_iam_role_policy")
        | ("resource", "aws_iam_user_policy")
        | ("resource", "aws_iam_group_policy") => key == "policy",
        ("resource", "aws_iam_role") => {
            matches!(key, "assume_role_policy" | "managed_policy_arns" | "policy")
        }
        ("resource", k) if k.ends_with("_policy_attachment") => key == "policy_arn",
        ("data", "aws_iam_policy_document") => matches!(
            key,
            "source_policy_documents"
                | "override_policy_documents"
                | "source_json"
                | "override_json"
        ),
        _ => false,
    }
}

/// The documents and `aws_iam_policy` resources named anywhere binding does not read.
fn escaping(bodies: &[&Body]) -> Vec<String> {
    use hcl_edit::visit::Visit;
    struct Refs(Vec<String>);
    impl Visit for Refs {
        fn visit_expr(&mut self, e: &Expression) {
            if let Some(r) = reference(e) {
                match r.as_slice() {
                    ["data", "aws_iam_policy_document", name, ..] => {
                        self.0.push(format!("data.aws_iam_policy_document.{name}"));
                    }
                    ["aws_iam_policy", name, ..] => self.0.push(format!("aws_iam_policy.{name}")),
                    _ => {}
                }
            }
            hcl_edit::visit::visit_expr(self, e);
        }
    }
    fn walk(body: &Body, ident: &str, kind: &str, refs: &mut Refs) {
        for attr in body.attributes() {
            if !read_by_binding(ident, kind, attr.key.value().as_str()) {
                refs.visit_expr(&attr.value);
            }
        }
        for block in body.blocks() {
            // Nested blocks (`inline_policy`, `statement`) are read as their top block is.
            walk(&block.body, ident, kind, refs);
        }
    }
    let mut refs = Refs(Vec::new());
    for block in bodies.iter().flat_map(|b| b.blocks()) {
        let [kind, _] = super::labels(block);
        walk(&block.body, block.ident.value().as_str(), kind, &mut refs);
    }
    let mut out = refs.0;
    out.sort();
    out.dedup();
    out
}

/// The entries of a list attribute (a non-list: one unknown entry).
fn list(v: &Val) -> Vec<&Val> {
    match v {
        Val::List(a) => a.iter().collect(),
        other => vec![other],
    }
}

impl Graph {
    /// The attachments of a module: the bodies of its `.tf` files.
    pub(super) fn of(bodies: &[&Body]) -> Graph {
        let mut g = Graph::of_resources(&hcl_resources(bodies));
        for block in bodies.iter().flat_map(|b| b.blocks()) {
            let [kind, name] = super::labels(block);
            if block.ident.value().as_str() == "data" && kind == "aws_iam_policy_document" {
                // A merged document's statements are the merging one's: it carries them.
                let address = format!("data.{kind}.{name}");
                g.sids.insert(address.clone(), statement_sids(&block.body));
                for key in ["source_policy_documents", "override_policy_documents"] {
                    let mut docs = Vec::new();
                    if let Some(a) = block.body.get_attribute(key) {
                        documents_in(&a.value, &mut docs);
                    }
                    g.carried
                        .extend(docs.into_iter().map(|d| (d, address.clone())));
                }
            }
        }
        // Found in review: a document or policy the module also hands elsewhere (a local, an
        // output, a module's argument, another resource) serves principals the HCL does not
        // show; bound by names it would be narrowed for the one role seen, with safe fixes.
        for address in escaping(bodies) {
            g.attached.push((address, Target::Other));
        }
        g
    }

    /// The attachments of a module's resources.
    pub(super) fn of_resources(resources: &[Resource]) -> Graph {
        Graph::of_resources_escaping(resources, Vec::new())
    }

    /// The attachments of a module's resources, and the documents and policies named where
    /// binding does not read (`escaping`): those bind to no role by name.
    pub(super) fn of_resources_escaping(resources: &[Resource], escaping: Vec<String>) -> Graph {
        let mut g = Graph::of_resources_only(resources);
        for address in escaping {
            g.attached.push((address, Target::Other));
        }
        g
    }

    fn of_resources_only(resources: &[Resource]) -> Graph {
        let mut g = Graph::default();
        for block in resources {
            let (kind, name) = (block.kind.as_str(), block.name.as_str());
            let address = format!("{kind}.{name}");
            let attr = |k: &str| block.attr(k);
            match kind {
                "aws_iam_role" => {
                    g.trust
                        .extend(attr("assume_role_policy").and_then(document_ref));
                    let literal_name = match attr("name") {
                        Some(Val::Literal(n)) => Some(n.clone()),
                        _ => None,
                    };
                    for (i, policy) in block.inline.iter().enumerate() {
                        let target = Target::Role(address.clone());
                        g.attached
                            .push((format!("{address}.inline_policy[{i}]"), target.clone()));
                        if let Some(doc) = policy.as_ref().and_then(document_ref) {
                            g.attached.push((doc, target));
                        }
                    }
                    for arn in attr("managed_policy_arns").map(list).unwrap_or_default() {
                        if let Some(p) = resource_ref(arn, "aws_iam_policy", &["arn", "id"]) {
                            g.attached.push((p, Target::Role(address.clone())));
                        }
                    }
                    // A role of `count` or `for_each` is several roles: no one name fits them.
                    let several = attr("count").is_some() || attr("for_each").is_some();
                    let pattern = match (attr("name"), attr("name_prefix")) {
                        _ if several => None,
                        (Some(Val::Template(f)), _) => Some(f.clone()),
                        (None, Some(Val::Literal(p))) => Some(Form::Prefix(p.clone())),
                        _ => None,
                    };
                    if let Some(f) = pattern {
                        g.patterns.insert(address.clone(), f);
                    }
                    g.roles.insert(address, literal_name);
                }
                "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                    let target = match (kind, attr("role")) {
                        ("aws_iam_role_policy", Some(r)) => role_target(r),
                        _ => Target::Other,
                    };
                    g.attached.push((address, target.clone()));
                    if let Some(doc) = attr("policy").and_then(document_ref) {
                        g.attached.push((doc, target));
                    }
                }
                "aws_iam_policy" => {
                    if let Some(doc) = attr("policy").and_then(document_ref) {
                        g.carried.push((doc, address));
                    }
                }
                "aws_iam_role_policy_attachment"
                | "aws_iam_user_policy_attachment"
                | "aws_iam_group_policy_attachment" => {
                    let Some(p) = attr("policy_arn")
                        .and_then(|e| resource_ref(e, "aws_iam_policy", &["arn", "id"]))
                    else {
                        continue;
                    };
                    let target = match (kind, attr("role")) {
                        ("aws_iam_role_policy_attachment", Some(r)) => role_target(r),
                        _ => Target::Other,
                    };
                    g.attached.push((p, target));
                }
                "aws_iam_policy_attachment" => {
                    let Some(p) = attr("policy_arn")
                        .and_then(|e| resource_ref(e, "aws_iam_policy", &["arn", "id"]))
                    else {
                        continue;
                    };
                    for r in attr("roles").map(list).unwrap_or_default() {
                        g.attached.push((p.clone(), role_target(r)));
                    }
                    let others = ["users", "groups"].iter().any(|k| {
                        attr(k).is_some_and(|e| !matches!(e, Val::List(a) if a.is_empty()))
                    });
                    if others {
                        g.attached.push((p, Target::Other));
                    }
                }
                _ => {}
            }
        }
        g
    }

    /// The graph of a module file that does not read or parse (`name`).
    pub(super) fn unreadable(name: String) -> Graph {
        Graph {
            unreadable: vec![name],
            ..Graph::default()
        }
    }

    /// Adds what another file of the module says.
    pub(super) fn merge(&mut self, other: &Graph) {
        self.unreadable.extend(other.unreadable.iter().cloned());
        for (k, v) in &other.roles {
            self.roles.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self.attached.extend(other.attached.iter().cloned());
        self.carried.extend(other.carried.iter().cloned());
        self.trust.extend(other.trust.iter().cloned());
        for (k, v) in &other.patterns {
            self.patterns.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &other.sids {
            self.sids.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }

    /// The `sid`s of the statements the documents of an `override_policy_documents` (or
    /// `override_json`) value export, when the module tells them all.
    pub(super) fn overriding_sids(&self, e: &Expression) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for doc in documents_only(e)? {
            out.extend(self.sids.get(&doc)?.clone()?);
        }
        Some(out)
    }

    /// Whether a document is a role's trust policy.
    pub(super) fn is_trust(&self, location: &str) -> bool {
        self.trust.iter().any(|t| t == location)
    }

    /// What the file says about the policy at `location`: its address, the roles it reaches,
    /// and their literal names when all of them have one.
    pub(super) fn hints(&self, location: &str) -> Hints {
        if let Some(file) = self.unreadable.first() {
            // Found in review: a sibling that does not parse was dropped, and the policy bound
            // by the rest of the module, as if that file attached it to nothing else.
            return Hints {
                logical_id: Some(location.to_string()),
                terraform: true,
                reaches_others: true,
                unreadable_module_file: Some(file.clone()),
                ..Hints::default()
            };
        }
        // What carries the policy, and what carries that (a merged document in a document an
        // `aws_iam_policy` carries), until nothing more does.
        let mut via: Vec<&str> = vec![location];
        let mut i = 0;
        while let Some(&at) = via.get(i) {
            for (_, p) in self.carried.iter().filter(|(d, _)| d == at) {
                if !via.contains(&p.as_str()) {
                    via.push(p);
                }
            }
            i += 1;
        }
        let targets: Vec<&Target> = self
            .attached
            .iter()
            .filter(|(p, _)| via.contains(&p.as_str()))
            .map(|(_, t)| t)
            .collect();
        let mut roles: Vec<String> = Vec::new();
        let mut names: Option<Vec<String>> = (!targets.is_empty()).then(Vec::new);
        // Every role's name, literal or a pattern; `None` once one has neither.
        let mut forms: Option<Vec<NamePattern>> = (!targets.is_empty()).then(Vec::new);
        let mut caller: Vec<String> = Vec::new();
        for t in &targets {
            let form = match t {
                Target::Role(address) => self
                    .roles
                    .get(address)
                    .cloned()
                    .flatten()
                    .map(Form::Literal)
                    .or_else(|| self.patterns.get(address).cloned())
                    .map(|form| NamePattern {
                        role: address.clone(),
                        form,
                    }),
                Target::RoleName(n) => Some(NamePattern {
                    role: String::new(),
                    form: Form::Literal(n.clone()),
                }),
                Target::Caller(_) | Target::Other => None,
            };
            match (form, &mut forms) {
                (Some(f), Some(list)) if !list.contains(&f) => list.push(f),
                (Some(_), _) => {}
                (None, _) => forms = None,
            }
            if let Target::Caller(v) = t
                && !caller.contains(v)
            {
                caller.push(v.clone());
            }
            let name = match t {
                Target::Role(address) => {
                    if !roles.contains(address) {
                        roles.push(address.clone());
                    }
                    self.roles.get(address).cloned().flatten()
                }
                Target::RoleName(n) => Some(n.clone()),
                Target::Caller(_) | Target::Other => None,
            };
            match (name, &mut names) {
                (Some(n), Some(list)) => {
                    let n = format!("role/{n}");
                    if !list.contains(&n) {
                        list.push(n);
                    }
                }
                _ => names = None,
            }
        }
        // Patterns bind only where no literal names do, and every role has a name or a pattern.
        let name_patterns = match (&names, forms) {
            (None, Some(f)) if f.iter().any(|p| !matches!(p.form, Form::Literal(_))) => f,
            _ => Vec::new(),
        };
        Hints {
            logical_id: Some(location.to_string()),
            roles,
            role_names: names.unwrap_or_default(),
            terraform: true,
            reaches_others: targets.iter().any(|t| !matches!(t, Target::Role(_))),
            name_patterns,
            caller_roles: caller,
            ..Hints::default()
        }
    }
}
