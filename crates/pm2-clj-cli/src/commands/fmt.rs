//! `pm2-clj fmt [FILE...|DIR|-] [--check]`: rewrite sources in the canonical layout
//! (`pm2_dsl_eval::format`: only blank text and commas change, comments and `#_`
//! discards stay). A directory stands for every `*.pm2.edn` under it, no argument for the
//! current directory, and `-` for stdin, formatted to stdout. With `--check` nothing is
//! written: each file whose layout differs is reported, and the exit code is 1.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::input::read_source;
use clap::Args;
use miette::{LabeledSpan, MietteDiagnostic, Report};
use pm2_dsl_reader::Source;

use crate::failure::{CliProblem, Failure};
use crate::input::{StdinInput, expand};
use crate::output::write_stdout;

/// Arguments of `fmt`.
#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files, directories to search for `*.pm2.edn` files (default: the current
    /// directory), or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Write nothing: report each file whose layout differs, and exit 1 if any does.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub stdin: StdinInput,
}

/// Runs `fmt`: every file is tried; the problems are reported together at the end.
pub fn run(args: &FmtArgs) -> Result<(), Failure> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (files, mut problems) = expand(&roots);
    for path in files {
        if let Err(failure) = format_one(&path, args) {
            problems.extend(failure.into_reports());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(problems))
    }
}

fn format_one(path: &Path, args: &FmtArgs) -> Result<(), Failure> {
    let (name, text, from_stdin) = match args.stdin.read(path)? {
        Some((name, text)) => (name, text, true),
        None => (path.to_path_buf(), read_source(path)?, false),
    };
    let source = Source::standalone(name.to_string_lossy(), text);
    let formatted = pm2_dsl_eval::format(&source)?;
    if args.check {
        return match first_difference(source.text(), &formatted) {
            Some(at) => Err(Failure::Input(vec![unformatted(source, at)])),
            None => Ok(()),
        };
    }
    if from_stdin {
        return write_stdout(&formatted);
    }
    pm2_clj_runtime::files::rewrite_source(path, &formatted)?;
    Ok(())
}

/// The byte offset of the start of the first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> Option<usize> {
    let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y);
    let at = match at {
        Some(at) => at,
        None if a.len() == b.len() => return None,
        None => a.len().min(b.len()),
    };
    Some(a[..at].rfind('\n').map_or(0, |i| i + 1))
}

fn unformatted(source: Arc<Source>, at: usize) -> Report {
    let name = source.name().to_string();
    let line_end = source.text()[at..]
        .find('\n')
        .map_or(source.text().len(), |i| at + i);
    let diagnostic = MietteDiagnostic::new(format!("{name} is not in pm2-clj fmt's layout"))
        .with_code(CliProblem::Unformatted.code())
        .with_label(LabeledSpan::new_primary_with_span(
            Some("the layout differs from here".into()),
            at..line_end,
        ))
        .with_help(format!("run `pm2-clj fmt {name}`"));
    Report::new(diagnostic).with_source_code(source)
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn differences_are_found_at_their_line() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(first_difference("a\nbc\n", "a\nbd\n"), Some(2));
        assert_eq!(first_difference("a\n", "a\n\n"), Some(2));
    }
}
