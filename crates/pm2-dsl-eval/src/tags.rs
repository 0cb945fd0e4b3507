//! Reader tags, with Aero's names and meanings: `#env`, `#envf`, `#or`, `#profile`,
//! `#long`, `#double`, `#keyword`, `#boolean`, `#join`, `#merge`, `#deep-merge`,
//! `#include`, `#include?`, `#ref`; `#inst` and `#uuid` stay tagged data. And pm2-clj's
//! own, for what PM2 users ask: `#env!` (a required variable), `#dotenv` and `#dotenv?`
//! (a `.env` file as a map), `#secret` (a value never shown) and `#venv` (a virtual
//! environment's Python).
//!
//! `#env`, `#env!` and `#envf` take variable names as written (symbols or strings, never
//! looked up as bindings); `#ref` paths are data; `#or` and `#profile` evaluate lazily
//! (only the chosen branch); the other tags evaluate their argument first. Missing
//! variables read as nil for `#env` and as "" inside `#envf`.

use std::sync::Arc;

use pm2_dsl_reader::{Form, FormKind, Number, Span, Tagged};

use crate::builtins::{charge_map, elements, format, seq_items};
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::{Evaluator, UnsetEnv};
use crate::loader::Found;
use crate::merge::{deep_merge_all, merge_all};
use crate::scope::Scope;
use crate::special::syntax_error;
use crate::suggest::closest;
use crate::value::Hidden;
use crate::value::{Value, ValueKind};

/// A reader tag's implementation: the tagged literal, the whole form, and the scope.
type TagFn = fn(&mut Evaluator, &Tagged, &Form, &Scope) -> Result<Value, EvalError>;

/// A reader tag: how it is written, what it does, and its implementation.
pub(crate) struct Tag {
    pub name: &'static str,
    pub usage: &'static str,
    pub doc: &'static str,
    eval: TagFn,
}

const fn tag(name: &'static str, usage: &'static str, doc: &'static str, eval: TagFn) -> Tag {
    Tag {
        name,
        usage,
        doc,
        eval,
    }
}

pub(crate) const TAGS: &[Tag] = &[
    tag(
        "env",
        "#env NAME",
        "The environment variable NAME as a string, or nil when it is not set (\"\" counts as set). NAME is written as is: a symbol or string, never looked up as a binding.",
        env,
    ),
    tag(
        "env!",
        "#env! NAME",
        "The environment variable NAME as a string; when it is not set, an error that names NAME and this place (\"\" counts as set). For variables an app cannot run without.",
        env_required,
    ),
    tag(
        "envf",
        "#envf [\"format\" NAME...]",
        "The format string filled with the variables' values (%s), a missing variable reading as \"\".",
        envf,
    ),
    tag(
        "or",
        "#or [a b ...]",
        "The first value that is neither nil nor false; later ones are not evaluated. #or [#env PORT 8080] gives a default.",
        or,
    ),
    tag(
        "profile",
        "#profile {:dev a :prod b :default c}",
        "The branch of the selected profile (a set key such as #{:dev :test} matches any member), else :default, else nil. Only the chosen branch is evaluated.",
        profile,
    ),
    tag(
        "long",
        "#long x",
        "x as an integer: integers stay, strings are parsed. nil (an unset #env) is an error that names the variable.",
        coerce_tag,
    ),
    tag(
        "double",
        "#double x",
        "x as a float: numbers convert, strings are parsed.",
        coerce_tag,
    ),
    tag(
        "keyword",
        "#keyword x",
        "x as a keyword: from a string (a leading colon is dropped), symbol or keyword.",
        coerce_tag,
    ),
    tag(
        "boolean",
        "#boolean x",
        "true for true or a string equal to \"true\" ignoring case; false for anything else.",
        coerce_tag,
    ),
    tag(
        "join",
        "#join [x ...]",
        "The values as text, concatenated (as str).",
        join,
    ),
    tag(
        "merge",
        "#merge [map ...]",
        "The maps merged left to right, the right value winning (as merge).",
        merge_tag,
    ),
    tag(
        "deep-merge",
        "#deep-merge [map ...]",
        "The maps merged recursively (as deep-merge, with ^:append, ^:prepend, ^:replace and ^:displace).",
        merge_tag,
    ),
    tag(
        "include",
        "#include \"path\"",
        "The value of another file, relative to this one. A missing file is an error.",
        include,
    ),
    tag(
        "include?",
        "#include? \"path\"",
        "The value of another file, or nil when it does not exist: for optional local overrides.",
        include,
    ),
    tag(
        "dotenv",
        "#dotenv \".env\"",
        "The variables of a .env file (relative to this file) as a map of keyword names to strings, for (merge #dotenv \".env\" {...}) in :env. Quotes, export, comments, escapes and multi-line values as dotenvy reads them; later lines win. $NAME and ${NAME} (outside single quotes) are the value of an earlier line, else of the variable in the environment #env reads, else \"\". A missing file is an error; watch reloads the apps of the files that read it when it changes.",
        dotenv,
    ),
    tag(
        "dotenv?",
        "#dotenv? \".env.local\"",
        "The variables of a .env file, as #dotenv reads them, or {} when the file does not exist: for optional local overrides.",
        dotenv,
    ),
    tag(
        "secret",
        "#secret x",
        "x, marked secret: eval, check, diagnostics, status, watch and editors show #secret \"•••\" (\"<secret>\" in JSON) for it and for text made from it; only the generated PM2 files, written private (mode 0600), hold its value. eval --show-secrets shows it.",
        secret,
    ),
    tag(
        "venv",
        "#venv \".venv\"",
        "The Python of a virtual environment (a folder relative to this file): its bin/python (Scripts\\python.exe on Windows) when the folder exists, else \"python3\". For :interpreter. A folder without a Python is an error.",
        venv,
    ),
    tag(
        "ref",
        "#ref [:key ...]",
        "The value at this path in this file's result, resolved after evaluation (^:ref [...] is the same). A path that leads nowhere, or refs that form a cycle, are errors.",
        reference,
    ),
    tag(
        "inst",
        "#inst \"2024-01-31T12:00:00Z\"",
        "An instant, kept as tagged data.",
        literal,
    ),
    tag(
        "uuid",
        "#uuid \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\"",
        "A UUID, kept as tagged data.",
        literal,
    ),
];

/// The tag named `name` (without `#`).
pub(crate) fn lookup(name: &str) -> Option<&'static Tag> {
    TAGS.iter().find(|t| t.name == name)
}

fn env(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let name = ev.env_name("#env", &t.form, scope)?;
    ev.env_value(&name, form.span)
}

fn env_required(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let name = ev.env_name("#env!", &t.form, scope)?;
    if ev.options.env.get(&name).is_none() {
        return Err(EvalError::new(
            EvalErrorKind::EnvRequired { name },
            Some(form.span),
        ));
    }
    ev.env_value(&name, form.span)
}

fn dotenv(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let name = format!("#{}", t.tag);
    let path = ev.eval(&t.form, scope)?;
    let Some(path) = path.as_str() else {
        return Err(type_error(&name, "a path string", &path, t.form.span));
    };
    let from = ev.location_of(scope);
    ev.dotenv(&from, path, form.span, t.tag.as_str() == "dotenv?")
}

fn secret(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let value = ev.eval(&t.form, scope)?;
    Ok(value.or_origin(Some(form.span)).into_secret())
}

fn venv(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let dir = ev.eval(&t.form, scope)?;
    let Some(dir) = dir.as_str() else {
        return Err(type_error("#venv", "a folder path string", &dir, t.form.span));
    };
    let python = if cfg!(windows) {
        "Scripts\\python.exe"
    } else {
        "bin/python"
    };
    let from = ev.location_of(scope);
    let folder = ev.loader.resolve(Some(&from), dir);
    let written = format!("{}/{python}", dir.trim_end_matches(['/', '\\']));
    let found = ev.loader.resolve(Some(&from), &written);
    let chosen = match (ev.loader.found(&found), ev.loader.found(&folder)) {
        (Found::File, _) => written,
        (_, Found::Nothing) => "python3".to_string(),
        (_, Found::Folder | Found::File) => {
            let kind = EvalErrorKind::VenvWithoutPython {
                venv: folder,
                python: found,
            };
            return Err(EvalError::new(kind, Some(form.span)));
        }
    };
    ev.charge(chosen.len() as u64, form.span)?;
    Ok(Value::new(ValueKind::Str(Arc::from(chosen)), Some(form.span)))
}

fn envf(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    ev.envf(&t.form, scope, form.span)
}

fn or(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    for item in literal_vector("#or", &t.form)? {
        let value = ev.eval(item, scope)?;
        if !value.is_falsy() {
            return Ok(value);
        }
    }
    Ok(Value::new(ValueKind::Nil, Some(form.span)))
}

fn profile(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    ev.profile_branch(&t.form, scope, form.span)
}

fn coerce_tag(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let value = ev.eval(&t.form, scope)?;
    coerce(t.tag.as_str(), value, env_var_of(&t.form), form.span)
}

fn join(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let value = ev.eval(&t.form, scope)?;
    let items = elements(&value).ok_or_else(|| type_error("#join", "a vector", &value, t.form.span))?;
    ev.steps_by(items.size_hint().0 as u64, form.span)?;
    let mut out = ev.text_out();
    let written = items
        .into_iter()
        .try_for_each(|item| out.push_value(&item))
        .map(|_| out);
    ev.finish_text(written, form.span)
}

fn merge_tag(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let name = format!("#{}", t.tag);
    let value = ev.eval(&t.form, scope)?;
    let items = seq_of(&name, &value, t.form.span)?;
    let merged = if t.tag.as_str() == "merge" {
        merge_all(&name, items, form.span)?
    } else {
        deep_merge_all(&name, items, form.span)?
    };
    charge_map(ev, &merged, form.span)?;
    Ok(merged.or_origin(Some(form.span)))
}

fn include(ev: &mut Evaluator, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
    let name = format!("#{}", t.tag);
    let path = ev.eval(&t.form, scope)?;
    let Some(path) = path.as_str() else {
        return Err(type_error(&name, "a path string", &path, t.form.span));
    };
    ev.including = true;
    let imported = ev.import(scope, path, form.span, t.tag.as_str() == "include?");
    ev.including = false;
    match imported? {
        // An included file is data, often secrets kept out of the repository (Aero's
        // `#include #join [#env HOME "/.secrets.edn"]`): its values are not shown.
        Some(id) => Ok(ev.included_value(id)),
        None => Ok(Value::new(ValueKind::Nil, Some(form.span))),
    }
}

fn reference(_: &mut Evaluator, t: &Tagged, form: &Form, _: &Scope) -> Result<Value, EvalError> {
    let FormKind::Vector(path) = &t.form.kind else {
        return Err(syntax_error(
            "#ref",
            t.form.span,
            "#ref takes a vector path, such as #ref [:apps 0 :name]",
        ));
    };
    crate::special::reference(form, path)
}

fn literal(_: &mut Evaluator, _: &Tagged, form: &Form, _: &Scope) -> Result<Value, EvalError> {
    Ok(Value::from_form(form))
}

impl Evaluator {
    /// Evaluates a tagged form.
    pub(crate) fn eval_tag(&mut self, t: &Tagged, form: &Form, scope: &Scope) -> Result<Value, EvalError> {
        match lookup(t.tag.as_str()) {
            Some(tag) => (tag.eval)(self, t, form, scope),
            None => {
                let suggestion = closest(t.tag.as_str(), TAGS.iter().map(|t| t.name));
                let none_close = suggestion.is_none();
                let error = EvalError::new(
                    EvalErrorKind::UnknownTag {
                        tag: t.tag.as_str().to_string(),
                        suggestion,
                    },
                    Some(t.tag_span),
                );
                // With nothing close to suggest, the help lists the tags there are.
                Err(if none_close {
                    let tags: Vec<String> = TAGS.iter().map(|t| format!("#{}", t.name)).collect();
                    error.with_help(format!("the tags are {}", tags.join(" ")))
                } else {
                    error
                })
            }
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

    /// The value of an environment variable as a string (charged to the data budget),
    /// or nil (and the read is recorded as unset).
    pub(crate) fn env_value(&mut self, name: &str, span: Span) -> Result<Value, EvalError> {
        let kind = match self.options.env.get(name) {
            Some(v) => ValueKind::Str(Arc::from(v)),
            None => {
                self.unset_env.push(UnsetEnv {
                    name: name.to_string(),
                    at: span,
                });
                ValueKind::Nil
            }
        };
        let value = Value::new(kind, Some(span));
        self.charge(value.as_str().map_or(0, str::len) as u64, span)?;
        // What the environment holds is not shown (see `Hidden`); that it is unset is.
        if value.is_nil() {
            return Ok(value);
        }
        Ok(value.into_hidden(&Arc::new(Hidden::Env(Arc::from(name)))))
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
            let hidden = Arc::new(Hidden::Env(Arc::from(var.as_str())));
            args.push(Value::new(ValueKind::Str(Arc::from(value)), Some(name.span)).into_hidden(&hidden));
        }
        let mut out = self.text_out();
        format(fmt_text, &args, &mut out).map_err(|e| e.at(self, fmt.span))?;
        self.finish_text(Ok(out), span)
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
            value.to_edn_short()
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
        ("long", ValueKind::Number(Number::Int(i))) => ValueKind::Number(Number::Int(*i)),
        ("long", ValueKind::Number(Number::BigInt(b))) => {
            ValueKind::Number(Number::Int(i64::try_from(b.value()).map_err(|_| fail(&value))?))
        }
        ("long", ValueKind::Str(s)) => ValueKind::Number(Number::Int(
            s.trim_start_matches('+').parse().map_err(|_| fail(&value))?,
        )),
        ("double", ValueKind::Number(Number::Float(f))) => ValueKind::Number(Number::Float(*f)),
        ("double", ValueKind::Number(Number::Int(i))) => ValueKind::Number(Number::Float(*i as f64)),
        ("double", ValueKind::Str(s)) => match s.parse::<f64>() {
            Ok(f) if !s.trim().is_empty() => ValueKind::Number(Number::Float(f)),
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
    Ok(Value::new(kind, value.origin().or(origin)).hidden_as(value.hidden_arc()))
}

/// The form with every value written literally under `#secret` replaced by `"•••"`, for
/// printing source forms (`pm2-clj read`): `#secret "hunter2"` shows as
/// `#secret "•••"`, while `#secret #env DB_PASSWORD`, which names where the value comes
/// from, shows as written.
pub fn hide_secret_literals(form: &Form) -> Form {
    let seq = |items: &[Form]| items.iter().map(hide_secret_literals).collect::<Box<[Form]>>();
    let kind = match &form.kind {
        FormKind::Tagged(t)
            if t.tag.as_str() == "secret"
                && !matches!(
                    t.form.kind,
                    FormKind::Tagged(_) | FormKind::Symbol(_) | FormKind::List(_)
                ) =>
        {
            let hidden = Form::new(FormKind::Str(Arc::from(crate::value::SECRET_EDN)), t.form.span);
            FormKind::Tagged(Box::new(Tagged {
                tag: t.tag.clone(),
                tag_span: t.tag_span,
                form: hidden,
            }))
        }
        FormKind::Tagged(t) => FormKind::Tagged(Box::new(Tagged {
            tag: t.tag.clone(),
            tag_span: t.tag_span,
            form: hide_secret_literals(&t.form),
        })),
        FormKind::List(items) => FormKind::List(seq(items)),
        FormKind::Vector(items) => FormKind::Vector(seq(items)),
        FormKind::Set(items) => FormKind::Set(seq(items)),
        FormKind::Map(entries) => FormKind::Map(
            entries
                .iter()
                .map(|(k, v)| (hide_secret_literals(k), hide_secret_literals(v)))
                .collect(),
        ),
        other => other.clone(),
    };
    Form {
        kind,
        span: form.span,
        meta: form.meta.clone(),
    }
}
