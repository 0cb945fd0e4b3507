//! Running the real pm2: finding it (`PM2_BIN`, else `pm2` on `PATH`), running a verb,
//! and reading `pm2 jlist`. Every failure here is a pm2 failure (exit code 3).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pm2_clj_sync::process::{Process, parse_jlist};

use crate::failure::Failure;

/// The pm2 executable.
pub struct Pm2 {
    bin: PathBuf,
}

fn pm2_failure(code: &str, message: String, help: Option<String>) -> Failure {
    Failure::Pm2(miette::Report::new(Failure::plain(code, message, help)))
}

impl Pm2 {
    /// Finds pm2: `PM2_BIN` when set (it must exist), else `pm2` on `PATH`.
    pub fn locate() -> Result<Pm2, Failure> {
        if let Some(bin) = std::env::var_os("PM2_BIN").filter(|b| !b.is_empty()) {
            let bin = PathBuf::from(bin);
            if !bin.is_file() {
                return Err(pm2_failure(
                    "cli::pm2-missing",
                    format!("PM2_BIN points to {}, which is not a file", bin.display()),
                    Some("set PM2_BIN to the pm2 executable, or unset it to use pm2 from PATH".into()),
                ));
            }
            return Ok(Pm2 { bin });
        }
        which::which("pm2").map(|bin| Pm2 { bin }).map_err(|_| {
            pm2_failure(
                "cli::pm2-missing",
                "cannot find pm2 on PATH".into(),
                Some("install it with `npm install -g pm2`, or set PM2_BIN to its path".into()),
            )
        })
    }

    fn command(&self) -> Command {
        Command::new(&self.bin)
    }

    /// Runs `pm2 ARGS` in `dir`, its output passed through; a non-zero exit is a failure.
    pub fn run(&self, args: &[String], dir: &Path) -> Result<(), Failure> {
        let status = self.command().args(args).current_dir(dir).status().map_err(|e| {
            pm2_failure(
                "cli::pm2-failed",
                format!("cannot run {}: {e}", self.bin.display()),
                None,
            )
        })?;
        if !status.success() {
            return Err(pm2_failure(
                "cli::pm2-failed",
                format!("pm2 {} failed ({status})", args.join(" ")),
                Some("pm2's own message is above".into()),
            ));
        }
        Ok(())
    }

    /// Runs `pm2 ARGS` in `dir` with its output captured; the error is pm2's message.
    pub fn run_quiet(&self, args: &[String], dir: &Path) -> Result<(), String> {
        let out = self
            .command()
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        if out.status.success() {
            return Ok(());
        }
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let line = text
            .lines()
            .rev()
            .find(|l| l.contains("ERR") || l.contains("rror"))
            .unwrap_or("")
            .trim()
            .to_string();
        Err(format!(
            "pm2 {} failed ({}){}",
            args.join(" "),
            out.status,
            if line.is_empty() {
                String::new()
            } else {
                format!(": {line}")
            }
        ))
    }

    /// Runs `pm2 ARGS` quietly and returns its stdout.
    pub fn output(&self, args: &[&str]) -> Result<String, Failure> {
        let out = self
            .command()
            .args(args)
            .env("PM2_SILENT", "true")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                pm2_failure(
                    "cli::pm2-failed",
                    format!("cannot run {}: {e}", self.bin.display()),
                    None,
                )
            })?;
        if !out.status.success() {
            return Err(pm2_failure(
                "cli::pm2-failed",
                format!(
                    "pm2 {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                None,
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `pm2 jlist`.
    pub fn jlist(&self) -> Result<Vec<Process>, Failure> {
        let text = self.output(&["jlist"])?;
        parse_jlist(&text).map_err(|message| pm2_failure("cli::pm2-failed", message, None))
    }

    /// Waits until every instance of every app in `names` is online. An app that errors
    /// or stops, or is not online within `timeout`, is a failure: `pm2 start` itself
    /// exits 0 when an app crashes at once.
    pub fn wait_online(&self, names: &[String], timeout: Duration) -> Result<(), Failure> {
        let deadline = Instant::now() + timeout;
        loop {
            let processes = self.jlist()?;
            let statuses = |name: &str| -> Vec<String> {
                processes
                    .iter()
                    .filter(|p| p.name == name)
                    .map(|p| p.status.as_str().to_string())
                    .collect()
            };
            let failed: Vec<String> = names
                .iter()
                .filter(|n| {
                    statuses(n)
                        .iter()
                        .any(|s| matches!(s.as_str(), "errored" | "stopped"))
                })
                .cloned()
                .collect();
            if !failed.is_empty() {
                return Err(pm2_failure(
                    "cli::app-crashed",
                    format!("{} did not stay up", failed.join(", ")),
                    Some(format!("see why with `pm2 logs {} --lines 50`", failed[0])),
                ));
            }
            let waiting: Vec<String> = names
                .iter()
                .filter(|n| {
                    let s = statuses(n);
                    s.is_empty() || s.iter().any(|s| *s != "online")
                })
                .cloned()
                .collect();
            if waiting.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(pm2_failure(
                    "cli::app-not-online",
                    format!("{} not online after {}s", waiting.join(", "), timeout.as_secs()),
                    Some(
                        "check `pm2 list` and `pm2 logs`; pass a longer --wait if the app starts slowly"
                            .into(),
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
