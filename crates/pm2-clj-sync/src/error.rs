//! What can go wrong loading a run's sources before anything is evaluated or pm2 is
//! asked: [`LoadErrorKind`] says what, [`LoadError`] (a [`Problem`] of it) reports it
//! with a stable code and help, like every other error of the pipeline.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use pm2_dsl_eval::FileError;
use pm2_dsl_reader::{Problem, ProblemKind};

/// What went wrong. Every kind has a stable code.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// `--root DIR` where imports cannot be confined to DIR: `--root nowhere/` (or a
    /// default root that cannot be read).
    Root {
        /// The folder given.
        root: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A source that does not exist: `check missing.pm2.edn`.
    NoSuchFile {
        /// The path given.
        path: PathBuf,
    },
    /// A source the safe reader refuses (a FIFO, a device, a `/proc` file, a file over
    /// 16 MiB, not UTF-8, no permission); its code is the [`FileError`]'s, such as
    /// `file::not-a-file`.
    File {
        /// The file.
        path: PathBuf,
        /// Why it is refused.
        error: Arc<FileError>,
    },
    /// A file or folder of a synced tree that cannot be read (no permission): its apps
    /// are kept as they run.
    Unreadable {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A source for `sync` with apps without `:name` (pm2 matches apps by name):
    /// `{:apps [{:script "a.js"}]}`.
    UnnamedApps {
        /// The source.
        path: PathBuf,
        /// How many apps have no name.
        count: usize,
    },
}

/// A load error: it points at no text (the text could not be had).
pub type LoadError = Problem<LoadErrorKind>;

impl ProblemKind for LoadErrorKind {
    fn code(&self) -> &'static str {
        match self {
            LoadErrorKind::Root { .. } => "load::root",
            LoadErrorKind::NoSuchFile { .. } => "load::read-file",
            LoadErrorKind::File { error, .. } => error.code(),
            LoadErrorKind::Unreadable { .. } => "sync::unreadable",
            LoadErrorKind::UnnamedApps { .. } => "sync::unnamed-app",
        }
    }

    /// Load errors point at no text, so the label is never shown.
    fn label(&self) -> String {
        String::new()
    }

    fn default_help(&self) -> Option<String> {
        Some(
            match self {
                LoadErrorKind::Root { .. } => "name a folder that exists",
                LoadErrorKind::NoSuchFile { .. } => "check the path; it is relative to the current directory",
                LoadErrorKind::File { error, .. } => error.help(),
                LoadErrorKind::Unreadable { .. } => {
                    "pm2-clj keeps the apps of sources it cannot read; fix the permissions and sync again"
                }
                LoadErrorKind::UnnamedApps { .. } => {
                    "sync matches running apps by name; give every app a :name"
                }
            }
            .into(),
        )
    }
}

impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadErrorKind::Root { root, reason } => {
                write!(f, "cannot confine imports to {}: {reason}", root.display())
            }
            LoadErrorKind::NoSuchFile { path } => {
                write!(f, "cannot read {}: there is no such file", path.display())
            }
            LoadErrorKind::File { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            LoadErrorKind::Unreadable { path, reason } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
            LoadErrorKind::UnnamedApps { path, count } => {
                write!(f, "{}: {count} app(s) without :name", path.display())
            }
        }
    }
}
