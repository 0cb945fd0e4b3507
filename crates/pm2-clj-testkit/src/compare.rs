//! Comparing two readings of the same apps by pm2 (each after pm2's own
//! `Common.verifyConfs`): pm2-clj's output against the original file.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as Json;

fn app_objects(raw: &Json) -> Vec<&serde_json::Map<String, Json>> {
    let apps = raw.get("apps").or_else(|| raw.get("pm2")).unwrap_or(raw);
    match apps {
        Json::Array(items) => items.iter().filter_map(Json::as_object).collect(),
        Json::Object(o) => vec![o],
        _ => vec![],
    }
}

/// PM2's camelCase alias of a canonical name (`max_restarts` → `maxRestarts`).
fn camel(name: &str) -> String {
    name.split('_')
        .enumerate()
        .map(|(i, p)| {
            if i > 0 && p.len() > 1 {
                p[..1].to_uppercase() + &p[1..]
            } else {
                p.to_string()
            }
        })
        .collect()
}

fn falsy(v: &Json) -> bool {
    *v == Json::Bool(false) || v.as_str() == Some("") || v.as_f64() == Some(0.0)
}

/// Asserts that pm2 reads the same apps from our output (`ours`) as from the original
/// (`theirs`), except where pm2 loses a falsy value written under a canonical name that
/// has a different camelCase alias: pm2-clj keeps those on purpose (pm2 then reads the
/// value as written, so an empty `node_args` string becomes an empty list).
/// `canonical` maps a key of the original file to its canonical option name.
pub fn assert_same_apps(
    file: &Path,
    raw: &Json,
    theirs: &[Json],
    ours: &[Json],
    canonical: impl Fn(&str) -> Option<String>,
) {
    assert_eq!(theirs.len(), ours.len(), "{}: number of apps", file.display());
    let raw_apps = app_objects(raw);
    for (i, (t, o)) in theirs.iter().zip(ours).enumerate() {
        let (t, o): (BTreeMap<_, _>, BTreeMap<_, _>) = (
            t.as_object().unwrap().iter().collect(),
            o.as_object().unwrap().iter().collect(),
        );
        for (key, value) in &o {
            if t.get(key) == Some(value) {
                continue;
            }
            let kept_falsy = raw_apps.get(i).is_some_and(|raw_app| {
                raw_app.iter().any(|(rk, rv)| {
                    canonical(rk).is_some_and(|c| c == key.as_str() && camel(&c) != c && falsy(rv))
                })
            });
            assert!(
                kept_falsy,
                "{} app {i}: {key} is {value} for us, {:?} for pm2",
                file.display(),
                t.get(key)
            );
        }
        for key in t.keys() {
            assert!(o.contains_key(key), "{} app {i}: we lose {key}", file.display());
        }
    }
}
