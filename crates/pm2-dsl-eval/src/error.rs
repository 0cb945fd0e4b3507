//! Evaluation errors: [`EvalErrorKind`] says what went wrong, [`EvalError`] adds where
//! (a span in some source, with the source attached once evaluation stops) and the
//! chain of imports that led there. Both are reported as `miette` diagnostics.

use std::fmt;

use pm2_dsl_reader::{FromRead, Problem, ProblemKind, ReadErrorKind, with_article};

/// Which evaluation limit was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Nested calls and special forms deeper than [`crate::Limits::max_depth`]:
    /// `(defn f [] (f)) (f)`.
    Depth,
    /// More evaluation steps than [`crate::Limits::max_steps`]: `(count (range 1e8))`.
    Steps,
    /// More bytes of data built than [`crate::Limits::max_bytes`]: a string doubled 40
    /// times with `(str s s)`.
    Bytes,
    /// One value weighing more than [`crate::Limits::max_bytes`]: a vector of itself
    /// doubled 40 times with `[v v]`, a file included twice by a file included twice ...
    Size,
    /// Data nested deeper than [`crate::Limits::max_depth`]:
    /// `(reduce (fn [a _] [a]) [] (range 1000))`.
    Nesting,
}

impl EvalErrorKind {
    /// The kind for a file at `resolved` that the loader could not read: outside the
    /// tree root, or another I/O error.
    pub(crate) fn io(resolved: String, e: &std::io::Error) -> EvalErrorKind {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<crate::loader::OutsideRoot>())
        {
            Some(outside) => EvalErrorKind::OutsideRoot {
                resolved,
                root: outside.root.display().to_string(),
            },
            None => EvalErrorKind::ImportIo {
                resolved,
                message: e.to_string(),
            },
        }
    }
}

/// What went wrong during evaluation. Every kind has a stable code ([`EvalErrorKind::code`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EvalErrorKind {
    /// The text of a file could not be read as forms.
    Read(ReadErrorKind),
    /// A symbol with no binding in scope.
    UnboundSymbol {
        /// The symbol as written.
        name: String,
        /// The closest name in scope, if one is close.
        suggestion: Option<String>,
    },
    /// A function called with a number of arguments it does not take.
    Arity {
        /// The function's name.
        function: String,
        /// What it takes, such as "1 or 2".
        expected: String,
        /// How many it got.
        got: usize,
    },
    /// An argument of the wrong type.
    Type {
        /// The function, special form or tag that received it.
        function: String,
        /// The type it needs.
        expected: String,
        /// The type it got.
        actual: String,
    },
    /// A coercion tag (`#long`, `#double`, `#keyword`) could not convert its value.
    Coercion {
        /// The tag, such as `#long`.
        tag: String,
        /// The value as printed, or "nil".
        value: String,
        /// The environment variable the value came from, when it came from `#env`.
        env_var: Option<String>,
    },
    /// A special form or tag written in a shape it does not accept.
    Syntax {
        /// The form or tag, such as `let` or `#or`.
        form: String,
        /// What is wrong with it.
        message: String,
    },
    /// An imported or included file that does not exist.
    ImportNotFound {
        /// The path as written.
        path: String,
        /// Where it was looked for.
        resolved: String,
    },
    /// An import, `#include` or `#dotenv` of a file outside the tree root:
    /// `(import "../../elsewhere/lib.edn")` with the root at the repository.
    OutsideRoot {
        /// The file.
        resolved: String,
        /// The root.
        root: String,
    },
    /// An imported or included file that exists but could not be read.
    ImportIo {
        /// Where it was looked for.
        resolved: String,
        /// The I/O error.
        message: String,
    },
    /// An imported or included file that is not an EDN source (its name does not end
    /// in `.edn`) failed to evaluate: `#include "/etc/passwd"`. Its text is never shown,
    /// so only the kind and place of the error are given. For `#include ".env"` the help
    /// names `#dotenv`.
    NotSource {
        /// Where it was read from.
        file: String,
        /// The code of the error inside it.
        code: &'static str,
        /// Where, 1-based.
        line: usize,
        /// Where, 1-based, in characters.
        column: usize,
    },
    /// Files that import each other.
    ImportCycle {
        /// The files in import order, the first repeated at the end.
        chain: Vec<String>,
    },
    /// A `#ref` whose path leads nowhere in the file's result.
    DanglingRef {
        /// The path as printed.
        path: String,
    },
    /// `#ref`s that refer to each other.
    CyclicRef {
        /// The path that closes the cycle.
        path: String,
    },
    /// A function, or a reference used before it could be resolved, left in the result.
    NotData {
        /// What was found, such as "function `app`".
        what: String,
    },
    /// Recursion or work beyond the configured limits.
    Limit {
        /// Which limit.
        limit: Limit,
        /// Its value.
        max: u64,
    },
    /// A reader tag the evaluator does not know.
    UnknownTag {
        /// The tag as written, without `#`.
        tag: String,
        /// The closest known tag, if one is close.
        suggestion: Option<String>,
    },
    /// Something called as a function that is not one.
    NotCallable {
        /// Its type.
        what: String,
    },
    /// Integer overflow or division by zero.
    Arithmetic {
        /// What happened.
        message: String,
    },
    /// A map whose evaluated keys repeat.
    DuplicateKey {
        /// The key as printed.
        key: String,
    },
    /// A set literal whose evaluated elements repeat: `(let [a 1] #{a 1})`. (A repeat
    /// written literally, `#{1 1}`, is the reader's `read::duplicate-set-element`.)
    DuplicateSetElement {
        /// The element as printed.
        element: String,
    },
    /// A `format` string that does not fit its arguments.
    Format {
        /// What is wrong.
        message: String,
    },
    /// A `case` whose clauses do not match the value and that has no default.
    NoMatchingClause {
        /// The value as printed.
        value: String,
    },
    /// `#env! NAME` when `NAME` is not set: `{:env {:DB #env! DATABASE_URL}}` with
    /// `DATABASE_URL` unset.
    EnvRequired {
        /// The variable.
        name: String,
    },
    /// A `.env` file that does not exist: `#dotenv ".env"` (use `#dotenv?` for a file
    /// that may be absent).
    DotenvNotFound {
        /// The path as written.
        path: String,
        /// Where it was looked for.
        resolved: String,
    },
    /// A `.env` file that `dotenvy` cannot read, labelled where it stops: `B=two words`
    /// (a space in an unquoted value), `1X=1` (a name starting with a digit),
    /// `C="never closed`, `D=${NAME` (a brace never closed), a NUL character.
    DotenvSyntax {
        /// The file.
        file: String,
        /// Whether a quoted value runs to the end of the file.
        unclosed: bool,
    },
    /// `#venv ".venv"` naming a folder that holds no Python (a virtual environment made
    /// on another machine, or half deleted): running with `python3` instead would miss
    /// its packages.
    VenvWithoutPython {
        /// The folder, as resolved.
        venv: String,
        /// The interpreter that was looked for.
        python: String,
    },
    /// `nth` past the end.
    Index {
        /// The index asked for.
        index: i64,
        /// The collection's length.
        len: usize,
    },
    /// A value that does not fit the type an embedding program reads it into:
    /// `from_value::<Config>` of `{:port "eighty"}` when `port` is a `u16`.
    Deserialize {
        /// What did not fit, in serde's words.
        message: String,
    },
}

impl ProblemKind for EvalErrorKind {
    /// The stable diagnostic code, such as `eval::unbound-symbol`.
    fn code(&self) -> &'static str {
        match self {
            EvalErrorKind::Read(e) => e.code(),
            EvalErrorKind::UnboundSymbol { .. } => "eval::unbound-symbol",
            EvalErrorKind::Arity { .. } => "eval::arity",
            EvalErrorKind::Type { .. } => "eval::type",
            EvalErrorKind::Coercion { .. } => "eval::coercion",
            EvalErrorKind::Syntax { .. } => "eval::syntax",
            EvalErrorKind::ImportNotFound { .. } => "eval::import-not-found",
            EvalErrorKind::ImportIo { .. } => "eval::import-io",
            EvalErrorKind::OutsideRoot { .. } => "eval::outside-root",
            EvalErrorKind::NotSource { .. } => "eval::not-source",
            EvalErrorKind::ImportCycle { .. } => "eval::import-cycle",
            EvalErrorKind::DanglingRef { .. } => "eval::dangling-ref",
            EvalErrorKind::CyclicRef { .. } => "eval::cyclic-ref",
            EvalErrorKind::NotData { .. } => "eval::not-data",
            EvalErrorKind::Limit { .. } => "eval::limit",
            EvalErrorKind::UnknownTag { .. } => "eval::unknown-tag",
            EvalErrorKind::NotCallable { .. } => "eval::not-callable",
            EvalErrorKind::Arithmetic { .. } => "eval::arithmetic",
            EvalErrorKind::DuplicateKey { .. } => "eval::duplicate-key",
            EvalErrorKind::DuplicateSetElement { .. } => "eval::duplicate-set-element",
            EvalErrorKind::Format { .. } => "eval::format",
            EvalErrorKind::NoMatchingClause { .. } => "eval::no-matching-clause",
            EvalErrorKind::Index { .. } => "eval::index",
            EvalErrorKind::EnvRequired { .. } => "eval::env-required",
            EvalErrorKind::DotenvNotFound { .. } => "eval::dotenv-not-found",
            EvalErrorKind::DotenvSyntax { .. } => "eval::dotenv-syntax",
            EvalErrorKind::VenvWithoutPython { .. } => "eval::venv-without-python",
            EvalErrorKind::Deserialize { .. } => "eval::deserialize",
        }
    }

    fn label(&self) -> String {
        match self {
            EvalErrorKind::Read(e) => e.label(),
            EvalErrorKind::UnboundSymbol { .. } => "not defined".into(),
            EvalErrorKind::Arity { got, .. } => format!("called with {got}"),
            EvalErrorKind::Type { expected, actual, .. } => {
                format!("expected {expected}, found {}", with_article(actual))
            }
            EvalErrorKind::Coercion { value, .. } => format!("this is {value}"),
            EvalErrorKind::Syntax { message, .. } => message.clone(),
            EvalErrorKind::ImportNotFound { resolved, .. } => format!("no file at {resolved}"),
            EvalErrorKind::ImportIo { message, .. } => message.clone(),
            EvalErrorKind::OutsideRoot { .. } => "outside the tree root".into(),
            EvalErrorKind::NotSource { .. } => "read here".into(),
            EvalErrorKind::ImportCycle { .. } => "this import closes the cycle".into(),
            EvalErrorKind::DanglingRef { .. } => "nothing at this path".into(),
            EvalErrorKind::CyclicRef { .. } => "this reference leads back to itself".into(),
            EvalErrorKind::NotData { .. } => "made here".into(),
            EvalErrorKind::Limit {
                limit: Limit::Size | Limit::Nesting,
                ..
            } => "made here".into(),
            EvalErrorKind::Limit { .. } => "while evaluating this".into(),
            EvalErrorKind::UnknownTag { .. } => "unknown tag".into(),
            EvalErrorKind::NotCallable { what } => format!("{}, not a function", with_article(what)),
            EvalErrorKind::Arithmetic { message } => message.clone(),
            EvalErrorKind::DuplicateKey { .. } => "this key is already in the map".into(),
            EvalErrorKind::DuplicateSetElement { .. } => "this element is already in the set".into(),
            EvalErrorKind::Format { message } => message.clone(),
            EvalErrorKind::NoMatchingClause { value } => format!("this is {value}"),
            EvalErrorKind::Index { len, .. } => format!("the collection has {len} elements"),
            EvalErrorKind::EnvRequired { .. } => "required here".into(),
            EvalErrorKind::DotenvNotFound { resolved, .. } => format!("no file at {resolved}"),
            EvalErrorKind::DotenvSyntax { unclosed: true, .. } => "this line's quote is never closed".into(),
            EvalErrorKind::DotenvSyntax { .. } => "cannot be read from here".into(),
            EvalErrorKind::VenvWithoutPython { python, .. } => format!("there is no {python}"),
            EvalErrorKind::Deserialize { .. } => "this value".into(),
        }
    }

    fn default_help(&self) -> Option<String> {
        match self {
            EvalErrorKind::Read(e) => e.default_help(),
            EvalErrorKind::DuplicateSetElement { .. } => Some(
                "two elements of this set evaluate to the same value; remove one, or write (set [...]), which keeps one of each".into(),
            ),
            EvalErrorKind::UnboundSymbol { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            EvalErrorKind::UnboundSymbol { .. } => Some(
                "define it first with (def name value), bind it with let, or quote it ('name) to use the symbol as data"
                    .into(),
            ),
            EvalErrorKind::Coercion { env_var: Some(var), tag, value } if value == "nil" => Some(format!(
                "set {var}, or give a default: {tag} #or [#env {var} <default>]"
            )),
            EvalErrorKind::ImportNotFound { .. } => Some(
                "paths are relative to the importing file; use import? or #include? for a file that may be absent"
                    .into(),
            ),
            EvalErrorKind::ImportCycle { .. } => {
                Some("move what both files need into a third file that both import".into())
            }
            EvalErrorKind::OutsideRoot { .. } => Some(
                "files a source reads stay inside its repository (the nearest folder holding .git, else the source's folder): pass --root DIR for a wider one, or --unconfined"
                    .into(),
            ),
            EvalErrorKind::NotSource { file, .. } if is_dotenv_name(file) => Some(format!(
                "a .env file is not EDN: read its variables as a map with #dotenv {:?} (or #dotenv? when it may be missing)",
                file.rsplit('/').next().unwrap_or(file)
            )),
            EvalErrorKind::NotSource { .. } => Some(
                "import and include .edn files; a file under another name is evaluated, but its text is never shown"
                    .into(),
            ),
            EvalErrorKind::DanglingRef { .. } => {
                Some("#ref paths are keys from the top of this file's result, such as #ref [:apps 0 :name]".into())
            }
            EvalErrorKind::NotData { .. } => Some(
                "a file's result must be data: call the function instead of returning it, or remove it".into(),
            ),
            EvalErrorKind::Limit { limit: Limit::Depth, .. } => Some(
                "a function that calls itself without end? otherwise raise Limits::max_depth".into(),
            ),
            EvalErrorKind::Limit { limit: Limit::Steps, .. } => {
                Some("the program does too much work; otherwise raise Limits::max_steps".into())
            }
            EvalErrorKind::Limit {
                limit: Limit::Bytes | Limit::Size,
                ..
            } => Some(
                "the program builds too much data (is something doubled again and again?); otherwise raise Limits::max_bytes"
                    .into(),
            ),
            EvalErrorKind::Limit {
                limit: Limit::Nesting,
                ..
            } => Some("the data nests too deeply; otherwise raise Limits::max_depth".into()),
            EvalErrorKind::EnvRequired { name } => Some(format!(
                "set {name} (pm2-clj --env {name}=... or in the shell), or give a default: #or [#env {name} <default>]"
            )),
            EvalErrorKind::DotenvNotFound { .. } => Some(
                "paths are relative to the file that names them; use #dotenv? for a file that may be absent".into(),
            ),
            EvalErrorKind::DotenvSyntax { .. } => Some(
                "each line is NAME=value (optionally after `export `); quote a value with spaces or # in it: NAME=\"a b\"; # starts a comment".into(),
            ),
            EvalErrorKind::VenvWithoutPython { venv, .. } => Some(format!(
                "make the virtual environment again (python3 -m venv {venv}), or remove the folder to run with python3"
            )),
            EvalErrorKind::Deserialize { .. } => {
                Some("the value does not have the shape the program reading it expects".into())
            }
            EvalErrorKind::UnknownTag { suggestion: Some(s), .. } => Some(format!("did you mean #{s}?")),
            _ => None,
        }
    }

    fn suggestion(&self) -> Option<(String, String)> {
        match self {
            EvalErrorKind::UnboundSymbol {
                name,
                suggestion: Some(s),
            } => Some((name.clone(), s.clone())),
            EvalErrorKind::UnknownTag {
                tag,
                suggestion: Some(s),
            } => Some((format!("#{tag}"), format!("#{s}"))),
            _ => None,
        }
    }
}

impl fmt::Display for EvalErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalErrorKind::Read(e) => fmt::Display::fmt(e, f),
            EvalErrorKind::Deserialize { message } => f.write_str(message),
            EvalErrorKind::UnboundSymbol { name, .. } => write!(f, "unable to resolve symbol `{name}`"),
            EvalErrorKind::Arity {
                function,
                expected,
                got,
            } => write!(f, "`{function}` takes {expected} argument(s), but got {got}"),
            EvalErrorKind::Type {
                function,
                expected,
                actual,
            } => write!(
                f,
                "`{function}` expects {expected}, but got {}",
                with_article(actual)
            ),
            EvalErrorKind::Coercion {
                tag,
                value,
                env_var: Some(var),
            } if value == "nil" => write!(
                f,
                "{tag} needs a value, but environment variable {var} is not set"
            ),
            EvalErrorKind::Coercion {
                tag,
                value,
                env_var: Some(var),
            } => write!(
                f,
                "{tag} cannot convert {value} (from environment variable {var})"
            ),
            EvalErrorKind::Coercion {
                tag,
                value,
                env_var: None,
            } => write!(f, "{tag} cannot convert {value}"),
            EvalErrorKind::Syntax { form, .. } => write!(f, "malformed `{form}`"),
            EvalErrorKind::ImportNotFound { path, .. } => write!(f, "cannot find imported file \"{path}\""),
            EvalErrorKind::ImportIo { resolved, .. } => write!(f, "cannot read {resolved}"),
            EvalErrorKind::OutsideRoot { resolved, root } => {
                write!(f, "{resolved} is outside the tree root {root}")
            }
            EvalErrorKind::ImportCycle { chain } => write!(f, "import cycle: {}", chain.join(" → ")),
            EvalErrorKind::NotSource {
                file,
                code,
                line,
                column,
            } => write!(
                f,
                "{file}, which is not an .edn source, failed to evaluate ({code} at line {line}, column {column}; its text is not shown)"
            ),
            EvalErrorKind::DanglingRef { path } => write!(f, "#ref {path} points at nothing"),
            EvalErrorKind::CyclicRef { path } => write!(f, "#ref {path} is part of a reference cycle"),
            EvalErrorKind::NotData { what } => write!(f, "the result holds {what}, which is not data"),
            EvalErrorKind::Limit {
                limit: Limit::Depth,
                max,
            } => {
                write!(f, "evaluation nested deeper than the limit of {max}")
            }
            EvalErrorKind::Limit {
                limit: Limit::Steps,
                max,
            } => {
                write!(f, "evaluation took more than the limit of {max} steps")
            }
            EvalErrorKind::Limit {
                limit: Limit::Bytes,
                max,
            } => write!(f, "evaluation built more than the limit of {max} bytes of data"),
            EvalErrorKind::Limit {
                limit: Limit::Size,
                max,
            } => write!(
                f,
                "a value here would weigh more than the limit of {max} bytes (shared parts count at every use)"
            ),
            EvalErrorKind::Limit {
                limit: Limit::Nesting,
                max,
            } => write!(f, "data nested deeper than the limit of {max}"),
            EvalErrorKind::UnknownTag { tag, .. } => write!(f, "unknown tag #{tag}"),
            EvalErrorKind::NotCallable { what } => write!(f, "cannot call {}", with_article(what)),
            EvalErrorKind::Arithmetic { message } => write!(f, "arithmetic error: {message}"),
            EvalErrorKind::DuplicateKey { key } => write!(f, "duplicate key {key} in map"),
            EvalErrorKind::DuplicateSetElement { element } => write!(f, "duplicate element {element} in set"),
            EvalErrorKind::Format { message } => write!(f, "bad format string: {message}"),
            EvalErrorKind::NoMatchingClause { value } => write!(f, "no case clause matches {value}"),
            EvalErrorKind::Index { index, .. } => write!(f, "index {index} is out of bounds"),
            EvalErrorKind::EnvRequired { name } => {
                write!(f, "environment variable {name} is required, but it is not set")
            }
            EvalErrorKind::DotenvNotFound { path, .. } => write!(f, "cannot find .env file \"{path}\""),
            EvalErrorKind::DotenvSyntax { file, .. } => write!(f, "{file} is not a valid .env file"),
            EvalErrorKind::VenvWithoutPython { venv, .. } => {
                write!(
                    f,
                    "{venv} is a folder but not a virtual environment with a Python"
                )
            }
        }
    }
}

/// An evaluation error with its location.
pub type EvalError = Problem<EvalErrorKind>;

impl FromRead for EvalErrorKind {
    fn from_read(kind: ReadErrorKind) -> EvalErrorKind {
        EvalErrorKind::Read(kind)
    }
}

/// Whether a file's name is a dotenv file's: `.env`, `.env.local`, `prod.env`.
fn is_dotenv_name(file: &str) -> bool {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name == ".env" || name.starts_with(".env.") || name.ends_with(".env")
}
