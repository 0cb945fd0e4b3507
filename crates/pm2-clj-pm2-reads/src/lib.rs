//! Ecosystem files read exactly as the installed pm2 reads them: `pm2-reads.js` (this
//! crate owns it) runs pm2's own `Common.parseConfig` and `Common.verifyConfs` over each
//! file with `node`. Reading a JavaScript file runs its code, as `pm2 start` would.
//!
//! ```
//! // The pm2 this repository's tests install (`npm ci --prefix tools/pm2`), and `node`.
//! let pm2 = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pm2/node_modules/pm2");
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("ecosystem.config.json");
//! std::fs::write(&file, r#"{"apps": [{"name": "api", "script": "server.js", "max_memory_restart": "300M"}]}"#).unwrap();
//! let readings = pm2_clj_pm2_reads::pm2_reads(std::path::Path::new("node"), &pm2, &[file], &[]).unwrap();
//! let app = &readings[0].apps.as_ref().expect("pm2 accepts it")[0];
//! assert_eq!(app["max_memory_restart"], 314572800); // pm2 turns "300M" into bytes
//! ```
//!
//! `pm2-clj migrate` verifies its conversions with it; the tests compare pm2-clj's
//! output with pm2's reading through it (`pm2-clj-testkit`).

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value as Json;
use wait_timeout::ChildExt;

/// How long pm2's reading of a batch of files may take.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The node program that reads files as pm2 does: `node -e PM2_READS_JS OUT.json
/// FILE...`, with `PM2_PACKAGE_DIR` naming the pm2 package.
pub const PM2_READS_JS: &str = include_str!("pm2-reads.js");

/// How pm2 reads one file.
#[derive(Clone, Debug, Default)]
pub struct Reading {
    /// The file.
    pub file: PathBuf,
    /// The config object pm2 loaded.
    pub raw: Option<Json>,
    /// The apps after `Common.verifyConfs`, when pm2 accepts the file.
    pub apps: Option<Vec<Json>>,
    /// Why pm2 rejects the file.
    pub error: Option<String>,
    /// `os.cpus().length` where it was read: what pm2 starts for `instances: "max"`.
    pub cpus: Option<u64>,
}

/// Reads `files` with the pm2 package at `package`, by `node` (one process for all,
/// within [`TIME_LIMIT`]), with `env` set (a `None` value removes the variable) over the
/// current environment. The files' output is discarded. `Err`: node could not be run,
/// did not finish, or wrote no result.
pub fn pm2_reads(
    node: &Path,
    package: &Path,
    files: &[PathBuf],
    env: &[(String, Option<String>)],
) -> Result<Vec<Reading>, String> {
    let work = tempfile::Builder::new()
        .prefix("pm2r")
        .tempdir_in(std::env::temp_dir())
        .map_err(|e| e.to_string())?;
    let out = work.path().join("reads.json");
    let mut command = Command::new(node);
    command
        .arg("-e")
        .arg(PM2_READS_JS)
        .arg(&out)
        .args(files)
        .env("PM2_PACKAGE_DIR", package)
        .env("PM2_HOME", work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        match v {
            Some(v) => command.env(k, v),
            None => command.env_remove(k),
        };
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    if child
        .wait_timeout(TIME_LIMIT)
        .map_err(|e| e.to_string())?
        .is_none()
    {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "pm2 did not read the files within {} s",
            TIME_LIMIT.as_secs()
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|_| "pm2's reading wrote no result".to_string())?;
    let entries: Vec<Json> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(entries
        .into_iter()
        .map(|v| Reading {
            file: PathBuf::from(v["file"].as_str().unwrap_or_default()),
            raw: v.get("raw").cloned(),
            apps: v.get("apps").and_then(Json::as_array).cloned(),
            error: v.get("error").and_then(Json::as_str).map(str::to_string),
            cpus: v.get("cpus").and_then(Json::as_u64),
        })
        .collect())
}
