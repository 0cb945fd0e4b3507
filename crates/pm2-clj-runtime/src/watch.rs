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
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use pm2_clj_sync::desired::{SourceState, prepare_recorded};
use pm2_clj_sync::graph::Graph;
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::process::Process;
use pm2_clj_sync::scan::{Scope, absolute};
use pm2_dsl_emit::logs::ROTATE_MODULE;

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::pm2::Pm2;
use crate::reconcile::{Held, SyncOptions, sync};

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
    /// files changed in content, forgets those that went, and marks folders that cannot
    /// be read (their sources' apps are kept). Returns the sources that appeared, went,
    /// were loaded again or became (un)readable: nothing else changed.
    fn refresh(&mut self, pm2: &dyn Pm2) -> BTreeSet<PathBuf> {
        let found = Scope::of(std::slice::from_ref(&self.root)).scan();
        // What runs says which inputs (profile, overrides) a source was last applied with.
        let mut running: Option<Vec<Process>> = None;
        let stale = self.graph.stale();
        let mut changed = BTreeSet::new();
        let mut kept = Vec::new();
        let was_unreadable: BTreeSet<PathBuf> = (self.states.iter())
            .filter(|s| !self.graph.has(&s.path))
            .map(|s| s.path.clone())
            .collect();
        for state in std::mem::take(&mut self.states) {
            if !self.graph.has(&state.path) {
                // An unreadable folder: searched again below.
            } else if !found.sources.contains(&state.path) {
                self.graph.remove(&state.path);
                changed.insert(state.path);
            } else if stale.contains(&state.path) {
                changed.insert(state.path);
            } else {
                kept.push(state);
            }
        }
        for source in &found.sources {
            if !kept.iter().any(|s| &s.path == source) {
                let running = running.get_or_insert_with(|| pm2.list().unwrap_or_default());
                let state = prepare_recorded(source, self.settings, running);
                self.graph.set(source, state.files.clone());
                changed.insert(source.clone());
                kept.push(state);
            }
        }
        for (path, why) in &found.unreadable {
            if !was_unreadable.contains(path) {
                changed.insert(path.clone());
            }
            kept.push(SourceState::unreadable(path, why));
        }
        changed.extend(
            was_unreadable
                .into_iter()
                .filter(|p| !found.unreadable.iter().any(|(u, _)| u == p)),
        );
        kept.sort_by(|a, b| a.path.cmp(&b.path));
        self.states = kept;
        changed
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

/// How often `watch` looks at pm2's socket (and at the clock) while no file changes.
const TICK: Duration = Duration::from_secs(1);

/// The longest wait before trying again a round whose pm2 calls failed.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How long to wait before trying again a round whose pm2 calls failed `failures`
/// times in a row: 2 s, doubling, at most [`MAX_BACKOFF`].
fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.clamp(1, 6)).min(MAX_BACKOFF)
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
    tree.refresh(pm2);
    reporter.report(Event::Note(format!(
        "watching {} ({} sources)",
        root.display(),
        tree.states.len()
    )));
    let home = crate::lock::pm2_home(options.sync.home.as_deref());
    // The daemon last seen, by the pid it wrote (None: none runs): one that went away
    // or was replaced (`pm2 kill`, then any pm2 command starts a new, empty one within
    // a tick) has lost the apps.
    let daemon_now = || {
        home.join("rpc.sock")
            .exists()
            .then(|| std::fs::read_to_string(home.join("pm2.pid")).unwrap_or_default())
    };
    let mut daemon_seen = daemon_now();
    let mut held = Held::default();
    let mut root_watched = true;
    let mut outside = BTreeSet::new();
    let mut due = true;
    let mut next_resync = options.resync_every.map(|every| Instant::now() + every);
    let mut failures: u32 = 0;
    let mut retry_at: Option<Instant> = None;
    loop {
        if due && root_watched {
            due = false;
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
            let daemon = std::fs::read_to_string(home.join("pm2.pid")).ok();
            let (pm2_failed, newly_held) = round(pm2, &tree, options, &mut held, reporter);
            retry_at = None;
            let replaced = daemon.is_some() && std::fs::read_to_string(home.join("pm2.pid")).ok() != daemon;
            if replaced {
                // pm2 went away during the round (`pm2 kill`): what failed failed for that,
                // not for its source. Nothing is held for it; the round runs again.
                reporter.report(Event::Note(
                    "pm2's daemon was replaced during the round; syncing again".to_string(),
                ));
                for source in &newly_held {
                    held.sources.remove(source);
                }
                due = true;
            }
            if pm2_failed {
                failures += 1;
                let wait = backoff(failures);
                reporter.report(Event::Note(format!(
                    "pm2 did not answer; trying again in {}s",
                    wait.as_secs()
                )));
                retry_at = Some(Instant::now() + wait);
            } else {
                failures = 0;
            }
            // A daemon that ran when the round began was seen, even if a `pm2 kill`
            // removed its socket before the round ended (its pid file goes later): the
            // next tick then finds the socket gone and syncs again.
            daemon_seen = daemon_now().or(if replaced { None } else { daemon });
        }
        let events = match rx.recv_timeout(TICK) {
            Ok(events) => Some(events),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(watch_error("the file watcher stopped"));
            }
        };
        let now = Instant::now();
        if retry_at.is_some_and(|at| now >= at) {
            due = true;
        }
        if let Some(at) = next_resync
            && now >= at
        {
            next_resync = options.resync_every.map(|every| now + every);
            due = true;
        }
        // pm2's daemon went away (`pm2 kill`, a crash) or another took its place: its
        // apps are started again now rather than at the next resync.
        let daemon = daemon_now();
        if daemon_seen.is_some() && daemon != daemon_seen {
            let what = match daemon {
                None => "pm2's daemon is gone (its socket was removed); syncing again",
                Some(_) => "pm2's daemon was replaced by another; syncing again",
            };
            reporter.report(Event::Note(what.to_string()));
            // A new pm2 is a new start: what failed with the old one is tried again.
            held.sources.clear();
            due = true;
        }
        daemon_seen = daemon;
        let changed = match events {
            Some(Ok(events)) => events
                .iter()
                .filter(|e| changes_content(&e.event.kind))
                .flat_map(|e| e.event.paths.iter())
                .any(|p| !generated(p)),
            Some(Err(errors)) => {
                for e in errors {
                    reporter.report(Event::Note(format!("watch error: {e}")));
                }
                false
            }
            None => false,
        };
        if !changed && !due {
            continue;
        }
        if !root.is_dir() {
            if root_watched {
                reporter.report(Event::Note(format!(
                    "{} is gone; its apps are left as they run until it is back",
                    root.display()
                )));
            }
            root_watched = false;
            continue;
        }
        if !root_watched {
            debouncer
                .watch(&root, RecursiveMode::Recursive)
                .map_err(watch_error)?;
            root_watched = true;
            due = true;
        }
        // Only a change in what a source reads counts: the events of a file nobody reads
        // (a log, an editor's swap file) wake the watcher but start no round.
        for source in tree.refresh(pm2) {
            held.release(&source);
            due = true;
        }
    }
}

/// One sync of the whole tree; updates what is held and reported. Whether pm2 itself
/// failed (its list, the lock), so the round is worth trying again soon, and the sources
/// it held.
fn round(
    pm2: &dyn Pm2,
    tree: &Tree,
    options: &WatchOptions,
    held: &mut Held,
    reporter: &dyn Reporter,
) -> (bool, BTreeSet<PathBuf>) {
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
    held.reported.extend(tree.states.iter().map(|s| s.path.clone()));
    held.conflicts = outcome.plan.conflicts.iter().map(|c| c.to_string()).collect();
    let mut newly = BTreeSet::new();
    for unit in &outcome.units {
        if !unit.succeeded() && held.sources.insert(unit.source.clone()) {
            newly.insert(unit.source.clone());
        }
    }
    for source in &outcome.failed_sources {
        let loaded = tree.states.iter().any(|s| &s.path == source && s.loaded());
        if loaded && held.sources.insert(source.clone()) {
            newly.insert(source.clone());
        }
    }
    for source in &newly {
        reporter.report(Event::Held {
            source: source.clone(),
        });
    }
    (outcome.plan_failed(), newly)
}

#[cfg(test)]
mod tests {
    use pm2_dsl_emit::OutputFormat;

    use super::*;
    use crate::fake::{FakePm2, Notes};

    /// Keeps the lines a round would print, as short words.
    #[derive(Default)]
    struct Lines(std::sync::Mutex<Vec<String>>);

    impl Reporter for Lines {
        fn report(&self, event: Event<'_>) {
            let line = match event {
                Event::SourceFailed { path, .. } => format!("failed {}", path.display()),
                Event::Planned { plan, .. } => {
                    let mut words: Vec<String> = plan
                        .actions
                        .iter()
                        .map(|a| format!("{} {}", a.kind.verb(), a.app))
                        .collect();
                    words.extend(plan.conflicts.iter().map(|c| format!("conflict {}", c.app())));
                    words.join(", ")
                }
                Event::Held { source } => format!("held {}", source.display()),
                _ => return,
            };
            if !line.is_empty() {
                self.0.lock().unwrap().push(line);
            }
        }
    }

    fn options(home: &Path) -> WatchOptions {
        WatchOptions {
            sync: SyncOptions {
                dry_run: false,
                adopt: false,
                rollback: true,
                wait: Duration::from_secs(5),
                emit: OutputFormat::Json,
                lock_wait: Duration::from_secs(5),
                home: Some(home.to_path_buf()),
            },
            debounce: Duration::from_millis(10),
            resync_every: None,
        }
    }

    /// A crashing source, a broken one and a name two sources claim: each is acted on and
    /// reported in the first round only; the rounds after do nothing until a file changes.
    #[test]
    fn a_failed_source_is_held_and_reported_once_until_its_files_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        std::fs::create_dir(&root).unwrap();
        let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
        write(
            "crash.pm2.edn",
            "{:apps [{:name \"crasher\" :script \"crash.js\" :min-uptime 100}]}",
        );
        write("broken.pm2.edn", "{:apps [");
        write(
            "a.pm2.edn",
            "{:apps [{:name \"twice\" :script \"a.js\" :min-uptime 100}]}",
        );
        write(
            "b.pm2.edn",
            "{:apps [{:name \"twice\" :script \"b.js\" :min-uptime 100}]}",
        );
        let settings = LoadSettings::default();
        let mut tree = Tree {
            root: root.clone(),
            settings: &settings,
            states: Vec::new(),
            graph: Graph::default(),
        };
        let pm2 = FakePm2::default();
        tree.refresh(&pm2);
        let options = options(&dir.path().join("home"));
        let lines = Lines::default();
        let mut held = Held::default();
        round(&pm2, &tree, &options, &mut held, &lines);
        let first = lines.0.lock().unwrap().clone();
        assert!(
            first
                .iter()
                .any(|l| l.starts_with("failed") && l.ends_with("broken.pm2.edn")),
            "{first:?}"
        );
        assert!(
            first.contains(&"start crasher, conflict twice".to_string()),
            "{first:?}"
        );
        assert!(
            first
                .iter()
                .any(|l| l.starts_with("held") && l.ends_with("crash.pm2.edn")),
            "{first:?}"
        );
        let calls = pm2.calls();
        assert_eq!(calls, ["start crasher", "delete 0"], "started, then rolled back");

        for _ in 0..3 {
            assert!(tree.refresh(&pm2).is_empty(), "nothing changed");
            round(&pm2, &tree, &options, &mut held, &lines);
        }
        assert_eq!(
            lines.0.lock().unwrap().len(),
            first.len(),
            "{:?}",
            lines.0.lock().unwrap()
        );
        assert_eq!(pm2.calls(), calls, "nothing tried again");

        // A change to the crashing source's file releases it: it is tried again.
        write(
            "crash.pm2.edn",
            "; edited\n{:apps [{:name \"crasher\" :script \"crash.js\" :min-uptime 100}]}",
        );
        let changed = tree.refresh(&pm2);
        assert_eq!(changed.len(), 1);
        for source in &changed {
            held.release(source);
        }
        round(&pm2, &tree, &options, &mut held, &lines);
        assert_eq!(pm2.calls()[2..], ["start crasher", "delete 1"]);
    }

    #[test]
    fn a_failing_pm2_is_tried_again_later_and_later() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60, 60]);
    }

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
        let pm2 = FakePm2::default();
        pm2.refuse("install pm2-logrotate");
        tree.refresh(&pm2);
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
        tree.refresh(&pm2);
        round(&pm2, &tree, &options, &mut held, &notes);
        assert_eq!(pm2.calls().len(), 1, "{:?}", pm2.calls());

        // What the sources ask changes: tried again, and now pm2 installs it.
        pm2.allow("install pm2-logrotate");
        source(&root, 9);
        tree.refresh(&pm2);
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
