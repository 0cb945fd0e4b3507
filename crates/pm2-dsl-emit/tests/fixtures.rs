//! Ecosystem files read by the real pm2 and by pm2-clj: the project's fixtures
//! (`pm2-clj-testkit/fixtures/ecosystems`, each with its expected outcome), and PM2's own
//! files (`../shared/corpus/pm2-fixtures`) when the corpus is present. Every file pm2
//! accepts is translated key for key into a `.pm2.edn` map and built: either it renders
//! to the same apps as pm2's reading of the original (after pm2's own `verifyConfs` on
//! both sides), or every problem reported is one pm2 hides: a key pm2 drops without a
//! word, or a value pm2 misreads.

mod common;
use common::json_data;

use std::path::{Path, PathBuf};

use pm2_clj_testkit::{Pm2Read, assert_same_apps, corpus, files_under, fixtures, pm2_reads};
use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_emit::{Header, OutputFormat, Settings, build, render};
use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader, Value};
use serde_json::Value as Json;

const EXTENSIONS: &[&str] = &[".json", ".json5", ".yml", ".yaml", ".js", ".cjs", ".mjs"];

/// The corpus's files as pm2 loads them; templates (`.tpl`) are copied to the names
/// `pm2 init` gives them.
fn corpus_files(dir: &Path, tmp: &Path) -> Vec<PathBuf> {
    let mut files = files_under(dir, EXTENSIONS);
    for tpl in files_under(dir, &[".tpl"]) {
        let text = std::fs::read_to_string(&tpl).unwrap();
        let ext = if text.contains("export default") {
            "config.mjs"
        } else {
            "config.js"
        };
        let stem = tpl.file_stem().unwrap().to_string_lossy();
        let copy = tmp.join(format!("{stem}.{ext}"));
        std::fs::write(&copy, text).unwrap();
        files.push(copy);
    }
    files
}

enum Outcome {
    /// Rendered to this file, to be read by pm2 and compared.
    Rendered(PathBuf),
    Reported(Vec<String>),
}

/// Builds the key-for-key translation of a file pm2 read, and renders it or checks that
/// its problems are ones pm2 hides.
fn translate(read: &Pm2Read, tmp: &Path) -> Outcome {
    let raw = read.raw.as_ref().unwrap();
    let pm2_apps: &[Json] = read
        .apps
        .as_ref()
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let edn = pm2_dsl_reader::to_compact(&json_data(raw));
    let program = if raw.get("apps").is_some() || raw.is_array() || raw.get("pm2").is_none() {
        if raw.is_array() || raw.get("apps").is_some() {
            edn
        } else {
            format!("{{:apps [{edn}]}}")
        }
    } else {
        format!(
            "{{:apps {}}}",
            pm2_dsl_reader::to_compact(&json_data(&raw["pm2"]))
        )
    };
    let name = read.file.with_extension("pm2.edn").to_string_lossy().into_owned();
    let mut evaluator = Evaluator::new(EvalOptions::new(), MemoryLoader::new());
    let value = evaluator
        .eval_str(&name, &program)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    // Sections pm2 ignores are not under test here.
    let value = match value.as_map() {
        Some(m) if raw.get("apps").is_some() || raw.get("pm2").is_some() => {
            let kept: pm2_dsl_eval::Map = m
                .iter()
                .filter(|(k, _)| matches!(k.as_keyword(), Some("apps" | "deploy")))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::map(kept)
        }
        _ => value,
    };
    let settings = Settings::new(evaluator.sources(), read.file.parent().unwrap()).keep_relative_paths(true);
    match build(&value, &settings) {
        Ok(built) => {
            let text = render(
                &built.ecosystem,
                OutputFormat::Cjs,
                &Header {
                    source: name.clone(),
                    profile: None,
                },
            );
            let stem = read.file.to_string_lossy().replace(['/', '.'], "_");
            let out = tmp.join(format!("{stem}.config.cjs"));
            std::fs::write(&out, text).unwrap();
            Outcome::Rendered(out)
        }
        Err(problems) => {
            let mut reported = Vec::new();
            for problem in problems.iter().filter(|p| !p.is_warning()) {
                let what = format!("{}: {}", problem.code(), problem.kind());
                match problem.kind() {
                    pm2_dsl_emit::EmitErrorKind::UnknownKey { key, .. } => {
                        let key = key.trim_start_matches(':');
                        assert!(
                            pm2_apps.iter().all(|a| a.get(key).is_none()),
                            "{}: we call {key} unknown, but pm2 keeps it",
                            read.file.display()
                        );
                    }
                    pm2_dsl_emit::EmitErrorKind::WrongType { option, .. } if option.starts_with("env_") => {
                        // pm2 takes a string as an env_<name> block and misreads it.
                    }
                    pm2_dsl_emit::EmitErrorKind::EnvValue { .. } => {
                        // pm2 turns a nested env value into its JSON text without a word;
                        // pm2-clj asks for the string to be written out.
                    }
                    pm2_dsl_emit::EmitErrorKind::BelowMinimum { .. } if read.error.is_some() => {
                        // pm2 rejects this file too.
                    }
                    _ => panic!("{}: unexpected problem {what}", read.file.display()),
                }
                reported.push(what);
            }
            Outcome::Reported(reported)
        }
    }
}

/// The canonical option a raw key names, for the comparison.
fn canonical(key: &str) -> Option<String> {
    match app_key(&Value::string(key)) {
        AppKey::Option(spec) => Some(spec.name.to_string()),
        _ => None,
    }
}

/// What became of each file.
struct Results {
    /// Files that rendered to the apps pm2 reads from the original.
    rendered: Vec<PathBuf>,
    /// Files with problems pm2 would hide, with the codes reported.
    reported: Vec<(PathBuf, Vec<String>)>,
    /// Files pm2 itself rejects, with pm2's reason.
    rejected: Vec<(PathBuf, String)>,
}

/// Reads `files` with pm2, translates each file pm2 accepts, and checks that the
/// rendered ones give the apps pm2 reads from the originals.
fn run(files: &[PathBuf], tmp: &Path) -> Results {
    let reads = pm2_reads(files);
    let mut results = Results {
        rendered: Vec::new(),
        reported: Vec::new(),
        rejected: Vec::new(),
    };
    let mut outputs = Vec::new();
    for read in &reads {
        match (&read.apps, &read.error) {
            (Some(_), _) => match translate(read, tmp) {
                Outcome::Rendered(out) => outputs.push((read, out)),
                Outcome::Reported(problems) => results.reported.push((read.file.clone(), problems)),
            },
            (None, error) => results
                .rejected
                .push((read.file.clone(), error.clone().unwrap_or_default())),
        }
    }
    let ours = pm2_reads(&outputs.iter().map(|(_, out)| out.clone()).collect::<Vec<_>>());
    for ((original, _), ours) in outputs.iter().zip(&ours) {
        let our_apps = ours.apps.as_ref().unwrap_or_else(|| {
            panic!(
                "{}: pm2 rejects our output: {:?}",
                original.file.display(),
                ours.error
            )
        });
        let pm2_apps = original.apps.as_ref().unwrap().as_array().unwrap();
        assert_same_apps(
            &original.file,
            original.raw.as_ref().unwrap(),
            pm2_apps,
            our_apps.as_array().unwrap(),
            canonical,
        );
        results.rendered.push(original.file.clone());
    }
    results
}

/// The fixtures' expected outcomes (`expected.txt`: `FILE: renders`, `FILE: pm2-rejects`
/// or `FILE: code code ...`).
fn expected_outcomes(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("expected.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (file, outcome) = l.split_once(':').expect("FILE: OUTCOME");
            (file.trim().to_string(), outcome.trim().to_string())
        })
        .collect()
}

#[test]
fn every_fixture_renders_to_the_apps_pm2_reads_or_is_reported_as_expected() {
    let dir = fixtures("ecosystems");
    let tmp = tempfile::tempdir().unwrap();
    let files = files_under(&dir, EXTENSIONS);
    let results = run(&files, tmp.path());
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let mut outcomes: Vec<(String, String)> = results
        .rendered
        .iter()
        .map(|f| (name(f), "renders".to_string()))
        .chain(
            results
                .rejected
                .iter()
                .map(|(f, _)| (name(f), "pm2-rejects".to_string())),
        )
        .chain(results.reported.iter().map(|(f, codes)| {
            let codes: Vec<&str> = codes.iter().map(|c| c.split(": ").next().unwrap_or("")).collect();
            (name(f), codes.join(" "))
        }))
        .collect();
    outcomes.sort();
    let mut expected = expected_outcomes(&dir);
    expected.sort();
    assert_eq!(outcomes, expected);
}

#[test]
fn pm2_fixtures_render_to_the_apps_pm2_reads_or_are_reported() {
    let Some(dir) = corpus("pm2-fixtures") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let files = corpus_files(&dir, tmp.path());
    let results = run(&files, tmp.path());
    let reported: Vec<String> = results
        .reported
        .iter()
        .map(|(f, problems)| format!("{}: {}", f.display(), problems.join("; ")))
        .collect();
    let rejected: Vec<String> = results
        .rejected
        .iter()
        .map(|(f, error)| format!("{}: {error}", f.display()))
        .collect();
    eprintln!(
        "pm2 accepts {} of {} fixtures",
        results.rendered.len() + reported.len(),
        files.len()
    );
    eprintln!("{} render to the same apps as pm2 reads", results.rendered.len());
    eprintln!(
        "{} have problems pm2 would hide:\n  {}",
        reported.len(),
        reported.join("\n  ")
    );
    eprintln!(
        "{} pm2 itself rejects:\n  {}",
        rejected.len(),
        rejected.join("\n  ")
    );
    assert!(
        results.rendered.len() >= 85,
        "only {} fixtures round-trip",
        results.rendered.len()
    );
    assert!(
        !reported.is_empty(),
        "the fixtures hold files with unknown keys; none were reported"
    );
}

/// Checks that pm2-clj reports the file pm2 rejects for a `min_uptime` under 100.
fn reports_the_value_pm2_rejects(file: &Path) {
    let read = &pm2_reads(&[file.to_path_buf()])[0];
    assert!(
        read.error.as_deref().is_some_and(|e| e.contains("min_uptime")),
        "{:?}",
        read.error
    );
    let raw: Json = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let read = Pm2Read {
        raw: Some(raw),
        ..read.clone()
    };
    let Outcome::Reported(problems) = translate(&read, Path::new("/tmp")) else {
        panic!("rendered a file pm2 rejects")
    };
    assert!(
        problems.iter().any(|p| p.starts_with("emit::below-minimum")),
        "{problems:?}"
    );
}

#[test]
fn a_value_pm2_rejects_is_reported_with_the_right_error() {
    reports_the_value_pm2_rejects(&fixtures("ecosystems").join("low-min-uptime.json"));
}

#[test]
fn a_value_pm2_rejects_in_the_corpus_is_reported_with_the_right_error() {
    let Some(dir) = corpus("pm2-fixtures") else { return };
    reports_the_value_pm2_rejects(&dir.join("examples/misc-examples/apps/cluster-pm2.json"));
}

#[test]
fn json_keys_become_keywords_where_they_can() {
    let json: serde_json::Value =
        serde_json::from_str(r#"{"NODE_ENV": "x", "my var": [1, 2.5, null]}"#).unwrap();
    assert_eq!(
        pm2_dsl_reader::to_compact(&json_data(&json)),
        "{:NODE_ENV \"x\" \"my var\" [1 2.5 nil]}"
    );
}
