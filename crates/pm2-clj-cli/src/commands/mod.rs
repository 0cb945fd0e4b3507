//! One module per verb; each has its clap arguments and a `run` function.

pub mod check;
pub mod completions;
pub mod convert;
pub mod eval;
pub mod export;
pub mod fmt;
pub mod health;
pub mod logs;
pub mod lsp;
pub mod migrate;
pub mod pm2_verbs;
pub mod read;
pub mod render;
pub mod status;
pub mod sync;
pub mod top;
pub mod watch;
