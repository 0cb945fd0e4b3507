//! Predicates (`not`, `nil?`, `some?`, `string?`, ...) and the two functions that read
//! the run's inputs: `(env "NAME")` / `(env "NAME" default)` and `(profile)`.

use pm2_dsl_reader::{Number, Symbol};

use super::{Builtin, Call, builtin};
use crate::error::EvalError;
use crate::evaluator::Evaluator;
use crate::value::{Value, ValueKind};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    builtin("not", 1, Some(1), not).doc(
        "(not x)",
        "true when x is nil or false, else false.",
    ),
    builtin("nil?", 1, Some(1), is_nil).doc(
        "(nil? x)",
        "Whether x is nil.",
    ),
    builtin("some?", 1, Some(1), is_some).doc(
        "(some? x)",
        "Whether x is not nil.",
    ),
    builtin("string?", 1, Some(1), is_string).doc(
        "(string? x)",
        "Whether x is a string.",
    ),
    builtin("number?", 1, Some(1), is_number).doc(
        "(number? x)",
        "Whether x is a number (integer, float, decimal or ratio).",
    ),
    builtin("int?", 1, Some(1), is_int).doc(
        "(int? x)",
        "Whether x is an integer.",
    ),
    builtin("boolean?", 1, Some(1), is_boolean).doc(
        "(boolean? x)",
        "Whether x is true or false.",
    ),
    builtin("keyword?", 1, Some(1), is_keyword).doc(
        "(keyword? x)",
        "Whether x is a keyword.",
    ),
    builtin("map?", 1, Some(1), is_map).doc(
        "(map? x)",
        "Whether x is a map.",
    ),
    builtin("vector?", 1, Some(1), is_vector).doc(
        "(vector? x)",
        "Whether x is a vector.",
    ),
    builtin("fn?", 1, Some(1), is_fn).doc(
        "(fn? x)",
        "Whether x is a function.",
    ),
    builtin("env", 1, Some(2), env).doc(
        "(env name default?)",
        "The environment variable's value as a string; when it is not set, default (nil). The name is a string, keyword or symbol.",
    ),
    builtin("dotenv", 1, Some(1), dotenv).doc(
        "(dotenv \".env\")",
        "The variables of a .env file (relative to the file this call is written in) as a map of keyword names to strings, as #dotenv reads them. A missing file is an error.",
    ),
    builtin("dotenv?", 1, Some(1), dotenv).doc(
        "(dotenv? \".env.local\")",
        "The variables of a .env file as (dotenv ...) reads them, or {} when the file does not exist.",
    ),
    builtin("profile", 0, Some(0), profile).doc(
        "(profile)",
        "The selected profile as a keyword, or nil when none is selected.",
    ),
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
            ValueKind::Number(Number::Int(_))
                | ValueKind::Number(Number::BigInt(_))
                | ValueKind::Number(Number::Float(_))
                | ValueKind::Number(Number::BigDec(_))
                | ValueKind::Number(Number::Ratio(_))
        ),
    )
}

fn is_int(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test(
        &call,
        matches!(
            call.args[0].kind(),
            ValueKind::Number(Number::Int(_)) | ValueKind::Number(Number::BigInt(_))
        ),
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
    let value = ev.env_value(&name, call.span)?;
    match call.args.get(1) {
        Some(default) if value.is_nil() => Ok(default.clone()),
        _ => Ok(value),
    }
}

fn dotenv(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let path = call.string(0)?;
    let from = ev
        .sources
        .get(call.span.source)
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    ev.dotenv(&from, path, call.span, call.name == "dotenv?")
}

fn profile(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(call.value(match &ev.options.profile {
        Some(p) => ValueKind::Keyword(Symbol::new(p.as_str())),
        None => ValueKind::Nil,
    }))
}
