//! Carrying out actions as transactions: each [`Unit`] (one source's actions, or a verb's
//! apps) runs its actions in order, recording how to undo each; then verifies every app
//! it started or changed. When an action or a verification fails, the unit is rolled
//! back (unless told not to): the undo steps run last-first, a step that fails is
//! reported and the others still run, and the restored apps are verified again. A unit
//! that verifies records its apps as the last good definitions.
//!
//! Units run side by side (apps start concurrently); a unit that deletes apps to start
//! them again (`-/+`) holds the downtime token, so at most one unit's apps are down at a
//! time.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pm2_clj_sync::plan::{Action, ActionKind};
use pm2_dsl_emit::health::Health;
use serde_json::Value as Json;

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::generated::Generated;
use crate::monitor::Monitor;
use crate::pm2::{Pm2, Restart};
use crate::secrets::{Redacting, Secrets};
use crate::verify::{Down, Expect, Left, Unhealthy, now_ms, verify};
use pm2_clj_sync::facts::Status;
use pm2_clj_sync::process::Process;

/// How many units run at once: enough that a tree's apps are being started while the
/// first ones are watched for stability, so the windows overlap the spawning rather than
/// follow it; few enough (with [`ACTIONS_AT_ONCE`], 128 calls) that a call queued in
/// pm2's daemon, which spawns one process at a time, is answered within its timeout.
const PARALLEL: usize = 16;

/// One app of a unit, as pm2 should run it.
#[derive(Clone, Debug)]
pub struct UnitApp {
    /// The app object for pm2 (markers included).
    pub json: Json,
    /// Its health check.
    pub health: Option<Health>,
    /// How long it must stay up to count as stable.
    pub window: Duration,
    /// How many processes it runs, when fixed.
    pub instances: Option<u64>,
    /// Whether pm2 runs it (`autostart`).
    pub autostart: bool,
    /// Its folder.
    pub cwd: PathBuf,
}

impl UnitApp {
    fn name(&self) -> &str {
        self.json["name"].as_str().unwrap_or_default()
    }
}

/// One transaction.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The source.
    pub source: PathBuf,
    /// The folder relative paths resolve against (the source's).
    pub dir: PathBuf,
    /// The source's apps (those the actions start or change among them).
    pub apps: Vec<UnitApp>,
    /// What to do, in order.
    pub actions: Vec<Action>,
    /// Where its generated files are.
    pub generated: Generated,
    /// What its source marks secret, kept out of its errors and checks.
    pub secrets: Secrets,
    /// The folder of its apps' logs (`:logs {:dir ...}`), made before an app starts.
    pub log_dir: Option<PathBuf>,
}

/// How to apply.
#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions {
    /// Undo a unit whose changes do not verify.
    pub rollback: bool,
    /// The longest verification may take, for the whole run.
    pub wait: Duration,
}

/// What became of a unit.
#[derive(Debug, Default)]
pub struct UnitOutcome {
    /// The source.
    pub source: PathBuf,
    /// Actions pm2 refused, and undo steps that failed.
    pub errors: Vec<RuntimeError>,
    /// Apps that did not verify.
    pub unhealthy: Vec<Unhealthy>,
    /// Whether it was rolled back.
    pub rolled_back: bool,
    /// After a rollback, whether it restored everything: every undo step ran and the
    /// restored apps verified.
    pub restored: Option<bool>,
    /// After a rollback, the apps whose undo step failed, and the state each is left in.
    pub left: Vec<Left>,
}

impl UnitOutcome {
    /// Whether everything applied and verified.
    pub fn succeeded(&self) -> bool {
        self.errors.is_empty() && self.unhealthy.is_empty()
    }
}

/// How to undo one step.
#[derive(Debug)]
enum Undo {
    /// A new app was started: delete it.
    Delete { app: String, ids: Vec<u64> },
    /// Stopped processes were started: stop them again.
    Stop { app: String, ids: Vec<u64> },
    /// An app was reloaded or restarted with a new definition: give it the last good one.
    Restore {
        app: String,
        ids: Vec<u64>,
        how: Restart,
    },
    /// An app was deleted and started again: delete the new one, start the last good one.
    Recreate { app: String, ids: Vec<u64> },
    /// An app was deleted: start its last good definition.
    Start { app: String },
}

/// Applies `units`, reporting as it goes.
pub fn apply(
    monitor: &Monitor,
    units: Vec<Unit>,
    options: ApplyOptions,
    reporter: &dyn Reporter,
) -> Vec<UnitOutcome> {
    let deadline = Instant::now() + options.wait;
    let queue = Mutex::new(units.into_iter().enumerate().collect::<VecDeque<_>>());
    let downtime = Mutex::new(());
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    // Taken in a statement of its own: a guard in a `while let` head would
                    // be held for the whole body and run the units one at a time.
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                    let Some((i, unit)) = next else { break };
                    let recreates = unit.actions.iter().any(|a| a.kind == ActionKind::Recreate);
                    let _token = recreates.then(|| downtime.lock().unwrap_or_else(|p| p.into_inner()));
                    let outcome = run_unit(monitor, &unit, options, deadline, reporter);
                    outcomes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, outcome));
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap_or_else(|p| p.into_inner());
    outcomes.sort_by_key(|(i, _)| *i);
    outcomes.into_iter().map(|(_, o)| o).collect()
}

/// How many actions of one unit run at once.
const ACTIONS_AT_ONCE: usize = 8;

/// One action carried out: how to undo what it did (even when it failed half-way),
/// what to verify, and how it went.
struct Step {
    undo: Vec<Undo>,
    check: Option<Check>,
    result: Result<(), RuntimeError>,
}

/// Carries out one action of `unit`.
fn execute(pm2: &dyn Pm2, unit: &Unit, action: &Action, reporter: &dyn Reporter) -> Step {
    reporter.report(Event::Started(action.clone()));
    let since = now_ms();
    let app = unit.apps.iter().find(|a| a.name() == action.app);
    let ids = action.pm_ids.clone();
    let name = action.app.clone();
    let mut undo = Vec::new();
    let result = (|| -> Result<(), RuntimeError> {
        let json = || {
            app.map(|a| &a.json).ok_or_else(|| {
                RuntimeError::from(RuntimeErrorKind::Pm2Failed {
                    action: action.kind.verb().to_string(),
                    message: format!("{name} has no definition in {}", unit.source.display()),
                })
            })
        };
        match action.kind {
            ActionKind::Start if ids.is_empty() => {
                let new = pm2.start(std::slice::from_ref(json()?), &unit.dir)?;
                undo.push(Undo::Delete {
                    app: name.clone(),
                    ids: new,
                });
            }
            ActionKind::Start => {
                pm2.restart(Restart::Restart, json()?, &unit.dir, &ids)?;
                undo.push(Undo::Stop {
                    app: name.clone(),
                    ids: ids.clone(),
                });
            }
            ActionKind::Reload | ActionKind::Restart => {
                let how = if action.kind == ActionKind::Reload {
                    Restart::Reload
                } else {
                    Restart::Restart
                };
                pm2.restart(how, json()?, &unit.dir, &ids)?;
                undo.push(Undo::Restore {
                    app: name.clone(),
                    ids: ids.clone(),
                    how,
                });
            }
            ActionKind::Recreate => {
                delete_for_good(pm2, &ids)?;
                undo.push(Undo::Start { app: name.clone() });
                let new = pm2.start(std::slice::from_ref(json()?), &unit.dir)?;
                undo.pop();
                undo.push(Undo::Recreate {
                    app: name.clone(),
                    ids: new,
                });
            }
            ActionKind::Stop => pm2.stop(&ids)?,
            ActionKind::Delete => {
                delete_for_good(pm2, &ids)?;
                undo.push(Undo::Start { app: name.clone() });
            }
        }
        Ok(())
    })();
    let check = match &result {
        Ok(()) => {
            reporter.report(Event::Done(action.clone()));
            let fresh = action.kind == ActionKind::Recreate
                || (action.kind == ActionKind::Start && action.pm_ids.is_empty());
            if action.kind == ActionKind::Delete {
                Some(Check::gone(&name, since, ids.len()))
            } else if action.kind == ActionKind::Stop {
                Some(Check {
                    want: Want::Stopped,
                    ..Check::gone(&name, since, ids.len())
                })
            } else if action.kind.starts() && app.is_some_and(|a| a.autostart) {
                Some(Check::running(&name, since, fresh))
            } else {
                None
            }
        }
        Err(e) => {
            reporter.report(Event::Failed(action.clone(), e.clone()));
            None
        }
    };
    Step { undo, check, result }
}

/// What to verify after a step.
struct Check {
    app: String,
    since: u64,
    fresh: bool,
    /// What the app should be.
    want: Want,
    /// How many processes it had before the action.
    processes: usize,
}

/// What a checked app should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// Online, stable and healthy.
    Running,
    /// In pm2's list, every process stopped.
    Stopped,
    /// Out of pm2's list.
    Gone,
}

impl Check {
    fn running(app: &str, since: u64, fresh: bool) -> Check {
        Check {
            app: app.to_string(),
            since,
            fresh,
            want: Want::Running,
            processes: 0,
        }
    }

    fn gone(app: &str, since: u64, processes: usize) -> Check {
        Check {
            app: app.to_string(),
            since,
            fresh: false,
            want: Want::Gone,
            processes,
        }
    }
}

/// What an app must show: its definition in the unit, or for an app the unit no longer
/// defines (restored by a rollback), pm2's defaults.
fn expectations(unit: &Unit, app: &str) -> (Option<u64>, Duration, Option<Health>, PathBuf) {
    match unit.apps.iter().find(|a| a.name() == app) {
        Some(a) => (a.instances, a.window, a.health.clone(), a.cwd.clone()),
        None => (
            None,
            Duration::from_millis(pm2_clj_sync::facts::DEFAULT_MIN_UPTIME_MS),
            None,
            unit.dir.clone(),
        ),
    }
}

fn run_unit(
    monitor: &Monitor,
    unit: &Unit,
    options: ApplyOptions,
    deadline: Instant,
    reporter: &dyn Reporter,
) -> UnitOutcome {
    let mut outcome = UnitOutcome {
        source: unit.source.clone(),
        ..UnitOutcome::default()
    };
    // The actions of a unit are on different apps, so they run side by side; each
    // action's undo steps are kept by its place in the plan, and undone last-first.
    let pm2 = Redacting {
        pm2: monitor.pm2(),
        secrets: &unit.secrets,
    };
    if let Err(e) = make_log_dir(unit) {
        reporter.report(Event::Note(format!(
            "{e}: {} is left as it runs",
            unit.source.display()
        )));
        outcome.errors.push(e);
        return outcome;
    }
    let steps: Vec<Mutex<Option<Step>>> = unit.actions.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..ACTIONS_AT_ONCE.min(unit.actions.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(action) = unit.actions.get(i) else { break };
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let step = execute(&pm2, unit, action, reporter);
                    if step.result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    *steps[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(step);
                }
            });
        }
    });
    let mut undo: Vec<Undo> = Vec::new();
    let mut checks: Vec<Check> = Vec::new();
    for step in steps
        .into_iter()
        .filter_map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner()))
    {
        undo.extend(step.undo);
        checks.extend(step.check);
        if let Err(e) = step.result {
            outcome.errors.push(e);
        }
    }
    if outcome.errors.is_empty() {
        outcome.unhealthy = check_all(monitor, unit, &checks, deadline, reporter);
    }
    if outcome.succeeded() {
        record_last_good(unit, &mut outcome, reporter);
        return outcome;
    }
    if !options.rollback || undo.is_empty() {
        return outcome;
    }
    // A source removed while its change ran has nothing to go back to: its last good
    // definitions went with its folder, or would be deleted with it. The next round
    // finds it gone and deletes its apps.
    if !unit.source.exists() {
        reporter.report(Event::Note(format!(
            "{} went while its change was verified: its apps are left to the next round",
            unit.source.display()
        )));
        return outcome;
    }
    reporter.report(Event::RollingBack {
        source: unit.source.clone(),
    });
    outcome.rolled_back = true;
    let restored = roll_back(&pm2, unit, undo, &mut outcome, reporter);
    let unhealthy = check_all(
        monitor,
        unit,
        &restored,
        Instant::now() + restore_wait(options),
        reporter,
    );
    outcome.left = left_behind(monitor, &outcome.left);
    outcome.restored = Some(unhealthy.is_empty() && outcome.left.is_empty());
    reporter.report(Event::RolledBack {
        source: unit.source.clone(),
        healthy: unhealthy.is_empty(),
        left: outcome.left.clone(),
    });
    outcome
}

/// The state pm2 shows the apps of `failed` in (their undo failed).
fn left_behind(monitor: &Monitor, failed: &[Left]) -> Vec<Left> {
    let list = monitor.fresh();
    failed
        .iter()
        .map(|f| {
            let state = match &list {
                Err(e) => format!("unknown: pm2 does not answer ({e})"),
                Ok(list) => {
                    let statuses: Vec<&str> = (list.iter())
                        .filter(|p| p.name == f.app)
                        .map(|p| p.status.as_str())
                        .collect();
                    match statuses.first() {
                        None => "not in pm2 (deleted)".to_string(),
                        Some(first) => format!("{first} ({} process(es), {})", statuses.len(), f.state),
                    }
                }
            };
            Left {
                app: f.app.clone(),
                state,
            }
        })
        .collect()
}

/// Makes the folder of the unit's logs when one of its actions starts an app, as
/// `:logs {:dir ...}` promises (pm2 7 makes a missing log folder itself; pm2-clj does
/// not count on it, and a folder that cannot be made is reported as pm2-clj's error,
/// before pm2 is asked).
fn make_log_dir(unit: &Unit) -> Result<(), RuntimeError> {
    match &unit.log_dir {
        Some(dir) if unit.actions.iter().any(|a| a.kind.starts()) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                RuntimeError::from(RuntimeErrorKind::WriteFile {
                    path: dir.clone(),
                    reason: e.to_string(),
                })
            })
        }
        _ => Ok(()),
    }
}

/// The time a restored state gets to verify.
fn restore_wait(options: ApplyOptions) -> Duration {
    options.wait.min(Duration::from_secs(30))
}

/// Verifies the apps `checks` name, side by side; reports each result.
fn check_all(
    monitor: &Monitor,
    unit: &Unit,
    checks: &[Check],
    deadline: Instant,
    reporter: &dyn Reporter,
) -> Vec<Unhealthy> {
    let unhealthy = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for check in checks {
            let unhealthy = &unhealthy;
            s.spawn(move || {
                let result = if check.want != Want::Running {
                    verify_down(monitor, check, deadline).map(|v| reporter.report(Event::Down(v)))
                } else {
                    let (instances, window, health, cwd) = expectations(unit, &check.app);
                    let expect = Expect {
                        app: check.app.clone(),
                        instances,
                        window,
                        health,
                        cwd,
                        since: check.since,
                        fresh: check.fresh,
                    };
                    verify(monitor, &expect, deadline).map(|v| reporter.report(Event::Verified(v)))
                };
                if let Err(bad) = result {
                    let bad = unit.secrets.unhealthy(bad);
                    reporter.report(Event::Unhealthy(bad.clone()));
                    unhealthy.lock().unwrap_or_else(|p| p.into_inner()).push(bad);
                }
            });
        }
    });
    unhealthy.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// Waits until no process of `app` is left (`Want::Gone`), or every one is stopped.
fn verify_down(monitor: &Monitor, check: &Check, deadline: Instant) -> Result<Down, Unhealthy> {
    let (app, want) = (check.app.as_str(), check.want);
    let started = Instant::now();
    let state = match want {
        Want::Stopped => "stopped",
        _ => "deleted",
    };
    let unhealthy = |saw: String| Unhealthy {
        app: app.to_string(),
        check: state,
        saw,
        log: Vec::new(),
        help: "check `pm2 list`".into(),
    };
    loop {
        let mark = monitor.mark();
        let list = monitor.list().map_err(|e| unhealthy(e.to_string()))?;
        let procs: Vec<_> = list.iter().filter(|p| p.name == app).collect();
        let left = match want {
            Want::Stopped => procs.iter().filter(|p| p.status != Status::Stopped).count(),
            _ => procs.len(),
        };
        if left == 0 {
            return Ok(Down {
                app: app.to_string(),
                state,
                processes: check.processes,
                took: started.elapsed(),
            });
        }
        if Instant::now() >= deadline {
            let what = if want == Want::Stopped {
                "still running"
            } else {
                "still in pm2's list"
            };
            return Err(unhealthy(format!("{left} process(es) {what}")));
        }
        monitor.pause(app, mark, Duration::from_millis(100));
    }
}

/// How many times pm2-clj asks pm2 to delete processes it still lists.
const DELETE_TRIES: usize = 4;
/// How long pm2-clj waits for a deleted process to leave pm2's list before asking again.
const DELETE_SETTLE: Duration = Duration::from_millis(750);
/// How long a process pm2 may start again by itself ([`may_come_back`]) must stay out of
/// pm2's list before its delete counts: when its restart timer fired just before the
/// delete reached the daemon, the start under way puts the same id back once it is done
/// (measured: 20 ms after the delete returned, with both cores busy).
const DELETE_QUIET: Duration = Duration::from_millis(400);
/// A process started less than this long ago may be between two crashes of a loop.
const DELETE_YOUNG: u64 = 10_000;

/// Whether pm2 may start `p` again by itself: it is launching, stopping or waiting to
/// restart, or it started less than [`DELETE_YOUNG`] ago (a crash loop is online, or
/// stopped for a moment, between its crashes). Not a process online or stopped for longer.
fn may_come_back(p: &Process) -> bool {
    !matches!(
        p.status,
        Status::Online | Status::Stopped | Status::Errored | Status::OneLaunch
    ) || now_ms().saturating_sub(p.started_at) < DELETE_YOUNG
}

/// Deletes the processes `ids`, and again while pm2 still lists one of them or puts one
/// back. Once pm2 took the first delete, an error reading its list ends the wait
/// without one: the check that follows judges what is left.
fn delete_for_good(pm2: &dyn Pm2, ids: &[u64]) -> Result<(), RuntimeError> {
    let ours = |p: &Process| ids.contains(&p.pm_id);
    let restarting = pm2.list()?.iter().any(|p| ours(p) && may_come_back(p));
    for attempt in 0..DELETE_TRIES {
        match pm2.delete(ids) {
            // A later try may find some gone meanwhile: the list below is the judge.
            Err(e) if attempt == 0 => return Err(e),
            _ => {}
        }
        let asked = Instant::now();
        let mut gone_since = None;
        loop {
            let Ok(list) = pm2.list() else {
                return Ok(());
            };
            let left = list.iter().any(ours);
            let now = Instant::now();
            match (left, gone_since) {
                (false, None) if !restarting => return Ok(()),
                (false, None) => gone_since = Some(now),
                (false, Some(at)) if now - at >= DELETE_QUIET => return Ok(()),
                // Put back, or never gone: ask again.
                (true, Some(_)) => break,
                (true, None) if now >= asked + DELETE_SETTLE => break,
                _ => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // Still listed: the check that follows says so.
    Ok(())
}

/// Runs the undo steps last-first; returns what to verify afterwards.
fn roll_back(
    pm2: &dyn Pm2,
    unit: &Unit,
    undo: Vec<Undo>,
    outcome: &mut UnitOutcome,
    reporter: &dyn Reporter,
) -> Vec<Check> {
    let mut restored = Vec::new();
    for step in undo.into_iter().rev() {
        let since = now_ms();
        let (app, what, result) = match step {
            Undo::Delete { app, ids } => {
                let r = delete_for_good(pm2, &ids);
                if r.is_ok() {
                    restored.push(Check::gone(&app, since, ids.len()));
                }
                (app, "deleted the new app".to_string(), r)
            }
            Undo::Stop { app, ids } => (app, "stopped it again".to_string(), pm2.stop(&ids)),
            Undo::Restore { app, ids, how } => {
                let r = unit
                    .generated
                    .last_good(&app)
                    .and_then(|json| pm2.restart(how, &json, &unit.dir, &ids));
                if r.is_ok() {
                    restored.push(Check::running(&app, since, false));
                }
                (app, "gave it back its last good definition".to_string(), r)
            }
            Undo::Recreate { app, ids } => {
                let r = unit
                    .generated
                    .last_good(&app)
                    .and_then(|json| delete_for_good(pm2, &ids).map(|()| json))
                    .and_then(|json| pm2.start(&[json], &unit.dir).map(drop));
                if r.is_ok() {
                    restored.push(Check::running(&app, since, true));
                }
                (app, "started its last good definition again".to_string(), r)
            }
            Undo::Start { app } => {
                let r = unit
                    .generated
                    .last_good(&app)
                    .and_then(|json| pm2.start(&[json], &unit.dir).map(drop));
                if r.is_ok() {
                    restored.push(Check::running(&app, since, true));
                }
                (app, "started its last good definition again".to_string(), r)
            }
        };
        if let Err(e) = &result {
            outcome.errors.push(e.clone());
            outcome.left.push(Left {
                app: app.clone(),
                state: "not restored".to_string(),
            });
        }
        reporter.report(Event::Undone { app, what, result });
    }
    restored
}

/// Records the unit's apps that now run their definition as its last good ones (a
/// source whose folder is gone has nothing left to record, nor a place to record it).
fn record_last_good(unit: &Unit, outcome: &mut UnitOutcome, reporter: &dyn Reporter) {
    let deleted: Vec<&str> = unit
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Delete)
        .map(|a| a.app.as_str())
        .collect();
    let apps: Vec<Json> = unit
        .apps
        .iter()
        .filter(|a| !deleted.contains(&a.name()))
        .map(|a| a.json.clone())
        .collect();
    if let Err(e) = unit.generated.write_last_good(&apps, &deleted) {
        reporter.report(Event::Problem(e.clone()));
        outcome.errors.push(e);
    }
}

impl Unit {
    /// The unit of `actions` on the apps of the loaded source `prepared` (`None` when
    /// its file is gone), leaving out the apps named in `left_alone`.
    pub fn of(
        source: &std::path::Path,
        prepared: Option<&pm2_clj_sync::desired::Prepared>,
        actions: Vec<Action>,
        generated: Generated,
        left_alone: &[&str],
    ) -> Unit {
        let secrets = prepared.map(|p| Secrets::of(&p.ecosystem)).unwrap_or_default();
        let apps = prepared
            .map(|p| {
                p.ecosystem
                    .apps
                    .iter()
                    .zip(&p.desired)
                    .filter(|(_, d)| !left_alone.contains(&d.name.as_str()))
                    .map(|(app, d)| UnitApp {
                        json: pm2_dsl_emit::app_json(app),
                        health: app.health.clone(),
                        window: app.min_uptime(),
                        instances: d.instances,
                        autostart: d.autostart,
                        cwd: PathBuf::from(&d.markers.cwd),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let dir = pm2_dsl_emit::folder_of(source);
        let log_dir = prepared
            .and_then(|p| p.ecosystem.logs.as_ref()?.dir())
            .map(|logs| dir.join(logs));
        Unit {
            source: source.to_path_buf(),
            dir,
            apps,
            actions,
            generated,
            secrets,
            log_dir,
        }
    }
}

impl Unit {
    /// The unit of `actions` on apps of a held source (loaded as `prepared`), run from
    /// their last good definitions: verified online and stable with PM2's defaults.
    pub fn last_good(
        source: &std::path::Path,
        prepared: Option<&pm2_clj_sync::desired::Prepared>,
        actions: Vec<Action>,
        generated: Generated,
    ) -> Unit {
        let dir = pm2_dsl_emit::folder_of(source);
        let apps = generated
            .last_good_apps()
            .into_iter()
            .map(|json| UnitApp {
                cwd: dir.join(json["cwd"].as_str().unwrap_or(".")),
                health: None,
                window: Duration::from_millis(pm2_clj_sync::facts::DEFAULT_MIN_UPTIME_MS),
                instances: None,
                autostart: true,
                json,
            })
            .collect();
        Unit {
            source: source.to_path_buf(),
            dir,
            apps,
            actions,
            generated,
            secrets: prepared.map(|p| Secrets::of(&p.ecosystem)).unwrap_or_default(),
            log_dir: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Mutex;

    use pm2_clj_sync::desired::SourceState;
    use pm2_clj_sync::load::LoadSettings;

    use super::*;
    use crate::events::Event;
    use crate::fake::FakePm2;
    use crate::pm2::Pm2;

    /// Keeps the undo steps and rollbacks reported, and with `downs` what was verified
    /// down.
    #[derive(Default)]
    struct Log {
        lines: Mutex<Vec<String>>,
        downs: bool,
    }

    impl Reporter for Log {
        fn report(&self, event: Event<'_>) {
            let line = match event {
                Event::Undone { app, result, .. } => {
                    format!("undone {app}: {}", if result.is_ok() { "ok" } else { "failed" })
                }
                Event::RolledBack { healthy, .. } => format!("rolled back, healthy: {healthy}"),
                Event::Unhealthy(u) => format!("unhealthy {}: {}", u.app, u.saw),
                Event::Down(d) if self.downs => format!("{} {}: {} process(es)", d.state, d.app, d.processes),
                _ => return,
            };
            self.lines.lock().unwrap().push(line);
        }
    }

    /// A source defining `apps` (name, script) in a temporary folder, loaded.
    fn source(dir: &Path, apps: &[(&str, &str)]) -> SourceState {
        let apps: Vec<String> = apps
            .iter()
            .map(|(name, script)| format!("{{:name {name:?} :script {script:?} :min-uptime 100}}"))
            .collect();
        let path = dir.join("s.pm2.edn");
        std::fs::write(&path, format!("{{:apps [{}]}}", apps.join(" "))).unwrap();
        let state = pm2_clj_sync::desired::prepare(&path, &LoadSettings::default());
        assert!(state.loaded());
        state
    }

    fn unit(state: &SourceState, actions: Vec<(ActionKind, &str, Vec<u64>)>) -> Unit {
        let actions = actions
            .into_iter()
            .map(|(kind, app, pm_ids)| Action {
                kind,
                app: app.into(),
                source: state.path.clone(),
                reason: String::new(),
                pm_ids,
            })
            .collect();
        let generated = Generated::dist(&state.path, pm2_dsl_emit::OutputFormat::Cjs);
        Unit::of(&state.path, state.result.as_ref().ok(), actions, generated, &[])
    }

    const OPTIONS: ApplyOptions = ApplyOptions {
        rollback: true,
        wait: Duration::from_secs(5),
    };

    #[test]
    fn a_unit_that_verifies_records_its_last_good_definitions() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        let good = source(dir.path(), &[("web", "web.js"), ("job", "job.js")]);
        let u = unit(
            &good,
            vec![
                (ActionKind::Start, "web", vec![]),
                (ActionKind::Start, "job", vec![]),
            ],
        );
        let log = Log::default();
        let outcomes = apply(&Monitor::new(&pm2), vec![u.clone()], OPTIONS, &log);
        assert!(outcomes[0].succeeded(), "{outcomes:?}");
        assert!(!outcomes[0].rolled_back);
        let recorded: Vec<Json> = u.generated.last_good_apps();
        assert_eq!(
            recorded
                .iter()
                .map(|a| a["name"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["web", "job"]
        );
    }

    #[test]
    fn the_log_folder_is_made_before_an_app_starts_and_not_for_a_stop() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        let path = dir.path().join("s.pm2.edn");
        std::fs::write(
            &path,
            "{:logs {:dir \"logs/pm2\"} :apps [{:name \"web\" :script \"web.js\" :min-uptime 100}]}",
        )
        .unwrap();
        let state = pm2_clj_sync::desired::prepare(&path, &LoadSettings::default());
        let logs = dir.path().join("logs/pm2");
        let stop = unit(&state, vec![(ActionKind::Stop, "web", vec![0])]);
        apply(&Monitor::new(&pm2), vec![stop], OPTIONS, &Log::default());
        assert!(!logs.exists(), "stopping an app makes no folder");
        let start = unit(&state, vec![(ActionKind::Start, "web", vec![])]);
        let outcomes = apply(&Monitor::new(&pm2), vec![start], OPTIONS, &Log::default());
        assert!(outcomes[0].succeeded(), "{outcomes:?}");
        assert!(logs.is_dir());

        std::fs::remove_dir_all(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("logs"), "a file where the folder goes").unwrap();
        let start = unit(&state, vec![(ActionKind::Start, "web", vec![])]);
        let outcomes = apply(&Monitor::new(&pm2), vec![start], OPTIONS, &Log::default());
        assert_eq!(outcomes[0].errors[0].code(), "runtime::write-file");
        assert_eq!(
            pm2.calls(),
            ["stop 0", "start web"],
            "pm2 is not asked to start it"
        );
    }

    #[test]
    fn a_failed_change_is_undone_last_first_and_a_failed_undo_does_not_stop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        let monitor = Monitor::new(&pm2);
        let log = Log::default();
        // First, a good state: web, job and old run; their definitions are recorded.
        let first = source(
            dir.path(),
            &[("web", "web.js"), ("job", "job.js"), ("old", "old.js")],
        );
        let u = unit(
            &first,
            vec![
                (ActionKind::Start, "web", vec![]),
                (ActionKind::Start, "job", vec![]),
                (ActionKind::Start, "old", vec![]),
            ],
        );
        assert!(apply(&monitor, vec![u], OPTIONS, &log)[0].succeeded());
        let first_job_hash = pm2.env_of("job", "PM2_CLJ_HASH").remove(0);
        // The change: job reloaded (ids 1), old deleted (id 2), new started, and web's
        // last good definition lost meanwhile so its undo cannot run.
        let changed = source(
            dir.path(),
            &[("web", "web2.js"), ("job", "job2.js"), ("new", "crash.js")],
        );
        let u = unit(
            &changed,
            vec![
                (ActionKind::Reload, "web", vec![0]),
                (ActionKind::Reload, "job", vec![1]),
                (ActionKind::Delete, "old", vec![2]),
                (ActionKind::Start, "new", vec![]),
            ],
        );
        let mut last_good = u.generated.last_good_apps();
        last_good.retain(|a| a["name"] != "web");
        std::fs::write(
            &u.generated.last_good,
            serde_json::json!({ "apps": last_good }).to_string(),
        )
        .unwrap();
        let outcome = &apply(&monitor, vec![u], OPTIONS, &log)[0];
        assert!(outcome.rolled_back);
        assert_eq!(outcome.unhealthy.len(), 1, "{outcome:?}");
        assert_eq!(outcome.unhealthy[0].app, "new");
        let calls = pm2.calls();
        let undo: Vec<&str> = calls.iter().skip(7).map(String::as_str).collect();
        assert_eq!(
            undo,
            ["delete 3", "start old", "reload 1"],
            "undone last-first; web's undo could not run"
        );
        let lines = log.lines.lock().unwrap().clone();
        assert_eq!(
            lines[1..5],
            [
                "undone new: ok",
                "undone old: ok",
                "undone job: ok",
                "undone web: failed"
            ],
            "{lines:?}"
        );
        assert!(outcome.errors.iter().any(|e| e.code() == "runtime::no-last-good"));
        assert_eq!(outcome.restored, Some(false), "web's undo failed");
        assert_eq!(outcome.left.len(), 1);
        assert_eq!(outcome.left[0].app, "web");
        assert!(outcome.left[0].state.starts_with("online"), "{:?}", outcome.left);
        assert_eq!(
            pm2.env_of("job", "PM2_CLJ_HASH"),
            [first_job_hash],
            "job runs its first definition again"
        );
        assert!(
            pm2.list().unwrap().iter().any(|p| p.name == "old"),
            "the deleted app is back"
        );
        assert!(
            !pm2.list().unwrap().iter().any(|p| p.name == "new"),
            "the new app is gone"
        );
    }

    #[test]
    fn a_deleted_process_pm2_puts_back_is_deleted_again() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        pm2.puts_back_once("new");
        let bad = source(dir.path(), &[("new", "crash.js")]);
        let u = unit(&bad, vec![(ActionKind::Start, "new", vec![])]);
        let log = Log {
            downs: true,
            ..Log::default()
        };
        let outcome = &apply(&Monitor::new(&pm2), vec![u], OPTIONS, &log)[0];
        assert!(outcome.rolled_back);
        assert_eq!(outcome.restored, Some(true), "{:?}", log.lines.lock().unwrap());
        assert!(
            log.lines
                .lock()
                .unwrap()
                .contains(&"deleted new: 1 process(es)".to_string()),
            "{:?}",
            log.lines.lock().unwrap()
        );
        assert_eq!(pm2.calls(), ["start new", "delete 0", "delete 0"]);
        assert!(pm2.list().unwrap().is_empty(), "the new app is gone for good");

        // An app online for a moment may be between two crashes: deleting it is checked
        // the same way.
        let fine = source(dir.path(), &[("web", "web.js")]);
        let start = unit(&fine, vec![(ActionKind::Start, "web", vec![])]);
        assert!(apply(&Monitor::new(&pm2), vec![start], OPTIONS, &log)[0].succeeded());
        pm2.puts_back_once("web");
        let delete = unit(&fine, vec![(ActionKind::Delete, "web", vec![1])]);
        let outcome = &apply(&Monitor::new(&pm2), vec![delete], OPTIONS, &log)[0];
        assert!(outcome.succeeded(), "{outcome:?}");
        assert_eq!(pm2.calls()[3..], ["start web", "delete 1", "delete 1"]);
        assert!(pm2.list().unwrap().is_empty(), "web is gone for good");
    }

    #[test]
    fn a_source_gone_during_its_change_is_not_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        let bad = source(dir.path(), &[("new", "crash.js")]);
        let u = unit(&bad, vec![(ActionKind::Start, "new", vec![])]);
        std::fs::remove_file(&bad.path).unwrap();
        let outcome = &apply(&Monitor::new(&pm2), vec![u], OPTIONS, &Log::default())[0];
        assert!(!outcome.succeeded() && !outcome.rolled_back, "{outcome:?}");
        assert_eq!(
            pm2.calls(),
            ["start new"],
            "no undo of a change whose source went"
        );
    }

    #[test]
    fn without_rollback_the_failed_state_stays() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        let bad = source(dir.path(), &[("new", "crash.js")]);
        let u = unit(&bad, vec![(ActionKind::Start, "new", vec![])]);
        let options = ApplyOptions {
            rollback: false,
            ..OPTIONS
        };
        let outcome = &apply(&Monitor::new(&pm2), vec![u], options, &Log::default())[0];
        assert!(!outcome.succeeded() && !outcome.rolled_back);
        assert_eq!(pm2.calls(), ["start new"]);
    }

    #[test]
    fn a_refused_action_stops_its_unit_and_rolls_back_what_ran() {
        let dir = tempfile::tempdir().unwrap();
        let pm2 = FakePm2::default();
        pm2.refuse("start b");
        let state = source(dir.path(), &[("a", "a.js"), ("b", "b.js"), ("c", "c.js")]);
        let u = unit(
            &state,
            vec![
                (ActionKind::Start, "a", vec![]),
                (ActionKind::Start, "b", vec![]),
                (ActionKind::Start, "c", vec![]),
            ],
        );
        let outcome = &apply(&Monitor::new(&pm2), vec![u], OPTIONS, &Log::default())[0];
        assert_eq!(outcome.errors.len(), 1);
        assert!(outcome.rolled_back);
        assert!(pm2.calls().contains(&"start b (refused)".to_string()));
        assert!(
            pm2.list().unwrap().is_empty(),
            "what started was deleted again: {:?}",
            pm2.calls()
        );
    }
}
