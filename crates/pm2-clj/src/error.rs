//! [`Error`]: every problem of one load, each labelled on its source text (sources
//! attached), as one `miette` diagnostic that can cross threads.

use std::fmt;

use miette::Diagnostic;
use pm2_clj_sync::problem::SourceProblem;

/// Why a load failed: its problems, in the order they were found (the first is the
/// diagnostic itself, the others its related ones, so a report shows them all).
#[derive(Clone, Debug)]
pub struct Error {
    problems: Vec<SourceProblem>,
}

impl Error {
    pub(crate) fn of(problems: Vec<SourceProblem>) -> Error {
        Error { problems }
    }

    /// Every problem, in order.
    pub fn problems(&self) -> &[SourceProblem] {
        &self.problems
    }

    fn first(&self) -> Option<&SourceProblem> {
        self.problems.first()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first() {
            Some(p) => fmt::Display::fmt(p, f),
            None => f.write_str("the load failed"),
        }
    }
}

impl std::error::Error for Error {}

impl Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.first()?.code()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.first()?.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.first()?.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.first()?.url()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.first()?.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.first()?.labels()
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        let first = self.first()?;
        let own = first.related().into_iter().flatten();
        let rest = self.problems[1..].iter().map(|p| p as &dyn Diagnostic);
        Some(Box::new(own.chain(rest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_crosses_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Error>();
    }
}
