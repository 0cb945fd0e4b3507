//! `pm2-clj health FILE|DIR... [--only a,b]`: run each app's check now against what
//! pm2 runs (with `--no-pm2`, only the `:health` probes, for apps exported to another
//! manager); one line per app (or JSON lines); exit 0 only when every app passes.

use std::path::PathBuf;

use clap::Args;
use pm2_clj_runtime::health::check_paths;
use pm2_clj_sync::preflight::Preflight;
use pm2_dsl_reader::printable;
use serde_json::json;

use crate::commands::status::StatusFormat;
use crate::commands::sync::{SyncInputs, existing};
use crate::failure::Failure;
use crate::input::{Pm2Inputs, parse_duration};
use crate::printer::Printer;
use crate::report::MessageFormat;

/// Arguments of `health`.
#[derive(Args, Debug)]
pub struct HealthArgs {
    /// Source files and directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub inputs: SyncInputs,
    /// Only these apps (comma-separated names).
    #[arg(long, value_name = "APP,...", value_delimiter = ',')]
    pub only: Vec<String>,
    /// The longest one check may take.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// How to print.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
    /// Only run the `:health` probes, without pm2: for apps that run elsewhere
    /// (exported with `pm2-clj export`).
    #[arg(long)]
    pub no_pm2: bool,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// Runs `health`.
pub fn run(args: &HealthArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let json = args.format == StatusFormat::Json || message_format == MessageFormat::Json;
    let printer = Printer::new(if json { MessageFormat::Json } else { message_format }, false);
    existing(&args.paths)?;
    let pm2 = if args.no_pm2 {
        None
    } else {
        Some(args.pm2.connect(&printer)?)
    };
    let settings = args.inputs.settings_at(Preflight::Warn);
    let (answers, failed) = check_paths(
        pm2.as_deref(),
        &args.paths,
        &settings,
        &args.only,
        args.timeout,
        &printer,
    )?;
    for a in &answers {
        if json {
            let (ok, detail) = match &a.result {
                Ok(d) => (true, d),
                Err(d) => (false, d),
            };
            println!(
                "{}",
                json!({"app": a.app, "source": a.source, "healthy": ok, "detail": detail, "log": a.log})
            );
        } else {
            match &a.result {
                Ok(detail) => println!("ok    {}: {}", printable(&a.app), printable(detail)),
                Err(problem) => {
                    println!("FAIL  {}: {}", printable(&a.app), printable(problem));
                    if !a.log.is_empty() {
                        println!("      the last lines of its error log:");
                        for line in &a.log {
                            println!("      | {}", printable(line));
                        }
                    }
                }
            }
        }
    }
    if answers.iter().any(|a| a.result.is_err()) {
        return Err(Failure::Pm2(Vec::new()));
    }
    if failed > 0 {
        return Err(Failure::Input(Vec::new()));
    }
    Ok(())
}
