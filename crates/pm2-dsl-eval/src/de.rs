//! A `serde::Deserializer` over [`Value`], so an embedding program can turn a file's
//! value into its own `#[derive(Deserialize)]` types ([`from_value`]).
//!
//! Keywords and symbols read as strings (so `:max-memory` keys fill fields renamed with
//! `#[serde(rename_all = "kebab-case")]`, and `:cluster` fills an enum variant), nil reads
//! as `None` or `()`, vectors, lists and sets as sequences, tagged literals as their value.
//! Errors remember the origin of the value that did not fit.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use miette::{Diagnostic, LabeledSpan, SourceCode};
use pm2_dsl_reader::{Number, Span};

use crate::error::{EvalError, EvalErrorKind};
use crate::value::{Value, ValueKind};

/// Why a value could not be deserialized: serde's error type for the [`Value`]
/// deserializer, holding the [`EvalError`] of kind [`EvalErrorKind::Deserialize`]
/// (`eval::deserialize`) that [`from_value`] returns, labelled at the value that did not
/// fit once its sources are attached.
#[derive(Debug, Clone)]
pub struct DeError(EvalError);

impl DeError {
    /// The error as the pipeline's one error type.
    pub fn into_eval_error(self) -> EvalError {
        self.0
    }

    /// Points the error at `origin` unless an inner value has already.
    fn at(self, origin: Option<Span>) -> DeError {
        match (self.0.span(), origin) {
            (None, Some(_)) => DeError(EvalError::new(self.0.kind().clone(), origin)),
            _ => self,
        }
    }
}

impl From<DeError> for EvalError {
    fn from(e: DeError) -> EvalError {
        e.0
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for DeError {}

/// The inner [`EvalError`]'s report.
impl Diagnostic for DeError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Diagnostic::code(&self.0)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Diagnostic::help(&self.0)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Diagnostic::source_code(&self.0)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Diagnostic::labels(&self.0)
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError(EvalError::new(
            EvalErrorKind::Deserialize {
                message: msg.to_string(),
            },
            None,
        ))
    }
}

/// Deserializes a value into `T`; the error is labelled at the value that did not fit
/// once its sources are attached ([`EvalError::attach_sources`]).
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, EvalError> {
    T::deserialize(value).map_err(DeError::into_eval_error)
}

impl<'de> de::Deserializer<'de> for &'de Value {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let origin = self.origin();
        let result = match self.kind() {
            ValueKind::Nil => visitor.visit_unit(),
            ValueKind::Bool(b) => visitor.visit_bool(*b),
            ValueKind::Number(Number::Int(i)) => visitor.visit_i64(*i),
            ValueKind::Number(Number::BigInt(b)) => {
                match (i64::try_from(b.value()), u64::try_from(b.value())) {
                    (Ok(i), _) => visitor.visit_i64(i),
                    (_, Ok(u)) => visitor.visit_u64(u),
                    _ => visitor.visit_string(b.to_string()),
                }
            }
            ValueKind::Number(Number::Float(f)) => visitor.visit_f64(*f),
            ValueKind::Number(Number::BigDec(d)) => visitor.visit_string(d.to_string()),
            ValueKind::Number(Number::Ratio(r)) => visitor.visit_string(format!("{}/{}", r.0, r.1)),
            ValueKind::Char(c) => visitor.visit_char(*c),
            ValueKind::Str(s) => visitor.visit_borrowed_str(s),
            ValueKind::Keyword(k) | ValueKind::Symbol(k) => visitor.visit_borrowed_str(k.as_str()),
            ValueKind::List(items) | ValueKind::Vector(items) => visitor.visit_seq(Items(items.iter())),
            ValueKind::Set(items) => visitor.visit_seq(Items(items.iter())),
            ValueKind::Map(m) => visitor.visit_map(Entries {
                entries: m.iter(),
                value: None,
            }),
            ValueKind::Tagged(t) => return t.1.deserialize_any(visitor),
            ValueKind::Fn(_) | ValueKind::Ref(_) => {
                return Err(
                    <DeError as de::Error>::custom(format!("a {} is not data", self.type_name())).at(origin),
                );
            }
        };
        result.map_err(|e| e.at(origin))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.kind() {
            ValueKind::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let origin = self.origin();
        match self.kind() {
            ValueKind::Str(s) => visitor.visit_enum(s.as_ref().into_deserializer()),
            ValueKind::Keyword(k) | ValueKind::Symbol(k) => {
                visitor.visit_enum(k.as_str().into_deserializer())
            }
            ValueKind::Map(m) if m.len() == 1 => {
                let (k, v) = m.iter().next().expect("one entry");
                visitor.visit_enum(Variant { key: k, value: v })
            }
            _ => Err(de::Error::custom(format!(
                "expected an enum variant, found a {}",
                self.type_name()
            ))),
        }
        .map_err(|e: DeError| e.at(origin))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct Items<I>(I);

impl<'de, I: Iterator<Item = &'de Value>> SeqAccess<'de> for Items<I> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }
}

struct Entries<'a> {
    entries: indexmap::map::Iter<'a, Value, Value>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a map value was asked for twice"))?;
        seed.deserialize(value)
    }
}

struct Variant<'a> {
    key: &'a Value,
    value: &'a Value,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = DeError;
    type Variant = VariantValue<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantValue<'de>), DeError> {
        Ok((seed.deserialize(self.key)?, VariantValue(self.value)))
    }
}

struct VariantValue<'a>(&'a Value);

impl<'de> de::VariantAccess<'de> for VariantValue<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self.0)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self.0, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self.0, visitor)
    }
}
