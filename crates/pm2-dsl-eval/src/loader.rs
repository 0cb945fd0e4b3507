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

/// Reads imports from the filesystem.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, location: &str) -> io::Result<Option<String>> {
        match std::fs::read(location) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the file is not UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

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
