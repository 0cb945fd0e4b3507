//! `status`: the sources under some paths, loaded as their running apps were applied,
//! set against what pm2 runs — each app's processes, owner, drift and whether it is in a
//! crash loop — read off the plan `sync` would make.

use std::path::PathBuf;

use pm2_clj_sync::desired::SourceState;
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::scan::Scope;
use pm2_clj_sync::status::{AppStatus, status};

use crate::error::RuntimeError;
use crate::events::{Event, Reporter};
use crate::pm2::Pm2;

/// What `status` shows.
#[derive(Debug)]
pub struct StatusView {
    /// One row per app, in source order (then the apps whose source no longer defines
    /// them).
    pub rows: Vec<AppStatus>,
    /// How many sources failed to load (reported as they were).
    pub failed_sources: usize,
}

/// The status of the apps of the sources under `paths`.
pub fn status_of(
    pm2: &dyn Pm2,
    paths: &[PathBuf],
    settings: &LoadSettings,
    reporter: &dyn Reporter,
) -> Result<StatusView, RuntimeError> {
    let observed = crate::observe::observe(pm2)?;
    let (scope, states) = load_reporting(paths, settings, &observed.processes, reporter);
    let (rows, _) = status(&states, &observed.processes, &observed.crash_loops, &scope);
    Ok(StatusView {
        rows,
        failed_sources: states.iter().filter(|s| !s.loaded()).count(),
    })
}

/// Loads the sources under `paths` (each with the inputs its apps in `running`
/// recorded, unless `settings` give some), reporting those that fail and those loaded
/// with recorded inputs.
pub fn load_reporting(
    paths: &[PathBuf],
    settings: &LoadSettings,
    running: &[pm2_clj_sync::process::Process],
    reporter: &dyn Reporter,
) -> (Scope, Vec<SourceState>) {
    let scope = Scope::of(paths);
    let states = SourceState::all(&scope.scan(), settings, running);
    for state in &states {
        match &state.result {
            Err(reports) => reporter.report(Event::SourceFailed {
                path: &state.path,
                reports,
            }),
            Ok(prepared) => reporter.report(Event::RecordedInputs {
                source: &state.path,
                prepared,
            }),
        }
    }
    (scope, states)
}
