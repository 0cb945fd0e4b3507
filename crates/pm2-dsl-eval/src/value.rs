//! [`Value`]: the pure data a program evaluates to, with persistent collections and the
//! origin (source span) of every value.
//!
//! Vectors and lists are `imbl` vectors; maps and sets keep insertion order (`indexmap`
//! behind an `Arc`, copied on write), so output order equals source order. Equality is
//! Clojure's `=`: origins and merge markers are ignored, lists equal vectors with the
//! same elements, maps and sets compare without regard to order, numbers compare as
//! [`Number`] does (the same type and rule as in forms).

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use foldhash::fast::FixedState;
use indexmap::{Equivalent, IndexMap, IndexSet};
use pm2_dsl_reader::{Atom, Delim, Edn, Form, FormKind, Node, Number, Span, Symbol};

use crate::function::Function;

/// What a secret prints as in EDN, inside `#secret "..."`.
pub const SECRET_EDN: &str = "•••";

/// What a secret serializes as (JSON).
pub const SECRET_JSON: &str = "<secret>";

/// Where a value that pm2-clj does not show came from. The one rule of what is shown:
/// a value marked `#secret`, read from the environment (`#env`, `#env!`, `(env ...)`,
/// `#envf`, and `#or` when it chose such a value), from a `.env` file (`#dotenv`) or from
/// an `#include`d file — and everything computed from one — is shown by diagnostics (in
/// every format), hovers, pre-flight, status and watch lines as a description
/// ([`Hidden::describe`]), never as its text. `eval` shows what is not `#secret` (showing
/// data is its job); only the files PM2 loads hold every value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// Marked `#secret`.
    Secret,
    /// Read from the environment variable of this name.
    Env(Arc<str>),
    /// Read from this `.env` file.
    Dotenv(Arc<str>),
    /// The value of this `#include`d file.
    Include(Arc<str>),
}

impl Hidden {
    /// How the value is shown instead of itself: `•••` for a secret, else where it was
    /// read from (`read from $DB_PASSWORD`).
    pub fn describe(&self) -> String {
        match self {
            Hidden::Secret => SECRET_EDN.to_string(),
            Hidden::Env(name) => format!("read from ${name}"),
            Hidden::Dotenv(file) => format!("read from {}", short_name(file)),
            Hidden::Include(file) => format!("read from {}", short_name(file)),
        }
    }

    /// Which of two marks a value made from both carries: a secret over the others.
    fn rank(&self) -> u8 {
        match self {
            Hidden::Secret => 3,
            Hidden::Env(_) => 2,
            Hidden::Dotenv(_) => 1,
            Hidden::Include(_) => 0,
        }
    }

    /// The stronger of two marks (see [`Hidden::rank`]); the first when equal.
    pub(crate) fn stronger(a: Option<Arc<Hidden>>, b: Option<&Arc<Hidden>>) -> Option<Arc<Hidden>> {
        match (a, b) {
            (Some(a), Some(b)) if b.rank() > a.rank() => Some(b.clone()),
            (Some(a), _) => Some(a),
            (None, b) => b.cloned(),
        }
    }
}

/// A file's name without its folders (a path may say more than the file does).
fn short_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A persistent sequence (the contents of a list or vector).
pub type Seq = imbl::Vector<Value>;

const HASH_SEED: u64 = 0x7e57_da7a;

/// A value's origin: where in which source text it was written or computed.
pub type Origin = Option<Span>;

/// Merge markers carried from `^:append`, `^:prepend`, `^:replace` and `^:displace`
/// metadata (see `deep-merge`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeMarkers(u8);

impl MergeMarkers {
    /// `^:append`: concatenate after the left vector.
    pub const APPEND: MergeMarkers = MergeMarkers(1);
    /// `^:prepend`: concatenate before the left vector.
    pub const PREPEND: MergeMarkers = MergeMarkers(2);
    /// `^:replace`: take the right value as is.
    pub const REPLACE: MergeMarkers = MergeMarkers(4);
    /// `^:displace`: a left value that any right value replaces whole.
    pub const DISPLACE: MergeMarkers = MergeMarkers(8);

    /// Whether every marker of `other` is set.
    pub fn contains(self, other: MergeMarkers) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Both sets of markers.
    pub fn union(self, other: MergeMarkers) -> MergeMarkers {
        MergeMarkers(self.0 | other.0)
    }

    /// The markers a form's metadata asks for.
    pub fn of_form(form: &Form) -> MergeMarkers {
        [
            ("append", MergeMarkers::APPEND),
            ("prepend", MergeMarkers::PREPEND),
            ("replace", MergeMarkers::REPLACE),
            ("displace", MergeMarkers::DISPLACE),
        ]
        .into_iter()
        .filter(|(flag, _)| form.has_meta_flag(flag))
        .fold(MergeMarkers::default(), |acc, (_, m)| acc.union(m))
    }
}

/// What a value is.
#[derive(Clone)]
pub enum ValueKind {
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// A number: `1`, `42N`, `1.5`, `1.5M`, `1/3`.
    Number(Number),
    /// A character.
    Char(char),
    /// A string.
    Str(Arc<str>),
    /// A symbol (only as quoted data).
    Symbol(Symbol),
    /// A keyword (its text without the colon).
    Keyword(Symbol),
    /// A list.
    List(Arc<Seq>),
    /// A vector.
    Vector(Arc<Seq>),
    /// A map in insertion order.
    Map(Map),
    /// A set in insertion order.
    Set(Set),
    /// A tagged literal kept as data (`#inst "..."`, `#uuid "..."`).
    Tagged(Arc<(Symbol, Value)>),
    /// A function. Exists during evaluation only: a function in a file's result is an error.
    Fn(Function),
    /// An unresolved `#ref [path]`. Exists during evaluation only: references are
    /// resolved against the file's result when the file is done.
    Ref(Arc<[Value]>),
}

/// A value with its origin and merge markers.
///
/// Every value also knows its [weight](Value::weight) (the bytes it would take with
/// nothing shared) and its [depth](Value::depth) (how deeply collections nest in it), so
/// limits can refuse a value that stands for too much data before anything walks it.
#[derive(Clone)]
pub struct Value {
    kind: ValueKind,
    origin: Origin,
    markers: MergeMarkers,
    /// Where it came from when it is not to be shown (see [`Hidden`]).
    hidden: Option<Arc<Hidden>>,
    weight: u32,
    depth: u16,
    /// Whether an unresolved `#ref` is in it, itself or below (in what was padding).
    refs: bool,
}

/// The weight of one value node before its contents: the size of a [`Value`].
pub(crate) const NODE: u64 = std::mem::size_of::<Value>() as u64;

/// The memory a new vector, list or set of `len` elements takes, roughly: its elements,
/// and the storage around them (the shared header, a partly filled chunk).
pub(crate) fn seq_bytes(len: usize) -> u64 {
    (len as u64 + 4) * NODE
}

/// The memory a new map of `len` entries takes, roughly: a key, a value and an index
/// slot per entry, and the storage around them.
pub(crate) fn map_bytes(len: usize) -> u64 {
    (3 * len as u64 + 4) * NODE
}

/// A value's weight and depth.
#[derive(Clone, Copy, Default)]
pub(crate) struct Size {
    pub weight: u64,
    pub depth: u32,
    /// Whether an unresolved `#ref` is in it.
    pub refs: bool,
}

impl Size {
    /// The size of a node holding `children`, with `payload` bytes of its own.
    fn of_node<'a>(payload: u64, children: impl Iterator<Item = &'a Value>) -> Size {
        children.fold(
            Size {
                weight: NODE.saturating_add(payload),
                depth: 0,
                refs: false,
            },
            |acc, child| acc.with(child),
        )
    }

    /// This size with one more child.
    pub fn with(self, child: &Value) -> Size {
        Size {
            weight: self.weight.saturating_add(child.weight()),
            depth: self.depth.max(child.depth().saturating_add(1)),
            refs: self.refs || child.refs,
        }
    }

    /// The size of a node of `kind`.
    fn of(kind: &ValueKind) -> Size {
        let none = std::iter::empty();
        match kind {
            ValueKind::Str(s) => Size::of_node(s.len() as u64, none),
            ValueKind::Symbol(s) | ValueKind::Keyword(s) => Size::of_node(s.as_str().len() as u64, none),
            ValueKind::Number(Number::BigInt(b)) => Size::of_node(b.bits() / 8, none),
            ValueKind::Number(Number::BigDec(d)) => Size::of_node(d.as_bigint_and_scale().0.bits() / 8, none),
            ValueKind::Number(Number::Ratio(r)) => Size::of_node((r.0.bits() + r.1.bits()) / 8, none),
            ValueKind::List(items) | ValueKind::Vector(items) => Size::of_node(0, items.iter()),
            ValueKind::Map(m) => Size::of_node(0, m.iter().flat_map(|(k, v)| [k, v])),
            ValueKind::Set(s) => Size::of_node(0, s.iter()),
            ValueKind::Tagged(t) => Size::of_node(t.0.as_str().len() as u64, std::iter::once(&t.1)),
            ValueKind::Ref(path) => Size {
                refs: true,
                ..Size::of_node(0, path.iter())
            },
            ValueKind::Nil
            | ValueKind::Bool(_)
            | ValueKind::Number(Number::Int(_))
            | ValueKind::Number(Number::Float(_))
            | ValueKind::Char(_)
            | ValueKind::Fn(_) => Size::of_node(0, none),
        }
    }
}

/// What [`Value::remarked`] does to each mark: the new mark for an old one.
type Remark<'a> = dyn Fn(Option<&Arc<Hidden>>) -> Option<Arc<Hidden>> + 'a;

impl Value {
    /// A value of `kind` that came from `origin`. (Its weight is the sum of its
    /// elements', so this takes time in proportion to a collection's length.)
    pub fn new(kind: ValueKind, origin: Origin) -> Value {
        let size = Size::of(&kind);
        Value::sized(kind, origin, size)
    }

    /// A value whose size is known (a collection grown by a few elements).
    pub(crate) fn sized(kind: ValueKind, origin: Origin, size: Size) -> Value {
        Value {
            kind,
            origin,
            markers: MergeMarkers::default(),
            hidden: None,
            weight: u32::try_from(size.weight).unwrap_or(u32::MAX),
            depth: u16::try_from(size.depth).unwrap_or(u16::MAX),
            refs: size.refs,
        }
    }

    /// The bytes this value would take with no part shared: the size of every node, plus
    /// the text of strings and names (saturating at 4 GiB). A value built by sharing one
    /// part many times weighs every use. Evaluation limits check it
    /// ([`crate::Limits::max_bytes`]).
    pub fn weight(&self) -> u64 {
        u64::from(self.weight)
    }

    /// Whether an unresolved `#ref` is in this value, itself or anywhere below: when not,
    /// resolving references has nothing to do.
    pub(crate) fn holds_refs(&self) -> bool {
        self.refs
    }

    /// How deeply collections nest in this value: 0 for a scalar, 1 for `[1 2]`, 2 for
    /// `[[1]]` (saturating at 65,535).
    pub fn depth(&self) -> u32 {
        u32::from(self.depth)
    }

    /// The value's size (weight and depth).
    pub(crate) fn size(&self) -> Size {
        Size {
            weight: self.weight(),
            depth: self.depth(),
            refs: self.refs,
        }
    }

    /// `nil` with no origin.
    pub fn nil() -> Value {
        Value::new(ValueKind::Nil, None)
    }

    /// A string with no origin.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::new(ValueKind::Str(s.into()), None)
    }

    /// A keyword with no origin, from its text without the colon.
    pub fn keyword(name: impl Into<Arc<str>>) -> Value {
        Value::new(ValueKind::Keyword(Symbol::new(name)), None)
    }

    /// An integer with no origin.
    pub fn int(i: i64) -> Value {
        Value::new(ValueKind::Number(Number::Int(i)), None)
    }

    /// A boolean with no origin.
    pub fn bool(b: bool) -> Value {
        Value::new(ValueKind::Bool(b), None)
    }

    /// A vector with no origin.
    pub fn vector(items: impl IntoIterator<Item = Value>) -> Value {
        Value::new(ValueKind::Vector(Arc::new(items.into_iter().collect())), None)
    }

    /// A map with no origin.
    pub fn map(map: Map) -> Value {
        Value::new(ValueKind::Map(map), None)
    }

    /// What the value is.
    pub fn kind(&self) -> &ValueKind {
        &self.kind
    }

    /// Takes the value apart.
    pub fn into_kind(self) -> ValueKind {
        self.kind
    }

    /// Where the value was written or computed, if known.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The same value with another origin.
    pub fn with_origin(mut self, origin: Origin) -> Value {
        self.origin = origin;
        self
    }

    /// The same value with another kind, keeping its origin, markers and mark: for a
    /// later stage that writes a scalar another way (`1600.0M` as the number `1600`),
    /// which stays secret if it was.
    pub fn with_kind(&self, kind: ValueKind) -> Value {
        let size = Size::of(&kind);
        Value {
            kind,
            weight: u32::try_from(size.weight).unwrap_or(u32::MAX),
            depth: u16::try_from(size.depth).unwrap_or(u16::MAX),
            refs: size.refs,
            ..self.clone()
        }
    }

    /// The same value with an origin if it has none yet.
    pub fn or_origin(mut self, origin: Origin) -> Value {
        if self.origin.is_none() {
            self.origin = origin;
        }
        self
    }

    /// The merge markers this value carries.
    pub fn markers(&self) -> MergeMarkers {
        self.markers
    }

    /// The same value with these markers.
    pub fn with_markers(mut self, markers: MergeMarkers) -> Value {
        self.markers = markers;
        self
    }

    /// Whether the value is marked secret (`#secret`). A secret prints as
    /// `#secret "•••"` in EDN and as `"<secret>"` through [`serde::Serialize`]; only
    /// [`crate::NullForNonData`], which writes the files PM2 loads, and
    /// [`Value::revealed`] give it away.
    pub fn is_secret(&self) -> bool {
        matches!(self.hidden.as_deref(), Some(Hidden::Secret))
    }

    /// Where the value came from, when it is not to be shown (see [`Hidden`]).
    pub fn hidden(&self) -> Option<&Hidden> {
        self.hidden.as_deref()
    }

    /// Whether the value, or any value inside it, is secret.
    pub fn contains_secret(&self) -> bool {
        self.hidden_within().is_some_and(|h| *h == Hidden::Secret)
    }

    /// Whether the value, or any value inside it, is not to be shown.
    pub fn contains_hidden(&self) -> bool {
        self.hidden_within().is_some()
    }

    /// The strongest mark of the value and the values inside it (map keys aside): what a
    /// text made from it (`str`, `format`) carries. Each shared part is looked at once.
    pub(crate) fn hidden_within(&self) -> Option<Arc<Hidden>> {
        fn walk(v: &Value, seen: &mut std::collections::HashSet<usize>, acc: &mut Option<Arc<Hidden>>) {
            *acc = Hidden::stronger(acc.take(), v.hidden.as_ref());
            if acc.as_deref() == Some(&Hidden::Secret) {
                return;
            }
            if let Some(id) = v.shared_id()
                && !seen.insert(id)
            {
                return;
            }
            for child in v.children() {
                walk(child, seen, acc);
            }
        }
        let mut acc = None;
        walk(self, &mut std::collections::HashSet::new(), &mut acc);
        acc
    }

    /// How the value is shown in messages: a string as its text, anything else as EDN cut
    /// to about 80 bytes — and a value not to be shown as [`Hidden::describe`] says.
    pub fn shown(&self) -> String {
        match (&self.hidden, &self.kind) {
            (Some(h), _) => h.describe(),
            (None, ValueKind::Str(s)) => String::from(&**s),
            _ => self.to_edn_short(),
        }
    }

    /// The value marked secret, and every value inside it (map keys aside: the names of
    /// a secret map's entries are not secret, so `(merge #secret m {...})` shows its
    /// keys but not its values).
    pub fn into_secret(self) -> Value {
        self.into_hidden(&Arc::new(Hidden::Secret))
    }

    /// The value marked `hidden`, and every value inside it (map keys aside), unless a
    /// stronger mark is there already.
    pub fn into_hidden(self, hidden: &Arc<Hidden>) -> Value {
        self.remarked(&|h| Hidden::stronger(Some(hidden.clone()), h))
    }

    /// The value with no secret marks anywhere, for showing it on purpose
    /// (`eval --show-secrets`).
    pub fn revealed(&self) -> Value {
        if !self.contains_hidden() {
            return self.clone();
        }
        self.remarked(&|_| None)
    }

    /// The value with every mark but `#secret` taken off: what `eval` shows (it shows
    /// data; only secrets stay hidden).
    pub fn unhidden(&self) -> Value {
        if !self.contains_hidden() {
            return self.clone();
        }
        self.remarked(&|h| h.filter(|h| ***h == Hidden::Secret).cloned())
    }

    /// The value with each mark (its own and those of the values inside it, map keys
    /// aside) replaced by what `mark` gives for it. A part shared by many places is
    /// remarked once and stays shared: a value built by sharing one part many times
    /// (an `#include` diamond) costs its distinct parts, not its uses.
    fn remarked(&self, mark: &Remark<'_>) -> Value {
        fn walk(v: &Value, mark: &Remark<'_>, done: &mut std::collections::HashMap<usize, Value>) -> Value {
            let shared = v.shared_id();
            if let Some(id) = shared
                && let Some(again) = done.get(&id)
            {
                return Value {
                    origin: v.origin,
                    markers: v.markers,
                    hidden: mark(v.hidden.as_ref()),
                    ..again.clone()
                };
            }
            let kind = match &v.kind {
                ValueKind::List(items) => {
                    ValueKind::List(Arc::new(items.iter().map(|x| walk(x, mark, done)).collect()))
                }
                ValueKind::Vector(items) => {
                    ValueKind::Vector(Arc::new(items.iter().map(|x| walk(x, mark, done)).collect()))
                }
                ValueKind::Map(m) => {
                    ValueKind::Map(m.iter().map(|(k, x)| (k.clone(), walk(x, mark, done))).collect())
                }
                ValueKind::Set(set) => ValueKind::Set(set.iter().map(|x| walk(x, mark, done)).collect()),
                ValueKind::Tagged(t) => ValueKind::Tagged(Arc::new((t.0.clone(), walk(&t.1, mark, done)))),
                other => other.clone(),
            };
            let out = Value {
                kind,
                hidden: mark(v.hidden.as_ref()),
                ..v.clone()
            };
            if let Some(id) = shared {
                done.insert(id, out.clone());
            }
            out
        }
        walk(self, mark, &mut std::collections::HashMap::new())
    }

    /// The identity of this value's collection, when it has one that can be shared.
    fn shared_id(&self) -> Option<usize> {
        match &self.kind {
            ValueKind::List(items) | ValueKind::Vector(items) => Some(Arc::as_ptr(items) as usize),
            ValueKind::Map(m) => Some(Arc::as_ptr(&m.0) as *const u8 as usize),
            ValueKind::Set(set) => Some(Arc::as_ptr(&set.0) as *const u8 as usize),
            ValueKind::Tagged(t) => Some(Arc::as_ptr(t) as *const u8 as usize),
            _ => None,
        }
    }

    /// The values directly inside this one: elements, map values (not keys), a tagged
    /// literal's value.
    fn children(&self) -> Box<dyn Iterator<Item = &Value> + '_> {
        match &self.kind {
            ValueKind::List(items) | ValueKind::Vector(items) => Box::new(items.iter()),
            ValueKind::Map(m) => Box::new(m.values()),
            ValueKind::Set(s) => Box::new(s.iter()),
            ValueKind::Tagged(t) => Box::new(std::iter::once(&t.1)),
            _ => Box::new(std::iter::empty()),
        }
    }

    /// The same value, marked `hidden` (and every value inside it) when some, else as
    /// it is.
    pub(crate) fn hidden_as(self, hidden: Option<&Arc<Hidden>>) -> Value {
        match hidden {
            Some(h) => self.into_hidden(h),
            None => self,
        }
    }

    /// This value, carrying the mark of `from` (a value computed from `from`: a path
    /// resolved, a map rebuilt without its nils) so it is not shown when `from` is not.
    pub fn hidden_like(self, from: &Value) -> Value {
        self.hidden_as(from.hidden.as_ref())
    }

    /// The mark, shared.
    pub(crate) fn hidden_arc(&self) -> Option<&Arc<Hidden>> {
        self.hidden.as_ref()
    }

    /// Whether the value is `nil` or `false` (Clojure's falsy values).
    pub fn is_falsy(&self) -> bool {
        matches!(self.kind, ValueKind::Nil | ValueKind::Bool(false))
    }

    /// Whether the value is a list, vector, map or set.
    pub fn is_collection(&self) -> bool {
        matches!(
            self.kind,
            ValueKind::List(_) | ValueKind::Vector(_) | ValueKind::Map(_) | ValueKind::Set(_)
        )
    }

    /// Whether the value is `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self.kind, ValueKind::Nil)
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The keyword's text (without colon), if this is a keyword.
    pub fn as_keyword(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::Keyword(k) => Some(k.as_str()),
            _ => None,
        }
    }

    /// The map, if this is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            ValueKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is a list or vector.
    pub fn as_seq(&self) -> Option<&Seq> {
        match &self.kind {
            ValueKind::List(s) | ValueKind::Vector(s) => Some(s),
            _ => None,
        }
    }

    /// The name of the value's type, for messages ("string", "map", ...).
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            ValueKind::Nil => "nil",
            ValueKind::Bool(_) => "boolean",
            ValueKind::Number(n) => n.kind_name(),
            ValueKind::Char(_) => "character",
            ValueKind::Str(_) => "string",
            ValueKind::Symbol(_) => "symbol",
            ValueKind::Keyword(_) => "keyword",
            ValueKind::List(_) => "list",
            ValueKind::Vector(_) => "vector",
            ValueKind::Map(_) => "map",
            ValueKind::Set(_) => "set",
            ValueKind::Tagged(_) => "tagged literal",
            ValueKind::Fn(_) => "function",
            ValueKind::Ref(_) => "#ref",
        }
    }

    /// The value as data from a form, as `quote` gives it: symbols stay symbols, metadata
    /// merge markers are kept, and every value's origin is its form's span.
    pub fn from_form(form: &Form) -> Value {
        let origin = Some(form.span);
        let seq = |items: &[Form]| Arc::new(items.iter().map(Value::from_form).collect::<Seq>());
        let kind = match &form.kind {
            FormKind::Nil => ValueKind::Nil,
            FormKind::Bool(b) => ValueKind::Bool(*b),
            FormKind::Number(n) => ValueKind::Number(n.clone()),
            FormKind::Char(c) => ValueKind::Char(*c),
            FormKind::Str(s) => ValueKind::Str(s.clone()),
            FormKind::Symbol(s) => ValueKind::Symbol(s.clone()),
            FormKind::Keyword(k) => ValueKind::Keyword(k.clone()),
            FormKind::List(items) => ValueKind::List(seq(items)),
            FormKind::Vector(items) => ValueKind::Vector(seq(items)),
            FormKind::Map(entries) => ValueKind::Map(
                entries
                    .iter()
                    .map(|(k, v)| (Value::from_form(k), Value::from_form(v)))
                    .collect(),
            ),
            FormKind::Set(items) => ValueKind::Set(items.iter().map(Value::from_form).collect()),
            FormKind::Tagged(t) => ValueKind::Tagged(Arc::new((t.tag.clone(), Value::from_form(&t.form)))),
        };
        Value::new(kind, origin).with_markers(MergeMarkers::of_form(form))
    }

    /// The value printed as one line of EDN. Functions print as `#function "name"`,
    /// unresolved references as `#ref [...]`, secrets as `#secret "•••"` and other
    /// values not to be shown as `#hidden "read from $NAME"`.
    pub fn to_edn(&self) -> String {
        pm2_dsl_reader::to_compact(self)
    }

    /// The value printed as EDN within `width` columns where possible.
    pub fn to_edn_pretty(&self, width: usize) -> String {
        pm2_dsl_reader::to_pretty(self, width)
    }

    /// The value printed as one line of EDN, cut to about 80 bytes: for messages, which
    /// must stay short however large the value is.
    pub fn to_edn_short(&self) -> String {
        pm2_dsl_reader::to_compact_cut(self, 80)
    }

    /// The first function or unresolved reference inside the value, if any.
    pub fn find_non_data(&self) -> Option<&Value> {
        match &self.kind {
            ValueKind::Fn(_) | ValueKind::Ref(_) => Some(self),
            ValueKind::List(items) | ValueKind::Vector(items) => items.iter().find_map(Value::find_non_data),
            ValueKind::Map(m) => m
                .iter()
                .find_map(|(k, v)| k.find_non_data().or_else(|| v.find_non_data())),
            ValueKind::Set(s) => s.iter().find_map(Value::find_non_data),
            ValueKind::Tagged(t) => t.1.find_non_data(),
            _ => None,
        }
    }

    fn hash_into<H: Hasher>(&self, state: &mut H) {
        match &self.kind {
            ValueKind::Nil => state.write_u8(0),
            ValueKind::Bool(b) => {
                state.write_u8(1);
                b.hash(state);
            }
            ValueKind::Number(n) => n.value_hash(state),
            ValueKind::Char(c) => {
                state.write_u8(6);
                c.hash(state);
            }
            ValueKind::Str(s) => {
                state.write_u8(7);
                s.hash(state);
            }
            ValueKind::Symbol(s) => {
                state.write_u8(8);
                s.hash(state);
            }
            ValueKind::Keyword(k) => hash_keyword(k.as_str(), state),
            ValueKind::List(items) | ValueKind::Vector(items) => {
                state.write_u8(10);
                state.write_usize(items.len());
                items.iter().for_each(|v| v.hash_into(state));
            }
            ValueKind::Map(m) => {
                state.write_u8(11);
                state.write_u64(m.iter().fold(0u64, |acc, (k, v)| {
                    let mut h = FixedState::with_seed(HASH_SEED).build_hasher();
                    k.hash_into(&mut h);
                    v.hash_into(&mut h);
                    acc.wrapping_add(h.finish())
                }));
            }
            ValueKind::Set(s) => {
                state.write_u8(12);
                state.write_u64(s.iter().fold(0u64, |acc, v| {
                    acc.wrapping_add(FixedState::with_seed(HASH_SEED).hash_one(v))
                }));
            }
            ValueKind::Tagged(t) => {
                state.write_u8(13);
                t.0.hash(state);
                t.1.hash_into(state);
            }
            ValueKind::Fn(f) => {
                state.write_u8(14);
                f.identity().hash(state);
            }
            ValueKind::Ref(path) => {
                state.write_u8(15);
                path.iter().for_each(|v| v.hash_into(state));
            }
        }
    }
}

fn hash_keyword<H: Hasher>(text: &str, state: &mut H) {
    state.write_u8(9);
    text.hash(state);
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use ValueKind::*;
        match (&self.kind, &other.kind) {
            (Nil, Nil) => true,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Symbol(a), Symbol(b)) | (Keyword(a), Keyword(b)) => a == b,
            (List(a) | Vector(a), List(b) | Vector(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Set(a), Set(b)) => a.len() == b.len() && a.iter().all(|v| b.contains(v)),
            (Tagged(a), Tagged(b)) => a.0 == b.0 && a.1 == b.1,
            (Fn(a), Fn(b)) => a.identity() == b.identity(),
            (Ref(a), Ref(b)) => a == b,
            _ => false,
        }
    }
}

/// `NaN` is the one value not equal to itself; maps and sets treat it like any key.
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_into(state)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_edn())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_edn())
    }
}

impl Edn for Value {
    fn node(&self) -> Node<'_, Value> {
        match self.hidden.as_deref() {
            Some(Hidden::Secret) => {
                return Node::Tagged("secret", Box::new(Node::Atom(Atom::Str(SECRET_EDN))));
            }
            Some(h) => return Node::Tagged("hidden", Box::new(Node::Atom(Atom::Text(h.describe())))),
            None => {}
        }
        match &self.kind {
            ValueKind::Nil => Node::Atom(Atom::Nil),
            ValueKind::Bool(b) => Node::Atom(Atom::Bool(*b)),
            ValueKind::Number(n) => Node::Atom(Atom::Number(n)),
            ValueKind::Char(c) => Node::Atom(Atom::Char(*c)),
            ValueKind::Str(s) => Node::Atom(Atom::Str(s)),
            ValueKind::Symbol(s) => Node::Atom(Atom::Symbol(s.as_str())),
            ValueKind::Keyword(k) => Node::Atom(Atom::Keyword(k.as_str())),
            ValueKind::List(items) => Node::Seq(Delim::List, Box::new(items.iter())),
            ValueKind::Vector(items) => Node::Seq(Delim::Vector, Box::new(items.iter())),
            ValueKind::Set(items) => Node::Seq(Delim::Set, Box::new(items.iter())),
            ValueKind::Map(m) => Node::Map(Box::new(m.iter())),
            ValueKind::Tagged(t) => Node::Tagged(t.0.as_str(), Box::new(Node::Item(&t.1))),
            ValueKind::Fn(f) => Node::Tagged("function", Box::new(Node::Atom(Atom::Str(f.name())))),
            ValueKind::Ref(path) => {
                Node::Tagged("ref", Box::new(Node::Seq(Delim::Vector, Box::new(path.iter()))))
            }
        }
    }
}

/// Looks up a keyword key by its text without building a [`Value`].
struct KeywordKey<'a>(&'a str);

impl Hash for KeywordKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_keyword(self.0, state)
    }
}

impl Equivalent<Value> for KeywordKey<'_> {
    fn equivalent(&self, key: &Value) -> bool {
        key.as_keyword() == Some(self.0)
    }
}

type Entries = IndexMap<Value, Value, FixedState>;

/// An insertion-ordered map, shared and copied on write.
#[derive(Clone)]
pub struct Map(Arc<Entries>);

impl Default for Map {
    fn default() -> Map {
        Map(Arc::new(IndexMap::with_hasher(FixedState::with_seed(HASH_SEED))))
    }
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Map {
        Map(Arc::new(IndexMap::with_capacity_and_hasher(
            n,
            FixedState::with_seed(HASH_SEED),
        )))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value under `key`.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.0.get(key)
    }

    /// The stored key and value under `key` (the stored key keeps its own origin).
    pub fn get_entry(&self, key: &Value) -> Option<(&Value, &Value)> {
        self.0.get_key_value(key)
    }

    /// The value under the keyword `:name`.
    pub fn get_keyword(&self, name: &str) -> Option<&Value> {
        self.0.get(&KeywordKey(name))
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &Value) -> bool {
        self.0.contains_key(key)
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> indexmap::map::Iter<'_, Value, Value> {
        self.0.iter()
    }

    /// Keys in insertion order.
    pub fn keys(&self) -> indexmap::map::Keys<'_, Value, Value> {
        self.0.keys()
    }

    /// Values in insertion order.
    pub fn values(&self) -> indexmap::map::Values<'_, Value, Value> {
        self.0.values()
    }

    /// Sets `key` to `value`. A key already present keeps its place (and its stored key);
    /// a new one goes last.
    pub fn insert(&mut self, key: Value, value: Value) {
        Arc::make_mut(&mut self.0).insert(key, value);
    }

    /// Removes `key`, keeping the order of the rest.
    pub fn remove(&mut self, key: &Value) -> Option<Value> {
        Arc::make_mut(&mut self.0).shift_remove(key)
    }

    /// The address of the shared entries, which identifies this map while it lives.
    pub(crate) fn storage(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl FromIterator<(Value, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (Value, Value)>>(iter: I) -> Map {
        let mut entries = Entries::with_hasher(FixedState::with_seed(HASH_SEED));
        entries.extend(iter);
        Map(Arc::new(entries))
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v)))
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Value, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, Value, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An insertion-ordered set, shared and copied on write.
#[derive(Clone)]
pub struct Set(Arc<IndexSet<Value, FixedState>>);

impl Default for Set {
    fn default() -> Set {
        Set(Arc::new(IndexSet::with_hasher(FixedState::with_seed(HASH_SEED))))
    }
}

impl Set {
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `value` is an element.
    pub fn contains(&self, value: &Value) -> bool {
        self.0.contains(value)
    }

    /// The position of the element equal to `value`, in insertion order.
    pub fn index_of(&self, value: &Value) -> Option<usize> {
        self.0.get_index_of(value)
    }

    /// Elements in insertion order.
    pub fn iter(&self) -> indexmap::set::Iter<'_, Value> {
        self.0.iter()
    }

    /// Adds an element (no change if present).
    pub fn insert(&mut self, value: Value) {
        Arc::make_mut(&mut self.0).insert(value);
    }

    /// Removes an element, keeping the order of the rest.
    pub fn remove(&mut self, value: &Value) {
        Arc::make_mut(&mut self.0).shift_remove(value);
    }

    /// The address of the shared elements, which identifies this set while it lives.
    pub(crate) fn storage(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl FromIterator<Value> for Set {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Set {
        let mut set = IndexSet::with_hasher(FixedState::with_seed(HASH_SEED));
        set.extend(iter);
        Set(Arc::new(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm2_dsl_reader::{Source, read_all};

    fn data(text: &str) -> Value {
        Value::from_form(&read_all(&Source::standalone("t", text)).unwrap()[0])
    }

    #[test]
    fn values_stay_small() {
        // Weight and depth live in what was padding; where a hidden value came from is
        // one pointer (none for the values shown).
        assert_eq!(std::mem::size_of::<Value>(), 56);
    }

    #[test]
    fn weight_counts_shared_parts_at_every_use() {
        let leaf = data("[1 2 3]");
        let twice = Value::vector([leaf.clone(), leaf.clone()]);
        assert_eq!(twice.weight(), NODE + 2 * leaf.weight());
        assert_eq!(leaf.weight(), 4 * NODE);
        assert_eq!((leaf.depth(), twice.depth()), (1, 2));
        assert_eq!(data("\"abcd\"").weight(), NODE + 4);
    }

    #[test]
    fn equality_is_clojure_equality() {
        assert_eq!(data("[1 2]"), data("(1 2)"));
        assert_eq!(data("{:a 1 :b 2}"), data("{:b 2 :a 1}"));
        assert_eq!(data("#{1 2}"), data("#{2 1}"));
        assert_eq!(data("1"), data("1N"));
        assert_ne!(data("1"), data("1.0"));
        assert_ne!(data(":a"), data("\"a\""));
    }

    #[test]
    fn keyword_lookup_needs_no_allocation_and_agrees_with_hashing() {
        let v = data("{:name \"api\" :other/name 2}");
        let m = v.as_map().unwrap();
        assert_eq!(m.get_keyword("name").unwrap().as_str(), Some("api"));
        assert_eq!(m.get(&Value::keyword("other/name")), Some(&Value::int(2)));
        assert!(m.get_keyword("missing").is_none());
    }

    #[test]
    fn maps_keep_insertion_order_and_copy_on_write() {
        let v = data("{:c 1 :a 2 :b 3}");
        let original = v.as_map().unwrap().clone();
        let mut m = original.clone();
        m.insert(Value::keyword("a"), Value::int(9));
        m.insert(Value::keyword("d"), Value::int(4));
        m.remove(&Value::keyword("c"));
        let keys: Vec<_> = m.keys().map(|k| k.as_keyword().unwrap().to_string()).collect();
        assert_eq!(keys, ["a", "b", "d"]);
        assert_eq!(original.len(), 3);
        assert_eq!(original.get_keyword("a"), Some(&Value::int(2)));
    }

    #[test]
    fn from_form_keeps_origins_and_markers() {
        let v = data("{:v ^:append [1]}");
        let inner = v.as_map().unwrap().get_keyword("v").unwrap();
        assert!(inner.markers().contains(MergeMarkers::APPEND));
        assert_eq!(inner.origin().map(|s| (s.start, s.end)), Some((13, 16)));
    }
}
