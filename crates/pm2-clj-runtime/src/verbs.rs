//! The pm2 verbs on one source file — `start`, `restart`, `reload`, `stop`, `delete` —
//! with PM2's traps removed: `--only` works for every verb; `start` starts only what
//! is not running (PM2's `start FILE` restarts everything); only apps pm2-clj started
//! are acted on; what starts or changes is verified, and rolled back when it does not
//! verify; and the verbs that start apps set up the source's `:logs :rotate`.

use std::time::Duration;

use pm2_clj_sync::conflict::Conflict;
use pm2_clj_sync::desired::{Desired, SourceState};
use pm2_clj_sync::plan::{Action, ActionKind, Plan, needs_recreate};
use pm2_clj_sync::process::Process;

use crate::apply::{ApplyOptions, Unit, apply};
use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::generated::Generated;
use crate::lock;
use crate::monitor::Monitor;
use crate::outcome::Outcome;
use crate::pm2::Pm2;
use crate::rotate::{self, Wanted};

/// A pm2 verb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Start what is not running (and, with `restart`, restart what is).
    Start {
        /// Restart running apps too, with their current definition.
        restart: bool,
    },
    /// Restart with the current definition.
    Restart,
    /// Reload with the current definition (zero-downtime for cluster apps).
    Reload,
    /// Stop, keeping the apps in pm2's list.
    Stop,
    /// Stop and remove from pm2.
    Delete,
}

impl Verb {
    /// Whether it starts or changes apps (and so writes the config and verifies).
    fn starts(self) -> bool {
        matches!(self, Verb::Start { .. } | Verb::Restart | Verb::Reload)
    }
}

/// How to run a verb.
#[derive(Clone, Debug)]
pub struct VerbOptions {
    /// Only these apps (all when empty).
    pub only: Vec<String>,
    /// Undo the changes when they do not verify.
    pub rollback: bool,
    /// The longest verification may take.
    pub wait: Duration,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    /// pm2's home (`PM2_HOME`), where the lock lives.
    pub home: Option<std::path::PathBuf>,
}

/// The apps `only` names (all when empty); a name the source does not define is an
/// error that suggests the closest one.
pub fn select<'a>(desired: &'a [Desired], only: &[String]) -> Result<Vec<&'a Desired>, RuntimeError> {
    if let Some(wanted) = only.iter().find(|o| !desired.iter().any(|d| &d.name == *o)) {
        let suggestion = pm2_dsl_eval::closest(wanted, desired.iter().map(|d| d.name.as_str()));
        return Err(RuntimeError::from(RuntimeErrorKind::UnknownApp {
            app: wanted.clone(),
            suggestion,
        }));
    }
    Ok(desired
        .iter()
        .filter(|d| only.is_empty() || only.contains(&d.name))
        .collect())
}

/// What `verb` does to `apps`, given what runs: actions, conflicts, and notes.
pub fn policy(verb: Verb, apps: &[&Desired], running: &[Process]) -> (Plan, Vec<String>) {
    let mut plan = Plan::default();
    let mut notes = Vec::new();
    for d in apps {
        let procs: Vec<&Process> = running.iter().filter(|p| p.name == d.name).collect();
        let ids: Vec<u64> = procs.iter().map(|p| p.pm_id).collect();
        let action = |kind, reason: &str| Action {
            kind,
            app: d.name.clone(),
            source: d.source.clone(),
            reason: reason.to_string(),
            pm_ids: ids.clone(),
        };
        if procs.iter().any(|p| p.markers.is_none()) {
            plan.conflicts.push(Conflict::NotOwned {
                app: d.name.clone(),
                source: d.source.clone(),
            });
            continue;
        }
        let down = procs.iter().all(|p| p.status.is_down());
        let changed = procs
            .iter()
            .any(|p| p.markers.as_ref().is_some_and(|m| m.hash != d.markers.hash));
        // A change a restart would not apply (a new script, say) needs the app deleted and
        // started again: the same rule as `sync`'s.
        let recreate = procs
            .iter()
            .find_map(|p| p.markers.as_ref())
            .and_then(|m| needs_recreate(m, d))
            .is_some();
        let restarts = down || matches!(verb, Verb::Start { restart: true } | Verb::Restart | Verb::Reload);
        let kind = match verb {
            _ if procs.is_empty() && verb.starts() => Some((ActionKind::Start, "not running")),
            _ if verb.starts() && restarts && recreate => {
                Some((ActionKind::Recreate, "changed in a way a restart does not apply"))
            }
            Verb::Start { .. } if down => Some((ActionKind::Start, "stopped")),
            Verb::Start { restart: true } | Verb::Restart => Some((ActionKind::Restart, "asked")),
            Verb::Reload => Some((ActionKind::Reload, "asked")),
            Verb::Start { restart: false } => {
                let how = if changed {
                    "its definition changed; `pm2-clj reload` applies it"
                } else {
                    "use --restart to restart it"
                };
                notes.push(format!("{} is already running; {how}", d.name));
                None
            }
            Verb::Stop if !procs.is_empty() && !down => Some((ActionKind::Stop, "asked")),
            Verb::Delete if !procs.is_empty() => Some((ActionKind::Delete, "asked")),
            _ => None,
        };
        match kind {
            Some((ActionKind::Start, reason)) if procs.is_empty() => plan.actions.push(Action {
                pm_ids: Vec::new(),
                ..action(ActionKind::Start, reason)
            }),
            Some((kind, reason)) => plan.actions.push(action(kind, reason)),
            None => plan.unchanged.push(d.name.clone()),
        }
    }
    (plan, notes)
}

/// Runs `verb` on the loaded source `state` (its generated config written beside it in
/// `.pm2-clj/`, named after the profile it was loaded with).
pub fn run(
    pm2: &dyn Pm2,
    verb: Verb,
    state: &SourceState,
    options: &VerbOptions,
    reporter: &dyn Reporter,
) -> Result<Outcome, RuntimeError> {
    let mut outcome = Outcome::default();
    let prepared = match &state.result {
        Ok(prepared) => prepared,
        Err(reports) => {
            reporter.report(Event::SourceFailed {
                path: &state.path,
                reports,
            });
            outcome.failed_sources.push(state.path.clone());
            return Ok(outcome);
        }
    };
    reporter.report(Event::RecordedInputs {
        source: &state.path,
        prepared,
    });
    if !prepared.warnings.is_empty() {
        reporter.report(Event::Warnings(&prepared.warnings));
    }
    let selected = select(&prepared.desired, &options.only)?;
    let home = lock::pm2_home(options.home.as_deref());
    let _lock = lock::acquire(&home, options.lock_wait, |pid| {
        reporter.report(Event::Note(format!(
            "waiting for another pm2-clj run (pid {pid})"
        )));
    })?;
    let generated = Generated::verbs(&state.path, prepared.inputs.profile.as_deref());
    if verb.starts() {
        generated.write_config(&prepared.ecosystem, &prepared.header)?;
        let rotate = prepared.ecosystem.logs.as_ref().and_then(|l| l.rotate.as_deref());
        // Rotation is about logs, not the apps: when it cannot be set up, the apps
        // still start, and the run reports the failure.
        if let Err(e) = rotate::ensure(pm2, &Wanted::of(&state.path, rotate), reporter) {
            outcome.errors.push(e);
        }
    }
    let monitor = Monitor::new(pm2);
    let running = monitor.list()?;
    let (plan, notes) = policy(verb, &selected, &running);
    for note in notes {
        reporter.report(Event::Note(note));
    }
    for conflict in &plan.conflicts {
        reporter.report(Event::Conflict(conflict.clone()));
    }
    let left_alone: Vec<&str> = plan.conflicts.iter().map(|c| c.app()).collect();
    let selected_names: Vec<&str> = selected.iter().map(|d| d.name.as_str()).collect();
    let others: Vec<&str> = prepared
        .desired
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| !selected_names.contains(n) || left_alone.contains(n))
        .collect();
    if !plan.actions.is_empty() {
        let unit = Unit::of(
            &state.path,
            Some(prepared),
            plan.actions.clone(),
            generated,
            &others,
        );
        let apply_options = ApplyOptions {
            rollback: options.rollback,
            wait: options.wait,
        };
        outcome.units = apply(&monitor, vec![unit], apply_options, reporter);
    } else if plan.conflicts.is_empty() {
        reporter.report(Event::Note(format!("nothing to {}", verb_name(verb))));
    }
    outcome.plan = plan;
    Ok(outcome)
}

/// Runs `verb` on the source `file`, as the command does: pm2 is listed only when its
/// daemon runs (none is started just to look; `connect` is called when pm2 is needed),
/// the file is loaded with the profile and overrides its running apps recorded unless
/// `settings` give some, and a file that does not load is reported and refused before
/// pm2 is asked anything — except that `stop` and `delete` of a file lacking only what
/// it reads from outside (a variable it requires, a `.env` file) act on the apps it
/// started, found by their markers.
pub fn run_file(
    connect: &dyn Fn() -> Result<Box<dyn Pm2>, RuntimeError>,
    verb: Verb,
    file: &std::path::Path,
    settings: &pm2_clj_sync::load::LoadSettings,
    options: &VerbOptions,
    reporter: &dyn Reporter,
) -> Result<Outcome, RuntimeError> {
    let pm2 = match crate::pm2::daemon_runs(options.home.as_deref()) {
        true => Some(connect()?),
        false => None,
    };
    let running = match &pm2 {
        Some(pm2) => pm2.list()?,
        None => Vec::new(),
    };
    let state = pm2_clj_sync::desired::prepare_recorded(file, settings, &running);
    if let (Err(reports), Some(pm2)) = (&state.result, &pm2)
        && matches!(verb, Verb::Stop | Verb::Delete)
        && pm2_clj_sync::load::only_missing_inputs(reports)
    {
        reporter.report(Event::Warnings(reports));
        reporter.report(Event::Note(format!(
            "{} does not load; {} the apps pm2-clj started from it",
            file.display(),
            if verb == Verb::Stop {
                "stopping"
            } else {
                "deleting"
            }
        )));
        return run_by_markers(&**pm2, verb, file, options, reporter);
    }
    if let Err(reports) = &state.result {
        reporter.report(Event::SourceFailed {
            path: &state.path,
            reports,
        });
        return Ok(Outcome {
            failed_sources: vec![state.path.clone()],
            ..Outcome::default()
        });
    }
    run(&*connect_unless(pm2, connect)?, verb, &state, options, reporter)
}

/// `pm2`, or a new connection.
fn connect_unless(
    pm2: Option<Box<dyn Pm2>>,
    connect: &dyn Fn() -> Result<Box<dyn Pm2>, RuntimeError>,
) -> Result<Box<dyn Pm2>, RuntimeError> {
    match pm2 {
        Some(pm2) => Ok(pm2),
        None => connect(),
    }
}

/// Runs `stop` or `delete` on the apps pm2-clj started from `source`, found by their
/// markers alone: for a source that does not load now (a secret it needs is not set, it
/// was edited into an error), stopping or deleting what it started needs nothing of it.
/// `options.only` names apps among those.
pub fn run_by_markers(
    pm2: &dyn Pm2,
    verb: Verb,
    source: &std::path::Path,
    options: &VerbOptions,
    reporter: &dyn Reporter,
) -> Result<Outcome, RuntimeError> {
    let home = lock::pm2_home(options.home.as_deref());
    let _lock = lock::acquire(&home, options.lock_wait, |pid| {
        reporter.report(Event::Note(format!(
            "waiting for another pm2-clj run (pid {pid})"
        )));
    })?;
    let monitor = Monitor::new(pm2);
    let running = monitor.list()?;
    let source = pm2_clj_sync::scan::absolute(source);
    let owned: Vec<&Process> = (running.iter())
        .filter(|p| {
            p.markers
                .as_ref()
                .is_some_and(|m| std::path::Path::new(&m.source) == source)
        })
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for p in &owned {
        if !names.contains(&p.name.as_str()) {
            names.push(&p.name);
        }
    }
    if let Some(wanted) = options.only.iter().find(|o| !names.contains(&o.as_str())) {
        return Err(RuntimeError::from(RuntimeErrorKind::UnknownApp {
            app: wanted.clone(),
            suggestion: pm2_dsl_eval::closest(wanted, names.iter().copied()),
        }));
    }
    let mut plan = Plan::default();
    for name in names
        .iter()
        .filter(|n| options.only.is_empty() || options.only.iter().any(|o| o == *n))
    {
        let procs: Vec<&&Process> = owned.iter().filter(|p| p.name == *name).collect();
        let kind = match verb {
            Verb::Stop if procs.iter().all(|p| p.status.is_down()) => None,
            Verb::Stop => Some(ActionKind::Stop),
            Verb::Delete => Some(ActionKind::Delete),
            _ => None,
        };
        match kind {
            Some(kind) => plan.actions.push(Action {
                kind,
                app: name.to_string(),
                source: source.clone(),
                reason: "started from this source".into(),
                pm_ids: procs.iter().map(|p| p.pm_id).collect(),
            }),
            None => plan.unchanged.push(name.to_string()),
        }
    }
    let mut outcome = Outcome::default();
    if plan.actions.is_empty() {
        reporter.report(Event::Note(format!("nothing to {}", verb_name(verb))));
    } else {
        let profile = owned
            .iter()
            .find_map(|p| p.markers.as_ref()?.inputs.profile.clone());
        let generated = Generated::verbs(&source, profile.as_deref());
        let unit = Unit::of(&source, None, plan.actions.clone(), generated, &[]);
        let apply_options = ApplyOptions {
            rollback: options.rollback,
            wait: options.wait,
        };
        outcome.units = apply(&monitor, vec![unit], apply_options, reporter);
    }
    outcome.plan = plan;
    Ok(outcome)
}

/// The verb's name, as pm2 calls it.
pub fn verb_name(verb: Verb) -> &'static str {
    match verb {
        Verb::Start { .. } => "start",
        Verb::Restart => "restart",
        Verb::Reload => "reload",
        Verb::Stop => "stop",
        Verb::Delete => "delete",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use pm2_clj_sync::load::LoadSettings;

    use super::*;
    use crate::fake::FakePm2;

    #[derive(Default)]
    struct Notes(Mutex<Vec<String>>);

    impl Reporter for Notes {
        fn report(&self, event: Event<'_>) {
            let line = match event {
                Event::Note(n) => n,
                Event::Conflict(c) => format!("conflict {}", c.app()),
                _ => return,
            };
            self.0.lock().unwrap().push(line);
        }
    }

    struct Case {
        dir: tempfile::TempDir,
        pm2: FakePm2,
    }

    impl Case {
        fn new() -> Case {
            let case = Case {
                dir: tempfile::tempdir().unwrap(),
                pm2: FakePm2::default(),
            };
            case.write("web.js", "job.js");
            case
        }

        fn write(&self, web: &str, job: &str) {
            let text = format!(
                "{{:apps [{{:name \"web\" :script {web:?} :min-uptime 100}} {{:name \"job\" :script {job:?} :min-uptime 100}}]}}"
            );
            std::fs::write(self.dir.path().join("a.pm2.edn"), text).unwrap();
        }

        fn run(&self, verb: Verb, only: &[&str]) -> (Result<Outcome, RuntimeError>, Vec<String>) {
            let state =
                pm2_clj_sync::desired::prepare(&self.dir.path().join("a.pm2.edn"), &LoadSettings::default());
            let options = VerbOptions {
                only: only.iter().map(|s| s.to_string()).collect(),
                rollback: true,
                wait: Duration::from_secs(5),
                lock_wait: Duration::from_secs(5),
                home: Some(self.dir.path().join("home")),
            };
            let notes = Notes::default();
            let outcome = run(&self.pm2, verb, &state, &options, &notes);
            (outcome, notes.0.into_inner().unwrap())
        }
    }

    #[test]
    fn start_starts_only_what_is_not_running() {
        let case = Case::new();
        let (outcome, _) = case.run(Verb::Start { restart: false }, &["web"]);
        assert!(outcome.unwrap().units[0].succeeded());
        assert_eq!(case.pm2.calls(), ["start web"], "--only");
        let (_, notes) = case.run(Verb::Start { restart: false }, &[]);
        assert_eq!(notes, ["web is already running; use --restart to restart it"]);
        assert_eq!(case.pm2.calls()[1..], ["start job"]);
        case.write("web2.js", "job.js");
        let (_, notes) = case.run(Verb::Start { restart: false }, &["web"]);
        assert_eq!(
            notes,
            [
                "web is already running; its definition changed; `pm2-clj reload` applies it",
                "nothing to start"
            ]
        );
        let (_, _) = case.run(Verb::Start { restart: true }, &["web"]);
        assert_eq!(
            case.pm2.calls()[2..],
            ["delete 0", "start web"],
            "a new script: deleted and started again"
        );
        case.write("web2.js", "job.js");
        case.run(Verb::Restart, &["web"]).0.unwrap();
        assert_eq!(case.pm2.calls()[4..], ["restart 2"], "the same script: restarted");
        case.run(Verb::Reload, &["job"]).0.unwrap();
        assert_eq!(case.pm2.calls()[5..], ["reload 1"]);
    }

    #[test]
    fn stop_and_delete_act_on_what_runs_and_a_stopped_app_starts_again() {
        let case = Case::new();
        case.run(Verb::Start { restart: false }, &["web"]).0.unwrap();
        case.run(Verb::Start { restart: false }, &["job"]).0.unwrap();
        case.run(Verb::Stop, &["job"]).0.unwrap();
        let (_, notes) = case.run(Verb::Stop, &["job"]);
        assert_eq!(notes, ["nothing to stop"], "a second stop is not an error");
        case.run(Verb::Start { restart: false }, &[]).0.unwrap();
        case.run(Verb::Delete, &[]).0.unwrap();
        let mut calls = case.pm2.calls();
        calls[4..].sort();
        assert_eq!(
            calls,
            [
                "start web",
                "start job",
                "stop 1",
                "restart 1",
                "delete 0",
                "delete 1"
            ],
            "the two deletes of the last run go side by side"
        );
    }

    #[test]
    fn apps_pm2_clj_did_not_start_are_conflicts_and_unknown_names_are_errors() {
        let case = Case::new();
        case.pm2.hand_started("web");
        let (outcome, notes) = case.run(Verb::Reload, &[]);
        assert_eq!(notes, ["conflict web"]);
        assert_eq!(
            case.pm2.calls(),
            ["start job"],
            "web is not touched; job is not running, so it starts"
        );
        assert_eq!(outcome.unwrap().verdict(), crate::outcome::Verdict::InputProblem);
        let Err(e) = case.run(Verb::Stop, &["wbe"]).0 else {
            panic!()
        };
        assert_eq!(e.to_string(), "the file defines no app named wbe");
        assert_eq!(
            miette::Diagnostic::help(&e).unwrap().to_string(),
            "did you mean web?"
        );
    }
}
