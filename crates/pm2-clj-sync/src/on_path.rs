//! Commands found on `PATH` as pre-flight asks for them: each folder of `PATH` is listed
//! once, so a tree of apps whose scripts are not there yet costs one listing per folder,
//! not one look per folder per app (100,000 such apps made 1.2 million `stat` calls).

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The most names kept of one folder; a larger folder is asked name by name.
const MAX_NAMES: usize = 100_000;

/// What is known of the folders of `PATH` so far.
#[derive(Default)]
pub(crate) struct OnPath {
    /// Each folder's names (`None`: too many to keep, ask the disk).
    folders: HashMap<PathBuf, Option<HashSet<OsString>>>,
}

impl OnPath {
    /// Whether `name` is an executable file in a folder of `path_var` (relative folders,
    /// and an empty one, are taken against `base`), as `which` finds it.
    pub(crate) fn has(&mut self, name: &str, path_var: Option<&str>, base: &Path) -> bool {
        let Some(path_var) = path_var else {
            return false;
        };
        std::env::split_paths(path_var).any(|dir| {
            let dir = if dir.is_relative() { base.join(dir) } else { dir };
            let names = self.folders.entry(dir.clone()).or_insert_with(|| names_in(&dir));
            let listed = names
                .as_ref()
                .is_none_or(|names| names.contains(OsStr::new(name)));
            listed && executable(&dir.join(name))
        })
    }
}

/// The names in `dir` (none when it cannot be read), or `None` when there are more than
/// [`MAX_NAMES`].
fn names_in(dir: &Path) -> Option<HashSet<OsString>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Some(HashSet::new());
    };
    let mut names = HashSet::new();
    for entry in entries.flatten() {
        if names.len() == MAX_NAMES {
            return None;
        }
        names.insert(entry.file_name());
    }
    Some(names)
}

/// Whether `path` is a file that may be run.
fn executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_found_in_listed_folders_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("tool"), "#!/bin/sh\n").unwrap();
        std::fs::write(bin.join("data"), "").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(bin.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut on_path = OnPath::default();
        let path = format!("/no/such/folder:{}", bin.display());
        assert!(on_path.has("tool", Some(&path), dir.path()));
        assert!(!on_path.has("data", Some(&path), dir.path()), "not executable");
        assert!(!on_path.has("missing", Some(&path), dir.path()));
        assert!(!on_path.has("tool", None, dir.path()));
        // A relative folder is taken against the app's folder.
        assert!(on_path.has("tool", Some("bin"), dir.path()));
        // A file added after the folder was listed is not seen: one listing per run.
        std::fs::write(bin.join("later"), "").unwrap();
        assert!(!on_path.has("later", Some(&path), dir.path()));
    }
}
