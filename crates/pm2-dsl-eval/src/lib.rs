//! `pm2-dsl-eval` evaluates a small Clojure dialect, in the style of the Clojure config
//! libraries Aero and Baum, to pure data.
//!
//! Embedding it takes a few lines: evaluate a file with a profile, then deserialize the
//! result into your own type.
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("app.edn");
//! # std::fs::write(&path, r#"{:port #profile {:dev 8080 :prod #long #or [#env PORT 80]} :name "api"}"#).unwrap();
//! # let path = path.to_str().unwrap();
//! #[derive(serde::Deserialize)]
//! struct Config { port: u16, name: String }
//!
//! let options = pm2_dsl_eval::EvalOptions::new().profile("prod").env(pm2_dsl_eval::Env::empty());
//! let mut evaluator = pm2_dsl_eval::Evaluator::new(options, pm2_dsl_eval::FsLoader::new());
//! let value = evaluator.eval_file(path)?;
//! let config: Config = pm2_dsl_eval::from_value(&value)?;
//! assert_eq!((config.port, config.name.as_str()), (80, "api"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Errors are `miette` diagnostics that show the text they are about. A value that does
//! not fit your type is one too, once its sources are attached:
//!
//! ```
//! use miette::{GraphicalReportHandler, GraphicalTheme};
//! use pm2_dsl_eval::{Evaluator, MemoryLoader, EvalOptions};
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Config { port: u16 }
//!
//! let mut evaluator = Evaluator::new(EvalOptions::new(), MemoryLoader::new());
//! let value = evaluator.eval_str("app.edn", "{:port \"eighty\"}").unwrap();
//! let err = pm2_dsl_eval::from_value::<Config>(&value).unwrap_err();
//! let err = err.attach_sources(evaluator.sources());
//! let mut report = String::new();
//! GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
//!     .render_report(&mut report, &err)
//!     .unwrap();
//! assert!(report.contains("eval::deserialize"));
//! assert!(report.contains("app.edn:1:8"), "{report}");
//! assert!(report.contains("{:port \"eighty\"}"), "the snippet: {report}");
//! ```
//!
//! # The language
//!
//! A file is a sequence of forms evaluated in order; `def`, `defn` and
//! `(import "f" :as alias)` bind names in the file's own scope, and the file's value is
//! its last form that is not a definition. A file that is one EDN map is therefore a
//! program whose value is that map.
//!
//! - Special forms: `def`, `defn`, `fn`, `let` (sequential, with vector and
//!   `{:keys [...]}` destructuring), `if`, `when`, `when-not`, `cond`, `case`, `do`,
//!   `quote`, `and`, `or`, `->`, `->>`, `for` (with `:when` and `:let`), `import`,
//!   `import?`, `comment`.
//! - Built-in functions: `merge`, `deep-merge`, `assoc`, `assoc-in`, `dissoc`, `update`,
//!   `update-in`, `get`, `get-in`, `select-keys`, `keys`, `vals`, `contains?`, `count`,
//!   `empty?`, `first`, `second`, `last`, `rest`, `nth`, `conj`, `concat`, `into`, `vec`,
//!   `set`, `hash-map`, `vector`, `list`, `zipmap`, `map`, `mapv`, `filter`, `remove`,
//!   `some`, `every?`, `reduce`, `range`, `apply`, `identity`, `str`, `keyword`, `name`,
//!   `format`, `str/join`, `str/split`, `str/upper-case`, `str/lower-case`, `str/trim`,
//!   `str/replace`, `str/blank?`, `str/starts-with?`, `str/ends-with?`, `str/includes?`,
//!   `+ - * / mod inc dec min max even? odd? zero? pos? neg?`, `= not= < > <= >=`, `not`, `nil?`, `some?`,
//!   `string?`, `number?`, `int?`, `boolean?`, `keyword?`, `map?`, `vector?`, `fn?`,
//!   `env`, `dotenv`, `dotenv?`, `profile`. Functions that build sequences return
//!   vectors. Keywords, maps and sets can be called as functions, as in Clojure.
//! - Reader tags with Aero's meanings: `#env`, `#envf`, `#or`, `#profile`, `#long`,
//!   `#double`, `#keyword`, `#boolean`, `#join`, `#merge`, `#deep-merge`, `#include`,
//!   `#include?`, `#ref`; `#inst` and `#uuid` stay tagged data. See the `tags` module
//!   notes in [`Evaluator`]'s documentation of inputs below.
//! - Tags for process environments: `#env! NAME` (an error when `NAME` is unset),
//!   `#dotenv ".env"` and `#dotenv? ".env"` (a `.env` file, read through the [`Loader`],
//!   as a map), `#secret x` and `#venv ".venv"`.
//!
//! # Secrets
//!
//! `#secret x` marks `x` and every value inside it ([`Value::is_secret`]); what a
//! function computes from a secret scalar (a string joined with it, a number parsed
//! from it) is secret too. Printing never shows a secret: EDN gives `#secret "•••"`,
//! [`serde::Serialize`] gives `"<secret>"`, and diagnostics quote values through these.
//! [`NullForNonData`] (for writing the files PM2 loads), the [`from_value`]
//! deserializer and [`Value::revealed`] give the value itself.
//! - `deep-merge` follows Baum's merge-tree, with `^:append`, `^:prepend`, `^:replace`
//!   and `^:displace` markers.
//!
//! # Inputs and limits
//!
//! Everything an evaluation reads is explicit ([`EvalOptions`]): the profile, the
//! environment variables (the process environment only through [`Env::from_process`]),
//! the [`Loader`] for imports ([`FsLoader`], [`MemoryLoader`], or your own) and the
//! [`Limits`] on recursion depth and steps. Each file is read and evaluated once per
//! [`Evaluator`]; imported files see the same profile and environment but never the
//! importing file's definitions.
//!
//! Choices where Clojure tools differ: `#envf` reads a missing variable as "" (Aero
//! prints "null"); `#boolean` is true only for `true` or a string equal to "true"
//! ignoring case; `#long`, `#double` and `#keyword` of nil are errors that name the
//! environment variable behind them; unknown tags are errors (with a suggestion) except
//! `#inst` and `#uuid`.
//!
//! Errors are [`EvalError`]s: `miette` diagnostics with a stable code, a label on the
//! source text, help, and for errors in imported files a note at each import.
//! Evaluation grows its stack on demand, so [`Limits::max_depth`] is the only bound on
//! recursion, on any thread.

#![warn(missing_docs)]

mod builtins;
mod de;
mod destructure;
pub mod docs;
mod dotenv;
mod error;
mod eval;
mod evaluator;
mod file;
mod function;
mod layout;
mod loader;
mod merge;
mod options;
mod refs;
mod scope;
mod ser;
mod special;
mod suggest;
mod tags;
mod value;

pub use de::{DeError, from_value};
pub use error::{EvalError, EvalErrorKind, Limit};
pub use evaluator::{Evaluator, LoadedFile, UnsetEnv};
pub use file::{FileError, MAX_FILE_BYTES, read_text_file};
pub use function::Function;
pub use layout::{format, list_indent};
pub use loader::{Found, FsLoader, Loader, MemoryLoader, OutsideRoot, Overlay, resolve_path};
pub use merge::deep_merge;
pub use options::{Env, EvalOptions, Limits};
pub use pm2_dsl_reader::{Note, Number};
pub use pm2_dsl_reader::{Problem, ProblemKind};
pub use ser::{NullForNonData, key_text};
pub use suggest::closest;
pub use tags::hide_secret_literals;
pub use value::{Hidden, Map, MergeMarkers, Origin, SECRET_EDN, SECRET_JSON, Seq, Set, Value, ValueKind};
