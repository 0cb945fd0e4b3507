//! From the pipeline's `miette` diagnostics to the protocol's, through the generic
//! [`miette::Diagnostic`] trait only: the primary label gives the range (in UTF-16),
//! the other labels and the related diagnostics (the import chain, the call of an
//! imported function) give `relatedInformation`, the code gives `code` and, where PM2
//! documents the option concerned, `codeDescription`; the help joins the message.
//!
//! A diagnostic in another file than the one analysed is kept for that file (shown when
//! it is open) and also shown in the analysed file, at the import or call that led there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Range,
};
use miette::{LabeledSpan, Severity, SourceSpan};
use pm2_dsl_reader::{Replacement, Source};

use crate::documents::{range, uri_of};

/// A diagnostic for one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// The file it is shown in.
    pub path: PathBuf,
    /// The diagnostic.
    pub diagnostic: Diagnostic,
    /// Its fix, an edit of the same file.
    pub fix: Option<Fix>,
}

/// The fix of a diagnostic, as an edit of one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// The file to edit.
    pub path: PathBuf,
    /// What to replace.
    pub range: Range,
    /// The new text.
    pub text: String,
}

impl Fix {
    /// The fix a replacement describes.
    pub fn of(replacement: &Replacement) -> Fix {
        let span = replacement.span;
        Fix {
            path: PathBuf::from(replacement.source.name()),
            range: range(&replacement.source, span.start as usize, span.end as usize),
            text: replacement.text.clone(),
        }
    }
}

/// The source texts a run read, by name.
pub struct Sources(HashMap<String, Arc<Source>>);

impl Sources {
    /// The texts of a run, `root` among them.
    pub fn new(sources: impl IntoIterator<Item = Arc<Source>>) -> Sources {
        Sources(sources.into_iter().map(|s| (s.name().to_string(), s)).collect())
    }

    /// The source and byte range a label points at, through the diagnostic's own
    /// source code (which names its text). Only an empty span at the start is read from
    /// it: reading the label's own span would scan the text up to it, every time.
    fn locate(
        &self,
        code: &dyn miette::SourceCode,
        span: &SourceSpan,
    ) -> Option<(&Arc<Source>, usize, usize)> {
        let contents = code.read_span(&SourceSpan::new(0.into(), 0), 0, 0).ok()?;
        let source = self.0.get(contents.name()?)?;
        let start = span.offset().min(source.text().len());
        let end = (span.offset() + span.len()).min(source.text().len());
        Some((source, start, end))
    }

    fn location(&self, code: &dyn miette::SourceCode, span: &SourceSpan) -> Option<(PathBuf, Location)> {
        let (source, start, end) = self.locate(code, span)?;
        let path = PathBuf::from(source.name());
        let uri = uri_of(&path)?;
        Some((path, Location::new(uri, range(source, start, end))))
    }
}

/// Converts one pipeline diagnostic found while analysing `root`. `reached_by` says
/// where `root` leads to another file: the range of the import (or call) in `root`.
pub fn convert(
    d: &dyn miette::Diagnostic,
    fix: Option<&Fix>,
    root: &Path,
    sources: &Sources,
    reached_by: &dyn Fn(&Path) -> Option<Range>,
) -> Vec<Placed> {
    let code = d.code().map(|c| c.to_string());
    let mut message = d.to_string();
    if let Some(help) = d.help() {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let labels: Vec<LabeledSpan> = d.labels().map(|l| l.collect()).unwrap_or_default();
    let primary = labels.iter().find(|l| l.primary()).or(labels.first());
    let located = d
        .source_code()
        .zip(primary)
        .and_then(|(code, label)| sources.location(code, label.inner()));
    let mut related = Vec::new();
    if let Some(code) = d.source_code() {
        for label in labels.iter().filter(|l| Some(*l) != primary) {
            if let Some((_, location)) = sources.location(code, label.inner()) {
                related.push(DiagnosticRelatedInformation {
                    location,
                    message: label.label().unwrap_or("related").to_string(),
                });
            }
        }
    }
    let notes: Vec<(PathBuf, DiagnosticRelatedInformation)> = d
        .related()
        .into_iter()
        .flatten()
        .filter_map(|note| {
            let label = note.labels()?.next()?;
            let (path, location) = sources.location(note.source_code()?, label.inner())?;
            Some((
                path,
                DiagnosticRelatedInformation {
                    location,
                    message: note.to_string(),
                },
            ))
        })
        .collect();
    related.extend(notes.iter().map(|(_, n)| n.clone()));
    let base = Diagnostic {
        range: Range::default(),
        severity: Some(match d.severity().unwrap_or(Severity::Error) {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Advice => DiagnosticSeverity::INFORMATION,
        }),
        code: code.clone().map(NumberOrString::String),
        code_description: d
            .url()
            .and_then(|url| url.to_string().parse().ok())
            .map(|href| CodeDescription { href }),
        source: Some("pm2-clj".into()),
        message: message.clone(),
        related_information: None,
        tags: None,
        data: fix.map(|f| serde_json::json!({ "fix": { "range": f.range, "newText": f.text } })),
    };
    let with = |range: Range, related: Vec<DiagnosticRelatedInformation>, message: String| Diagnostic {
        range,
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..base.clone()
    };
    let Some((path, location)) = located else {
        return vec![Placed {
            path: root.to_path_buf(),
            diagnostic: with(Range::default(), related, message),
            fix: None,
        }];
    };
    let fix = fix.filter(|f| f.path == path).cloned();
    if path == root {
        return vec![Placed {
            path,
            diagnostic: with(location.range, related, message),
            fix,
        }];
    }
    // In another file: there as it is, and here at what led there.
    let here = notes
        .iter()
        .find(|(p, _)| p == root)
        .map(|(_, n)| n.location.range)
        .or_else(|| reached_by(&path))
        .unwrap_or_default();
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
    let mut here_related = vec![DiagnosticRelatedInformation {
        location: location.clone(),
        message: message.lines().next().unwrap_or_default().to_string(),
    }];
    let root_uri = uri_of(root);
    here_related.extend(
        related
            .iter()
            .filter(|r| r.location.range != here || Some(&r.location.uri) != root_uri.as_ref())
            .cloned(),
    );
    vec![
        Placed {
            path: path.clone(),
            diagnostic: with(location.range, related, message.clone()),
            fix,
        },
        Placed {
            path: root.to_path_buf(),
            diagnostic: Diagnostic {
                data: None,
                ..with(here, here_related, format!("in {name}: {message}"))
            },
            fix: None,
        },
    ]
}
