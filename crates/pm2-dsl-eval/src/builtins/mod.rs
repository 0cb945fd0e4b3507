//! Built-in functions: the table, the argument helpers they share ([`Call`]), and the
//! conversions several of them and the tags use (`seq_items`, `str_of`, `format`).
//! The functions themselves live in `coll` (collections), `text` (strings and names),
//! `math` (numbers and comparison) and `logic` (predicates, `env`, `profile`).

mod coll;
mod logic;
mod math;
mod text;

use std::collections::HashMap;

use foldhash::fast::FixedState;
use std::sync::{Arc, LazyLock};

use pm2_dsl_reader::Span;

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::value::{Map, Seq, Value, ValueKind};

pub(crate) use text::{format, str_of};

/// A built-in function.
pub(crate) struct Builtin {
    pub name: &'static str,
    /// How it is called, as in `(get map key default?)`.
    pub usage: &'static str,
    /// What it does, for hover text and the README.
    pub doc: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments (`None`: any number).
    pub max: Option<usize>,
    pub call: fn(&mut Evaluator, Call) -> Result<Value, EvalError>,
}

impl Builtin {
    pub(crate) fn check_arity(&self, got: usize, span: Span) -> Result<(), EvalError> {
        if got >= self.min && self.max.is_none_or(|m| got <= m) {
            return Ok(());
        }
        let expected = match self.max {
            Some(max) if max == self.min => max.to_string(),
            Some(max) if max == self.min + 1 => format!("{} or {max}", self.min),
            Some(max) => format!("{} to {max}", self.min),
            None => format!("at least {}", self.min),
        };
        Err(EvalError::new(
            EvalErrorKind::Arity {
                function: self.name.to_string(),
                expected,
                got,
            },
            Some(span),
        ))
    }
}

/// Shorthand for table entries (the doc follows with [`Builtin::doc`]).
pub(crate) const fn builtin(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    call: fn(&mut Evaluator, Call) -> Result<Value, EvalError>,
) -> Builtin {
    Builtin {
        name,
        usage: "",
        doc: "",
        min,
        max,
        call,
    }
}

impl Builtin {
    /// The entry with its usage and doc.
    pub(crate) const fn doc(self, usage: &'static str, doc: &'static str) -> Builtin {
        Builtin { usage, doc, ..self }
    }
}

static TABLE: LazyLock<HashMap<&'static str, &'static Builtin, FixedState>> =
    LazyLock::new(|| all().map(|b| (b.name, b)).collect());

/// The built-in named `name`.
pub(crate) fn lookup(name: &str) -> Option<&'static Builtin> {
    TABLE.get(name).copied()
}

/// The names of all built-ins.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    all().map(|b| b.name)
}

/// Every built-in, in table order.
pub(crate) fn all() -> impl Iterator<Item = &'static Builtin> {
    [
        coll::FUNCTIONS,
        text::FUNCTIONS,
        math::FUNCTIONS,
        logic::FUNCTIONS,
    ]
    .into_iter()
    .flatten()
}

/// The arguments of one call, with helpers that check their types.
pub(crate) struct Call {
    pub name: &'static str,
    pub args: Vec<Value>,
    pub span: Span,
}

impl Call {
    pub(crate) fn new(name: &'static str, args: Vec<Value>, span: Span) -> Call {
        Call { name, args, span }
    }

    /// A value made by this call.
    pub(crate) fn value(&self, kind: ValueKind) -> Value {
        Value::new(kind, Some(self.span))
    }

    /// A type error for argument `i`, labelled on that argument's text when known.
    pub(crate) fn type_error(&self, i: usize, expected: &str) -> EvalError {
        let arg = &self.args[i];
        EvalError::new(
            EvalErrorKind::Type {
                function: self.name.to_string(),
                expected: expected.to_string(),
                actual: arg.type_name().to_string(),
            },
            arg.origin()
                .filter(|o| o.source == self.span.source)
                .or(Some(self.span)),
        )
    }

    /// Argument `i` as a map; nil reads as an empty map.
    pub(crate) fn map(&self, i: usize) -> Result<Map, EvalError> {
        match self.args[i].kind() {
            ValueKind::Map(m) => Ok(m.clone()),
            ValueKind::Nil => Ok(Map::new()),
            _ => Err(self.type_error(i, "a map")),
        }
    }

    /// Argument `i` as a string.
    pub(crate) fn string(&self, i: usize) -> Result<&str, EvalError> {
        self.args[i]
            .as_str()
            .ok_or_else(|| self.type_error(i, "a string"))
    }

    /// Argument `i` as a 64-bit integer.
    pub(crate) fn int(&self, i: usize) -> Result<i64, EvalError> {
        match self.args[i].kind() {
            ValueKind::Int(n) => Ok(*n),
            _ => Err(self.type_error(i, "an integer")),
        }
    }

    /// Argument `i` as a sequence of elements (see [`seq_items`]).
    pub(crate) fn seq(&self, i: usize) -> Result<Vec<Value>, EvalError> {
        seq_items(&self.args[i]).ok_or_else(|| self.type_error(i, "a collection"))
    }

    /// A vector made by this call.
    pub(crate) fn vector(&self, items: impl IntoIterator<Item = Value>) -> Value {
        self.value(ValueKind::Vector(Arc::new(items.into_iter().collect::<Seq>())))
    }
}

/// The elements of a collection as Clojure's `seq` sees them: vectors, lists and sets
/// give their elements, maps their entries as `[k v]` vectors, strings their characters,
/// nil nothing. Other values have no elements (`None`).
pub(crate) fn seq_items(value: &Value) -> Option<Vec<Value>> {
    Some(match value.kind() {
        ValueKind::Nil => Vec::new(),
        ValueKind::List(s) | ValueKind::Vector(s) => s.iter().cloned().collect(),
        ValueKind::Set(s) => s.iter().cloned().collect(),
        ValueKind::Map(m) => m
            .iter()
            .map(|(k, v)| Value::vector([k.clone(), v.clone()]).with_origin(v.origin()))
            .collect(),
        ValueKind::Str(s) => s
            .chars()
            .map(|c| Value::new(ValueKind::Char(c), value.origin()))
            .collect(),
        _ => return None,
    })
}
