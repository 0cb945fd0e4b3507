//! Finding source files: every `*.pm2.edn` under the given directories (skipping
//! generated `dist/` and `.pm2-clj/` folders, `node_modules` and hidden folders), plus
//! the files given by name.

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

/// The source files under `dir`, sorted, as absolute paths.
pub fn sources_under(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !(e.file_type().is_dir() && skipped_dir(&e.file_name().to_string_lossy()))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_source(e.path()))
        .map(|e| absolute(e.path()))
        .collect();
    out.sort();
    out
}

/// An absolute, lexically normal path (no `.` or `..`), without touching the disk.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    PathBuf::from(pm2_dsl_eval::resolve_path(None, &abs.to_string_lossy()))
}

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

    /// The source files in scope (files given by name first).
    pub fn sources(&self) -> Vec<PathBuf> {
        let mut out = self.files.clone();
        for dir in &self.dirs {
            for file in sources_under(dir) {
                if !out.contains(&file) {
                    out.push(file);
                }
            }
        }
        out
    }

    /// Whether the source at `path` is covered.
    pub fn covers(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f == path) || self.dirs.iter().any(|d| path.starts_with(d))
    }
}

/// The generated config of a source: `dist/<name>.config.<ext>` beside it.
pub fn dist_path(source: &Path, ext: &str) -> PathBuf {
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".pm2.edn").unwrap_or(&name);
    source
        .parent()
        .unwrap_or(Path::new("."))
        .join("dist")
        .join(format!("{stem}.config.{ext}"))
}
