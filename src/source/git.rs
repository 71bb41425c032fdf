//! Everything iamtrim asks of git (the only module that touches git2): the staged blobs, the files
//! changed since a base, the tracked files, and a file as it stood at a past time.

use super::index_file;
use super::{Origin, SourceFile};
use git2::{
    Delta, DiffFindOptions, DiffOptions, FileMode, Index, ObjectType, Oid, Repository,
    RepositoryOpenFlags, Tree,
};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("not in a git repository ({0}): --staged, --base and --all need one")]
    NotARepo(String),
    #[error("GIT_DIR={dir} is not a git repository: {message}")]
    BadGitDir { dir: String, message: String },
    #[error("{path} says `{says}`, which is not a git repository: {message}")]
    BrokenGitFile {
        path: String,
        says: String,
        message: String,
    },
    #[error("{path} cannot be opened as a git repository: {message}")]
    Unusable { path: String, message: String },
    #[error(
        "the index has unresolved conflicts in {}: resolve them and `git add` the files before checking what is staged",
        .0.join(", ")
    )]
    Conflicts(Vec<String>),
    #[error("{0} is a bare repository: iamtrim needs a work tree")]
    Bare(String),
    #[error("{path} is outside the repository at {root}")]
    Outside { path: String, root: String },
    #[error("cannot resolve `{rev}`: {message}")]
    Rev { rev: String, message: String },
    #[error(
        "`{rev}` and HEAD have no common ancestor in {}: fetch more history (`fetch-depth: 0` in actions/checkout, or `git fetch --unshallow`), or pass a --base that shares history with HEAD",
        if *.shallow { "this shallow clone's history" } else { "this repository" }
    )]
    NoMergeBase { rev: String, shallow: bool },
    #[error(
        "{0} is a split index, which iamtrim cannot read; `git update-index --no-split-index` turns it back into one file"
    )]
    SplitIndex(String),
    #[error(
        "{0} is a sparse index, which iamtrim cannot read; `git sparse-checkout init --no-sparse-index` turns it back into a full one"
    )]
    SparseIndex(String),
    #[error(
        "{0} exists: another git process is writing the index (if none is running, one crashed: remove the file)"
    )]
    IndexLocked(String),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

pub struct Repo {
    repo: Repository,
    root: PathBuf,
    /// `$GIT_INDEX_FILE` (set by `git commit -a` and `git commit PATHS` for their hooks) or
    /// the repository's own index.
    index_path: PathBuf,
    /// `HEAD`'s history as far as `file_at` has needed it, newest first.
    history: std::cell::RefCell<History>,
    /// Trees `file_at` has read, by id, as name -> (id, mode): each tree object is parsed once a
    /// run (a folder of 10,000 policies is one tree object, which looking a path up from the
    /// commit inflated again for every file: 13.8 s for 10,000 files).
    trees: std::cell::RefCell<std::collections::HashMap<Oid, std::sync::Arc<TreeEntries>>>,
}

type TreeEntries = std::collections::HashMap<Box<[u8]>, (Oid, i32)>;

/// A lazy walk of `HEAD`'s history, newest commit time first, kept between `file_at` calls: each
/// commit is read once however many files ask, and only as far back as the oldest question.
#[derive(Default)]
struct History {
    started: bool,
    /// Commits to visit, by commit time (a max-heap).
    frontier: std::collections::BinaryHeap<(i64, Oid)>,
    queued: std::collections::HashSet<Oid>,
    /// Visited, in walk order.
    seen: Vec<(i64, Oid)>,
}

/// A blob is a regular file (not a symlink, not a submodule).
fn regular(mode: u32) -> bool {
    mode == u32::from(FileMode::Blob) || mode == u32::from(FileMode::BlobExecutable)
}

impl Repo {
    /// The repository at or above `cwd`, as git finds it: `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_INDEX_FILE` and `GIT_CEILING_DIRECTORIES` are honoured (git sets some of them for
    /// hooks).
    pub fn discover(cwd: &Path) -> Result<Repo, GitError> {
        // Object hashes are not re-verified on read (git does not either): a staged check
        // reads whole trees, and SHA-1DC over them costs more than the rest of the run.
        git2::opts::strict_hash_verification(false);
        let repo = match std::env::var_os("GIT_DIR") {
            Some(dir) => Repository::open_from_env().map_err(|e| GitError::BadGitDir {
                dir: PathBuf::from(dir).display().to_string(),
                message: e.message().to_string(),
            })?,
            None => Repository::open_ext(
                cwd,
                RepositoryOpenFlags::FROM_ENV,
                std::iter::empty::<&OsStr>(),
            )
            .map_err(|e| why_not_a_repo(cwd, &e))?,
        };
        if repo.is_bare() {
            return Err(GitError::Bare(repo.path().display().to_string()));
        }
        let root = repo
            .workdir()
            .ok_or_else(|| GitError::Bare(repo.path().display().to_string()))?
            .to_path_buf();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let index_path = std::env::var_os("GIT_INDEX_FILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.path().join("index"));
        Ok(Repo {
            repo,
            root,
            index_path,
            history: Default::default(),
            trees: Default::default(),
        })
    }

    /// The index git would commit (see `index_path`).
    fn index(&self) -> Result<Index, GitError> {
        if self.index_path.exists() {
            Ok(Index::open(&self.index_path)?)
        } else {
            Ok(Index::new()?)
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository's git folder (`.git`, or a worktree's folder in it).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// `path` (relative to `cwd` or absolute) as a repository path, or an error outside it.
    pub fn repo_path(&self, cwd: &Path, path: &Path) -> Result<String, GitError> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        };
        let abs = normalize(&abs);
        let root = normalize(&self.root);
        let rel = abs.strip_prefix(&root).map_err(|_| GitError::Outside {
            path: path.display().to_string(),
            root: self.root.display().to_string(),
        })?;
        Ok(rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"))
    }

    fn head_tree(&self) -> Result<Option<Tree<'_>>, GitError> {
        match self.repo.head() {
            Ok(h) => Ok(Some(h.peel_to_tree()?)),
            // Before the first commit: compare with the empty tree.
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn find_renames(diff: &mut git2::Diff<'_>) -> Result<(), GitError> {
        let mut opts = DiffFindOptions::new();
        opts.renames(true).copies(true);
        diff.find_similar(Some(&mut opts))?;
        Ok(())
    }

    /// The regular files a diff adds, copies, modifies or renames (under their new name), with
    /// their new content; `only`: just these repository paths.
    fn changed_files(
        &self,
        diff: &git2::Diff<'_>,
        only: Option<&[String]>,
        origin: Origin,
    ) -> Result<Vec<SourceFile>, GitError> {
        let mut out = Vec::new();
        for d in diff.deltas() {
            if !matches!(
                d.status(),
                Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
            ) {
                continue;
            }
            let new = d.new_file();
            if !regular(u32::from(new.mode())) {
                continue;
            }
            let Some(path) = new.path().map(|p| p.to_string_lossy().replace('\\', "/")) else {
                continue;
            };
            if only.is_some_and(|o| !o.contains(&path)) {
                continue;
            }
            let blob = self.repo.find_blob(new.id())?;
            out.push(SourceFile {
                path: self.root.join(&path),
                repo_path: Some(path),
                origin,
                bytes: Some(blob.content().to_vec()),
            });
        }
        out.sort_by(|a, b| a.repo_path.cmp(&b.repo_path));
        Ok(out)
    }

    /// The staged content of files added, copied, modified or renamed in the index against
    /// `HEAD` (the empty tree before the first commit); `only`: just these repository paths.
    pub fn staged(&self, only: Option<&[String]>) -> Result<Vec<SourceFile>, GitError> {
        if let Some(files) = self.staged_from_index_file(only)? {
            return Ok(files);
        }
        self.staged_by_libgit2(only)
    }

    /// `staged` through libgit2's diff of `HEAD` against the index: the reference
    /// implementation, and the fallback for indexes `index_file` does not read.
    fn staged_by_libgit2(&self, only: Option<&[String]>) -> Result<Vec<SourceFile>, GitError> {
        let head = self.head_tree()?;
        let shown = || self.index_path.display().to_string();
        let index = self.index().map_err(|e| match e {
            GitError::Git(g) if g.message().contains("'link'") => GitError::SplitIndex(shown()),
            GitError::Git(g) if g.message().contains("'sdir'") => GitError::SparseIndex(shown()),
            e => e,
        })?;
        if index.has_conflicts() {
            let mut paths: Vec<Vec<u8>> = Vec::new();
            for c in index.conflicts()? {
                let c = c?;
                if let Some(e) = c.our.or(c.their).or(c.ancestor) {
                    paths.push(e.path);
                }
            }
            paths.sort();
            no_conflicts(paths.iter().map(Vec::as_slice))?;
        }
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let diff = self
            .repo
            .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut opts))?;
        let mut files = self.changed_files(&diff, only, Origin::Index)?;
        // `git add -N` entries are not committed (libgit2's diff shows them as empty files).
        const INTENT_TO_ADD: u16 = 1 << 13;
        let intent: Vec<Vec<u8>> = index
            .iter()
            .filter(|e| e.flags_extended & INTENT_TO_ADD != 0)
            .map(|e| e.path)
            .collect();
        files.retain(|f| {
            !intent
                .iter()
                .any(|p| f.repo_path.as_deref().map(str::as_bytes) == Some(p.as_slice()))
        });
        Ok(files)
    }

    /// `staged` from the index file read directly (see `index_file`), comparing its entries with
    /// `HEAD`'s tree and skipping every directory whose cache-tree entry equals `HEAD`'s subtree,
    /// as git does. `Ok(None)`: an index this reader does not handle.
    fn staged_from_index_file(
        &self,
        only: Option<&[String]>,
    ) -> Result<Option<Vec<SourceFile>>, GitError> {
        let Some(bytes) = self.map_index()? else {
            return Ok(None);
        };
        let Some(index) = index_file::parse(&bytes) else {
            return Ok(None);
        };
        // As `git commit` does: nothing staged is checked while a merge is unfinished.
        no_conflicts(index.conflicted.iter().map(Vec::as_slice))?;
        let head = self.head_tree()?;
        let valid: HashMap<&[u8], Oid> = index
            .valid_trees
            .iter()
            .filter_map(|t| Some((t.path.as_slice(), Oid::from_bytes(&t.oid).ok()?)))
            .collect();
        // Walk HEAD's tree, skipping the directories the cache-tree vouches for (`clean`), and
        // mark the index entries whose blob and mode HEAD has at the same path.
        let mut same = vec![false; index.entries.len()];
        let mut clean: Vec<Vec<u8>> = Vec::new();
        let mut path: Vec<u8> = Vec::new();
        if let Some(tree) = &head {
            // Trees are read only when the cache-tree cannot vouch for them.
            let mut todo: Vec<(Vec<u8>, Oid)> = vec![(Vec::new(), tree.id())];
            while let Some((dir, id)) = todo.pop() {
                if valid.get(dir.as_slice()) == Some(&id) {
                    clean.push(dir);
                    continue;
                }
                let tree = self.repo.find_tree(id)?;
                for e in tree.iter() {
                    path.clear();
                    path.extend_from_slice(&dir);
                    if !path.is_empty() {
                        path.push(b'/');
                    }
                    path.extend_from_slice(e.name_bytes());
                    if e.kind() == Some(ObjectType::Tree) {
                        todo.push((path.clone(), e.id()));
                    } else if let Ok(i) =
                        index.entries.binary_search_by(|x| index.path(x).cmp(&path))
                    {
                        let x = &index.entries[i];
                        same[i] = index.oid(x) == e.id().as_bytes()
                            && index.mode(x) == e.filemode() as u32;
                    }
                }
            }
        }
        let under_clean = |path: &[u8]| {
            clean.iter().any(|dir| {
                dir.is_empty()
                    || (path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/')
            })
        };
        let mut out = Vec::new();
        for (i, e) in index.entries.iter().enumerate() {
            let epath = index.path(e);
            if same[i] || !regular(index.mode(e)) || under_clean(epath) {
                continue;
            }
            let oid = Oid::from_bytes(&index.oid(e))?;
            let Ok(path) = std::str::from_utf8(epath) else {
                // Not UTF-8: let libgit2 decide how to name it.
                return Ok(None);
            };
            if only.is_some_and(|o| !o.iter().any(|p| p == path)) {
                continue;
            }
            let blob = self.repo.find_blob(oid)?;
            out.push(SourceFile {
                path: self.root.join(path),
                repo_path: Some(path.to_string()),
                origin: Origin::Index,
                bytes: Some(blob.content().to_vec()),
            });
        }
        out.sort_by(|a, b| a.repo_path.cmp(&b.repo_path));
        Ok(Some(out))
    }

    /// Files changed between the merge base of `rev` and `HEAD`, and `HEAD`, read from `HEAD`.
    pub fn changed_since(&self, rev: &str) -> Result<Vec<SourceFile>, GitError> {
        let rev_err = |e: git2::Error| GitError::Rev {
            rev: rev.to_string(),
            message: e.message().to_string(),
        };
        let base = self
            .repo
            .revparse_single(rev)
            .map_err(rev_err)?
            .peel_to_commit()
            .map_err(rev_err)?;
        let head = self.repo.head()?.peel_to_commit()?;
        let mb = match self.repo.merge_base(base.id(), head.id()) {
            Ok(mb) => mb,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                return Err(GitError::NoMergeBase {
                    rev: rev.to_string(),
                    shallow: self.repo.is_shallow(),
                });
            }
            Err(e) => return Err(rev_err(e)),
        };
        let base_tree = self.repo.find_commit(mb)?.tree()?;
        let head_tree = head.tree()?;
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let mut diff =
            self.repo
                .diff_tree_to_tree(Some(&base_tree), Some(&head_tree), Some(&mut opts))?;
        Self::find_renames(&mut diff)?;
        self.changed_files(&diff, None, Origin::Commit)
    }

    /// Every tracked regular file, read from the working tree.
    pub fn tracked(&self) -> Result<Vec<SourceFile>, GitError> {
        let mut paths: Vec<String> = match self.map_index()? {
            Some(map) => match index_file::parse_keeping(&map, true) {
                Some(index) => index
                    .entries
                    .iter()
                    .filter(|e| regular(index.mode(e)))
                    .map(|e| String::from_utf8_lossy(index.path(e)).into_owned())
                    .collect(),
                None => self.tracked_by_libgit2()?,
            },
            None => self.tracked_by_libgit2()?,
        };
        paths.sort();
        // A conflicted file has an entry per stage: it is one file in the working tree.
        paths.dedup();
        Ok(paths
            .into_iter()
            .map(|path| SourceFile {
                path: self.root.join(&path),
                repo_path: Some(path),
                origin: Origin::Worktree,
                bytes: None,
            })
            .collect())
    }

    fn tracked_by_libgit2(&self) -> Result<Vec<String>, GitError> {
        let index = self.index()?;
        Ok(index
            .iter()
            .filter(|e| regular(e.mode))
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect())
    }

    /// The index file mapped into memory, as git and libgit2 read it: git replaces the index by
    /// renaming a new file over it, so the mapped file never changes under us. (Reading it would
    /// copy it into fresh pages, a page fault every 4 KiB.) `None`: there is no index to map.
    fn map_index(&self) -> Result<Option<memmap2::Mmap>, GitError> {
        let Ok(file) = std::fs::File::open(&self.index_path) else {
            return Ok(None);
        };
        // SAFETY: the mapping is only read, and git does not modify the index in place (see
        // above).
        Ok(unsafe { memmap2::Mmap::map(&file) }.ok())
    }

    /// Whether `stage` can write the index now: git holds `index.lock` while it writes it.
    pub fn can_stage(&self) -> Result<(), GitError> {
        let mut lock = self.index_path.clone().into_os_string();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        if std::fs::symlink_metadata(&lock).is_ok() {
            return Err(GitError::IndexLocked(lock.display().to_string()));
        }
        Ok(())
    }

    /// Stages new content for `repo_path` (after a fix in `--staged` mode).
    pub fn stage(&self, repo_path: &str, bytes: &[u8]) -> Result<(), GitError> {
        let mut index = self.index()?;
        let Some(mut entry) = index.get_path(Path::new(repo_path), 0) else {
            return Ok(());
        };
        entry.id = self.repo.blob(bytes)?;
        entry.file_size = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        index.add(&entry)?;
        index.write()?;
        Ok(())
    }

    /// The first commit of `HEAD`'s history by commit time whose time is at or before `time`.
    fn commit_at(&self, time: i64) -> Result<Option<Oid>, GitError> {
        let mut h = self.history.borrow_mut();
        if let Some(&(_, oid)) = h.seen.iter().find(|(t, _)| *t <= time) {
            return Ok(Some(oid));
        }
        if !h.started {
            h.started = true;
            if let Ok(head) = self.repo.head()
                && let Some(oid) = head.target()
            {
                let t = self.repo.find_commit(oid)?.time().seconds();
                h.frontier.push((t, oid));
                h.queued.insert(oid);
            }
        }
        while let Some((t, oid)) = h.frontier.pop() {
            h.seen.push((t, oid));
            for parent in self.repo.find_commit(oid)?.parent_ids() {
                if h.queued.insert(parent) {
                    let pt = self.repo.find_commit(parent)?.time().seconds();
                    h.frontier.push((pt, parent));
                }
            }
            if t <= time {
                return Ok(Some(oid));
            }
        }
        Ok(None)
    }

    /// Whether the history needed to see `time` is missing: the repository is a shallow clone
    /// and no commit of `HEAD`'s fetched history is at or before `time`. (A complete history
    /// that begins after `time` is not missing anything.)
    pub fn history_cut_before(&self, time: i64) -> Result<bool, GitError> {
        Ok(self.repo.is_shallow() && self.commit_at(time)?.is_none())
    }

    /// `repo_path` as it stood in the last commit at or before `time` (seconds since the
    /// epoch), by commit time, on `HEAD`'s history. `Ok(None)`: no such commit, or the file was
    /// not in it.
    pub fn file_at(&self, repo_path: &str, time: i64) -> Result<Option<Vec<u8>>, GitError> {
        let Some(oid) = self.commit_at(time)? else {
            return Ok(None);
        };
        let mut tree = self.repo.find_commit(oid)?.tree_id();
        let mut parts = repo_path.split('/').peekable();
        while let Some(part) = parts.next() {
            let entries = self.tree_entries(tree)?;
            let Some(&(id, mode)) = entries.get(part.as_bytes()) else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                if !regular(mode as u32) {
                    return Ok(None);
                }
                return Ok(Some(self.repo.find_blob(id)?.content().to_vec()));
            }
            if mode != i32::from(FileMode::Tree) {
                return Ok(None);
            }
            tree = id;
        }
        Ok(None)
    }

    /// A tree's entries, read once a run.
    fn tree_entries(&self, id: Oid) -> Result<std::sync::Arc<TreeEntries>, GitError> {
        if let Some(e) = self.trees.borrow().get(&id) {
            return Ok(e.clone());
        }
        let tree = self.repo.find_tree(id)?;
        let entries: TreeEntries = tree
            .iter()
            .map(|e| (e.name_bytes().into(), (e.id(), e.filemode())))
            .collect();
        let entries = std::sync::Arc::new(entries);
        self.trees.borrow_mut().insert(id, entries.clone());
        Ok(entries)
    }
}

/// Why no repository opened at `cwd`: the nearest `.git` (below any `GIT_CEILING_DIRECTORIES`)
/// that is there but broken, or none at all.
fn why_not_a_repo(cwd: &Path, e: &git2::Error) -> GitError {
    let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let message = e.message().to_string();
    for dir in cwd.ancestors() {
        if dir != cwd && ceilings.iter().any(|c| c == dir) {
            break;
        }
        let dot_git = dir.join(".git");
        let Ok(meta) = std::fs::metadata(&dot_git) else {
            continue;
        };
        let path = dot_git.display().to_string();
        if meta.is_dir() {
            return GitError::Unusable { path, message };
        }
        let says = crate::fsio::read_bounded(&dot_git, 4096)
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or_else(|e| e.to_string());
        return GitError::BrokenGitFile {
            path,
            says,
            message,
        };
    }
    GitError::NotARepo(cwd.display().to_string())
}

/// The conflicted paths, as git names them, or `Ok` when there are none.
fn no_conflicts<'a>(paths: impl IntoIterator<Item = &'a [u8]>) -> Result<(), GitError> {
    let mut list: Vec<String> = paths
        .into_iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    if list.is_empty() {
        return Ok(());
    }
    list.dedup();
    Err(GitError::Conflicts(list))
}

/// `.` and `..` resolved lexically, symlinks in the existing prefix resolved.
fn normalize(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else {
        return p.to_path_buf();
    };
    normalize(parent).join(name)
}

#[cfg(test)]
mod tests {
    //! The index-file fast path against libgit2's diff, on real repositories made with git.
    use super::*;
    use std::process::Command;

    /// git in `dir`, away from the user's config and any surrounding hook's repository, with
    /// `env` on top; its output, whether it succeeded or not.
    fn git_output(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    /// git in `dir`, which must succeed; its standard output.
    fn git(dir: &Path, args: &[&str]) -> String {
        let out = git_output(dir, args, &[]);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    type Staged = Vec<(String, Vec<u8>)>;

    /// (fast path, libgit2): the repository paths and bytes each finds staged.
    fn both(dir: &Path) -> (Option<Staged>, Staged) {
        let repo = Repo {
            repo: Repository::open(dir).unwrap(),
            root: dir.to_path_buf(),
            index_path: dir.join(".git/index"),
            history: Default::default(),
            trees: Default::default(),
        };
        let flat = |v: Vec<SourceFile>| -> Staged {
            v.into_iter()
                .map(|f| (f.repo_path.unwrap(), f.bytes.unwrap()))
                .collect()
        };
        (
            repo.staged_from_index_file(None).unwrap().map(flat),
            flat(repo.staged_by_libgit2(None).unwrap()),
        )
    }

    fn names(s: &Staged) -> Vec<&str> {
        s.iter().map(|(p, _)| p.as_str()).collect()
    }

    fn repo_with_history() -> tempfile::TempDir {
        let t = tempfile::TempDir::new().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "-b", "main"]);
        for i in 0..30 {
            write(d, &format!("a/p{i:02}.json"), &format!("{{\"n\": {i}}}\n"));
            write(d, &format!("b/c/q{i:02}.json"), "{}\n");
        }
        write(d, "top.json", "{}\n");
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "one"]);
        t
    }

    #[test]
    fn before_the_first_commit() {
        let t = tempfile::TempDir::new().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "-b", "main"]);
        write(d, "x/a.json", "{}\n");
        write(d, "b.json", "[]\n");
        git(d, &["add", "-A"]);
        let (fast, slow) = both(d);
        assert_eq!(names(&slow), ["b.json", "x/a.json"]);
        assert_eq!(fast, Some(slow));
    }

    #[test]
    fn nothing_staged_after_a_commit() {
        let t = repo_with_history();
        let (fast, slow) = both(t.path());
        assert!(slow.is_empty());
        assert_eq!(fast, Some(slow));
    }

    #[test]
    fn changes_in_every_kind_of_directory_and_every_index_version() {
        for version in ["2", "3", "4"] {
            let t = repo_with_history();
            let d = t.path();
            git(d, &["update-index", "--index-version", version]);
            write(d, "a/p03.json", "{\"changed\": true}\n");
            write(d, "b/c/new.json", "{}\n");
            write(d, "top.json", "{\"top\": 1}\n");
            write(d, "unstaged.json", "{}\n");
            git(d, &["add", "a/p03.json", "b/c/new.json", "top.json"]);
            git(d, &["mv", "a/p07.json", "a/renamed.json"]);
            git(d, &["rm", "-q", "a/p09.json"]);
            git(d, &["add", "-N", "unstaged.json"]); // intent to add: not committed
            let (fast, slow) = both(d);
            assert_eq!(
                names(&slow),
                ["a/p03.json", "a/renamed.json", "b/c/new.json", "top.json"],
                "index version {version}"
            );
            assert_eq!(fast, Some(slow), "index version {version}");
            // --all: every tracked regular file (intent-to-add included), as libgit2 lists them.
            let repo = Repo::discover(d).unwrap();
            let tracked: Vec<String> = repo
                .tracked()
                .unwrap()
                .into_iter()
                .filter_map(|f| f.repo_path)
                .collect();
            let mut reference = repo.tracked_by_libgit2().unwrap();
            reference.sort();
            reference.dedup();
            assert_eq!(tracked, reference, "index version {version}");
            assert!(tracked.iter().any(|p| p == "unstaged.json"));
            assert!(!tracked.iter().any(|p| p == "a/p09.json"));
        }
    }

    #[test]
    fn a_stale_cache_tree_is_not_trusted() {
        // libgit2 writes indexes without a full cache-tree; git's `read-tree` resets it.
        let t = repo_with_history();
        let d = t.path();
        write(d, "b/c/q05.json", "{\"x\": 5}\n");
        git(d, &["add", "b/c/q05.json"]);
        let (fast, slow) = both(d);
        assert_eq!(names(&slow), ["b/c/q05.json"]);
        assert_eq!(fast, Some(slow.clone()));
        git(d, &["read-tree", "HEAD"]);
        git(
            d,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!(
                    "100644,{},b/c/q05.json",
                    git(d, &["hash-object", "-w", "b/c/q05.json"]).trim()
                ),
            ],
        );
        let (fast, slow2) = both(d);
        assert_eq!(slow2, slow);
        assert_eq!(fast, Some(slow2));
    }

    #[test]
    fn mode_changes_symlinks_and_skip_worktree() {
        let t = repo_with_history();
        let d = t.path();
        git(d, &["update-index", "--chmod=+x", "a/p01.json"]);
        std::os::unix::fs::symlink("top.json", d.join("link.json")).unwrap();
        git(d, &["add", "link.json"]);
        write(d, "a/p02.json", "{\"s\": 1}\n");
        git(d, &["add", "a/p02.json"]);
        git(d, &["update-index", "--skip-worktree", "a/p02.json"]);
        let (fast, slow) = both(d);
        assert_eq!(names(&slow), ["a/p01.json", "a/p02.json"]);
        assert_eq!(fast, Some(slow));
    }

    /// Neither reader handles git's split index (`link`) or sparse index (`sdir`): the fast
    /// path declines, and the error says which it is and how to undo it.
    #[test]
    fn split_and_sparse_indexes_are_errors_not_wrong_answers() {
        let cases: [(&[&[&str]], &[&str]); 2] = [
            (
                &[&["update-index", "--split-index"]],
                &["split index", "--no-split-index"],
            ),
            (
                &[
                    &["sparse-checkout", "init", "--cone", "--sparse-index"],
                    &["sparse-checkout", "set", "a"],
                ],
                &["sparse index", "--no-sparse-index"],
            ),
        ];
        for (setup, said) in cases {
            let t = repo_with_history();
            let d = t.path();
            for args in setup {
                git(d, args);
            }
            write(d, "a/p04.json", "{\"changed\": 1}\n");
            git(d, &["add", "a/p04.json"]);
            let repo = Repo::discover(d).unwrap();
            assert_eq!(
                repo.staged_from_index_file(None).unwrap().map(|v| v.len()),
                None
            );
            let err = repo.staged(None).expect_err("an error").to_string();
            for s in said {
                assert!(err.contains(s), "{err}");
            }
        }
    }

    #[test]
    fn conflicted_entries_are_an_error_for_staged() {
        let t = repo_with_history();
        let d = t.path();
        git(d, &["checkout", "-q", "-b", "other"]);
        write(d, "top.json", "{\"other\": 1}\n");
        git(d, &["commit", "-q", "-am", "other"]);
        git(d, &["checkout", "-q", "main"]);
        write(d, "top.json", "{\"main\": 1}\n");
        write(d, "a/p05.json", "{\"merged\": 1}\n");
        git(d, &["commit", "-q", "-am", "main"]);
        let status = git_output(d, &["merge", "-q", "other"], &[]);
        assert!(!status.status.success(), "the merge conflicts");
        // Both readers refuse, naming the file, as `git commit` does.
        let repo = Repo::discover(d).unwrap();
        for result in [
            repo.staged_from_index_file(None).map(|_| ()),
            repo.staged_by_libgit2(None).map(|_| ()),
        ] {
            match result {
                Err(GitError::Conflicts(paths)) => assert_eq!(paths, ["top.json"]),
                other => panic!("{:?}", other.err()),
            }
        }
        // --all checks the conflicted file once, from the working tree.
        let repo = Repo::discover(d).unwrap();
        let tracked: Vec<String> = repo
            .tracked()
            .unwrap()
            .into_iter()
            .filter_map(|f| f.repo_path)
            .filter(|p| p == "top.json")
            .collect();
        assert_eq!(tracked, ["top.json"]);
    }

    /// `file_at` through the per-run tree cache agrees with `git show REV:PATH` for nested
    /// files, two versions of the same folder, missing paths, a folder named as a file, a file
    /// named as a folder, and a symlink (not a regular file: no content).
    #[test]
    fn file_at_reads_each_tree_once_and_agrees_with_git() {
        let t = tempfile::TempDir::new().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "-b", "main"]);
        let commit = |n: i64| {
            let date = format!("@{} +0000", 1_700_000_000 + n * 1000);
            git(d, &["add", "-A"]);
            let when = [("GIT_AUTHOR_DATE", &*date), ("GIT_COMMITTER_DATE", &*date)];
            let out = git_output(d, &["commit", "-q", "-m", &n.to_string()], &when);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        for i in 0..50 {
            write(
                d,
                &format!("iam/roles/r{i}.json"),
                &format!("{{\"v\": {i}}}\n"),
            );
        }
        write(d, "top.json", "{}\n");
        std::os::unix::fs::symlink("top.json", d.join("link.json")).unwrap();
        commit(1);
        write(d, "iam/roles/r7.json", "{\"v\": \"seven\"}\n");
        commit(3);
        let repo = Repo::discover(d).unwrap();
        let first = 1_700_000_000 + 1000 + 10;
        let second = 1_700_000_000 + 3000 + 10;
        for (time, rev) in [(first, "HEAD~1"), (second, "HEAD")] {
            for path in [
                "iam/roles/r0.json",
                "iam/roles/r7.json",
                "iam/roles/r49.json",
                "top.json",
            ] {
                let got = repo.file_at(path, time).unwrap().unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    git(d, &["show", &format!("{rev}:{path}")])
                );
            }
            for path in [
                "iam/roles/r50.json",
                "iam/roles",
                "top.json/x",
                "link.json",
                "nope/x.json",
                "",
            ] {
                assert!(repo.file_at(path, time).unwrap().is_none(), "{path}");
            }
        }
        assert!(
            repo.file_at("top.json", 1_000).unwrap().is_none(),
            "before any commit"
        );
    }

    /// The lazy, shared history walk answers any sequence of times as a fresh TIME-sorted
    /// revwalk would, merges included.
    #[test]
    fn commit_at_matches_a_fresh_walk_in_any_order() {
        let t = tempfile::TempDir::new().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "-b", "main"]);
        let commit = |n: i64| {
            write(d, &format!("f{n}.json"), "{}\n");
            let date = format!("@{} +0000", 1_700_000_000 + n * 1000);
            git(d, &["add", "-A"]);
            let when = [("GIT_AUTHOR_DATE", &*date), ("GIT_COMMITTER_DATE", &*date)];
            let out = git_output(d, &["commit", "-q", "-m", &n.to_string()], &when);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        commit(1);
        commit(2);
        git(d, &["checkout", "-q", "-b", "side"]);
        commit(3);
        commit(5);
        git(d, &["checkout", "-q", "main"]);
        commit(4);
        commit(6);
        git(d, &["merge", "-q", "--no-edit", "side"]);
        let repo = Repo::discover(d).unwrap();
        let fresh = |time: i64| -> Option<Oid> {
            let mut walk = repo.repo.revwalk().unwrap();
            walk.set_sorting(git2::Sort::TIME).unwrap();
            walk.push_head().unwrap();
            walk.map(Result::unwrap)
                .find(|o| repo.repo.find_commit(*o).unwrap().time().seconds() <= time)
        };
        let times: Vec<i64> = [3, 7, 1, 0, 5, 2, 6, 4, 9]
            .iter()
            .map(|n| 1_700_000_000 + n * 1000 + 500)
            .chain([1_600_000_000, 1_700_001_000])
            .collect();
        for time in times {
            assert_eq!(repo.commit_at(time).unwrap(), fresh(time), "at {time}");
        }
    }
}
