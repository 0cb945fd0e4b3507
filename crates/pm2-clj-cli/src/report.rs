//! Showing diagnostics: miette's graphical report on stderr (colour only on a terminal,
//! never with `NO_COLOR`); with `--message-format short`, one line per diagnostic on
//! stderr (`file:line:column: severity[code]: message`, for `errorformat` and problem
//! matchers); with `--message-format json`, one JSON object per diagnostic on stdout.
//!
//! Lines and columns count from 1, and columns count characters, in all three formats.
//! A JSON diagnostic holds `file`, `offset` and `length` (bytes), `line`, `column`,
//! `end_line`, `end_column`, the columns again in UTF-16 code units as the Language
//! Server Protocol counts them (`column_utf16`, `end_column_utf16`), `severity`, `code`,
//! `message`, `help`, `labels` (every labelled span with its own position), `related`
//! (diagnostics in other files, such as the import that led to the error, in the same
//! shape) and `replacements`: the machine-applicable fix of a "did you mean", as
//! `{"range": {file, offset, length, line, column, ...}, "text": ...}`.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity, SourceCode, SourceSpan,
};
use pm2_clj_sync::load::replacement;
use pm2_dsl_reader::{Location, Replacement, Source};
use serde_json::{Value as Json, json};

/// How diagnostics are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// miette's graphical report on stderr.
    #[default]
    Human,
    /// One line per diagnostic on stderr: `file:line:column: severity[code]: message`.
    Short,
    /// One JSON object per line on stdout.
    Json,
}

/// Whether stderr gets colour: only on a terminal, and never when `NO_COLOR` is set.
pub fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Renders a diagnostic as miette's graphical report.
pub fn render_human(diagnostic: &dyn Diagnostic, colour: bool, width: usize) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width);
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = format!("error: {diagnostic}\n");
    }
    out
}

/// Writes `miette` reports in the chosen format, with the fix each one stands for.
pub fn emit_reports<'a>(reports: impl IntoIterator<Item = &'a miette::Report>, format: MessageFormat) {
    let reports: Vec<&miette::Report> = reports.into_iter().collect();
    let fixes: Vec<Option<Replacement>> = reports.iter().map(|r| replacement(r)).collect();
    emit_fixed(
        &reports
            .iter()
            .zip(&fixes)
            .map(|(r, f)| (r.as_ref(), f.as_ref()))
            .collect::<Vec<_>>(),
        format,
    );
}

/// Writes diagnostics of one type (warnings, say) in the chosen format.
pub fn emit_each<'a, D: Diagnostic + 'a>(
    diagnostics: impl IntoIterator<Item = &'a D>,
    format: MessageFormat,
) {
    emit(
        &diagnostics
            .into_iter()
            .map(|d| d as &dyn Diagnostic)
            .collect::<Vec<_>>(),
        format,
    );
}

/// Writes diagnostics in the chosen format.
pub fn emit(diagnostics: &[&dyn Diagnostic], format: MessageFormat) {
    emit_fixed(
        &diagnostics.iter().map(|d| (*d, None)).collect::<Vec<_>>(),
        format,
    );
}

fn emit_fixed(diagnostics: &[(&dyn Diagnostic, Option<&Replacement>)], format: MessageFormat) {
    match format {
        MessageFormat::Human => {
            let colour = colour_on_stderr();
            let width = terminal_width();
            let mut err = std::io::stderr().lock();
            for (d, _) in diagnostics {
                let _ = write!(err, "{}", render_human(*d, colour, width));
            }
        }
        MessageFormat::Short => {
            let mut err = std::io::stderr().lock();
            for (d, _) in diagnostics {
                let _ = writeln!(err, "{}", to_short(*d));
            }
        }
        MessageFormat::Json => {
            let mut out = std::io::stdout().lock();
            for (d, fix) in diagnostics {
                let mut json = to_json(*d);
                json["replacements"] = Json::Array(fix.iter().map(|f| replacement_json(f)).collect());
                let _ = writeln!(out, "{json}");
            }
        }
    }
}

fn severity_name(diagnostic: &dyn Diagnostic) -> &'static str {
    match diagnostic.severity().unwrap_or(Severity::Error) {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "advice",
    }
}

/// A diagnostic on one line: `file:line:column: severity[code]: message` (the position
/// is left out when the diagnostic has none).
pub fn to_short(diagnostic: &dyn Diagnostic) -> String {
    let mut out = String::new();
    let source = diagnostic.source_code().and_then(whole_source);
    let labels: Vec<LabeledSpan> = diagnostic.labels().map(|l| l.collect()).unwrap_or_default();
    if let (Some(source), Some(primary)) = (&source, primary(&labels)) {
        let at = source.location(primary.offset());
        out += &format!("{}:{}:{}: ", source.name(), at.line, at.column);
    }
    out += severity_name(diagnostic);
    if let Some(code) = diagnostic.code() {
        out += &format!("[{code}]");
    }
    let message = diagnostic.to_string();
    out += &format!(": {}", message.replace('\n', " "));
    out
}

fn replacement_json(fix: &Replacement) -> Json {
    let mut range = json!({"file": fix.source.name()});
    merge(&mut range, position(&fix.source, &fix.span.into()));
    json!({"range": range, "text": fix.text})
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// A diagnostic as a JSON object (see the module documentation).
pub fn to_json(diagnostic: &dyn Diagnostic) -> Json {
    let source = diagnostic.source_code().and_then(whole_source);
    let labels: Vec<LabeledSpan> = diagnostic.labels().map(|l| l.collect()).unwrap_or_default();
    let primary = primary(&labels);
    let mut object = json!({
        "severity": severity_name(diagnostic),
        "code": diagnostic.code().map(|c| c.to_string()),
        "message": diagnostic.to_string(),
        "help": diagnostic.help().map(|h| h.to_string()),
        "file": source.as_ref().map(|s| s.name().to_string()),
    });
    if let (Some(source), Some(primary)) = (&source, primary) {
        merge(&mut object, position(source, primary.inner()));
    }
    object["labels"] = Json::Array(
        labels
            .iter()
            .map(|label| {
                let mut l = json!({"message": label.label(), "primary": label.primary()});
                if let Some(source) = &source {
                    merge(&mut l, position(source, label.inner()));
                }
                l
            })
            .collect(),
    );
    object["related"] = Json::Array(
        diagnostic
            .related()
            .map(|r| r.map(to_json).collect())
            .unwrap_or_default(),
    );
    object
}

/// The label a diagnostic's position is read from: the primary one, else the first.
fn primary(labels: &[LabeledSpan]) -> Option<&LabeledSpan> {
    labels.iter().find(|l| l.primary()).or(labels.first())
}

fn merge(target: &mut Json, extra: Json) {
    if let (Some(t), Json::Object(e)) = (target.as_object_mut(), extra) {
        t.extend(e);
    }
}

/// The whole text and name behind a `SourceCode`.
fn whole_source(code: &dyn SourceCode) -> Option<std::sync::Arc<Source>> {
    let contents = code
        .read_span(&SourceSpan::new(0.into(), 0), usize::MAX, usize::MAX)
        .ok()?;
    let text = std::str::from_utf8(contents.data()).ok()?;
    let name = contents.name().unwrap_or("<input>");
    Some(Source::standalone(name, text))
}

fn position(source: &Source, span: &SourceSpan) -> Json {
    let start: Location = source.location(span.offset());
    let end: Location = source.location(span.offset() + span.len());
    json!({
        "offset": span.offset(),
        "length": span.len(),
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "column_utf16": start.column_utf16,
        "end_column_utf16": end.column_utf16,
    })
}
