//! Test support shared by the pm2-clj crates: the project's own fixtures ([`fixtures`]),
//! the shared corpus when it is present ([`corpus`]), and the real `pm2` run in an
//! isolated, short, temporary `PM2_HOME` that is always killed afterwards ([`Pm2`]).
//!
//! Every behaviour is tested on the fixtures, so a fresh clone passes `cargo test` with
//! nothing beside it; the corpus tests run in addition when the corpus is there.
//!
//! `pm2` comes from `PM2_BIN` when set, otherwise from `tools/pm2` in the repository,
//! installed there with `npm ci` on first use (under a file lock, so parallel test
//! binaries install it once); tests that also run against pm2 6 take it from
//! `tools/pm2-6` the same way ([`pm2_6_bin`]). A test that needs pm2 fails when it
//! cannot be had; it never skips.

mod compare;
mod pm2;
mod unprivileged;

pub use compare::assert_same_apps;
pub use pm2::{
    App, PM2_CALL_LIMIT, Pm2, Pm2Read, pm2_6_bin, pm2_bin, pm2_package_dir, pm2_reads, pm2_reads_with,
};
pub use unprivileged::{unprivileged, unprivileged_command};

/// The README's Rust examples (its "Embedding the language"), compiled by `cargo test
/// -p pm2-clj-testkit --doc` against the `pm2-clj` crate as an embedder sees it.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

use std::io::Write;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Where the shared corpus is: `$PM2_CLJ_CORPUS`, or `../shared/corpus` beside the
/// repository.
pub fn corpus_root() -> PathBuf {
    match std::env::var_os("PM2_CLJ_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("../shared/corpus"),
    }
}

/// Whether a missing corpus is an error (`PM2_CLJ_REQUIRE_CORPUS=1`, as CI sets it).
fn corpus_required() -> bool {
    std::env::var_os("PM2_CLJ_REQUIRE_CORPUS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A folder of the shared corpus (see [`corpus_root`]), or `None` when the corpus is not
/// there: the calling test then says so in one line on stderr (past the test harness's
/// capture, so it shows in a plain `cargo test`) and should return. With
/// `PM2_CLJ_REQUIRE_CORPUS=1` a missing corpus fails the test instead.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let root = corpus_root();
    let dir = root.join(name);
    if let Ok(dir) = dir.canonicalize()
        && dir.is_dir()
    {
        return Some(dir);
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a corpus test")
        .to_string();
    assert!(
        !corpus_required(),
        "{test}: the test corpus is missing: expected {} (PM2_CLJ_REQUIRE_CORPUS is set; set PM2_CLJ_CORPUS to the corpus folder)",
        dir.display()
    );
    let _ = writeln!(
        std::io::stderr(),
        "\nskipped {test}: no corpus at {} (set PM2_CLJ_CORPUS=DIR; PM2_CLJ_REQUIRE_CORPUS=1 makes this a failure)",
        dir.display()
    );
    None
}

/// A folder of the project's own test fixtures (`crates/pm2-clj-testkit/fixtures/<name>`),
/// which every test can rely on, corpus or not.
pub fn fixtures(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    assert!(dir.is_dir(), "the fixtures folder {} is missing", dir.display());
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
