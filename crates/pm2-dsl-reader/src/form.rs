//! The syntax tree: [`Form`] (a [`FormKind`] with its [`Span`] and optional metadata) and
//! [`Symbol`] (the text of a symbol, keyword or tag).
//!
//! Equality of forms is value equality in Clojure's sense (`=`): spans and metadata are
//! ignored, lists equal vectors with the same elements, maps and sets compare without
//! regard to order, and numbers compare as [`Number`] does (within their category: `1`
//! equals `1N`, but not `1.0`). [`Form::value_hash`] agrees with it, so forms can key hash sets.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use crate::number::Number;
use crate::source::Span;

/// The text of a symbol or keyword (without the leading `:`), possibly with a namespace
/// (`ns/name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(Arc<str>);

impl Symbol {
    /// A symbol from already validated text.
    pub fn new(text: impl Into<Arc<str>>) -> Symbol {
        Symbol(text.into())
    }

    /// The full text, `ns/name` or `name`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shared text.
    pub fn as_arc(&self) -> &Arc<str> {
        &self.0
    }

    /// The namespace part, if any (`a.b` in `a.b/c`). The symbol `/` has none.
    pub fn namespace(&self) -> Option<&str> {
        self.split().0
    }

    /// The name part (`c` in `a.b/c`).
    pub fn name(&self) -> &str {
        self.split().1
    }

    fn split(&self) -> (Option<&str>, &str) {
        match self.0.find('/') {
            Some(i) if self.0.len() > 1 => (Some(&self.0[..i]), &self.0[i + 1..]),
            _ => (None, &self.0),
        }
    }
}

impl std::fmt::Display for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tagged literal `#tag form`.
#[derive(Clone, Debug)]
pub struct Tagged {
    /// The tag symbol, without `#`.
    pub tag: Symbol,
    /// Where the tag (`#tag`) is written.
    pub tag_span: Span,
    /// The tagged form.
    pub form: Form,
}

/// What a form is.
#[derive(Clone, Debug)]
pub enum FormKind {
    /// `nil`
    Nil,
    /// `true` or `false`
    Bool(bool),
    /// A number: `1`, `1N`, `1.5`, `##Inf`, `1.5M`, `1/3`.
    Number(Number),
    /// A character literal such as `\a` or `\newline`.
    Char(char),
    /// A string.
    Str(Arc<str>),
    /// A symbol.
    Symbol(Symbol),
    /// A keyword; the symbol holds its text without the colon.
    Keyword(Symbol),
    /// `( ... )`; `'x` reads as `(quote x)`.
    List(Box<[Form]>),
    /// `[ ... ]`
    Vector(Box<[Form]>),
    /// `{ ... }` in source order; keys are distinct.
    Map(Box<[(Form, Form)]>),
    /// `#{ ... }` in source order; elements are distinct.
    Set(Box<[Form]>),
    /// `#tag form`
    Tagged(Box<Tagged>),
}

/// A form with the span of its text and the metadata written before it (`^:kw` or
/// `^{...}`, always held as a map form).
#[derive(Clone, Debug)]
pub struct Form {
    /// What the form is.
    pub kind: FormKind,
    /// Where it is written.
    pub span: Span,
    /// Its metadata map, if any was written.
    pub meta: Option<Box<Form>>,
}

impl Form {
    /// A form without metadata.
    pub fn new(kind: FormKind, span: Span) -> Form {
        Form {
            kind,
            span,
            meta: None,
        }
    }

    /// A short name of the form's kind for messages ("vector", "keyword", ...).
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            FormKind::Nil => "nil",
            FormKind::Bool(_) => "boolean",
            FormKind::Number(n) => n.kind_name(),
            FormKind::Char(_) => "character",
            FormKind::Str(_) => "string",
            FormKind::Symbol(_) => "symbol",
            FormKind::Keyword(_) => "keyword",
            FormKind::List(_) => "list",
            FormKind::Vector(_) => "vector",
            FormKind::Map(_) => "map",
            FormKind::Set(_) => "set",
            FormKind::Tagged(_) => "tagged literal",
        }
    }

    /// The keyword's text if this form is a keyword.
    pub fn as_keyword(&self) -> Option<&Symbol> {
        match &self.kind {
            FormKind::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// The symbol if this form is a symbol.
    pub fn as_symbol(&self) -> Option<&Symbol> {
        match &self.kind {
            FormKind::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the metadata map holds `key` with a value other than nil or false
    /// (`^:append [..]` holds `:append true`).
    pub fn has_meta_flag(&self, key: &str) -> bool {
        let Some(meta) = &self.meta else { return false };
        let FormKind::Map(entries) = &meta.kind else {
            return false;
        };
        entries.iter().any(|(k, v)| {
            k.as_keyword().is_some_and(|k| k.as_str() == key)
                && !matches!(v.kind, FormKind::Nil | FormKind::Bool(false))
        })
    }

    /// Clojure `=` between two forms (see the module documentation).
    pub fn equiv(&self, other: &Form) -> bool {
        use FormKind::*;
        match (&self.kind, &other.kind) {
            (Nil, Nil) => true,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Symbol(a), Symbol(b)) | (Keyword(a), Keyword(b)) => a == b,
            (List(a) | Vector(a), List(b) | Vector(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equiv(y))
            }
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .find(|(k2, _)| k.equiv(k2))
                            .is_some_and(|(_, v2)| v.equiv(v2))
                    })
            }
            (Set(a), Set(b)) => a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.equiv(y))),
            (Tagged(a), Tagged(b)) => a.tag == b.tag && a.form.equiv(&b.form),
            _ => false,
        }
    }

    /// A hash that agrees with [`Form::equiv`].
    pub fn value_hash<H: Hasher>(&self, state: &mut H) {
        use FormKind::*;
        match &self.kind {
            Nil => state.write_u8(0),
            Bool(b) => {
                state.write_u8(1);
                b.hash(state)
            }
            Number(n) => n.value_hash(state),
            Char(c) => {
                state.write_u8(6);
                c.hash(state)
            }
            Str(s) => {
                state.write_u8(7);
                s.hash(state)
            }
            Symbol(s) => {
                state.write_u8(8);
                s.hash(state)
            }
            Keyword(s) => {
                state.write_u8(9);
                s.hash(state)
            }
            List(items) | Vector(items) => {
                state.write_u8(10);
                state.write_usize(items.len());
                for item in items {
                    item.value_hash(state);
                }
            }
            Map(entries) => {
                state.write_u8(11);
                state.write_u64(unordered_hash(entries.iter().map(|(k, v)| {
                    let mut h = fixed_hasher();
                    k.value_hash(&mut h);
                    v.value_hash(&mut h);
                    h.finish()
                })));
            }
            Set(items) => {
                state.write_u8(12);
                state.write_u64(unordered_hash(items.iter().map(|item| {
                    let mut h = fixed_hasher();
                    item.value_hash(&mut h);
                    h.finish()
                })));
            }
            Tagged(t) => {
                state.write_u8(13);
                t.tag.hash(state);
                t.form.value_hash(state);
            }
        }
    }
}

impl PartialEq for Form {
    fn eq(&self, other: &Form) -> bool {
        self.equiv(other)
    }
}

fn fixed_hasher() -> impl Hasher {
    foldhash::fast::FixedState::with_seed(0x9e37_79b9).build_hasher()
}

fn unordered_hash(hashes: impl Iterator<Item = u64>) -> u64 {
    hashes.fold(0u64, |acc, h| acc.wrapping_add(h))
}

/// A borrowed form that hashes and compares by value, for duplicate detection.
#[derive(Clone, Copy)]
pub(crate) struct ByValue<'a>(pub &'a Form);

impl Hash for ByValue<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.value_hash(state)
    }
}

impl PartialEq for ByValue<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.equiv(other.0)
    }
}

impl Eq for ByValue<'_> {}

/// Finds every item whose key equals an earlier one: `(first, later)` index pairs, in
/// order, `first` being where the key was first written.
pub(crate) fn duplicates<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a Form) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    if items.len() <= 12 {
        for later in 1..items.len() {
            let later_key = key(&items[later]);
            if let Some(earlier) = (0..later).find(|&e| key(&items[e]).equiv(later_key)) {
                found.push((earlier, later));
            }
        }
        return found;
    }
    let mut seen = std::collections::HashMap::with_capacity_and_hasher(
        items.len(),
        foldhash::fast::FixedState::with_seed(0x51_7cc1),
    );
    for (index, item) in items.iter().enumerate() {
        match seen.get(&ByValue(key(item))) {
            Some(&earlier) => found.push((earlier, index)),
            None => {
                seen.insert(ByValue(key(item)), index);
            }
        }
    }
    found
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_stay_small() {
        // The reader's speed depends on this; a bigger Form is a measurable slowdown.
        assert_eq!(std::mem::size_of::<Form>(), 48);
    }
}
