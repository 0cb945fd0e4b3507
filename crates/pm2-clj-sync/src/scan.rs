//! Finding source files: every `*.pm2.edn` under the given directories (skipping
//! generated `dist/` and `.pm2-clj/` folders, `node_modules` and hidden folders), plus
//! the files given by name. Symbolic links are followed only while they stay inside the
//! directory being searched; a folder that cannot be read is reported, never taken as
//! a folder without sources.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Whether a file name is an ecosystem source.
pub fn is_source(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".pm2.edn"))
}

fn skipped_dir(name: &str) -> bool {
    matches!(name, "dist" | "node_modules" | ".pm2-clj") || (name.starts_with('.') && name.len() > 1)
}

/// What a search found.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// The source files, absolute, files named first, then each directory's sorted.
    pub sources: Vec<PathBuf>,
    /// Paths that could not be read, absolute, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Searches `dir` for the files `wanted` accepts (skipping generated folders,
/// `node_modules` and hidden folders, following links that stay inside `dir`), sorted,
/// into `found`.
pub fn search(dir: &Path, wanted: &dyn Fn(&Path) -> bool, found: &mut Found) {
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let inside = |path: &Path| path.canonicalize().is_ok_and(|real| real.starts_with(&root));
    let mut sources = Vec::new();
    let walk = WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if e.file_type().is_dir() && skipped_dir(&e.file_name().to_string_lossy()) {
                return false;
            }
            !e.path_is_symlink() || inside(e.path())
        });
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_file() && wanted(e.path()) => sources.push(absolute(e.path())),
            Ok(_) => {}
            Err(e) if e.loop_ancestor().is_some() => {}
            Err(e) => {
                let path = e.path().map(absolute).unwrap_or_else(|| absolute(dir));
                let reason = e
                    .io_error()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| e.to_string());
                found.unreadable.push((path, reason));
            }
        }
    }
    sources.sort();
    for s in sources {
        if !found.sources.contains(&s) {
            found.sources.push(s);
        }
    }
}

pub use pm2_dsl_emit::absolute;

/// What one `sync` covers: whole directories and single files. Apps whose source is in
/// scope may be reconciled (deleted when their source is gone); others are left alone.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Directories, absolute.
    pub dirs: Vec<PathBuf>,
    /// Files, absolute.
    pub files: Vec<PathBuf>,
}

impl Scope {
    /// The scope of these arguments (directories or files).
    pub fn of(paths: &[PathBuf]) -> Scope {
        let mut scope = Scope::default();
        for p in paths {
            if p.is_dir() {
                scope.dirs.push(absolute(p));
            } else {
                scope.files.push(absolute(p));
            }
        }
        scope
    }

    /// The source files in scope (files given by name first), and what could not be
    /// read.
    pub fn scan(&self) -> Found {
        let mut found = Found {
            sources: self.files.clone(),
            unreadable: Vec::new(),
        };
        for dir in &self.dirs {
            search(dir, &is_source, &mut found);
        }
        found
    }

    /// Whether the source at `path` is covered: named, or a `*.pm2.edn` under a
    /// directory (a file synced by name is not covered by a later run over its folder
    /// when the folder's search would not find it).
    pub fn covers(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f == path)
            || (is_source(path) && self.dirs.iter().any(|d| path.starts_with(d)))
    }
}
