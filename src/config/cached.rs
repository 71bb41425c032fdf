//! The cache's copy of a config's `[[bind]]` tables (see `crate::cache`): a repository with one
//! table per policy file has a config of 10,000 tables, which `toml` takes about 20 ms to parse
//! on every run. The cache keeps the tables whose files are all literal paths as rows sorted by
//! path, `["PATH", TABLE, ["PRINCIPAL", ...]]`, and where they are in the config's text. A later
//! run parses the text with those tables blanked out (spaces, the line breaks kept, so every
//! span in it is the same) and looks up only the rows of the files it checks.

use super::{Config, ConfigError, RawBind};
use crate::cache::Cache;
use std::ops::Range;
use std::path::Path;

/// The cache's file of an entry: a first line `{"blanks": [[START, END], ...], "kept": [TABLE,
/// ...]}` (the byte ranges of the tables it holds, and the tables left in the text), then the
/// rows, sorted.
const BINDS: &str = "binds.jsonl";

/// A config's tables from the cache.
pub(super) struct Entry {
    blanks: Vec<(usize, usize)>,
    /// The tables left in the text, by their place among all of them.
    pub kept: Vec<usize>,
    pub table: Table,
}

impl Entry {
    /// `text` with the cached tables blanked out: spaces, but for the line break that ends a
    /// range (the next table's header starts a line). Every offset stays; one whitespace run
    /// per range is also what the TOML lexer reads fastest.
    pub fn blank(&self, text: &str) -> String {
        let mut bytes = text.as_bytes().to_vec();
        for &(start, end) in &self.blanks {
            let Some(range) = bytes.get_mut(start..end) else {
                continue;
            };
            let keep = range.last() == Some(&b'\n');
            range.fill(b' ');
            if keep && let Some(last) = range.last_mut() {
                *last = b'\n';
            }
        }
        // Ranges start and end at line breaks, so no character is cut.
        String::from_utf8(bytes).unwrap_or_default()
    }

    fn parse(text: String) -> Option<Entry> {
        let first = text.find('\n')?;
        #[derive(serde::Deserialize)]
        struct Head {
            blanks: Vec<(usize, usize)>,
            kept: Vec<usize>,
        }
        let head: Head = serde_json::from_str(&text[..first]).ok()?;
        Some(Entry {
            blanks: head.blanks,
            kept: head.kept,
            table: Table::new(text, first + 1),
        })
    }
}

/// Rows `["PATH", TABLE, ["PRINCIPAL", ...]]` sorted by path, read when looked up.
pub(super) struct Table {
    text: String,
    /// Each row's byte range in `text`.
    rows: Vec<(u32, u32)>,
}

type Row = (String, usize, Vec<String>);

impl Table {
    fn new(text: String, from: usize) -> Table {
        let mut rows = Vec::new();
        let mut start = from;
        while start < text.len() {
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            if end > start {
                rows.push((start as u32, end as u32));
            }
            start = end + 1;
        }
        Table { text, rows }
    }

    fn row(&self, i: usize) -> Option<Row> {
        let (a, b) = self.rows[i];
        serde_json::from_str(&self.text[a as usize..b as usize]).ok()
    }

    /// The (table, principals) of the rows for `path`.
    pub fn get(&self, path: &str) -> Vec<(usize, Vec<String>)> {
        // The first row whose path is not below `path`.
        let (mut lo, mut hi) = (0, self.rows.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.row(mid) {
                Some((p, _, _)) if p.as_str() < path => lo = mid + 1,
                _ => hi = mid,
            }
        }
        let mut out = Vec::new();
        for i in lo..self.rows.len() {
            match self.row(i) {
                Some((p, table, principals)) if p == path => out.push((table, principals)),
                _ => break,
            }
        }
        out
    }
}

/// The byte range of each `[[bind]]` table in `text`: from its header line to the next header
/// line (any table) or the end. Checked afterwards: each range must parse as one bind table.
fn bind_tables(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            if let Some(s) = open.take() {
                out.push(s..at);
            }
            let head = t.split('#').next().unwrap_or("").replace([' ', '\t'], "");
            if head == "[[bind]]" {
                open = Some(at);
            }
        }
        at += line.len();
    }
    if let Some(s) = open {
        out.push(s..text.len());
    }
    out
}

/// Whether a bind file is a literal path (no glob, no `#fragment`): the binds `Config::load`
/// looks up by path.
fn literal(g: &str) -> bool {
    !g.contains(['*', '?', '[', ']', '{', '}', '\\', '#'])
}

/// The cache entry of a config whose text is `text` and which loads as `config`; `None` when
/// its tables cannot be told apart in the text (a `bind` written as an inline array, a header
/// inside a multi-line string) or there is nothing to gain.
fn build(path: &Path, text: &str, config: &Config) -> Option<String> {
    let ranges = bind_tables(text);
    if ranges.len() != config.binds.len() || ranges.len() < 2 {
        return None;
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct One {
        bind: Vec<RawBind>,
    }
    let mut blanks = Vec::new();
    let mut kept = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for (i, r) in ranges.into_iter().enumerate() {
        let one: One = toml::from_str(&text[r.clone()]).ok()?;
        let [b] = &one.bind[..] else {
            return None;
        };
        if b.principals != config.binds[i].principals {
            return None;
        }
        if b.files.is_empty() || !b.files.iter().all(|g| literal(g)) {
            kept.push(i);
            continue;
        }
        // Adjacent tables are one range.
        match blanks.last_mut() {
            Some((_, end)) if *end == r.start => *end = r.end,
            _ => blanks.push((r.start, r.end)),
        }
        for g in &b.files {
            let p = g.strip_prefix("./").unwrap_or(g);
            rows.push((p.to_string(), i, b.principals.clone()));
        }
    }
    rows.sort();
    let mut out = serde_json::json!({"blanks": blanks, "kept": kept}).to_string();
    out.push('\n');
    for r in &rows {
        out.push_str(&serde_json::to_string(r).ok()?);
        out.push('\n');
    }
    // The entry must give the config back: every row's file bound as before.
    let entry = Entry::parse(out.clone())?;
    let back = Config::from_text(path, text.to_string(), Some(entry)).ok()?;
    let same = rows.iter().all(|(p, _, _)| {
        let p = Path::new(p);
        back.principals_for(p) == config.principals_for(p)
    });
    same.then_some(out)
}

/// `Config::load` through the cache (see `crate::cache`): the entry of an unchanged config
/// gives its binds; otherwise the config is read as usual and an entry written for next time.
pub(super) fn load(path: &Path, cache: &Cache) -> Result<Config, ConfigError> {
    let key = Cache::key("config", path);
    let now = crate::cache::inputs_of(vec![path.to_path_buf()]);
    if let Some(now) = &now
        && let Some(fresh) = cache.fresh(&key, now)
        && let Some(entry) = read_entry(&fresh.dir, &fresh.digests)
        && let Ok(config) = Config::from_text(path, Config::read(path)?, Some(entry))
    {
        return Ok(config);
    }
    let inputs = now.as_deref().and_then(crate::cache::digested);
    let text = Config::read(path)?;
    let config = Config::from_text(path, text.clone(), None)?;
    if let Some(inputs) = inputs
        && inputs
            .first()
            .is_some_and(|i| i.digest == crate::cache::digest(text.as_bytes()))
        && let Some(binds) = build(path, &text, &config)
    {
        cache.store(&key, inputs, &[(BINDS.to_string(), binds)]);
    }
    Ok(config)
}

/// The entry's file, checked against its digest.
fn read_entry(dir: &Path, outputs: &[(String, u64)]) -> Option<Entry> {
    let want = outputs.iter().find(|(n, _)| n == BINDS)?.1;
    let bytes = crate::fsio::read_inside(dir, BINDS, crate::fsio::MAX_INPUT_BYTES).ok()?;
    if crate::cache::digest(&bytes) != want {
        return None;
    }
    Entry::parse(String::from_utf8(bytes).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_found_by_their_headers() {
        let text = "snapshot = \"s\"\n\n[[bind]]\nfiles = [\"a.json\"]\n[ [ bind ] ] # x\nfiles = []\n[rules.x]\nlevel = \"off\"\n[[bind]]\nprincipals = []";
        let r = bind_tables(text);
        assert_eq!(r.len(), 3);
        assert_eq!(&text[r[0].clone()], "[[bind]]\nfiles = [\"a.json\"]\n");
        assert_eq!(&text[r[1].clone()], "[ [ bind ] ] # x\nfiles = []\n");
        assert_eq!(&text[r[2].clone()], "[[bind]]\nprincipals = []");
    }

    #[test]
    fn rows_are_looked_up_by_path() {
        let text = "{\"blanks\":[],\"kept\":[]}\n[\"a\",0,[\"x\"]]\n[\"b\",1,[\"y\"]]\n[\"b\",4,[\"z\"]]\n[\"c\",2,[]]\n".to_string();
        let e = Entry::parse(text).unwrap();
        assert_eq!(
            e.table.get("b"),
            vec![(1, vec!["y".into()]), (4, vec!["z".into()])]
        );
        assert_eq!(e.table.get("a"), vec![(0, vec!["x".into()])]);
        assert!(e.table.get("bb").is_empty());
        assert!(e.table.get("0").is_empty());
        assert!(e.table.get("d").is_empty());
    }

    use proptest::prelude::*;

    const PATHS: [&str; 6] = [
        "p/a1.json",
        "p/a2.json",
        "p/b.json",
        "q/a1.json",
        "q/c d.json",
        "r.json",
    ];

    /// A file of a bind: a literal path (maybe with `./`), or a glob.
    fn file() -> impl Strategy<Value = String> {
        prop_oneof![
            (0..PATHS.len(), any::<bool>())
                .prop_map(|(i, dot)| { format!("{}{}", if dot { "./" } else { "" }, PATHS[i]) }),
            Just("p/*.json".to_string()),
            Just("*/a?.json".to_string()),
        ]
    }

    fn principal() -> impl Strategy<Value = String> {
        prop_oneof![
            (0..4u8).prop_map(|i| format!("arn:aws:iam::123456789012:role/r{i}")),
            Just("role-{stem}".to_string()),
            Just("{dir}".to_string()),
        ]
    }

    /// A config of binds (each written in one of a few styles), a rules table and a
    /// suppression somewhere among them.
    fn config() -> impl Strategy<Value = String> {
        let bind = (
            prop::collection::vec(file(), 0..3),
            prop::collection::vec(principal(), 0..3),
            0..3u8,
        );
        (prop::collection::vec(bind, 0..10), 0..10usize, 0..10usize).prop_map(
            |(binds, rules_at, ignore_at)| {
                let list = |v: &[String]| {
                    v.iter()
                        .map(|x| format!("{x:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let mut text = String::from("max-snapshot-age = \"30d\"\n\n");
                for (i, (files, principals, style)) in binds.iter().enumerate() {
                    if i == rules_at {
                        text.push_str("[rules.wildcard-action]\nlevel = \"off\"\n\n");
                    }
                    if i == ignore_at {
                        text.push_str("[[ignore]]\nfiles = [\"x/*.json\"]\nreason = \"r\"\n");
                    }
                    match style {
                        0 => text.push_str(&format!(
                            "[[bind]]\nfiles = [{}]\nprincipals = [{}]\n\n",
                            list(files),
                            list(principals)
                        )),
                        1 => text.push_str(&format!(
                            "  [[ bind ]] # table {i}\n# a comment\nprincipals = [\n{}]\nfiles = [{}]\n",
                            principals
                                .iter()
                                .map(|p| format!("  {p:?},\n"))
                                .collect::<String>(),
                            list(files)
                        )),
                        _ => text.push_str(&format!(
                            "[[bind]]\r\nfiles = [{}]\r\nprincipals = [{}]\r\n",
                            list(files),
                            list(principals)
                        )),
                    }
                }
                text
            },
        )
    }

    proptest! {
        /// Whatever the config, its cache entry binds every file as the config does, and the
        /// config's other parts keep their places in the text.
        #[test]
        fn cached_binds_are_the_configs(text in config()) {
            let path = Path::new("iamtrim.toml");
            let full = Config::from_text(path, text.clone(), None).unwrap();
            let cached = build(path, &text, &full);
            // Every config of two tables or more written so is cached (its self-check passes).
            prop_assert_eq!(cached.is_some(), bind_tables(&text).len() >= 2);
            if let Some(cached) = cached {
                let back =
                    Config::from_text(path, text.clone(), Some(Entry::parse(cached).unwrap()))
                        .unwrap();
                for p in PATHS.iter().chain(&["p/other.json", "./p/a1.json"]) {
                    let p = Path::new(p);
                    prop_assert_eq!(back.principals_for(p), full.principals_for(p), "{:?}", p);
                }
                prop_assert_eq!(format!("{:?}", back.ignores), format!("{:?}", full.ignores));
                prop_assert_eq!(back.rules, full.rules);
                prop_assert_eq!(back.max_snapshot_age, full.max_snapshot_age);
            }
        }
    }

    #[test]
    fn a_config_of_literal_tables_is_cached() {
        let mut text = String::new();
        for i in 0..3 {
            text.push_str(&format!(
                "[[bind]]\nfiles = [\"p/{i}.json\"]\nprincipals = [\"r{i}\"]\n"
            ));
        }
        let path = Path::new("iamtrim.toml");
        let full = Config::from_text(path, text.clone(), None).unwrap();
        let cached = build(path, &text, &full).expect("cached");
        assert!(cached.starts_with("{\"blanks\":[[0,"), "{cached}");
        // A `bind` written as an inline array cannot be told apart: not cached.
        let inline = "bind = [{files = [\"a\"], principals = [\"x\"]}, {files = [\"b\"], principals = [\"y\"]}]\n";
        let full = Config::from_text(path, inline.to_string(), None).unwrap();
        assert!(build(path, inline, &full).is_none());
    }

    #[test]
    fn blanking_keeps_every_offset() {
        let e = Entry {
            blanks: vec![(2, 7)],
            kept: vec![],
            table: Table::new(String::new(), 0),
        };
        assert_eq!(e.blank("ab\u{e9}d\nefgh"), "ab     fgh");
        let e = Entry {
            blanks: vec![(2, 6)],
            ..e
        };
        assert_eq!(e.blank("ab\u{e9}d\nefgh"), "ab   \nefgh");
    }
}
