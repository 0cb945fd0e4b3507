//! The running side: the processes pm2 lists (`pm2 jlist`, or the same list from pm2's
//! API), with the ownership markers of those pm2-clj started.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::facts::Status;
use crate::markers::Markers;

/// One process pm2 lists (one instance, for apps with several).
#[derive(Clone, Debug)]
pub struct Process {
    /// The app name.
    pub name: String,
    /// pm2's id of this process.
    pub pm_id: u64,
    /// The operating system's process id, while it runs.
    pub pid: Option<u32>,
    /// `pm2_env.status`.
    pub status: Status,
    /// `pm2_env.restart_time`: how often pm2 restarted it.
    pub restarts: u64,
    /// `pm2_env.pm_uptime`: when it last started, in milliseconds since the epoch.
    pub started_at: u64,
    /// `pm2_env.min_uptime`: how long it must stay up for pm2 to count a start stable,
    /// in milliseconds (PM2's 1 s when unset).
    pub min_uptime: u64,
    /// CPU use, in percent (`monit.cpu`).
    pub cpu: f64,
    /// Memory use, in bytes (`monit.memory`).
    pub memory: u64,
    /// `pm2_env.pm_cwd`: the folder it runs in.
    pub cwd: String,
    /// `pm2_env.pm_exec_path`: the script it runs.
    pub exec_path: String,
    /// `pm2_env.pm_out_log_path`.
    pub out_log: Option<PathBuf>,
    /// `pm2_env.pm_err_log_path`.
    pub err_log: Option<PathBuf>,
    /// The ownership markers, when pm2-clj started it (see [`Markers::read`]).
    pub markers: Option<Markers>,
    /// Its environment variables with scalar values, as text (`pm2_env.env`).
    pub env: BTreeMap<String, String>,
}

/// A scalar JSON value as the text a process sees in its environment.
pub fn env_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The scalar variables of a JSON `env` object, as text.
pub fn env_of(env: &Json) -> BTreeMap<String, String> {
    env.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), env_text(v)?)))
        .collect()
}

impl Process {
    /// Whether the process is up (or coming up).
    pub fn is_running(&self) -> bool {
        self.status.is_running()
    }

    /// Reads one entry of pm2's process list.
    pub fn from_json(p: &Json) -> Process {
        let env = &p["pm2_env"];
        let text = |v: &Json| v.as_str().unwrap_or_default().to_string();
        let path = |v: &Json| v.as_str().filter(|s| !s.is_empty()).map(PathBuf::from);
        let name = text(&p["name"]);
        let cwd = text(&env["pm_cwd"]);
        Process {
            markers: Markers::read(env, &name, &cwd),
            name,
            pm_id: p["pm_id"].as_u64().unwrap_or(u64::MAX),
            pid: p["pid"]
                .as_u64()
                .filter(|&pid| pid > 0)
                .and_then(|pid| u32::try_from(pid).ok()),
            status: Status::parse(env["status"].as_str().unwrap_or_default()),
            restarts: env["restart_time"].as_u64().unwrap_or(0),
            started_at: env["pm_uptime"].as_u64().unwrap_or(0),
            min_uptime: env["min_uptime"]
                .as_u64()
                .unwrap_or(crate::facts::DEFAULT_MIN_UPTIME_MS),
            cpu: p["monit"]["cpu"].as_f64().unwrap_or(0.0),
            memory: p["monit"]["memory"].as_u64().unwrap_or(0),
            cwd,
            exec_path: text(&env["pm_exec_path"]),
            out_log: path(&env["pm_out_log_path"]),
            err_log: path(&env["pm_err_log_path"]),
            env: env_of(&env["env"]),
        }
    }
}

/// Parses pm2's process list: the output of `pm2 jlist` (a banner before the JSON is
/// skipped) or the same array from pm2's API.
pub fn parse_jlist(text: &str) -> Result<Vec<Process>, String> {
    let start = text
        .find('[')
        .ok_or_else(|| format!("pm2 jlist printed no process list: {}", text.trim()))?;
    let list: Json = serde_json::from_str(text[start..].trim())
        .map_err(|e| format!("pm2 jlist printed something that is not JSON: {e}"))?;
    Ok(list_of(&list))
}

/// The processes of a parsed process list.
pub fn list_of(list: &Json) -> Vec<Process> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(Process::from_json)
        .collect()
}
