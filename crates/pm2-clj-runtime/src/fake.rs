//! An in-memory pm2 (the `fake` feature), for tests here and for embedders that drive
//! the runtime without a real pm2: it keeps
//! processes as pm2 lists them, records every call, crashes the apps whose script is
//! `crash.js`, tells its [`Changes`] subscribers which app changed (and its [`Feed`]s
//! that, and the lines [`FakePm2::say`] makes its apps write), keeps a `module_conf.json` (installing a module gives it `pm2-logrotate`'s
//! defaults), and refuses the calls it is told to. Also a reporter that keeps the notes.

use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use pm2_clj_sync::process::Process;
use serde_json::{Value as Json, json};

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::pm2::{Changes, Feed, Heard, ModuleConf, Pm2, Restart};

struct Proc {
    pm_id: u64,
    def: Json,
    cwd: String,
    status: &'static str,
    restarts: u64,
    started_at: u64,
}

#[derive(Default)]
struct State {
    procs: Vec<Proc>,
    next_id: u64,
    calls: Vec<String>,
    refuse: Vec<String>,
    /// How long a list takes (pm2's daemon answers a list of 50 apps in milliseconds).
    list_takes: std::time::Duration,
    /// How many lists were read.
    lists: u64,
    modules: Json,
    subscribers: Vec<Sender<String>>,
    feeds: Vec<Sender<Heard>>,
    /// Apps whose next delete pm2 undoes, as its own pending restart does.
    put_back: Vec<String>,
    /// Deleted processes coming back, with how many lists leave them out first.
    coming_back: Vec<(Proc, u32)>,
}

impl State {
    /// Tells every subscriber that `app` changed.
    fn changed(&mut self, app: &Json) {
        let app = app.as_str().unwrap_or_default().to_string();
        self.subscribers.retain(|s| s.send(app.clone()).is_ok());
        self.feeds.retain(|s| s.send(Heard::Changed(app.clone())).is_ok());
    }
}

/// The fake pm2.
#[derive(Default)]
pub struct FakePm2 {
    state: Mutex<State>,
}

fn refused(call: &str) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Pm2Failed {
        action: call.to_string(),
        message: "refused by the test".into(),
    })
}

impl FakePm2 {
    /// Every call so far, as `verb name` or `verb id,id`.
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Makes every list take `time`, as a busy daemon's does.
    pub fn slow_lists(&self, time: std::time::Duration) {
        self.state.lock().unwrap().list_takes = time;
    }

    /// How many lists were read so far.
    pub fn lists(&self) -> u64 {
        self.state.lock().unwrap().lists
    }

    /// Makes calls that read `call` fail.
    pub fn refuse(&self, call: &str) {
        self.state.lock().unwrap().refuse.push(call.to_string());
    }

    /// Makes calls that read `call` work again.
    pub fn allow(&self, call: &str) {
        self.state.lock().unwrap().refuse.retain(|c| c != call);
    }

    /// Makes the next delete of `name`'s processes come undone: they are left out of one
    /// list, then listed again (launching), as when pm2's restart timer for a crashed
    /// process fired just before the delete reached the daemon.
    pub fn puts_back_once(&self, name: &str) {
        self.state.lock().unwrap().put_back.push(name.to_string());
    }

    /// Adds a process pm2-clj did not start.
    pub fn hand_started(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        let pm_id = state.next_id;
        state.next_id += 1;
        state.procs.push(Proc {
            pm_id,
            def: json!({"name": name, "script": "x.js"}),
            cwd: "/elsewhere".into(),
            status: "online",
            restarts: 0,
            started_at: crate::verify::now_ms(),
        });
    }

    /// Crashes the processes named `name` once: pm2 restarted them (their restart count
    /// grows), and subscribers hear of it.
    pub fn crash(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        for p in state.procs.iter_mut().filter(|p| p.def["name"] == name) {
            p.restarts += 1;
            p.started_at = crate::verify::now_ms();
        }
        state.changed(&json!(name));
    }

    /// Makes the first process named `name` write `text` (a line on its standard
    /// output), which its feeds hear.
    pub fn say(&self, name: &str, text: &str) {
        let mut state = self.state.lock().unwrap();
        let Some(pm_id) = state
            .procs
            .iter()
            .find(|p| p.def["name"] == name)
            .map(|p| p.pm_id)
        else {
            return;
        };
        let heard = Heard::Line {
            app: name.to_string(),
            pm_id,
            error: false,
            text: text.to_string(),
        };
        state.feeds.retain(|s| s.send(heard.clone()).is_ok());
    }

    /// Restarts the processes named `name` as `pm2 restart` by hand would (their restart
    /// count grows; no call is recorded); feeds hear that it was asked for.
    pub fn restarted_by_hand(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        for p in state.procs.iter_mut().filter(|p| p.def["name"] == name) {
            p.restarts += 1;
            p.started_at = crate::verify::now_ms();
        }
        state.changed(&json!(name));
        state
            .feeds
            .retain(|s| s.send(Heard::Asked(name.to_string())).is_ok());
    }

    /// Stops the processes named `name` as a hand on pm2's command line would (no call
    /// is recorded); feeds hear of it.
    pub fn stopped_by_hand(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        for p in state.procs.iter_mut().filter(|p| p.def["name"] == name) {
            p.status = "stopped";
        }
        state.changed(&json!(name));
    }

    /// The environment variable `var` of the processes named `name`.
    pub fn env_of(&self, name: &str, var: &str) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .procs
            .iter()
            .filter(|p| p.def["name"] == name)
            .map(|p| p.def["env"][var].as_str().unwrap_or("").to_string())
            .collect()
    }

    fn call(&self, call: String) -> Result<std::sync::MutexGuard<'_, State>, RuntimeError> {
        let mut state = self.state.lock().unwrap();
        if state.refuse.contains(&call) {
            state.calls.push(format!("{call} (refused)"));
            return Err(refused(&call));
        }
        state.calls.push(call);
        Ok(state)
    }
}

fn launched(def: &Json) -> (&'static str, u64) {
    if def["script"] == "crash.js" {
        ("errored", 15)
    } else {
        ("online", 0)
    }
}

fn ids_text(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

impl Pm2 for FakePm2 {
    fn list(&self) -> Result<Vec<Process>, RuntimeError> {
        let takes = self.state.lock().unwrap().list_takes;
        if !takes.is_zero() {
            std::thread::sleep(takes);
        }
        let mut state = self.state.lock().unwrap();
        state.lists += 1;
        let (back, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut state.coming_back)
            .into_iter()
            .partition(|(_, lists)| *lists == 0);
        state.coming_back = waiting.into_iter().map(|(p, lists)| (p, lists - 1)).collect();
        state.procs.extend(back.into_iter().map(|(p, _)| p));
        Ok(state
            .procs
            .iter()
            .map(|p| {
                Process::from_json(&json!({
                    "name": p.def["name"],
                    "pm_id": p.pm_id,
                    "pm2_env": {
                        "status": p.status, "restart_time": p.restarts, "pm_uptime": p.started_at,
                        "pm_cwd": p.cwd, "env": p.def["env"],
                    },
                }))
            })
            .collect())
    }

    fn start(&self, apps: &[Json], dir: &Path) -> Result<Vec<u64>, RuntimeError> {
        let names: Vec<&str> = apps.iter().filter_map(|a| a["name"].as_str()).collect();
        let mut state = self.call(format!("start {}", names.join(",")))?;
        let mut ids = Vec::new();
        for app in apps {
            let pm_id = state.next_id;
            state.next_id += 1;
            let (status, restarts) = launched(app);
            let cwd = dir.join(app["cwd"].as_str().unwrap_or("."));
            state.procs.push(Proc {
                pm_id,
                def: app.clone(),
                cwd: pm2_clj_sync::scan::absolute(&cwd).to_string_lossy().into_owned(),
                status,
                restarts,
                started_at: crate::verify::now_ms(),
            });
            ids.push(pm_id);
            state.changed(&app["name"]);
        }
        Ok(ids)
    }

    fn restart(&self, how: Restart, app: &Json, _dir: &Path, ids: &[u64]) -> Result<(), RuntimeError> {
        let verb = if how == Restart::Reload {
            "reload"
        } else {
            "restart"
        };
        let mut state = self.call(format!("{verb} {}", ids_text(ids)))?;
        for p in state.procs.iter_mut().filter(|p| ids.contains(&p.pm_id)) {
            p.def = app.clone();
            (p.status, p.restarts) = launched(app);
            p.started_at = crate::verify::now_ms();
        }
        state.changed(&app["name"]);
        Ok(())
    }

    fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        let mut state = self.call(format!("stop {}", ids_text(ids)))?;
        let mut names = Vec::new();
        for p in state.procs.iter_mut().filter(|p| ids.contains(&p.pm_id)) {
            p.status = "stopped";
            names.push(p.def["name"].clone());
        }
        names.iter().for_each(|name| state.changed(name));
        Ok(())
    }

    fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        let mut state = self.call(format!("delete {}", ids_text(ids)))?;
        let gone: Vec<Json> = (state.procs.iter())
            .filter(|p| ids.contains(&p.pm_id))
            .map(|p| p.def["name"].clone())
            .collect();
        let (deleted, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut state.procs)
            .into_iter()
            .partition(|p| ids.contains(&p.pm_id));
        state.procs = kept;
        for mut p in deleted {
            let name = p.def["name"].as_str().unwrap_or_default().to_string();
            if let Some(at) = state.put_back.iter().position(|n| *n == name) {
                state.put_back.remove(at);
                p.status = "launching";
                state.coming_back.push((p, 1));
            }
        }
        gone.iter().for_each(|name| state.changed(name));
        Ok(())
    }

    fn module_conf(&self) -> Result<ModuleConf, RuntimeError> {
        Ok(ModuleConf(self.state.lock().unwrap().modules.clone()))
    }

    fn install(&self, name: &str) -> Result<(), RuntimeError> {
        let mut state = self.call(format!("install {name}"))?;
        state.modules["module-db-v2"][name] = json!({});
        // As pm2 records them: strings, and JSON's own booleans.
        let defaults = crate::rotate::DEFAULTS.iter().map(|(k, v)| {
            let value = v.parse::<bool>().map_or_else(|_| json!(v), |b| json!(b));
            (k.to_string(), value)
        });
        state.modules[name] = Json::Object(defaults.collect());
        Ok(())
    }

    fn set(&self, name: &str, key: &str, value: &str) -> Result<(), RuntimeError> {
        let mut state = self.call(format!("set {name}:{key} {value}"))?;
        state.modules[name][key] = json!(value);
        Ok(())
    }

    fn describe(&self) -> String {
        "a fake pm2".into()
    }

    fn changes(&self) -> Option<Box<dyn Changes>> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.state.lock().unwrap().subscribers.push(tx);
        Some(Box::new(FakeChanges(rx)))
    }

    fn feed(&self) -> Option<Box<dyn Feed>> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.state.lock().unwrap().feeds.push(tx);
        Some(Box::new(FakeFeed(rx)))
    }
}

/// A feed of the fake's changes and lines.
struct FakeFeed(Receiver<Heard>);

impl Feed for FakeFeed {
    fn next(&mut self, timeout: Duration) -> Result<Option<Heard>, RuntimeError> {
        match self.0.recv_timeout(timeout) {
            Ok(heard) => Ok(Some(heard)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(refused("feed")),
        }
    }
}

/// A subscription to the fake's changes.
struct FakeChanges(Receiver<String>);

impl Changes for FakeChanges {
    fn wait(&mut self, timeout: Duration) -> Result<Option<String>, RuntimeError> {
        match self.0.recv_timeout(timeout) {
            Ok(app) => Ok(Some(app)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(refused("changes")),
        }
    }
}

/// A reporter that keeps the notes.
#[derive(Default)]
pub struct Notes(Mutex<Vec<String>>);

impl Notes {
    /// The notes so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Reporter for Notes {
    fn report(&self, event: Event<'_>) {
        if let Event::Note(n) = event {
            self.0.lock().unwrap().push(n);
        }
    }
}
