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

/// What a report says about one kind: its code, message, label and help, side by side.
struct Facts {
    code: &'static str,
    message: String,
    label: String,
    help: Option<String>,
}

/// A row of the table: `row(code, message, label, help)`.
fn row(code: &'static str, message: String, label: impl Into<String>, help: Option<String>) -> Facts {
    Facts {
        code,
        message,
        label: label.into(),
        help,
    }
}

/// A help text.
fn help(text: impl Into<String>) -> Option<String> {
    Some(text.into())
}

impl EvalErrorKind {
    /// The table: every kind's code, message, label and help in one row.
    fn facts(&self) -> Facts {
        use EvalErrorKind as K;
        match self {
            K::Read(e) => row(e.code(), e.to_string(), e.label(), e.default_help()),
            K::UnboundSymbol { name, suggestion } => row(
                "eval::unbound-symbol",
                format!("unable to resolve symbol `{name}`"),
                "not defined",
                match suggestion {
                    Some(s) => help(format!("did you mean `{s}`?")),
                    None => help(
                        "define it first with (def name value), bind it with let, or quote it ('name) to use the symbol as data",
                    ),
                },
            ),
            K::Arity {
                function,
                expected,
                got,
            } => row(
                "eval::arity",
                format!("`{function}` takes {expected} argument(s), but got {got}"),
                format!("called with {got}"),
                None,
            ),
            K::Type {
                function,
                expected,
                actual,
            } => row(
                "eval::type",
                format!(
                    "`{function}` expects {expected}, but got {}",
                    with_article(actual)
                ),
                format!("expected {expected}, found {}", with_article(actual)),
                None,
            ),
            K::Coercion { tag, value, env_var } => row(
                "eval::coercion",
                match env_var {
                    Some(var) if value == "nil" => {
                        format!("{tag} needs a value, but environment variable {var} is not set")
                    }
                    Some(var) => format!("{tag} cannot convert {value} (from environment variable {var})"),
                    None => format!("{tag} cannot convert {value}"),
                },
                format!("this is {value}"),
                match env_var {
                    Some(var) if value == "nil" => help(format!(
                        "set {var}, or give a default: {tag} #or [#env {var} <default>]"
                    )),
                    _ => None,
                },
            ),
            K::Syntax { form, message } => row(
                "eval::syntax",
                format!("malformed `{form}`"),
                message.clone(),
                None,
            ),
            K::ImportNotFound { path, resolved } => row(
                "eval::import-not-found",
                format!("cannot find imported file \"{path}\""),
                format!("no file at {resolved}"),
                help(
                    "paths are relative to the importing file; use import? or #include? for a file that may be absent",
                ),
            ),
            K::ImportIo { resolved, message } => row(
                "eval::import-io",
                format!("cannot read {resolved}"),
                message.clone(),
                None,
            ),
            K::OutsideRoot { resolved, root } => row(
                "eval::outside-root",
                format!("{resolved} is outside the tree root {root}"),
                "outside the tree root",
                help(
                    "files a source reads stay inside its repository (the nearest folder holding .git, else the source's folder): pass --root DIR for a wider one, or --unconfined",
                ),
            ),
            K::NotSource {
                file,
                code,
                line,
                column,
            } => row(
                "eval::not-source",
                format!(
                    "{file}, which is not an .edn source, failed to evaluate ({code} at line {line}, column {column}; its text is not shown)"
                ),
                "read here",
                if is_dotenv_name(file) {
                    help(format!(
                        "a .env file is not EDN: read its variables as a map with #dotenv {:?} (or #dotenv? when it may be missing)",
                        file.rsplit('/').next().unwrap_or(file)
                    ))
                } else {
                    help(
                        "import and include .edn files; a file under another name is evaluated, but its text is never shown",
                    )
                },
            ),
            K::ImportCycle { chain } => row(
                "eval::import-cycle",
                format!("import cycle: {}", chain.join(" → ")),
                "this import closes the cycle",
                help("move what both files need into a third file that both import"),
            ),
            K::DanglingRef { path } => row(
                "eval::dangling-ref",
                format!("#ref {path} points at nothing"),
                "nothing at this path",
                help("#ref paths are keys from the top of this file's result, such as #ref [:apps 0 :name]"),
            ),
            K::CyclicRef { path } => row(
                "eval::cyclic-ref",
                format!("#ref {path} is part of a reference cycle"),
                "this reference leads back to itself",
                None,
            ),
            K::NotData { what } => row(
                "eval::not-data",
                format!("the result holds {what}, which is not data"),
                "made here",
                help("a file's result must be data: call the function instead of returning it, or remove it"),
            ),
            K::Limit { limit, max } => {
                let (message, label, text) = match limit {
                    Limit::Depth => (
                        format!("evaluation nested deeper than the limit of {max}"),
                        "while evaluating this",
                        "a function that calls itself without end? otherwise raise Limits::max_depth",
                    ),
                    Limit::Steps => (
                        format!("evaluation took more than the limit of {max} steps"),
                        "while evaluating this",
                        "the program does too much work; otherwise raise Limits::max_steps",
                    ),
                    Limit::Bytes => (
                        format!("evaluation built more than the limit of {max} bytes of data"),
                        "while evaluating this",
                        LIMIT_BYTES_HELP,
                    ),
                    Limit::Size => (
                        format!(
                            "a value here would weigh more than the limit of {max} bytes (shared parts count at every use)"
                        ),
                        "made here",
                        LIMIT_BYTES_HELP,
                    ),
                    Limit::Nesting => (
                        format!("data nested deeper than the limit of {max}"),
                        "made here",
                        "the data nests too deeply; otherwise raise Limits::max_depth",
                    ),
                };
                row("eval::limit", message, label, help(text))
            }
            K::UnknownTag { tag, suggestion } => row(
                "eval::unknown-tag",
                format!("unknown tag #{tag}"),
                "unknown tag",
                // With nothing close, the evaluator gives the list of tags as the help.
                suggestion.as_ref().map(|s| format!("did you mean #{s}?")),
            ),
            K::NotCallable { what } => row(
                "eval::not-callable",
                format!("cannot call {}", with_article(what)),
                format!("{}, not a function", with_article(what)),
                None,
            ),
            K::Arithmetic { message } => row(
                "eval::arithmetic",
                format!("arithmetic error: {message}"),
                message.clone(),
                None,
            ),
            K::DuplicateKey { key } => row(
                "eval::duplicate-key",
                format!("duplicate key {key} in map"),
                "this key is already in the map",
                None,
            ),
            K::DuplicateSetElement { element } => row(
                "eval::duplicate-set-element",
                format!("duplicate element {element} in set"),
                "this element is already in the set",
                help(
                    "two elements of this set evaluate to the same value; remove one, or write (set [...]), which keeps one of each",
                ),
            ),
            K::Format { message } => row(
                "eval::format",
                format!("bad format string: {message}"),
                message.clone(),
                None,
            ),
            K::NoMatchingClause { value } => row(
                "eval::no-matching-clause",
                format!("no case clause matches {value}"),
                format!("this is {value}"),
                None,
            ),
            K::Index { index, len } => row(
                "eval::index",
                format!("index {index} is out of bounds"),
                format!("the collection has {len} elements"),
                None,
            ),
            K::EnvRequired { name } => row(
                "eval::env-required",
                format!("environment variable {name} is required, but it is not set"),
                "required here",
                help(format!(
                    "set {name} (pm2-clj --env {name}=... or in the shell), or give a default: #or [#env {name} <default>]"
                )),
            ),
            K::DotenvNotFound { path, resolved } => row(
                "eval::dotenv-not-found",
                format!("cannot find .env file \"{path}\""),
                format!("no file at {resolved}"),
                help(
                    "paths are relative to the file that names them; use #dotenv? for a file that may be absent",
                ),
            ),
            K::DotenvSyntax { file, unclosed } => row(
                "eval::dotenv-syntax",
                format!("{file} is not a valid .env file"),
                if *unclosed {
                    "this line's quote is never closed"
                } else {
                    "cannot be read from here"
                },
                help(
                    "each line is NAME=value (optionally after `export `); quote a value with spaces or # in it: NAME=\"a b\"; # starts a comment",
                ),
            ),
            K::VenvWithoutPython { venv, python } => row(
                "eval::venv-without-python",
                format!("{venv} is a folder but not a virtual environment with a Python"),
                format!("there is no {python}"),
                help(format!(
                    "make the virtual environment again (python3 -m venv {venv}), or remove the folder to run with python3"
                )),
            ),
            K::Deserialize { message } => row(
                "eval::deserialize",
                message.clone(),
                "this value",
                help("the value does not have the shape the program reading it expects"),
            ),
        }
    }
}

/// The help of a program that builds too much data.
const LIMIT_BYTES_HELP: &str = "the program builds too much data (is something doubled again and again?); otherwise raise Limits::max_bytes";

impl ProblemKind for EvalErrorKind {
    /// The stable diagnostic code, such as `eval::unbound-symbol`.
    fn code(&self) -> &'static str {
        match self {
            // The code alone, without building the texts of the row.
            EvalErrorKind::Read(e) => e.code(),
            _ => self.facts().code,
        }
    }

    fn label(&self) -> String {
        self.facts().label
    }

    fn default_help(&self) -> Option<String> {
        self.facts().help
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
        f.write_str(&self.facts().message)
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
