//! What a conversion writes: JavaScript translated statically, the values that need
//! JavaScript left out with TODO notes (or computed with `run_js`), `instances:
//! os.cpus().length` as `"max"` exactly where PM2 starts the same, labelled errors for
//! hostile files, and ecosystem-dsl files with their repository-root paths rewritten.

mod common;

use std::path::{Path, PathBuf};

use pm2_clj_convert::verify::{differences, effective, pm2_reads};
use pm2_clj_convert::{Conversion, ConvertError, ConvertOptions, SourceFormat, Todo, convert};
use pm2_clj_testkit::{corpus, files_under, fixtures, pm2_package_dir};
use pm2_dsl_eval::Env;

/// `js` written as `name` in a new folder, converted with `options`.
fn converted(
    name: &str,
    js: &str,
    options: &ConvertOptions,
) -> (tempfile::TempDir, Result<Conversion, ConvertError>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, js).unwrap();
    let result = convert(&file, options);
    (dir, result)
}

/// `js` (as `ecosystem.config.js`) converted statically.
fn statically(js: &str) -> Conversion {
    converted("ecosystem.config.js", js, &ConvertOptions::default())
        .1
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn todo(line: usize, what: &str, js: &str) -> Todo {
    Todo {
        line,
        what: what.into(),
        js: js.into(),
    }
}

#[test]
fn dynamic_javascript_is_translated_and_what_needs_javascript_is_a_todo() {
    let file = fixtures("ecosystems").join("dynamic.config.js");
    let conversion = convert(&file, &ConvertOptions::default()).unwrap();
    let text = &conversion.text;
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
        ";; TODO line 21: apps[0].instances needs JavaScript (left out): os.cpus().length\n",
        ";; 1 value needs JavaScript and was left out; see the TODO notes.",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
    assert!(!text.contains(":instances"), "{text}");
    assert_eq!(
        conversion.stats.todos,
        [todo(21, "apps[0].instances", "os.cpus().length")]
    );
    assert_eq!(conversion.stats.frozen, 0);
    assert!(
        !text.contains("WATCH_REPORT_DEPENDENCIES") && !text.contains("missing below"),
        "{text}"
    );
    // Asked to run the file, node computes it.
    let options = ConvertOptions {
        run_js: true,
        ..ConvertOptions::default()
    };
    let computed = convert(&file, &options).unwrap();
    assert!(
        computed.text.contains(";; was: os.cpus().length\n"),
        "{}",
        computed.text
    );
    assert!(computed.text.contains(":instances "), "{}", computed.text);
    assert!(!computed.text.contains("TODO"), "{}", computed.text);
    assert_eq!((computed.stats.frozen, computed.stats.todos.len()), (1, 0));
}

#[test]
fn an_entry_that_needs_javascript_is_left_out_with_its_comments_and_a_todo() {
    let conversion = statically(
        "const os = require('os');
module.exports = {
  apps: [{
    name: 'api',
    // how many
    instances: os.cpus().length, // all of them
    env: {
      PORT: 3000,
      HOST: require('os').hostname(),
    },
    args: ['--id', String(Date.now())],
    script: 'a.js',
  }],
};
",
    );
    let text = &conversion.text;
    assert_eq!(
        conversion.stats.todos,
        [
            todo(6, "apps[0].instances", "os.cpus().length"),
            todo(9, "apps[0].env.HOST", "require('os').hostname()"),
            // One element of `args` cannot go: the others would move.
            todo(11, "apps[0].args", "['--id', String(Date.now())]"),
        ]
    );
    for expected in [
        ";; how many\n",
        ";; TODO line 6: apps[0].instances needs JavaScript (left out): os.cpus().length\n",
        ";; all of them\n",
        ":env {:PORT 3000\n",
        ";; TODO line 9: apps[0].env.HOST needs JavaScript (left out): require('os').hostname()\n",
        ":script \"a.js\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?}:\n{text}");
    }
    for gone in [":instances", ":HOST", ":args"] {
        assert!(!text.contains(gone), "{gone}:\n{text}");
    }
    assert_eq!(conversion.stats.comments, (2, 2));
}

#[test]
fn a_definition_that_needs_javascript_takes_its_uses_along() {
    let conversion = statically(
        "const { version } = require('./package.json');
const port = 3000;
// the workers
const workers = Math.max(2, 4);
module.exports = { apps: [{ name: 'api', script: 'a.js', env: { VERSION: version, WORKERS: workers, PORT: port } }] };
",
    );
    let text = &conversion.text;
    assert_eq!(
        conversion.stats.todos,
        [
            todo(1, "version", "(require('./package.json')).version"),
            todo(4, "workers", "Math.max(2, 4)"),
            todo(5, "apps[0].env.VERSION", "version"),
            todo(5, "apps[0].env.WORKERS", "workers"),
        ]
    );
    assert!(text.contains("(def port 3000)"), "{text}");
    assert!(
        !text.contains("(def version") && !text.contains("(def workers"),
        "{text}"
    );
    assert!(text.contains(";; the workers\n"), "{text}");
    assert!(
        text.contains(
            ";; TODO line 5: apps[0].env.WORKERS needs JavaScript (left out): workers; workers is Math.max(2, 4) (line 4), left out too\n"
        ),
        "{text}"
    );
    assert!(text.contains(":PORT port"), "{text}");
}

#[test]
fn a_spread_that_needs_javascript_is_left_out_of_its_merge() {
    let conversion = statically(
        "const base = { script: 'a.js' };
module.exports = { apps: [{ ...base, ...defaults(), name: 'api' }] };
function defaults() { return { instances: 2 }; }
",
    );
    assert_eq!(
        conversion.stats.todos,
        [todo(2, "a spread in apps[0]", "defaults()")]
    );
    assert!(
        conversion.text.contains(
            "{:apps [;; TODO line 2: a spread in apps[0] needs JavaScript (left out): defaults()\n        (merge base {:name \"api\"})]}"
        ),
        "{}",
        conversion.text
    );
}

#[test]
fn apps_that_need_javascript_are_an_error_not_an_empty_conversion() {
    for (js, line) in [
        (
            "module.exports = build();\nfunction build() { return { apps: [] }; }",
            1,
        ),
        (
            "module.exports = {\n  apps: Array.from({ length: 2 }, (_, i) => ({ name: `a${i}`, script: 'a.js' })),\n};",
            2,
        ),
        ("const apps = load();\nmodule.exports = { apps, deploy: {} };", 1),
        (
            "module.exports = { apps: [{ name: 'a', script: 'a.js' }, make('b')] };",
            1,
        ),
    ] {
        let (_dir, result) = converted("ecosystem.config.js", js, &ConvertOptions::default());
        let error = result.unwrap_err();
        assert_eq!(error.code(), "convert::needs-js", "{js}");
        assert!(error.to_string().contains(&format!("(line {line}: ")), "{error}");
    }
    // A `.json` file's array is its apps.
    let (_dir, result) = converted(
        "process.json",
        "[{ name: 'a', script: ['a', '.js'].join('') }]",
        &ConvertOptions::default(),
    );
    assert_eq!(
        result.unwrap().stats.todos,
        [todo(1, "apps[0].script", "['a', '.js'].join('')")]
    );
}

#[test]
fn env_paths_are_absolute_as_node_computes_them() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
    let file = dir.path().join("link/ecosystem.config.js");
    std::fs::write(
        &file,
        "const path = require('path');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', cwd: path.join(__dirname, 'srv'), env: { LOGS: path.join(__dirname, 'logs'), HERE: __dirname + '/x' } }] };",
    )
    .unwrap();
    let conversion = convert(&file, &ConvertOptions::default()).unwrap();
    // node's __dirname is the folder with links resolved.
    let folder = real.canonicalize().unwrap().display().to_string();
    for expected in [
        format!(":LOGS \"{folder}/logs\""),
        format!(":HERE (str \"{folder}\" \"/x\")"),
        ":cwd \"srv\"".to_string(),
    ] {
        assert!(
            conversion.text.contains(&expected),
            "{expected}:\n{}",
            conversion.text
        );
    }
    assert!(conversion.stats.todos.is_empty());
}

#[test]
fn cpu_count_instances_are_max_only_where_pm2_starts_the_same() {
    for js in [
        "const os = require('os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', merge_logs: true, instances: os.cpus().length }] };",
        "module.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('node:os').cpus().length, combine_logs: false }] };",
        "import os from 'os';\nexport const apps = [{ name: 'a', script: 'a.js', merge_logs: false, instances: os.cpus().length }];",
        "import * as os from 'node:os';\nexport const apps = [{ name: 'a', script: 'a.js', merge_logs: true, instances: (os.cpus()).length }];",
    ] {
        let name = if js.starts_with("import") {
            "e.config.mjs"
        } else {
            "ecosystem.config.js"
        };
        let (_dir, result) = converted(name, js, &ConvertOptions::default());
        let conversion = result.unwrap();
        assert!(
            conversion.text.contains(":instances \"max\""),
            "{js}\n{}",
            conversion.text
        );
        assert!(conversion.stats.todos.is_empty(), "{js}");
    }
    for js in [
        // PM2 defaults merge_logs to true for "max" (as 0), not for a count.
        "const os = require('os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: os.cpus().length }] };",
        // merge_logs computed: not known to be set.
        "const os = require('os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', merge_logs: !!process.env.M, instances: os.cpus().length }] };",
        // Another count, another option, another module.
        "const os = require('os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', merge_logs: true, instances: os.cpus().length - 1 }] };",
        "const os = require('os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', merge_logs: true, env: { instances: os.cpus().length } }] };",
        "const os = require('./os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', merge_logs: true, instances: os.cpus().length }] };",
    ] {
        let conversion = statically(js);
        assert!(!conversion.text.contains("\"max\""), "{js}\n{}", conversion.text);
        assert_eq!(conversion.stats.todos.len(), 1, "{js}\n{}", conversion.text);
    }
}

#[test]
fn max_verifies_against_the_original_through_the_cpu_count_pm2_read_with() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("ecosystem.config.js");
    std::fs::write(
        &original,
        "const os = require('os');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', exec_mode: 'cluster', merge_logs: true, instances: os.cpus().length }] };",
    )
    .unwrap();
    let conversion = convert(&original, &ConvertOptions::default()).unwrap();
    let edn = dir.path().join("ecosystem.pm2.edn");
    let json = common::render_json(&edn, &conversion.text, None, Env::empty()).unwrap();
    let reads = pm2_reads(Path::new("node"), &pm2_package_dir(), &[original, json], &[]).unwrap();
    let (theirs, ours) = (&reads[0], &reads[1]);
    assert!(theirs.cpus.is_some_and(|n| n > 0), "{theirs:?}");
    let compare = |cpus| {
        differences(
            theirs.raw.as_ref(),
            &effective(theirs, None),
            &effective(ours, None),
            dir.path(),
            cpus,
            &[],
        )
    };
    assert_eq!(compare(theirs.cpus), Vec::new());
    // Without the count, "max" (0 once pm2 has read it) is a difference: the allowance
    // is what verifies it.
    assert_eq!(compare(None).len(), 1, "{:?}", compare(None));
}

#[test]
fn hostile_files_end_in_labelled_errors() {
    let run_js = ConvertOptions {
        run_js: true,
        ..ConvertOptions::default()
    };
    let statically = ConvertOptions::default();
    let cases: Vec<(&str, Vec<u8>, &ConvertOptions, &str)> = vec![
        (
            "ecosystem.config.js",
            b"module.exports = { apps: [ }".to_vec(),
            &statically,
            "convert::js-syntax",
        ),
        ("bytes.config.js", vec![0x6d, 0xff, 0xfe, 0x20], &statically, "convert::not-utf8"),
        (
            "loop.config.js",
            b"while (true) {}\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('os').cpus().length }] };"
                .to_vec(),
            &run_js,
            "convert::node-timeout",
        ),
        ("huge.json", vec![b' '; 2 << 20], &statically, "convert::too-large"),
        ("nothing.config.js", b"const a = 1;".to_vec(), &statically, "convert::no-export"),
        ("notes.txt", b"".to_vec(), &statically, "convert::unknown-format"),
    ];
    for (name, bytes, options, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let started = std::time::Instant::now();
        let error = convert(&file, options).unwrap_err();
        assert_eq!(error.code(), code, "{name}: {error}");
        assert!(
            started.elapsed().as_secs() < 20,
            "{name} took {:?}",
            started.elapsed()
        );
    }
    // Not run, the loop is no problem: its value is left out.
    let (_dir, result) = converted(
        "loop.config.js",
        "while (true) {}\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('os').cpus().length }] };",
        &ConvertOptions::default(),
    );
    assert_eq!(result.unwrap().stats.todos.len(), 1);
    // A file that prints to stdout does not corrupt the conversion.
    let (_dir, result) = converted(
        "noisy.config.js",
        "console.log('hello'); process.stdout.write('{');\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: [1, 2].length }] };",
        &run_js,
    );
    let text = result.unwrap().text;
    assert!(text.contains(":instances 2"), "{text}");
}

#[test]
fn a_static_only_file_keeps_its_static_servers() {
    // PM2 reads `static` beside (or instead of) `apps` and starts one server per entry;
    // pm2-reads.js, which knows apps only, rejects such a file, so the round trips do not
    // cover it.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("ecosystem-serve.json");
    let original = serde_json::json!({"static": [
        {"path": ".", "spa": true, "basic_auth": {"username": "u", "password": "p"}, "port": 8081},
        {"path": "public", "port": 8082}
    ]});
    std::fs::write(&json, serde_json::to_string_pretty(&original).unwrap()).unwrap();
    let conversion = convert(&json, &ConvertOptions::default()).unwrap();
    let edn = dir.path().join("serve.pm2.edn");
    let rendered = common::render_json(&edn, &conversion.text, None, Env::empty()).unwrap();
    let text = std::fs::read_to_string(&rendered).unwrap();
    let rendered: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(rendered["static"], original["static"], "{text}");
    assert_eq!(rendered["apps"], serde_json::json!([]), "{text}");
}

/// The apps `render --format json` writes for the converted `text` at `edn`.
fn rendered_apps(edn: &Path, text: &str) -> Vec<serde_json::Value> {
    let json = common::render_json(edn, text, None, Env::empty())
        .unwrap_or_else(|e| panic!("{}: {e}", edn.display()));
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

/// An ecosystem-dsl file converted against `root`, written to `edn`.
fn convert_dsl(file: &Path, root: &Path, edn: &Path) -> String {
    let options = ConvertOptions {
        from: Some(SourceFormat::EcosystemDsl),
        root: Some(root.to_path_buf()),
        ..ConvertOptions::default()
    };
    let text = convert(file, &options)
        .unwrap_or_else(|e| panic!("{}: {e:?}", file.display()))
        .text;
    std::fs::write(edn, &text).unwrap();
    if let Err(e) = common::load(edn, &text, None, Env::empty()) {
        panic!("{}: check fails: {e}", file.display());
    }
    text
}

fn eval_json(file: &Path) -> serde_json::Value {
    let value = pm2_dsl_eval::Evaluator::new(pm2_dsl_eval::EvalOptions::new(), pm2_dsl_eval::FsLoader::new())
        .eval_file(file.to_str().unwrap())
        .unwrap();
    serde_json::to_value(&value).unwrap()
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
            let original = eval_json(&file);
            let edn = file.parent().unwrap().join(format!("converted-{i}.pm2.edn"));
            let text = convert_dsl(&file, &root, &edn);
            let ours = rendered_apps(&edn, &text);
            let theirs = original["apps"].as_array().unwrap();
            assert_eq!(ours.len(), theirs.len(), "{}", file.display());
            // Probes become pm2-clj's :health (never written into the PM2 file).
            let value = eval_json(&edn);
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
    let text = convert_dsl(&file, root.path(), &edn);
    assert!(text.contains("#dotenv? \"../.env\""), "{text}");
    let apps = rendered_apps(&edn, &text);
    assert_eq!(apps[0]["env"]["SHARED"], "from-file");
    assert_eq!(apps[0]["env"]["PORT"], "8080", "the app's own env wins");
    assert!(
        apps[1]["env"].as_object().is_none_or(|env| env.is_empty()),
        "a missing file gives no variables: {}",
        apps[1]
    );
}

#[test]
fn unused_bindings_are_ignored_statically_and_with_run_js() {
    let js = "const { watch } = require(\"fs\");\nconst { execSync } = require('child_process');\nconst helper = () => execSync('false');\nfunction build() { throw new Error('never called'); }\nmodule.exports = { apps: [{ name: 'api', script: 'a.js', watch: false }] };\n";
    for run_js in [false, true] {
        let options = ConvertOptions {
            run_js,
            ..ConvertOptions::default()
        };
        let (_dir, result) = converted("ecosystem.config.js", js, &options);
        let conversion = result.unwrap_or_else(|e| panic!("run_js {run_js}: {e:?}"));
        assert!(
            conversion
                .text
                .ends_with("{:apps [{:name \"api\" :script \"a.js\" :watch false}]}\n"),
            "{}",
            conversion.text
        );
        assert!(conversion.stats.todos.is_empty() && conversion.stats.frozen == 0);
    }
}

#[test]
fn apps_that_share_a_name_fail_with_a_renaming_or_are_renamed_when_asked() {
    let js = "module.exports = { apps: [\n  { name: 'api', script: 'a.js' },\n  { name: 'api', script: 'b.js' },\n  { name: 'api-2', script: 'c.js' },\n] };\n";
    let (_dir, result) = converted("ecosystem.config.js", js, &ConvertOptions::default());
    let error = result.unwrap_err();
    assert_eq!(error.code(), "convert::duplicate-app-name");
    let help = pm2_dsl_reader::ProblemKind::default_help(error.kind()).unwrap();
    assert!(
        help.contains("api → api, api-3") && help.contains("--rename-duplicates"),
        "{help}"
    );
    let options = ConvertOptions {
        rename_duplicates: true,
        ..ConvertOptions::default()
    };
    let (dir, result) = converted("ecosystem.config.js", js, &options);
    let conversion = result.unwrap();
    assert_eq!(conversion.stats.renamed, [(1, "api".to_string())]);
    let apps = rendered_apps(&dir.path().join("ecosystem.pm2.edn"), &conversion.text);
    let names: Vec<&str> = apps.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["api", "api-3", "api-2"]);
    assert!(
        conversion
            .text
            .contains(";; named \"api\" in the original, as another app"),
        "{}",
        conversion.text
    );
}

#[test]
fn a_file_without_any_app_is_a_failure_with_a_did_you_mean() {
    let (_dir, result) = converted(
        "ecosystem.config.js",
        "module.exports = { app: [{ name: 'api', script: 'a.js' }] };\n",
        &ConvertOptions::default(),
    );
    let error = result.unwrap_err();
    assert_eq!(error.code(), "convert::no-app");
    assert!(
        error.to_string().contains("\"app\" (did you mean apps?)"),
        "{error}"
    );
}

#[test]
fn a_misspelt_option_is_noted_in_its_app_with_a_did_you_mean() {
    let text = statically(
        "module.exports = { apps: [{ name: 'api', script: 'a.js', max_memory_restrat: '1G' /* half the box */, watch: false }] };\n",
    )
    .text;
    assert!(
        text.contains(
            ";; left out: max_memory_restrat \"1G\" (PM2 does not read it; did you mean max_memory_restart?)"
        ) && text.contains(";; half the box"),
        "{text}"
    );
    assert!(
        text.contains("apps[0] \"max_memory_restrat\" (did you mean max_memory_restart?)"),
        "{text}"
    );
}

#[test]
fn export_default_in_a_cjs_file_is_said_to_be_a_syntax_error_there() {
    let js = "export default { apps: [{ name: 'api', script: 'a.js' }] };\n";
    let (_dir, result) = converted("ecosystem.config.cjs", js, &ConvertOptions::default());
    let text = result.unwrap().text;
    assert!(
        text.contains("node loads a .cjs file as CommonJS") && text.contains("`module.exports = ...`"),
        "{text}"
    );
    let (_dir, result) = converted("ecosystem.config.mjs", js, &ConvertOptions::default());
    assert!(result.unwrap().text.contains("it needs `export const apps`"));
}

#[test]
fn the_comment_count_counts_only_what_is_written() {
    // An ecosystem-dsl file keeps the comments at its top only: the one inside its apps
    // is not written, and not counted as kept.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let file = dir.path().join("ecosystem.edn");
    std::fs::write(
        &file,
        ";; the apps\n{:apps [{:name \"a\"\n         ;; the script\n         :script \"a.js\"}]}\n",
    )
    .unwrap();
    let conversion = convert(&file, &ConvertOptions::default()).unwrap();
    assert_eq!(conversion.stats.comments, (2, 1), "{}", conversion.text);
}

#[test]
fn an_ecosystem_dsl_file_needs_its_root_and_says_pm2_passed_variables_literally() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{:apps [{:name \"a\" :script \"a.js\" :env {:DB \"${DB_URL}\"}}]}";
    // No .git and no system/daemons: the root must be given.
    let loose = dir.path().join("loose/ecosystem.edn");
    std::fs::create_dir_all(loose.parent().unwrap()).unwrap();
    std::fs::write(&loose, text).unwrap();
    let error = convert(&loose, &ConvertOptions::default()).unwrap_err();
    assert_eq!(error.code(), "convert::no-root");
    // The system/daemons layout says where it is.
    let laid = dir.path().join("repo/system/daemons/db/ecosystem.edn");
    std::fs::create_dir_all(laid.parent().unwrap()).unwrap();
    std::fs::write(&laid, text).unwrap();
    let converted = convert(&laid, &ConvertOptions::default()).unwrap().text;
    assert!(converted.contains(":cwd \"../../..\""), "{converted}");
    assert!(
        converted.contains(";; \"${DB_URL}\": PM2 passed this text as it is (it expands no ${...}); the environment is read here")
            && converted.contains(":DB #env DB_URL"),
        "{converted}"
    );
}
