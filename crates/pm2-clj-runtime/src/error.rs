//! What can go wrong when pm2-clj acts on the world: [`RuntimeErrorKind`] says what,
//! [`RuntimeError`] (a [`Problem`] of it) carries it as a `miette` diagnostic with a
//! stable code and help.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use pm2_dsl_eval::{Problem, ProblemKind};

/// What went wrong. Every kind has a stable code ([`RuntimeErrorKind::code`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeErrorKind {
    /// A generated file could not be written: its folder cannot be created, is not
    /// writable, or the disk is full (`render -o /proc/x`, a read-only `dist/`).
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// An output file would replace a file the run read: `render app.pm2.edn -o
    /// app.pm2.edn`, or `-o` naming a file the source imports.
    OverwritesInput {
        /// The output file.
        path: PathBuf,
        /// The file read that it is.
        input: PathBuf,
    },
    /// An output that is not a regular file: `-o /dev/stdout`, a FIFO, a folder.
    NotAFile {
        /// The output.
        path: PathBuf,
        /// What it is.
        what: String,
    },
    /// pm2 cannot be found: `PM2_BIN` names no file, or no `pm2` is on `PATH` (nor in a
    /// `node_modules/.bin` above the current folder).
    Pm2Missing {
        /// What was looked for.
        reason: String,
    },
    /// A pm2 call failed: pm2 answered with an error (`Script not found: ...`), or its
    /// helper or command exited.
    Pm2Failed {
        /// What was asked (`start`, `reload`, `list`, ...).
        action: String,
        /// pm2's words.
        message: String,
    },
    /// A pm2 call took longer than the timeout (a hung or stopped daemon).
    Pm2Timeout {
        /// What was asked.
        action: String,
        /// The timeout.
        after: Duration,
    },
    /// pm2's daemon cannot be reached on its socket: nothing listens there (no daemon,
    /// or a stale socket file), the path is too long for a socket, or the daemon closed
    /// the connection before answering (it was killed, or it died of the request).
    Pm2Unreachable {
        /// The socket (`$PM2_HOME/rpc.sock`, `pub.sock`).
        socket: PathBuf,
        /// The operating system's reason, or what happened.
        reason: String,
    },
    /// What came back on pm2's daemon socket is not pm2's protocol, or not a version of
    /// it this client knows: a frame that does not parse, a reply of a shape pm2 never
    /// sends, a daemon version other than 6.x and 7.x; or a request would break the
    /// protocol and was not sent.
    Pm2Protocol {
        /// The socket.
        socket: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A change cannot be undone: no verified definition of the app was recorded (it
    /// was started before pm2-clj kept them, or `.last-good/` was deleted).
    NoLastGood {
        /// The app.
        app: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `--only` names an app the source does not define (`--only apii`).
    UnknownApp {
        /// The name given.
        app: String,
        /// The closest app of the source.
        suggestion: Option<String>,
    },
    /// Watching files failed (the system's limit on watches is reached, the folder went
    /// away while being set up).
    Watch {
        /// Why.
        reason: String,
    },
    /// Two sources of one run set an option of `pm2-logrotate` (which holds for every
    /// app of a pm2) differently: `:logs {:rotate {:retain 7}}` in one and
    /// `{:retain 9}` in another.
    RotateConflict {
        /// The `pm2-logrotate` option (`retain`).
        setting: String,
        /// The source whose value is kept.
        first: PathBuf,
        /// The source that disagrees.
        second: PathBuf,
    },
    /// Installing exported units failed at a step: `systemctl daemon-reload` failed
    /// (no systemd runs: a container, a user without a session), `systemctl enable`
    /// refused, or a log folder cannot be made.
    Install {
        /// The step (`systemctl daemon-reload`).
        step: String,
        /// Why: the command's last words, or the system's reason.
        reason: String,
    },
    /// The lock that keeps runs apart cannot be had: another run holds it past the
    /// wait, or `PM2_HOME` cannot be written.
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl RuntimeErrorKind {
    /// Whether pm2 failed (as opposed to the input or the files).
    pub fn is_pm2_failure(&self) -> bool {
        matches!(
            self,
            RuntimeErrorKind::Pm2Missing { .. }
                | RuntimeErrorKind::Pm2Failed { .. }
                | RuntimeErrorKind::Pm2Timeout { .. }
                | RuntimeErrorKind::Pm2Unreachable { .. }
                | RuntimeErrorKind::Pm2Protocol { .. }
                | RuntimeErrorKind::Lock { .. }
        )
    }

    /// The same error with `f` applied to the words that came from elsewhere (pm2's
    /// message, the system's reason), which may quote what pm2 was given.
    pub(crate) fn map_words(self, f: impl Fn(&str) -> String) -> RuntimeErrorKind {
        match self {
            RuntimeErrorKind::Pm2Failed { action, message } => RuntimeErrorKind::Pm2Failed {
                action,
                message: f(&message),
            },
            RuntimeErrorKind::WriteFile { path, reason } => RuntimeErrorKind::WriteFile {
                path,
                reason: f(&reason),
            },
            other => other,
        }
    }
}

impl ProblemKind for RuntimeErrorKind {
    fn code(&self) -> &'static str {
        match self {
            RuntimeErrorKind::WriteFile { .. } => "runtime::write-file",
            RuntimeErrorKind::OverwritesInput { .. } => "runtime::overwrites-input",
            RuntimeErrorKind::NotAFile { .. } => "runtime::not-a-file",
            RuntimeErrorKind::Pm2Missing { .. } => "runtime::pm2-missing",
            RuntimeErrorKind::Pm2Failed { .. } => "runtime::pm2-failed",
            RuntimeErrorKind::Pm2Timeout { .. } => "runtime::pm2-timeout",
            RuntimeErrorKind::Pm2Unreachable { .. } => "runtime::pm2-unreachable",
            RuntimeErrorKind::Pm2Protocol { .. } => "runtime::pm2-protocol",
            RuntimeErrorKind::Lock { .. } => "runtime::lock",
            RuntimeErrorKind::NoLastGood { .. } => "runtime::no-last-good",
            RuntimeErrorKind::UnknownApp { .. } => "runtime::unknown-app",
            RuntimeErrorKind::Watch { .. } => "runtime::watch",
            RuntimeErrorKind::RotateConflict { .. } => "runtime::rotate-conflict",
            RuntimeErrorKind::Install { .. } => "runtime::install",
        }
    }

    /// Runtime errors point at no text, so the label is never shown.
    fn label(&self) -> String {
        String::new()
    }

    fn default_help(&self) -> Option<String> {
        match self {
            RuntimeErrorKind::WriteFile { .. } => {
                Some("check that the folder exists and is writable, and that the disk has room".into())
            }
            RuntimeErrorKind::OverwritesInput { .. } => {
                Some("write the output to another file; the source would be lost".into())
            }
            RuntimeErrorKind::NotAFile { .. } => {
                Some("name a regular file; -o - writes to stdout".into())
            }
            RuntimeErrorKind::Pm2Missing { .. } => Some(
                "install it with `npm install pm2` (in the project) or `npm install -g pm2`, or set PM2_BIN to its path"
                    .into(),
            ),
            RuntimeErrorKind::Pm2Failed { .. } => Some(
                "pm2's words are above; `pm2 logs` and `pm2 describe NAME` tell more".into(),
            ),
            RuntimeErrorKind::Pm2Timeout { .. } => Some(
                "pm2 did not answer; check `pm2 ping`, or give it longer with --pm2-timeout".into(),
            ),
            RuntimeErrorKind::Pm2Unreachable { .. } => {
                Some("check that pm2 runs for this PM2_HOME (`pm2 ping`)".into())
            }
            RuntimeErrorKind::Pm2Protocol { .. } => Some(
                "pm2-clj talks to pm2 6.x and 7.x; another program may hold the socket, or pm2 needs `pm2 update`"
                    .into(),
            ),
            RuntimeErrorKind::UnknownApp { suggestion: Some(s), .. } => Some(format!("did you mean {s}?")),
            RuntimeErrorKind::UnknownApp { .. } => Some("--only takes the :name of apps the file defines".into()),
            RuntimeErrorKind::Watch { .. } => Some(
                "on Linux, raise fs.inotify.max_user_watches if the tree is large".into(),
            ),
            RuntimeErrorKind::NoLastGood { .. } => Some(
                "the app keeps its new, failed definition; fix the source and apply it again".into(),
            ),
            RuntimeErrorKind::RotateConflict { .. } => Some(
                "pm2-logrotate's options hold for every app of a pm2: set :logs :rotate in one source, or the same in each"
                    .into(),
            ),
            RuntimeErrorKind::Install { .. } => Some(
                "the files are written; run the remaining steps by hand (export without --install prints them)".into(),
            ),
            RuntimeErrorKind::Lock { .. } => Some(
                "another pm2-clj run (sync, watch or a verb) is changing pm2; wait for it, or stop it".into(),
            ),
        }
    }
}

impl fmt::Display for RuntimeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeErrorKind::WriteFile { path, reason } => {
                write!(f, "cannot write {}: {reason}", path.display())
            }
            RuntimeErrorKind::OverwritesInput { path, input } => write!(
                f,
                "refusing to write {}: it is {}, which this run read",
                path.display(),
                input.display()
            ),
            RuntimeErrorKind::NotAFile { path, what } => {
                write!(
                    f,
                    "refusing to write {}: it is {what}, not a regular file",
                    path.display()
                )
            }
            RuntimeErrorKind::Pm2Missing { reason } => write!(f, "cannot find pm2: {reason}"),
            RuntimeErrorKind::Pm2Failed { action, message } => write!(f, "pm2 {action} failed: {message}"),
            RuntimeErrorKind::Pm2Timeout { action, after } => {
                write!(f, "pm2 {action} did not finish within {}s", after.as_secs_f64())
            }
            RuntimeErrorKind::Pm2Unreachable { socket, reason } => {
                write!(f, "cannot reach pm2's daemon at {}: {reason}", socket.display())
            }
            RuntimeErrorKind::Pm2Protocol { socket, message } => {
                write!(
                    f,
                    "pm2's daemon at {} does not speak pm2's protocol: {message}",
                    socket.display()
                )
            }
            RuntimeErrorKind::Lock { path, reason } => write!(f, "cannot lock {}: {reason}", path.display()),
            RuntimeErrorKind::UnknownApp { app, .. } => write!(f, "the file defines no app named {app}"),
            RuntimeErrorKind::Watch { reason } => write!(f, "cannot watch: {reason}"),
            RuntimeErrorKind::Install { step, reason } => write!(f, "{step} failed: {reason}"),
            RuntimeErrorKind::RotateConflict {
                setting,
                first,
                second,
            } => write!(
                f,
                "{} and {} set {}:{setting} differently; {0}'s value is kept",
                first.display(),
                second.display(),
                pm2_dsl_emit::logs::ROTATE_MODULE
            ),
            RuntimeErrorKind::NoLastGood { app, path } => {
                write!(
                    f,
                    "no verified definition of {app} to go back to in {}",
                    path.display()
                )
            }
        }
    }
}

/// An effect that failed, as a diagnostic: the pipeline's one [`Problem`] type, of a
/// kind that points at no text.
pub type RuntimeError = Problem<RuntimeErrorKind>;
