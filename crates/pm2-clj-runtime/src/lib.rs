//! `pm2-clj-runtime` holds every effect pm2-clj has on the world: writing generated
//! files ([`files`]) and, built on it, driving the real pm2. The pure crates below it
//! (`pm2-clj-sync`, `pm2-dsl-emit`, ...) decide what should happen; this crate makes it
//! happen and reports what did, as typed values the CLI turns into text.

#![warn(missing_docs)]

mod error;
pub mod files;
pub mod pm2;

pub use error::{RuntimeError, RuntimeErrorKind};
