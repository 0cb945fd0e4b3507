//! Why a file cannot be converted: one kind per cause, each with a stable code, a
//! message, help where a fix is known, and a label on the source text when there is one.

use miette::{LabeledSpan, MietteDiagnostic, Report};
use pm2_dsl_reader::Source;

/// What went wrong (`file` is the file's path as given).
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file cannot be read.
    Read { file: String, reason: String },
    /// The file is not UTF-8.
    NotUtf8 { file: String, offset: usize },
    /// The file is larger than an ecosystem file can sensibly be.
    TooLarge { file: String, size: u64, limit: u64 },
    /// The name says no format convert knows.
    UnknownFormat { file: String },
    /// JavaScript that does not parse.
    JsSyntax { file: String, message: String },
    /// YAML that does not parse.
    YamlSyntax { file: String, message: String },
    /// EDN that does not read.
    EdnSyntax { file: String, message: String },
    /// A JavaScript file that exports nothing.
    NoExport { file: String },
    /// The config is no ecosystem (an object with apps, an array of apps, or an app).
    NotAnEcosystem { file: String, what: String },
    /// `node` cannot be run.
    NodeMissing { reason: String },
    /// `node` failed to compute a value of the file.
    NodeFailed { file: String, message: String },
    /// `node` did not finish in time.
    NodeTimeout { file: String, seconds: u64 },
}

/// A conversion error, with the text it points into when there is one.
#[derive(Clone, Debug)]
pub struct ConvertError {
    problem: Problem,
    source: Option<(String, String, Option<usize>)>,
}

impl ConvertError {
    /// An error without source text.
    pub fn new(problem: Problem) -> ConvertError {
        ConvertError {
            problem,
            source: None,
        }
    }

    /// Points the error at `offset` in `text` (the file `name`).
    pub fn with_source(mut self, name: &str, text: &str, offset: Option<usize>) -> ConvertError {
        self.source = Some((name.to_string(), text.to_string(), offset));
        self
    }

    /// What went wrong.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::Read { .. } => "convert::read",
            Problem::NotUtf8 { .. } => "convert::not-utf8",
            Problem::TooLarge { .. } => "convert::too-large",
            Problem::UnknownFormat { .. } => "convert::unknown-format",
            Problem::JsSyntax { .. } => "convert::js-syntax",
            Problem::YamlSyntax { .. } => "convert::yaml-syntax",
            Problem::EdnSyntax { .. } => "convert::edn-syntax",
            Problem::NoExport { .. } => "convert::no-export",
            Problem::NotAnEcosystem { .. } => "convert::not-an-ecosystem",
            Problem::NodeMissing { .. } => "convert::node-missing",
            Problem::NodeFailed { .. } => "convert::node-failed",
            Problem::NodeTimeout { .. } => "convert::node-timeout",
        }
    }

    /// The message.
    pub fn message(&self) -> String {
        match &self.problem {
            Problem::Read { file, reason } => format!("cannot read {file}: {reason}"),
            Problem::NotUtf8 { file, offset } => {
                format!("{file} is not UTF-8 (invalid byte at offset {offset})")
            }
            Problem::TooLarge { file, size, limit } => {
                format!("{file} is {size} bytes; an ecosystem file over {limit} bytes is not converted")
            }
            Problem::UnknownFormat { file } => format!("{file} is not a PM2 config file convert knows"),
            Problem::JsSyntax { file, message } => format!("{file} is not valid JavaScript: {message}"),
            Problem::YamlSyntax { file, message } => format!("{file} is not valid YAML: {message}"),
            Problem::EdnSyntax { file, message } => format!("{file} does not read as EDN: {message}"),
            Problem::NoExport { file } => format!("{file} exports no config (no module.exports or export)"),
            Problem::NotAnEcosystem { file, what } => format!("{file} holds {what}, not an ecosystem"),
            Problem::NodeMissing { reason } => format!("cannot run node: {reason}"),
            Problem::NodeFailed { file, message } => {
                format!("node cannot compute the values of {file}: {message}")
            }
            Problem::NodeTimeout { file, seconds } => {
                format!("node did not finish computing the values of {file} within {seconds} s")
            }
        }
    }

    /// Help, where a fix is known.
    pub fn help(&self) -> Option<&'static str> {
        Some(match self.problem {
            Problem::Read { .. } => "check the path and the file's permissions",
            Problem::NotUtf8 { .. } => "save the file as UTF-8",
            Problem::TooLarge { .. } => {
                "an ecosystem file is a few kilobytes; check that this is the right file"
            }
            Problem::UnknownFormat { .. } => {
                "convert reads ecosystem.config.{js,cjs,mjs}, .json, .json5, .yml/.yaml and ecosystem-dsl ecosystem.edn (--from ecosystem-dsl)"
            }
            Problem::JsSyntax { .. } | Problem::YamlSyntax { .. } | Problem::EdnSyntax { .. } => {
                "PM2 could not load this file either; fix it and convert again"
            }
            Problem::NoExport { .. } => {
                "PM2 reads `module.exports = {apps: [...]}` or `export const apps = [...]`"
            }
            Problem::NotAnEcosystem { .. } => {
                "an ecosystem is an object with `apps`, an array of apps, or one app object"
            }
            Problem::NodeMissing { .. } => {
                "values with no pm2-clj translation are computed with node, as PM2 would; install Node.js"
            }
            Problem::NodeFailed { .. } => {
                "PM2 could not load it either; install what it requires or fix it, then convert again"
            }
            Problem::NodeTimeout { .. } => {
                "the file's top-level code does not finish; PM2 would hang on it too"
            }
        })
    }

    /// The error as a report with its labelled source.
    pub fn report(self) -> Report {
        let mut diagnostic = MietteDiagnostic::new(self.message()).with_code(self.code());
        if let Some(help) = self.help() {
            diagnostic = diagnostic.with_help(help);
        }
        match self.source {
            Some((name, text, offset)) => {
                if let Some(offset) = offset {
                    let offset = offset.min(text.len());
                    diagnostic = diagnostic.with_label(LabeledSpan::at_offset(offset, "here"));
                }
                Report::new(diagnostic).with_source_code(Source::standalone(name, text))
            }
            None => Report::new(diagnostic),
        }
    }
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ConvertError {}
