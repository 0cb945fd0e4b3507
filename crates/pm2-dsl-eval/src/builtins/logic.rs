//! Predicates (`not`, `nil?`, `some?`, `string?`, ...) and the two functions that read
//! the run's inputs: `(env "NAME")` / `(env "NAME" default)` and `(profile)`.

use pm2_dsl_reader::Symbol;

use super::{Builtin, Call, builtin};
use crate::error::EvalError;
use crate::evaluator::Evaluator;
use crate::value::{Value, ValueKind};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    builtin("not", 1, Some(1), not),
    builtin("nil?", 1, Some(1), is_nil),
    builtin("some?", 1, Some(1), is_some),
    builtin("string?", 1, Some(1), is_string),
    builtin("number?", 1, Some(1), is_number),
    builtin("int?", 1, Some(1), is_int),
    builtin("boolean?", 1, Some(1), is_boolean),
    builtin("keyword?", 1, Some(1), is_keyword),
    builtin("map?", 1, Some(1), is_map),
    builtin("vector?", 1, Some(1), is_vector),
    builtin("fn?", 1, Some(1), is_fn),
    builtin("env", 1, Some(2), env),
    builtin("profile", 0, Some(0), profile),
];

fn test(call: &Call, holds: bool) -> Result<Value, EvalError> {
    Ok(call.value(ValueKind::Bool(holds)))
}

fn not(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, call.args[0].is_falsy())
}

fn is_nil(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, call.args[0].is_nil())
}

fn is_some(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, !call.args[0].is_nil())
}

fn is_string(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, matches!(call.args[0].kind(), ValueKind::Str(_)))
}

fn is_number(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let kind = call.args[0].kind();
    test(
        &call,
        matches!(
            kind,
            ValueKind::Int(_)
                | ValueKind::BigInt(_)
                | ValueKind::Float(_)
                | ValueKind::BigDec(_)
                | ValueKind::Ratio(_)
        ),
    )
}

fn is_int(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(
        &call,
        matches!(call.args[0].kind(), ValueKind::Int(_) | ValueKind::BigInt(_)),
    )
}

fn is_boolean(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, matches!(call.args[0].kind(), ValueKind::Bool(_)))
}

fn is_keyword(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, matches!(call.args[0].kind(), ValueKind::Keyword(_)))
}

fn is_map(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, matches!(call.args[0].kind(), ValueKind::Map(_)))
}

fn is_vector(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, matches!(call.args[0].kind(), ValueKind::Vector(_)))
}

fn is_fn(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(&call, matches!(call.args[0].kind(), ValueKind::Fn(_)))
}

fn env(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let name = match call.args[0].kind() {
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => k.as_str().to_string(),
        _ => call.string(0)?.to_string(),
    };
    let value = ev.env_value(&name, call.span);
    match call.args.get(1) {
        Some(default) if value.is_nil() => Ok(default.clone()),
        _ => Ok(value),
    }
}

fn profile(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(call.value(match &ev.options.profile {
        Some(p) => ValueKind::Keyword(Symbol::new(p.as_str())),
        None => ValueKind::Nil,
    }))
}
