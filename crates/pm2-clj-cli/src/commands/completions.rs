//! `pm2-clj completions SHELL`: print a shell completion script.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::failure::Failure;
use crate::output::write_stdout;

/// Arguments of `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

/// Prints the completion script for the `pm2-clj` command `cli` describes.
pub fn run<C: CommandFactory>(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut command = C::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pm2-clj", &mut out);
    write_stdout(&String::from_utf8_lossy(&out))
}
