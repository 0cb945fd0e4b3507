//! Expressions: literals, template literals as `(str ...)`, `||` / `??` chains as
//! `#or`, `&&`, conditions, comparisons and arithmetic, the calls with a pm2-clj
//! equivalent (`parseInt`, `Number`, `parseFloat`, `String`); anything else becomes a
//! hole.

use oxc_ast::ast::{Argument, BinaryOperator, Expression, LogicalOperator, UnaryOperator};
use oxc_span::{GetSpan, Span};

use super::bindings::Binding;
use super::idioms::env_read;
use super::{Cx, PATH_TAG, Translator, Val};
use crate::edn::Edn;
use crate::paths;

pub(super) fn number(value: f64) -> Edn {
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

/// A value as JavaScript turns it into text: an environment read with no fallback is
/// `undefined` when the variable is unset, and `'-' + undefined` is `"-undefined"`, so
/// it reads `#or [#env X "undefined"]`, which renders what pm2 reads.
fn as_text(edn: Edn) -> Edn {
    match edn {
        Edn::Tagged("env", _) => {
            Edn::Tagged("or", Box::new(Edn::vector([edn, Edn::Str("undefined".into())])))
        }
        other => other,
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

impl Translator<'_> {
    /// A hole for the expression at `span`; the comments inside it are quoted.
    pub(super) fn hole(&mut self, span: Span) -> Edn {
        self.comments.quoted(span.start, span.end);
        let js = self.slice(span).to_string();
        self.push_hole(js, span.start)
    }

    /// The form of a translated value: a path is marked as relative to the file's
    /// folder, or — in an `env` block, where the app gets it as text — absolute, as node
    /// computes it from `__dirname`.
    pub(super) fn form_of(&self, val: Val, cx: Cx) -> Edn {
        match val {
            Val::Edn(e) => e,
            Val::Path(p) if cx.env => Edn::Str(paths::join(&self.folder.to_string_lossy(), &[&p], false)),
            Val::Path(p) => Edn::Tagged(PATH_TAG, Box::new(Edn::Str(p))),
        }
    }

    /// `e` as a form; a hole when it has no translation.
    pub(super) fn expr(&mut self, e: &Expression, cx: Cx) -> Edn {
        match self.value(e, cx) {
            Some(v) => self.form_of(v, cx),
            None => self.hole(e.span()),
        }
    }

    pub(super) fn value(&mut self, e: &Expression, cx: Cx) -> Option<Val> {
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
                        let part = self.expr(inner, cx);
                        parts.push(as_text(part));
                    }
                }
                match parts.as_slice() {
                    [] => Edn::Str(String::new()),
                    [Edn::Str(s)] => Edn::Str(s.clone()),
                    _ => Edn::call("str", parts),
                }
            }
            Expression::ObjectExpression(o) => return self.object(o, cx).map(Val::Edn),
            Expression::ArrayExpression(a) => self.array(a, cx)?,
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
                let left = self.form_of(left, cx);
                let right = self.value(&b.right, cx)?;
                let right = self.form_of(right, cx);
                match head {
                    "+" if stringy(&left) || stringy(&right) => {
                        let mut parts = Vec::new();
                        for side in [left, right] {
                            match side {
                                Edn::List(items) if matches!(items.first(), Some(Edn::Symbol(s)) if s == "str") =>
                                {
                                    parts.extend(items.into_iter().skip(1));
                                }
                                other => parts.push(as_text(other)),
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
            Binding::Opaque | Binding::PathModule | Binding::OsModule | Binding::FileUrlToPath => None,
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
                    return Some(Val::Edn(Edn::call("str", [as_text(inner)])));
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
}
