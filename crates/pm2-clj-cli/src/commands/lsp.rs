//! `pm2-clj lsp`: the language server (`pm2_clj_lsp`) on stdin and stdout. The exit
//! code is 0 when the client ended the session with `shutdown` and `exit`, else 1.

use crate::failure::{CliProblem, Failure};

/// Runs the language server until the client exits or goes away.
pub fn run() -> Result<(), Failure> {
    pm2_clj_lsp::serve_stdio().map_err(|why| {
        Failure::input(Failure::plain(
            CliProblem::LspSession,
            format!("the language server stopped: {why}"),
            None,
        ))
    })
}
