//! Binding patterns for `let`, `fn` parameters and `for`: symbols, vectors (`[a b & more
//! :as all]`) and maps (`{:keys [a b] :strs [c] :or {a 1} :as m}` and `{x :key}`).

use std::sync::Arc;

use pm2_dsl_reader::{Form, FormKind};

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::scope::Scope;
use crate::value::{Seq, Value, ValueKind, seq_bytes};

fn syntax(form: &Form, message: impl Into<String>) -> EvalError {
    EvalError::new(
        EvalErrorKind::Syntax {
            form: "binding".into(),
            message: message.into(),
        },
        Some(form.span),
    )
}

/// Binds `pattern` to `value` in `scope`'s locals.
pub(crate) fn bind(
    ev: &mut Evaluator,
    pattern: &Form,
    value: Value,
    scope: &mut Scope,
) -> Result<(), EvalError> {
    match &pattern.kind {
        FormKind::Symbol(s) if s.namespace().is_none() => {
            scope.locals.insert(s.as_arc().clone(), value);
            Ok(())
        }
        FormKind::Vector(items) => bind_vector(ev, pattern, items, value, scope),
        FormKind::Map(entries) => bind_map(ev, entries, value, scope),
        _ => Err(syntax(
            pattern,
            format!(
                "cannot bind to a {}; use a symbol, a vector or a map",
                pattern.kind_name()
            ),
        )),
    }
}

fn bind_vector(
    ev: &mut Evaluator,
    pattern: &Form,
    items: &[Form],
    value: Value,
    scope: &mut Scope,
) -> Result<(), EvalError> {
    let Some(mut elements) =
        crate::builtins::elements(&value).filter(|_| !matches!(value.kind(), ValueKind::Map(_)))
    else {
        return Err(EvalError::new(
            EvalErrorKind::Type {
                function: "vector binding".into(),
                expected: "a sequence".into(),
                actual: value.type_name().into(),
            },
            value.origin().or(Some(pattern.span)),
        ));
    };
    let mut index = 0;
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        if item.as_symbol().is_some_and(|s| s.as_str() == "&") {
            let target = items
                .get(i + 1)
                .ok_or_else(|| syntax(item, "`&` needs a pattern after it"))?;
            // A vector's rest shares its elements; other rests are built.
            let rest: Seq = match value.kind() {
                ValueKind::List(s) | ValueKind::Vector(s) => s.skip(index.min(s.len())),
                _ => {
                    let rest: Seq = elements.by_ref().collect();
                    ev.charge(seq_bytes(rest.len()), pattern.span)?;
                    rest
                }
            };
            let rest = if rest.is_empty() {
                Value::nil()
            } else {
                Value::new(ValueKind::List(Arc::new(rest)), value.origin())
            };
            bind(ev, target, rest, scope)?;
            i += 2;
            continue;
        }
        if item.as_keyword().is_some_and(|k| k.as_str() == "as") {
            let target = items
                .get(i + 1)
                .ok_or_else(|| syntax(item, "`:as` needs a symbol after it"))?;
            bind(ev, target, value.clone(), scope)?;
            i += 2;
            continue;
        }
        let element = elements.next().unwrap_or_else(Value::nil);
        bind(ev, item, element, scope)?;
        index += 1;
        i += 1;
    }
    Ok(())
}

fn bind_map(
    ev: &mut Evaluator,
    entries: &[(Form, Form)],
    value: Value,
    scope: &mut Scope,
) -> Result<(), EvalError> {
    let map = match value.kind() {
        ValueKind::Map(m) => Some(m.clone()),
        ValueKind::Nil => None,
        _ => {
            return Err(EvalError::new(
                EvalErrorKind::Type {
                    function: "map binding".into(),
                    expected: "a map".into(),
                    actual: value.type_name().into(),
                },
                value.origin(),
            ));
        }
    };
    let defaults = entries
        .iter()
        .find(|(k, _)| k.as_keyword().is_some_and(|k| k.as_str() == "or"))
        .map(|(_, v)| v);
    let lookup = |key: &Value| map.as_ref().and_then(|m| m.get(key)).cloned();
    for (k, v) in entries {
        match k.as_keyword().map(|k| k.as_str()) {
            Some(kind @ ("keys" | "strs")) => {
                let FormKind::Vector(names) = &v.kind else {
                    return Err(syntax(v, format!(":{kind} takes a vector of symbols")));
                };
                for name in names.iter() {
                    let Some(sym) = name.as_symbol() else {
                        return Err(syntax(name, format!(":{kind} takes a vector of symbols")));
                    };
                    let key = if kind == "keys" {
                        Value::keyword(sym.as_str())
                    } else {
                        Value::string(sym.name())
                    };
                    let found = match lookup(&key) {
                        Some(found) => found,
                        None => default_for(ev, defaults, sym.name(), scope)?,
                    };
                    scope.locals.insert(Arc::from(sym.name()), found);
                }
            }
            Some("as") => bind(ev, v, value.clone(), scope)?,
            Some("or") => {}
            _ => {
                let key = Value::from_form(v);
                let found = match (lookup(&key), k.as_symbol()) {
                    (Some(found), _) => found,
                    (None, Some(sym)) => default_for(ev, defaults, sym.as_str(), scope)?,
                    (None, None) => Value::nil(),
                };
                bind(ev, k, found, scope)?;
            }
        }
    }
    Ok(())
}

fn default_for(
    ev: &mut Evaluator,
    defaults: Option<&Form>,
    name: &str,
    scope: &Scope,
) -> Result<Value, EvalError> {
    let Some(FormKind::Map(entries)) = defaults.map(|d| &d.kind) else {
        return Ok(Value::nil());
    };
    match entries
        .iter()
        .find(|(k, _)| k.as_symbol().is_some_and(|s| s.as_str() == name))
    {
        Some((_, default)) => ev.eval(default, scope),
        None => Ok(Value::nil()),
    }
}
