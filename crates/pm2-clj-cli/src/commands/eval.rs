//! `pm2-clj eval FILE|-`: evaluate a file (or stdin) and print its value.

use std::path::PathBuf;

use clap::Args;
use miette::Report;

use crate::failure::Failure;
use crate::input::{EvalInputs, StdinInput, evaluate};
use crate::output::{DataFormat, write_stdout};

/// Arguments of `eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The file to evaluate (`-`: stdin).
    pub file: PathBuf,
    #[command(flatten)]
    pub stdin: StdinInput,
    #[command(flatten)]
    pub inputs: EvalInputs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = DataFormat::Edn)]
    pub format: DataFormat,
    /// Show the values of `#secret`s (by default they print as `#secret "•••"`, or
    /// `"<secret>"` in JSON).
    #[arg(long)]
    pub show_secrets: bool,
}

/// Runs `eval`.
pub fn run(args: &EvalArgs) -> Result<(), Failure> {
    let evaluated = evaluate(&args.file, &args.stdin, &args.inputs)?;
    let value = evaluated.value_with_overrides().map_err(Failure::from)?;
    // `eval` shows data: what the environment, `.env` files and includes gave too; only
    // `#secret` stays hidden, unless asked.
    let value = if args.show_secrets {
        value.revealed()
    } else {
        value.unhidden()
    };
    let out = match args.format {
        DataFormat::Edn => value.to_edn_pretty(80) + "\n",
        DataFormat::Json => {
            let sources = evaluated.evaluator.sources();
            let problems = pm2_dsl_emit::json_problems(&value);
            if !problems.is_empty() {
                let reports = problems
                    .into_iter()
                    .map(|p| Report::new(p.attach_sources(sources)));
                return Err(Failure::Input(reports.collect()));
            }
            crate::output::json(&value)?
        }
    };
    write_stdout(&out)
}
