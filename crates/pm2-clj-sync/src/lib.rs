//! `pm2-clj-sync` loads `.pm2.edn` sources and keeps the running PM2 set equal to them:
//! the load pipeline shared by every command ([`load`]), source discovery ([`scan`]),
//! ownership markers ([`markers`]), the desired side ([`desired`]), the running side
//! ([`process`]), the plan ([`plan`]), and the dependency graph `watch` uses
//! ([`graph`]). Running pm2 and writing files are the CLI's job.

#![warn(missing_docs)]

pub mod desired;
pub mod graph;
pub mod load;
pub mod markers;
pub mod plan;
pub mod process;
pub mod scan;
