//! pm2-clj's keys for the engines apps are exported to (`pm2-clj export --target`):
//! `:image` (what a container target runs), `:port`'s companion `:ports` (what the app
//! listens on) and `:export` (per target, a map deep-merged into the generated objects).
//! They are validated like PM2's options, a profile overrides them like any option, and
//! they are never written into the PM2 file: PM2 reads exactly what it read before.
//! This module holds the keys and the types of their values; `build` reads them (its
//! `target_values` module).
//!
//! ```clojure
//! :image "registry.example.com/shop/api:1.4.2"
//! :ports [3000 {:container 9229 :published 9229 :protocol :tcp}]
//! :export {:compose {:labels {"team" "shop"}} :kubernetes {:kind :job}}
//! ```

use pm2_dsl_eval::Value;
use pm2_dsl_reader::Span;

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
