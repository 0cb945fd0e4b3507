//! One module per verb; each has its clap arguments and a `run` function.

pub mod eval;
pub mod read;
