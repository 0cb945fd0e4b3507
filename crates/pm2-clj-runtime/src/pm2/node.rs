//! The real driver: pm2's own API through one long-lived Node helper (`helper.js`,
//! shipped inside this crate), started on first use and kept for the driver's life.
//! Requests and answers are JSON lines; several requests may be in flight at once. A
//! call that outlives the timeout kills the helper (pm2 is taken as hung) and fails;
//! the next call starts a new helper.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pm2_clj_sync::process::{Process, list_of};
use serde_json::{Value as Json, json};

use super::cli::CliDriver;
use super::{ModuleConf, Pm2, Pm2Options, Restart, environment};
use crate::error::{RuntimeError, RuntimeErrorKind};

const HELPER: &str = include_str!("helper.js");

/// How many of the helper's last stderr lines are kept for error messages.
const STDERR_LINES: usize = 20;

/// Why the helper could not be started.
pub(super) enum StartError {
    /// The pm2 package cannot be loaded: use the command line instead.
    CannotLoad(String),
    /// pm2 itself failed (its daemon cannot be reached, or it hung).
    Failed(RuntimeError),
}

type Answer = Result<Json, String>;

/// A running helper.
struct Helper {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    pending: Arc<Mutex<HashMap<u64, Sender<Answer>>>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    version: String,
    /// The pid of the pm2 daemon it connected to (`PM2_HOME/pm2.pid`), when known: a
    /// helper left connected to a daemon that was replaced (`pm2 kill`, then a new one)
    /// may never answer.
    daemon: Option<String>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Helper {
    /// The last lines the helper (pm2) printed on stderr.
    fn stderr_tail(&self) -> String {
        tail(&self.stderr)
    }

    fn kill(&self) {
        kill(&mut lock(&self.child));
    }

    /// Whether the helper's process has exited.
    fn exited(&self) -> bool {
        lock(&self.child).try_wait().is_ok_and(|status| status.is_some())
    }
}

/// How often a call waiting for the helper looks whether it is still there.
const HELPER_LOOK: Duration = Duration::from_millis(100);

impl Drop for Helper {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Kills the helper and whatever it started in its process group (never pm2's daemon,
/// which pm2 starts in a session of its own), and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The longest stderr line of the helper kept (the rest of the line is dropped).
const MAX_LINE: usize = 4096;

/// Calls `each` with every line of `pipe`, each cut at [`MAX_LINE`] bytes: a line with
/// no end does not grow memory.
fn capped_lines(pipe: impl std::io::Read, mut each: impl FnMut(String)) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) if !buf.is_empty() => buf,
            _ => break,
        };
        let newline = buf.iter().position(|&b| b == b'\n');
        let chunk = &buf[..newline.unwrap_or(buf.len())];
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = newline.map_or(buf.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            each(String::from_utf8_lossy(&line).into_owned());
            line.clear();
        }
    }
}

fn tail(lines: &Mutex<VecDeque<String>>) -> String {
    lock(lines).iter().cloned().collect::<Vec<_>>().join("\n")
}

fn failed(action: &str, message: String) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Pm2Failed {
        action: action.to_string(),
        message,
    })
}

fn timed_out(action: &str, timeout: Duration) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Pm2Timeout {
        action: action.to_string(),
        after: timeout,
    })
}

/// The driver.
pub(super) struct NodeDriver {
    node: PathBuf,
    package: PathBuf,
    options: Pm2Options,
    /// pm2's command line, for its modules (`pm2 install` runs npm; its API does not
    /// make that any safer).
    cli: CliDriver,
    helper: Mutex<Option<Arc<Helper>>>,
    next_id: AtomicU64,
}

impl NodeDriver {
    /// Starts the helper and waits until it is connected to pm2's daemon (starting the
    /// daemon if none runs).
    pub(super) fn start(
        node: &Path,
        package: &Path,
        cli: CliDriver,
        options: &Pm2Options,
    ) -> Result<NodeDriver, StartError> {
        let driver = NodeDriver {
            node: node.to_path_buf(),
            package: package.to_path_buf(),
            options: options.clone(),
            cli,
            helper: Mutex::new(None),
            next_id: AtomicU64::new(1),
        };
        let helper = driver.spawn()?;
        *lock(&driver.helper) = Some(helper);
        Ok(driver)
    }

    fn spawn(&self) -> Result<Arc<Helper>, StartError> {
        let mut command = Command::new(&self.node);
        command
            .arg("-e")
            .arg(HELPER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        environment(&mut command, &self.options);
        command.env("PM2_CLJ_PM2_PACKAGE", &self.package);
        let mut child = command
            .spawn()
            .map_err(|e| StartError::CannotLoad(format!("cannot run {}: {e}", self.node.display())))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");

        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let lines = stderr.clone();
        std::thread::spawn(move || {
            capped_lines(stderr_pipe, |line| {
                let mut lines = lock(&lines);
                if lines.len() == STDERR_LINES {
                    lines.pop_front();
                }
                lines.push_back(line);
            });
        });

        let pending: Arc<Mutex<HashMap<u64, Sender<Answer>>>> = Arc::default();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, String>>();
        let waiting = pending.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(message) = serde_json::from_str::<Json>(&line) else {
                    continue;
                };
                if let Some(ready) = message.get("ready") {
                    let version = ready["version"].as_str().unwrap_or("?").to_string();
                    let _ = ready_tx.send(Ok(version));
                } else if let Some(fatal) = message.get("fatal") {
                    let _ = ready_tx.send(Err(fatal.as_str().unwrap_or_default().to_string()));
                } else if let Some(id) = message["id"].as_u64()
                    && let Some(sender) = lock(&waiting).remove(&id)
                {
                    let answer = match message.get("error") {
                        Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
                        None => Ok(message["ok"].clone()),
                    };
                    let _ = sender.send(answer);
                }
            }
            // The helper is gone: every waiting call fails.
            lock(&waiting).clear();
        });

        match ready_rx.recv_timeout(self.options.timeout) {
            Ok(Ok(version)) => Ok(Arc::new(Helper {
                child: Mutex::new(child),
                stdin: Mutex::new(stdin),
                pending,
                stderr,
                version,
                daemon: self.daemon_pid(),
            })),
            Ok(Err(fatal)) => {
                kill(&mut child);
                if fatal.starts_with("cannot load the pm2 package") {
                    Err(StartError::CannotLoad(fatal))
                } else {
                    Err(StartError::Failed(failed("connect", fatal)))
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                kill(&mut child);
                Err(StartError::Failed(timed_out("connect", self.options.timeout)))
            }
            Err(RecvTimeoutError::Disconnected) => {
                kill(&mut child);
                std::thread::sleep(Duration::from_millis(50));
                Err(StartError::CannotLoad(format!(
                    "the pm2 helper exited at once: {}",
                    tail(&stderr)
                )))
            }
        }
    }

    /// The pid pm2's daemon wrote into `PM2_HOME/pm2.pid`, when it runs.
    fn daemon_pid(&self) -> Option<String> {
        std::fs::read_to_string(crate::lock::pm2_home(self.options.home.as_deref()).join("pm2.pid")).ok()
    }

    /// Whether the daemon `helper` connected to is gone (its socket removed, or another
    /// daemon's pid in its place): a call waiting on it would wait out its timeout.
    fn daemon_gone(&self, helper: &Helper) -> bool {
        helper.daemon.is_some()
            && (!super::daemon_runs(self.options.home.as_deref()) || self.daemon_pid() != helper.daemon)
    }

    /// The running helper, started again if an earlier call killed it or if the daemon
    /// it connected to was replaced.
    fn helper(&self) -> Result<Arc<Helper>, RuntimeError> {
        let mut slot = lock(&self.helper);
        if let Some(helper) = &*slot {
            if helper.daemon.is_none() || helper.daemon == self.daemon_pid() {
                return Ok(helper.clone());
            }
            helper.kill();
            *slot = None;
        }
        let helper = self.spawn().map_err(|e| match e {
            StartError::CannotLoad(why) => failed("connect", why),
            StartError::Failed(e) => e,
        })?;
        *slot = Some(helper.clone());
        Ok(helper)
    }

    /// Sends one request and waits for its answer.
    fn call(&self, action: &str, mut request: Json) -> Result<Json, RuntimeError> {
        let helper = self.helper()?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        request["id"] = json!(id);
        let (tx, rx) = mpsc::channel();
        lock(&helper.pending).insert(id, tx);
        let line = format!("{request}\n");
        if let Err(e) = lock(&helper.stdin).write_all(line.as_bytes()) {
            self.discard(&helper);
            return Err(failed(
                action,
                format!("the pm2 helper is gone ({e}): {}", helper.stderr_tail()),
            ));
        }
        // Waited for in slices: a helper that exited (it does when pm2's daemon goes
        // away, `pm2 kill`), or whose daemon is gone, fails the call at once rather than
        // at the timeout.
        let deadline = Instant::now() + self.options.timeout;
        let answer = loop {
            let slice = deadline
                .saturating_duration_since(Instant::now())
                .min(HELPER_LOOK);
            match rx.recv_timeout(slice) {
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if helper.exited() || self.daemon_gone(&helper) {
                        break Err(RecvTimeoutError::Disconnected);
                    }
                }
                other => break other,
            }
        };
        match answer {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(message)) => Err(failed(action, message)),
            Err(RecvTimeoutError::Timeout) => {
                lock(&helper.pending).remove(&id);
                self.discard(&helper);
                Err(timed_out(action, self.options.timeout))
            }
            Err(RecvTimeoutError::Disconnected) => {
                lock(&helper.pending).remove(&id);
                let daemon_gone = self.daemon_gone(&helper);
                self.discard(&helper);
                if daemon_gone {
                    return Err(failed(
                        action,
                        "pm2's daemon went away during the call".to_string(),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
                Err(failed(
                    action,
                    format!("the pm2 helper exited: {}", helper.stderr_tail()),
                ))
            }
        }
    }

    /// Kills a helper that hung or died, so the next call starts a new one.
    fn discard(&self, helper: &Arc<Helper>) {
        helper.kill();
        let mut slot = lock(&self.helper);
        if slot.as_ref().is_some_and(|h| Arc::ptr_eq(h, helper)) {
            *slot = None;
        }
    }
}

impl Pm2 for NodeDriver {
    fn list(&self) -> Result<Vec<Process>, RuntimeError> {
        self.call("list", json!({"op": "list"}))
            .map(|list| list_of(&list))
    }

    fn start(&self, apps: &[Json], dir: &Path) -> Result<Vec<u64>, RuntimeError> {
        let answer = self.call("start", json!({"op": "start", "apps": apps, "dir": dir}))?;
        Ok(answer
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_u64)
            .collect())
    }

    fn restart(&self, how: Restart, app: &Json, dir: &Path, ids: &[u64]) -> Result<(), RuntimeError> {
        let op = match how {
            Restart::Reload => "reload",
            Restart::Restart => "restart",
        };
        self.call(op, json!({"op": op, "app": app, "dir": dir, "ids": ids}))
            .map(drop)
    }

    fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.call("stop", json!({"op": "stop", "ids": ids})).map(drop)
    }

    fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.call("delete", json!({"op": "delete", "ids": ids})).map(drop)
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
        let version = lock(&self.helper)
            .as_ref()
            .map(|h| h.version.clone())
            .unwrap_or_else(|| "?".into());
        format!("pm2 {version} through its API")
    }

    fn changes(&self) -> Option<Box<dyn super::Changes>> {
        super::subscribe(&self.options)
    }

    fn feed(&self) -> Option<Box<dyn super::Feed>> {
        super::listen(&self.options)
    }
}
