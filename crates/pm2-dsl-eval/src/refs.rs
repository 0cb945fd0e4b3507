//! `#ref [path]` resolution: once a file is evaluated, every reference in its result is
//! replaced by the value at its path in that result. Paths step through map keys and
//! vector indices; a path that leads nowhere, or references that lead to each other, are
//! errors.
//!
//! Resolution is linear in the size of the result: each path is followed once (a chain
//! of a thousand references costs a thousand steps, not half a million), each shared part
//! of the result is visited once however often it is used, and nodes without references
//! below them are kept as they are. What resolution builds is charged to the data budget
//! and admitted like any other value, so references that fan out into more data than the
//! limits allow stop with `eval::limit`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pm2_dsl_reader::{Number, Span};

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::value::{Map, Seq, Set, Value, ValueKind, map_bytes, seq_bytes};

/// Grow the stack when less than this is left (a chain of references recurses)...
const STACK_RED_ZONE: usize = 128 * 1024;
/// ...by this much.
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Resolves every reference in `root` against `root`.
pub(crate) fn resolve(ev: &mut Evaluator, root: Value, span: Span) -> Result<Value, EvalError> {
    if !root.holds_refs() {
        // Nearly every file: nothing to walk.
        return Ok(root);
    }
    let mut resolver = Resolver {
        ev,
        root: &root,
        span,
        paths: HashMap::new(),
        following: HashSet::new(),
        nodes: HashMap::new(),
    };
    match resolver.resolve_in(&root)? {
        Some(resolved) => Ok(resolved),
        None => Ok(root.clone()),
    }
}

struct Resolver<'a> {
    ev: &'a mut Evaluator,
    root: &'a Value,
    /// Where the file's result comes from, for charging.
    span: Span,
    /// Paths already followed, with the resolved value found there.
    paths: HashMap<Arc<[Value]>, Value>,
    /// Paths being followed (a path met again here is a cycle).
    following: HashSet<Arc<[Value]>>,
    /// Collections already resolved, by the address of their storage (each kept here
    /// with its resolution, so the address stays theirs): `None` when nothing below
    /// them changes.
    nodes: HashMap<usize, (Value, Option<Value>)>,
}

/// The address of a collection's shared storage, which identifies it while it lives.
fn storage(value: &Value) -> Option<usize> {
    Some(match value.kind() {
        ValueKind::List(items) | ValueKind::Vector(items) => Arc::as_ptr(items) as usize,
        ValueKind::Map(m) => m.storage(),
        ValueKind::Set(s) => s.storage(),
        ValueKind::Tagged(t) => Arc::as_ptr(t) as *const () as usize,
        _ => return None,
    })
}

fn path_text(path: &[Value]) -> String {
    Value::vector(path.iter().cloned()).to_edn_short()
}

impl Resolver<'_> {
    /// `value` with the references inside it resolved, or `None` when it holds none.
    fn resolve_in(&mut self, value: &Value) -> Result<Option<Value>, EvalError> {
        if let ValueKind::Ref(path) = value.kind() {
            return self.follow(path, value.origin()).map(Some);
        }
        let Some(key) = storage(value) else {
            return Ok(None);
        };
        if let Some((_, done)) = self.nodes.get(&key) {
            return Ok(done.clone());
        }
        let resolved = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.rebuild(value))?;
        self.nodes.insert(key, (value.clone(), resolved.clone()));
        Ok(resolved)
    }

    /// A collection rebuilt with its references resolved, or `None` if it holds none.
    fn rebuild(&mut self, value: &Value) -> Result<Option<Value>, EvalError> {
        let kind = match value.kind() {
            ValueKind::List(items) => self.rebuild_seq(items)?.map(|s| ValueKind::List(Arc::new(s))),
            ValueKind::Vector(items) => self.rebuild_seq(items)?.map(|s| ValueKind::Vector(Arc::new(s))),
            ValueKind::Map(m) => {
                let mut changed = Vec::new();
                for (i, (k, v)) in m.iter().enumerate() {
                    let (k2, v2) = (self.resolve_in(k)?, self.resolve_in(v)?);
                    if k2.is_some() || v2.is_some() {
                        changed.push((i, k2, v2));
                    }
                }
                if changed.is_empty() {
                    return Ok(None);
                }
                self.ev.charge(map_bytes(m.len()), self.span)?;
                let mut changed = changed.into_iter().peekable();
                let map: Map = m
                    .iter()
                    .enumerate()
                    .map(|(i, (k, v))| match changed.next_if(|(j, _, _)| *j == i) {
                        Some((_, k2, v2)) => {
                            (k2.unwrap_or_else(|| k.clone()), v2.unwrap_or_else(|| v.clone()))
                        }
                        None => (k.clone(), v.clone()),
                    })
                    .collect();
                Some(ValueKind::Map(map))
            }
            ValueKind::Set(s) => {
                let items: Vec<Option<Value>> =
                    s.iter().map(|v| self.resolve_in(v)).collect::<Result<_, _>>()?;
                if items.iter().all(Option::is_none) {
                    return Ok(None);
                }
                self.ev.charge(seq_bytes(s.len()), self.span)?;
                let set: Set = s
                    .iter()
                    .zip(items)
                    .map(|(v, r)| r.unwrap_or_else(|| v.clone()))
                    .collect();
                Some(ValueKind::Set(set))
            }
            ValueKind::Tagged(t) => self
                .resolve_in(&t.1)?
                .map(|inner| ValueKind::Tagged(Arc::new((t.0.clone(), inner)))),
            _ => None,
        };
        let Some(kind) = kind else { return Ok(None) };
        let rebuilt = Value::new(kind, value.origin())
            .with_markers(value.markers())
            .hidden_as(value.hidden_arc());
        let at = value.origin().unwrap_or(self.span);
        self.ev.admit(rebuilt, at).map(Some)
    }

    fn rebuild_seq(&mut self, items: &Seq) -> Result<Option<Seq>, EvalError> {
        let mut out: Option<Seq> = None;
        for (i, item) in items.iter().enumerate() {
            if let Some(resolved) = self.resolve_in(item)? {
                let seq = match &mut out {
                    Some(seq) => seq,
                    None => {
                        self.ev.charge(seq_bytes(items.len()), self.span)?;
                        out.insert(items.clone())
                    }
                };
                seq.set(i, resolved);
            }
        }
        Ok(out)
    }

    /// The resolved value at `path` in the result.
    fn follow(&mut self, path: &Arc<[Value]>, origin: Option<Span>) -> Result<Value, EvalError> {
        if let Some(done) = self.paths.get(path) {
            return Ok(done.clone());
        }
        if !self.following.insert(path.clone()) {
            let kind = EvalErrorKind::CyclicRef {
                path: path_text(path),
            };
            return Err(EvalError::new(kind, origin));
        }
        self.ev.steps_by(path.len() as u64, origin.unwrap_or(self.span))?;
        let dangling = || {
            EvalError::new(
                EvalErrorKind::DanglingRef {
                    path: path_text(path),
                },
                origin,
            )
        };
        let mut current = self.root.clone();
        for step in path.iter() {
            if let ValueKind::Ref(inner) = current.kind() {
                current = self.follow(inner, current.origin())?;
            }
            let next = match (current.kind(), step.kind()) {
                (ValueKind::Map(m), _) => m.get(step).cloned(),
                (ValueKind::List(items) | ValueKind::Vector(items), ValueKind::Number(Number::Int(i))) => {
                    usize::try_from(*i).ok().and_then(|i| items.get(i)).cloned()
                }
                _ => None,
            };
            current = next.ok_or_else(dangling)?;
        }
        let resolved = match self.resolve_in(&current)? {
            Some(resolved) => resolved,
            None => current,
        };
        self.following.remove(path);
        self.paths.insert(path.clone(), resolved.clone());
        Ok(resolved)
    }
}
