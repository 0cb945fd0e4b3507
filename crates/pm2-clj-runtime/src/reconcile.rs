//! `sync`: make pm2's running set equal to a set of sources. The lock is taken (one run
//! at a time writes generated files and changes pm2), each loaded source's generated
//! config is written (a source whose file cannot be written is left as it runs), pm2 is
//! listed, the plan is made and reported, and each source's actions are applied as one
//! transaction (see [`crate::apply`]). Before the plan, `pm2-logrotate` is set up as the
//! sources' `:logs :rotate` ask ([`crate::rotate`]).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use pm2_clj_sync::desired::{Prepared, SourceState};
use pm2_clj_sync::plan::{Action, ActionKind, PlanOptions, plan};
use pm2_clj_sync::scan::Scope;
use pm2_dsl_emit::OutputFormat;

use crate::apply::{ApplyOptions, Unit, apply};
use crate::events::{Event, Reporter};
use crate::generated::Generated;
use crate::lock;
use crate::outcome::Outcome;
use crate::pm2::Pm2;
use crate::rotate::{self, Wanted};
use crate::verify::Monitor;

/// How to sync.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Plan and report only: no files written, nothing asked of pm2 but its list.
    pub dry_run: bool,
    /// Take over apps of the same name that pm2-clj did not start.
    pub adopt: bool,
    /// Undo a source's changes when they do not verify.
    pub rollback: bool,
    /// The longest verification may take.
    pub wait: Duration,
    /// The format of the generated `dist/` files.
    pub emit: OutputFormat,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    /// pm2's home (`PM2_HOME`), where the lock lives.
    pub home: Option<PathBuf>,
}

/// Sources whose last change failed, with the fingerprint of that change: while a
/// source's definition is the same, `watch` does not try it again.
pub type Held = HashMap<PathBuf, String>;

/// A fingerprint of what a loaded source defines.
pub fn fingerprint(prepared: &Prepared) -> String {
    prepared
        .desired
        .iter()
        .map(|d| format!("{}={}", d.name, d.markers.hash))
        .collect::<Vec<_>>()
        .join(",")
}

fn prepared_of<'a>(states: &'a [SourceState], source: &Path) -> Option<&'a Prepared> {
    states
        .iter()
        .find(|s| s.path == source)
        .and_then(|s| s.result.as_ref().ok())
}

/// Whether `action` would apply again a change of a held source that failed: reloads
/// and recreates of its apps wait until the source changes; starting an app that is
/// missing (after `pm2 kill`, say) does not.
fn is_held(held: &Held, states: &[SourceState], action: &Action) -> bool {
    matches!(
        action.kind,
        ActionKind::Reload | ActionKind::Restart | ActionKind::Recreate
    ) && prepared_of(states, &action.source)
        .is_some_and(|p| held.get(&action.source) == Some(&fingerprint(p)))
}

/// Makes pm2 match the `states` of the sources in `scope`.
pub fn sync(
    pm2: &dyn Pm2,
    scope: &Scope,
    states: &[SourceState],
    options: &SyncOptions,
    held: &Held,
    reporter: &dyn Reporter,
) -> Outcome {
    let mut outcome = Outcome::default();
    let _lock = if options.dry_run {
        None
    } else {
        let home = lock::pm2_home(options.home.as_deref());
        let waiting = |pid: &str| {
            reporter.report(Event::Note(format!(
                "waiting for another pm2-clj run (pid {pid})"
            )));
        };
        match lock::acquire(&home, options.lock_wait, waiting) {
            Ok(lock) => Some(lock),
            Err(e) => {
                outcome.errors.push(e);
                return outcome;
            }
        }
    };
    let mut unwritten: Vec<PathBuf> = Vec::new();
    let mut rotate = Wanted::default();
    for state in states {
        match &state.result {
            Err(reports) => {
                reporter.report(Event::SourceFailed {
                    path: &state.path,
                    reports,
                });
                outcome.failed_sources.push(state.path.clone());
            }
            Ok(prepared) => {
                if !prepared.warnings.is_empty() {
                    reporter.report(Event::Warnings(&prepared.warnings));
                }
                if options.dry_run {
                    continue;
                }
                let asked = prepared.ecosystem.logs.as_ref().and_then(|l| l.rotate.as_deref());
                if let Err(e) = rotate.add(&state.path, asked) {
                    outcome.errors.push(e);
                }
                let generated = Generated::dist(&state.path, options.emit);
                if let Err(e) = generated.write_config(&prepared.ecosystem, &prepared.header) {
                    reporter.report(Event::Note(format!(
                        "{}: its generated file cannot be written; its apps are left as they run",
                        state.path.display()
                    )));
                    outcome.errors.push(e);
                    outcome.failed_sources.push(state.path.clone());
                    unwritten.push(state.path.clone());
                }
            }
        }
    }
    if !options.dry_run
        && let Err(e) = rotate::ensure(pm2, &rotate, reporter)
    {
        outcome.errors.push(e);
    }
    let monitor = Monitor::new(pm2);
    let running = match monitor.list() {
        Ok(list) => list,
        Err(e) => {
            outcome.errors.push(e);
            return outcome;
        }
    };
    outcome.plan = plan(states, &running, scope, PlanOptions { adopt: options.adopt });
    reporter.report(Event::Planned {
        plan: outcome.plan.clone(),
        dry_run: options.dry_run,
    });
    if options.dry_run {
        return outcome;
    }
    let mut by_source: BTreeMap<PathBuf, Vec<Action>> = BTreeMap::new();
    for action in &outcome.plan.actions {
        if unwritten.contains(&action.source) {
            continue;
        }
        if is_held(held, states, action) {
            continue;
        }
        by_source
            .entry(action.source.clone())
            .or_default()
            .push(action.clone());
    }
    for source in held
        .keys()
        .filter(|s| outcome.plan.actions.iter().any(|a| &a.source == *s))
    {
        if prepared_of(states, source).is_some_and(|p| held.get(source) == Some(&fingerprint(p))) {
            reporter.report(Event::Held {
                source: source.clone(),
            });
        }
    }
    let left_alone: Vec<&str> = outcome.plan.conflicts.iter().map(|c| c.app()).collect();
    let units: Vec<Unit> = by_source
        .into_iter()
        .map(|(source, actions)| {
            let generated = Generated::dist(&source, options.emit);
            Unit::of(
                &source,
                prepared_of(states, &source),
                actions,
                generated,
                &left_alone,
            )
        })
        .collect();
    let touched: Vec<PathBuf> = units.iter().map(|u| u.source.clone()).collect();
    let apply_options = ApplyOptions {
        rollback: options.rollback,
        wait: options.wait,
    };
    outcome.units = apply(&monitor, units, apply_options, reporter);
    // Sources left as they were run their definitions: those are their last good ones.
    for state in states
        .iter()
        .filter(|s| !touched.contains(&s.path) && !unwritten.contains(&s.path))
    {
        if let Ok(prepared) = &state.result {
            let unit = Unit::of(
                &state.path,
                Some(prepared),
                Vec::new(),
                Generated::dist(&state.path, options.emit),
                &left_alone,
            );
            let apps: Vec<_> = unit
                .apps
                .iter()
                .filter(|a| outcome.plan.unchanged.iter().any(|u| a.json["name"] == *u))
                .map(|a| a.json.clone())
                .collect();
            if let Err(e) = unit.generated.write_last_good(&apps, &[]) {
                outcome.errors.push(e);
            }
        }
    }
    outcome
}
