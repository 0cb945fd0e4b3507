//! One module per verb; each has its clap arguments and a `run` function.

pub mod check;
pub mod eval;
pub mod read;
pub mod render;
