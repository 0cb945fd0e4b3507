//! JavaScript ecosystem files, and `.json` files (which PM2 evaluates as a JavaScript
//! expression), translated without running them: `process.env.X` → `#env X`, `X || v`
//! and `X ?? v` → `#or [...]`, template literals → `(str ...)`, `__dirname` paths →
//! paths relative to the file, top-level `const`s → `def`s, object spreads → `merge`,
//! comments kept beside the forms they annotated. An expression with no translation
//! becomes a hole: node computes it later ([`crate::node`]) and it is written as its
//! value with a `;; was: <js>` note.

use std::collections::HashMap;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BinaryOperator, BindingPatternKind, Expression,
    ImportDeclarationSpecifier, LogicalOperator, ModuleExportName, ObjectPropertyKind, PropertyKey,
    PropertyKind, Statement, UnaryOperator, VariableDeclarator,
};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};

use crate::comments::Comments;
use crate::edn::{Coll, Edn, Entry};
use crate::error::{ConvertError, ConvertErrorKind, at_text};
use crate::paths;

/// The symbol a hole stands as until node has computed it.
pub const HOLE: &str = "\u{1}hole";

/// A `(def name value)` the translation writes before the ecosystem.
#[derive(Clone, Debug)]
pub struct Def {
    /// The pm2-clj name.
    pub name: String,
    /// Its value.
    pub value: Edn,
    /// Comment lines before it.
    pub comments: Vec<String>,
}

/// How the file gives PM2 its config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `module.exports = ...` (a `.js` / `.cjs` file PM2 `require`s).
    CommonJs,
    /// `export const apps = ...` or `export default ...`.
    Module,
    /// A `.json` file: one expression.
    Expression,
}

/// A translated file.
#[derive(Debug)]
pub struct Translated {
    /// How the file exported its config.
    pub shape: Shape,
    /// The top-level definitions the config uses.
    pub defs: Vec<Def>,
    /// The config.
    pub config: Edn,
    /// Comments of the file that stand before the config (or at its top).
    pub header: Vec<String>,
    /// The JavaScript of each hole, by index.
    pub holes: Vec<String>,
    /// What the reader of the result should know.
    pub notes: Vec<String>,
    /// How many comments the file has, and how many were kept.
    pub comments: (usize, usize),
    /// Whether the config came from `export default` (which PM2 cannot load).
    pub default_export: bool,
}

/// What a top-level name of the file stands for.
#[derive(Clone, Debug)]
enum Binding {
    /// A `def` of that name.
    Def(String),
    /// A folder or file relative to the file's folder.
    Path(String),
    /// A Node module (`path`, `os`, ...), or a value only node can compute.
    Opaque,
    /// Node's `path` module.
    PathModule,
    /// `fileURLToPath` from `url`.
    FileUrlToPath,
}

/// What an expression translates to.
enum Val {
    Edn(Edn),
    /// A path relative to the file's folder.
    Path(String),
}

/// Where an expression stands, for the values whose translation depends on it.
#[derive(Clone, Copy, Default)]
struct Cx {
    /// Inside an `env` block: paths stay as node computes them (they are passed to the
    /// app as text, not resolved against its folder).
    env: bool,
}

/// The marker a path relative to the file's folder carries until the ecosystem pass
/// knows which app folder it is relative to.
pub const PATH_TAG: &str = "pm2-clj-convert/path";

struct Translator<'s> {
    text: &'s str,
    comments: Comments,
    bindings: HashMap<String, Binding>,
    defs: Vec<Def>,
    holes: Vec<String>,
    notes: Vec<String>,
    dotenv: bool,
}

/// `camelCase` and `snake_case` JavaScript names as kebab-case pm2-clj names.
fn kebab_name(js: &str) -> String {
    let mut out = String::new();
    for (i, c) in js.chars().enumerate() {
        if c.is_uppercase() && i > 0 && !out.ends_with('-') {
            out.push('-');
        }
        if c == '_' && i > 0 {
            out.push('-');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Whether `name` can be written as the symbol of `#env NAME`.
fn env_symbol(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// `#env NAME` (or `(env "NAME")` when the name is no symbol).
fn env_read(name: &str) -> Edn {
    if env_symbol(name) {
        Edn::Tagged("env", Box::new(Edn::Symbol(name.to_string())))
    } else {
        Edn::call("env", [Edn::Str(name.to_string())])
    }
}

fn number(value: f64) -> Edn {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Edn::Int(value as i64)
    } else {
        Edn::Float(value)
    }
}

/// Whether a translated value is known to be a string (for JavaScript's `+`).
fn stringy(edn: &Edn) -> bool {
    match edn {
        Edn::Str(_) => true,
        Edn::List(items) => matches!(items.first(), Some(Edn::Symbol(s)) if s == "str"),
        Edn::Tagged(tag, _) => *tag == PATH_TAG,
        _ => false,
    }
}

fn numeric(edn: &Edn) -> bool {
    match edn {
        Edn::Int(_) | Edn::Float(_) => true,
        Edn::List(items) => matches!(items.first(), Some(Edn::Symbol(s)) if s == "+" || s == "-" || s == "*"),
        Edn::Tagged(tag, _) => *tag == "long" || *tag == "double",
        _ => false,
    }
}

/// Ends the literal part of a collection written with spreads: it becomes a segment.
/// One element of an array or object literal, translated: a spread, or an entry (with
/// its key in an object).
enum Element {
    Spread(Edn),
    Entry(Option<Edn>, Edn),
}

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

impl<'s> Translator<'s> {
    fn slice(&self, span: Span) -> &'s str {
        &self.text[span.start as usize..span.end as usize]
    }

    /// A hole for `e`: node computes it; the comments inside it are quoted.
    fn hole(&mut self, span: Span) -> Edn {
        self.comments.quoted(span.start, span.end);
        let js = self.slice(span).to_string();
        self.holes.push(js.clone());
        Edn::Frozen {
            value: Box::new(Edn::Symbol(format!("{HOLE}{}", self.holes.len() - 1))),
            was: js,
        }
    }

    /// Hands out the comments in `from..to`: one on the line `from` is on goes to the last
    /// entry of `coll` (or, with none, to its comments); the others are returned, for
    /// the entry that follows.
    fn comments_before(&mut self, from: u32, to: u32, coll: &mut Coll) -> Vec<String> {
        let (after, before) = self.comments.between(from, to);
        match (after, coll.entries.last_mut()) {
            (Some(after), Some(last)) => last.after = Some(after),
            (Some(after), None) => coll.trailing.push(after),
            _ => {}
        }
        before
    }

    fn form_of(&mut self, val: Val, span: Span, cx: Cx) -> Edn {
        match val {
            Val::Edn(e) => e,
            Val::Path(_) if cx.env => self.hole(span),
            Val::Path(p) => Edn::Tagged(PATH_TAG, Box::new(Edn::Str(p))),
        }
    }

    /// `e` as a form; a hole when it has no translation.
    fn expr(&mut self, e: &Expression, cx: Cx) -> Edn {
        match self.value(e, cx) {
            Some(v) => self.form_of(v, e.span(), cx),
            None => self.hole(e.span()),
        }
    }

    /// A static string (literal or template without expressions).
    fn static_string(e: &Expression) -> Option<String> {
        match e.without_parentheses() {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
                .quasis
                .first()
                .and_then(|q| q.value.cooked)
                .map(|c| c.to_string()),
            _ => None,
        }
    }

    /// `process.env.X` / `process.env['X']`: the variable's name.
    fn env_name(e: &Expression) -> Option<String> {
        let member = e.without_parentheses().as_member_expression()?;
        let object = member.object().without_parentheses().as_member_expression()?;
        if !object.is_specific_member_access("process", "env") {
            return None;
        }
        member.static_property_name().map(str::to_string)
    }

    fn value(&mut self, e: &Expression, cx: Cx) -> Option<Val> {
        let edn = match e {
            Expression::ParenthesizedExpression(p) => return self.value(&p.expression, cx),
            Expression::TSAsExpression(t) => return self.value(&t.expression, cx),
            Expression::TSSatisfiesExpression(t) => return self.value(&t.expression, cx),
            Expression::StringLiteral(s) => Edn::Str(s.value.to_string()),
            Expression::NumericLiteral(n) => number(n.value),
            Expression::BooleanLiteral(b) => Edn::Bool(b.value),
            Expression::NullLiteral(_) => Edn::Nil,
            Expression::Identifier(id) => return self.identifier(&id.name),
            Expression::TemplateLiteral(t) => {
                let mut parts = Vec::new();
                for (i, quasi) in t.quasis.iter().enumerate() {
                    let cooked = quasi.value.cooked?.to_string();
                    if !cooked.is_empty() {
                        parts.push(Edn::Str(cooked));
                    }
                    if let Some(inner) = t.expressions.get(i) {
                        parts.push(self.expr(inner, cx));
                    }
                }
                match parts.as_slice() {
                    [] => Edn::Str(String::new()),
                    [Edn::Str(s)] => Edn::Str(s.clone()),
                    _ => Edn::call("str", parts),
                }
            }
            Expression::ObjectExpression(o) => return self.object(o, cx).map(Val::Edn),
            Expression::ArrayExpression(a) => {
                let element = |this: &mut Self, element: &ArrayExpressionElement| match element {
                    ArrayExpressionElement::SpreadElement(s) => {
                        Some(Element::Spread(this.expr(&s.argument, cx)))
                    }
                    ArrayExpressionElement::Elision(_) => None,
                    other => Some(Element::Entry(None, this.expr(other.as_expression()?, cx))),
                };
                self.collection(a.span, &a.elements, Edn::Vector, element, |segments| {
                    Edn::call("vec", [Edn::call("concat", segments)])
                })?
            }
            Expression::LogicalExpression(l) => {
                let mut items = Vec::new();
                match l.operator {
                    LogicalOperator::Or | LogicalOperator::Coalesce => {
                        self.or_items(e, l.operator, cx, &mut items);
                        Edn::Tagged("or", Box::new(Edn::vector(items)))
                    }
                    LogicalOperator::And => {
                        items.push(self.expr(&l.left, cx));
                        items.push(self.expr(&l.right, cx));
                        Edn::call("and", items)
                    }
                }
            }
            Expression::ConditionalExpression(c) => {
                let test = self.expr(&c.test, cx);
                let yes = self.expr(&c.consequent, cx);
                let no = self.expr(&c.alternate, cx);
                Edn::call("if", [test, yes, no])
            }
            Expression::UnaryExpression(u) => match u.operator {
                UnaryOperator::LogicalNot => Edn::call("not", [self.expr(&u.argument, cx)]),
                UnaryOperator::UnaryNegation => match u.argument.without_parentheses() {
                    Expression::NumericLiteral(n) => number(-n.value),
                    _ => return None,
                },
                UnaryOperator::Void => Edn::Nil,
                _ => return None,
            },
            Expression::BinaryExpression(b) => {
                let head = match b.operator {
                    BinaryOperator::StrictEquality | BinaryOperator::Equality => "=",
                    BinaryOperator::StrictInequality | BinaryOperator::Inequality => "not=",
                    BinaryOperator::Addition => "+",
                    BinaryOperator::Subtraction => "-",
                    BinaryOperator::Multiplication => "*",
                    _ => return None,
                };
                let left = self.value(&b.left, cx)?;
                let left = self.form_of(left, b.left.span(), cx);
                let right = self.value(&b.right, cx)?;
                let right = self.form_of(right, b.right.span(), cx);
                match head {
                    "+" if stringy(&left) || stringy(&right) => {
                        let mut parts = Vec::new();
                        for side in [left, right] {
                            match side {
                                Edn::List(items) if matches!(items.first(), Some(Edn::Symbol(s)) if s == "str") =>
                                {
                                    parts.extend(items.into_iter().skip(1));
                                }
                                other => parts.push(other),
                            }
                        }
                        Edn::call("str", parts)
                    }
                    "+" | "-" | "*" if !(numeric(&left) && numeric(&right)) => return None,
                    _ => Edn::call(head, [left, right]),
                }
            }
            Expression::CallExpression(call) => return self.call(call, cx),
            _ => {
                if let Some(name) = Self::env_name(e) {
                    return Some(Val::Edn(env_read(&name)));
                }
                let member = e.as_member_expression()?;
                if let Expression::Identifier(id) = member.object().without_parentheses()
                    && let Some(Binding::Def(def)) = self.bindings.get(id.name.as_str())
                    && let Some(prop) = member.static_property_name()
                {
                    return Some(Val::Edn(Edn::call(
                        "get",
                        [Edn::Symbol(def.clone()), Edn::key(prop)],
                    )));
                }
                return None;
            }
        };
        Some(Val::Edn(edn))
    }

    /// The operands of a chain of `||` (or of `??`), flattened into one `#or`.
    fn or_items(&mut self, e: &Expression, op: LogicalOperator, cx: Cx, out: &mut Vec<Edn>) {
        match e.without_parentheses() {
            Expression::LogicalExpression(l) if l.operator == op => {
                self.or_items(&l.left, op, cx, out);
                self.or_items(&l.right, op, cx, out);
            }
            other => out.push(self.expr(other, cx)),
        }
    }

    fn identifier(&mut self, name: &str) -> Option<Val> {
        match name {
            "undefined" => return Some(Val::Edn(Edn::Nil)),
            "__dirname" if !self.bindings.contains_key(name) => return Some(Val::Path(".".into())),
            _ => {}
        }
        match self.bindings.get(name)? {
            Binding::Def(def) => Some(Val::Edn(Edn::Symbol(def.clone()))),
            Binding::Path(p) => Some(Val::Path(p.clone())),
            Binding::Opaque | Binding::PathModule | Binding::FileUrlToPath => None,
        }
    }

    fn call(&mut self, call: &oxc_ast::ast::CallExpression, cx: Cx) -> Option<Val> {
        let args: Vec<&Expression> = call
            .arguments
            .iter()
            .map(Argument::as_expression)
            .collect::<Option<Vec<_>>>()?;
        let callee = call.callee.without_parentheses();
        // path.join / path.resolve over __dirname or string literals.
        if let Some(member) = callee.as_member_expression()
            && let Expression::Identifier(object) = member.object().without_parentheses()
            && matches!(self.bindings.get(object.name.as_str()), Some(Binding::PathModule))
        {
            let method = member.static_property_name()?;
            return self.path_call(method, &args);
        }
        if let Expression::Identifier(id) = callee {
            let name = id.name.as_str();
            if self.bindings.contains_key(name) {
                return None;
            }
            let [arg, rest @ ..] = args.as_slice() else {
                return None;
            };
            let tag = match (name, rest) {
                ("parseInt", []) => "long",
                ("parseInt", [Expression::NumericLiteral(n)]) if n.value == 10.0 => "long",
                ("Number", []) => "long",
                ("parseFloat", []) => "double",
                ("String", []) => {
                    let inner = self.expr(arg, cx);
                    return Some(Val::Edn(Edn::call("str", [inner])));
                }
                _ => return None,
            };
            if let Expression::StringLiteral(s) = arg.without_parentheses() {
                let parsed: f64 = s.value.trim().parse().ok()?;
                return Some(Val::Edn(number(parsed)));
            }
            let inner = self.expr(arg, cx);
            return Some(Val::Edn(Edn::Tagged(tag, Box::new(inner))));
        }
        None
    }

    /// `path.join(...)` / `path.resolve(...)` / `path.dirname(...)` computed statically.
    fn path_call(&mut self, method: &str, args: &[&Expression]) -> Option<Val> {
        let (first, rest) = args.split_first()?;
        let base = match self.value(first, Cx::default())? {
            Val::Path(p) => p,
            Val::Edn(Edn::Str(s)) if s.starts_with('/') || method == "join" => s,
            Val::Edn(_) => return None,
        };
        let parts = rest
            .iter()
            .map(|a| Self::static_string(a))
            .collect::<Option<Vec<_>>>()?;
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let joined = match method {
            "join" => paths::join(&base, &parts, false),
            "resolve" => paths::join(&base, &parts, true),
            "dirname" if parts.is_empty() => paths::join(&base, &[".."], false),
            _ => return None,
        };
        if joined.starts_with('/') {
            Some(Val::Edn(Edn::Str(joined)))
        } else {
            Some(Val::Path(joined))
        }
    }

    fn object(&mut self, o: &oxc_ast::ast::ObjectExpression, cx: Cx) -> Option<Edn> {
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
                Some(Element::Entry(Some(Edn::key(&key)), this.expr(&p.value, inner)))
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
                Element::Entry(key, value) => current.entries.push(Entry {
                    key,
                    value,
                    before,
                    after: None,
                }),
            }
            from = item_span.end;
        }
        let rest = self.comments_before(from, span.end.saturating_sub(1), &mut current);
        current.trailing.extend(rest);
        Some(spread_form(segments, current, wrap, join))
    }

    /// Binds a top-level declarator; returns the `def` it makes, if any.
    fn declarator(&mut self, d: &VariableDeclarator, comments: Vec<String>) {
        let Some(init) = &d.init else { return };
        match &d.id.kind {
            BindingPatternKind::BindingIdentifier(id) => {
                let name = id.name.to_string();
                if let Some(binding) = self.special_init(init) {
                    self.bindings.insert(name, binding);
                    return;
                }
                match self.value(init, Cx::default()) {
                    Some(Val::Path(p)) => {
                        self.bindings.insert(name, Binding::Path(p));
                    }
                    other => {
                        let value = match other {
                            Some(v) => self.form_of(v, init.span(), Cx::default()),
                            None => self.hole(init.span()),
                        };
                        let def = self.def_name(&name);
                        self.defs.push(Def {
                            name: def.clone(),
                            value,
                            comments,
                        });
                        self.bindings.insert(name, Binding::Def(def));
                    }
                }
            }
            BindingPatternKind::ObjectPattern(pattern) => {
                // `const { name } = require('./package.json')`: each name is computed by node.
                for property in &pattern.properties {
                    if let BindingPatternKind::BindingIdentifier(id) = &property.value.kind {
                        let js = format!(
                            "({}).{}",
                            self.slice(init.span()),
                            property.key.static_name().unwrap_or_default()
                        );
                        let name = id.name.to_string();
                        self.holes.push(js.clone());
                        let def = self.def_name(&name);
                        self.defs.push(Def {
                            name: def.clone(),
                            value: Edn::Frozen {
                                value: Box::new(Edn::Symbol(format!("{HOLE}{}", self.holes.len() - 1))),
                                was: js,
                            },
                            comments: comments.clone(),
                        });
                        self.bindings.insert(name, Binding::Def(def));
                    }
                }
            }
            _ => {}
        }
    }

    /// A pm2-clj name for a JavaScript binding, not taken by another `def`.
    fn def_name(&self, js: &str) -> String {
        let base = kebab_name(js);
        let base = if base.is_empty() || pm2_dsl_eval::docs::symbol(&base).is_some() {
            format!("the-{base}")
        } else {
            base
        };
        let mut name = base.clone();
        let mut n = 2;
        while self.defs.iter().any(|d| d.name == name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    /// Bindings that are not values: `require('path')`, `fileURLToPath(import.meta.url)`,
    /// `require('dotenv')`, other modules.
    fn special_init(&mut self, init: &Expression) -> Option<Binding> {
        let init = init.without_parentheses();
        if let Expression::CallExpression(call) = init {
            if let Expression::Identifier(callee) = call.callee.without_parentheses()
                && callee.name == "require"
            {
                let module = call
                    .arguments
                    .first()
                    .and_then(|a| a.as_expression())
                    .and_then(Self::static_string)?;
                return Some(match module.as_str() {
                    "path" | "node:path" => Binding::PathModule,
                    _ => Binding::Opaque,
                });
            }
            let text = self.slice(call.span);
            if text.contains("import.meta.url") {
                // `fileURLToPath(import.meta.url)` is the file; its dirname is the folder.
                if text.starts_with("fileURLToPath(") || text.starts_with("url.fileURLToPath(") {
                    return Some(Binding::Opaque);
                }
                if text.contains("dirname(") {
                    return Some(Binding::Path(".".into()));
                }
            }
            if let Some(member) = call.callee.as_member_expression()
                && member.static_property_name() == Some("dirname")
                && let Some(Expression::Identifier(arg)) =
                    call.arguments.first().and_then(|a| a.as_expression())
                && matches!(self.bindings.get(arg.name.as_str()), Some(Binding::Opaque))
                && self
                    .text
                    .contains(&format!("{} = fileURLToPath(import.meta.url)", arg.name))
            {
                return Some(Binding::Path(".".into()));
            }
            if call
                .callee
                .as_member_expression()
                .is_some_and(|m| m.static_property_name() == Some("config"))
                && self.slice(call.callee.span()).contains("dotenv")
            {
                self.dotenv = true;
                return Some(Binding::Opaque);
            }
        }
        None
    }

    fn import(&mut self, decl: &oxc_ast::ast::ImportDeclaration) {
        let source = decl.source.value.as_str();
        if source.starts_with("dotenv") {
            self.dotenv = self.dotenv || source == "dotenv/config";
        }
        for specifier in decl.specifiers.iter().flatten() {
            let (local, imported) = match specifier {
                ImportDeclarationSpecifier::ImportSpecifier(s) => (
                    s.local.name.to_string(),
                    match &s.imported {
                        ModuleExportName::IdentifierName(n) => n.name.to_string(),
                        ModuleExportName::IdentifierReference(n) => n.name.to_string(),
                        ModuleExportName::StringLiteral(n) => n.value.to_string(),
                    },
                ),
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                    (s.local.name.to_string(), "default".into())
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    (s.local.name.to_string(), "*".into())
                }
            };
            let binding = match (source, imported.as_str()) {
                ("path" | "node:path", "default" | "*") => Binding::PathModule,
                ("url" | "node:url", "fileURLToPath") => Binding::FileUrlToPath,
                _ => Binding::Opaque,
            };
            self.bindings.insert(local, binding);
        }
    }

    fn is_dotenv_call(&self, e: &Expression) -> bool {
        let Expression::CallExpression(call) = e.without_parentheses() else {
            return false;
        };
        call.callee
            .as_member_expression()
            .is_some_and(|m| m.static_property_name() == Some("config"))
            && self.slice(call.callee.span()).contains("dotenv")
    }
}

/// `module.exports`, `exports.apps`, `module.exports.apps`: the exported property, or
/// `None` for the whole export.
fn export_target(text: &str) -> Option<Option<String>> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text == "module.exports" {
        return Some(None);
    }
    text.strip_prefix("module.exports.")
        .or_else(|| text.strip_prefix("exports."))
        .map(|p| Some(p.to_string()))
}

fn parse_problem(path: &str, text: &str, message: String, offset: Option<usize>) -> ConvertError {
    at_text(
        ConvertErrorKind::JsSyntax {
            file: path.to_string(),
            message,
        },
        path,
        text,
        offset,
    )
}

/// Translates a JavaScript file (`expression`: a `.json` file, one expression).
pub fn translate(path: &str, text: &str, expression: bool) -> Result<Translated, ConvertError> {
    let allocator = Allocator::default();
    let lower = path.to_lowercase();
    let source_type = if lower.ends_with(".cjs") {
        SourceType::cjs()
    } else {
        SourceType::mjs()
    };
    if expression {
        let wrapped = format!("({text}\n)");
        let parsed = Parser::new(&allocator, &wrapped, SourceType::cjs()).parse();
        if let Some(error) = parsed.errors.first() {
            let offset = error
                .labels
                .as_ref()
                .and_then(|l| l.first())
                .map(|l| l.offset().saturating_sub(1));
            return Err(parse_problem(path, text, error.message.to_string(), offset));
        }
        let Some(Statement::ExpressionStatement(statement)) = parsed.program.body.first() else {
            return Err(parse_problem(
                path,
                text,
                "expected one JavaScript expression".into(),
                None,
            ));
        };
        let spans = parsed.program.comments.iter().map(|c| (c.span.start, c.span.end));
        let mut t = Translator {
            text: &wrapped,
            comments: Comments::new(&wrapped, spans),
            bindings: HashMap::new(),
            defs: Vec::new(),
            holes: Vec::new(),
            notes: Vec::new(),
            dotenv: false,
        };
        let inner = match &statement.expression {
            Expression::ParenthesizedExpression(p) => &p.expression,
            other => other,
        };
        let mut header = t.comments.lines_between(1, inner.span().start);
        let config = t.expr(inner, Cx::default());
        header.extend(t.comments.lines_between(inner.span().end, wrapped.len() as u32));
        return Ok(Translated {
            shape: Shape::Expression,
            defs: t.defs,
            config,
            header,
            holes: t.holes,
            notes: t.notes,
            comments: (t.comments.total(), t.comments.kept()),
            default_export: false,
        });
    }
    let mut parsed = Parser::new(&allocator, text, source_type).parse();
    if !parsed.errors.is_empty() && !lower.ends_with(".mjs") {
        parsed = Parser::new(&allocator, text, SourceType::cjs()).parse();
    }
    if let Some(error) = parsed.errors.first() {
        let offset = error.labels.as_ref().and_then(|l| l.first()).map(|l| l.offset());
        return Err(parse_problem(path, text, error.message.to_string(), offset));
    }
    let program = &parsed.program;
    let spans = program.comments.iter().map(|c| (c.span.start, c.span.end));
    let mut t = Translator {
        text,
        comments: Comments::new(text, spans),
        bindings: HashMap::new(),
        defs: Vec::new(),
        holes: Vec::new(),
        notes: Vec::new(),
        dotenv: false,
    };
    let mut shape = Shape::CommonJs;
    let mut whole: Option<(Edn, Vec<String>)> = None;
    let mut parts: Vec<Entry> = Vec::new();
    let mut opaque: Vec<&str> = Vec::new();
    let mut default_export = false;
    let mut from = 0;
    let mut header = Vec::new();
    for statement in &program.body {
        let span = statement.span();
        let (after, mut comments) = t.comments.between(from, span.start);
        if let Some(after) = after {
            comments.insert(0, after);
        }
        if whole.is_none() && parts.is_empty() && t.defs.is_empty() && from == 0 {
            header.append(&mut comments);
        }
        from = span.end;
        match statement {
            Statement::ImportDeclaration(decl) => {
                shape = Shape::Module;
                t.import(decl);
            }
            Statement::VariableDeclaration(decl) => {
                for d in &decl.declarations {
                    t.declarator(d, std::mem::take(&mut comments));
                }
            }
            Statement::ExpressionStatement(s) => match &s.expression {
                Expression::AssignmentExpression(a) => match export_target(t.slice(a.left.span())) {
                    Some(None) => {
                        let config = t.expr(&a.right, Cx::default());
                        whole = Some((config, comments));
                    }
                    Some(Some(name)) => {
                        let value = t.expr(&a.right, Cx::default());
                        let mut entry = Entry::pair(Edn::key(&name), value);
                        entry.before = comments;
                        parts.push(entry);
                    }
                    None => opaque.push(t.slice(span)),
                },
                e if t.is_dotenv_call(e) => t.dotenv = true,
                Expression::CallExpression(c) if t.slice(c.callee.span()) == "require" => {
                    if t.slice(c.span).contains("dotenv/config") {
                        t.dotenv = true;
                    }
                }
                _ => opaque.push(t.slice(span)),
            },
            Statement::ExportDefaultDeclaration(d) => {
                shape = Shape::Module;
                default_export = true;
                match d.declaration.as_expression() {
                    Some(e) => {
                        let config = t.expr(e, Cx::default());
                        whole = Some((config, comments));
                    }
                    None => opaque.push(t.slice(span)),
                }
            }
            Statement::ExportNamedDeclaration(d) => {
                shape = Shape::Module;
                if let Some(oxc_ast::ast::Declaration::VariableDeclaration(decl)) = &d.declaration {
                    for declarator in &decl.declarations {
                        if let (BindingPatternKind::BindingIdentifier(id), Some(init)) =
                            (&declarator.id.kind, &declarator.init)
                        {
                            let value = t.expr(init, Cx::default());
                            let mut entry = Entry::pair(Edn::key(&id.name), value);
                            entry.before = std::mem::take(&mut comments);
                            parts.push(entry);
                        }
                    }
                } else {
                    opaque.push(t.slice(span));
                }
            }
            Statement::FunctionDeclaration(f) => {
                if let Some(id) = &f.id {
                    t.bindings.insert(id.name.to_string(), Binding::Opaque);
                }
            }
            Statement::EmptyStatement(_) => {}
            _ => opaque.push(t.slice(span)),
        }
    }
    let footer = t.comments.lines_between(from, text.len() as u32);
    let (config, config_comments) = match whole {
        Some((config, comments)) => {
            if !parts.is_empty() {
                opaque.push("module.exports.<name> = ... beside module.exports = ...");
            }
            (config, comments)
        }
        None if !parts.is_empty() => (Edn::map(parts), Vec::new()),
        None => {
            return Err(ConvertError::from(ConvertErrorKind::NoExport {
                file: path.to_string(),
            }));
        }
    };
    if t.dotenv {
        t.notes.push(
            "The file loaded a .env file with dotenv; `#env` reads the environment pm2-clj runs in, so export those variables (or load the .env file before running pm2-clj)."
                .into(),
        );
    }
    if !opaque.is_empty() {
        t.notes.push(format!(
            "The file runs statements pm2-clj does not translate ({}); check that the values below do not depend on them.",
            opaque.iter().map(|s| s.lines().next().unwrap_or_default().trim()).collect::<Vec<_>>().join("; ")
        ));
    }
    header.extend(config_comments);
    header.extend(footer);
    Ok(Translated {
        shape,
        defs: t.defs,
        config,
        header,
        holes: t.holes,
        notes: t.notes,
        comments: (t.comments.total(), t.comments.kept()),
        default_export,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translated(js: &str) -> Translated {
        translate("ecosystem.config.js", js, false).unwrap()
    }

    fn text(edn: &Edn) -> String {
        crate::edn::file_text(&[], &[(vec![], edn.clone())])
    }

    #[test]
    fn env_reads_and_fallbacks_are_tags() {
        let t = translated(
            "module.exports = { apps: [{ name: 'api', script: 'a.js', env: { PORT: process.env.PORT || 3000, HOST: process.env['HOST'] ?? 'localhost', X: process.env.X } }] };",
        );
        assert!(t.holes.is_empty());
        let out = text(&t.config);
        assert!(out.contains(":PORT #or [#env PORT 3000]"), "{out}");
        assert!(out.contains(":HOST #or [#env HOST \"localhost\"]"), "{out}");
        assert!(out.contains(":X #env X"), "{out}");
    }

    #[test]
    fn templates_spreads_and_consts() {
        let t = translated(
            "const base = { script: 'a.js', env: { A: '1' } };\nconst port = parseInt(process.env.PORT, 10);\nmodule.exports = { apps: [{ ...base, name: `api-${process.env.SUFFIX}`, args: `--port ${port}` }] };",
        );
        assert!(t.holes.is_empty(), "{:?}", t.holes);
        assert_eq!(t.defs.len(), 2);
        assert_eq!(text(&t.defs[1].value), "#long #env PORT\n");
        let out = text(&t.config);
        assert!(
            out.contains("(merge base {:name (str \"api-\" #env SUFFIX) :args (str \"--port \" port)})"),
            "{out}"
        );
    }

    #[test]
    fn dirname_paths_are_relative_to_the_file() {
        let t = translated(
            "const path = require('path');\nmodule.exports = { apps: [{ name: 'a', cwd: path.join(__dirname, 'srv'), script: path.resolve(__dirname, './dist/index.js'), out_file: __dirname + '/logs/out.log' }] };",
        );
        assert!(t.holes.is_empty(), "{:?}", t.holes);
        let out = text(&t.config);
        assert!(out.contains(&format!(":cwd #{PATH_TAG} \"srv\"")), "{out}");
        assert!(
            out.contains(&format!(":script #{PATH_TAG} \"dist/index.js\"")),
            "{out}"
        );
    }

    #[test]
    fn untranslatable_expressions_are_holes() {
        let t = translated(
            "module.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('os').cpus().length }] };",
        );
        assert_eq!(t.holes, ["require('os').cpus().length"]);
    }

    #[test]
    fn comments_stay_with_their_entries() {
        let t = translated(
            "// top\nmodule.exports = {\n  apps: [{\n    name: 'a', // the name\n    // production mode\n    script: 'a.js',\n  }],\n};\n",
        );
        assert_eq!(t.header, ["top"]);
        let out = text(&t.config);
        assert!(out.contains(":name \"a\" ; the name"), "{out}");
        assert!(out.contains(";; production mode\n"), "{out}");
        assert_eq!(t.comments, (3, 3));
    }

    #[test]
    fn esm_exports_and_default() {
        let t = translate(
            "e.config.mjs",
            "export const apps = [{ name: 'a', script: 'a.js' }];",
            false,
        )
        .unwrap();
        assert_eq!(t.shape, Shape::Module);
        assert!(text(&t.config).starts_with("{:apps [{:name \"a\""));
        let t = translate(
            "e.config.mjs",
            "const config = { apps: [] };\nexport default config;",
            false,
        )
        .unwrap();
        assert!(t.default_export);
        assert_eq!(t.config, Edn::Symbol("config".into()));
    }

    #[test]
    fn json_files_are_expressions_with_comments() {
        let t = translate("conf.json", "// TG!\n[{\n  // Application 1\n  name: 'echo', env: { TOTO: process.env.NODE_ENV || 'vazytg' }\n}]", true).unwrap();
        assert_eq!(t.header, ["TG!"]);
        let out = text(&t.config);
        assert!(out.contains(";; Application 1"), "{out}");
        assert!(out.contains("#or [#env NODE_ENV \"vazytg\"]"), "{out}");
    }

    #[test]
    fn syntax_errors_are_labelled() {
        let error = translate("bad.config.js", "module.exports = { apps: [ }", false).unwrap_err();
        assert_eq!(error.code(), "convert::js-syntax");
    }
}
