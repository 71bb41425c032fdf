//! Evidence: IAM Access Analyzer unused-access findings, read from the files the AWS CLI prints
//! (every shape), merged into a [`Snapshot`] keyed by principal.
//!
//! Evidence is checked, never guessed: a field of the wrong type or form fails the whole load
//! with the file and the JSON pointer (`field`); only regular files are read, with a bound; a
//! symlink inside a snapshot folder is refused (see `index`).

mod aws;
pub mod binding;
mod field;
mod files;
pub mod index;
pub mod normalized;
pub mod stacks;
pub mod tf_state;
pub mod time;
mod unused;

pub use unused::{UnusedService, UnusedSet};

use files::read_path;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the findings say of one principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalFindings {
    /// The principal's ARN (`resource`), when the file names it.
    pub principal: Option<String>,
    pub id: Option<String>,
    /// `ACTIVE`, `ARCHIVED` or `RESOLVED`; `None` for the short form (taken as active).
    pub status: Option<String>,
    pub finding_type: Option<String>,
    pub analyzed_at: Option<String>,
    pub last_accessed: Option<String>,
    /// Only a `list-findings-v2` summary was seen: no actions are known.
    pub details_missing: bool,
    /// The analyzer analyzed the principal (at `analyzed_at`) and had no active finding for it
    /// (an analyzed-principals file): evidence that nothing is unused.
    pub nothing_unused: bool,
    pub unused: UnusedSet,
}

impl PrincipalFindings {
    /// Only `ACTIVE` findings count.
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "ACTIVE")
    }
}

/// AWS's recommendation for one principal (`get-finding-recommendation`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recommendation {
    pub principal: Option<String>,
    pub status: Option<String>,
    pub completed_at: Option<String>,
    /// One entry per `existingPolicyId`, the steps for it paired.
    pub steps: Vec<RecommendedStep>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecommendedStep {
    pub existing_policy_id: String,
    pub detach: bool,
    /// `CREATE_POLICY`'s policy, a JSON string.
    pub recommended_policy: Option<String>,
    pub policy_updated_at: Option<String>,
}

impl RecommendedStep {
    /// The policy's name: an inline policy's id, or the last segment of a managed policy's ARN.
    pub fn policy_name(&self) -> &str {
        let id = &self.existing_policy_id;
        if id.starts_with("arn:") {
            id.rsplit('/').next().unwrap_or(id)
        } else {
            id
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    #[error("cannot read findings {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read findings {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: crate::fsio::ReadError,
    },
    #[error("{path} is not valid JSON: {reason}")]
    Json { path: String, reason: String },
    /// A field of the wrong type or form, at a JSON pointer.
    #[error("{path}: {pointer}: {reason}")]
    Field {
        path: String,
        pointer: String,
        reason: String,
    },
    /// A path `snapshot import` will not write through (a symlink, something not a file).
    #[error("{path}: {reason}: nothing written")]
    Refused { path: String, reason: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Shape { path: String, reason: String },
    #[error("{path} holds findings for several principals ({}); choose one with --principal", .principals.join(", "))]
    SeveralPrincipals {
        path: String,
        principals: Vec<String>,
    },
    #[error("{path} holds no active finding for {principal}")]
    NoSuchPrincipal { path: String, principal: String },
}

/// Every finding of a snapshot (a file or a folder of files), merged per principal.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// By principal ARN; `""` for findings that name no principal (the short form).
    pub principals: BTreeMap<String, PrincipalFindings>,
    pub recommendations: Vec<Recommendation>,
    /// What the reader noticed (details missing, findings not active).
    pub notes: Vec<String>,
    /// `list-stack-resources` outputs read (for `snapshot import --stack`).
    pub stack_pages: Vec<stacks::Page>,
    /// `terraform show -json` outputs read (for `snapshot import --terraform`).
    pub tf_states: Vec<tf_state::State>,
    /// An indexed folder, read a principal at a time.
    indexed: Option<index::Indexed>,
    /// When `indexed` is the cache's copy of a snapshot: the snapshot itself, read instead if a
    /// file of the copy turns out corrupt (`crate::cache`).
    cached: Option<std::sync::Arc<Fallback>>,
}

/// The snapshot a cached copy was made from, read only if the copy fails.
#[derive(Debug, Default)]
pub struct Fallback {
    pub source: PathBuf,
    /// The cache's pointer to the copy: removed when the copy fails, so the next run rebuilds.
    pub pointer: PathBuf,
    raw: std::sync::OnceLock<Option<Snapshot>>,
}

/// Whether an ARN names the principal given as an ARN, a bare role/user name, or `role/NAME`
/// (`user/NAME`): a role (user) of that name, whatever its path.
pub fn principal_matches(arn: &str, wanted: &str) -> bool {
    if arn == wanted || wanted.contains(':') {
        return arn == wanted;
    }
    let name = arn.rsplit('/').next();
    match wanted.split_once('/') {
        None => name == Some(wanted),
        Some((kind @ ("role" | "user"), n)) => {
            name == Some(n)
                && arn
                    .splitn(6, ':')
                    .nth(5)
                    .is_some_and(|res| res.starts_with(kind) && res[kind.len()..].starts_with('/'))
        }
        Some(_) => false,
    }
}

/// A document as iamtrim writes its snapshot files: four-space indentation, a final newline.
fn pretty_text(doc: &serde_json::Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(doc, &mut ser).expect("serializing a Value cannot fail");
    let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

fn parse_json(shown: &str, bytes: &[u8]) -> Result<serde_json::Value, FindingsError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| FindingsError::Json {
        path: shown.to_string(),
        reason: e.to_string(),
    })
}

impl Snapshot {
    /// Reads a snapshot file or folder; every `.json` in a folder is read, except an indexed
    /// folder (`snapshot import -o DIR/`), whose principals are read when first looked up.
    pub fn load(path: &Path) -> Result<Snapshot, FindingsError> {
        if index::is_indexed(path) {
            return Ok(Snapshot {
                indexed: Some(index::open(path)?),
                ..Snapshot::default()
            });
        }
        Self::load_all(&[path.to_path_buf()])
    }

    /// The cache's copy of the snapshot at `source`: an indexed folder whose `index.json` has
    /// the digest `index_digest` and whose files carry theirs in their names.
    pub fn cached_copy(
        dir: &Path,
        index_digest: u64,
        source: PathBuf,
        pointer: PathBuf,
    ) -> Result<Snapshot, FindingsError> {
        Ok(Snapshot {
            indexed: Some(index::open_verified(dir, index_digest)?),
            cached: Some(std::sync::Arc::new(Fallback {
                source,
                pointer,
                raw: std::sync::OnceLock::new(),
            })),
            ..Snapshot::default()
        })
    }

    /// Whether `index::write` keeps everything `check` asks of this snapshot (so that the cache
    /// may hold it as an indexed folder): no findings without a principal, and no
    /// recommendation for a principal without findings.
    pub fn indexable(&self) -> bool {
        self.indexed.is_none()
            && !self.principals.contains_key("")
            && self.recommendations.iter().all(|r| {
                r.principal
                    .as_deref()
                    .is_some_and(|p| self.principals.contains_key(p))
            })
    }

    /// The snapshot the cached copy was made from, read now (once), when the copy failed.
    fn fallback(&self) -> Option<&Snapshot> {
        let c = self.cached.as_ref()?;
        c.raw
            .get_or_init(|| {
                let _ = std::fs::remove_file(&c.pointer);
                Snapshot::load(&c.source).ok()
            })
            .as_ref()
    }

    /// Every principal read now (for import and show).
    pub fn materialize(mut self) -> Result<Snapshot, FindingsError> {
        let Some(ix) = self.indexed.take() else {
            return Ok(self);
        };
        for arn in ix.arns() {
            // Recommendations live in the principals' files.
            if let Some(mut one) = ix.snapshot_of(arn)? {
                if let Some(f) = one.principals.remove(arn) {
                    self.principals.insert(arn.to_string(), f);
                }
                self.recommendations.append(&mut one.recommendations);
            }
        }
        Ok(self)
    }

    /// One file's findings, from its bytes (`shown` names it in messages).
    pub(crate) fn from_bytes(shown: &str, bytes: &[u8]) -> Result<Snapshot, FindingsError> {
        let value = parse_json(shown, bytes)?;
        Ok(Snapshot::merge(vec![aws::read_any(shown, &value)?]))
    }

    /// Reads several files or folders into one snapshot.
    pub fn load_all(paths: &[PathBuf]) -> Result<Snapshot, FindingsError> {
        let mut contents = Vec::new();
        for p in paths {
            for r in read_path(p) {
                contents.push(r?);
            }
        }
        Ok(Snapshot::merge(contents))
    }

    /// Reads each file on its own (`snapshot import`): one that cannot be read (unreadable, not
    /// JSON, not a known shape, a field of the wrong form) is left out and its error returned,
    /// in the order given; the others are merged. An indexed folder is one input: whole or not
    /// at all. Also says how many inputs were read.
    pub fn load_each(paths: &[PathBuf]) -> (Snapshot, usize, Vec<FindingsError>) {
        let mut contents = Vec::new();
        let mut errors = Vec::new();
        for p in paths {
            for r in read_path(p) {
                match r {
                    Ok(c) => contents.push(c),
                    Err(e) => errors.push(e),
                }
            }
        }
        let read = contents.len();
        (Snapshot::merge(contents), read, errors)
    }

    fn merge(contents: Vec<aws::FileContents>) -> Snapshot {
        let mut snap = Snapshot::default();
        // Pages of one finding share its id: merge their details.
        let mut by_id: Vec<PrincipalFindings> = Vec::new();
        // Where each (id, principal) is in `by_id`: a folder of 10,000 findings is merged in
        // linear time (a search of `by_id` per finding took a second).
        let mut pages: std::collections::HashMap<(String, Option<String>), usize> =
            std::collections::HashMap::new();
        let mut summaries = Vec::new();
        // (principal, analyzedAt) of analyzed-principals files; the newest analysis wins.
        let mut analyzed: BTreeMap<String, String> = BTreeMap::new();
        for c in contents {
            for (who, at) in c.analyzed {
                match analyzed.get(&who) {
                    Some(cur) if !newer(&Some(at.clone()), &Some(cur.clone())) => {}
                    _ => {
                        analyzed.insert(who, at);
                    }
                }
            }
            for f in c.findings {
                let key = f.id.clone().map(|id| (id, f.principal.clone()));
                let seen = key.as_ref().and_then(|k| pages.get(k)).copied();
                match seen.map(|i| &mut by_id[i]) {
                    Some(g) => {
                        g.unused.merge(&f.unused);
                        if let Some(la) = &f.last_accessed {
                            g.last_accessed = aws::max_str(g.last_accessed.take(), la);
                        }
                    }
                    None => {
                        if let Some(k) = key {
                            pages.insert(k, by_id.len());
                        }
                        by_id.push(f);
                    }
                }
            }
            summaries.extend(c.summaries);
            snap.recommendations.extend(c.recommendations);
            snap.stack_pages.extend(c.stack_pages);
            snap.tf_states.extend(c.tf_states);
        }
        for f in by_id {
            let who = f.principal.clone().unwrap_or_default();
            if !f.is_active() {
                snap.notes.push(format!(
                    "{who}: finding {} is {}, not ACTIVE: ignored",
                    f.id.as_deref().unwrap_or("?"),
                    f.status.as_deref().unwrap_or("?")
                ));
                continue;
            }
            snap.add(who, f);
        }
        for mut s in summaries {
            let who = s.principal.clone().unwrap_or_default();
            if !s.is_active() || snap.principals.contains_key(&who) {
                continue;
            }
            match s.finding_type.as_deref() {
                // The summary says it all: the whole role is unused.
                Some("UnusedIAMRole") => {
                    s.details_missing = false;
                    s.unused.everything = true;
                    snap.principals.insert(who, s);
                    continue;
                }
                Some("UnusedPermission") => {}
                // Unused access keys and passwords say nothing about policies.
                _ => continue,
            }
            snap.notes.push(format!(
                "{who}: only a list-findings-v2 summary ({}): details missing, run `aws accessanalyzer get-finding-v2 --id {}`",
                s.finding_type.as_deref().unwrap_or("?"),
                s.id.as_deref().unwrap_or("?")
            ));
            snap.principals.insert(who, s);
        }
        // Analyzed with no active finding: nothing unused (a finding, even a summary, says more).
        for (who, at) in analyzed {
            if snap.principals.contains_key(&who) {
                continue;
            }
            snap.principals.insert(
                who.clone(),
                PrincipalFindings {
                    principal: Some(who),
                    status: Some("ACTIVE".into()),
                    analyzed_at: Some(at),
                    nothing_unused: true,
                    ..PrincipalFindings::default()
                },
            );
        }
        snap.recommendations
            .retain(|r| r.status.as_deref() != Some("FAILED"));
        snap
    }

    /// Adds a principal's finding: a newer finding of the same type replaces an older one;
    /// findings of different types (unused permissions, unused role) combine.
    fn add(&mut self, who: String, f: PrincipalFindings) {
        match self.principals.get_mut(&who) {
            None => {
                self.principals.insert(who, f);
            }
            Some(cur) if cur.details_missing => *cur = f,
            // "Analyzed, nothing unused" and a finding: the newer says; a tie goes to the finding.
            Some(cur) if cur.nothing_unused || f.nothing_unused => {
                let f_wins = if f.nothing_unused {
                    newer(&f.analyzed_at, &cur.analyzed_at)
                } else {
                    !newer(&cur.analyzed_at, &f.analyzed_at)
                };
                if f_wins {
                    *cur = f;
                }
            }
            Some(cur) if cur.finding_type == f.finding_type => {
                if newer(&f.analyzed_at, &cur.analyzed_at) {
                    *cur = f;
                }
            }
            Some(cur) => {
                cur.unused.merge(&f.unused);
                if newer(&f.analyzed_at, &cur.analyzed_at) {
                    cur.analyzed_at = f.analyzed_at;
                }
            }
        }
    }

    /// Replaces or adds every principal of `newer_snapshot` whose findings are at least as new.
    pub fn update(&mut self, newer_snapshot: Snapshot) {
        for (who, f) in newer_snapshot.principals {
            let replace = self
                .principals
                .get(&who)
                .is_none_or(|cur| !newer(&cur.analyzed_at, &f.analyzed_at));
            if replace {
                self.principals.insert(who, f);
            }
        }
        for r in newer_snapshot.recommendations {
            self.recommendations.retain(|c| c.principal != r.principal);
            self.recommendations.push(r);
        }
        self.recommendations
            .sort_by(|a, b| a.principal.cmp(&b.principal));
        self.notes.extend(newer_snapshot.notes);
    }

    /// The principal's findings, by ARN or bare role/user name. From an indexed folder they
    /// are read from the principal's file on each call and not kept: a run over 10,000 files
    /// bound to 10,000 principals would otherwise hold every principal's findings to the end.
    pub fn find(
        &self,
        wanted: &str,
    ) -> Result<Option<(&str, Cow<'_, PrincipalFindings>)>, FindingsError> {
        if let Some((arn, f)) = self.principals.get_key_value(wanted) {
            return Ok(Some((arn.as_str(), Cow::Borrowed(f))));
        }
        if let Some(ix) = &self.indexed {
            let found = match ix.get(wanted) {
                Ok(Some(hit)) => Ok(Some(hit)),
                Ok(None) if !wanted.contains(':') => {
                    match ix.arns().find(|a| principal_matches(a, wanted)) {
                        Some(arn) => ix.get(arn),
                        None => Ok(None),
                    }
                }
                other => other,
            };
            match found {
                Ok(Some((arn, f))) => return Ok(Some((arn, Cow::Owned(f)))),
                Ok(None) => {}
                Err(e) => {
                    return match self.fallback() {
                        Some(raw) => raw.find(wanted),
                        None => Err(e),
                    };
                }
            }
        }
        if wanted.contains(':') {
            return Ok(None);
        }
        Ok(self
            .principals
            .iter()
            .find(|(arn, _)| !arn.is_empty() && principal_matches(arn, wanted))
            .map(|(a, f)| (a.as_str(), Cow::Borrowed(f))))
    }

    /// Every principal's ARN (an indexed folder's from its index, nothing else read).
    pub fn arns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .principals
            .keys()
            .map(String::as_str)
            .filter(|a| !a.is_empty())
            .chain(self.indexed.iter().flat_map(index::Indexed::arns))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The newest `analyzedAt` of any finding, in seconds since the epoch.
    pub fn newest_analysis(&self) -> Option<i64> {
        self.principals
            .values()
            .filter_map(|f| f.analyzed_at.as_deref().and_then(time::parse))
            .chain(self.indexed.as_ref().and_then(index::Indexed::newest))
            .max()
    }

    /// The principals whose recommendations name a policy called `name`.
    pub fn recommended_for_policy(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .recommendations
            .iter()
            .filter(|r| r.steps.iter().any(|s| s.policy_name() == name))
            .filter_map(|r| r.principal.clone())
            .chain(
                self.indexed
                    .iter()
                    .flat_map(|ix| ix.policy_principals(name).iter().cloned()),
            )
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

fn newer(a: &Option<String>, b: &Option<String>) -> bool {
    let t = |x: &Option<String>| x.as_deref().and_then(time::parse);
    match (t(a), t(b)) {
        (Some(x), Some(y)) => x > y,
        (Some(_), None) => true,
        _ => false,
    }
}

/// What a findings file says of one principal: its ARN, its unused set, and the `analyzedAt` of
/// "analyzed: nothing unused" when that is all it says.
pub type OneUnused = (Option<String>, UnusedSet, Option<String>);

/// The unused set of one principal from a findings file or folder: the only one it names, or the
/// one chosen with `principal` (an ARN or a role name).
pub fn unused_for(path: &Path, principal: Option<&str>) -> Result<OneUnused, FindingsError> {
    let nothing = |f: &PrincipalFindings| {
        f.nothing_unused
            .then(|| f.analyzed_at.clone().unwrap_or_default())
    };
    let shown = path.display().to_string();
    let snap = Snapshot::load(path)?.materialize()?;
    let named: Vec<String> = snap
        .principals
        .keys()
        .filter(|k| !k.is_empty())
        .cloned()
        .collect();
    match principal {
        Some(p) => match snap.find(p)? {
            Some((arn, f)) => Ok((Some(arn.to_string()), f.unused.clone(), nothing(&f))),
            // A file that names no principal (the short form) is taken as the principal's.
            None if named.is_empty() => Ok((
                Some(p.to_string()),
                snap.principals
                    .get("")
                    .map(|f| f.unused.clone())
                    .unwrap_or_default(),
                None,
            )),
            None => Err(FindingsError::NoSuchPrincipal {
                path: shown,
                principal: p.to_string(),
            }),
        },
        None if named.len() > 1 => Err(FindingsError::SeveralPrincipals {
            path: shown,
            principals: named,
        }),
        None => {
            let mut unused = UnusedSet::default();
            for f in snap.principals.values() {
                unused.merge(&f.unused);
            }
            let only = snap.principals.values().next().and_then(nothing);
            Ok((named.into_iter().next(), unused, only))
        }
    }
}
