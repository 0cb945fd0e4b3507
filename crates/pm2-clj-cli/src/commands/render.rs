//! `pm2-clj render FILE`: evaluate, validate and write the file PM2 loads.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pm2_dsl_emit::{OutputFormat, render};

use crate::failure::Failure;
use crate::input::{BuildInputs, load};
use crate::output::write_stdout;
use crate::report::{MessageFormat, emit_each};
use pm2_clj_runtime::files::write_private_output;

/// The file formats PM2 loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// JSON (PM2 reads `.json` ecosystem files).
    Json,
    /// CommonJS, for `ecosystem.config.cjs` or `.js`.
    Cjs,
    /// An ES module, for `ecosystem.config.mjs` (`export const apps`).
    Mjs,
}

impl RenderFormat {
    /// The format a file name asks for.
    pub fn of_path(path: &std::path::Path) -> Option<RenderFormat> {
        match path.extension()?.to_str()? {
            "json" => Some(RenderFormat::Json),
            "cjs" | "js" => Some(RenderFormat::Cjs),
            "mjs" => Some(RenderFormat::Mjs),
            _ => None,
        }
    }

    /// The emitter's format.
    pub fn output(self) -> OutputFormat {
        match self {
            RenderFormat::Json => OutputFormat::Json,
            RenderFormat::Cjs => OutputFormat::Cjs,
            RenderFormat::Mjs => OutputFormat::Mjs,
        }
    }
}

/// Arguments of `render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The `.pm2.edn` file.
    pub file: PathBuf,
    #[command(flatten)]
    pub inputs: BuildInputs,
    /// Output format; by default the output file's extension decides, else JSON.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<RenderFormat>,
    /// Write here instead of to stdout (`-` is stdout): atomically, only when the
    /// content changed, readable by you only (it holds the values of `#secret`s); never
    /// over the source or a file it imports, nor over anything but a regular file.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// Runs `render`.
pub fn run(args: &RenderArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let loaded = load(&args.file, &args.inputs)?;
    let warnings = &loaded.built.warnings;
    emit_each(warnings.iter(), message_format);
    emit_each(loaded.preflight.iter(), message_format);
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(RenderFormat::of_path))
        .unwrap_or(RenderFormat::Json);
    let text = render(&loaded.built.ecosystem, format.output(), &loaded.header);
    let written = match &args.output {
        Some(path) if path.as_os_str() != "-" => write_private_output(path, &text, &loaded.files())
            .map(|_| ())
            .map_err(Failure::from),
        _ => write_stdout(&text),
    };
    // The process ends with this verb: handing the program's values back to the
    // allocator one by one would take a tenth of the render.
    std::mem::forget(loaded);
    written
}
