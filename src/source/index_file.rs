//! A reader for git's index file (`.git/index`, versions 2 to 4) and its cache-tree (`TREE`)
//! extension: just what `check --staged` needs to find the staged files without libgit2's index
//! load, which checksums the whole file with SHA-1DC on every read (git itself does not).
//!
//! The format is git's `Documentation/gitformat-index.txt`. Anything this reader does not fully
//! understand (a split or sparse index, an unknown required extension, a SHA-256 repository, a
//! truncated file) makes it return `None`, and the caller falls back to libgit2.

/// One index entry (stage 0 only; conflict stages and intent-to-add entries are left out, as
/// they are not part of what would be committed).
/// Twelve bytes, whatever the path's length: the file's bytes stay where they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Where the entry starts in the file (its mode and object id are read from there).
    at: u32,
    /// Where its path is: in the file (versions 2 and 3), or in `IndexFile::v4_paths`.
    from: u32,
    to: u32,
}

/// A directory the cache-tree knows to be unchanged since its tree object was computed: every
/// index entry under `path` (`""`: the root) hashes to tree `oid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTree {
    pub path: Vec<u8>,
    pub oid: [u8; 20],
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct IndexFile<'a> {
    bytes: &'a [u8],
    /// In index order (sorted by path).
    pub entries: Vec<Entry>,
    /// Version 4 compresses paths against the previous entry's: they are spelled out here, one
    /// after another.
    v4_paths: Option<Vec<u8>>,
    pub valid_trees: Vec<ValidTree>,
    /// Paths with conflict stages (an unfinished merge), once each, in index order.
    pub conflicted: Vec<Vec<u8>>,
}

const OID: usize = 20;
/// ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each), oid, flags (2).
const FIXED: usize = 16 + 6 * 4 + OID + 2;
const MODE_AT: usize = 16 + 2 * 4;
const OID_AT: usize = 16 + 6 * 4;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Git's offset varint (version 4 path compression).
fn varint(b: &[u8], at: &mut usize) -> Option<usize> {
    let mut c = *b.get(*at)?;
    *at += 1;
    let mut value = usize::from(c & 0x7f);
    while c & 0x80 != 0 {
        c = *b.get(*at)?;
        *at += 1;
        value = value
            .checked_add(1)?
            .checked_mul(128)?
            .checked_add(usize::from(c & 0x7f))?;
    }
    Some(value)
}

impl IndexFile<'_> {
    pub fn path(&self, e: &Entry) -> &[u8] {
        let range = e.from as usize..e.to as usize;
        match &self.v4_paths {
            Some(p) => &p[range],
            None => &self.bytes[range],
        }
    }

    pub fn mode(&self, e: &Entry) -> u32 {
        be32(self.bytes, e.at as usize + MODE_AT).unwrap_or(0)
    }

    pub fn oid(&self, e: &Entry) -> [u8; OID] {
        let at = e.at as usize + OID_AT;
        self.bytes[at..at + OID].try_into().unwrap_or([0; OID])
    }
}

/// Parses an index file; `None` when it is not one this reader fully understands.
pub fn parse(b: &[u8]) -> Option<IndexFile<'_>> {
    parse_keeping(b, false)
}

/// [`parse`], keeping also conflicted and intent-to-add entries when `every_entry` (the files
/// that are tracked, not only what would be committed); a conflicted path then appears once per
/// stage.
pub fn parse_keeping(b: &[u8], every_entry: bool) -> Option<IndexFile<'_>> {
    if b.len() < 12 + OID || &b[..4] != b"DIRC" || u32::try_from(b.len()).is_err() {
        return None;
    }
    let version = be32(b, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(b, 8)? as usize;
    let end = b.len() - OID; // the trailing checksum (not verified, as git does not)
    let mut at = 12;
    let mut out = IndexFile {
        bytes: b,
        entries: Vec::with_capacity(count.min(end / FIXED)),
        v4_paths: (version == 4).then(Vec::new),
        ..IndexFile::default()
    };
    // The previous entry's path (version 4 paths are relative to it), in `paths` when kept.
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        if start + FIXED > end {
            return None;
        }
        let mode = be32(b, start + MODE_AT)?;
        let flags = be16(b, start + OID_AT + OID)?;
        at = start + FIXED;
        let mut intent_to_add = false;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            let ext = be16(b, at)?;
            at += 2;
            intent_to_add = ext & 0x2000 != 0;
        }
        let stage = (flags >> 12) & 0x3;
        // The path: where it is in the file, or (version 4) where it is in `v4_paths`.
        let (from, to) = if version == 4 {
            let strip = varint(b, &mut at)?;
            let nul = memchr::memchr(0, b.get(at..end)?)?;
            let keep = prev.len().checked_sub(strip)?;
            prev.truncate(keep);
            prev.extend_from_slice(&b[at..at + nul]);
            at += nul + 1;
            (0, prev.len())
        } else {
            let nul = memchr::memchr(0, b.get(at..end)?)?;
            let from = at;
            // NUL-terminated, padded with NULs to a multiple of eight bytes.
            at = start + (at - start + nul + 8) / 8 * 8;
            (from, from + nul)
        };
        if at > end || from == to {
            return None;
        }
        // A sparse-directory entry only appears with the `sdir` extension (rejected below), but
        // a tree in the entry list is never a file to check either way.
        if mode & 0o170000 == 0o040000 {
            return None;
        }
        if stage != 0 {
            let path = match &out.v4_paths {
                Some(_) => &prev[..],
                None => &b[from..to],
            };
            if out.conflicted.last().map(Vec::as_slice) != Some(path) {
                out.conflicted.push(path.to_vec());
            }
        }
        if every_entry || (stage == 0 && !intent_to_add) {
            let (from, to) = match &mut out.v4_paths {
                Some(paths) => {
                    let from = paths.len();
                    paths.extend_from_slice(&prev);
                    (from, paths.len())
                }
                None => (from, to),
            };
            out.entries.push(Entry {
                at: start as u32,
                from: u32::try_from(from).ok()?,
                to: u32::try_from(to).ok()?,
            });
        }
    }
    while at < end {
        let sig: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        let size = be32(b, at + 4)? as usize;
        let data = b.get(at + 8..(at + 8).checked_add(size)?)?;
        if at + 8 + size > end {
            return None;
        }
        match &sig {
            b"TREE" => out.valid_trees = cache_tree(data)?,
            // Optional extensions (an upper-case first letter) can be ignored; required ones
            // (`link`: split index, `sdir`: sparse index, ...) change what the entries mean.
            _ if sig[0].is_ascii_uppercase() => {}
            _ => return None,
        }
        at += 8 + size;
    }
    (at == end).then_some(out)
}

/// The `TREE` extension: pre-order entries `path NUL entry_count SP subtrees LF [oid]`.
fn cache_tree(b: &[u8]) -> Option<Vec<ValidTree>> {
    let mut out = Vec::new();
    // The path of each open directory and how many of its subtrees are still to come.
    let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut seen_root = false;
    let mut at = 0;
    while at < b.len() {
        let nul = memchr::memchr(0, &b[at..])?;
        let name = &b[at..at + nul];
        at += nul + 1;
        let lf = memchr::memchr(b'\n', &b[at..])?;
        let line = std::str::from_utf8(&b[at..at + lf]).ok()?;
        at += lf + 1;
        let (count, subtrees) = line.split_once(' ')?;
        let count: i64 = count.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        // Where this node sits: the root first, then children of the innermost open directory.
        while stack.last().is_some_and(|(_, left)| *left == 0) {
            stack.pop();
        }
        let path = match stack.last_mut() {
            None if !seen_root && name.is_empty() => {
                seen_root = true;
                Vec::new()
            }
            None => return None,
            Some((parent, left)) => {
                *left -= 1;
                let mut p = parent.clone();
                if !p.is_empty() {
                    p.push(b'/');
                }
                p.extend_from_slice(name);
                p
            }
        };
        if count >= 0 {
            let oid: [u8; OID] = b.get(at..at + OID)?.try_into().ok()?;
            at += OID;
            out.push(ValidTree {
                path: path.clone(),
                oid,
            });
        }
        stack.push((path, subtrees));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_index() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(&[0u8; 64]), None);
        let mut v5 = b"DIRC\0\0\0\x05\0\0\0\0".to_vec();
        v5.extend_from_slice(&[0; 20]);
        assert_eq!(parse(&v5), None);
    }

    #[test]
    fn empty_index() {
        let mut b = b"DIRC\0\0\0\x02\0\0\0\0".to_vec();
        b.extend_from_slice(&[0; 20]);
        let index = parse(&b).expect("an empty index");
        assert!(index.entries.is_empty() && index.valid_trees.is_empty());
    }

    #[test]
    fn truncations_never_panic() {
        // A two-entry version-2 index, cut at every length.
        let mut b = b"DIRC\0\0\0\x02\0\0\0\x02".to_vec();
        for name in [&b"a.json"[..], b"dir/b.json"] {
            let start = b.len();
            b.extend_from_slice(&[0; 24]);
            b.extend_from_slice(&0o100644u32.to_be_bytes());
            b.extend_from_slice(&[0; 12]);
            b.extend_from_slice(&[7; 20]);
            b.extend_from_slice(&(name.len() as u16).to_be_bytes());
            b.extend_from_slice(name);
            b.push(0);
            while !(b.len() - start).is_multiple_of(8) {
                b.push(0);
            }
        }
        b.extend_from_slice(&[0; 20]);
        let full = parse(&b).expect("whole index");
        assert_eq!(full.entries.len(), 2);
        assert_eq!(full.path(&full.entries[1]), b"dir/b.json");
        assert_eq!(full.mode(&full.entries[1]), 0o100644);
        assert_eq!(full.oid(&full.entries[1]), [7; 20]);
        for cut in 0..b.len() {
            let _ = parse(&b[..cut]);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Any bytes after a valid header, with any entry count: an answer or `None`, never a
        /// panic or a runaway allocation.
        #[test]
        fn arbitrary_bytes_never_panic(
            version in 2u32..=4,
            count in 0u32..64,
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        ) {
            let mut b = b"DIRC".to_vec();
            b.extend_from_slice(&version.to_be_bytes());
            b.extend_from_slice(&count.to_be_bytes());
            b.extend_from_slice(&body);
            let _ = parse(&b);
        }

        /// A cache-tree extension of any bytes.
        #[test]
        fn arbitrary_cache_trees_never_panic(
            body in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::Just(0u8), proptest::prelude::Just(b'\n'),
                    proptest::prelude::Just(b' '), proptest::prelude::Just(b'-'),
                    b'0'..=b'9', proptest::prelude::any::<u8>()
                ],
                0..300,
            ),
        ) {
            let _ = cache_tree(&body);
        }
    }
}
