//! The typed client of pm2's daemon: the handshake (`getVersion`, answered by a daemon
//! of a version this client knows), the process list, and stop, restart and delete by
//! id, each followed (delete: preceded) by the `notifyByProcessId` pm2's own command
//! line sends, so that pm2's event bus says what happened.
//!
//! Every call ends within the client's timeout. A connection the daemon closed is made again
//! (and the handshake redone) on the next call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pm2_clj_sync::process::{Process, list_of};
use serde_json::Value as Json;

use super::lock;
use super::paths::{self, Sockets};
use super::rpc::{Call, Rpc};
use crate::error::{RuntimeError, RuntimeErrorKind};

/// The pm2 versions whose daemon protocol this client was checked against (6.0.14 and
/// 7.0.4); their wire format and replies are the same.
const KNOWN_MAJORS: [&str; 2] = ["6", "7"];

/// The longest the handshake waits: `getVersion` answers in a millisecond.
const HANDSHAKE: Duration = Duration::from_secs(5);

/// A client of pm2's daemon; calls may come from several threads at once.
pub struct Client {
    socket: PathBuf,
    timeout: Duration,
    connection: Mutex<Option<Arc<Rpc>>>,
}

impl Client {
    /// Connects to the daemon of `home` (`PM2_HOME` when `None`) and checks that it
    /// answers `getVersion` with a version this client knows; every later call is
    /// bounded by `timeout`.
    pub fn connect(home: Option<&Path>, timeout: Duration) -> Result<Client, RuntimeError> {
        let client = Client {
            socket: Sockets::of(home).rpc,
            timeout,
            connection: Mutex::new(None),
        };
        client.rpc(Instant::now() + timeout)?;
        Ok(client)
    }

    /// The daemon's pm2 version (`getVersion`, which also shows that it answers).
    pub fn version(&self) -> Result<String, RuntimeError> {
        let deadline = Instant::now() + self.timeout;
        let rpc = self.rpc(deadline)?;
        self.version_on(&rpc, deadline, self.timeout)
    }

    /// Every process pm2 has (`getMonitorData`, what `pm2 jlist` prints).
    pub fn list(&self) -> Result<Vec<Process>, RuntimeError> {
        let deadline = Instant::now() + self.timeout;
        let rpc = self.rpc(deadline)?;
        match rpc.call(Call::MonitorData, deadline, self.timeout)?.first() {
            Some(list @ Json::Array(_)) => Ok(list_of(list)),
            _ => Err(self.protocol("its process list is not a list".into())),
        }
    }

    /// Stops the processes `ids` (they stay in pm2's list).
    pub fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.each(ids, &[Call::Stop, |id| Call::Notify(id, "stop")])
    }

    /// Restarts the processes `ids` with the definition pm2 holds.
    pub fn restart(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.each(ids, &[Call::Restart, |id| Call::Notify(id, "restart")])
    }

    /// Stops the processes `ids` and removes them from pm2. The `delete` event is
    /// published first: once a process is gone pm2 refuses to name it (its own command
    /// line notifies after, and so never publishes one).
    pub fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.each(ids, &[|id| Call::Notify(id, "delete"), Call::Delete])
    }

    /// Whether the daemon answers (connecting again, with the handshake, if the last
    /// connection ended).
    pub(super) fn ready(&self) -> Result<(), RuntimeError> {
        self.rpc(Instant::now() + self.timeout).map(drop)
    }

    /// Makes each step's call for every id at once (the daemon answers in any order),
    /// and the next step's for the ids whose calls succeeded. A failed notification
    /// fails nothing (the action is done); any other failure is returned once every
    /// call has ended.
    fn each(&self, ids: &[u64], steps: &[fn(u64) -> Call]) -> Result<(), RuntimeError> {
        let deadline = Instant::now() + self.timeout;
        let rpc = self.rpc(deadline)?;
        let mut ids = ids.to_vec();
        let mut first_error = None;
        for step in steps {
            let sent: Vec<_> = ids.iter().map(|&id| (id, rpc.send(step(id), deadline))).collect();
            ids.clear();
            for (id, sent) in sent {
                let notify = matches!(step(id), Call::Notify(..));
                match sent.and_then(|sent| rpc.wait(sent, deadline, self.timeout)) {
                    Ok(_) => ids.push(id),
                    Err(e) if notify && matches!(e.kind(), RuntimeErrorKind::Pm2Failed { .. }) => {
                        ids.push(id)
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The live connection, or a new one once the handshake succeeds.
    fn rpc(&self, deadline: Instant) -> Result<Arc<Rpc>, RuntimeError> {
        let mut connection = lock(&self.connection);
        if let Some(rpc) = &*connection
            && !rpc.is_closed()
        {
            return Ok(rpc.clone());
        }
        *connection = None;
        let limit = self.timeout.min(HANDSHAKE);
        let deadline = deadline.min(Instant::now() + limit);
        let stream = paths::connect(&self.socket, deadline.saturating_duration_since(Instant::now()))?;
        let rpc = Arc::new(Rpc::over(&self.socket, stream)?);
        let version = self.version_on(&rpc, deadline, limit)?;
        let major = version.split('.').next().unwrap_or_default();
        if !KNOWN_MAJORS.contains(&major) {
            let version: String = version.chars().take(40).collect();
            return Err(self.protocol(format!(
                "it is pm2 {version}, and this client knows pm2 6.x and 7.x"
            )));
        }
        *connection = Some(rpc.clone());
        Ok(rpc)
    }

    fn version_on(&self, rpc: &Rpc, deadline: Instant, timeout: Duration) -> Result<String, RuntimeError> {
        match rpc.call(Call::Version, deadline, timeout)?.first() {
            Some(Json::String(version)) => Ok(version.clone()),
            _ => Err(self.protocol("its version is not a text".into())),
        }
    }

    fn protocol(&self, message: String) -> RuntimeError {
        RuntimeError::from(RuntimeErrorKind::Pm2Protocol {
            socket: self.socket.clone(),
            message,
        })
    }
}
