//! `pm2-clj convert FILE`: a PM2 config file (or an ecosystem-dsl `ecosystem.edn`)
//! translated into a `.pm2.edn` beside it, by `pm2-clj-convert`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pm2_clj_convert::{Format, Options, convert, default_output};
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
    /// The file: ecosystem.config.{js,cjs,mjs}, .json, .json5, .yml, .yaml, or ecosystem.edn.
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
    /// nearest folder above FILE holding `.git`, else the current folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Runs `convert`.
pub fn run(args: &ConvertArgs) -> Result<(), Failure> {
    let options = Options {
        from: args.from.map(|f| match f {
            From::Js => Format::JavaScript,
            From::Json => Format::Json,
            From::Yaml => Format::Yaml,
            From::EcosystemDsl => Format::EcosystemDsl,
        }),
        root: args.root.clone(),
    };
    let conversion =
        convert(&args.file, &options).map_err(|e| Failure::Input(vec![miette::Report::new(e)]))?;
    let output = args.output.clone().unwrap_or_else(|| default_output(&args.file));
    let (total, kept) = conversion.stats.comments;
    let summary = format!(
        "{} value{} computed with node, {kept} of {total} comments kept",
        conversion.stats.frozen,
        if conversion.stats.frozen == 1 { "" } else { "s" }
    );
    if output == Path::new("-") {
        eprintln!("pm2-clj: {summary}");
        return write_stdout(&conversion.text);
    }
    if output.exists() && !args.force {
        return Err(Failure::input(Failure::plain(
            CliProblem::Exists,
            format!("{} exists", output.display()),
            Some("pass --force to replace it, or -o to write elsewhere".into()),
        )));
    }
    write_output(&output, &conversion.text, std::slice::from_ref(&args.file))?;
    eprintln!("pm2-clj: wrote {} ({summary})", output.display());
    Ok(())
}
