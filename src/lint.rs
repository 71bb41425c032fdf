//! The pure core of `check`: a file's bytes in, findings with byte spans out; and the fix loop.
//! No I/O here.

use crate::catalog::Catalog;
use crate::diagnostic::{Applicability, Edit, Finding, PolicyRef, StatementRef, squeezed_digest};
use crate::document::{self, Document, Invalid, PolicyAt, Read};
use crate::filter::{Filter, Scope, Suppressed};
use crate::findings::binding::Evidence;
use crate::fix::Taken;
use crate::refine::{self, VerifyError};
use crate::rules::{self, Ctx};

pub use crate::document::Expect;

/// The evidence each policy of a document is judged by (`None`: grammar and hygiene only). A JSON
/// file's one policy has the file's; a template's policies may each have their own.
pub type EvidenceFor<'e> = dyn Fn(&PolicyAt) -> Option<&'e Evidence> + 'e;

/// Whether the file is a policy, and what was found in it.
#[derive(Debug, Default)]
pub struct Linted {
    /// False: not a policy (skipped silently unless `include` named it).
    pub is_policy: bool,
    /// The findings of every policy of the file, in span order.
    pub findings: Vec<Finding>,
    /// Each policy of the file, in document order (for the fix loop's bookkeeping).
    pub policies: Vec<LintedPolicy>,
    /// What the filter hid.
    pub suppressed: Suppressed,
}

/// One policy of a linted file.
#[derive(Debug)]
pub struct LintedPolicy {
    /// Its location in the document (`PolicyAt::location`).
    pub location: String,
    /// The span of each statement, in order.
    pub statements: Vec<std::ops::Range<usize>>,
}

/// Lints one file's bytes.
pub fn lint(
    bytes: &[u8],
    expect: Expect,
    evidence: &EvidenceFor<'_>,
    catalog: &Catalog,
    filter: &Filter,
) -> Result<Linted, VerifyError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let mut findings = vec![
                Finding::new(
                    "invalid-policy",
                    at..at,
                    format!("invalid UTF-8 at byte {at}: a policy must be UTF-8 text"),
                )
                .label("here"),
            ];
            let suppressed = filter.apply(&mut findings, Scope::default());
            return Ok(Linted {
                is_policy: true,
                findings,
                policies: Vec::new(),
                suppressed,
            });
        }
    };
    lint_policies(text, expect, evidence, catalog, filter)
}

/// Lints a text whose every policy has the same evidence.
pub fn lint_text(
    text: &str,
    expect: Expect,
    evidence: Option<&Evidence>,
    catalog: &Catalog,
    filter: &Filter,
) -> Result<Linted, VerifyError> {
    lint_policies(text, expect, &|_| evidence, catalog, filter)
}

/// Lints every policy of a text, each by its own evidence.
pub fn lint_policies(
    text: &str,
    expect: Expect,
    evidence: &EvidenceFor<'_>,
    catalog: &Catalog,
    filter: &Filter,
) -> Result<Linted, VerifyError> {
    let doc = match document::read(text, expect) {
        Read::NotPolicy => return Ok(Linted::default()),
        Read::Invalid(Invalid { span, message, .. }) => {
            // Through the filter too: `level = "off"` silences read errors as it does the rest.
            let mut findings = vec![Finding::new("invalid-policy", span, message).label("here")];
            let suppressed = filter.apply(&mut findings, Scope { text, skipped: &[] });
            return Ok(Linted {
                is_policy: true,
                findings,
                policies: Vec::new(),
                suppressed,
            });
        }
        Read::Document(doc) => doc,
    };
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    for at in &doc.policies {
        let from = findings.len();
        lint_policy(&doc, at, evidence(at), catalog, &mut findings)?;
        locate_statements(text, at, &mut findings[from..]);
        if let Some(prefix) = &filter.sid_prefix {
            skipped.extend(
                at.policy
                    .statements
                    .iter()
                    .filter(|s| {
                        s.sid
                            .as_deref()
                            .is_some_and(|sid| sid.starts_with(&**prefix))
                    })
                    .map(|s| s.span.clone()),
            );
        }
        if let Some(path) = &at.hints.construct {
            generated(&mut findings[from..], path);
        }
        let via = evidence(at).map(|e| e.via.join(", ")).unwrap_or_default();
        if at.hints.logical_id.is_none() && !via.is_empty() {
            // A JSON file that Terraform loads: the message says through which policy.
            let bound_by = evidence(at).and_then(|e| e.bound_by);
            for f in &mut findings[from..] {
                f.message = format!("{}, loaded by {via}", f.message);
                f.policy = Some(PolicyRef {
                    location: at.location.clone(),
                    name: via.clone(),
                    bound_by,
                });
            }
        }
        if at.hints.logical_id.is_some() {
            let bound_by = evidence(at).and_then(|e| e.bound_by);
            for f in &mut findings[from..] {
                // A template holds many policies: the message says which.
                if !f.message.contains(&at.name) {
                    f.message = format!("{}, in {}", f.message, at.name);
                }
                f.policy = Some(PolicyRef {
                    location: at.location.clone(),
                    name: at.name.clone(),
                    bound_by,
                });
            }
        }
    }
    findings.extend(rules::document_notes(&doc.notes));
    let suppressed = filter.apply(
        &mut findings,
        Scope {
            text,
            skipped: &skipped,
        },
    );
    findings.sort_by_key(|f| (f.span.start, f.span.end));
    Ok(Linted {
        is_policy: true,
        suppressed,
        findings,
        policies: doc
            .policies
            .iter()
            .map(|at| LintedPolicy {
                location: at.location.clone(),
                statements: at
                    .policy
                    .statements
                    .iter()
                    .map(|s| s.span.clone())
                    .collect(),
            })
            .collect(),
    })
}

/// Names the statement each finding lies in (for suppressions and the baseline).
fn locate_statements(text: &str, at: &PolicyAt, findings: &mut [Finding]) {
    let statements = &at.policy.statements;
    // Each statement's digest once, however many findings it holds (a long statement would
    // otherwise be hashed per finding).
    let mut digests: Vec<Option<u64>> = vec![None; statements.len()];
    for f in findings {
        // Statements lie in text order: the last one starting at or before the finding.
        let Some(index) = statements
            .partition_point(|s| s.span.start <= f.span.start)
            .checked_sub(1)
            .filter(|&i| f.span.end <= statements[i].span.end)
        else {
            continue;
        };
        let s = &statements[index];
        let digest = *digests[index]
            .get_or_insert_with(|| squeezed_digest(text.get(s.span.clone()).unwrap_or("")));
        f.statement = Some(StatementRef {
            index,
            sid: s.sid.clone(),
            digest,
        });
    }
}

/// A generated template's findings (CDK output): reported, never fixed; the fix is shown, to be
/// made in the construct that generates the policy.
fn generated(findings: &mut [Finding], construct: &str) {
    for f in findings {
        let Some(fix) = &mut f.fix else { continue };
        if fix.edits.is_empty() && fix.applicability == Applicability::DisplayOnly {
            continue;
        }
        fix.applicability = Applicability::DisplayOnly;
        let note = format!(
            "this template is generated (CDK construct {construct}): not fixed here; change the construct's code and synthesize again"
        );
        f.help = Some(match f.help.take() {
            Some(h) => format!("{h}; {note}"),
            None => note,
        });
    }
}

/// One policy's findings, before rule levels.
fn lint_policy(
    doc: &Document<'_>,
    at: &PolicyAt,
    evidence: Option<&Evidence>,
    catalog: &Catalog,
    findings: &mut Vec<Finding>,
) -> Result<(), VerifyError> {
    let policy = &at.policy;
    let from = findings.len();
    findings.extend(rules::from_issues(&at.issues));
    findings.extend(rules::check_unknown(policy, catalog));
    if let Some(ev) = evidence {
        judge(doc, at, ev, catalog, findings)?;
    }
    let hygiene = rules::check_hygiene(doc, at, catalog, &findings[from..]);
    findings.extend(hygiene);
    Ok(())
}

/// One policy's findings that rest on its evidence.
fn judge(
    doc: &Document<'_>,
    at: &PolicyAt,
    ev: &Evidence,
    catalog: &Catalog,
    findings: &mut Vec<Finding>,
) -> Result<(), VerifyError> {
    let policy = &at.policy;
    for mut f in rules::check_generated(ev, &policy.statement_key_span)
        .into_iter()
        .chain(rules::check_name_pattern(ev, &policy.statement_key_span))
    {
        f.message = f.message.replacen("this policy", &at.name, 1);
        findings.push(f);
    }
    if let Some(mut f) = rules::check_history(ev, policy.statement_key_span.clone()) {
        f.message = f.message.replacen("this policy", &at.name, 1);
        findings.push(f);
    }
    if let Some(mut f) = rules::check_evidence(ev, policy.statement_key_span.clone()) {
        if let Some(id) = &at.hints.logical_id {
            // A template's policy: say which, and the two ways to bind it.
            f.message = f.message.replacen("this policy", &at.name, 1);
            if let Some(g) = ev.generated.iter().find(|g| g.matches.len() > 1) {
                f.help = Some(format!(
                    "{} roles have the generated name of role {} of stack {}: import the stack's address book (`iamtrim snapshot import --stack {}`), or bind it in iamtrim.toml (`[[bind]] files = [\"<this file>#{id}\"]`)",
                    g.matches.len(),
                    g.logical_id,
                    g.stack,
                    g.stack
                ));
            } else if let Some(why) = rules::name_pattern_why(ev).filter(|_| !ev.is_bound()) {
                f.message = format!("{} is bound to no principal: {why}", at.name);
                let roles: Vec<&str> = ev.name_patterns.iter().map(|m| m.role.as_str()).collect();
                f.help = Some(format!(
                    "bind it in iamtrim.toml (`[[bind]] files = [\"<this file>#{}\"]`)",
                    roles.join("\", \"<this file>#")
                ));
            } else if let Some(file) = ev
                .unreadable_module_file
                .as_ref()
                .filter(|_| !ev.is_bound())
            {
                f.message = format!(
                    "{} is bound to no principal: `{file}`, a file of its module, cannot be read as Terraform (what it attaches the policy to is unknown)",
                    at.name
                );
                f.help = Some(format!(
                    "fix `{file}`, or bind it in iamtrim.toml (`[[bind]] files = [\"<this file>#{id}\"]`)"
                ));
            } else if let Some(var) = at.hints.caller_roles.first().filter(|_| !ev.is_bound()) {
                // A module's policy: its caller creates the role.
                f.message = format!(
                    "{} is bound to no principal: its role comes from the module's caller (`{var}`)",
                    at.name
                );
                f.help = Some(format!(
                    "bind it in iamtrim.toml (`[[bind]] files = [\"<this file>#{id}\"]`) with the role the caller passes in `{var}`"
                ));
            } else if !ev.is_bound()
                && at.hints.terraform
                && !at.hints.reaches_others
                && let Some(role) = at.hints.roles.first()
            {
                // Roles without a literal name: their state's address book knows them.
                f.help = Some(format!(
                    "{role} has no literal `name`: import its state's address book (`terraform show -json > state.json`, `iamtrim snapshot import state.json --terraform NAME -o SNAPSHOT/`, `[[terraform]] root = \"FOLDER\"  book = \"NAME\"`), or bind it in iamtrim.toml (`[[bind]] files = [\"<this file>#{role}\"]`)"
                ));
            } else if !ev.is_bound() {
                // Terraform names a role with `name`, and attaches the policy to it by reference.
                let name = if at.hints.terraform {
                    "attach it to a role with a literal `name` in this module"
                } else {
                    "give its role a literal `RoleName`"
                };
                f.help = Some(format!(
                    "bind it in iamtrim.toml (`[[bind]] files = [\"<this file>#{id}\"]`), or {name}"
                ));
            }
        } else if let Some(file) = ev
            .unreadable_module_file
            .as_ref()
            .filter(|_| !ev.is_bound())
        {
            // A JSON file that Terraform loads, in a module with a file that does not parse.
            f.message = format!(
                "this policy is bound to no principal: `{file}`, a file of the module that loads it, cannot be read as Terraform (what it attaches the policy to is unknown)"
            );
            f.help = Some(format!(
                "fix `{file}`, or bind it in iamtrim.toml (`[[bind]] files = [\"<this file>\"]`)"
            ));
        } else if let Some(why) = rules::name_pattern_why(ev).filter(|_| !ev.is_bound()) {
            // A JSON file that Terraform loads for a role named by a pattern.
            f.message = format!("this policy is bound to no principal: {why}");
            f.help =
                Some("bind it in iamtrim.toml (`[[bind]] files = [\"<this file>\"]`)".to_string());
        }
        findings.push(f);
    }
    let unused = ev.unused_actions(catalog);
    if !unused.is_empty() {
        let ins: Vec<_> = policy.statements.iter().map(|s| s.input.clone()).collect();
        let refinement = if ev.unused.everything {
            refine::refine_role_unused(&ins)
        } else {
            refine::refine(&ins, &unused, catalog)?
        };
        let ctx = Ctx {
            doc,
            at,
            policy,
            refinement: &refinement,
            evidence: ev,
            unused: &unused,
            catalog,
        };
        findings.extend(rules::check_unused(&ctx));
    }
    findings.extend(rules::check_not_judged(policy, ev, catalog));
    if ev.is_bound() {
        findings.extend(rules::check_sealed(policy, at.hints.terraform));
    }
    Ok(())
}

/// The result of fixing one file.
#[derive(Debug)]
pub struct Fixed {
    pub text: String,
    pub applied: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("internal error: the fixed file {0}; nothing was written")]
    Broken(String),
}

/// Applies every fix at or above `min`, a pass at a time (edits of one pass never overlap; the text
/// is re-parsed between passes), then verifies the result against the original.
pub fn fix(
    text: &str,
    min: Applicability,
    evidence: &Evidence,
    catalog: &Catalog,
    filter: &Filter,
) -> Result<Fixed, FixError> {
    fix_policies(text, min, &|_| Some(evidence), catalog, filter)
}

/// `fix`, each policy of the text judged by its own evidence.
pub fn fix_policies(
    text: &str,
    min: Applicability,
    evidence: &EvidenceFor<'_>,
    catalog: &Catalog,
    filter: &Filter,
) -> Result<Fixed, FixError> {
    let mut current = text.to_string();
    let mut applied = 0;
    // For each policy (by location), for each statement of the current text, its index in the
    // original: statements are paired by identity (the edits that removed some), never by what
    // they look like.
    let mut origin: Option<Vec<(String, Vec<usize>)>> = None;
    for _ in 0..64 {
        let linted = lint_policies(&current, Expect::Detect, evidence, catalog, filter)?;
        let ids = origin.get_or_insert_with(|| {
            linted
                .policies
                .iter()
                .map(|p| (p.location.clone(), (0..p.statements.len()).collect()))
                .collect()
        });
        if ids.len() != linted.policies.len()
            || ids
                .iter()
                .zip(&linted.policies)
                .any(|((at, _), p)| *at != p.location)
        {
            return Err(FixError::Broken(
                "lost track of its policies between fix passes".into(),
            ));
        }
        if ids
            .iter()
            .zip(&linted.policies)
            .any(|((_, ids), p)| ids.len() != p.statements.len())
        {
            return Err(FixError::Broken(
                "lost track of its statements between fix passes".into(),
            ));
        }
        let mut chosen: Vec<Edit> = Vec::new();
        let mut taken = Taken::default();
        for f in &linted.findings {
            let Some(fix) = &f.fix else { continue };
            if fix.applicability < min || fix.applicability == Applicability::DisplayOnly {
                continue;
            }
            if fix.edits.is_empty() || fix.edits.iter().any(|e| taken.overlaps(&e.span)) {
                continue;
            }
            for e in &fix.edits {
                taken.insert(e.span.clone());
            }
            chosen.extend(fix.edits.iter().cloned());
            applied += 1;
        }
        if chosen.is_empty() {
            break;
        }
        // A statement an edit covers whole is gone (edits inside a statement keep it).
        for ((_, ids), p) in ids.iter_mut().zip(&linted.policies) {
            let mut kept = Vec::with_capacity(ids.len());
            for (id, span) in ids.iter().zip(&p.statements) {
                if !taken.covers(span) {
                    kept.push(*id);
                }
            }
            *ids = kept;
        }
        current = crate::fix::apply(&current, &chosen);
    }
    let kept: Vec<Vec<usize>> = origin
        .unwrap_or_default()
        .into_iter()
        .map(|(_, ids)| ids)
        .collect();
    crate::fix::verify::verify_policies(text, &current, &kept, evidence, catalog)
        .map_err(FixError::Broken)?;
    Ok(Fixed {
        text: current,
        applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::UnusedSet;

    /// A one-policy text with one evidence, as the checks below were first written.
    fn verify_fixed(
        before: &str,
        after: &str,
        kept: &[usize],
        evidence: &Evidence,
        catalog: &Catalog,
    ) -> Result<(), FixError> {
        crate::fix::verify::verify_policies(
            before,
            after,
            &[kept.to_vec()],
            &|_| Some(evidence),
            catalog,
        )
        .map_err(FixError::Broken)
    }

    fn evidence(unused: &[(&str, &str)]) -> Evidence {
        let mut u = UnusedSet::default();
        for (svc, a) in unused {
            u.add_action(svc, a);
        }
        Evidence {
            bound: vec!["role/r".into()],
            found: vec!["arn:aws:iam::1:role/r".into()],
            unused: u,
            ..Evidence::default()
        }
    }

    const BEFORE: &str = r#"{"Statement":[{"Effect":"Allow","Action":"sqs:DeleteQueue","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    const AFTER: &str =
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    #[test]
    fn verifier_pairs_statements_by_identity() {
        let cat = Catalog::embedded();
        let ev = evidence(&[("sqs", "DeleteQueue")]);
        // Statement 1 went, statement 2 stayed: right.
        assert!(verify_fixed(BEFORE, AFTER, &[1], &ev, cat).is_ok());
        // Paired with the wrong original (the removed one), the same text fails.
        assert!(matches!(
            verify_fixed(BEFORE, AFTER, &[0], &ev, cat),
            Err(FixError::Broken(_))
        ));
        // A used statement may not vanish, a statement may not appear.
        let ev_none = evidence(&[]);
        assert!(verify_fixed(BEFORE, AFTER, &[1], &ev_none, cat).is_err());
        assert!(verify_fixed(AFTER, BEFORE, &[0], &ev, cat).is_err());
        // Members besides `Statement` must not change.
        let versioned = AFTER.replacen('{', r#"{"Version":"2012-10-17","#, 1);
        assert!(verify_fixed(AFTER, &versioned, &[0], &ev, cat).is_err());
    }

    #[test]
    fn fix_loop_removes_the_right_look_alike() {
        let cat = Catalog::embedded();
        let ev = evidence(&[("sqs", "DeleteQueue")]);
        let fixed = fix(BEFORE, Applicability::Safe, &ev, cat, &Filter::default()).unwrap();
        assert_eq!(fixed.text, AFTER);
    }

    #[test]
    fn verifier_refuses_changes_outside_the_policies() {
        let cat = Catalog::embedded();
        let ev = evidence(&[]);
        let before = r#"{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"a","Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}]}}}}"#;
        assert!(verify_fixed(before, before, &[0], &ev, cat).is_ok());
        for after in [
            before.replace("\"RoleName\":\"a\"", "\"RoleName\":\"b\""),
            before.replace("\"PolicyName\":\"p\"", "\"PolicyName\":\"q\""),
            format!("{before}\n"),
        ] {
            assert!(
                verify_fixed(before, &after, &[0], &ev, cat).is_err(),
                "{after}"
            );
        }
    }

    #[test]
    fn taken_spans() {
        let mut t = Taken::default();
        t.insert(10..20);
        t.insert(30..30);
        assert!(t.overlaps(&(15..16)) && t.overlaps(&(5..11)) && t.overlaps(&(19..25)));
        assert!(!t.overlaps(&(20..30)) && !t.overlaps(&(0..10)));
        assert!(t.overlaps(&(30..30)) && t.overlaps(&(29..31)) && t.overlaps(&(30..35)));
        assert!(t.covers(&(12..20)) && !t.covers(&(12..21)) && !t.covers(&(5..12)));
    }
}
