//! Running the file with `node`, the one effect of conversion, and only when asked
//! (`--run-js`, [`crate::ConvertOptions::run_js`]): computing the holes of a JavaScript file
//! (`holes.js`) with no variable of the environment visible, within a time limit, its
//! output kept off our channels. The file's code runs: everything it does at its top
//! level, and in the holes, happens.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value as Json;
use wait_timeout::ChildExt;

use crate::error::{ConvertError, ConvertErrorKind};
use crate::js::{Hole, Shape};

/// How long node may take to load a file and compute its holes.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// What node computed for one hole.
#[derive(Clone, Debug, PartialEq)]
pub enum Computed {
    /// A JSON value.
    Value(Json),
    /// `undefined`.
    Undefined,
    /// It threw, or is no data.
    Error(String),
}

/// One hole's result and the environment variables it read (as unset).
#[derive(Clone, Debug, PartialEq)]
pub struct HoleValue {
    /// The value.
    pub computed: Computed,
    /// The variables it read.
    pub reads: Vec<String>,
}

fn failed(file: &Path, message: String) -> ConvertError {
    ConvertError::from(ConvertErrorKind::NodeFailed {
        file: file.display().to_string(),
        message,
    })
}

/// Computes `holes` (JavaScript expressions over the top-level bindings of `file`) with
/// node, loading (running) the file as `shape` says.
pub fn compute(file: &Path, shape: Shape, holes: &[Hole]) -> Result<Vec<HoleValue>, ConvertError> {
    if holes.is_empty() {
        return Ok(Vec::new());
    }
    let io = |e: std::io::Error| failed(file, e.to_string());
    let work = tempfile::tempdir().map_err(io)?;
    let input = work.path().join("holes.json");
    let output = work.path().join("values.json");
    let log = work.path().join("stderr.txt");
    let js: Vec<&str> = holes.iter().map(|h| h.js.as_str()).collect();
    std::fs::write(&input, serde_json::to_string(&js).unwrap_or_default()).map_err(io)?;
    let file = std::path::absolute(file).map_err(io)?;
    let mode = match shape {
        Shape::CommonJs => "commonjs",
        Shape::Module => "module",
        Shape::Expression => "expression",
    };
    let mut child = Command::new("node")
        .arg("-e")
        .arg(include_str!("holes.js"))
        .arg(&file)
        .arg(mode)
        .arg(&input)
        .arg(&output)
        .current_dir(work.path())
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).map_err(io)?)
        .spawn()
        .map_err(|e| {
            ConvertError::from(ConvertErrorKind::NodeMissing {
                reason: e.to_string(),
            })
        })?;
    let status = match child.wait_timeout(TIME_LIMIT).map_err(io)? {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ConvertError::from(ConvertErrorKind::NodeTimeout {
                file: file.display().to_string(),
                seconds: TIME_LIMIT.as_secs(),
            }));
        }
    };
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    let parsed: Option<Json> = serde_json::from_str(&text).ok();
    let entries = match parsed {
        Some(Json::Array(entries)) if entries.len() == holes.len() => entries,
        Some(Json::Object(o)) if o.contains_key("failed") => {
            return Err(failed(
                &file,
                o["failed"].as_str().unwrap_or_default().to_string(),
            ));
        }
        _ => {
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            let first = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .map_or_else(|| format!("node exited with {status}"), str::to_string);
            return Err(failed(&file, first));
        }
    };
    Ok(entries
        .into_iter()
        .map(|entry| {
            let computed = if let Some(v) = entry.get("value") {
                Computed::Value(v.clone())
            } else if entry.get("undefined").is_some() {
                Computed::Undefined
            } else {
                Computed::Error(entry["error"].as_str().unwrap_or("no value").to_string())
            };
            let reads = entry["reads"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            HoleValue { computed, reads }
        })
        .collect())
}
