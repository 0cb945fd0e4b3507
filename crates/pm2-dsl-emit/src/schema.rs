//! PM2's option table, as facts read from `lib/API/schema.json` of pm2 7.0 and written as
//! Rust (a test compares it with the installed pm2's file, so drift is caught), plus the
//! keys pm2-deploy reads from a `deploy` section.
//!
//! PM2 accepts every option under its canonical name, under the aliases listed in the
//! schema, and under a camelCase alias it derives (`max_restarts` → `maxRestarts`).
//! `Common.verifyConfs` also turns `cmd` and `command` into `script`.

/// A JSON type an option accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsType {
    /// A string.
    String,
    /// A number (PM2 also accepts a string that parses as one).
    Number,
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsType {
    /// The name PM2's schema uses.
    pub fn name(self) -> &'static str {
        match self {
            JsType::String => "string",
            JsType::Number => "number",
            JsType::Boolean => "boolean",
            JsType::Array => "array",
            JsType::Object => "object",
        }
    }
}

/// A format check beyond the type, from the schema's `regex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `^\d+(G|M|K)?$`: bytes, or a size in K, M or G.
    MemorySize,
    /// `^\d+(h|m|s)?$`: milliseconds, or a duration in s, m or h.
    Duration,
    /// `^(cluster|fork)(_mode)?$`.
    ExecMode,
}

impl Format {
    /// The schema's regular expression for this format.
    pub fn regex(self) -> &'static str {
        match self {
            Format::MemorySize => r"^\d+(G|M|K)?$",
            Format::Duration => r"^\d+(h|m|s)?$",
            Format::ExecMode => r"^(cluster|fork)(_mode)?$",
        }
    }
}

/// One PM2 app option.
#[derive(Debug)]
pub struct OptionSpec {
    /// The canonical name.
    pub name: &'static str,
    /// The JSON types it accepts.
    pub types: &'static [JsType],
    /// The aliases listed in the schema (the camelCase alias is [`camel_alias`]).
    pub aliases: &'static [&'static str],
    /// A format check on string values.
    pub format: Option<Format>,
    /// The smallest number accepted.
    pub min: Option<i64>,
    /// Whether PM2 requires it.
    pub required: bool,
}

const fn opt(
    name: &'static str,
    types: &'static [JsType],
    aliases: &'static [&'static str],
    format: Option<Format>,
    min: Option<i64>,
    required: bool,
) -> OptionSpec {
    OptionSpec {
        name,
        types,
        aliases,
        format,
        min,
        required,
    }
}

use JsType::{Array as A, Boolean as B, Number as N, Object as O, String as S};

/// Every PM2 app option with a fixed name, in schema order.
pub const OPTIONS: &[OptionSpec] = &[
    opt("script", &[S], &["exec"], None, None, true),
    opt("name", &[S], &[], None, None, false),
    opt("name_prefix", &[S], &[], None, None, false),
    opt("filter_env", &[B, A, S], &[], None, None, false),
    opt("namespace", &[S], &[], None, None, false),
    opt("install_url", &[S], &[], None, None, false),
    opt("cwd", &[S], &[], None, None, false),
    opt("args", &[A, S], &[], None, None, false),
    opt("exec_interpreter", &[S], &["interpreter"], None, None, false),
    opt(
        "node_args",
        &[A, S],
        &["interpreterArgs", "interpreter_args"],
        None,
        None,
        false,
    ),
    opt("out_file", &[S], &["out", "output", "out_log"], None, None, false),
    opt(
        "error_file",
        &[S],
        &["error", "err", "err_file", "err_log"],
        None,
        None,
        false,
    ),
    opt("log_file", &[B, S], &["log"], None, None, false),
    opt("disable_logs", &[B], &[], None, None, false),
    opt("log_type", &[S], &[], None, None, false),
    opt("log_date_format", &[S], &[], None, None, false),
    opt("time", &[B], &[], None, None, false),
    opt("env", &[O, S], &[], None, None, false),
    opt(
        "max_memory_restart",
        &[S, N],
        &[],
        Some(Format::MemorySize),
        None,
        false,
    ),
    opt("pid_file", &[S], &["pid"], None, None, false),
    opt("restart_delay", &[N], &[], None, None, false),
    opt("exp_backoff_restart_delay", &[N], &[], None, None, false),
    opt("source_map_support", &[B], &[], None, None, false),
    opt("disable_source_map_support", &[B], &[], None, None, false),
    opt("wait_ready", &[B], &[], None, None, false),
    opt("instances", &[N], &[], None, None, false),
    opt("kill_timeout", &[N], &[], None, None, false),
    opt("shutdown_with_message", &[B], &[], None, None, false),
    opt("listen_timeout", &[N], &[], None, None, false),
    opt("cron_restart", &[S, N], &["cron"], None, None, false),
    opt("merge_logs", &[B], &["combine_logs"], None, None, false),
    opt("vizion", &[B], &[], None, None, false),
    opt("autostart", &[B], &[], None, None, false),
    opt("autorestart", &[B], &[], None, None, false),
    opt("stop_exit_codes", &[A, N], &[], None, None, false),
    opt("watch_delay", &[N], &[], None, None, false),
    opt("watch", &[B, A, S], &[], None, None, false),
    opt("ignore_watch", &[A, S], &[], None, None, false),
    opt("watch_options", &[O], &[], None, None, false),
    opt(
        "min_uptime",
        &[N, S],
        &[],
        Some(Format::Duration),
        Some(100),
        false,
    ),
    opt("max_restarts", &[N], &[], None, Some(0), false),
    opt("execute_command", &[B], &[], None, None, false),
    opt("exec_mode", &[S], &[], Some(Format::ExecMode), None, false),
    opt("force", &[B], &[], None, None, false),
    opt("append_env_to_name", &[B], &[], None, None, false),
    opt("post_update", &[A], &[], None, None, false),
    opt("trace", &[B], &[], None, None, false),
    opt("disable_trace", &[B], &[], None, None, false),
    opt("v8", &[B], &[], None, None, false),
    opt("event_loop_inspector", &[B], &[], None, None, false),
    opt("deep_monitoring", &[B], &[], None, None, false),
    opt("increment_var", &[S], &[], None, None, false),
    opt("instance_var", &[S], &[], None, None, false),
    opt("pmx", &[B, S], &[], None, None, false),
    opt("automation", &[B], &[], None, None, false),
    opt("treekill", &[B], &[], None, None, false),
    opt("port", &[N], &[], None, None, false),
    opt("username", &[S], &[], None, None, false),
    opt("uid", &[N, S], &["user"], None, None, false),
    opt("gid", &[N, S], &[], None, None, false),
    opt("windowsHide", &[B], &[], None, None, false),
    opt("kill_retry_time", &[N], &[], None, None, false),
    opt("write", &[B], &[], None, None, false),
    opt("io", &[O], &[], None, None, false),
];

/// The schema's pattern key for per-environment variables (`env_production`, ...).
pub const ENV_PATTERN: &str = r"^env_\S*$";

/// Aliases of `script` that PM2's code (not its schema) accepts.
pub const SCRIPT_CODE_ALIASES: &[&str] = &["cmd", "command"];

/// Options that make PM2 install packages from npm when the app starts.
pub const INSTALLS_PACKAGES: &[&str] = &["trace", "deep_monitoring"];

/// The option named `name` (canonical).
pub fn option(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// PM2's camelCase alias of a canonical name: `max_restarts` → `maxRestarts`. Parts of
/// one character are not capitalised, as in PM2.
pub fn camel_alias(name: &str) -> String {
    name.split('_')
        .enumerate()
        .map(|(i, part)| {
            if i > 0 && part.len() > 1 {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// The keys pm2-deploy reads from one deploy environment, as it spells them.
pub const DEPLOY_KEYS: &[&str] = &[
    "user",
    "host",
    "port",
    "key",
    "forward-agent",
    "needs_tty",
    "ssh_options",
    "repo",
    "ref",
    "fetch",
    "path",
    "env",
    "pre-setup",
    "post-setup",
    "pre-deploy-local",
    "pre-deploy",
    "post-deploy",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_aliases_follow_pm2() {
        assert_eq!(camel_alias("max_restarts"), "maxRestarts");
        assert_eq!(camel_alias("exp_backoff_restart_delay"), "expBackoffRestartDelay");
        assert_eq!(camel_alias("windowsHide"), "windowsHide");
        assert_eq!(camel_alias("v8"), "v8");
    }
}
