//! Everything iamtrim asks of git (the only module that touches git2): the staged blobs, the files
//! changed since a base, the tracked files, and a file as it stood at a past time.

use super::{Origin, SourceFile};
use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, Oid, Repository, Sort, Tree};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("not in a git repository ({0}): --staged, --base and --all need one")]
    NotARepo(String),
    #[error("{0} is a bare repository: iamtrim needs a work tree")]
    Bare(String),
    #[error("{path} is outside the repository at {root}")]
    Outside { path: String, root: String },
    #[error("cannot resolve `{rev}`: {message}")]
    Rev { rev: String, message: String },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

pub struct Repo {
    repo: Repository,
    root: PathBuf,
}

/// A blob is a regular file (not a symlink, not a submodule).
fn regular(mode: u32) -> bool {
    mode == u32::from(FileMode::Blob) || mode == u32::from(FileMode::BlobExecutable)
}

impl Repo {
    pub fn discover(cwd: &Path) -> Result<Repo, GitError> {
        let repo =
            Repository::discover(cwd).map_err(|_| GitError::NotARepo(cwd.display().to_string()))?;
        if repo.is_bare() {
            return Err(GitError::Bare(repo.path().display().to_string()));
        }
        let root = repo
            .workdir()
            .ok_or_else(|| GitError::Bare(repo.path().display().to_string()))?
            .to_path_buf();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        Ok(Repo { repo, root })
    }

    pub fn root(&self) -> &Path {
        &self.root
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
        let head = self.head_tree()?;
        let index = self.repo.index()?;
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let mut diff =
            self.repo
                .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut opts))?;
        Self::find_renames(&mut diff)?;
        self.changed_files(&diff, only, Origin::Index)
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
        let mb = self
            .repo
            .merge_base(base.id(), head.id())
            .map_err(rev_err)?;
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
        let index = self.repo.index()?;
        let mut out = Vec::new();
        for e in index.iter() {
            if !regular(e.mode) {
                continue;
            }
            let path = String::from_utf8_lossy(&e.path).into_owned();
            out.push(SourceFile {
                path: self.root.join(&path),
                repo_path: Some(path),
                origin: Origin::Worktree,
                bytes: None,
            });
        }
        out.sort_by(|a, b| a.repo_path.cmp(&b.repo_path));
        Ok(out)
    }

    /// Stages new content for `repo_path` (after a fix in `--staged` mode).
    pub fn stage(&self, repo_path: &str, bytes: &[u8]) -> Result<(), GitError> {
        let mut index = self.repo.index()?;
        let Some(mut entry) = index.get_path(Path::new(repo_path), 0) else {
            return Ok(());
        };
        entry.id = self.repo.blob(bytes)?;
        entry.file_size = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        index.add_frombuffer(&entry, bytes)?;
        index.write()?;
        Ok(())
    }

    /// `repo_path` as it stood in the last commit at or before `time` (seconds since the
    /// epoch), by commit time, on `HEAD`'s history. `Ok(None)`: no such commit, or the file was
    /// not in it.
    pub fn file_at(&self, repo_path: &str, time: i64) -> Result<Option<Vec<u8>>, GitError> {
        let Ok(head) = self.repo.head() else {
            return Ok(None);
        };
        let Some(head_oid) = head.target() else {
            return Ok(None);
        };
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TIME)?;
        walk.push(head_oid)?;
        let mut found: Option<Oid> = None;
        for oid in walk {
            let oid = oid?;
            let commit = self.repo.find_commit(oid)?;
            if commit.time().seconds() <= time {
                found = Some(oid);
                break;
            }
        }
        let Some(oid) = found else { return Ok(None) };
        let tree = self.repo.find_commit(oid)?.tree()?;
        let Ok(entry) = tree.get_path(Path::new(repo_path)) else {
            return Ok(None);
        };
        if !regular(entry.filemode() as u32) {
            return Ok(None);
        }
        Ok(Some(self.repo.find_blob(entry.id())?.content().to_vec()))
    }
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
