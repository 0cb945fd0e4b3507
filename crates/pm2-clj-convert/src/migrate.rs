//! `migrate`: every PM2 config file under a folder converted to a `.pm2.edn` beside it,
//! each verified against what pm2 reads from the original (for the default environment
//! and each `--env <name>` it has), and — when asked — the originals that verified
//! deleted. An original that did not verify is never deleted.

use std::path::{Path, PathBuf};

use pm2_clj_sync::load::{LoadSettings, load_text};
use pm2_clj_sync::scan::{Found, search};
use pm2_dsl_emit::{Header, OutputFormat, render};
use pm2_dsl_eval::{Env, FsLoader};

use crate::verify::{Reading, differences, effective, env_names, pm2_reads};
use crate::{Format, Options, convert, default_output};

/// The names of the files `migrate` converts.
pub fn is_pm2_config(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().to_lowercase()) else {
        return false;
    };
    let configs =
        ["js", "cjs", "mjs", "json", "json5", "yml", "yaml"].map(|e| format!("ecosystem.config.{e}"));
    configs.contains(&name) || matches!(name.as_str(), "process.json" | "process.yml" | "ecosystem.edn")
}

/// The PM2 config files under `dir` (generated folders, `node_modules` and hidden folders
/// skipped), sorted, and the paths that could not be read.
pub fn discover(dir: &Path) -> Found {
    let mut found = Found::default();
    search(dir, &is_pm2_config, &mut found);
    found
}

/// How to migrate.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// Delete each original whose conversion verified.
    pub replace: bool,
    /// Write and delete nothing; report what would happen.
    pub dry_run: bool,
}

/// The pm2 whose reading the conversions are verified against.
#[derive(Clone, Debug)]
pub struct Pm2Reader {
    /// `node`.
    pub node: PathBuf,
    /// The pm2 package (holding `lib/Common.js`).
    pub package: PathBuf,
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Converted; pm2 reads the same apps from both files.
    Verified,
    /// Converted, but pm2 reads other apps from the conversion: each difference.
    Differs(Vec<String>),
    /// Converted, not verified: why (pm2 missing, pm2 rejects the original, ...).
    Unverified(String),
    /// Not converted: the diagnostic's code and message.
    Failed(String),
    /// The `.pm2.edn` already exists; nothing was done.
    Exists,
}

/// One row of the report.
#[derive(Clone, Debug)]
pub struct Row {
    /// The original.
    pub file: PathBuf,
    /// The `.pm2.edn`.
    pub output: PathBuf,
    /// How many apps pm2 reads from the original (when it could read it).
    pub apps: Option<usize>,
    /// Values left out of the conversion with a TODO: they need JavaScript.
    pub todos: usize,
    /// What happened.
    pub outcome: Outcome,
    /// Whether the `.pm2.edn` was written.
    pub written: bool,
    /// Whether the original was deleted.
    pub deleted: bool,
}

/// The apps pm2 reads from the conversion `text` (as the file at `output`), effective
/// for `env_name`; `Err` when it does not load.
fn ours(
    text: &str,
    output: &Path,
    env_name: Option<&str>,
    reader: &Pm2Reader,
    work: &Path,
) -> Result<Vec<serde_json::Value>, String> {
    let settings = LoadSettings {
        profile: env_name.map(str::to_string),
        env: Env::from_process(),
        keep_relative_paths: false,
        overrides: Vec::new(),
        profile_optional: true,
        ..LoadSettings::default()
    };
    let loaded = load_text(output, text, FsLoader::new(), &settings).map_err(|failure| {
        failure.reports.first().map_or_else(
            || "it does not load".to_string(),
            |r| format!("it does not load: {r}"),
        )
    })?;
    let header = Header {
        source: output.display().to_string(),
        profile: env_name.map(str::to_string),
    };
    let json = work.join(format!("ours-{}.json", env_name.unwrap_or("default")));
    std::fs::write(
        &json,
        render(&loaded.built.ecosystem, OutputFormat::Json, &header),
    )
    .map_err(|e| e.to_string())?;
    let read = pm2_reads(&reader.node, &reader.package, &[json], &[])?;
    let read = read.into_iter().next().unwrap_or_default();
    match &read.error {
        Some(e) => Err(format!("pm2 rejects the rendered file: {e}")),
        None => Ok(effective(&read, None)),
    }
}

/// Verifies the conversion `text` of `original` (read by pm2 as `theirs`).
fn verify(original: &Path, theirs: &Reading, text: &str, output: &Path, reader: &Pm2Reader) -> Outcome {
    if let Some(e) = &theirs.error {
        return Outcome::Unverified(format!("pm2 rejects the original: {e}"));
    }
    let Ok(work) = tempfile::tempdir() else {
        return Outcome::Unverified("no temporary folder".into());
    };
    let base = original.parent().unwrap_or(Path::new("."));
    let mut names: Vec<Option<String>> = vec![None];
    names.extend(env_names(theirs).into_iter().map(Some));
    let mut found = Vec::new();
    for name in &names {
        let expected = effective(theirs, name.as_deref());
        match ours(text, output, name.as_deref(), reader, work.path()) {
            Ok(actual) => {
                for d in differences(theirs.raw.as_ref(), &expected, &actual, base, theirs.cpus) {
                    found.push(match name {
                        Some(n) => format!("--env {n}: {d}"),
                        None => d,
                    });
                }
            }
            Err(e) => return Outcome::Unverified(e),
        }
    }
    if found.is_empty() {
        Outcome::Verified
    } else {
        Outcome::Differs(found)
    }
}

/// Migrates the files under `dir`. `reader` is the pm2 to verify against (`Err`: why
/// there is none, and nothing verifies); `write` writes a file atomically.
pub fn migrate(
    dir: &Path,
    options: &MigrateOptions,
    reader: Result<&Pm2Reader, &str>,
    write: &dyn Fn(&Path, &str) -> Result<(), String>,
) -> (Vec<Row>, Vec<(PathBuf, String)>) {
    let found = discover(dir);
    let originals: Vec<PathBuf> = found
        .sources
        .iter()
        .filter(|f| Format::of(f) != Some(Format::EcosystemDsl))
        .cloned()
        .collect();
    let readings: Vec<Reading> = match reader {
        Ok(r) => pm2_reads(&r.node, &r.package, &originals, &[]).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut rows = Vec::new();
    for file in &found.sources {
        let output = default_output(file);
        let mut row = Row {
            file: file.clone(),
            output: output.clone(),
            apps: None,
            todos: 0,
            outcome: Outcome::Exists,
            written: false,
            deleted: false,
        };
        if output.exists() {
            rows.push(row);
            continue;
        }
        let conversion = match convert(file, &Options::default()) {
            Ok(c) => c,
            Err(e) => {
                row.outcome = Outcome::Failed(format!("{}: {e}", e.code()));
                rows.push(row);
                continue;
            }
        };
        row.todos = conversion.stats.todos.len();
        let theirs = readings.iter().find(|r| r.file == *file);
        row.apps = theirs.and_then(|t| t.apps.as_ref()).map(Vec::len);
        row.outcome = match (reader, theirs) {
            (Err(why), _) => Outcome::Unverified(why.to_string()),
            (Ok(_), None) if Format::of(file) == Some(Format::EcosystemDsl) => {
                Outcome::Unverified("pm2 does not read ecosystem-dsl files".into())
            }
            (Ok(_), None) => Outcome::Unverified("pm2's reading of the original failed".into()),
            (Ok(r), Some(t)) => verify(file, t, &conversion.text, &output, r),
        };
        if !options.dry_run {
            match write(&output, &conversion.text) {
                Ok(()) => row.written = true,
                Err(e) => {
                    row.outcome = Outcome::Failed(format!("cannot write {}: {e}", output.display()));
                }
            }
            if options.replace && row.written && row.outcome == Outcome::Verified {
                row.deleted = std::fs::remove_file(file).is_ok();
            }
        }
        rows.push(row);
    }
    (rows, found.unreadable)
}
