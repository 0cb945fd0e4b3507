//! The `pm2-clj` command: argument parsing, then one verb, then the exit code.
//! Language and PM2 logic live in the library crates; this crate only wires them to the
//! command line, files and the real `pm2`.

mod commands;
mod deferred;
mod failure;
mod input;
mod output;
mod prewrap;
mod printer;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::deferred::Deferred;
use crate::failure::Failure;
use crate::report::MessageFormat;
use pm2_clj_runtime::verbs::Verb;

/// Write PM2 ecosystem files in a small Clojure dialect (`*.pm2.edn`), get precise
/// errors, and run PM2 with files that do exactly what was written.
#[derive(Parser, Debug)]
#[command(name = "pm2-clj", version, about, max_term_width = 100)]
struct Cli {
    /// How to report problems: miette's report on stderr, one line each on stderr
    /// (`file:line:column: severity[code]: message`), or JSON lines on stdout. Columns
    /// count characters.
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Show every diagnostic: by default a report shows the first 20 of each code and
    /// one line for how many more there were.
    #[arg(long, global = true)]
    all_diagnostics: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse a file and print its forms without evaluating them.
    Read(Deferred<commands::read::ReadArgs>),
    /// Evaluate a file and print its value.
    Eval(Deferred<commands::eval::EvalArgs>),
    /// Evaluate, validate and write the ecosystem file PM2 loads (JSON, CJS or MJS).
    Render(Deferred<commands::render::RenderArgs>),
    /// Evaluate and validate files; report every problem.
    Check(Deferred<commands::check::CheckArgs>),
    /// Rewrite sources in the canonical layout (--check: only report those that differ).
    Fmt(Deferred<commands::fmt::FmtArgs>),
    /// Translate an ecosystem.config.js / .cjs / .mjs / .json / .json5 / .yml (or an
    /// ecosystem-dsl ecosystem.edn) into a .pm2.edn that keeps reading the environment,
    /// without running it (what needs JavaScript is left out with a TODO).
    Convert(Deferred<commands::convert::ConvertArgs>),
    /// Convert every PM2 config file under a folder, verify each against pm2's reading
    /// (which runs each file's code; --no-verify does not), and (--replace) delete the
    /// originals that verified.
    Migrate(Deferred<commands::migrate::MigrateArgs>),
    /// Start the file's apps under pm2 (only those not running yet, unless --restart).
    Start(Deferred<commands::pm2_verbs::Pm2Args>),
    /// Restart the file's apps (pm2 restart).
    Restart(Deferred<commands::pm2_verbs::Pm2Args>),
    /// Reload the file's apps (pm2 reload: zero-downtime for cluster apps).
    Reload(Deferred<commands::pm2_verbs::Pm2Args>),
    /// Stop the file's apps.
    Stop(Deferred<commands::pm2_verbs::Pm2Args>),
    /// Stop the file's apps and remove them from pm2.
    Delete(Deferred<commands::pm2_verbs::Pm2Args>),
    /// Make pm2's running apps match a tree of *.pm2.edn sources (start, reload, recreate, delete).
    Sync(Deferred<commands::sync::SyncArgs>),
    /// Sync a directory, then keep pm2 in sync as its files change.
    Watch(Deferred<commands::watch::WatchArgs>),
    /// Show the sources' apps: what pm2 runs, who owns it, and how it drifts from its source.
    Status(Deferred<commands::status::StatusArgs>),
    /// A live view of the sources' apps in pm2 (every pm2 process on `a`): status,
    /// CPU and memory, drift, health, logs; keys reload, restart, stop and start them.
    Top(Deferred<commands::top::TopArgs>),
    /// Show pm2's logs of the file's apps.
    Logs(Deferred<commands::logs::LogsArgs>),
    /// Run the apps' health checks now; exit 0 only when all pass.
    Health(Deferred<commands::health::HealthArgs>),
    /// Write the apps as another engine's definitions (systemd units), through one
    /// table of PM2 options and how faithfully the engine does each (--explain).
    Export(Deferred<commands::export::ExportArgs>),
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(Deferred<commands::completions::CompletionsArgs>),
}

fn run(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Read(args) => commands::read::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Render(args) => commands::render::run(args, cli.message_format),
        Command::Check(args) => commands::check::run(args, cli.message_format),
        Command::Fmt(args) => commands::fmt::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Migrate(args) => commands::migrate::run(args),
        Command::Start(args) => {
            commands::pm2_verbs::run(Verb::Start { restart: false }, args, cli.message_format)
        }
        Command::Restart(args) => commands::pm2_verbs::run(Verb::Restart, args, cli.message_format),
        Command::Reload(args) => commands::pm2_verbs::run(Verb::Reload, args, cli.message_format),
        Command::Stop(args) => commands::pm2_verbs::run(Verb::Stop, args, cli.message_format),
        Command::Delete(args) => commands::pm2_verbs::run(Verb::Delete, args, cli.message_format),
        Command::Sync(args) => commands::sync::run(args, cli.message_format),
        Command::Watch(args) => commands::watch::run(args, cli.message_format),
        Command::Status(args) => commands::status::run(args, cli.message_format),
        Command::Top(args) => commands::top::run(args, cli.message_format),
        Command::Logs(args) => commands::logs::run(args, cli.message_format),
        Command::Health(args) => commands::health::run(args, cli.message_format),
        Command::Export(args) => commands::export::run(args, cli.message_format),
        Command::Lsp => commands::lsp::run(),
        Command::Completions(args) => commands::completions::run::<Cli>(args),
    }
}

fn main() -> ExitCode {
    // Without it an interrupted write leaves its temporary file until the next write.
    pm2_clj_runtime::files::remove_temporaries_on_signals();
    let cli = Cli::parse();
    if cli.all_diagnostics {
        report::show_all();
    }
    // On the main thread: the libraries bound every recursion (the reader's and the
    // evaluator's depth limits, and the evaluator grows its own stack on demand).
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            report::emit_reports(failure.reports(), cli.message_format);
            failure.exit_code()
        }
    }
}
