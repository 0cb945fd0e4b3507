//! The `.pm2.edn` files written for the original pm2-clj (`../shared/corpus/pm2-clj-real`)
//! render, with and without each of their profiles, and the original tool's parity cases
//! (`pm2-clj-real/parity`) give the expected apps with `--keep-relative-paths`.
//!
//! The parity inputs themselves are not available (they live in submodules, see the
//! corpus README), so each input is rebuilt from its expected output as the plain
//! `{:apps [...]}` map it must have been (the original render dropped `:profiles` and
//! passed the apps through). Deliberate differences from the original tool:
//! - keys render to PM2's canonical names: `interpreter` → `exec_interpreter`,
//!   `interpreter_args` → `node_args` (the comparison maps the expected keys the same way);
//! - `env_file` is an error: PM2 has no such option (it would read the string as the
//!   variables of `--env file`).

use std::path::Path;

use pm2_clj_testkit::{corpus, files_under};
use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_emit::{EmitErrorKind, Settings, app_json, build, convert::json_data};
use pm2_dsl_eval::{Evaluator, FsLoader, MemoryLoader, Options, Value};
use serde_json::{Map, Value as Json};

fn profiles_of(value: &Value) -> Vec<String> {
    value
        .as_map()
        .and_then(|m| m.get_keyword("profiles"))
        .and_then(Value::as_map)
        .map(|p| {
            p.keys()
                .filter_map(|k| k.as_keyword().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_real_file_renders_with_each_of_its_profiles() {
    let files = files_under(&corpus("pm2-clj-real"), &[".pm2.edn"]);
    assert!(files.len() >= 12);
    let mut renders = 0;
    for file in &files {
        let path = file.to_str().unwrap();
        let plain = Evaluator::new(Options::new(), FsLoader).eval_file(path).unwrap();
        let mut profiles: Vec<Option<String>> = vec![None];
        profiles.extend(profiles_of(&plain).into_iter().map(Some));
        for profile in profiles {
            let options = profile
                .as_deref()
                .map_or_else(Options::new, |p| Options::new().profile(p));
            let mut evaluator = Evaluator::new(options, FsLoader);
            let value = evaluator.eval_file(path).unwrap();
            let settings = Settings {
                profile: profile.as_deref(),
                profiles_seen: &[],
                sources: evaluator.sources(),
                base_dir: file.parent().unwrap(),
                keep_relative_paths: false,
                overrides: &[],
            };
            let built = build(&value, &settings).unwrap_or_else(|e| panic!("{path} {profile:?}: {e:?}"));
            assert!(!built.ecosystem.apps.is_empty(), "{path}");
            for app in &built.ecosystem.apps {
                if let Some(cwd) = app.get("cwd").and_then(Value::as_str) {
                    assert!(Path::new(cwd).is_absolute(), "{path}: cwd {cwd} made absolute");
                }
            }
            renders += 1;
        }
    }
    eprintln!(
        "{} files rendered {renders} times (each profile once)",
        files.len()
    );
}

/// The expected apps with keys in PM2's canonical spelling.
fn canonical_keys(app: &Json) -> Json {
    let map: Map<String, Json> = app
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| match app_key(&Value::string(k.as_str())) {
            AppKey::Option(spec) => (spec.name.to_string(), v.clone()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    Json::Object(map)
}

fn render_apps(apps: &Json) -> Result<Vec<Json>, Vec<EmitErrorKind>> {
    let program = format!("{{:apps {}}}", pm2_dsl_reader::to_pretty(&json_data(apps), 100));
    let mut evaluator = Evaluator::new(Options::new(), MemoryLoader::new());
    let value = evaluator
        .eval_str("/home/err/devel/ecosystem.pm2.edn", &program)
        .unwrap();
    let settings = Settings {
        profile: None,
        profiles_seen: &[],
        sources: evaluator.sources(),
        base_dir: Path::new("/home/err/devel"),
        keep_relative_paths: true,
        overrides: &[],
    };
    build(&value, &settings)
        .map(|b| b.ecosystem.apps.iter().map(app_json).collect())
        .map_err(|errors| errors.iter().map(|e| e.kind().clone()).collect())
}

#[test]
fn parity_cases_give_the_expected_apps() {
    let dir = corpus("pm2-clj-real").join("parity");
    for case in ["frontend", "openhax", "sentinel"] {
        let expected: Json = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{case}.expected.json"))).unwrap(),
        )
        .unwrap();
        let mut apps = expected["apps"].clone();
        let has_env_file = apps
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.get("env_file").is_some());
        if has_env_file {
            let errors = render_apps(&apps).expect_err("env_file is not a PM2 option");
            assert!(
                errors
                    .iter()
                    .all(|e| matches!(e, EmitErrorKind::WrongType { option, .. } if option == "env_file")),
                "{case}: {errors:?}"
            );
            for app in apps.as_array_mut().unwrap() {
                app.as_object_mut().unwrap().remove("env_file");
            }
        }
        let ours = render_apps(&apps).unwrap_or_else(|e| panic!("{case}: {e:?}"));
        let wanted: Vec<Json> = apps.as_array().unwrap().iter().map(canonical_keys).collect();
        assert_eq!(ours, wanted, "{case}");
    }
}
