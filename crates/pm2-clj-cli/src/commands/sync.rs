//! `pm2-clj sync DIR|FILE...`: make the running PM2 set equal to a tree of daemon
//! definitions. Every `*.pm2.edn` under the directories (and every file named) is loaded,
//! its generated config written to `dist/` beside it, and a plan applied: `+` start new
//! apps, `~` reload changed ones, `-/+` delete and start again when the change is one
//! pm2 would not apply on reload, `-` delete apps whose definition is gone. Only apps
//! pm2-clj started (they carry its markers) are ever touched.

use std::path::PathBuf;

use clap::Args;
use pm2_clj_sync::desired::SourceState;
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::scan::Scope;

use crate::commands::render::Format;
use crate::failure::Failure;
use crate::pm2::Pm2;
use crate::report::MessageFormat;
use crate::syncer::{PlanFormat, Syncer};

/// The inputs of `sync` and `watch`.
#[derive(Args, Clone, Debug)]
pub struct SyncInputs {
    /// The profile to select for every source.
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Sets an environment variable for `#env` over the process environment. Repeatable.
    #[arg(long = "env", short = 'e', value_name = "NAME=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,
    /// The format of the generated `dist/` files.
    #[arg(long, value_enum, default_value_t = Format::Cjs)]
    pub emit: Format,
}

fn parse_env_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

impl SyncInputs {
    /// The load settings for every source.
    pub fn settings(&self) -> LoadSettings {
        let mut env = pm2_dsl_eval::Env::from_process();
        for (name, value) in &self.env {
            env.set(name, value);
        }
        LoadSettings {
            profile: self.profile.clone(),
            env,
            ..LoadSettings::default()
        }
    }
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
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

/// Runs `sync`.
pub fn run(args: &SyncArgs, message_format: MessageFormat) -> Result<(), Failure> {
    for path in &args.paths {
        if !path.exists() {
            return Err(Failure::Usage(miette::Report::new(Failure::plain(
                "cli::usage",
                format!("{} does not exist", path.display()),
                None,
            ))));
        }
    }
    let scope = Scope::of(&args.paths);
    let settings = args.inputs.settings();
    let states = SourceState::all(&scope.scan(), &settings);
    let syncer = Syncer {
        pm2: Pm2::locate()?,
        emit: args.inputs.emit,
        dry_run: args.dry_run,
        format: args.format,
        message_format,
        timestamps: false,
    };
    syncer.run(&scope, &states).result()
}
