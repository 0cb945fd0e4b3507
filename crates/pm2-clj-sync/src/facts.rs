//! What pm2 does that a plan depends on, in one place: the statuses it gives processes,
//! the options a `reload` or `restart` does not apply, and PM2's defaults that decide
//! how long a start takes to prove itself. Read from pm2 7.0's source (`constants.js`,
//! `lib/God/ActionMethods.js`, `lib/God/Reload.js`) and tried against it.

/// A process's `pm2_env.status`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// `online`: running.
    Online,
    /// `launching`: being started.
    Launching,
    /// `stopping`: being stopped.
    Stopping,
    /// `stopped`: not running, kept in the list (`pm2 stop`, or `autostart: false`).
    Stopped,
    /// `errored`: crashed more often than `max_restarts` allows, or could not start.
    Errored,
    /// `waiting restart`: exited; pm2 restarts it after `restart_delay`.
    WaitingRestart,
    /// `one-launch-status`: ran once and exited (`autorestart: false`).
    OneLaunch,
    /// Anything else pm2 may report.
    Other(String),
}

impl Status {
    /// The status pm2 names `text`.
    pub fn parse(text: &str) -> Status {
        match text {
            "online" => Status::Online,
            "launching" => Status::Launching,
            "stopping" => Status::Stopping,
            "stopped" => Status::Stopped,
            "errored" => Status::Errored,
            "waiting restart" => Status::WaitingRestart,
            "one-launch-status" => Status::OneLaunch,
            other => Status::Other(other.to_string()),
        }
    }

    /// pm2's name for it.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Online => "online",
            Status::Launching => "launching",
            Status::Stopping => "stopping",
            Status::Stopped => "stopped",
            Status::Errored => "errored",
            Status::WaitingRestart => "waiting restart",
            Status::OneLaunch => "one-launch-status",
            Status::Other(s) => s,
        }
    }

    /// Whether the process is up or coming up.
    pub fn is_running(&self) -> bool {
        matches!(self, Status::Online | Status::Launching)
    }

    /// Whether the process is down and pm2 will not bring it back by itself.
    pub fn is_down(&self) -> bool {
        matches!(self, Status::Stopped | Status::Errored | Status::OneLaunch)
    }
}

/// Options a `pm2 reload` or `restart` does not apply: pm2 keeps the old ones, so a
/// change to any of them needs the app deleted and started again.
pub const KEPT_ON_RELOAD: &[&str] = &[
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

/// `min_uptime` when an app does not set it: an app up for less than this is an
/// "unstable restart" to pm2, so a start is proven stable after this long.
pub const DEFAULT_MIN_UPTIME_MS: u64 = 1000;
