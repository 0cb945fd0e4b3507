//! `serde::Serialize` for [`Value`]: how data maps to JSON (and any serde format).
//!
//! | EDN | JSON |
//! |---|---|
//! | `nil`, `true`, `false` | `null`, `true`, `false` |
//! | integers | numbers (a big integer beyond 64 bits: a string of its digits) |
//! | floats | numbers (`##NaN` and `##Inf` are an error: JSON has no such numbers) |
//! | big decimals (`1.5M`) | strings of their digits, so no precision is lost |
//! | ratios | numbers (the nearest float) |
//! | strings, characters | strings |
//! | keywords, symbols | strings of their text without the colon: `:a/b` is `"a/b"` |
//! | lists, vectors, sets | arrays (sets in insertion order) |
//! | maps | objects; keys that are strings, keywords or symbols become their text, other keys their EDN text |
//! | tagged literals | `{"tag": "inst", "value": ...}` |
//! | functions, unresolved `#ref`s | an error |
//! | secrets (`#secret`) | `"<secret>"` ([`NullForNonData`], for the files PM2 loads, writes the value) |
//! | other values not shown ([`crate::Hidden`]: read from the environment, a `.env` file, an `#include`) | `"<read from $NAME>"` (the same exception) |

use pm2_dsl_reader::Number;
use serde::ser::{Error, SerializeMap};
use serde::{Serialize, Serializer};

use crate::value::{Hidden, SECRET_JSON, Value, ValueKind};

/// The text a map key takes in a format whose keys are strings.
pub fn key_text(key: &Value) -> String {
    match key.kind() {
        ValueKind::Str(s) => String::from(&**s),
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => k.as_str().to_string(),
        _ => key.to_edn(),
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Node {
            value: self,
            lenient: false,
        }
        .serialize(s)
    }
}

/// A value serialized as [`Value`]'s `Serialize` does, except that what has no JSON form
/// (a non-finite float, a function, an unresolved `#ref`) is written as `null` instead
/// of failing, and secrets are written as they are. For writers of the files PM2 loads,
/// which must not fail on values checked beforehand and must hold the secrets' values.
pub struct NullForNonData<'a>(pub &'a Value);

impl Serialize for NullForNonData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Node {
            value: self.0,
            lenient: true,
        }
        .serialize(s)
    }
}

/// A value, and whether non-data becomes `null` and secrets are written as they are
/// (both for the files PM2 loads).
#[derive(Clone, Copy)]
struct Node<'a> {
    value: &'a Value,
    lenient: bool,
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let node = |value| Node {
            value,
            lenient: self.lenient,
        };
        let value = self.value;
        match value.hidden() {
            Some(_) if self.lenient => {}
            Some(Hidden::Secret) => return s.serialize_str(SECRET_JSON),
            Some(other) => return s.serialize_str(&format!("<{}>", other.describe())),
            None => {}
        }
        match value.kind() {
            ValueKind::Nil => s.serialize_unit(),
            ValueKind::Bool(b) => s.serialize_bool(*b),
            ValueKind::Number(Number::Int(i)) => s.serialize_i64(*i),
            ValueKind::Number(Number::BigInt(b)) => {
                match (i64::try_from(b.value()), u64::try_from(b.value())) {
                    (Ok(i), _) => s.serialize_i64(i),
                    (_, Ok(u)) => s.serialize_u64(u),
                    _ => s.serialize_str(&b.to_string()),
                }
            }
            ValueKind::Number(Number::Float(f)) if f.is_finite() => s.serialize_f64(*f),
            ValueKind::Number(Number::BigDec(d)) => s.serialize_str(&d.to_string()),
            ValueKind::Number(Number::Ratio(r)) => {
                let (n, d) = (&r.0, &r.1);
                let value = n.to_string().parse::<f64>().unwrap_or(f64::NAN)
                    / d.to_string().parse::<f64>().unwrap_or(f64::NAN);
                s.serialize_f64(value)
            }
            ValueKind::Char(c) => s.serialize_char(*c),
            ValueKind::Str(x) => s.serialize_str(x),
            ValueKind::Keyword(k) | ValueKind::Symbol(k) => s.serialize_str(k.as_str()),
            ValueKind::List(items) | ValueKind::Vector(items) => s.collect_seq(items.iter().map(node)),
            ValueKind::Set(items) => s.collect_seq(items.iter().map(node)),
            ValueKind::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m.iter() {
                    map.serialize_entry(&key_text(k), &node(v))?;
                }
                map.end()
            }
            ValueKind::Tagged(t) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("tag", t.0.as_str())?;
                map.serialize_entry("value", &node(&t.1))?;
                map.end()
            }
            _ if self.lenient => s.serialize_unit(),
            ValueKind::Number(Number::Float(_)) => Err(S::Error::custom(format!(
                "{} has no JSON representation",
                value.to_edn_short()
            ))),
            ValueKind::Fn(f) => Err(S::Error::custom(format!(
                "the function `{}` is not data",
                f.name()
            ))),
            ValueKind::Ref(_) => Err(S::Error::custom("an unresolved #ref is not data")),
        }
    }
}
