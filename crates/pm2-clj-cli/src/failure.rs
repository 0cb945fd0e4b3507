//! How a command fails, and the exit code of each way: 1 when the input is wrong
//! (diagnostics explain it), 2 for a usage error, 3 when pm2 failed.

use std::process::ExitCode;

use miette::{Diagnostic, MietteDiagnostic, Report};

/// The command line's own diagnostics (those of the stages come with the libraries),
/// each with its stable code.
#[derive(Clone, Copy, Debug)]
pub enum CliProblem {
    /// `eval --format json` of a value JSON cannot hold (a function, a non-finite float).
    NotJson,
    /// stdout cannot be written (a full disk, a closed file; a closed pipe is no error).
    Write,
    /// A folder given to `check` (or found under one) cannot be listed.
    Unreadable,
    /// `-` was given as the file and stdin cannot be read.
    Stdin,
    /// `-` was given as the file and stdin is not UTF-8 text.
    StdinNotUtf8,
    /// `migrate DIR` where DIR is not a folder.
    NotAFolder,
    /// `convert -o FILE` where FILE exists and `--force` was not given.
    Exists,
    /// The language server session did not end with `shutdown` and `exit`: the client
    /// went away, sent something that is not LSP, or stdout could not be written.
    LspSession,
    /// `sync PATH` where PATH does not exist, or `watch DIR` where DIR is not a folder.
    Usage,
    /// `fmt --check FILE` where FILE's layout is not `fmt`'s (labelled at the first line
    /// that differs).
    Unformatted,
}

impl CliProblem {
    /// The stable code, such as `cli::usage`.
    pub fn code(self) -> &'static str {
        match self {
            CliProblem::NotJson => "cli::not-json",
            CliProblem::Write => "cli::write",
            CliProblem::Unreadable => "cli::unreadable",
            CliProblem::Stdin => "cli::stdin",
            CliProblem::StdinNotUtf8 => "load::not-utf8",
            CliProblem::NotAFolder => "cli::not-a-folder",
            CliProblem::Exists => "cli::exists",
            CliProblem::Usage => "cli::usage",
            CliProblem::LspSession => "lsp::session",
            CliProblem::Unformatted => "fmt::unformatted",
        }
    }
}

/// A failed command.
pub enum Failure {
    /// The input is wrong: the diagnostics say how (exit code 1).
    Input(Vec<Report>),
    /// The command line asks for something impossible (exit code 2).
    Usage(Report),
    /// pm2 failed or could not be run, or an app did not verify (exit code 3).
    Pm2(Vec<Report>),
}

impl Failure {
    /// One diagnostic about the input.
    pub fn input(diagnostic: impl Diagnostic + Send + Sync + 'static) -> Failure {
        Failure::Input(vec![Report::new(diagnostic)])
    }

    /// A diagnostic of the command line, without source text, with optional help.
    pub fn plain(problem: CliProblem, message: impl Into<String>, help: Option<String>) -> MietteDiagnostic {
        let d = MietteDiagnostic::new(message).with_code(problem.code());
        match help {
            Some(help) => d.with_help(help),
            None => d,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::Input(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Pm2(_) => 3,
        })
    }

    /// The diagnostics, owned.
    pub fn into_reports(self) -> Vec<Report> {
        match self {
            Failure::Input(reports) | Failure::Pm2(reports) => reports,
            Failure::Usage(report) => vec![report],
        }
    }

    /// The diagnostics to show.
    pub fn reports(&self) -> Vec<&Report> {
        match self {
            Failure::Input(reports) | Failure::Pm2(reports) => reports.iter().collect(),
            Failure::Usage(report) => vec![report],
        }
    }
}

impl From<pm2_dsl_eval::EvalError> for Failure {
    fn from(e: pm2_dsl_eval::EvalError) -> Failure {
        Failure::input(e)
    }
}

impl From<pm2_clj_runtime::RuntimeError> for Failure {
    fn from(e: pm2_clj_runtime::RuntimeError) -> Failure {
        use pm2_clj_runtime::RuntimeErrorKind;
        if e.kind().is_pm2_failure() {
            Failure::Pm2(vec![Report::new(e)])
        } else if matches!(e.kind(), RuntimeErrorKind::UnknownApp { .. }) {
            Failure::Usage(Report::new(e))
        } else {
            Failure::input(e)
        }
    }
}

impl Failure {
    /// The exit of a run that reported everything already, by its verdict.
    pub fn of(verdict: pm2_clj_runtime::outcome::Verdict) -> Result<(), Failure> {
        use pm2_clj_runtime::outcome::Verdict;
        match verdict {
            Verdict::Success => Ok(()),
            Verdict::InputProblem => Err(Failure::Input(Vec::new())),
            Verdict::Pm2Problem => Err(Failure::Pm2(Vec::new())),
        }
    }
}

impl From<Vec<pm2_clj_sync::problem::SourceProblem>> for Failure {
    fn from(problems: Vec<pm2_clj_sync::problem::SourceProblem>) -> Failure {
        Failure::Input(problems.into_iter().map(Report::new).collect())
    }
}

impl From<pm2_clj_sync::problem::SourceProblem> for Failure {
    fn from(problem: pm2_clj_sync::problem::SourceProblem) -> Failure {
        Failure::input(problem)
    }
}

impl From<Vec<pm2_dsl_reader::ReadError>> for Failure {
    fn from(errors: Vec<pm2_dsl_reader::ReadError>) -> Failure {
        Failure::Input(errors.into_iter().map(miette::Report::new).collect())
    }
}
