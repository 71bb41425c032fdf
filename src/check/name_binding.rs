//! Binding step 4 for Terraform: a policy's roles by their literal names and, for a role named
//! by `name_prefix` or an interpolated `name`, the one role of the snapshot whose name fits.

use super::evidence::Loader;
use crate::document;
use crate::findings::Snapshot;
use crate::findings::binding::NameMatch;

/// The roles of a file's loaders by their names and name patterns, when every loader has them
/// and some are patterns (binding step 4, as for a policy written in the HCL).
pub(super) fn loader_patterns(loaders: &[Loader]) -> Option<Vec<document::NamePattern>> {
    let mut out: Vec<document::NamePattern> = Vec::new();
    for h in loaders.iter().map(|l| &l.hints) {
        let own: Vec<document::NamePattern> = if h.name_patterns.is_empty() {
            h.role_names
                .iter()
                .map(|n| document::NamePattern {
                    role: String::new(),
                    form: document::NameForm::Literal(
                        n.strip_prefix("role/").unwrap_or(n).to_string(),
                    ),
                })
                .collect()
        } else {
            h.name_patterns.clone()
        };
        if own.is_empty() {
            return None;
        }
        out.extend(
            own.into_iter()
                .filter(|p| !out.contains(p))
                .collect::<Vec<_>>(),
        );
    }
    out.iter()
        .any(|p| !matches!(p.form, document::NameForm::Literal(_)))
        .then_some(out)
}

/// Binding step 4: a Terraform policy's roles by their literal names and, for a role named by
/// `name_prefix` or an interpolated `name`, the one role of the snapshot whose name fits. A
/// pattern that fits no role or several binds the policy to none (its roles' use together decides
/// what it may lose).
pub(super) fn by_name_patterns(
    patterns: &[document::NamePattern],
    snapshot: &Snapshot,
) -> (Vec<String>, Vec<NameMatch>) {
    let mut bound: Vec<String> = Vec::new();
    let mut matches: Vec<NameMatch> = Vec::new();
    let mut arns: Option<Vec<&str>> = None;
    for p in patterns {
        if let document::NameForm::Literal(n) = &p.form {
            bound.push(format!("role/{n}"));
            continue;
        }
        let all = arns.get_or_insert_with(|| snapshot.arns());
        let fit: Vec<String> = all
            .iter()
            .filter(|a| {
                a.split_once(":role/")
                    .is_some_and(|(_, path)| p.form.fits(path.rsplit('/').next().unwrap_or(path)))
            })
            .map(|a| a.to_string())
            .collect();
        if let [one] = fit.as_slice() {
            bound.push(one.clone());
        }
        matches.push(NameMatch {
            role: p.role.clone(),
            written: p.form.written(),
            matches: fit,
        });
    }
    if matches.iter().any(|m| m.matches.len() != 1) {
        bound.clear();
    }
    bound.dedup();
    (bound, matches)
}
