//! What can go wrong when pm2-clj acts on the world: [`RuntimeErrorKind`] says what,
//! [`RuntimeError`] carries it as a `miette` diagnostic with a stable code and help.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use miette::Diagnostic;

/// What went wrong. Every kind has a stable code ([`RuntimeErrorKind::code`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeErrorKind {
    /// A generated file could not be written: its folder cannot be created, is not
    /// writable, or the disk is full (`render -o /proc/x`, a read-only `dist/`).
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
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
}

impl RuntimeErrorKind {
    /// Whether pm2 failed (as opposed to the input or the files).
    pub fn is_pm2_failure(&self) -> bool {
        matches!(
            self,
            RuntimeErrorKind::Pm2Missing { .. }
                | RuntimeErrorKind::Pm2Failed { .. }
                | RuntimeErrorKind::Pm2Timeout { .. }
        )
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeErrorKind::WriteFile { .. } => "runtime::write-file",
            RuntimeErrorKind::Pm2Missing { .. } => "runtime::pm2-missing",
            RuntimeErrorKind::Pm2Failed { .. } => "runtime::pm2-failed",
            RuntimeErrorKind::Pm2Timeout { .. } => "runtime::pm2-timeout",
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            RuntimeErrorKind::WriteFile { .. } => {
                Some("check that the folder exists and is writable, and that the disk has room".into())
            }
            RuntimeErrorKind::Pm2Missing { .. } => Some(
                "install it with `npm install pm2` (in the project) or `npm install -g pm2`, or set PM2_BIN to its path"
                    .into(),
            ),
            RuntimeErrorKind::Pm2Failed { .. } => None,
            RuntimeErrorKind::Pm2Timeout { .. } => Some(
                "pm2 did not answer; check `pm2 ping`, or give it longer with --pm2-timeout".into(),
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
            RuntimeErrorKind::Pm2Missing { reason } => write!(f, "cannot find pm2: {reason}"),
            RuntimeErrorKind::Pm2Failed { action, message } => write!(f, "pm2 {action} failed: {message}"),
            RuntimeErrorKind::Pm2Timeout { action, after } => {
                write!(f, "pm2 {action} did not finish within {}s", after.as_secs_f64())
            }
        }
    }
}

/// An effect that failed, as a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    kind: RuntimeErrorKind,
}

impl RuntimeError {
    /// An error of this kind.
    pub fn new(kind: RuntimeErrorKind) -> RuntimeError {
        RuntimeError { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &RuntimeErrorKind {
        &self.kind
    }
}

impl From<RuntimeErrorKind> for RuntimeError {
    fn from(kind: RuntimeErrorKind) -> RuntimeError {
        RuntimeError::new(kind)
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for RuntimeError {}

impl Diagnostic for RuntimeError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.kind.help().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}
