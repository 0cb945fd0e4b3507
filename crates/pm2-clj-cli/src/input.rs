//! The shared front of every command that reads a source file: the input options
//! (`--profile`, `--env`), reading the file, and evaluating it.

use std::path::{Path, PathBuf};

use clap::Args;
use pm2_dsl_emit::overrides::{Override, parse_set, parse_unset};
use pm2_dsl_eval::{Env, Evaluator, FsLoader, Options, Value};

use crate::failure::Failure;

/// Options that choose how a source file is evaluated.
#[derive(Args, Clone, Debug, Default)]
pub struct EvalInputs {
    /// The profile to select (`dev`, `prod`, ...): chooses `#profile` branches and the
    /// `:profiles` overlay.
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Sets an environment variable for `#env` and `(env ...)`, over the process
    /// environment. Repeatable.
    #[arg(long = "env", short = 'e', value_name = "NAME=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,
    /// Ignores the process environment: only `--env` values are visible.
    #[arg(long)]
    pub no_process_env: bool,
    /// Overrides a value after evaluation and profiles: `apps.NAME.OPTION=VALUE`
    /// (`apps.api.env.PORT=9000`) or another dotted path (`deploy.production.host=h`).
    /// VALUE reads as a number, boolean, nil or :keyword, else as a string. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Removes a value after evaluation and profiles (a dotted path as for --set).
    /// Repeatable.
    #[arg(long = "unset", value_name = "PATH")]
    pub unset: Vec<String>,
}

fn parse_env_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

impl EvalInputs {
    /// The evaluation options these inputs describe.
    pub fn options(&self) -> Options {
        let mut env = if self.no_process_env {
            Env::empty()
        } else {
            Env::from_process()
        };
        for (name, value) in &self.env {
            env.set(name, value);
        }
        let options = Options::new().env(env);
        match &self.profile {
            Some(profile) => options.profile(profile),
            None => options,
        }
    }
}

/// A source file's text, or a diagnostic saying why it cannot be read.
pub fn read_source(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::input(Failure::plain(
            "cli::read-file",
            format!("cannot read {}: {e}", path.display()),
            (e.kind() == std::io::ErrorKind::NotFound)
                .then(|| "check the path; it is relative to the current directory".into()),
        ))
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Failure::input(Failure::plain(
            "cli::not-utf8",
            format!(
                "{} is not UTF-8 (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
            Some("save the file as UTF-8".into()),
        ))
    })
}

/// The `--set` and `--unset` overrides, their text registered with the evaluator so
/// diagnostics can point into the command line.
pub fn overrides(inputs: &EvalInputs, evaluator: &mut Evaluator) -> Result<Vec<Override>, Failure> {
    let mut out = Vec::new();
    for text in &inputs.set {
        let source = evaluator.add_source("--set", text);
        out.push(parse_set(source).map_err(|e| Failure::input(e.attach_sources(evaluator.sources())))?);
    }
    for text in &inputs.unset {
        let source = evaluator.add_source("--unset", text);
        out.push(parse_unset(source).map_err(|e| Failure::input(e.attach_sources(evaluator.sources())))?);
    }
    Ok(out)
}

/// A source file evaluated: the evaluator (for its sources and the files it loaded)
/// and the file's value.
pub struct Evaluated {
    pub evaluator: Evaluator,
    pub value: Value,
    pub path: PathBuf,
}

/// Reads and evaluates `path`.
pub fn evaluate(path: &Path, inputs: &EvalInputs) -> Result<Evaluated, Failure> {
    // Read it here first, so a missing or non-UTF-8 root file gets the CLI's diagnostic.
    read_source(path)?;
    let mut evaluator = Evaluator::new(inputs.options(), FsLoader);
    let value = evaluator.eval_file(&path.to_string_lossy())?;
    Ok(Evaluated {
        evaluator,
        value,
        path: path.to_path_buf(),
    })
}
