//! `health`: each app's check run now against what pm2 runs, one answer per app —
//! not running, not online, in a crash loop, failing its `:health` probe, or passing it
//! ([`check_now`]); or, for apps that run elsewhere (exported to systemd), only their
//! probes, without asking pm2 ([`probe_now`]).

use std::path::PathBuf;
use std::time::Duration;

use pm2_clj_sync::desired::SourceState;
use pm2_clj_sync::facts::Status;

use pm2_clj_sync::desired::Desired;
use pm2_dsl_emit::AppSpec;

use crate::error::RuntimeError;
use crate::pm2::Pm2;
use crate::secrets::Secrets;

/// One app's answer.
#[derive(Clone, Debug)]
pub struct HealthNow {
    /// The app.
    pub app: String,
    /// The source that defines it.
    pub source: PathBuf,
    /// What passed (`online, http ok`), or what failed.
    pub result: Result<String, String>,
    /// When it failed, the last lines of its error log.
    pub log: Vec<String>,
}

/// How many lines of an app's error log a failed check shows.
const LOG_LINES: usize = 10;

/// Loads the sources under `paths` (as their running apps were applied) and runs the
/// checks of their apps (those in `only`, when given): against what `pm2` runs, or, with
/// no pm2, only their probes; the sources that failed to load are reported, and their
/// count returned.
pub fn check_paths(
    pm2: Option<&dyn Pm2>,
    paths: &[PathBuf],
    settings: &pm2_clj_sync::load::LoadSettings,
    only: &[String],
    timeout: Duration,
    reporter: &dyn crate::events::Reporter,
) -> Result<(Vec<HealthNow>, usize), RuntimeError> {
    let running = match pm2 {
        Some(pm2) => pm2.list()?,
        None => Vec::new(),
    };
    let (_, states) = crate::status::load_reporting(paths, settings, &running, reporter);
    let failed = states.iter().filter(|s| !s.loaded()).count();
    let answers = match pm2 {
        Some(pm2) => check_now(pm2, &states, only, timeout)?,
        None => probe_now(&states, only, timeout),
    };
    Ok((answers, failed))
}

/// An app to check: its definition, its desired state, and its source's secrets.
type Checked<'a> = (&'a AppSpec, &'a Desired, Secrets);

/// The apps `states` define, those in `only` when given.
fn checked<'a>(states: &'a [SourceState], only: &[String]) -> Vec<Checked<'a>> {
    states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| {
            let secrets = Secrets::of(&p.ecosystem);
            p.ecosystem
                .apps
                .iter()
                .zip(&p.desired)
                .map(move |(a, d)| (a, d, secrets.clone()))
        })
        .filter(|(_, d, _)| only.is_empty() || only.contains(&d.name))
        .collect()
}

/// Runs `app`'s probe, giving it at most `timeout` (or its own `:timeout`); `None` when
/// it has no `:health` check. What passed reads `NAME check passes`.
fn probe(app: &AppSpec, desired: &Desired, timeout: Duration) -> Option<Result<String, String>> {
    let h = app.health.as_ref()?;
    let budget = h.timeout.unwrap_or(timeout).min(timeout);
    let name = h.probe.kind();
    Some(
        crate::probe::ask(&h.probe, std::path::Path::new(&desired.markers.cwd), budget)
            .map(|()| format!("{name} check passes"))
            .map_err(|saw| format!("{name} check fails: {saw}")),
    )
}

/// Runs `answer` for every app side by side, the answers in the apps' order.
fn side_by_side<'a>(
    apps: &[Checked<'a>],
    answer: impl Fn(&AppSpec, &Desired) -> (Result<String, String>, Vec<String>) + Sync,
) -> Vec<HealthNow> {
    std::thread::scope(|s| {
        let handles: Vec<_> = apps
            .iter()
            .map(|(app, d, secrets)| {
                let answer = &answer;
                s.spawn(move || {
                    let (result, log) = answer(app, d);
                    HealthNow {
                        app: d.name.clone(),
                        source: d.source.clone(),
                        result: result.map_err(|e| secrets.redact(&e)),
                        log: log.iter().map(|line| secrets.redact(line)).collect(),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a health check panicked"))
            .collect()
    })
}

/// Runs the checks of the apps `states` define (those in `only`, when given), side by
/// side, giving each probe at most `timeout` (or its own `:timeout`).
pub fn check_now(
    pm2: &dyn Pm2,
    states: &[SourceState],
    only: &[String],
    timeout: Duration,
) -> Result<Vec<HealthNow>, RuntimeError> {
    let observed = crate::observe::observe(pm2)?;
    let running = &observed.processes;
    Ok(side_by_side(&checked(states, only), |app, d| {
        let procs: Vec<_> = running.iter().filter(|p| p.name == d.name).collect();
        let result = if procs.is_empty() {
            Err("not running: pm2 does not have it".to_string())
        } else if observed.crash_loops.contains(&d.name) {
            let restarts: u64 = procs.iter().map(|p| p.restarts).sum();
            Err(format!(
                "crash-loop: pm2 restarts it again and again ({restarts} restarts)"
            ))
        } else if let Some(p) = procs.iter().find(|p| p.status != Status::Online) {
            Err(format!("{} in pm2", p.status.as_str()))
        } else {
            probe(app, d, timeout).map_or_else(
                || Ok(format!("online ({} process(es); no :health check)", procs.len())),
                |answer| answer.map(|passes| format!("online, {passes}")),
            )
        };
        let log = match &result {
            Err(_) => (procs.iter().find_map(|p| p.err_log.as_ref()))
                .map(|path| crate::logs::tail(path, LOG_LINES))
                .unwrap_or_default(),
            Ok(_) => Vec::new(),
        };
        (result, log)
    }))
}

/// Runs the `:health` probes of the apps `states` define (those in `only`, when given)
/// side by side, without asking pm2: for apps that run under another manager (exported
/// with `pm2-clj export`). An app without a `:health` check is answered as such, and
/// passes.
pub fn probe_now(states: &[SourceState], only: &[String], timeout: Duration) -> Vec<HealthNow> {
    side_by_side(&checked(states, only), |app, d| {
        let result =
            probe(app, d, timeout).unwrap_or_else(|| Ok("no :health check, nothing asked".to_string()));
        (result, Vec::new())
    })
}
