//! The plan, like a terraform plan: from the desired apps and the running processes,
//! what to start (`+`), reload (`~`), delete and start again (`-/+`) and delete (`-`).
//!
//! - Only apps pm2-clj owns (they carry its markers) are ever reloaded or deleted; an app
//!   of the same name that it did not start is a conflict, unless the run adopts it.
//! - An app two sources define is applied from neither.
//! - The desired state is running: an owned app found stopped or errored is started
//!   (unless its source says `:autostart false`), and one running another number of
//!   instances than its source says (`pm2 scale`) is started again.
//! - A source that fails to load, or a folder that cannot be read, keeps its apps
//!   exactly as they run. When sources are there but none could be read, nothing is
//!   deleted; a folder holding no source any more (its last one removed) deletes their
//!   apps like any other removed source's.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::conflict::{Conflict, claimed_twice};
use crate::desired::{Desired, SourceState};
use crate::markers::{Markers, removed_env};
use crate::process::Process;
use crate::scan::Scope;

/// What to do with one app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `+` start an app: a new one, or the app's stopped processes ([`Action::pm_ids`])
    /// with its current definition.
    Start,
    /// `~` reload a changed app (zero-downtime for cluster apps).
    Reload,
    /// restart an app with its current definition (the `restart` verb).
    Restart,
    /// `-/+` delete and start again: the change is one pm2 would not apply on reload.
    Recreate,
    /// stop an app, keeping it in pm2's list (the `stop` verb).
    Stop,
    /// `-` stop and delete an app.
    Delete,
}

impl ActionKind {
    /// The plan symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            ActionKind::Start => "+",
            ActionKind::Reload | ActionKind::Restart => "~",
            ActionKind::Recreate => "-/+",
            ActionKind::Stop | ActionKind::Delete => "-",
        }
    }

    /// The verb.
    pub fn verb(self) -> &'static str {
        match self {
            ActionKind::Start => "start",
            ActionKind::Reload => "reload",
            ActionKind::Restart => "restart",
            ActionKind::Recreate => "recreate",
            ActionKind::Stop => "stop",
            ActionKind::Delete => "delete",
        }
    }

    /// Whether the app runs its source's definition afterwards (so it is verified).
    pub fn starts(self) -> bool {
        matches!(
            self,
            ActionKind::Start | ActionKind::Reload | ActionKind::Restart | ActionKind::Recreate
        )
    }
}

/// One planned action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// What to do.
    pub kind: ActionKind,
    /// The app.
    pub app: String,
    /// The source that defines (or defined) it.
    pub source: PathBuf,
    /// Why.
    pub reason: String,
    /// The pm2 ids of the app's processes (empty for a new app).
    pub pm_ids: Vec<u64>,
}

/// A plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The actions, in source order (deletions of apps whose definition is gone last).
    pub actions: Vec<Action>,
    /// Apps that are up to date.
    pub unchanged: Vec<String>,
    /// Apps left alone, and why.
    pub conflicts: Vec<Conflict>,
}

/// How to plan.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanOptions {
    /// Take over apps of the same name that pm2-clj did not start (they are started
    /// again from their source).
    pub adopt: bool,
}

/// What the running processes of one app say about it; a switch of the inputs it was
/// loaded with (another profile) is named first in the reason.
fn compare(
    desired: &Desired,
    markers: &Markers,
    processes: &[&Process],
    ids: Vec<u64>,
) -> Option<(ActionKind, String, Vec<u64>)> {
    let switch = (markers.inputs != desired.markers.inputs).then(|| {
        format!(
            "switched from {} to {}",
            markers.inputs.describe(),
            desired.markers.inputs.describe()
        )
    });
    let (kind, reason) = what_changed(desired, markers, processes)?;
    let reason = match switch {
        Some(switch) if reason == "changed" => switch,
        Some(switch) => format!("{switch}; {reason}"),
        None => reason,
    };
    Some((kind, reason, ids))
}

fn what_changed(
    desired: &Desired,
    markers: &Markers,
    processes: &[&Process],
) -> Option<(ActionKind, String)> {
    let fixed_changed = markers.fixed != desired.markers.fixed;
    if desired.autostart && processes.iter().any(|p| p.status.is_down()) {
        let status = processes
            .iter()
            .find(|p| p.status.is_down())
            .map(|p| p.status.as_str());
        let reason = format!("{} in pm2", status.unwrap_or("down"));
        let kind = if fixed_changed {
            ActionKind::Recreate
        } else {
            ActionKind::Start
        };
        return Some((kind, reason));
    }
    if let Some(n) = desired.instances
        && processes.len() as u64 != n
    {
        let reason = format!("{} instances run, the source says {n}", processes.len());
        return Some((ActionKind::Recreate, reason));
    }
    if markers.hash == desired.markers.hash {
        // The markers say in sync; a reload by hand with another definition keeps them
        // (pm2 merges environments), so compare what pm2 holds too.
        let changed = processes.iter().find_map(|p| {
            desired
                .env
                .keys()
                .find(|k| !desired.env_holds(k, p.env.get(*k).map(String::as_str)))
        });
        return changed.map(|k| (ActionKind::Reload, format!("env {k} changed by hand")));
    }
    match needs_recreate(markers, desired) {
        Some(reason) => Some((ActionKind::Recreate, reason)),
        None => Some((ActionKind::Reload, "changed".into())),
    }
}

/// Why a running app (with `markers`) must be deleted and started again to take its
/// new definition, when a reload or restart would not apply it: an option pm2 keeps on
/// reload changed, or an environment variable was removed (it would survive).
pub fn needs_recreate(markers: &Markers, desired: &Desired) -> Option<String> {
    if markers.fixed != desired.markers.fixed {
        return Some("an option pm2 keeps on reload changed".to_string());
    }
    match removed_env(&markers.env, &desired.markers.env).as_slice() {
        [] => None,
        removed => Some(format!(
            "env {} removed (it would survive a reload)",
            removed.join(", ")
        )),
    }
}

/// Plans what makes the running processes match the sources in `scope`.
pub fn plan(states: &[SourceState], running: &[Process], scope: &Scope, options: PlanOptions) -> Plan {
    let mut by_name: HashMap<&str, Vec<&Process>> = HashMap::new();
    for p in running {
        by_name.entry(p.name.as_str()).or_default().push(p);
    }
    let failed: HashSet<&Path> = states
        .iter()
        .filter(|s| !s.loaded())
        .map(|s| s.path.as_path())
        .collect();
    let loaded: HashSet<&Path> = states
        .iter()
        .filter(|s| s.loaded())
        .map(|s| s.path.as_path())
        .collect();
    let listed: HashSet<&Path> = states.iter().map(|s| s.path.as_path()).collect();
    // Sources none of which loaded (a folder that cannot be read counts as one) delete
    // nothing; a tree that holds no source at all deletes the apps of its sources.
    let nothing_read = !states.is_empty() && loaded.is_empty();

    let mut plan = Plan {
        conflicts: claimed_twice(states),
        ..Plan::default()
    };
    let twice: HashSet<String> = plan.conflicts.iter().map(|c| c.app().to_string()).collect();
    let mut wanted: HashSet<&str> = twice.iter().map(String::as_str).collect();
    for desired in states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| &p.desired)
        .filter(|d| !twice.contains(&d.name))
    {
        wanted.insert(&desired.name);
        let action = |kind, reason: String, ids: Vec<u64>| Action {
            kind,
            app: desired.name.clone(),
            source: desired.source.clone(),
            reason,
            pm_ids: ids,
        };
        let processes = by_name.get(desired.name.as_str()).cloned().unwrap_or_default();
        if processes.is_empty() {
            plan.actions
                .push(action(ActionKind::Start, "new".into(), Vec::new()));
            continue;
        }
        let ids: Vec<u64> = processes.iter().map(|p| p.pm_id).collect();
        if processes.iter().any(|p| p.markers.is_none()) {
            if options.adopt {
                plan.actions.push(action(
                    ActionKind::Recreate,
                    "adopted: pm2-clj did not start it".into(),
                    ids,
                ));
            } else {
                plan.conflicts.push(Conflict::NotOwned {
                    app: desired.name.clone(),
                    source: desired.source.clone(),
                });
            }
            continue;
        }
        let markers: Vec<&Markers> = processes.iter().filter_map(|p| p.markers.as_ref()).collect();
        let owner = markers
            .iter()
            .map(|m| PathBuf::from(&m.source))
            .find(|owner| *owner != desired.source);
        if let Some(owner) = owner {
            let owner_released = scope.covers(&owner)
                && !failed.contains(owner.as_path())
                && (loaded.contains(owner.as_path()) || !listed.contains(owner.as_path()));
            if owner_released {
                let reason = format!("moved from {}", owner.display());
                plan.actions.push(action(ActionKind::Recreate, reason, ids));
            } else {
                plan.conflicts.push(Conflict::OwnedElsewhere {
                    app: desired.name.clone(),
                    source: desired.source.clone(),
                    owner,
                });
            }
            continue;
        }
        match compare(desired, markers[0], &processes, ids) {
            Some((kind, reason, ids)) => plan.actions.push(action(kind, reason, ids)),
            None => plan.unchanged.push(desired.name.clone()),
        }
    }

    let mut deleted: HashSet<&str> = HashSet::new();
    for p in running {
        let Some(markers) = &p.markers else { continue };
        if wanted.contains(p.name.as_str()) || deleted.contains(p.name.as_str()) || nothing_read {
            continue;
        }
        let source = PathBuf::from(&markers.source);
        if !scope.covers(&source) || failed.iter().any(|f| source.starts_with(f)) {
            continue;
        }
        let reason = if loaded.contains(source.as_path()) {
            "no longer in its source"
        } else if listed.contains(source.as_path()) {
            continue;
        } else {
            "its source is gone"
        };
        deleted.insert(&p.name);
        let ids = running
            .iter()
            .filter(|q| q.name == p.name && q.markers.is_some())
            .map(|q| q.pm_id)
            .collect();
        plan.actions.push(Action {
            kind: ActionKind::Delete,
            app: p.name.clone(),
            source,
            reason: reason.to_string(),
            pm_ids: ids,
        });
    }
    plan
}
