//! `pm2-clj logs FILE [--only a,b] [--lines N]`: pm2's logs of just the file's apps —
//! where each log file is, the last lines of each, then new lines as they come (unless
//! `--nostream`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use pm2_clj_runtime::events::{Event, Reporter};
use pm2_clj_runtime::logs::{files_of, stream};
use pm2_clj_runtime::verbs::select;
use pm2_clj_sync::desired::prepare_recorded;

use crate::failure::Failure;
use crate::input::{BuildInputs, Pm2Inputs};
use crate::printer::Printer;
use crate::report::MessageFormat;

/// Arguments of `logs`.
#[derive(Args, Debug)]
pub struct LogsArgs {
    /// The `.pm2.edn` file.
    pub file: PathBuf,
    #[command(flatten)]
    pub inputs: BuildInputs,
    /// Only these apps (comma-separated names).
    #[arg(long, value_name = "APP,...", value_delimiter = ',')]
    pub only: Vec<String>,
    /// How many past lines of each log to show.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub lines: usize,
    /// Print the past lines and end, without following the logs.
    #[arg(long)]
    pub nostream: bool,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// Runs `logs`.
pub fn run(args: &LogsArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let printer = Printer::new(message_format, false);
    let (pm2, running) = args.pm2.peek(&printer)?;
    let state = prepare_recorded(&args.file, &args.inputs.settings(), &running);
    let prepared = match &state.result {
        Ok(prepared) => prepared,
        Err(_) => return Err(Failure::from(state.result.err().unwrap_or_default())),
    };
    let apps: Vec<&str> = select(&prepared.desired, &args.only)?
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let Some(_) = pm2 else {
        printer.report(Event::Note("pm2 does not run: no logs to show".to_string()));
        return Ok(());
    };
    let files = files_of(&running, &apps);
    if files.is_empty() {
        printer.report(Event::Note(format!(
            "pm2 runs none of {}: no logs to show",
            apps.join(", ")
        )));
    }
    // Where the logs are, as `pm2 logs` says, so a file with nothing in it yet is found.
    for file in &files {
        let stream = if file.error { "err" } else { "out" };
        if message_format == MessageFormat::Json {
            println!(
                "{}",
                serde_json::json!({"app": file.label, "stream": stream, "file": file.path})
            );
        } else {
            println!(
                "{} | {} last {} lines:",
                pm2_dsl_reader::printable(&file.label),
                crate::printer::shown(&file.path),
                args.lines
            );
        }
    }
    stream(&files, args.lines, !args.nostream, |file, line| {
        let mut out = std::io::stdout().lock();
        let written = if message_format == MessageFormat::Json {
            let stream = if file.error { "err" } else { "out" };
            writeln!(
                out,
                "{}",
                serde_json::json!({"app": file.label, "stream": stream, "line": line})
            )
        } else {
            writeln!(out, "{} | {line}", file.label)
        };
        written.and_then(|()| out.flush()).is_ok()
    });
    Ok(())
}
