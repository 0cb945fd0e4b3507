//! `pm2-clj read FILE`: parse a file and print its forms without evaluating them (a
//! value written under `#secret` shows as `"•••"`).

use std::path::PathBuf;

use clap::Args;
use pm2_dsl_eval::{Limits, Value, hide_secret_literals};
use pm2_dsl_reader::{Source, read_all_collecting, to_pretty};

use crate::failure::Failure;
use crate::input::read_source;
use crate::output::{DataFormat, write_stdout};

/// Arguments of `read`.
#[derive(Args, Debug)]
pub struct ReadArgs {
    /// The file to read.
    pub file: PathBuf,
    /// Output format: canonical EDN, or JSON (an array of the file's forms).
    #[arg(long, short = 'f', value_enum, default_value_t = DataFormat::Edn)]
    pub format: DataFormat,
}

/// Runs `read`.
pub fn run(args: &ReadArgs) -> Result<(), Failure> {
    let text = read_source(&args.file)?;
    let source = Source::standalone(args.file.to_string_lossy(), text);
    let forms: Vec<_> = read_all_collecting(&source, Limits::default().read_options())?
        .iter()
        .map(hide_secret_literals)
        .collect();
    let out = match args.format {
        DataFormat::Edn => forms.iter().map(|f| to_pretty(f, 80) + "\n").collect::<String>(),
        DataFormat::Json => {
            let values: Vec<Value> = forms.iter().map(Value::from_form).collect();
            crate::output::json(&Value::vector(values))?
        }
    };
    write_stdout(&out)
}
