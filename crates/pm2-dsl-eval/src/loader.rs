//! Where imported files come from: the [`Loader`] trait, the filesystem loader
//! ([`FsLoader`]), an in-memory loader for embedders and tests ([`MemoryLoader`]), and
//! [`Overlay`], which serves some texts from memory (an editor's unsaved buffers) and
//! reads the rest through another loader.
//!
//! Paths are resolved lexically (`a/../b` becomes `b`) relative to the directory of the
//! importing file, so the same file reached by two spellings is loaded once.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::file::{MAX_FILE_BYTES, read_text_file};

/// Finds and reads the files a program imports.
pub trait Loader {
    /// The location of `path` as written in the file at location `from`, or as given by
    /// the embedder when `from` is `None`. Locations are compared as strings to load each
    /// file once, so equal files must resolve to equal locations.
    fn resolve(&self, from: Option<&str>, path: &str) -> String {
        resolve_path(from, path)
    }

    /// The text at a location; `Ok(None)` when there is no file there.
    fn read(&self, location: &str) -> io::Result<Option<String>>;

    /// What is at a location, without reading it (`#venv` asks whether a Python is
    /// there). By default: a file when [`Loader::read`] finds text there.
    fn found(&self, location: &str) -> Found {
        match self.read(location) {
            Ok(Some(_)) => Found::File,
            _ => Found::Nothing,
        }
    }
}

/// A boxed loader loads as the loader in it does.
impl<L: Loader + ?Sized> Loader for Box<L> {
    fn resolve(&self, from: Option<&str>, path: &str) -> String {
        (**self).resolve(from, path)
    }

    fn read(&self, location: &str) -> io::Result<Option<String>> {
        (**self).read(location)
    }

    fn found(&self, location: &str) -> Found {
        (**self).found(location)
    }
}

/// What a [`Loader`] finds at a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// A file (links followed).
    File,
    /// A folder.
    Folder,
    /// Nothing, or nothing the loader may look at.
    Nothing,
}

/// Joins `path` to the directory of `from` (when `path` is relative) and removes `.` and
/// `..` components.
pub fn resolve_path(from: Option<&str>, path: &str) -> String {
    let path = Path::new(path);
    let joined = match from.and_then(|f| Path::new(f).parent()) {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out.to_string_lossy().into_owned()
}

/// Reads imports from the filesystem, safely ([`read_text_file`]): regular files only,
/// each at most [`MAX_FILE_BYTES`] (settable), and, when confined
/// ([`FsLoader::confined_to`]), only inside one folder: for evaluating files you do not
/// trust, so that `#include "/etc/shadow"` or a link out of the folder is refused.
#[derive(Clone, Debug)]
pub struct FsLoader {
    /// The folder imports must stay inside (canonical), if confined.
    root: Option<PathBuf>,
    max_file_bytes: u64,
}

impl Default for FsLoader {
    fn default() -> FsLoader {
        FsLoader {
            root: None,
            max_file_bytes: MAX_FILE_BYTES,
        }
    }
}

impl FsLoader {
    /// A loader that reads any file up to [`MAX_FILE_BYTES`].
    pub fn new() -> FsLoader {
        FsLoader::default()
    }

    /// The same loader, reading only files inside `root` (after following symbolic
    /// links); an error when `root` is not a folder that exists.
    pub fn confined_to(self, root: impl AsRef<Path>) -> io::Result<FsLoader> {
        let root = root.as_ref().canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", root.display()),
            ));
        }
        Ok(FsLoader {
            root: Some(root),
            ..self
        })
    }

    /// The same loader, with a different cap on each file's size.
    pub fn max_file_bytes(self, max: u64) -> FsLoader {
        FsLoader {
            max_file_bytes: max,
            ..self
        }
    }
}

impl FsLoader {
    /// `Ok` when `location` may be read: the loader is not confined, or the file (links
    /// followed) is inside its root or does not exist; else the [`OutsideRoot`] error
    /// [`Loader::read`] would give.
    pub fn check_inside(&self, location: &str) -> io::Result<()> {
        let Some(root) = &self.root else {
            return Ok(());
        };
        let path = Path::new(location);
        let real = path
            .canonicalize()
            .or_else(|_| {
                let folder = path.parent().unwrap_or(Path::new("/")).canonicalize()?;
                Ok::<_, io::Error>(folder.join(path.file_name().unwrap_or_default()))
            })
            .unwrap_or_else(|_| path.to_path_buf());
        if real.starts_with(root) {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            OutsideRoot {
                root: root.clone(),
                real: (real != path).then_some(real),
            },
        ))
    }
}

impl Loader for FsLoader {
    /// What is at `location` (links followed); when confined, nothing is found outside
    /// the root (the folder holding `location` must be inside it; a venv's `bin/python`
    /// is usually a link out of it, and only its existence is looked at).
    fn found(&self, location: &str) -> Found {
        if let Some(root) = &self.root {
            let path = Path::new(location);
            let inside = path
                .parent()
                .and_then(|folder| folder.canonicalize().ok())
                .is_some_and(|folder| folder.starts_with(root));
            if !inside {
                return Found::Nothing;
            }
        }
        match std::fs::metadata(location) {
            Ok(m) if m.is_file() => Found::File,
            Ok(m) if m.is_dir() => Found::Folder,
            _ => Found::Nothing,
        }
    }

    fn read(&self, location: &str) -> io::Result<Option<String>> {
        let Some(root) = &self.root else {
            return Ok(read_text_file(Path::new(location), self.max_file_bytes)?);
        };
        let real = match Path::new(location).canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if !real.starts_with(root) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                OutsideRoot {
                    root: root.clone(),
                    real: (real != Path::new(location)).then_some(real),
                },
            ));
        }
        Ok(read_text_file(&real, self.max_file_bytes)?)
    }
}

/// The error a confined [`FsLoader`] gives for a file outside its root.
#[derive(Debug)]
pub struct OutsideRoot {
    /// The root.
    pub root: PathBuf,
    /// Where the file really is, when a link led there.
    pub real: Option<PathBuf>,
}

impl std::fmt::Display for OutsideRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is outside the tree root {}", self.root.display())?;
        if let Some(real) = &self.real {
            write!(f, "; it is {}", real.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for OutsideRoot {}

/// Serves imports from a map of locations to texts.
#[derive(Clone, Debug, Default)]
pub struct MemoryLoader {
    files: HashMap<String, String>,
}

impl MemoryLoader {
    /// An empty loader.
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// Adds a file (its location is normalised as imports are).
    pub fn with_file(mut self, location: &str, text: impl Into<String>) -> MemoryLoader {
        self.insert(location, text);
        self
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, location: &str, text: impl Into<String>) {
        self.files.insert(resolve_path(None, location), text.into());
    }
}

impl Loader for MemoryLoader {
    fn read(&self, location: &str) -> io::Result<Option<String>> {
        Ok(self.files.get(location).cloned())
    }

    /// A file it holds, or a folder when it holds a file under that location.
    fn found(&self, location: &str) -> Found {
        let folder = format!("{}/", location.trim_end_matches('/'));
        if self.files.contains_key(location) {
            Found::File
        } else if self.files.keys().any(|f| f.starts_with(&folder)) {
            Found::Folder
        } else {
            Found::Nothing
        }
    }
}

/// Serves the texts it holds, by location, and reads every other location through
/// `base` (which also resolves paths).
#[derive(Clone, Debug, Default)]
pub struct Overlay<L> {
    files: Arc<HashMap<String, Arc<str>>>,
    base: L,
}

impl<L: Loader> Overlay<L> {
    /// `files` (locations, normalised as imports are, to texts) over `base`.
    pub fn new(files: impl IntoIterator<Item = (String, Arc<str>)>, base: L) -> Overlay<L> {
        let files = files
            .into_iter()
            .map(|(location, text)| (resolve_path(None, &location), text))
            .collect();
        Overlay {
            files: Arc::new(files),
            base,
        }
    }
}

impl<L: Loader> Loader for Overlay<L> {
    fn resolve(&self, from: Option<&str>, path: &str) -> String {
        self.base.resolve(from, path)
    }

    fn read(&self, location: &str) -> io::Result<Option<String>> {
        match self.files.get(location) {
            Some(text) => Ok(Some(text.to_string())),
            None => self.base.read(location),
        }
    }

    fn found(&self, location: &str) -> Found {
        match self.files.get(location) {
            Some(_) => Found::File,
            None => self.base.found(location),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_importing_file() {
        assert_eq!(resolve_path(Some("conf/app.edn"), "base.edn"), "conf/base.edn");
        assert_eq!(
            resolve_path(Some("conf/app.edn"), "../shared/x.edn"),
            "shared/x.edn"
        );
        assert_eq!(resolve_path(Some("conf/a/b.edn"), "./../c.edn"), "conf/c.edn");
        assert_eq!(resolve_path(Some("app.edn"), "../up.edn"), "../up.edn");
        assert_eq!(resolve_path(Some("/etc/app.edn"), "/opt/x.edn"), "/opt/x.edn");
        assert_eq!(resolve_path(Some("/a.edn"), "../../x.edn"), "/x.edn");
        assert_eq!(resolve_path(None, "./x/../y.edn"), "y.edn");
    }

    #[test]
    fn a_confined_loader_reads_only_inside_its_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(root.join("lib/a.edn"), "1").unwrap();
        std::fs::write(dir.path().join("secret.edn"), "2").unwrap();
        let loader = FsLoader::new().confined_to(&root).unwrap();
        let at = |p: &Path| p.to_string_lossy().into_owned();
        assert_eq!(
            loader.read(&at(&root.join("lib/a.edn"))).unwrap().as_deref(),
            Some("1")
        );
        assert_eq!(loader.read(&at(&root.join("lib/missing.edn"))).unwrap(), None);
        let outside = loader.read(&at(&dir.path().join("secret.edn"))).unwrap_err();
        assert_eq!(outside.kind(), io::ErrorKind::PermissionDenied);
        assert!(outside.to_string().starts_with("it is outside the tree root"));
        let escape = resolve_path(Some(&at(&root.join("main.edn"))), "../secret.edn");
        assert!(loader.read(&escape).is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.edn"), root.join("link.edn")).unwrap();
            let linked = loader.read(&at(&root.join("link.edn"))).unwrap_err();
            assert!(linked.to_string().contains("; it is "), "{linked}");
        }
        assert!(FsLoader::new().confined_to(dir.path().join("none")).is_err());
        assert_eq!(
            FsLoader::new()
                .max_file_bytes(0)
                .read(&at(&root.join("lib/a.edn")))
                .unwrap_err()
                .kind(),
            io::ErrorKind::FileTooLarge
        );
    }

    #[test]
    fn an_overlay_serves_its_texts_first() {
        let base = MemoryLoader::new()
            .with_file("/p/a.edn", "disk a")
            .with_file("/p/b.edn", "disk b");
        let overlay = Overlay::new([("/p/./a.edn".to_string(), Arc::from("buffer a"))], base);
        assert_eq!(overlay.read("/p/a.edn").unwrap().as_deref(), Some("buffer a"));
        assert_eq!(overlay.read("/p/b.edn").unwrap().as_deref(), Some("disk b"));
        assert_eq!(overlay.read("/p/c.edn").unwrap(), None);
    }
}
