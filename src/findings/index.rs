//! The snapshot laid out for look-up by principal: a folder with `index.json` and one normalized
//! file per principal under `principals/`. A run reads the index and only the principals its
//! files are bound to, so checking one file stays fast with 10,000 principals in the snapshot.
//!
//! `index.json`: `{"version": 1, "layout": "by-principal", "newestAnalyzedAt": "…",
//! "principals": {ARN: "principals/FILE.json"}, "policies": {policy name: [ARN]}}`.

use super::{FindingsError, PrincipalFindings, Snapshot, normalized, time};
use serde_json::json;
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

/// Whether `dir` holds an indexed snapshot.
pub fn is_indexed(dir: &Path) -> bool {
    dir.is_dir() && dir.join(INDEX).is_file()
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
    let path = dir.join(INDEX);
    let io = |source| FindingsError::Io {
        path: path.display().to_string(),
        source,
    };
    let text: Box<str> = std::fs::read_to_string(&path).map_err(io)?.into();
    if u32::try_from(text.len()).is_err() {
        return Err(err(&path, "index.json is larger than 4 GiB"));
    }
    let file: IndexFile = serde_json::from_str(&text).map_err(|e| FindingsError::Json {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    if file.version != 1 || file.layout != "by-principal" {
        return Err(err(
            &path,
            "not an iamtrim snapshot index (version 1, layout by-principal)",
        ));
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

    pub fn file_of(&self, arn: &str) -> Option<PathBuf> {
        let i = self.position(arn)?;
        Some(self.dir.join(self.str(self.entries[i].1)))
    }

    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| self.str(*k))
    }

    /// The principal's findings, read from its file now (the caller keeps them if it needs
    /// them again).
    pub fn get(&self, arn: &str) -> Result<Option<(&str, PrincipalFindings)>, FindingsError> {
        let Some(i) = self.position(arn) else {
            return Ok(None);
        };
        let (key, file) = self.entries[i];
        let path = self.dir.join(self.str(file));
        // The principal's file as `write` left it, read without a JSON tree; anything else
        // through the tolerant reader.
        if let Ok(bytes) = std::fs::read(&path)
            && let Some((findings, _)) = normalized::read_fast(&bytes)
        {
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
        let mut snap = Snapshot::load(&path)?;
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

/// Writes `snapshot` as an indexed folder (every file atomically; the index last).
pub fn write(dir: &Path, snapshot: &Snapshot) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("principals"))?;
    let mut principals = serde_json::Map::new();
    let mut policies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // File names already given out, lower-cased: `role/a_b` and `role/a/b` (a path) would
    // otherwise share a file, and so would names differing only in case on macOS.
    let mut used = std::collections::HashSet::new();
    for (arn, f) in &snapshot.principals {
        if arn.is_empty() {
            continue;
        }
        let recs: Vec<_> = snapshot
            .recommendations
            .iter()
            .filter(|r| r.principal.as_deref() == Some(arn.as_str()))
            .cloned()
            .collect();
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
        crate::fsio::write_atomic(&dir.join(&file), normalized::write(&one).as_bytes())?;
        principals.insert(arn.clone(), json!(file));
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
    crate::fsio::write_atomic(&dir.join(INDEX), text.as_bytes())
}
