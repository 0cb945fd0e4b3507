//! One module per verb; each has its clap arguments and a `run` function.

pub mod check;
pub mod completions;
pub mod eval;
pub mod fmt;
pub mod pm2_verbs;
pub mod read;
pub mod render;
pub mod sync;
pub mod watch;
