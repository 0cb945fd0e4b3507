//! Test support shared by the pm2-clj crates: where the corpus is ([`corpus`]), and the
//! real `pm2` run in an isolated, short, temporary `PM2_HOME` that is always killed
//! afterwards ([`Pm2`]).
//!
//! `pm2` comes from `PM2_BIN` when set, otherwise from `tools/pm2` in the repository,
//! installed there with `npm ci` on first use (under a file lock, so parallel test
//! binaries install it once). A test that needs pm2 fails when it cannot be had; it
//! never skips.

mod compare;
mod pm2;
mod unprivileged;

pub use compare::assert_same_apps;
pub use pm2::{App, Pm2, Pm2Read, pm2_bin, pm2_package_dir, pm2_reads};
pub use unprivileged::{unprivileged, unprivileged_command};

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// A folder of the shared corpus (`../shared/corpus/<name>` from the repository root, or
/// `$PM2_CLJ_CORPUS/<name>`). Panics when it is missing: corpus tests never skip.
pub fn corpus(name: &str) -> PathBuf {
    let base = match std::env::var_os("PM2_CLJ_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("../shared/corpus"),
    };
    let dir = base.join(name);
    let dir = dir.canonicalize().unwrap_or(dir);
    assert!(
        dir.is_dir(),
        "the test corpus is missing: expected {} (set PM2_CLJ_CORPUS to the corpus folder)",
        dir.display()
    );
    dir
}

/// Every file under `dir` (recursively) whose name ends with one of `suffixes`, sorted.
pub fn files_under(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if suffixes.iter().any(|s| path.to_string_lossy().ends_with(s)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
