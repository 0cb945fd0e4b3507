//! pm2-clj's keys for the engines apps are exported to (`pm2-clj export --target`):
//! `:image` (what a container target runs), `:port`'s companion `:ports` (what the app
//! listens on) and `:export` (per target, a map deep-merged into the generated objects).
//! They are validated like PM2's options, a profile overrides them like any option, and
//! they are never written into the PM2 file: PM2 reads exactly what it read before.
//!
//! ```clojure
//! :image "registry.example.com/shop/api:1.4.2"
//! :ports [3000 {:container 9229 :published 9229 :protocol :tcp}]
//! :export {:compose {:labels {"team" "shop"}} :kubernetes {:kind :job}}
//! ```

use pm2_dsl_eval::{Value, ValueKind, closest};
use pm2_dsl_reader::{Number, Span};

use crate::error::{EmitError, EmitErrorKind};
use crate::keys::{key_text, snake};
use crate::spec::Setting;
use crate::validate::check_data;

/// One of pm2-clj's keys for the export targets.
#[derive(Debug)]
pub struct TargetKey {
    /// The key, without colon.
    pub name: &'static str,
    /// What it means (the documentation editors show).
    pub doc: &'static str,
}

/// pm2-clj's keys for the export targets.
pub const KEYS: &[TargetKey] = &[
    TargetKey {
        name: "image",
        doc: "The container image a container target (compose, kubernetes) runs the app in, such as \"registry.example.com/shop/api:1.4.2\". pm2-clj never builds images; container targets need it. Not written into the PM2 file.",
    },
    TargetKey {
        name: "ports",
        doc: "The ports the app listens on: port numbers (1 to 65535), or maps {:container 3000 :published 8080 :protocol :tcp} (:published makes the port reachable from outside the container; :protocol is :tcp or :udp). With :port, both are exported. Not written into the PM2 file.",
    },
    TargetKey {
        name: "export",
        doc: "Per export target, a map deep-merged into what pm2-clj generates for the app and checked with it: {:compose {...} :kubernetes {...} :systemd {...}}. Not written into the PM2 file.",
    },
];

/// The targets `:export` takes a map for (`k8s` is read as `kubernetes`).
pub const EXPORT_TARGETS: &[&str] = &["compose", "kubernetes", "systemd"];

/// The keys of a port map in `:ports`.
pub const PORT_KEYS: &[&str] = &["container", "published", "protocol"];

/// The key of `text` (without colon), if it is one of [`KEYS`].
pub fn target_key(text: &str) -> Option<&'static TargetKey> {
    KEYS.iter().find(|k| k.name == text)
}

/// A transport protocol of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `tcp` or `udp`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A port the app listens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The port inside the container (the one the app listens on).
    pub container: u16,
    /// The host port it is published on, if it is reachable from outside.
    pub published: Option<u16>,
    /// Its protocol.
    pub protocol: Protocol,
    /// Where it is written.
    pub at: Option<Span>,
}

/// `:export`: the maps given per target, as written (a target reads its own).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Escapes {
    /// `:compose`: merged into the app's compose service.
    pub compose: Option<Value>,
    /// `:kubernetes` (or `:k8s`): for the app's Kubernetes objects.
    pub kubernetes: Option<Value>,
    /// `:systemd`: sections of the app's unit.
    pub systemd: Option<Value>,
}

impl Escapes {
    /// The map given for `target` (`compose`, `kubernetes`, `systemd`).
    pub fn get(&self, target: &str) -> Option<&Value> {
        match target {
            "compose" => self.compose.as_ref(),
            "kubernetes" | "k8s" => self.kubernetes.as_ref(),
            "systemd" => self.systemd.as_ref(),
            _ => None,
        }
    }
}

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
