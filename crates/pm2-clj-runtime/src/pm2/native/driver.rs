//! The [`Pm2`] driver on the daemon's socket: the process list, stop and delete by id
//! through the native [`Client`]; starting apps and restarting them with a new
//! definition through pm2's Node helper (or its command line), made on first need,
//! because only pm2's own code (`Common.js`) prepares a definition as pm2 would; modules
//! through pm2's command line, as the other drivers do.
//!
//! When the daemon stops answering on its socket between calls (it was killed, or
//! replaced by a version this client does not know), a call goes to the helper, which
//! starts a daemon as pm2 does; the next call tries the socket again.

use std::path::Path;
use std::sync::{Arc, Mutex};

use pm2_clj_sync::process::Process;
use serde_json::Value as Json;

use super::super::cli::CliDriver;
use super::super::{Located, ModuleConf, Pm2, Pm2Options, Restart};
use super::client::Client;
use super::lock;
use super::paths::{self, Sockets};
use crate::error::RuntimeError;

/// The driver.
pub(in crate::pm2) struct NativeDriver {
    client: Client,
    version: String,
    options: Pm2Options,
    located: Located,
    /// pm2's command line, for its modules.
    cli: CliDriver,
    /// The Node helper (or the command line), once needed.
    helper: Helper,
}

/// Where the Node helper is kept once made; made while the lock is held, so it is made
/// once.
type Helper = Arc<Mutex<Option<Arc<dyn Pm2>>>>;

/// The helper in `slot`, made on first need.
fn helper_in(slot: &Helper, located: &Located, options: &Pm2Options) -> Result<Arc<dyn Pm2>, RuntimeError> {
    let mut helper = lock(slot);
    if let Some(helper) = &*helper {
        return Ok(helper.clone());
    }
    let driver: Arc<dyn Pm2> = Arc::from(super::super::node_or_cli(located, options)?.pm2);
    *helper = Some(driver.clone());
    Ok(driver)
}

impl NativeDriver {
    /// The driver, when a daemon listens on the socket of the options' home (`None`
    /// when none does: no socket, or a stale one); an error when one listens but does
    /// not answer as a pm2 this client knows, within the timeout.
    pub(in crate::pm2) fn connect(
        located: &Located,
        options: &Pm2Options,
    ) -> Result<Option<NativeDriver>, RuntimeError> {
        let home = options.home.as_deref();
        // As pm2 pings its daemon: connect, and close again.
        if paths::connect(&Sockets::of(home).rpc, options.timeout).is_err() {
            return Ok(None);
        }
        let client = Client::connect(home, options.timeout)?;
        let version = client.version()?;
        let helper = Helper::default();
        if options.warm {
            // Made in the background; a call that needs it meanwhile waits for it.
            let (slot, located, options) = (helper.clone(), located.clone(), options.clone());
            std::thread::spawn(move || helper_in(&slot, &located, &options));
        }
        Ok(Some(NativeDriver {
            client,
            version,
            options: options.clone(),
            located: located.clone(),
            cli: CliDriver::new(located, options),
            helper,
        }))
    }

    /// The helper, started on first need.
    fn helper(&self) -> Result<Arc<dyn Pm2>, RuntimeError> {
        helper_in(&self.helper, &self.located, &self.options)
    }

    /// `native` on the socket when the daemon answers there, else `helper` on the
    /// helper.
    fn either<T>(
        &self,
        native: impl FnOnce(&Client) -> Result<T, RuntimeError>,
        helper: impl FnOnce(&dyn Pm2) -> Result<T, RuntimeError>,
    ) -> Result<T, RuntimeError> {
        match self.client.ready() {
            Ok(()) => native(&self.client),
            Err(_) => helper(&*self.helper()?),
        }
    }
}

impl Pm2 for NativeDriver {
    fn list(&self) -> Result<Vec<Process>, RuntimeError> {
        self.either(Client::list, |helper| helper.list())
    }

    fn start(&self, apps: &[Json], dir: &Path) -> Result<Vec<u64>, RuntimeError> {
        self.helper()?.start(apps, dir)
    }

    fn restart(&self, how: Restart, app: &Json, dir: &Path, ids: &[u64]) -> Result<(), RuntimeError> {
        self.helper()?.restart(how, app, dir, ids)
    }

    fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.either(|client| client.stop(ids), |helper| helper.stop(ids))
    }

    fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.either(|client| client.delete(ids), |helper| helper.delete(ids))
    }

    fn module_conf(&self) -> Result<ModuleConf, RuntimeError> {
        self.cli.module_conf()
    }

    fn install(&self, name: &str) -> Result<(), RuntimeError> {
        self.cli.install(name)
    }

    fn set(&self, name: &str, key: &str, value: &str) -> Result<(), RuntimeError> {
        self.cli.set(name, key, value)
    }

    fn describe(&self) -> String {
        format!("pm2 {} through its daemon's socket", self.version)
    }

    fn changes(&self) -> Option<Box<dyn super::super::Changes>> {
        super::super::subscribe(&self.options)
    }

    fn feed(&self) -> Option<Box<dyn super::super::Feed>> {
        super::super::listen(&self.options)
    }
}
