//! `iamtrim.toml`: found at the git root (or given with `--config`). Paths in it are relative to its
//! folder. Unknown keys are errors that point at the key.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

mod cached;
mod ignore;
mod stack;
mod terraform;

pub use ignore::{FileSel, StatementSel, Suppression};

/// The default `ignore-sid-prefix`.
pub const IGNORE_SID_PREFIX: &str = "iamtrim-ignore";

pub const FILE_NAME: &str = "iamtrim.toml";

/// `iamtrim.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    /// The findings snapshot: a file or a folder (`snapshot import -o DIR/`).
    snapshot: Option<String>,
    /// A folder of AWS Service Reference files to use instead of the embedded catalogue.
    catalog: Option<String>,
    /// Globs of the files that are policies (others are not read).
    include: Option<Vec<String>>,
    /// Globs of files never read.
    exclude: Option<Vec<String>>,
    /// Older findings make fixes unsafe: `30d`, `12h`, `2w`.
    max_snapshot_age: Option<String>,
    /// Files (globs, `file#LogicalId`) and the principals they are attached to.
    #[serde(default)]
    bind: Vec<RawBind>,
    /// The CloudFormation stacks a template is deployed as.
    #[serde(default)]
    stack: Vec<stack::RawStack>,
    /// Terraform folders and their address books.
    #[serde(default)]
    terraform: Vec<terraform::RawTerraform>,
    /// Suppressions, each with a reason.
    #[serde(default)]
    #[schemars(with = "Vec<ignore::RawIgnore>")]
    ignore: Vec<toml::Spanned<ignore::RawIgnore>>,
    /// Statements whose `Sid` starts with this are skipped by the unused-access rules
    /// (default `iamtrim-ignore`).
    ignore_sid_prefix: Option<String>,
    /// The baseline written by `iamtrim check --write-baseline`.
    baseline: Option<String>,
    /// Per rule id: its `level` (the keys keep their spans, to point at a misspelt rule).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, RawRule>")]
    rules: BTreeMap<toml::Spanned<String>, RawRule>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawBind {
    files: Vec<String>,
    principals: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRule {
    level: Level,
}

/// A rule's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
    Off,
}

pub struct Bind {
    /// ARNs or role names; `{stem}`, `{name}` and `{dir}` stand for the bound file's name
    /// without its extension, its name, and its folder's name.
    pub principals: Vec<String>,
}

/// The placeholders a bind's principals may use, and what they become for a file.
const PLACEHOLDERS: [&str; 3] = ["stem", "name", "dir"];

/// Why `principal` is not a valid template, if it is not.
fn template_error(principal: &str) -> Option<String> {
    let mut rest = principal;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Some(format!("unmatched `}}` in principal `{principal}`"));
        }
        let Some(len) = rest[i + 1..].find('}') else {
            return Some(format!("unmatched `{{` in principal `{principal}`"));
        };
        let name = &rest[i + 1..i + 1 + len];
        if !PLACEHOLDERS.contains(&name) {
            return Some(format!(
                "unknown placeholder `{{{name}}}` in principal `{principal}` (known: {{stem}}, {{name}}, {{dir}})"
            ));
        }
        rest = &rest[i + len + 2..];
    }
    None
}

/// `principal` with its placeholders filled in for the file at `rel_path`.
fn expand(principal: &str, rel_path: &Path) -> String {
    if !principal.contains('{') {
        return principal.to_string();
    }
    fn text(o: Option<&std::ffi::OsStr>) -> String {
        o.map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
    let dir = rel_path.parent().and_then(Path::file_name);
    principal
        .replace("{stem}", &text(rel_path.file_stem()))
        .replace("{name}", &text(rel_path.file_name()))
        .replace("{dir}", &text(dir))
}

/// The JSON Schema of `iamtrim.toml`, for editors (committed as `iamtrim.schema.json`).
pub fn json_schema() -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(Raw)).expect("a schema serializes");
    schema["title"] = "iamtrim.toml".into();
    // Rule ids: the registry's.
    let ids: Vec<&str> = crate::rules::RULES.iter().map(|r| r.id).collect();
    schema["properties"]["rules"]["propertyNames"] = serde_json::json!({ "enum": ids });
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    s.push('\n');
    s
}

/// The message for `[rules.ID]` naming no rule, with the closest rule id when one is close.
pub(crate) fn unknown_rule(id: &str) -> String {
    let closest = crate::rules::RULES
        .iter()
        .map(|r| (crate::rules::edit_distance(id, r.id), r.id))
        .min()
        .filter(|(d, _)| *d <= 2.max(id.len() / 4));
    match closest {
        Some((_, near)) => format!("no rule called `{id}`: did you mean `{near}`?"),
        None => format!("no rule called `{id}`: `iamtrim rules` lists them"),
    }
}

/// The loaded configuration.
pub struct Config {
    /// The config file, if there is one.
    pub path: Option<PathBuf>,
    /// The folder paths are relative to: the config's, or the git root / current folder.
    pub root: PathBuf,
    pub snapshot: Option<PathBuf>,
    /// A folder of AWS Service Reference files to use instead of the embedded catalogue.
    pub catalog: Option<PathBuf>,
    pub include: Option<GlobSet>,
    pub exclude: Option<GlobSet>,
    /// `max-snapshot-age`, in seconds.
    pub max_snapshot_age: Option<i64>,
    pub binds: Vec<Bind>,
    /// Every bind's globs in one set, and which bind each glob belongs to: one match per file,
    /// however many binds there are.
    bind_globs: GlobSet,
    bind_of_glob: Vec<usize>,
    /// Binds by literal file path (no glob characters): a hash look-up, no glob compiled.
    bind_literals: std::collections::HashMap<String, Vec<usize>>,
    /// Binds of one resource of a template (`files = ["cfn/app.json#AppRole"]`): the file glob,
    /// the logical id, the bind.
    bind_fragments: Vec<(globset::GlobMatcher, String, usize)>,
    /// Each bind's place among the file's `[[bind]]` tables (the order their principals come
    /// in): its index, unless the cache holds some of the tables (`bind_table`).
    bind_order: Vec<usize>,
    /// From the cache: the binds whose files are all literal paths, as a table sorted by path
    /// (`binds` then holds only the others).
    bind_table: Option<cached::Table>,
    /// `[[stack]]`: the stacks templates are deployed as.
    stacks: stack::Stacks,
    /// `[[terraform]]`: the address books of Terraform folders.
    terraform: terraform::Terraform,
    pub rules: BTreeMap<String, Level>,
    /// `[[ignore]]`, in order.
    pub ignores: Vec<Suppression>,
    /// Statements whose `Sid` starts with this are skipped by the unused-access rules.
    pub ignore_sid_prefix: String,
    /// `baseline`: the findings recorded by `check --write-baseline`.
    pub baseline: Option<PathBuf>,
    /// The config file's text (for findings about it).
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: crate::fsio::ReadError,
    },
    /// An error at a place in the file; `span` is a byte range in `text`.
    #[error("{path}: {message}")]
    At {
        path: String,
        text: String,
        span: Option<Range<usize>>,
        message: String,
    },
}

impl Config {
    /// No config: defaults, no bindings.
    pub fn empty(root: PathBuf) -> Config {
        Config {
            path: None,
            root,
            snapshot: None,
            catalog: None,
            include: None,
            exclude: None,
            max_snapshot_age: None,
            binds: Vec::new(),
            bind_globs: GlobSet::empty(),
            bind_of_glob: Vec::new(),
            bind_literals: std::collections::HashMap::new(),
            bind_fragments: Vec::new(),
            bind_order: Vec::new(),
            bind_table: None,
            stacks: stack::Stacks::default(),
            terraform: terraform::Terraform::default(),
            rules: BTreeMap::new(),
            ignores: Vec::new(),
            ignore_sid_prefix: IGNORE_SID_PREFIX.to_string(),
            baseline: None,
            text: String::new(),
        }
    }

    /// `--config FILE`, else `iamtrim.toml` at the root of the git work tree holding `cwd`, else
    /// defaults.
    pub fn discover(explicit: Option<&Path>, cwd: &Path) -> Result<Config, ConfigError> {
        Config::discover_cached(explicit, cwd, None)
    }

    /// `discover`, through the cache when there is one (see `load_cached`).
    pub fn discover_cached(
        explicit: Option<&Path>,
        cwd: &Path,
        cache: Option<&crate::cache::Cache>,
    ) -> Result<Config, ConfigError> {
        let load = |p: &Path| match cache {
            Some(c) => cached::load(p, c),
            None => Config::load(p),
        };
        if let Some(path) = explicit {
            return load(path);
        }
        let root = cwd
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(cwd)
            .to_path_buf();
        let candidate = root.join(FILE_NAME);
        // Anything by that name is the config (and an error if it is not a readable file).
        if std::fs::metadata(&candidate).is_ok() {
            load(&candidate)
        } else {
            Ok(Config::empty(root))
        }
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::from_text(path, Config::read(path)?, None)
    }

    /// The config file's text: bounded, and never a FIFO (which would block) or a device.
    fn read(path: &Path) -> Result<String, ConfigError> {
        crate::fsio::read_text(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// The config of `text`; with `cached`, its `[[bind]]` tables of literal paths are blanked
    /// out of the text that is parsed and come from the cache's table instead.
    fn from_text(
        path: &Path,
        text: String,
        cached: Option<cached::Entry>,
    ) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let at = |span: Option<Range<usize>>, message: String| ConfigError::At {
            path: shown.clone(),
            text: text.clone(),
            span,
            message,
        };
        let (raw, bind_order, bind_table) = match cached {
            None => {
                let raw: Raw =
                    toml::from_str(&text).map_err(|e| at(e.span(), e.message().to_string()))?;
                let order = (0..raw.bind.len()).collect();
                (raw, order, None)
            }
            Some(entry) => {
                let blanked = entry.blank(&text);
                let raw: Raw =
                    toml::from_str(&blanked).map_err(|e| at(e.span(), e.message().to_string()))?;
                if raw.bind.len() != entry.kept.len() {
                    return Err(at(None, "the cache does not fit the config".into()));
                }
                (raw, entry.kept, Some(entry.table))
            }
        };
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        let find = |needle: &str| {
            let quoted = format!("\"{needle}\"");
            text.find(&quoted).map(|i| i..i + quoted.len())
        };
        let globs = |list: &[String]| -> Result<GlobSet, ConfigError> {
            let mut b = GlobSetBuilder::new();
            for g in list {
                b.add(Glob::new(g).map_err(|e| at(find(g), format!("bad glob `{g}`: {e}")))?);
            }
            b.build().map_err(|e| at(None, e.to_string()))
        };
        let max_snapshot_age = match &raw.max_snapshot_age {
            None => None,
            Some(s) => Some(crate::findings::time::parse_age(s).ok_or_else(|| {
                at(
                    find(s),
                    format!("max-snapshot-age `{s}` is not a duration such as \"30d\", \"12h\" or \"2w\""),
                )
            })?),
        };
        let mut binds = Vec::new();
        let mut all = GlobSetBuilder::new();
        let mut bind_of_glob = Vec::new();
        let mut bind_literals: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        let mut bind_fragments = Vec::new();
        for (i, b) in raw.bind.into_iter().enumerate() {
            for p in &b.principals {
                if let Some(message) = template_error(p) {
                    return Err(at(find(p), message));
                }
            }
            for g in &b.files {
                if let Some((file, id)) = g.split_once('#') {
                    if id.is_empty() {
                        return Err(at(
                            find(g),
                            format!(
                                "`{g}`: nothing after `#` (a logical id such as `{file}#AppRole`)"
                            ),
                        ));
                    }
                    let file = file.strip_prefix("./").unwrap_or(file);
                    let m = Glob::new(file)
                        .map_err(|e| at(find(g), format!("bad glob `{g}`: {e}")))?
                        .compile_matcher();
                    bind_fragments.push((m, id.to_string(), i));
                    continue;
                }
                if !g.contains(['*', '?', '[', ']', '{', '}', '\\']) {
                    let literal = g.strip_prefix("./").unwrap_or(g);
                    bind_literals
                        .entry(literal.to_string())
                        .or_default()
                        .push(i);
                    continue;
                }
                all.add(Glob::new(g).map_err(|e| at(find(g), format!("bad glob `{g}`: {e}")))?);
                bind_of_glob.push(i);
            }
            binds.push(Bind {
                principals: b.principals,
            });
        }
        let bind_globs = all.build().map_err(|e| at(None, e.to_string()))?;
        let stacks = stack::Stacks::new(raw.stack).map_err(|(needle, m)| at(find(&needle), m))?;
        let terraform =
            terraform::Terraform::new(raw.terraform).map_err(|(needle, m)| at(find(&needle), m))?;
        let mut rules = BTreeMap::new();
        for (key, rule) in raw.rules {
            let span = key.span();
            let id = key.into_inner();
            if crate::rules::find(&id).is_none() {
                return Err(at(Some(span), unknown_rule(&id)));
            }
            rules.insert(id, rule.level);
        }
        let ignores = ignore::compile(raw.ignore, &text).map_err(|(span, m)| at(Some(span), m))?;
        let ignore_sid_prefix = match raw.ignore_sid_prefix {
            None => IGNORE_SID_PREFIX.to_string(),
            Some(p) if p.trim().is_empty() => {
                return Err(at(
                    find(&p),
                    "`ignore-sid-prefix` is empty: it would skip every statement".to_string(),
                ));
            }
            Some(p) => p,
        };
        Ok(Config {
            ignores,
            ignore_sid_prefix,
            baseline: raw.baseline.as_ref().map(|s| root.join(s)),
            path: Some(path.to_path_buf()),
            snapshot: raw.snapshot.as_ref().map(|s| root.join(s)),
            catalog: raw.catalog.as_ref().map(|s| root.join(s)),
            include: raw.include.as_deref().map(globs).transpose()?,
            exclude: raw.exclude.as_deref().map(globs).transpose()?,
            max_snapshot_age,
            binds,
            bind_globs,
            bind_of_glob,
            bind_literals,
            bind_fragments,
            bind_order,
            bind_table,
            stacks,
            terraform,
            rules,
            root,
            text,
        })
    }

    /// The principals `[[bind]]` ties to a file (path relative to the config's folder).
    pub fn principals_for(&self, rel_path: &Path) -> Vec<String> {
        let binds: Vec<usize> = self
            .bind_globs
            .matches(rel_path)
            .into_iter()
            .map(|g| self.bind_of_glob[g])
            .chain(
                rel_path
                    .to_str()
                    .and_then(|p| self.bind_literals.get(p.strip_prefix("./").unwrap_or(p)))
                    .into_iter()
                    .flatten()
                    .copied(),
            )
            .collect();
        // (the bind's place in the file, its principals), in the file's order.
        let mut hits: Vec<(usize, std::borrow::Cow<'_, [String]>)> = binds
            .into_iter()
            .map(|b| (self.bind_order[b], (&self.binds[b].principals[..]).into()))
            .collect();
        if let (Some(t), Some(p)) = (&self.bind_table, rel_path.to_str()) {
            hits.extend(
                t.get(p.strip_prefix("./").unwrap_or(p))
                    .into_iter()
                    .map(|(i, ps)| (i, ps.into())),
            );
        }
        hits.sort_by_key(|(i, _)| *i);
        hits.dedup_by_key(|(i, _)| *i);
        let mut out: Vec<String> = Vec::new();
        for (_, principals) in &hits {
            for p in principals.iter() {
                let p = expand(p, rel_path);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Whether a bind names resources of this file (`file#LogicalId`).
    pub fn has_fragments_for(&self, rel_path: &Path) -> bool {
        self.bind_fragments
            .iter()
            .any(|(m, _, _)| m.is_match(rel_path))
    }

    /// The principals `[[bind]]` ties to the resources `ids` of a template (`file#LogicalId`);
    /// empty when no bind names one of them.
    pub fn principals_for_resources(&self, rel_path: &Path, ids: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (m, id, b) in &self.bind_fragments {
            if !ids.contains(&id.as_str()) || !m.is_match(rel_path) {
                continue;
            }
            for p in &self.binds[*b].principals {
                let p = expand(p, rel_path);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The stacks `[[stack]]` says the template at `rel_path` is deployed as.
    pub fn stacks_for(&self, rel_path: &Path) -> Vec<&str> {
        self.stacks.of(rel_path)
    }

    /// The Terraform address books `[[terraform]]` gives the folder of the file at `rel_path`,
    /// with the module's address in each (`""`: the root module).
    pub fn terraform_books_for(&self, rel_path: &Path) -> Vec<(&str, &str)> {
        self.terraform.of(rel_path)
    }

    /// `path` relative to the config's folder, when it lies inside it.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let (p, root) = (abs(path), abs(&self.root));
        p.strip_prefix(&root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_rules_are_named_with_the_closest() {
        use crate::rules::edit_distance;
        assert_eq!(edit_distance("unused-acton", "unused-action"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert!(unknown_rule("unused-acton").contains("did you mean `unused-action`?"));
        assert!(unknown_rule("completely-different").contains("iamtrim rules"));
    }

    #[test]
    fn binds_of_template_resources() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            "[[bind]]\nfiles = [\"cfn/*.json#AppRole\", \"./cfn/app.json\"]\nprincipals = [\"app\"]\n\n[[bind]]\nfiles = [\"cfn/app.json#Worker\"]\nprincipals = [\"role/{stem}-worker\"]\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        let app = Path::new("cfn/app.json");
        // A fragment binds only its resource; the plain entry the whole file.
        assert_eq!(c.principals_for(app), ["app"]);
        assert!(c.has_fragments_for(app) && !c.has_fragments_for(Path::new("x.json")));
        assert_eq!(c.principals_for_resources(app, &["AppRole"]), ["app"]);
        assert_eq!(
            c.principals_for_resources(app, &["Worker", "AppRole"]),
            ["app", "role/app-worker"]
        );
        assert!(c.principals_for_resources(app, &["Other"]).is_empty());
        assert!(
            c.principals_for_resources(Path::new("cfn/b.json"), &["Worker"])
                .is_empty()
        );
        std::fs::write(
            &path,
            "[[bind]]\nfiles = [\"a.json#\"]\nprincipals = [\"x\"]\n",
        )
        .unwrap();
        let Err(ConfigError::At { message, .. }) = Config::load(&path) else {
            panic!("an empty fragment is an error");
        };
        assert!(message.contains("nothing after `#`"), "{message}");
    }

    #[test]
    fn templates() {
        assert_eq!(template_error("arn:aws:iam::1:role/{stem}"), None);
        assert_eq!(template_error("{dir}-{name}"), None);
        assert_eq!(template_error("MyRole"), None);
        for bad in ["{stem", "stem}", "{}", "{Stem}", "{stem}{x}"] {
            assert!(template_error(bad).is_some(), "{bad}");
        }
        let p = Path::new("iam/team-a/app.policy.json");
        assert_eq!(expand("role/{stem}", p), "role/app.policy");
        assert_eq!(expand("{name}", p), "app.policy.json");
        assert_eq!(expand("{dir}/{stem}", p), "team-a/app.policy");
        assert_eq!(expand("{dir}", Path::new("top.json")), "");
        assert_eq!(expand("plain", p), "plain");
    }
}
