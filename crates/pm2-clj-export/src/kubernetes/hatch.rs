//! The app's `:export {:kubernetes {...}}` (the escape hatch): pm2-clj's choices for
//! this target (`:kind`, `:env-from`, `:cron-restart`) and the maps deep-merged into the
//! generated objects (`:deployment`, `:job`, `:service`, `:config-map`, `:secret`,
//! `:cron-job`, and `:container` for the app's container), then read back into the
//! typed objects: a field Kubernetes does not have is an error, never dropped.
//!
//! ```clojure
//! :export {:kubernetes {:kind :job                          ; autorestart false
//!                       :env-from :config-map               ; plain env in a ConfigMap
//!                       :cron-restart {:image "registry.k8s.io/kubectl:v1.33.0"}
//!                       :container {:resources {:requests {:cpu "100m"}}}
//!                       :deployment {:spec {:revisionHistoryLimit 3}}}}
//! ```

use pm2_dsl_eval::{NullForNonData, Value, closest, key_text};
use pm2_dsl_reader::Span;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// The keys the kubernetes map takes.
pub const KEYS: &[&str] = &[
    "kind",
    "env-from",
    "cron-restart",
    "container",
    "deployment",
    "job",
    "service",
    "config-map",
    "secret",
    "cron-job",
];

/// What runs the app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// A `Deployment`: restarted always (PM2's autorestart).
    #[default]
    Deployment,
    /// A `Job`: run to its end, not restarted (`autorestart false`).
    Job,
}

/// Where plain environment values go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EnvFrom {
    /// Inline in the container's `env`.
    #[default]
    Env,
    /// A `ConfigMap` read through `envFrom`.
    ConfigMap,
}

/// The app's kubernetes map, read.
#[derive(Clone, Debug, Default)]
pub struct Hatch {
    /// `:kind`.
    pub kind: Kind,
    /// `:env-from`.
    pub env_from: EnvFrom,
    /// `:cron-restart {:image ...}`: the kubectl image of the restart `CronJob`.
    pub cron_image: Option<String>,
    /// The maps to merge, by what they are merged into (a key of [`KEYS`]).
    pub patches: Vec<(&'static str, Json, Option<Span>)>,
    /// Where the map is written.
    pub at: Option<Span>,
}

impl Hatch {
    /// The patch for `what` (`deployment`, `container`, …).
    pub fn patch(&self, what: &str) -> Option<(&Json, Option<Span>)> {
        self.patches
            .iter()
            .find(|(w, _, _)| *w == what)
            .map(|(_, p, at)| (p, *at))
    }
}

/// A problem in the map: the path of the key (`:export :kubernetes :kind`) and what is
/// wrong, at its text.
pub type HatchProblem = (String, String, Option<Span>);

fn word(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::to_string)
        .or_else(|| matches!(v.kind(), pm2_dsl_eval::ValueKind::Keyword(_)).then(|| key_text(v)))
}

/// Reads the kubernetes map of `:export`.
pub fn read(value: &Value) -> Result<Hatch, Vec<HatchProblem>> {
    let mut hatch = Hatch {
        at: value.origin(),
        ..Hatch::default()
    };
    let mut problems = Vec::new();
    let Some(map) = value.as_map() else {
        return Err(vec![(
            ":export :kubernetes".into(),
            "a map".into(),
            value.origin(),
        )]);
    };
    for (k, v) in map.iter() {
        let key = key_text(k);
        let path = format!(":export :kubernetes :{key}");
        let Some(known) = KEYS.iter().copied().find(|known| *known == key) else {
            let hint = closest(&key, KEYS.iter().copied())
                .map(|s| format!(" (did you mean :{s}?)"))
                .unwrap_or_default();
            problems.push((
                path,
                format!(
                    "not a key of the kubernetes map{hint}; it takes :{}",
                    KEYS.join(", :")
                ),
                k.origin(),
            ));
            continue;
        };
        if v.contains_hidden() {
            problems.push((
                path,
                "holds a value from #secret, the environment, a .env file or an include, which the manifest would hold inline: put it in :env (it goes to the Secret)".into(),
                v.origin(),
            ));
            continue;
        }
        match known {
            "kind" => match word(v).as_deref() {
                Some("deployment") => hatch.kind = Kind::Deployment,
                Some("job") => hatch.kind = Kind::Job,
                _ => problems.push((path, "one of :deployment or :job".into(), v.origin())),
            },
            "env-from" => match word(v).as_deref() {
                Some("env") => hatch.env_from = EnvFrom::Env,
                Some("config-map") => hatch.env_from = EnvFrom::ConfigMap,
                _ => problems.push((path, "one of :env or :config-map".into(), v.origin())),
            },
            "cron-restart" => {
                let image = v.as_map().and_then(|m| {
                    let mut entries = m.iter();
                    let (ik, iv) = entries.next()?;
                    (entries.next().is_none() && key_text(ik) == "image")
                        .then(|| iv.as_str().map(str::to_string))
                        .flatten()
                });
                match image {
                    Some(i) if !i.is_empty() && !i.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                        hatch.cron_image = Some(i);
                    }
                    _ => problems.push((
                        path,
                        "a map naming the kubectl image the restart CronJob runs: {:image \"registry.k8s.io/kubectl:v1.33.0\"}".into(),
                        v.origin(),
                    )),
                }
            }
            _ => match serde_json::to_value(NullForNonData(v)) {
                Ok(json @ Json::Object(_)) => hatch.patches.push((known, json, v.origin())),
                _ => problems.push((path, "a map of the object's fields".into(), v.origin())),
            },
        }
    }
    if problems.is_empty() {
        Ok(hatch)
    } else {
        Err(problems)
    }
}

/// Deep-merges `patch` into `base`: maps key by key (`null` removes the key), lists of
/// maps that each have a `name` by name (as `kubectl apply` merges containers, env and
/// ports), anything else replaced.
pub fn merge(base: &mut Json, patch: &Json) {
    match (base, patch) {
        (Json::Object(b), Json::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.shift_remove(k);
                } else if let Some(slot) = b.get_mut(k) {
                    merge(slot, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (Json::Array(b), Json::Array(p)) if by_name(b) && by_name(p) => {
            for item in p {
                let name = &item["name"];
                match b.iter_mut().find(|i| &i["name"] == name) {
                    Some(slot) => merge(slot, item),
                    None => b.push(item.clone()),
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn by_name(items: &[Json]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("name").is_some_and(Json::is_string))
}

/// `object` with `patch` merged in and read back into its type: the fields the type
/// does not have (`spec.replica`) and the values it cannot take are the error.
pub fn apply<T: Serialize + DeserializeOwned>(object: &T, patch: &Json) -> Result<T, String> {
    let mut json = serde_json::to_value(object).map_err(|e| e.to_string())?;
    merge(&mut json, patch);
    let typed: T = serde_json::from_value(json.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let mut lost = Vec::new();
    dropped(&json, &back, "", &mut lost);
    match lost.first() {
        None => Ok(typed),
        Some(path) => Err(format!("{path} is not a field Kubernetes has here")),
    }
}

/// The paths of `merged` that `typed` (its reading) does not hold.
fn dropped(merged: &Json, typed: &Json, path: &str, out: &mut Vec<String>) {
    match (merged, typed) {
        (Json::Object(m), Json::Object(t)) => {
            for (k, v) in m {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match t.get(k) {
                    Some(tv) => dropped(v, tv, &here, out),
                    // An empty map or list is the same as none to the API server.
                    None if matches!(v, Json::Object(o) if o.is_empty())
                        || matches!(v, Json::Array(a) if a.is_empty()) => {}
                    None => out.push(here),
                }
            }
        }
        (Json::Array(m), Json::Array(t)) => {
            for (i, (mv, tv)) in m.iter().zip(t).enumerate() {
                dropped(mv, tv, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use serde_json::json;

    #[test]
    fn maps_merge_deeply_and_named_lists_by_name() {
        let mut base = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "api", "image": "a", "env": [{"name": "A", "value": "1"}]}]}}}});
        merge(
            &mut base,
            &json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "api", "env": [{"name": "B", "value": "2"}]},
                {"name": "sidecar", "image": "s"}]}}}}),
        );
        assert_eq!(
            base,
            json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "api", "image": "a", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                {"name": "sidecar", "image": "s"}]}}}})
        );
        merge(&mut base, &json!({"spec": {"replicas": null}}));
        assert!(base["spec"].get("replicas").is_none());
    }

    #[test]
    fn a_field_kubernetes_does_not_have_is_an_error() {
        let d = Deployment::default();
        assert!(apply(&d, &json!({"spec": {"replicas": 2}})).is_ok());
        let e = apply(&d, &json!({"spec": {"replica": 2}})).unwrap_err();
        assert!(e.contains("spec.replica "), "{e}");
        let e = apply(&d, &json!({"spec": {"replicas": "two"}})).unwrap_err();
        assert!(e.contains("invalid type"), "{e}");
    }
}
