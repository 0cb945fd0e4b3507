//! The original pm2-clj's vocabulary, so files written for it evaluate:
//! `(pm2-clj.dsl/compose fragment...)` deep-merges ecosystem fragments, merging vectors
//! of named maps (`:apps`) by `:name`; `(pm2-clj.dsl/app "name" {opts})` is an ecosystem
//! holding that one app. (A leading `(ns ...)` is accepted and ignored: see the special
//! forms.) The original's other names (`def-app`, `mixin`, `stack`, `profile`, ...) do not
//! exist here.

use super::{Builtin, Call, builtin};
use crate::error::EvalError;
use crate::evaluator::Evaluator;
use crate::value::{Map, Value, ValueKind};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    builtin("pm2-clj.dsl/compose", 0, None, compose).doc(
        "(pm2-clj.dsl/compose fragment...)",
        "The original pm2-clj's composition: deep-merges ecosystem fragments left to right, starting from {:apps []}. Maps merge key by key; vectors of maps with :name (such as :apps, at any depth) merge by :name, an entry with :pm2-clj/remove true removing its app; other values: the right one when it is not nil.",
    ),
    builtin("pm2-clj.dsl/app", 2, Some(2), app).doc(
        "(pm2-clj.dsl/app \"name\" {opts})",
        "The original pm2-clj's app: an ecosystem {:apps [{:name \"name\" ...opts}]}, ready to render or to compose with others.",
    ),
];

/// Whether `v` is a vector of maps some of which have a `:name`.
fn named_maps(v: &Value) -> Option<Vec<Value>> {
    let items: Vec<Value> = v
        .as_seq()
        .filter(|_| matches!(v.kind(), ValueKind::Vector(_)))?
        .iter()
        .cloned()
        .collect();
    (items.iter().all(|i| i.as_map().is_some())
        && items
            .iter()
            .any(|i| i.as_map().and_then(|m| m.get_keyword("name")).is_some()))
    .then_some(items)
}

fn removed(v: &Value) -> bool {
    v.as_map()
        .and_then(|m| m.get_keyword("pm2-clj/remove"))
        .is_some_and(|r| matches!(r.kind(), ValueKind::Bool(true)))
}

/// The original's `merge/deep-merge`.
fn merge2(a: &Value, b: &Value) -> Value {
    if let (Some(left), Some(right)) = (a.as_map(), b.as_map()) {
        let mut out = left.clone();
        for (k, v) in right.iter() {
            let merged = match left.get(k) {
                Some(old) => merge2(old, v),
                None => v.clone(),
            };
            out.insert(k.clone(), merged);
        }
        return Value::map(out).with_origin(b.origin());
    }
    if let (Some(left), Some(right)) = (named_maps(a), named_maps(b)) {
        let name = |v: &Value| v.as_map().and_then(|m| m.get_keyword("name")).cloned();
        let mut out: Vec<Value> = Vec::new();
        let mut names: Vec<Option<Value>> = Vec::new();
        for item in left {
            names.push(name(&item));
            out.push(item);
        }
        for item in right {
            let key = name(&item);
            match names.iter().position(|n| key.is_some() && *n == key) {
                Some(i) if removed(&item) => {
                    out.remove(i);
                    names.remove(i);
                }
                Some(i) => out[i] = merge2(&out[i], &item),
                None if removed(&item) => {}
                None => {
                    names.push(key);
                    out.push(item);
                }
            }
        }
        return Value::vector(out).with_origin(b.origin());
    }
    if matches!(b.kind(), ValueKind::Nil) {
        a.clone()
    } else {
        b.clone()
    }
}

fn compose(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let mut start = Map::new();
    start.insert(Value::keyword("apps"), Value::vector([]));
    let mut acc = call.value(ValueKind::Map(start));
    for (i, fragment) in call.args.iter().enumerate() {
        match fragment.kind() {
            ValueKind::Nil => {}
            ValueKind::Map(_) => acc = merge2(&acc, fragment),
            _ => return Err(call.type_error(i, "an ecosystem map")),
        }
    }
    Ok(acc)
}

fn app(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let name = match call.args[0].kind() {
        ValueKind::Str(_) => call.args[0].clone(),
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => {
            Value::string(k.as_str()).with_origin(call.args[0].origin())
        }
        _ => return Err(call.type_error(0, "a name (string or keyword)")),
    };
    let opts = call.map(1)?;
    let mut app = Map::new();
    app.insert(Value::keyword("name"), name);
    for (k, v) in opts.iter() {
        app.insert(k.clone(), v.clone());
    }
    let mut eco = Map::new();
    eco.insert(
        Value::keyword("apps"),
        call.vector([call.value(ValueKind::Map(app))]),
    );
    Ok(call.value(ValueKind::Map(eco)))
}
