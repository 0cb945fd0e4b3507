//! Special forms: `def`, `defn`, `fn`, `let`, `if`, `when`, `when-not`, `cond`, `case`,
//! `do`, `quote`, `and`, `or`, `->`, `->>`, `for`, `import`, `import?` and `comment`.
//! Their arguments are forms, evaluated (or not) as each form decides.

use std::sync::Arc;

use pm2_dsl_reader::{Form, FormKind, ListIndent, Span, Symbol};

use crate::destructure::bind;
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::function::{Arity, Closure, Function, FunctionKind};
use crate::scope::Scope;
use crate::value::{NODE, Seq, Value, ValueKind};

/// A special form's implementation: the whole form, its arguments, and the scope.
pub(crate) type Special = fn(&mut Evaluator, &Form, &[Form], &Scope) -> Result<Value, EvalError>;

/// A special form: how it is written, what it does, how `fmt` indents it, and its
/// implementation.
pub(crate) struct SpecialForm {
    pub name: &'static str,
    pub usage: &'static str,
    pub doc: &'static str,
    pub indent: ListIndent,
    pub eval: Special,
}

const fn special(
    name: &'static str,
    usage: &'static str,
    doc: &'static str,
    indent: ListIndent,
    eval: Special,
) -> SpecialForm {
    SpecialForm {
        name,
        usage,
        doc,
        indent,
        eval,
    }
}

pub(crate) const SPECIALS: &[SpecialForm] = &[
    special(
        "def",
        "(def name doc? value)",
        "Binds name to the value in this file's scope (top level only). Other files see it through (import \"file\" :as alias) as alias/name.",
        ListIndent::Body,
        def,
    ),
    special(
        "defn",
        "(defn name doc? [params] body...)",
        "Defines a function in this file's scope (top level only). Several arities: (defn name ([a] ...) ([a b] ...)). Parameters destructure like let.",
        ListIndent::Body,
        defn,
    ),
    special(
        "fn",
        "(fn name? [params] body...)",
        "A function; [a b & more] takes the rest as a list, and parameters destructure like let.",
        ListIndent::Body,
        fn_,
    ),
    special(
        "let",
        "(let [name value ...] body...)",
        "Binds names in order (each sees the ones before) and evaluates the body. Names can destructure vectors ([a b & more]) and maps ({:keys [a b]}).",
        ListIndent::Body,
        let_,
    ),
    special(
        "if",
        "(if test then else?)",
        "then when test is truthy (anything but nil and false), else else (nil).",
        ListIndent::Body,
        if_,
    ),
    special(
        "when",
        "(when test body...)",
        "The body's last value when test is truthy, else nil.",
        ListIndent::Body,
        when,
    ),
    special(
        "when-not",
        "(when-not test body...)",
        "The body's last value when test is falsy, else nil.",
        ListIndent::Body,
        when_not,
    ),
    special(
        "cond",
        "(cond test expr ...)",
        "The expr of the first truthy test (use :else as the last test for a default), else nil.",
        ListIndent::Body,
        cond,
    ),
    special(
        "case",
        "(case value constant result ... default?)",
        "The result whose constant equals the value (a list of constants matches any of them), else the default; no match and no default is an error.",
        ListIndent::Body,
        case,
    ),
    special(
        "do",
        "(do form...)",
        "Evaluates the forms in order; the value is the last one's.",
        ListIndent::Body,
        do_,
    ),
    special(
        "quote",
        "(quote form) 'form",
        "The form as data, unevaluated.",
        ListIndent::Call,
        quote,
    ),
    special(
        "and",
        "(and x...)",
        "The first falsy value, else the last value (true for none); stops at the first falsy one.",
        ListIndent::Call,
        and,
    ),
    special(
        "or",
        "(or x...)",
        "The first truthy value, else the last value (nil for none); stops at the first truthy one.",
        ListIndent::Call,
        or,
    ),
    special(
        "->",
        "(-> x (f a) ...)",
        "Threads x through the forms as their first argument: (-> m (assoc :a 1)) is (assoc m :a 1).",
        ListIndent::Call,
        thread_first,
    ),
    special(
        "->>",
        "(->> x (f a) ...)",
        "Threads x through the forms as their last argument: (->> apps (map f)) is (map f apps).",
        ListIndent::Call,
        thread_last,
    ),
    special(
        "for",
        "(for [x coll :when test :let [y ...]] body)",
        "A vector of the body's value for each binding of x (nested bindings multiply); :when filters, :let binds.",
        ListIndent::Body,
        for_,
    ),
    special(
        "import",
        "(import \"path\") (import \"path\" :as alias)",
        "The value of another file, relative to this one; with :as (top level only), that file's defs as alias/name. A missing file is an error.",
        ListIndent::Call,
        import,
    ),
    special(
        "import?",
        "(import? \"path\") (import? \"path\" :as alias)",
        "As import, but a missing file gives nil: for optional local overrides.",
        ListIndent::Call,
        import_optional,
    ),
    special(
        "comment",
        "(comment form...)",
        "Ignores its forms; the value is nil.",
        ListIndent::Body,
        comment,
    ),
    special(
        "ns",
        "(ns name (:require ...)...)",
        "Accepted and ignored (the value is nil), so files written for the original pm2-clj, which start with one, evaluate. Nothing it requires is bound: the original's functions are built in under their full names, pm2-clj.dsl/compose and pm2-clj.dsl/app.",
        ListIndent::Body,
        comment,
    ),
];

/// The special form named `name`.
pub(crate) fn lookup(name: &str) -> Option<&'static SpecialForm> {
    SPECIALS.iter().find(|s| s.name == name)
}

/// The names of all special forms.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    SPECIALS.iter().map(|s| s.name)
}

pub(crate) fn syntax_error(name: &str, span: Span, message: impl Into<String>) -> EvalError {
    EvalError::new(
        EvalErrorKind::Syntax {
            form: name.to_string(),
            message: message.into(),
        },
        Some(span),
    )
}

fn head_name(form: &Form) -> String {
    match &form.kind {
        FormKind::List(items) => items.first().map(pm2_dsl_reader::to_compact).unwrap_or_default(),
        _ => String::new(),
    }
}

fn expect_args(
    form: &Form,
    args: &[Form],
    min: usize,
    max: Option<usize>,
    shape: &str,
) -> Result<(), EvalError> {
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        return Err(syntax_error(
            &head_name(form),
            form.span,
            format!("expected {shape}"),
        ));
    }
    Ok(())
}

fn nil_at(span: Span) -> Value {
    Value::new(ValueKind::Nil, Some(span))
}

fn quote(_: &mut Evaluator, form: &Form, args: &[Form], _: &Scope) -> Result<Value, EvalError> {
    expect_args(form, args, 1, Some(1), "(quote form)")?;
    Ok(Value::from_form(&args[0]))
}

fn comment(_: &mut Evaluator, form: &Form, _: &[Form], _: &Scope) -> Result<Value, EvalError> {
    Ok(nil_at(form.span))
}

fn do_(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    ev.eval_body(args, scope, form.span)
}

fn if_(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    expect_args(form, args, 2, Some(3), "(if test then else?)")?;
    if !ev.eval(&args[0], scope)?.is_falsy() {
        ev.eval(&args[1], scope)
    } else if let Some(otherwise) = args.get(2) {
        ev.eval(otherwise, scope)
    } else {
        Ok(nil_at(form.span))
    }
}

fn when(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    expect_args(form, args, 1, None, "(when test body...)")?;
    if ev.eval(&args[0], scope)?.is_falsy() {
        return Ok(nil_at(form.span));
    }
    ev.eval_body(&args[1..], scope, form.span)
}

fn when_not(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    expect_args(form, args, 1, None, "(when-not test body...)")?;
    if !ev.eval(&args[0], scope)?.is_falsy() {
        return Ok(nil_at(form.span));
    }
    ev.eval_body(&args[1..], scope, form.span)
}

fn cond(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    if args.len() % 2 == 1 {
        return Err(syntax_error(
            "cond",
            args[args.len() - 1].span,
            "this test has no expression; cond takes test/expression pairs",
        ));
    }
    for pair in args.chunks(2) {
        if !ev.eval(&pair[0], scope)?.is_falsy() {
            return ev.eval(&pair[1], scope);
        }
    }
    Ok(nil_at(form.span))
}

fn case(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    expect_args(form, args, 1, None, "(case expr test result ... default?)")?;
    let value = ev.eval(&args[0], scope)?;
    let clauses = &args[1..];
    for pair in clauses.chunks(2) {
        let [test, result] = pair else {
            return ev.eval(&pair[0], scope);
        };
        let matches = match &test.kind {
            FormKind::List(options) => options.iter().any(|o| Value::from_form(o) == value),
            _ => Value::from_form(test) == value,
        };
        if matches {
            return ev.eval(result, scope);
        }
    }
    Err(EvalError::new(
        EvalErrorKind::NoMatchingClause {
            value: value.to_edn_short(),
        },
        Some(args[0].span),
    ))
}

fn and(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    let mut last = Value::new(ValueKind::Bool(true), Some(form.span));
    for arg in args {
        last = ev.eval(arg, scope)?;
        if last.is_falsy() {
            break;
        }
    }
    Ok(last)
}

fn or(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    let mut last = nil_at(form.span);
    for arg in args {
        last = ev.eval(arg, scope)?;
        if !last.is_falsy() {
            break;
        }
    }
    Ok(last)
}

fn binding_vector<'f>(name: &str, form: &Form, arg: Option<&'f Form>) -> Result<&'f [Form], EvalError> {
    match arg.map(|a| &a.kind) {
        Some(FormKind::Vector(items)) if items.len() % 2 == 0 => Ok(items),
        Some(FormKind::Vector(_)) => Err(syntax_error(
            name,
            arg.map_or(form.span, |a| a.span),
            "bindings come in pairs: [name value ...]",
        )),
        _ => Err(syntax_error(
            name,
            form.span,
            format!("expected ({name} [name value ...] body...)"),
        )),
    }
}

fn let_(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    let bindings = binding_vector("let", form, args.first())?;
    let mut inner = scope.clone();
    for pair in bindings.chunks(2) {
        let value = ev.eval(&pair[1], &inner)?;
        bind(ev, &pair[0], value, &mut inner)?;
    }
    ev.eval_body(&args[1..], &inner, form.span)
}

fn definition_name<'f>(name: &str, form: &Form, args: &'f [Form]) -> Result<&'f Symbol, EvalError> {
    match args.first().and_then(Form::as_symbol) {
        Some(sym) if sym.namespace().is_none() => Ok(sym),
        _ => Err(syntax_error(
            name,
            form.span,
            format!("expected ({name} name ...)"),
        )),
    }
}

fn top_level_only(name: &str, form: &Form, scope: &Scope) -> Result<(), EvalError> {
    if !scope.is_top() {
        return Err(syntax_error(
            name,
            form.span,
            format!("{name} is allowed only at the top level of a file; use let for local names"),
        ));
    }
    Ok(())
}

fn def(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    top_level_only("def", form, scope)?;
    let name = definition_name("def", form, args)?;
    let expr = match args {
        [_, expr] => expr,
        [_, doc, expr] if matches!(doc.kind, FormKind::Str(_)) => expr,
        _ => return Err(syntax_error("def", form.span, "expected (def name value)")),
    };
    let value = ev.eval(expr, scope)?;
    ev.files[scope.file.0].defs.insert(name.as_arc().clone(), value);
    Ok(nil_at(form.span))
}

fn defn(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    top_level_only("defn", form, scope)?;
    let name = definition_name("defn", form, args)?;
    let mut rest = &args[1..];
    if rest
        .first()
        .is_some_and(|doc| matches!(doc.kind, FormKind::Str(_)))
    {
        rest = &rest[1..];
    }
    if rest
        .first()
        .is_some_and(|attrs| matches!(attrs.kind, FormKind::Map(_)))
    {
        rest = &rest[1..];
    }
    let closure = closure(Some(name.as_arc().clone()), form, rest, scope)?;
    let value = Value::new(ValueKind::Fn(closure), Some(form.span));
    ev.files[scope.file.0].defs.insert(name.as_arc().clone(), value);
    Ok(nil_at(form.span))
}

fn fn_(_: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    let (name, rest) = match args.split_first() {
        Some((
            Form {
                kind: FormKind::Symbol(s),
                ..
            },
            rest,
        )) => (Some(s.as_arc().clone()), rest),
        _ => (None, args),
    };
    let closure = closure(name, form, rest, scope)?;
    Ok(Value::new(ValueKind::Fn(closure), Some(form.span)))
}

/// Builds a closure from `[params] body...` or `([params] body...) ...`.
fn closure(name: Option<Arc<str>>, form: &Form, rest: &[Form], scope: &Scope) -> Result<Function, EvalError> {
    let shape = "expected [params] body... or ([params] body...) ...";
    let arities = match rest.first().map(|f| &f.kind) {
        Some(FormKind::Vector(_)) => vec![arity(&rest[0], &rest[1..])?],
        Some(FormKind::List(_)) => rest
            .iter()
            .map(|clause| match &clause.kind {
                FormKind::List(items) if !items.is_empty() => arity(&items[0], &items[1..]),
                _ => Err(syntax_error("fn", clause.span, shape)),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(syntax_error("fn", form.span, shape)),
    };
    Ok(Function(Arc::new(FunctionKind::Closure(Closure {
        name,
        arities,
        locals: scope.locals.clone(),
        file: scope.file,
        span: form.span,
    }))))
}

fn arity(params: &Form, body: &[Form]) -> Result<Arity, EvalError> {
    let FormKind::Vector(items) = &params.kind else {
        return Err(syntax_error("fn", params.span, "parameters are a vector"));
    };
    let (fixed, rest) = match items
        .iter()
        .position(|p| p.as_symbol().is_some_and(|s| s.as_str() == "&"))
    {
        Some(amp) if amp + 2 == items.len() => (&items[..amp], Some(items[amp + 1].clone())),
        Some(amp) => {
            return Err(syntax_error(
                "fn",
                items[amp].span,
                "`&` takes exactly one pattern after it",
            ));
        }
        None => (&items[..], None),
    };
    Ok(Arity {
        params: fixed.to_vec(),
        rest,
        body: body.to_vec(),
    })
}

fn thread(
    ev: &mut Evaluator,
    form: &Form,
    args: &[Form],
    scope: &Scope,
    last: bool,
) -> Result<Value, EvalError> {
    let name = if last { "->>" } else { "->" };
    expect_args(form, args, 1, None, &format!("({name} value steps...)"))?;
    let mut acc = args[0].clone();
    for step in &args[1..] {
        let items: Vec<Form> = match &step.kind {
            FormKind::List(items) if !items.is_empty() => {
                let mut items = items.to_vec();
                if last {
                    items.push(acc);
                } else {
                    items.insert(1, acc);
                }
                items
            }
            _ => vec![step.clone(), acc],
        };
        acc = Form::new(FormKind::List(items.into()), step.span);
    }
    ev.eval(&acc, scope)
}

fn thread_first(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    thread(ev, form, args, scope, false)
}

fn thread_last(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    thread(ev, form, args, scope, true)
}

fn for_(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    let bindings = binding_vector("for", form, args.first())?;
    if args.len() != 2 {
        return Err(syntax_error("for", form.span, "expected (for [x xs ...] body)"));
    }
    let mut out = Seq::new();
    for_level(ev, bindings, &args[1], scope.clone(), &mut out)?;
    Ok(Value::new(ValueKind::Vector(Arc::new(out)), Some(form.span)))
}

fn for_level(
    ev: &mut Evaluator,
    bindings: &[Form],
    body: &Form,
    scope: Scope,
    out: &mut Seq,
) -> Result<(), EvalError> {
    let Some((pattern, rest)) = bindings.split_first_chunk::<2>() else {
        ev.charge(NODE, body.span)?;
        out.push_back(ev.eval(body, &scope)?);
        return Ok(());
    };
    let [target, expr] = pattern;
    match target.as_keyword().map(|k| k.as_str()) {
        Some("when") => {
            if !ev.eval(expr, &scope)?.is_falsy() {
                for_level(ev, rest, body, scope, out)?;
            }
            Ok(())
        }
        Some("let") => {
            let FormKind::Vector(lets) = &expr.kind else {
                return Err(syntax_error("for", expr.span, ":let takes a binding vector"));
            };
            let mut inner = scope;
            for pair in lets.chunks(2) {
                let [name, value] = pair else {
                    return Err(syntax_error("for", expr.span, "bindings come in pairs"));
                };
                let value = ev.eval(value, &inner)?;
                bind(ev, name, value, &mut inner)?;
            }
            for_level(ev, rest, body, inner, out)
        }
        Some(other) => Err(syntax_error(
            "for",
            target.span,
            format!(":{other} is not a for modifier; use :when or :let"),
        )),
        None => {
            let coll = ev.eval(expr, &scope)?;
            let items = crate::builtins::elements(&coll).ok_or_else(|| {
                EvalError::new(
                    EvalErrorKind::Type {
                        function: "for".into(),
                        expected: "a collection".into(),
                        actual: coll.type_name().into(),
                    },
                    coll.origin().or(Some(expr.span)),
                )
            })?;
            ev.steps_by(items.size_hint().0 as u64, expr.span)?;
            for item in items {
                let mut inner = scope.clone();
                bind(ev, target, item, &mut inner)?;
                for_level(ev, rest, body, inner, out)?;
            }
            Ok(())
        }
    }
}

fn import(ev: &mut Evaluator, form: &Form, args: &[Form], scope: &Scope) -> Result<Value, EvalError> {
    import_file(ev, form, args, scope, false)
}

fn import_optional(
    ev: &mut Evaluator,
    form: &Form,
    args: &[Form],
    scope: &Scope,
) -> Result<Value, EvalError> {
    import_file(ev, form, args, scope, true)
}

fn import_file(
    ev: &mut Evaluator,
    form: &Form,
    args: &[Form],
    scope: &Scope,
    optional: bool,
) -> Result<Value, EvalError> {
    let name = if optional { "import?" } else { "import" };
    let alias = match args {
        [_] => None,
        [_, as_kw, alias] if as_kw.as_keyword().is_some_and(|k| k.as_str() == "as") => {
            match alias.as_symbol() {
                Some(sym) if sym.namespace().is_none() => Some(sym.as_arc().clone()),
                _ => return Err(syntax_error(name, alias.span, ":as takes a symbol")),
            }
        }
        _ => {
            return Err(syntax_error(
                name,
                form.span,
                format!("expected ({name} \"path\") or ({name} \"path\" :as alias)"),
            ));
        }
    };
    if alias.is_some() {
        top_level_only(name, form, scope)?;
    }
    let path = ev.eval(&args[0], scope)?;
    let Some(path) = path.as_str() else {
        return Err(EvalError::new(
            EvalErrorKind::Type {
                function: name.into(),
                expected: "a path string".into(),
                actual: path.type_name().into(),
            },
            Some(args[0].span),
        ));
    };
    let Some(id) = ev.import(scope, path, form.span, optional)? else {
        return Ok(nil_at(form.span));
    };
    match alias {
        Some(alias) => {
            ev.files[scope.file.0].aliases.insert(alias, id);
            Ok(nil_at(form.span))
        }
        None => Ok(ev.file_value(id)),
    }
}

/// `^:ref [:path ...]`: the same as `#ref [:path ...]`.
pub(crate) fn reference(form: &Form, path: &[Form]) -> Result<Value, EvalError> {
    let path: Vec<Value> = path.iter().map(Value::from_form).collect();
    Ok(Value::new(ValueKind::Ref(path.into()), Some(form.span)))
}
