//! Reader tags, with Aero's names and meanings: `#env`, `#envf`, `#or`, `#profile`,
//! `#long`, `#double`, `#keyword`, `#boolean`, `#join`, `#merge`, `#deep-merge`,
//! `#include`, `#include?`, `#ref`; `#inst` and `#uuid` stay tagged data.
//!
//! `#env` and `#envf` take variable names as written (symbols or strings, never looked up
//! as bindings); `#ref` paths are data; `#or` and `#profile` evaluate lazily (only the
//! chosen branch); the other tags evaluate their argument first. Missing variables read
//! as nil for `#env` and as "" inside `#envf`.

use std::sync::Arc;

use pm2_dsl_reader::{Form, FormKind, Span, Tagged};

use crate::builtins::{format, seq_items, str_of};
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::merge::{deep_merge_all, merge_all};
use crate::scope::Scope;
use crate::special::syntax_error;
use crate::suggest::closest;
use crate::value::{Value, ValueKind};

const TAGS: &[&str] = &[
    "env",
    "envf",
    "or",
    "profile",
    "long",
    "double",
    "keyword",
    "boolean",
    "join",
    "merge",
    "deep-merge",
    "include",
    "include?",
    "ref",
    "inst",
    "uuid",
];

impl Evaluator {
    /// Evaluates a tagged form.
    pub(crate) fn eval_tag(&mut self, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
        let origin = Some(form.span);
        match t.tag.as_str() {
            "env" => {
                let name = self.env_name("#env", &t.form, scope)?;
                Ok(self.env_value(&name, form.span))
            }
            "envf" => self.envf(&t.form, scope, form.span),
            "or" => {
                let items = literal_vector("#or", &t.form)?;
                for item in items {
                    let value = self.eval(item, scope)?;
                    if !value.is_falsy() {
                        return Ok(value);
                    }
                }
                Ok(Value::new(ValueKind::Nil, origin))
            }
            "profile" => self.profile_branch(&t.form, scope, form.span),
            tag @ ("long" | "double" | "keyword" | "boolean") => {
                let value = self.eval(&t.form, scope)?;
                coerce(tag, value, env_var_of(&t.form), form.span)
            }
            "join" => {
                let value = self.eval(&t.form, scope)?;
                let items = seq_of("#join", &value, t.form.span)?;
                let text: String = items.iter().map(str_of).collect();
                Ok(Value::new(ValueKind::Str(text.into()), origin))
            }
            tag @ ("merge" | "deep-merge") => {
                let value = self.eval(&t.form, scope)?;
                let items = seq_of(&format!("#{tag}"), &value, t.form.span)?;
                let merged = if tag == "merge" {
                    merge_all(&format!("#{tag}"), items, form.span)?
                } else {
                    deep_merge_all(&format!("#{tag}"), items, form.span)?
                };
                Ok(merged.or_origin(origin))
            }
            tag @ ("include" | "include?") => {
                let path = self.eval(&t.form, scope)?;
                let Some(path) = path.as_str() else {
                    return Err(type_error(
                        &format!("#{tag}"),
                        "a path string",
                        &path,
                        t.form.span,
                    ));
                };
                match self.import(scope, path, form.span, tag == "include?")? {
                    Some(id) => Ok(self.file_value(id)),
                    None => Ok(Value::new(ValueKind::Nil, origin)),
                }
            }
            "ref" => {
                let FormKind::Vector(path) = &t.form.kind else {
                    return Err(syntax_error(
                        "#ref",
                        t.form.span,
                        "#ref takes a vector path, such as #ref [:apps 0 :name]",
                    ));
                };
                crate::special::reference(form, path)
            }
            "inst" | "uuid" => Ok(Value::from_form(form)),
            other => Err(EvalError::new(
                EvalErrorKind::UnknownTag {
                    tag: other.to_string(),
                    suggestion: closest(other, TAGS.iter().copied()),
                },
                Some(t.tag_span),
            )),
        }
    }

    /// The variable name of `#env X`: a symbol or string as written, or any form that
    /// evaluates to a string.
    fn env_name(&mut self, tag: &str, form: &Form, scope: &Scope) -> Result<String, EvalError> {
        match &form.kind {
            FormKind::Symbol(s) => Ok(s.as_str().to_string()),
            FormKind::Str(s) => Ok(s.to_string()),
            _ => {
                let value = self.eval(form, scope)?;
                match value.kind() {
                    ValueKind::Str(s) => Ok(s.to_string()),
                    ValueKind::Keyword(k) | ValueKind::Symbol(k) => Ok(k.as_str().to_string()),
                    _ => Err(type_error(tag, "a variable name", &value, form.span)),
                }
            }
        }
    }

    /// The value of an environment variable as a string, or nil.
    pub(crate) fn env_value(&self, name: &str, span: Span) -> Value {
        let kind = match self.options.env.get(name) {
            Some(v) => ValueKind::Str(Arc::from(v)),
            None => ValueKind::Nil,
        };
        Value::new(kind, Some(span))
    }

    fn envf(&mut self, form: &Form, scope: &Scope, span: Span) -> Result<Value, EvalError> {
        let items = literal_vector("#envf", form)?;
        let Some((fmt, names)) = items.split_first() else {
            return Err(syntax_error(
                "#envf",
                form.span,
                "#envf takes [\"format\" VAR ...]",
            ));
        };
        let fmt_value = self.eval(fmt, scope)?;
        let Some(fmt_text) = fmt_value.as_str() else {
            return Err(type_error("#envf", "a format string", &fmt_value, fmt.span));
        };
        let mut args = Vec::with_capacity(names.len());
        for name in names {
            let var = self.env_name("#envf", name, scope)?;
            let value = self.options.env.get(&var).unwrap_or("");
            args.push(Value::new(ValueKind::Str(Arc::from(value)), Some(name.span)));
        }
        let text = format(fmt_text, &args)
            .map_err(|message| EvalError::new(EvalErrorKind::Format { message }, Some(fmt.span)))?;
        Ok(Value::new(ValueKind::Str(text.into()), Some(span)))
    }

    fn profile_branch(&mut self, form: &Form, scope: &Scope, span: Span) -> Result<Value, EvalError> {
        let FormKind::Map(entries) = &form.kind else {
            return Err(syntax_error(
                "#profile",
                form.span,
                "#profile takes a map of profiles, such as #profile {:dev 1 :prod 2 :default 0}",
            ));
        };
        let selected = self.options.profile.clone();
        let mut chosen = None;
        let mut default = None;
        for (key, value) in entries.iter() {
            let names: Vec<&str> = match &key.kind {
                FormKind::Keyword(k) => vec![k.as_str()],
                FormKind::Set(items) if items.iter().all(|i| i.as_keyword().is_some()) => items
                    .iter()
                    .filter_map(|i| i.as_keyword().map(|k| k.as_str()))
                    .collect(),
                _ => {
                    return Err(syntax_error(
                        "#profile",
                        key.span,
                        "profile keys are keywords or sets of keywords",
                    ));
                }
            };
            for name in &names {
                if *name == "default" {
                    default = Some(value);
                } else {
                    self.profiles_seen.insert(name.to_string());
                }
            }
            if chosen.is_none() && selected.as_deref().is_some_and(|p| names.contains(&p)) {
                chosen = Some(value);
            }
        }
        match chosen.or(default) {
            Some(branch) => self.eval(branch, scope),
            None => Ok(Value::new(ValueKind::Nil, Some(span))),
        }
    }
}

fn literal_vector<'f>(tag: &str, form: &'f Form) -> Result<&'f [Form], EvalError> {
    match &form.kind {
        FormKind::Vector(items) => Ok(items),
        _ => Err(syntax_error(
            tag,
            form.span,
            format!("{tag} takes a vector, such as {tag} [a b]"),
        )),
    }
}

fn type_error(function: &str, expected: &str, value: &Value, span: Span) -> EvalError {
    EvalError::new(
        EvalErrorKind::Type {
            function: function.to_string(),
            expected: expected.to_string(),
            actual: value.type_name().to_string(),
        },
        value.origin().or(Some(span)),
    )
}

fn seq_of(tag: &str, value: &Value, span: Span) -> Result<Vec<Value>, EvalError> {
    seq_items(value).ok_or_else(|| type_error(tag, "a vector", value, span))
}

/// The variable behind `#env X` when a coercion's argument is written that way.
fn env_var_of(form: &Form) -> Option<String> {
    match &form.kind {
        FormKind::Tagged(t) if t.tag.as_str() == "env" => match &t.form.kind {
            FormKind::Symbol(s) => Some(s.as_str().to_string()),
            FormKind::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `#long`, `#double`, `#keyword` and `#boolean`.
fn coerce(tag: &str, value: Value, env_var: Option<String>, span: Span) -> Result<Value, EvalError> {
    let origin = Some(span);
    let fail = |value: &Value| {
        let printed = if value.is_nil() {
            "nil".to_string()
        } else {
            value.to_edn()
        };
        EvalError::new(
            EvalErrorKind::Coercion {
                tag: format!("#{tag}"),
                value: printed,
                env_var: env_var.clone(),
            },
            value.origin().or(origin),
        )
    };
    let kind = match (tag, value.kind()) {
        ("long", ValueKind::Int(i)) => ValueKind::Int(*i),
        ("long", ValueKind::BigInt(b)) => ValueKind::Int(i64::try_from(&**b).map_err(|_| fail(&value))?),
        ("long", ValueKind::Str(s)) => {
            ValueKind::Int(s.trim_start_matches('+').parse().map_err(|_| fail(&value))?)
        }
        ("double", ValueKind::Float(f)) => ValueKind::Float(*f),
        ("double", ValueKind::Int(i)) => ValueKind::Float(*i as f64),
        ("double", ValueKind::Str(s)) => match s.parse::<f64>() {
            Ok(f) if !s.trim().is_empty() => ValueKind::Float(f),
            _ => return Err(fail(&value)),
        },
        ("keyword", ValueKind::Keyword(k)) => ValueKind::Keyword(k.clone()),
        ("keyword", ValueKind::Symbol(s)) => ValueKind::Keyword(s.clone()),
        ("keyword", ValueKind::Str(s)) if !s.trim_start_matches(':').is_empty() => {
            ValueKind::Keyword(pm2_dsl_reader::Symbol::new(s.trim_start_matches(':')))
        }
        ("boolean", ValueKind::Bool(b)) => ValueKind::Bool(*b),
        ("boolean", ValueKind::Str(s)) => ValueKind::Bool(s.eq_ignore_ascii_case("true")),
        ("boolean", _) => ValueKind::Bool(false),
        _ => return Err(fail(&value)),
    };
    Ok(Value::new(kind, value.origin().or(origin)))
}
