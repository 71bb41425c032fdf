//! The snapshot laid out for look-up by principal: a folder with `index.json` and one normalized
//! file per principal under `principals/`. A run reads the index and only the principals its
//! files are bound to, so checking one file stays fast with 10,000 principals in the snapshot.
//!
//! `index.json`: `{"version": 1, "layout": "by-principal", "newestAnalyzedAt": "…",
//! "principals": {ARN: "principals/FILE.json"}, "policies": {policy name: [ARN]}}`.
//!
//! An entry is a plain name inside the folder (no `..`, no absolute path), and no symlink inside
//! the folder is followed, `index.json`, `principals/` and the principals' files included: a
//! symlink committed into a repository could lead anywhere, so all of them are refused rather
//! than only those leading out. The folder itself may be a symlink (the user named it).

use super::field::{self, At, opt, req};
use super::{FindingsError, PrincipalFindings, Snapshot, normalized, time};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const INDEX: &str = "index.json";

#[derive(Debug, Clone, Default)]
pub struct Indexed {
    dir: PathBuf,
    /// `index.json` as read: the ARNs and file names below are spans in it, so opening an
    /// index of 10,000 principals allocates a handful of buffers, not 20,000 strings.
    text: Box<str>,
    /// Strings that had JSON escapes and so are not verbatim in `text`.
    owned: Vec<String>,
    /// (ARN, file relative to `dir`), sorted by ARN.
    entries: Vec<(Str, Str)>,
    policies: BTreeMap<String, Vec<String>>,
    newest: Option<i64>,
    /// For a folder iamtrim wrote into its cache: each file's digest (`crate::cache::digest`),
    /// checked when the file is read, so that a corrupt cache is never trusted.
    verify: bool,
    /// The cache's pack, opened once: each principal is one positioned read of its range (a
    /// run over 10,000 files opened it 10,000 times; reading it whole would hold it all).
    pack: std::sync::Arc<std::sync::OnceLock<Option<std::fs::File>>>,
}

/// Reads `buf.len()` bytes of `f` at `off`, whatever other threads read of it meanwhile.
fn read_exact_at(f: &std::fs::File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(f, buf, off)
    }
    #[cfg(not(unix))]
    {
        let mut done = 0;
        while done < buf.len() {
            let n =
                std::os::windows::fs::FileExt::seek_read(f, &mut buf[done..], off + done as u64)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// A string of the index: a byte range of its text, or one of the `owned` strings.
#[derive(Debug, Clone, Copy)]
enum Str {
    Span(u32, u32),
    Owned(u32),
}

fn err(path: &Path, reason: impl Into<String>) -> FindingsError {
    FindingsError::Shape {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Whether `dir` holds an indexed snapshot (an `index.json` of any kind: one that is not a
/// regular file is then refused, not taken for a plain folder's file).
pub fn is_indexed(dir: &Path) -> bool {
    dir.is_dir() && std::fs::symlink_metadata(dir.join(INDEX)).is_ok()
}

/// A JSON string borrowed from the text when it has no escapes.
#[derive(serde::Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The `principals` object as its (ARN, file) pairs, in file order.
struct Pairs<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Pairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of principal ARN to file")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Pairs<'a>, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some((Text(k), Text(v))) = m.next_entry::<Text, Text>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// `index.json`, read straight into its own shape, borrowing from the text (it is read on
/// every run).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexFile<'a> {
    version: u64,
    #[serde(borrow)]
    layout: Cow<'a, str>,
    newest_analyzed_at: Option<String>,
    #[serde(borrow)]
    principals: Pairs<'a>,
    #[serde(default)]
    policies: BTreeMap<String, Vec<String>>,
}

pub fn open(dir: &Path) -> Result<Indexed, FindingsError> {
    open_with(dir, None)
}

/// `open` for the cache's copy of a snapshot (`render(_, true)`): `index.json` must have the
/// digest `index_digest`, and each principal's range of the pack the digest its entry names.
pub fn open_verified(dir: &Path, index_digest: u64) -> Result<Indexed, FindingsError> {
    open_with(dir, Some(index_digest))
}

fn open_with(dir: &Path, index_digest: Option<u64>) -> Result<Indexed, FindingsError> {
    let path = dir.join(INDEX);
    let shown = path.display().to_string();
    let bytes =
        crate::fsio::read_inside(dir, INDEX, crate::fsio::MAX_INPUT_BYTES).map_err(|source| {
            FindingsError::Read {
                path: shown.clone(),
                source,
            }
        })?;
    checked(dir, bytes, index_digest)
}

/// [`open`] once `index.json` is read (the fuzz target drives it from any bytes).
pub(crate) fn from_bytes(dir: &Path, bytes: Vec<u8>) -> Result<Indexed, FindingsError> {
    checked(dir, bytes, None)
}

/// `from_bytes`, the text checked against `index_digest` when there is one.
fn checked(
    dir: &Path,
    bytes: Vec<u8>,
    index_digest: Option<u64>,
) -> Result<Indexed, FindingsError> {
    let path = dir.join(INDEX);
    let shown = path.display().to_string();
    let text: Box<str> = String::from_utf8(bytes)
        .map_err(|e| FindingsError::Json {
            path: shown.clone(),
            reason: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        })?
        .into();
    if index_digest.is_some_and(|d| d != crate::cache::digest(text.as_bytes())) {
        return Err(err(&path, "does not match its digest"));
    }
    if u32::try_from(text.len()).is_err() {
        return Err(err(&path, "index.json is larger than 4 GiB"));
    }
    let file: IndexFile = match serde_json::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            return Err(explain(
                &shown,
                &text,
                FindingsError::Json {
                    path: shown.clone(),
                    reason: e.to_string(),
                },
            ));
        }
    };
    // The forms, checked on the typed file (no JSON tree on this path); on a failure the tree
    // is built to say where. The principals' entries are checked when one is read (`entry`):
    // checking 10,000 of them here would double the cost of a pre-commit run that reads one.
    let formed = file.version == 1
        && file.layout == "by-principal"
        && file
            .newest_analyzed_at
            .as_deref()
            .is_none_or(field::is_date)
        && file.policies.iter().all(|(name, arns)| {
            field::is_policy_id(name) && arns.iter().all(|a| field::is_principal_arn(a))
        });
    if !formed {
        return Err(explain(&shown, &text, err(&path, "not a valid index")));
    }
    let base = text.as_ptr() as usize;
    let mut owned = Vec::new();
    let mut str_of = |c: Cow<'_, str>| match c {
        // Borrowed strings are slices of `text` (checked: `text` is under 4 GiB).
        Cow::Borrowed(b) => {
            let from = b.as_ptr() as usize - base;
            Str::Span(from as u32, (from + b.len()) as u32)
        }
        Cow::Owned(o) => {
            owned.push(o);
            Str::Owned((owned.len() - 1) as u32)
        }
    };
    let mut entries: Vec<(Str, Str)> = file
        .principals
        .0
        .into_iter()
        .map(|(k, v)| (str_of(k), str_of(v)))
        .collect();
    let newest = file.newest_analyzed_at.as_deref().and_then(time::parse);
    let policies = file.policies;
    let mut ix = Indexed {
        dir: dir.to_path_buf(),
        text,
        owned,
        entries: Vec::new(),
        policies,
        newest,
        verify: index_digest.is_some(),
        pack: Default::default(),
    };
    // Written sorted; sorted here too, and the last of a repeated ARN wins (as in a map).
    entries.sort_by(|a, b| ix.str(a.0).cmp(ix.str(b.0)));
    entries.dedup_by(|later, earlier| {
        let same = ix.str(later.0) == ix.str(earlier.0);
        if same {
            earlier.1 = later.1;
        }
        same
    });
    ix.entries = entries;
    Ok(ix)
}

/// A principal's file as the index names it: a plain relative name inside the folder.
fn is_entry(rel: &str) -> bool {
    let plain_ascii = rel
        .bytes()
        .fold(true, |ok, b| ok & (b.is_ascii_graphic() | (b == b' ')));
    crate::fsio::is_plain_relative(rel) && (plain_ascii || field::is_text(rel))
}

/// What is wrong with an index the typed reader refused, at its JSON pointer; `fallback` when
/// the tree finds nothing (the JSON itself is broken).
fn explain(shown: &str, text: &str, fallback: FindingsError) -> FindingsError {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return fallback;
    };
    check_index(&At::root(shown), &v).err().unwrap_or(fallback)
}

fn check_index(root: &At<'_>, v: &Value) -> Result<(), FindingsError> {
    let o = field::object(root, v)?;
    if o.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(root
            .key("version")
            .error("expected 1 (an iamtrim snapshot index: version 1, layout by-principal)"));
    }
    req(o, root, "layout", |a, v| {
        field::one_of(a, v, &["by-principal"])
    })?;
    // `null` is what `write` puts when no finding has a date.
    if let Some(n) = o.get("newestAnalyzedAt").filter(|n| !n.is_null()) {
        field::date(&root.key("newestAnalyzedAt"), n)?;
    }
    let at = root.key("principals");
    for (arn, rel) in req(o, root, "principals", field::object)? {
        let at = at.key(arn);
        if !field::is_principal_arn(arn) {
            return Err(at.bad_form("a principal ARN as the key", arn));
        }
        let rel = rel
            .as_str()
            .ok_or_else(|| at.expected("a file name", rel))?;
        if !is_entry(rel) {
            return Err(at.bad_form(
                "a plain file name inside the snapshot folder (principals/NAME.json)",
                rel,
            ));
        }
    }
    let policies = opt(o, root, "policies", field::object)?;
    let at = root.key("policies");
    for (name, arns) in policies.into_iter().flatten() {
        let at = at.key(name);
        if !field::is_policy_id(name) {
            return Err(at.bad_form("a policy name as the key", name));
        }
        for (i, a) in field::array(&at, arns, "an array of principal ARNs")?
            .iter()
            .enumerate()
        {
            field::principal(&at.index(i), a)?;
        }
    }
    Ok(())
}

impl Indexed {
    fn str(&self, s: Str) -> &str {
        match s {
            Str::Span(a, b) => &self.text[a as usize..b as usize],
            Str::Owned(i) => &self.owned[i as usize],
        }
    }

    fn position(&self, arn: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|(k, _)| self.str(*k).cmp(arn))
            .ok()
    }

    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    pub fn policy_principals(&self, name: &str) -> &[String] {
        self.policies.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| self.str(*k))
    }

    /// The bytes of an entry's file, read only if the entry has its form (an ARN naming a plain
    /// file name inside the folder) and the file is a regular file with no symlink on the way;
    /// an error names the index entry.
    fn read(&self, key: Str, file: Str) -> Result<(String, Vec<u8>), FindingsError> {
        let rel = self.str(file);
        if self.verify
            && field::is_principal_arn(self.str(key))
            && let Some(at) = packed(rel)
        {
            let shown = format!("{}({rel})", self.dir.join(PACK).display());
            return self
                .read_packed(at)
                .map(|bytes| (shown.clone(), bytes))
                .map_err(|e| err(Path::new(&shown), e.to_string()));
        }
        if !field::is_principal_arn(self.str(key)) || !is_entry(rel) {
            let index = self.dir.join(INDEX).display().to_string();
            return Err(explain(
                &index,
                &self.text,
                err(Path::new(&index), "not a valid index"),
            ));
        }
        let shown = self.dir.join(rel).display().to_string();
        match crate::fsio::read_inside(&self.dir, rel, crate::fsio::MAX_INPUT_BYTES) {
            Ok(bytes) => Ok((shown, bytes)),
            Err(source) => {
                let index = self.dir.join(INDEX).display().to_string();
                let root = At::root(&index);
                let at = root.key("principals");
                Err(at
                    .key(self.str(key))
                    .error(format!("cannot read {shown}: {source}")))
            }
        }
    }

    /// The bytes of a packed entry, read from the pack and checked against their digest.
    fn read_packed(&self, (off, len, d): (u64, usize, u64)) -> std::io::Result<Vec<u8>> {
        if len as u64 > crate::fsio::MAX_INPUT_BYTES {
            return Err(std::io::Error::other("entry too large"));
        }
        let file = self
            .pack
            .get_or_init(|| std::fs::File::open(self.dir.join(PACK)).ok())
            .as_ref()
            .ok_or_else(|| std::io::Error::other("cannot open the pack"))?;
        let mut bytes = vec![0; len];
        read_exact_at(file, &mut bytes, off)?;
        if crate::cache::digest(&bytes) != d {
            return Err(std::io::Error::other("does not match its digest"));
        }
        Ok(bytes)
    }

    /// Everything in the principal's file (for import and show, which read it all).
    pub fn snapshot_of(&self, arn: &str) -> Result<Option<Snapshot>, FindingsError> {
        let Some(i) = self.position(arn) else {
            return Ok(None);
        };
        let (key, file) = self.entries[i];
        let (shown, bytes) = self.read(key, file)?;
        Snapshot::from_bytes(&shown, &bytes).map(Some)
    }

    /// The principal's findings, read from its file now (the caller keeps them if it needs
    /// them again).
    pub fn get(&self, arn: &str) -> Result<Option<(&str, PrincipalFindings)>, FindingsError> {
        let Some(i) = self.position(arn) else {
            return Ok(None);
        };
        let (key, file) = self.entries[i];
        let (shown, bytes) = self.read(key, file)?;
        // The principal's file as `write` left it, read without a JSON tree; anything else
        // through the checking reader.
        if let Some((findings, _)) = normalized::read_fast(&bytes) {
            let mut mine = findings
                .into_iter()
                .filter(|f| f.principal.as_deref() == Some(arn));
            match (mine.next(), mine.next()) {
                (None, _) => return Ok(None),
                (Some(f), None) => return Ok(Some((self.str(key), f))),
                // Several entries for one principal: merged by the reader below.
                (Some(_), Some(_)) => {}
            }
        }
        let mut snap = Snapshot::from_bytes(&shown, &bytes)?;
        Ok(snap.principals.remove(arn).map(|f| (self.str(key), f)))
    }
}

/// `principals/SAFE.json`, SAFE being the ARN with every character but letters, digits, `-` and
/// `.` as `_`; the `n`th principal to get that name (`n` > 1) gets `SAFE-n.json`.
fn file_name(arn: &str, n: usize) -> String {
    let safe: String = arn
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n == 1 {
        format!("principals/{safe}.json")
    } else {
        format!("principals/{safe}-{n}.json")
    }
}

/// Writes `snapshot` as an indexed folder (every file atomically; the index last). Every path
/// is checked before anything is written: `principals` must be a real folder inside `dir` and
/// no file to replace a symlink or anything but a regular file, so nothing lands outside `dir`.
pub fn write(dir: &Path, snapshot: &Snapshot) -> Result<(), FindingsError> {
    let files = render(snapshot, false);
    write_files(dir, &files)
}

/// The files of `snapshot` as an indexed folder: (name relative to the folder, text), the index
/// last.
///
/// With `packed` (the cache's copy), the principals' texts are one file, `principals.pack`
/// (first), and the index names each by its range and digest, `@OFFSET+LEN#DIGEST`, checked
/// when it is read: one file to write instead of 10,000.
pub fn render(snapshot: &Snapshot, packed: bool) -> Vec<(String, String)> {
    let mut pack = String::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut recs_of: std::collections::HashMap<&str, Vec<&super::Recommendation>> =
        std::collections::HashMap::new();
    for r in &snapshot.recommendations {
        if let Some(p) = r.principal.as_deref() {
            recs_of.entry(p).or_default().push(r);
        }
    }
    let mut principals = serde_json::Map::new();
    let mut policies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // File names already given out, lower-cased: `role/a_b` and `role/a/b` (a path) would
    // otherwise share a file, and so would names differing only in case on macOS.
    let mut used = std::collections::HashSet::new();
    for (arn, f) in &snapshot.principals {
        if arn.is_empty() {
            continue;
        }
        let recs: Vec<super::Recommendation> = recs_of
            .get(arn.as_str())
            .map(|v| v.iter().map(|r| (*r).clone()).collect())
            .unwrap_or_default();
        for r in &recs {
            for s in &r.steps {
                policies
                    .entry(s.policy_name().to_string())
                    .or_default()
                    .push(arn.clone());
            }
        }
        let one = Snapshot {
            principals: BTreeMap::from([(arn.clone(), f.clone())]),
            recommendations: recs,
            ..Snapshot::default()
        };
        let mut file = file_name(arn, 1);
        let mut n = 1;
        while !used.insert(file.to_ascii_lowercase()) {
            n += 1;
            file = file_name(arn, n);
        }
        let text = normalized::write(&one);
        if packed {
            let d = crate::cache::digest(text.as_bytes());
            file = format!("@{}+{}#{d:016x}", pack.len(), text.len());
            pack.push_str(&text);
            principals.insert(arn.clone(), json!(file));
            continue;
        }
        principals.insert(arn.clone(), json!(file));
        files.push((file, text));
    }
    for list in policies.values_mut() {
        list.sort();
        list.dedup();
    }
    let newest = snapshot
        .principals
        .values()
        .filter_map(|f| f.analyzed_at.clone())
        .max_by_key(|a| time::parse(a));
    let index = json!({
        "version": 1,
        "layout": "by-principal",
        "newestAnalyzedAt": newest,
        "principals": principals,
        "policies": policies,
    });
    let mut text = serde_json::to_string_pretty(&index).unwrap_or_default();
    text.push('\n');
    if packed {
        files.push((PACK.to_string(), pack));
    }
    files.push((INDEX.to_string(), text));
    files
}

/// The cache's one file of principals' texts (`render(_, true)`).
pub const PACK: &str = "principals.pack";

/// A packed entry's range and digest: `@OFFSET+LEN#DIGEST`.
fn packed(rel: &str) -> Option<(u64, usize, u64)> {
    let (range, d) = rel.strip_prefix('@')?.split_once('#')?;
    let (off, len) = range.split_once('+')?;
    Some((
        off.parse().ok()?,
        len.parse().ok()?,
        u64::from_str_radix(d, 16).ok()?,
    ))
}

/// Writes `render`'s files into `dir` (see `write`).
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), FindingsError> {
    let write_err = |path: &Path, source| FindingsError::Write {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
    let sub = dir.join("principals");
    match std::fs::symlink_metadata(&sub) {
        Ok(m) if m.is_dir() => {}
        Ok(m) => return Err(refused(&sub, m.file_type())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(&sub).map_err(|e| write_err(&sub, e))?;
        }
        Err(e) => return Err(write_err(&sub, e)),
    }
    for (rel, _) in files {
        let path = dir.join(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(m) => return Err(refused(&path, m.file_type())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(write_err(&path, e)),
        }
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        crate::fsio::write_atomic(&path, text.as_bytes()).map_err(|e| write_err(&path, e))?;
    }
    Ok(())
}

/// Why `write` will not write at `path` (`symlink_metadata` does not follow, so a symlink
/// shows as one).
fn refused(path: &Path, ft: std::fs::FileType) -> FindingsError {
    let what = if ft.is_symlink() {
        "a symlink (it could lead outside the snapshot folder)"
    } else if ft.is_dir() {
        "a folder where a file goes"
    } else {
        "not a regular file"
    };
    FindingsError::Refused {
        path: path.display().to_string(),
        reason: what.into(),
    }
}
