//! Read errors: [`ReadErrorKind`] (what went wrong, small and `Copy` so the parser can pass
//! it around cheaply) and [`ReadError`] (the kind with its span and source: the pipeline's
//! one [`Problem`] type, reported as a `miette` diagnostic with a stable code, labels and
//! help).

use std::fmt;
use std::sync::Arc;

use crate::problem::{Problem, ProblemKind};
use crate::source::{Source, Span};

/// An opening delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delim {
    /// `(`
    List,
    /// `[`
    Vector,
    /// `{`
    Map,
    /// `#{`
    Set,
}

impl Delim {
    /// How the delimiter is written.
    pub fn open(self) -> &'static str {
        match self {
            Delim::List => "(",
            Delim::Vector => "[",
            Delim::Map => "{",
            Delim::Set => "#{",
        }
    }

    /// The character that closes it.
    pub fn close(self) -> char {
        match self {
            Delim::List => ')',
            Delim::Vector => ']',
            Delim::Map | Delim::Set => '}',
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Delim::List => "list",
            Delim::Vector => "vector",
            Delim::Map => "map",
            Delim::Set => "set",
        }
    }
}

/// Why a symbol, keyword or tag name is not valid EDN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    /// Nothing before the `/` (`/foo`).
    EmptyNamespace,
    /// Nothing after the `/` (`foo/`), or no name at all (`:`).
    EmptyName,
    /// More than one `/` (`a/b/c`).
    TooManySlashes,
    /// A name part starts like a number (`.5x`, `-4cats`, `a/1`).
    StartsLikeNumber,
    /// A name ends with `:`, or holds `::`.
    BadColon,
    /// A character that symbols cannot hold.
    BadChar(char),
    /// An auto-resolved keyword `::kw`, which needs a namespace context EDN lacks.
    AutoResolved,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::EmptyNamespace => f.write_str("the namespace before `/` is empty"),
            NameProblem::EmptyName => f.write_str("the name is empty"),
            NameProblem::TooManySlashes => f.write_str("it has more than one `/`"),
            NameProblem::StartsLikeNumber => f.write_str("a name cannot start like a number"),
            NameProblem::BadColon => f.write_str("a name cannot end with `:` or hold `::`"),
            NameProblem::BadChar(c) => write!(f, "`{}` cannot appear in a name", c.escape_debug()),
            NameProblem::AutoResolved => f.write_str("auto-resolved keywords (`::kw`) are not EDN"),
        }
    }
}

/// Clojure reader syntax that this reader rejects, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// `` `form ``
    SyntaxQuote,
    /// `~form`
    Unquote,
    /// `~@form`
    UnquoteSplicing,
    /// `@form`
    Deref,
    /// `#(...)`
    AnonymousFn,
    /// `#'var`
    VarQuote,
    /// `#"regex"`
    Regex,
    /// `#?(...)` and `#?@(...)`
    ReaderConditional,
    /// `#=form`
    EvalReader,
    /// `#^meta` (old metadata syntax), `#<...>` and other unknown dispatch characters.
    UnknownDispatch,
    /// `##X` other than `##Inf`, `##-Inf`, `##NaN`.
    SymbolicValue,
}

impl Unsupported {
    fn describe(self) -> &'static str {
        match self {
            Unsupported::SyntaxQuote => "syntax-quote (`)",
            Unsupported::Unquote => "unquote (~)",
            Unsupported::UnquoteSplicing => "unquote-splicing (~@)",
            Unsupported::Deref => "deref (@)",
            Unsupported::AnonymousFn => "anonymous function literal #(...)",
            Unsupported::VarQuote => "var quote (#')",
            Unsupported::Regex => "regex literal #\"...\"",
            Unsupported::ReaderConditional => "reader conditional #?(...)",
            Unsupported::EvalReader => "eval reader #=",
            Unsupported::UnknownDispatch => "this # dispatch",
            Unsupported::SymbolicValue => "this ## symbolic value",
        }
    }
}

/// A prefix that must be followed by a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// `#_`
    Discard,
    /// `'`
    Quote,
    /// `^meta`
    Metadata,
    /// `#tag`
    Tag,
    /// `#:ns`, which needs a map.
    NamespacedMap,
}

impl Prefix {
    fn written(self) -> &'static str {
        match self {
            Prefix::Discard => "#_",
            Prefix::Quote => "'",
            Prefix::Metadata => "metadata (^)",
            Prefix::Tag => "a tag",
            Prefix::NamespacedMap => "#:ns",
        }
    }
}

/// What went wrong while reading. Every kind has a stable diagnostic code ([`ReadErrorKind::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// An opening delimiter is never closed before the text ends.
    UnclosedDelimiter(Delim),
    /// A closing delimiter does not match the innermost open one.
    MismatchedDelimiter {
        /// The open delimiter.
        open: Delim,
        /// The closing character found.
        found: char,
    },
    /// A closing delimiter with nothing open.
    UnexpectedCloser(char),
    /// A string whose closing `"` is missing.
    UnterminatedString,
    /// A string escape that is not one of `\t \r \n \b \f \\ \" \uXXXX`.
    BadEscape,
    /// A character literal that names no character (`\itstoolong`).
    BadCharacter,
    /// A token that starts like a number but is not one (`0cat`, `1.2.3`, `1/0`).
    BadNumber,
    /// A symbol that breaks EDN's rules.
    BadSymbol(NameProblem),
    /// A keyword that breaks EDN's rules.
    BadKeyword(NameProblem),
    /// A tag that is not a symbol starting with a letter (`#/foo`, `#1`).
    BadTag(NameProblem),
    /// The same key twice in one map.
    DuplicateKey,
    /// The same element twice in one set.
    DuplicateSetElement,
    /// A map with a key that has no value.
    OddMap,
    /// Clojure syntax this reader does not accept.
    Unsupported(Unsupported),
    /// A prefix (`#_`, `'`, `^m`, `#tag`, `#:ns`) with no form after it.
    MissingForm(Prefix),
    /// Metadata that is not a keyword, symbol, string or map.
    BadMetadata,
    /// Metadata before a form that cannot carry it (only symbols and collections can).
    MetadataTarget,
    /// A `#uuid` or `#inst` literal whose string is malformed.
    BadLiteral,
    /// Nesting deeper than the configured limit.
    TooDeep(u32),
    /// A text larger than 4 GiB.
    TooLarge,
    /// More errors than the reader reads past (100): a text of bad tokens, `[1x 1x ...]`.
    TooManyErrors(usize),
    /// More forms than [`crate::ReadOptions::max_forms`] allows (an evaluator sets it
    /// from its data budget): `[1 1 1 ...]` with millions of elements.
    TooManyForms(u64),
}

impl ProblemKind for ReadErrorKind {
    /// The stable diagnostic code, such as `read::unclosed-delimiter`.
    fn code(&self) -> &'static str {
        match self {
            ReadErrorKind::UnclosedDelimiter(_) => "read::unclosed-delimiter",
            ReadErrorKind::MismatchedDelimiter { .. } => "read::mismatched-delimiter",
            ReadErrorKind::UnexpectedCloser(_) => "read::unexpected-closer",
            ReadErrorKind::UnterminatedString => "read::unterminated-string",
            ReadErrorKind::BadEscape => "read::bad-escape",
            ReadErrorKind::BadCharacter => "read::bad-character",
            ReadErrorKind::BadNumber => "read::bad-number",
            ReadErrorKind::BadSymbol(_) => "read::bad-symbol",
            ReadErrorKind::BadKeyword(_) => "read::bad-keyword",
            ReadErrorKind::BadTag(_) => "read::bad-tag",
            ReadErrorKind::DuplicateKey => "read::duplicate-key",
            ReadErrorKind::DuplicateSetElement => "read::duplicate-set-element",
            ReadErrorKind::OddMap => "read::odd-map",
            ReadErrorKind::Unsupported(_) => "read::unsupported-syntax",
            ReadErrorKind::MissingForm(_) => "read::missing-form",
            ReadErrorKind::BadMetadata => "read::bad-metadata",
            ReadErrorKind::MetadataTarget => "read::metadata-target",
            ReadErrorKind::BadLiteral => "read::bad-literal",
            ReadErrorKind::TooDeep(_) => "read::too-deep",
            ReadErrorKind::TooLarge => "read::too-large",
            ReadErrorKind::TooManyForms(_) => "read::too-many-forms",
            ReadErrorKind::TooManyErrors(_) => "read::too-many-errors",
        }
    }

    fn label(&self) -> String {
        match self {
            ReadErrorKind::UnclosedDelimiter(d) => format!("expected `{}` before the end", d.close()),
            ReadErrorKind::MismatchedDelimiter { open, .. } => format!("expected `{}`", open.close()),
            ReadErrorKind::UnexpectedCloser(_) => "nothing is open here".into(),
            ReadErrorKind::UnterminatedString => "this string never ends".into(),
            ReadErrorKind::BadEscape => "unknown escape".into(),
            ReadErrorKind::BadCharacter => "not a character".into(),
            ReadErrorKind::BadNumber => "not a number".into(),
            ReadErrorKind::BadSymbol(p) | ReadErrorKind::BadKeyword(p) | ReadErrorKind::BadTag(p) => {
                p.to_string()
            }
            ReadErrorKind::DuplicateKey => "written again here".into(),
            ReadErrorKind::DuplicateSetElement => "written again here".into(),
            ReadErrorKind::OddMap => "this key has no value".into(),
            ReadErrorKind::Unsupported(u) => format!("{} is not supported", u.describe()),
            ReadErrorKind::MissingForm(_) => "expected a form after this".into(),
            ReadErrorKind::BadMetadata => "metadata must be a keyword, symbol, string or map".into(),
            ReadErrorKind::MetadataTarget => "this form cannot carry metadata".into(),
            ReadErrorKind::BadLiteral => "malformed literal".into(),
            ReadErrorKind::TooDeep(max) => format!("nesting goes deeper than {max} levels here"),
            ReadErrorKind::TooLarge => "the text starts here".into(),
            ReadErrorKind::TooManyForms(max) => format!("form number {} starts here", max + 1),
            ReadErrorKind::TooManyErrors(max) => format!("error number {} is here", max + 1),
        }
    }

    fn default_help(&self) -> Option<String> {
        Some(match self {
            ReadErrorKind::UnclosedDelimiter(d) => format!(
                "add `{}` to close the {}, or remove the opening `{}`",
                d.close(),
                d.noun(),
                d.open()
            ),
            ReadErrorKind::MismatchedDelimiter { open, found } => format!(
                "the innermost open {} needs `{}`; `{found}` closes something else",
                open.noun(),
                open.close()
            ),
            ReadErrorKind::UnexpectedCloser(_) => "remove it, or add the opening delimiter it belongs to".into(),
            ReadErrorKind::UnterminatedString => "add the closing `\"`; write a quote inside a string as `\\\"`".into(),
            ReadErrorKind::BadEscape => {
                "the escapes are \\t \\r \\n \\b \\f \\\\ \\\" and \\uXXXX; to write a backslash (as in a Windows path), double it".into()
            }
            ReadErrorKind::BadCharacter => {
                "characters are \\c, \\uXXXX, \\oNNN or one of \\newline \\space \\tab \\return \\backspace \\formfeed".into()
            }
            ReadErrorKind::BadNumber => {
                "numbers look like 42, -7, 42N, 1.5, 1e3, 1.5M or 1/2 and end at a space or delimiter".into()
            }
            ReadErrorKind::BadSymbol(NameProblem::StartsLikeNumber) => {
                "a symbol that starts with a digit (or -, + or . and a digit) reads as a number; write it as a string".into()
            }
            ReadErrorKind::BadKeyword(NameProblem::AutoResolved) => "write the namespace out: `:my.ns/kw`".into(),
            ReadErrorKind::BadSymbol(_) | ReadErrorKind::BadKeyword(_) => {
                "names hold letters, digits and . * + ! - _ ? $ % & = < > # : ' with at most one `/`; use a string for anything else".into()
            }
            ReadErrorKind::BadTag(_) => "tags are a `#` and a symbol that starts with a letter, as in `#env PORT`".into(),
            ReadErrorKind::DuplicateKey => "a map cannot repeat a key; remove one of the two entries".into(),
            ReadErrorKind::DuplicateSetElement => "a set cannot repeat an element; remove one of them".into(),
            ReadErrorKind::OddMap => "maps hold key/value pairs; add the missing value or remove the key".into(),
            ReadErrorKind::Unsupported(Unsupported::AnonymousFn) => "write `(fn [x] ...)` instead".into(),
            ReadErrorKind::Unsupported(Unsupported::Regex) => "write the pattern as a plain string".into(),
            ReadErrorKind::Unsupported(Unsupported::SyntaxQuote) => "use ' (quote) for literal data".into(),
            ReadErrorKind::Unsupported(Unsupported::SymbolicValue) => "the symbolic values are ##Inf, ##-Inf and ##NaN".into(),
            ReadErrorKind::Unsupported(_) => "configuration files are data; this reader accepts EDN plus quote, metadata and tags".into(),
            ReadErrorKind::MissingForm(p) => format!("{} applies to the next form, but none follows", p.written()),
            ReadErrorKind::BadMetadata => "write `^:flag form` or `^{:key value} form`".into(),
            ReadErrorKind::MetadataTarget => "metadata can be attached to symbols, lists, vectors, maps and sets".into(),
            ReadErrorKind::BadLiteral => {
                "#uuid takes \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\"; #inst takes an RFC 3339 timestamp such as \"2024-01-31T12:00:00Z\"".into()
            }
            ReadErrorKind::TooDeep(_) => "flatten the structure, or raise the reader's depth limit".into(),
            ReadErrorKind::TooManyForms(_) => {
                "split the data over several files, or raise the evaluator's Limits::max_bytes".into()
            }
            ReadErrorKind::TooManyErrors(_) => "fix the errors above and read again; what follows is not read".into(),
            ReadErrorKind::TooLarge => return None,
        })
    }
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadErrorKind::UnclosedDelimiter(d) => write!(f, "unclosed `{}`", d.open()),
            ReadErrorKind::MismatchedDelimiter { open, found } => {
                write!(f, "mismatched delimiter: `{}` closed by `{found}`", open.open())
            }
            ReadErrorKind::UnexpectedCloser(c) => write!(f, "unexpected `{c}`"),
            ReadErrorKind::UnterminatedString => f.write_str("unterminated string"),
            ReadErrorKind::BadEscape => f.write_str("invalid escape in string"),
            ReadErrorKind::BadCharacter => f.write_str("invalid character literal"),
            ReadErrorKind::BadNumber => f.write_str("invalid number"),
            ReadErrorKind::BadSymbol(p) => write!(f, "invalid symbol: {p}"),
            ReadErrorKind::BadKeyword(p) => write!(f, "invalid keyword: {p}"),
            ReadErrorKind::BadTag(p) => write!(f, "invalid tag: {p}"),
            ReadErrorKind::DuplicateKey => f.write_str("duplicate key in map"),
            ReadErrorKind::DuplicateSetElement => f.write_str("duplicate element in set"),
            ReadErrorKind::OddMap => f.write_str("map has a key without a value"),
            ReadErrorKind::Unsupported(u) => write!(f, "unsupported syntax: {}", u.describe()),
            ReadErrorKind::MissingForm(p) => write!(f, "expected a form after {}", p.written()),
            ReadErrorKind::BadMetadata => f.write_str("invalid metadata"),
            ReadErrorKind::MetadataTarget => f.write_str("metadata on a form that cannot carry it"),
            ReadErrorKind::BadLiteral => f.write_str("invalid #uuid or #inst literal"),
            ReadErrorKind::TooDeep(max) => write!(f, "nesting too deep (limit {max})"),
            ReadErrorKind::TooLarge => f.write_str("text too large (limit 4 GiB)"),
            ReadErrorKind::TooManyForms(max) => write!(f, "the text holds more than {max} forms"),
            ReadErrorKind::TooManyErrors(max) => write!(f, "more than {max} errors; reading stopped"),
        }
    }
}

/// A read error with its location, ready to report: a [`Problem`] of [`ReadErrorKind`],
/// with the source text attached and, for an unclosed or mismatched delimiter or a
/// duplicate, a second label on the opening delimiter or the first occurrence.
pub type ReadError = Problem<ReadErrorKind>;

/// The error of `kind` at `span` of `source`, with `related` labelled as what explains it.
pub(crate) fn read_error(
    kind: ReadErrorKind,
    span: Span,
    related: Option<Span>,
    source: Arc<Source>,
) -> ReadError {
    let label = match kind {
        ReadErrorKind::UnclosedDelimiter(_) | ReadErrorKind::MismatchedDelimiter { .. } => "opened here",
        ReadErrorKind::DuplicateKey | ReadErrorKind::DuplicateSetElement => "first written here",
        _ => "related",
    };
    Problem::new(kind, Some(span))
        .with_label(related, label)
        .with_source(source)
}

/// A stage after reading, whose kind enum holds read errors met on the way (a file read
/// by an import).
pub trait FromRead: ProblemKind {
    /// The stage's kind for a read error of `kind`.
    fn from_read(kind: ReadErrorKind) -> Self;
}

/// A read error met in a later stage keeps its labels, help and source.
impl<K: FromRead> From<ReadError> for Problem<K> {
    fn from(e: ReadError) -> Problem<K> {
        e.map_kind(K::from_read)
    }
}
