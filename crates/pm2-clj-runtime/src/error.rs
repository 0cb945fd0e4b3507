//! What can go wrong when pm2-clj acts on the world: [`RuntimeErrorKind`] says what,
//! [`RuntimeError`] carries it as a `miette` diagnostic with a stable code and help.

use std::fmt;
use std::path::PathBuf;

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
}

impl RuntimeErrorKind {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeErrorKind::WriteFile { .. } => "runtime::write-file",
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            RuntimeErrorKind::WriteFile { .. } => {
                Some("check that the folder exists and is writable, and that the disk has room".into())
            }
        }
    }
}

impl fmt::Display for RuntimeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeErrorKind::WriteFile { path, reason } => {
                write!(f, "cannot write {}: {reason}", path.display())
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
