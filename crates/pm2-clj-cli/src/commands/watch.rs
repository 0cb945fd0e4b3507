//! `pm2-clj watch DIR`: sync once, then keep PM2 in sync as files change. On each
//! (debounced) change only the changed sources and the sources that import a changed
//! file (inside the tree, or a shared file outside it) are loaded again, their `dist/`
//! files rewritten, and the plan applied for their
//! apps alone. A broken file is reported and its apps keep running as they were. One
//! line per action, with a timestamp. Runs happily under PM2 itself (see
//! `examples/watcher.pm2.edn`; keep that file outside the watched tree).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use clap::Args;
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{Debouncer, RecommendedCache, new_debouncer};
use pm2_clj_sync::desired::{SourceState, prepare};
use pm2_clj_sync::graph::Graph;
use pm2_clj_sync::scan::{Scope, absolute, is_source};

use crate::commands::sync::SyncInputs;
use crate::failure::Failure;
use crate::pm2::Pm2;
use crate::report::MessageFormat;
use crate::syncer::{PlanFormat, Syncer};

/// Arguments of `watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The directory of `*.pm2.edn` sources.
    pub dir: PathBuf,
    #[command(flatten)]
    pub inputs: SyncInputs,
    /// Milliseconds to wait after a change for more changes before acting.
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub debounce: u64,
}

fn watch_failure(e: impl std::fmt::Display) -> Failure {
    Failure::Input(vec![miette::Report::new(Failure::plain(
        "cli::watch",
        format!("cannot watch: {e}"),
        None,
    ))])
}

/// Whether a changed path can affect a source: an `.edn` file outside generated folders.
fn relevant(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "edn")
        && !path
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("dist" | ".pm2-clj")))
}

/// Whether an event changes a file's content or existence (reads, which pm2-clj and
/// pm2 themselves do, are not changes).
fn changes_content(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
    )
}

/// Watches the folders of imported files that lie outside the watched tree, so a change
/// to a shared file elsewhere still reaches the sources that import it.
fn watch_imports_outside(
    debouncer: &mut Debouncer<RecommendedWatcher, RecommendedCache>,
    root: &Path,
    files: &[PathBuf],
    watched: &mut BTreeSet<PathBuf>,
    syncer: &Syncer,
) {
    for dir in files
        .iter()
        .filter(|f| !f.starts_with(root))
        .filter_map(|f| f.parent())
    {
        if watched.insert(dir.to_path_buf())
            && let Err(e) = debouncer.watch(dir, RecursiveMode::NonRecursive)
        {
            syncer.say(&format!("! cannot watch {}: {e}", dir.display()));
        }
    }
}

/// Runs `watch` until killed.
pub fn run(args: &WatchArgs, message_format: MessageFormat) -> Result<(), Failure> {
    if !args.dir.is_dir() {
        return Err(Failure::Usage(miette::Report::new(Failure::plain(
            "cli::usage",
            format!("{} is not a directory", args.dir.display()),
            None,
        ))));
    }
    let syncer = Syncer {
        pm2: Pm2::locate()?,
        emit: args.inputs.emit,
        dry_run: false,
        format: PlanFormat::Text,
        message_format,
        timestamps: true,
    };
    let settings = args.inputs.settings();
    let root = absolute(&args.dir);

    let (tx, rx) = mpsc::channel();
    let mut debouncer =
        new_debouncer(Duration::from_millis(args.debounce), None, tx).map_err(watch_failure)?;
    debouncer
        .watch(&root, RecursiveMode::Recursive)
        .map_err(watch_failure)?;

    let scope = Scope::of(std::slice::from_ref(&root));
    let states = SourceState::all(&scope.scan(), &settings);
    let mut graph = Graph::default();
    let mut outside = BTreeSet::new();
    for state in &states {
        graph.set(&state.path, state.files.clone());
        watch_imports_outside(&mut debouncer, &root, &state.files, &mut outside, &syncer);
    }
    syncer.say(&format!("watching {} ({} sources)", root.display(), states.len()));
    let _ = syncer.run(&scope, &states);

    for events in rx {
        let events = match events {
            Ok(events) => events,
            Err(errors) => {
                for e in errors {
                    syncer.say(&format!("! watch error: {e}"));
                }
                continue;
            }
        };
        let changed: Vec<PathBuf> = events
            .iter()
            .filter(|e| changes_content(&e.event.kind))
            .flat_map(|e| e.event.paths.iter())
            .map(|p| absolute(p))
            .filter(|p| relevant(p))
            .collect();
        if changed.is_empty() {
            continue;
        }
        let mut affected = graph.affected(&changed);
        affected.extend(
            changed
                .iter()
                .filter(|p| is_source(p) && p.starts_with(&root))
                .cloned(),
        );
        let mut states = Vec::new();
        for source in &affected {
            if source.exists() {
                let state = prepare(source, &settings);
                graph.set(source, state.files.clone());
                watch_imports_outside(&mut debouncer, &root, &state.files, &mut outside, &syncer);
                states.push(state);
            } else {
                graph.remove(source);
            }
        }
        let scope = Scope {
            dirs: Vec::new(),
            files: affected.into_iter().collect(),
        };
        let _ = syncer.run(&scope, &states);
    }
    Ok(())
}
