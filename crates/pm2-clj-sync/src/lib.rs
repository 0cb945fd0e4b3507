//! `pm2-clj-sync` loads `.pm2.edn` sources and keeps the running PM2 set equal to them:
//! the load pipeline shared by every command ([`load`]), source discovery ([`scan`]),
//! ownership markers ([`markers`]), the desired side ([`desired`]), the running side
//! ([`process`]), what pm2 does that plans depend on ([`facts`]), crash loops told from
//! restarts ([`liveness`]), what an app needs on
//! this machine ([`preflight`], finding commands on `PATH` in `on_path`), the plan ([`plan`])
//! and its conflicts ([`conflict`]), and the dependency graph `watch` uses ([`graph`]).
//! Running pm2 and writing files are `pm2-clj-runtime`'s job.

#![warn(missing_docs)]

pub mod conflict;
pub mod desired;
mod error;
pub mod facts;
pub mod graph;
pub mod liveness;
pub mod load;
pub mod markers;
mod on_path;
pub mod place;
pub mod plan;
pub mod preflight;
pub mod problem;
pub mod process;
pub mod scan;
pub mod status;

pub use error::{LoadError, LoadErrorKind};
