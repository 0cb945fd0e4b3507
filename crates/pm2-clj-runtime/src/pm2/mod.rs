//! The [`Pm2`] driver: what pm2-clj asks of pm2, as a trait, and [`connect`], which finds
//! the user's pm2 and drives it on its daemon's socket ([`native`], Unix only) when the
//! daemon runs, else through its own API (`node.rs`: one long-lived Node helper) or,
//! when its package cannot be loaded, through its command line (`cli.rs`). The native
//! driver leaves starting apps from definitions to the other two.
//!
//! pm2's modules (`pm2 install`, `pm2 set`) are managed through its command line by
//! every driver, and read from its home folder ([`ModuleConf`]).
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

    /// pm2's state changes as they happen, when its daemon can be subscribed to (it
    /// runs, and its bus answers); `None` leaves waiters polling the list.
    fn changes(&self) -> Option<Box<dyn Changes>>;

    /// What pm2's bus says, for a live view (`top`): state changes and the lines apps
    /// write, when its daemon can be subscribed to.
    fn feed(&self) -> Option<Box<dyn Feed>>;
}

/// One thing pm2's bus said, as a live view uses it.
#[derive(Clone, Debug, PartialEq)]
pub enum Heard {
    /// A process of the app changed state (a `process:event`).
    Changed(String),
    /// A process of the app was restarted or reloaded on request (a `process:event`
    /// named `restart` or `reload`, which pm2 publishes for the actions it is asked):
    /// its new restart is no crash.
    Asked(String),
    /// A process of the app wrote a line.
    Line {
        /// The app.
        app: String,
        /// The process's pm2 id.
        pm_id: u64,
        /// Whether it wrote it on standard error.
        error: bool,
        /// The line, without its newline.
        text: String,
    },
}

/// pm2's bus as [`Heard`] messages.
pub trait Feed: Send {
    /// The next message, waiting at most `timeout` (`Ok(None)`: none came); an error
    /// once the feed has ended (the daemon went away).
    fn next(&mut self, timeout: Duration) -> Result<Option<Heard>, RuntimeError>;
}

/// pm2's bus, heard as a [`Feed`] (a live view) or as [`Changes`] (a waiter).
trait Bus: Feed + Changes {}

impl<T: Feed + Changes> Bus for T {}

/// The bus of the daemon of `options`' home, when the daemon runs.
fn bus(options: &Pm2Options) -> Option<Box<dyn Bus>> {
    #[cfg(unix)]
    {
        let bus = native::Bus::connect(options.home.as_deref(), Duration::from_millis(200)).ok()?;
        Some(Box::new(bus))
    }
    #[cfg(not(unix))]
    {
        let _ = options;
        None
    }
}

/// The bus of the daemon of `options`' home as a [`Feed`], when the daemon runs.
fn listen(options: &Pm2Options) -> Option<Box<dyn Feed>> {
    bus(options).map(|bus| bus as Box<dyn Feed>)
}

/// Which app a process just changed state of in pm2 (spawned, exited, restarted,
/// stopped, deleted: pm2's `process:event`s), for a waiter to look again at once
/// rather than at its next poll.
pub trait Changes: Send {
    /// The app of the next change, waiting at most `timeout` (`Ok(None)`: none came);
    /// an error once the feed has ended (the daemon went away).
    fn wait(&mut self, timeout: Duration) -> Result<Option<String>, RuntimeError>;
}

/// The changes published on the bus of the daemon of `options`' home, when it runs.
fn subscribe(options: &Pm2Options) -> Option<Box<dyn Changes>> {
    bus(options).map(|bus| bus as Box<dyn Changes>)
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
    /// Whether the Node helper that starts and reloads apps is made at once, in the
    /// background, when the daemon is driven on its socket: a long-lived run (`watch`)
    /// then never waits for Node to start at its first change.
    pub warm: bool,
}

impl Default for Pm2Options {
    fn default() -> Pm2Options {
        Pm2Options {
            timeout: Duration::from_secs(60),
            bin: None,
            home: None,
            warm: false,
        }
    }
}

/// A connected driver, and a note when it is not the preferred one.
pub struct Connection {
    /// The driver.
    pub pm2: Box<dyn Pm2>,
    /// What is not driven the preferred way, and why: the daemon runs but answered on
    /// its socket unexpectedly, or pm2's package cannot be loaded (so apps are started,
    /// or everything is done, through its command line).
    pub note: Option<String>,
}

/// Finds pm2 and connects to it: on its daemon's socket when the daemon runs and answers
/// as a pm2 this client knows; else through its API when its package and `node` can be
/// loaded (starting the daemon if none runs); else through its command line. A daemon
/// that runs but answers unexpectedly, and a package that cannot be loaded, are noted.
pub fn connect(options: &Pm2Options) -> Result<Connection, RuntimeError> {
    let located = match &options.bin {
        Some(bin) => Located::at(bin),
        None => locate()?,
    };
    #[cfg(unix)]
    let surprise = match native::NativeDriver::connect(&located, options) {
        Ok(Some(driver)) => {
            return Ok(Connection {
                pm2: Box::new(driver),
                note: without_api(&located)
                    .map(|why| format!("starting apps through pm2's command line: {why}")),
            });
        }
        Ok(None) => None,
        Err(e) => Some(format!("not driving pm2 on its daemon's socket: {e}")),
    };
    #[cfg(not(unix))]
    let surprise: Option<String> = None;
    let mut connection = node_or_cli(&located, options)?;
    connection.note = match (surprise, connection.note) {
        (Some(surprise), Some(note)) => Some(format!("{surprise}; {note}")),
        (surprise, note) => surprise.or(note),
    };
    Ok(connection)
}

/// Connects to pm2 through its API or its command line, never on its daemon's socket:
/// what [`connect`] does when that socket cannot be used.
pub fn connect_node(options: &Pm2Options) -> Result<Connection, RuntimeError> {
    let located = match &options.bin {
        Some(bin) => Located::at(bin),
        None => locate()?,
    };
    node_or_cli(&located, options)
}

/// Why pm2's API cannot be loaded for pm2 at `located`, when that is plain without
/// trying: no package, or no `node`.
fn without_api(located: &Located) -> Option<String> {
    match (&located.package, &located.node) {
        (None, _) => Some(format!("{} is not inside a pm2 package", located.bin.display())),
        (Some(_), None) => Some("node is not on PATH".to_string()),
        _ => None,
    }
}

/// The Node helper for pm2 at `located`, else its command line with a note saying why.
fn node_or_cli(located: &Located, options: &Pm2Options) -> Result<Connection, RuntimeError> {
    let fallback = |why: String| Connection {
        pm2: Box::new(cli::CliDriver::new(located, options)),
        note: Some(format!("driving pm2 through its command line: {why}")),
    };
    let (Some(package), Some(node)) = (&located.package, &located.node) else {
        return Ok(fallback(without_api(located).unwrap_or_default()));
    };
    let cli = cli::CliDriver::new(located, options);
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
