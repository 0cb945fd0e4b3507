//! What a run did, as one value: the plan, the sources that failed to load, what pm2
//! refused, and each transaction's fate; and the verdict the CLI turns into an exit
//! code.

use std::path::PathBuf;

use pm2_clj_sync::plan::Plan;

use crate::apply::UnitOutcome;
use crate::error::RuntimeError;
use crate::rotate::Wanted;

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The plan.
    pub plan: Plan,
    /// Sources that failed to load, or whose generated file could not be written: their
    /// apps were left as they run.
    pub failed_sources: Vec<PathBuf>,
    /// Failures outside any transaction (listing pm2, taking the lock, writing files).
    pub errors: Vec<RuntimeError>,
    /// Each transaction.
    pub units: Vec<UnitOutcome>,
    /// What sources asked of `pm2-logrotate` when it could not be set up (pm2 refused
    /// the install or an option), in this run or, for `watch`, in an earlier one it was
    /// not tried again after (see `reconcile::Held`).
    pub rotate_failed: Option<Wanted>,
    /// Whether the run stopped before its plan: pm2 did not list its processes, or
    /// another run held the lock (worth trying again soon).
    pub stopped_early: bool,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything applied and verified.
    Success,
    /// The input is wrong somewhere: a source failed, a conflict, a file not written.
    InputProblem,
    /// pm2 refused something, or an app did not verify (rolled back or not).
    Pm2Problem,
}

impl Outcome {
    /// Whether the run stopped before its plan (see [`Outcome::stopped_early`]).
    pub fn plan_failed(&self) -> bool {
        self.stopped_early
    }

    /// How the run ended: pm2 problems over input problems.
    pub fn verdict(&self) -> Verdict {
        let pm2 = self.errors.iter().any(|e| e.kind().is_pm2_failure())
            || self.units.iter().any(|u| !u.succeeded());
        if pm2 {
            Verdict::Pm2Problem
        } else if !self.errors.is_empty()
            || !self.failed_sources.is_empty()
            || !self.plan.conflicts.is_empty()
        {
            Verdict::InputProblem
        } else {
            Verdict::Success
        }
    }
}
