//! The location half of a diagnostic, shared by the later stages' errors: a primary
//! span, more labels in the same source, [`Note`]s in other sources (such as the import
//! that led to an error), and the source texts, attached once the run is over so the
//! diagnostic can be rendered on its own; and the machine-applicable fix a "did you
//! mean" stands for ([`Replacement`]).

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};

use crate::source::{Source, SourceMap, Span};

/// A secondary location, possibly in another source, shown as a related diagnostic.
#[derive(Clone, Debug)]
pub struct Note {
    /// What the location shows.
    pub message: String,
    /// The label on the location.
    pub label: String,
    /// Where.
    pub span: Span,
    source: Option<Arc<Source>>,
}

impl Note {
    /// A note at `span`.
    pub fn new(span: Span, message: impl Into<String>, label: impl Into<String>) -> Note {
        Note {
            message: message.into(),
            label: label.into(),
            span,
            source: None,
        }
    }

    /// A note at `span` of `source`, a text known already rather than one of a run's
    /// [`SourceMap`] (the file of another evaluation).
    pub fn in_source(
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        source: Arc<Source>,
    ) -> Note {
        Note {
            source: Some(source),
            ..Note::new(span, message, label)
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Note {}

impl Diagnostic for Note {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_deref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(
            Some(self.label.clone()),
            self.span,
        ))))
    }
}

/// Where a diagnostic points.
#[derive(Clone, Debug, Default)]
pub struct Locations {
    /// The offending text, when known.
    pub span: Option<Span>,
    /// Further labels; only those in the primary span's source are shown.
    pub labels: Vec<(Span, String)>,
    /// Locations in other sources, innermost first.
    pub notes: Vec<Note>,
    source: Option<Arc<Source>>,
}

impl Locations {
    /// Locations with a primary span.
    pub fn at(span: Option<Span>) -> Locations {
        Locations {
            span,
            ..Locations::default()
        }
    }

    /// The primary span's source, once attached.
    pub fn source(&self) -> Option<&Arc<Source>> {
        self.source.as_ref()
    }

    /// Attaches the primary span's source, known already (a read error's).
    pub fn set_source(&mut self, source: Arc<Source>) {
        self.source = Some(source);
    }

    /// Attaches the source texts of every span from `sources`.
    pub fn attach(&mut self, sources: &SourceMap) {
        if let Some(span) = self.span {
            self.source = sources.get(span.source).cloned().or(self.source.take());
            self.labels.retain(|(s, _)| s.source == span.source);
        }
        for note in &mut self.notes {
            note.source = sources.get(note.span.source).cloned();
        }
    }

    /// The labels for `miette`, the primary one carrying `primary_label`.
    pub fn labeled_spans(&self, primary_label: String) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        self.source.as_ref()?;
        let primary = LabeledSpan::new_primary_with_span(Some(primary_label), span);
        let others = self
            .labels
            .iter()
            .map(|(s, m)| LabeledSpan::new_with_span(Some(m.clone()), *s));
        Some(Box::new(std::iter::once(primary).chain(others)))
    }

    /// The notes as related diagnostics for `miette`.
    pub fn related(&self) -> Option<Box<dyn Iterator<Item = &dyn Diagnostic> + '_>> {
        if self.notes.is_empty() {
            return None;
        }
        Some(Box::new(self.notes.iter().map(|n| n as &dyn Diagnostic)))
    }
}

/// A machine-applicable fix: the text at `span` in `source` becomes `text`.
#[derive(Clone, Debug)]
pub struct Replacement {
    /// The text the span points into.
    pub source: Arc<Source>,
    /// What to replace.
    pub span: Span,
    /// The new text.
    pub text: String,
}

impl Locations {
    /// The fix that writes `suggestion` over the primary span, when the span (in its
    /// attached source) still reads `written`: a suggestion for a value computed
    /// elsewhere, or spelt differently, is no edit of the text.
    pub fn replacement(&self, written: &str, suggestion: &str) -> Option<Replacement> {
        let (span, source) = (self.span?, self.source.as_ref()?);
        (source.slice(span) == written).then(|| Replacement {
            source: source.clone(),
            span,
            text: suggestion.to_string(),
        })
    }
}

/// A type name as a noun phrase for messages: "an integer", "a map", "nil".
pub fn with_article(type_name: &str) -> String {
    match type_name {
        "nil" | "#ref" => type_name.to_string(),
        _ if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}
