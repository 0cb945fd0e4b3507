//! Source texts and positions: [`SourceId`], [`Span`], [`Source`] (a named text with a
//! line index, shown in diagnostics masked, redacted or terminal-safe as it must be) and
//! [`SourceMap`] (every text read in one run).
//!
//! Spans are byte ranges; [`Source::location`] turns a byte offset into a 1-based line and
//! column, counted both in characters and in UTF-16 code units (what the Language Server
//! Protocol counts), and [`Source::offset_of_utf16`] goes back.

use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::terminal::terminal_safe;

/// Identifies one text in a [`SourceMap`]. Ids are dense indices, starting at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// A byte range in one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The text the range belongs to.
    pub source: SourceId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` in `source`.
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span {
            source,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The span's length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both `self` and `other` (same source assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> SourceSpan {
        SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// A 1-based position in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column in Unicode scalar values, starting at 1.
    pub column: usize,
    /// Column in UTF-16 code units, starting at 1 (the Language Server Protocol's unit).
    pub column_utf16: usize,
}

/// One named source text with a lazily built line index. A source can be *masked*: its
/// diagnostics then show where, but never what, it says (the text of a file that is not
/// an EDN source, `/etc/shadow` named by an include, is not to be printed).
pub struct Source {
    id: SourceId,
    name: Arc<str>,
    text: Arc<str>,
    lines: OnceLock<Lines>,
    /// The text as diagnostics show it, when masked: every byte but newlines a space.
    shown: Option<Arc<str>>,
    /// The text as diagnostics show it with some ranges starred out (the literals under
    /// `#secret`), once the evaluator said which ([`Source::redact`]); terminal-safe.
    redacted: OnceLock<Arc<str>>,
    /// The text as diagnostics show it when it holds characters a terminal acts on
    /// ([`terminal_safe`]); `None` when it holds none.
    safe: OnceLock<Option<Arc<str>>>,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("len", &self.text.len())
            .finish()
    }
}

impl Source {
    /// A source that is not part of any [`SourceMap`] (its id is 0). Handy for tests and
    /// for reading a single text.
    pub fn standalone(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Arc<Source> {
        Arc::new(Source::new(SourceId(0), name.into(), text.into()))
    }

    fn new(id: SourceId, name: Arc<str>, text: Arc<str>) -> Source {
        Source {
            id,
            name,
            text,
            lines: OnceLock::new(),
            shown: None,
            redacted: OnceLock::new(),
            safe: OnceLock::new(),
        }
    }

    /// Has diagnostics show the byte ranges `ranges` of this text starred out (each byte
    /// a `*`, so every offset stays where it was): a value written literally under
    /// `#secret` is never printed in a snippet. Only the first call counts.
    pub fn redact(&self, ranges: &[(usize, usize)]) {
        if ranges.is_empty() || self.shown.is_some() {
            return;
        }
        let mut bytes = self.text.as_bytes().to_vec();
        for &(start, end) in ranges {
            for b in bytes
                .get_mut(start..end.min(self.text.len()))
                .into_iter()
                .flatten()
            {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        // Every byte of a starred character is a `*`: the text stays UTF-8.
        let text =
            String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let text = terminal_safe(&text).unwrap_or(text);
        let _ = self.redacted.set(Arc::from(text));
    }

    /// Whether diagnostics show blanks instead of this source's text.
    pub fn is_masked(&self) -> bool {
        self.shown.is_some()
    }

    /// This source's id.
    pub fn id(&self) -> SourceId {
        self.id
    }

    /// The name shown in diagnostics (usually a file path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A span covering `start..end` in this source.
    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.id, start, end)
    }

    /// The text a span covers (empty when the span lies outside this text).
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| Lines::of(&self.text))
    }

    fn line_starts(&self) -> &[u32] {
        &self.lines().starts
    }

    /// The line and column of a byte offset (clamped to the text and to a char boundary).
    pub fn location(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let lines = self.lines();
        let line_index = lines.starts.partition_point(|&s| s as usize <= offset) - 1;
        let line_start = lines.starts[line_index] as usize;
        let (column, column_utf16) = if lines.ascii[line_index] {
            (offset - line_start, offset - line_start)
        } else {
            let line_text = &self.text[line_start..offset];
            (line_text.chars().count(), line_text.encode_utf16().count())
        };
        Location {
            line: line_index + 1,
            column: column + 1,
            column_utf16: column_utf16 + 1,
        }
    }
}

/// A text's line index: where each line starts, and whether it is ASCII (so a column
/// is its byte offset in the line, found without reading the line).
struct Lines {
    starts: Vec<u32>,
    ascii: Vec<bool>,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let mut starts = vec![0];
        let mut ascii = Vec::new();
        for line in text.split_inclusive('\n') {
            ascii.push(line.is_ascii());
            if line.ends_with('\n') {
                starts.push((starts[starts.len() - 1] as usize + line.len()) as u32);
            }
        }
        // The last line, empty when the text ends with a line break.
        ascii.resize(starts.len(), true);
        Lines { starts, ascii }
    }
}

impl Source {
    /// The byte offset of a 0-based line and UTF-16 column, as the Language Server
    /// Protocol gives positions. A column past the end of its line means the line's end
    /// (as the protocol says); a column inside a character that takes two UTF-16 units
    /// means that character's start. `None` for a line past the end of the text.
    pub fn offset_of_utf16(&self, line: usize, column: usize) -> Option<usize> {
        let starts = self.line_starts();
        let start = *starts.get(line)? as usize;
        let end = starts.get(line + 1).map_or(self.text.len(), |&s| s as usize - 1);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            units += c.len_utf16();
            if units > column {
                return Some(start + i);
            }
        }
        Some(end)
    }
}

/// What miette shows of a span, found with the line index instead of miette's scan of
/// the text from its start, so reporting many diagnostics of a large text (or of one
/// long line) stays linear. It gives what miette gives for the same text (the property
/// tests compare them), except that a lone `\r` does not end a line here, as it does
/// not for [`Source::location`], and that what a terminal acts on is shown as a
/// character of the same length, as are masked and redacted texts.
impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = (self.shown.as_deref())
            .or(self.redacted.get().map(|t| &**t))
            .or_else(|| {
                let safe = self.safe.get_or_init(|| terminal_safe(&self.text).map(Arc::from));
                safe.as_deref()
            })
            .unwrap_or(&self.text);
        let bytes = text.as_bytes();
        let starts = self.line_starts();
        // The number of line breaks before `offset`: its line, from 0.
        let line_of = |offset: usize| starts.partition_point(|&s| s as usize <= offset) - 1;
        let (start, end) = (span.offset(), span.offset() + span.len());
        // miette stops reading once it has passed the byte before the span's end.
        let last = end.saturating_sub(1);
        if last > bytes.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = line_of(start).saturating_sub(context_lines_before);
        let data_start = if context_lines_before == 0 {
            start
        } else {
            starts[first_line] as usize
        };
        let data_end = if last >= bytes.len() {
            bytes.len()
        } else {
            // A `\r\n` is read as one break, at its `\n`.
            let at = last + usize::from(bytes[last] == b'\r' && bytes.get(last + 1) == Some(&b'\n'));
            if context_lines_after == 0 {
                at + 1
            } else {
                // Through the end of `context_lines_after` lines after the one that
                // holds `at`: the break that ends each, the first after `at` ending the
                // span's own line.
                let next = starts.partition_point(|&s| s as usize <= at + 1);
                starts
                    .get(next.saturating_add(context_lines_after))
                    .map_or(bytes.len(), |&s| s as usize)
            }
        };
        let data_start = data_start.min(data_end);
        // Without context lines, miette reports the span's own position (the one a
        // report's header shows) and counts its column in bytes; count characters, as
        // every other report does.
        let (line, column) = if context_lines_before == 0 {
            let at = self.location(start);
            (at.line - 1, at.column - 1)
        } else {
            (first_line, 0)
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            &bytes[data_start..data_end],
            SourceSpan::new(data_start.into(), data_end - data_start),
            line,
            column,
            line_of(data_end),
        )))
    }
}

/// Every source text of one run, indexed by [`SourceId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    sources: Vec<Arc<Source>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a text and returns it with its new id.
    pub fn add(&mut self, name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Arc<Source> {
        let id = SourceId(self.sources.len() as u32);
        let source = Arc::new(Source::new(id, name.into(), text.into()));
        self.sources.push(source.clone());
        source
    }

    /// Adds a text that diagnostics must not show (see [`Source::is_masked`]): its
    /// snippets are blank, with the lines and positions of the text.
    pub fn add_masked(&mut self, name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Arc<Source> {
        let id = SourceId(self.sources.len() as u32);
        let mut source = Source::new(id, name.into(), text.into());
        let blank: String = source
            .text
            .bytes()
            .map(|b| if b == b'\n' { '\n' } else { ' ' })
            .collect();
        source.shown = Some(blank.into());
        let source = Arc::new(source);
        self.sources.push(source.clone());
        source
    }

    /// The source with this id, if it was added to this map.
    pub fn get(&self, id: SourceId) -> Option<&Arc<Source>> {
        self.sources.get(id.0 as usize)
    }

    /// All sources, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Source>> {
        self.sources.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_columns_from_one() {
        let src = Source::standalone("t", "ab\ncé𝄞x\n");
        assert_eq!(src.location(0).line, 1);
        assert_eq!(src.location(1).column, 2);
        let x = src.text().find('x').unwrap();
        let loc = src.location(x);
        assert_eq!((loc.line, loc.column, loc.column_utf16), (2, 4, 5));
        assert_eq!(src.location(src.text().len()).line, 3);
    }

    #[test]
    fn utf16_positions_turn_back_into_offsets() {
        let src = Source::standalone("t", "ab\ncé𝄞x\r\nz");
        assert_eq!(src.offset_of_utf16(0, 1), Some(1));
        assert_eq!(src.offset_of_utf16(0, 99), Some(2));
        let x = src.text().find('x').unwrap();
        assert_eq!(src.offset_of_utf16(1, 4), Some(x));
        assert_eq!(
            src.offset_of_utf16(1, 3),
            Some(x - 4),
            "inside the surrogate pair"
        );
        assert_eq!(
            src.offset_of_utf16(1, 9),
            Some(x + 2),
            "the \\r belongs to the line"
        );
        assert_eq!(src.offset_of_utf16(2, 0), Some(src.text().len() - 1));
        assert_eq!(src.offset_of_utf16(3, 0), None);
        for offset in [0, 1, 3, 4, x, src.text().len()] {
            let at = src.location(offset);
            assert_eq!(
                src.offset_of_utf16(at.line - 1, at.column_utf16 - 1),
                Some(offset)
            );
        }
    }

    #[test]
    fn a_masked_source_shows_where_but_not_what() {
        let mut sources = SourceMap::new();
        let secret = sources.add_masked("/etc/shadow", "root:secret:1\nuser:pw:2\n");
        assert!(secret.is_masked());
        let contents = secret.read_span(&SourceSpan::new(14.into(), 4), 1, 1).unwrap();
        let shown = std::str::from_utf8(contents.data()).unwrap();
        assert!(!shown.contains("secret") && !shown.contains("user"), "{shown:?}");
        assert!(shown.bytes().all(|b| b == b' ' || b == b'\n'), "{shown:?}");
        assert_eq!(contents.name(), Some("/etc/shadow"));
        assert_eq!(
            secret.text(),
            "root:secret:1\nuser:pw:2\n",
            "evaluation still reads it"
        );
    }

    #[test]
    fn a_snippet_shows_what_a_terminal_acts_on_as_characters_of_its_length() {
        let text = "a\u{1b}[2J\u{85}\u{2028}\u{202e}\r\nb\rc\u{7f}\u{61c}\n\"s3cret\u{7}\"\n";
        let src = Source::standalone("t", text);
        let shown = |src: &Source| {
            let all = SourceSpan::new(0.into(), src.text().len());
            let contents = src.read_span(&all, 0, 0).unwrap();
            String::from_utf8(contents.data().to_vec()).unwrap()
        };
        assert_eq!(shown(&src), "a?[2J¿\u{fffd}\u{fffd}\r\nb?c?¿\n\"s3cret?\"\n");
        assert_eq!(shown(&src).len(), text.len());
        // Starred secrets stay starred, and safe.
        let secret = Source::standalone("t", text);
        let quoted = text.find('"').unwrap();
        secret.redact(&[(quoted, text.len() - 1)]);
        assert_eq!(shown(&secret), "a?[2J¿\u{fffd}\u{fffd}\r\nb?c?¿\n*********\n");
        // A clean text is shown as it is, without a copy.
        let clean = Source::standalone("t", "{:a 1}\r\n");
        assert_eq!(shown(&clean), "{:a 1}\r\n");
        assert_eq!(clean.safe.get(), Some(&None));
    }

    #[test]
    fn offsets_inside_a_character_clamp_to_its_start() {
        let src = Source::standalone("t", "é");
        assert_eq!(src.location(1).column, 1);
    }
}
