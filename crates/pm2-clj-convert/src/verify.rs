//! Whether a converted file gives the apps PM2 reads from the original: both files are
//! read by the installed pm2's own code ([`pm2_reads`]: `Common.parseConfig` and
//! `Common.verifyConfs`; reading the original runs its JavaScript), and compared as the
//! apps PM2 would start — for the default environment and for each `--env <name>` the
//! original has (pm2-clj's `--profile <name>`), with PM2's environment merge applied.
//!
//! What the comparison allows, because it is the same app:
//! - a relative `cwd` (and the `script` and log paths PM2 resolves against it) is
//!   compared as resolved against the original's folder: pm2-clj resolves it against
//!   the file's folder, PM2 against wherever pm2 is started (the same when it is started
//!   in that folder);
//! - `instances: "max"` (0 once PM2 has read it) where the original computed
//!   `os.cpus().length`: the conversion writes what PM2 starts as many instances for
//!   (allowed when the original's count is this machine's CPU count).
//!
//! What the conversion changes on purpose is still a [`Difference`], with
//! [`Difference::why`] saying what PM2 did (so `migrate` never calls it verified):
//! - a falsy value PM2 loses (`max_restarts: 0` under its canonical name, through its
//!   alias bug) is kept by pm2-clj, which writes it so PM2 reads it;
//! - `env_file: ".env"`, which PM2 reads as the environment of `--env file` (one
//!   variable per character) and never as a file, becomes the file's variables
//!   (`#dotenv?`): the variables it adds are such a difference, and `--env file` is not
//!   compared.

use std::path::Path;

use pm2_dsl_emit::keys::{AppKey, named_key};
use pm2_dsl_emit::schema::camel_alias;
use pm2_dsl_eval::Value;
use serde_json::{Map, Value as Json};

pub use pm2_clj_pm2_reads::{Reading, pm2_reads};

use crate::paths;

/// One way the conversion's apps differ from the original's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// What differs, as one line.
    pub text: String,
    /// When the conversion differs on purpose: what PM2 did with the original.
    pub why: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.why {
            Some(why) => write!(f, "{} ({why})", self.text),
            None => f.write_str(&self.text),
        }
    }
}

/// Whether the app's `env_file` is a string: a file name PM2 never reads (see the
/// module's docs).
fn env_file_name(app: &Json) -> bool {
    app.get("env_file").is_some_and(Json::is_string)
}

/// The `--env` names the original's apps have blocks for (`env_production` →
/// `production`); not `file` when every `env_file` is a file name.
pub fn env_names(reading: &Reading) -> Vec<String> {
    let apps = reading.apps.iter().flatten();
    let file_names = apps.clone().any(env_file_name)
        && !apps
            .clone()
            .any(|a| a.get("env_file").is_some_and(Json::is_object));
    let mut names: Vec<String> = apps
        .filter_map(Json::as_object)
        .flat_map(|a| a.keys())
        .filter_map(|k| k.strip_prefix("env_"))
        .filter(|n| !(file_names && *n == "file"))
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
/// file (both [`effective`] for the same environment name). `raw` is the original's
/// config (for the falsy values pm2-clj keeps and the `env_file` names it reads);
/// `base` the folder relative paths are resolved against; `cpus` the CPU count where
/// pm2 read them ([`Reading::cpus`], what `instances: "max"` stands for); `renamed`
/// the apps the conversion gave new names (`rename_duplicates`), by index.
pub fn differences(
    raw: Option<&Json>,
    theirs: &[Json],
    ours: &[Json],
    base: &Path,
    cpus: Option<u64>,
    renamed: &[(usize, String)],
) -> Vec<Difference> {
    let mut out = Vec::new();
    let plain = |text: String| Difference { text, why: None };
    if theirs.len() != ours.len() {
        out.push(plain(format!(
            "pm2 reads {} apps from the original, {} from the conversion",
            theirs.len(),
            ours.len()
        )));
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
        let (t, mut o) = (resolved(t, base), resolved(o, base));
        if let Some((_, original)) = renamed.iter().find(|(j, _)| *j == i)
            && let Some(o) = o.as_object_mut()
        {
            o.insert("name".into(), Json::from(original.as_str()));
        }
        let (Some(t), Some(o)) = (t.as_object(), o.as_object()) else {
            continue;
        };
        let name = o.get("name").and_then(Json::as_str).unwrap_or("?");
        let raw_app = raw_apps.get(i);
        for (key, value) in o {
            if t.get(key) == Some(value) {
                continue;
            }
            if key == "env"
                && raw_app.is_some_and(|a| a.get("env_file").is_some_and(Json::is_string))
                && let (Some(Json::Object(te)), Json::Object(oe)) = (t.get("env"), value)
            {
                // The variables of the .env file pm2 never read: added on purpose.
                let added: Vec<&String> = oe.keys().filter(|k| !te.contains_key(*k)).collect();
                let same = te.iter().all(|(k, v)| oe.get(k) == Some(v));
                if same {
                    if !added.is_empty() {
                        out.push(Difference {
                            text: format!(
                                "app {name}: env has {} from env_file in the conversion only",
                                added.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                            why: Some("PM2 never reads env_file: it took it as `--env file`".into()),
                        });
                    }
                    continue;
                }
            }
            let max = key == "instances"
                && value.as_u64() == Some(0)
                && cpus.is_some()
                && t.get(key).and_then(Json::as_u64) == cpus;
            if max {
                continue;
            }
            let kept_falsy = raw_app.is_some_and(|raw_app| {
                raw_app.iter().any(|(rk, rv)| {
                    matches!(named_key(&Value::string(rk.as_str())), Some(AppKey::Option(spec))
                        if spec.name == key.as_str() && camel_alias(spec.name) != spec.name && falsy(rv))
                })
            });
            // A value kept where PM2 dropped it that does what none does: `false`, empty,
            // or the 0 of an option whose default is 0.
            let as_unset = matches!(value, Json::Array(a) if a.is_empty())
                || value.as_str() == Some("")
                || *value == Json::Bool(false)
                || (value.as_f64() == Some(0.0)
                    && matches!(key.as_str(), "restart_delay" | "exp_backoff_restart_delay"));
            if kept_falsy && as_unset && !t.contains_key(key) {
                continue;
            }
            out.push(Difference {
                text: format!(
                    "app {name}: {key} is {value} in the conversion, {} in the original",
                    t.get(key).map_or("not set".to_string(), Json::to_string)
                ),
                why: kept_falsy.then(|| {
                    format!(
                        "PM2 drops a falsy {key} through its alias bug; pm2-clj applies it: remove it from the original to keep what PM2 did, or write it camelCase ({}) so PM2 applies it too",
                        camel_alias(key)
                    )
                }),
            });
        }
        for key in t.keys().filter(|k| !o.contains_key(*k)) {
            out.push(plain(format!("app {name}: {key} is set in the original only")));
        }
    }
    out
}
