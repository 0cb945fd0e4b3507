//! `watch`: sync a tree once, then again on every (debounced) change and every
//! `resync_every`. Each round re-loads only the sources whose files changed (compared
//! byte for byte with what they read — a shared file outside the tree included — so a
//! change the file watcher missed still counts) and the sources that appeared, and plans
//! the whole tree against what pm2 runs, so apps lost to `pm2 kill` or changed by hand
//! are restored too. Folders count: a removed or renamed daemon folder removes its
//! sources. A source whose change failed and was rolled back is held at its last good
//! definition until it changes again (its missing apps are still started), and a
//! `pm2-logrotate` that could not be set up is not tried again until what the sources
//! ask of it changes (the failure is reported once).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use pm2_clj_sync::desired::{SourceState, prepare};
use pm2_clj_sync::graph::Graph;
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::scan::{Scope, absolute};
use pm2_dsl_emit::logs::ROTATE_MODULE;

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::pm2::Pm2;
use crate::reconcile::{Held, SyncOptions, fingerprint, sync};

/// How to watch.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// How each round syncs.
    pub sync: SyncOptions,
    /// How long to wait after a change for more changes.
    pub debounce: Duration,
    /// Sync the whole tree this often even when nothing changed (to restore what pm2
    /// lost); never when `None`.
    pub resync_every: Option<Duration>,
}

fn watch_error(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Watch {
        reason: e.to_string(),
    })
}

/// Whether a path is one pm2-clj writes itself.
fn generated(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("dist" | ".pm2-clj")))
}

/// Whether an event changes a file's content or existence (reads, which pm2-clj and
/// pm2 do all the time, are not changes).
fn changes_content(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
    )
}

/// The sources of the tree as last loaded, sorted by path.
struct Tree<'a> {
    root: PathBuf,
    settings: &'a LoadSettings,
    states: Vec<SourceState>,
    graph: Graph,
}

impl Tree<'_> {
    /// Searches the tree again: loads the sources that appeared and those one of whose
    /// files changed, forgets those that went, and marks folders that cannot be read
    /// (their sources' apps are kept).
    fn refresh(&mut self) {
        let found = Scope::of(std::slice::from_ref(&self.root)).scan();
        let stale = self.graph.stale();
        let mut kept = Vec::new();
        for state in std::mem::take(&mut self.states) {
            if !found.sources.contains(&state.path) {
                self.graph.remove(&state.path);
            } else if !stale.contains(&state.path) {
                kept.push(state);
            }
        }
        for source in &found.sources {
            if !kept.iter().any(|s| &s.path == source) {
                let state = prepare(source, self.settings);
                self.graph.set(source, state.files.clone());
                kept.push(state);
            }
        }
        kept.extend(
            found
                .unreadable
                .iter()
                .map(|(path, why)| SourceState::unreadable(path, why)),
        );
        kept.sort_by(|a, b| a.path.cmp(&b.path));
        self.states = kept;
    }

    /// The folders of files outside the tree that sources read, and their parents (to
    /// see such a folder removed and made again).
    fn outside_dirs(&self) -> BTreeSet<PathBuf> {
        self.graph
            .files()
            .filter(|f| !f.starts_with(&self.root))
            .filter_map(Path::parent)
            .flat_map(|dir| [Some(dir), dir.parent()])
            .flatten()
            .filter(|dir| Some(*dir) != self.root.parent())
            .map(Path::to_path_buf)
            .collect()
    }
}

/// Watches `root` until the process ends; returns only when watching itself fails.
pub fn watch(
    pm2: &dyn Pm2,
    root: &Path,
    settings: &LoadSettings,
    options: &WatchOptions,
    reporter: &dyn Reporter,
) -> Result<(), RuntimeError> {
    let root = absolute(root);
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer: Debouncer<RecommendedWatcher, RecommendedCache> =
        new_debouncer(options.debounce, None, tx).map_err(watch_error)?;
    debouncer
        .watch(&root, RecursiveMode::Recursive)
        .map_err(watch_error)?;
    if let Some(parent) = root.parent() {
        // To see the root itself removed and made again.
        let _ = debouncer.watch(parent, RecursiveMode::NonRecursive);
    }
    let mut tree = Tree {
        root: root.clone(),
        settings,
        states: Vec::new(),
        graph: Graph::default(),
    };
    tree.refresh();
    reporter.report(Event::Note(format!(
        "watching {} ({} sources)",
        root.display(),
        tree.states.len()
    )));
    let mut held = Held::default();
    let mut root_watched = true;
    let mut outside = BTreeSet::new();
    loop {
        // A watched folder that was removed and made again is a new folder to watch.
        for dir in &outside {
            let _ = debouncer.unwatch(dir);
        }
        outside = tree.outside_dirs();
        for dir in outside.iter().filter(|d| d.is_dir()) {
            if let Err(e) = debouncer.watch(dir, RecursiveMode::NonRecursive) {
                reporter.report(Event::Note(format!("cannot watch {}: {e}", dir.display())));
            }
        }
        round(pm2, &tree, options, &mut held, reporter);
        let events = match options.resync_every {
            Some(every) => match rx.recv_timeout(every) {
                Ok(events) => Some(events),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(watch_error("the file watcher stopped"));
                }
            },
            None => Some(rx.recv().map_err(|_| watch_error("the file watcher stopped"))?),
        };
        let Some(events) = events else {
            tree.refresh();
            continue;
        };
        let events = match events {
            Ok(events) => events,
            Err(errors) => {
                for e in errors {
                    reporter.report(Event::Note(format!("watch error: {e}")));
                }
                continue;
            }
        };
        let changed: Vec<PathBuf> = events
            .iter()
            .filter(|e| changes_content(&e.event.kind))
            .flat_map(|e| e.event.paths.iter())
            .map(|p| absolute(p))
            .filter(|p| !generated(p))
            .collect();
        if changed.is_empty() {
            continue;
        }
        if !root.is_dir() {
            root_watched = false;
            reporter.report(Event::Note(format!(
                "{} is gone; its apps are left as they run until it is back",
                root.display()
            )));
            continue;
        }
        if !root_watched {
            debouncer
                .watch(&root, RecursiveMode::Recursive)
                .map_err(watch_error)?;
            root_watched = true;
        }
        tree.refresh();
    }
}

/// One sync of the whole tree; updates which sources are held.
fn round(pm2: &dyn Pm2, tree: &Tree, options: &WatchOptions, held: &mut Held, reporter: &dyn Reporter) {
    let scope = Scope {
        dirs: vec![tree.root.clone()],
        files: Vec::new(),
    };
    let outcome = sync(pm2, &scope, &tree.states, &options.sync, held, reporter);
    for e in &outcome.errors {
        reporter.report(Event::Note(format!("{e} [{}]", e.code())));
    }
    if outcome.rotate_failed.is_some() && outcome.rotate_failed != held.rotate {
        reporter.report(Event::Note(format!(
            "{ROTATE_MODULE} is not set up; watch tries again when a source's :logs :rotate changes, or when it restarts"
        )));
    }
    held.rotate = outcome.rotate_failed.clone();
    for unit in &outcome.units {
        let prepared = tree
            .states
            .iter()
            .find(|s| s.path == unit.source)
            .and_then(|s| s.result.as_ref().ok());
        match (unit.succeeded(), prepared) {
            (true, _) => {
                held.sources.remove(&unit.source);
            }
            (false, Some(prepared)) => {
                held.sources.insert(unit.source.clone(), fingerprint(prepared));
            }
            (false, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use pm2_dsl_emit::OutputFormat;

    use super::*;
    use crate::fake::{FakePm2, Notes};

    fn source(dir: &Path, retain: u32) {
        let text = format!("{{:logs {{:rotate {{:retain {retain}}}}} :apps []}}");
        std::fs::write(dir.join("a.pm2.edn"), text).unwrap();
    }

    /// A `pm2-logrotate` that pm2 cannot install is tried once, reported once with its
    /// code, and tried again only when what the sources ask of it changes.
    #[test]
    fn a_failed_rotate_install_is_not_tried_again_until_rotate_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        std::fs::create_dir(&root).unwrap();
        source(&root, 7);
        let settings = LoadSettings::default();
        let mut tree = Tree {
            root: root.clone(),
            settings: &settings,
            states: Vec::new(),
            graph: Graph::default(),
        };
        tree.refresh();
        let options = WatchOptions {
            sync: SyncOptions {
                dry_run: false,
                adopt: false,
                rollback: true,
                wait: Duration::from_secs(5),
                emit: OutputFormat::Json,
                lock_wait: Duration::from_secs(5),
                home: Some(dir.path().join("pm2-home")),
            },
            debounce: Duration::from_millis(10),
            resync_every: None,
        };
        let pm2 = FakePm2::default();
        pm2.refuse("install pm2-logrotate");
        let notes = Notes::default();
        let mut held = Held::default();
        for _ in 0..3 {
            round(&pm2, &tree, &options, &mut held, &notes);
        }
        assert_eq!(pm2.calls(), ["install pm2-logrotate (refused)"]);
        let about = |notes: &Notes, what: &str| notes.all().iter().filter(|n| n.contains(what)).count();
        assert_eq!(about(&notes, "[runtime::pm2-failed]"), 1, "{:?}", notes.all());
        assert_eq!(about(&notes, "watch tries again when"), 1, "{:?}", notes.all());
        assert!(held.rotate.is_some());

        // An edit that leaves :rotate as it was, and a new source without it.
        let text = std::fs::read_to_string(root.join("a.pm2.edn")).unwrap();
        std::fs::write(root.join("a.pm2.edn"), format!("; edited\n{text}")).unwrap();
        std::fs::write(root.join("b.pm2.edn"), "{:apps []}").unwrap();
        tree.refresh();
        round(&pm2, &tree, &options, &mut held, &notes);
        assert_eq!(pm2.calls().len(), 1, "{:?}", pm2.calls());

        // What the sources ask changes: tried again, and now pm2 installs it.
        pm2.allow("install pm2-logrotate");
        source(&root, 9);
        tree.refresh();
        round(&pm2, &tree, &options, &mut held, &notes);
        round(&pm2, &tree, &options, &mut held, &notes);
        assert_eq!(
            pm2.calls(),
            [
                "install pm2-logrotate (refused)",
                "install pm2-logrotate",
                "set pm2-logrotate:retain 9"
            ]
        );
        assert_eq!(held.rotate, None);
        assert_eq!(about(&notes, "[runtime::pm2-failed]"), 1, "{:?}", notes.all());
    }
}
