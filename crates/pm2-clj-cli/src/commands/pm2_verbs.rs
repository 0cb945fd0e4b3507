//! `pm2-clj start|restart|reload|stop|delete FILE`: the pm2 verbs on one source, through
//! the runtime's verb policy (see `pm2_clj_runtime::verbs`): `--only` for every verb,
//! `start` starts only what is not running, only apps pm2-clj started are touched, and
//! what starts or changes is verified and rolled back when it does not verify.

use std::path::PathBuf;

use clap::Args;
use pm2_clj_runtime::verbs::{Verb, VerbOptions, run_file};

use crate::failure::Failure;
use crate::input::{BuildInputs, Pm2Inputs, VerifyInputs};
use crate::printer::Printer;
use crate::report::MessageFormat;
use pm2_clj_sync::preflight::Preflight;

/// Arguments of the pm2 verbs.
#[derive(Args, Debug)]
pub struct Pm2Args {
    /// The `.pm2.edn` file.
    pub file: PathBuf,
    #[command(flatten)]
    pub inputs: BuildInputs,
    /// Only these apps (comma-separated names).
    #[arg(long, value_name = "APP,...", value_delimiter = ',')]
    pub only: Vec<String>,
    /// `start` only: restart apps that are already running too (as `pm2 start` does).
    #[arg(long)]
    pub restart: bool,
    #[command(flatten)]
    pub verify: VerifyInputs,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// Runs a pm2 verb (`start` with `--restart` restarts running apps too).
pub fn run(verb: Verb, args: &Pm2Args, message_format: MessageFormat) -> Result<(), Failure> {
    let verb = match verb {
        Verb::Start { .. } => Verb::Start {
            restart: args.restart,
        },
        other => other,
    };
    crate::commands::sync::existing(std::slice::from_ref(&args.file))?;
    let printer = Printer::new(message_format, false);
    let settings = args.inputs.settings_at(Preflight::Error);
    let options = VerbOptions {
        only: args.only.clone(),
        rollback: !args.verify.no_rollback,
        wait: args.verify.wait,
        lock_wait: args.pm2.lock_wait,
        home: None,
    };
    let connect = || args.pm2.connect_runtime(&printer);
    let outcome = run_file(&connect, verb, &args.file, &settings, &options, &printer)?;
    for e in &outcome.errors {
        crate::report::emit(&[e as &dyn miette::Diagnostic], message_format);
    }
    Failure::of(outcome.verdict())
}
