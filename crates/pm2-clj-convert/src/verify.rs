//! Whether a converted file gives the apps PM2 reads from the original: both files are
//! read by the installed pm2's own code ([`pm2_reads`]: `Common.parseConfig` and
//! `Common.verifyConfs`; reading the original runs its JavaScript), and compared as the
//! apps PM2 would start — for the default environment and for each `--env <name>` the
//! original has (pm2-clj's `--profile <name>`), with PM2's environment merge applied.
//!
//! Deliberate differences, which the comparison allows:
//! - a relative `cwd` (and the `script` and log paths PM2 resolves against it) is
//!   compared as resolved against the original's folder: pm2-clj resolves it against
//!   the file's folder, PM2 against wherever pm2 is started (the same when it is started
//!   in that folder);
//! - a falsy value PM2 loses (`max_restarts: 0` under its canonical name) is kept by
//!   pm2-clj, which writes it so PM2 reads it;
//! - `instances: "max"` (0 once PM2 has read it) where the original computed
//!   `os.cpus().length`: the conversion writes what PM2 starts as many instances for
//!   (allowed when the original's count is this machine's CPU count).

use std::path::Path;

use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_emit::schema::camel_alias;
use pm2_dsl_eval::Value;
use serde_json::{Map, Value as Json};

pub use pm2_clj_pm2_reads::{Reading, pm2_reads};

use crate::paths;

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
/// relative paths are resolved against; `cpus` the CPU count where pm2 read them
/// ([`Reading::cpus`], what `instances: "max"` stands for).
pub fn differences(
    raw: Option<&Json>,
    theirs: &[Json],
    ours: &[Json],
    base: &Path,
    cpus: Option<u64>,
) -> Vec<String> {
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
            let max = key == "instances"
                && value.as_u64() == Some(0)
                && cpus.is_some()
                && t.get(key).and_then(Json::as_u64) == cpus;
            if max {
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
