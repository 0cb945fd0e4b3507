//! Why a file cannot be converted: [`ConvertErrorKind`], one kind per cause, each with a
//! stable code, a message and help where a fix is known; [`ConvertError`] is the
//! pipeline's one [`Problem`] type of it, labelled on the source text when there is one.

use std::fmt;

use pm2_dsl_reader::{Problem, ProblemKind, Source};

/// What went wrong (`file` is the file's path as given).
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvertErrorKind {
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
    /// An ecosystem-dsl file whose repository root cannot be told: no `.git` above it,
    /// and it is not in a `system/daemons` folder.
    NoRoot { file: String },
    /// No app of the config has a script (`module.exports = { app: [...] }`: the object
    /// is read as one app, whose keys PM2 does not read): what was left out.
    NoApp { file: String, what: String },
    /// Apps share a name (`[{name: 'api', ...}, {name: 'api', ...}]`): PM2 runs them side
    /// by side, pm2-clj tells apps apart by name. Each name, and the names that would
    /// tell its apps apart (`rename_duplicates` gives them).
    DuplicateAppName {
        file: String,
        names: Vec<(String, Vec<String>)>,
    },
    /// The config itself, or its `apps`, is computed by JavaScript convert does not
    /// translate (`module.exports = build()`, `apps: Array.from(...)`), so leaving it out
    /// leaves nothing: `js` is its first line, at `line`.
    NeedsJs { file: String, line: usize, js: String },
    /// `node` cannot be run (`--run-js`).
    NodeMissing { reason: String },
    /// `node` failed to compute a value of the file (`--run-js`): the file throws, or
    /// requires a module that is not installed.
    NodeFailed { file: String, message: String },
    /// `node` did not finish in time (`--run-js`): the file's top-level code loops.
    NodeTimeout { file: String, seconds: u64 },
}

/// A conversion error: the kind with, when it points into a text, the text and a label
/// there.
pub type ConvertError = Problem<ConvertErrorKind>;

/// The error of `kind` labelled at `offset` in `text` (the file `name`).
pub(crate) fn at_text(kind: ConvertErrorKind, name: &str, text: &str, offset: Option<usize>) -> ConvertError {
    let source = Source::standalone(name, text);
    let span = offset.map(|offset| {
        let offset = offset.min(text.len());
        source.span(offset, offset)
    });
    Problem::new(kind, span).with_source(source)
}

impl ConvertErrorKind {
    /// The table: every kind's code, message and help in one row.
    fn facts(&self) -> (&'static str, String, String) {
        use ConvertErrorKind as K;
        let (code, message, help): (&str, String, &str) = match self {
            K::Read { file, reason } => (
                "convert::read",
                format!("cannot read {file}: {reason}"),
                "check the path and the file's permissions",
            ),
            K::NotUtf8 { file, offset } => (
                "convert::not-utf8",
                format!("{file} is not UTF-8 (invalid byte at offset {offset})"),
                "save the file as UTF-8",
            ),
            K::TooLarge { file, size, limit } => (
                "convert::too-large",
                format!("{file} is {size} bytes; an ecosystem file over {limit} bytes is not converted"),
                "an ecosystem file is a few kilobytes; check that this is the right file",
            ),
            K::UnknownFormat { file } => (
                "convert::unknown-format",
                format!("{file} is not a PM2 config file convert knows"),
                "convert reads ecosystem.config.{js,cjs,mjs}, .json, .json5, .yml/.yaml, .pm2.clj and ecosystem-dsl ecosystem.edn (--from ecosystem-dsl)",
            ),
            K::JsSyntax { file, message } => (
                "convert::js-syntax",
                format!("{file} is not valid JavaScript: {message}"),
                SYNTAX_HELP,
            ),
            K::YamlSyntax { file, message } => (
                "convert::yaml-syntax",
                format!("{file} is not valid YAML: {message}"),
                SYNTAX_HELP,
            ),
            K::EdnSyntax { file, message } => (
                "convert::edn-syntax",
                format!("{file} does not read as EDN: {message}"),
                SYNTAX_HELP,
            ),
            K::NoExport { file } => (
                "convert::no-export",
                format!("{file} exports no config (no module.exports or export)"),
                "PM2 reads `module.exports = {apps: [...]}` or `export const apps = [...]`",
            ),
            K::NotAnEcosystem { file, what } => (
                "convert::not-an-ecosystem",
                format!("{file} holds {what}, not an ecosystem"),
                "an ecosystem is an object with `apps`, an array of apps, or one app object",
            ),
            K::NoApp { file, what } => (
                "convert::no-app",
                format!("{file} declares no app: {what}"),
                "PM2 would reject it too (an app needs a script): check the spelling of `apps` and of each app's `script`",
            ),
            K::NoRoot { file } => (
                "convert::no-root",
                format!(
                    "the paths of {file} are relative to its repository's root, and nothing says where that is (no .git above it, no system/daemons layout)"
                ),
                "pass --root DIR, the folder ecosystem-dsl ran pm2 in (the repository root)",
            ),
            K::DuplicateAppName { file, names } => {
                let counts: Vec<String> = names
                    .iter()
                    .map(|(n, new)| format!("{} apps named {n:?}", new.len()))
                    .collect();
                let renames: Vec<String> = names
                    .iter()
                    .map(|(name, new)| format!("{name} → {}", new.join(", ")))
                    .collect();
                return (
                    "convert::duplicate-app-name",
                    format!(
                        "apps of {file} share a name ({}): PM2 runs them side by side, pm2-clj tells apps apart by name",
                        counts.join(", ")
                    ),
                    format!(
                        "give each app its own name ({}), or pass --rename-duplicates to have convert and migrate do it",
                        renames.join("; ")
                    ),
                );
            }
            K::NeedsJs { file, line, js } => (
                "convert::needs-js",
                format!(
                    "the apps of {file} are computed by JavaScript pm2-clj does not translate (line {line}: {js})"
                ),
                "write the apps by hand, or convert with --run-js, which runs the file's code with node and writes the values it computes",
            ),
            K::NodeMissing { reason } => (
                "convert::node-missing",
                format!("cannot run node: {reason}"),
                "--run-js computes the values with no pm2-clj translation with node, as PM2 would; install Node.js, or convert without --run-js",
            ),
            K::NodeFailed { file, message } => (
                "convert::node-failed",
                format!("node cannot compute the values of {file}: {message}"),
                "node could not compute a value the conversion uses (it threw, is no data, or needs a module that is not installed); write it by hand, or convert without --run-js to leave it out with a TODO",
            ),
            K::NodeTimeout { file, seconds } => (
                "convert::node-timeout",
                format!("node did not finish computing the values of {file} within {seconds} s"),
                "the file's top-level code does not finish; PM2 would hang on it too",
            ),
        };
        (code, message, help.to_string())
    }
}

/// The help of a file that does not parse in its own language.
const SYNTAX_HELP: &str = "PM2 could not load this file either; fix it and convert again";

impl ProblemKind for ConvertErrorKind {
    fn code(&self) -> &'static str {
        self.facts().0
    }

    fn label(&self) -> String {
        "here".into()
    }

    fn default_help(&self) -> Option<String> {
        Some(self.facts().2)
    }
}

impl fmt::Display for ConvertErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.facts().1)
    }
}
