//! Reading a `.env` file's text into variables, with `dotenvy`'s grammar: `NAME=value`
//! lines, an optional `export ` before the name, `#` comments, single quotes (taken as
//! written), double quotes (with `\n`, `\"`, `\\` and `\$` escapes, and values that span
//! lines), and `$NAME` / `${NAME}` expansion in unquoted and double-quoted values. Later
//! lines win over earlier ones with the same name. A line `dotenvy` cannot read is a
//! [`SyntaxError`] with the byte offset where it stopped, so the error can be labelled in
//! the file.
//!
//! Expansion is ours, not `dotenvy`'s: `dotenvy` reads `$NAME` from the process
//! environment first, and has no way to be given another one (allan2/dotenvy#150, still
//! open, and 0.15.7 is its latest release), while the evaluator reads only the
//! environment its embedder gives it. So `dotenvy` reads a copy of the text with a mark
//! after each `$`, which makes every expansion it does empty and tells us where it saw
//! one, and we expand there: `$NAME` (ASCII letters, digits and `_`) or `${NAME}` is the
//! value of the last earlier line of the same file that sets NAME, else NAME in the
//! evaluator's environment (the one `#env` reads), else "". A `$` followed by neither
//! is kept as written, and so are `'$NAME'` and `\$NAME`. A `${` without its `}` is a
//! syntax error, and so is a NUL character (the mark; no environment variable can hold
//! one).

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use pm2_dsl_reader::Span;

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::options::Env;
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
        let hidden = Arc::new(crate::value::Hidden::Dotenv(Arc::from(location.as_str())));
        if let Some(map) = self.dotenv.get(&location) {
            return Ok(Value::new(ValueKind::Map(map.clone()), Some(at)).into_hidden(&hidden));
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
                let kind = EvalErrorKind::io(location, &e);
                return Err(EvalError::new(kind, Some(at)));
            }
        };
        self.charge(text.len() as u64, at)?;
        let vars = match parse(&text, &self.options.env, self.bytes_left()) {
            Ok(vars) => vars,
            Err(Stop::TooBig) => return Err(self.out_of_bytes(at)),
            Err(Stop::Syntax(e)) => return Err(self.dotenv_error(location, text, e, from, at)),
        };
        self.charge(vars.expanded + map_bytes(vars.list.len()), at)?;
        let map: Map = vars
            .list
            .into_iter()
            .map(|(name, value)| {
                let key = Value::new(ValueKind::Keyword(pm2_dsl_reader::Symbol::new(name)), Some(at));
                (key, Value::new(ValueKind::Str(Arc::from(value)), Some(at)))
            })
            .collect();
        self.dotenv.insert(location, map.clone());
        Ok(Value::new(ValueKind::Map(map), Some(at)).into_hidden(&hidden))
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

/// Why a `.env` text gave no variables.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The text is not a `.env` file.
    Syntax(SyntaxError),
    /// Expansion would add more bytes than the budget.
    TooBig,
}

/// The variables of a `.env` text.
#[derive(Debug)]
pub(crate) struct Vars {
    /// The variables in order (a name may repeat; the last one counts).
    pub list: Vec<(String, String)>,
    /// How many bytes expansion added to the values.
    pub expanded: u64,
}

/// What follows each `$` in the text `dotenvy` reads: `MARK`, the `$`'s number, `MARK`.
/// After a `$` it ends an empty name, so `dotenvy` expands it to "" (its lookups of the
/// empty name find nothing: no variable can have it, and `getenv` returns nothing for
/// it); elsewhere it is plain text, kept as written.
const MARK: char = '\0';

/// The text `dotenvy` reads: a `.env` text with a mark after every `$`.
struct Marked {
    text: String,
    /// Each `$`, by number.
    dollars: Vec<Dollar>,
}

struct Dollar {
    /// Its offset in the `.env` text.
    at: usize,
    /// Where its mark is in the marked text.
    mark: Range<usize>,
}

impl Marked {
    fn new(text: &str) -> Marked {
        let mut marked = String::with_capacity(text.len());
        let mut dollars = Vec::new();
        let mut copied = 0;
        for (at, _) in text.match_indices('$') {
            marked.push_str(&text[copied..=at]);
            let start = marked.len();
            marked.push(MARK);
            marked.push_str(&dollars.len().to_string());
            marked.push(MARK);
            dollars.push(Dollar {
                at,
                mark: start..marked.len(),
            });
            copied = at + 1;
        }
        marked.push_str(&text[copied..]);
        Marked {
            text: marked,
            dollars,
        }
    }

    /// The offset in the `.env` text of `offset` in the marked text (one inside a mark is
    /// just after its `$`).
    fn original(&self, offset: usize) -> usize {
        let mut shift = 0;
        for dollar in &self.dollars {
            if offset < dollar.mark.start {
                break;
            }
            if offset < dollar.mark.end {
                return dollar.at + 1;
            }
            shift += dollar.mark.len();
        }
        offset - shift
    }

    /// The number of the `$` whose mark starts `text`, and the text after the mark.
    fn mark<'t>(&self, text: &'t str) -> Option<(&Dollar, &'t str)> {
        let (number, after) = text.strip_prefix(MARK)?.split_once(MARK)?;
        Some((self.dollars.get(number.parse::<usize>().ok()?)?, after))
    }
}

/// The variables of a `.env` text, with `$NAME` and `${NAME}` expanded from earlier
/// lines, else from `env`, adding at most `budget` bytes.
pub(crate) fn parse(text: &str, env: &Env, budget: u64) -> Result<Vars, Stop> {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let syntax = |offset: usize, unclosed: bool| {
        Stop::Syntax(SyntaxError {
            offset: bom + offset,
            unclosed,
        })
    };
    let text = &text[bom..];
    if let Some(at) = text.find(MARK) {
        return Err(syntax(at, false));
    }
    let marked = Marked::new(text);
    let fed = Cell::new(0);
    let feed = LineFeed {
        text: marked.text.as_bytes(),
        fed: &fed,
    };
    let mut vars = Vars {
        list: Vec::new(),
        expanded: 0,
    };
    // The place in `vars.list` of the last line that set each name.
    let mut earlier: HashMap<String, usize> = HashMap::new();
    for item in dotenvy::from_read_iter(feed) {
        match item {
            Ok((name, value)) => {
                let lookup = |name: &str| {
                    earlier
                        .get(name)
                        .map(|&i| vars.list[i].1.as_str())
                        .or_else(|| env.get(name))
                };
                let value = match expand(&value, &marked, lookup, budget - vars.expanded) {
                    Ok((value, added)) => {
                        vars.expanded += added;
                        value
                    }
                    Err(Expansion::TooBig) => return Err(Stop::TooBig),
                    Err(Expansion::Unclosed(at)) => return Err(syntax(at, false)),
                    // Marks come through `dotenvy` whole (see `MARK`); this is not reached.
                    Err(Expansion::Marks) => return Err(syntax(marked.original(fed.get()), false)),
                };
                earlier.insert(name.clone(), vars.list.len());
                vars.list.push((name, value));
            }
            Err(dotenvy::Error::LineParse(line, index)) => {
                let e = locate(&marked.text, fed.get(), &line, index);
                return Err(syntax(marked.original(e.offset), e.unclosed));
            }
            // Reading from memory cannot fail, and the other errors are about loading
            // into the process environment, which nothing here does.
            Err(_) => return Err(syntax(marked.original(fed.get()), false)),
        }
    }
    Ok(vars)
}

/// Why a value could not be expanded.
enum Expansion {
    /// It would add more bytes than the budget.
    TooBig,
    /// The `${` at this offset of the `.env` text has no `}`.
    Unclosed(usize),
    /// A mark did not come through `dotenvy` whole.
    Marks,
}

/// The value `dotenvy` read from the marked text, expanded: a `$` with its mark is one
/// `dotenvy` kept as written (quoted or escaped); a mark without its `$` is where
/// `dotenvy` expanded a name, to "". Also how many bytes expansion added, at most
/// `budget`.
fn expand<'a>(
    value: &str,
    marked: &Marked,
    lookup: impl Fn(&str) -> Option<&'a str>,
    budget: u64,
) -> Result<(String, u64), Expansion> {
    let mut out = String::with_capacity(value.len());
    let mut added = 0u64;
    let mut rest = value;
    while let Some(i) = rest.find(['$', MARK]) {
        out.push_str(&rest[..i]);
        let kept = rest[i..].starts_with('$');
        let (dollar, after) = marked
            .mark(&rest[i + usize::from(kept)..])
            .ok_or(Expansion::Marks)?;
        rest = after;
        let name = if kept {
            None
        } else if let Some(braced) = rest.strip_prefix('{') {
            let end = braced
                .find(['}', MARK])
                .filter(|&end| braced[end..].starts_with('}'));
            let end = end.ok_or(Expansion::Unclosed(dollar.at))?;
            rest = &braced[end + 1..];
            Some(&braced[..end])
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let (name, after) = rest.split_at(end);
            rest = after;
            Some(name).filter(|name| !name.is_empty())
        };
        match name {
            Some(name) => {
                let value = lookup(name).unwrap_or("");
                added += value.len() as u64;
                if added > budget {
                    return Err(Expansion::TooBig);
                }
                out.push_str(value);
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
    Ok((out, added))
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

    fn vars_in(text: &str, env: &Env) -> Vec<(String, String)> {
        parse(text, env, u64::MAX).unwrap().list
    }

    fn vars(text: &str) -> Vec<(String, String)> {
        vars_in(text, &Env::empty())
    }

    fn value_in(text: &str, env: &Env, name: &str) -> String {
        let list = vars_in(text, env);
        let (_, value) = list.iter().rev().find(|(n, _)| n == name).unwrap();
        value.clone()
    }

    fn syntax_error(text: &str) -> SyntaxError {
        match parse(text, &Env::empty(), u64::MAX) {
            Err(Stop::Syntax(e)) => e,
            other => panic!("{text:?} gave {other:?}"),
        }
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
        let text = "USER=app\nURL=\"pg://${USER}@db\"\nHOME=/srv/$USER\n";
        let env = Env::empty().with("USER", "from-env");
        assert_eq!(
            vars_in(text, &env),
            pairs(&[("USER", "app"), ("URL", "pg://app@db"), ("HOME", "/srv/app")])
        );
    }

    #[test]
    fn the_last_earlier_line_counts_and_later_lines_do_not() {
        let text = "B=[$A]\nA=1\nC=$A\nA=2\nD=${A}\nE=\nF=x${E}y\n";
        assert_eq!(
            vars(text),
            pairs(&[
                ("B", "[]"),
                ("A", "1"),
                ("C", "1"),
                ("A", "2"),
                ("D", "2"),
                ("E", ""),
                ("F", "xy"),
            ])
        );
    }

    #[test]
    fn the_given_environment_fills_in_what_earlier_lines_do_not_set() {
        let env = Env::empty().with("A", "given").with("PATH", "/bin");
        assert_eq!(value_in("B=${A}-x\n", &env, "B"), "given-x");
        assert_eq!(value_in("PATH=$PATH:/opt/bin\n", &env, "PATH"), "/bin:/opt/bin");
        assert_eq!(value_in("B=\"$A\"\n", &env, "B"), "given");
    }

    /// The process environment is not the evaluator's: PATH and HOME are set in every
    /// test process, and `dotenvy` alone would read them.
    #[test]
    fn the_process_environment_is_never_read() {
        assert!(std::env::var_os("PATH").is_some() && std::env::var_os("HOME").is_some());
        assert_eq!(vars("B=${PATH}-x\nC=$HOME\n"), pairs(&[("B", "-x"), ("C", "")]));
        let env = Env::empty().with("HOME", "/given");
        assert_eq!(value_in("C=$HOME\n", &env, "C"), "/given");
    }

    #[test]
    fn names_are_letters_digits_and_underscores_or_anything_in_braces() {
        let env = Env::empty()
            .with("A", "a")
            .with("A_B", "ab")
            .with("A.B", "dotted");
        assert_eq!(value_in("X=$A_B\n", &env, "X"), "ab");
        assert_eq!(value_in("X=$A.B\n", &env, "X"), "a.B");
        assert_eq!(value_in("X=${A.B}\n", &env, "X"), "dotted");
        assert_eq!(value_in("X=$A$A{x}\n", &env, "X"), "aa{x}");
    }

    #[test]
    fn quoted_escaped_and_nameless_dollars_are_kept() {
        let env = Env::empty().with("A", "a");
        let text = "Q='$A ${A}'\nE=\\$A\nD=\"\\$A $A\"\nP=price$\nS=\"$ 5 $-\"\nT=\"'$A'\"\n";
        assert_eq!(
            vars_in(text, &env),
            pairs(&[
                ("Q", "$A ${A}"),
                ("E", "$A"),
                ("D", "$A a"),
                ("P", "price$"),
                ("S", "$ 5 $-"),
                ("T", "'a'"),
            ])
        );
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let text = "A=1\n# note\nB=two words\nC=3\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..e.offset + 5], "words");
        assert!(!e.unclosed);

        let text = "A=1\n  1BAD=2\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..e.offset + 4], "1BAD");

        let text = "A=1\nNAME value\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..], "value\n", "where the = should be");

        let text = "A=é\nB=\"x\" y # c\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..e.offset + 1], "y");
    }

    #[test]
    fn errors_after_dollars_and_a_byte_order_mark_point_into_the_text_as_written() {
        let text = "A=$B$C\nD=\"${A}\" x$y\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..], "x$y\n");

        let text = "\u{feff}A=1\nB=é é\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..], "é\n");

        let text = "A=x $y\n";
        let e = syntax_error(text);
        assert_eq!(&text[e.offset..], "$y\n");
    }

    #[test]
    fn an_unclosed_quote_points_at_its_line() {
        let text = "A=1\nB=\"never\nclosed\n";
        let e = syntax_error(text);
        assert!(e.unclosed);
        assert_eq!(&text[e.offset..e.offset + 3], "B=\"");

        let text = "A=$A\nB=\"$A\nclosed\n";
        let e = syntax_error(text);
        assert!(e.unclosed);
        assert_eq!(&text[e.offset..e.offset + 3], "B=\"");
    }

    #[test]
    fn an_unclosed_brace_points_at_its_dollar() {
        for text in ["A=1\nB=x${A\n", "A=1\nB=\"x${A\"\n", "A=1\nB=x${A$B}\n"] {
            let e = syntax_error(text);
            assert_eq!(Some(e.offset), text.find("${"), "{text:?}");
            assert!(!e.unclosed, "{text:?}");
        }
    }

    #[test]
    fn a_nul_character_is_an_error_where_it_is() {
        let text = "A=1\nB=x\0y\n";
        let e = syntax_error(text);
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn expansion_stops_at_the_budget() {
        let mut text = String::from("X0=0123456789\n");
        for i in 1..=30 {
            text.push_str(&format!("X{i}=$X{}${{X{}}}\n", i - 1, i - 1));
        }
        let added = (1..=10).map(|i| 10u64 << i).sum::<u64>();
        let ten = text.lines().take(11).collect::<Vec<_>>().join("\n");
        let vars = parse(&ten, &Env::empty(), added).unwrap();
        assert_eq!(vars.expanded, added);
        assert_eq!(vars.list[10].1.len(), 10 << 10);
        assert_eq!(parse(&ten, &Env::empty(), added - 1).unwrap_err(), Stop::TooBig);
        assert_eq!(parse(&text, &Env::empty(), 1 << 20).unwrap_err(), Stop::TooBig);
    }
}
