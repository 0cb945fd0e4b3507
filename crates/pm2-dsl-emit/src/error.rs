//! Problems with an ecosystem: [`EmitErrorKind`] says what, [`EmitError`] adds where
//! (the source text of the offending key or value) and whether it is an error or a
//! warning. Reported as `miette` diagnostics.

use std::fmt;

use pm2_dsl_eval::Value;
use pm2_dsl_reader::{Problem, ProblemKind, with_article};

/// What is wrong with the ecosystem. Every kind has a stable code ([`EmitErrorKind::code`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EmitErrorKind {
    /// The file's value is not a map (or a vector of apps).
    NotAnEcosystem {
        /// The value's type.
        actual: String,
    },
    /// A top-level key other than `:apps`, `:deploy`, `:profiles` and `:static`.
    UnknownTopLevelKey {
        /// The key as written.
        key: String,
        /// The closest known key.
        suggestion: Option<String>,
    },
    /// `:apps` is neither a vector of maps nor one map, or an app is not a map.
    AppShape {
        /// The offending value's type.
        actual: String,
    },
    /// A key that is not a PM2 option (PM2 would drop it without a word).
    UnknownKey {
        /// The key as written.
        key: String,
        /// The closest option, spelt in the key's style.
        suggestion: Option<String>,
    },
    /// A map key that is not a keyword, symbol or string.
    KeyNotAName {
        /// The key's type.
        actual: String,
    },
    /// The same option written twice in one app (under two spellings).
    DuplicateOption {
        /// The canonical option name.
        option: String,
    },
    /// An option value of a type PM2 does not accept.
    WrongType {
        /// The canonical option name.
        option: String,
        /// The accepted types, as PM2's schema names them.
        expected: String,
        /// The value's type.
        actual: String,
    },
    /// An option value that fails the option's format.
    BadFormat {
        /// The canonical option name.
        option: String,
        /// The value as written.
        value: String,
        /// What the format is.
        expected: String,
    },
    /// A number under the option's minimum.
    BelowMinimum {
        /// The canonical option name.
        option: String,
        /// The minimum.
        min: i64,
        /// The value (in milliseconds for durations).
        value: f64,
    },
    /// A number PM2 or node would not read as written: beyond every double (`##Inf`,
    /// `1E400M`), beyond what a double holds exactly (`:port 99999999999999999999`), past
    /// what node's timers take (`:kill-timeout 1e10` fires after 1 ms), or not whole
    /// where PM2 reads a whole number (`:instances 2.5` is 2, `:instances 1e308` is 1).
    OutOfRange {
        /// The canonical option name.
        option: String,
        /// The value as written.
        value: String,
        /// The range, as a phrase ([`crate::schema::NumberRange::text`]).
        range: String,
        /// Why it is the range.
        why: String,
    },
    /// A big decimal or ratio that JavaScript, which reads numbers as doubles, would
    /// round: `:min-uptime 0.1000000000000000000001M`, `:min-uptime 1000/3`.
    InexactNumber {
        /// The canonical option name.
        option: String,
        /// The value as written.
        value: String,
        /// The double JavaScript would read, as it prints.
        read_as: String,
    },
    /// A `cron_restart` pattern that is not a cron pattern.
    BadCron {
        /// What is wrong with it.
        problem: String,
    },
    /// An environment variable whose value is not a string, number or boolean.
    EnvValue {
        /// The variable.
        var: String,
        /// The value's type.
        actual: String,
    },
    /// An environment variable name the OS would mangle or drop: `:env {"A=B" "1"}`
    /// (the program sees variable `A` with the value `B=1`), `{"" "1"}`, a name holding
    /// NUL (node refuses to start the app), another control character or whitespace
    /// (`{"LOG LEVEL" "info"}`).
    EnvName {
        /// The environment block (`env`, `env_production`, `deploy env`).
        block: String,
        /// The name.
        name: String,
        /// What is wrong with it.
        problem: EnvNameProblem,
    },
    /// An environment variable name that is not a POSIX name (`[A-Za-z_][A-Za-z0-9_]*`):
    /// `{"log-level" "info"}`, `{"app.port" 80}`. Programs read it; shells and shell
    /// scripts cannot. A warning.
    EnvNameNotPortable {
        /// The environment block.
        block: String,
        /// The name.
        name: String,
    },
    /// An app name holding a control character or a bidirectional-text control
    /// (`:name "api\n[PM2] App [db] online"`): pm2 prints names as they are in its list,
    /// its messages and its logs' prefixes, so one can fake lines of pm2's output.
    NameControlCharacter {
        /// The name.
        name: String,
        /// The first such character.
        character: char,
    },
    /// An app name pm2 reads as something else: `all` (every app), `42` (a pm2 id),
    /// `/api/` (a pattern), `a,b` (two names), `" api"` (trimmed).
    ReservedName {
        /// The name.
        name: String,
        /// What pm2 reads it as.
        reading: String,
    },
    /// Two apps with the same name.
    DuplicateApp {
        /// The name.
        name: String,
    },
    /// An app without `script`.
    MissingScript {
        /// The app's name, if it has one.
        app: Option<String>,
    },
    /// A profile that neither `:profiles` nor any `#profile` mentions.
    UnknownProfile {
        /// The profile asked for.
        profile: String,
        /// The closest known profile.
        suggestion: Option<String>,
        /// Every known profile.
        known: Vec<String>,
    },
    /// An app in a profile overlay without `:name`, so it cannot be merged.
    ProfileAppWithoutName,
    /// `:pm2-clj/remove` for an app no base app has.
    RemoveUnknownApp {
        /// The name.
        name: String,
    },
    /// A key pm2-deploy does not read.
    UnknownDeployKey {
        /// The key as written.
        key: String,
        /// The closest deploy key.
        suggestion: Option<String>,
    },
    /// A profile overlay that is not a map.
    ProfileShape {
        /// The overlay's type.
        actual: String,
    },
    /// `:deploy` is not a map of environment names to maps.
    DeployShape {
        /// The offending value's type.
        actual: String,
    },
    /// A key of `:logs` or `:logs :rotate` that pm2-clj does not read
    /// (`:logs {:folder "logs"}`, `:rotate {:max "10M"}`).
    UnknownLogsKey {
        /// The key as written.
        key: String,
        /// Where: `:logs` or `:logs :rotate`.
        section: String,
        /// The closest key.
        suggestion: Option<String>,
    },
    /// An environment variable left out of an app's environment because it is not set:
    /// `:env {:DATABASE_URL #env DATABASE_URL}` with `DATABASE_URL` unset. A warning,
    /// or an error with `strict`.
    UnsetEnv {
        /// The variable read.
        var: String,
        /// The environment block and key it was to be (`env DATABASE_URL`).
        key: String,
        /// The app.
        app: Option<String>,
        /// Whether unset variables are errors (`--strict-env`).
        strict: bool,
    },
    /// A `--set` or `--unset` that cannot be applied.
    BadOverride {
        /// What is wrong.
        message: String,
    },
    /// With a profile that only some files define (`sync --profile prod` over a tree), a
    /// file that defines no `:prod`: it is used without an overlay. A warning.
    ProfileNotHere {
        /// The profile.
        profile: String,
    },
    /// A key in a `:health` map that pm2-clj does not read (`:health {:url "..."}`).
    UnknownHealthKey {
        /// The key as written.
        key: String,
        /// The closest key.
        suggestion: Option<String>,
    },
    /// A key pm2-clj does not read in a map of its export keys: a target `:export` does
    /// not know (`:export {:docker {...}}`), or a port map key (`:ports [{:host 80}]`).
    UnknownExportKey {
        /// The key as written.
        key: String,
        /// The map it is in (`:export`, `:ports`).
        section: String,
        /// The closest key.
        suggestion: Option<String>,
        /// The keys the map takes, for the help.
        known: String,
    },
    /// A `:health` value that is not one check: not a map (`:health "http://..."`), no
    /// probe or two of them (`{:tcp 80 :http "..."}`), or `:status` without `:http`.
    HealthShape {
        /// What is wrong.
        problem: String,
    },
    /// Two keys of one map that are written alike (`{:A 1 "A" 2}`): JavaScript would keep
    /// only the last.
    DuplicateKey {
        /// Where the map is (an option, `static`, a deploy setting).
        section: String,
        /// The key as written out.
        key: String,
    },
    /// A number written as a string where PM2's schema takes only numbers
    /// (`:instances "4"`): PM2 reads it as the number, so it is accepted with a warning.
    /// A string PM2 would misread (`"0x10"`, `""`) is `WrongType`.
    NumericString {
        /// The canonical option name.
        option: String,
        /// The string.
        text: String,
    },
    /// An option that makes PM2 install packages from npm when the app starts.
    InstallsPackages {
        /// The option.
        option: String,
    },
}

/// Where PM2 documents its app options.
const PM2_APP_OPTIONS: &str = "https://pm2.keymetrics.io/docs/usage/application-declaration/";
/// Where PM2 documents `deploy`.
const PM2_DEPLOY: &str = "https://pm2.keymetrics.io/docs/usage/deployment/";

impl ProblemKind for EmitErrorKind {
    /// The stable diagnostic code, such as `emit::unknown-key`.
    fn docs_url(&self) -> Option<&'static str> {
        match self {
            EmitErrorKind::UnknownKey { .. }
            | EmitErrorKind::DuplicateOption { .. }
            | EmitErrorKind::WrongType { .. }
            | EmitErrorKind::BadFormat { .. }
            | EmitErrorKind::BelowMinimum { .. }
            | EmitErrorKind::BadCron { .. }
            | EmitErrorKind::EnvValue { .. }
            | EmitErrorKind::MissingScript { .. }
            | EmitErrorKind::InstallsPackages { .. } => Some(PM2_APP_OPTIONS),
            EmitErrorKind::UnknownDeployKey { .. } | EmitErrorKind::DeployShape { .. } => Some(PM2_DEPLOY),
            _ => None,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            EmitErrorKind::NotAnEcosystem { .. } => "emit::not-an-ecosystem",
            EmitErrorKind::UnknownTopLevelKey { .. } => "emit::unknown-top-level-key",
            EmitErrorKind::AppShape { .. } => "emit::app-shape",
            EmitErrorKind::UnknownKey { .. } => "emit::unknown-key",
            EmitErrorKind::KeyNotAName { .. } => "emit::key-not-a-name",
            EmitErrorKind::DuplicateOption { .. } => "emit::duplicate-option",
            EmitErrorKind::WrongType { .. } => "emit::wrong-type",
            EmitErrorKind::BadFormat { .. } => "emit::bad-format",
            EmitErrorKind::BelowMinimum { .. } => "emit::below-minimum",
            EmitErrorKind::BadCron { .. } => "emit::bad-cron",
            EmitErrorKind::OutOfRange { .. } => "emit::out-of-range",
            EmitErrorKind::InexactNumber { .. } => "emit::inexact-number",
            EmitErrorKind::EnvValue { .. } => "emit::env-value",
            EmitErrorKind::ReservedName { .. } => "emit::reserved-name",
            EmitErrorKind::EnvName { .. } => "emit::env-name",
            EmitErrorKind::EnvNameNotPortable { .. } => "emit::env-name-not-portable",
            EmitErrorKind::NameControlCharacter { .. } => "emit::name-control-character",
            EmitErrorKind::DuplicateApp { .. } => "emit::duplicate-app",
            EmitErrorKind::MissingScript { .. } => "emit::missing-script",
            EmitErrorKind::UnknownProfile { .. } => "emit::unknown-profile",
            EmitErrorKind::ProfileAppWithoutName => "emit::profile-app-without-name",
            EmitErrorKind::RemoveUnknownApp { .. } => "emit::remove-unknown-app",
            EmitErrorKind::UnknownDeployKey { .. } => "emit::unknown-deploy-key",
            EmitErrorKind::ProfileShape { .. } => "emit::profile-shape",
            EmitErrorKind::DeployShape { .. } => "emit::deploy-shape",
            EmitErrorKind::BadOverride { .. } => "emit::bad-override",
            EmitErrorKind::ProfileNotHere { .. } => "emit::profile-not-here",
            EmitErrorKind::UnknownHealthKey { .. } => "emit::unknown-health-key",
            EmitErrorKind::HealthShape { .. } => "emit::health-shape",
            EmitErrorKind::UnknownExportKey { .. } => "emit::unknown-export-key",
            EmitErrorKind::DuplicateKey { .. } => "emit::duplicate-key",
            EmitErrorKind::NumericString { .. } => "emit::numeric-string",
            EmitErrorKind::InstallsPackages { .. } => "emit::installs-packages",
            EmitErrorKind::UnknownLogsKey { .. } => "emit::unknown-logs-key",
            EmitErrorKind::UnsetEnv { .. } => "emit::unset-env",
        }
    }

    /// Whether this is only a warning.
    fn is_warning(&self) -> bool {
        matches!(
            self,
            EmitErrorKind::InstallsPackages { .. }
                | EmitErrorKind::ProfileNotHere { .. }
                | EmitErrorKind::NumericString { .. }
                | EmitErrorKind::EnvNameNotPortable { .. }
                | EmitErrorKind::UnsetEnv { strict: false, .. }
        )
    }

    fn label(&self) -> String {
        match self {
            EmitErrorKind::NotAnEcosystem { actual } => format!("this is {}", with_article(actual)),
            EmitErrorKind::UnknownTopLevelKey { .. } => "not an ecosystem section".into(),
            EmitErrorKind::AppShape { actual } => format!("this is {}", with_article(actual)),
            EmitErrorKind::UnknownKey { .. } => "not a PM2 option".into(),
            EmitErrorKind::KeyNotAName { actual } => format!("{} key", with_article(actual)),
            EmitErrorKind::DuplicateOption { .. } => "written again here".into(),
            EmitErrorKind::WrongType { expected, .. } => format!("expected {expected}"),
            EmitErrorKind::BadFormat { .. } => "not in this format".into(),
            EmitErrorKind::BelowMinimum { min, .. } => format!("must be at least {min}"),
            EmitErrorKind::BadCron { problem } => problem.clone(),
            EmitErrorKind::OutOfRange { range, .. } => format!("not {range}"),
            EmitErrorKind::InexactNumber { read_as, .. } => format!("read as {read_as}"),
            EmitErrorKind::EnvValue { actual, .. } => format!("{} value", with_article(actual)),
            EmitErrorKind::ReservedName { reading, .. } => format!("pm2 reads this as {reading}"),
            EmitErrorKind::EnvName { problem, .. } => problem.to_string(),
            EmitErrorKind::EnvNameNotPortable { .. } => "not a name a shell can read".into(),
            EmitErrorKind::NameControlCharacter { character, .. } => {
                format!("holds {}", describe_char(*character))
            }
            EmitErrorKind::DuplicateApp { .. } => "this name is taken".into(),
            EmitErrorKind::MissingScript { .. } => "this app has no :script".into(),
            EmitErrorKind::UnknownProfile { profile, .. } => format!("no profile :{profile} here"),
            EmitErrorKind::ProfileAppWithoutName => "no :name to merge by".into(),
            EmitErrorKind::RemoveUnknownApp { .. } => "no app has this name".into(),
            EmitErrorKind::UnknownDeployKey { .. } => "pm2-deploy does not read this key".into(),
            EmitErrorKind::ProfileShape { actual } | EmitErrorKind::DeployShape { actual } => {
                format!("this is {}", with_article(actual))
            }
            EmitErrorKind::BadOverride { .. } => "this override".into(),
            EmitErrorKind::ProfileNotHere { profile } => format!("no :{profile} profile in this file"),
            EmitErrorKind::UnknownHealthKey { .. } => "not a :health key".into(),
            EmitErrorKind::HealthShape { .. } => "not one health check".into(),
            EmitErrorKind::UnknownExportKey { section, .. } => format!("not a {section} key"),
            EmitErrorKind::DuplicateKey { key, .. } => format!("written out as \"{key}\" again"),
            EmitErrorKind::InstallsPackages { .. } => "installs packages from npm at start".into(),
            EmitErrorKind::NumericString { .. } => "a string".into(),
            EmitErrorKind::UnknownLogsKey { section, .. } => format!("not a {section} key"),
            EmitErrorKind::UnsetEnv { var, .. } => format!("{var} is not set, so this is nil"),
        }
    }

    fn default_help(&self) -> Option<String> {
        Some(match self {
            EmitErrorKind::NotAnEcosystem { .. } => "an ecosystem is a map: {:apps [{:name \"api\" :script \"server.js\"}]}".into(),
            EmitErrorKind::UnknownTopLevelKey { suggestion: Some(s), .. }
            | EmitErrorKind::UnknownKey { suggestion: Some(s), .. }
            | EmitErrorKind::UnknownDeployKey { suggestion: Some(s), .. }
            | EmitErrorKind::UnknownHealthKey { suggestion: Some(s), .. }
            | EmitErrorKind::UnknownLogsKey { suggestion: Some(s), .. }
            | EmitErrorKind::UnknownExportKey { suggestion: Some(s), .. } => format!("did you mean {s}?"),
            EmitErrorKind::UnknownExportKey { section, known, .. } => format!("{section} reads {known}"),
            EmitErrorKind::UnsetEnv { var, strict, .. } => format!(
                "set {var}, give a default (#or [#env {var} \"...\"]), or require it with #env! {var}{}",
                if *strict { "" } else { "; --strict-env makes this an error" }
            ),
            EmitErrorKind::UnknownTopLevelKey { .. } => {
                "the top level holds :apps, :deploy, :profiles, :static and :logs".into()
            }
            EmitErrorKind::UnknownKey { .. } => {
                "PM2 drops keys it does not know without a word; see the options in PM2's lib/API/schema.json".into()
            }
            EmitErrorKind::UnknownDeployKey { .. } => format!("pm2-deploy reads {}", crate::schema::DEPLOY_KEYS.join(", ")),
            EmitErrorKind::KeyNotAName { .. } => "option keys are keywords, such as :max-restarts".into(),
            EmitErrorKind::DuplicateOption { .. } => "keep one of the two spellings".into(),
            EmitErrorKind::AppShape { .. } => ":apps is a vector of app maps (or one app map)".into(),
            EmitErrorKind::BadFormat { option, .. } if option == "exec_mode" => "use :fork or :cluster".into(),
            EmitErrorKind::BelowMinimum { option, .. } if option == "min_uptime" => {
                "PM2 rejects min_uptime under 100 ms; write it as \"1s\" or 1000".into()
            }
            EmitErrorKind::OutOfRange { why, .. } => why.clone(),
            EmitErrorKind::InexactNumber { read_as, .. } => {
                format!("JavaScript reads numbers as doubles; write {read_as}, or another number a double holds")
            }
            EmitErrorKind::BadCron { .. } => {
                "a cron pattern has 5 or 6 fields, such as \"0 3 * * *\" (03:00 every day), or is @daily, @hourly, ...".into()
            }
            EmitErrorKind::EnvValue { .. } => {
                "environment variables hold strings; write a nested value as a string, e.g. with (str ...)".into()
            }
            EmitErrorKind::DuplicateApp { .. } => {
                "PM2 matches apps by name: rename one, or merge them with a profile overlay".into()
            }
            EmitErrorKind::ReservedName { .. } => {
                "pm2 would act on other apps than this one; choose a name with a letter in it, without commas".into()
            }
            EmitErrorKind::EnvName { name, problem, .. } => problem.help(name),
            EmitErrorKind::EnvNameNotPortable { name, .. } => format!(
                "programs read it (process.env[{name:?}]), but shells cannot, and some (dash, \
                 Debian's sh) drop it from what they start; a POSIX name is letters, digits and _, \
                 not starting with a digit"
            ),
            EmitErrorKind::NameControlCharacter { .. } => {
                "pm2 prints app names as they are, in its list and before every log line: a newline or an escape sequence in one can fake pm2's output; remove it".into()
            }
            EmitErrorKind::MissingScript { .. } => "add :script, the file or command PM2 runs".into(),
            EmitErrorKind::UnknownProfile {
                suggestion: Some(s), ..
            } => format!("did you mean {s}?"),
            EmitErrorKind::UnknownProfile { known, .. } if known.is_empty() => {
                "this file has no profiles: add :profiles {:name {...}} or #profile {...}".into()
            }
            EmitErrorKind::UnknownProfile { known, .. } => format!("known profiles: {}", known.join(", ")),
            EmitErrorKind::ProfileAppWithoutName => {
                "apps in a profile merge into the base app with the same :name; add :name".into()
            }
            EmitErrorKind::InstallsPackages { .. } => {
                "PM2 fetches OpenTelemetry packages from npm when this is on; leave it out unless you want that".into()
            }
            EmitErrorKind::NumericString { text, .. } => format!("write {text} without quotes"),
            EmitErrorKind::DuplicateKey { .. } => {
                "keywords, symbols and strings with the same text are one key in JavaScript; keep one of the two".into()
            }
            EmitErrorKind::WrongType { expected, .. } if expected == "a finite number" => {
                "JSON and PM2 have no infinite numbers or NaN; write a number, or leave the value out".into()
            }
            EmitErrorKind::WrongType { expected, .. } if expected.contains("JavaScript's safe range") => {
                "JavaScript reads numbers as doubles and would round this one; write it as a string if it is an identifier".into()
            }
            _ => return None,
        })
    }

    fn suggestion(&self) -> Option<(String, String)> {
        match self {
            EmitErrorKind::UnknownKey {
                key,
                suggestion: Some(s),
            }
            | EmitErrorKind::UnknownTopLevelKey {
                key,
                suggestion: Some(s),
            }
            | EmitErrorKind::UnknownDeployKey {
                key,
                suggestion: Some(s),
            }
            | EmitErrorKind::UnknownLogsKey {
                key,
                suggestion: Some(s),
                ..
            }
            | EmitErrorKind::UnknownExportKey {
                key,
                suggestion: Some(s),
                ..
            } => Some((key.clone(), s.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for EmitErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitErrorKind::NotAnEcosystem { actual } => {
                write!(
                    f,
                    "the file's value is {}, not an ecosystem map",
                    with_article(actual)
                )
            }
            EmitErrorKind::UnknownTopLevelKey { key, .. } => write!(f, "unknown top-level key {key}"),
            EmitErrorKind::AppShape { actual } => {
                write!(f, "an app must be a map, not {}", with_article(actual))
            }
            EmitErrorKind::UnknownKey { key, .. } => write!(f, "{key} is not a PM2 app option"),
            EmitErrorKind::KeyNotAName { actual } => {
                write!(f, "option keys must be names, not {}", with_article(actual))
            }
            EmitErrorKind::DuplicateOption { option } => write!(f, "{option} is set twice in one app"),
            EmitErrorKind::WrongType {
                option,
                expected,
                actual,
            } => write!(f, "{option} must be {expected}, not {}", with_article(actual)),
            EmitErrorKind::BadFormat {
                option,
                value,
                expected,
            } => {
                write!(f, "{option} {value} is not {expected}")
            }
            EmitErrorKind::BelowMinimum { option, min, value } => {
                write!(f, "{option} is {value}, under PM2's minimum of {min}")
            }
            EmitErrorKind::BadCron { .. } => f.write_str("cron_restart is not a valid cron pattern"),
            EmitErrorKind::OutOfRange {
                option, value, range, ..
            } => write!(f, "{option} is {value}; PM2 reads {range} here"),
            EmitErrorKind::InexactNumber {
                option,
                value,
                read_as,
            } => write!(f, "{option} is {value}, which JavaScript would read as {read_as}"),
            EmitErrorKind::EnvValue { var, actual } => {
                write!(
                    f,
                    "environment variable {var} is {}, not a string, number or boolean",
                    with_article(actual)
                )
            }
            EmitErrorKind::DuplicateApp { name } => write!(f, "two apps are named \"{name}\""),
            EmitErrorKind::ReservedName { name, reading } => {
                write!(f, "pm2 reads the app name {name:?} as {reading}")
            }
            EmitErrorKind::EnvName { block, name, problem } => {
                write!(f, "{block} has a variable named {name:?}, which {problem}")
            }
            EmitErrorKind::EnvNameNotPortable { block, name } => write!(
                f,
                "{block} has a variable named {name:?}, which is not a name shells can read"
            ),
            EmitErrorKind::NameControlCharacter { name, character } => {
                write!(f, "the app name {name:?} holds {}", describe_char(*character))
            }
            EmitErrorKind::MissingScript { app: Some(name) } => write!(f, "app \"{name}\" has no script"),
            EmitErrorKind::MissingScript { app: None } => f.write_str("an app has no script"),
            EmitErrorKind::UnknownProfile { profile, .. } => write!(f, "unknown profile :{profile}"),
            EmitErrorKind::ProfileAppWithoutName => f.write_str("an app in a profile has no :name"),
            EmitErrorKind::RemoveUnknownApp { name } => write!(f, "no app \"{name}\" to remove"),
            EmitErrorKind::UnknownDeployKey { key, .. } => write!(f, "{key} is not a deploy option"),
            EmitErrorKind::ProfileShape { actual } => {
                write!(f, "a profile overlay must be a map, not {}", with_article(actual))
            }
            EmitErrorKind::DeployShape { actual } => {
                write!(
                    f,
                    ":deploy must map environment names to maps, not hold {}",
                    with_article(actual)
                )
            }
            EmitErrorKind::InstallsPackages { option } => {
                write!(
                    f,
                    "{option} makes PM2 install packages from npm when the app starts"
                )
            }
            EmitErrorKind::BadOverride { message } => write!(f, "cannot apply override: {message}"),
            EmitErrorKind::ProfileNotHere { profile } => {
                write!(
                    f,
                    "this file has no profile :{profile}; it is used without an overlay"
                )
            }
            EmitErrorKind::UnknownHealthKey { key, .. } => write!(f, "{key} is not a :health key"),
            EmitErrorKind::UnknownLogsKey { key, section, .. } => write!(f, "{key} is not a {section} key"),
            EmitErrorKind::UnsetEnv { var, key, app, .. } => {
                write!(f, "environment variable {var} is not set, so {key} is left out")?;
                match app {
                    Some(app) => write!(f, " of app \"{app}\""),
                    None => Ok(()),
                }
            }
            EmitErrorKind::HealthShape { problem } => write!(f, ":health {problem}"),
            EmitErrorKind::UnknownExportKey { key, section, .. } => write!(f, "{key} is not a {section} key"),
            EmitErrorKind::NumericString { option, text } => write!(
                f,
                "{option} is the string \"{text}\"; PM2 takes only numbers here and reads it as {text}"
            ),
            EmitErrorKind::DuplicateKey { section, key } => {
                write!(f, "two keys of {section} are written out as \"{key}\"")
            }
        }
    }
}

/// A problem with the ecosystem, with its location.
pub type EmitError = Problem<EmitErrorKind>;

/// What makes an environment variable name one the OS would mangle or drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvNameProblem {
    /// The name is empty.
    Empty,
    /// The name holds `=`, where the OS splits `NAME=VALUE`.
    Equals,
    /// The name holds NUL, where the OS ends it.
    Nul,
    /// The name holds another control character.
    Control(char),
    /// The name holds whitespace.
    Whitespace(char),
}

impl EnvNameProblem {
    /// What is wrong with `name`, if anything.
    pub fn of(name: &str) -> Option<EnvNameProblem> {
        if name.is_empty() {
            return Some(EnvNameProblem::Empty);
        }
        if name.contains('=') {
            return Some(EnvNameProblem::Equals);
        }
        if name.contains('\0') {
            return Some(EnvNameProblem::Nul);
        }
        if let Some(c) = name.chars().find(|c| c.is_control()) {
            return Some(EnvNameProblem::Control(c));
        }
        name.chars()
            .find(|c| c.is_whitespace())
            .map(EnvNameProblem::Whitespace)
    }

    fn help(self, name: &str) -> String {
        match self {
            EnvNameProblem::Empty => {
                "a variable needs a name: the OS would get \"=value\", which no program can read".into()
            }
            EnvNameProblem::Equals => {
                let (before, after) = name.split_once('=').unwrap_or((name, ""));
                format!(
                    "the environment is a list of NAME=value texts, split at the first =: the app would get \
                     a variable {before:?} with the value \"{after}=...\"; rename it"
                )
            }
            EnvNameProblem::Nul => {
                "the OS ends a name at NUL, and node refuses to start a process with one; remove it".into()
            }
            EnvNameProblem::Control(_) | EnvNameProblem::Whitespace(_) => {
                "programs and shells cannot name it, and PM2 prints it as it is; use letters, digits and _"
                    .into()
            }
        }
    }
}

impl fmt::Display for EnvNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvNameProblem::Empty => f.write_str("is empty"),
            EnvNameProblem::Equals => f.write_str("holds \"=\""),
            EnvNameProblem::Nul | EnvNameProblem::Control(_) | EnvNameProblem::Whitespace(_) => {
                let c = match self {
                    EnvNameProblem::Control(c) | EnvNameProblem::Whitespace(c) => *c,
                    _ => '\0',
                };
                write!(f, "holds {}", describe_char(c))
            }
        }
    }
}

/// A character named for a message: `a space`, `a tab`, `the control character U+001B`.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        '\n' => "a newline".into(),
        '\r' => "a carriage return".into(),
        '\0' => "a NUL character".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c if c.is_whitespace() => format!("the space character U+{:04X}", c as u32),
        c => format!("the text-direction control U+{:04X}", c as u32),
    }
}

/// Two keys of `section` that are written out alike: `again` after `first`.
pub(crate) fn duplicate_key(section: &str, key: &str, again: &Value, first: &Value) -> EmitError {
    EmitError::new(
        EmitErrorKind::DuplicateKey {
            section: section.to_string(),
            key: key.to_string(),
        },
        again.origin(),
    )
    .with_label(first.origin(), "first here")
}
