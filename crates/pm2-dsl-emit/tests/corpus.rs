//! Plain-data `.pm2.edn` files render, with and without each of their profiles, and
//! parity cases give the expected apps with `--keep-relative-paths`: on the project's
//! fixtures (`pm2-clj-testkit/fixtures/pm2-clj`, whose parity cases have their inputs),
//! and on the files written for the original pm2-clj (`../shared/corpus/pm2-clj-real`)
//! when the corpus is present.
//!
//! The corpus's parity inputs themselves are not available (they live in submodules, see the
//! corpus README), so each input is rebuilt from its expected output as the plain
//! `{:apps [...]}` map it must have been (the original render dropped `:profiles` and
//! passed the apps through). Deliberate differences from the original tool:
//! - keys render to PM2's canonical names: `interpreter` → `exec_interpreter`,
//!   `interpreter_args` → `node_args` (the comparison maps the expected keys the same way);
//! - `env_file` is an error: PM2 has no such option (it would read the string as the
//!   variables of `--env file`).

mod common;
use common::json_data;

use std::path::Path;

use pm2_clj_testkit::{corpus, files_under, fixtures};
use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_emit::{EmitErrorKind, Settings, app_json, build};
use pm2_dsl_eval::{EvalOptions, Evaluator, FsLoader, MemoryLoader, Value};
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

/// Renders every `.pm2.edn` file under `dir` with no profile and with each profile it
/// names; returns how many renders there were.
fn every_file_renders_with_each_of_its_profiles(dir: &Path) -> usize {
    let files = files_under(dir, &[".pm2.edn"]);
    let mut renders = 0;
    for file in &files {
        let path = file.to_str().unwrap();
        let plain = Evaluator::new(EvalOptions::new(), FsLoader::new())
            .eval_file(path)
            .unwrap();
        let mut profiles: Vec<Option<String>> = vec![None];
        profiles.extend(profiles_of(&plain).into_iter().map(Some));
        for profile in profiles {
            let apps = rendered(file, profile.as_deref());
            assert!(!apps.is_empty(), "{path}");
            for app in &apps {
                if let Some(cwd) = app["cwd"].as_str() {
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
    renders
}

#[test]
fn every_fixture_renders_with_each_of_its_profiles() {
    let renders = every_file_renders_with_each_of_its_profiles(&fixtures("pm2-clj"));
    assert!(renders >= 7, "only {renders} renders");
}

#[test]
fn every_real_file_renders_with_each_of_its_profiles() {
    let Some(dir) = corpus("pm2-clj-real") else { return };
    assert!(files_under(&dir, &[".pm2.edn"]).len() >= 12);
    every_file_renders_with_each_of_its_profiles(&dir);
}

#[test]
fn profiles_overlay_the_fixture_as_written() {
    let path = fixtures("pm2-clj").join("profiles.pm2.edn");
    let apps = |profile: &str| {
        let mut evaluator = Evaluator::new(EvalOptions::new().profile(profile), FsLoader::new());
        let value = evaluator.eval_file(path.to_str().unwrap()).unwrap();
        let settings = Settings::new(evaluator.sources(), path.parent().unwrap())
            .profile(Some(profile))
            .keep_relative_paths(true);
        let built = build(&value, &settings).unwrap();
        built.ecosystem.apps.iter().map(app_json).collect::<Vec<_>>()
    };
    let prod = apps("prod");
    let names: Vec<&str> = prod.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["gateway", "metrics"]);
    assert_eq!(prod[0]["instances"], 4);
    assert_eq!(prod[0]["env"]["NODE_ENV"], "production");
    assert_eq!(prod[0]["env"]["PORT"], 8080, "deep-merged, not replaced");
    let dev = apps("dev");
    assert_eq!(dev.len(), 2);
    assert_eq!(dev[0]["watch"], true);
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
    render_program(&format!(
        "{{:apps {}}}",
        pm2_dsl_reader::to_pretty(&json_data(apps), 100)
    ))
}

/// The apps `program` renders to with relative paths kept, as PM2 will read them.
fn render_program(program: &str) -> Result<Vec<Json>, Vec<EmitErrorKind>> {
    let mut evaluator = Evaluator::new(EvalOptions::new(), MemoryLoader::new());
    let value = evaluator
        .eval_str("/home/err/devel/ecosystem.pm2.edn", program)
        .unwrap();
    let settings = Settings::new(evaluator.sources(), Path::new("/home/err/devel")).keep_relative_paths(true);
    build(&value, &settings)
        .map(|b| b.ecosystem.apps.iter().map(app_json).collect())
        .map_err(|errors| errors.iter().map(|e| e.kind().clone()).collect())
}

#[test]
fn parity_fixtures_give_the_expected_apps() {
    let dir = fixtures("pm2-clj").join("parity");
    let cases = files_under(&dir, &[".pm2.edn"]);
    assert!(!cases.is_empty());
    for input in cases {
        let expected_file = input.to_string_lossy().replace(".pm2.edn", ".expected.json");
        let expected: Json = serde_json::from_str(&std::fs::read_to_string(expected_file).unwrap()).unwrap();
        let program = std::fs::read_to_string(&input).unwrap();
        let ours = render_program(&program).unwrap_or_else(|e| panic!("{}: {e:?}", input.display()));
        assert_eq!(ours, *expected["apps"].as_array().unwrap(), "{}", input.display());
    }
}

#[test]
fn parity_cases_give_the_expected_apps() {
    let Some(dir) = corpus("pm2-clj-real") else { return };
    let dir = dir.join("parity");
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

/// The apps `file` renders to with `profile`.
fn rendered(file: &Path, profile: Option<&str>) -> Vec<Json> {
    let path = file.to_str().unwrap();
    let options = profile.map_or_else(EvalOptions::new, |p| EvalOptions::new().profile(p));
    let mut evaluator = Evaluator::new(options, FsLoader::new());
    let value = evaluator
        .eval_file(path)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
    let settings = Settings::new(evaluator.sources(), file.parent().unwrap()).profile(profile);
    let built = build(&value, &settings).unwrap_or_else(|e| panic!("{path} {profile:?}: {e:?}"));
    built.ecosystem.apps.iter().map(app_json).collect()
}

/// Every `.pm2.clj` under `dir` evaluates and renders; one with a `.pm2.edn` twin renders
/// like it, with no profile and with each of the twin's profiles. Returns how many
/// files there were and how many had twins.
fn original_vocabulary_renders_like_the_twins(dir: &Path) -> (usize, usize) {
    let files = files_under(dir, &[".pm2.clj"]);
    let mut twins = 0;
    for file in &files {
        let twin = file.with_extension("edn");
        let apps = rendered(file, None);
        assert!(!apps.is_empty(), "{}", file.display());
        if !twin.exists() {
            continue;
        }
        twins += 1;
        let value = Evaluator::new(EvalOptions::new(), FsLoader::new())
            .eval_file(twin.to_str().unwrap())
            .unwrap();
        let mut profiles: Vec<Option<String>> = vec![None];
        profiles.extend(profiles_of(&value).into_iter().map(Some));
        for profile in profiles {
            assert_eq!(
                rendered(file, profile.as_deref()),
                rendered(&twin, profile.as_deref()),
                "{} {profile:?}",
                file.display()
            );
        }
    }
    (files.len(), twins)
}

#[test]
fn the_original_vocabulary_renders_like_the_written_out_value() {
    let (files, twins) = original_vocabulary_renders_like_the_twins(&fixtures("pm2-clj").join("original"));
    assert_eq!((files, twins), (1, 1));
}

#[test]
fn the_real_pm2_clj_files_render_like_their_twins() {
    let Some(dir) = corpus("pm2-clj-real") else { return };
    let (files, twins) = original_vocabulary_renders_like_the_twins(&dir);
    eprintln!("{files} .pm2.clj files evaluate and render; {twins} render like their .pm2.edn twins");
    assert_eq!((files, twins), (4, 2));
}
