//! The ecosystem as PM2 will get it: apps as canonical options in source order, and the
//! deploy section under pm2-deploy's key names.

use pm2_dsl_eval::{Hidden, Value, ValueKind};

use crate::logs::Logs;
use crate::spec::AppSpec;

/// One deploy environment: pm2-deploy's keys with their values.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployTarget {
    /// The environment's name (`production`, ...).
    pub name: String,
    /// Its settings, in source order.
    pub settings: Vec<(String, Value)>,
}

/// A whole ecosystem.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ecosystem {
    /// The apps, in order.
    pub apps: Vec<AppSpec>,
    /// The deploy environments, in order.
    pub deploy: Vec<DeployTarget>,
    /// The `static` section (PM2's static file servers), passed through as written.
    pub statics: Option<Value>,
    /// pm2-clj's `:logs` section (not written into the PM2 file; its folder is in the
    /// apps' `out_file` and `error_file`).
    pub logs: Option<Logs>,
}

impl Ecosystem {
    /// The texts of every value marked `#secret` in the apps, the deploy section and
    /// `static` (each string or number inside a secret), longest first: what the
    /// rendered file holds and nothing pm2-clj prints may show.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        let values = self.apps.iter().flat_map(|a| a.written().map(|(_, v)| v));
        let deploy = self.deploy.iter().flat_map(|d| d.settings.iter().map(|(_, v)| v));
        for value in values.chain(deploy).chain(&self.statics) {
            secret_texts(value, false, &mut out);
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        out.dedup();
        out
    }
}

/// Collects the texts of the secret scalars in `value` (all of them when `inside` a
/// secret): values marked `#secret`, and texts of at least 4 characters read from a
/// `.env` file or an `#include`d file (what such files hold is secret more often than
/// not). Values of plain `#env` reads are not collected: they are mostly settings
/// (`PORT`, `NODE_ENV`) that pm2's own messages name; pm2-clj's diagnostics never show
/// them either way (see `pm2_dsl_eval::Hidden`).
fn secret_texts(value: &Value, inside: bool, out: &mut Vec<String>) {
    let from_file = matches!(value.hidden(), Some(Hidden::Dotenv(_) | Hidden::Include(_)));
    if from_file
        && !inside
        && let ValueKind::Str(s) = value.kind()
        && s.chars().count() >= 4
    {
        out.push(s.to_string());
    }
    let inside = inside || value.is_secret();
    match value.kind() {
        ValueKind::Str(s) if inside && !s.is_empty() => out.push(s.to_string()),
        ValueKind::Number(_) if inside => out.push(value.revealed().to_edn()),
        ValueKind::Keyword(k) | ValueKind::Symbol(k) if inside => out.push(k.as_str().to_string()),
        ValueKind::List(items) | ValueKind::Vector(items) => {
            items.iter().for_each(|v| secret_texts(v, inside, out))
        }
        ValueKind::Set(items) => items.iter().for_each(|v| secret_texts(v, inside, out)),
        ValueKind::Map(m) => m.values().for_each(|v| secret_texts(v, inside, out)),
        ValueKind::Tagged(t) => secret_texts(&t.1, inside, out),
        _ => {}
    }
}
