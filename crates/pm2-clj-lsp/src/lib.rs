//! `pm2-clj-lsp` is the language server for `.pm2.edn` files (`pm2-clj lsp`), over the
//! same load pipeline as every other command: no parser or evaluator of its own.
//!
//! ```
//! // A whole session over in-memory streams: initialize, then shutdown and exit.
//! let frame = |json: &str| format!("Content-Length: {}\r\n\r\n{json}", json.len());
//! let input: String = [
//!     r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
//!     r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
//!     r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
//!     r#"{"jsonrpc":"2.0","method":"exit"}"#,
//! ]
//! .iter()
//! .map(|m| frame(m))
//! .collect();
//! let reply = tempfile::tempfile().unwrap();
//! pm2_clj_lsp::serve(std::io::Cursor::new(input.into_bytes()), reply).expect("a clean session");
//! ```
//!
//! - **Diagnostics** from reading, evaluating and building each open document, on open
//!   and on every change (a burst of changes is analysed once), with UTF-16 ranges,
//!   severity, code, `codeDescription` where PM2 documents the option concerned, and
//!   `relatedInformation` (an unclosed delimiter's opener, a duplicate's first copy, the
//!   import chain, the call of an imported function). An error in an imported file is
//!   shown at the import, and in that file too when it is open. Unsaved buffers are what
//!   is evaluated: imports read open documents before the disk.
//! - **Hover**, **completion**, **go to definition**, **document symbols**, **code
//!   actions** for each did-you-mean, and **formatting** in `fmt`'s layout.
//!
//! A broken or hostile client costs bounded memory: frames are read within bounds and
//! a bad one is dropped, logged, and read past to the next (`transport`); a document is
//! read and evaluated within the limits the command line applies (`documents`,
//! `analysis`), with a diagnostic carrying the limit's code when it is over one.
//!
//! The client may pass `initializationOptions`: `{"profile": "prod", "env": {"K": "V"},
//! "debounceMs": 0, "root": "/path", "unconfined": false}`. A document reads files
//! (imports, `#include`, `#dotenv`) only inside its root, as every command does. Hover,
//! completion and diagnostics never show a value read from the environment, a `.env`
//! file or an include, nor a secret (see `pm2_dsl_eval::Hidden`). Positions are UTF-16,
//! as the protocol's default.

#![warn(missing_docs)]

mod analysis;
mod completion;
mod convert;
mod documents;
mod edits;
mod hover;
mod navigation;
mod query;
pub mod server;
mod transport;

/// Serves on stdin and stdout until the client exits or goes away. `Err` says why the
/// session did not end with `shutdown` and `exit`.
pub fn serve_stdio() -> Result<(), String> {
    serve(std::io::BufReader::new(std::io::stdin()), std::io::stdout())
}

/// Serves the client whose framed JSON-RPC arrives on `input`, answering on `output`,
/// until it exits or `input` ends: [`serve_stdio`] over any streams (tests drive it over
/// in-memory ones). `Err` says why the session did not end with `shutdown` and `exit`.
pub fn serve(
    input: impl std::io::BufRead + Send + 'static,
    output: impl std::io::Write + Send + 'static,
) -> Result<(), String> {
    let (sender, receiver, threads) = transport::start(input, output);
    let result = server::run(sender, receiver);
    // The writer ends once every sender is gone: the server's went with it above.
    let written = threads
        .join()
        .map_err(|e| format!("cannot write to the client: {e}"));
    result.and(written)
}
