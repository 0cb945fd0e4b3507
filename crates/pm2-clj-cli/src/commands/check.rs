//! `pm2-clj check FILE...|DIR|-`: evaluate and validate files (every `*.pm2.edn` under a
//! directory; stdin for `-`) without writing anything; every problem of every file is
//! reported.

use std::path::PathBuf;

use clap::Args;

use crate::failure::Failure;
use crate::input::{BuildInputs, StdinInput, expand, load_from};
use crate::report::{MessageFormat, emit, emit_each, emit_reports};
use pm2_clj_sync::conflict::claimed_twice_among;
use pm2_clj_sync::desired::names_of;

/// Arguments of `check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The `.pm2.edn` files, directories to search for them, or `-` for stdin.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub stdin: StdinInput,
    #[command(flatten)]
    pub inputs: BuildInputs,
}

/// Runs `check`: diagnostics as they are found; exit 1 when any file has an error.
pub fn run(args: &CheckArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let (files, unreadable) = expand(&args.files);
    let mut failed = unreadable.len();
    emit_reports(&unreadable, message_format);
    let mut names = Vec::new();
    for file in files {
        match load_from(&file, &args.stdin, &args.inputs) {
            Ok(loaded) => {
                names.push((loaded.evaluated.path.clone(), names_of(&loaded)));
                let warnings = &loaded.built.warnings;
                emit_each(warnings.iter(), message_format);
                emit_each(loaded.preflight.iter(), message_format);
                if message_format == MessageFormat::Human {
                    let apps = loaded.built.ecosystem.apps.len();
                    eprintln!(
                        "ok: {} ({apps} app{})",
                        crate::printer::shown(&loaded.evaluated.path),
                        if apps == 1 { "" } else { "s" }
                    );
                }
            }
            Err(failure) => {
                failed += 1;
                emit_reports(failure.reports(), message_format);
            }
        }
    }
    // An app two files define: `sync` would apply neither.
    let twice = claimed_twice_among(names.iter().flat_map(|(path, apps)| {
        apps.iter()
            .map(move |(name, place)| (name.as_str(), path.as_path(), place.clone()))
    }));
    for conflict in twice {
        failed += 1;
        let report = conflict.report();
        emit(&[&report as &dyn miette::Diagnostic], message_format);
    }
    if failed > 0 {
        return Err(Failure::Input(Vec::new()));
    }
    Ok(())
}
