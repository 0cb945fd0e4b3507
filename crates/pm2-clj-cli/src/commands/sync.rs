//! `pm2-clj sync DIR|FILE...`: make the running PM2 set equal to a tree of daemon
//! definitions (see `pm2_clj_runtime::reconcile`): `+` start new apps, `~` reload
//! changed ones, `-/+` delete and start again when the change is one pm2 would not apply
//! on reload, `-` delete apps whose definition is gone. Only apps pm2-clj started are
//! ever touched (`--adopt` takes over the others explicitly).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pm2_clj_runtime::reconcile::{SyncOptions, sync_paths};
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::preflight::Preflight;

use crate::commands::render::RenderFormat;
use crate::failure::{CliProblem, Failure};
use crate::input::{CheckInputs, Pm2Inputs, RootInputs, VerifyInputs, parse_env_pair};
use crate::printer::Printer;
use crate::report::MessageFormat;

/// The inputs of `sync`, `watch` and `status`.
#[derive(Args, Clone, Debug)]
pub struct SyncInputs {
    /// The profile to select for every source (a source without it is used as it is).
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Sets an environment variable for `#env` over the process environment. Repeatable.
    #[arg(long = "env", short = 'e', value_name = "NAME=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,
    /// The format of the generated `dist/` files.
    #[arg(long, value_enum, default_value_t = RenderFormat::Cjs)]
    pub emit: RenderFormat,
    #[command(flatten)]
    pub checks: CheckInputs,
    #[command(flatten)]
    pub root: RootInputs,
}

impl SyncInputs {
    /// The load settings for every source (an app whose script is missing fails its
    /// source).
    pub fn settings(&self) -> LoadSettings {
        self.settings_at(Preflight::Error)
    }

    /// The load settings for every source, with the pre-flight at `level`.
    pub fn settings_at(&self, level: Preflight) -> LoadSettings {
        let mut env = pm2_dsl_eval::Env::from_process();
        for (name, value) in &self.env {
            env.set(name, value);
        }
        let settings = LoadSettings {
            profile: self.profile.clone(),
            env,
            profile_optional: true,
            ..LoadSettings::default()
        };
        self.checks.apply(self.root.apply(settings), level)
    }
}

/// How `sync` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// One line per action.
    Text,
    /// JSON lines only (as `--message-format json`).
    Json,
}

/// Arguments of `sync`.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Directories (searched for `*.pm2.edn`) and source files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub inputs: SyncInputs,
    /// Print the plan; change nothing (no pm2 commands, no files written).
    #[arg(long)]
    pub dry_run: bool,
    /// Take over apps of the same name that pm2-clj did not start (they are started
    /// again from their source).
    #[arg(long)]
    pub adopt: bool,
    /// How to print the plan and what happens.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub verify: VerifyInputs,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// The options of a sync from the command line.
pub fn options(
    inputs: &SyncInputs,
    verify: &VerifyInputs,
    pm2: &Pm2Inputs,
    dry_run: bool,
    adopt: bool,
) -> SyncOptions {
    SyncOptions {
        dry_run,
        adopt,
        rollback: !verify.no_rollback,
        wait: verify.wait,
        emit: inputs.emit.output(),
        lock_wait: pm2.lock_wait,
        home: None,
    }
}

/// Checks that every path exists.
pub fn existing(paths: &[PathBuf]) -> Result<(), Failure> {
    match paths.iter().find(|p| !p.exists()) {
        Some(missing) => Err(Failure::Usage(miette::Report::new(Failure::plain(
            CliProblem::Usage,
            format!("{} does not exist", crate::printer::shown(missing)),
            None,
        )))),
        None => Ok(()),
    }
}

/// Runs `sync`.
pub fn run(args: &SyncArgs, message_format: MessageFormat) -> Result<(), Failure> {
    existing(&args.paths)?;
    let format = if args.format == PlanFormat::Json {
        MessageFormat::Json
    } else {
        message_format
    };
    let printer = Printer::new(format, false);
    let pm2 = args.pm2.connect(&printer)?;
    let options = options(&args.inputs, &args.verify, &args.pm2, args.dry_run, args.adopt);
    let outcome = sync_paths(&*pm2, &args.paths, &args.inputs.settings(), &options, &printer);
    for e in &outcome.errors {
        crate::report::emit(&[e as &dyn miette::Diagnostic], format);
    }
    Failure::of(outcome.verdict())
}
