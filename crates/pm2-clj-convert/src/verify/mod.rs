//! Whether a converted file gives the apps PM2 reads from the original: both files are
//! read by the installed pm2's own code (`pm2-reads.js`: `Common.parseConfig` and
//! `Common.verifyConfs`), and compared as the apps PM2 would start — for the default
//! environment and for each `--env <name>` the original has (pm2-clj's `--profile
//! <name>`), with PM2's environment merge applied.
//!
//! Deliberate differences, which the comparison allows:
//! - a relative `cwd` (and the `script` and log paths PM2 resolves against it) is
//!   compared as resolved against the original's folder: pm2-clj resolves it against
//!   the file's folder, PM2 against wherever pm2 is started (the same when it is started
//!   in that folder);
//! - a falsy value PM2 loses (`max_restarts: 0` under its canonical name) is kept by
//!   pm2-clj, which writes it so PM2 reads it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_emit::schema::camel_alias;
use pm2_dsl_eval::Value;
use serde_json::{Map, Value as Json};
use wait_timeout::ChildExt;

use crate::paths;

/// How long pm2's reading of a batch of files may take.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The node program that reads files as pm2 does.
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
}

/// Reads `files` with the pm2 package at `package`, by `node`, with `env` set (a `None`
/// value removes the variable) over the current environment.
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
        })
        .collect())
}

/// The `--env` names the original's apps have blocks for (`env_production` → `production`).
pub fn env_names(reading: &Reading) -> Vec<String> {
    let mut names: Vec<String> = reading
        .apps
        .iter()
        .flatten()
        .filter_map(Json::as_object)
        .flat_map(|a| a.keys())
        .filter_map(|k| k.strip_prefix("env_"))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `Object.assign(target, source)` on JSON: a string copies one key per character.
fn assign(target: &mut Map<String, Json>, source: &Json) {
    match source {
        Json::Object(o) => target.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
        Json::String(s) => target.extend(
            s.chars()
                .enumerate()
                .map(|(i, c)| (i.to_string(), Json::from(c.to_string()))),
        ),
        _ => {}
    }
}

/// The apps as pm2 starts them with `--env env_name` (`Common.mergeEnvironmentVariables`):
/// object env values as JSON text, `deploy.<name>.env` < `env` < `env_<name>`, and no
/// `env_*` blocks left.
pub fn effective(reading: &Reading, env_name: Option<&str>) -> Vec<Json> {
    let deploy_env = env_name.and_then(|n| reading.raw.as_ref()?.get("deploy")?.get(n)?.get("env").cloned());
    reading
        .apps
        .iter()
        .flatten()
        .map(|app| {
            let Some(app) = app.as_object() else {
                return app.clone();
            };
            let mut env = Map::new();
            if let Some(d) = &deploy_env {
                assign(&mut env, d);
            }
            if let Some(Json::Object(own)) = app.get("env") {
                for (k, v) in own {
                    let v = match v {
                        Json::Object(_) | Json::Array(_) => Json::from(v.to_string()),
                        other => other.clone(),
                    };
                    env.insert(k.clone(), v);
                }
            }
            if let Some(name) = env_name
                && let Some(block) = app.get(&format!("env_{name}"))
            {
                assign(&mut env, block);
            }
            let mut out: Map<String, Json> = app
                .iter()
                .filter(|(k, _)| !k.starts_with("env_"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            out.insert("env".into(), Json::Object(env));
            Json::Object(out)
        })
        .collect()
}

/// Relative paths of an app resolved as PM2 resolves them when started in `base`: `cwd`
/// against `base`, `script` and the log and pid files against the `cwd`.
fn resolved(app: &Json, base: &Path) -> Json {
    let Some(o) = app.as_object() else {
        return app.clone();
    };
    let mut o = o.clone();
    let base = base.to_string_lossy().to_string();
    let cwd = match o.get("cwd").and_then(Json::as_str) {
        Some(c) => paths::join(&base, &[c], true),
        None => paths::normalize(&base),
    };
    if o.contains_key("cwd") {
        o.insert("cwd".into(), Json::from(cwd.clone()));
    }
    for key in ["script", "out_file", "error_file", "log_file", "pid_file"] {
        if let Some(v) = o.get(key).and_then(Json::as_str) {
            let joined = paths::join(&cwd, &[v], true);
            o.insert(key.into(), Json::from(joined));
        }
    }
    Json::Object(o)
}

fn falsy(v: &Json) -> bool {
    *v == Json::Bool(false) || v.as_str() == Some("") || v.as_f64() == Some(0.0)
}

/// The differences between the apps pm2 reads from the original and from the converted
/// file (both [`effective`] for the same environment name), each as one line. `raw` is
/// the original's config (for the falsy values pm2-clj keeps); `base` the folder
/// relative paths are resolved against.
pub fn differences(raw: Option<&Json>, theirs: &[Json], ours: &[Json], base: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if theirs.len() != ours.len() {
        out.push(format!(
            "pm2 reads {} apps from the original, {} from the conversion",
            theirs.len(),
            ours.len()
        ));
        return out;
    }
    let raw_apps: Vec<&Map<String, Json>> = raw
        .map(|raw| {
            let apps = raw.get("apps").or_else(|| raw.get("pm2")).unwrap_or(raw);
            match apps {
                Json::Array(items) => items.iter().filter_map(Json::as_object).collect(),
                Json::Object(o) => vec![o],
                _ => vec![],
            }
        })
        .unwrap_or_default();
    for (i, (t, o)) in theirs.iter().zip(ours).enumerate() {
        let (t, o) = (resolved(t, base), resolved(o, base));
        let (Some(t), Some(o)) = (t.as_object(), o.as_object()) else {
            continue;
        };
        let name = o.get("name").and_then(Json::as_str).unwrap_or("?");
        for (key, value) in o {
            if t.get(key) == Some(value) {
                continue;
            }
            let kept_falsy = raw_apps.get(i).is_some_and(|raw_app| {
                raw_app.iter().any(|(rk, rv)| {
                    matches!(app_key(&Value::string(rk.as_str())), AppKey::Option(spec)
                        if spec.name == key.as_str() && camel_alias(spec.name) != spec.name && falsy(rv))
                })
            });
            if !kept_falsy {
                out.push(format!(
                    "app {name}: {key} is {value} in the conversion, {} in the original",
                    t.get(key).map_or("not set".to_string(), Json::to_string)
                ));
            }
        }
        for key in t.keys().filter(|k| !o.contains_key(*k)) {
            out.push(format!("app {name}: {key} is set in the original only"));
        }
    }
    out
}
