//! The [`Pm2`] driver: what pm2-clj asks of pm2, as a trait, and [`connect`], which finds
//! the user's pm2 and drives it through its own API (`node.rs`: one long-lived Node
//! helper) or, when its package cannot be loaded, through its command line (`cli.rs`).
//!
//! pm2's modules (`pm2 install`, `pm2 set`) are managed through its command line by
//! both drivers, and read from its home folder ([`ModuleConf`]).
//!
//! Apps are handed over as the JSON objects of the generated file (what pm2 would read
//! from it) with the folder relative paths resolve against; once they exist they are
//! addressed by pm2 id, never by a name pm2 could read as `all`, a list or a pattern.

mod cli;
mod locate;
mod modules;
#[cfg(unix)]
pub mod native;
mod node;

use std::path::{Path, PathBuf};
use std::time::Duration;

use pm2_clj_sync::process::Process;
use serde_json::Value as Json;

use crate::error::RuntimeError;

pub use locate::{Located, locate};
pub use modules::ModuleConf;

/// How an app is restarted with a new definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// `reload`: zero-downtime for cluster apps (a restart for fork apps).
    Reload,
    /// `restart`: stop, then start.
    Restart,
}

/// What pm2-clj asks of pm2. Calls may come from several threads at once.
pub trait Pm2: Send + Sync {
    /// Every process pm2 has.
    fn list(&self) -> Result<Vec<Process>, RuntimeError>;

    /// Starts `apps` (app objects as the generated file holds them; none of them exists
    /// in pm2), relative paths against `dir`. Returns the new processes' ids.
    fn start(&self, apps: &[Json], dir: &Path) -> Result<Vec<u64>, RuntimeError>;

    /// Restarts the processes `ids` of one app with the definition `app`.
    fn restart(&self, how: Restart, app: &Json, dir: &Path, ids: &[u64]) -> Result<(), RuntimeError>;

    /// Stops the processes `ids` (they stay in pm2's list).
    fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError>;

    /// Stops the processes `ids` and removes them from pm2.
    fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError>;

    /// What pm2 records of its modules: which are installed, and their options.
    fn module_conf(&self) -> Result<ModuleConf, RuntimeError>;

    /// Installs the module `name` from npm (`pm2 install NAME`), which starts it.
    fn install(&self, name: &str) -> Result<(), RuntimeError>;

    /// Sets the option `key` of the module `name` (`pm2 set NAME:KEY VALUE`), which
    /// restarts the module.
    fn set(&self, name: &str, key: &str, value: &str) -> Result<(), RuntimeError>;

    /// How pm2 is driven, for notes and reports (`pm2 7.0.4 through its API`).
    fn describe(&self) -> String;
}

/// How to reach pm2.
#[derive(Clone, Debug)]
pub struct Pm2Options {
    /// The longest any one pm2 call may take before it counts as failed.
    pub timeout: Duration,
    /// The pm2 executable; found by [`locate`] when `None`.
    pub bin: Option<PathBuf>,
    /// pm2's home folder (`PM2_HOME`); inherited from the environment when `None`.
    pub home: Option<PathBuf>,
}

impl Default for Pm2Options {
    fn default() -> Pm2Options {
        Pm2Options {
            timeout: Duration::from_secs(60),
            bin: None,
            home: None,
        }
    }
}

/// A connected driver, and a note when it is not the preferred one.
pub struct Connection {
    /// The driver.
    pub pm2: Box<dyn Pm2>,
    /// Why pm2 is driven through its command line, when it is.
    pub note: Option<String>,
}

/// Finds pm2 and connects to it: through its API when its package and `node` can be
/// loaded, else through its command line (with a note saying why).
pub fn connect(options: &Pm2Options) -> Result<Connection, RuntimeError> {
    let located = match &options.bin {
        Some(bin) => Located::at(bin),
        None => locate()?,
    };
    let fallback = |why: String| Connection {
        pm2: Box::new(cli::CliDriver::new(&located, options)),
        note: Some(format!("driving pm2 through its command line: {why}")),
    };
    let (Some(package), Some(node)) = (&located.package, &located.node) else {
        let why = match &located.package {
            None => format!("{} is not inside a pm2 package", located.bin.display()),
            Some(_) => "node is not on PATH".to_string(),
        };
        return Ok(fallback(why));
    };
    let cli = cli::CliDriver::new(&located, options);
    match node::NodeDriver::start(node, package, cli, options) {
        Ok(driver) => Ok(Connection {
            pm2: Box::new(driver),
            note: None,
        }),
        Err(node::StartError::CannotLoad(why)) => Ok(fallback(why)),
        Err(node::StartError::Failed(e)) => Err(e),
    }
}

/// Whether pm2's daemon runs for the home `home` (`PM2_HOME` when `None`): its socket
/// is there.
pub fn daemon_runs(home: Option<&Path>) -> bool {
    crate::lock::pm2_home(home).join("rpc.sock").exists()
}

/// Environment variables a driver never passes on to pm2: pm2 copies its caller's
/// environment into the apps it starts, and these would make such an app look like
/// another one (pm2-clj's markers, pm2's process id).
fn withheld(name: &str) -> bool {
    name.starts_with("PM2_CLJ_") || name == "unique_id"
}

/// Prepares the environment of a command that runs pm2: `PM2_HOME` when given, and
/// none of the [`withheld`] variables.
fn environment(command: &mut std::process::Command, options: &Pm2Options) {
    for (name, _) in std::env::vars_os() {
        if withheld(&name.to_string_lossy()) {
            command.env_remove(name);
        }
    }
    if let Some(home) = &options.home {
        command.env("PM2_HOME", home);
    }
}
