//! `pm2-clj convert FILE`: turn an existing PM2 ecosystem file into an idiomatic
//! `.pm2.edn`. JSON-family files (`.json`, `.json5`) are read here as JSON5, which covers
//! the JavaScript object literals PM2 accepts there (comments, unquoted keys, single
//! quotes, trailing commas); one that holds JavaScript expressions (PM2 evaluates `.json`
//! files as JavaScript) is evaluated with `node` the same way. YAML is read here too; JavaScript files (`.js`, `.cjs`, `.mjs`) are loaded
//! with `node` as PM2 loads them (`require`), and the comment at the top of the result
//! lists the values that came from dynamic JavaScript (`process.env`, `__dirname`,
//! `require`) so they can be replaced with `#env` or relative paths.

mod readers;

use std::path::{Path, PathBuf};

use clap::Args;
use pm2_dsl_emit::convert::to_pm2_edn;
use serde_json::Value as Json;

use crate::failure::Failure;
use crate::output::write_stdout;
use pm2_clj_runtime::files::write_output;

/// Arguments of `convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The ecosystem file: .js, .cjs, .mjs, .json, .json5, .yml or .yaml.
    pub file: PathBuf,
    /// Where to write the `.pm2.edn` (default: beside FILE, named after it; `-` for stdout).
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The default output: `ecosystem.config.js` → `ecosystem.pm2.edn` beside it.
fn default_output(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = [
        ".config.js",
        ".config.cjs",
        ".config.mjs",
        ".json5",
        ".json",
        ".yaml",
        ".yml",
        ".js",
        ".cjs",
        ".mjs",
    ]
    .iter()
    .find_map(|ext| name.strip_suffix(ext))
    .unwrap_or(&name);
    file.with_file_name(format!("{stem}.pm2.edn"))
}

/// Runs `convert`.
pub fn run(args: &ConvertArgs) -> Result<(), Failure> {
    let name = args.file.to_string_lossy().to_lowercase();
    let loaded = if name.ends_with(".json") || name.ends_with(".json5") {
        readers::json_family(&args.file)?
    } else if name.ends_with(".yml") || name.ends_with(".yaml") {
        readers::Loaded::plain(readers::yaml(&args.file)?)
    } else {
        readers::javascript(&args.file)?
    };
    let notes = loaded.notes();
    let source = args.file.display().to_string();
    let conversion = to_pm2_edn(&loaded.config, &source, &notes).map_err(|e| {
        Failure::input(Failure::plain(
            "cli::convert",
            format!("{source}: {e}"),
            Some("an ecosystem is an object with `apps`, an array of apps, or one app object".into()),
        ))
    })?;
    let output = args.output.clone().unwrap_or_else(|| default_output(&args.file));
    if output == Path::new("-") {
        return write_stdout(&conversion.text);
    }
    if output.exists() && !args.force {
        return Err(Failure::input(Failure::plain(
            "cli::exists",
            format!("{} exists", output.display()),
            Some("pass --force to replace it, or -o to write elsewhere".into()),
        )));
    }
    write_output(&output, &conversion.text, std::slice::from_ref(&args.file))?;
    eprintln!("pm2-clj: wrote {}", output.display());
    Ok(())
}

/// A JSON value's paths whose string equals `needle` (or contains it, with `partial`).
pub(crate) fn paths_of(value: &Json, needle: &str, partial: bool, at: String, out: &mut Vec<String>) {
    match value {
        Json::String(s) if s == needle || (partial && s.contains(needle)) => out.push(at),
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                paths_of(item, needle, partial, format!("{at}[{i}]"), out);
            }
        }
        Json::Object(entries) => {
            for (k, v) in entries {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                paths_of(v, needle, partial, path, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_named_after_the_input() {
        assert_eq!(
            default_output(Path::new("a/ecosystem.config.js")),
            Path::new("a/ecosystem.pm2.edn")
        );
        assert_eq!(
            default_output(Path::new("process.json")),
            Path::new("process.pm2.edn")
        );
        assert_eq!(
            default_output(Path::new("x/apps.yml")),
            Path::new("x/apps.pm2.edn")
        );
    }
}
