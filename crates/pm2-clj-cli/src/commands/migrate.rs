//! `pm2-clj migrate DIR`: every PM2 config file under DIR converted to a `.pm2.edn`
//! beside it and verified against the pm2 found as the other commands find it (pm2
//! loads each original, which runs its code: the first line of the output says so); a
//! table of the results; the references to the originals in the repository (scripts,
//! Dockerfiles, CI, docs, deploy hooks) as diffs, and those migrate cannot rewrite;
//! with `--replace`, the originals that verified, did not change meanwhile and are
//! named nowhere migrate cannot rewrite are deleted, and the references rewritten.

use std::path::{Path, PathBuf};

use clap::Args;
use pm2_clj_convert::migrate::{
    MigrateOptions, Migration, MigrationOutcome, MigrationRow, Pm2Reader, migrate,
};
use pm2_clj_runtime::files::{rewrite_source, write_if_changed};
use pm2_clj_runtime::pm2::locate;

use crate::failure::{CliProblem, Failure};

/// Arguments of `migrate`.
#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The folder to search (ecosystem.config.*, pm2.json, process.json, other files pm2
    /// start reads that declare apps, *.pm2.clj, ecosystem.edn).
    pub dir: PathBuf,
    /// Delete each original whose conversion verified and that did not change during the
    /// migration (never one that did not verify, nor one named where migrate cannot
    /// rewrite the reference), and rewrite the references to it.
    #[arg(long)]
    pub replace: bool,
    /// Convert only: load, write and delete nothing (no file's code runs); show the
    /// edits of the references as diffs.
    #[arg(long)]
    pub dry_run: bool,
    /// Give apps that share a name in an original distinct names (the second `api`
    /// becomes `api-2`); without it such a file fails to convert.
    #[arg(long)]
    pub rename_duplicates: bool,
    /// ecosystem-dsl files: the folder their paths were written against (default: the
    /// nearest folder above each file holding `.git`, or the one holding its
    /// system/daemons folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Convert and write without loading any file: verifying has pm2 load each original,
    /// which runs its JavaScript. Nothing is verified, so --replace deletes nothing.
    #[arg(long)]
    pub no_verify: bool,
}

fn shown(path: &Path, dir: &Path) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    crate::printer::shown(path.strip_prefix(&dir).unwrap_or(path))
}

fn result(row: &MigrationRow, args: &MigrateArgs) -> String {
    let done = match (row.written, row.deleted) {
        (_, true) => ", original deleted",
        (true, false) => "",
        (false, _) if args.dry_run => " (dry run)",
        (false, _) => "",
    };
    match &row.outcome {
        MigrationOutcome::Verified if args.replace && row.todos > 0 => {
            "verified, but values were left out (TODO): original kept".into()
        }
        MigrationOutcome::Verified => format!("verified{done}"),
        MigrationOutcome::Differs(d) => format!(
            "DIFFERS ({} difference{}): no .pm2.edn written",
            d.len(),
            if d.len() == 1 { "" } else { "s" }
        ),
        MigrationOutcome::Unverified(why) if row.written => format!("not verified: {why}"),
        MigrationOutcome::Unverified(why) => format!("not verified: {why}; no .pm2.edn written"),
        MigrationOutcome::Converted if args.dry_run => "converted, not verified (dry run)".into(),
        MigrationOutcome::Converted if args.replace => {
            "converted, not verified (--no-verify): original kept".into()
        }
        MigrationOutcome::Converted => "converted, not verified (--no-verify)".into(),
        MigrationOutcome::Failed(why) => format!("FAILED: {why}"),
        MigrationOutcome::Exists => format!("skipped: {} exists", crate::printer::shown(&row.output)),
        MigrationOutcome::ChangedDuringMigration => format!(
            "changed during migration ({}): original kept; {} is of the version read before",
            row.outcome.code(),
            crate::printer::shown(row.output.file_name().unwrap_or_default().as_ref())
        ),
        MigrationOutcome::DeleteFailed(why) => format!("FAILED ({}): {why}", row.outcome.code()),
        MigrationOutcome::Referenced(at) => format!(
            "{}, but kept ({}): named where migrate cannot rewrite it, at {}",
            if args.dry_run { "converted" } else { "verified" },
            row.outcome.code(),
            at.join(", ")
        ),
    }
}

/// The first line: whether the files' code runs.
fn first_line(args: &MigrateArgs) -> String {
    let prefix = "pm2-clj migrate:";
    if args.dry_run {
        format!("{prefix} --dry-run loads no file (no file's code runs), writes and deletes nothing")
    } else if args.no_verify {
        format!(
            "{prefix} --no-verify loads no file (no file's code runs); nothing is verified{}",
            if args.replace {
                ", so --replace deletes nothing"
            } else {
                ""
            }
        )
    } else {
        format!(
            "{prefix} verifying runs each file's code: pm2 loads every original, as `pm2 start` would (--no-verify converts without loading any file)"
        )
    }
}

/// Runs `migrate`.
pub fn run(args: &MigrateArgs) -> Result<(), Failure> {
    if !args.dir.is_dir() {
        return Err(Failure::Usage(miette::Report::new(Failure::plain(
            CliProblem::NotAFolder,
            format!("{} is not a folder", crate::printer::shown(&args.dir)),
            Some("migrate takes the folder to search; convert takes one file".into()),
        ))));
    }
    println!("{}", first_line(args));
    let options = MigrateOptions {
        replace: args.replace,
        dry_run: args.dry_run,
        no_verify: args.no_verify,
        rename_duplicates: args.rename_duplicates,
        root: args.root.clone(),
    };
    let reader = if options.verifies() {
        locate()
            .map_err(|e| e.to_string())
            .and_then(|l| match (l.node, l.package) {
                (Some(node), Some(package)) => Ok(Pm2Reader { node, package }),
                (None, _) => Err("node is not on PATH".to_string()),
                (_, None) => Err(format!(
                    "{} is not pm2's own executable",
                    crate::printer::shown(&l.bin)
                )),
            })
    } else {
        Err("not asked to verify".to_string())
    };
    let write = |path: &Path, text: &str| write_if_changed(path, text).map(drop).map_err(|e| e.to_string());
    let rewrite = |path: &Path, text: &str| rewrite_source(path, text).map(drop).map_err(|e| e.to_string());
    let migration = migrate(
        &args.dir,
        &options,
        reader.as_ref().map_err(String::as_str),
        &write,
        &rewrite,
    );
    let Migration { rows, unreadable, .. } = &migration;
    let width = rows
        .iter()
        .map(|r| shown(&r.file, &args.dir).len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:width$}  apps  todo  result", "file");
    for row in rows {
        let apps = row.apps.map_or("-".to_string(), |n| n.to_string());
        println!(
            "{:width$}  {apps:>4}  {:>4}  {}",
            shown(&row.file, &args.dir),
            row.todos,
            pm2_dsl_reader::printable(&result(row, args))
        );
        if let MigrationOutcome::Differs(differences) = &row.outcome {
            for d in differences {
                println!("{:width$}    {}", "", pm2_dsl_reader::printable(d));
            }
            println!(
                "{:width$}    (`pm2-clj convert {}` writes the conversion to finish by hand)",
                "",
                shown(&row.file, &args.dir)
            );
        }
        if let MigrationOutcome::DeleteFailed(why) = &row.outcome {
            eprintln!("pm2-clj: {}", pm2_dsl_reader::printable(why));
        }
    }
    for (path, why) in unreadable {
        println!(
            "{}: cannot be read: {}",
            crate::printer::shown(path),
            pm2_dsl_reader::printable(why)
        );
    }
    references(&migration, args);
    let verified = rows
        .iter()
        .filter(|r| r.outcome == MigrationOutcome::Verified)
        .count();
    let changed = rows
        .iter()
        .filter(|r| r.outcome == MigrationOutcome::ChangedDuringMigration)
        .count();
    println!(
        "{} file{}: {verified} verified, {} deleted{}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        rows.iter().filter(|r| r.deleted).count(),
        if changed > 0 {
            format!(", {changed} changed during migration (kept)")
        } else {
            String::new()
        }
    );
    // Done: every file converted completely, and verified when asked (an original that
    // changed meanwhile is newer than its conversion).
    let done = |r: &MigrationRow| match r.outcome {
        MigrationOutcome::Verified | MigrationOutcome::Converted => r.todos == 0,
        MigrationOutcome::Exists => true,
        _ => false,
    };
    if rows.iter().all(done) && unreadable.is_empty() && migration.edit_failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(Vec::new()))
    }
}

/// The references to the originals: the edits as diffs (applied, or what `--replace`
/// applies), then those migrate leaves as they are, each with its file and line.
fn references(migration: &Migration, args: &MigrateArgs) {
    let root = &migration.root;
    let refs = &migration.references;
    if !refs.edits.is_empty() {
        let lines: usize = refs.edits.iter().map(|e| e.lines.len()).sum();
        let how = if migration.applied {
            "rewritten"
        } else if args.replace {
            "to rewrite (dry run: nothing written)"
        } else {
            "to rewrite with --replace"
        };
        println!(
            "\nreferences {how}: {lines} line{} in {} file{}",
            if lines == 1 { "" } else { "s" },
            refs.edits.len(),
            if refs.edits.len() == 1 { "" } else { "s" }
        );
        for edit in &refs.edits {
            print!("{}", edit.diff(root));
        }
    }
    if !refs.stuck.is_empty() {
        println!(
            "\nreferences migrate does not rewrite (the originals they name are kept{}):",
            if args.replace { "" } else { " with --replace" }
        );
        for s in &refs.stuck {
            println!(
                "{}:{}: {}\n    {}",
                pm2_clj_convert::migrate::references::shown(&s.file, root),
                s.line,
                s.why,
                s.text
            );
        }
    }
    for (file, why) in &migration.edit_failures {
        eprintln!("pm2-clj: cannot edit {}: {why}", crate::printer::shown(file));
    }
}
