//! The command-line inputs of every command that reads a source file (`--profile`,
//! `--env`, `--set`, `--unset`, ...), turned into the load pipeline's settings; and `-`
//! with `--stdin-filename`, for a text that comes on stdin.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use miette::Report;
use pm2_clj_sync::load::{self, Evaluated, Input, LoadFailure, LoadSettings, Loaded, OverrideArg};
use pm2_clj_sync::preflight::Preflight;
use pm2_clj_sync::scan::Scope;
use pm2_dsl_eval::Env;

use crate::failure::{CliProblem, Failure};

/// Options that choose how a source file is evaluated.
#[derive(Args, Clone, Debug, Default)]
pub struct EvalInputs {
    /// The profile to select (`dev`, `prod`, ...): chooses `#profile` branches; render,
    /// check and the pm2 verbs also merge its `:profiles` overlay (eval shows the file's
    /// value before that merge).
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Sets an environment variable for `#env` and `(env ...)`, over the process
    /// environment. Repeatable.
    #[arg(long = "env", short = 'e', value_name = "NAME=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,
    /// Ignores the process environment: only `--env` values are visible.
    #[arg(long)]
    pub no_process_env: bool,
    /// Overrides a value after evaluation and profiles: `apps.NAME.OPTION=VALUE`
    /// (`apps.api.env.PORT=9000`) or another dotted path (`deploy.production.host=h`).
    /// VALUE reads as a number, boolean, nil or :keyword, else as a string. Quote a part
    /// that holds a dot: `apps."web.api".instances=2`. Repeatable; --set and --unset
    /// apply in the order given.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = in_order)]
    pub set: Vec<(usize, String)>,
    /// Removes a value after evaluation and profiles (a dotted path as for --set).
    /// Repeatable.
    #[arg(long = "unset", value_name = "PATH", value_parser = in_order)]
    pub unset: Vec<(usize, String)>,
    #[command(flatten)]
    pub root: RootInputs,
}

/// Where the files a source reads (imports, `#include`, `#dotenv`) must be.
#[derive(Args, Clone, Debug, Default)]
pub struct RootInputs {
    /// Confines imports, includes and .env files to DIR (links followed); by default
    /// the nearest folder above the source holding .git, else the source's own folder.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Lets a source read any readable file, outside its repository too.
    #[arg(long, conflicts_with = "root")]
    pub unconfined: bool,
}

impl RootInputs {
    /// These inputs in `settings`.
    pub fn apply(&self, settings: LoadSettings) -> LoadSettings {
        LoadSettings {
            root: self.root.clone(),
            unconfined: self.unconfined,
            ..settings
        }
    }
}

/// A `--set` or `--unset` text with its place among them: clap parses arguments in
/// the order given, so a count taken here orders the two lists back into one.
fn in_order(text: &str) -> Result<(usize, String), String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    Ok((
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        text.to_string(),
    ))
}

/// `NAME=VALUE`.
pub fn parse_env_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

/// Options of the commands that build an ecosystem.
#[derive(Args, Clone, Debug, Default)]
pub struct BuildInputs {
    #[command(flatten)]
    pub eval: EvalInputs,
    /// Leave relative `cwd`s as written (by default they become absolute, against the
    /// directory of the file they are written in).
    #[arg(long)]
    pub keep_relative_paths: bool,
    #[command(flatten)]
    pub checks: CheckInputs,
}

/// How strictly a source is checked beyond the language and PM2's schema.
#[derive(Args, Clone, Debug, Default)]
pub struct CheckInputs {
    /// An app environment variable left out because `#env X` found `X` unset is an
    /// error, not a warning.
    #[arg(long)]
    pub strict_env: bool,
    /// Do not check that each app's cwd, script and interpreter exist (errors for the
    /// pm2 verbs, sync and watch; warnings for check and render).
    #[arg(long)]
    pub no_preflight: bool,
}

impl CheckInputs {
    /// The pre-flight, at `level` unless `--no-preflight`.
    pub fn preflight(&self, level: Preflight) -> Preflight {
        if self.no_preflight { Preflight::Off } else { level }
    }

    /// These checks in `settings`, the pre-flight at `level`.
    pub fn apply(&self, settings: LoadSettings, level: Preflight) -> LoadSettings {
        LoadSettings {
            strict_env: self.strict_env,
            preflight: self.preflight(level),
            ..settings
        }
    }
}

impl EvalInputs {
    /// The `--set` and `--unset` overrides in the order given.
    pub fn overrides(&self) -> Vec<OverrideArg> {
        let sets = self.set.iter().map(|(i, t)| (*i, OverrideArg::Set(t.clone())));
        let unsets = self
            .unset
            .iter()
            .map(|(i, t)| (*i, OverrideArg::Unset(t.clone())));
        let mut all: Vec<(usize, OverrideArg)> = sets.chain(unsets).collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, o)| o).collect()
    }

    /// The environment these inputs describe: the process's, unless
    /// `--no-process-env`, with `--env` values on top.
    pub fn env(&self) -> Env {
        let mut env = if self.no_process_env {
            Env::empty()
        } else {
            Env::from_process()
        };
        for (name, value) in &self.env {
            env.set(name, value);
        }
        env
    }
}

impl BuildInputs {
    /// The load pipeline's settings, for `check` and `render` (a missing script is a
    /// warning: files are often rendered on another machine).
    pub fn settings(&self) -> LoadSettings {
        self.settings_at(Preflight::Warn)
    }

    /// The load pipeline's settings, with the pre-flight at `level`.
    pub fn settings_at(&self, level: Preflight) -> LoadSettings {
        let settings = LoadSettings {
            profile: self.eval.profile.clone(),
            env: self.eval.env(),
            keep_relative_paths: self.keep_relative_paths,
            overrides: self.eval.overrides(),
            ..LoadSettings::default()
        };
        self.checks.apply(self.eval.root.apply(settings), level)
    }
}

/// The files a command's paths name: each file as given, and every `*.pm2.edn` under
/// each directory; with a diagnostic for each folder that could not be read.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Report>) {
    let (mut files, mut problems) = (Vec::new(), Vec::new());
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let found = Scope::of(std::slice::from_ref(path)).scan();
        files.extend(found.sources);
        problems.extend(found.unreadable.into_iter().map(|(dir, reason)| {
            Report::new(Failure::plain(
                CliProblem::Unreadable,
                format!("cannot read {}: {reason}", crate::printer::shown(&dir)),
                Some("check the folder's permissions".into()),
            ))
        }));
    }
    (files, problems)
}

/// What `-` stands for as a file argument.
#[derive(Args, Clone, Debug, Default)]
pub struct StdinInput {
    /// With `-` as the file: the path the text on stdin stands for. Imports resolve
    /// against its folder and diagnostics name it; without it they resolve against the
    /// current directory and diagnostics say `<stdin>`.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
}

impl StdinInput {
    /// For `-`: the name the text goes by and the text, read from stdin.
    pub fn read(&self, path: &Path) -> Result<Option<(PathBuf, String)>, Failure> {
        if path != Path::new("-") {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
            Failure::input(Failure::plain(
                CliProblem::Stdin,
                format!("cannot read stdin: {e}"),
                None,
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Failure::input(Failure::plain(
                CliProblem::StdinNotUtf8,
                format!(
                    "stdin is not UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                Some("send UTF-8 text".into()),
            ))
        })?;
        let name = self
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        Ok(Some((name, text)))
    }
}

fn failure(f: LoadFailure) -> Failure {
    Failure::from(f.reports)
}

/// Reads and evaluates `path` (stdin for `-`).
pub fn evaluate(path: &Path, stdin: &StdinInput, inputs: &EvalInputs) -> Result<Evaluated, Failure> {
    let settings = BuildInputs {
        eval: inputs.clone(),
        ..BuildInputs::default()
    }
    .settings();
    match stdin.read(path)? {
        Some((name, text)) => Input::text(&name, &text).evaluate(&settings),
        None => Input::file(path).evaluate(&settings),
    }
    .map_err(failure)
}

/// Reads, evaluates and builds `path`.
pub fn load(path: &Path, inputs: &BuildInputs) -> Result<Loaded, Failure> {
    Input::file(path).load(&inputs.settings()).map_err(failure)
}

/// Reads, evaluates and builds `path` (stdin for `-`).
pub fn load_from(path: &Path, stdin: &StdinInput, inputs: &BuildInputs) -> Result<Loaded, Failure> {
    match stdin.read(path)? {
        Some((name, text)) => Input::text(&name, &text)
            .load(&inputs.settings())
            .map_err(failure),
        None => load(path, inputs),
    }
}

/// A source file's text, or a diagnostic saying why it cannot be read.
pub fn read_source(path: &Path) -> Result<String, Failure> {
    load::read_source(path).map_err(Failure::from)
}

/// A duration on the command line: `30s`, `500ms`, `2m`, or whole seconds (`20`).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|e| format!("expected a duration such as 30s, 500ms or 2m ({e})"))
}

/// How to reach pm2 and how long to wait for it.
#[derive(Args, Clone, Debug)]
pub struct Pm2Inputs {
    /// The longest one pm2 call may take before it counts as failed (a hung daemon).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub pm2_timeout: std::time::Duration,
    /// How long to wait for another pm2-clj run on the same pm2 to finish.
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration)]
    pub lock_wait: std::time::Duration,
}

impl Pm2Inputs {
    /// Connects to pm2 (its daemon's socket, its API, or its command line with a note).
    pub fn connect(
        &self,
        printer: &crate::printer::Printer,
    ) -> Result<Box<dyn pm2_clj_runtime::pm2::Pm2>, Failure> {
        Ok(self.connect_runtime(printer)?)
    }

    /// Connects to pm2 for the runtime (a note about how is printed).
    pub fn connect_runtime(
        &self,
        printer: &crate::printer::Printer,
    ) -> Result<Box<dyn pm2_clj_runtime::pm2::Pm2>, pm2_clj_runtime::RuntimeError> {
        self.connect_with(printer, false)
    }

    /// Connects to pm2 for a long-lived run, which has pm2's Node helper made at once
    /// (see [`Pm2Options::warm`](pm2_clj_runtime::pm2::Pm2Options::warm)).
    pub fn connect_warm(
        &self,
        printer: &crate::printer::Printer,
    ) -> Result<Box<dyn pm2_clj_runtime::pm2::Pm2>, Failure> {
        Ok(self.connect_with(printer, true)?)
    }

    fn connect_with(
        &self,
        printer: &crate::printer::Printer,
        warm: bool,
    ) -> Result<Box<dyn pm2_clj_runtime::pm2::Pm2>, pm2_clj_runtime::RuntimeError> {
        use pm2_clj_runtime::events::{Event, Reporter};
        let options = pm2_clj_runtime::pm2::Pm2Options {
            timeout: self.pm2_timeout,
            warm,
            ..Default::default()
        };
        let connection = pm2_clj_runtime::pm2::connect(&options)?;
        if let Some(note) = connection.note {
            printer.report(Event::Note(note));
        }
        Ok(connection.pm2)
    }

    /// What pm2 runs, when its daemon runs, and the connection that listed it; nothing
    /// when it does not run (none is started just to look): the profile and overrides
    /// sources' apps recorded are read off it, and a file that fails to load is refused
    /// before pm2 is asked anything.
    pub fn peek(&self, printer: &crate::printer::Printer) -> Result<Peeked, Failure> {
        if !pm2_clj_runtime::pm2::daemon_runs(None) {
            return Ok((None, Vec::new()));
        }
        let pm2 = self.connect(printer)?;
        let running = pm2.list()?;
        Ok((Some(pm2), running))
    }
}

/// What [`Pm2Inputs::peek`] saw: the connection, when pm2's daemon runs, and its
/// processes.
pub type Peeked = (
    Option<Box<dyn pm2_clj_runtime::pm2::Pm2>>,
    Vec<pm2_clj_sync::process::Process>,
);

/// How long started apps get to prove themselves, and whether a failure is undone.
#[derive(Args, Clone, Debug)]
pub struct VerifyInputs {
    /// The longest verification may take: every started or changed app online, stable
    /// for its min_uptime, and passing its :health check.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub wait: std::time::Duration,
    /// Keep changes that do not verify (by default they are rolled back).
    #[arg(long)]
    pub no_rollback: bool,
}
