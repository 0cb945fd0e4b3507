//! Ownership markers: the environment variables pm2-clj puts on every app it starts
//! (`start` and `sync` alike), naming the source file and hashing the rendered config,
//! so a later run knows which apps it owns and what changed.
//!
//! - `PM2_CLJ_SOURCE`: the absolute path of the source file;
//! - `PM2_CLJ_NAME`: the app's name, and `PM2_CLJ_CWD`: the folder pm2 runs it in. pm2
//!   copies the environment of whoever starts an app into it, so an app started by hand
//!   from inside a managed app (or from a shell that has these variables) carries copies
//!   of them; such copies name another app or another folder, and are not ownership;
//! - `PM2_CLJ_HASH`: a hash of the app as PM2 reads it (markers excluded);
//! - `PM2_CLJ_FIXED`: a hash of the options PM2 does not apply on reload
//!   ([`KEPT_ON_RELOAD`]): when it changes, the app is deleted and started again;
//! - `PM2_CLJ_ENV`: the names of the app's environment variables, comma-separated: a
//!   variable that disappears persists through a reload, so its removal recreates too;
//! - `PM2_CLJ_INPUTS`: the profile and `--set`/`--unset` the source was loaded with
//!   ([`Inputs`], as JSON), so a later command that names none loads it the same way;
//!   they count in `PM2_CLJ_HASH`, so switching them applies (and records) the switch.

use std::path::Path;

use pm2_dsl_emit::{AppSpec, app_json};
use pm2_dsl_eval::resolve_path;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::facts::KEPT_ON_RELOAD;
use crate::load::Inputs;

/// The source file marker.
pub const SOURCE: &str = "PM2_CLJ_SOURCE";
/// The app name marker.
pub const NAME: &str = "PM2_CLJ_NAME";
/// The working folder marker.
pub const CWD: &str = "PM2_CLJ_CWD";
/// The whole-config hash marker.
pub const HASH: &str = "PM2_CLJ_HASH";
/// The fixed-options hash marker.
pub const FIXED: &str = "PM2_CLJ_FIXED";
/// The environment names marker.
pub const ENV: &str = "PM2_CLJ_ENV";
/// The inputs marker.
pub const INPUTS: &str = "PM2_CLJ_INPUTS";

/// Every marker variable.
pub const ALL: [&str; 7] = [SOURCE, NAME, CWD, HASH, FIXED, ENV, INPUTS];

/// The markers of one app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Markers {
    /// `PM2_CLJ_SOURCE`.
    pub source: String,
    /// `PM2_CLJ_NAME`.
    pub name: String,
    /// `PM2_CLJ_CWD`.
    pub cwd: String,
    /// `PM2_CLJ_HASH`.
    pub hash: String,
    /// `PM2_CLJ_FIXED`.
    pub fixed: String,
    /// `PM2_CLJ_ENV`, split.
    pub env: Vec<String>,
    /// `PM2_CLJ_INPUTS`, read (none for an app started before pm2-clj recorded them).
    pub inputs: Inputs,
}

fn digest(json: &Json) -> String {
    let text = serde_json::to_string(json).expect("JSON values serialize");
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The folder pm2 runs an app in: its `cwd` (against the source's folder when
/// relative), else the source's folder, which is where pm2-clj runs pm2.
pub fn run_dir(app: &AppSpec, source: &Path) -> String {
    let source = source.to_string_lossy();
    let cwd = app.cwd.as_ref().map_or(".", |c| c.value.as_str());
    resolve_path(Some(&source), cwd)
}

impl Markers {
    /// The markers `app`, from `source` (absolute) loaded with `inputs`, should carry.
    pub fn of(app: &AppSpec, source: &Path, inputs: &Inputs) -> Markers {
        let json = app_json(app);
        let fixed: serde_json::Map<String, Json> = KEPT_ON_RELOAD
            .iter()
            .filter_map(|k| json.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let mut env: Vec<String> = app.env.keys().cloned().collect();
        env.sort();
        Markers {
            source: source.to_string_lossy().into_owned(),
            name: app.name().unwrap_or_default().to_string(),
            cwd: run_dir(app, source),
            hash: digest(&serde_json::json!([json, inputs.to_marker()])),
            fixed: digest(&Json::Object(fixed)),
            env,
            inputs: inputs.clone(),
        }
    }

    /// The markers of a running process named `name`, running in `cwd` (from its
    /// `pm2_env`), when it has them and they are its own: markers naming another app or
    /// another folder were copied from the environment of whoever started it.
    pub fn read(pm2_env: &Json, name: &str, cwd: &str) -> Option<Markers> {
        let get = |key: &str| {
            pm2_env["env"][key]
                .as_str()
                .or_else(|| pm2_env[key].as_str())
                .map(str::to_string)
        };
        let markers = Markers {
            source: get(SOURCE)?,
            name: get(NAME)?,
            cwd: get(CWD)?,
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
            inputs: get(INPUTS)
                .and_then(|text| Inputs::from_marker(&text))
                .unwrap_or_default(),
        };
        (markers.name == name && markers.cwd == cwd).then_some(markers)
    }

    /// The marker variables and their values.
    pub fn variables(&self) -> [(&'static str, String); 7] {
        [
            (SOURCE, self.source.clone()),
            (NAME, self.name.clone()),
            (CWD, self.cwd.clone()),
            (HASH, self.hash.clone()),
            (FIXED, self.fixed.clone()),
            (ENV, self.env.join(",")),
            (INPUTS, self.inputs.to_marker()),
        ]
    }

    /// `app` with the markers added to its `env`.
    pub fn apply(&self, app: &AppSpec) -> AppSpec {
        app.with_env_vars(self.variables().map(|(k, v)| (k.to_string(), v)))
    }
}

/// The names in `old` that `new` lacks.
pub(crate) fn removed_env(old: &[String], new: &[String]) -> Vec<String> {
    old.iter().filter(|k| !new.contains(k)).cloned().collect()
}
