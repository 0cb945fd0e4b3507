//! The ecosystem as PM2 will get it: apps as canonical options in source order, and the
//! deploy section under pm2-deploy's key names.

use std::time::Duration;

use pm2_dsl_eval::Value;

use crate::health::Health;
use crate::logs::Logs;

/// One app: canonical option names (and `env_<name>` blocks) with their values, in the
/// order the source gives them (nil values left out), and pm2-clj's own settings.
#[derive(Clone, Debug, PartialEq)]
pub struct App {
    /// The options.
    pub options: Vec<(String, Value)>,
    /// Its `:health` check (not written into the PM2 file).
    pub health: Option<Health>,
}

impl App {
    /// `min_uptime` (PM2's default of 1 s when unset): how long the app must stay up
    /// before pm2 counts a start as stable.
    pub fn min_uptime(&self) -> Duration {
        self.get("min_uptime")
            .and_then(crate::validate::duration_ms)
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| Duration::from_millis(ms as u64))
            .unwrap_or(Duration::from_millis(1000))
    }

    /// The value of an option.
    pub fn get(&self, option: &str) -> Option<&Value> {
        self.options.iter().find(|(k, _)| k == option).map(|(_, v)| v)
    }

    /// The app's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.get("name").and_then(Value::as_str)
    }
}

/// One deploy environment: pm2-deploy's keys with their values.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployTarget {
    /// The environment's name (`production`, ...).
    pub name: String,
    /// Its settings, in source order.
    pub settings: Vec<(String, Value)>,
}

/// A whole ecosystem.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ecosystem {
    /// The apps, in order.
    pub apps: Vec<App>,
    /// The deploy environments, in order.
    pub deploy: Vec<DeployTarget>,
    /// The `static` section (PM2's static file servers), passed through as written.
    pub statics: Option<Value>,
    /// pm2-clj's `:logs` section (not written into the PM2 file; its folder is in the
    /// apps' `out_file` and `error_file`).
    pub logs: Option<Logs>,
}
