//! `convert` and `migrate` over ecosystem files: the project's fixtures
//! (`pm2-clj-testkit/fixtures/ecosystems`), and PM2's own fixtures and real-world files
//! from `../shared/corpus` when the corpus is present.
//!
//! Every file the real pm2 accepts is converted with one environment and rendered with
//! others (every variable the file names set to other values, then all of them unset);
//! pm2 must read the same apps from the original and from the render, for the default
//! environment and each `--env <name>` of the original (pm2-clj's `--profile <name>`),
//! as `pm2_clj_convert::verify` compares them. No value of the conversion's environment
//! may appear in the output, and the values computed with node are counted per file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use pm2_clj_convert::verify::{Reading, differences, effective, env_names};
use pm2_clj_testkit::{Pm2Read, corpus, files_under, fixtures, pm2_bin, pm2_reads_with};

fn cli(args: &[&str]) -> Output {
    cli_env(args, &[])
}

fn cli_env(args: &[&str], env: &[(String, Option<String>)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj"));
    command.args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        match v {
            Some(v) => command.env(k, v),
            None => command.env_remove(k),
        };
    }
    command.output().expect("run pm2-clj")
}

const EXTENSIONS: &[&str] = &[".json", ".json5", ".yml", ".yaml", ".js", ".cjs", ".mjs"];

/// The environment variables a file names (`process.env.X`, `process.env['X']`, `${X}`).
fn variables(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut out = BTreeSet::new();
    for marker in ["process.env.", "process.env['", "process.env[\"", "${"] {
        for (i, _) in text.match_indices(marker) {
            let name: String = text[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn reading(read: &Pm2Read) -> Reading {
    Reading {
        file: read.file.clone(),
        raw: read.raw.clone(),
        apps: read.apps.as_ref().and_then(|a| a.as_array().cloned()),
        error: read.error.clone(),
    }
}

/// What a round trip found.
#[derive(Default)]
struct Results {
    accepted: usize,
    identical: usize,
    renders: usize,
    frozen: Vec<(String, usize)>,
    comments: (usize, usize),
}

/// Converts every file pm2 accepts under environment A, renders under B (set) and C
/// (unset), and compares with pm2's reading of the original under B and C.
fn round_trip(files: &[PathBuf]) -> Results {
    let tmp = tempfile::tempdir().unwrap();
    let mut results = Results::default();
    let all: BTreeSet<String> = files.iter().flat_map(|f| variables(f)).collect();
    // Numbers for the variables that hold ports (files parse them), words for the others.
    let value = |v: &str, n: usize| {
        if v.contains("PORT") {
            n.to_string()
        } else {
            format!("value-{n}")
        }
    };
    let conversion_env: Vec<(String, Option<String>)> = all
        .iter()
        .enumerate()
        .map(|(i, v)| (v.clone(), Some(value(v, 70_000 + i))))
        .collect();
    let environments: Vec<Vec<(String, Option<String>)>> = vec![
        all.iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), Some(value(v, 40_000 + i))))
            .collect(),
        all.iter().map(|v| (v.clone(), None)).collect(),
    ];
    let mut converted: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (i, original) in pm2_reads_with(files, &environments[0]).iter().enumerate() {
        if original.apps.is_none() {
            continue;
        }
        results.accepted += 1;
        // The conversion is written beside the original (its paths are relative to that
        // folder), so both go into a copy of the original's folder.
        let folder = tmp.path().join(i.to_string());
        std::fs::create_dir_all(&folder).unwrap();
        for sibling in std::fs::read_dir(original.file.parent().unwrap()).unwrap() {
            let sibling = sibling.unwrap().path();
            if sibling.is_file() {
                std::fs::copy(&sibling, folder.join(sibling.file_name().unwrap())).unwrap();
            }
        }
        let copy = folder.join(original.file.file_name().unwrap());
        let edn = folder.join("converted.pm2.edn");
        let out = cli_env(
            &["convert", copy.to_str().unwrap(), "-o", edn.to_str().unwrap()],
            &conversion_env,
        );
        assert!(
            out.status.success(),
            "{}: convert failed: {}",
            original.file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&edn).unwrap();
        // "N values computed with node, K of M comments kept"
        let summary = String::from_utf8_lossy(&out.stderr).to_string();
        let numbers: Vec<usize> = summary
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        let [.., kept, total] = numbers.as_slice() else {
            panic!("no summary: {summary}")
        };
        assert_eq!(
            kept,
            total,
            "{}: comments lost: {summary}",
            original.file.display()
        );
        results.comments.0 += total;
        results.comments.1 += kept;
        for (_, value) in &conversion_env {
            let value = value.as_deref().unwrap();
            assert!(
                !text.contains(value),
                "{}: the conversion-time value {value} was written:\n{text}",
                original.file.display()
            );
        }
        // Header notes that used to be wrong: dependency-watching on every ESM file,
        // "missing below" for values with a fallback.
        for wrong in ["WATCH_REPORT_DEPENDENCIES", "missing below"] {
            assert!(
                !text.contains(wrong),
                "{}: {wrong}:\n{text}",
                original.file.display()
            );
        }
        let check = cli(&["check", edn.to_str().unwrap()]);
        assert!(
            check.status.success(),
            "{}: check fails:\n{}\n{text}",
            original.file.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        let frozen = text.matches(";; was: ").count();
        let name = original.file.to_string_lossy().to_string();
        results.frozen.push((name, frozen));
        converted.push((copy, edn));
    }
    for env in &environments {
        let theirs = pm2_reads_with(&converted.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>(), env);
        for ((file, edn), theirs) in converted.iter().zip(&theirs) {
            let theirs = reading(theirs);
            let mut names: Vec<Option<String>> = vec![None];
            names.extend(env_names(&theirs).into_iter().map(Some));
            let mut identical = true;
            for name in &names {
                let js = edn.with_extension(format!("{}.json", name.as_deref().unwrap_or("default")));
                let mut args = vec![
                    "render",
                    edn.to_str().unwrap(),
                    "--format",
                    "json",
                    "-o",
                    js.to_str().unwrap(),
                ];
                if let Some(name) = name {
                    args.extend(["--profile", name]);
                }
                let out = cli_env(&args, env);
                assert!(
                    out.status.success(),
                    "{} {name:?}: render failed: {}",
                    file.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                results.renders += 1;
                let ours = reading(&pm2_reads_with(std::slice::from_ref(&js), env)[0]);
                let found = differences(
                    theirs.raw.as_ref(),
                    &effective(&theirs, name.as_deref()),
                    &effective(&ours, None),
                    file.parent().unwrap(),
                );
                assert!(
                    found.is_empty(),
                    "{} {name:?} under {env:?}: {found:#?}",
                    file.display()
                );
                identical &= found.is_empty();
            }
            results.identical += usize::from(identical);
        }
    }
    results.identical /= environments.len();
    eprintln!(
        "{} files, pm2 accepts {}: all convert and pass check; {} identical to pm2's reading under two other environments ({} renders)",
        files.len(),
        results.accepted,
        results.identical,
        results.renders
    );
    let frozen: Vec<String> = results
        .frozen
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(f, n)| format!("{n} in {f}"))
        .collect();
    eprintln!("comments: {} of {} kept", results.comments.1, results.comments.0);
    eprintln!(
        "frozen values (computed with node): {} in all; {}",
        results.frozen.iter().map(|(_, n)| n).sum::<usize>(),
        frozen.join("; ")
    );
    results
}

#[test]
fn converted_fixtures_render_to_the_apps_pm2_reads_under_other_environments() {
    let files = files_under(&fixtures("ecosystems"), EXTENSIONS);
    let results = round_trip(&files);
    assert_eq!(
        results.accepted,
        files.len() - 1,
        "pm2 rejects low-min-uptime.json only"
    );
    assert_eq!(results.identical, results.accepted);
}

#[test]
fn converted_corpus_files_render_to_the_apps_pm2_reads_under_other_environments() {
    let Some(fixtures) = corpus("pm2-fixtures") else {
        return;
    };
    let Some(real_world) = corpus("real-world-js") else {
        return;
    };
    let mut files = files_under(&fixtures, EXTENSIONS);
    files.extend(files_under(&real_world, EXTENSIONS));
    let results = round_trip(&files);
    assert!(results.accepted >= 110, "pm2 accepts only {}", results.accepted);
    assert_eq!(results.identical, results.accepted);
}

fn convert_text(file: &Path, env: &[(String, Option<String>)]) -> String {
    let out = cli_env(&["convert", file.to_str().unwrap(), "-o", "-"], env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn dynamic_javascript_is_translated_not_frozen() {
    let file = fixtures("ecosystems").join("dynamic.config.js");
    let env = [("API_PORT".to_string(), Some("7111".to_string()))];
    let text = convert_text(&file, &env);
    assert!(!text.contains("7111"), "{text}");
    for expected in [
        "(def base-port #long #or [#env API_PORT 3100])",
        ";; Shared by both apps.",
        ":cwd \"srv\"",
        ":script \"index.js\"",
        ";; the API server",
        "(merge shared",
        ":HOST #or [#env HOST \"127.0.0.1\"]",
        ":URL (str \"http://\" #or [#env HOST \"127.0.0.1\"] \":\" base-port)",
        ":profiles {:production {:apps [{:name \"api\" :env {:NODE_ENV \"production\"}}]}}",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
    assert!(text.contains(";; was: os.cpus().length"), "{text}");
    assert!(
        !text.contains("WATCH_REPORT_DEPENDENCIES") && !text.contains("missing below"),
        "{text}"
    );
}

#[test]
fn a_static_only_file_keeps_its_static_servers() {
    // PM2 reads `static` beside (or instead of) `apps` and starts one server per entry;
    // pm2-reads.js, which knows apps only, rejects such a file, so the round trips above
    // do not cover it.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("ecosystem-serve.json");
    let original = serde_json::json!({"static": [
        {"path": ".", "spa": true, "basic_auth": {"username": "u", "password": "p"}, "port": 8081},
        {"path": "public", "port": 8082}
    ]});
    std::fs::write(&json, serde_json::to_string_pretty(&original).unwrap()).unwrap();
    let edn = dir.path().join("serve.pm2.edn");
    let out = cli(&["convert", json.to_str().unwrap(), "-o", edn.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(cli(&["check", edn.to_str().unwrap()]).status.success());
    let rendered = dir.path().join("out.json");
    let out = cli(&[
        "render",
        edn.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        rendered.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&rendered).unwrap();
    let rendered: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(rendered["static"], original["static"], "{text}");
    assert_eq!(rendered["apps"], serde_json::json!([]), "{text}");
}

#[test]
fn hostile_files_end_in_labelled_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("ecosystem.config.js", b"module.exports = { apps: [ }".to_vec(), "convert::js-syntax"),
        ("bytes.config.js", vec![0x6d, 0xff, 0xfe, 0x20], "convert::not-utf8"),
        (
            "loop.config.js",
            b"while (true) {}\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('os').cpus().length }] };"
                .to_vec(),
            "convert::node-timeout",
        ),
        ("huge.json", vec![b' '; 2 << 20], "convert::too-large"),
        ("nothing.config.js", b"const a = 1;".to_vec(), "convert::no-export"),
    ];
    for (name, bytes, code) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let started = std::time::Instant::now();
        let out = cli(&["convert", file.to_str().unwrap(), "-o", "-"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(code), "{name}: {stderr}");
        assert!(
            started.elapsed().as_secs() < 20,
            "{name} took {:?}",
            started.elapsed()
        );
    }
    // A file that prints to stdout does not corrupt the conversion.
    let noisy = dir.path().join("noisy.config.js");
    std::fs::write(
        &noisy,
        "console.log('hello'); process.stdout.write('{');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: [1, 2].length }] };",
    )
    .unwrap();
    let text = convert_text(&noisy, &[]);
    assert!(text.contains(":instances 2"), "{text}");
}

#[test]
fn convert_does_not_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("process.json");
    std::fs::write(&json, "{apps: [{name: 'a', script: 'a.js',},], // comment\n}").unwrap();
    assert!(cli(&["convert", json.to_str().unwrap()]).status.success());
    let edn = dir.path().join("process.pm2.edn");
    let text = std::fs::read_to_string(&edn).unwrap();
    assert!(
        text.contains("{:apps [{:name \"a\" :script \"a.js\"}] ; comment"),
        "{text}"
    );
    let again = cli(&["convert", json.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("cli::exists"));
    assert!(
        cli(&["convert", json.to_str().unwrap(), "--force"])
            .status
            .success()
    );
}

#[test]
fn migrate_replace_deletes_only_the_originals_that_verified() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let source = fixtures("ecosystems");
    for (from, to) in [
        ("ecosystem.config.js", "api/ecosystem.config.js"),
        ("apps-array.json", "worker/process.json"),
        ("ecosystem.yml", "jobs/ecosystem.config.yml"),
        ("dynamic.config.js", "web/ecosystem.config.js"),
    ] {
        std::fs::create_dir_all(root.join(to).parent().unwrap()).unwrap();
        std::fs::copy(source.join(from), root.join(to)).unwrap();
    }
    // Skipped: dependencies and generated files.
    std::fs::create_dir_all(root.join("node_modules/x")).unwrap();
    std::fs::write(
        root.join("node_modules/x/ecosystem.config.js"),
        "module.exports = {}",
    )
    .unwrap();
    // One pm2 reads differently than its conversion: an app whose name pm2 derives from an
    // env value set by a statement pm2-clj does not translate.
    std::fs::create_dir_all(root.join("odd")).unwrap();
    std::fs::write(
        root.join("odd/ecosystem.config.js"),
        "const apps = [{ name: 'odd', script: 'a.js' }];\napps[0].name = 'changed';\nmodule.exports = { apps };\n",
    )
    .unwrap();
    let migrate = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .args(args)
            .env("PM2_BIN", pm2_bin())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let dry = migrate(&["migrate", root.to_str().unwrap(), "--dry-run"]);
    let table = String::from_utf8_lossy(&dry.stdout);
    assert!(table.contains("(dry run)"), "{table}");
    assert!(!root.join("api/ecosystem.pm2.edn").exists());
    let out = migrate(&["migrate", root.to_str().unwrap(), "--replace"]);
    let table = String::from_utf8_lossy(&out.stdout);
    eprintln!("{table}");
    assert_eq!(out.status.code(), Some(1), "one file differs: {table}");
    for kept in [
        "api/ecosystem.pm2.edn",
        "worker/process.pm2.edn",
        "jobs/ecosystem.pm2.edn",
        "web/ecosystem.pm2.edn",
    ] {
        assert!(root.join(kept).exists(), "{kept}: {table}");
    }
    for gone in [
        "api/ecosystem.config.js",
        "worker/process.json",
        "jobs/ecosystem.config.yml",
        "web/ecosystem.config.js",
    ] {
        assert!(!root.join(gone).exists(), "{gone} should be deleted: {table}");
    }
    assert!(table.contains("DIFFERS"), "{table}");
    assert!(
        root.join("odd/ecosystem.config.js").exists(),
        "an original that did not verify is kept"
    );
    assert!(!root.join("node_modules/x/ecosystem.pm2.edn").exists());
    assert!(table.contains("5 files: 4 verified, 4 deleted"), "{table}");
    for edn in [
        "api/ecosystem.pm2.edn",
        "worker/process.pm2.edn",
        "jobs/ecosystem.pm2.edn",
        "web/ecosystem.pm2.edn",
    ] {
        assert!(
            cli(&["check", root.join(edn).to_str().unwrap()]).status.success(),
            "{edn}"
        );
    }
}

/// The apps of a rendered JSON file.
fn rendered_apps(file: &Path) -> Vec<serde_json::Value> {
    let json = file.with_extension("json");
    let out = cli(&[
        "render",
        file.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&json).unwrap();
    let json: serde_json::Value = serde_json::from_str(text.trim_start_matches(|c| c != '{')).unwrap();
    json["apps"].as_array().unwrap().clone()
}

fn join(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').collect()
    };
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!(
        "/{}",
        parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    )
}

#[test]
fn ecosystem_dsl_files_keep_the_paths_pm2_read_from_the_repository_root() {
    let Some(pairs) = corpus("js-edn-pairs") else {
        return;
    };
    // A copy of the pairs (the corpus is not written to), each repository its own root.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("pairs");
    assert!(
        std::process::Command::new("cp")
            .arg("-r")
            .arg(&pairs)
            .arg(&copy)
            .status()
            .unwrap()
            .success()
    );
    let mut checked = 0;
    let mut probes = 0;
    for repo in std::fs::read_dir(&copy).unwrap() {
        let root = repo.unwrap().path();
        let files: Vec<PathBuf> = files_under(&root, &[".edn"]);
        for (i, file) in files.into_iter().enumerate() {
            // PM2 started in the root reads the generated original's relative paths
            // against the root; the converted file, anywhere below it, must give the same.
            let original: serde_json::Value = {
                let value =
                    pm2_dsl_eval::Evaluator::new(pm2_dsl_eval::Options::new(), pm2_dsl_eval::FsLoader::new())
                        .eval_file(file.to_str().unwrap())
                        .unwrap();
                serde_json::to_value(&value).unwrap()
            };
            let edn = file.parent().unwrap().join(format!("converted-{i}.pm2.edn"));
            let converted = cli(&[
                "convert",
                file.to_str().unwrap(),
                "--from",
                "ecosystem-dsl",
                "--root",
                root.to_str().unwrap(),
                "-o",
                edn.to_str().unwrap(),
            ]);
            assert!(
                converted.status.success(),
                "{}: {}",
                file.display(),
                String::from_utf8_lossy(&converted.stderr)
            );
            let check = cli(&["check", edn.to_str().unwrap()]);
            assert!(
                check.status.success(),
                "{}: {}",
                file.display(),
                String::from_utf8_lossy(&check.stderr)
            );
            let ours = rendered_apps(&edn);
            let theirs = original["apps"].as_array().unwrap();
            assert_eq!(ours.len(), theirs.len(), "{}", file.display());
            // Probes become pm2-clj's :health (never written into the PM2 file).
            let value = cli(&["eval", edn.to_str().unwrap(), "--format", "json"]);
            let value: serde_json::Value = serde_json::from_slice(&value.stdout).unwrap();
            for (app, t) in value["apps"].as_array().unwrap().iter().zip(theirs) {
                let url = ["readiness_probe", "startup_probe"]
                    .iter()
                    .find_map(|p| t[p]["http_get"]["url"].as_str());
                assert_eq!(app["health"]["http"].as_str(), url, "{}", file.display());
                probes += usize::from(url.is_some());
            }
            let root = root.to_string_lossy();
            for (o, t) in ours.iter().zip(theirs) {
                let cwd = join(&root, t["cwd"].as_str().unwrap_or("."));
                assert_eq!(o["cwd"].as_str(), Some(cwd.as_str()), "{}", file.display());
                for key in ["out_file", "error_file", "script"] {
                    if let Some(path) = t[key].as_str() {
                        assert_eq!(
                            join(o["cwd"].as_str().unwrap(), o[key].as_str().unwrap()),
                            join(&cwd, path),
                            "{} {key}",
                            file.display()
                        );
                    }
                }
                if let Some(args) = t["args"].as_array() {
                    let strings: Vec<String> = args
                        .iter()
                        .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                        .collect();
                    assert_eq!(o["args"], serde_json::json!(strings), "{}", file.display());
                }
            }
            checked += 1;
        }
    }
    eprintln!(
        "{checked} ecosystem-dsl files convert with --root, pass check and render the paths pm2 read from the root; {probes} apps' http probes became :health"
    );
    assert!(checked >= 30, "{checked}");
    assert!(probes >= 1, "the corpus has an app with http probes");
}

#[test]
fn an_ecosystem_dsl_env_file_becomes_dotenv_below_the_apps_own_env() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("services/api");
    std::fs::create_dir_all(&dir).unwrap();
    // A repository: the converted file reads ../.env, inside it.
    std::fs::create_dir(root.path().join(".git")).unwrap();
    std::fs::write(root.path().join("services/.env"), "SHARED=from-file\nPORT=1\n").unwrap();
    let file = dir.join("ecosystem.edn");
    std::fs::write(
        &file,
        "{:apps [{:name \"api\" :script \"api.js\" :cwd \"services/api\" :env_file \"services/.env\" :env {:PORT \"8080\"}}\n         {:name \"job\" :script \"job.js\" :env_file \"missing.env\"}]}\n",
    )
    .unwrap();
    let edn = dir.join("api.pm2.edn");
    let out = cli(&[
        "convert",
        file.to_str().unwrap(),
        "--from",
        "ecosystem-dsl",
        "--root",
        root.path().to_str().unwrap(),
        "-o",
        edn.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&edn).unwrap();
    assert!(text.contains("#dotenv? \"../.env\""), "{text}");
    let apps = rendered_apps(&edn);
    assert_eq!(apps[0]["env"]["SHARED"], "from-file");
    assert_eq!(apps[0]["env"]["PORT"], "8080", "the app's own env wins");
    assert!(
        apps[1]["env"].as_object().is_none_or(|env| env.is_empty()),
        "a missing file gives no variables: {}",
        apps[1]
    );
}
