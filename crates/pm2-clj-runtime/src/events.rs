//! What a run reports as it goes: typed [`Event`]s, which the CLI turns into text lines
//! or JSON lines, through a [`Reporter`]. Events come from several threads when sources
//! are applied side by side.

use std::path::{Path, PathBuf};

use pm2_clj_sync::conflict::Conflict;
use pm2_clj_sync::desired::Prepared;
use pm2_clj_sync::plan::{Action, Plan};
use pm2_clj_sync::problem::SourceProblem;

use crate::error::RuntimeError;
use crate::rotate::changes::Changes;
use crate::verify::{Down, Left, Unhealthy, Verified};

/// One thing that happened (borrowing what the run already holds).
#[derive(Debug)]
pub enum Event<'a> {
    /// Something worth a line that is not an action (pm2 driven through its command
    /// line, apps already running, a lock to wait for).
    Note(String),
    /// A source failed to load; its apps are left as they run.
    SourceFailed {
        /// The source.
        path: &'a Path,
        /// Why.
        reports: &'a [SourceProblem],
    },
    /// A source was loaded (announced when the profile and overrides it was loaded with
    /// are the ones its apps recorded, the command giving none).
    RecordedInputs {
        /// The source.
        source: &'a Path,
        /// What it gave.
        prepared: &'a Prepared,
    },
    /// Problems that do not stop anything.
    Warnings(&'a [SourceProblem]),
    /// The plan, before anything is done to the apps.
    Planned {
        /// The plan.
        plan: Plan,
        /// What `pm2-logrotate` needs: in a dry run, what the run would change; otherwise
        /// what it changed before planning (each change also reported as it was made).
        rotate: Changes,
        /// Whether nothing will be done.
        dry_run: bool,
    },
    /// An app is left alone.
    Conflict(Conflict),
    /// An action is about to run.
    Started(Action),
    /// An action ran (pm2 accepted it; verification follows).
    Done(Action),
    /// An action failed.
    Failed(Action, RuntimeError),
    /// An app proved itself: online, stable, healthy.
    Verified(Verified),
    /// An app did not.
    Unhealthy(Unhealthy),
    /// An app stopped, or left pm2's list, as asked.
    Down(Down),
    /// A source's changes are being undone.
    RollingBack {
        /// The source.
        source: PathBuf,
    },
    /// One undo step ran.
    Undone {
        /// The app.
        app: String,
        /// What was done to undo.
        what: String,
        /// Whether it worked.
        result: Result<(), RuntimeError>,
    },
    /// A source was rolled back; whether its restored apps verified.
    RolledBack {
        /// The source.
        source: PathBuf,
        /// Whether the restored apps verified.
        healthy: bool,
        /// The apps whose undo failed, with the state each is left in.
        left: Vec<Left>,
    },
    /// A failure outside any action (a last good definition that could not be recorded).
    Problem(RuntimeError),
    /// A source's change failed before and it has not changed since: its apps stay at
    /// their last good definition (`watch`).
    Held {
        /// The source.
        source: PathBuf,
    },
}

/// Where events go.
pub trait Reporter: Sync {
    /// Reports one event.
    fn report(&self, event: Event<'_>);
}

/// A reporter that keeps nothing (for embedders that only want the outcome).
pub struct Quiet;

impl Reporter for Quiet {
    fn report(&self, _: Event<'_>) {}
}
