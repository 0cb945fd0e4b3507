//! `pm2-clj-runtime` holds every effect pm2-clj has on the world. The pure crates below
//! it (`pm2-clj-sync`, `pm2-dsl-emit`, ...) decide what should happen; this crate makes
//! it happen and reports what did, as typed [`events`] and an [`outcome`] the CLI turns
//! into text, JSON lines and exit codes.
//!
//! ```
//! use std::time::Duration;
//!
//! use pm2_clj_runtime::{events::Quiet, fake::FakePm2, verbs::{Verb, VerbOptions, run}};
//! use pm2_clj_sync::{desired::prepare, load::LoadSettings};
//!
//! // Starting a source's apps on the fake pm2 (feature `fake`): the verb policy, verified.
//! let dir = tempfile::tempdir().unwrap();
//! let source = dir.path().join("a.pm2.edn");
//! std::fs::write(&source, r#"{:apps [{:name "web" :script "web.js" :min-uptime 100}]}"#).unwrap();
//! let state = prepare(&source, &LoadSettings::default());
//! let pm2 = FakePm2::default();
//! let options = VerbOptions {
//!     only: Vec::new(),
//!     rollback: true,
//!     wait: Duration::from_secs(5),
//!     lock_wait: Duration::from_secs(5),
//!     home: Some(dir.path().join("home")),
//! };
//! let started = run(&pm2, Verb::Start { restart: false }, &state, &options, &Quiet).unwrap();
//! assert!(started.units.iter().all(|u| u.succeeded()));
//! assert_eq!(pm2.calls(), ["start web"]);
//! ```
//!
//! - [`pm2`]: the driver (pm2's daemon socket, its own API through a Node helper, or its
//!   command line);
//! - [`verbs`] and [`reconcile`]: the pm2 verbs on one file, and `sync` over a tree;
//!   [`status`]: what runs against the sources;
//! - [`apply`]: actions as transactions, verified ([`verify`], [`probe`]) and rolled back;
//!   [`monitor`]: pm2's list while waiting, woken by pm2's own change events;
//! - [`generated`] and [`files`]: the generated configs and their last good versions;
//! - [`observe`]: what pm2 runs, crash loops named;
//! - [`live`]: `top`'s live look, refreshed by pm2's bus;
//! - [`lock`]: one run at a time per pm2; [`logs`]: apps' log files; [`rotate`]: the
//!   `pm2-logrotate` module `:logs :rotate` configures;
//! - `child`: child processes run in their own process group, with capped output and a
//!   deadline;
//! - [`install`]: exported systemd units copied where systemd reads them, and enabled;
//! - [`secrets`]: what a source marks `#secret` kept out of every report.

#![warn(missing_docs)]

pub mod apply;
mod child;
mod error;
pub mod events;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub mod files;
pub mod generated;
pub mod health;
pub mod install;
pub mod live;
pub mod lock;
pub mod logs;
pub mod monitor;
pub mod observe;
pub mod outcome;
pub mod pm2;
pub mod probe;
pub mod reconcile;
pub mod rotate;
pub mod secrets;
pub mod status;
pub mod verbs;
pub mod verify;
pub mod watch;

pub use error::{RuntimeError, RuntimeErrorKind};
