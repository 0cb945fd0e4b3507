//! Fuzzes the whole pipeline past evaluation: any text that evaluates is built into an
//! ecosystem (with a profile and overrides) and, when that succeeds, rendered in every
//! format; nothing panics, and what is rendered as JSON is JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pm2_dsl_emit::overrides::parse_set;
use pm2_dsl_emit::{Header, OutputFormat, Settings, build, render};
use pm2_dsl_eval::{Evaluator, Limits, MemoryLoader, EvalOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = EvalOptions::new().profile("prod").limits(Limits {
        max_depth: 64,
        max_steps: 20_000,
        max_bytes: 16 << 20,
    });
    let mut evaluator = Evaluator::new(options, MemoryLoader::new());
    let Ok(value) = evaluator.eval_str("/srv/fuzz.pm2.edn", text) else { return };
    let set = evaluator.add_source("--set", "apps.a.instances=2");
    let overrides: Vec<_> = parse_set(set).into_iter().collect();
    let seen: Vec<String> = evaluator.profiles_seen().map(str::to_string).collect();
    let settings = Settings::new(evaluator.sources(), std::path::Path::new("/srv")).profile(Some("prod")).profiles_seen(&seen).overrides(&overrides).profile_optional(true);
    let Ok(built) = build(&value, &settings) else { return };
    let header = Header {
        source: "fuzz.pm2.edn".into(),
        profile: Some("prod".into()),
    };
    for format in [OutputFormat::Json, OutputFormat::Cjs, OutputFormat::Mjs] {
        let text = render(&built.ecosystem, format, &header);
        if format == OutputFormat::Json {
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{text}");
        }
    }
});
