//! `health`: each app's check run now against what pm2 runs, one answer per app —
//! not running, not online, in a crash loop, failing its `:health` probe, or passing it
//! ([`check_now`]); or, for apps that run elsewhere (exported to systemd), only their
//! probes, without asking pm2 ([`probe_now`]).

use std::path::PathBuf;
use std::time::Duration;

use pm2_clj_sync::desired::SourceState;
use pm2_clj_sync::facts::Status;

use crate::error::RuntimeError;
use crate::pm2::Pm2;

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
    let apps: Vec<_> = states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| {
            let secrets = crate::secrets::Secrets::of(&p.ecosystem);
            p.ecosystem
                .apps
                .iter()
                .zip(&p.desired)
                .map(move |(a, d)| (a, d, secrets.clone()))
        })
        .filter(|(_, d, _)| only.is_empty() || only.contains(&d.name))
        .collect();
    Ok(std::thread::scope(|s| {
        let handles: Vec<_> = apps
            .iter()
            .map(|(app, d, secrets)| {
                let crash_loops = &observed.crash_loops;
                s.spawn(move || {
                    let procs: Vec<_> = running.iter().filter(|p| p.name == d.name).collect();
                    let result = if procs.is_empty() {
                        Err("not running: pm2 does not have it".to_string())
                    } else if crash_loops.contains(&d.name) {
                        let restarts: u64 = procs.iter().map(|p| p.restarts).sum();
                        Err(format!(
                            "crash-loop: pm2 restarts it again and again ({restarts} restarts)"
                        ))
                    } else if let Some(p) = procs.iter().find(|p| p.status != Status::Online) {
                        Err(format!("{} in pm2", p.status.as_str()))
                    } else {
                        match &app.health {
                            None => Ok(format!("online ({} process(es); no :health check)", procs.len())),
                            Some(h) => {
                                let budget = h.timeout.unwrap_or(timeout).min(timeout);
                                let name = h.probe.kind();
                                crate::probe::ask(&h.probe, std::path::Path::new(&d.markers.cwd), budget)
                                    .map(|()| format!("online, {name} check passes"))
                                    .map_err(|saw| format!("{name} check fails: {saw}"))
                            }
                        }
                    };
                    let log = match &result {
                        Err(_) => (procs.iter().find_map(|p| p.err_log.as_ref()))
                            .map(|path| crate::logs::tail(path, LOG_LINES))
                            .unwrap_or_default(),
                        Ok(_) => Vec::new(),
                    };
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
    }))
}

/// Runs the `:health` probes of the apps `states` define (those in `only`, when given)
/// side by side, without asking pm2: for apps that run under another manager (exported
/// with `pm2-clj export`). An app without a `:health` check is answered as such, and
/// passes.
pub fn probe_now(states: &[SourceState], only: &[String], timeout: Duration) -> Vec<HealthNow> {
    let apps: Vec<_> = states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| {
            let secrets = crate::secrets::Secrets::of(&p.ecosystem);
            p.ecosystem
                .apps
                .iter()
                .zip(&p.desired)
                .map(move |(a, d)| (a, d, secrets.clone()))
        })
        .filter(|(_, d, _)| only.is_empty() || only.contains(&d.name))
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = apps
            .iter()
            .map(|(app, d, secrets)| {
                s.spawn(move || {
                    let result = match &app.health {
                        None => Ok("no :health check, nothing asked".to_string()),
                        Some(h) => {
                            let budget = h.timeout.unwrap_or(timeout).min(timeout);
                            let name = h.probe.kind();
                            crate::probe::ask(&h.probe, std::path::Path::new(&d.markers.cwd), budget)
                                .map(|()| format!("{name} check passes"))
                                .map_err(|saw| format!("{name} check fails: {saw}"))
                        }
                    };
                    HealthNow {
                        app: d.name.clone(),
                        source: d.source.clone(),
                        result: result.map_err(|e| secrets.redact(&e)),
                        log: Vec::new(),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a health probe panicked"))
            .collect()
    })
}
