//! `migrate`: every PM2 config file under a folder converted to a `.pm2.edn` beside it,
//! each verified against what pm2 reads from the original (for the default environment
//! and each `--env <name>` it has; pm2 loading the original runs its JavaScript), and —
//! when asked — the originals that verified deleted. An original that did not verify,
//! whose conversion left something out (a TODO), or that was not verified at all
//! (`no_verify`, `dry_run`: no file is loaded) is never deleted; nor is one that changed
//! after it was read ([`delete_unchanged`]).

mod original;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pm2_clj_sync::load::{Input, LoadSettings};
use pm2_clj_sync::scan::{Found, search};
use pm2_dsl_emit::{Header, OutputFormat, render};
use pm2_dsl_eval::{Env, FsLoader};

pub use original::{Removal, Snapshot, delete_unchanged};

use crate::verify::{Reading, differences, effective, env_names, pm2_reads};
use crate::{Format, MAX_FILE_SIZE, Options, convert_text, decode, default_output};

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
    /// Load, write and delete nothing; report what the conversions would be.
    pub dry_run: bool,
    /// Load no file (pm2 does not read the originals, which would run their code):
    /// convert only. Nothing is verified, so nothing is deleted.
    pub no_verify: bool,
}

impl MigrateOptions {
    /// Whether pm2 reads (and so runs) the originals to verify the conversions.
    pub fn verifies(&self) -> bool {
        !self.no_verify && !self.dry_run
    }
}

/// The pm2 whose reading the conversions are verified against.
#[derive(Clone, Debug)]
pub struct Pm2Reader {
    /// `node`.
    pub node: PathBuf,
    /// The pm2 package (holding `lib/Common.js`).
    pub package: PathBuf,
}

/// What happened to one file; each has a stable [`code`](Outcome::code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Converted; pm2 reads the same apps from both files.
    Verified,
    /// Converted, but pm2 reads other apps from the conversion: each difference.
    Differs(Vec<String>),
    /// Converted, not verified: why (pm2 missing, pm2 rejects the original, ...).
    Unverified(String),
    /// Converted; verifying was not asked for (`no_verify`, `dry_run`).
    Converted,
    /// Not converted: the diagnostic's code and message.
    Failed(String),
    /// The `.pm2.edn` already exists; nothing was done.
    Exists,
    /// Verified, but the original changed after it was read (an edit saved during the
    /// migration: other bytes, another size or another modification time): it is kept.
    ChangedDuringMigration,
    /// Verified, but deleting the original failed (it is gone, a directory is in its
    /// place, its folder is not writable): why, naming the file.
    DeleteFailed(String),
}

impl Outcome {
    /// The stable code of the outcome, `migrate::<kind>`.
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Verified => "migrate::verified",
            Outcome::Differs(_) => "migrate::differs",
            Outcome::Unverified(_) => "migrate::unverified",
            Outcome::Converted => "migrate::converted",
            Outcome::Failed(_) => "migrate::failed",
            Outcome::Exists => "migrate::exists",
            Outcome::ChangedDuringMigration => "migrate::changed-during-migration",
            Outcome::DeleteFailed(_) => "migrate::delete-failed",
        }
    }
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
    let loaded = Input::text(output, text)
        .loader(FsLoader::new())
        .load(&settings)
        .map_err(|failure| {
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
/// there is none, and nothing verifies; unused unless [`MigrateOptions::verifies`]);
/// `write` writes a file atomically.
///
/// Each original is read once, before pm2 reads it: convert translates those bytes, and
/// `replace` deletes the original only if it still holds them, with the same size and
/// modification time ([`delete_unchanged`]).
pub fn migrate(
    dir: &Path,
    options: &MigrateOptions,
    reader: Result<&Pm2Reader, &str>,
    write: &dyn Fn(&Path, &str) -> Result<(), String>,
) -> (Vec<Row>, Vec<(PathBuf, String)>) {
    let found = discover(dir);
    // The originals to convert (those without a `.pm2.edn`), read once.
    let mut snapshots: HashMap<&PathBuf, Result<(Snapshot, Vec<u8>), String>> = found
        .sources
        .iter()
        .filter(|f| !default_output(f).exists())
        .map(|f| (f, Snapshot::read(f, MAX_FILE_SIZE)))
        .collect();
    let readings: Vec<Reading> = match reader {
        Ok(r) if options.verifies() => {
            let originals: Vec<PathBuf> = found
                .sources
                .iter()
                .filter(|f| {
                    snapshots.get(f).is_some_and(Result::is_ok) && Format::of(f) != Some(Format::EcosystemDsl)
                })
                .cloned()
                .collect();
            pm2_reads(&r.node, &r.package, &originals, &[]).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let rows = found
        .sources
        .iter()
        .map(|file| {
            let row = Row {
                file: file.clone(),
                output: default_output(file),
                apps: None,
                todos: 0,
                outcome: Outcome::Exists,
                written: false,
                deleted: false,
            };
            match snapshots.remove(file) {
                Some(read) => migrate_one(row, read, &readings, options, reader, write),
                None => row,
            }
        })
        .collect();
    (rows, found.unreadable)
}

/// Converts, verifies, writes and (when asked, and only if it verified and did not
/// change) deletes one original, `read` before.
fn migrate_one(
    mut row: Row,
    read: Result<(Snapshot, Vec<u8>), String>,
    readings: &[Reading],
    options: &MigrateOptions,
    reader: Result<&Pm2Reader, &str>,
    write: &dyn Fn(&Path, &str) -> Result<(), String>,
) -> Row {
    let file = row.file.clone();
    let (snapshot, bytes) = match read {
        Ok(read) => read,
        Err(why) => {
            row.outcome = Outcome::Failed(format!("convert::read: cannot read {}: {why}", file.display()));
            return row;
        }
    };
    let conversion =
        match decode(&file, bytes).and_then(|text| convert_text(&file, &text, &Options::default())) {
            Ok(c) => c,
            Err(e) => {
                row.outcome = Outcome::Failed(format!("{}: {e}", e.code()));
                return row;
            }
        };
    row.todos = conversion.stats.todos.len();
    let theirs = readings.iter().find(|r| r.file == file);
    row.apps = theirs.and_then(|t| t.apps.as_ref()).map(Vec::len);
    row.outcome = match (reader, theirs) {
        _ if !options.verifies() => Outcome::Converted,
        (Err(why), _) => Outcome::Unverified(why.to_string()),
        (Ok(_), None) if Format::of(&file) == Some(Format::EcosystemDsl) => {
            Outcome::Unverified("pm2 does not read ecosystem-dsl files".into())
        }
        (Ok(_), None) => Outcome::Unverified("pm2's reading of the original failed".into()),
        (Ok(r), Some(t)) => verify(&file, t, &conversion.text, &row.output, r),
    };
    if options.dry_run {
        return row;
    }
    match write(&row.output, &conversion.text) {
        Ok(()) => row.written = true,
        Err(e) => {
            row.outcome = Outcome::Failed(format!("cannot write {}: {e}", row.output.display()));
            return row;
        }
    }
    if options.replace && row.outcome == Outcome::Verified && row.todos == 0 {
        match delete_unchanged(&file, &snapshot, MAX_FILE_SIZE) {
            Ok(Removal::Deleted) => row.deleted = true,
            Ok(Removal::Changed) => row.outcome = Outcome::ChangedDuringMigration,
            Err(why) => row.outcome = Outcome::DeleteFailed(why),
        }
    }
    row
}
