//! PM2's own ecosystem files (`../shared/corpus/pm2-fixtures`), read by the real pm2 and
//! by pm2-clj. Every file pm2 accepts is translated key for key into a `.pm2.edn` map and
//! built: either it renders to the same apps as pm2's reading of the original (after
//! pm2's own `verifyConfs` on both sides), or every problem reported is one pm2 hides:
//! a key pm2 drops without a word, or a value pm2 misreads.

use std::path::{Path, PathBuf};

use pm2_clj_testkit::{Pm2Read, assert_same_apps, corpus, files_under, pm2_reads};
use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_emit::{Header, OutputFormat, Settings, build, convert::json_data, render};
use pm2_dsl_eval::{Evaluator, MemoryLoader, Options, Value};
use serde_json::Value as Json;

/// The fixtures as pm2 loads them; templates (`.tpl`) are copied to the names `pm2 init`
/// gives them.
fn fixture_files(tmp: &Path) -> Vec<PathBuf> {
    let dir = corpus("pm2-fixtures");
    let mut files = files_under(&dir, &[".json", ".json5", ".yml", ".yaml", ".js", ".cjs", ".mjs"]);
    for tpl in files_under(&dir, &[".tpl"]) {
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
    let mut evaluator = Evaluator::new(Options::new(), MemoryLoader::new());
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
    let settings = Settings {
        profile: None,
        profiles_seen: &[],
        sources: evaluator.sources(),
        base_dir: read.file.parent().unwrap(),
        keep_relative_paths: true,
        overrides: &[],
    };
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
            for problem in problems.iter().filter(|p| !p.kind().is_warning()) {
                let what = format!("{}: {}", problem.kind().code(), problem.kind());
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

#[test]
fn pm2_fixtures_render_to_the_apps_pm2_reads_or_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let files = fixture_files(tmp.path());
    let reads = pm2_reads(&files);
    let (mut rendered, mut reported, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
    for read in &reads {
        match (&read.apps, &read.error) {
            (Some(_), _) => match translate(read, tmp.path()) {
                Outcome::Rendered(out) => rendered.push((read, out)),
                Outcome::Reported(problems) => {
                    reported.push(format!("{}: {}", read.file.display(), problems.join("; ")))
                }
            },
            (None, error) => rejected.push(format!(
                "{}: {}",
                read.file.display(),
                error.clone().unwrap_or_default()
            )),
        }
    }
    let ours = pm2_reads(&rendered.iter().map(|(_, out)| out.clone()).collect::<Vec<_>>());
    for ((original, _), ours) in rendered.iter().zip(&ours) {
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
    }
    eprintln!(
        "pm2 accepts {} of {} fixtures",
        rendered.len() + reported.len(),
        reads.len()
    );
    eprintln!("{} render to the same apps as pm2 reads", rendered.len());
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
        rendered.len() >= 85,
        "only {} fixtures round-trip",
        rendered.len()
    );
    assert!(
        !reported.is_empty(),
        "the fixtures hold files with unknown keys; none were reported"
    );
}

#[test]
fn a_value_pm2_rejects_is_reported_with_the_right_error() {
    let file = corpus("pm2-fixtures").join("examples/misc-examples/apps/cluster-pm2.json");
    let read = &pm2_reads(std::slice::from_ref(&file))[0];
    assert!(
        read.error.as_deref().is_some_and(|e| e.contains("min_uptime")),
        "{:?}",
        read.error
    );
    let raw: Json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
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
