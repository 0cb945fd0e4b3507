//! Pre-flight: what an app needs on this machine before pm2 can run it — its `cwd`
//! folder, its `script` (relative to `cwd`, or a command on `PATH`) and its
//! `:interpreter` (a path, or a command on `PATH`; `"none"` runs the script itself) —
//! checked before pm2 is asked, so a typo is a labelled error on the text instead of an
//! app pm2 starts and loses. The pm2 verbs and `sync` refuse such a source; `check` and
//! `render` only warn (files are often rendered on another machine).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use pm2_dsl_emit::Ecosystem;
use pm2_dsl_eval::{Env, Value};
use pm2_dsl_reader::{Problem, ProblemKind};

use crate::on_path::OnPath;

/// Whether and how strictly to check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preflight {
    /// Do not look (`--no-preflight`, and embedders that did not ask).
    #[default]
    Off,
    /// Report what is missing as warnings (`check`, `render`).
    Warn,
    /// Report what is missing as errors (the pm2 verbs, `sync`, `watch`).
    Error,
}

/// What an app needs that is not there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Its `cwd` is not a folder: `:cwd "srv/api"` with no such folder.
    Cwd,
    /// Its `script` is neither a file (relative to `cwd`) nor a command on `PATH`:
    /// `:script "sever.js"`.
    Script,
    /// Its `:interpreter` is neither a file nor a command on `PATH`:
    /// `:interpreter ".venv/bin/python"` before the venv was made.
    Interpreter,
}

/// One missing thing: what, for which app, where it was looked for, and whether it stops
/// the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Absent {
    /// What is missing.
    pub missing: Missing,
    /// The app.
    pub app: Option<String>,
    /// Where it was looked for, as shown: the path, or, when the value naming it is not
    /// to be shown (a secret, an environment variable), where that value was read from.
    pub path: String,
    /// Whether it stops the command.
    pub error: bool,
}

/// One missing thing, as a diagnostic labelled on the value that names it.
pub type PreflightError = Problem<Absent>;

impl ProblemKind for Absent {
    fn code(&self) -> &'static str {
        match self.missing {
            Missing::Cwd => "preflight::missing-cwd",
            Missing::Script => "preflight::missing-script",
            Missing::Interpreter => "preflight::missing-interpreter",
        }
    }

    fn is_warning(&self) -> bool {
        !self.error
    }

    fn label(&self) -> String {
        let what = if self.missing == Missing::Cwd {
            "folder"
        } else {
            "file"
        };
        format!("no such {what}")
    }

    fn default_help(&self) -> Option<String> {
        let help = match self.missing {
            Missing::Cwd => {
                "make the folder before pm2 starts the app, or correct the path (a relative :cwd is resolved against the folder of the file it is written in, where PM2 would take wherever pm2 is started; convert files whose paths start at a repository root with --from ecosystem-dsl --root)"
            }
            Missing::Script => {
                "a relative :script is relative to the app's :cwd (else the file's folder); a command needs to be on PATH"
            }
            Missing::Interpreter => {
                "a relative :interpreter is relative to the file it is written in; #venv \".venv\" falls back to python3 when there is no venv"
            }
        };
        let off = if self.error {
            "; --no-preflight skips these checks"
        } else {
            ""
        };
        Some(format!("{help}{off}"))
    }
}

impl fmt::Display for Absent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.missing {
            Missing::Cwd => "folder",
            Missing::Script => "script",
            Missing::Interpreter => "interpreter",
        };
        if let Some(app) = &self.app {
            write!(f, "app \"{app}\": ")?;
        }
        write!(f, "its {what} {} does not exist", self.path)
    }
}

/// Checks every app of `ecosystem`, written in `source`, against this machine; `env`'s
/// `PATH` finds commands. Nothing is reported when `mode` is [`Preflight::Off`].
pub fn check(ecosystem: &Ecosystem, source: &Path, env: &Env, mode: Preflight) -> Vec<PreflightError> {
    if mode == Preflight::Off {
        return Vec::new();
    }
    let folder = source
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    // Apps often share a folder: it is looked at once.
    let mut folders: HashMap<PathBuf, bool> = HashMap::new();
    let mut commands = OnPath::default();
    for app in &ecosystem.apps {
        let mut missing = |missing: Missing, path: PathBuf, value: &Value| {
            let path = match value.hidden() {
                Some(hidden) => format!("({})", hidden.describe()),
                None => path.display().to_string(),
            };
            let absent = Absent {
                missing,
                app: app.name().map(str::to_string),
                path,
                error: mode == Preflight::Error,
            };
            problems.push(PreflightError::new(absent, value.origin()));
        };
        let cwd = app.cwd.as_ref().map(|c| (&c.written, c.value.as_str()));
        let base = match cwd {
            Some((value, cwd)) => {
                let dir = folder.join(cwd);
                let is_dir = *folders.entry(dir.clone()).or_insert_with(|| dir.is_dir());
                if !is_dir {
                    missing(Missing::Cwd, dir, value);
                    continue;
                }
                dir
            }
            None => folder.to_path_buf(),
        };
        let path_var =
            (app.env.get("PATH").map(|p| p.text.clone())).or_else(|| env.get("PATH").map(str::to_string));
        let mut on_path = |name: &str| is_command(name) && commands.has(name, path_var.as_deref(), &base);
        let interpreter = app.interpreter.as_ref().map(|i| (&i.written, i.value.as_str()));
        if let Some((value, interpreter)) = interpreter
            && interpreter != "none"
            && !base.join(interpreter).is_file()
            && !folder.join(interpreter).is_file()
            && !on_path(interpreter)
        {
            missing(Missing::Interpreter, folder.join(interpreter), value);
        }
        if let Some((value, script)) = app.script.as_ref().map(|s| (&s.written, s.value.as_str()))
            && !base.join(script).is_file()
            && !on_path(script)
        {
            missing(Missing::Script, base.join(script), value);
        }
    }
    problems
}

/// Whether a name is looked up on `PATH` (it has no folder in it).
fn is_command(name: &str) -> bool {
    !name.is_empty() && Path::new(name).components().count() == 1 && !name.contains(['/', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Input, LoadSettings};

    /// The codes pre-flight finds in `text` written as `main.pm2.edn` in `dir`, each with
    /// the source text it labels.
    fn missing(dir: &Path, text: &str) -> Vec<(&'static str, String)> {
        let path = dir.join("main.pm2.edn");
        std::fs::write(&path, text).unwrap();
        let settings = LoadSettings {
            env: Env::empty().with("PATH", std::env::var("PATH").unwrap_or_default()),
            preflight: Preflight::Warn,
            ..LoadSettings::default()
        };
        let loaded = Input::file(&path)
            .load(&settings)
            .unwrap_or_else(|f| panic!("{:?}", f.reports));
        loaded
            .preflight
            .iter()
            .map(|p| {
                let span = p.span().unwrap();
                (p.code(), p.source_text().unwrap().slice(span).to_string())
            })
            .collect()
    }

    #[test]
    fn what_an_app_needs_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("srv/bin")).unwrap();
        std::fs::write(dir.path().join("srv/app.js"), "").unwrap();
        std::fs::write(dir.path().join("srv/bin/run"), "").unwrap();
        std::fs::write(dir.path().join("top.js"), "").unwrap();
        let found = missing(
            dir.path(),
            r#"{:apps [{:name "ok" :script "app.js" :cwd "srv"}
                       {:name "top" :script "top.js"}
                       {:name "cmd" :script "sh" :args ["-c" "true"]}
                       {:name "bin" :script "bin/run" :cwd "srv" :interpreter "none"}
                       {:name "py" :script "app.js" :cwd "srv" :interpreter "sh"}
                       {:name "typo" :script "sever.js" :cwd "srv"}
                       {:name "nocwd" :script "app.js" :cwd "srv/api"}
                       {:name "venv" :script "app.js" :cwd "srv" :interpreter ".venv/bin/python"}
                       {:name "nocmd" :script "no-such-command-pm2-clj" :interpreter "none"}]}"#,
        );
        assert_eq!(
            found,
            [
                ("preflight::missing-script", "\"sever.js\"".to_string()),
                ("preflight::missing-cwd", "\"srv/api\"".to_string()),
                (
                    "preflight::missing-interpreter",
                    "\".venv/bin/python\"".to_string()
                ),
                (
                    "preflight::missing-script",
                    "\"no-such-command-pm2-clj\"".to_string()
                ),
            ]
        );
    }

    #[test]
    fn an_app_path_finds_its_commands() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tools")).unwrap();
        let tool = dir.path().join("tools/my-tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let text = format!(
            r#"{{:apps [{{:name "t" :script "my-tool" :interpreter "none" :env {{:PATH "{}"}}}}]}}"#,
            dir.path().join("tools").display()
        );
        assert_eq!(missing(dir.path(), &text), []);
    }

    #[test]
    fn the_verbs_refuse_and_off_means_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.pm2.edn");
        std::fs::write(&path, r#"{:apps [{:name "a" :script "gone.js"}]}"#).unwrap();
        let at = |preflight| {
            Input::file(&path).load(&LoadSettings {
                preflight,
                ..LoadSettings::default()
            })
        };
        let failure = at(Preflight::Error).err().expect("an error for the verbs");
        assert_eq!(failure.reports.len(), 1);
        assert_eq!(failure.reports[0].code(), "preflight::missing-script");
        assert!(at(Preflight::Off).ok().unwrap().preflight.is_empty());
        assert_eq!(at(Preflight::Warn).ok().unwrap().preflight.len(), 1);
    }
}
