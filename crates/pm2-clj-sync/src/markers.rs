//! Ownership markers: the environment variables `sync` puts on every app it starts,
//! naming the source file and hashing the rendered config, so a later `sync` knows which
//! apps it owns and what changed.
//!
//! - `PM2_CLJ_SOURCE`: the absolute path of the source file;
//! - `PM2_CLJ_HASH`: a hash of the app as PM2 reads it (markers excluded);
//! - `PM2_CLJ_FIXED`: a hash of the options PM2 does not apply on reload (script,
//!   exec_mode, instances, cwd, interpreter, log and pid paths, namespace): when it
//!   changes, the app is deleted and started again;
//! - `PM2_CLJ_ENV`: the names of the app's environment variables, comma-separated: a
//!   variable that disappears persists through a reload, so its removal recreates too.

use std::path::Path;

use pm2_dsl_emit::{App, app_json};
use pm2_dsl_eval::{Map, Value, ValueKind};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// The source file marker.
pub const SOURCE: &str = "PM2_CLJ_SOURCE";
/// The whole-config hash marker.
pub const HASH: &str = "PM2_CLJ_HASH";
/// The fixed-options hash marker.
pub const FIXED: &str = "PM2_CLJ_FIXED";
/// The environment names marker.
pub const ENV: &str = "PM2_CLJ_ENV";

/// Options a `pm2 reload` or `restart` does not apply (PM2 keeps the old ones).
pub const FIXED_OPTIONS: &[&str] = &[
    "script",
    "exec_mode",
    "instances",
    "cwd",
    "exec_interpreter",
    "out_file",
    "error_file",
    "log_file",
    "pid_file",
    "merge_logs",
    "namespace",
];

/// The markers of one app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Markers {
    /// `PM2_CLJ_SOURCE`.
    pub source: String,
    /// `PM2_CLJ_HASH`.
    pub hash: String,
    /// `PM2_CLJ_FIXED`.
    pub fixed: String,
    /// `PM2_CLJ_ENV`, split.
    pub env: Vec<String>,
}

fn digest(json: &Json) -> String {
    let text = serde_json::to_string(json).expect("JSON values serialize");
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl Markers {
    /// The markers `app`, from `source`, should carry.
    pub fn of(app: &App, source: &Path) -> Markers {
        let json = app_json(app);
        let fixed: serde_json::Map<String, Json> = FIXED_OPTIONS
            .iter()
            .filter_map(|k| json.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let mut env: Vec<String> = json["env"]
            .as_object()
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default();
        env.sort();
        Markers {
            source: source.to_string_lossy().into_owned(),
            hash: digest(&json),
            fixed: digest(&Json::Object(fixed)),
            env,
        }
    }

    /// The markers of a running process (from `pm2_env`), if it has them.
    pub fn read(pm2_env: &Json) -> Option<Markers> {
        let get = |key: &str| {
            pm2_env["env"][key]
                .as_str()
                .or_else(|| pm2_env[key].as_str())
                .map(str::to_string)
        };
        Some(Markers {
            source: get(SOURCE)?,
            hash: get(HASH).unwrap_or_default(),
            fixed: get(FIXED).unwrap_or_default(),
            env: get(ENV)
                .map(|e| {
                    e.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// `app` with the markers added to its `env`.
    pub fn apply(&self, app: &App) -> App {
        let mut env = app
            .get("env")
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_else(Map::new);
        for (key, value) in [
            (SOURCE, &self.source),
            (HASH, &self.hash),
            (FIXED, &self.fixed),
            (ENV, &self.env.join(",")),
        ] {
            env.insert(Value::string(key), Value::string(value.as_str()));
        }
        let env = Value::new(ValueKind::Map(env), None);
        let mut options: Vec<(String, Value)> =
            app.options.iter().filter(|(k, _)| k != "env").cloned().collect();
        options.push(("env".to_string(), env));
        App { options }
    }
}

/// The names in `old` that `new` lacks.
pub(crate) fn removed_env(old: &[String], new: &[String]) -> Vec<String> {
    old.iter().filter(|k| !new.contains(k)).cloned().collect()
}
