//! `sync`: make pm2's running set equal to a set of sources. The lock is taken (one run
//! at a time writes generated files and changes pm2), each loaded source's generated
//! config is written (a source whose file cannot be written is left as it runs), pm2 is
//! listed, the plan is made and reported, and each source's actions are applied as one
//! transaction (see [`crate::apply`]). Before the plan, `pm2-logrotate` is set up as the
//! sources' `:logs :rotate` ask ([`crate::rotate`]); a dry run reports what that would
//! change with the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use pm2_clj_sync::desired::{Prepared, SourceState};
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::plan::{Action, ActionKind, Plan, PlanOptions, plan};
use pm2_clj_sync::scan::Scope;
use pm2_dsl_emit::OutputFormat;

use crate::apply::{ApplyOptions, Unit, apply};
use crate::events::{Event, Reporter};
use crate::generated::Generated;
use crate::lock;
use crate::monitor::Monitor;
use crate::outcome::Outcome;
use crate::pm2::Pm2;
use crate::rotate::{self, Changes, Wanted};

/// How to sync.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Plan and report only: no files written, nothing asked of pm2 but its list (and
    /// its `module_conf.json` read, for `pm2-logrotate`).
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

/// What `watch` remembers between rounds, so that a round acts on, and reports, only
/// what changed since the last one. A one-off `sync` starts from nothing.
#[derive(Clone, Debug, Default)]
pub struct Held {
    /// Sources whose last change failed (pm2 refused it, or it did not verify and was
    /// rolled back, or its generated file could not be written): their apps stay at
    /// their last good definitions, and nothing of them is tried again until their files
    /// change (an app of theirs missing from pm2, after `pm2 kill`, is started again from
    /// its last good definition).
    pub sources: BTreeSet<PathBuf>,
    /// Sources whose load (its failure, or its warnings) was reported: not again until
    /// they are loaded again.
    pub reported: BTreeSet<PathBuf>,
    /// The conflicts reported, by their message: not again while they last.
    pub conflicts: BTreeSet<String>,
    /// What sources asked of `pm2-logrotate` when it could not be set up: while they ask
    /// the same, it is not installed or set again (an install from npm takes seconds and
    /// fails the same way until something changes; restarting `watch` tries again too).
    pub rotate: Option<Wanted>,
}

impl Held {
    /// Forgets what was held and reported of `source`: its files changed, it was loaded
    /// again.
    pub fn release(&mut self, source: &Path) {
        self.sources.remove(source);
        self.reported.remove(source);
    }
}

fn prepared_of<'a>(states: &'a [SourceState], source: &Path) -> Option<&'a Prepared> {
    states
        .iter()
        .find(|s| s.path == source)
        .and_then(|s| s.result.as_ref().ok())
}

/// What becomes of `action` of a held source: only a start of an app pm2 no longer has,
/// from its last good definition, when there is one.
fn held_action(action: &Action, generated: &Generated) -> Option<Action> {
    (action.kind == ActionKind::Start && action.pm_ids.is_empty() && generated.last_good(&action.app).is_ok())
        .then(|| Action {
            reason: "missing; started from its last good definition (its source is held)".into(),
            ..action.clone()
        })
}

/// Loads the sources under `paths` (each with the profile and overrides its running
/// apps recorded, unless `settings` give some) and makes pm2 match them: `sync` as a
/// command runs it.
pub fn sync_paths(
    pm2: &dyn Pm2,
    paths: &[PathBuf],
    settings: &LoadSettings,
    options: &SyncOptions,
    reporter: &dyn Reporter,
) -> Outcome {
    let scope = Scope::of(paths);
    let running = match pm2.list() {
        Ok(list) => list,
        Err(e) => {
            return Outcome {
                errors: vec![e],
                stopped_early: true,
                ..Outcome::default()
            };
        }
    };
    let states = SourceState::all(&scope.scan(), settings, &running);
    sync(pm2, &scope, &states, options, &Held::default(), reporter)
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
                outcome.stopped_early = true;
                return outcome;
            }
        }
    };
    let mut unwritten: Vec<PathBuf> = Vec::new();
    let mut rotate = Wanted::default();
    for state in states {
        let reported = held.reported.contains(&state.path);
        match &state.result {
            Err(reports) => {
                if !reported {
                    reporter.report(Event::SourceFailed {
                        path: &state.path,
                        reports,
                    });
                }
                outcome.failed_sources.push(state.path.clone());
            }
            Ok(prepared) => {
                if !reported {
                    reporter.report(Event::RecordedInputs {
                        source: &state.path,
                        prepared,
                    });
                }
                if !prepared.warnings.is_empty() && !reported {
                    reporter.report(Event::Warnings(&prepared.warnings));
                }
                let asked = prepared.ecosystem.logs.as_ref().and_then(|l| l.rotate.as_deref());
                if let Err(e) = rotate.add(&state.path, asked) {
                    outcome.errors.push(e);
                }
                if options.dry_run || held.sources.contains(&state.path) {
                    continue;
                }
                if !state.path.is_file() {
                    // Removed or renamed since it was loaded: not this run's to apply (the
                    // next search finds where it went).
                    unwritten.push(state.path.clone());
                    continue;
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
    let rotated = if options.dry_run {
        pm2.module_conf().map(|conf| rotate::changes(&rotate, &conf))
    } else if held.rotate.as_ref() == Some(&rotate) {
        outcome.rotate_failed = Some(rotate);
        Ok(Changes::default())
    } else {
        rotate::ensure(pm2, &rotate, reporter).inspect_err(|_| outcome.rotate_failed = Some(rotate))
    };
    let rotated = rotated.unwrap_or_else(|e| {
        outcome.errors.push(e);
        Changes::default()
    });
    let monitor = Monitor::new(pm2);
    let running = match monitor.list() {
        Ok(list) => list,
        Err(e) => {
            outcome.errors.push(e);
            outcome.stopped_early = true;
            return outcome;
        }
    };
    outcome.plan = plan(states, &running, scope, PlanOptions { adopt: options.adopt });
    // What this run will do: held sources' actions wait, unwritten sources' apps are left
    // as they run. Only that is reported, with the conflicts not reported before.
    let mut to_run: Vec<Action> = Vec::new();
    for action in &outcome.plan.actions {
        if unwritten.contains(&action.source) {
            continue;
        }
        if held.sources.contains(&action.source) {
            to_run.extend(held_action(
                action,
                &Generated::dist(&action.source, options.emit),
            ));
            continue;
        }
        to_run.push(action.clone());
    }
    let reported = Plan {
        actions: if options.dry_run {
            outcome.plan.actions.clone()
        } else {
            to_run.clone()
        },
        unchanged: outcome.plan.unchanged.clone(),
        conflicts: (outcome.plan.conflicts.iter())
            .filter(|c| !held.conflicts.contains(&c.to_string()))
            .cloned()
            .collect(),
    };
    reporter.report(Event::Planned {
        plan: reported,
        rotate: rotated,
        dry_run: options.dry_run,
    });
    if options.dry_run {
        return outcome;
    }
    let mut by_source: BTreeMap<PathBuf, Vec<Action>> = BTreeMap::new();
    for action in to_run {
        by_source.entry(action.source.clone()).or_default().push(action);
    }
    let left_alone: Vec<&str> = outcome.plan.conflicts.iter().map(|c| c.app()).collect();
    let units: Vec<Unit> = by_source
        .into_iter()
        .map(|(source, actions)| {
            let generated = Generated::dist(&source, options.emit);
            if held.sources.contains(&source) {
                return Unit::last_good(&source, prepared_of(states, &source), actions, generated);
            }
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
    for state in states.iter().filter(|s| {
        !touched.contains(&s.path) && !unwritten.contains(&s.path) && !held.sources.contains(&s.path)
    }) {
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use pm2_clj_sync::desired::prepare;
    use pm2_clj_sync::load::LoadSettings;

    use super::*;
    use crate::fake::FakePm2;
    use crate::rotate::{Change, Was};

    /// Keeps what the plan says of `pm2-logrotate`.
    #[derive(Default)]
    struct Plans(Mutex<Vec<(Changes, bool)>>);

    impl Reporter for Plans {
        fn report(&self, event: Event<'_>) {
            if let Event::Planned { rotate, dry_run, .. } = event {
                self.0.lock().unwrap().push((rotate, dry_run));
            }
        }
    }

    /// A dry run asks pm2 nothing but says what `pm2-logrotate` needs, as the real run
    /// then does it.
    #[test]
    fn a_dry_run_plans_what_pm2_logrotate_needs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pm2.edn");
        std::fs::write(
            &file,
            "{:logs {:rotate {:retain 7 :max-size \"10M\" :compress true}} :apps []}",
        )
        .unwrap();
        let states = vec![prepare(&file, &LoadSettings::default())];
        let scope = Scope {
            dirs: Vec::new(),
            files: vec![file.clone()],
        };
        let mut options = SyncOptions {
            dry_run: true,
            adopt: false,
            rollback: true,
            wait: Duration::from_secs(5),
            emit: OutputFormat::Json,
            lock_wait: Duration::from_secs(5),
            home: Some(dir.path().join("pm2-home")),
        };
        let pm2 = FakePm2::default();
        let plans = Plans::default();
        let change = |setting, value: &str, was| Change {
            setting,
            value: value.into(),
            was,
        };

        let outcome = sync(&pm2, &scope, &states, &options, &Held::default(), &plans);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert!(pm2.calls().is_empty(), "{:?}", pm2.calls());
        let wanted = Changes {
            install: true,
            set: vec![
                change("retain", "7", Was::Default("30".into())),
                change("compress", "true", Was::Default("false".into())),
            ],
        };
        assert_eq!(plans.0.lock().unwrap().pop(), Some((wanted, true)));

        options.dry_run = false;
        sync(&pm2, &scope, &states, &options, &Held::default(), &plans);
        assert_eq!(
            pm2.calls(),
            [
                "install pm2-logrotate",
                "set pm2-logrotate:retain 7",
                "set pm2-logrotate:compress true"
            ]
        );
        let done = Changes {
            install: true,
            set: vec![
                change("retain", "7", Was::Set("30".into())),
                change("compress", "true", Was::Set("false".into())),
            ],
        };
        assert_eq!(plans.0.lock().unwrap().pop(), Some((done, false)));

        options.dry_run = true;
        sync(&pm2, &scope, &states, &options, &Held::default(), &plans);
        assert_eq!(plans.0.lock().unwrap().pop(), Some((Changes::default(), true)));
        assert_eq!(pm2.calls().len(), 3, "the dry run asks nothing");
    }
}
