//! `pm2-clj migrate DIR`: every PM2 config file under DIR converted to a `.pm2.edn`
//! beside it and verified against the pm2 found as the other commands find it (pm2
//! loads each original, which runs its code: the first line of the output says so); a
//! table of the results; with `--replace`, the originals that verified, and did not
//! change meanwhile, are deleted.

use std::path::{Path, PathBuf};

use clap::Args;
use pm2_clj_convert::migrate::{MigrateOptions, Outcome, Pm2Reader, Row, migrate};
use pm2_clj_runtime::files::write_if_changed;
use pm2_clj_runtime::pm2::locate;

use crate::failure::{CliProblem, Failure};

/// Arguments of `migrate`.
#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The folder to search (ecosystem.config.*, process.json/.yml, ecosystem.edn).
    pub dir: PathBuf,
    /// Delete each original whose conversion verified and that did not change during the
    /// migration (never one that did not verify).
    #[arg(long)]
    pub replace: bool,
    /// Convert only: load, write and delete nothing (no file's code runs).
    #[arg(long)]
    pub dry_run: bool,
    /// Convert and write without loading any file: verifying has pm2 load each original,
    /// which runs its JavaScript. Nothing is verified, so --replace deletes nothing.
    #[arg(long)]
    pub no_verify: bool,
}

fn shown(path: &Path, dir: &Path) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    path.strip_prefix(&dir).unwrap_or(path).display().to_string()
}

fn result(row: &Row, args: &MigrateArgs) -> String {
    let done = match (row.written, row.deleted) {
        (_, true) => ", original deleted",
        (true, false) => "",
        (false, _) if args.dry_run => " (dry run)",
        (false, _) => "",
    };
    match &row.outcome {
        Outcome::Verified if args.replace && row.todos > 0 => {
            "verified, but values were left out (TODO): original kept".into()
        }
        Outcome::Verified => format!("verified{done}"),
        Outcome::Differs(d) => format!(
            "DIFFERS ({} difference{}){done}",
            d.len(),
            if d.len() == 1 { "" } else { "s" }
        ),
        Outcome::Unverified(why) => format!("not verified: {why}"),
        Outcome::Converted if args.dry_run => "converted, not verified (dry run)".into(),
        Outcome::Converted if args.replace => "converted, not verified (--no-verify): original kept".into(),
        Outcome::Converted => "converted, not verified (--no-verify)".into(),
        Outcome::Failed(why) => format!("FAILED: {why}"),
        Outcome::Exists => format!("skipped: {} exists", row.output.display()),
        Outcome::ChangedDuringMigration => format!(
            "changed during migration ({}): original kept; {} is of the version read before",
            row.outcome.code(),
            row.output.file_name().unwrap_or_default().to_string_lossy()
        ),
        Outcome::DeleteFailed(why) => format!("FAILED ({}): {why}", row.outcome.code()),
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
            format!("{} is not a folder", args.dir.display()),
            Some("migrate takes the folder to search; convert takes one file".into()),
        ))));
    }
    println!("{}", first_line(args));
    let options = MigrateOptions {
        replace: args.replace,
        dry_run: args.dry_run,
        no_verify: args.no_verify,
    };
    let reader = if options.verifies() {
        locate()
            .map_err(|e| e.to_string())
            .and_then(|l| match (l.node, l.package) {
                (Some(node), Some(package)) => Ok(Pm2Reader { node, package }),
                (None, _) => Err("node is not on PATH".to_string()),
                (_, None) => Err(format!("{} is not pm2's own executable", l.bin.display())),
            })
    } else {
        Err("not asked to verify".to_string())
    };
    let write = |path: &Path, text: &str| write_if_changed(path, text).map(drop).map_err(|e| e.to_string());
    let (rows, unreadable) = migrate(
        &args.dir,
        &options,
        reader.as_ref().map_err(String::as_str),
        &write,
    );
    let width = rows
        .iter()
        .map(|r| shown(&r.file, &args.dir).len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:width$}  apps  todo  result", "file");
    for row in &rows {
        let apps = row.apps.map_or("-".to_string(), |n| n.to_string());
        println!(
            "{:width$}  {apps:>4}  {:>4}  {}",
            shown(&row.file, &args.dir),
            row.todos,
            result(row, args)
        );
        if let Outcome::Differs(differences) = &row.outcome {
            for d in differences {
                println!("{:width$}    {d}", "");
            }
        }
        if let Outcome::DeleteFailed(why) = &row.outcome {
            eprintln!("pm2-clj: {why}");
        }
    }
    for (path, why) in &unreadable {
        println!("{}: cannot be read: {why}", path.display());
    }
    let verified = rows.iter().filter(|r| r.outcome == Outcome::Verified).count();
    let changed = rows
        .iter()
        .filter(|r| r.outcome == Outcome::ChangedDuringMigration)
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
    let done = |r: &Row| match r.outcome {
        Outcome::Verified | Outcome::Converted => r.todos == 0,
        Outcome::Exists => true,
        _ => false,
    };
    if rows.iter().all(done) && unreadable.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(Vec::new()))
    }
}
