//! `convert` over ecosystem files: the project's fixtures
//! (`pm2-clj-testkit/fixtures/ecosystems`), and PM2's own fixtures and real-world files
//! from `../shared/corpus` when the corpus is present. For every file the real pm2
//! accepts, converting and then rendering gives the apps pm2 reads from the original
//! (both read by pm2's own code). Files that do not round-trip must fail with a
//! diagnostic pm2-clj means to give (a value pm2 would misread).

use std::path::{Path, PathBuf};
use std::process::Output;

use pm2_clj_testkit::{assert_same_apps, corpus, files_under, fixtures, pm2_reads};
use pm2_dsl_emit::keys::{AppKey, app_key};
use pm2_dsl_eval::Value;

fn cli(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pm2-clj")
}

fn canonical(key: &str) -> Option<String> {
    match app_key(&Value::string(key)) {
        AppKey::Option(spec) => Some(spec.name.to_string()),
        _ => None,
    }
}

const EXTENSIONS: &[&str] = &[".json", ".json5", ".yml", ".yaml", ".js", ".cjs", ".mjs"];

/// The diagnostic code in a failed run's stderr.
/// The diagnostic codes a run printed, warnings included, space-separated.
fn code(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let codes: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| l.contains("::") && !l.contains(' '))
        .collect();
    if codes.is_empty() {
        stderr.into_owned()
    } else {
        codes.join(" ")
    }
}

/// How many files round-trip and how many are refused (with the code).
struct Results {
    rendered: usize,
    refused: Vec<String>,
    rejected: usize,
}

/// Converts and renders every file pm2 accepts, and checks the round trip.
fn round_trip(files: &[PathBuf]) -> Results {
    let tmp = tempfile::tempdir().unwrap();
    let reads = pm2_reads(files);
    let (mut rendered, mut refused, mut rejected) = (Vec::new(), Vec::new(), 0);
    for (i, read) in reads.iter().enumerate() {
        if read.apps.is_none() {
            rejected += 1;
            continue;
        }
        let edn = tmp.path().join(format!("{i}.pm2.edn"));
        let out = cli(&[
            "convert",
            read.file.to_str().unwrap(),
            "-o",
            edn.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}: convert failed: {}",
            read.file.display(),
            code(&out)
        );
        let js = tmp.path().join(format!("{i}.config.cjs"));
        let out = cli(&[
            "render",
            edn.to_str().unwrap(),
            "--keep-relative-paths",
            "--no-process-env",
            "-o",
            js.to_str().unwrap(),
        ]);
        if out.status.success() {
            rendered.push((read, js));
        } else {
            let code = code(&out);
            let meant = ["emit::wrong-type", "emit::env-value", "emit::duplicate-option"];
            assert!(
                meant.iter().any(|m| code.contains(m)),
                "{}: {code}",
                read.file.display()
            );
            let name = read.file.file_name().unwrap().to_string_lossy();
            refused.push(format!("{name}: {code}"));
        }
    }
    let ours = pm2_reads(&rendered.iter().map(|(_, js)| js.clone()).collect::<Vec<_>>());
    for ((original, _), ours) in rendered.iter().zip(&ours) {
        let our_apps = ours.apps.as_ref().unwrap_or_else(|| {
            panic!(
                "{}: pm2 rejects our output: {:?}",
                original.file.display(),
                ours.error
            )
        });
        assert_same_apps(
            &original.file,
            original.raw.as_ref().unwrap(),
            original.apps.as_ref().unwrap().as_array().unwrap(),
            our_apps.as_array().unwrap(),
            canonical,
        );
    }
    eprintln!(
        "{} files: pm2 accepts {}, rejects {rejected}; {} round-trip through convert + render; {} are refused:\n  {}",
        reads.len(),
        rendered.len() + refused.len(),
        rendered.len(),
        refused.len(),
        refused.join("\n  ")
    );
    Results {
        rendered: rendered.len(),
        refused,
        rejected,
    }
}

#[test]
fn converted_fixtures_render_to_the_apps_pm2_reads_from_the_originals() {
    let files = files_under(&fixtures("ecosystems"), EXTENSIONS);
    let results = round_trip(&files);
    // Convert leaves out the keys pm2 ignores, so the file with unknown keys round-trips;
    // the values pm2 would misread are refused by render.
    assert_eq!(results.rendered, files.len() - 3, "{:?}", results.refused);
    assert_eq!(results.rejected, 1, "pm2 rejects low-min-uptime.json");
    let mut refused = results.refused;
    refused.sort();
    assert_eq!(
        refused,
        [
            "nested-env-value.json: emit::env-value",
            "string-env-block.json: emit::wrong-type"
        ]
    );
}

#[test]
fn converted_corpus_files_render_to_the_apps_pm2_reads_from_the_originals() {
    let Some(fixtures) = corpus("pm2-fixtures") else {
        return;
    };
    let Some(real_world) = corpus("real-world-js") else {
        return;
    };
    let mut files = files_under(&fixtures, EXTENSIONS);
    files.extend(files_under(&real_world, EXTENSIONS));
    let results = round_trip(&files);
    assert!(
        results.rendered >= 100,
        "only {} files round-trip",
        results.rendered
    );
}

#[test]
fn convert_names_the_dynamic_values() {
    let dir = tempfile::tempdir().unwrap();
    let js = dir.path().join("ecosystem.config.js");
    std::fs::write(
        &js,
        "const path = require('path');\nmodule.exports = { apps: [{ name: 'api', script: 'a.js', cwd: path.join(__dirname, 'srv'),\n  env: { PORT: process.env.PM2_CLJ_TEST_PORT, HOST: process.env.PM2_CLJ_TEST_UNSET } }] };\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["convert", js.to_str().unwrap(), "-o", "-"])
        .env("PM2_CLJ_TEST_PORT", "8123")
        .env_remove("PM2_CLJ_TEST_UNSET")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(";; The file read process.env.PM2_CLJ_TEST_PORT: its value at conversion time was written in at apps[0].env.PORT."), "{text}");
    assert!(
        text.contains("process.env.PM2_CLJ_TEST_UNSET: it was not set"),
        "{text}"
    );
    assert!(
        text.contains("These hold the file's own folder (from __dirname or path.resolve): apps[0].cwd."),
        "{text}"
    );
    assert!(text.contains(":env {:PORT \"8123\"}"), "{text}");
}

#[test]
fn convert_does_not_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("process.json");
    std::fs::write(&json, "{apps: [{name: 'a', script: 'a.js',},], // comment\n}").unwrap();
    assert!(cli(&["convert", json.to_str().unwrap()]).status.success());
    let edn = dir.path().join("process.pm2.edn");
    assert!(
        std::fs::read_to_string(&edn)
            .unwrap()
            .contains("{:apps [{:name \"a\" :script \"a.js\"}]}")
    );
    let again = cli(&["convert", json.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("cli::exists"));
    assert!(
        cli(&["convert", json.to_str().unwrap(), "--force"])
            .status
            .success()
    );
    let _ = Path::new("unused");
}
