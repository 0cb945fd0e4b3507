//! Generative tests past evaluation: arbitrary values shaped like ecosystems (every PM2
//! option, written in any spelling, given any kind of value: extreme numbers, non-finite
//! floats, nested data, keys written alike) go through build and render without a panic,
//! and whatever builds renders to JSON that parses and to CJS/MJS of the same apps.

use pm2_dsl_emit::schema::{JsType, OPTIONS};
use pm2_dsl_emit::{Header, OutputFormat, Settings, build, render};
use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader};
use proptest::prelude::*;

/// An EDN scalar of any kind, the troublesome ones included.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nil".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        (0i64..200).prop_map(|i| i.to_string()),
        Just("9007199254740993".to_string()),
        Just("123456789012345678901234567890N".to_string()),
        Just("##Inf".to_string()),
        Just("##NaN".to_string()),
        Just("1e999".to_string()),
        Just("1.5M".to_string()),
        Just("1/3".to_string()),
        "[a-z0-9 ._/-]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("\"max\"".to_string()),
        Just("\"10s\"".to_string()),
        Just("\"512M\"".to_string()),
        Just("\"0 3 * * *\"".to_string()),
        Just("\"__proto__\"".to_string()),
        "[a-z][a-z0-9-]{0,8}".prop_map(|s| format!(":{s}")),
        Just("\\c".to_string()),
    ]
}

/// Any EDN value up to a small depth.
fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(" "))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|entries| {
                let mut seen = std::collections::HashSet::new();
                let body: Vec<String> = entries
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                format!("{{{}}}", body.join(" "))
            }),
        ]
    })
}

/// A map key: keywords and strings, some written alike (`:a` and `"a"`).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]".prop_map(|s| format!(":{s}")),
        "[a-c]".prop_map(|s| format!("{s:?}")),
        Just(":__proto__".to_string()),
        Just("\"PORT\"".to_string()),
    ]
}

/// An option in one of its spellings, mostly with a value of a type it takes (so most
/// apps build and render), sometimes with anything at all.
fn option() -> impl Strategy<Value = (String, String)> {
    (
        0..OPTIONS.len(),
        0..3usize,
        0..4usize,
        value(),
        0i64..200,
        "[a-z]{1,5}",
        any::<bool>(),
    )
        .prop_map(|(i, style, pick, anything, number, text, flag)| {
            let spec = &OPTIONS[i];
            let key = match style {
                0 => format!(":{}", spec.name),
                1 => format!(":{}", spec.name.replace('_', "-")),
                _ => format!("{:?}", spec.name),
            };
            let plausible = match spec.types.first() {
                Some(JsType::Number) => (number + 100).to_string(),
                Some(JsType::String) if spec.format.is_some() => "\"1000\"".to_string(),
                Some(JsType::String) => format!("{text:?}"),
                Some(JsType::Boolean) => flag.to_string(),
                Some(JsType::Array) => format!("[{text:?}]"),
                Some(JsType::Object) | None => "{}".to_string(),
            };
            (
                key,
                if pick == 0 && number % 3 == 0 {
                    anything
                } else {
                    plausible
                },
            )
        })
}

fn app() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,3}",
        prop::collection::vec(option(), 0..6),
        prop::option::weighted(0.2, value()),
    )
        .prop_map(|(name, options, env)| {
            let mut seen = std::collections::HashSet::new();
            let options: Vec<String> = options
                .into_iter()
                .filter(|(k, _)| {
                    let plain = k.trim_matches([':', '"']).replace('-', "_");
                    !matches!(
                        plain.as_str(),
                        "name"
                            | "env"
                            | "script"
                            | "trace"
                            | "deep_monitoring"
                            | "cron_restart"
                            | "exec_mode"
                    ) && seen.insert(plain)
                })
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let env = env.map(|e| format!(":env {e}")).unwrap_or_default();
            format!("{{:name {name:?} :script \"s.js\" {} {env}}}", options.join(" "))
        })
}

fn ecosystem() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(app(), 0..4),
        prop::collection::vec(app(), 0..3),
        prop::option::weighted(0.2, value()),
        prop::option::weighted(0.1, value()),
    )
        .prop_map(|(apps, overlay, statics, deploy)| {
            let statics = statics.map(|s| format!(":static {s}")).unwrap_or_default();
            let deploy = deploy
                .map(|d| format!(":deploy {{:production {d}}}"))
                .unwrap_or_default();
            format!(
                "{{:apps [{}] :profiles {{:prod {{:apps [{}]}}}} {statics} {deploy}}}",
                apps.join(" "),
                overlay.join(" ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_ecosystems_build_and_render_without_panicking(text in ecosystem(), prod in any::<bool>()) {
        let profile = prod.then_some("prod");
        let options = profile.map_or_else(EvalOptions::new, |p| EvalOptions::new().profile(p));
        let mut evaluator = Evaluator::new(options, MemoryLoader::new());
        let Ok(value) = evaluator.eval_str("/srv/app.pm2.edn", &text) else { return Ok(()) };
        let settings = Settings::new(evaluator.sources(), std::path::Path::new("/srv")).profile(profile);
        let Ok(built) = build(&value, &settings) else { return Ok(()) };
        let header = Header { source: "app.pm2.edn".into(), profile: None };
        let json = render(&built.ecosystem, OutputFormat::Json, &header);
        let parsed: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(parsed["apps"].as_array().map(Vec::len), Some(built.ecosystem.apps.len()));
        for format in [OutputFormat::Cjs, OutputFormat::Mjs] {
            let text = render(&built.ecosystem, format, &header);
            prop_assert!(text.starts_with("// Generated by pm2-clj"));
        }
    }
}
