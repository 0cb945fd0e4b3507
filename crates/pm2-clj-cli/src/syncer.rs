//! Applying a sync: write each loaded source's `dist/` file (atomically, only when its
//! content changed), read `pm2 jlist`, plan, report the plan, and carry it out. Used by
//! `sync` (once) and `watch` (on every change).
//!
//! Order of work: deletions first (including the delete half of a recreate), then
//! starts (grouped per source: `pm2 start dist/... --only a,b`), then reloads (grouped the
//! same way). A failed pm2 command is reported and the rest of the plan goes on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use pm2_clj_sync::desired::SourceState;
use pm2_clj_sync::plan::{Action, ActionKind, Plan, PlanOptions, plan};
use pm2_clj_sync::scan::{Scope, dist_path};
use pm2_dsl_emit::render;
use serde_json::json;

use crate::commands::render::Format;
use crate::failure::Failure;
use crate::pm2::Pm2;
use crate::report::{MessageFormat, emit_reports};
use pm2_clj_runtime::files::write_if_changed;

/// How `sync` prints its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// One line per action.
    Text,
    /// One JSON object.
    Json,
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The plan.
    pub plan: Plan,
    /// Sources that failed to load (their apps were left as they run).
    pub failed_sources: Vec<PathBuf>,
    /// pm2 commands that failed.
    pub pm2_failures: Vec<String>,
}

impl Outcome {
    /// The command's result: pm2 failures (exit 3) over input problems (exit 1).
    pub fn result(&self) -> Result<(), Failure> {
        if !self.pm2_failures.is_empty() {
            let message = format!("{} pm2 command(s) failed", self.pm2_failures.len());
            return Err(Failure::Pm2(miette::Report::new(Failure::plain(
                "sync::pm2-failed",
                message,
                None,
            ))));
        }
        if !self.failed_sources.is_empty() || !self.plan.conflicts.is_empty() {
            return Err(Failure::Input(Vec::new()));
        }
        Ok(())
    }
}

/// Settings of a sync run.
pub struct Syncer {
    pub pm2: Pm2,
    pub emit: Format,
    pub dry_run: bool,
    pub format: PlanFormat,
    pub message_format: MessageFormat,
    /// Prefix each printed line with a timestamp (for `watch`).
    pub timestamps: bool,
}

fn ext(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Cjs => "cjs",
        Format::Mjs => "mjs",
    }
}

fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd).unwrap_or(path).display().to_string()
}

impl Syncer {
    /// Prints a line (with a timestamp in `watch`).
    pub fn say(&self, line: &str) {
        if self.timestamps {
            let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
            println!("{now} {line}");
        } else {
            println!("{line}");
        }
    }

    /// Reconciles the sources of `scope` (loaded as `states`) with pm2.
    pub fn run(&self, scope: &Scope, states: &[SourceState]) -> Outcome {
        let mut outcome = Outcome::default();
        for state in states {
            match &state.result {
                Err(reports) => {
                    emit_reports(reports.iter(), self.message_format);
                    self.say(&format!(
                        "! {}: not loaded; its apps are left as they run",
                        display(&state.path)
                    ));
                    outcome.failed_sources.push(state.path.clone());
                }
                Ok(prepared) => {
                    emit_reports(prepared.warnings.iter(), self.message_format);
                    if !self.dry_run {
                        let text = render(&prepared.ecosystem, self.emit.output(), &prepared.header);
                        if let Err(e) = write_if_changed(&dist_path(&state.path, ext(self.emit)), &text) {
                            crate::report::emit(&[&e], self.message_format);
                        }
                    }
                }
            }
        }
        let running = match self.pm2.jlist() {
            Ok(running) => running,
            Err(failure) => {
                emit_reports(failure.reports(), self.message_format);
                outcome.pm2_failures.push("pm2 jlist".into());
                return outcome;
            }
        };
        outcome.plan = plan(states, &running, scope, PlanOptions::default());
        self.print(&outcome);
        if !self.dry_run {
            self.apply(&outcome.plan, &mut outcome.pm2_failures);
        }
        outcome
    }

    fn print(&self, outcome: &Outcome) {
        let plan = &outcome.plan;
        match self.format {
            PlanFormat::Json => {
                let actions: Vec<_> = plan
                    .actions
                    .iter()
                    .map(|a| json!({"action": a.kind.verb(), "app": a.app, "source": a.source, "reason": a.reason}))
                    .collect();
                let report = json!({
                    "dry_run": self.dry_run,
                    "actions": actions,
                    "unchanged": plan.unchanged,
                    "conflicts": plan.conflicts.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "failed_sources": outcome.failed_sources,
                });
                println!("{report}");
            }
            PlanFormat::Text => {
                for a in &plan.actions {
                    self.say(&format!(
                        "{:<4}{:<9}{}  ({}: {})",
                        a.kind.symbol(),
                        a.kind.verb(),
                        a.app,
                        display(&a.source),
                        a.reason
                    ));
                }
                for conflict in &plan.conflicts {
                    self.say(&format!("!   conflict {conflict}"));
                }
                let summary = format!(
                    "{} to change, {} unchanged{}",
                    plan.actions.len(),
                    plan.unchanged.len(),
                    if self.dry_run {
                        " (dry run: nothing changed)"
                    } else {
                        ""
                    }
                );
                if !self.timestamps || !plan.actions.is_empty() {
                    self.say(&summary);
                }
            }
        }
    }

    fn apply(&self, plan: &Plan, failures: &mut Vec<String>) {
        let mut run = |args: Vec<String>, dir: &Path| {
            if let Err(message) = self.pm2.run_quiet(&args, dir) {
                self.say(&format!("! {message}"));
                failures.push(message);
            }
        };
        for a in plan
            .actions
            .iter()
            .filter(|a| matches!(a.kind, ActionKind::Delete | ActionKind::Recreate))
        {
            let mut args = vec!["delete".to_string()];
            args.extend(a.pm_ids.iter().map(u64::to_string));
            run(args, Path::new("."));
        }
        let phases: [(&[ActionKind], &str); 2] = [
            (&[ActionKind::Start, ActionKind::Recreate], "start"),
            (&[ActionKind::Reload], "reload"),
        ];
        for (kinds, verb) in phases {
            let mut by_source: BTreeMap<&Path, Vec<&Action>> = BTreeMap::new();
            for a in plan.actions.iter().filter(|a| kinds.contains(&a.kind)) {
                by_source.entry(a.source.as_path()).or_default().push(a);
            }
            for (source, actions) in by_source {
                let names: Vec<&str> = actions.iter().map(|a| a.app.as_str()).collect();
                let dist = dist_path(source, ext(self.emit));
                let dir = source.parent().unwrap_or(Path::new("."));
                let args = vec![
                    verb.to_string(),
                    dist.to_string_lossy().into_owned(),
                    "--only".into(),
                    names.join(","),
                ];
                run(args, dir);
            }
        }
    }
}
