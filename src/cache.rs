//! The cache of derived data, as ruff keeps one: what a run would otherwise rebuild from its
//! inputs every time, written once and read back by later runs.
//!
//! - A snapshot that is not already a lookup index (a folder of raw AWS CLI outputs, or one
//!   file) is kept as an indexed folder (`findings::index`), so a run reads the index and the
//!   principals its files are bound to instead of parsing and merging every finding.
//! - The config's `[[bind]]` tables with literal file paths are kept as a sorted table, so a run
//!   over one file looks its binds up instead of parsing a 10,000-table iamtrim.toml
//!   (`crate::config::Config::load_cached`).
//!
//! Where: `<git dir>/iamtrim/` in a repository, else `$XDG_CACHE_HOME/iamtrim/` (or
//! `~/.cache/iamtrim/`). `--no-cache` turns it off.
//!
//! Every entry records its inputs (path, size, modification time, and a digest of the content).
//! Size and time are the fast check; when they differ, or when a file was modified so close to
//! the entry's writing that a later change could keep both (git's "racily clean" files), the
//! content's digest decides. Any input changed, added or removed: the entry is rebuilt. Every
//! file of an entry is checked against its digest when read: a corrupt entry is rebuilt, never
//! trusted and never an error. Entries are written to a temporary name and renamed into place,
//! and a pointer file (written atomically) names the current one, so two runs racing to write
//! one each leave a whole entry either way; a reader that loses an entry under it reads the
//! inputs instead.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Bumped whenever what an entry holds, or how it is read, changes.
const VERSION: &str = "iamtrim-cache 1";

/// A modification this close to an entry's writing (or after it) is not trusted by time.
const RACY_NANOS: u128 = 2_000_000_000;

/// A 64-bit digest of `bytes`, eight bytes at a step (a 1 MB config in a fraction of a
/// millisecond): stable across Rust versions and platforms (unlike `DefaultHasher`). It finds
/// corruption, not tampering.
pub fn digest(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, w: u64| {
        let h = (h ^ w).wrapping_mul(K);
        h ^ (h >> 29)
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ (bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = mix(h, u64::from_le_bytes(w.try_into().unwrap_or_default()));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    mix(mix(h, u64::from_le_bytes(tail)), K)
}

/// A current entry (`Cache::fresh`).
pub(crate) struct Fresh {
    /// The file naming the entry's folder.
    pub pointer: PathBuf,
    pub dir: PathBuf,
    /// The digests of the entry's files that do not carry their own.
    pub digests: Vec<(String, u64)>,
}

/// The cache folder of a run.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// `<git dir>/iamtrim/`, or outside a repository the user's cache folder. `None` when there
    /// is none (no home), or when the folder is not a real folder (a symlink is not followed).
    pub fn locate(git_dir: Option<&Path>) -> Option<Cache> {
        let dir = match git_dir {
            Some(g) => g.join("iamtrim"),
            None => {
                let base = std::env::var_os("XDG_CACHE_HOME")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .or_else(|| {
                        std::env::var_os("HOME")
                            .filter(|v| !v.is_empty())
                            .map(|h| PathBuf::from(h).join(".cache"))
                    })?;
                base.join("iamtrim")
            }
        };
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return None,
            Err(_) => {}
        }
        Some(Cache { dir })
    }

    /// The cache at `dir` (tests).
    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// An entry's name: its kind and a digest of what it is for (an absolute path).
    pub(crate) fn key(kind: &str, what: &Path) -> String {
        let abs = std::path::absolute(what).unwrap_or_else(|_| what.to_path_buf());
        format!("{kind}-{:016x}", digest(abs.as_os_str().as_encoded_bytes()))
    }

    /// The current entry for `key` if its inputs are still `now` (see `Manifest::fresh`): its
    /// folder, and the digests of its files that do not carry their own.
    pub(crate) fn fresh(
        &self,
        key: &str,
        now: &[(PathBuf, String, std::fs::Metadata)],
    ) -> Option<Fresh> {
        let (pointer, dir, manifest) = self.current(key)?;
        manifest.fresh(now).then_some(Fresh {
            pointer,
            dir,
            digests: manifest.outputs,
        })
    }

    /// The current entry for `key`: its folder and manifest, if the pointer names one.
    fn current(&self, key: &str) -> Option<(PathBuf, PathBuf, Manifest)> {
        let pointer = self.dir.join(key);
        let name = std::fs::read_to_string(&pointer).ok()?;
        let name = name.trim();
        if !name.starts_with(key) || name.contains(['/', '\\']) || name.contains("..") {
            return None;
        }
        let dir = self.dir.join(name);
        let text = crate::fsio::read_inside(&dir, MANIFEST, crate::fsio::MAX_INPUT_BYTES).ok()?;
        let manifest = Manifest::parse(std::str::from_utf8(&text).ok()?)?;
        Some((pointer, dir, manifest))
    }

    /// Writes an entry for `key` whose files are `files` (relative name, text) and whose inputs
    /// are `inputs`, then points `key` at it. Best effort: a cache that cannot be written is
    /// no error (the next run reads the inputs again).
    pub(crate) fn store(
        &self,
        key: &str,
        inputs: Vec<Input>,
        files: &[(String, String)],
    ) -> Option<()> {
        std::fs::create_dir_all(&self.dir).ok()?;
        if !std::fs::symlink_metadata(&self.dir).ok()?.is_dir() {
            return None;
        }
        // The pack's entries carry their own digests (in the index).
        let outputs: Vec<(String, u64)> = files
            .iter()
            .filter(|(rel, _)| rel != crate::findings::index::PACK)
            .map(|(rel, text)| (rel.clone(), digest(text.as_bytes())))
            .collect();
        let manifest = Manifest {
            written: now_nanos(),
            inputs,
            outputs,
        };
        let text = manifest.render();
        // Named by what it holds (not when it was written): runs racing to write the same entry
        // agree on its name, and the first to rename it into place wins.
        let what = Manifest {
            written: 0,
            ..manifest
        };
        let name = format!("{key}-{:016x}", digest(what.render().as_bytes()));
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".tmp-{key}-"))
            .tempdir_in(&self.dir)
            .ok()?;
        // Plain writes: the folder is renamed into place whole, and every file is checked
        // against its digest when read.
        for (rel, text) in files {
            let path = tmp.path().join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).ok()?;
            }
            std::fs::write(path, text).ok()?;
        }
        std::fs::write(tmp.path().join(MANIFEST), &text).ok()?;
        let dir = self.dir.join(&name);
        let staged = tmp.keep();
        if std::fs::rename(&staged, &dir).is_err() {
            // Another run wrote this very entry first.
            let _ = std::fs::remove_dir_all(&staged);
            if !dir.is_dir() {
                return None;
            }
        }
        crate::fsio::write_atomic(&self.dir.join(key), name.as_bytes()).ok()?;
        // The entries this one replaces, unless a racing run has just pointed at one (a run
        // still reading one falls back to the inputs).
        for e in std::fs::read_dir(&self.dir).ok()?.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            let current = std::fs::read_to_string(self.dir.join(key)).unwrap_or_default();
            if n.starts_with(&format!("{key}-")) && n != name && n != current.trim() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        Some(())
    }
}

const MANIFEST: &str = "manifest";

/// One input of an entry: a file, its size, modification time and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    path: String,
    len: u64,
    mtime: u128,
    pub(crate) digest: u64,
}

/// What an entry was made from and of: `VERSION`, `written NANOS`, then `in LEN MTIME DIGEST
/// PATH` per input and `out DIGEST NAME` per file of the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Manifest {
    written: u128,
    inputs: Vec<Input>,
    outputs: Vec<(String, u64)>,
}

impl Manifest {
    fn render(&self) -> String {
        let mut s = format!("{VERSION}\nwritten {}\n", self.written);
        for i in &self.inputs {
            s.push_str(&format!(
                "in {} {} {:016x} {}\n",
                i.len, i.mtime, i.digest, i.path
            ));
        }
        for (name, d) in &self.outputs {
            s.push_str(&format!("out {d:016x} {name}\n"));
        }
        s
    }

    fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.lines();
        if lines.next()? != VERSION {
            return None;
        }
        let written = lines.next()?.strip_prefix("written ")?.parse().ok()?;
        let mut m = Manifest {
            written,
            inputs: Vec::new(),
            outputs: Vec::new(),
        };
        for line in lines {
            if let Some(rest) = line.strip_prefix("in ") {
                let mut f = rest.splitn(4, ' ');
                m.inputs.push(Input {
                    len: f.next()?.parse().ok()?,
                    mtime: f.next()?.parse().ok()?,
                    digest: u64::from_str_radix(f.next()?, 16).ok()?,
                    path: f.next()?.to_string(),
                });
            } else if let Some(rest) = line.strip_prefix("out ") {
                let (d, name) = rest.split_once(' ')?;
                m.outputs
                    .push((name.to_string(), u64::from_str_radix(d, 16).ok()?));
            } else {
                return None;
            }
        }
        Some(m)
    }

    /// Whether the inputs are still what the entry was made from: the same files, each with
    /// the same size and time, or else (and when its time is too close to the writing to
    /// tell) the same digest.
    fn fresh(&self, now: &[(PathBuf, String, std::fs::Metadata)]) -> bool {
        if now.len() != self.inputs.len() {
            return false;
        }
        now.iter()
            .zip(&self.inputs)
            .all(|((path, shown, meta), was)| {
                if *shown != was.path || !meta.is_file() || meta.len() != was.len {
                    return false;
                }
                let mtime = mtime_nanos(meta);
                let racy = mtime.saturating_add(RACY_NANOS) >= self.written;
                if mtime == was.mtime && !racy {
                    return true;
                }
                crate::fsio::read_bounded(path, crate::fsio::MAX_INPUT_BYTES)
                    .is_ok_and(|bytes| digest(&bytes) == was.digest)
            })
    }
}

fn mtime_nanos(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .unwrap_or(Duration::ZERO)
        .as_nanos()
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos()
}

/// The files of a raw snapshot path as the manifest names them (sorted, UTF-8), with their
/// metadata; `None` when a name is not UTF-8 or a file cannot be looked at (the snapshot is
/// then read as usual, which reports it).
fn snapshot_inputs(path: &Path) -> Option<Vec<(PathBuf, String, std::fs::Metadata)>> {
    inputs_of(snapshot_files(path)?)
}

/// What `Cache::fresh` compares: each file's path as the manifest writes it, and its metadata
/// (not following a symlink); `None` when a name is not UTF-8 or a file cannot be looked at.
pub(crate) fn inputs_of(files: Vec<PathBuf>) -> Option<Vec<(PathBuf, String, std::fs::Metadata)>> {
    files
        .into_iter()
        .map(|p| {
            let meta = std::fs::symlink_metadata(&p).ok()?;
            let shown = p.to_str()?.to_string();
            if shown.contains('\n') {
                return None;
            }
            Some((p, shown, meta))
        })
        .collect()
}

fn snapshot_files(path: &Path) -> Option<Vec<PathBuf>> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v = Vec::new();
        for e in std::fs::read_dir(path).ok()? {
            let p = e.ok()?.path();
            if p.extension().is_some_and(|x| x == "json") {
                v.push(p);
            }
        }
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    Some(files)
}

/// The snapshot at `path`, through the cache when there is one: a raw folder or file is read
/// (and merged) once and kept as an indexed folder, which later runs open instead. An indexed
/// folder (`snapshot import -o DIR/`) is read as it is: it is its own index. Errors are those of
/// reading the snapshot itself; the cache never adds one.
pub fn snapshot(
    cache: Option<&Cache>,
    path: &Path,
) -> Result<crate::findings::Snapshot, crate::findings::FindingsError> {
    use crate::findings::{Snapshot, index};
    let Some(cache) = cache.filter(|_| !index::is_indexed(path)) else {
        return Snapshot::load(path);
    };
    let key = Cache::key("snapshot", path);
    let now = snapshot_inputs(path);
    if let Some(now) = &now
        && let Some(fresh) = cache.fresh(&key, now)
    {
        let index_digest = fresh
            .digests
            .iter()
            .find(|(name, _)| name == index::INDEX)
            .map(|(_, d)| *d);
        if let Some(d) = index_digest
            && let Ok(s) =
                Snapshot::cached_copy(&fresh.dir, d, path.to_path_buf(), fresh.pointer.clone())
        {
            return Ok(s);
        }
        // A corrupt index: rebuilt below.
        let _ = std::fs::remove_file(&fresh.pointer);
    }
    // The inputs' digests are taken before the snapshot is read and their times checked
    // after: a file changed meanwhile leaves no entry (or one the next run finds stale).
    let inputs = now.as_deref().and_then(digested);
    let snap = Snapshot::load(path)?;
    if let Some(inputs) = inputs
        && snap.indexable()
        && snapshot_inputs(path).is_some_and(|after| same_times(&inputs, &after))
    {
        cache.store(&key, inputs, &index::render(&snap, true));
    }
    Ok(snap)
}

/// The inputs with their digests; `None` if one cannot be read.
pub(crate) fn digested(now: &[(PathBuf, String, std::fs::Metadata)]) -> Option<Vec<Input>> {
    now.iter()
        .map(|(p, shown, meta)| {
            if !meta.is_file() {
                return None;
            }
            let bytes = crate::fsio::read_bounded(p, crate::fsio::MAX_INPUT_BYTES).ok()?;
            Some(Input {
                path: shown.clone(),
                len: meta.len(),
                mtime: mtime_nanos(meta),
                digest: digest(&bytes),
            })
        })
        .collect()
}

pub(crate) fn same_times(inputs: &[Input], after: &[(PathBuf, String, std::fs::Metadata)]) -> bool {
    inputs.len() == after.len()
        && inputs.iter().zip(after).all(|(i, (_, shown, meta))| {
            i.path == *shown && i.len == meta.len() && i.mtime == mtime_nanos(meta)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_read_back() {
        let m = Manifest {
            written: 1_700_000_000_123_456_789,
            inputs: vec![Input {
                path: "/a b/c.json".into(),
                len: 3,
                mtime: 5,
                digest: 0xdead_beef,
            }],
            outputs: vec![("principals/x y.json".into(), 7)],
        };
        assert_eq!(Manifest::parse(&m.render()), Some(m.clone()));
        assert_eq!(
            Manifest::parse(&m.render().replace("cache 1", "cache 0")),
            None
        );
        assert_eq!(Manifest::parse(&m.render().replace("in 3", "in x")), None);
        assert_eq!(Manifest::parse(&format!("{}junk\n", m.render())), None);
    }

    #[test]
    fn digests_tell_contents_apart() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        // Every length up to three words, and a last byte changed.
        for n in 0..24 {
            inputs.push(vec![7; n]);
            for b in [0u8, 0x80] {
                if n > 0 {
                    let mut v = vec![7; n];
                    v[n - 1] = b;
                    inputs.push(v);
                }
            }
        }
        inputs.push(b"ab".to_vec());
        inputs.push(b"ba".to_vec());
        let seen: std::collections::HashSet<u64> = inputs.iter().map(|v| digest(v)).collect();
        assert_eq!(seen.len(), inputs.len());
        assert_eq!(digest(b"stable"), digest(b"stable"));
    }
}
