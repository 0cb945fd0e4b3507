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
    /// target would hold in its unit or compose file, where nothing can refer to a
    /// private file: `:cwd #env APP_DIR`, `:interpreter #secret "..."`, a secret in
    /// `:args` exported to compose.
    HiddenInline {
        /// The option.
        option: String,
        /// The target.
        target: Target,
    },
    /// An interpreter or command (`node`, `python3`, a script run with `:interpreter
    /// "none"`) that is not found on the `PATH` of the machine that exports, nor given by
    /// `--interpreter-path NAME=PATH`: a unit needs an absolute path.
    ProgramNotFound {
        /// The program as written.
        program: String,
    },
    /// A name the target cannot take: an app's (`"api/v2"`, `"a b"` for systemd: units
    /// take ASCII letters, digits, `:`, `-`, `_` and `.`), or the one the export takes
    /// from the source file's (`Shop.pm2.edn` as a compose project: lowercase only).
    BadName {
        /// The name.
        name: String,
        /// The target.
        target: Target,
        /// Whether the name is the source file's, not an app's.
        of_file: bool,
    },
    /// Two things that would be exported under one name: two apps `api` from two
    /// files of a folder, or an app `api-restart` beside the timer of an app `api`.
    NameClash {
        /// The file name both would take (`api.service`).
        file: String,
    },
    /// An app exported to a container target without `:image` (pm2-clj never builds
    /// images): `{:name "api" :script "a.js"}` to compose.
    MissingImage {
        /// The app.
        app: String,
        /// The target.
        target: Target,
    },
    /// A port published on the host by an app of more than one replica: the replicas
    /// would all bind the same host port (`:instances 2 :ports [{:container 3000
    /// :published 8080}]`).
    PublishedReplicas {
        /// The app.
        app: String,
        /// The host port.
        published: String,
        /// How many replicas.
        replicas: u64,
    },
    /// A key in an `:export` target map that the target's object does not have
    /// (`:export {:compose {:restrat "always"}}`).
    UnknownEscapeKey {
        /// The key as written.
        key: String,
        /// The target.
        target: Target,
        /// The closest key the object has.
        suggestion: Option<String>,
    },
    /// An `:export` target map that makes the generated object invalid once merged
    /// (`:export {:compose {:deploy {:replicas "two"}}}`), or holds a value from
    /// `#secret`, `#env` or a `.env` file, which would be written inline.
    BadEscape {
        /// The target.
        target: Target,
        /// What is wrong.
        problem: String,
    },
    /// `--keep-relative-paths` left a path relative that the target needs absolute
    /// (`:cwd "srv"`).
    RelativePath {
        /// The option.
        option: String,
    },
    /// A name the Kubernetes API server would refuse: an app `"Billing_API"` (not a
    /// DNS-1123 label), an environment variable `"1X"`, an ecosystem file `My Shop.pm2.edn`
    /// (its name is a label value). Never rewritten: the nearest name it would take is
    /// suggested.
    KubernetesName {
        /// The name.
        name: String,
        /// What it would name (`the Deployment`, `an environment variable`).
        what: String,
        /// The rule it breaks, in words.
        rule: String,
        /// The nearest name that follows the rule, if any.
        suggestion: Option<String>,
    },
    /// An option the target does only in a way the user has to choose: `:autorestart
    /// false` to Kubernetes (a `Job`, not a `Deployment`), `:cron-restart` (a `CronJob`
    /// running `kubectl rollout restart`, with the rights it needs).
    NeedsChoice {
        /// The option.
        option: String,
        /// The target.
        target: Target,
        /// Why the plain export cannot do it.
        why: String,
        /// What to write to choose.
        choice: String,
    },
    /// The target's map in `:export` is wrong: an unknown key (`:export {:kubernetes
    /// {:deploy {}}}`), a value of the wrong shape (`:kind :pod`), a field the object
    /// does not have once merged (`{:deployment {:spec {:replica 2}}}`), or a namespace
    /// that moves an object away from the app's scheduled restart (`:cron-restart` with
    /// `{:deployment {:metadata {:namespace "other"}}}`).
    BadOverride {
        /// Where (`:export :kubernetes :deployment`).
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A generated object the API server would refuse though the schema passes it,
    /// usually because of a merged override: `restartPolicy: OnFailure` in a
    /// `Deployment`, a memory limit `300MB`, a selector that does not match the pod's
    /// labels.
    Rejected {
        /// The object (`Deployment api`).
        object: String,
        /// What the API server would say.
        why: String,
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
            ExportErrorKind::KubernetesName { .. } => "export::kubernetes-name",
            ExportErrorKind::NeedsChoice { .. } => "export::needs-choice",
            ExportErrorKind::BadOverride { .. } => "export::bad-override",
            ExportErrorKind::Rejected { .. } => "export::rejected",
            ExportErrorKind::MissingImage { .. } => "export::missing-image",
            ExportErrorKind::PublishedReplicas { .. } => "export::published-replicas",
            ExportErrorKind::UnknownEscapeKey { .. } => "export::unknown-escape-key",
            ExportErrorKind::BadEscape { .. } => "export::bad-escape",
        }
    }

    fn label(&self) -> String {
        match self {
            ExportErrorKind::NoEquivalent { target, .. } => format!("no {target} equivalent"),
            ExportErrorKind::Approximate { target, .. } => format!("approximate on {target}"),
            ExportErrorKind::HiddenInline { .. } => "would be written inline".into(),
            ExportErrorKind::ProgramNotFound { .. } => "not found".into(),
            ExportErrorKind::BadName {
                target: Target::Systemd,
                ..
            } => "not a unit name".into(),
            ExportErrorKind::BadName { target, .. } => format!("not a {target} name"),
            ExportErrorKind::NameClash { .. } => "exported twice".into(),
            ExportErrorKind::RelativePath { .. } => "relative".into(),
            ExportErrorKind::KubernetesName { .. } => "not a Kubernetes name".into(),
            ExportErrorKind::NeedsChoice { target, .. } => format!("needs a choice on {target}"),
            ExportErrorKind::BadOverride { .. } => "not taken".into(),
            ExportErrorKind::Rejected { .. } => "the API server would refuse it".into(),
            ExportErrorKind::MissingImage { .. } => "no :image".into(),
            ExportErrorKind::PublishedReplicas { replicas, .. } => {
                format!("published by {replicas} replicas")
            }
            ExportErrorKind::UnknownEscapeKey { target, .. } => format!("not a {target} key"),
            ExportErrorKind::BadEscape { .. } => "merged here".into(),
        }
    }

    fn default_help(&self) -> Option<String> {
        match self {
            ExportErrorKind::NoEquivalent { lossy: false, .. } => {
                Some("remove the option, or export with --lossy to leave it out with a warning".into())
            }
            ExportErrorKind::NoEquivalent { lossy: true, .. } | ExportErrorKind::Approximate { .. } => None,
            ExportErrorKind::HiddenInline { target, .. } => Some(format!(
                "write the value as it is, or pass it to the app in :env (which goes to {})",
                match target {
                    Target::Systemd => "the private EnvironmentFile=",
                    Target::Compose => "the private env_file",
                    Target::Kubernetes => "the Secret",
                }
            )),
            ExportErrorKind::ProgramNotFound { program } => Some(format!(
                "install it, or give its absolute path on the target machine: --interpreter-path {program}=/usr/bin/{program}"
            )),
            ExportErrorKind::BadName { of_file: false, .. } => Some("rename the app".into()),
            ExportErrorKind::BadName { of_file: true, .. } => {
                Some("rename the file: the export is named after it".into())
            }
            ExportErrorKind::NameClash { .. } => Some("rename one of them".into()),
            ExportErrorKind::RelativePath { .. } => Some("export without --keep-relative-paths".into()),
            ExportErrorKind::KubernetesName { suggestion, .. } => Some(match suggestion {
                Some(s) => format!("did you mean {s:?}? rename it (pm2-clj does not rename silently)"),
                None => "rename it".into(),
            }),
            ExportErrorKind::NeedsChoice { choice, .. } => Some(format!("to choose it, write {choice}")),
            ExportErrorKind::BadOverride { .. } => Some("see `pm2-clj export --target kubernetes --explain`".into()),
            ExportErrorKind::Rejected { .. } => Some("change the option, or the :export map that sets it".into()),
            ExportErrorKind::MissingImage { .. } => Some(
                "add :image with the image that holds the app, such as :image \"registry.example.com/api:1.2\" (pm2-clj never builds images)".into(),
            ),
            ExportErrorKind::PublishedReplicas { .. } => Some(
                "run one instance, or do not publish the port (a port number in :ports is reachable on the project's network), and put a proxy in front".into(),
            ),
            ExportErrorKind::UnknownEscapeKey { suggestion: Some(s), .. } => Some(format!("did you mean {s}?")),
            ExportErrorKind::UnknownEscapeKey { target, .. } => Some(format!("see the {target} keys in the compose specification")),
            ExportErrorKind::BadEscape { .. } => Some("give the key the type the target expects, or leave it to pm2-clj's own option".into()),
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
            ExportErrorKind::HiddenInline { option, target } => write!(
                f,
                "{option} holds a value from #secret, the environment, a .env file or an include, which the {target} export would hold inline"
            ),
            ExportErrorKind::ProgramNotFound { program } => {
                write!(f, "{program} is not on PATH, and a unit needs its absolute path")
            }
            ExportErrorKind::BadName {
                name,
                target: Target::Systemd,
                ..
            } => {
                write!(
                    f,
                    "{name:?} cannot name a systemd unit (ASCII letters, digits, :, -, _ and . only)"
                )
            }
            ExportErrorKind::BadName {
                name,
                target: Target::Compose,
                ..
            } => {
                write!(
                    f,
                    "{name:?} cannot name a compose service or project (ASCII letters, digits, ., _ and - only; a project: lowercase letters, digits, _ and -, starting with a letter or digit)"
                )
            }
            ExportErrorKind::BadName {
                name,
                target: Target::Kubernetes,
                ..
            } => write!(f, "{name:?} cannot name a Kubernetes object (a DNS-1123 label)"),
            ExportErrorKind::NameClash { file } => write!(f, "{file} would be written twice"),
            ExportErrorKind::RelativePath { option } => {
                write!(f, "{option} is a relative path; a unit needs an absolute one")
            }
            ExportErrorKind::KubernetesName { name, what, rule, .. } => {
                write!(f, "{name:?} cannot name {what} on kubernetes: it must be {rule}")
            }
            ExportErrorKind::NeedsChoice {
                option, target, why, ..
            } => {
                write!(f, "{option} on {target} needs a choice: {why}")
            }
            ExportErrorKind::BadOverride { path, why } => write!(f, "{path}: {why}"),
            ExportErrorKind::Rejected { object, why } => {
                write!(f, "the API server would refuse {object}: {why}")
            }
            ExportErrorKind::MissingImage { app, target } => {
                write!(f, "app \"{app}\" has no :image, which {target} needs to run it")
            }
            ExportErrorKind::PublishedReplicas {
                app,
                published,
                replicas,
            } => write!(
                f,
                "app \"{app}\" publishes host port {published} from {replicas} replicas, which cannot all bind it"
            ),
            ExportErrorKind::UnknownEscapeKey { key, target, .. } => {
                write!(f, "{key} is not a key of a {target} service")
            }
            ExportErrorKind::BadEscape { target, problem } => write!(f, ":export :{target} {problem}"),
        }
    }
}
