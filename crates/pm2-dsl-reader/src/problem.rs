//! [`Problem`]: the one error type of the stages after reading (`EvalError` and
//! `EmitError` are `Problem`s of their stage's kind enum), and [`ProblemKind`], what every
//! stage's kind enum (read, eval, emit) tells a report: its stable code, its message, the
//! label on the offending text and a help. A read error met later becomes a `Problem` of
//! that stage with its labels and source kept.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, Severity, SourceCode};

use crate::located::{Locations, Note, Replacement};
use crate::source::{Source, SourceMap, Span};

/// What a stage's kind enum tells a report.
pub trait ProblemKind: fmt::Display + Clone {
    /// The stable code, such as `eval::unbound-symbol`.
    fn code(&self) -> &'static str;

    /// The label on the offending text.
    fn label(&self) -> String;

    /// The help shown unless the problem carries its own.
    fn default_help(&self) -> Option<String>;

    /// Whether this is a warning rather than an error.
    fn is_warning(&self) -> bool {
        false
    }

    /// The text a "did you mean" replaces and the text it suggests, when this kind is one.
    fn suggestion(&self) -> Option<(String, String)> {
        None
    }

    /// Where the thing the problem is about is documented (PM2's page on an option, say),
    /// for editors' `codeDescription` and miette's link.
    fn docs_url(&self) -> Option<&'static str> {
        None
    }
}

/// A problem of a stage (`K` is its kind enum) with where it happened. Boxed inside, so
/// results stay small.
#[derive(Clone)]
pub struct Problem<K>(Box<Data<K>>);

#[derive(Clone)]
struct Data<K> {
    kind: K,
    at: Locations,
    help: Option<String>,
}

impl<K: ProblemKind> Problem<K> {
    /// A problem of `kind` at `span`.
    pub fn new(kind: K, span: Option<Span>) -> Problem<K> {
        Problem(Box::new(Data {
            kind,
            at: Locations::at(span),
            help: None,
        }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &K {
        &self.0.kind
    }

    /// The stable code of its kind, such as `eval::unbound-symbol`.
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// Whether it is a warning rather than an error.
    pub fn is_warning(&self) -> bool {
        self.0.kind.is_warning()
    }

    /// The offending text, when known.
    pub fn span(&self) -> Option<Span> {
        self.0.at.span
    }

    /// Further labels in the same source as [`Problem::span`].
    pub fn labels(&self) -> &[(Span, String)] {
        &self.0.at.labels
    }

    /// Locations in other files, innermost first (the import chain).
    pub fn notes(&self) -> &[Note] {
        &self.0.at.notes
    }

    /// Adds a label in the same source (none when `span` is `None`).
    pub fn with_label(mut self, span: impl Into<Option<Span>>, message: impl Into<String>) -> Problem<K> {
        if let Some(span) = span.into() {
            self.0.at.labels.push((span, message.into()));
        }
        self
    }

    /// Replaces the kind's default help.
    pub fn with_help(mut self, help: impl Into<String>) -> Problem<K> {
        self.0.help = Some(help.into());
        self
    }

    /// Adds a location in another file, such as the import that led here.
    pub fn with_note(
        mut self,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Problem<K> {
        self.0.at.notes.push(Note::new(span, message, label));
        self
    }

    /// The same problem, its kind turned into `f`'s, with its locations and help kept.
    pub fn map_kind<L: ProblemKind>(self, f: impl FnOnce(K) -> L) -> Problem<L> {
        let Data { kind, at, help } = *self.0;
        Problem(Box::new(Data {
            kind: f(kind),
            at,
            help,
        }))
    }

    /// The same problem with the source of its span attached, when it is known already
    /// (a read error's, or a text read outside the pipeline).
    pub fn with_source(mut self, source: Arc<Source>) -> Problem<K> {
        self.0.at.set_source(source);
        self
    }

    /// Adds a location in another file whose source is known already
    /// ([`Note::in_source`]).
    pub fn with_related(mut self, note: Note) -> Problem<K> {
        self.0.at.notes.push(note);
        self
    }

    /// The source the problem points into, once attached.
    pub fn source_text(&self) -> Option<&Arc<Source>> {
        self.0.at.source()
    }

    /// The fix a "did you mean" stands for, once sources are attached and when the text
    /// still reads as written.
    pub fn replacement(&self) -> Option<Replacement> {
        let (written, suggested) = self.0.kind.suggestion()?;
        self.0.at.replacement(&written, &suggested)
    }

    /// Attaches the source texts of every span, so the problem can be reported on its own.
    pub fn attach_sources(mut self, sources: &SourceMap) -> Problem<K> {
        self.0.at.attach(sources);
        self
    }
}

/// A problem of a kind that has no place in a text (pm2 failed, a file cannot be
/// written).
impl<K: ProblemKind> From<K> for Problem<K> {
    fn from(kind: K) -> Problem<K> {
        Problem::new(kind, None)
    }
}

impl<K: ProblemKind> fmt::Debug for Problem<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind.code(), self.0.kind)?;
        if let (Some(span), Some(source)) = (self.0.at.span, self.source_text()) {
            let loc = source.location(span.start as usize);
            write!(f, " at {}:{}:{}", source.name(), loc.line, loc.column)?;
        }
        Ok(())
    }
}

impl<K: ProblemKind> fmt::Display for Problem<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.kind, f)
    }
}

impl<K: ProblemKind> std::error::Error for Problem<K> {}

impl<K: ProblemKind> Diagnostic for Problem<K> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.0.kind.code()))
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .kind
            .docs_url()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        Some(if self.0.kind.is_warning() {
            Severity::Warning
        } else {
            Severity::Error
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .clone()
            .or_else(|| self.0.kind.default_help())
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source_text().map(|s| &**s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.at.labeled_spans(self.0.kind.label())
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.0.at.related()
    }
}
