//! `pm2-clj` is the library other Rust tools depend on: configuration written in a small
//! Clojure dialect (EDN with `def`, `let`, `merge`, imports, profiles and Aero's reader
//! tags: `#env`, `#or`, `#profile`, `#include`, `#ref`, ...) loaded into your own serde
//! types, or PM2 ecosystems (`*.pm2.edn`) loaded into a typed model. Four calls:
//!
//! - [`Options`]: the profile, the environment the file sees (none from the process
//!   unless you ask), the root its imports stay inside, the evaluator's limits;
//! - [`from_file`] and [`from_str`]: any config into your type (as Aero and Baum do);
//! - [`load_ecosystem`]: a `.pm2.edn` with its profile overlay applied, checked against
//!   PM2's option schema, as an [`Ecosystem`] whose [`Ecosystem::to_json`] is what PM2
//!   reads;
//! - [`Error`]: every problem of a load, each labelled on its source text; it is a
//!   `miette::Diagnostic`, `Send + Sync + 'static`, and carries its sources, so `?` in a
//!   function returning `miette::Result` prints the file, line, column and a snippet.
//!
//! ```
//! # fn main() -> miette::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("app.edn");
//! # std::fs::write(&path, r#"{:port #long #or [#env PORT 8080] :workers #profile {:prod 8 :default 2}}"#).unwrap();
//! #[derive(serde::Deserialize)]
//! struct Config {
//!     port: u16,
//!     workers: u32,
//! }
//!
//! let options = pm2_clj::Options::new().profile("prod").env([("PORT", "9000")]);
//! let config: Config = pm2_clj::from_file(&path, &options)?;
//! assert_eq!((config.port, config.workers), (9000, 8));
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod error;
mod options;

use std::path::Path;

use pm2_clj_sync::load::{self, Input, LoadFailure};
use pm2_clj_sync::problem::SourceProblem;
use pm2_dsl_eval::MemoryLoader;
use serde::de::DeserializeOwned;

pub use error::Error;
pub use options::Options;
pub use pm2_dsl_emit::health::{Health, Probe};
pub use pm2_dsl_emit::{
    AppSpec, Args, AsWritten, Bytes, DeployTarget, Ecosystem, EnvMap, EnvValue, ExecMode, ExitCodes,
    Instances, LogFile, OutputFormat, Principal, Setting, Texts, Watch,
};
pub use pm2_dsl_eval::{Limits, Value};

/// Reads and evaluates the file at `path` (its imports relative to it, inside
/// [`Options::root`]) and deserializes its value into `T`.
pub fn from_file<T: DeserializeOwned>(path: impl AsRef<Path>, options: &Options) -> Result<T, Error> {
    let settings = options.settings();
    let evaluated = Input::file(path.as_ref())
        .evaluate(&settings)
        .map_err(Error::of_failure)?;
    deserialize(&evaluated)
}

/// Evaluates `text` as the file `name` (imports resolve against its folder, on disk
/// inside [`Options::root`]) and deserializes its value into `T`.
pub fn from_str<T: DeserializeOwned>(
    name: impl AsRef<Path>,
    text: &str,
    options: &Options,
) -> Result<T, Error> {
    let settings = options.settings();
    let evaluated = Input::text(name.as_ref(), text)
        .evaluate(&settings)
        .map_err(Error::of_failure)?;
    deserialize(&evaluated)
}

fn deserialize<T: DeserializeOwned>(evaluated: &load::Evaluated) -> Result<T, Error> {
    let value = evaluated.value_with_overrides().map_err(Error::of)?;
    pm2_dsl_eval::from_value(&value).map_err(|e| {
        Error::of(vec![SourceProblem::Eval(
            e.attach_sources(evaluated.evaluator.sources()),
        )])
    })
}

/// Loads the PM2 ecosystem at `path`: evaluated, its profile's overlay applied, checked
/// against PM2's option schema (and, unless [`Options::preflight`] is off, against this
/// machine: each app's folder, script and interpreter). Warnings do not fail a load; they
/// are in [`Error`] only with an error.
pub fn load_ecosystem(path: impl AsRef<Path>, options: &Options) -> Result<Ecosystem, Error> {
    let settings = options.settings();
    Input::file(path.as_ref())
        .load(&settings)
        .map(|loaded| loaded.built.ecosystem)
        .map_err(Error::of_failure)
}

/// Evaluates `text` as `name` with imports served from `files` (location → text) only,
/// never the disk: for tests and tools that hold their sources in memory.
pub fn from_memory<T: DeserializeOwned>(
    name: &str,
    text: &str,
    files: impl IntoIterator<Item = (String, String)>,
    options: &Options,
) -> Result<T, Error> {
    let mut loader = MemoryLoader::new();
    for (location, file) in files {
        loader.insert(&location, file);
    }
    let settings = options.settings();
    let evaluated = Input::text(Path::new(name), text)
        .loader(loader)
        .evaluate(&settings)
        .map_err(Error::of_failure)?;
    deserialize(&evaluated)
}

impl Error {
    fn of_failure(failure: LoadFailure) -> Error {
        Error::of(failure.reports)
    }
}
