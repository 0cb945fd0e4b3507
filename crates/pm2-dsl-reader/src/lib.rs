//! `pm2-dsl-reader` reads EDN, plus the parts of the Clojure reader that configuration
//! files use, into [`Form`] trees with a [`Span`] on every node.
//!
//! ```
//! use pm2_dsl_reader::{read_all, Source, FormKind};
//!
//! let source = Source::standalone("app.pm2.edn", "{:apps [{:name \"api\"}]} ; done");
//! let forms = read_all(&source).unwrap();
//! assert!(matches!(forms[0].kind, FormKind::Map(_)));
//! assert_eq!(source.slice(forms[0].span), "{:apps [{:name \"api\"}]}");
//! ```
//!
//! What it reads: all of EDN (nil, booleans, strings with every escape, characters,
//! integers with `N`, floats with `M` and exponents, `##Inf ##-Inf ##NaN`, symbols,
//! keywords, lists, vectors, maps, sets, `#_`, `;` comments, commas, tagged literals)
//! plus ratios, quote (`'x` reads as `(quote x)`), metadata (`^:kw`, `^{...}`, `^Sym`) and
//! namespaced maps (`#:ns{...}`). Syntax-quote, `~`, `@`, `#()`, `#'`, `#"..."`, `#?` and
//! `#=` are rejected with an error that names them. Duplicate map keys and set elements
//! are errors, as the EDN specification says. `#inst` and `#uuid` strings are checked.
//!
//! Errors are [`ReadError`]s: `miette` diagnostics with a stable code, a label on the
//! exact text and help. Nesting depth is bounded ([`ReadOptions::max_depth`]), so deep
//! input gives an error rather than a stack overflow.

#![warn(missing_docs)]

mod error;
mod form;
mod format;
mod lex;
mod located;
mod number;
mod parse;
mod print;
mod problem;
mod redact;
mod sink;
mod source;
mod syntax;
mod terminal;

pub use error::{Delim, FromRead, NameProblem, Prefix, ReadError, ReadErrorKind, Unsupported};
pub use form::{Form, FormKind, Symbol, Tagged};
pub use format::{ListIndent, format_source};
pub use located::{Locations, Note, Replacement, with_article};
pub use number::{BigInteger, Number};
pub use parse::{ReadOptions, is_keyword_name, read_all, read_all_collecting, read_all_with};
pub use print::{
    Atom, Edn, Node, to_compact, to_compact_cut, to_compact_within, to_pretty, write_char, write_float,
    write_string,
};
pub use problem::{Problem, ProblemKind};
pub use sink::SyntaxKind;
pub use source::{Location, Source, SourceId, SourceMap, Span};
pub use syntax::{Syntax, read_syntax, read_syntax_with};
pub use terminal::{acts_on_terminal, breaks_a_line, printable};

/// Re-exported number types used by [`Number`].
pub use bigdecimal::{BigDecimal, num_bigint::BigInt};
