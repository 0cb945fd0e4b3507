//! A diagnostic's message and help broken into lines before miette sees them, with what
//! a terminal would act on written out ([`pm2_dsl_reader::printable`]) there and in its
//! labels and its source's name. Lines
//! break at spaces only (a path, a flag or a code is never split at its hyphens), first
//! fit: miette's own wrapping takes textwrap's optimal fit (another dependency turns it
//! on), which cost a sixth of a 100-app render whose pre-flight warns about every app.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use pm2_dsl_reader::printable;
use textwrap::{Options, WordSeparator, WordSplitter, WrapAlgorithm};

/// The columns miette puts before a report's message (`  × `) and its help (`  help: `),
/// and the margin it keeps on the right.
const MESSAGE_INDENT: usize = 4;
const HELP_INDENT: usize = 8;
const RIGHT_MARGIN: usize = 2;

/// Breaks `text` into lines of at most `width` columns, keeping its own line breaks:
/// first fit at spaces, as textwrap's `FirstFit` over `AsciiSpace` words does it. Text of
/// printable ASCII whose words all fit (every report pm2-clj writes in English) is broken
/// here, a tenth of textwrap's work; anything else (wide characters, escapes, a word
/// longer than a line, which textwrap splits) goes to textwrap.
fn fill(text: &str, width: usize) -> String {
    let width = width.max(1);
    if text.bytes().all(|b| b == b'\n' || (b' '..=b'~').contains(&b)) {
        let mut out = String::with_capacity(text.len() + 8);
        let all_fit = text.split('\n').enumerate().all(|(i, line)| {
            if i > 0 {
                out.push('\n');
            }
            fill_ascii_line(line, width, &mut out)
        });
        if all_fit {
            return out;
        }
    }
    let options = Options::new(width)
        .word_separator(WordSeparator::AsciiSpace)
        .word_splitter(WordSplitter::NoHyphenation)
        .wrap_algorithm(WrapAlgorithm::FirstFit);
    textwrap::fill(text, options)
}

/// Appends `line` (printable ASCII) broken first fit into lines of at most `width`
/// columns; false, with `out` unfinished, when a word is wider than a line.
fn fill_ascii_line(line: &str, width: usize, out: &mut String) -> bool {
    if line.len() < width {
        out.push_str(line.trim_end_matches(' '));
        return true;
    }
    // A word: its text and the spaces after it (spaces leading the line are a word of
    // their own with no text).
    let bytes = line.as_bytes();
    let (mut from, mut used, mut text_end) = (0, 0, 0);
    let mut start = 0;
    while start < bytes.len() {
        let mut end = start;
        while end < bytes.len() && bytes[end] != b' ' {
            end += 1;
        }
        let word_end = end;
        while end < bytes.len() && bytes[end] == b' ' {
            end += 1;
        }
        let word = word_end - start;
        if word > width {
            return false;
        }
        if start > from && used + word > width {
            out.push_str(&line[from..text_end]);
            out.push('\n');
            (from, used) = (start, 0);
        }
        used += end - start;
        text_end = word_end;
        start = end;
    }
    out.push_str(&line[from..text_end]);
    true
}

/// A diagnostic whose message and help (and its related diagnostics') are already
/// broken into lines for a report `width` columns wide; everything else is the
/// diagnostic's own. Render it with miette's line wrapping off.
pub struct Prewrapped<'a> {
    inner: &'a dyn Diagnostic,
    message: String,
    help: Option<String>,
    code: Option<Named<'a>>,
    related: Vec<Prewrapped<'a>>,
}

/// A diagnostic's source as a report shows it: its name (a file's path, which can hold
/// anything a folder's name can) made printable.
struct Named<'a>(&'a dyn SourceCode);

impl SourceCode for Named<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let contents = self
            .0
            .read_span(span, context_lines_before, context_lines_after)?;
        let Some(Cow::Owned(name)) = contents.name().map(printable) else {
            return Ok(contents);
        };
        Ok(Box::new(MietteSpanContents::new_named(
            name,
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

impl<'a> Prewrapped<'a> {
    /// `diagnostic` laid out for `width` columns.
    pub fn of(diagnostic: &'a dyn Diagnostic, width: usize) -> Prewrapped<'a> {
        let text = width.saturating_sub(RIGHT_MARGIN);
        Prewrapped {
            inner: diagnostic,
            message: fill(
                &printable(&diagnostic.to_string()),
                text.saturating_sub(MESSAGE_INDENT),
            ),
            help: diagnostic
                .help()
                .map(|help| fill(&printable(&help.to_string()), text.saturating_sub(HELP_INDENT))),
            code: diagnostic.source_code().map(Named),
            related: diagnostic
                .related()
                .into_iter()
                .flatten()
                .map(|r| Prewrapped::of(r, width))
                .collect(),
        }
    }
}

impl fmt::Debug for Prewrapped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Prewrapped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for Prewrapped<'_> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for Prewrapped<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.code.as_ref().map(|c| c as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.inner.labels()?;
        Some(Box::new(labels.map(|mut label| {
            if let Some(Cow::Owned(text)) = label.label().map(printable) {
                label.set_label(Some(text));
            }
            label
        })))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.inner.diagnostic_source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_within_the_width() {
        let text = "run pm2-clj check --all-diagnostics on /srv/some-long-folder-name now";
        let filled = fill(text, 20);
        assert!(
            filled
                .lines()
                .all(|l| l.chars().count() <= 20 || !l.contains(' ')),
            "{filled}"
        );
        assert!(filled.contains("--all-diagnostics"), "{filled}");
        assert_eq!(fill("a\nb", 20), "a\nb", "its own breaks stay");
    }

    fn textwrap_fill(text: &str, width: usize) -> String {
        let options = Options::new(width.max(1))
            .word_separator(WordSeparator::AsciiSpace)
            .word_splitter(WordSplitter::NoHyphenation)
            .wrap_algorithm(WrapAlgorithm::FirstFit);
        textwrap::fill(text, options)
    }

    proptest::proptest! {
        #[test]
        fn lines_break_where_textwrap_breaks_them(
            text in "[ a-c\\-\n\u{e9}\u{4e16}]{0,60}|( ?[a-z/-]{1,12} {1,2}){1,12}",
            width in 0usize..30,
        ) {
            proptest::prop_assert_eq!(fill(&text, width), textwrap_fill(&text, width));
        }
    }
}
