//! `pm2-clj eval FILE`: evaluate a file and print its value.

use std::path::PathBuf;

use clap::Args;

use crate::failure::Failure;
use pm2_dsl_emit::overrides::apply_to_value;

use crate::input::{EvalInputs, evaluate, overrides};
use crate::output::{DataFormat, write_stdout};

/// Arguments of `eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The file to evaluate.
    pub file: PathBuf,
    #[command(flatten)]
    pub inputs: EvalInputs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = DataFormat::Edn)]
    pub format: DataFormat,
}

/// Runs `eval`.
pub fn run(args: &EvalArgs) -> Result<(), Failure> {
    let mut evaluated = evaluate(&args.file, &args.inputs)?;
    let overrides = overrides(&args.inputs, &mut evaluated.evaluator)?;
    let value = apply_to_value(&evaluated.value, &overrides)
        .map_err(|e| Failure::input(e.attach_sources(evaluated.evaluator.sources())))?;
    let out = match args.format {
        DataFormat::Edn => value.to_edn_pretty(80) + "\n",
        DataFormat::Json => crate::output::json(&value)?,
    };
    write_stdout(&out)
}
