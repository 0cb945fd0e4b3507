//! Printing what a run reports: one line per event on stdout (timestamped in `watch`),
//! diagnostics on stderr; or, with `--message-format json`, one JSON object per event
//! and per diagnostic on stdout and nothing else there.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use miette::Diagnostic;
use pm2_clj_runtime::events::{Event, Reporter};
use pm2_clj_runtime::rotate::{Changes, Was};
use pm2_clj_sync::conflict::Conflict;
use pm2_clj_sync::load::InputsFrom;
use pm2_clj_sync::plan::{Action, Plan};
use pm2_dsl_emit::logs::ROTATE_MODULE;
use pm2_dsl_reader::{ProblemKind, printable};
use serde_json::{Value as Json, json};

use crate::report::{MessageFormat, emit, emit_problems, to_json};

/// Prints events.
pub struct Printer {
    json: bool,
    timestamps: bool,
    lock: Mutex<()>,
}

/// A path as the user would type it: relative to the current folder when inside it;
/// printable ([`shown`]).
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    shown(path.strip_prefix(&cwd).unwrap_or(path))
}

/// A path as a terminal can show it: a folder's name can hold an escape sequence, which
/// is written out (`\u{1b}`) like any character a terminal would act on.
pub fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

fn action_json(a: &Action) -> Json {
    json!({"action": a.kind.verb(), "app": a.app, "source": a.source, "reason": a.reason, "pm_ids": a.pm_ids})
}

fn rotate_json(changes: &Changes) -> Json {
    let set: Vec<Json> = changes
        .set
        .iter()
        .map(|c| json!({"setting": c.setting, "value": c.value, "was": c.was.value(), "default": matches!(c.was, Was::Default(_))}))
        .collect();
    json!({"module": ROTATE_MODULE, "install": changes.install, "set": set})
}

fn conflict_json(c: &Conflict) -> Json {
    json!({"code": c.code(), "app": c.app(), "message": c.to_string()})
}

impl Printer {
    /// A printer in `format`; `timestamps` prefixes each line (for `watch`).
    pub fn new(format: MessageFormat, timestamps: bool) -> Printer {
        Printer {
            json: format == MessageFormat::Json,
            timestamps,
            lock: Mutex::new(()),
        }
    }

    fn format(&self) -> MessageFormat {
        if self.json {
            MessageFormat::Json
        } else {
            MessageFormat::Human
        }
    }

    /// Prints a line (with a timestamp in `watch`), printable: it can carry the name of
    /// a process pm2-clj did not start, or a folder's.
    pub fn say(&self, line: &str) {
        let line = printable(line);
        let mut out = std::io::stdout().lock();
        let _ = if self.timestamps {
            let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
            writeln!(out, "{now} {line}")
        } else {
            writeln!(out, "{line}")
        };
    }

    fn json_line(&self, value: Json) {
        let _ = writeln!(std::io::stdout().lock(), "{value}");
    }

    fn plan(&self, plan: &Plan, rotate: &Changes, dry_run: bool) {
        if self.json {
            return self.json_line(json!({
                "event": "plan",
                "dry_run": dry_run,
                "actions": plan.actions.iter().map(action_json).collect::<Vec<_>>(),
                "unchanged": plan.unchanged,
                "conflicts": plan.conflicts.iter().map(conflict_json).collect::<Vec<_>>(),
                "logrotate": rotate_json(rotate),
            }));
        }
        // A real run reported these as it made them, before the plan.
        if dry_run {
            if rotate.install {
                self.say(&format!(
                    "+   install  {ROTATE_MODULE}  (from npm, for :logs :rotate)"
                ));
            }
            for c in &rotate.set {
                self.say(&format!(
                    "~   set      {ROTATE_MODULE}:{} {}  ({})",
                    c.setting, c.value, c.was
                ));
            }
        }
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
        let summary = format!(
            "{} to change, {} unchanged{}",
            plan.actions.len(),
            plan.unchanged.len(),
            if dry_run {
                " (dry run: nothing changed)"
            } else {
                ""
            }
        );
        if !self.timestamps || !plan.actions.is_empty() {
            self.say(&summary);
        }
    }

    fn conflict(&self, conflict: &Conflict) {
        if self.json {
            return self.json_line(json!({"event": "conflict", "conflict": conflict_json(conflict)}));
        }
        self.say(&format!("!   conflict {conflict}"));
        let report = conflict.clone().report();
        if matches!(conflict, Conflict::ClaimedTwice { .. }) {
            emit(&[&report as &dyn Diagnostic], MessageFormat::Human);
        }
    }
}

impl Reporter for Printer {
    fn report(&self, event: Event<'_>) {
        let _turn = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            Event::Note(note) if self.json => self.json_line(json!({"event": "note", "message": note})),
            Event::Note(note) => self.say(&format!("pm2-clj: {note}")),
            Event::SourceFailed { path, reports } if self.json => self.json_line(json!({
                "event": "source-failed",
                "source": path,
                "diagnostics": reports.iter().map(|r| to_json(r)).collect::<Vec<_>>(),
            })),
            Event::SourceFailed { path, reports } => {
                emit_problems(reports, MessageFormat::Human);
                self.say(&format!(
                    "! {}: not loaded; its apps are left as they run",
                    display(path)
                ));
            }
            Event::Warnings(reports) => emit_problems(reports, self.format()),
            Event::Planned {
                plan,
                rotate,
                dry_run,
            } => {
                self.plan(&plan, &rotate, dry_run);
                for conflict in &plan.conflicts {
                    self.conflict(conflict);
                }
            }
            Event::Conflict(conflict) => self.conflict(&conflict),
            Event::Started(action) if self.json => {
                self.json_line(json!({"event": "started", "action": action_json(&action)}));
            }
            Event::Started(_) => {}
            Event::Done(action) if self.json => {
                self.json_line(json!({"event": "done", "action": action_json(&action)}))
            }
            Event::Done(_) => {}
            Event::Failed(action, error) if self.json => self.json_line(json!({
                "event": "failed",
                "action": action_json(&action),
                "error": to_json(&error),
            })),
            Event::Failed(action, error) => self.say(&format!(
                "! {} {} failed: {error}",
                action.kind.verb(),
                action.app
            )),
            Event::Verified(v) if self.json => self.json_line(json!({
                "event": "verified",
                "app": v.app,
                "instances": v.instances,
                "stable_ms": v.window.as_millis() as u64,
                "check": v.check,
                "seconds": v.took.as_secs_f64(),
            })),
            Event::Verified(v) => {
                let check = v.check.map(|c| format!(", {c} check passes")).unwrap_or_default();
                self.say(&format!(
                    "ok  {}: {} online, up {}ms{check} ({:.1}s)",
                    v.app,
                    v.instances,
                    v.window.as_millis(),
                    v.took.as_secs_f64()
                ));
            }
            Event::Down(d) if self.json => self.json_line(json!({
                "event": d.state,
                "app": d.app,
                "processes": d.processes,
                "seconds": d.took.as_secs_f64(),
            })),
            Event::Down(d) => self.say(&format!(
                "ok  {}: {} ({} process(es), {:.1}s)",
                d.app,
                d.state,
                d.processes,
                d.took.as_secs_f64()
            )),
            Event::Unhealthy(u) if self.json => self.json_line(json!({
                "event": "unhealthy",
                "app": u.app,
                "check": u.check,
                "saw": u.saw,
                "log": u.log,
                "help": u.help,
                "code": "runtime::unhealthy",
            })),
            Event::Unhealthy(u) => {
                self.say(&format!("!   {}: {} check failed: {}", u.app, u.check, u.saw));
                emit(&[&u as &dyn Diagnostic], MessageFormat::Human);
            }
            Event::RollingBack { source } if self.json => {
                self.json_line(json!({"event": "rolling-back", "source": source}));
            }
            Event::RollingBack { source } => self.say(&format!("<<  rolling back {}", display(&source))),
            Event::Undone { app, what, result } if self.json => self.json_line(json!({
                "event": "undone",
                "app": app,
                "what": what,
                "ok": result.is_ok(),
                "error": result.as_ref().err().map(|e| to_json(e)),
            })),
            Event::Undone { app, what, result } => match result {
                Ok(()) => self.say(&format!("    undo {app}: {what}")),
                Err(e) => self.say(&format!("!   undo {app} failed: {e}")),
            },
            Event::RolledBack {
                source,
                healthy,
                left,
            } if self.json => {
                let left: Vec<Json> = left
                    .iter()
                    .map(|l| json!({"app": l.app, "state": l.state}))
                    .collect();
                self.json_line(json!({
                    "event": "rolled-back",
                    "source": source,
                    "healthy": healthy && left.is_empty(),
                    "complete": left.is_empty(),
                    "left": left,
                }));
            }
            Event::RolledBack {
                source,
                healthy,
                left,
            } if left.is_empty() => self.say(&format!(
                "<<  rolled back {}; the restored apps are {}",
                display(&source),
                if healthy { "healthy" } else { "NOT healthy" }
            )),
            Event::RolledBack { source, left, .. } => {
                self.say(&format!(
                    "!<< rollback of {} INCOMPLETE: {} app(s) could not be restored",
                    display(&source),
                    left.len()
                ));
                for l in &left {
                    self.say(&format!("!   {} is left {}", l.app, l.state));
                }
            }
            Event::RecordedInputs { prepared, .. } if prepared.inputs_from != InputsFrom::Recorded => {}
            Event::RecordedInputs { source, prepared } if self.json => self.json_line(json!({
                "event": "recorded-inputs",
                "source": source,
                "profile": prepared.inputs.profile,
                "inputs": prepared.inputs.describe(),
            })),
            Event::RecordedInputs { source, prepared } => self.say(&format!(
                "=   {}: {}, as its apps were last applied (--profile, --set or --unset change that)",
                display(source),
                prepared.inputs.describe()
            )),
            Event::Problem(error) if self.json => {
                self.json_line(json!({"event": "error", "error": to_json(&error)}));
            }
            Event::Problem(error) => emit(&[&error as &dyn Diagnostic], MessageFormat::Human),
            Event::Held { source } if self.json => self.json_line(json!({"event": "held", "source": source})),
            Event::Held { source } => self.say(&format!(
                "=   {}: its last change failed; held at its last good definition until it changes",
                display(&source)
            )),
        }
    }
}
