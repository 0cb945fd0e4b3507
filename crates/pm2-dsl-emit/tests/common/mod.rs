//! Helpers shared by the emitter's tests: evaluate a program and build its ecosystem.
#![allow(dead_code)]

use std::path::Path;

use pm2_dsl_emit::overrides::{Override, parse_set, parse_unset};
use pm2_dsl_emit::{Built, EmitError, Settings, build};
use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader};

/// Evaluates `text` as `/srv/app/main.pm2.edn` and builds it.
pub fn build_with(text: &str, profile: Option<&str>, keep_relative: bool) -> Result<Built, Vec<EmitError>> {
    build_overridden(text, profile, keep_relative, &[])
}

/// Evaluates `text` as `/srv/app/main.pm2.edn` and builds it with overrides:
/// `"PATH=VALUE"` is a `--set`, a path without `=` an `--unset`.
pub fn build_overridden(
    text: &str,
    profile: Option<&str>,
    keep_relative: bool,
    overrides: &[&str],
) -> Result<Built, Vec<EmitError>> {
    let options = match profile {
        Some(p) => EvalOptions::new().profile(p),
        None => EvalOptions::new(),
    };
    let mut evaluator = Evaluator::new(options, MemoryLoader::new());
    let value = evaluator
        .eval_str("/srv/app/main.pm2.edn", text)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let seen: Vec<String> = evaluator.profiles_seen().map(str::to_string).collect();
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| {
            if o.contains('=') {
                parse_set(evaluator.add_source("--set", o))
            } else {
                parse_unset(evaluator.add_source("--unset", o))
            }
        })
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e:?}"));
    let settings = Settings::new(evaluator.sources(), Path::new("/srv/app"))
        .profile(profile)
        .profiles_seen(&seen)
        .keep_relative_paths(keep_relative)
        .overrides(&overrides)
        .unset_env(evaluator.unset_env());
    let sources = evaluator.sources();
    let attach = |problems: Vec<EmitError>| {
        problems
            .into_iter()
            .map(|p| p.attach_sources(sources))
            .collect::<Vec<_>>()
    };
    build(&value, &settings)
        .map(|built| Built {
            warnings: attach(built.warnings),
            ecosystem: built.ecosystem,
        })
        .map_err(attach)
}

/// Builds `text` without a profile; panics on errors.
pub fn built(text: &str) -> Built {
    build_with(text, None, false).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The codes of the problems `text` has (with an optional profile).
pub fn codes(text: &str, profile: Option<&str>) -> Vec<&'static str> {
    match build_with(text, profile, false) {
        Ok(b) => b.warnings.iter().map(|w| w.code()).collect(),
        Err(errors) => errors.iter().map(|e| e.code()).collect(),
    }
}

/// The ecosystem's apps as JSON (as PM2 will read them).
pub fn apps_json(built: &Built) -> Vec<serde_json::Value> {
    built.ecosystem.apps.iter().map(pm2_dsl_emit::app_json).collect()
}

/// A JSON value as data (what PM2 loads, to compare as EDN); object keys become keywords
/// where they read back as keywords.
pub fn json_data(json: &serde_json::Value) -> pm2_dsl_reader::Form {
    use pm2_dsl_reader::{Form, FormKind, Number, Span, Symbol, is_keyword_name};
    use serde_json::Value as Json;
    let form = |kind| Form::new(kind, Span::default());
    form(match json {
        Json::Null => FormKind::Nil,
        Json::Bool(b) => FormKind::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => FormKind::Number(Number::Int(i)),
            None => FormKind::Number(Number::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Json::String(s) => FormKind::Str(s.as_str().into()),
        Json::Array(items) => FormKind::Vector(items.iter().map(json_data).collect()),
        Json::Object(entries) => FormKind::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = if is_keyword_name(k) {
                        FormKind::Keyword(Symbol::new(k.as_str()))
                    } else {
                        FormKind::Str(k.as_str().into())
                    };
                    (form(key), json_data(v))
                })
                .collect(),
        ),
    })
}
