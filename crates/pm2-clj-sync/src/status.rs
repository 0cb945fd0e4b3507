//! The status view: for each app the sources define, what pm2 runs (status, pid,
//! uptime, restarts, cpu, memory), whether pm2-clj owns it, and how it drifts from its
//! source — read off the same plan `sync` would make, so the two never disagree.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::conflict::Conflict;
use crate::desired::SourceState;
use crate::facts::Status;
use crate::plan::{ActionKind, Plan, PlanOptions, plan};
use crate::process::Process;
use crate::scan::Scope;

/// How an app differs from its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drift {
    /// It runs its source's definition.
    InSync,
    /// Its definition changed; `sync` would reload it.
    WouldReload,
    /// Its definition changed in a way a reload does not apply, or it runs another
    /// number of instances; `sync` would delete and start it again.
    WouldRecreate,
    /// It is in pm2's list but not running.
    NotRunning,
    /// pm2 does not have it.
    Missing,
    /// Its source no longer defines it; `sync` would delete it.
    WouldDelete,
    /// An app of that name runs that pm2-clj did not start.
    NotOwned,
    /// It was started from another source.
    OwnedElsewhere,
    /// Two sources define it.
    ClaimedTwice,
}

impl Drift {
    /// How it is shown.
    pub fn text(self) -> &'static str {
        match self {
            Drift::InSync => "in sync",
            Drift::WouldReload => "would reload",
            Drift::WouldRecreate => "would recreate",
            Drift::NotRunning => "not running",
            Drift::Missing => "missing",
            Drift::WouldDelete => "would delete",
            Drift::NotOwned => "not owned",
            Drift::OwnedElsewhere => "owned elsewhere",
            Drift::ClaimedTwice => "claimed twice",
        }
    }
}

/// One look at pm2 against the sources: what a live view (`top`) shows, as the runtime
/// reads it.
#[derive(Clone, Debug, Default)]
pub struct Look {
    /// The apps of the sources, as `status` shows them.
    pub apps: Vec<AppStatus>,
    /// Every process pm2 has.
    pub processes: Vec<Process>,
    /// The apps in a crash loop, told over the looks so far.
    pub crash_loops: BTreeSet<String>,
    /// The sources that do not load, and why (the first problem).
    pub failed_sources: Vec<(PathBuf, String)>,
    /// When pm2 was listed, in milliseconds since the epoch.
    pub at: u64,
    /// How long listing pm2 took.
    pub list_took: Duration,
}

/// A line an app wrote, heard on pm2's bus.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// The app.
    pub app: String,
    /// Whether it is from standard error.
    pub error: bool,
    /// The line.
    pub text: String,
}

/// One app's line.
#[derive(Clone, Debug)]
pub struct AppStatus {
    /// The app.
    pub app: String,
    /// The source that defines (or defined) it.
    pub source: PathBuf,
    /// Its processes in pm2.
    pub processes: Vec<Process>,
    /// Whether pm2-clj started them.
    pub owned: bool,
    /// Whether they are in a crash loop (see [`crate::liveness`]).
    pub crash_loop: bool,
    /// How it differs from its source.
    pub drift: Drift,
}

/// What an app's processes add up to, as `status` and `top` show it: one rule for both.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// `-` when pm2 does not have it, `crash-loop` when it is in one, pm2's status
    /// (`online x4` for several processes that agree, `mixed` when they do not).
    pub status: String,
    /// The first pid among its processes.
    pub pid: Option<u32>,
    /// How long its most recently started online process has run, in milliseconds.
    pub uptime_ms: Option<u64>,
    /// The sum of its processes' restarts.
    pub restarts: u64,
    /// The sum of its processes' CPU use, in percent.
    pub cpu: f64,
    /// The sum of its processes' memory, in bytes.
    pub memory: u64,
}

impl Summary {
    /// The summary of the processes `procs` of one app (`crash_loop`: it is in one), at
    /// `now` (milliseconds since the epoch).
    pub fn of(procs: &[Process], crash_loop: bool, now: u64) -> Summary {
        let status = match procs.first() {
            None => "-".to_string(),
            Some(_) if crash_loop => "crash-loop".to_string(),
            Some(first) if procs.iter().all(|p| p.status == first.status) && procs.len() > 1 => {
                format!("{} x{}", first.status.as_str(), procs.len())
            }
            Some(_) if procs.len() > 1 => "mixed".to_string(),
            Some(first) => first.status.as_str().to_string(),
        };
        Summary {
            status,
            pid: procs.iter().find_map(|p| p.pid),
            uptime_ms: (procs.iter())
                .filter(|p| p.status == Status::Online)
                .map(|p| now.saturating_sub(p.started_at))
                .min(),
            restarts: procs.iter().map(|p| p.restarts).sum(),
            cpu: procs.iter().fold(0.0, |sum, p| sum + p.cpu),
            memory: procs.iter().map(|p| p.memory).sum(),
        }
    }
}

/// A duration in milliseconds as `5s`, `3m`, `2h` or `4d`.
pub fn age(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// A size in bytes as megabytes with one decimal (`12.3MB`).
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1}MB", bytes as f64 / 1_048_576.0)
}

impl AppStatus {
    /// What its processes add up to at `now` (milliseconds since the epoch).
    pub fn summary(&self, now: u64) -> Summary {
        Summary::of(&self.processes, self.crash_loop, now)
    }
}

/// The status of every app `states` define (and of owned apps their sources no longer
/// define), in source order; the apps named in `crash_loops` are in a crash loop.
pub fn status(
    states: &[SourceState],
    running: &[Process],
    crash_loops: &BTreeSet<String>,
    scope: &Scope,
) -> (Vec<AppStatus>, Plan) {
    let plan = plan(states, running, scope, PlanOptions::default());
    let processes =
        |app: &str| -> Vec<Process> { running.iter().filter(|p| p.name == app).cloned().collect() };
    let mut rows = Vec::new();
    for d in states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| &p.desired)
    {
        if rows.iter().any(|r: &AppStatus| r.app == d.name) {
            continue;
        }
        let conflict = plan.conflicts.iter().find(|c| c.app() == d.name);
        let action = plan.actions.iter().find(|a| a.app == d.name);
        let drift = match (conflict, action.map(|a| (a.kind, a.pm_ids.is_empty()))) {
            (Some(Conflict::NotOwned { .. }), _) => Drift::NotOwned,
            (Some(Conflict::OwnedElsewhere { .. }), _) => Drift::OwnedElsewhere,
            (Some(Conflict::ClaimedTwice { .. }), _) => Drift::ClaimedTwice,
            (None, Some((ActionKind::Start, true))) => Drift::Missing,
            (None, Some((ActionKind::Start, false))) => Drift::NotRunning,
            (None, Some((ActionKind::Reload | ActionKind::Restart, _))) => Drift::WouldReload,
            (None, Some((ActionKind::Recreate, _))) => Drift::WouldRecreate,
            (None, Some((ActionKind::Stop | ActionKind::Delete, _))) => Drift::WouldDelete,
            (None, None) => Drift::InSync,
        };
        let procs = processes(&d.name);
        rows.push(AppStatus {
            owned: !procs.is_empty() && procs.iter().all(|p| p.markers.is_some()),
            crash_loop: crash_loops.contains(&d.name),
            app: d.name.clone(),
            source: d.source.clone(),
            processes: procs,
            drift,
        });
    }
    for a in plan.actions.iter().filter(|a| a.kind == ActionKind::Delete) {
        rows.push(AppStatus {
            app: a.app.clone(),
            source: a.source.clone(),
            processes: processes(&a.app),
            owned: true,
            crash_loop: crash_loops.contains(&a.app),
            drift: Drift::WouldDelete,
        });
    }
    (rows, plan)
}
