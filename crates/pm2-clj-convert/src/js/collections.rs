//! Object and array literals: their entries with the comments around them, spreads as
//! `(merge ...)` and `(vec (concat ...))`, the `env` blocks whose paths stay text, and
//! an app's `instances: os.cpus().length` as `"max"` where that is exactly the same.

use oxc_ast::ast::{
    ArrayExpression, ArrayExpressionElement, Expression, ObjectExpression, ObjectPropertyKind, PropertyKey,
    PropertyKind,
};
use oxc_span::{GetSpan, Span};

use super::{Cx, Translator};
use crate::ecosystem::pm2_option;
use crate::edn::{Coll, Edn, Entry};

/// One element of an array or object literal, translated: a spread, or an entry (with
/// its key and the span of its value in an object).
enum Element {
    Spread(Edn),
    Entry(Option<Edn>, Edn, Option<Span>),
}

/// Ends the literal part of a collection written with spreads: it becomes a segment.
fn flush(segments: &mut Vec<Edn>, current: &mut Coll, wrap: fn(Coll) -> Edn) {
    if !current.entries.is_empty() || !current.trailing.is_empty() {
        segments.push(wrap(std::mem::take(current)));
    }
}

/// A collection literal: `current` itself, or — when it had spreads — its segments
/// (and what came after the last spread) joined by `join`.
fn spread_form(
    mut segments: Vec<Edn>,
    mut current: Coll,
    wrap: fn(Coll) -> Edn,
    join: fn(Vec<Edn>) -> Edn,
) -> Edn {
    if segments.is_empty() {
        return wrap(current);
    }
    flush(&mut segments, &mut current, wrap);
    join(segments)
}

impl Translator<'_> {
    /// Hands out the comments in `from..to`: one on the line `from` is on goes to the last
    /// entry of `coll` (or, with none, to its comments); the others are returned, for
    /// the entry that follows.
    pub(super) fn comments_before(&mut self, from: u32, to: u32, coll: &mut Coll) -> Vec<String> {
        let (after, before) = self.comments.between(from, to);
        match (after, coll.entries.last_mut()) {
            (Some(after), Some(last)) => last.after = Some(after),
            (Some(after), None) => coll.trailing.push(after),
            _ => {}
        }
        before
    }

    /// An array literal; `None` when an element has no translation (or is a hole, `[a, , b]`).
    pub(super) fn array(&mut self, a: &ArrayExpression, cx: Cx) -> Option<Edn> {
        let element = |this: &mut Self, element: &ArrayExpressionElement| match element {
            ArrayExpressionElement::SpreadElement(s) => Some(Element::Spread(this.expr(&s.argument, cx))),
            ArrayExpressionElement::Elision(_) => None,
            other => Some(Element::Entry(None, this.expr(other.as_expression()?, cx), None)),
        };
        self.collection(a.span, &a.elements, Edn::Vector, element, |segments| {
            Edn::call("vec", [Edn::call("concat", segments)])
        })
    }

    /// An object literal; `None` when a property has no translation (a getter, a method,
    /// a computed key).
    pub(super) fn object(&mut self, o: &ObjectExpression, cx: Cx) -> Option<Edn> {
        let sets_merge_logs = o.properties.iter().any(|p| {
            matches!(p, ObjectPropertyKind::ObjectProperty(p)
                if p.key.static_name().is_some_and(|k| pm2_option(&k) == Some("merge_logs"))
                    && matches!(p.value.without_parentheses(), Expression::BooleanLiteral(_)))
        });
        let property = |this: &mut Self, property: &ObjectPropertyKind| match property {
            ObjectPropertyKind::SpreadProperty(s) => Some(Element::Spread(this.expr(&s.argument, cx))),
            ObjectPropertyKind::ObjectProperty(p) => {
                if p.kind != PropertyKind::Init || p.method || p.computed {
                    return None;
                }
                let key = match &p.key {
                    PropertyKey::StaticIdentifier(id) => id.name.to_string(),
                    other => other.static_name()?.to_string(),
                };
                let inner = Cx {
                    env: cx.env || key == "env" || key.starts_with("env_"),
                };
                let value =
                    if sets_merge_logs && pm2_option(&key) == Some("instances") && this.cpu_count(&p.value) {
                        // Exactly what PM2 starts: see `cpu_count`.
                        Edn::Str("max".into())
                    } else {
                        this.expr(&p.value, inner)
                    };
                Some(Element::Entry(Some(Edn::key(&key)), value, Some(p.value.span())))
            }
        };
        self.collection(o.span, &o.properties, Edn::Map, property, |segments| {
            Edn::call("merge", segments)
        })
    }

    /// Translates the elements of an array or object literal spanning `span`, keeping
    /// their comments: the runs of entries between spreads become `wrap`ped
    /// collections, and spreads and runs together are `join`ed. `None` when an element
    /// has no translation.
    fn collection<T: GetSpan>(
        &mut self,
        span: Span,
        elements: &[T],
        wrap: fn(Coll) -> Edn,
        mut element: impl FnMut(&mut Self, &T) -> Option<Element>,
        join: fn(Vec<Edn>) -> Edn,
    ) -> Option<Edn> {
        let mut segments: Vec<Edn> = Vec::new();
        let mut current = Coll::default();
        let mut from = span.start + 1;
        for item in elements {
            let item_span = item.span();
            let before = self.comments_before(from, item_span.start, &mut current);
            match element(self, item)? {
                Element::Spread(value) => {
                    flush(&mut segments, &mut current, wrap);
                    current.trailing.extend(before);
                    segments.push(value);
                }
                Element::Entry(key, value, span) => current.entries.push(Entry {
                    key,
                    value,
                    before,
                    after: None,
                    origin: span.map(|s| self.origin(s)),
                }),
            }
            from = item_span.end;
        }
        let rest = self.comments_before(from, span.end.saturating_sub(1), &mut current);
        current.trailing.extend(rest);
        Some(spread_form(segments, current, wrap, join))
    }
}
