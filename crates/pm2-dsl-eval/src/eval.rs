//! Evaluation of forms: literals, symbols, collections, calls, and function
//! application (built-ins, closures, and keywords, maps and sets used as functions).

use std::sync::Arc;

use pm2_dsl_reader::{Form, FormKind, Span, Symbol};

use crate::builtins::{self, Call};
use crate::destructure::bind;
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::function::{Closure, Function, FunctionKind};
use crate::scope::Scope;
use crate::special;
use crate::suggest::closest;
use crate::value::{Map, MergeMarkers, Seq, Set, Value, ValueKind, map_bytes, seq_bytes};

/// Grow the stack when less than this is left...
const STACK_RED_ZONE: usize = 128 * 1024;
/// ...by this much.
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

impl Evaluator {
    /// Evaluates one form in `scope`. The stack grows on demand, so deep (but limited)
    /// recursion is safe on any thread.
    pub(crate) fn eval(&mut self, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
        let value = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.eval_form(form, scope))?;
        self.admit(value, form.span)
    }

    fn eval_form(&mut self, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
        self.step(form.span)?;
        let origin = Some(form.span);
        match &form.kind {
            FormKind::Symbol(s) => self.resolve_symbol(s, form.span, scope),
            FormKind::List(items) => match items.split_first() {
                None => Ok(Value::new(ValueKind::List(Arc::new(Seq::new())), origin)),
                Some((head, args)) => {
                    self.enter(form.span)?;
                    let result = self.eval_list(form, head, args, scope);
                    self.depth -= 1;
                    result
                }
            },
            FormKind::Vector(items) => {
                if form.has_meta_flag("ref") {
                    return special::reference(form, items);
                }
                self.charge(seq_bytes(items.len()), form.span)?;
                let items = items
                    .iter()
                    .map(|f| self.eval(f, scope))
                    .collect::<Result<Seq, _>>()?;
                Ok(Value::new(ValueKind::Vector(Arc::new(items)), origin)
                    .with_markers(MergeMarkers::of_form(form)))
            }
            FormKind::Map(entries) => {
                self.charge(map_bytes(entries.len()), form.span)?;
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries.iter() {
                    let key = self.eval(k, scope)?;
                    let value = self.eval(v, scope)?;
                    if let Some((first, _)) = map.get_entry(&key) {
                        let kind = EvalErrorKind::DuplicateKey {
                            key: key.to_edn_short(),
                        };
                        let mut err = EvalError::new(kind, key.origin().or(Some(k.span)));
                        if let Some(first) = first.origin() {
                            err = err.with_label(first, "first here");
                        }
                        return Err(err);
                    }
                    map.insert(key, value);
                }
                Ok(Value::new(ValueKind::Map(map), origin).with_markers(MergeMarkers::of_form(form)))
            }
            FormKind::Set(items) => {
                self.charge(seq_bytes(items.len()), form.span)?;
                let mut set = Set::default();
                for item in items.iter() {
                    let value = self.eval(item, scope)?;
                    // Every element before this one went in, so positions in the set
                    // are positions in the literal.
                    if let Some(first) = set.index_of(&value) {
                        let kind = EvalErrorKind::DuplicateSetElement {
                            element: value.to_edn_short(),
                        };
                        return Err(
                            EvalError::new(kind, Some(item.span)).with_label(items[first].span, "first here")
                        );
                    }
                    set.insert(value);
                }
                Ok(Value::new(ValueKind::Set(set), origin))
            }
            FormKind::Tagged(t) => self.eval_tag(t, form, scope),
            _ => Ok(Value::from_form(form)),
        }
    }

    /// Evaluates forms in order and returns the last value (nil for none).
    pub(crate) fn eval_body(
        &mut self,
        body: &[Form],
        scope: &Scope,
        origin: Span,
    ) -> Result<Value, EvalError> {
        let mut result = Value::new(ValueKind::Nil, Some(origin));
        for form in body {
            result = self.eval(form, scope)?;
        }
        Ok(result)
    }

    fn resolve_symbol(&mut self, symbol: &Symbol, span: Span, scope: &Scope) -> Result<Value, EvalError> {
        let name = symbol.as_str();
        if let Some(v) = scope.locals.get(name) {
            return Ok(v.clone());
        }
        let file = &self.files[scope.file.0];
        if let Some(v) = file.defs.get(name) {
            return Ok(v.clone());
        }
        if let Some(ns) = symbol.namespace()
            && let Some(&id) = file.aliases.get(ns)
            && let Some(v) = self.files[id.0].defs.get(symbol.name())
        {
            return Ok(v.clone());
        }
        if let Some(builtin) = builtins::lookup(name) {
            let f = Function(Arc::new(FunctionKind::Builtin(builtin)));
            return Ok(Value::new(ValueKind::Fn(f), Some(span)));
        }
        let mut candidates = self.names_in_scope(scope);
        candidates.extend(builtins::names().map(Arc::from));
        candidates.extend(special::names().map(Arc::from));
        let suggestion = closest(name, candidates.iter().map(|c| &**c));
        Err(EvalError::new(
            EvalErrorKind::UnboundSymbol {
                name: name.to_string(),
                suggestion,
            },
            Some(span),
        ))
    }

    fn eval_list(
        &mut self,
        form: &Form,
        head: &Form,
        args: &[Form],
        scope: &Scope,
    ) -> Result<Value, EvalError> {
        if let FormKind::Symbol(s) = &head.kind
            && !scope.locals.contains_key(s.as_str())
            && let Some(special) = special::lookup(s.as_str())
        {
            return (special.eval)(self, form, args, scope);
        }
        let f = self.eval(head, scope)?;
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg, scope)?);
        }
        self.apply(&f, values, form.span)
    }

    /// Calls `f` with `args`; `span` is the call's text.
    pub(crate) fn apply(&mut self, f: &Value, args: Vec<Value>, span: Span) -> Result<Value, EvalError> {
        match f.kind() {
            ValueKind::Fn(func) => match &*func.0 {
                FunctionKind::Builtin(b) => {
                    b.check_arity(args.len(), span)?;
                    // What a function computes from a hidden scalar (text, a number, a
                    // comparison) is hidden too, with its mark; a hidden collection's
                    // elements are marked themselves.
                    let tainted = (args.iter())
                        .filter(|a| !a.is_collection())
                        .fold(None, |acc, a| crate::value::Hidden::stronger(acc, a.hidden_arc()));
                    let result = (b.call)(self, Call::new(b.name, args, span))?;
                    self.admit(result.hidden_as(tainted.as_ref()), span)
                }
                FunctionKind::Closure(c) => self.call_closure(func, c, args, span),
            },
            ValueKind::Keyword(_) | ValueKind::Map(_) | ValueKind::Set(_) => self.apply_data(f, args, span),
            _ => Err(EvalError::new(
                EvalErrorKind::NotCallable {
                    what: f.type_name().to_string(),
                },
                f.origin().or(Some(span)),
            )),
        }
    }

    /// `(:k m)`, `(:k m default)`, `(m :k)`, `(m :k default)`, `(s x)`.
    fn apply_data(&mut self, f: &Value, args: Vec<Value>, span: Span) -> Result<Value, EvalError> {
        if !(1..=2).contains(&args.len()) {
            return Err(EvalError::new(
                EvalErrorKind::Arity {
                    function: f.to_edn_short(),
                    expected: "1 or 2".into(),
                    got: args.len(),
                },
                Some(span),
            ));
        }
        let default = args
            .get(1)
            .cloned()
            .unwrap_or_else(|| Value::new(ValueKind::Nil, Some(span)));
        let found = match f.kind() {
            ValueKind::Keyword(_) => match args[0].kind() {
                ValueKind::Map(m) => m.get(f).cloned(),
                _ => None,
            },
            ValueKind::Map(m) => m.get(&args[0]).cloned(),
            ValueKind::Set(s) => s.contains(&args[0]).then(|| args[0].clone()),
            _ => None,
        };
        Ok(found.unwrap_or(default))
    }

    fn call_closure(
        &mut self,
        func: &Function,
        c: &Closure,
        args: Vec<Value>,
        span: Span,
    ) -> Result<Value, EvalError> {
        let n = args.len();
        let Some(arity) = c
            .arities
            .iter()
            .find(|a| a.params.len() == n && a.rest.is_none())
            .or_else(|| c.arities.iter().find(|a| a.rest.is_some() && n >= a.params.len()))
        else {
            let kind = EvalErrorKind::Arity {
                function: c.name.as_deref().unwrap_or("fn").to_string(),
                expected: c.describe_arities(),
                got: n,
            };
            return Err(EvalError::new(kind, Some(span)).with_label(c.span, "defined here"));
        };
        self.enter(span)?;
        let mut scope = Scope {
            file: c.file,
            locals: c.locals.clone(),
        };
        if let Some(name) = &c.name {
            scope.locals.insert(
                name.clone(),
                Value::new(ValueKind::Fn(func.clone()), Some(c.span)),
            );
        }
        let mut args = args.into_iter();
        let result = (|| {
            for param in &arity.params {
                let value = args.next().unwrap_or_else(Value::nil);
                bind(self, param, value, &mut scope)?;
            }
            if let Some(rest) = &arity.rest {
                self.charge(seq_bytes(args.len()), span)?;
                let rest_items: Seq = args.by_ref().collect();
                let rest_value = if rest_items.is_empty() {
                    Value::new(ValueKind::Nil, Some(span))
                } else {
                    Value::new(ValueKind::List(Arc::new(rest_items)), Some(span))
                };
                bind(self, rest, rest_value, &mut scope)?;
            }
            self.eval_body(&arity.body, &scope, span)
        })();
        self.depth -= 1;
        result.map_err(|e| {
            // An error inside a function from another file also points at the call.
            let elsewhere = |s: Span| s.source != span.source;
            if elsewhere(c.span) && e.span().is_some_and(elsewhere) {
                let name = c.name.as_deref().unwrap_or("fn");
                e.with_note(span, format!("`{name}` is called here"), "called here")
            } else {
                e
            }
        })
    }
}
