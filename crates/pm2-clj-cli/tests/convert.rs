//! `pm2-clj convert` and `migrate` end to end: what they write, what they report, and
//! what they run. `convert` runs none of the file's code unless `--run-js` says so;
//! `migrate`'s verification (pm2 loading the original) does, and says so first.
//! What a conversion is (translation, TODOs, round trips against pm2's reading) is
//! tested in `pm2-clj-convert`'s own tests.

use std::path::Path;
use std::process::Output;

use pm2_clj_testkit::{fixtures, pm2_bin};

fn cli(args: &[&str]) -> Output {
    cli_env(args, &[])
}

fn cli_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("PM2_BIN", pm2_bin())
        .envs(env.iter().copied())
        .output()
        .expect("run pm2-clj")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A file whose values run commands when node computes them: a `require('child_process')`
/// at its top, an immediately called function, an `execSync` in a value, a getter. Each
/// touches its own file named `marker`-...
fn hostile(marker: &Path) -> String {
    let m = marker.display();
    format!(
        "const {{ execSync }} = require('child_process');
const cp = require('child_process');
const suffix = (() => {{ cp.execSync('touch {m}-iife'); return '-x'; }})();
module.exports = {{
  apps: [{{
    name: 'api' + suffix,
    script: 'a.js',
    args: execSync('touch {m}-exec && echo --x').toString().trim(),
    env: {{
      get HOST() {{ require('child_process').execSync('touch {m}-getter'); return 'h'; }},
    }},
  }}],
}};
"
    )
}

const MARKS: [&str; 3] = ["iife", "exec", "getter"];

/// The marker files `hostile(marker)` has created.
fn ran(marker: &Path) -> Vec<&'static str> {
    MARKS
        .into_iter()
        .filter(|m| {
            marker
                .with_file_name(format!("{}-{m}", marker.file_name().unwrap().to_string_lossy()))
                .exists()
        })
        .collect()
}

#[test]
fn convert_runs_none_of_the_files_code_unless_run_js_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("RAN");
    let file = dir.path().join("ecosystem.config.js");
    std::fs::write(&file, hostile(&marker)).unwrap();
    let edn = dir.path().join("ecosystem.pm2.edn");
    let out = cli(&["convert", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ran(&marker), Vec::<&str>::new(), "convert ran the file's code");
    let text = std::fs::read_to_string(&edn).unwrap();
    let report = stderr(&out);
    let name = file.display();
    for (line, what, js) in [
        (3, "suffix", "(() => { cp.execSync('touch"),
        (6, "apps[0].name", "'api' + suffix"),
        (8, "apps[0].args", "execSync('touch"),
        (9, "apps[0].env", "{"),
    ] {
        assert!(
            text.contains(&format!(
                ";; TODO line {line}: {what} needs JavaScript (left out): {js}"
            )),
            "{what}:\n{text}"
        );
        assert!(
            report.contains(&format!(
                "pm2-clj: TODO {name}:{line}: {what} needs JavaScript: {js}"
            )),
            "{what}:\n{report}"
        );
    }
    assert!(
        report.contains("(4 TODOs: values left out, needing JavaScript;"),
        "{report}"
    );
    assert!(
        text.contains("get HOST() { require('child_process').execSync('touch"),
        "{text}"
    );
    assert!(!text.contains(":args") && !text.contains(":HOST"), "{text}");
    // The same to stdout.
    let out = cli(&["convert", file.to_str().unwrap(), "-o", "-"]);
    assert!(out.status.success() && stdout(&out).contains(";; TODO line 8: apps[0].args"));
    assert_eq!(
        ran(&marker),
        Vec::<&str>::new(),
        "convert -o - ran the file's code"
    );

    // --run-js runs it, as its help says.
    let help = stdout(&cli(&["convert", "--help"]));
    let help: String = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains(
            "--run-js Run FILE's JavaScript: node loads the file (with no environment variables visible)"
        ) && help.contains("Everything the file's code does when loaded happens, commands it runs included"),
        "{help}"
    );
    let out = cli(&["convert", file.to_str().unwrap(), "-o", "-", "--run-js"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ran(&marker), MARKS, "--run-js runs the file");
    let text = stdout(&out);
    assert!(
        text.contains(";; was: execSync('touch") && text.contains(":args \"--x\""),
        "{text}"
    );
    assert!(!text.contains("TODO"), "{text}");
    assert!(
        stderr(&out).contains("values computed with node"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_value_of_the_environment_convert_runs_in_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let source = fixtures("ecosystems");
    let env = [
        ("API_PORT", "7111"),
        ("HOST", "host-7112"),
        ("QUEUE", "queue-7113"),
        ("NODE_ENV", "env-7114"),
    ];
    for name in [
        "dynamic.config.js",
        "ecosystem.config.js",
        "nested-env-value.json",
    ] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
        for run_js in [false, true] {
            let file = dir.path().join(name);
            let mut args = vec!["convert", file.to_str().unwrap(), "-o", "-"];
            if run_js {
                args.push("--run-js");
            }
            let out = cli_env(&args, &env);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            let text = stdout(&out);
            for (_, value) in env {
                assert!(
                    !text.contains(value),
                    "{name} (run_js {run_js}): {value} was written:\n{text}"
                );
            }
        }
    }
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
    let migrate = cli;
    let dry = migrate(&["migrate", root.to_str().unwrap(), "--dry-run"]);
    let table = String::from_utf8_lossy(&dry.stdout);
    assert!(table.contains("(dry run)"), "{table}");
    assert!(!root.join("api/ecosystem.pm2.edn").exists());
    let out = migrate(&["migrate", root.to_str().unwrap(), "--replace"]);
    let table = String::from_utf8_lossy(&out.stdout);
    eprintln!("{table}");
    assert_eq!(out.status.code(), Some(1), "three files differ: {table}");
    for kept in ["api/ecosystem.pm2.edn", "jobs/ecosystem.pm2.edn"] {
        assert!(root.join(kept).exists(), "{kept}: {table}");
    }
    // worker's `max_restarts: 0` is what PM2's alias bug drops (it restarts the app up
    // to 16 times); the conversion applies it: a difference, never verified.
    assert!(
        table.contains("app api: max_restarts is 0 in the conversion, not set in the original (PM2 drops a falsy max_restarts through its alias bug; pm2-clj applies it"),
        "{table}"
    );
    // Nothing half-done: a conversion that did not verify is not left for a re-run to
    // skip.
    for not_written in [
        "web/ecosystem.pm2.edn",
        "odd/ecosystem.pm2.edn",
        "worker/process.pm2.edn",
    ] {
        assert!(!root.join(not_written).exists(), "{not_written}: {table}");
    }
    for gone in ["api/ecosystem.config.js", "jobs/ecosystem.config.yml"] {
        assert!(!root.join(gone).exists(), "{gone} should be deleted: {table}");
    }
    assert!(table.contains("DIFFERS"), "{table}");
    for kept in [
        "odd/ecosystem.config.js",
        "web/ecosystem.config.js",
        "worker/process.json",
    ] {
        assert!(
            root.join(kept).exists(),
            "an original that did not verify is kept: {kept}"
        );
    }
    // web's `instances: os.cpus().length` was left out with a TODO: pm2 reads the
    // original's count, and the conversion has none.
    assert!(
        table.contains("web/ecosystem.config.js       2     1  DIFFERS")
            && table.contains("app api: instances is set in the original only"),
        "{table}"
    );
    assert!(!root.join("node_modules/x/ecosystem.pm2.edn").exists());
    assert!(table.contains("5 files: 2 verified, 2 deleted"), "{table}");
    assert!(
        table.contains("DIFFERS (1 difference): no .pm2.edn written"),
        "{table}"
    );
    // The headers name the originals relative to the repository, not the machine.
    let api = std::fs::read_to_string(root.join("api/ecosystem.pm2.edn")).unwrap();
    assert!(
        api.starts_with(";; Converted by pm2-clj from api/ecosystem.config.js."),
        "{api}"
    );
    assert!(!api.contains(root.to_str().unwrap()), "{api}");
    // A re-run converts what did not verify again, and skips nothing half-done.
    let again = migrate(&["migrate", root.to_str().unwrap(), "--dry-run"]);
    let table = String::from_utf8_lossy(&again.stdout);
    assert!(
        table.lines().any(|l| l.starts_with("web/ecosystem.config.js ")
            && l.ends_with("1  converted, not verified (dry run)")),
        "{table}"
    );
    for edn in ["api/ecosystem.pm2.edn", "jobs/ecosystem.pm2.edn"] {
        assert!(
            cli(&["check", root.join(edn).to_str().unwrap()]).status.success(),
            "{edn}"
        );
    }
}

#[test]
fn migrate_runs_no_files_code_unless_it_verifies_and_its_first_line_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    std::fs::create_dir(&root).unwrap();
    let marker = dir.path().join("RAN");
    let file = root.join("ecosystem.config.js");
    std::fs::write(&file, hostile(&marker)).unwrap();
    let edn = root.join("ecosystem.pm2.edn");
    let root = root.to_str().unwrap();

    let out = cli(&["migrate", root, "--dry-run"]);
    let table = stdout(&out);
    assert!(
        table.starts_with("pm2-clj migrate: --dry-run loads no file (no file's code runs)"),
        "{table}"
    );
    assert!(
        table.contains("ecosystem.config.js     -     4  converted, not verified (dry run)"),
        "{table}"
    );
    assert_eq!(ran(&marker), Vec::<&str>::new(), "--dry-run ran the file's code");
    assert!(!edn.exists());

    let out = cli(&["migrate", root, "--no-verify", "--replace"]);
    let table = stdout(&out);
    assert!(
        table.starts_with(
            "pm2-clj migrate: --no-verify loads no file (no file's code runs); nothing is verified, so --replace deletes nothing\n"
        ),
        "{table}"
    );
    assert_eq!(
        ran(&marker),
        Vec::<&str>::new(),
        "--no-verify ran the file's code"
    );
    assert!(edn.exists() && file.exists(), "{table}");
    assert_eq!(out.status.code(), Some(1), "values were left out: {table}");

    // Verifying has pm2 load the original: its code runs, as the first line says.
    std::fs::remove_file(&edn).unwrap();
    let out = cli(&["migrate", root]);
    let table = stdout(&out);
    assert!(
        table.starts_with("pm2-clj migrate: verifying runs each file's code: pm2 loads every original"),
        "{table}"
    );
    assert_eq!(ran(&marker), MARKS, "pm2 loaded the original");
}

/// How one edit made during `migrate --replace` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ended {
    /// Migrate saw it before deleting, and kept the original (changed during migration).
    Changed,
    /// pm2 read it, so the conversion (of what was read before) did not verify: kept.
    DidNotVerify,
    /// It came before migrate read the file: the conversion holds it, and the original
    /// was deleted.
    Converted,
    /// It came after the original was deleted, and saved a new file.
    SavedAfter,
    /// A change of the modification time alone, after the original was deleted (there
    /// was no file left to change) or before migrate read it.
    TimeOnlyGone,
}

#[test]
fn migrate_replace_never_loses_an_edit() {
    use std::time::{Duration, SystemTime};
    const ORIGINAL: &str = "module.exports = { apps: [{ name: 'api', script: 'aaa.js' }] };\n";
    const LONGER: &str = "module.exports = { apps: [{ name: 'api', script: 'edited-longer.js' }] };\n";
    const SAME_SIZE: &str = "module.exports = { apps: [{ name: 'api', script: 'bbb.js' }] };\n";
    let past = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let later = past + Duration::from_secs(60);
    // Sets the time by path; while migrate holds the file aside to compare it (a few
    // milliseconds), the path is briefly missing and the edit tries again.
    let touch = |file: &Path, time| {
        let set = || {
            std::fs::File::options()
                .write(true)
                .open(file)
                .and_then(|f| f.set_modified(time))
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        loop {
            match set() {
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                done => return done,
            }
        }
    };
    let mut ended: std::collections::BTreeMap<(&str, Ended), usize> = Default::default();
    let timings = [0, 20, 50, 100, 200, 300, 500];
    let kinds = [
        "other bytes and size",
        "same size and time, other bytes",
        "time only",
    ];
    let mut edits = 0;
    for ms in timings {
        for round in 0..3 {
            for kind in kinds {
                let dir = tempfile::tempdir().unwrap();
                let file = dir.path().join("ecosystem.config.js");
                std::fs::write(&file, ORIGINAL).unwrap();
                touch(&file, past).unwrap();
                let child = std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
                    .args(["migrate", dir.path().to_str().unwrap(), "--replace"])
                    .env("NO_COLOR", "1")
                    .env("PM2_BIN", pm2_bin())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                std::thread::sleep(Duration::from_millis(ms));
                let applied = match kind {
                    "other bytes and size" => std::fs::write(&file, LONGER).is_ok(),
                    "same size and time, other bytes" => {
                        std::fs::write(&file, SAME_SIZE).is_ok() && touch(&file, past).is_ok()
                    }
                    _ => touch(&file, later).is_ok(),
                };
                edits += 1;
                let out = child.wait_with_output().unwrap();
                let table = stdout(&out);
                let what = format!("{kind}, {ms} ms, round {round}:\n{table}{}", stderr(&out));
                let edn = std::fs::read_to_string(dir.path().join("ecosystem.pm2.edn")).unwrap_or_default();
                let deleted = table.contains("verified, original deleted");
                let changed = table
                    .contains("changed during migration (migrate::changed-during-migration): original kept");
                let kept = if changed {
                    Ended::Changed
                } else {
                    Ended::DidNotVerify
                };
                assert!(
                    deleted || changed || table.contains("DIFFERS") || table.contains("not verified"),
                    "{what}"
                );
                let how = if kind == "time only" {
                    match std::fs::metadata(&file).and_then(|m| m.modified()) {
                        Ok(t) => {
                            assert!(applied && !deleted, "{what}");
                            assert_eq!(t, later, "{what}");
                            kept
                        }
                        Err(_) => {
                            assert!(deleted, "{what}");
                            Ended::TimeOnlyGone
                        }
                    }
                } else {
                    let (edited, marker) = match kind {
                        "other bytes and size" => (LONGER, "edited-longer.js"),
                        _ => (SAME_SIZE, "bbb.js"),
                    };
                    assert!(applied, "{what}");
                    match std::fs::read_to_string(&file) {
                        // The edit is on disk: kept, or saved anew after the delete.
                        Ok(text) => {
                            assert_eq!(text, edited, "{what}");
                            if deleted { Ended::SavedAfter } else { kept }
                        }
                        // Deleted: only if what was deleted is what was converted.
                        Err(_) => {
                            assert!(deleted, "{what}");
                            assert!(edn.contains(marker), "the edit was lost: {what}\n{edn}");
                            Ended::Converted
                        }
                    }
                };
                assert_eq!(
                    out.status.success(),
                    deleted,
                    "exit 0 only when the original went: {what}"
                );
                *ended.entry((kind, how)).or_default() += 1;
            }
        }
    }
    eprintln!(
        "{edits} edits at {} timings ({timings:?} ms), 0 lost: {ended:#?}",
        timings.len()
    );
    for kind in kinds {
        assert!(
            ended.contains_key(&(kind, Ended::Changed)),
            "no '{kind}' edit landed between migrate's reading and its delete: that race was not tested"
        );
    }
}

#[test]
fn migrate_replace_reports_a_delete_that_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // pm2 loading them (to verify) runs their code, which deletes them, or puts a
    // directory in their place: migrate must not then report them deleted.
    for (folder, code) in [
        ("gone", "require('fs').unlinkSync(__filename);"),
        (
            "dir",
            "require('fs').unlinkSync(__filename); require('fs').mkdirSync(__filename);",
        ),
    ] {
        std::fs::create_dir(root.join(folder)).unwrap();
        std::fs::write(
            root.join(folder).join("ecosystem.config.js"),
            format!("{code}\nmodule.exports = {{ apps: [{{ name: '{folder}', script: 'a.js' }}] }};\n"),
        )
        .unwrap();
    }
    let out = cli(&["migrate", root.to_str().unwrap(), "--replace"]);
    let (table, errors) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{table}{errors}");
    for (folder, why) in [("gone", "it is gone"), ("dir", "a directory is in its place")] {
        let file = root.join(folder).join("ecosystem.config.js");
        let message = format!("cannot delete {}: {why}", file.display());
        assert!(errors.contains(&format!("pm2-clj: {message}")), "{errors}");
        assert!(
            table.contains(&format!("FAILED (migrate::delete-failed): {message}")),
            "{table}"
        );
    }
    assert!(table.contains("2 files: 0 verified, 0 deleted"), "{table}");
}

/// A repository with every kind of reference to its `ecosystem.config.js` (and to a
/// `pm2.json` and a `.pm2.clj`): package.json scripts, a shell script, a Dockerfile, a
/// Procfile, a Makefile, CI workflows, Markdown, and a deploy hook in the file itself.
/// `admin/ecosystem.config.js` is also named by a command migrate cannot rewrite.
fn referencing_repository(root: &Path, service: &Path) {
    let files: &[(&str, &str)] = &[
        (
            "ecosystem.config.js",
            "// The web app.
module.exports = {
  apps: [{
    name: 'web-mig',
    script: 'server.js',
    env: { NODE_ENV: 'development' },
    env_production: { NODE_ENV: 'production' },
  }],
  deploy: {
    production: {
      user: 'deploy', host: 'deploy.invalid', ref: 'origin/main',
      repo: 'git@deploy.invalid:web.git', path: '/srv/web',
      'post-deploy': 'npm ci && pm2 reload ecosystem.config.js --env production',
    },
  },
};
",
        ),
        (
            "package.json",
            r#"{
  "name": "referencing",
  "private": true,
  "scripts": {
    "start": "pm2 start ecosystem.config.js --env production",
    "reload": "npx pm2 reload ecosystem.config.js --env production --update-env",
    "stop": "pm2 delete ecosystem.config.js",
    "worker": "pm2 start worker/pm2.json",
    "legacy": "pm2-clj start legacy/stack.pm2.clj",
    "deploy": "pm2 deploy ecosystem.config.js production",
    "test": "node -e 1"
  }
}
"#,
        ),
        (
            "scripts/start.sh",
            "#!/bin/sh\n# starts ecosystem.config.js\ncd \"$(dirname \"$0\")/..\" && pm2 startOrReload ./ecosystem.config.js --env production\n",
        ),
        (
            "scripts/admin.sh",
            "#!/bin/sh\npm2 start admin/ecosystem.config.js --watch\n",
        ),
        (
            "Dockerfile",
            "FROM node:22\nWORKDIR /app\nCOPY package.json ecosystem.config.js server.js ./\n# pm2-runtime reads ecosystem.config.js\nCMD [\"pm2-runtime\", \"/app/ecosystem.config.js\", \"--env\", \"production\"]\n",
        ),
        (
            "Procfile",
            "web: pm2-runtime start ecosystem.config.js --env production\n",
        ),
        (
            "Makefile",
            "deploy:\n\tpm2 deploy ecosystem.config.js production update\n",
        ),
        (
            ".github/workflows/deploy.yml",
            "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: pm2 deploy ecosystem.config.js production --force\n",
        ),
        (
            ".gitlab-ci.yml",
            "start:\n  script:\n    - pm2 start ecosystem.config.js --only web-mig\n",
        ),
        (
            "docker-compose.yml",
            "services:\n  web:\n    build: .\n    command: [\"pm2-runtime\", \"ecosystem.config.js\"]\n",
        ),
        (
            "README.md",
            "# referencing\n\nThe apps are in `ecosystem.config.js` (the worker's in worker/pm2.json).\n\n```sh\npm2 start ecosystem.config.js --env production\npm2 logs\n```\n",
        ),
        (
            "worker/pm2.json",
            "{\"name\": \"worker-mig\", \"script\": \"../server.js\"}\n",
        ),
        (
            "legacy/stack.pm2.clj",
            ";; The old stack.\n(ns legacy.stack (:require [pm2-clj.dsl :as dsl]))\n\n(pm2-clj.dsl/compose\n (pm2-clj.dsl/app \"legacy-mig\" {:script \"../server.js\"}))\n",
        ),
        (
            "admin/ecosystem.config.js",
            "module.exports = { apps: [{ name: 'admin-mig', script: '../server.js' }] };\n",
        ),
    ];
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    std::fs::copy(service, root.join("server.js")).unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
}

/// Every file under `root` (`.git` aside) and its bytes.
fn tree(root: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() == ".git" {
                continue;
            }
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = Default::default();
    walk(root, &mut out);
    out
}

/// The part of migrate's output from the line starting with `heading` to the next blank
/// line.
fn section<'a>(out: &'a str, heading: &str) -> &'a str {
    let start = out
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}:\n{out}"));
    let rest = &out[start..];
    let body = rest.find('\n').map_or(rest, |i| &rest[i + 1..]);
    body.split("\n\n").next().unwrap_or_default()
}

#[test]
fn migrate_replace_moves_every_reference_and_npm_start_runs_the_apps_through_pm2_clj() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let service = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps/service.js");
    referencing_repository(&root, &service);
    let before = tree(&root);

    // The dry run shows the edits and writes nothing.
    let dry = cli(&["migrate", root.to_str().unwrap(), "--dry-run", "--replace"]);
    let shown = stdout(&dry);
    assert_eq!(tree(&root), before, "--dry-run wrote something:\n{shown}");
    let planned = section(&shown, "references to rewrite (dry run: nothing written)").to_string();
    for file in [
        "package.json",
        "scripts/start.sh",
        "Dockerfile",
        "Procfile",
        "Makefile",
        ".github/workflows/deploy.yml",
        ".gitlab-ci.yml",
        "docker-compose.yml",
        "README.md",
        "ecosystem.pm2.edn",
    ] {
        assert!(planned.contains(&format!("+++ b/{file}\n")), "{file}:\n{shown}");
    }
    let stuck = "scripts/admin.sh:2: pm2-clj has no equivalent of --watch here";
    assert!(shown.contains(stuck), "{shown}");

    // --replace does what the dry run showed.
    let out = cli(&["migrate", root.to_str().unwrap(), "--replace"]);
    let table = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "admin/ecosystem.config.js is kept: {table}{}",
        stderr(&out)
    );
    assert_eq!(
        section(&table, "references rewritten"),
        planned,
        "the edits differ from the dry run's"
    );
    assert!(table.contains(stuck), "{table}");
    assert!(
        table.contains("admin/ecosystem.config.js")
            && table.contains("verified, but kept (migrate::referenced): named where migrate cannot rewrite it, at scripts/admin.sh:2"),
        "{table}"
    );
    let deleted = ["ecosystem.config.js", "pm2.json", "stack.pm2.clj"];
    for gone in ["ecosystem.config.js", "worker/pm2.json", "legacy/stack.pm2.clj"] {
        assert!(!root.join(gone).exists(), "{gone}: {table}");
    }
    assert!(root.join("admin/ecosystem.config.js").exists() && root.join("admin/ecosystem.pm2.edn").exists());
    // No file outside comments names a deleted original.
    for (path, bytes) in tree(&root) {
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
                continue;
            }
            for name in deleted {
                let named = line.match_indices(name).any(|(at, _)| {
                    let before = line[..at].chars().next_back();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
                        && !line[at..].starts_with("ecosystem.config.json")
                        && !path.ends_with("admin.sh")
                        && !path.starts_with(root.join("admin"))
                });
                assert!(!named, "{}:{}: {line}", path.display(), n + 1);
            }
        }
    }
    let package = std::fs::read_to_string(root.join("package.json")).unwrap();
    for script in [
        r#""start": "pm2-clj start ecosystem.pm2.edn --restart --profile production""#,
        r#""reload": "npx pm2-clj reload ecosystem.pm2.edn --profile production""#,
        r#""worker": "pm2-clj start worker/pm2.pm2.edn --restart""#,
        r#""legacy": "pm2-clj start legacy/stack.pm2.edn""#,
        r#""deploy": "pm2-clj render ecosystem.pm2.edn -o ecosystem.config.cjs && pm2 deploy ecosystem.config.cjs production""#,
    ] {
        assert!(package.contains(script), "{script}\n{package}");
    }
    let docker = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(
        docker.contains("COPY package.json ecosystem.pm2.edn server.js ./")
            && docker.contains(r#"CMD ["sh", "-c", "pm2-clj render /app/ecosystem.pm2.edn --profile production -o /app/ecosystem.config.cjs && exec pm2-runtime /app/ecosystem.config.cjs"]"#),
        "{docker}"
    );
    let edn = std::fs::read_to_string(root.join("ecosystem.pm2.edn")).unwrap();
    assert!(
        edn.contains(r#":post-deploy "npm ci && pm2-clj reload ecosystem.pm2.edn --profile production""#),
        "{edn}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(root.join("scripts/start.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644, "a rewritten file keeps its mode");

    let bin = Path::new(env!("CARGO_BIN_EXE_pm2-clj")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // The Procfile's render step writes the file pm2-runtime then reads: the apps of the
    // production profile, as pm2 reads them.
    let procfile = std::fs::read_to_string(root.join("Procfile")).unwrap();
    let render = procfile
        .strip_prefix("web: ")
        .and_then(|c| c.split(" && ").next())
        .unwrap();
    assert_eq!(
        render,
        "pm2-clj render ecosystem.pm2.edn --profile production -o ecosystem.config.cjs"
    );
    let rendered = std::process::Command::new("sh")
        .args(["-c", render])
        .current_dir(&root)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{}", stderr(&rendered));
    let read = &pm2_clj_testkit::pm2_reads(&[root.join("ecosystem.config.cjs")])[0];
    let apps = read.apps.as_ref().unwrap_or_else(|| panic!("{:?}", read.error));
    assert_eq!(apps[0]["name"], "web-mig");
    assert_eq!(apps[0]["env"]["NODE_ENV"], "production");
    std::fs::remove_file(root.join("ecosystem.config.cjs")).unwrap();

    // npm run start starts the apps through pm2-clj, with the production profile.
    let pm2 = pm2_clj_testkit::Pm2::start();
    let npm = pm2
        .command("npm")
        .args(["run", "start"])
        .current_dir(&root)
        .env("PATH", &path)
        .output()
        .expect("npm");
    assert!(
        npm.status.success(),
        "npm run start: {}{}",
        stdout(&npm),
        stderr(&npm)
    );
    let apps = pm2.wait_online(&["web-mig"]);
    let web = apps.iter().find(|a| a.name() == "web-mig").unwrap();
    assert_eq!(web.env_var("NODE_ENV"), Some("production"));
    assert_eq!(
        web.env_var("PM2_CLJ_SOURCE"),
        Some(
            root.join("ecosystem.pm2.edn")
                .canonicalize()
                .unwrap()
                .to_str()
                .unwrap()
        ),
        "started by pm2-clj from the .pm2.edn"
    );
}

#[test]
fn migrate_renames_apps_that_share_a_name_when_asked_and_says_how_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("ecosystem.config.js"),
        "module.exports = { apps: [{ name: 'api', script: 'a.js' }, { name: 'api', script: 'b.js' }] };\n",
    )
    .unwrap();
    let out = cli(&["migrate", root.to_str().unwrap()]);
    let table = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(
        table.contains("FAILED: convert::duplicate-app-name: apps of ")
            && table.contains("share a name (2 apps named \"api\")"),
        "{table}"
    );
    assert!(!root.join("ecosystem.pm2.edn").exists());
    let out = cli(&[
        "migrate",
        root.to_str().unwrap(),
        "--rename-duplicates",
        "--replace",
    ]);
    let table = stdout(&out);
    assert!(out.status.success(), "{table}{}", stderr(&out));
    assert!(table.contains("verified, original deleted"), "{table}");
    let edn = std::fs::read_to_string(root.join("ecosystem.pm2.edn")).unwrap();
    assert!(edn.contains(":name \"api-2\""), "{edn}");
}

#[test]
fn migrate_reports_the_variables_of_an_env_file_pm2_never_read_as_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("ecosystem.config.js"),
        "module.exports = { apps: [{ name: 'api', script: 'a.js', env_file: '.env', env: { PORT: '1' } }] };\n",
    )
    .unwrap();
    std::fs::write(root.join(".env"), "SECRET_URL=x\n").unwrap();
    let out = cli(&["migrate", root.to_str().unwrap(), "--replace"]);
    let table = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(
        table.contains("app api: env has SECRET_URL from env_file in the conversion only (PM2 never reads env_file: it took it as `--env file`)"),
        "{table}"
    );
    assert!(
        !table.contains("--env file:"),
        "`--env file` is not compared: {table}"
    );
    assert!(root.join("ecosystem.config.js").exists());
    // Without the file, the conversion reads nothing more than pm2 did: verified.
    std::fs::remove_file(root.join(".env")).unwrap();
    let out = cli(&["migrate", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stdout(&out));
}
