//! `pm2-clj watch DIR`: sync once, then keep PM2 in sync as files change (see
//! `pm2_clj_runtime::watch`). One timestamped line per action. Runs happily under PM2
//! itself (see `examples/watcher.pm2.edn`; keep that file outside the watched tree).

use std::path::PathBuf;

use clap::Args;
use pm2_clj_runtime::watch::{WatchOptions, watch};

use crate::commands::sync::{SyncInputs, options};
use crate::failure::{CliProblem, Failure};
use crate::input::{Pm2Inputs, VerifyInputs, parse_duration};
use crate::printer::Printer;
use crate::report::MessageFormat;

/// Arguments of `watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The directory of `*.pm2.edn` sources.
    pub dir: PathBuf,
    #[command(flatten)]
    pub inputs: SyncInputs,
    /// Milliseconds to wait after a change for more changes before acting.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub debounce: u64,
    /// Also sync the whole tree this often when nothing changed, restoring what pm2 lost
    /// (`pm2 kill`, apps deleted by hand); `0` never.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub resync_every: std::time::Duration,
    #[command(flatten)]
    pub verify: VerifyInputs,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// Runs `watch` until killed.
pub fn run(args: &WatchArgs, message_format: MessageFormat) -> Result<(), Failure> {
    if !args.dir.is_dir() {
        return Err(Failure::Usage(miette::Report::new(Failure::plain(
            CliProblem::Usage,
            format!("{} is not a directory", crate::printer::shown(&args.dir)),
            None,
        ))));
    }
    let printer = Printer::new(message_format, true);
    let pm2 = args.pm2.connect_warm(&printer)?;
    let options = WatchOptions {
        sync: options(&args.inputs, &args.verify, &args.pm2, false, false),
        debounce: std::time::Duration::from_millis(args.debounce),
        resync_every: Some(args.resync_every).filter(|d| !d.is_zero()),
    };
    watch(&*pm2, &args.dir, &args.inputs.settings(), &options, &printer)?;
    Ok(())
}
