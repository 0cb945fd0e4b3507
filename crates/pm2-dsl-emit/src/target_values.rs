//! Reading the values of pm2-clj's keys for the export targets (`:image`, `:ports`,
//! `:export`, see [`crate::targets`]) into their typed settings, with a labelled error
//! for each value that does not fit.

use pm2_dsl_eval::{Value, ValueKind, closest};
use pm2_dsl_reader::Number;

use crate::error::{EmitError, EmitErrorKind};
use crate::keys::{key_text, snake};
use crate::spec::Setting;
use crate::targets::{EXPORT_TARGETS, Escapes, PORT_KEYS, Port, Protocol};
use crate::validate::check_data;

fn wrong_type(option: &str, value: &Value, expected: &str) -> EmitError {
    EmitError::new(
        EmitErrorKind::WrongType {
            option: option.to_string(),
            expected: expected.to_string(),
            actual: value.type_name().to_string(),
        },
        value.origin(),
    )
}

fn bad_format(option: &str, value: &Value, expected: &str) -> EmitError {
    EmitError::new(
        EmitErrorKind::BadFormat {
            option: option.to_string(),
            value: value.to_edn_short(),
            expected: expected.to_string(),
        },
        value.origin(),
    )
}

fn unknown(section: &str, key: &Value, known: &[&str]) -> EmitError {
    let name = key_text(key).map(snake).unwrap_or_default();
    EmitError::new(
        EmitErrorKind::UnknownExportKey {
            key: key.to_edn_short(),
            section: section.to_string(),
            suggestion: closest(&name, known.iter().copied()).map(|s| format!(":{s}")),
            known: known
                .iter()
                .map(|k| format!(":{k}"))
                .collect::<Vec<_>>()
                .join(", "),
        },
        key.origin(),
    )
}

/// Reads `:image`: a non-empty image reference without blanks or control characters.
pub(crate) fn image(value: &Value, problems: &mut Vec<EmitError>) -> Option<Setting<String>> {
    let Some(text) = value.as_str() else {
        problems.push(wrong_type("image", value, "a string such as \"node:22-slim\""));
        return None;
    };
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        problems.push(bad_format(
            "image",
            value,
            "an image reference such as \"registry.example.com/api:1.2\" (not empty, no blanks)",
        ));
        return None;
    }
    Some(Setting {
        value: text.to_string(),
        written: value.clone(),
    })
}

/// A port number from 1 to 65535.
fn port_number(option: &str, value: &Value, problems: &mut Vec<EmitError>) -> Option<u16> {
    match value.kind() {
        ValueKind::Number(Number::Int(n)) => match u16::try_from(*n).ok().filter(|p| *p > 0) {
            Some(p) => Some(p),
            None => {
                problems.push(bad_format(option, value, "a port from 1 to 65535"));
                None
            }
        },
        _ => {
            problems.push(wrong_type(option, value, "a port number from 1 to 65535"));
            None
        }
    }
}

fn port(item: &Value, problems: &mut Vec<EmitError>) -> Option<Port> {
    let at = item.origin();
    if let Some(map) = item.as_map() {
        let before = problems.len();
        let (mut container, mut published, mut protocol) = (None, None, Protocol::Tcp);
        for (k, v) in map.iter() {
            match key_text(k).map(snake).as_deref() {
                Some("container") => container = port_number(":ports :container", v, problems),
                Some("published") => published = port_number(":ports :published", v, problems),
                Some("protocol") => match key_text(v) {
                    Some("tcp") => protocol = Protocol::Tcp,
                    Some("udp") => protocol = Protocol::Udp,
                    _ => problems.push(bad_format(":ports :protocol", v, "one of :tcp or :udp")),
                },
                _ => problems.push(unknown(":ports", k, PORT_KEYS)),
            }
        }
        if container.is_none() && problems.len() == before {
            problems.push(bad_format(
                ":ports",
                item,
                "a port map with its :container port, as in {:container 3000 :published 8080}",
            ));
        }
        return (problems.len() == before).then_some(Port {
            container: container?,
            published,
            protocol,
            at,
        });
    }
    port_number(":ports", item, problems).map(|container| Port {
        container,
        published: None,
        protocol: Protocol::Tcp,
        at,
    })
}

/// Reads `:ports`: a vector of port numbers and port maps, each container port (with
/// its protocol) listed once.
pub(crate) fn ports(value: &Value, problems: &mut Vec<EmitError>) -> Option<Setting<Vec<Port>>> {
    let items: Vec<Value> = match value.kind() {
        ValueKind::Vector(items) | ValueKind::List(items) => items.iter().cloned().collect(),
        ValueKind::Number(_) | ValueKind::Map(_) => vec![value.clone()],
        _ => {
            problems.push(wrong_type(
                "ports",
                value,
                "a vector of ports, such as [3000 {:container 9229 :published 9229}]",
            ));
            return None;
        }
    };
    let before = problems.len();
    let mut out: Vec<Port> = Vec::with_capacity(items.len());
    for item in &items {
        let Some(p) = port(item, problems) else { continue };
        if out
            .iter()
            .any(|o| o.container == p.container && o.protocol == p.protocol)
        {
            problems.push(bad_format(
                ":ports",
                item,
                &format!(
                    "a port listed once: container port {}/{} is already listed",
                    p.container,
                    p.protocol.name()
                ),
            ));
            continue;
        }
        out.push(p);
    }
    (problems.len() == before).then(|| Setting {
        value: out,
        written: value.clone(),
    })
}

/// Reads `:export`: a map of targets to maps (data only; each target checks its own
/// keys when it exports).
pub(crate) fn escapes(value: &Value, problems: &mut Vec<EmitError>) -> Option<Setting<Escapes>> {
    let Some(map) = value.as_map() else {
        problems.push(wrong_type(
            "export",
            value,
            "a map of targets, such as {:compose {:labels {\"team\" \"shop\"}}}",
        ));
        return None;
    };
    let before = problems.len();
    let mut escapes = Escapes::default();
    for (k, v) in map.iter() {
        let slot = match key_text(k).map(snake).as_deref() {
            Some("compose") => &mut escapes.compose,
            Some("kubernetes" | "k8s") => &mut escapes.kubernetes,
            Some("systemd") => &mut escapes.systemd,
            _ => {
                problems.push(unknown(":export", k, EXPORT_TARGETS));
                continue;
            }
        };
        if v.is_nil() {
            continue;
        }
        let target = key_text(k).unwrap_or_default();
        if slot.is_some() {
            problems.push(bad_format(
                ":export",
                k,
                "a target given once (:k8s is :kubernetes)",
            ));
            continue;
        }
        if v.as_map().is_none() {
            problems.push(wrong_type(&format!(":export :{target}"), v, "a map"));
            continue;
        }
        check_data(&format!(":export :{target}"), v, problems);
        *slot = Some(v.clone());
    }
    (problems.len() == before).then(|| Setting {
        value: escapes,
        written: value.clone(),
    })
}
