//! pm2-clj's `:health` key on an app: how to tell that the app serves, checked after
//! every start, reload and sync. It is validated like PM2's options and never written
//! into the PM2 file.
//!
//! ```clojure
//! :health {:http "http://127.0.0.1:8080/health" :status 200 :timeout "30s"}
//! :health {:tcp 8080}              ; or {:tcp "127.0.0.1:8080"}
//! :health {:command ["node" "check.js"] :interval "500ms" :grace "2s"}
//! ```

use std::time::Duration;

use pm2_dsl_eval::{Value, ValueKind, closest};
use pm2_dsl_reader::Number;

use crate::error::{EmitError, EmitErrorKind};
use crate::keys::{key_text, snake};
use crate::validate::text;

/// A probe: how one check asks the app whether it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// An HTTP GET; healthy on a 2xx or 3xx answer, or on exactly `status`.
    Http {
        /// The URL (`http://` or `https://`).
        url: String,
        /// The one status code that counts as healthy.
        status: Option<u16>,
    },
    /// A TCP connection; healthy when it opens.
    Tcp {
        /// The host (`127.0.0.1` when only a port is given).
        host: String,
        /// The port.
        port: u16,
    },
    /// A command, run in the app's folder; healthy when it exits with 0.
    Command {
        /// The program and its arguments.
        argv: Vec<String>,
    },
}

impl Probe {
    /// The probe's kind: `http`, `tcp` or `command`.
    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Http { .. } => "http",
            Probe::Tcp { .. } => "tcp",
            Probe::Command { .. } => "command",
        }
    }
}

/// An app's health check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// What to ask.
    pub probe: Probe,
    /// How long the app may take to pass (within the command's overall wait).
    pub timeout: Option<Duration>,
    /// How long to wait between two tries.
    pub interval: Option<Duration>,
    /// How long to wait after the app is online before the first try.
    pub grace: Option<Duration>,
}

/// One key of a `:health` map.
#[derive(Debug)]
pub struct HealthKey {
    /// The key, without colon.
    pub name: &'static str,
    /// What it means (the documentation editors show).
    pub doc: &'static str,
    /// Whether it is a setting rather than a probe.
    pub optional: bool,
}

/// The keys of a `:health` map.
pub const KEYS: &[HealthKey] = &[
    HealthKey {
        name: "http",
        doc: "GET this URL; healthy on a 2xx or 3xx answer",
        optional: false,
    },
    HealthKey {
        name: "tcp",
        doc: "open a TCP connection to this port (on 127.0.0.1) or \"host:port\"; healthy when it opens",
        optional: false,
    },
    HealthKey {
        name: "command",
        doc: "run this program with its arguments in the app's folder; healthy when it exits with 0",
        optional: false,
    },
    HealthKey {
        name: "status",
        doc: "with :http, the one status code that counts as healthy",
        optional: true,
    },
    HealthKey {
        name: "timeout",
        doc: "how long the app may take to pass, such as \"30s\" (within the command's --wait)",
        optional: true,
    },
    HealthKey {
        name: "interval",
        doc: "how long to wait between two tries, such as \"500ms\"",
        optional: true,
    },
    HealthKey {
        name: "grace",
        doc: "how long to wait after the app is online before the first try, such as \"2s\"",
        optional: true,
    },
];

fn format_error(key: &str, value: &Value, expected: &str) -> EmitError {
    EmitError::new(
        EmitErrorKind::BadFormat {
            option: format!(":health :{key}"),
            value: value.to_edn_short(),
            expected: expected.to_string(),
        },
        value.origin(),
    )
}

fn type_error(key: &str, value: &Value, expected: &str) -> EmitError {
    EmitError::new(
        EmitErrorKind::WrongType {
            option: format!(":health :{key}"),
            expected: expected.to_string(),
            actual: value.type_name().to_string(),
        },
        value.origin(),
    )
}

fn shape(problem: impl Into<String>, at: &Value) -> EmitError {
    EmitError::new(
        EmitErrorKind::HealthShape {
            problem: problem.into(),
        },
        at.origin(),
    )
    .with_help(what_a_check_is())
}

/// The help of a `:health` map that is not a check: the three probes, and the settings
/// from [`KEYS`].
fn what_a_check_is() -> String {
    let settings: Vec<String> = KEYS
        .iter()
        .filter(|k| k.optional)
        .map(|k| format!(":{}", k.name))
        .collect();
    format!(
        "a check is one of {{:http \"http://127.0.0.1:8080/health\"}}, {{:tcp 8080}} or {{:command [\"node\" \"check.js\"]}}, with optional {}",
        settings.join(", ")
    )
}

/// A duration: whole milliseconds, or text such as `500ms`, `2s`, `1m 30s`.
pub fn duration(value: &Value) -> Option<Duration> {
    match value.kind() {
        ValueKind::Number(Number::Int(ms)) => u64::try_from(*ms).ok().map(Duration::from_millis),
        _ => humantime::parse_duration(value.as_str()?.trim()).ok(),
    }
}

fn probe(key: &str, value: &Value) -> Result<Probe, EmitError> {
    match key {
        "http" => {
            let url = value
                .as_str()
                .ok_or_else(|| type_error(key, value, "a URL string"))?;
            if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 9 {
                return Err(format_error(key, value, "an http:// or https:// URL"));
            }
            Ok(Probe::Http {
                url: url.to_string(),
                status: None,
            })
        }
        "tcp" => {
            let port = |n: &str| n.parse::<u16>().ok().filter(|p| *p > 0);
            let bad = || format_error(key, value, "a port from 1 to 65535, or \"host:port\"");
            match value.kind() {
                ValueKind::Number(Number::Int(n)) => Ok(Probe::Tcp {
                    host: "127.0.0.1".into(),
                    port: u16::try_from(*n).ok().filter(|p| *p > 0).ok_or_else(bad)?,
                }),
                ValueKind::Str(s) => {
                    let (host, p) = s.rsplit_once(':').unwrap_or(("127.0.0.1", s));
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    Ok(Probe::Tcp {
                        host: if host.is_empty() { "127.0.0.1" } else { host }.to_string(),
                        port: port(p).ok_or_else(bad)?,
                    })
                }
                _ => Err(type_error(key, value, "a port number or \"host:port\"")),
            }
        }
        _ => {
            let items = value.as_seq().ok_or_else(|| {
                type_error(key, value, "a vector of strings, such as [\"node\" \"check.js\"]")
            })?;
            let argv: Vec<String> = items
                .iter()
                .map(|item| text(item).ok_or_else(|| type_error(key, item, "a string")))
                .collect::<Result<_, _>>()?;
            if argv.is_empty() {
                return Err(format_error(key, value, "a program and its arguments"));
            }
            Ok(Probe::Command { argv })
        }
    }
}

/// Reads an app's `:health` value (`key` as written); problems go to `problems`.
pub(crate) fn health(key: &Value, value: &Value, problems: &mut Vec<EmitError>) -> Option<Health> {
    let Some(map) = value.as_map() else {
        problems.push(shape(format!("must be a map, not {}", value.type_name()), value));
        return None;
    };
    let mut probes: Vec<(String, Probe, &Value)> = Vec::new();
    let mut status = None;
    let mut health = Health {
        probe: Probe::Command { argv: Vec::new() },
        timeout: None,
        interval: None,
        grace: None,
    };
    let before = problems.len();
    for (k, v) in map.iter() {
        let name = key_text(k).map(snake).unwrap_or_default();
        match name.as_str() {
            "http" | "tcp" | "command" => match probe(&name, v) {
                Ok(p) => probes.push((name, p, k)),
                Err(e) => problems.push(e),
            },
            "status" => match v.kind() {
                ValueKind::Number(Number::Int(n)) if (100..=599).contains(n) => {
                    status = u16::try_from(*n).ok().map(|s| (s, k))
                }
                ValueKind::Number(Number::Int(_)) => {
                    problems.push(format_error("status", v, "an HTTP status code from 100 to 599"))
                }
                _ => problems.push(type_error("status", v, "an integer")),
            },
            "timeout" | "interval" | "grace" => match duration(v) {
                Some(d) => {
                    let slot = match name.as_str() {
                        "timeout" => &mut health.timeout,
                        "interval" => &mut health.interval,
                        _ => &mut health.grace,
                    };
                    *slot = Some(d);
                }
                None => problems.push(format_error(&name, v, "a duration such as 500ms, 2s or 1m")),
            },
            _ => {
                let written = k.to_edn_short();
                let suggestion = closest(&name, KEYS.iter().map(|k| k.name)).map(|s| format!(":{s}"));
                let none_close = suggestion.is_none();
                let error = EmitError::new(
                    EmitErrorKind::UnknownHealthKey {
                        key: written,
                        suggestion,
                    },
                    k.origin(),
                );
                problems.push(if none_close {
                    error.with_help(what_a_check_is())
                } else {
                    error
                });
            }
        }
    }
    match probes.len() {
        0 if problems.len() == before => {
            problems.push(shape("has no probe: give one of :http, :tcp or :command", key));
        }
        0 => {}
        1 => health.probe = probes.remove(0).1,
        _ => {
            let names: Vec<String> = probes.iter().map(|(n, ..)| format!(":{n}")).collect();
            problems.push(shape(
                format!("has {}; give one probe", names.join(" and ")),
                probes[1].2,
            ));
        }
    }
    if let Some((code, at)) = status {
        match &mut health.probe {
            Probe::Http { status, .. } => *status = Some(code),
            _ if probes.len() <= 1 => problems.push(shape(":status goes with :http", at)),
            _ => {}
        }
    }
    (problems.len() == before).then_some(health)
}
