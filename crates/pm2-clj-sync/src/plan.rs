//! The plan, like a terraform plan: from the desired apps and the running processes,
//! what to start (`+`), reload (`~`), delete and start again (`-/+`) and delete (`-`).
//!
//! Only apps pm2-clj owns (they carry its markers) are ever reloaded or deleted. A
//! source that fails to load keeps its apps exactly as they run. When no source could be
//! read at all, nothing is deleted.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::desired::{Desired, SourceState};
use crate::markers::removed_env;
use crate::process::Process;
use crate::scan::Scope;

/// What to do with one app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `+` start a new app.
    Start,
    /// `~` reload a changed app.
    Reload,
    /// `-/+` delete and start again: the change is one pm2 would not apply on reload.
    Recreate,
    /// `-` stop and delete an app whose definition is gone.
    Delete,
}

impl ActionKind {
    /// The plan symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            ActionKind::Start => "+",
            ActionKind::Reload => "~",
            ActionKind::Recreate => "-/+",
            ActionKind::Delete => "-",
        }
    }

    /// The verb.
    pub fn verb(self) -> &'static str {
        match self {
            ActionKind::Start => "start",
            ActionKind::Reload => "reload",
            ActionKind::Recreate => "recreate",
            ActionKind::Delete => "delete",
        }
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
    /// The pm2 ids of the running processes to delete (delete and recreate).
    pub pm_ids: Vec<u64>,
}

/// A plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The actions, in source order (deletions last).
    pub actions: Vec<Action>,
    /// Apps that are up to date.
    pub unchanged: Vec<String>,
    /// Apps left alone because acting would touch something pm2-clj does not own, or
    /// because two sources define them.
    pub conflicts: Vec<String>,
}

/// Plans what makes the running processes match the sources in `scope`.
pub fn plan(states: &[SourceState], running: &[Process], scope: &Scope) -> Plan {
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
    let nothing_read =
        (states.is_empty() && !scope.dirs.is_empty()) || (!states.is_empty() && loaded.is_empty());

    let mut plan = Plan::default();
    let mut wanted: HashMap<&str, &Desired> = HashMap::new();
    for desired in states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| &p.desired)
    {
        if let Some(first) = wanted.get(desired.name.as_str()) {
            plan.conflicts.push(format!(
                "{}: defined in {} and in {}; left as it is",
                desired.name,
                first.source.display(),
                desired.source.display()
            ));
            continue;
        }
        wanted.insert(&desired.name, desired);
        let action = |kind, reason: &str, ids: Vec<u64>| Action {
            kind,
            app: desired.name.clone(),
            source: desired.source.clone(),
            reason: reason.to_string(),
            pm_ids: ids,
        };
        let processes = by_name.get(desired.name.as_str()).cloned().unwrap_or_default();
        if processes.is_empty() {
            plan.actions.push(action(ActionKind::Start, "new", Vec::new()));
            continue;
        }
        if processes.iter().any(|p| p.markers.is_none()) {
            plan.conflicts.push(format!(
                "{}: the name is taken by an app pm2-clj does not own; left as it is",
                desired.name
            ));
            continue;
        }
        let ids: Vec<u64> = processes.iter().map(|p| p.pm_id).collect();
        let markers = processes[0].markers.as_ref().expect("owned");
        let owner = PathBuf::from(&markers.source);
        if owner != desired.source {
            let owner_released = scope.covers(&owner)
                && !failed.contains(owner.as_path())
                && (loaded.contains(owner.as_path()) || !listed.contains(owner.as_path()));
            if owner_released {
                let reason = format!("moved from {}", owner.display());
                plan.actions.push(action(ActionKind::Recreate, &reason, ids));
            } else {
                plan.conflicts.push(format!(
                    "{}: owned by {}; left as it is",
                    desired.name,
                    owner.display()
                ));
            }
            continue;
        }
        if markers.hash == desired.markers.hash {
            plan.unchanged.push(desired.name.clone());
        } else if markers.fixed != desired.markers.fixed {
            plan.actions.push(action(
                ActionKind::Recreate,
                "an option pm2 keeps on reload changed",
                ids,
            ));
        } else if let removed @ [_, ..] = removed_env(&markers.env, &desired.markers.env).as_slice() {
            let reason = format!("env {} removed (it would survive a reload)", removed.join(", "));
            plan.actions.push(action(ActionKind::Recreate, &reason, ids));
        } else {
            plan.actions
                .push(action(ActionKind::Reload, "changed", Vec::new()));
        }
    }

    let mut deleted: HashSet<&str> = HashSet::new();
    for p in running {
        let Some(markers) = &p.markers else { continue };
        if wanted.contains_key(p.name.as_str()) || deleted.contains(p.name.as_str()) || nothing_read {
            continue;
        }
        let source = PathBuf::from(&markers.source);
        if !scope.covers(&source) || failed.contains(source.as_path()) {
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
