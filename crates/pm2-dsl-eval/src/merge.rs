//! `merge` (shallow, right wins) and `deep-merge`, which follows Baum's merge-tree: maps
//! merge recursively and anything else is replaced by the right side (nil included);
//! vectors are replaced unless the right side is marked `^:append` or `^:prepend`;
//! `^:replace` on the right is taken as is; `^:displace` on the left is used only when
//! there is no right side. Merge markers do not survive into the result.

use std::sync::Arc;

use pm2_dsl_reader::Span;

use crate::error::{EvalError, EvalErrorKind};
use crate::value::{MergeMarkers, Value, ValueKind};

fn not_a_map(function: &str, value: &Value, span: Span) -> EvalError {
    EvalError::new(
        EvalErrorKind::Type {
            function: function.to_string(),
            expected: "maps (or nil)".into(),
            actual: value.type_name().into(),
        },
        value.origin().or(Some(span)),
    )
}

/// Folds maps left to right with `combine`; nil arguments are skipped, and the result is
/// nil when every argument is.
fn fold_maps(
    function: &str,
    values: Vec<Value>,
    span: Span,
    combine: fn(&Value, &Value) -> Value,
) -> Result<Value, EvalError> {
    let mut result: Option<Value> = None;
    for value in values {
        match value.kind() {
            ValueKind::Nil => {}
            ValueKind::Map(_) => {
                result = Some(match result {
                    None => value,
                    Some(left) => combine(&left, &value),
                });
            }
            _ => return Err(not_a_map(function, &value, span)),
        }
    }
    Ok(result.unwrap_or_else(|| Value::new(ValueKind::Nil, Some(span))))
}

/// Shallow merge: the right map's entries replace the left's.
fn shallow_merge(left: &Value, right: &Value) -> Value {
    let mut map = left.as_map().cloned().unwrap_or_default();
    for (k, v) in right.as_map().into_iter().flatten() {
        map.insert(k.clone(), v.clone());
    }
    Value::new(ValueKind::Map(map), left.origin())
}

/// Shallow merge of maps, left to right (`merge`, `#merge`).
pub(crate) fn merge_all(function: &str, values: Vec<Value>, span: Span) -> Result<Value, EvalError> {
    fold_maps(function, values, span, shallow_merge)
}

/// Deep merge of maps, left to right (`deep-merge`, `#deep-merge`).
pub(crate) fn deep_merge_all(function: &str, values: Vec<Value>, span: Span) -> Result<Value, EvalError> {
    fold_maps(function, values, span, deep_merge)
}

/// Merges `right` into `left` following the merge-tree rules.
pub fn deep_merge(left: &Value, right: &Value) -> Value {
    let right_markers = right.markers();
    if right_markers.contains(MergeMarkers::REPLACE) || left.markers().contains(MergeMarkers::DISPLACE) {
        return unmarked(right);
    }
    match (left.kind(), right.kind()) {
        (ValueKind::Map(l), ValueKind::Map(r)) => {
            // The left map as it is (its entries keep their order and hashes), then each
            // right entry merged in: a key already there keeps its place.
            let mut map = l.clone();
            for (k, rv) in r.iter() {
                let merged = match map.get(k) {
                    Some(lv) => deep_merge(lv, rv),
                    None => unmarked(rv),
                };
                map.insert(k.clone(), merged);
            }
            Value::new(ValueKind::Map(map), right.origin().or(left.origin()))
        }
        (ValueKind::Vector(l) | ValueKind::List(l), ValueKind::Vector(r) | ValueKind::List(r))
            if right_markers.contains(MergeMarkers::APPEND)
                || right_markers.contains(MergeMarkers::PREPEND) =>
        {
            let mut items = if right_markers.contains(MergeMarkers::APPEND) {
                (**l).clone()
            } else {
                (**r).clone()
            };
            items.append(if right_markers.contains(MergeMarkers::APPEND) {
                (**r).clone()
            } else {
                (**l).clone()
            });
            Value::new(ValueKind::Vector(Arc::new(items)), right.origin())
        }
        _ => unmarked(right),
    }
}

fn unmarked(value: &Value) -> Value {
    value.clone().with_markers(MergeMarkers::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm2_dsl_reader::{Source, read_all};

    fn data(text: &str) -> Value {
        Value::from_form(&read_all(&Source::standalone("t", text)).unwrap()[0])
    }

    #[test]
    fn merge_tree_rules() {
        let cases = [
            (
                "{:a {:x 1} :v [1]}",
                "{:a {:y 2} :v ^:append [2]}",
                "{:a {:x 1 :y 2} :v [1 2]}",
            ),
            ("{:v [1]}", "{:v ^:prepend [0]}", "{:v [0 1]}"),
            ("{:v [1]}", "{:v [2]}", "{:v [2]}"),
            ("{:a {:x 1}}", "{:a ^:replace {:y 2}}", "{:a {:y 2}}"),
            ("{:a ^:displace {:x 1}}", "{:a {:y 2}}", "{:a {:y 2}}"),
            ("{:a ^:displace {:x 1}}", "{:b 1}", "{:a {:x 1} :b 1}"),
            ("{:a 1}", "{:a nil}", "{:a nil}"),
        ];
        for (l, r, want) in cases {
            assert_eq!(deep_merge(&data(l), &data(r)), data(want), "{l} {r}");
        }
    }
}
