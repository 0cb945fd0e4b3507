//! Command-line overrides, `--set PATH=VALUE` and `--unset PATH`, applied after profiles
//! so they win over everything the files say.
//!
//! A path is dotted: `apps.NAME.OPTION...` addresses an app by its `:name` (the option in
//! any spelling), other paths address nested keys (`deploy.production.host`). Values are
//! read as EDN scalars: numbers, booleans, nil and keywords; anything else is a string.
//! `--unset` takes any path, a whole section included: `--unset deploy`, `--unset
//! apps.api` (the app), `--unset apps` (every app). Overrides of `profiles` apply before
//! the profile is chosen, since they change what the overlays are.

use std::sync::Arc;

use pm2_dsl_eval::{Map, Value, ValueKind, closest};
use pm2_dsl_reader::{FormKind, Number, Source, read_all};

use crate::error::{EmitError, EmitErrorKind};
use crate::keys::key_text;

/// One override.
#[derive(Clone, Debug)]
pub struct Override {
    /// The dotted path, split.
    pub path: Vec<String>,
    /// The new value, or `None` to remove the key.
    pub value: Option<Value>,
    /// The override's text (as a source, so errors can point at it).
    pub source: Arc<Source>,
}

fn bad(message: String, source: &Source) -> EmitError {
    EmitError::new(
        EmitErrorKind::BadOverride { message },
        Some(source.span(0, source.text().len())),
    )
}

/// Splits a dotted path; a part in double quotes may hold dots (`apps."web.api".env`),
/// and `\"` inside it is a quote.
fn split_path(path: &str, source: &Source) -> Result<Vec<String>, EmitError> {
    let mut parts = Vec::new();
    let mut chars = path.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') if chars.peek() == Some(&'"') => part.push(chars.next().unwrap_or('"')),
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => {
                        return Err(bad(format!("`{path}` has a quote that is not closed"), source));
                    }
                }
            }
            if !matches!(chars.peek(), None | Some('.')) {
                return Err(bad(
                    format!("`{path}` has text after a quoted part; put a dot after the quote"),
                    source,
                ));
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != '.') {
                part.push(c);
            }
        }
        if part.is_empty() {
            return Err(bad(
                format!("`{path}` has an empty part; write a dotted path such as apps.api.env.PORT"),
                source,
            ));
        }
        parts.push(part);
        if chars.next().is_none() {
            return Ok(parts);
        }
    }
}

/// The `=` that ends a path: the first one outside quotes.
fn path_end(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if quoted => escaped = !escaped,
            '"' if !escaped => quoted = !quoted,
            '=' if !quoted => return Some(i),
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    None
}

/// Parses `--set PATH=VALUE`; `source` holds exactly that text.
pub fn parse_set(source: Arc<Source>) -> Result<Override, EmitError> {
    let text = source.text();
    let Some((path, raw)) = path_end(text).map(|i| (&text[..i], &text[i + 1..])) else {
        return Err(bad(format!("`{text}` has no `=`; write PATH=VALUE"), &source));
    };
    let path = split_path(path, &source)?;
    let start = text.len() - raw.len();
    let span = Some(source.span(start, text.len()));
    let scalar = read_all(&source).ok().and_then(|_| {
        let value_source = Source::standalone("value", raw.to_string());
        let forms = read_all(&value_source).ok()?;
        match forms.as_slice() {
            [form] => match &form.kind {
                FormKind::Nil
                | FormKind::Bool(_)
                | FormKind::Number(Number::Int(_))
                | FormKind::Number(Number::BigInt(_))
                | FormKind::Number(Number::Float(_))
                | FormKind::Number(Number::BigDec(_))
                | FormKind::Keyword(_) => Some(Value::from_form(form).with_origin(span)),
                _ => None,
            },
            _ => None,
        }
    });
    let value = scalar.unwrap_or_else(|| Value::new(ValueKind::Str(raw.into()), span));
    Ok(Override {
        path,
        value: Some(value),
        source,
    })
}

/// Parses `--unset PATH`; `source` holds exactly that text.
pub fn parse_unset(source: Arc<Source>) -> Result<Override, EmitError> {
    let path = split_path(source.text(), &source)?;
    Ok(Override {
        path,
        value: None,
        source,
    })
}

/// The key of `map` that a path segment names: a keyword or string with that text.
fn find_key(map: &Map, segment: &str) -> Option<Value> {
    map.keys().find(|k| key_text(k) == Some(segment)).cloned()
}

/// What `--set` puts in place of `current`: a value set over a secret stays secret.
pub(crate) fn replacing(current: &Value, value: Option<&Value>) -> Value {
    let value = value.cloned().unwrap_or_else(Value::nil);
    if current.is_secret() {
        value.into_secret()
    } else {
        value
    }
}

/// Sets (or removes) `path` inside `target`, creating maps on the way.
pub(crate) fn set_in(
    target: &Value,
    path: &[String],
    value: Option<&Value>,
    o: &Override,
) -> Result<Value, EmitError> {
    let Some((segment, rest)) = path.split_first() else {
        return Ok(replacing(target, value));
    };
    let mut map = match target.kind() {
        ValueKind::Map(m) => m.clone(),
        ValueKind::Nil => Map::new(),
        _ => {
            return Err(bad(
                format!(
                    "`{segment}` is inside {}, which has no keys",
                    pm2_dsl_reader::with_article(target.type_name())
                ),
                &o.source,
            ));
        }
    };
    let key = find_key(&map, segment).unwrap_or_else(|| Value::keyword(segment.as_str()));
    if rest.is_empty() && value.is_none() {
        map.remove(&key);
    } else {
        let inner = map.get(&key).cloned().unwrap_or_else(Value::nil);
        let updated = set_in(&inner, rest, value, o)?;
        map.insert(key, updated);
    }
    Ok(Value::new(ValueKind::Map(map), target.origin()))
}

/// Applies overrides to a whole value, as `eval` shows it: `apps.NAME` finds the app in
/// `:apps` by name.
pub fn apply_to_value(value: &Value, overrides: &[Override]) -> Result<Value, EmitError> {
    let mut value = value.clone();
    for o in overrides {
        value = match o.path.split_first() {
            Some((apps, rest)) if apps == "apps" && !rest.is_empty() => {
                let Some(map) = value.as_map() else {
                    return Err(bad("the file's value is not a map with :apps".into(), &o.source));
                };
                let key = find_key(map, "apps").unwrap_or_else(|| Value::keyword("apps"));
                let list = map.get(&key).and_then(Value::as_seq).cloned().unwrap_or_default();
                let names: Vec<String> = list.iter().filter_map(app_name).collect();
                let index = app_index(&names, &rest[0], o)?;
                let mut list = list.clone();
                if rest.len() == 1 && o.value.is_none() {
                    list.remove(index);
                } else {
                    list.set(index, set_in(&list[index], &rest[1..], o.value.as_ref(), o)?);
                }
                let mut map = map.clone();
                map.insert(key, Value::new(ValueKind::Vector(Arc::new(list)), None));
                Value::new(ValueKind::Map(map), value.origin())
            }
            _ => set_in(&value, &o.path, o.value.as_ref(), o)?,
        };
    }
    Ok(value)
}

fn app_name(app: &Value) -> Option<String> {
    app.as_map()?.get_keyword("name")?.as_str().map(str::to_string)
}

/// The position of the app named `name` among `names`, or an error with a suggestion.
pub(crate) fn app_index(names: &[String], name: &str, o: &Override) -> Result<usize, EmitError> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        let hint = match closest(name, names.iter().map(String::as_str)) {
            Some(s) => format!("; did you mean {s}?"),
            None => format!("; the apps are {}", names.join(", ")),
        };
        bad(format!("no app is named \"{name}\"{hint}"), &o.source)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm2_dsl_reader::{Source, read_all};

    fn data(text: &str) -> Value {
        Value::from_form(&read_all(&Source::standalone("t", text)).unwrap()[0])
    }

    fn set(text: &str) -> Override {
        parse_set(Source::standalone("--set", text)).unwrap()
    }

    #[test]
    fn values_read_as_edn_scalars_or_strings() {
        assert_eq!(set("a=9000").value.unwrap(), Value::int(9000));
        assert_eq!(set("a=true").value.unwrap(), Value::bool(true));
        assert_eq!(set("a=:cluster").value.unwrap(), Value::keyword("cluster"));
        assert!(set("a=nil").value.unwrap().is_nil());
        assert_eq!(set("a=hello world").value.unwrap(), Value::string("hello world"));
        assert_eq!(set("a=[1 2]").value.unwrap(), Value::string("[1 2]"));
        assert_eq!(set("a=x=y").value.unwrap(), Value::string("x=y"));
        assert!(parse_set(Source::standalone("--set", "novalue")).is_err());
        assert!(parse_set(Source::standalone("--set", "a..b=1")).is_err());
    }

    /// Found by trying: an app named `web.api` could not be addressed.
    #[test]
    fn quoted_parts_may_hold_dots_and_equals_signs() {
        let v = data(r#"{:apps [{:name "web.api" :env {}}] :static {"a=b" 1}}"#);
        let o = [set(r#"apps."web.api".env.PORT=9000"#), set(r#"static."a=b"=2"#)];
        assert_eq!(
            apply_to_value(&v, &o).unwrap(),
            data(r#"{:apps [{:name "web.api" :env {:PORT 9000}}] :static {"a=b" 2}}"#)
        );
        assert_eq!(set(r#"static."say \"hi\""=1"#).path, ["static", "say \"hi\""]);
        for bad in [r#"apps."web.api=1"#, r#"apps."web"x.y=1"#, r#"apps."".y=1"#] {
            assert!(parse_set(Source::standalone("--set", bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_address_apps_by_name_and_nested_keys() {
        let v = data(r#"{:apps [{:name "api" :env {:A "1"}} {:name "web"}] :deploy {:prod {:host "h"}}}"#);
        let o = [
            set("apps.api.env.PORT=9000"),
            set("apps.web.instances=2"),
            set("deploy.prod.host=other"),
            parse_unset(Source::standalone("--unset", "apps.api.env.A")).unwrap(),
        ];
        assert_eq!(
            apply_to_value(&v, &o).unwrap(),
            data(
                r#"{:apps [{:name "api" :env {:PORT 9000}} {:name "web" :instances 2}] :deploy {:prod {:host "other"}}}"#
            )
        );
        let err = apply_to_value(&v, &[set("apps.apj.x=1")]).unwrap_err();
        assert!(err.to_string().contains("did you mean api"), "{err}");
    }

    /// Found by trying: `--unset apps.api` left `nil` in place of the app.
    #[test]
    fn unset_removes_an_app_or_a_section() {
        let v = data(r#"{:apps [{:name "api"} {:name "web"}] :deploy {:prod {:host "h"}}}"#);
        let unset = |path: &str| parse_unset(Source::standalone("--unset", path)).unwrap();
        assert_eq!(
            apply_to_value(&v, &[unset("apps.api"), unset("deploy")]).unwrap(),
            data(r#"{:apps [{:name "web"}]}"#)
        );
    }
}
