//! Proving that an app runs: every instance `online`, its restart count not growing
//! over a stability window (the app's `min_uptime`, PM2's 1 s by default), and its
//! `:health` check passing. A crash loop is caught at its first restart, whatever
//! `autorestart` says; an app that exits is caught by its status.
//!
//! The window counts from when the process has *started*, not from when pm2 spawned it:
//! on a loaded machine an interpreter may take longer than `min_uptime` to boot, and an
//! app that exits 200 ms after its script runs would otherwise pass. A process has
//! started once it goes quiet (its CPU time and its time waiting for a CPU, read from
//! `/proc`, grow by less than [`QUIET_SHARE`] of a CPU for [`IDLE`]: the boot is done
//! and the script waits on something; a process starved of CPU is not quiet, it is still
//! booting), or once it has used
//! [`BUSY_CPU`] of CPU time (a busy script), or [`BOOT_CAP`] after pm2 reported it online;
//! where `/proc` cannot be read, when it was first seen online. Just before an app is
//! reported stable, pm2 is listed once more and its pids and restart counts must not
//! have changed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pm2_clj_sync::facts::Status;
use pm2_clj_sync::process::Process;
use pm2_dsl_emit::health::Health;

use crate::monitor::{Monitor, POLL};

/// The time between two probes when the check does not say.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);
/// How many lines of the app's error log a failure shows.
const LOG_LINES: usize = 10;
/// How long a process must stay quiet for it to count as started.
pub const IDLE: Duration = Duration::from_millis(150);
/// The share of one CPU under which a process is quiet: booting takes all it can get;
/// an app that waits (on a timer, a socket, a health check's requests) takes far less.
pub const QUIET_SHARE: f64 = 0.1;
/// How much CPU time a busy process must have used to count as started.
pub const BUSY_CPU: Duration = Duration::from_millis(300);
/// The longest a process may take to start, counted from when it is first seen online.
pub const BOOT_CAP: Duration = Duration::from_secs(5);

/// The CPU time process `pid` has used, and the time it has waited for a CPU while
/// runnable, when the system says (`/proc`, on Linux; without schedstat, no wait).
fn cpu_time(pid: u32) -> Option<(Duration, Duration)> {
    // schedstat counts nanoseconds exactly; stat counts clock ticks (1/100 s).
    if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/schedstat")) {
        let mut fields = text.split_whitespace().map(|n| n.parse().ok());
        if let (Some(Some(ran)), Some(Some(waited))) = (fields.next(), fields.next()) {
            return Some((Duration::from_nanos(ran), Duration::from_nanos(waited)));
        }
    }
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((Duration::from_millis(ticks * 10), Duration::ZERO))
}

/// When one process started, as far as seen so far.
#[derive(Clone, Copy, Debug)]
struct Boot {
    pid: Option<u32>,
    /// When it was first seen online.
    online: Instant,
    /// Its CPU time plus its time waiting for a CPU at the last look, and when that was.
    last: Option<(Duration, Instant)>,
    /// Since when it has been quiet (under [`QUIET_SHARE`] of a CPU at every look).
    quiet_since: Option<Instant>,
    /// When it started, once known.
    started: Option<Instant>,
}

impl Boot {
    fn new(pid: Option<u32>) -> Boot {
        Boot {
            pid,
            online: Instant::now(),
            last: None,
            quiet_since: None,
            started: None,
        }
    }

    /// Looks at the process again; returns when it started, once that is known.
    fn look(&mut self) -> Option<Instant> {
        if self.started.is_some() {
            return self.started;
        }
        let now = Instant::now();
        let Some((used, waited)) = self.pid.and_then(cpu_time) else {
            self.started = Some(self.online);
            return self.started;
        };
        if used >= BUSY_CPU {
            self.started = Some(now);
            return self.started;
        }
        let wanted = used + waited;
        if let Some((before, at)) = self.last {
            let wall = now.duration_since(at).as_secs_f64();
            let quiet = wall > 0.0 && wanted.saturating_sub(before).as_secs_f64() < QUIET_SHARE * wall;
            self.quiet_since = match (quiet, self.quiet_since) {
                (false, _) => None,
                (true, None) => Some(at),
                (true, since) => since,
            };
        }
        self.last = Some((wanted, now));
        self.started = self
            .quiet_since
            .filter(|since| now.duration_since(*since) >= IDLE)
            .or_else(|| (now.duration_since(self.online) >= BOOT_CAP).then_some(now));
        self.started
    }
}

/// Milliseconds since the epoch, as pm2 stamps `pm_uptime`.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
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

/// An app that was meant to stop or go, and did.
#[derive(Clone, Debug)]
pub struct Down {
    /// The app.
    pub app: String,
    /// `stopped` or `deleted`.
    pub state: &'static str,
    /// How many processes it had.
    pub processes: usize,
    /// How long it took.
    pub took: Duration,
}

/// An app a rollback could not restore, and the state pm2 shows it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Left {
    /// The app.
    pub app: String,
    /// What pm2 shows of it: `not in pm2`, `online (the failed definition)`, ...
    pub state: String,
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
    let mut boots: HashMap<u64, Boot> = HashMap::new();
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
        let mark = monitor.mark();
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
        if procs.is_empty() && !boots.is_empty() {
            // It was seen running, and pm2 no longer has it (deleted by hand, or pm2
            // itself went away): waiting for it would only run out the clock.
            return Err(fail(
                "online",
                "gone from pm2's list after it started (deleted, or pm2 went away)".to_string(),
                err_log,
                "check `pm2 list`; a sync or the next watch round starts it again",
            ));
        }
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
            let boot = boots
                .entry(p.pm_id)
                .and_modify(|b| {
                    if b.pid != p.pid {
                        *b = Boot::new(p.pid);
                    }
                })
                .or_insert_with(|| Boot::new(p.pid));
            let up = boot.look().map(|started| started.elapsed());
            if up.is_none_or(|up| up < expect.window) {
                all_stable = false;
                waiting_for = match up {
                    None => "starting".to_string(),
                    Some(_) => format!("up for less than {}ms", expect.window.as_millis()),
                };
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
            // One more look, not through the shared list: the same processes, not
            // restarted meanwhile.
            let again = monitor.fresh().map_err(|e| {
                fail(
                    "online",
                    e.to_string(),
                    err_log.clone(),
                    "check that pm2 answers: `pm2 ping`",
                )
            })?;
            let changed = procs.iter().find(|p| {
                !again.iter().any(|q| {
                    q.pm_id == p.pm_id
                        && q.pid == p.pid
                        && q.restarts == p.restarts
                        && q.status == Status::Online
                })
            });
            if let Some(p) = changed {
                let now = again.iter().find(|q| q.pm_id == p.pm_id);
                let saw = match now {
                    Some(q) if q.restarts > p.restarts => {
                        format!("restart count grew from {} to {}", p.restarts, q.restarts)
                    }
                    Some(q) => format!("{} after {} restart(s)", q.status.as_str(), q.restarts),
                    None => "gone from pm2's list".to_string(),
                };
                return Err(fail(
                    "stability",
                    saw,
                    err_log,
                    "it crashes and pm2 restarts it; its error log above says why",
                ));
            }
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
        monitor.pause(&expect.app, mark, POLL);
    }
}

impl std::fmt::Display for Unhealthy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.check {
            "online" => "did not come online".to_string(),
            "stability" => "did not stay up".to_string(),
            "deleted" => "was not deleted".to_string(),
            "stopped" => "did not stop".to_string(),
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
