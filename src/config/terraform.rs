//! `[[terraform]]`: which Terraform address book (`snapshot import --terraform`) holds the roles
//! of the `.tf` files in a folder, and, for a child module's folder, the module's address in the
//! state (`module.lambda`), since the folder alone does not say which call of it was deployed.

use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTerraform {
    /// The module's folder, relative to the config (its `.tf` files, not those of subfolders).
    root: String,
    /// The address book's name.
    book: String,
    /// The module's address in the state; the root module without it.
    module: Option<String>,
}

/// One `[[terraform]]` entry: a folder, its book, its module address (`""`: the root module).
#[derive(Debug)]
struct Entry {
    folder: PathBuf,
    book: String,
    module: String,
}

/// The `[[terraform]]` entries, checked.
#[derive(Debug, Default)]
pub(super) struct Terraform(Vec<Entry>);

/// A folder written `infra`, `./infra/` or `.` as the components Terraform's files are under.
fn folder(s: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(s).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// `module.a` or `module.a.module.b` (an instance key allowed: `module.a["x"]`).
fn is_module_address(s: &str) -> bool {
    s.starts_with("module.")
        && s.len() <= 1024
        && !s.chars().any(char::is_control)
        && !s.ends_with('.')
}

impl Terraform {
    /// Checks the entries; `Err((needle, message))`: the quoted value to point at, and why.
    pub(super) fn new(raw: Vec<RawTerraform>) -> Result<Terraform, (String, String)> {
        let mut out = Vec::new();
        for t in raw {
            if !crate::findings::tf_state::is_book_name(&t.book) {
                return Err((
                    t.book.clone(),
                    format!(
                        "book name `{}` is not one: a letter or digit, then letters, digits, `-` and `_` (at most 128)",
                        t.book.escape_debug()
                    ),
                ));
            }
            let Some(f) = folder(&t.root) else {
                return Err((
                    t.root.clone(),
                    format!(
                        "root `{}` is not a folder inside the config's (relative, no `..`)",
                        t.root.escape_debug()
                    ),
                ));
            };
            let module = t.module.unwrap_or_default();
            if !module.is_empty() && !is_module_address(&module) {
                return Err((
                    module.clone(),
                    format!(
                        "module `{}` is not a module address (`module.NAME`, as `terraform state list` prints it)",
                        module.escape_debug()
                    ),
                ));
            }
            out.push(Entry {
                folder: f,
                book: t.book,
                module,
            });
        }
        Ok(Terraform(out))
    }

    /// The (book, module address) pairs of the folder the file at `rel_path` is in, in config
    /// order, each once.
    pub(super) fn of(&self, rel_path: &Path) -> Vec<(&str, &str)> {
        let dir = rel_path.parent().and_then(|p| folder(&p.to_string_lossy()));
        let mut out: Vec<(&str, &str)> = Vec::new();
        for e in &self.0 {
            let pair = (e.book.as_str(), e.module.as_str());
            if dir.as_ref() == Some(&e.folder) && !out.contains(&pair) {
                out.push(pair);
            }
        }
        out
    }
}
