//! Built-in functions: the table, the argument helpers they share ([`Call`]), the
//! conversions several of them and the tags use (`elements`, `str_of`, `format`), and
//! the budgeted constructors every built-in makes its results with ([`TextOut`],
//! [`Evaluator::new_vector`]), so that what a program builds is charged to
//! [`crate::Limits::max_bytes`] (before it is built, where its size is known).
//! The functions themselves live in `coll` (collections), `text` (strings and names),
//! `math` (numbers and comparison), `logic` (predicates, `env`, `profile`) and `dsl`
//! (the original pm2-clj's `pm2-clj.dsl/compose` and `pm2-clj.dsl/app`).

mod coll;
mod dsl;
mod logic;
mod math;
mod text;

use std::collections::HashMap;

use foldhash::fast::FixedState;
use std::sync::{Arc, LazyLock};

use pm2_dsl_reader::{Number, Span};

use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::value::{Map, Seq, Value, ValueKind, seq_bytes};

pub(crate) use coll::charge_map;
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
        dsl::FUNCTIONS,
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
            ValueKind::Number(Number::Int(n)) => Ok(*n),
            _ => Err(self.type_error(i, "an integer")),
        }
    }

    /// A vector made by this call (its caller charged for it).
    pub(crate) fn vector(&self, items: impl IntoIterator<Item = Value>) -> Value {
        self.value(ValueKind::Vector(Arc::new(items.into_iter().collect::<Seq>())))
    }

    /// Argument `i`'s elements (see [`elements`]).
    pub(crate) fn elements(&self, i: usize) -> Result<Elements<'_>, EvalError> {
        elements(&self.args[i]).ok_or_else(|| self.type_error(i, "a collection"))
    }

    /// Argument `i`'s elements, collected.
    pub(crate) fn seq(&self, i: usize) -> Result<Vec<Value>, EvalError> {
        Ok(self.elements(i)?.collect())
    }
}

impl Evaluator {
    /// A vector of `items` made by `call`, charged per element.
    pub(crate) fn new_vector(
        &mut self,
        call: &Call,
        items: impl IntoIterator<Item = Value>,
    ) -> Result<Value, EvalError> {
        let items: Seq = items.into_iter().collect();
        self.charge(seq_bytes(items.len()), call.span)?;
        Ok(call.value(ValueKind::Vector(Arc::new(items))))
    }

    /// Room for text a built-in writes: what is left of the data budget.
    pub(crate) fn text_out(&self) -> TextOut {
        TextOut::with_room(self.bytes_left())
    }

    /// The string `out` holds, made at `span` and charged to the budget; or the budget's
    /// error when the text did not fit.
    pub(crate) fn finish_text(&mut self, out: Result<TextOut, Full>, span: Span) -> Result<Value, EvalError> {
        let Ok(out) = out else {
            return Err(self.out_of_bytes(span));
        };
        self.charge(out.text.len() as u64, span)?;
        Ok(Value::new(ValueKind::Str(out.text.into()), Some(span)).hidden_as(out.hidden.as_ref()))
    }
}

/// Text being written by a built-in, with the room the data budget leaves for it.
pub(crate) struct TextOut {
    text: String,
    room: u64,
    /// The strongest mark of what went into the text (which the text carries).
    hidden: Option<std::sync::Arc<crate::value::Hidden>>,
}

/// The text did not fit in what is left of the data budget.
#[derive(Debug)]
pub(crate) struct Full;

impl TextOut {
    /// An empty text with room for `room` bytes.
    pub(crate) fn with_room(room: u64) -> TextOut {
        TextOut {
            text: String::new(),
            room,
            hidden: None,
        }
    }

    /// Appends `s`, or fails when it does not fit.
    pub(crate) fn push(&mut self, s: &str) -> Result<(), Full> {
        if (self.text.len() + s.len()) as u64 > self.room {
            return Err(Full);
        }
        self.text.push_str(s);
        Ok(())
    }

    /// Appends `c` `n` times, or fails when it does not fit.
    pub(crate) fn repeat(&mut self, c: char, n: usize) -> Result<(), Full> {
        if (self.text.len() + n * c.len_utf8()) as u64 > self.room {
            return Err(Full);
        }
        self.text.extend(std::iter::repeat_n(c, n));
        Ok(())
    }

    /// Appends [`str_of`]`(value)`, or fails when it does not fit (printing a collection
    /// no further than the room left).
    pub(crate) fn push_value(&mut self, value: &Value) -> Result<(), Full> {
        let room = self.room.saturating_sub(self.text.len() as u64);
        self.hidden = crate::value::Hidden::stronger(self.hidden.take(), value.hidden_within().as_ref());
        match value.kind() {
            ValueKind::Str(s) => self.push(s),
            ValueKind::List(_)
            | ValueKind::Vector(_)
            | ValueKind::Map(_)
            | ValueKind::Set(_)
            | ValueKind::Tagged(_) => {
                let room = usize::try_from(room).unwrap_or(usize::MAX);
                // The text holds what the values are (it is hidden itself when they are).
                let text = pm2_dsl_reader::to_compact_within(&value.revealed(), room).ok_or(Full)?;
                self.push(&text)
            }
            _ => self.push(&str_of(value)),
        }
    }

    /// The text so far.
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }
}

/// The elements of a collection as Clojure's `seq` sees them: vectors, lists and sets
/// give their elements, maps their entries as `[k v]` vectors, strings their characters,
/// nil nothing. Other values have no elements (`None`). Lazy: taking the first element
/// of a large collection costs one element.
pub(crate) fn elements(value: &Value) -> Option<Elements<'_>> {
    Some(match value.kind() {
        ValueKind::Nil => Elements::Seq(None),
        ValueKind::List(s) | ValueKind::Vector(s) => Elements::Seq(Some(s.iter())),
        ValueKind::Set(s) => Elements::Set(s.iter()),
        ValueKind::Map(m) => Elements::Map(m.iter()),
        ValueKind::Str(s) => Elements::Chars(s.chars(), value.origin(), value.hidden_arc()),
        _ => return None,
    })
}

/// The elements of one collection (see [`elements`]).
pub(crate) enum Elements<'a> {
    Seq(Option<<&'a Seq as IntoIterator>::IntoIter>),
    Set(indexmap::set::Iter<'a, Value>),
    Map(indexmap::map::Iter<'a, Value, Value>),
    /// A string's characters, with its origin and its mark.
    Chars(
        std::str::Chars<'a>,
        Option<Span>,
        Option<&'a std::sync::Arc<crate::value::Hidden>>,
    ),
}

impl Iterator for Elements<'_> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Elements::Seq(items) => items.as_mut()?.next().cloned(),
            Elements::Set(items) => items.next().cloned(),
            Elements::Map(entries) => entries
                .next()
                .map(|(k, v)| Value::vector([k.clone(), v.clone()]).with_origin(v.origin())),
            Elements::Chars(chars, origin, secret) => chars
                .next()
                .map(|c| Value::new(ValueKind::Char(c), *origin).hidden_as(*secret)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Elements::Seq(items) => items.as_ref().map_or((0, Some(0)), |i| i.size_hint()),
            Elements::Set(items) => items.size_hint(),
            Elements::Map(entries) => entries.size_hint(),
            Elements::Chars(chars, ..) => chars.size_hint(),
        }
    }
}

/// The elements of a collection, collected (see [`elements`]).
pub(crate) fn seq_items(value: &Value) -> Option<Vec<Value>> {
    elements(value).map(Iterator::collect)
}
