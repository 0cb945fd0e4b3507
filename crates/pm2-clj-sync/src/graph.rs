//! Which sources depend on which files, so `watch` re-evaluates only the changed sources
//! and the sources that import a changed file.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Sources and the files each read (itself included).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    files_of: HashMap<PathBuf, Vec<PathBuf>>,
}

impl Graph {
    /// Records the files a source read.
    pub fn set(&mut self, source: &Path, files: Vec<PathBuf>) {
        self.files_of.insert(source.to_path_buf(), files);
    }

    /// Forgets a source.
    pub fn remove(&mut self, source: &Path) {
        self.files_of.remove(source);
    }

    /// The sources a change to `changed` affects: sources among them, and sources that
    /// read any of them.
    pub fn affected(&self, changed: &[PathBuf]) -> BTreeSet<PathBuf> {
        let mut out = BTreeSet::new();
        for (source, files) in &self.files_of {
            if changed.iter().any(|c| c == source || files.contains(c)) {
                out.insert(source.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_file_affects_every_importer() {
        let mut g = Graph::default();
        g.set(
            Path::new("/d/a.pm2.edn"),
            vec!["/d/a.pm2.edn".into(), "/d/base.edn".into()],
        );
        g.set(
            Path::new("/d/b.pm2.edn"),
            vec!["/d/b.pm2.edn".into(), "/d/base.edn".into()],
        );
        g.set(Path::new("/d/c.pm2.edn"), vec!["/d/c.pm2.edn".into()]);
        let hit: Vec<PathBuf> = g.affected(&["/d/base.edn".into()]).into_iter().collect();
        assert_eq!(
            hit,
            [PathBuf::from("/d/a.pm2.edn"), PathBuf::from("/d/b.pm2.edn")]
        );
        assert_eq!(g.affected(&["/d/c.pm2.edn".into()]).len(), 1);
        assert!(g.affected(&["/d/other.edn".into()]).is_empty());
    }
}
