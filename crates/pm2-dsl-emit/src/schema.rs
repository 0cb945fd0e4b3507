//! PM2's option table, as facts read from `lib/API/schema.json` of pm2 7.0 and written as
//! Rust (a test compares it with the installed pm2's file, so drift is caught), plus the
//! keys pm2-deploy reads from a `deploy` section.
//!
//! PM2 accepts every option under its canonical name, under the aliases listed in the
//! schema, and under a camelCase alias it derives (`max_restarts` → `maxRestarts`).
//! `Common.verifyConfs` also turns `cmd` and `command` into `script`.

use std::collections::HashMap;
use std::sync::LazyLock;

use foldhash::fast::RandomState;

/// A JSON type an option accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsType {
    /// A string.
    String,
    /// A number (PM2 also accepts a string that parses as one).
    Number,
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsType {
    /// The name PM2's schema uses.
    pub fn name(self) -> &'static str {
        match self {
            JsType::String => "string",
            JsType::Number => "number",
            JsType::Boolean => "boolean",
            JsType::Array => "array",
            JsType::Object => "object",
        }
    }
}

/// A format check beyond the type, from the schema's `regex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `^\d+(G|M|K)?$`: bytes, or a size in K, M or G.
    MemorySize,
    /// `^\d+(h|m|s)?$`: milliseconds, or a duration in s, m or h.
    Duration,
    /// `^(cluster|fork)(_mode)?$`.
    ExecMode,
}

impl Format {
    /// The values an option of this format takes, when they are a fixed set.
    pub fn values(self) -> &'static [&'static str] {
        match self {
            Format::ExecMode => &["fork", "cluster"],
            Format::MemorySize | Format::Duration => &[],
        }
    }

    /// What a value of this format looks like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Format::MemorySize => "a size such as 512M, 1G, 300K or a number of bytes",
            Format::Duration => "a duration such as 10s, 5m, 1h or a number of milliseconds",
            Format::ExecMode => "fork or cluster",
        }
    }

    /// The schema's regular expression for this format.
    pub fn regex(self) -> &'static str {
        match self {
            Format::MemorySize => r"^\d+(G|M|K)?$",
            Format::Duration => r"^\d+(h|m|s)?$",
            Format::ExecMode => r"^(cluster|fork)(_mode)?$",
        }
    }
}

/// The largest integer JavaScript holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The numbers an option takes as PM2, and node under it, read them. Every number is a
/// double, exact for integers only within ±(2^53 − 1); PM2 hands durations to node's
/// timers, which take at most 2147483647 ms and fire a longer wait after 1 ms; it reads
/// `instances` with `parseInt`, which reads 2.5 as 2 and 1e21 as 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberRange {
    /// The smallest number.
    pub min: i64,
    /// The largest number.
    pub max: i64,
    /// Whether only whole numbers are read as written.
    pub integer: bool,
    /// Why, for help.
    pub why: &'static str,
}

impl NumberRange {
    /// What every number option takes: a number within ±(2^53 − 1).
    pub const SAFE: NumberRange = NumberRange {
        min: -MAX_SAFE_INTEGER,
        max: MAX_SAFE_INTEGER,
        integer: false,
        why: "JavaScript reads numbers as doubles, which hold integers exactly only within ±9007199254740991",
    };
    /// Milliseconds PM2 hands to node's timers.
    const TIMER: NumberRange = NumberRange {
        min: 0,
        max: i32::MAX as i64,
        integer: true,
        why: "PM2 hands this to node's timers, which take whole milliseconds up to 2147483647 (24.8 days) and fire a longer wait after 1 ms",
    };
    /// `instances`: a count, or a negative number for that many fewer than the CPUs.
    const INSTANCES: NumberRange = NumberRange {
        integer: true,
        why: "PM2 reads the count with parseInt, which reads 2.5 as 2 and 1e21 as 1",
        ..NumberRange::SAFE
    };
    /// A count of restarts.
    const COUNT: NumberRange = NumberRange {
        min: 0,
        integer: true,
        why: "it counts restarts",
        ..NumberRange::SAFE
    };
    /// A TCP port.
    const PORT: NumberRange = NumberRange {
        min: 0,
        max: 65535,
        integer: true,
        why: "PM2 gives it to the app as PORT, and a TCP port is a whole number from 0 to 65535",
    };
    /// A user or group id.
    const ID: NumberRange = NumberRange {
        min: 0,
        max: u32::MAX as i64,
        integer: true,
        why: "a user or group id is a whole number from 0 to 4294967295",
    };
    /// Exit codes.
    const EXIT_CODE: NumberRange = NumberRange {
        integer: true,
        why: "PM2 compares them with the code a process exits with, a whole number",
        ..NumberRange::SAFE
    };
    /// A memory size in bytes.
    const BYTES: NumberRange = NumberRange {
        min: 0,
        why: "PM2 restarts the app as soon as it uses more memory than this",
        ..NumberRange::SAFE
    };

    /// The range as a phrase: "an integer from 0 to 2147483647", "a number within
    /// ±9007199254740991".
    pub fn text(self) -> String {
        let what = if self.integer { "an integer" } else { "a number" };
        if self.min == -self.max {
            format!("{what} within ±{}", self.max)
        } else {
            format!("{what} from {} to {}", self.min, self.max)
        }
    }
}

/// One PM2 app option.
#[derive(Debug)]
pub struct OptionSpec {
    /// The canonical name.
    pub name: &'static str,
    /// The JSON types it accepts.
    pub types: &'static [JsType],
    /// The aliases listed in the schema (the camelCase alias is [`camel_alias`]).
    pub aliases: &'static [&'static str],
    /// A format check on string values.
    pub format: Option<Format>,
    /// The smallest number accepted (PM2's schema says so).
    pub min: Option<i64>,
    /// The numbers PM2 reads as written, when narrower than [`NumberRange::SAFE`]
    /// (see [`OptionSpec::number_range`]).
    pub range: Option<NumberRange>,
    /// Whether PM2 requires it.
    pub required: bool,
    /// What PM2's schema says it does (its `docDescription`), when it says.
    pub pm2_doc: Option<&'static str>,
    /// PM2's default as its schema documents it (its `docDefault`), when it does.
    pub pm2_default: Option<&'static str>,
    /// What pm2-clj adds: the trap it removes, or what the option does when PM2's schema
    /// does not say.
    pub note: &'static str,
}

const fn opt(
    name: &'static str,
    types: &'static [JsType],
    aliases: &'static [&'static str],
    format: Option<Format>,
    min: Option<i64>,
    required: bool,
) -> OptionSpec {
    OptionSpec {
        name,
        types,
        aliases,
        format,
        min,
        required,
        range: None,
        pm2_doc: None,
        pm2_default: None,
        note: "",
    }
}

impl OptionSpec {
    /// The entry with PM2's description and default.
    const fn doc(self, pm2_doc: Option<&'static str>, pm2_default: Option<&'static str>) -> OptionSpec {
        OptionSpec {
            pm2_doc,
            pm2_default,
            ..self
        }
    }

    /// The entry with pm2-clj's note.
    const fn note(self, note: &'static str) -> OptionSpec {
        OptionSpec { note, ..self }
    }

    /// The entry with the numbers PM2 reads as written.
    const fn range(self, range: NumberRange) -> OptionSpec {
        OptionSpec {
            range: Some(range),
            ..self
        }
    }
}

use JsType::{Array as A, Boolean as B, Number as N, Object as O, String as S};

/// Every PM2 app option with a fixed name, in schema order.
pub const OPTIONS: &[OptionSpec] = &[
    opt("script", &[S], &["exec"], None, None, true)
    .doc(Some("Path of the script to launch, required field"), None)
    .note("pm2-clj also takes :cmd and :command for it, as PM2's code does, and reports an app without it before pm2 runs."),
    opt("name", &[S], &[], None, None, false)
    .doc(Some("Process name in the process list"), Some("Script filename without the extension (app for app.js)"))
    .note("Profiles merge apps by :name; two apps with one name are an error."),
    opt("name_prefix", &[S], &[], None, None, false)
    .doc(None, None)
    .note("PM2 sets it for modules: the app's name becomes prefix:name."),
    opt("filter_env", &[B, A, S], &[], None, None, false)
    .doc(Some("Enable filtering global environments"), Some("false")),
    opt("namespace", &[S], &[], None, None, false)
    .doc(Some("Process namespace"), Some("default")),
    opt("install_url", &[S], &[], None, None, false)
    .doc(None, None)
    .note("PM2 sets it for modules installed from a URL and records it on the app."),
    opt("cwd", &[S], &[], None, None, false)
    .doc(Some("Current working directory to start the process with"), Some("CWD of the current environment (from your shell)"))
    .note("A relative cwd is made absolute against the directory of the file it is written in (PM2 would resolve it against wherever pm2 was started); --keep-relative-paths keeps it as written."),
    opt("args", &[A, S], &[], None, None, false)
    .doc(Some("Arguments to pass to the script"), None),
    opt("exec_interpreter", &[S], &["interpreter"], None, None, false)
    .doc(Some("Interpreter absolute path"), Some("node")),
    opt(
        "node_args",
        &[A, S],
        &["interpreterArgs", "interpreter_args"],
        None,
        None,
        false,
    )
    .doc(Some("Arguments to pass to the interpreter"), None),
    opt("out_file", &[S], &["out", "output", "out_log"], None, None, false)
    .doc(Some("File path for stdout (each line is appended to this file)"), Some("~/.pm2/logs/<app_name>-out.log")),
    opt(
        "error_file",
        &[S],
        &["error", "err", "err_file", "err_log"],
        None,
        None,
        false,
    )
    .doc(Some("File path for stderr (each line is appended to this file)"), Some("~/.pm2/logs/<app_name>-error.err")),
    opt("log_file", &[B, S], &["log"], None, None, false)
    .doc(Some("File path for combined stdout and stderr (each line is appended to this file)"), Some("/dev/null")),
    opt("disable_logs", &[B], &[], None, None, false)
    .doc(Some("Disable all logs storage"), Some("false")),
    opt("log_type", &[S], &[], None, None, false)
    .doc(Some("Define a specific log output type, possible value: json"), None),
    opt("log_date_format", &[S], &[], None, None, false)
    .doc(Some("Format for log timestamps in day.js format (eg YYYY-MM-DD HH:mm Z)"), None),
    opt("time", &[B], &[], None, None, false)
    .doc(None, None)
    .note("Prefixes log lines with a timestamp: PM2 sets log_date_format to YYYY-MM-DDTHH:mm:ss."),
    opt("env", &[O, S], &[], None, None, false)
    .doc(Some("Specify environment variables to be injected"), None)
    .note("A map from variable names (kept verbatim) to strings, numbers or booleans: PM2 would misread a string here and JSON-stringify nested values, so both are errors. A name the OS would mangle (\"A=B\", one with whitespace or a control character) is an error; one a shell cannot read (\"log-level\") is a warning."),
    opt(
        "max_memory_restart",
        &[S, N],
        &[],
        Some(Format::MemorySize),
        None,
        false,
    )
    .doc(Some("Restart the app if an amount of memory is exceeded (format: /[0-9](K|M|G)?/ K for KB, 'M' for MB, 'G' for GB, default to B)"), None)
    .range(NumberRange::BYTES),
    opt("pid_file", &[S], &["pid"], None, None, false)
    .doc(Some("File path where the pid of the started process is written by pm2"), Some("~/.pm2/pids/app_name-id.pid")),
    opt("restart_delay", &[N], &[], None, None, false)
    .doc(Some("Time in ms to wait before restarting a crashing app"), Some("0"))
    .range(NumberRange::TIMER),
    opt("exp_backoff_restart_delay", &[N], &[], None, None, false)
    .doc(Some("Restart Time in ms to wait before restarting a crashing app"), Some("0"))
    .range(NumberRange::TIMER),
    opt("source_map_support", &[B], &[], None, None, false)
    .doc(Some("Enable or disable the source map support"), Some("true")),
    opt("disable_source_map_support", &[B], &[], None, None, false)
    .doc(Some("Enable or disable the source map support"), Some("false")),
    opt("wait_ready", &[B], &[], None, None, false)
    .doc(Some("Make the process wait for a process.send('ready')"), Some("false")),
    opt("instances", &[N], &[], None, None, false)
    .doc(Some("Number of instances to be started in cluster mode"), Some("1"))
    .note("A number, or \"max\" for one per CPU.")
    .range(NumberRange::INSTANCES),
    opt("kill_timeout", &[N], &[], None, None, false)
    .doc(Some("Time in ms before sending the final SIGKILL signal after SIGINT"), Some("1600"))
    .range(NumberRange::TIMER),
    opt("shutdown_with_message", &[B], &[], None, None, false)
    .doc(Some("Shutdown an application with process.send('shutdown') instead of process.kill(pid, SIGINT)"), Some("false")),
    opt("listen_timeout", &[N], &[], None, None, false)
    .doc(Some("Time in ms before forcing a reload if app is still not listening/has still note sent ready"), None)
    .range(NumberRange::TIMER),
    opt("cron_restart", &[S, N], &["cron"], None, None, false)
    .doc(Some("A cron pattern to restart your app"), None)
    .note("pm2-clj checks the cron pattern before pm2 runs."),
    opt("merge_logs", &[B], &["combine_logs"], None, None, false)
    .doc(Some("In cluster mode, merge each type of logs into a single file (instead of having one for each cluster)"), Some("false")),
    opt("vizion", &[B], &[], None, None, false)
    .doc(Some("Enable or disable the versioning metadatas (vizion library)"), Some("True")),
    opt("autostart", &[B], &[], None, None, false)
    .doc(Some("Enable or disable auto start when adding process"), Some("True")),
    opt("autorestart", &[B], &[], None, None, false)
    .doc(Some("Enable or disable auto restart after process failure"), Some("True")),
    opt("stop_exit_codes", &[A, N], &[], None, None, false)
    .doc(Some("List of exit codes that should allow the process to stop (skip autorestart)."), None)
    .range(NumberRange::EXIT_CODE),
    opt("watch_delay", &[N], &[], None, None, false)
    .doc(Some("Restart delay on file change detected"), Some("True"))
    .range(NumberRange::TIMER),
    opt("watch", &[B, A, S], &[], None, None, false)
    .doc(Some("Enable or disable the watch mode"), Some("false")),
    opt("ignore_watch", &[A, S], &[], None, None, false)
    .doc(Some("List of paths to ignore (regex)"), None),
    opt("watch_options", &[O], &[], None, None, false)
    .doc(Some("Object that will be used as an options with chokidar (refer to chokidar documentation)"), None),
    opt(
        "min_uptime",
        &[N, S],
        &[],
        Some(Format::Duration),
        Some(100),
        false,
    )
    .doc(Some("Minimum uptime of the app to be considered started (format is /[0-9]+(h|m|s)?/, for hours, minutes, seconds, docDefault to ms)"), Some("1000"))
    .note("PM2 rejects a value under 100 ms and then fails the whole file; pm2-clj reports it first, durations such as \"0s\" included."),
    opt("max_restarts", &[N], &[], None, Some(0), false)
    .doc(Some("Number of times a script is restarted when it exits in less than min_uptime"), Some("16"))
    .range(NumberRange::COUNT),
    opt("execute_command", &[B], &[], None, None, false)
    .doc(None, None)
    .note("true starts the app in fork mode."),
    opt("exec_mode", &[S], &[], Some(Format::ExecMode), None, false)
    .doc(Some("Set the execution mode, possible values: fork|cluster"), Some("fork"))
    .note("Write :fork or :cluster."),
    opt("force", &[B], &[], None, None, false)
    .doc(Some("Start a script even if it is already running (only the script path is considered)"), Some("false")),
    opt("append_env_to_name", &[B], &[], None, None, false)
    .doc(Some("Append the environment name to the app name"), Some("false")),
    opt("post_update", &[A], &[], None, None, false)
    .doc(Some("List of commands executed after a pull/upgrade operation performed from Keymetrics dashboard"), None),
    opt("trace", &[B], &[], None, None, false)
    .doc(Some("Enable or disable the transaction tracing"), Some("false")),
    opt("disable_trace", &[B], &[], None, None, false)
    .doc(Some("Enable or disable the transaction tracing"), Some("true")),
    opt("v8", &[B], &[], None, None, false)
    .doc(None, None)
    .note("Accepted by PM2's schema; PM2 7 does nothing with it."),
    opt("event_loop_inspector", &[B], &[], None, None, false)
    .doc(None, None)
    .note("Accepted by PM2's schema; PM2 7 does nothing with it."),
    opt("deep_monitoring", &[B], &[], None, None, false)
    .doc(None, None)
    .note("Turns on PM2's deep monitoring, as trace does."),
    opt("increment_var", &[S], &[], None, None, false)
    .doc(Some("Specify the name of an environment variable to inject which increments for each cluster"), None),
    opt("instance_var", &[S], &[], None, None, false)
    .doc(Some("Rename the NODE_APP_INSTANCE environment variable"), Some("NODE_APP_INSTANCE")),
    opt("pmx", &[B, S], &[], None, None, false)
    .doc(Some("Enable or disable pmx wrapping"), Some("True")),
    opt("automation", &[B], &[], None, None, false)
    .doc(Some("Enable or disable pmx wrapping"), Some("True")),
    opt("treekill", &[B], &[], None, None, false)
    .doc(Some("Only kill the main process, not detached children"), Some("True")),
    opt("port", &[N], &[], None, None, false)
    .doc(Some("Shortcut to inject a PORT environment variable"), None)
    .range(NumberRange::PORT),
    opt("username", &[S], &[], None, None, false)
    .doc(Some("Current user that started the process"), None),
    opt("uid", &[N, S], &["user"], None, None, false)
    .doc(Some("Set user id"), Some("Current user uid"))
    .range(NumberRange::ID),
    opt("gid", &[N, S], &[], None, None, false)
    .doc(Some("Set group id"), Some("Current user gid"))
    .range(NumberRange::ID),
    opt("windowsHide", &[B], &[], None, None, false)
    .doc(Some("Enable or disable the Windows popup when starting an app"), Some("True")),
    opt("kill_retry_time", &[N], &[], None, None, false)
    .doc(None, None)
    .note("Time in ms between two attempts to kill a process that does not stop (PM2's default is 100).")
    .range(NumberRange::TIMER),
    opt("write", &[B], &[], None, None, false)
    .doc(None, None)
    .note("Accepted by PM2's schema; PM2 7 does nothing with it."),
    opt("io", &[O], &[], None, None, false)
    .doc(Some("Specify apm values and configuration"), None),
];

/// The schema's pattern key for per-environment variables (`env_production`, ...).
pub const ENV_PATTERN: &str = r"^env_\S*$";

/// Aliases of `script` that PM2's code (not its schema) accepts.
pub const SCRIPT_CODE_ALIASES: &[&str] = &["cmd", "command"];

/// Options that make PM2 install packages from npm when the app starts.
pub const INSTALLS_PACKAGES: &[&str] = &["trace", "deep_monitoring"];

/// The types of an option as a phrase: "a string", "a number or a string", ...
pub(crate) fn types_text(types: &[JsType]) -> String {
    let names: Vec<String> = types
        .iter()
        .map(|t| match t {
            JsType::Array | JsType::Object => format!("an {}", t.name()),
            _ => format!("a {}", t.name()),
        })
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A spelling-independent form of a name: lower snake case (`maxRestarts`,
/// `max-restarts` and `max_restarts` all give `max_restarts`).
pub fn snake(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous_lower = false;
    for c in text.chars() {
        if c == '-' {
            out.push('_');
            previous_lower = false;
        } else if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Whether PM2 loses a falsy value written under this canonical name: its validator
/// copies options from their aliases with `conf[key] || (conf[key] = json[alias])`, so
/// a falsy value under a name whose camelCase alias differs becomes `undefined`.
pub fn loses_falsy(name: &str) -> bool {
    camel_alias(name) != name
}

impl OptionSpec {
    /// The ways a key can name this option, kebab-case first: `:max-restarts`,
    /// `:max_restarts`, `:maxRestarts`, then the schema's aliases.
    pub fn spellings(&self) -> Vec<String> {
        let mut out = vec![snake(self.name).replace('_', "-")];
        for s in [self.name.to_string(), camel_alias(self.name)]
            .into_iter()
            .chain(self.aliases.iter().map(|a| a.to_string()))
        {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The numbers PM2 reads as written for this option.
    pub fn number_range(&self) -> NumberRange {
        self.range.unwrap_or(NumberRange::SAFE)
    }

    /// What the option is and does, as Markdown: PM2's description and default, the
    /// types and formats it takes, and what pm2-clj does about PM2's traps.
    pub fn describe(&self) -> String {
        let spellings: Vec<String> = self.spellings().iter().map(|s| format!("`:{s}`")).collect();
        let mut out = format!(
            "**{}** (PM2 app option): {}

",
            self.name,
            spellings.join(" ")
        );
        if let Some(doc) = self.pm2_doc {
            let stop = if doc.ends_with('.') { "" } else { "." };
            out += &format!("{doc}{stop}\n\n");
        }
        out += &format!("- takes {}", types_text(self.types));
        if let Some(format) = self.format {
            out += &format!(": {}", format.expected());
        }
        out += "\n";
        if let Some(min) = self.min {
            out += &format!("- at least {min}\n");
        }
        if let Some(range) = self.range {
            out += &format!("- numbers: {}\n", range.text());
        }
        if let Some(default) = self.pm2_default {
            out += &format!("- PM2's default: {default}\n");
        }
        if self.required {
            out += "- required\n";
        }
        let mut notes: Vec<String> = Vec::new();
        if !self.note.is_empty() {
            notes.push(self.note.to_string());
        }
        let falsy: Vec<&str> = self
            .types
            .iter()
            .filter_map(|t| match t {
                JsType::Boolean => Some("false"),
                JsType::Number if self.min.is_none_or(|m| m <= 0) => Some("0"),
                _ => None,
            })
            .collect();
        if loses_falsy(self.name) && !falsy.is_empty() {
            notes.push(format!(
                "PM2 loses {} written as {}; pm2-clj also writes it as {}, so PM2 keeps it.",
                falsy.join(" or "),
                self.name,
                camel_alias(self.name)
            ));
        }
        if INSTALLS_PACKAGES.contains(&self.name) {
            notes.push(
                "When it is on, PM2 installs packages from npm as the app starts; pm2-clj warns about it."
                    .into(),
            );
        }
        if !notes.is_empty() {
            out += &format!("\npm2-clj: {}\n", notes.join(" "));
        }
        out
    }
}

/// The options by canonical name.
static BY_NAME: LazyLock<HashMap<&'static str, &'static OptionSpec, RandomState>> =
    LazyLock::new(|| OPTIONS.iter().map(|o| (o.name, o)).collect());

/// The option named `name` (canonical).
pub fn option(name: &str) -> Option<&'static OptionSpec> {
    BY_NAME.get(name).copied()
}

/// PM2's camelCase alias of a canonical name: `max_restarts` → `maxRestarts`. Parts of
/// one character are not capitalised, as in PM2.
pub fn camel_alias(name: &str) -> String {
    name.split('_')
        .enumerate()
        .map(|(i, part)| {
            if i > 0 && part.len() > 1 {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// The keys pm2-deploy reads from one deploy environment, as it spells them.
pub const DEPLOY_KEYS: &[&str] = &[
    "user",
    "host",
    "port",
    "key",
    "forward-agent",
    "needs_tty",
    "ssh_options",
    "repo",
    "ref",
    "fetch",
    "path",
    "env",
    "pre-setup",
    "post-setup",
    "pre-deploy-local",
    "pre-deploy",
    "post-deploy",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_is_documented() {
        for option in OPTIONS {
            assert!(
                option.pm2_doc.is_some() || !option.note.is_empty(),
                "{} has neither PM2's description nor a note",
                option.name
            );
        }
    }

    #[test]
    fn descriptions_say_what_pm2_clj_fixes() {
        let max_restarts = option("max_restarts").unwrap().describe();
        assert!(
            max_restarts.contains("`:max-restarts` `:max_restarts` `:maxRestarts`"),
            "{max_restarts}"
        );
        assert!(max_restarts.contains("- PM2's default: 16"), "{max_restarts}");
        assert!(
            max_restarts.contains("also writes it as maxRestarts"),
            "{max_restarts}"
        );
        assert!(
            max_restarts.contains("- numbers: an integer from 0 to 9007199254740991"),
            "{max_restarts}"
        );
        let kill_timeout = option("kill_timeout").unwrap().describe();
        assert!(
            kill_timeout.contains("- numbers: an integer from 0 to 2147483647"),
            "{kill_timeout}"
        );
        let trace = option("trace").unwrap().describe();
        assert!(trace.contains("installs packages from npm"), "{trace}");
        let script = option("script").unwrap().describe();
        assert!(
            script.contains("`:exec`") && script.contains("- required"),
            "{script}"
        );
        assert!(!script.contains("loses"), "{script}");
    }

    #[test]
    fn camel_aliases_follow_pm2() {
        assert_eq!(camel_alias("max_restarts"), "maxRestarts");
        assert_eq!(camel_alias("exp_backoff_restart_delay"), "expBackoffRestartDelay");
        assert_eq!(camel_alias("windowsHide"), "windowsHide");
        assert_eq!(camel_alias("v8"), "v8");
    }
}
