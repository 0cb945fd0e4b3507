//! Read errors: [`ReadErrorKind`] (what went wrong, small and `Copy` so the parser can pass
//! it around cheaply) and [`ReadError`] (the kind with its span and source: the pipeline's
//! one [`Problem`] type, reported as a `miette` diagnostic with a stable code, labels and
//! help).

use std::borrow::Cow;
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
    /// A character that symbols cannot hold (`a,b` aside, `a"b`, or a bidi override in
    /// `:na\u{202e}me`, which would reorder the text around it on a screen).
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

/// What a report says about one kind: its code, message, label and help, side by side.
struct Facts {
    code: &'static str,
    message: Cow<'static, str>,
    label: Cow<'static, str>,
    help: Option<Cow<'static, str>>,
}

/// A row of the table: `fact(code, message, label, help)`.
fn fact(
    code: &'static str,
    message: impl Into<Cow<'static, str>>,
    label: impl Into<Cow<'static, str>>,
    help: impl Into<Cow<'static, str>>,
) -> Facts {
    Facts {
        code,
        message: message.into(),
        label: label.into(),
        help: Some(help.into()),
    }
}

impl ReadErrorKind {
    /// The table: every kind's code, message, label and help in one row.
    fn facts(self) -> Facts {
        use ReadErrorKind as K;
        match self {
            K::UnclosedDelimiter(d) => fact(
                "read::unclosed-delimiter",
                format!("unclosed `{}`", d.open()),
                format!("expected `{}` before the end", d.close()),
                format!(
                    "add `{}` to close the {}, or remove the opening `{}`",
                    d.close(),
                    d.noun(),
                    d.open()
                ),
            ),
            K::MismatchedDelimiter { open, found } => fact(
                "read::mismatched-delimiter",
                format!("mismatched delimiter: `{}` closed by `{found}`", open.open()),
                format!("expected `{}`", open.close()),
                format!(
                    "the innermost open {} needs `{}`; `{found}` closes something else",
                    open.noun(),
                    open.close()
                ),
            ),
            K::UnexpectedCloser(c) => fact(
                "read::unexpected-closer",
                format!("unexpected `{c}`"),
                "nothing is open here",
                "remove it, or add the opening delimiter it belongs to",
            ),
            K::UnterminatedString => fact(
                "read::unterminated-string",
                "unterminated string",
                "this string never ends",
                "add the closing `\"`; write a quote inside a string as `\\\"`",
            ),
            K::BadEscape => fact(
                "read::bad-escape",
                "invalid escape in string",
                "unknown escape",
                "the escapes are \\t \\r \\n \\b \\f \\\\ \\\" and \\uXXXX; to write a backslash (as in a Windows path), double it",
            ),
            K::BadCharacter => fact(
                "read::bad-character",
                "invalid character literal",
                "not a character",
                "characters are \\c, \\uXXXX, \\oNNN or one of \\newline \\space \\tab \\return \\backspace \\formfeed",
            ),
            K::BadNumber => fact(
                "read::bad-number",
                "invalid number",
                "not a number",
                "numbers look like 42, -7, 42N, 1.5, 1e3, 1.5M or 1/2 and end at a space or delimiter",
            ),
            K::BadSymbol(p) => fact(
                "read::bad-symbol",
                format!("invalid symbol: {p}"),
                p.to_string(),
                if p == NameProblem::StartsLikeNumber {
                    "a symbol that starts with a digit (or -, + or . and a digit) reads as a number; write it as a string"
                } else {
                    NAME_HELP
                },
            ),
            K::BadKeyword(p) => fact(
                "read::bad-keyword",
                format!("invalid keyword: {p}"),
                p.to_string(),
                if p == NameProblem::AutoResolved {
                    "write the namespace out: `:my.ns/kw`"
                } else {
                    NAME_HELP
                },
            ),
            K::BadTag(p) => fact(
                "read::bad-tag",
                format!("invalid tag: {p}"),
                p.to_string(),
                "tags are a `#` and a symbol that starts with a letter, as in `#env PORT`",
            ),
            K::DuplicateKey => fact(
                "read::duplicate-key",
                "duplicate key in map",
                "written again here",
                "a map cannot repeat a key; remove one of the two entries",
            ),
            K::DuplicateSetElement => fact(
                "read::duplicate-set-element",
                "duplicate element in set",
                "written again here",
                "a set cannot repeat an element; remove one of them",
            ),
            K::OddMap => fact(
                "read::odd-map",
                "map has a key without a value",
                "this key has no value",
                "maps hold key/value pairs; add the missing value or remove the key",
            ),
            K::Unsupported(u) => fact(
                "read::unsupported-syntax",
                format!("unsupported syntax: {}", u.describe()),
                format!("{} is not supported", u.describe()),
                match u {
                    Unsupported::AnonymousFn => "write `(fn [x] ...)` instead",
                    Unsupported::Regex => "write the pattern as a plain string",
                    Unsupported::SyntaxQuote => "use ' (quote) for literal data",
                    Unsupported::SymbolicValue => "the symbolic values are ##Inf, ##-Inf and ##NaN",
                    _ => {
                        "configuration files are data; this reader accepts EDN plus quote, metadata and tags"
                    }
                },
            ),
            K::MissingForm(p) => fact(
                "read::missing-form",
                format!("expected a form after {}", p.written()),
                "expected a form after this",
                format!("{} applies to the next form, but none follows", p.written()),
            ),
            K::BadMetadata => fact(
                "read::bad-metadata",
                "invalid metadata",
                "metadata must be a keyword, symbol, string or map",
                "write `^:flag form` or `^{:key value} form`",
            ),
            K::MetadataTarget => fact(
                "read::metadata-target",
                "metadata on a form that cannot carry it",
                "this form cannot carry metadata",
                "metadata can be attached to symbols, lists, vectors, maps and sets",
            ),
            K::BadLiteral => fact(
                "read::bad-literal",
                "invalid #uuid or #inst literal",
                "malformed literal",
                "#uuid takes \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\"; #inst takes an RFC 3339 timestamp such as \"2024-01-31T12:00:00Z\"",
            ),
            K::TooDeep(max) => fact(
                "read::too-deep",
                format!("nesting too deep (limit {max})"),
                format!("nesting goes deeper than {max} levels here"),
                "flatten the structure, or raise the reader's depth limit",
            ),
            K::TooLarge => Facts {
                code: "read::too-large",
                message: "text too large (limit 4 GiB)".into(),
                label: "the text starts here".into(),
                help: None,
            },
            K::TooManyForms(max) => fact(
                "read::too-many-forms",
                format!("the text holds more than {max} forms"),
                format!("form number {} starts here", max + 1),
                "split the data over several files, or raise the evaluator's Limits::max_bytes",
            ),
            K::TooManyErrors(max) => fact(
                "read::too-many-errors",
                format!("more than {max} errors; reading stopped"),
                format!("error number {} is here", max + 1),
                "fix the errors above and read again; what follows is not read",
            ),
        }
    }
}

/// The help of a symbol or keyword that breaks the naming rules.
const NAME_HELP: &str = "names hold letters, digits and . * + ! - _ ? $ % & = < > # : ' with at most one `/`; use a string for anything else";

impl ProblemKind for ReadErrorKind {
    /// The stable diagnostic code, such as `read::unclosed-delimiter`.
    fn code(&self) -> &'static str {
        self.facts().code
    }

    fn label(&self) -> String {
        self.facts().label.into_owned()
    }

    fn default_help(&self) -> Option<String> {
        self.facts().help.map(Cow::into_owned)
    }
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.facts().message)
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
