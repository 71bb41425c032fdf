//! Which evidence judges each policy of a file: the file's binds, and, in a template, a bind of
//! the policy's resource, its role's literal `RoleName`, its stack's address book or its role's
//! generated name (in Terraform: its role's literal `name`, or its folder's address book); and
//! what git history says each policy gained after its evidence's analysis.

use super::name_binding::{by_name_patterns, loader_patterns};
use crate::app::AppError;
use crate::config::Config;
use crate::document::{self, Expect, PolicyAt, Read};
use crate::findings::Snapshot;
use crate::findings::binding::{Evidence, GeneratedName, NameMatch, evidence_for};
use crate::findings::stacks::{Books, is_generated_name};
use crate::findings::time;
use crate::source::git::Repo;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
pub(super) use terraform::Loader;
use terraform::{bound_names, terraform_state};

mod terraform;

/// The policies of a text, through its document adapter (none when it holds none).
fn policies(text: &str) -> Vec<PolicyAt> {
    match document::read(text, Expect::Detect) {
        Read::Document(doc) => doc.policies,
        Read::NotPolicy | Read::Invalid(_) => Vec::new(),
    }
}

/// The action patterns a policy grants (lower-cased).
fn granted(at: &PolicyAt) -> BTreeSet<String> {
    at.policy
        .statements
        .iter()
        .flat_map(|s| {
            s.patterns
                .iter()
                .filter(|p| !p.opaque)
                .map(|p| p.text.to_ascii_lowercase())
        })
        .collect()
}

/// Each policy's location, and the patterns it grants that it did not at the analysis.
type Added = Vec<(String, Vec<String>)>;

/// For each policy of `text` (by location), the patterns that the policy at the same location did
/// not grant at the evidence's `analyzedAt` (by git history); empty when history has no version
/// from before then. A document holding one policy then and now is the same policy, wherever it
/// sat (a file later wrapped by the AWS CLI's output). `None`: the clone is shallow and its
/// history begins after the analysis, so what the file granted then is unknown.
fn added_after_analysis(
    repo: &Mutex<Repo>,
    repo_path: &str,
    text: &str,
    ev: &Evidence,
) -> Option<Added> {
    let Some(t) = ev.analyzed_at.as_deref().and_then(time::parse) else {
        return Some(Vec::new());
    };
    let old = match repo.lock() {
        Ok(r) => match r.history_cut_before(t) {
            Ok(true) => return None,
            _ => r.file_at(repo_path, t),
        },
        Err(_) => return Some(Vec::new()),
    };
    let Ok(Some(old)) = old else {
        return Some(Vec::new());
    };
    let then = policies(&String::from_utf8_lossy(&old));
    let now = policies(text);
    let single = then.len() == 1 && now.len() == 1;
    let added = now
        .iter()
        .map(|at| {
            let before = then
                .iter()
                .find(|o| single || o.location == at.location)
                .map(granted)
                .unwrap_or_default();
            let mut new: Vec<String> = at
                .policy
                .statements
                .iter()
                .flat_map(|s| s.patterns.iter())
                .filter(|p| !p.opaque && !before.contains(&p.text.to_ascii_lowercase()))
                .map(|p| p.text.clone())
                .collect();
            new.sort();
            new.dedup();
            (at.location.clone(), new)
        })
        .collect();
    Some(added)
}

/// The evidence of a file's policies: the file's (its `[[bind]]`s without a fragment), and, for a
/// template's policy that a `file#LogicalId` bind or a literal `RoleName` binds, its own.
#[derive(Default)]
pub(super) struct FileEvidence {
    file: Option<Evidence>,
    /// By policy location.
    own: Vec<(String, Evidence)>,
}

impl FileEvidence {
    pub(super) fn find(
        config: &Config,
        rel: &Path,
        path: &Path,
        bytes: &[u8],
        snapshot: &Snapshot,
        books: &Books,
        stale: bool,
    ) -> Result<FileEvidence, AppError> {
        let stem = path
            .file_stem()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_default();
        let configured = config.principals_for(rel);
        let mut file = evidence_for(&configured, &stem, snapshot, stale)?;
        file.bound_by = if !configured.is_empty() {
            Some("bind")
        } else if file.is_bound() {
            Some("recommendation")
        } else {
            None
        };
        let is_tf = path.extension().is_some_and(|x| x == "tf");
        let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
        // A policy file that Terraform loads (`file()`, `templatefile()`) is bound through the
        // HCL that loads it, unless a `[[bind]]` names it.
        if configured.is_empty() && !is_tf && has(b"Statement") {
            let loaders = loaded_by_terraform(config, rel);
            if !loaders.is_empty() {
                if let Some((names, how)) = bound_names(config, &loaders, books)? {
                    file = evidence_for(&names, &stem, snapshot, stale)?;
                    file.bound_by = Some(how);
                } else if let Some(patterns) = loader_patterns(&loaders) {
                    let (principals, matches) = by_name_patterns(&patterns, snapshot);
                    if !principals.is_empty() {
                        file = evidence_for(&principals, &stem, snapshot, stale)?;
                        file.bound_by = Some("terraform-name-pattern");
                    }
                    file.name_patterns = matches;
                }
                if !file.is_bound() {
                    file.unreadable_module_file = loaders
                        .iter()
                        .find_map(|l| l.hints.unreadable_module_file.clone());
                }
                file.via = loaders.into_iter().map(|l| l.via).collect();
            }
        }
        let mut own = Vec::new();
        // Only a template (CloudFormation needs `Resources`, JSON or YAML) or a Serverless service
        // (a `provider`) has policies bound one by one; a cheap look before reading it twice.
        if let Ok(text) = std::str::from_utf8(bytes)
            && (has(b"Resources") || has(b"provider") || has(b"aws_iam_"))
        {
            let found = if is_tf || is_tf_json(path) {
                let siblings = module_siblings(path);
                let siblings: Vec<&document::TfModule> = siblings.iter().map(|m| &**m).collect();
                if is_tf {
                    document::terraform_in_module(text, &siblings)
                } else {
                    document::terraform_json_in_module(text, &siblings)
                }
            } else {
                policies(text)
            };
            for at in found {
                match bound_in_template(config, rel, &at, snapshot, books)? {
                    Some(Bound::To(principals, how, generated)) => {
                        let mut ev = evidence_for(&principals, &stem, snapshot, stale)?;
                        ev.bound_by = Some(how);
                        ev.generated = generated;
                        own.push((at.location, ev));
                    }
                    // The file's binds decide, if it has any; the note says why not the role.
                    Some(Bound::Ambiguous(generated)) => {
                        let mut ev = if file.is_bound() {
                            file.clone()
                        } else {
                            Evidence {
                                stale,
                                ..Evidence::default()
                            }
                        };
                        ev.generated = generated;
                        own.push((at.location, ev));
                    }
                    Some(Bound::Patterns(principals, matches)) => {
                        // Bound to none: the file's binds decide, if it has any.
                        let mut ev = if principals.is_empty() && file.is_bound() {
                            file.clone()
                        } else if principals.is_empty() {
                            Evidence {
                                stale,
                                ..Evidence::default()
                            }
                        } else {
                            let mut ev = evidence_for(&principals, &stem, snapshot, stale)?;
                            ev.bound_by = Some("terraform-name-pattern");
                            ev
                        };
                        ev.name_patterns = matches;
                        own.push((at.location, ev));
                    }
                    None if !file.is_bound() && at.hints.unreadable_module_file.is_some() => {
                        own.push((
                            at.location,
                            Evidence {
                                stale,
                                unreadable_module_file: at.hints.unreadable_module_file,
                                ..Evidence::default()
                            },
                        ));
                    }
                    None => {}
                }
            }
        }
        Ok(FileEvidence {
            file: Some(file),
            own,
        })
    }

    pub(super) fn of(&self, at: &PolicyAt) -> Option<&Evidence> {
        self.own
            .iter()
            .find(|(l, _)| *l == at.location)
            .map(|(_, e)| e)
            .or(self.file.as_ref())
    }

    /// Marks what each policy of `text` granted only after its evidence's analysis (git history)
    /// as not judged; true when anything was.
    pub(super) fn history(&mut self, repo: &Mutex<Repo>, repo_path: &str, text: &str) -> bool {
        let mut changed = false;
        let own: Vec<String> = self.own.iter().map(|(l, _)| l.clone()).collect();
        if let Some(ev) = &mut self.file {
            // The policies the file's evidence judges: their additions together.
            match added_after_analysis(repo, repo_path, text, ev) {
                None => {
                    ev.history_cut = true;
                    changed = true;
                }
                Some(added) => {
                    let mut new: Vec<String> = added
                        .into_iter()
                        .filter(|(l, _)| !own.contains(l))
                        .flat_map(|(_, added)| added)
                        .collect();
                    new.sort();
                    new.dedup();
                    if !new.is_empty() {
                        ev.not_judged = new;
                        changed = true;
                    }
                }
            }
        }
        // Each policy's additions, read once per analysis date (a template's policies mostly
        // share their principals' date).
        let mut by_date: Vec<(Option<String>, Option<Added>)> = Vec::new();
        for (location, ev) in &mut self.own {
            let i = match by_date.iter().position(|(d, _)| *d == ev.analyzed_at) {
                Some(i) => i,
                None => {
                    let added = added_after_analysis(repo, repo_path, text, ev);
                    by_date.push((ev.analyzed_at.clone(), added));
                    by_date.len() - 1
                }
            };
            let Some(added) = &by_date[i].1 else {
                ev.history_cut = true;
                changed = true;
                continue;
            };
            let new: Vec<String> = added
                .iter()
                .filter(|(l, _)| l == location)
                .flat_map(|(_, added)| added.iter().cloned())
                .collect();
            if !new.is_empty() {
                ev.not_judged = new;
                changed = true;
            }
        }
        changed
    }
}

type ModuleCache = Mutex<HashMap<PathBuf, Option<Arc<document::TfModule>>>>;
type FolderCache = Mutex<HashMap<PathBuf, Arc<[PathBuf]>>>;

/// What each `.tf` file of the working tree tells its module, read once a run (a folder of
/// many files is read once, not once per file).
static MODULES: OnceLock<ModuleCache> = OnceLock::new();
/// The `.tf` files of each folder, listed once a run.
static FOLDERS: OnceLock<FolderCache> = OnceLock::new();

/// A folder's `file()`/`templatefile()` policies by the path they load (from that folder): each
/// as `file.tf#address` (relative to the config's folder) with what the module says of it.
type Loads = HashMap<String, Vec<Loader>>;
type LoadsCache = Mutex<HashMap<PathBuf, Arc<Loads>>>;
/// Each folder's loads, found once a run: a folder of a thousand loaded files was read and its
/// graph built once per file (quadratic: 14 s for 4,000 files).
static LOADS: OnceLock<LoadsCache> = OnceLock::new();

/// The loads of the `.tf` files of `dir`.
fn folder_loads(config: &Config, dir: &Path) -> Arc<Loads> {
    let cache = LOADS.get_or_init(LoadsCache::default);
    if let Some(known) = cache.lock().ok().and_then(|c| c.get(dir).cloned()) {
        return known;
    }
    let files = tf_files(dir);
    let modules: Vec<(&PathBuf, Arc<document::TfModule>)> = files
        .iter()
        .filter_map(|p| module_at(p).map(|m| (p, m)))
        .collect();
    let all: Vec<&document::TfModule> = modules.iter().map(|(_, m)| &**m).collect();
    let mut loads = Loads::new();
    for (tf, m) in &modules {
        let (addresses, paths): (Vec<&str>, Vec<&str>) = m.loads().unzip();
        if addresses.is_empty() {
            continue;
        }
        let tf_rel = config.relative(tf);
        let hints = document::terraform_hints(&all, &addresses);
        for ((address, path), hints) in addresses.iter().zip(paths).zip(hints) {
            loads.entry(path.to_string()).or_default().push(Loader {
                via: format!("{}#{address}", tf_rel.display()),
                tf: tf_rel.clone(),
                hints,
            });
        }
    }
    // A loaded file named anywhere else too (a local, a module's argument, another resource):
    // its policy serves a principal the HCL does not show, so no role's evidence may judge it.
    // A loader that names no role binds nothing: one such entry per other use.
    if !loads.is_empty() {
        let texts: Vec<(PathBuf, String)> = files
            .iter()
            .filter_map(|p| Some((config.relative(p), crate::fsio::read_text(p).ok()?)))
            .collect();
        for (path, loaders) in &mut loads {
            let mut uses = 0;
            let mut first = None;
            for (shown, t) in &texts {
                let n = uses_of(t, path);
                if n > 0 && first.is_none() {
                    first = Some(shown.clone());
                }
                uses += n;
            }
            if uses > loaders.len() {
                let tf = first.unwrap_or_default();
                loaders.push(Loader {
                    via: format!("{} (which uses {path} elsewhere too)", tf.display()),
                    tf,
                    hints: document::Hints::default(),
                });
            }
        }
    }
    let loads = Arc::new(loads);
    if let Ok(mut c) = cache.lock() {
        c.insert(dir.to_path_buf(), loads.clone());
    }
    loads
}

/// How many times a text names the file at `path` (from its folder) as a string: `"path"`,
/// `"./path"`, `"${path.module}/path"` and the like.
fn uses_of(text: &str, path: &str) -> usize {
    memchr::memmem::find_iter(text.as_bytes(), path.as_bytes())
        .filter(|&i| {
            let before = &text[..i];
            let starts =
                before.ends_with('"') || before.ends_with("}/") || before.ends_with("\"./");
            starts && text[i + path.len()..].starts_with('"')
        })
        .count()
}

/// Whether a file is in Terraform's JSON syntax, by its name (`.tf.json`).
fn is_tf_json(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".tf.json"))
}

/// The `.tf` and `.tf.json` files of a folder (regular files only: no symlink is followed), in name order, as
/// Terraform reads them (the order decides nothing, but runs stay alike).
fn tf_files(dir: &Path) -> Arc<[PathBuf]> {
    let cache = FOLDERS.get_or_init(FolderCache::default);
    if let Some(known) = cache.lock().ok().and_then(|c| c.get(dir).cloned()) {
        return known;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_type().is_ok_and(|t| t.is_file())
                && (Path::new(&e.file_name())
                    .extension()
                    .is_some_and(|x| x == "tf")
                    || is_tf_json(&e.path()))
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    let files: Arc<[PathBuf]> = files.into();
    if let Ok(mut c) = cache.lock() {
        c.insert(dir.to_path_buf(), files.clone());
    }
    files
}

/// What a `.tf` (or `.tf.json`) file of the working tree tells its module, if it mentions IAM
/// (bounded read).
fn module_at(p: &Path) -> Option<Arc<document::TfModule>> {
    let cache = MODULES.get_or_init(ModuleCache::default);
    if let Some(known) = cache.lock().ok()?.get(p) {
        return known.clone();
    }
    let name = || {
        p.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    };
    let module = match crate::fsio::read_text(p) {
        // Too big, not UTF-8, unreadable: it may attach anything.
        Err(_) => Some(document::TfModule::unreadable(name())),
        Ok(t) if !t.contains("aws_iam_") => None,
        Ok(t) if is_tf_json(p) => match crate::policy::json::parse(&t) {
            Ok(_) => document::TfModule::of_json(&t),
            Err(_) => Some(document::TfModule::unreadable(name())),
        },
        Ok(t) => {
            document::TfModule::of(&t).or_else(|| Some(document::TfModule::unreadable(name())))
        }
    }
    .map(Arc::new);
    cache.lock().ok()?.insert(p.to_path_buf(), module.clone());
    module
}

/// The other `.tf` files of a Terraform file's folder (its module) that mention IAM: their
/// references bind its policies too. Read from the working tree, in every mode (the index holds
/// the changed files only).
fn module_siblings(path: &Path) -> Vec<Arc<document::TfModule>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name();
    tf_files(dir)
        .iter()
        .filter(|p| p.file_name() != name)
        .filter_map(|p| module_at(p))
        .collect()
}

/// The Terraform policies that load the policy file at `rel` (from the config's folder) with
/// `file()` or `templatefile()`: those of the `.tf` files in its folder and each folder above it
/// up to the config's, as `file.tf#address` with what their module says of them. Only the
/// working tree's `.tf` files are read, and nothing outside the config's folder (no symlinked
/// folder is entered).
fn loaded_by_terraform(config: &Config, rel: &Path) -> Vec<Loader> {
    use std::path::Component;
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let Some(parts) = parts.filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    // The folders from the config's down to the file's, up to the first symlinked one: what a
    // symlink leads to may lie outside the repository.
    let mut dirs = vec![config.root.clone()];
    for seg in &parts[..parts.len() - 1] {
        let next = dirs[dirs.len() - 1].join(seg);
        if std::fs::symlink_metadata(&next).map_or(true, |m| m.file_type().is_symlink()) {
            break;
        }
        dirs.push(next);
    }
    let mut out = Vec::new();
    for (depth, dir) in dirs.iter().enumerate().rev() {
        let from_dir = parts[depth..].join("/");
        if let Some(found) = folder_loads(config, dir).get(&from_dir) {
            out.extend(found.iter().cloned());
        }
    }
    out
}

/// How a template's policy is bound, when its own hints decide.
enum Bound {
    /// To these principals, by this step; with the roles found by their generated names.
    To(Vec<String>, &'static str, Vec<GeneratedName>),
    /// Several roles have a generated name that fits: bound to none of them.
    Ambiguous(Vec<GeneratedName>),
    /// A Terraform policy's roles by their names and name patterns: bound to these principals
    /// (none when a pattern fits no role or several).
    Patterns(Vec<String>, Vec<NameMatch>),
}

/// Whom a template's policy belongs to, and by which step, in this order: a `[[bind]]` naming its
/// resource (or a role a policy resource attaches to) with `file#LogicalId`; else the literal
/// `RoleName` of its role; else, for a template deployed as a `[[stack]]`, its roles in the
/// stack's address book, else by the names CloudFormation generates for them. `None`: the file's
/// own binds decide.
fn bound_in_template(
    config: &Config,
    rel: &Path,
    at: &PolicyAt,
    snapshot: &Snapshot,
    books: &Books,
) -> Result<Option<Bound>, AppError> {
    let h = &at.hints;
    let ids: Vec<&str> = h
        .logical_id
        .iter()
        .chain(&h.roles)
        .map(String::as_str)
        .collect();
    if !ids.is_empty() && config.has_fragments_for(rel) {
        let bound = config.principals_for_resources(rel, &ids);
        if !bound.is_empty() {
            return Ok(Some(Bound::To(bound, "bind-resource", Vec::new())));
        }
    }
    let mut names: Vec<String> = h.role_name.iter().chain(&h.role_names).cloned().collect();
    names.dedup();
    if !names.is_empty() {
        let how = if h.terraform {
            "terraform-role"
        } else {
            "role-name"
        };
        return Ok(Some(Bound::To(names, how, Vec::new())));
    }
    if h.terraform
        && let Some(b) = terraform_state(config, rel, h, books)?
    {
        return Ok(Some(b));
    }
    if !h.name_patterns.is_empty() {
        let (principals, matches) = by_name_patterns(&h.name_patterns, snapshot);
        return Ok(Some(Bound::Patterns(principals, matches)));
    }
    let stacks = config.stacks_for(rel);
    if stacks.is_empty() {
        return Ok(None);
    }
    // The policy's role: the resource itself, or the roles a policy resource attaches to.
    let roles: Vec<&str> = if h.roles.is_empty() {
        h.logical_id.iter().map(String::as_str).collect()
    } else {
        h.roles.iter().map(String::as_str).collect()
    };
    let mut bound: Vec<String> = Vec::new();
    let mut generated = Vec::new();
    // Deployments (a role in a stack) found by neither way: no evidence for them.
    let mut unknown: Vec<String> = Vec::new();
    let mut arns: Option<Vec<&str>> = None;
    for &stack in &stacks {
        let book = books.get(stack)?;
        for &id in &roles {
            if let Some(name) = book.as_ref().and_then(|b| b.roles.get(id)) {
                bound.push(format!("role/{name}"));
                continue;
            }
            let all = arns.get_or_insert_with(|| snapshot.arns());
            let matches: Vec<String> = all
                .iter()
                .filter(|a| {
                    a.split_once(":role/").is_some_and(|(_, path)| {
                        let name = path.rsplit('/').next().unwrap_or(path);
                        is_generated_name(name, stack, id)
                    })
                })
                .map(|a| a.to_string())
                .collect();
            match matches.len() {
                0 => unknown.push(format!("role/{stack}-{id}-…")),
                1 => {
                    bound.push(matches[0].clone());
                    generated.push(GeneratedName {
                        stack: stack.to_string(),
                        logical_id: id.to_string(),
                        matches,
                    });
                }
                _ => generated.push(GeneratedName {
                    stack: stack.to_string(),
                    logical_id: id.to_string(),
                    matches,
                }),
            }
        }
    }
    if generated.iter().any(|g| g.matches.len() > 1) {
        return Ok(Some(Bound::Ambiguous(generated)));
    }
    if bound.is_empty() {
        return Ok(None);
    }
    // A policy of several roles may lose only what all of them leave unused: a role not found
    // stays bound, with no evidence.
    for u in unknown {
        if !bound.contains(&u) {
            bound.push(u);
        }
    }
    let mut seen = std::collections::HashSet::new();
    bound.retain(|b| seen.insert(b.clone()));
    let how = if generated.is_empty() {
        "stack-resources"
    } else {
        "generated-name"
    };
    Ok(Some(Bound::To(bound, how, generated)))
}
