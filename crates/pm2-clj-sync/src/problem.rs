//! [`SourceProblem`]: every problem loading a source can have, typed — one variant per
//! stage, each that stage's `Problem` — so the CLI and the language server render and
//! inspect what they get (its code, its fix, whether it is a warning) without matching
//! code strings or downcasting.

use std::fmt;

use miette::Diagnostic;
use pm2_dsl_emit::EmitError;
use pm2_dsl_eval::EvalError;
use pm2_dsl_reader::{ReadError, Replacement};

use crate::error::LoadError;
use crate::preflight::PreflightError;

/// A problem of one of the stages of loading a source.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SourceProblem {
    /// Reading the text (outside an evaluation: `read`, `fmt`).
    Read(ReadError),
    /// Evaluating it (read errors met on the way included).
    Eval(EvalError),
    /// Building the ecosystem from its value: PM2's schema, profiles, overrides.
    Emit(EmitError),
    /// Finding and opening the file, naming its apps.
    Load(LoadError),
    /// What an app needs on this machine.
    Preflight(PreflightError),
}

impl SourceProblem {
    /// The diagnostic itself.
    fn inner(&self) -> &dyn Diagnostic {
        match self {
            SourceProblem::Read(e) => e,
            SourceProblem::Eval(e) => e,
            SourceProblem::Emit(e) => e,
            SourceProblem::Load(e) => e,
            SourceProblem::Preflight(e) => e,
        }
    }

    /// Its stable code, such as `emit::unknown-key`.
    pub fn code(&self) -> &'static str {
        match self {
            SourceProblem::Read(e) => e.code(),
            SourceProblem::Eval(e) => e.code(),
            SourceProblem::Emit(e) => e.code(),
            SourceProblem::Load(e) => e.code(),
            SourceProblem::Preflight(e) => e.code(),
        }
    }

    /// Whether it is a warning rather than an error.
    pub fn is_warning(&self) -> bool {
        match self {
            SourceProblem::Read(e) => e.is_warning(),
            SourceProblem::Eval(e) => e.is_warning(),
            SourceProblem::Emit(e) => e.is_warning(),
            SourceProblem::Load(e) => e.is_warning(),
            SourceProblem::Preflight(e) => e.is_warning(),
        }
    }

    /// The fix its "did you mean" stands for, when it is one.
    pub fn replacement(&self) -> Option<Replacement> {
        match self {
            SourceProblem::Read(e) => e.replacement(),
            SourceProblem::Eval(e) => e.replacement(),
            SourceProblem::Emit(e) => e.replacement(),
            SourceProblem::Load(e) => e.replacement(),
            SourceProblem::Preflight(e) => e.replacement(),
        }
    }
}

impl fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner(), f)
    }
}

impl std::error::Error for SourceProblem {}

impl Diagnostic for SourceProblem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner().code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner().severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner().help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner().url()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.inner().source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.inner().labels()
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.inner().related()
    }
}

macro_rules! from {
    ($($variant:ident($ty:ty)),*) => {
        $(impl From<$ty> for SourceProblem {
            fn from(e: $ty) -> SourceProblem {
                SourceProblem::$variant(e)
            }
        })*
    };
}

from!(
    Read(ReadError),
    Eval(EvalError),
    Emit(EmitError),
    Load(LoadError),
    Preflight(PreflightError)
);
