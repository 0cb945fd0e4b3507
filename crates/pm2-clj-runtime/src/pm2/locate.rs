//! Finding the user's pm2: `PM2_BIN` when set; else a project's own
//! `node_modules/.bin/pm2`, from the current folder up; else `pm2` on `PATH`. From the
//! executable's real path, the pm2 package it belongs to (so its API can be loaded),
//! and `node`.

use std::path::{Path, PathBuf};

use crate::error::{RuntimeError, RuntimeErrorKind};

/// Where pm2 is.
#[derive(Clone, Debug)]
pub struct Located {
    /// The `pm2` executable.
    pub bin: PathBuf,
    /// The pm2 package (the folder holding its `package.json` and `lib/`), when the
    /// executable is pm2's own `bin/pm2`.
    pub package: Option<PathBuf>,
    /// `node`, when it is on `PATH`.
    pub node: Option<PathBuf>,
}

impl Located {
    /// pm2 at `bin`.
    pub fn at(bin: &Path) -> Located {
        Located {
            bin: bin.to_path_buf(),
            package: package_of(bin),
            node: which::which("node").ok(),
        }
    }
}

fn missing(reason: String) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Pm2Missing { reason })
}

/// `node_modules/.bin/pm2` in `dir` or the nearest folder above it that has one.
fn project_pm2(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("node_modules/.bin/pm2"))
        .find(|bin| bin.is_file())
}

/// The pm2 package `bin` belongs to: the folder above its real `bin/` with a
/// `package.json` naming `pm2`.
fn package_of(bin: &Path) -> Option<PathBuf> {
    let real = bin.canonicalize().ok()?;
    let package = real.parent()?.parent()?;
    let manifest = std::fs::read_to_string(package.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest).ok()?;
    (manifest["name"] == "pm2" && package.join("lib/Client.js").is_file()).then(|| package.to_path_buf())
}

/// Finds pm2.
pub fn locate() -> Result<Located, RuntimeError> {
    let bin = if let Some(bin) = std::env::var_os("PM2_BIN").filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            return Err(missing(format!(
                "PM2_BIN points to {}, which is not a file",
                bin.display()
            )));
        }
        bin
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        match project_pm2(&cwd) {
            Some(bin) => bin,
            None => which::which("pm2").map_err(|_| missing("pm2 is not on PATH".into()))?,
        }
    };
    Ok(Located::at(&bin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_pm2_is_found_from_a_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("node_modules/.bin/pm2");
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::write(&bin, "").unwrap();
        let deep = dir.path().join("services/api");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(project_pm2(&deep), Some(bin));
        assert_eq!(project_pm2(Path::new("/")), None);
    }

    #[test]
    fn a_script_outside_a_pm2_package_has_no_package() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin/pm2");
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        assert_eq!(package_of(&bin), None);
        std::fs::write(dir.path().join("package.json"), r#"{"name":"pm2"}"#).unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/Client.js"), "").unwrap();
        assert_eq!(package_of(&bin), Some(dir.path().canonicalize().unwrap()));
    }
}
