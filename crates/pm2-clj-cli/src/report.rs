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

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity, SourceCode, SourceSpan,
};
use pm2_clj_sync::problem::SourceProblem;
use pm2_dsl_reader::{Location, Replacement};
use serde_json::{Value as Json, json};

use crate::prewrap::Prewrapped;
use pm2_dsl_reader::printable;

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

/// Renders a diagnostic as miette's graphical report. A snippet that would be too wide to
/// show (a minified one-line file, where miette cannot pad to the column and would
/// panic) gives way to the same report without the snippet, naming the position instead.
pub fn render_human(diagnostic: &dyn Diagnostic, colour: bool, width: usize) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_urls(false)
        .with_wrap_lines(false);
    let rendered = if snippet_too_wide(diagnostic) {
        let unsnipped = Unsnipped::of(diagnostic);
        handler.render_report(&mut out, &Prewrapped::of(&unsnipped, width))
    } else {
        handler.render_report(&mut out, &Prewrapped::of(diagnostic, width))
    };
    if rendered.is_err() {
        out = format!("error: {diagnostic}\n");
    }
    out
}

/// The most bytes of source a snippet may show around one label (miette pads to the
/// label's column, and a column past 65,535 panics; tabs count four).
const MAX_SNIPPET_BYTES: usize = 8 * 1024;

/// Whether a snippet of this diagnostic or a related one would be too wide to show.
fn snippet_too_wide(diagnostic: &dyn Diagnostic) -> bool {
    let own = diagnostic.source_code().is_some_and(|code| {
        diagnostic.labels().into_iter().flatten().any(|label| {
            code.read_span(label.inner(), 1, 1)
                .is_ok_and(|c| c.data().len() > MAX_SNIPPET_BYTES)
        })
    });
    own || diagnostic.related().into_iter().flatten().any(snippet_too_wide)
}

/// A diagnostic with its snippets replaced by `file:line:column: label` lines.
struct Unsnipped {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    related: Vec<Unsnipped>,
}

impl Unsnipped {
    fn of(diagnostic: &dyn Diagnostic) -> Unsnipped {
        let mut places = Vec::new();
        if let Some(code) = diagnostic.source_code() {
            for label in diagnostic.labels().into_iter().flatten() {
                if let Some((file, at)) = locate(code, label.offset()) {
                    let text = label.label().unwrap_or("here");
                    places.push(format!("{file}:{}:{}: {text}", at.line, at.column));
                }
            }
        }
        let help = diagnostic.help().map(|h| h.to_string());
        let note =
            (!places.is_empty()).then(|| format!("{} (the line is too long to show)", places.join("; ")));
        Unsnipped {
            message: diagnostic.to_string(),
            code: diagnostic.code().map(|c| c.to_string()),
            severity: diagnostic.severity(),
            help: match (note, help) {
                (Some(note), Some(help)) => Some(format!("at {note}\n{help}")),
                (Some(note), None) => Some(format!("at {note}")),
                (None, help) => help,
            },
            related: diagnostic
                .related()
                .into_iter()
                .flatten()
                .map(Unsnipped::of)
                .collect(),
        }
    }
}

impl std::fmt::Debug for Unsnipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for Unsnipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Unsnipped {}

impl Diagnostic for Unsnipped {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

/// Writes `miette` reports in the chosen format, with the fix each one stands for (a
/// report of a [`SourceProblem`] says which).
pub fn emit_reports<'a>(reports: impl IntoIterator<Item = &'a miette::Report>, format: MessageFormat) {
    let reports: Vec<&miette::Report> = reports.into_iter().collect();
    let fixes: Vec<Option<Replacement>> = reports
        .iter()
        .map(|r| {
            r.downcast_ref::<SourceProblem>()
                .and_then(SourceProblem::replacement)
        })
        .collect();
    emit_fixed(
        &reports
            .iter()
            .zip(&fixes)
            .map(|(r, f)| (r.as_ref(), f.as_ref()))
            .collect::<Vec<_>>(),
        format,
    );
}

/// Writes the problems of loading sources in the chosen format, with the fix each one
/// stands for.
pub fn emit_problems(problems: &[SourceProblem], format: MessageFormat) {
    let fixes: Vec<Option<Replacement>> = problems.iter().map(SourceProblem::replacement).collect();
    emit_fixed(
        &problems
            .iter()
            .zip(&fixes)
            .map(|(p, f)| (p as &dyn Diagnostic, f.as_ref()))
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

/// How many diagnostics of one code one report shows before it sums up the rest.
pub const SHOWN_PER_CODE: usize = 20;

/// Whether every diagnostic is shown (`--all-diagnostics`), not the first
/// [`SHOWN_PER_CODE`] of each code and a line for the rest.
static ALL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Shows every diagnostic from now on (`--all-diagnostics`).
pub fn show_all() {
    ALL.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// A code whose diagnostics were not all shown: the code, their severity, how many more.
type More = (String, &'static str, usize);

/// The diagnostics one report shows — the first [`SHOWN_PER_CODE`] of each code, unless
/// all are asked for — and, in order of first appearance, each code with how many more
/// it had.
fn summarised<'a, T: Copy>(
    diagnostics: &'a [(&'a dyn Diagnostic, T)],
) -> (Vec<(&'a dyn Diagnostic, T)>, Vec<More>) {
    if ALL.load(std::sync::atomic::Ordering::Relaxed) {
        return (diagnostics.to_vec(), Vec::new());
    }
    let mut seen: Vec<More> = Vec::new();
    let mut shown = Vec::new();
    for (d, extra) in diagnostics {
        let code = d.code().map(|c| c.to_string()).unwrap_or_default();
        let at = match seen.iter().position(|(c, ..)| *c == code) {
            Some(at) => at,
            None => {
                seen.push((code, severity_name(*d), 0));
                seen.len() - 1
            }
        };
        seen[at].2 += 1;
        if seen[at].2 <= SHOWN_PER_CODE {
            shown.push((*d, *extra));
        }
    }
    let more = seen
        .into_iter()
        .filter(|(.., n)| *n > SHOWN_PER_CODE)
        .map(|(code, severity, n)| (code, severity, n - SHOWN_PER_CODE))
        .collect();
    (shown, more)
}

fn emit_fixed(diagnostics: &[(&dyn Diagnostic, Option<&Replacement>)], format: MessageFormat) {
    let (diagnostics, more) = summarised(diagnostics);
    let summary = |code: &str, severity: &str, n: usize| {
        format!("{n} more {severity}s [{code}] not shown (--all-diagnostics shows every one)")
    };
    match format {
        MessageFormat::Human => {
            let colour = colour_on_stderr();
            let width = terminal_width();
            // Stderr writes each call at once: buffered, a report is a few writes, not
            // one per line.
            let mut err = std::io::BufWriter::new(std::io::stderr().lock());
            for group in same_place(&diagnostics) {
                let first = diagnostics[group[0]].0;
                let _ = write!(err, "{}", render_human(first, colour, width));
                let rest = &group[1..];
                if !rest.is_empty() {
                    let code = first.code().map(|c| format!(" [{c}]")).unwrap_or_default();
                    let severity = severity_name(first);
                    let _ = writeln!(
                        err,
                        "  … and {} more {severity}{} from this same place{code}:",
                        rest.len(),
                        if rest.len() == 1 { "" } else { "s" }
                    );
                    for &at in rest {
                        let _ = writeln!(err, "      {}", one_line(diagnostics[at].0));
                    }
                }
            }
            for (code, severity, n) in &more {
                let _ = writeln!(err, "  … {}", summary(code, severity, *n));
            }
        }
        MessageFormat::Short => {
            let mut err = std::io::BufWriter::new(std::io::stderr().lock());
            for (d, _) in &diagnostics {
                let _ = writeln!(err, "{}", to_short(*d));
            }
            for (code, severity, n) in &more {
                let _ = writeln!(err, "pm2-clj: note[{code}]: {}", summary(code, severity, *n));
            }
        }
        MessageFormat::Json => {
            let mut out = std::io::stdout().lock();
            for (d, fix) in &diagnostics {
                let mut json = to_json(*d);
                json["replacements"] = Json::Array(fix.iter().map(|f| replacement_json(f)).collect());
                let _ = writeln!(out, "{json}");
            }
            for (code, severity, n) in &more {
                let json = serde_json::json!({
                    "summary": true, "code": code, "severity": severity, "more": n,
                    "message": summary(code, severity, *n),
                });
                let _ = writeln!(out, "{json}");
            }
        }
    }
}

/// The diagnostics grouped by the place they point at, in order of first appearance: a
/// group's members differ only in their message (the same code, severity, help, labels on
/// the same text of the same source, and related diagnostics), as when a function called
/// for every app finds the same fault in each. The human report shows a group's snippet
/// once, and each other member's message on a line under it.
fn same_place<T>(diagnostics: &[(&dyn Diagnostic, T)]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_place: HashMap<String, usize> = HashMap::new();
    for (at, (d, _)) in diagnostics.iter().enumerate() {
        match place_key(*d) {
            Some(key) => match by_place.entry(key) {
                Entry::Occupied(group) => groups[*group.get()].push(at),
                Entry::Vacant(slot) => {
                    slot.insert(groups.len());
                    groups.push(vec![at]);
                }
            },
            None => groups.push(vec![at]),
        }
    }
    groups
}

/// What a diagnostic shows besides its message, as one key; none for a diagnostic
/// without a labelled snippet (there is no place to share).
fn place_key(diagnostic: &dyn Diagnostic) -> Option<String> {
    let code = diagnostic.source_code()?;
    let labels: Vec<LabeledSpan> = diagnostic.labels()?.collect();
    let first = labels.first()?;
    let at = code.read_span(first.inner(), 0, 0).ok()?;
    // The name is not enough (every `--set` value is a source named `--set`): where the
    // text is in memory tells one source from another.
    let file = (at.name().map(str::to_string), at.data().as_ptr() as usize);
    let mut key = format!(
        "{:?}\0{}\0{:?}\0{file:?}",
        diagnostic.code().map(|c| c.to_string()),
        severity_name(diagnostic),
        diagnostic.help().map(|h| h.to_string()),
    );
    for label in &labels {
        key += &format!("\0{}+{}:{:?}", label.offset(), label.len(), label.label());
    }
    for related in diagnostic.related().into_iter().flatten() {
        key += &format!("\0related {}", to_short(related));
    }
    Some(key)
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
    let labels: Vec<LabeledSpan> = diagnostic.labels().map(|l| l.collect()).unwrap_or_default();
    let place = diagnostic
        .source_code()
        .zip(primary(&labels))
        .and_then(|(code, primary)| locate(code, primary.offset()));
    if let Some((file, at)) = place {
        out += &format!("{}:{}:{}: ", printable(&file), at.line, at.column);
    }
    out += severity_name(diagnostic);
    if let Some(code) = diagnostic.code() {
        out += &format!("[{code}]");
    }
    out += &format!(": {}", one_line(diagnostic));
    out
}

/// A diagnostic's message on one line, as a terminal shows it.
fn one_line(diagnostic: &dyn Diagnostic) -> String {
    printable(&diagnostic.to_string()).replace('\n', " ")
}

fn replacement_json(fix: &Replacement) -> Json {
    let mut range = json!({"file": fix.source.name()});
    if let Some((_, at)) = position(&*fix.source, &fix.span.into()) {
        merge(&mut range, at);
    }
    json!({"range": range, "text": fix.text})
}

/// The narrowest and widest reports are drawn: `COLUMNS=3` would wrap a message a
/// character per line, and a width beyond any terminal only costs.
const WIDTHS: std::ops::RangeInclusive<usize> = 40..=1000;

fn terminal_width() -> usize {
    width(std::env::var("COLUMNS").ok().as_deref())
}

/// The width reports are drawn at for a `COLUMNS` value: 100 when unset or not a whole
/// number; a negative one is the narrowest, one past any integer the widest.
fn width(columns: Option<&str>) -> usize {
    let Some(c) = columns.map(str::trim) else {
        return 100;
    };
    let (negative, digits) = match c.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, c.strip_prefix('+').unwrap_or(c)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 100;
    }
    let c = if negative {
        0
    } else {
        digits.parse::<usize>().unwrap_or(usize::MAX)
    };
    c.clamp(*WIDTHS.start(), *WIDTHS.end())
}

/// A diagnostic as a JSON object (see the module documentation).
pub fn to_json(diagnostic: &dyn Diagnostic) -> Json {
    let code = diagnostic.source_code();
    let labels: Vec<LabeledSpan> = diagnostic.labels().map(|l| l.collect()).unwrap_or_default();
    let place = |span: &SourceSpan| code.and_then(|code| position(code, span));
    let mut object = json!({
        "severity": severity_name(diagnostic),
        "code": diagnostic.code().map(|c| c.to_string()),
        "message": diagnostic.to_string(),
        "help": diagnostic.help().map(|h| h.to_string()),
        "file": Json::Null,
    });
    match primary(&labels).and_then(|p| place(p.inner())) {
        Some((file, at)) => {
            object["file"] = json!(file);
            merge(&mut object, at);
        }
        None => object["file"] = json!(code.and_then(|c| locate(c, 0)).map(|(file, _)| file)),
    }
    object["labels"] = Json::Array(
        labels
            .iter()
            .map(|label| {
                let mut l = json!({"message": label.label(), "primary": label.primary()});
                if let Some((_, at)) = place(label.inner()) {
                    merge(&mut l, at);
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

/// The file and position of `offset` in `code`, from the text's line index: a Source
/// gives the line and the column in characters of a span read without context, and the
/// line up to `offset` (read with the line before) gives the column in UTF-16 units,
/// without reading it again when it is ASCII.
fn locate(code: &dyn SourceCode, offset: usize) -> Option<(String, Location)> {
    let here = SourceSpan::new(offset.into(), 0);
    let at = code.read_span(&here, 0, 0).ok()?;
    let around = code.read_span(&here, 1, 0).ok()?;
    let before = around.data().get(..offset.checked_sub(around.span().offset())?)?;
    let column = at.column() + 1;
    let column_utf16 = if before.is_ascii() {
        column
    } else {
        let before = String::from_utf8_lossy(before);
        before.rsplit('\n').next().unwrap_or("").encode_utf16().count() + 1
    };
    let location = Location {
        line: at.line() + 1,
        column,
        column_utf16,
    };
    Some((at.name().unwrap_or("<input>").to_string(), location))
}

/// The file of `span` in `code`, and its JSON position: the byte range, and where it
/// starts and ends as lines and columns.
fn position(code: &dyn SourceCode, span: &SourceSpan) -> Option<(String, Json)> {
    let (file, start) = locate(code, span.offset())?;
    let (_, end) = locate(code, span.offset() + span.len())?;
    Some((
        file,
        json!({
            "offset": span.offset(),
            "length": span.len(),
            "line": start.line,
            "column": start.column,
            "end_line": end.line,
            "end_column": end.column,
            "column_utf16": start.column_utf16,
            "end_column_utf16": end.column_utf16,
        }),
    ))
}
