//! The form parser: dispatch on the first character of each form, collections with their
//! delimiters, prefixes (`'`, `^`, `#_`, `#tag`, `#:ns`) and the depth limit. Token-level
//! work is in [`crate::lex`].

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::FixedState;

use crate::error::{Delim, NameProblem, Prefix, ReadError, ReadErrorKind, Unsupported, read_error};
use crate::form::{Form, FormKind, Symbol, Tagged, duplicates};
use crate::lex;
use crate::number::Number;
use crate::sink::{Sink, SyntaxKind};
use crate::source::{Source, Span};

/// Reader settings.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// The deepest nesting accepted; deeper input is a [`ReadErrorKind::TooDeep`] error.
    /// Collections, quotes, tags, metadata and discards each count as one level.
    pub max_depth: u32,
    /// The most forms a text may hold (discarded ones included); more is a
    /// [`ReadErrorKind::TooManyForms`] error. Reading takes up to three [`Form`]s of memory
    /// per form (48 bytes each), so this bounds the reader's memory (default: no bound
    /// beyond the text's 4 GiB).
    pub max_forms: u64,
}

impl ReadOptions {
    /// The options for reading within `bytes` of memory: as many forms as that holds,
    /// at three [`Form`]s each.
    pub fn within_bytes(bytes: u64) -> ReadOptions {
        ReadOptions {
            max_forms: bytes / (3 * std::mem::size_of::<Form>() as u64),
            ..ReadOptions::default()
        }
    }
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            max_depth: 128,
            max_forms: u64::MAX,
        }
    }
}

/// A failure inside the parser: the kind with byte offsets into the text.
#[derive(Clone, Copy, Debug)]
struct FailInfo {
    kind: ReadErrorKind,
    start: usize,
    end: usize,
    related: Option<(usize, usize)>,
}

/// The most errors read past before the next one stops reading: a report of a hundred
/// is enough to act on, and a text of a million bad tokens stays quick to refuse.
const MAX_READ_PAST: usize = 100;

/// Failures are boxed: they are rare, and a small `Err` keeps every `Ok` cheap to move.
type Fail = Box<FailInfo>;

type Parsed<'a, T> = Result<(&'a str, T), Fail>;

/// Reads every form of `source`; the error is the first in the text.
pub fn read_all(source: &Arc<Source>) -> Result<Vec<Form>, ReadError> {
    read_all_with(source, ReadOptions::default())
}

/// Reads every form of `source` with explicit options; the error is the first in the
/// text.
pub fn read_all_with(source: &Arc<Source>, options: ReadOptions) -> Result<Vec<Form>, ReadError> {
    read_all_collecting(source, options).map_err(|errors| errors.into_iter().next().expect("at least one"))
}

/// Reads every form of `source`, reading on past each error that leaves the structure
/// whole, to report them all: a bad number, symbol, keyword, character, escape or
/// `#uuid`/`#inst` literal; a duplicate key or set element; a key without a value; bad
/// metadata. The errors (never none) come in text order, and end at the first that
/// cannot be read past (a delimiter unclosed, mismatched or unexpected, a string never
/// closed, a limit).
pub fn read_all_collecting(source: &Arc<Source>, options: ReadOptions) -> Result<Vec<Form>, Vec<ReadError>> {
    parse(source, options, &mut NoSink)
}

/// Whether `:text` reads back as the keyword `text` (so a map key named `text` can be
/// written as a keyword rather than a string).
///
/// ```
/// assert!(pm2_dsl_reader::is_keyword_name("max-restarts"));
/// assert!(!pm2_dsl_reader::is_keyword_name("my var"));
/// ```
pub fn is_keyword_name(text: &str) -> bool {
    !text.is_empty()
        && read_all(&Source::standalone("key", format!(":{text}")))
            .ok()
            .filter(|forms| forms.len() == 1)
            .and_then(|forms| forms[0].as_keyword().map(|k| k.as_str() == text))
            .unwrap_or(false)
}

/// The sink of a plain read: no tree is kept.
struct NoSink;

impl Sink for NoSink {}

/// Reads every form of `source`, reporting tokens and nodes to `sink`.
pub(crate) fn parse<S: Sink>(
    source: &Arc<Source>,
    options: ReadOptions,
    sink: &mut S,
) -> Result<Vec<Form>, Vec<ReadError>> {
    let forms = parse_forms(source, options, sink);
    crate::redact::redact(source, forms.as_deref().ok());
    forms
}

fn parse_forms<S: Sink>(
    source: &Arc<Source>,
    options: ReadOptions,
    sink: &mut S,
) -> Result<Vec<Form>, Vec<ReadError>> {
    let text = source.text();
    let error = |f: FailInfo| {
        read_error(
            f.kind,
            source.span(f.start, f.end),
            f.related.map(|(s, e)| source.span(s, e)),
            source.clone(),
        )
    };
    if text.len() > u32::MAX as usize {
        return Err(vec![error(FailInfo {
            kind: ReadErrorKind::TooLarge,
            start: 0,
            end: 0,
            related: None,
        })]);
    }
    let mut parser = Parser {
        text,
        source: source.as_ref(),
        depth: 0,
        max_depth: options.max_depth,
        forms: 0,
        max_forms: options.max_forms,
        scratch: Vec::new(),
        names: HashMap::default(),
        sink,
        read_past: Vec::new(),
    };
    let result = parser.forms();
    let mut errors = parser.read_past;
    match result {
        Ok(forms) if errors.is_empty() => return Ok(forms),
        Ok(_) => {}
        Err(fatal) => errors.push(*fatal),
    }
    errors.sort_by_key(|f| (f.start, f.end));
    Err(errors.into_iter().map(error).collect())
}

struct Parser<'a, 's, S> {
    text: &'a str,
    source: &'a Source,
    depth: u32,
    max_depth: u32,
    /// Forms read so far, and the most allowed.
    forms: u64,
    max_forms: u64,
    /// Elements of the collections being read, innermost last; each collection takes its
    /// own elements off the end when it closes, so it is allocated once at its exact size.
    scratch: Vec<Form>,
    /// Symbols and keywords already read (keyed by their token, `:` included), so that a
    /// repeated name is validated and allocated once.
    names: HashMap<&'a str, Symbol, FixedState>,
    sink: &'s mut S,
    /// The errors read past so far ([`read_all_collecting`]).
    read_past: Vec<FailInfo>,
}

impl<'a, S: Sink> Parser<'a, '_, S> {
    fn offset(&self, rest: &str) -> usize {
        self.text.len() - rest.len()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        self.source.span(start, end)
    }

    /// Records an error that leaves the structure whole, to read on; the one after
    /// [`MAX_READ_PAST`] stops reading.
    fn read_past(&mut self, kind: ReadErrorKind, start: usize, end: usize) -> Result<(), Fail> {
        self.read_past_info(FailInfo {
            kind,
            start,
            end,
            related: None,
        })
    }

    fn read_past_info(&mut self, info: FailInfo) -> Result<(), Fail> {
        // Nested metadata on one bad target finds the same error at each level.
        if self
            .read_past
            .last()
            .is_some_and(|last| (last.kind, last.start, last.end) == (info.kind, info.start, info.end))
        {
            return Ok(());
        }
        if self.read_past.len() >= MAX_READ_PAST {
            return self.fail(ReadErrorKind::TooManyErrors(MAX_READ_PAST), info.start, info.end);
        }
        self.read_past.push(info);
        Ok(())
    }

    /// Whether one of the errors read past since there were `before` lies in `span`: a
    /// form that holds a stand-in is no duplicate of anything, and checks of it (a
    /// literal's shape, what metadata applies to) would only echo that error.
    fn holds_error(&self, before: usize, span: Span) -> bool {
        self.read_past[before..]
            .iter()
            .any(|e| e.start >= span.start as usize && e.end <= span.end as usize)
    }

    /// What stands for a token that is in error: its text, as a string.
    fn stand_in(&self, start: usize, end: usize) -> Form {
        Form::new(FormKind::Str(self.text[start..end].into()), self.span(start, end))
    }

    fn fail<T>(&self, kind: ReadErrorKind, start: usize, end: usize) -> Result<T, Fail> {
        Err(Box::new(FailInfo {
            kind,
            start,
            end,
            related: None,
        }))
    }

    fn forms(&mut self) -> Result<Vec<Form>, Fail> {
        let mut rest = self.text.strip_prefix('\u{feff}').unwrap_or(self.text);
        let mut forms = Vec::new();
        loop {
            rest = self.trivia(rest)?;
            let Some(c) = rest.chars().next() else {
                return Ok(forms);
            };
            if matches!(c, ')' | ']' | '}') {
                let at = self.offset(rest);
                return self.fail(ReadErrorKind::UnexpectedCloser(c), at, at + 1);
            }
            let (r, form) = self.form(rest)?;
            forms.push(form);
            rest = r;
        }
    }

    /// Skips whitespace, commas, comments and discarded forms.
    fn trivia(&mut self, mut rest: &'a str) -> Result<&'a str, Fail> {
        loop {
            rest = lex::skip_space(rest);
            if let Some(r) = rest.strip_prefix(';').or_else(|| rest.strip_prefix("#!")) {
                let start = self.offset(rest);
                rest = lex::skip_line(r);
                let end = self.offset(rest);
                self.sink.token(SyntaxKind::Comment, start, end);
            } else if let Some(r) = rest.strip_prefix("#_") {
                let start = self.offset(rest);
                self.sink.open(SyntaxKind::Discard, start);
                self.sink.token(SyntaxKind::Prefix, start, start + 2);
                self.enter(start, start + 2)?;
                let (r, _) = self.required_form(r, Prefix::Discard, start, start + 2)?;
                self.depth -= 1;
                rest = r;
                self.sink.close(self.offset(rest));
            } else {
                return Ok(rest);
            }
        }
    }

    fn enter(&mut self, start: usize, end: usize) -> Result<(), Fail> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return self.fail(ReadErrorKind::TooDeep(self.max_depth), start, end);
        }
        Ok(())
    }

    /// Reads the form that a prefix (spanning `start..end`) applies to.
    fn required_form(&mut self, rest: &'a str, prefix: Prefix, start: usize, end: usize) -> Parsed<'a, Form> {
        let rest = self.trivia(rest)?;
        match rest.chars().next() {
            None | Some(')' | ']' | '}') => self.fail(ReadErrorKind::MissingForm(prefix), start, end),
            Some(_) => self.form(rest),
        }
    }

    /// Reads one form; `rest` starts at its first character (not trivia, not a closer).
    fn form(&mut self, rest: &'a str) -> Parsed<'a, Form> {
        let start = self.offset(rest);
        self.forms += 1;
        if self.forms > self.max_forms {
            let end = start + rest.chars().next().map_or(0, char::len_utf8);
            return self.fail(ReadErrorKind::TooManyForms(self.max_forms), start, end);
        }
        let bytes = rest.as_bytes();
        match bytes[0] {
            b'(' => self.sequence(&rest[1..], Delim::List, start, 1),
            b'[' => self.sequence(&rest[1..], Delim::Vector, start, 1),
            b'{' => self.map(&rest[1..], start, 1),
            b'"' => self.string(&rest[1..], start),
            b'#' => self.dispatch(rest, start),
            b'\'' => self.quote(&rest[1..], start),
            b'^' => self.metadata(&rest[1..], start),
            b'\\' => self.character(&rest[1..], start),
            b'`' => self.fail(
                ReadErrorKind::Unsupported(Unsupported::SyntaxQuote),
                start,
                start + 1,
            ),
            b'~' if bytes.get(1) == Some(&b'@') => self.fail(
                ReadErrorKind::Unsupported(Unsupported::UnquoteSplicing),
                start,
                start + 2,
            ),
            b'~' => self.fail(ReadErrorKind::Unsupported(Unsupported::Unquote), start, start + 1),
            b'@' => self.fail(ReadErrorKind::Unsupported(Unsupported::Deref), start, start + 1),
            _ => self.atom(rest, start),
        }
    }

    fn atom(&mut self, rest: &'a str, start: usize) -> Parsed<'a, Form> {
        let (after, tok) = lex::token(rest);
        let end = start + tok.len();
        self.sink.token(SyntaxKind::Atom, start, end);
        let kind = if lex::starts_like_number(tok) {
            lex::number(tok)
        } else {
            match tok {
                "nil" => Ok(FormKind::Nil),
                "true" => Ok(FormKind::Bool(true)),
                "false" => Ok(FormKind::Bool(false)),
                _ => {
                    let keyword = tok.starts_with(':');
                    match self.name(tok) {
                        Ok(name) if keyword => Ok(FormKind::Keyword(name)),
                        Ok(name) => Ok(FormKind::Symbol(name)),
                        Err(p) if keyword => Err(ReadErrorKind::BadKeyword(p)),
                        Err(p) => Err(ReadErrorKind::BadSymbol(p)),
                    }
                }
            }
        };
        match kind {
            Ok(kind) => Ok((after, Form::new(kind, self.span(start, end)))),
            Err(kind) => {
                self.read_past(kind, start, end)?;
                Ok((after, self.stand_in(start, end)))
            }
        }
    }

    /// The symbol of a symbol or keyword token, validated and interned.
    fn name(&mut self, tok: &'a str) -> Result<Symbol, NameProblem> {
        if let Some(name) = self.names.get(tok) {
            return Ok(name.clone());
        }
        let (text, keyword) = match tok.strip_prefix(':') {
            Some(text) => (text, true),
            None => (tok, false),
        };
        lex::check_name(text, keyword)?;
        let name = Symbol::new(text);
        self.names.insert(tok, name.clone());
        Ok(name)
    }

    fn string(&mut self, body: &'a str, start: usize) -> Parsed<'a, Form> {
        let body_start = start + 1;
        match lex::string_body(body) {
            Ok((after, value)) => {
                let text: Arc<str> = match value {
                    lex::StrValue::Borrowed(s) => s.into(),
                    lex::StrValue::Owned(s) => s.into(),
                };
                let end = self.offset(after);
                self.sink.token(SyntaxKind::Str, start, end);
                Ok((after, Form::new(FormKind::Str(text), self.span(start, end))))
            }
            Err((ReadErrorKind::UnterminatedString, _, _)) => {
                self.fail(ReadErrorKind::UnterminatedString, start, start + 1)
            }
            Err((kind, s, e)) => {
                let Some(close) = lex::string_end(body) else {
                    return self.fail(ReadErrorKind::UnterminatedString, start, start + 1);
                };
                self.read_past(kind, body_start + s, body_start + e)?;
                let end = body_start + close + 1;
                self.sink.token(SyntaxKind::Str, start, end);
                Ok((&body[close + 1..], self.stand_in(start, end)))
            }
        }
    }

    fn character(&mut self, after_backslash: &'a str, start: usize) -> Parsed<'a, Form> {
        match after_backslash.chars().next() {
            None => return self.fail(ReadErrorKind::BadCharacter, start, start + 1),
            Some(c) if c.is_whitespace() => {
                return self.fail(ReadErrorKind::BadCharacter, start, start + 1 + c.len_utf8());
            }
            Some(_) => {}
        }
        let (after, tok) = lex::token(after_backslash);
        let end = start + 1 + tok.len();
        self.sink.token(SyntaxKind::Char, start, end);
        match lex::character(tok) {
            Ok(c) => Ok((after, Form::new(FormKind::Char(c), self.span(start, end)))),
            Err(kind) => {
                self.read_past(kind, start, end)?;
                Ok((after, self.stand_in(start, end)))
            }
        }
    }

    fn sequence(&mut self, rest: &'a str, delim: Delim, start: usize, open_len: usize) -> Parsed<'a, Form> {
        self.sink.open(
            match delim {
                Delim::List => SyntaxKind::List,
                Delim::Vector => SyntaxKind::Vector,
                Delim::Map => SyntaxKind::Map,
                Delim::Set => SyntaxKind::Set,
            },
            start,
        );
        self.sink.token(SyntaxKind::Open, start, start + open_len);
        self.enter(start, start + open_len)?;
        let errors = self.read_past.len();
        let (after, first) = self.items(rest, delim, start, open_len)?;
        self.depth -= 1;
        let items: Box<[Form]> = self.scratch.drain(first..).collect();
        let span = self.span(start, self.offset(after));
        let kind = match delim {
            Delim::List => FormKind::List(items),
            Delim::Vector => FormKind::Vector(items),
            Delim::Set => {
                for (first, again) in duplicates(&items, |f| f) {
                    if self.holds_error(errors, items[first].span)
                        || self.holds_error(errors, items[again].span)
                    {
                        continue;
                    }
                    self.read_past_info(duplicate(
                        ReadErrorKind::DuplicateSetElement,
                        items[first].span,
                        items[again].span,
                    ))?;
                }
                FormKind::Set(items)
            }
            Delim::Map => unreachable!("maps are read by Parser::map"),
        };
        Ok((after, Form::new(kind, span)))
    }

    /// Reads forms up to the closing delimiter onto the scratch stack; returns the rest
    /// after the delimiter and where the collection's elements start on the stack.
    fn items(&mut self, mut rest: &'a str, delim: Delim, start: usize, open_len: usize) -> Parsed<'a, usize> {
        let first = self.scratch.len();
        loop {
            rest = self.trivia(rest)?;
            match rest.as_bytes().first() {
                None => {
                    let end = self.text.trim_end().len();
                    return Err(Box::new(FailInfo {
                        kind: ReadErrorKind::UnclosedDelimiter(delim),
                        start: end,
                        end,
                        related: Some((start, start + open_len)),
                    }));
                }
                Some(&b @ (b')' | b']' | b'}')) => {
                    let found = b as char;
                    if found == delim.close() {
                        let at = self.offset(rest);
                        self.sink.token(SyntaxKind::Close, at, at + 1);
                        self.sink.close(at + 1);
                        return Ok((&rest[1..], first));
                    }
                    let at = self.offset(rest);
                    return Err(Box::new(FailInfo {
                        kind: ReadErrorKind::MismatchedDelimiter { open: delim, found },
                        start: at,
                        end: at + 1,
                        related: Some((start, start + open_len)),
                    }));
                }
                Some(_) => {
                    let (r, form) = self.form(rest)?;
                    self.scratch.push(form);
                    rest = r;
                }
            }
        }
    }

    fn map(&mut self, rest: &'a str, start: usize, open_len: usize) -> Parsed<'a, Form> {
        self.sink.open(SyntaxKind::Map, start);
        self.sink.token(SyntaxKind::Open, start, start + open_len);
        self.enter(start, start + open_len)?;
        let errors = self.read_past.len();
        let (after, first) = self.items(rest, Delim::Map, start, open_len)?;
        self.depth -= 1;
        let entries = self.pairs(first, errors, |k| k)?;
        Ok((
            after,
            Form::new(FormKind::Map(entries), self.span(start, self.offset(after))),
        ))
    }

    /// Takes the map elements from `first` on off the scratch stack as key/value pairs,
    /// passing each key through `key` first; `errors` is how many errors had been read
    /// past before the elements were read.
    fn pairs(
        &mut self,
        first: usize,
        errors: usize,
        key: impl Fn(Form) -> Form,
    ) -> Result<Box<[(Form, Form)]>, Fail> {
        if (self.scratch.len() - first) % 2 == 1 {
            let key = self.scratch.pop().expect("an odd count").span;
            self.read_past(ReadErrorKind::OddMap, key.start as usize, key.end as usize)?;
        }
        let mut entries = Vec::with_capacity((self.scratch.len() - first) / 2);
        let mut iter = self.scratch.drain(first..);
        while let (Some(k), Some(v)) = (iter.next(), iter.next()) {
            entries.push((key(k), v));
        }
        drop(iter);
        for (first, again) in duplicates(&entries, |(k, _)| k) {
            let (a, b) = (entries[first].0.span, entries[again].0.span);
            if self.holds_error(errors, a) || self.holds_error(errors, b) {
                continue;
            }
            self.read_past_info(duplicate(
                ReadErrorKind::DuplicateKey,
                entries[first].0.span,
                entries[again].0.span,
            ))?;
        }
        Ok(entries.into_boxed_slice())
    }

    fn quote(&mut self, rest: &'a str, start: usize) -> Parsed<'a, Form> {
        self.sink.open(SyntaxKind::Quote, start);
        self.sink.token(SyntaxKind::Prefix, start, start + 1);
        self.enter(start, start + 1)?;
        let (after, quoted) = self.required_form(rest, Prefix::Quote, start, start + 1)?;
        self.depth -= 1;
        self.sink.close(self.offset(after));
        let quote = Form::new(
            FormKind::Symbol(Symbol::new("quote")),
            self.span(start, start + 1),
        );
        let span = self.span(start, quoted.span.end as usize);
        Ok((after, Form::new(FormKind::List(Box::new([quote, quoted])), span)))
    }

    fn metadata(&mut self, rest: &'a str, start: usize) -> Parsed<'a, Form> {
        self.sink.open(SyntaxKind::Meta, start);
        self.sink.token(SyntaxKind::Prefix, start, start + 1);
        self.enter(start, start + 1)?;
        let (rest, meta) = self.required_form(rest, Prefix::Metadata, start, start + 1)?;
        let meta_end = meta.span.end as usize;
        let meta = self.meta_map(meta)?;
        let errors = self.read_past.len();
        let (after, mut target) = self.required_form(rest, Prefix::Metadata, start, meta_end)?;
        self.depth -= 1;
        self.sink.close(self.offset(after));
        let Some(meta) = meta else {
            return Ok((after, target));
        };
        if self.holds_error(errors, target.span) {
            return Ok((after, target));
        }
        if !matches!(
            target.kind,
            FormKind::Symbol(_)
                | FormKind::List(_)
                | FormKind::Vector(_)
                | FormKind::Map(_)
                | FormKind::Set(_)
        ) {
            let span = target.span;
            self.read_past(
                ReadErrorKind::MetadataTarget,
                span.start as usize,
                span.end as usize,
            )?;
            return Ok((after, target));
        }
        target.meta = Some(Box::new(match target.meta.take() {
            None => meta,
            Some(inner) => merge_meta(meta, *inner),
        }));
        Ok((after, target))
    }

    /// Metadata as a map, or `None` (the error read past) when it cannot be one.
    fn meta_map(&mut self, meta: Form) -> Result<Option<Form>, Fail> {
        let span = meta.span;
        let entry = match meta.kind {
            FormKind::Map(_) => return Ok(Some(meta)),
            FormKind::Keyword(_) => (meta, Form::new(FormKind::Bool(true), span)),
            FormKind::Symbol(_) | FormKind::Str(_) => {
                (Form::new(FormKind::Keyword(Symbol::new("tag")), span), meta)
            }
            _ => {
                self.read_past(ReadErrorKind::BadMetadata, span.start as usize, span.end as usize)?;
                return Ok(None);
            }
        };
        Ok(Some(Form::new(FormKind::Map(Box::new([entry])), span)))
    }

    fn dispatch(&mut self, rest: &'a str, start: usize) -> Parsed<'a, Form> {
        let unsupported = |u: Unsupported, len: usize| {
            Box::new(FailInfo {
                kind: ReadErrorKind::Unsupported(u),
                start,
                end: start + len,
                related: None,
            })
        };
        let after_hash = &rest[1..];
        match after_hash.as_bytes().first() {
            Some(b'{') => self.sequence(&rest[2..], Delim::Set, start, 2),
            Some(b':') => self.namespaced_map(&rest[2..], start),
            Some(b'#') => self.symbolic(&rest[2..], start),
            Some(b'(') => Err(unsupported(Unsupported::AnonymousFn, 2)),
            Some(b'"') => Err(unsupported(Unsupported::Regex, 2)),
            Some(b'\'') => Err(unsupported(Unsupported::VarQuote, 2)),
            Some(b'?') => Err(unsupported(Unsupported::ReaderConditional, 2)),
            Some(b'=') => Err(unsupported(Unsupported::EvalReader, 2)),
            Some(_) if after_hash.chars().next().is_some_and(char::is_alphabetic) => {
                self.tagged(after_hash, start)
            }
            Some(&b) if b.is_ascii_punctuation() && !matches!(b, b')' | b']' | b'}' | b';' | b',') => {
                if b == b'/' || b.is_ascii_digit() {
                    let (_, tok) = lex::token(after_hash);
                    return self.fail(
                        ReadErrorKind::BadTag(NameProblem::EmptyNamespace),
                        start,
                        start + 1 + tok.len(),
                    );
                }
                Err(unsupported(Unsupported::UnknownDispatch, 2))
            }
            Some(_) => {
                let (_, tok) = lex::token(after_hash);
                if tok.is_empty() || tok.starts_with(|c: char| lex::ends_token(c)) {
                    return self.fail(ReadErrorKind::MissingForm(Prefix::Tag), start, start + 1);
                }
                self.fail(
                    ReadErrorKind::BadTag(NameProblem::StartsLikeNumber),
                    start,
                    start + 1 + tok.len(),
                )
            }
            None => self.fail(ReadErrorKind::MissingForm(Prefix::Tag), start, start + 1),
        }
    }

    fn tagged(&mut self, after_hash: &'a str, start: usize) -> Parsed<'a, Form> {
        let (rest, tok) = lex::token(after_hash);
        let tag_end = start + 1 + tok.len();
        lex::check_name(tok, false).or_else(|p| self.fail(ReadErrorKind::BadTag(p), start, tag_end))?;
        self.sink.open(SyntaxKind::Tagged, start);
        self.sink.token(SyntaxKind::Prefix, start, tag_end);
        self.enter(start, tag_end)?;
        let errors = self.read_past.len();
        let (after, form) = self.required_form(rest, Prefix::Tag, start, tag_end)?;
        self.depth -= 1;
        self.sink.close(self.offset(after));
        let tag = Symbol::new(tok);
        if !self.holds_error(errors, form.span) && !literal_is_valid(&tag, &form) {
            self.read_past(
                ReadErrorKind::BadLiteral,
                form.span.start as usize,
                form.span.end as usize,
            )?;
        }
        let span = self.span(start, form.span.end as usize);
        let tagged = Tagged {
            tag,
            tag_span: self.span(start, tag_end),
            form,
        };
        Ok((after, Form::new(FormKind::Tagged(Box::new(tagged)), span)))
    }

    fn symbolic(&mut self, rest: &'a str, start: usize) -> Parsed<'a, Form> {
        let (after, tok) = if rest.is_empty() || rest.starts_with(lex::ends_token) {
            (rest, "")
        } else {
            lex::token(rest)
        };
        let end = start + 2 + tok.len();
        let value = match tok {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            _ => return self.fail(ReadErrorKind::Unsupported(Unsupported::SymbolicValue), start, end),
        };
        self.sink.token(SyntaxKind::Atom, start, end);
        Ok((
            after,
            Form::new(FormKind::Number(Number::Float(value)), self.span(start, end)),
        ))
    }

    fn namespaced_map(&mut self, rest: &'a str, start: usize) -> Parsed<'a, Form> {
        let (rest, ns) = if rest.is_empty() || rest.starts_with(lex::ends_token) {
            (rest, "")
        } else {
            lex::token(rest)
        };
        let prefix_end = start + 2 + ns.len();
        if ns.starts_with(':') {
            return self.fail(
                ReadErrorKind::BadKeyword(NameProblem::AutoResolved),
                start,
                prefix_end,
            );
        }
        if ns.is_empty() {
            return self.fail(
                ReadErrorKind::MissingForm(Prefix::NamespacedMap),
                start,
                prefix_end,
            );
        }
        if ns.contains('/') {
            return self.fail(
                ReadErrorKind::BadKeyword(NameProblem::TooManySlashes),
                start,
                prefix_end,
            );
        }
        lex::check_name(ns, false).or_else(|p| self.fail(ReadErrorKind::BadKeyword(p), start, prefix_end))?;
        self.sink.open(SyntaxKind::Map, start);
        self.sink.token(SyntaxKind::Prefix, start, prefix_end);
        let rest = self.trivia(rest)?;
        let Some(body) = rest.strip_prefix('{') else {
            return self.fail(
                ReadErrorKind::MissingForm(Prefix::NamespacedMap),
                start,
                prefix_end,
            );
        };
        let open_at = self.offset(rest);
        self.sink.token(SyntaxKind::Open, open_at, open_at + 1);
        self.enter(start, prefix_end)?;
        let errors = self.read_past.len();
        let (after, first) = self.items(body, Delim::Map, open_at, 1)?;
        self.depth -= 1;
        let entries = self.pairs(first, errors, |k| qualify(k, ns))?;
        Ok((
            after,
            Form::new(FormKind::Map(entries), self.span(start, self.offset(after))),
        ))
    }
}

/// Applies a namespaced map's namespace to a key: plain keywords and symbols get it, `_/x`
/// loses its namespace, anything else is kept.
fn qualify(key: Form, ns: &str) -> Form {
    let requalify = |s: &Symbol| match s.namespace() {
        None => Some(Symbol::new(format!("{ns}/{}", s.as_str()))),
        Some("_") => Some(Symbol::new(s.name())),
        Some(_) => None,
    };
    let kind = match &key.kind {
        FormKind::Keyword(k) => requalify(k).map(FormKind::Keyword),
        FormKind::Symbol(s) => requalify(s).map(FormKind::Symbol),
        _ => None,
    };
    match kind {
        Some(kind) => Form { kind, ..key },
        None => key,
    }
}

/// Outer metadata written before inner: `^:a ^:b x` carries both; inner wins on a clash.
fn merge_meta(outer: Form, inner: Form) -> Form {
    let (FormKind::Map(outer_entries), FormKind::Map(inner_entries)) = (outer.kind, inner.kind) else {
        unreachable!("metadata is always a map form")
    };
    let mut entries = outer_entries.into_vec();
    for (k, v) in inner_entries {
        entries.retain(|(ok, _)| !ok.equiv(&k));
        entries.push((k, v));
    }
    Form::new(FormKind::Map(entries.into_boxed_slice()), inner.span)
}

/// `#uuid` and `#inst` keep their EDN meaning, so their strings are checked here.
fn literal_is_valid(tag: &Symbol, form: &Form) -> bool {
    let text = match (&form.kind, tag.as_str()) {
        (FormKind::Str(s), "uuid" | "inst") => s,
        (_, "uuid" | "inst") => return false,
        _ => return true,
    };
    if tag.as_str() == "uuid" {
        let groups: Vec<&str> = text.split('-').collect();
        return groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
    }
    valid_timestamp(text)
}

/// RFC 3339 as EDN's `#inst` takes it: a year, then optional month, day, time, fraction and offset.
fn valid_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |from: usize, n: usize| b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit);
    if !digits(0, 4) {
        return false;
    }
    let mut i = 4;
    for (sep, len) in [(b'-', 2), (b'-', 2), (b'T', 2), (b':', 2), (b':', 2)] {
        if i == b.len() {
            return true;
        }
        if b[i] != sep || !digits(i + 1, len) {
            return i >= 16 && offset_ok(&b[i..]);
        }
        i += 1 + len;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len() || offset_ok(&b[i..])
}

fn offset_ok(b: &[u8]) -> bool {
    b == b"Z"
        || (b.len() == 6
            && matches!(b[0], b'+' | b'-')
            && b[1..3].iter().all(u8::is_ascii_digit)
            && b[3] == b':'
            && b[4..6].iter().all(u8::is_ascii_digit))
}

/// The error for `again`, a key or element written before at `first`.
fn duplicate(kind: ReadErrorKind, first: Span, again: Span) -> FailInfo {
    FailInfo {
        kind,
        start: again.start as usize,
        end: again.end as usize,
        related: Some((first.start as usize, first.end as usize)),
    }
}
