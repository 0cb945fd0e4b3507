//! Installing exported systemd units (`pm2-clj export --install`), only ever when asked:
//! each file copied into the folder systemd reads (`/etc/systemd/system`, or
//! `~/.config/systemd/user` for `--user`) with the safe writer (atomic, private files
//! 0600, never through a device or FIFO), the apps' log folders made, `systemctl
//! daemon-reload`, then `systemctl enable` of each ecosystem's target. Nothing is
//! started. [`Plan::commands`] gives the same steps as shell commands, for those who
//! install by hand.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::child::{Caps, Ended};
use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::files::{write_output, write_private_output};

/// One file to install.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Its path inside the unit folder (`api.service`, `api@0.service.d/increment.conf`).
    pub name: String,
    /// Its content.
    pub content: String,
    /// Whether only its owner may read it (environment files with secrets).
    pub private: bool,
}

/// What to install, and where.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Units of the user's manager (`systemctl --user`), not the system's.
    pub user: bool,
    /// The folder systemd reads them from ([`unit_dir`]).
    pub unit_dir: PathBuf,
    /// The files.
    pub units: Vec<Unit>,
    /// Folders the apps write into (log folders), made when missing.
    pub folders: Vec<String>,
    /// The units to enable (`shop.target`).
    pub enable: Vec<String>,
}

/// The folder systemd reads units from: `/etc/systemd/system`, or the user's
/// `$XDG_CONFIG_HOME/systemd/user` (`~/.config/systemd/user`).
pub fn unit_dir(user: bool) -> PathBuf {
    if !user {
        return PathBuf::from("/etc/systemd/system");
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
        .unwrap_or_else(|| PathBuf::from(".config"));
    config.join("systemd/user")
}

/// How long one `systemctl` call may take.
const SYSTEMCTL_TIMEOUT: Duration = Duration::from_secs(60);

impl Plan {
    fn systemctl(&self) -> Vec<&'static str> {
        if self.user {
            vec!["systemctl", "--user"]
        } else {
            vec!["systemctl"]
        }
    }

    /// The steps as shell commands, the files copied from `from` (the export's folder).
    pub fn commands(&self, from: &Path) -> Vec<String> {
        let sudo = if self.user { "" } else { "sudo " };
        let mut out = Vec::new();
        for unit in &self.units {
            out.push(format!(
                "{sudo}install -D -m {} {} {}",
                if unit.private { "0600" } else { "0644" },
                shell_word(&from.join(&unit.name).display().to_string()),
                shell_word(&self.unit_dir.join(&unit.name).display().to_string())
            ));
        }
        for folder in &self.folders {
            out.push(format!("{sudo}mkdir -p {}", shell_word(folder)));
        }
        let systemctl = self.systemctl().join(" ");
        out.push(format!("{sudo}{systemctl} daemon-reload"));
        for unit in &self.enable {
            out.push(format!("{sudo}{systemctl} enable {unit}"));
        }
        out
    }

    /// Carries the steps out, saying what each did; stops at the first that fails.
    pub fn install(&self) -> Result<Vec<String>, RuntimeError> {
        let mut done = Vec::new();
        for unit in &self.units {
            let path = self.unit_dir.join(&unit.name);
            if unit.private {
                write_private_output(&path, &unit.content, &[])?;
            } else {
                write_output(&path, &unit.content, &[])?;
            }
            done.push(format!("installed {}", path.display()));
        }
        for folder in &self.folders {
            std::fs::create_dir_all(folder)
                .map_err(|e| failed(&format!("mkdir -p {folder}"), e.to_string()))?;
        }
        if !self.folders.is_empty() {
            done.push(format!("made {}", self.folders.join(", ")));
        }
        self.run(&["daemon-reload"])?;
        done.push(format!("{} daemon-reload", self.systemctl().join(" ")));
        for unit in &self.enable {
            self.run(&["enable", unit])?;
            done.push(format!("{} enable {unit}", self.systemctl().join(" ")));
        }
        Ok(done)
    }

    fn run(&self, args: &[&str]) -> Result<(), RuntimeError> {
        let words = self.systemctl();
        let step = format!("{} {}", words.join(" "), args.join(" "));
        let mut command = Command::new(words[0]);
        command.args(&words[1..]).args(args);
        let caps = Caps {
            stdout: 4096,
            stderr: 4096,
        };
        let run = crate::child::run(command, Instant::now() + SYSTEMCTL_TIMEOUT, caps)
            .map_err(|e| failed(&step, e.to_string()))?;
        match run.ended {
            Ended::Exited(status) if status.success() => Ok(()),
            Ended::Exited(status) => {
                let words = String::from_utf8_lossy(&run.stderr.bytes).trim().to_string();
                Err(failed(
                    &step,
                    if words.is_empty() {
                        status.to_string()
                    } else {
                        words
                    },
                ))
            }
            Ended::TimedOut => Err(failed(
                &step,
                format!("no answer within {}s", SYSTEMCTL_TIMEOUT.as_secs()),
            )),
        }
    }
}

fn failed(step: &str, reason: String) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Install {
        step: step.to_string(),
        reason,
    })
}

/// A word a POSIX shell reads as written: single-quoted unless plain.
fn shell_word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_install_what_the_plan_does() {
        let plan = Plan {
            user: false,
            unit_dir: unit_dir(false),
            units: vec![
                Unit {
                    name: "api@.service".into(),
                    content: String::new(),
                    private: false,
                },
                Unit {
                    name: "api.env".into(),
                    content: String::new(),
                    private: true,
                },
            ],
            folders: vec!["/srv/my app/logs".into()],
            enable: vec!["shop.target".into()],
        };
        assert_eq!(
            plan.commands(Path::new("out")),
            [
                "sudo install -D -m 0644 out/api@.service /etc/systemd/system/api@.service",
                "sudo install -D -m 0600 out/api.env /etc/systemd/system/api.env",
                "sudo mkdir -p '/srv/my app/logs'",
                "sudo systemctl daemon-reload",
                "sudo systemctl enable shop.target",
            ]
        );
    }

    #[test]
    fn installed_files_are_private_where_they_must_be() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            user: true,
            unit_dir: dir.path().join("units"),
            units: vec![Unit {
                name: "api.env".into(),
                content: "S='x'\n".into(),
                private: true,
            }],
            folders: vec![],
            enable: vec![],
        };
        // No systemd runs here: the files are written, then daemon-reload fails (or,
        // on a machine with a user manager, passes).
        let _ = plan.install();
        let path = dir.path().join("units/api.env");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "S='x'\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
