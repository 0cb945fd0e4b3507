//! The fallback driver: the `pm2` command line, one process per call, for when pm2's
//! package cannot be loaded. pm2's command line reads a process id first as an app
//! name, and acts on apps of a config file by name; so each call checks that the names
//! and ids it hands over cannot mean another app, and refuses when they could.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use pm2_clj_sync::process::{Process, parse_jlist};
use serde_json::{Value as Json, json};

use super::{Located, ModuleConf, Pm2, Pm2Options, Restart, environment};
use crate::child::{Caps, Ended};
use crate::error::{RuntimeError, RuntimeErrorKind};

/// What a call to pm2's command line keeps of its output: all of stdout (a process
/// list of thousands of apps fits), the end of stderr.
const OUTPUT_KEPT: Caps = Caps {
    stdout: 256 * 1024 * 1024,
    stderr: 64 * 1024,
};

/// The driver.
pub(super) struct CliDriver {
    bin: PathBuf,
    options: Pm2Options,
}

fn failed(action: &str, message: String) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Pm2Failed {
        action: action.to_string(),
        message,
    })
}

impl CliDriver {
    /// Refuses an app pm2's command line would act on by a name it misreads.
    fn check_name(action: &str, app: &Json) -> Result<(), RuntimeError> {
        let name = app["name"].as_str().unwrap_or_default();
        match pm2_dsl_emit::reserved_name(name) {
            Some(meaning) => Err(failed(
                action,
                format!("pm2's command line reads the name {name:?} as {meaning}; rename the app"),
            )),
            None => Ok(()),
        }
    }

    pub(super) fn new(located: &Located, options: &Pm2Options) -> CliDriver {
        CliDriver {
            bin: located.bin.clone(),
            options: options.clone(),
        }
    }

    /// Runs `pm2 ARGS` in `dir` and returns its stdout; a non-zero exit, or running past
    /// the timeout (pm2 is then killed), is a failure carrying pm2's last words.
    fn run(&self, action: &str, args: &[String], dir: &Path) -> Result<String, RuntimeError> {
        let mut command = Command::new(&self.bin);
        if action == "list" {
            // Without pm2's banner, which a new daemon prints before the list.
            command.env("PM2_SILENT", "true");
        }
        command.args(args).current_dir(dir);
        environment(&mut command, &self.options);
        let deadline = Instant::now() + self.options.timeout;
        let run = crate::child::run(command, deadline, OUTPUT_KEPT)
            .map_err(|e| failed(action, format!("cannot run {}: {e}", self.bin.display())))?;
        let status = match run.ended {
            Ended::Exited(status) => status,
            Ended::TimedOut => {
                return Err(RuntimeError::from(RuntimeErrorKind::Pm2Timeout {
                    action: action.to_string(),
                    after: self.options.timeout,
                }));
            }
        };
        if run.stdout.dropped > 0 {
            return Err(failed(
                action,
                format!(
                    "pm2 {} printed more than {} bytes",
                    args.join(" "),
                    OUTPUT_KEPT.stdout
                ),
            ));
        }
        let (out, err) = (run.stdout.text(), run.stderr.text());
        if status.success() {
            return Ok(out);
        }
        let said = format!("{out}\n{err}");
        let last = said
            .lines()
            .rev()
            .find(|l| l.contains("ERR") || l.contains("rror"))
            .or_else(|| said.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("")
            .trim();
        Err(failed(
            action,
            format!("pm2 {} exited with {status}: {last}", args.join(" ")),
        ))
    }

    /// Writes `apps` (cwd made absolute against `dir`) to a private temporary config.
    fn config(
        &self,
        action: &str,
        apps: &[Json],
        dir: &Path,
    ) -> Result<tempfile::NamedTempFile, RuntimeError> {
        let apps: Vec<Json> = apps
            .iter()
            .map(|app| {
                let mut app = app.clone();
                let cwd = dir.join(app["cwd"].as_str().unwrap_or("."));
                app["cwd"] = json!(pm2_clj_sync::scan::absolute(&cwd));
                app
            })
            .collect();
        let mut file = tempfile::Builder::new()
            .prefix("pm2-clj-")
            .suffix(".json")
            .tempfile()
            .map_err(|e| failed(action, format!("cannot write a temporary config: {e}")))?;
        file.write_all(json!({ "apps": apps }).to_string().as_bytes())
            .map_err(|e| failed(action, format!("cannot write a temporary config: {e}")))?;
        Ok(file)
    }

    /// Refuses ids that pm2's command line would read as the name of an app.
    fn ids(&self, action: &str, ids: &[u64]) -> Result<Vec<String>, RuntimeError> {
        let list = self.list()?;
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        if let Some(p) = list.iter().find(|p| ids.contains(&p.name)) {
            return Err(failed(
                action,
                format!("pm2's command line would read id {} as the app named {0}", p.name),
            ));
        }
        Ok(ids)
    }
}

impl Pm2 for CliDriver {
    fn list(&self) -> Result<Vec<Process>, RuntimeError> {
        let text = self.run("list", &["jlist".into()], Path::new("/"))?;
        parse_jlist(&text).map_err(|e| failed("list", e))
    }

    fn start(&self, apps: &[Json], dir: &Path) -> Result<Vec<u64>, RuntimeError> {
        for app in apps {
            CliDriver::check_name("start", app)?;
        }
        let before: Vec<u64> = self.list()?.iter().map(|p| p.pm_id).collect();
        let config = self.config("start", apps, dir)?;
        let path = config.path().to_string_lossy().into_owned();
        self.run("start", &["start".into(), path], dir)?;
        let names: Vec<&str> = apps.iter().filter_map(|a| a["name"].as_str()).collect();
        Ok(self
            .list()?
            .iter()
            .filter(|p| !before.contains(&p.pm_id) && names.contains(&p.name.as_str()))
            .map(|p| p.pm_id)
            .collect())
    }

    fn restart(&self, how: Restart, app: &Json, dir: &Path, ids: &[u64]) -> Result<(), RuntimeError> {
        let verb = match how {
            Restart::Reload => "reload",
            Restart::Restart => "restart",
        };
        CliDriver::check_name(verb, app)?;
        let name = app["name"].as_str().unwrap_or_default();
        let named: Vec<u64> = self
            .list()?
            .iter()
            .filter(|p| p.name == name)
            .map(|p| p.pm_id)
            .collect();
        if named.iter().any(|id| !ids.contains(id)) {
            return Err(failed(
                verb,
                format!("pm2's command line acts on every app named {name}, and another one runs"),
            ));
        }
        let config = self.config(verb, std::slice::from_ref(app), dir)?;
        let path = config.path().to_string_lossy().into_owned();
        self.run(verb, &[verb.into(), path], dir).map(drop)
    }

    fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        let mut args = vec!["stop".to_string()];
        args.extend(self.ids("stop", ids)?);
        self.run("stop", &args, Path::new("/")).map(drop)
    }

    fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        let mut args = vec!["delete".to_string()];
        args.extend(self.ids("delete", ids)?);
        self.run("delete", &args, Path::new("/")).map(drop)
    }

    fn module_conf(&self) -> Result<ModuleConf, RuntimeError> {
        ModuleConf::read(&crate::lock::pm2_home(self.options.home.as_deref()))
    }

    fn install(&self, name: &str) -> Result<(), RuntimeError> {
        self.run("install", &["install".into(), name.into()], Path::new("/"))
            .map(drop)
    }

    fn set(&self, name: &str, key: &str, value: &str) -> Result<(), RuntimeError> {
        let args = ["set".into(), format!("{name}:{key}"), value.into()];
        self.run("set", &args, Path::new("/")).map(drop)
    }

    fn describe(&self) -> String {
        format!("{} (command line)", self.bin.display())
    }

    fn changes(&self) -> Option<Box<dyn super::Changes>> {
        super::subscribe(&self.options)
    }

    fn feed(&self) -> Option<Box<dyn super::Feed>> {
        super::listen(&self.options)
    }
}
