//! `pm2-clj status [FILE|DIR]...`: for the apps of the sources, what pm2 runs, whether
//! pm2-clj owns it and how it drifts from its source, as a table or JSON lines, with a
//! summary.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pm2_clj_runtime::status::status_of;
use pm2_clj_sync::preflight::Preflight;
use pm2_clj_sync::status::{age, megabytes};
use serde_json::json;

use crate::commands::sync::{SyncInputs, existing};
use crate::failure::Failure;
use crate::input::Pm2Inputs;
use crate::printer::{Printer, display};
use crate::report::MessageFormat;

/// How `status` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table.
    Text,
    /// One JSON object per app, then a summary object.
    Json,
}

/// Arguments of `status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Source files and directories (the current directory when none).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub inputs: SyncInputs,
    /// How to print.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// Runs `status`.
pub fn run(args: &StatusArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let json = args.format == StatusFormat::Json || message_format == MessageFormat::Json;
    let printer = Printer::new(if json { MessageFormat::Json } else { message_format }, false);
    existing(&paths)?;
    let pm2 = args.pm2.connect(&printer)?;
    let settings = args.inputs.settings_at(Preflight::Warn);
    let view = status_of(&*pm2, &paths, &settings, &printer)?;
    let rows = view.rows;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &rows {
        *counts.entry(row.drift.text()).or_default() += 1;
    }
    let failed = view.failed_sources;
    let now = pm2_clj_runtime::verify::now_ms();
    if json {
        for row in &rows {
            let s = row.summary(now);
            let line = json!({
                "app": row.app, "source": row.source, "status": s.status, "pid": s.pid,
                "uptime_ms": s.uptime_ms, "restarts": s.restarts, "cpu": s.cpu, "memory": s.memory,
                "instances": row.processes.len(), "owned": row.owned, "drift": row.drift.text(),
                "crash_loop": row.crash_loop,
            });
            println!("{line}");
        }
        println!(
            "{}",
            json!({"summary": {"apps": rows.len(), "drift": counts, "failed_sources": failed}})
        );
    } else {
        let header = [
            "APP", "STATUS", "PID", "UPTIME", "RESTARTS", "CPU", "MEMORY", "OWNED", "DRIFT", "SOURCE",
        ];
        let mut table: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for row in &rows {
            let s = row.summary(now);
            table.push(vec![
                pm2_dsl_reader::printable(&row.app).into_owned(),
                s.status,
                s.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                s.uptime_ms.map(age).unwrap_or_else(|| "-".into()),
                s.restarts.to_string(),
                format!("{:.0}%", s.cpu),
                megabytes(s.memory),
                if row.owned { "yes" } else { "no" }.to_string(),
                row.drift.text().to_string(),
                display(&row.source),
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        for r in &table {
            let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            println!("{}", cells.join("  ").trim_end());
        }
        let parts: Vec<String> = counts.iter().map(|(d, n)| format!("{n} {d}")).collect();
        let failed = if failed > 0 {
            format!("; {failed} source(s) failed to load")
        } else {
            String::new()
        };
        println!("{} apps: {}{failed}", rows.len(), parts.join(", "));
    }
    if failed > 0 {
        return Err(Failure::Input(Vec::new()));
    }
    Ok(())
}
