//! `pm2-clj-sync` loads `.pm2.edn` sources and keeps the running PM2 set equal to them:
//! the load pipeline shared by every command ([`load`]), source discovery ([`scan`]),
//! ownership markers ([`markers`]), the desired side ([`desired`]), the running side
//! ([`process`]), what pm2 does that plans depend on ([`facts`]), crash loops told from
//! restarts ([`liveness`]), what an app needs on
//! this machine ([`preflight`], finding commands on `PATH` in `on_path`), the plan ([`plan`])
//! and its conflicts ([`conflict`]), and the dependency graph `watch` uses ([`graph`]).
//! Running pm2 and writing files are `pm2-clj-runtime`'s job.
//!
//! ```
//! use pm2_clj_sync::load::{Input, LoadSettings};
//!
//! let text = r#"{:apps [{:name "api" :script "server.js" :instances 2}]
//!                :profiles {:prod {:apps [{:name "api" :instances 4}]}}}"#;
//! let settings = LoadSettings { profile: Some("prod".into()), ..LoadSettings::default() };
//! let loaded = Input::text(std::path::Path::new("/srv/api.pm2.edn"), text).load(&settings).unwrap();
//! let api = &loaded.built.ecosystem.apps[0];
//! assert_eq!(api.name(), Some("api"));
//! assert_eq!(api.instances.as_ref().map(|s| s.value), Some(pm2_dsl_emit::Instances::Count(4)));
//! ```

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
