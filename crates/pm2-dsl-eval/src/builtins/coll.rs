//! Collection functions: maps (`assoc`, `get-in`, `merge`, ...), sequences (`first`,
//! `conj`, `map`, `filter`, `reduce`, `range`, ...) and constructors. Functions that make
//! sequences return vectors.
//!
//! Costs: every element a function goes through is an evaluation step, and everything
//! it makes is charged to the data budget: a new collection per element, a map or set
//! changed (which copies it) at its whole size, a vector grown (which shares the rest)
//! per element added. Looking up (`get`, `first`, `nth`, `count`) takes neither.

use std::sync::Arc;

use pm2_dsl_reader::Number;

use super::{Builtin, Call, builtin};
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::merge::{deep_merge_all, merge_all};
use crate::value::{Map, NODE, Seq, Set, Size, Value, ValueKind, map_bytes, seq_bytes};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    builtin("merge", 0, None, merge).doc(
        "(merge map...)",
        "Merges maps from left to right; on a shared key the value on the right wins. nil counts as an empty map.",
    ),
    builtin("deep-merge", 0, None, deep_merge).doc(
        "(deep-merge map...)",
        "Merges maps recursively, as Baum's merge-tree: maps merge key by key, anything else on the right wins (nil included). A vector on the right replaces the left one unless it carries ^:append or ^:prepend; ^:replace takes the right side as is; ^:displace on the left yields to any right side.",
    ),
    builtin("assoc", 3, None, assoc).doc(
        "(assoc map key value & more)",
        "The map (or vector) with each key set to its value.",
    ),
    builtin("assoc-in", 3, Some(3), assoc_in).doc(
        "(assoc-in map [key...] value)",
        "The nested map with the value at the path of keys set, creating maps on the way.",
    ),
    builtin("dissoc", 1, None, dissoc).doc(
        "(dissoc map key...)",
        "The map without these keys.",
    ),
    builtin("update", 3, None, update).doc(
        "(update map key f & args)",
        "The map with the value at key replaced by (f old-value args...).",
    ),
    builtin("update-in", 3, None, update_in).doc(
        "(update-in map [key...] f & args)",
        "The nested map with the value at the path replaced by (f old-value args...).",
    ),
    builtin("get", 2, Some(3), get).doc(
        "(get map key default?)",
        "The value at key in a map (or index in a vector), else default (nil).",
    ),
    builtin("get-in", 2, Some(3), get_in).doc(
        "(get-in map [key...] default?)",
        "The value at the path of keys in nested maps and vectors, else default (nil).",
    ),
    builtin("select-keys", 2, Some(2), select_keys).doc(
        "(select-keys map [key...])",
        "The map with only these keys.",
    ),
    builtin("keys", 1, Some(1), keys).doc(
        "(keys map)",
        "The map's keys, in order, as a vector.",
    ),
    builtin("vals", 1, Some(1), vals).doc(
        "(vals map)",
        "The map's values, in order, as a vector.",
    ),
    builtin("contains?", 2, Some(2), contains).doc(
        "(contains? coll key)",
        "Whether a map has the key, a set the element, or a vector the index.",
    ),
    builtin("count", 1, Some(1), count).doc(
        "(count coll)",
        "The number of elements of a collection, or characters of a string; 0 for nil.",
    ),
    builtin("empty?", 1, Some(1), empty).doc(
        "(empty? coll)",
        "Whether a collection or string has no elements; true for nil.",
    ),
    builtin("first", 1, Some(1), first).doc(
        "(first coll)",
        "The first element, or nil.",
    ),
    builtin("second", 1, Some(1), second).doc(
        "(second coll)",
        "The second element, or nil.",
    ),
    builtin("last", 1, Some(1), last).doc(
        "(last coll)",
        "The last element, or nil.",
    ),
    builtin("rest", 1, Some(1), rest).doc(
        "(rest coll)",
        "Every element but the first, as a vector.",
    ),
    builtin("nth", 2, Some(3), nth).doc(
        "(nth coll index default?)",
        "The element at index (from 0); past the end, default, or an error without one.",
    ),
    builtin("conj", 1, None, conj).doc(
        "(conj coll x...)",
        "The collection with the elements added: at the end of a vector, at the front of a list, into a set; [k v] pairs into a map.",
    ),
    builtin("concat", 0, None, concat).doc(
        "(concat coll...)",
        "The elements of every collection, in order, as a vector.",
    ),
    builtin("into", 2, Some(2), into).doc(
        "(into to from)",
        "The elements of from added to the collection to, as conj adds them.",
    ),
    builtin("vec", 1, Some(1), vec).doc(
        "(vec coll)",
        "The elements of a collection as a vector.",
    ),
    builtin("set", 1, Some(1), set).doc(
        "(set coll)",
        "The elements of a collection as a set.",
    ),
    builtin("hash-map", 0, None, hash_map).doc(
        "(hash-map key value...)",
        "A map of the key/value pairs.",
    ),
    builtin("vector", 0, None, vector).doc(
        "(vector x...)",
        "A vector of the arguments.",
    ),
    builtin("list", 0, None, list).doc(
        "(list x...)",
        "A list of the arguments.",
    ),
    builtin("zipmap", 2, Some(2), zipmap).doc(
        "(zipmap keys vals)",
        "A map pairing each key with the value at the same position.",
    ),
    builtin("map", 2, None, map).doc(
        "(map f coll...)",
        "(f x) for each element, as a vector; with several collections, (f x y ...) until the shortest ends.",
    ),
    builtin("mapv", 2, None, map).doc(
        "(mapv f coll...)",
        "The same as map: a vector of (f x) for each element.",
    ),
    builtin("filter", 2, Some(2), filter).doc(
        "(filter pred coll)",
        "The elements for which (pred x) is truthy, as a vector.",
    ),
    builtin("remove", 2, Some(2), remove).doc(
        "(remove pred coll)",
        "The elements for which (pred x) is falsy, as a vector.",
    ),
    builtin("some", 2, Some(2), some).doc(
        "(some pred coll)",
        "The first truthy (pred x), or nil.",
    ),
    builtin("every?", 2, Some(2), every).doc(
        "(every? pred coll)",
        "Whether (pred x) is truthy for every element.",
    ),
    builtin("reduce", 2, Some(3), reduce).doc(
        "(reduce f init? coll)",
        "Folds the collection with f: (f (f init x1) x2) ...; without init, starts from the first element.",
    ),
    builtin("range", 1, Some(3), range).doc(
        "(range end) (range start end step?)",
        "The integers from start (0) up to, not including, end, by step (1), as a vector.",
    ),
    builtin("apply", 2, None, apply).doc(
        "(apply f x... coll)",
        "Calls f with the arguments x... followed by the elements of coll.",
    ),
    builtin("identity", 1, Some(1), identity).doc(
        "(identity x)",
        "Its argument.",
    ),
];

fn merge(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let merged = merge_all(call.name, call.args, call.span)?;
    charge_map(ev, &merged, call.span)?;
    Ok(merged)
}

fn deep_merge(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let merged = deep_merge_all(call.name, call.args, call.span)?;
    charge_map(ev, &merged, call.span)?;
    Ok(merged)
}

/// Charges a map made by merging at its whole size.
pub(crate) fn charge_map(
    ev: &mut Evaluator,
    value: &Value,
    span: pm2_dsl_reader::Span,
) -> Result<(), EvalError> {
    ev.charge(map_bytes(value.as_map().map_or(0, Map::len)), span)
}

/// `(assoc coll k v)` on one level: maps (nil is an empty map) and vectors (index up to
/// the length). Charges the copy of a map, or the one element of a vector.
fn assoc_one(
    ev: &mut Evaluator,
    call: &Call,
    target_arg: usize,
    target: &Value,
    key: Value,
    value: Value,
) -> Result<Value, EvalError> {
    match target.kind() {
        ValueKind::Map(_) | ValueKind::Nil => {
            let mut map = target.as_map().cloned().unwrap_or_default();
            ev.charge(map_bytes(map.len() + 1), call.span)?;
            map.insert(key, value);
            Ok(Value::new(
                ValueKind::Map(map),
                target.origin().or(Some(call.span)),
            ))
        }
        ValueKind::Vector(items) => {
            let mut items = (**items).clone();
            let index = match key.kind() {
                ValueKind::Number(Number::Int(n)) => usize::try_from(*n).ok().filter(|&n| n <= items.len()),
                _ => None,
            };
            let Some(index) = index else {
                return Err(EvalError::new(
                    EvalErrorKind::Type {
                        function: call.name.to_string(),
                        expected: format!("an index from 0 to {}", items.len()),
                        actual: key.to_edn_short(),
                    },
                    key.origin().or(Some(call.span)),
                ));
            };
            ev.charge(NODE, call.span)?;
            // The size changes by the element added or replaced.
            let mut size = target.size().with(&value);
            if index == items.len() {
                items.push_back(value);
            } else {
                let old = items.set(index, value);
                size.weight = size.weight.saturating_sub(old.weight());
            }
            Ok(Value::sized(
                ValueKind::Vector(Arc::new(items)),
                target.origin(),
                size,
            ))
        }
        _ => Err(call.type_error(target_arg, "a map or vector")),
    }
}

fn assoc(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    if call.args.len().is_multiple_of(2) {
        return Err(EvalError::new(
            EvalErrorKind::Arity {
                function: "assoc".into(),
                expected: "a collection and key/value pairs".into(),
                got: call.args.len(),
            },
            Some(call.span),
        ));
    }
    let mut result = call.args[0].clone();
    for pair in call.args[1..].chunks(2) {
        result = assoc_one(ev, &call, 0, &result, pair[0].clone(), pair[1].clone())?;
    }
    Ok(result)
}

fn path(call: &Call, i: usize) -> Result<Vec<Value>, EvalError> {
    match call.args[i].kind() {
        ValueKind::Vector(items) | ValueKind::List(items) => Ok(items.iter().cloned().collect()),
        _ => Err(call.type_error(i, "a path vector")),
    }
}

fn lookup(coll: &Value, key: &Value) -> Option<Value> {
    match (coll.kind(), key.kind()) {
        (ValueKind::Map(m), _) => m.get(key).cloned(),
        (ValueKind::Vector(items) | ValueKind::List(items), ValueKind::Number(Number::Int(i))) => {
            usize::try_from(*i).ok().and_then(|i| items.get(i)).cloned()
        }
        (ValueKind::Set(s), _) => s.contains(key).then(|| key.clone()),
        _ => None,
    }
}

fn assoc_in_path(
    ev: &mut Evaluator,
    call: &Call,
    target: &Value,
    path: &[Value],
    value: Value,
) -> Result<Value, EvalError> {
    let Some((key, rest)) = path.split_first() else {
        return Ok(value);
    };
    let inner = lookup(target, key).unwrap_or_else(Value::nil);
    let inner = ev.nested(call.span, |ev| assoc_in_path(ev, call, &inner, rest, value))?;
    let holder = Call::new(call.name, vec![target.clone()], call.span);
    assoc_one(ev, &holder, 0, target, key.clone(), inner)
}

fn assoc_in(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let path = path(&call, 1)?;
    assoc_in_path(ev, &call, &call.args[0], &path, call.args[2].clone())
}

fn dissoc(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    if call.args[0].is_nil() {
        return Ok(call.args[0].clone());
    }
    let mut map = call.map(0)?;
    ev.charge(map_bytes(map.len()), call.span)?;
    for key in &call.args[1..] {
        map.remove(key);
    }
    Ok(Value::new(ValueKind::Map(map), call.args[0].origin()))
}

fn update(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let target = &call.args[0];
    let key = call.args[1].clone();
    let old = lookup(target, &key).unwrap_or_else(Value::nil);
    let mut args = vec![old];
    args.extend(call.args[3..].iter().cloned());
    let new = ev.apply(&call.args[2], args, call.span)?;
    assoc_one(ev, &call, 0, target, key, new)
}

fn update_in(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let path = path(&call, 1)?;
    let mut old = call.args[0].clone();
    for key in &path {
        old = lookup(&old, key).unwrap_or_else(Value::nil);
    }
    let mut args = vec![old];
    args.extend(call.args[3..].iter().cloned());
    let new = ev.apply(&call.args[2], args, call.span)?;
    assoc_in_path(ev, &call, &call.args[0], &path, new)
}

fn get(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let default = call
        .args
        .get(2)
        .cloned()
        .unwrap_or_else(|| call.value(ValueKind::Nil));
    Ok(lookup(&call.args[0], &call.args[1]).unwrap_or(default))
}

fn get_in(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let default = call
        .args
        .get(2)
        .cloned()
        .unwrap_or_else(|| call.value(ValueKind::Nil));
    let mut current = call.args[0].clone();
    for key in path(&call, 1)? {
        match lookup(&current, &key) {
            Some(next) => current = next,
            None => return Ok(default),
        }
    }
    Ok(current)
}

fn select_keys(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let map = call.map(0)?;
    let keys = call.seq(1)?;
    ev.steps_by(keys.len() as u64, call.span)?;
    ev.charge(map_bytes(keys.len()), call.span)?;
    let selected: Map = keys
        .into_iter()
        .filter_map(|k| map.get_entry(&k).map(|(k, v)| (k.clone(), v.clone())))
        .collect();
    Ok(call.value(ValueKind::Map(selected)))
}

fn keys(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let map = call.map(0)?;
    ev.new_vector(&call, map.keys().cloned())
}

fn vals(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let map = call.map(0)?;
    ev.new_vector(&call, map.values().cloned())
}

fn contains(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let found = match call.args[0].kind() {
        ValueKind::Map(m) => m.contains_key(&call.args[1]),
        ValueKind::Set(s) => s.contains(&call.args[1]),
        ValueKind::Vector(_) | ValueKind::List(_) => lookup(&call.args[0], &call.args[1]).is_some(),
        ValueKind::Nil => false,
        _ => return Err(call.type_error(0, "a map, set or vector")),
    };
    Ok(call.value(ValueKind::Bool(found)))
}

/// The number of elements of argument `i`; a string's characters cost a step per
/// kibibyte to count.
fn length(ev: &mut Evaluator, call: &Call, i: usize) -> Result<usize, EvalError> {
    Ok(match call.args[i].kind() {
        ValueKind::Map(m) => m.len(),
        ValueKind::Set(s) => s.len(),
        ValueKind::List(s) | ValueKind::Vector(s) => s.len(),
        ValueKind::Str(s) => {
            ev.steps_by(s.len() as u64 / 1024, call.span)?;
            s.chars().count()
        }
        ValueKind::Nil => 0,
        _ => return Err(call.type_error(i, "a collection or string")),
    })
}

fn count(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(call.value(ValueKind::Number(Number::Int(length(ev, &call, 0)? as i64))))
}

fn empty(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let empty = match call.args[0].kind() {
        ValueKind::Str(s) => s.is_empty(),
        _ => call.elements(0)?.next().is_none(),
    };
    Ok(call.value(ValueKind::Bool(empty)))
}

/// Element `index` of argument 0, found without going through the elements before it
/// where the collection allows.
fn nth_item(ev: &mut Evaluator, call: &Call, index: usize) -> Result<Option<Value>, EvalError> {
    Ok(match call.args[0].kind() {
        ValueKind::List(s) | ValueKind::Vector(s) => s.get(index).cloned(),
        ValueKind::Set(s) => s.iter().nth(index).cloned().filter(|_| index < s.len()),
        ValueKind::Map(m) if index < m.len() => {
            let mut entries = call.elements(0)?;
            entries.nth(index)
        }
        ValueKind::Str(s) => {
            ev.steps_by(index as u64 / 1024, call.span)?;
            call.elements(0)?.nth(index).filter(|_| index < s.len())
        }
        _ => call.elements(0)?.nth(index),
    })
}

fn first(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(nth_item(ev, &call, 0)?.unwrap_or_else(|| call.value(ValueKind::Nil)))
}

fn second(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(nth_item(ev, &call, 1)?.unwrap_or_else(|| call.value(ValueKind::Nil)))
}

fn last(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let last = match call.args[0].kind() {
        ValueKind::List(s) | ValueKind::Vector(s) => s.last().cloned(),
        ValueKind::Str(s) => s
            .chars()
            .next_back()
            .map(|c| Value::new(ValueKind::Char(c), call.args[0].origin())),
        _ => {
            let n = length(ev, &call, 0)?;
            nth_item(ev, &call, n.saturating_sub(1))?
        }
    };
    Ok(last.unwrap_or_else(|| call.value(ValueKind::Nil)))
}

fn rest(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    if let ValueKind::List(s) | ValueKind::Vector(s) = call.args[0].kind() {
        // Shares the elements: no copy.
        let rest = s.skip(1.min(s.len()));
        return Ok(call.value(ValueKind::Vector(Arc::new(rest))));
    }
    let items = call.elements(0)?.skip(1);
    ev.new_vector(&call, items)
}

fn nth(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let index = call.int(1)?;
    let found = match usize::try_from(index) {
        Ok(i) => nth_item(ev, &call, i)?,
        Err(_) => None,
    };
    match found {
        Some(v) => Ok(v),
        None => match call.args.get(2) {
            Some(default) => Ok(default.clone()),
            None => Err(EvalError::new(
                EvalErrorKind::Index {
                    index,
                    len: length(ev, &call, 0)?,
                },
                call.args[1].origin().or(Some(call.span)),
            )),
        },
    }
}

/// Adds `items` to `target` the way `conj` does: a vector or list grows (sharing its
/// elements), a set or map is copied.
fn conj_into(ev: &mut Evaluator, call: &Call, target: &Value, items: Vec<Value>) -> Result<Value, EvalError> {
    let origin = target.origin().or(Some(call.span));
    let grown = |ev: &mut Evaluator, s: Seq, front: bool| -> Result<Value, EvalError> {
        ev.charge(items.len() as u64 * NODE, call.span)?;
        let mut s = s;
        let mut size = if s.is_empty() {
            Size::default()
        } else {
            target.size()
        };
        for item in items.iter().cloned() {
            size = size.with(&item);
            if front {
                s.push_front(item);
            } else {
                s.push_back(item);
            }
        }
        size.weight = size.weight.max(NODE);
        let kind = if front {
            ValueKind::List(Arc::new(s))
        } else {
            ValueKind::Vector(Arc::new(s))
        };
        Ok(Value::sized(kind, origin, size))
    };
    Ok(match target.kind() {
        ValueKind::Vector(s) => grown(ev, (**s).clone(), false)?,
        ValueKind::List(s) => grown(ev, (**s).clone(), true)?,
        ValueKind::Nil => grown(ev, Seq::new(), true)?,
        ValueKind::Set(set) => {
            ev.charge(seq_bytes(set.len() + items.len()), call.span)?;
            let mut set = set.clone();
            for item in items {
                set.insert(item);
            }
            Value::new(ValueKind::Set(set), origin)
        }
        ValueKind::Map(map) => {
            ev.charge(map_bytes(map.len() + items.len()), call.span)?;
            let mut map = map.clone();
            for item in items {
                match item.kind() {
                    ValueKind::Map(m) => {
                        ev.charge(map_bytes(m.len()), call.span)?;
                        m.iter().for_each(|(k, v)| map.insert(k.clone(), v.clone()))
                    }
                    ValueKind::Vector(kv) if kv.len() == 2 => map.insert(kv[0].clone(), kv[1].clone()),
                    _ => {
                        return Err(EvalError::new(
                            EvalErrorKind::Type {
                                function: call.name.to_string(),
                                expected: "[key value] entries or maps".into(),
                                actual: item.type_name().into(),
                            },
                            item.origin().or(Some(call.span)),
                        ));
                    }
                }
            }
            Value::new(ValueKind::Map(map), origin)
        }
        _ => return Err(call.type_error(0, "a collection")),
    })
}

fn conj(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    conj_into(ev, &call, &call.args[0], call.args[1..].to_vec())
}

fn concat(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let mut out = Vec::new();
    for i in 0..call.args.len() {
        let items = call.elements(i)?;
        let n = items.size_hint().0 as u64;
        ev.steps_by(n, call.span)?;
        ev.charge(seq_bytes(n as usize), call.span)?;
        out.extend(items);
    }
    Ok(call.vector(out))
}

fn into(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let items = call.seq(1)?;
    ev.steps_by(items.len() as u64, call.span)?;
    conj_into(ev, &call, &call.args[0], items)
}

fn vec(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    if let ValueKind::Vector(_) = call.args[0].kind() {
        return Ok(call.args[0].clone());
    }
    let items = call.elements(0)?;
    ev.steps_by(items.size_hint().0 as u64, call.span)?;
    ev.new_vector(&call, items)
}

fn set(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let items = call.elements(0)?;
    ev.steps_by(items.size_hint().0 as u64, call.span)?;
    ev.charge(seq_bytes(items.size_hint().0), call.span)?;
    Ok(call.value(ValueKind::Set(items.collect::<Set>())))
}

fn hash_map(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    if call.args.len() % 2 == 1 {
        return Err(EvalError::new(
            EvalErrorKind::Arity {
                function: "hash-map".into(),
                expected: "an even number of".into(),
                got: call.args.len(),
            },
            Some(call.span),
        ));
    }
    ev.charge(map_bytes(call.args.len() / 2), call.span)?;
    let map: Map = call
        .args
        .chunks(2)
        .map(|kv| (kv[0].clone(), kv[1].clone()))
        .collect();
    Ok(call.value(ValueKind::Map(map)))
}

fn vector(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    ev.new_vector(&call, call.args.iter().cloned())
}

fn list(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    ev.charge(seq_bytes(call.args.len()), call.span)?;
    Ok(call.value(ValueKind::List(Arc::new(call.args.iter().cloned().collect()))))
}

fn zipmap(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (keys, vals) = (call.elements(0)?, call.elements(1)?);
    let n = keys.size_hint().0.min(vals.size_hint().0);
    ev.steps_by(n as u64, call.span)?;
    ev.charge(map_bytes(n), call.span)?;
    let map: Map = keys.zip(vals).collect();
    Ok(call.value(ValueKind::Map(map)))
}

fn map(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let colls = (1..call.args.len())
        .map(|i| call.seq(i))
        .collect::<Result<Vec<_>, _>>()?;
    let n = colls.iter().map(Vec::len).min().unwrap_or(0);
    ev.steps_by(n as u64, call.span)?;
    ev.charge(seq_bytes(n), call.span)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let args = colls.iter().map(|c| c[i].clone()).collect();
        out.push(ev.apply(&call.args[0], args, call.span)?);
    }
    Ok(call.vector(out))
}

fn keep(ev: &mut Evaluator, call: &Call, wanted: bool) -> Result<Value, EvalError> {
    let items = call.elements(1)?;
    ev.steps_by(items.size_hint().0 as u64, call.span)?;
    let mut out = Vec::new();
    for item in items {
        if ev.apply(&call.args[0], vec![item.clone()], call.span)?.is_falsy() != wanted {
            out.push(item);
        }
    }
    ev.new_vector(call, out)
}

fn filter(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    keep(ev, &call, true)
}

fn remove(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    keep(ev, &call, false)
}

fn some(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    for item in call.elements(1)? {
        ev.step(call.span)?;
        let result = ev.apply(&call.args[0], vec![item], call.span)?;
        if !result.is_falsy() {
            return Ok(result);
        }
    }
    Ok(call.value(ValueKind::Nil))
}

fn every(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    for item in call.elements(1)? {
        ev.step(call.span)?;
        if ev.apply(&call.args[0], vec![item], call.span)?.is_falsy() {
            return Ok(call.value(ValueKind::Bool(false)));
        }
    }
    Ok(call.value(ValueKind::Bool(true)))
}

fn reduce(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (init, mut items) = if call.args.len() == 3 {
        (Some(call.args[1].clone()), call.elements(2)?)
    } else {
        (None, call.elements(1)?)
    };
    ev.steps_by(items.size_hint().0 as u64, call.span)?;
    let mut acc = match init.or_else(|| items.next()) {
        Some(acc) => acc,
        None => return ev.apply(&call.args[0], Vec::new(), call.span),
    };
    for item in items {
        acc = ev.apply(&call.args[0], vec![acc, item], call.span)?;
    }
    Ok(acc)
}

fn range(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (start, end, step) = match call.args.len() {
        1 => (0, call.int(0)?, 1),
        2 => (call.int(0)?, call.int(1)?, 1),
        _ => (call.int(0)?, call.int(1)?, call.int(2)?),
    };
    if step == 0 {
        return Err(EvalError::new(
            EvalErrorKind::Arithmetic {
                message: "range with a step of 0 never ends".into(),
            },
            Some(call.span),
        ));
    }
    let len = if (step > 0 && end > start) || (step < 0 && end < start) {
        ((end as i128 - start as i128)
            .unsigned_abs()
            .div_ceil(step.unsigned_abs() as u128)) as u64
    } else {
        0
    };
    ev.steps_by(len, call.span)?;
    // Every element lies between `start` and `end`, so it fits; 128 bits keep the
    // product from overflowing on the way.
    let element = |i: u64| (i128::from(start) + i128::from(step) * i128::from(i)) as i64;
    let items = (0..len).map(|i| Value::new(ValueKind::Number(Number::Int(element(i))), Some(call.span)));
    ev.new_vector(&call, items)
}

fn apply(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let last = call.args.len() - 1;
    let items = call.elements(last)?;
    ev.steps_by(items.size_hint().0 as u64, call.span)?;
    ev.charge(seq_bytes(items.size_hint().0), call.span)?;
    let mut args: Vec<Value> = call.args[1..last].to_vec();
    args.extend(items);
    ev.apply(&call.args[0], args, call.span)
}

fn identity(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(call.args[0].clone())
}
