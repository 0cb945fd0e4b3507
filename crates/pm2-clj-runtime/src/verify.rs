//! Proving that an app runs: every instance `online`, its restart count not growing
//! over a stability window (the app's `min_uptime`, PM2's 1 s by default), and its
//! `:health` check passing. A crash loop is caught at its first restart, whatever
//! `autorestart` says; an app that exits is caught by its status.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pm2_clj_sync::facts::Status;
use pm2_clj_sync::process::Process;
use pm2_dsl_emit::health::Health;

use crate::error::RuntimeError;
use crate::pm2::Pm2;

/// How often pm2's list is read while verifying.
const POLL: Duration = Duration::from_millis(100);
/// The time between two probes when the check does not say.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);
/// How many lines of the app's error log a failure shows.
const LOG_LINES: usize = 10;

/// Milliseconds since the epoch, as pm2 stamps `pm_uptime`.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// pm2's process list, read at most every `POLL` (100 ms) however many apps are verified at
/// once.
pub struct Monitor<'a> {
    pm2: &'a dyn Pm2,
    latest: Mutex<Option<(Instant, Arc<Vec<Process>>)>>,
}

impl<'a> Monitor<'a> {
    /// A monitor of `pm2`.
    pub fn new(pm2: &'a dyn Pm2) -> Monitor<'a> {
        Monitor {
            pm2,
            latest: Mutex::new(None),
        }
    }

    /// The driver.
    pub fn pm2(&self) -> &'a dyn Pm2 {
        self.pm2
    }

    /// A list at most `POLL` old.
    pub fn list(&self) -> Result<Arc<Vec<Process>>, RuntimeError> {
        let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, list)) = &*latest
            && at.elapsed() < POLL
        {
            return Ok(list.clone());
        }
        let list = Arc::new(self.pm2.list()?);
        *latest = Some((Instant::now(), list.clone()));
        Ok(list)
    }
}

/// What an app must show.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The app.
    pub app: String,
    /// How many processes it runs, when fixed.
    pub instances: Option<u64>,
    /// How long each process must stay up.
    pub window: Duration,
    /// Its health check.
    pub health: Option<Health>,
    /// Its folder (where a command check runs).
    pub cwd: PathBuf,
    /// When the action that (re)started it began, in ms since the epoch: processes
    /// started before are the old ones.
    pub since: u64,
    /// Whether its processes are new (their restart count starts at 0).
    pub fresh: bool,
}

/// An app that proved itself.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The app.
    pub app: String,
    /// How many processes are online.
    pub instances: usize,
    /// The stability window they stayed up for.
    pub window: Duration,
    /// The health check it passed, if it has one (`http`, `tcp`, `command`).
    pub check: Option<&'static str>,
    /// How long the proof took.
    pub took: Duration,
}

/// An app that did not.
#[derive(Clone, Debug)]
pub struct Unhealthy {
    /// The app.
    pub app: String,
    /// Which check failed: `online`, `stability`, `http`, `tcp` or `command`.
    pub check: &'static str,
    /// What was seen.
    pub saw: String,
    /// The last lines of the app's error log.
    pub log: Vec<String>,
    /// What to do.
    pub help: String,
}

/// Watches `expect.app` until it proves itself or `deadline` passes.
pub fn verify(monitor: &Monitor, expect: &Expect, deadline: Instant) -> Result<Verified, Unhealthy> {
    let started = Instant::now();
    let deadline = match expect.health.as_ref().and_then(|h| h.timeout) {
        Some(timeout) => deadline.min(started + timeout),
        None => deadline,
    };
    let interval = expect
        .health
        .as_ref()
        .and_then(|h| h.interval)
        .unwrap_or(DEFAULT_INTERVAL);
    let grace = expect.health.as_ref().and_then(|h| h.grace).unwrap_or_default();
    let mut baseline: HashMap<u64, u64> = HashMap::new();
    let mut online_since: Option<Instant> = None;
    let mut healthy = expect.health.is_none();
    let mut last_probe: Option<Instant> = None;
    let mut waiting_for = String::from("not started yet");
    let mut err_log = None;
    let fail = |check: &'static str, saw: String, err_log: Option<PathBuf>, help: &str| Unhealthy {
        app: expect.app.clone(),
        check,
        saw,
        log: err_log
            .map(|p| crate::logs::tail(&p, LOG_LINES))
            .unwrap_or_default(),
        help: help.to_string(),
    };
    loop {
        let list = match monitor.list() {
            Ok(list) => list,
            Err(e) => {
                return Err(fail(
                    "online",
                    e.to_string(),
                    err_log,
                    "check that pm2 answers: `pm2 ping`",
                ));
            }
        };
        let procs: Vec<&Process> = list.iter().filter(|p| p.name == expect.app).collect();
        if let Some(p) = procs.first() {
            err_log = p.err_log.clone();
        }
        let now = now_ms();
        let mut all_online = !procs.is_empty();
        let mut all_stable = true;
        for p in &procs {
            if matches!(
                p.status,
                Status::Errored | Status::Stopped | Status::OneLaunch | Status::WaitingRestart
            ) && p.started_at >= expect.since
            {
                let saw = format!("{} after {} restart(s)", p.status.as_str(), p.restarts);
                return Err(fail(
                    "stability",
                    saw,
                    err_log,
                    "it exits as soon as it starts; its error log above says why",
                ));
            }
            if p.status != Status::Online || p.started_at < expect.since {
                all_online = false;
                waiting_for = format!("status {}", p.status.as_str());
                continue;
            }
            let base = *baseline
                .entry(p.pm_id)
                .or_insert(if expect.fresh { 0 } else { p.restarts });
            if p.restarts > base {
                let saw = format!("restart count grew from {base} to {}", p.restarts);
                return Err(fail(
                    "stability",
                    saw,
                    err_log,
                    "it crashes and pm2 restarts it; its error log above says why",
                ));
            }
            if now.saturating_sub(p.started_at) < expect.window.as_millis() as u64 {
                all_stable = false;
                waiting_for = format!("up for less than {}ms", expect.window.as_millis());
            }
        }
        if let Some(n) = expect.instances
            && procs.len() as u64 != n
        {
            all_online = false;
            waiting_for = format!("{} of {n} instances", procs.len());
        }
        if !all_online {
            online_since = None;
        } else if online_since.is_none() {
            online_since = Some(Instant::now());
        }
        if let (Some(health), Some(since)) = (&expect.health, online_since)
            && !healthy
            && since.elapsed() >= grace
            && last_probe.is_none_or(|t| t.elapsed() >= interval)
        {
            last_probe = Some(Instant::now());
            let budget = deadline
                .saturating_duration_since(Instant::now())
                .max(POLL)
                .min(Duration::from_secs(5));
            match crate::probe::ask(&health.probe, &expect.cwd, budget) {
                Ok(()) => healthy = true,
                Err(saw) => waiting_for = saw,
            }
        }
        if all_online && all_stable && healthy {
            return Ok(Verified {
                app: expect.app.clone(),
                instances: procs.len(),
                window: expect.window,
                check: expect.health.as_ref().map(|h| h.probe.kind()),
                took: started.elapsed(),
            });
        }
        if Instant::now() >= deadline {
            let (check, help) = match (&expect.health, all_online && all_stable) {
                (Some(h), true) => (
                    h.probe.kind(),
                    "it runs but does not pass its :health check; check the check and the app's log",
                ),
                _ => (
                    "online",
                    "it did not come up in time; pass a longer --wait if it starts slowly",
                ),
            };
            let took = started.elapsed().as_secs_f64();
            return Err(fail(
                check,
                format!("{waiting_for} after {took:.1}s"),
                err_log,
                help,
            ));
        }
        std::thread::sleep(POLL);
    }
}

impl std::fmt::Display for Unhealthy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.check {
            "online" => "did not come online".to_string(),
            "stability" => "did not stay up".to_string(),
            "deleted" => "was not deleted".to_string(),
            check => format!("did not pass its {check} check"),
        };
        write!(f, "{} {what}: {}", self.app, self.saw)?;
        if !self.log.is_empty() {
            write!(f, "\nthe last lines of its error log:")?;
            for line in &self.log {
                write!(f, "\n  | {line}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Unhealthy {}

impl miette::Diagnostic for Unhealthy {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("runtime::unhealthy"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}
