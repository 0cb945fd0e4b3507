//! Writing results: the data formats of `read` and `eval`, JSON with the documented
//! mapping, and stdout writes that tolerate a closed pipe.

use std::io::Write;

use clap::ValueEnum;
use pm2_dsl_eval::Value;

use crate::failure::{CliProblem, Failure};

/// How data is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// EDN, pretty-printed.
    Edn,
    /// JSON: keywords and symbols become strings without the colon, sets become
    /// arrays, tagged literals become {"tag": ..., "value": ...}.
    Json,
}

/// A value as pretty JSON with a final newline.
pub fn json(value: &Value) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| {
            Failure::input(Failure::plain(
                CliProblem::NotJson,
                format!("the value cannot be written as JSON: {e}"),
                Some("use --format edn to see it".into()),
            ))
        })
}

/// Writes to stdout; a closed pipe (as with `| head`) is not an error.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::input(Failure::plain(
            CliProblem::Write,
            format!("cannot write to stdout: {e}"),
            None,
        ))),
        _ => Ok(()),
    }
}
