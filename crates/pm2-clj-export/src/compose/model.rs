//! The compose file as typed serde structs (the part of compose-spec pm2-clj writes),
//! the service keys compose-spec defines (for `:export {:compose ...}`), and how a
//! string is written so that compose takes it literally.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Every key of a compose-spec service (`definitions.service.properties` of the
/// compose-spec JSON schema; a test keeps this list equal to the vendored schema's),
/// besides extensions (`x-...`).
pub const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// A compose file: the project's name and its services.
#[derive(Debug, Serialize)]
pub struct ComposeFile {
    /// The project (`docker compose -p` by default).
    pub name: String,
    /// The services, one per app, as merged with `:export {:compose ...}`.
    pub services: IndexMap<String, Json>,
}

/// One service: the keys pm2-clj writes, typed, and whatever `:export` adds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Service {
    /// The image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The command, in exec form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The folder the command runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `UID[:GID]` or a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Variables written in the file.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environment: IndexMap<String, String>,
    /// Private files of variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<String>,
    /// Published ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortEntry>,
    /// Ports reachable on the project's network only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<Json>,
    /// Compose profiles: `manual` for `autostart: false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Docker's init as PID 1, which passes signals to the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    /// `unless-stopped` or `no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    /// `SIGINT`, as PM2 stops apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// The wait after the stop signal before SIGKILL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<String>,
    /// Memory and swap together (equal to the memory limit: no swap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memswap_limit: Option<Json>,
    /// Replicas and limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    /// The health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// The log driver (`none` for `disable_logs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// `deploy`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Deploy {
    /// How many containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u64>,
    /// Limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// `deploy.resources`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Resources {
    /// `limits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// `deploy.resources.limits`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Limits {
    /// The memory limit (`300m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// A port: the long syntax pm2-clj writes, or what `:export` gives.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortEntry {
    /// `{target, published, protocol}`.
    Long(LongPort),
    /// `"8080:3000/tcp"`.
    Short(String),
    /// `3000`.
    Number(u64),
}

impl PortEntry {
    /// The host port it is published on, if any.
    pub fn published(&self) -> Option<String> {
        match self {
            PortEntry::Long(p) => p.published.as_ref().map(|p| match p {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            }),
            PortEntry::Short(s) => {
                let spec = s.split('/').next().unwrap_or(s);
                spec.rsplit_once(':').map(|(host, _)| host.to_string())
            }
            PortEntry::Number(_) => None,
        }
    }
}

/// A port in the long syntax.
#[derive(Debug, Serialize, Deserialize)]
pub struct LongPort {
    /// The container port.
    pub target: u16,
    /// The host port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Json>,
    /// `tcp` or `udp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// `healthcheck`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Healthcheck {
    /// `["CMD", program, args...]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    /// Between two tries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// How long one try may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Failures in it do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// `logging`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Logging {
    /// The driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Keys `:export` adds.
    #[serde(flatten)]
    pub rest: IndexMap<String, Json>,
}

/// Deep-merges `over` into `base`: maps key by key, anything else replaced; `null`
/// removes the key.
pub fn merge(base: &mut Json, over: &Json) {
    match (base, over) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.shift_remove(k);
                } else if let Some(slot) = b.get_mut(k) {
                    merge(slot, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Every string in `value` written so that compose reads it literally: compose
/// interpolates `$NAME` and `${NAME}` everywhere in the file, and reads `$$` as `$`.
pub fn literal(value: &mut Json) {
    match value {
        Json::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Json::Array(items) => items.iter_mut().for_each(literal),
        Json::Object(map) => map.values_mut().for_each(literal),
        _ => {}
    }
}

/// A line of an `env_file`, read back as exactly `value`: single-quoted (compose reads
/// it verbatim, interpolating nothing) unless the value holds a single quote or a line
/// break, then double-quoted with `\`, `"`, `$` and line breaks escaped.
pub fn env_file_line(name: &str, value: &str) -> String {
    if !value.contains(['\'', '\n', '\r']) {
        return format!("{name}='{value}'\n");
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    format!("{name}=\"{out}\"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines_read_back_as_written() {
        assert_eq!(env_file_line("A", "x $Y"), "A='x $Y'\n");
        assert_eq!(env_file_line("A", "it's\n\"$x\\"), "A=\"it's\\n\\\"\\$x\\\\\"\n");
    }
}
