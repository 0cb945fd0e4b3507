//! `pm2-dsl-emit` turns an evaluated `.pm2.edn` value into the files PM2 loads, so that
//! what is written is what runs.
//!
//! ```
//! use pm2_dsl_emit::{build, render, Header, OutputFormat, Settings};
//! use pm2_dsl_eval::{Evaluator, MemoryLoader, EvalOptions};
//!
//! let mut evaluator = Evaluator::new(EvalOptions::new(), MemoryLoader::new());
//! let value = evaluator
//!     .eval_str("app.pm2.edn", r#"{:apps [{:name "api" :script "server.js" :max-restarts 0}]}"#)
//!     .unwrap();
//! let settings = Settings::new(evaluator.sources(), std::path::Path::new("/srv"));
//! let built = build(&value, &settings).unwrap();
//! let header = Header { source: "app.pm2.edn".into(), profile: None };
//! let js = render(&built.ecosystem, OutputFormat::Cjs, &header);
//! assert!(js.contains("\"max_restarts\": 0,\n      \"maxRestarts\": 0"));
//! ```
//!
//! - **The model** ([`build`]): `:apps` (a vector of app maps, or one map), `:deploy`
//!   (environment names to pm2-deploy settings), `:static` (passed through) and
//!   `:profiles`. With a profile, its overlay is deep-merged over the base and apps
//!   merge by `:name` (same name: merged; new name: appended; `:pm2-clj/remove true`:
//!   removed). A profile that neither `:profiles` nor any `#profile` names is an error.
//! - **Keys** ([`keys`]): kebab-case, snake_case, camelCase and PM2's aliases all name
//!   PM2's canonical option; deploy keys take pm2-deploy's spelling; environment variable
//!   names are kept verbatim.
//! - **Validation** against PM2's own option table ([`schema`]): unknown keys (which PM2
//!   drops silently) are errors with a suggestion; so are wrong types, bad formats,
//!   `min_uptime` under 100 ms, numbers PM2 or node would misread (each number option
//!   has its range; big decimals and ratios are written as numbers), environment values that are not scalars, environment
//!   variable names the OS would mangle (`"A=B"`), app names with control characters,
//!   duplicate app names and apps without `script`. `trace` and `deep_monitoring`, which make PM2
//!   install packages, are warnings. Nil values mean "not set" and are left out.
//! - **Export keys** ([`targets`]): `:image`, `:ports` and `:export` are pm2-clj's, for
//!   `pm2-clj export`: validated and overridable like options, never written into the
//!   PM2 file.
//! - **Paths**: a relative `cwd` is made absolute against the directory of the file it is
//!   written in (PM2 would resolve it against wherever pm2 was started), unless
//!   [`Settings::keep_relative_paths`].
//! - **Output** ([`render`]): JSON, CommonJS or an ES module, with a header, stable for the
//!   same input, falsy values written so that PM2 keeps them (see [`render`]'s module).

#![warn(missing_docs)]

mod build;
mod cron;
mod error;
pub mod health;
pub mod keys;
pub mod logs;
mod model;
pub mod overrides;
mod render;
pub mod schema;
mod spec;
mod target_values;
pub mod targets;
mod validate;

pub use validate::json_problems;

pub use build::{Built, Settings, absolute, build, folder_of, reserved_name};
pub use error::{EmitError, EmitErrorKind, EnvNameProblem};
pub use model::{DeployTarget, Ecosystem};
pub use render::{Header, OutputFormat, app_json, render};
pub use spec::{
    AppSpec, Args, AsWritten, Bytes, EnvMap, EnvValue, ExecMode, ExitCodes, Instances, LogFile, Own,
    Principal, Setting, TYPED_OPTIONS, Texts, Typed, Watch,
};
