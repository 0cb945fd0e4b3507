//! `#ref [path]` resolution: once a file is evaluated, every reference in its result is
//! replaced by the value at its path in that result. Paths step through map keys and
//! vector indices; a path that leads nowhere, or references that lead to each other, are
//! errors.

use std::sync::Arc;

use crate::error::{EvalError, EvalErrorKind};
use crate::value::{Map, Seq, Set, Value, ValueKind};

/// Resolves every reference in `root` against `root`.
pub(crate) fn resolve(root: Value) -> Result<Value, EvalError> {
    if !holds_ref(&root) {
        return Ok(root);
    }
    let mut stack = Vec::new();
    resolve_in(&root, &root, &mut stack)
}

fn holds_ref(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Ref(_) => true,
        ValueKind::List(items) | ValueKind::Vector(items) => items.iter().any(holds_ref),
        ValueKind::Map(m) => m.iter().any(|(k, v)| holds_ref(k) || holds_ref(v)),
        ValueKind::Set(s) => s.iter().any(holds_ref),
        ValueKind::Tagged(t) => holds_ref(&t.1),
        _ => false,
    }
}

fn path_text(path: &[Value]) -> String {
    Value::vector(path.iter().cloned()).to_edn()
}

/// Resolves the references inside `value`; `stack` holds the paths being followed.
fn resolve_in(value: &Value, root: &Value, stack: &mut Vec<Arc<[Value]>>) -> Result<Value, EvalError> {
    if !holds_ref(value) {
        return Ok(value.clone());
    }
    let origin = value.origin();
    let kind = match value.kind() {
        ValueKind::Ref(path) => return follow(path, origin, root, stack),
        ValueKind::List(items) => ValueKind::List(Arc::new(resolve_seq(items, root, stack)?)),
        ValueKind::Vector(items) => ValueKind::Vector(Arc::new(resolve_seq(items, root, stack)?)),
        ValueKind::Map(m) => ValueKind::Map(
            m.iter()
                .map(|(k, v)| Ok((resolve_in(k, root, stack)?, resolve_in(v, root, stack)?)))
                .collect::<Result<Map, EvalError>>()?,
        ),
        ValueKind::Set(s) => ValueKind::Set(
            s.iter()
                .map(|v| resolve_in(v, root, stack))
                .collect::<Result<Set, EvalError>>()?,
        ),
        ValueKind::Tagged(t) => ValueKind::Tagged(Arc::new((t.0.clone(), resolve_in(&t.1, root, stack)?))),
        _ => return Ok(value.clone()),
    };
    Ok(Value::new(kind, origin).with_markers(value.markers()))
}

fn resolve_seq(items: &Seq, root: &Value, stack: &mut Vec<Arc<[Value]>>) -> Result<Seq, EvalError> {
    items.iter().map(|v| resolve_in(v, root, stack)).collect()
}

/// The resolved value at `path` in `root`.
fn follow(
    path: &Arc<[Value]>,
    origin: Option<pm2_dsl_reader::Span>,
    root: &Value,
    stack: &mut Vec<Arc<[Value]>>,
) -> Result<Value, EvalError> {
    if stack.iter().any(|p| **p == **path) {
        let kind = EvalErrorKind::CyclicRef {
            path: path_text(path),
        };
        return Err(EvalError::new(kind, origin));
    }
    stack.push(path.clone());
    let mut current = root.clone();
    for step in path.iter() {
        if let ValueKind::Ref(_) = current.kind() {
            current = resolve_in(&current, root, stack)?;
        }
        let next = match (current.kind(), step.kind()) {
            (ValueKind::Map(m), _) => m.get(step).cloned(),
            (ValueKind::List(items) | ValueKind::Vector(items), ValueKind::Int(i)) => {
                usize::try_from(*i).ok().and_then(|i| items.get(i)).cloned()
            }
            _ => None,
        };
        current = next.ok_or_else(|| {
            EvalError::new(
                EvalErrorKind::DanglingRef {
                    path: path_text(path),
                },
                origin,
            )
        })?;
    }
    let resolved = resolve_in(&current, root, stack)?;
    stack.pop();
    Ok(resolved)
}
