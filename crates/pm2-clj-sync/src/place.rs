//! [`Place`]: where an app's `:name` is written, for the diagnostics that point at it
//! (a name two sources claim).

use std::sync::Arc;

use pm2_dsl_reader::{Source, Span};

/// Where an app's `:name` is written.
#[derive(Clone, Debug)]
pub struct Place {
    /// The text it is written in.
    pub source: Arc<Source>,
    /// The name's span in it.
    pub span: Span,
}
