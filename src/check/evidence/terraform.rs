//! Binding step 3 for Terraform: the roles a policy reaches by address, found in the address
//! books (`snapshot import --terraform`) that `[[terraform]]` gives their folder.

use super::Bound;
use crate::app::AppError;
use crate::config::Config;
use crate::document;
use crate::findings::stacks::Books;
use std::path::{Path, PathBuf};

/// A Terraform policy that loads a policy file.
#[derive(Clone)]
pub(in crate::check) struct Loader {
    /// `main.tf#aws_iam_role_policy.app`.
    pub(in crate::check) via: String,
    /// The `.tf` file, from the config's folder.
    pub(in crate::check) tf: PathBuf,
    pub(in crate::check) hints: document::Hints,
}

/// The principals that bind a file its loaders bind, and by which step: all of theirs, when
/// every loader names its roles (evidence for some would judge the others' use), by their
/// literal names or their folder's Terraform address book; else none.
pub(super) fn bound_names(
    config: &Config,
    loaders: &[Loader],
    books: &Books,
) -> Result<Option<(Vec<String>, &'static str)>, AppError> {
    let mut names: Vec<String> = Vec::new();
    let mut how = "terraform-role";
    for l in loaders {
        let found = if l.hints.role_names.is_empty() {
            match terraform_state(config, &l.tf, &l.hints, books)? {
                Some(Bound::To(principals, _, _)) => {
                    how = "terraform-state";
                    principals
                }
                _ => return Ok(None),
            }
        } else {
            l.hints.role_names.clone()
        };
        for n in found {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    Ok((!names.is_empty()).then_some((names, how)))
}

/// A Terraform policy whose roles the HCL names by address, not by a literal name: their ARNs in
/// the address books `[[terraform]]` gives its folder (every instance of a `count` or `for_each`
/// role). A role missing from a book stays bound, with no evidence, so nothing it may use is
/// removed. `None` when no book knows any of them: the file's own binds decide.
pub(super) fn terraform_state(
    config: &Config,
    rel: &Path,
    h: &document::Hints,
    books: &Books,
) -> Result<Option<Bound>, AppError> {
    if h.roles.is_empty() || h.reaches_others {
        return Ok(None);
    }
    let mut bound: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for (name, module) in config.terraform_books_for(rel) {
        let book = books.terraform.get(name)?;
        for role in &h.roles {
            let address = if module.is_empty() {
                role.clone()
            } else {
                format!("{module}.{role}")
            };
            let arns = book
                .as_ref()
                .map(|b| b.arns_of(&address))
                .unwrap_or_default();
            if arns.is_empty() {
                // Not an ARN, nor a role name: it matches no principal of the snapshot.
                unknown.push(format!("{address} (not in Terraform address book {name})"));
            }
            for arn in arns {
                if !bound.iter().any(|b| b == arn) {
                    bound.push(arn.to_string());
                }
            }
        }
    }
    if bound.is_empty() {
        return Ok(None);
    }
    bound.extend(unknown);
    Ok(Some(Bound::To(bound, "terraform-state", Vec::new())))
}
