//! Which files each source read, and what they held then (a hash of their bytes), so
//! `watch` can tell which sources are stale by looking at the files themselves: a change
//! the file watcher missed (a folder replaced, a root made again, an editor's atomic
//! save) is still found, and a file touched without a change is not one.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

/// What a file held: `None` when it could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp(Option<u64>);

impl Stamp {
    fn of(path: &Path) -> Stamp {
        // The one safe reader: a FIFO or device among a source's files never blocks.
        let text = pm2_dsl_eval::read_text_file(path, pm2_dsl_eval::MAX_FILE_BYTES);
        Stamp(text.ok().flatten().map(|text| {
            let mut hasher = DefaultHasher::new();
            text.hash(&mut hasher);
            hasher.finish()
        }))
    }
}

/// Sources and the files each read (itself included), as they were when read.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    files_of: HashMap<PathBuf, Vec<(PathBuf, Stamp)>>,
}

impl Graph {
    /// Records the files a source read, as they are now.
    pub fn set(&mut self, source: &Path, files: Vec<PathBuf>) {
        let stamped = files
            .into_iter()
            .map(|f| (Stamp::of(&f), f))
            .map(|(s, f)| (f, s))
            .collect();
        self.files_of.insert(source.to_path_buf(), stamped);
    }

    /// Whether `source` is recorded.
    pub fn has(&self, source: &Path) -> bool {
        self.files_of.contains_key(source)
    }

    /// Forgets a source.
    pub fn remove(&mut self, source: &Path) {
        self.files_of.remove(source);
    }

    /// The sources one of whose files changed since it was recorded (or appeared, or
    /// went away).
    pub fn stale(&self) -> BTreeSet<PathBuf> {
        self.files_of
            .iter()
            .filter(|(_, files)| files.iter().any(|(f, stamp)| Stamp::of(f) != *stamp))
            .map(|(source, _)| source.clone())
            .collect()
    }

    /// Every file some source read.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files_of.values().flatten().map(|(f, _)| f.as_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_shared_file_makes_every_importer_stale() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let (a, b, c, base) = (file("a", "a"), file("b", "b"), file("c", "c"), file("base", "1"));
        let mut g = Graph::default();
        g.set(&a, vec![a.clone(), base.clone()]);
        g.set(&b, vec![b.clone(), base.clone()]);
        g.set(&c, vec![c.clone(), dir.path().join("optional")]);
        assert!(g.stale().is_empty());
        std::fs::write(&base, "22").unwrap();
        assert_eq!(g.stale().into_iter().collect::<Vec<_>>(), [a.clone(), b.clone()]);
        g.set(&a, vec![a.clone(), base.clone()]);
        g.set(&b, vec![b.clone(), base.clone()]);
        file("optional", "now it exists");
        assert_eq!(
            g.stale().into_iter().collect::<Vec<_>>(),
            std::slice::from_ref(&c)
        );
        std::fs::write(&c, "c").unwrap();
        g.set(&c, vec![c.clone(), dir.path().join("optional")]);
        std::fs::write(&c, "c").unwrap();
        assert!(g.stale().is_empty(), "the same bytes written again are no change");
        std::fs::remove_file(&base).unwrap();
        assert_eq!(g.stale().len(), 2, "a file gone is a change");
    }
}
