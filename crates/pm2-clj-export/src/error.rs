//! What an export reports: [`ExportErrorKind`] says what, [`ExportProblem`] adds where
//! (the source text of the option). Notes on approximations are warnings of their own
//! kind, so a report can print them as one line each.

use std::fmt;

use pm2_dsl_reader::{Problem, ProblemKind};

use crate::table::Target;

/// What an export found. Every kind has a stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportErrorKind {
    /// An option the target has no equivalent for, set to a value that does something:
    /// `:watch true` or `:wait-ready true` exported to systemd. A warning with
    /// `--lossy` (then the option is left out, and the report says so).
    NoEquivalent {
        /// The option (PM2's canonical name, or pm2-clj's key).
        option: String,
        /// The target.
        target: Target,
        /// Why, or what to do instead (the table's note, or what is particular to this
        /// value: a cron pattern with `L`).
        why: String,
        /// Whether `--lossy` turned it into a warning.
        lossy: bool,
    },
    /// An option the target does only approximately: `:max-memory-restart "300M"` to
    /// systemd's `MemoryMax=`. Always a note (a warning).
    Approximate {
        /// The option.
        option: String,
        /// The target.
        target: Target,
        /// How it differs.
        how: String,
    },
    /// A value from `#secret`, `#env`, a `.env` file or an include in an option the
    /// target would hold in its unit file, where nothing can refer to a private file:
    /// `:cwd #env APP_DIR`, `:interpreter #secret "..."`.
    HiddenInline {
        /// The option.
        option: String,
    },
    /// An interpreter or command (`node`, `python3`, a script run with `:interpreter
    /// "none"`) that is not found on the `PATH` of the machine that exports, nor given by
    /// `--interpreter-path NAME=PATH`: a unit needs an absolute path.
    ProgramNotFound {
        /// The program as written.
        program: String,
    },
    /// An app name the target cannot take as a name (`"api/v2"`, `"a b"` for systemd:
    /// units take ASCII letters, digits, `:`, `-`, `_` and `.`).
    BadName {
        /// The name.
        name: String,
        /// The target.
        target: Target,
    },
    /// Two things that would be exported under one name: two apps `api` from two
    /// files of a folder, or an app `api-restart` beside the timer of an app `api`.
    NameClash {
        /// The file name both would take (`api.service`).
        file: String,
    },
    /// `--keep-relative-paths` left a path relative that the target needs absolute
    /// (`:cwd "srv"`).
    RelativePath {
        /// The option.
        option: String,
    },
}

/// One problem of an export, at the text of its option when known.
pub type ExportProblem = Problem<ExportErrorKind>;

impl ProblemKind for ExportErrorKind {
    fn code(&self) -> &'static str {
        match self {
            ExportErrorKind::NoEquivalent { .. } => "export::no-equivalent",
            ExportErrorKind::Approximate { .. } => "export::approximate",
            ExportErrorKind::HiddenInline { .. } => "export::hidden-inline",
            ExportErrorKind::ProgramNotFound { .. } => "export::program-not-found",
            ExportErrorKind::BadName { .. } => "export::bad-name",
            ExportErrorKind::NameClash { .. } => "export::name-clash",
            ExportErrorKind::RelativePath { .. } => "export::relative-path",
        }
    }

    fn label(&self) -> String {
        match self {
            ExportErrorKind::NoEquivalent { target, .. } => format!("no {target} equivalent"),
            ExportErrorKind::Approximate { target, .. } => format!("approximate on {target}"),
            ExportErrorKind::HiddenInline { .. } => "would be written inline".into(),
            ExportErrorKind::ProgramNotFound { .. } => "not found".into(),
            ExportErrorKind::BadName { .. } => "not a unit name".into(),
            ExportErrorKind::NameClash { .. } => "exported twice".into(),
            ExportErrorKind::RelativePath { .. } => "relative".into(),
        }
    }

    fn default_help(&self) -> Option<String> {
        match self {
            ExportErrorKind::NoEquivalent { lossy: false, .. } => {
                Some("remove the option, or export with --lossy to leave it out with a warning".into())
            }
            ExportErrorKind::NoEquivalent { lossy: true, .. } | ExportErrorKind::Approximate { .. } => None,
            ExportErrorKind::HiddenInline { .. } => Some(
                "write the value as it is, or pass it to the app in :env (which goes to the private EnvironmentFile=)"
                    .into(),
            ),
            ExportErrorKind::ProgramNotFound { program } => Some(format!(
                "install it, or give its absolute path on the target machine: --interpreter-path {program}=/usr/bin/{program}"
            )),
            ExportErrorKind::BadName { .. } => Some("rename the app".into()),
            ExportErrorKind::NameClash { .. } => Some("rename one of them".into()),
            ExportErrorKind::RelativePath { .. } => Some("export without --keep-relative-paths".into()),
        }
    }

    fn is_warning(&self) -> bool {
        matches!(
            self,
            ExportErrorKind::Approximate { .. } | ExportErrorKind::NoEquivalent { lossy: true, .. }
        )
    }
}

impl fmt::Display for ExportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportErrorKind::NoEquivalent {
                option,
                target,
                why,
                lossy,
            } => {
                let left = if *lossy { " (left out)" } else { "" };
                write!(f, "{option} has no {target} equivalent{left}: {why}")
            }
            ExportErrorKind::Approximate { option, target, how } => {
                write!(f, "{option} is approximate on {target}: {how}")
            }
            ExportErrorKind::HiddenInline { option } => write!(
                f,
                "{option} holds a value from #secret, the environment, a .env file or an include, which a unit file would hold inline"
            ),
            ExportErrorKind::ProgramNotFound { program } => {
                write!(f, "{program} is not on PATH, and a unit needs its absolute path")
            }
            ExportErrorKind::BadName { name, target } => {
                write!(
                    f,
                    "{name:?} cannot name a {target} unit (ASCII letters, digits, :, -, _ and . only)"
                )
            }
            ExportErrorKind::NameClash { file } => write!(f, "{file} would be written twice"),
            ExportErrorKind::RelativePath { option } => {
                write!(f, "{option} is a relative path; a unit needs an absolute one")
            }
        }
    }
}
