//! The state of the view: what the runtime last saw ([`Look`]), the apps' CPU and
//! memory histories, log tails and health answers, what the user selected and toggled,
//! and the verbs in flight; [`Top::input`] takes one [`Input`] (a key, or news from the
//! runtime) and gives the [`Command`]s it asks for.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use pm2_clj_sync::process::Process;
use pm2_clj_sync::status::{AppStatus, LogLine, Look, Summary};

use crate::keys::{Action, Key, action_of};

/// How many samples a sparkline shows.
pub const HISTORY: usize = 5;

/// What is said while pm2's daemon is not running.
pub const DAEMON_GONE: &str =
    "pm2's daemon is not running (no rpc.sock in its home): nothing to show until it runs again";

/// How many lines of each app's log are kept.
const LOG_LINES: usize = 500;

/// A verb a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Reload.
    Reload,
    /// Restart.
    Restart,
    /// Stop.
    Stop,
    /// Start.
    Start,
}

impl Verb {
    /// How pm2 names it.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Reload => "reload",
            Verb::Restart => "restart",
            Verb::Stop => "stop",
            Verb::Start => "start",
        }
    }
}

/// What the view takes.
#[derive(Clone, Debug)]
pub enum Input {
    /// A key was pressed.
    Key(Key),
    /// The terminal changed size (the next drawing fits it).
    Resize,
    /// A new look at pm2.
    Look(Box<Look>),
    /// Lines apps wrote.
    Lines(Vec<LogLine>),
    /// The end of an app's log files.
    Tail {
        /// The app.
        app: String,
        /// Its last lines, oldest first.
        lines: Vec<LogLine>,
    },
    /// Health answers: per app, what passed or what failed.
    Health(Vec<(String, Result<String, String>)>),
    /// A verb ended.
    Done {
        /// The app.
        app: String,
        /// The verb, as pm2 names it.
        verb: String,
        /// Whether it did what was asked, verified.
        ok: bool,
        /// What happened.
        said: String,
        /// How long it took.
        took: Duration,
    },
    /// pm2's daemon is not running: there is nothing to look at until it does.
    DaemonGone,
    /// A line worth showing (pm2 cannot be listed, its bus is gone).
    Note(String),
}

/// What the view asks of the runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A verb on an app of the tree.
    Verb(Verb, String),
    /// The app's health check.
    Health(String),
    /// The end of the app's log files.
    Tail(String),
    /// The user quits.
    Quit,
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// What identifies it across looks (the app's name; `#ID` for a process in the
    /// all-processes view).
    pub key: String,
    /// The app.
    pub app: String,
    /// Its source, as shown (relative to the folder `top` runs in when under it).
    pub source: Option<String>,
    /// What its processes add up to.
    pub summary: Summary,
    /// Its drift from its source (`not in tree` for processes of no source here).
    pub drift: String,
    /// Whether pm2-clj started it.
    pub owned: bool,
    /// Whether it is an app of the tree (only those are acted on).
    pub in_tree: bool,
}

/// A line about the last thing that happened, good or bad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Whether it is good news.
    pub ok: bool,
    /// The line.
    pub text: String,
}

/// The view's state.
#[derive(Debug)]
pub struct Top {
    /// What is looked at (the paths), for the title.
    pub what: String,
    /// How pm2 is driven (`pm2 7.0.4 through its daemon's socket`).
    pub driver: String,
    /// Whether colours are used (not under `NO_COLOR`).
    pub color: bool,
    /// Whether every pm2 process is shown, not only the tree's apps.
    pub all: bool,
    /// Whether the selected app's log fills the view.
    pub logs_full: bool,
    /// The folder sources are shown relative to.
    base: PathBuf,
    look: Option<Look>,
    selected: Option<String>,
    cpu: HashMap<String, VecDeque<f64>>,
    memory: HashMap<String, VecDeque<u64>>,
    logs: HashMap<String, VecDeque<LogLine>>,
    tails_asked: BTreeSet<String>,
    health: HashMap<String, Result<String, String>>,
    checking: BTreeSet<String>,
    pending: BTreeMap<String, Verb>,
    message: Option<Message>,
}

impl Top {
    /// An empty view of `what`, driven by `driver`, sources shown relative to `base`.
    pub fn new(what: &str, driver: &str, base: &Path, color: bool) -> Top {
        Top {
            what: what.to_string(),
            driver: driver.to_string(),
            color,
            all: false,
            logs_full: false,
            base: base.to_path_buf(),
            look: None,
            selected: None,
            cpu: HashMap::new(),
            memory: HashMap::new(),
            logs: HashMap::new(),
            tails_asked: BTreeSet::new(),
            health: HashMap::new(),
            checking: BTreeSet::new(),
            pending: BTreeMap::new(),
            message: None,
        }
    }

    /// The last look, once there is one.
    pub fn look(&self) -> Option<&Look> {
        self.look.as_ref()
    }

    /// The rows shown: the tree's apps, or with [`Top::all`] every process (those of
    /// the tree's apps pm2 does not have too).
    pub fn rows(&self) -> Vec<Row> {
        let Some(look) = &self.look else {
            return Vec::new();
        };
        let tree_row = |a: &AppStatus, key: String, procs: &[Process]| Row {
            key,
            app: a.app.clone(),
            source: Some(self.shown(&a.source)),
            summary: Summary::of(procs, a.crash_loop, look.at),
            drift: a.drift.text().to_string(),
            owned: a.owned,
            in_tree: true,
        };
        if !self.all {
            return (look.apps.iter())
                .map(|a| tree_row(a, a.app.clone(), &a.processes))
                .collect();
        }
        let mut rows: Vec<Row> = (look.processes.iter())
            .map(|p| {
                let key = format!("#{}", p.pm_id);
                let one = std::slice::from_ref(p);
                match look.apps.iter().find(|a| a.app == p.name) {
                    Some(a) => tree_row(a, key, one),
                    None => Row {
                        key,
                        app: p.name.clone(),
                        source: (p.markers.as_ref()).map(|m| self.shown(Path::new(&m.source))),
                        summary: Summary::of(one, look.crash_loops.contains(&p.name), look.at),
                        drift: "not in tree".into(),
                        owned: p.markers.is_some(),
                        in_tree: false,
                    },
                }
            })
            .collect();
        rows.extend(
            (look.apps.iter())
                .filter(|a| a.processes.is_empty())
                .map(|a| tree_row(a, a.app.clone(), &[])),
        );
        rows
    }

    /// A path as shown: relative to the base folder when under it.
    fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.base)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The selected row's index among `rows`.
    pub fn selected_index(&self, rows: &[Row]) -> Option<usize> {
        let key = self.selected.as_ref()?;
        rows.iter().position(|r| &r.key == key)
    }

    /// The selected row.
    pub fn selected(&self) -> Option<Row> {
        let rows = self.rows();
        let i = self.selected_index(&rows)?;
        rows.into_iter().nth(i)
    }

    /// The CPU history of a row, oldest first.
    pub fn cpu_history(&self, key: &str) -> Vec<f64> {
        self.cpu
            .get(key)
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The memory history of a row, oldest first.
    pub fn memory_history(&self, key: &str) -> Vec<u64> {
        (self.memory.get(key))
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The app's log lines, oldest first.
    pub fn log(&self, app: &str) -> Vec<&LogLine> {
        self.logs.get(app).map(|l| l.iter().collect()).unwrap_or_default()
    }

    /// The app's last health answer.
    pub fn health(&self, app: &str) -> Option<&Result<String, String>> {
        self.health.get(app)
    }

    /// Whether the app's health is being checked.
    pub fn checking(&self, app: &str) -> bool {
        self.checking.contains(app)
    }

    /// The verb in flight on the app.
    pub fn pending(&self, app: &str) -> Option<Verb> {
        self.pending.get(app).copied()
    }

    /// The last thing that happened.
    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    fn say(&mut self, ok: bool, text: String) {
        self.message = Some(Message { ok, text });
    }

    /// Takes one input; gives the commands it asks for.
    pub fn input(&mut self, input: Input) -> Vec<Command> {
        match input {
            Input::Key(key) => match action_of(key) {
                Some(action) => self.act(action),
                None => Vec::new(),
            },
            Input::Resize => Vec::new(),
            Input::Look(look) => {
                self.take_look(*look);
                self.keep_selection()
            }
            Input::Lines(lines) => {
                for line in lines {
                    self.push_line(line);
                }
                Vec::new()
            }
            Input::Tail { app, lines } => {
                let log = self.logs.entry(app).or_default();
                log.clear();
                for line in lines {
                    log.push_back(line);
                }
                trim(log);
                Vec::new()
            }
            Input::Health(answers) => {
                for (app, answer) in answers {
                    self.checking.remove(&app);
                    self.health.insert(app, answer);
                }
                Vec::new()
            }
            Input::Done {
                app,
                verb,
                ok,
                said,
                took,
            } => {
                self.pending.remove(&app);
                let outcome = if ok { "done" } else { "FAILED" };
                self.say(
                    ok,
                    format!("{verb} {app} {outcome} in {:.1} s: {said}", took.as_secs_f64()),
                );
                Vec::new()
            }
            Input::DaemonGone => {
                self.say(false, DAEMON_GONE.into());
                Vec::new()
            }
            Input::Note(note) => {
                self.say(false, note);
                Vec::new()
            }
        }
    }

    fn push_line(&mut self, line: LogLine) {
        let log = self.logs.entry(line.app.clone()).or_default();
        log.push_back(line);
        trim(log);
    }

    /// Keeps the new look and adds its figures to the histories.
    fn take_look(&mut self, look: Look) {
        self.look = Some(look);
        let rows: Vec<Row> = {
            let all = self.all;
            self.all = false;
            let mut rows = self.rows();
            self.all = true;
            rows.extend(self.rows());
            self.all = all;
            let mut seen = BTreeSet::new();
            rows.retain(|r| seen.insert(r.key.clone()));
            rows
        };
        let keys: BTreeSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        self.cpu.retain(|k, _| keys.contains(k.as_str()));
        self.memory.retain(|k, _| keys.contains(k.as_str()));
        for row in &rows {
            let running = row.summary.pid.is_some();
            push(
                self.cpu.entry(row.key.clone()).or_default(),
                if running { row.summary.cpu } else { 0.0 },
            );
            push(
                self.memory.entry(row.key.clone()).or_default(),
                if running { row.summary.memory } else { 0 },
            );
        }
    }

    /// Keeps the selection on its row, or on the row of the same app, or the first;
    /// asks for the log tail of a newly selected app.
    fn keep_selection(&mut self) -> Vec<Command> {
        let rows = self.rows();
        if self.selected_index(&rows).is_none() {
            let app = (self.selected.as_ref())
                .and_then(|key| self.key_app(key))
                .and_then(|app| rows.iter().find(|r| r.app == app));
            self.selected = app.or(rows.first()).map(|r| r.key.clone());
        }
        self.tail_of_selected()
    }

    /// The app a row key names, in either view.
    fn key_app(&self, key: &str) -> Option<String> {
        let look = self.look.as_ref()?;
        match key.strip_prefix('#').and_then(|id| id.parse::<u64>().ok()) {
            Some(id) => (look.processes.iter())
                .find(|p| p.pm_id == id)
                .map(|p| p.name.clone()),
            None => Some(key.to_string()),
        }
    }

    fn tail_of_selected(&mut self) -> Vec<Command> {
        match self.selected() {
            Some(row) if self.tails_asked.insert(row.app.clone()) => vec![Command::Tail(row.app)],
            _ => Vec::new(),
        }
    }

    fn act(&mut self, action: Action) -> Vec<Command> {
        let verb = match action {
            Action::Quit => return vec![Command::Quit],
            Action::Up | Action::Down => {
                let rows = self.rows();
                if rows.is_empty() {
                    return Vec::new();
                }
                let i = self.selected_index(&rows).unwrap_or(0);
                let i = match action {
                    Action::Up => i.saturating_sub(1),
                    _ => (i + 1).min(rows.len() - 1),
                };
                self.selected = Some(rows[i].key.clone());
                return self.tail_of_selected();
            }
            Action::All => {
                let app = self.selected().map(|r| r.app);
                self.all = !self.all;
                let rows = self.rows();
                self.selected = (rows.iter())
                    .find(|r| Some(&r.app) == app.as_ref())
                    .or(rows.first())
                    .map(|r| r.key.clone());
                return self.tail_of_selected();
            }
            Action::Logs => {
                self.logs_full = !self.logs_full;
                return Vec::new();
            }
            Action::Health => {
                let Some(row) = self.selected().filter(|r| r.in_tree) else {
                    self.say(false, "health checks are for the apps of the tree".into());
                    return Vec::new();
                };
                self.checking.insert(row.app.clone());
                return vec![Command::Health(row.app)];
            }
            Action::Reload => Verb::Reload,
            Action::Restart => Verb::Restart,
            Action::Stop => Verb::Stop,
            Action::Start => Verb::Start,
        };
        let Some(row) = self.selected() else {
            return Vec::new();
        };
        if !row.in_tree {
            self.say(
                false,
                format!("{} is not an app of this tree: top acts only on those", row.app),
            );
            return Vec::new();
        }
        if let Some(busy) = self.pending(&row.app) {
            self.say(
                false,
                format!("{} is busy: {} not finished", row.app, busy.name()),
            );
            return Vec::new();
        }
        self.pending.insert(row.app.clone(), verb);
        self.say(true, format!("{} {}...", verb.name(), row.app));
        vec![Command::Verb(verb, row.app)]
    }
}

fn push<T>(history: &mut VecDeque<T>, value: T) {
    history.push_back(value);
    while history.len() > HISTORY {
        history.pop_front();
    }
}

fn trim(log: &mut VecDeque<LogLine>) {
    while log.len() > LOG_LINES {
        log.pop_front();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pm2_clj_sync::status::Drift;
    use serde_json::json;

    /// A process as pm2 lists it.
    pub fn process(name: &str, id: u64, status: &str, cpu: f64, memory: u64) -> Process {
        Process::from_json(&json!({
            "name": name, "pm_id": id, "pid": 1000 + id,
            "monit": {"cpu": cpu, "memory": memory},
            "pm2_env": {"status": status, "restart_time": id, "pm_uptime": 1_000, "min_uptime": 1000},
        }))
    }

    /// A look: `web` (two processes) and `job` of `/t/a.pm2.edn`, `other` from no source.
    pub fn look(cpu: f64) -> Look {
        let web = [
            process("web", 0, "online", cpu, 50 << 20),
            process("web", 1, "online", 1.0, 10 << 20),
        ];
        let job = process("job", 2, "stopped", 0.0, 0);
        let app = |name: &str, procs: Vec<Process>, drift| AppStatus {
            app: name.into(),
            source: PathBuf::from("/t/a.pm2.edn"),
            processes: procs,
            owned: true,
            crash_loop: false,
            drift,
        };
        Look {
            apps: vec![
                app("web", web.to_vec(), Drift::InSync),
                app("job", vec![job.clone()], Drift::NotRunning),
                app("new", vec![], Drift::Missing),
            ],
            processes: vec![
                web[0].clone(),
                web[1].clone(),
                job,
                process("other", 3, "online", 0.0, 1 << 20),
            ],
            crash_loops: BTreeSet::new(),
            failed_sources: Vec::new(),
            at: 61_000,
            list_took: Duration::from_micros(1500),
        }
    }

    pub fn top() -> Top {
        Top::new("/t", "a fake pm2", Path::new("/t"), false)
    }

    #[test]
    fn a_look_selects_the_first_app_and_asks_for_its_log() {
        let mut top = top();
        let asked = top.input(Input::Look(Box::new(look(3.0))));
        assert_eq!(asked, [Command::Tail("web".into())]);
        let rows = top.rows();
        let shown: Vec<(&str, &str, &str)> = (rows.iter())
            .map(|r| (r.app.as_str(), r.summary.status.as_str(), r.drift.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("web", "online x2", "in sync"),
                ("job", "stopped", "not running"),
                ("new", "-", "missing")
            ]
        );
        assert_eq!(rows[0].source.as_deref(), Some("a.pm2.edn"));
        assert_eq!(rows[0].summary.uptime_ms, Some(60_000));
        assert!(
            top.input(Input::Look(Box::new(look(7.0)))).is_empty(),
            "asked once"
        );
        assert_eq!(top.cpu_history("web"), [4.0, 8.0]);
    }

    #[test]
    fn keys_select_act_and_toggle() {
        let mut top = top();
        top.input(Input::Look(Box::new(look(3.0))));
        assert_eq!(top.input(Input::Key(Key::Down)), [Command::Tail("job".into())]);
        assert_eq!(
            top.input(Input::Key(Key::Char('x'))),
            [Command::Verb(Verb::Start, "job".into())]
        );
        assert!(top.input(Input::Key(Key::Char('x'))).is_empty(), "busy");
        assert_eq!(top.message().unwrap().text, "job is busy: start not finished");
        top.input(Input::Done {
            app: "job".into(),
            verb: "start".into(),
            ok: true,
            said: "job online x1".into(),
            took: Duration::from_millis(1500),
        });
        assert_eq!(
            top.message().unwrap().text,
            "start job done in 1.5 s: job online x1"
        );
        assert_eq!(top.pending("job"), None);
        // Every process: four, and the app pm2 does not have.
        top.input(Input::Key(Key::Char('a')));
        let rows = top.rows();
        assert_eq!(rows.len(), 5);
        assert_eq!(top.selected().unwrap().app, "job", "the same app stays selected");
        top.input(Input::Key(Key::Down));
        let other = top.selected().unwrap();
        assert_eq!((other.app.as_str(), other.in_tree), ("other", false));
        assert!(top.input(Input::Key(Key::Char('r'))).is_empty());
        assert_eq!(
            top.message().unwrap().text,
            "other is not an app of this tree: top acts only on those"
        );
        assert_eq!(top.input(Input::Key(Key::Char('q'))), [Command::Quit]);
    }

    #[test]
    fn lines_and_tails_keep_the_last_lines() {
        let mut top = top();
        let line = |text: &str| LogLine {
            app: "web".into(),
            error: false,
            text: text.into(),
        };
        top.input(Input::Lines((0..600).map(|i| line(&i.to_string())).collect()));
        assert_eq!(top.log("web").len(), LOG_LINES);
        assert_eq!(top.log("web")[0].text, "100");
        top.input(Input::Tail {
            app: "web".into(),
            lines: vec![line("from the file")],
        });
        top.input(Input::Lines(vec![line("then the bus")]));
        let texts: Vec<&str> = top.log("web").iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["from the file", "then the bus"]);
    }
}
