//! `top`'s effects: a live look at the apps of some sources in pm2, kept fresh by
//! itself. A thread lists pm2 once per interval, and at once when pm2's bus says a
//! process changed, and sends each [`Look`] (the `status` rows, every process, the
//! crash loops told over time); another forwards the lines apps write on the bus;
//! requests (a verb on one app, a health check, a log file's tail) run in threads of
//! their own and send what they found. Everything goes to one callback, so a view can
//! wait on one queue.
//!
//! The sources are loaded once, and again only when a file under the paths appears,
//! goes or changes, or after a verb; a look is then one call on pm2's socket.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use pm2_clj_sync::desired::SourceState;
use pm2_clj_sync::liveness::Watch;
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::process::Process;
use pm2_clj_sync::scan::Scope;
use pm2_clj_sync::status::{LogLine, Look, status};

use crate::events::{Event, Reporter};
use crate::health::HealthNow;
use crate::pm2::{Heard, Pm2};
use crate::verbs::{Verb, VerbOptions, verb_name};
use crate::verify::now_ms;

/// How a live look runs.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// How often pm2 is listed when its bus says nothing.
    pub interval: Duration,
    /// The longest a verb's verification may take.
    pub wait: Duration,
    /// How long a verb waits for another run's lock.
    pub lock_wait: Duration,
    /// The longest a health probe may take.
    pub health_timeout: Duration,
    /// pm2's home (`PM2_HOME`), where the lock lives.
    pub home: Option<PathBuf>,
    /// Whether pm2 is listed only while its daemon's socket is in its home: a driver
    /// that falls back to pm2's own API would start a daemon again after a `pm2 kill`,
    /// which a view must not do; it says the daemon is gone instead
    /// ([`Update::DaemonGone`]).
    pub while_daemon_runs: bool,
}

/// What a request asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// A pm2 verb on one app of the sources, verified as `pm2-clj VERB FILE --only APP`
    /// verifies it.
    Verb(Verb, String),
    /// The health checks of these apps (every app when empty).
    Health(Vec<String>),
    /// The last lines of an app's log files.
    Tail(String),
}

/// What a live look sends.
#[derive(Clone, Debug)]
pub enum Update {
    /// A new look.
    Look(Box<Look>),
    /// Lines apps wrote.
    Lines(Vec<LogLine>),
    /// Health answers.
    Health(Vec<HealthNow>),
    /// The last lines of an app's log files, oldest first.
    Tail {
        /// The app.
        app: String,
        /// The lines.
        lines: Vec<LogLine>,
    },
    /// A verb ended.
    Done {
        /// The app.
        app: String,
        /// The verb, as pm2 names it.
        verb: &'static str,
        /// Whether it did what was asked, verified.
        ok: bool,
        /// What happened, in a line.
        said: String,
        /// From the request to the verified end.
        took: Duration,
    },
    /// pm2's daemon is not running (with [`LiveOptions::while_daemon_runs`]): sent
    /// instead of each look while it is gone.
    DaemonGone,
    /// Something worth a line: pm2 could not be listed, its bus is gone.
    Note(String),
}

/// The sources, as last loaded.
#[derive(Default)]
struct Sources {
    scope: Option<Scope>,
    states: Vec<SourceState>,
    /// The files under the paths, and when each last changed, when loaded.
    files: Vec<(PathBuf, Option<SystemTime>)>,
    stale: bool,
}

struct Inner {
    pm2: Arc<dyn Pm2>,
    paths: Vec<PathBuf>,
    settings: LoadSettings,
    options: LiveOptions,
    send: Box<dyn Fn(Update) + Send + Sync>,
    sources: Mutex<Sources>,
    watch: Mutex<Watch>,
    last: Mutex<Vec<Process>>,
    /// Set to ask for a look now.
    wake: Mutex<bool>,
    woken: Condvar,
    stopped: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running live look; dropping it stops its threads.
pub struct Live {
    inner: Arc<Inner>,
}

impl Live {
    /// Starts looking at the apps of the sources under `paths` in `pm2`, sending what is
    /// found to `send`: a first look at once (then the health of every app), then one
    /// per interval and one at each change pm2's bus announces, and the lines apps
    /// write.
    pub fn start(
        pm2: Arc<dyn Pm2>,
        paths: Vec<PathBuf>,
        settings: LoadSettings,
        options: LiveOptions,
        send: impl Fn(Update) + Send + Sync + 'static,
    ) -> Live {
        let inner = Arc::new(Inner {
            pm2,
            paths,
            settings,
            options,
            send: Box::new(send),
            sources: Mutex::new(Sources {
                stale: true,
                ..Sources::default()
            }),
            watch: Mutex::new(Watch::default()),
            last: Mutex::new(Vec::new()),
            wake: Mutex::new(true),
            woken: Condvar::new(),
            stopped: AtomicBool::new(false),
        });
        let looker = inner.clone();
        std::thread::spawn(move || looker.looking());
        let listener = inner.clone();
        std::thread::spawn(move || listener.listening());
        Live { inner }
    }

    /// Runs `request` in the background; what it finds is sent.
    pub fn ask(&self, request: Request) {
        let inner = self.inner.clone();
        std::thread::spawn(move || inner.answer(request));
    }

    /// Asks for a look now.
    pub fn refresh(&self) {
        self.inner.wake();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.wake();
    }
}

/// The first line of a source's problems.
fn first_problem(state: &SourceState) -> Option<String> {
    let reports = state.result.as_ref().err()?;
    Some(
        reports
            .first()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "does not load".into()),
    )
}

impl Inner {
    fn wake(&self) {
        *lock(&self.wake) = true;
        self.woken.notify_all();
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Looks once per interval, or sooner when woken, until stopped.
    fn looking(self: Arc<Self>) {
        let mut first = true;
        let mut gone = false;
        while !self.stopped() {
            let mut wake = lock(&self.wake);
            if !*wake {
                wake = self
                    .woken
                    .wait_timeout(wake, self.options.interval)
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .0;
            }
            *wake = false;
            drop(wake);
            if self.stopped() {
                return;
            }
            let runs =
                !self.options.while_daemon_runs || crate::pm2::daemon_runs(self.options.home.as_deref());
            if !runs {
                gone = true;
                (self.send)(Update::DaemonGone);
                continue;
            }
            if std::mem::take(&mut gone) {
                (self.send)(Update::Note("pm2's daemon runs again".into()));
            }
            match self.look() {
                Ok(look) => {
                    (self.send)(Update::Look(Box::new(look)));
                    if std::mem::take(&mut first) {
                        let inner = self.clone();
                        std::thread::spawn(move || inner.answer(Request::Health(Vec::new())));
                    }
                }
                Err(e) => (self.send)(Update::Note(format!("pm2 could not be listed: {e}"))),
            }
        }
    }

    /// The sources, loaded again when the files under the paths changed.
    fn sources(&self, running: &[Process]) -> MutexGuard<'_, Sources> {
        let mut sources = lock(&self.sources);
        let scope = sources.scope.take().unwrap_or_else(|| Scope::of(&self.paths));
        let found = scope.scan();
        let files: Vec<(PathBuf, Option<SystemTime>)> = (found.sources.iter())
            .chain(found.unreadable.iter().map(|(p, _)| p))
            .map(|path| {
                let changed = std::fs::metadata(path).and_then(|m| m.modified()).ok();
                (path.clone(), changed)
            })
            .collect();
        if sources.stale || files != sources.files {
            sources.states = SourceState::all(&found, &self.settings, running);
            sources.files = files;
            sources.stale = false;
        }
        sources.scope = Some(scope);
        sources
    }

    /// The sources loaded afresh (those defining `only`'s apps, when given), as the
    /// verbs and `health` load them.
    fn fresh(&self, only: &[String]) -> Vec<SourceState> {
        let running = lock(&self.last).clone();
        let paths: Vec<PathBuf> = {
            let sources = self.sources(&running);
            (sources.states.iter())
                .filter(|s| {
                    only.is_empty()
                        || (s.result.as_ref()).is_ok_and(|p| p.desired.iter().any(|d| only.contains(&d.name)))
                })
                .map(|s| s.path.clone())
                .collect()
        };
        (paths.iter())
            .map(|p| pm2_clj_sync::desired::prepare_recorded(p, &self.settings, &running))
            .collect()
    }

    /// Lists pm2 and sets it against the sources.
    fn look(&self) -> Result<Look, crate::RuntimeError> {
        let started = Instant::now();
        let processes = self.pm2.list()?;
        let list_took = started.elapsed();
        let at = now_ms();
        let crash_loops = lock(&self.watch).look(&processes, at);
        let sources = self.sources(&processes);
        let scope = sources.scope.as_ref().expect("set by sources()");
        let (rows, _) = status(&sources.states, &processes, &crash_loops, scope);
        let failed_sources = (sources.states.iter())
            .filter_map(|s| Some((s.path.clone(), first_problem(s)?)))
            .collect();
        drop(sources);
        *lock(&self.last) = processes.clone();
        Ok(Look {
            apps: rows,
            processes,
            crash_loops,
            failed_sources,
            at,
            list_took,
        })
    }

    /// Forwards what pm2's bus says until stopped: a change wakes the looker, lines are
    /// sent in batches. When there is no bus, or it ends, it is asked for again every
    /// few seconds.
    fn listening(&self) {
        let mut said_missing = false;
        while !self.stopped() {
            let Some(mut feed) = self.pm2.feed() else {
                // With no daemon, the looker says so.
                let gone =
                    self.options.while_daemon_runs && !crate::pm2::daemon_runs(self.options.home.as_deref());
                if !said_missing && !gone {
                    (self.send)(Update::Note(
                        "pm2's bus cannot be heard: changes show at the next refresh, and no log lines"
                            .into(),
                    ));
                    said_missing = true;
                }
                std::thread::sleep(Duration::from_secs(2));
                continue;
            };
            said_missing = false;
            while !self.stopped() {
                let Batch {
                    changed,
                    asked,
                    lines,
                    ended,
                } = batch(&mut *feed);
                for app in &asked {
                    lock(&self.watch).asked(app, now_ms());
                }
                if changed {
                    self.wake();
                }
                if !lines.is_empty() {
                    (self.send)(Update::Lines(lines));
                }
                if ended {
                    std::thread::sleep(Duration::from_secs(1));
                    break;
                }
            }
        }
    }

    /// Runs one request and sends what it found.
    fn answer(&self, request: Request) {
        match request {
            Request::Verb(verb, app) => self.act(verb, app),
            Request::Health(only) => {
                let states = self.fresh(&only);
                match crate::health::check_now(&*self.pm2, &states, &only, self.options.health_timeout) {
                    Ok(answers) => (self.send)(Update::Health(answers)),
                    Err(e) => (self.send)(Update::Note(format!("health not checked: {e}"))),
                }
            }
            Request::Tail(app) => {
                let processes = lock(&self.last).clone();
                let mut lines = Vec::new();
                for file in crate::logs::files_of(&processes, &[&app]) {
                    lines.extend(
                        crate::logs::tail(&file.path, TAIL_LINES)
                            .into_iter()
                            .map(|text| LogLine {
                                app: app.clone(),
                                error: file.error,
                                text,
                            }),
                    );
                }
                (self.send)(Update::Tail { app, lines });
            }
        }
    }

    /// Runs `verb` on `app` through the verbs of one source, with rollback.
    fn act(&self, verb: Verb, app: String) {
        let started = Instant::now();
        let state = self
            .fresh(std::slice::from_ref(&app))
            .into_iter()
            .find(|s| (s.result.as_ref()).is_ok_and(|p| p.desired.iter().any(|d| d.name == app)));
        let name = verb_name(verb);
        let done = |ok: bool, said: String| {
            (self.send)(Update::Done {
                app: app.clone(),
                verb: name,
                ok,
                said,
                took: started.elapsed(),
            })
        };
        let Some(state) = state else {
            done(
                false,
                format!("{app} is not an app of these sources: pm2-clj acts only on those"),
            );
            return;
        };
        // The restarts this verb makes are no crash loop.
        let until = now_ms() + (self.options.wait + Duration::from_secs(5)).as_millis() as u64;
        lock(&self.watch).excuse(&app, until);
        let options = VerbOptions {
            only: vec![app.clone()],
            rollback: true,
            wait: self.options.wait,
            lock_wait: self.options.lock_wait,
            home: self.options.home.clone(),
        };
        let said = Said::default();
        let result = crate::verbs::run(&*self.pm2, verb, &state, &options, &said);
        lock(&self.sources).stale = true;
        let lines = lock(&said.0).join("; ");
        match result {
            Ok(outcome) => {
                let ok = outcome.verdict() == crate::outcome::Verdict::Success;
                done(
                    ok,
                    if lines.is_empty() {
                        format!("{name}: done")
                    } else {
                        lines
                    },
                )
            }
            Err(e) => done(false, e.to_string()),
        }
        // A look after the news of the verb.
        self.wake();
    }
}

/// What the feed said within a quarter of a second (at most 500 lines).
#[derive(Default)]
struct Batch {
    /// Whether a process changed.
    changed: bool,
    /// The apps restarted or reloaded on request.
    asked: Vec<String>,
    /// The lines.
    lines: Vec<LogLine>,
    /// Whether the feed ended.
    ended: bool,
}

fn batch(feed: &mut dyn crate::pm2::Feed) -> Batch {
    let mut batch = Batch::default();
    let mut wait = Duration::from_millis(250);
    while batch.lines.len() < 500 {
        match feed.next(wait) {
            Ok(Some(Heard::Changed(_))) => batch.changed = true,
            Ok(Some(Heard::Asked(app))) => {
                batch.changed = true;
                batch.asked.push(app);
            }
            Ok(Some(Heard::Line { app, error, text, .. })) => batch.lines.push(LogLine { app, error, text }),
            Ok(None) => break,
            Err(_) => {
                batch.ended = true;
                break;
            }
        }
        wait = Duration::ZERO;
    }
    batch
}

/// How many lines of each log file a tail holds.
const TAIL_LINES: usize = 200;

/// A reporter that keeps what a verb did, a few words each.
#[derive(Default)]
struct Said(Mutex<Vec<String>>);

impl Reporter for Said {
    fn report(&self, event: Event<'_>) {
        let line = match event {
            Event::Note(note) => note,
            Event::Conflict(conflict) => format!("left alone: {conflict}"),
            Event::Failed(action, e) => format!("{} failed: {e}", action.app),
            Event::Verified(v) => format!(
                "{} online x{}, stable for {} ms",
                v.app,
                v.instances,
                v.window.as_millis()
            ),
            Event::Unhealthy(u) => format!("{} fails {}: {}", u.app, u.check, u.saw),
            Event::Down(d) => format!("{} {}", d.app, d.state),
            Event::RollingBack { .. } => "rolling back".into(),
            Event::Problem(e) => e.to_string(),
            _ => return,
        };
        lock(&self.0).push(line);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, channel};

    use super::*;
    use crate::fake::FakePm2;

    /// A live look at the sources in `dir`, on the fake's daemon (its socket, a file
    /// in `dir/home`, is there).
    fn updates(pm2: &Arc<FakePm2>, dir: &std::path::Path) -> (Live, Receiver<Update>) {
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::write(dir.join("home/rpc.sock"), "").unwrap();
        let (tx, rx) = channel();
        let tx = Mutex::new(tx);
        let options = LiveOptions {
            interval: Duration::from_secs(30),
            wait: Duration::from_secs(5),
            lock_wait: Duration::from_secs(5),
            health_timeout: Duration::from_secs(1),
            home: Some(dir.join("home")),
            while_daemon_runs: true,
        };
        let live = Live::start(
            pm2.clone(),
            vec![dir.to_path_buf()],
            LoadSettings::default(),
            options,
            move |u| {
                let _ = lock(&tx).send(u);
            },
        );
        (live, rx)
    }

    /// The next update `pick` takes, within 5 s.
    fn next<T>(rx: &Receiver<Update>, mut pick: impl FnMut(Update) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let update = rx.recv_timeout(left).expect("an update within 5 s");
            if let Some(found) = pick(update) {
                return found;
            }
        }
    }

    fn look(rx: &Receiver<Update>) -> Look {
        look_where(rx, |_| true)
    }

    /// The next look that `holds`.
    fn look_where(rx: &Receiver<Update>, holds: impl Fn(&Look) -> bool) -> Look {
        next(rx, |u| match u {
            Update::Look(look) if holds(&look) => Some(*look),
            _ => None,
        })
    }

    fn status_of(look: &Look, app: &str) -> String {
        let row = look.apps.iter().find(|r| r.app == app).expect("the app's row");
        row.summary(look.at).status
    }

    #[test]
    fn a_hand_stop_is_seen_at_once_and_a_verb_is_verified() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.pm2.edn"),
            "{:apps [{:name \"web\" :script \"web.js\" :min-uptime 100}]}",
        )
        .unwrap();
        let pm2 = Arc::new(FakePm2::default());
        let (live, rx) = updates(&pm2, dir.path());
        let first = look(&rx);
        assert_eq!(status_of(&first, "web"), "-", "pm2 does not have it yet");
        assert_eq!(first.apps[0].drift.text(), "missing");
        live.ask(Request::Verb(Verb::Start { restart: false }, "web".into()));
        let (ok, said) = next(&rx, |u| match u {
            Update::Done {
                ok,
                said,
                verb: "start",
                ..
            } => Some((ok, said)),
            _ => None,
        });
        assert!(ok, "{said}");
        assert!(said.contains("web online x1"), "{said}");
        let started = look(&rx);
        assert_eq!(status_of(&started, "web"), "online");
        assert_eq!(started.apps[0].drift.text(), "in sync");
        // A stop made elsewhere: the bus wakes the looker long before its 30 s interval.
        pm2.stopped_by_hand("web");
        look_where(&rx, |look| status_of(look, "web") == "stopped");
        pm2.say("web", "hello");
        let lines = next(&rx, |u| match u {
            Update::Lines(lines) => Some(lines),
            _ => None,
        });
        assert_eq!(
            lines,
            [LogLine {
                app: "web".into(),
                error: false,
                text: "hello".into()
            }]
        );
        live.ask(Request::Verb(Verb::Reload, "nope".into()));
        let said = next(&rx, |u| match u {
            Update::Done { ok: false, said, .. } => Some(said),
            _ => None,
        });
        assert_eq!(
            said,
            "nope is not an app of these sources: pm2-clj acts only on those"
        );
    }

    #[test]
    fn restarts_nobody_asked_for_are_a_crash_loop_and_a_broken_source_is_said() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.pm2.edn"),
            "{:apps [{:name \"web\" :script \"web.js\" :min-uptime 100}]}",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.pm2.edn"), "{:apps [").unwrap();
        let pm2 = Arc::new(FakePm2::default());
        let (live, rx) = updates(&pm2, dir.path());
        let first = look(&rx);
        assert_eq!(first.failed_sources.len(), 1);
        assert!(first.failed_sources[0].0.ends_with("b.pm2.edn"));
        live.ask(Request::Verb(Verb::Start { restart: false }, "web".into()));
        next(&rx, |u| matches!(u, Update::Done { .. }).then_some(()));
        // The excuse of the start covers its own restarts only.
        lock(&live.inner.watch).excuse("web", 0);
        pm2.crash("web");
        let once = look_where(&rx, |look| look.processes[0].restarts == 1);
        assert_eq!(status_of(&once, "web"), "online", "one restart is no loop");
        pm2.crash("web");
        let looping = look_where(&rx, |look| look.processes[0].restarts == 2);
        assert_eq!(status_of(&looping, "web"), "crash-loop");
        assert!(looping.crash_loops.contains("web"));
        // Restarts by hand elsewhere are no crash loop: pm2 says they were asked for.
        std::fs::write(
            dir.path().join("c.pm2.edn"),
            "{:apps [{:name \"api\" :script \"api.js\" :min-uptime 100}]}",
        )
        .unwrap();
        live.ask(Request::Verb(Verb::Start { restart: false }, "api".into()));
        next(&rx, |u| matches!(u, Update::Done { .. }).then_some(()));
        lock(&live.inner.watch).excuse("api", 0);
        for restarts in [1, 2, 3] {
            pm2.restarted_by_hand("api");
            let look = look_where(&rx, |look| {
                look.processes
                    .iter()
                    .any(|p| p.name == "api" && p.restarts == restarts)
            });
            assert_eq!(status_of(&look, "api"), "online", "{restarts} restarts by hand");
        }
        live.ask(Request::Health(vec!["web".into()]));
        let health = next(&rx, |u| match u {
            Update::Health(h) if h.len() == 1 => Some(h),
            _ => None,
        });
        assert_eq!(health[0].app, "web");
    }
}
