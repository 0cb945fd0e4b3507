//! Helpers shared by the tests that run an export in a real engine (systemd in nspawn,
//! Docker compose, podman kube play): skipping or failing when the engine cannot run,
//! a command's whole output, and a root tree holding this machine's node and the
//! libraries it links, from which an image is made offline.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Skips the test with one line, or fails it when `required` (an environment variable
/// `.ci/run` sets to 1) asks for the engine.
pub fn cannot(required: &str, test: &str, reason: &str) {
    if std::env::var_os(required).is_some_and(|v| v == "1") {
        panic!("the {test} cannot run: {reason}");
    }
    eprintln!("skipped: the {test} cannot run here: {reason}");
}

/// What a command printed, stdout then stderr.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `name` on `PATH` or in `/usr/sbin` and `/sbin` (where systemd's tools are), as a file.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Copies `node` (resolved) to `root/usr/bin/node`, and each library `ldd` lists for
/// it to the same absolute path under `root` (the loader included).
pub fn node_tree(node: &Path, root: &Path) {
    let node = std::fs::canonicalize(node).unwrap_or_else(|e| panic!("{}: {e}", node.display()));
    let copy = |from: &Path, to: &Path| {
        let to = root.join(to.strip_prefix("/").unwrap_or(to));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    };
    copy(&node, Path::new("/usr/bin/node"));
    let ldd = Command::new("ldd").arg(&node).output().expect("run ldd");
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    for path in String::from_utf8_lossy(&ldd.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with('/'))
    {
        let real = std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        copy(&real, Path::new(path));
    }
}
