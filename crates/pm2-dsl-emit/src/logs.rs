//! pm2-clj's top-level `:logs` key: where apps' logs go, and how PM2's standard rotation
//! module, `pm2-logrotate`, rotates them. Validated like PM2's options; the PM2 file only
//! ever sees the `out_file` and `error_file` it implies for each app.
//!
//! ```clojure
//! :logs {:dir "logs/pm2"                               ; <dir>/<name>.out.log, <dir>/<name>.error.log
//!        :rotate {:max-size "10M" :retain 7 :compress true}}
//! ```
//!
//! An app that names its own `out_file` or `error_file` keeps it. A relative `:dir` is
//! relative to the file it is written in (like `cwd`).

use pm2_dsl_eval::{Number, Value, ValueKind, closest};

use crate::error::{EmitError, EmitErrorKind};
use crate::keys::{key_text, snake};
use crate::validate::text;

/// The module `:rotate` configures.
pub const ROTATE_MODULE: &str = "pm2-logrotate";

/// What a `:logs` key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogsType {
    /// A path string.
    Path,
    /// A size: bytes, or digits with `K`, `M` or `G` (`"10M"`).
    Size,
    /// How many rotated files to keep: a positive integer, or `"all"`.
    Retain,
    /// `true` or `false`.
    Boolean,
    /// Whole seconds, at least 1.
    Seconds,
    /// A cron pattern.
    Cron,
    /// Any string.
    Text,
}

/// One key of `:logs` or of its `:rotate` map.
#[derive(Debug)]
pub struct LogsKey {
    /// The key, kebab-case without colon.
    pub name: &'static str,
    /// The `pm2-logrotate` setting it sets (`pm2 set pm2-logrotate:<setting>`), for
    /// `:rotate` keys.
    pub setting: &'static str,
    /// What it takes.
    pub kind: LogsType,
    /// What it means (the documentation editors show).
    pub doc: &'static str,
}

const fn key(name: &'static str, setting: &'static str, kind: LogsType, doc: &'static str) -> LogsKey {
    LogsKey {
        name,
        setting,
        kind,
        doc,
    }
}

/// The keys of `:logs`.
pub const KEYS: &[LogsKey] = &[
    key(
        "dir",
        "",
        LogsType::Path,
        "the folder of every app's logs, relative to this file: <dir>/<name>.out.log and <dir>/<name>.error.log (made when pm2-clj starts the app)",
    ),
    key(
        "rotate",
        "",
        LogsType::Text,
        "install pm2-logrotate and set its options (a map of the keys below)",
    ),
];

/// The keys of `:logs :rotate`, with the `pm2-logrotate` settings they set.
pub const ROTATE_KEYS: &[LogsKey] = &[
    key(
        "max-size",
        "max_size",
        LogsType::Size,
        "rotate a log once it is larger than this: bytes, or \"10K\", \"10M\", \"1G\" (pm2-logrotate: 10M)",
    ),
    key(
        "retain",
        "retain",
        LogsType::Retain,
        "how many rotated logs to keep, or \"all\" (pm2-logrotate: 30)",
    ),
    key(
        "compress",
        "compress",
        LogsType::Boolean,
        "gzip rotated logs (pm2-logrotate: false)",
    ),
    key(
        "date-format",
        "dateFormat",
        LogsType::Text,
        "the date in rotated logs' names, as moment formats it (pm2-logrotate: YYYY-MM-DD_HH-mm-ss)",
    ),
    key(
        "worker-interval",
        "workerInterval",
        LogsType::Seconds,
        "how often, in seconds, logs' sizes are checked (pm2-logrotate: 30)",
    ),
    key(
        "rotate-interval",
        "rotateInterval",
        LogsType::Cron,
        "a cron pattern at which every log is rotated whatever its size (pm2-logrotate: \"0 0 * * *\")",
    ),
    key(
        "rotate-module",
        "rotateModule",
        LogsType::Boolean,
        "rotate the logs of pm2's modules too (pm2-logrotate: true)",
    ),
    key(
        "tz",
        "TZ",
        LogsType::Text,
        "the time zone of the dates in rotated logs' names, such as \"Etc/GMT-1\" (pm2-logrotate: the system's)",
    ),
];

/// The `:logs` section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs {
    /// The folder of the apps' logs (absolute unless relative paths are kept), with the
    /// value as written, for labels.
    pub dir: Option<Value>,
    /// `pm2-logrotate` settings to apply, in table order: the setting's name and the
    /// value `pm2 set` takes. `None` when `:rotate` is not given.
    pub rotate: Option<Vec<(&'static str, String)>>,
}

impl Logs {
    /// The folder of the apps' logs.
    pub fn dir(&self) -> Option<&str> {
        self.dir.as_ref().and_then(Value::as_str)
    }
}

fn problem(kind: EmitErrorKind, at: &Value) -> EmitError {
    EmitError::new(kind, at.origin())
}

fn wrong_type(option: &str, expected: &str, value: &Value) -> EmitError {
    problem(
        EmitErrorKind::WrongType {
            option: option.to_string(),
            expected: expected.to_string(),
            actual: value.type_name().to_string(),
        },
        value,
    )
}

fn bad_format(option: &str, expected: &str, value: &Value) -> EmitError {
    problem(
        EmitErrorKind::BadFormat {
            option: option.to_string(),
            value: value.to_edn(),
            expected: expected.to_string(),
        },
        value,
    )
}

fn unknown(key: &Value, name: &str, table: &[LogsKey], section: &str) -> EmitError {
    let suggestion = closest(name, table.iter().map(|k| k.name)).map(|s| format!(":{s}"));
    let none_close = suggestion.is_none();
    let error = problem(
        EmitErrorKind::UnknownLogsKey {
            key: key.to_edn(),
            section: section.to_string(),
            suggestion,
        },
        key,
    );
    if none_close {
        // Nothing close to suggest: the help lists the section's keys.
        let names: Vec<String> = table.iter().map(|k| format!(":{}", k.name)).collect();
        error.with_help(format!("{section} reads {}", names.join(", ")))
    } else {
        error
    }
}

/// The entries of a map value, or a type error.
fn entries<'v>(option: &str, value: &'v Value) -> Result<Vec<(&'v Value, &'v Value)>, EmitError> {
    match value.as_map() {
        Some(map) => Ok(map.iter().collect()),
        None => Err(wrong_type(option, "a map", value)),
    }
}

/// The text `pm2 set` takes for a `:rotate` value of type `kind`.
fn setting_value(option: &str, kind: LogsType, value: &Value) -> Result<String, EmitError> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match (kind, value.kind()) {
        (LogsType::Size, ValueKind::Number(Number::Int(n))) if *n > 0 => Ok(n.to_string()),
        (LogsType::Size, ValueKind::Str(s)) => {
            let body = s.strip_suffix(['K', 'M', 'G']).unwrap_or(s);
            if digits(body) && body.parse::<u64>().is_ok_and(|n| n > 0) {
                Ok(s.to_string())
            } else {
                Err(bad_format(
                    option,
                    "a size such as \"10M\", \"500K\" or \"1G\"",
                    value,
                ))
            }
        }
        (LogsType::Retain, ValueKind::Number(Number::Int(n))) if *n > 0 => Ok(n.to_string()),
        (LogsType::Retain, ValueKind::Str(s)) if &**s == "all" => Ok(s.to_string()),
        (LogsType::Retain, ValueKind::Number(Number::Int(_)) | ValueKind::Str(_)) => Err(bad_format(
            option,
            "a number of files, at least 1, or \"all\"",
            value,
        )),
        (LogsType::Seconds, ValueKind::Number(Number::Int(n))) if *n >= 1 => Ok(n.to_string()),
        (LogsType::Seconds, ValueKind::Number(Number::Int(_))) => {
            Err(bad_format(option, "whole seconds, at least 1", value))
        }
        (LogsType::Boolean, ValueKind::Bool(b)) => Ok(b.to_string()),
        (LogsType::Cron, ValueKind::Str(s)) => match crate::cron::check(s) {
            Ok(()) => Ok(s.to_string()),
            Err(why) => Err(bad_format(option, &format!("a cron pattern ({why})"), value)),
        },
        (LogsType::Text, ValueKind::Str(s)) if !s.trim().is_empty() => Ok(s.to_string()),
        (LogsType::Text, ValueKind::Str(_)) => Err(bad_format(option, "a non-empty string", value)),
        (LogsType::Size, _) => Err(wrong_type(
            option,
            "a size string such as \"10M\", or bytes",
            value,
        )),
        (LogsType::Retain, _) => Err(wrong_type(option, "an integer or \"all\"", value)),
        (LogsType::Seconds, _) => Err(wrong_type(option, "an integer", value)),
        (LogsType::Boolean, _) => Err(wrong_type(option, "a boolean", value)),
        (LogsType::Cron | LogsType::Text | LogsType::Path, _) => Err(wrong_type(option, "a string", value)),
    }
}

/// Reads the `:rotate` map.
fn rotate(value: &Value, problems: &mut Vec<EmitError>) -> Option<Vec<(&'static str, String)>> {
    let entries = match entries(":logs :rotate", value) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(e);
            return None;
        }
    };
    let mut settings: Vec<(usize, &'static str, String)> = Vec::new();
    for (k, v) in entries {
        let name = key_text(k)
            .map(|t| snake(t).replace('_', "-"))
            .unwrap_or_default();
        let Some((index, spec)) = ROTATE_KEYS.iter().enumerate().find(|(_, s)| s.name == name) else {
            problems.push(unknown(k, &name, ROTATE_KEYS, ":logs :rotate"));
            continue;
        };
        if v.is_nil() {
            continue;
        }
        match setting_value(&format!(":logs :rotate :{name}"), spec.kind, v) {
            Ok(text) => settings.push((index, spec.setting, text)),
            Err(e) => problems.push(e),
        }
    }
    settings.sort_by_key(|(index, ..)| *index);
    Some(settings.into_iter().map(|(_, s, v)| (s, v)).collect())
}

/// Reads a `:logs` value; problems go to `problems`. `dir` is given as written (the
/// caller makes it absolute).
pub(crate) fn logs(value: &Value, problems: &mut Vec<EmitError>) -> Logs {
    let mut logs = Logs::default();
    let entries = match entries(":logs", value) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(e);
            return logs;
        }
    };
    for (k, v) in entries {
        let name = key_text(k)
            .map(|t| snake(t).replace('_', "-"))
            .unwrap_or_default();
        match name.as_str() {
            _ if v.is_nil() => {}
            "dir" => match text(v) {
                Some(dir) if !dir.trim().is_empty() => logs.dir = Some(v.clone()),
                Some(_) => problems.push(bad_format(":logs :dir", "a folder path", v)),
                None => problems.push(wrong_type(":logs :dir", "a folder path string", v)),
            },
            "rotate" => logs.rotate = rotate(v, problems),
            _ => problems.push(unknown(k, &name, KEYS, ":logs")),
        }
    }
    logs
}

/// The log file paths `:logs {:dir ...}` gives the app `name`: its output and its
/// errors (a `/` in the name becomes `-`, so every log stays in the folder).
pub fn app_log_paths(dir: &str, name: &str) -> [(&'static str, String); 2] {
    let dir = dir.trim_end_matches('/');
    let name = name.replace(['/', '\\'], "-");
    [
        ("out_file", format!("{dir}/{name}.out.log")),
        ("error_file", format!("{dir}/{name}.error.log")),
    ]
}
