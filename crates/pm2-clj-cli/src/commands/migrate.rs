//! `pm2-clj migrate DIR`: every PM2 config file under DIR converted to a `.pm2.edn`
//! beside it and verified against the pm2 found as the other commands find it; a table
//! of the results; with `--replace`, the originals that verified are deleted.

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
    /// Delete each original whose conversion verified (never one that did not).
    #[arg(long)]
    pub replace: bool,
    /// Convert and verify, but write and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn shown(path: &Path, dir: &Path) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    path.strip_prefix(&dir).unwrap_or(path).display().to_string()
}

fn result(row: &Row, dry_run: bool) -> String {
    let done = match (row.written, row.deleted) {
        (_, true) => ", original deleted",
        (true, false) => "",
        (false, _) if dry_run => " (dry run)",
        (false, _) => "",
    };
    match &row.outcome {
        Outcome::Verified => format!("verified{done}"),
        Outcome::Differs(d) => format!(
            "DIFFERS ({} difference{}){done}",
            d.len(),
            if d.len() == 1 { "" } else { "s" }
        ),
        Outcome::Unverified(why) => format!("not verified: {why}"),
        Outcome::Failed(why) => format!("FAILED: {why}"),
        Outcome::Exists => format!("skipped: {} exists", row.output.display()),
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
    let reader = locate()
        .map_err(|e| e.to_string())
        .and_then(|l| match (l.node, l.package) {
            (Some(node), Some(package)) => Ok(Pm2Reader { node, package }),
            (None, _) => Err("node is not on PATH".to_string()),
            (_, None) => Err(format!("{} is not pm2's own executable", l.bin.display())),
        });
    let options = MigrateOptions {
        replace: args.replace,
        dry_run: args.dry_run,
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
            result(row, args.dry_run)
        );
        if let Outcome::Differs(differences) = &row.outcome {
            for d in differences {
                println!("{:width$}    {d}", "");
            }
        }
    }
    for (path, why) in &unreadable {
        println!("{}: cannot be read: {why}", path.display());
    }
    let verified = rows.iter().filter(|r| r.outcome == Outcome::Verified).count();
    println!(
        "{} file{}: {verified} verified, {} deleted",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        rows.iter().filter(|r| r.deleted).count()
    );
    if rows
        .iter()
        .all(|r| matches!(r.outcome, Outcome::Verified | Outcome::Exists))
        && unreadable.is_empty()
    {
        Ok(())
    } else {
        Err(Failure::Input(Vec::new()))
    }
}
