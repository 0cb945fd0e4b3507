//! Reading a `.env` file's text into variables, with `dotenvy`'s grammar: `NAME=value`
//! lines, an optional `export ` before the name, `#` comments, single quotes (taken as
//! written), double quotes (with `\n`, `\"`, `\\` and `\$` escapes, and values that span
//! lines), and `$NAME` / `${NAME}` expansion. Later lines win over earlier ones with the
//! same name. A line `dotenvy` cannot read is a [`SyntaxError`] with the byte offset
//! where it stopped, so the error can be labelled in the file.
//!
//! Expansion is `dotenvy`'s: `$NAME` is read from the process environment first, then
//! from earlier lines of the same file (dotenvy has no way to give it another
//! environment; allan2/dotenvy#150).

use std::cell::Cell;
use std::io::Read;
use std::sync::Arc;

use pm2_dsl_reader::Span;

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::value::{Map, Value, ValueKind, map_bytes};

impl Evaluator {
    /// The variables of the `.env` file `path`, named in the file at location `from` by
    /// the form at `at`, as a map of keywords to strings; an empty map when the file does
    /// not exist and it is `optional`. The file is read through the loader (so it is
    /// confined and size-capped like imports), once per run, and recorded as read by
    /// `from`, present or not.
    pub(crate) fn dotenv(
        &mut self,
        from: &str,
        path: &str,
        at: Span,
        optional: bool,
    ) -> Result<Value, EvalError> {
        let location = self.loader.resolve(Some(from), path);
        self.record_read(from, &location);
        if let Some(map) = self.dotenv.get(&location) {
            return Ok(Value::new(ValueKind::Map(map.clone()), Some(at)));
        }
        let text = match self.loader.read(&location) {
            Ok(Some(text)) => text,
            Ok(None) if optional => return Ok(Value::new(ValueKind::Map(Map::new()), Some(at))),
            Ok(None) => {
                let kind = EvalErrorKind::DotenvNotFound {
                    path: path.to_string(),
                    resolved: location,
                };
                return Err(EvalError::new(kind, Some(at)));
            }
            Err(e) => {
                let kind = EvalErrorKind::ImportIo {
                    resolved: location,
                    message: e.to_string(),
                };
                return Err(EvalError::new(kind, Some(at)));
            }
        };
        self.charge(text.len() as u64, at)?;
        let vars = match parse(&text) {
            Ok(vars) => vars,
            Err(e) => return Err(self.dotenv_error(location, text, e, from, at)),
        };
        self.charge(map_bytes(vars.len()), at)?;
        let map: Map = vars
            .into_iter()
            .map(|(name, value)| {
                let key = Value::new(ValueKind::Keyword(pm2_dsl_reader::Symbol::new(name)), Some(at));
                (key, Value::new(ValueKind::Str(Arc::from(value)), Some(at)))
            })
            .collect();
        self.dotenv.insert(location, map.clone());
        Ok(Value::new(ValueKind::Map(map), Some(at)))
    }

    /// The error for a `.env` text that does not parse: labelled in the file (masked: the
    /// snippet shows the lines' places, not their text), with a note at the form that
    /// read it.
    fn dotenv_error(
        &mut self,
        location: String,
        text: String,
        e: SyntaxError,
        from: &str,
        at: Span,
    ) -> EvalError {
        let line_end = text[e.offset..].find('\n').map_or(text.len(), |i| e.offset + i);
        let end = if e.unclosed {
            line_end
        } else {
            text[e.offset..]
                .chars()
                .next()
                .map_or(e.offset, |c| e.offset + c.len_utf8())
        };
        // A .env file holds secrets more often than not: like every file that is not an
        // EDN source, its diagnostics say where, never what.
        let source = self.sources.add_masked(location.clone(), text);
        let kind = EvalErrorKind::DotenvSyntax {
            file: location.clone(),
            unclosed: e.unclosed,
        };
        EvalError::new(kind, Some(source.span(e.offset, end))).with_note(
            at,
            format!("{location} is read from {from}"),
            "read here",
        )
    }
}

/// Where and why a `.env` text could not be read. Its message never quotes the text
/// (the line may hold a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// The byte offset in the text where reading stopped.
    pub offset: usize,
    /// Whether a quoted value runs to the end of the file.
    pub unclosed: bool,
}

/// Feeds the text to `dotenvy` one physical line per `read`, so that the bytes handed
/// out so far end where the logical line `dotenvy` last read ends.
struct LineFeed<'a> {
    text: &'a [u8],
    fed: &'a Cell<usize>,
}

impl Read for LineFeed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let start = self.fed.get();
        let rest = &self.text[start..];
        let line = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let n = line.min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.fed.set(start + n);
        Ok(n)
    }
}

/// The variables of a `.env` text, in order (a name may repeat; the last one counts).
pub(crate) fn parse(text: &str) -> Result<Vec<(String, String)>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fed = Cell::new(0);
    let feed = LineFeed {
        text: text.as_bytes(),
        fed: &fed,
    };
    let mut vars = Vec::new();
    for item in dotenvy::from_read_iter(feed) {
        match item {
            Ok(pair) => vars.push(pair),
            Err(dotenvy::Error::LineParse(line, index)) => {
                return Err(locate(text, fed.get(), &line, index));
            }
            // Reading from memory cannot fail, and nothing reads the environment here
            // but `$NAME` expansion, which treats a missing variable as "".
            Err(_) => {
                return Err(SyntaxError {
                    offset: fed.get(),
                    unclosed: false,
                });
            }
        }
    }
    Ok(vars)
}

/// Where the error `dotenvy` reports as (`line`, `index`) is: `line` is a tail of the
/// last logical line it read (the line, or its value part, cut before a comment), which
/// ends at or before `fed`; `index` counts characters into `line`, except at the end of
/// the file, where it is `line`'s length in bytes and means a quote was never closed.
fn locate(text: &str, fed: usize, line: &str, index: usize) -> SyntaxError {
    let start = text[..fed].rfind(line).unwrap_or(fed.min(text.len()));
    let unclosed = fed == text.len() && index >= line.chars().count();
    let within = if unclosed {
        0
    } else {
        line.char_indices().nth(index).map_or(line.len(), |(at, _)| at)
    };
    SyntaxError {
        offset: start + within,
        unclosed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_quotes_export_comments_and_escapes() {
        let text = "# a comment\n\nexport A=1\nB='single $NOT \\n'\nC=\"dou\\\"ble\\nline\"\nD=plain # trailing\nE=\nF=\"multi\nline\"\n";
        assert_eq!(
            vars(text),
            pairs(&[
                ("A", "1"),
                ("B", "single $NOT \\n"),
                ("C", "dou\"ble\nline"),
                ("D", "plain"),
                ("E", ""),
                ("F", "multi\nline"),
            ])
        );
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_read() {
        assert_eq!(vars("\u{feff}A=1\r\nB=2\r\n"), pairs(&[("A", "1"), ("B", "2")]));
    }

    #[test]
    fn earlier_lines_expand() {
        let text = "PM2_CLJ_DOTENV_TEST_USER=app\nURL=\"pg://${PM2_CLJ_DOTENV_TEST_USER}@db\"\n";
        assert_eq!(vars(text)[1].1, "pg://app@db");
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let text = "A=1\n# note\nB=two words\nC=3\n";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.offset..e.offset + 5], "words");
        assert!(!e.unclosed);

        let text = "A=1\n  1BAD=2\n";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.offset..e.offset + 4], "1BAD");

        let text = "A=1\nNAME value\n";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.offset..], "value\n", "where the = should be");

        let text = "A=é\nB=\"x\" y # c\n";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.offset..e.offset + 1], "y");
    }

    #[test]
    fn an_unclosed_quote_points_at_its_line() {
        let text = "A=1\nB=\"never\nclosed\n";
        let e = parse(text).unwrap_err();
        assert!(e.unclosed);
        assert_eq!(&text[e.offset..e.offset + 3], "B=\"");
    }
}
