//! `pm2-clj convert FILE`: a PM2 config file (or an ecosystem-dsl `ecosystem.edn`)
//! translated into a `.pm2.edn` beside it, by `pm2-clj-convert`, without running it:
//! what needs JavaScript is left out with a TODO, each one reported with its line.
//! `--run-js` runs the file with node to compute those values instead.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pm2_clj_convert::{ConvertOptions, SourceFormat, Stats, convert, default_output};
use pm2_clj_runtime::files::write_output;

use crate::failure::{CliProblem, Failure};
use crate::output::write_stdout;

/// The formats `--from` names.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum From {
    /// JavaScript (`.js`, `.cjs`, `.mjs`).
    Js,
    /// JSON or JSON5 (which PM2 evaluates as JavaScript).
    Json,
    /// YAML.
    Yaml,
    /// The ecosystem-dsl tool's `ecosystem.edn`.
    EcosystemDsl,
}

/// Arguments of `convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The file: ecosystem.config.{js,cjs,mjs}, .json, .json5, .yml, .yaml, ecosystem.edn, or
    /// a .pm2.clj of the original pm2-clj.
    pub file: PathBuf,
    /// Where to write the `.pm2.edn` (default: beside FILE, named after it; `-` for stdout).
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
    /// The file's format, when its name does not say it (ecosystem.edn is ecosystem-dsl).
    #[arg(long, value_enum)]
    pub from: Option<From>,
    /// ecosystem-dsl: the folder its relative paths were written against (default: the
    /// nearest folder above FILE holding `.git`, else the one holding its
    /// system/daemons folder; with neither, it must be given).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Run FILE's JavaScript: node loads the file (with no environment variables
    /// visible) to compute the values pm2-clj cannot translate, which are otherwise left
    /// out with a TODO. Everything the file's code does when loaded happens, commands it
    /// runs included.
    #[arg(long)]
    pub run_js: bool,
    /// Give apps that share a name distinct names (the second `api` becomes `api-2`);
    /// without it such a file fails to convert (`convert::duplicate-app-name`).
    #[arg(long)]
    pub rename_duplicates: bool,
}

/// Runs `convert`.
pub fn run(args: &ConvertArgs) -> Result<(), Failure> {
    let options = ConvertOptions {
        from: args.from.map(|f| match f {
            From::Js => SourceFormat::JavaScript,
            From::Json => SourceFormat::Json,
            From::Yaml => SourceFormat::Yaml,
            From::EcosystemDsl => SourceFormat::EcosystemDsl,
        }),
        root: args.root.clone(),
        run_js: args.run_js,
        rename_duplicates: args.rename_duplicates,
        ..ConvertOptions::default()
    };
    let conversion =
        convert(&args.file, &options).map_err(|e| Failure::Input(vec![miette::Report::new(e)]))?;
    let output = args.output.clone().unwrap_or_else(|| default_output(&args.file));
    let summary = summary(&conversion.stats, args.run_js);
    let todos: Vec<String> = conversion
        .stats
        .todos
        .iter()
        .map(|t| {
            format!(
                "pm2-clj: TODO {}:{}: {} needs JavaScript: {}",
                crate::printer::shown(&args.file),
                t.line,
                pm2_dsl_reader::printable(&t.what),
                pm2_dsl_reader::printable(t.js.lines().next().unwrap_or_default())
            )
        })
        .collect();
    if output == Path::new("-") {
        eprintln!("pm2-clj: {summary}");
        todos.iter().for_each(|t| eprintln!("{t}"));
        return write_stdout(&conversion.text);
    }
    if output.exists() && !args.force {
        return Err(Failure::input(Failure::plain(
            CliProblem::Exists,
            format!("{} exists", crate::printer::shown(&output)),
            Some("pass --force to replace it, or -o to write elsewhere".into()),
        )));
    }
    write_output(&output, &conversion.text, std::slice::from_ref(&args.file))?;
    eprintln!("pm2-clj: wrote {} ({summary})", crate::printer::shown(&output));
    todos.iter().for_each(|t| eprintln!("{t}"));
    Ok(())
}

/// `N TODOs (values left out: they need JavaScript), K of M comments kept`, or with
/// `--run-js`, `N values computed with node, ...`.
fn summary(stats: &Stats, run_js: bool) -> String {
    let (total, kept) = stats.comments;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let values = if run_js {
        format!(
            "{} value{} computed with node",
            stats.frozen,
            plural(stats.frozen)
        )
    } else {
        let n = stats.todos.len();
        format!(
            "{n} TODO{}: value{} left out, needing JavaScript",
            plural(n),
            plural(n)
        )
    };
    format!("{values}; {kept} of {total} comments kept")
}
