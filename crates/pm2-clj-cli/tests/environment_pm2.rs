//! Environments and logs against the real pm2 (an isolated `PM2_HOME` each): an app's
//! env from a `.env` file, a `.env` edit under `watch` reloading exactly the apps that
//! read it (with no secret in `watch`'s lines or `status`), `:logs {:dir ...}`,
//! `:logs {:rotate ...}` installing and configuring `pm2-logrotate` from npm once, and a
//! `#venv` interpreter.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use pm2_clj_testkit::Pm2;
use serde_json::Value as Json;

const LONG: Duration = Duration::from_secs(40);
const PASSWORD: &str = "pw-Qx81-never-printed";

/// (pid, restarts) of the app `name`'s one process.
fn process_of(pm2: &Pm2, name: &str) -> (u64, u64) {
    let apps = pm2.app(name);
    assert_eq!(apps.len(), 1, "{name}: {apps:?}");
    (apps[0].pid(), apps[0].restarts())
}

fn dotenv(port: u16, version: &str) -> String {
    format!("# the service's settings\nexport PORT={port}\nVERSION=\"{version}\"\nDB_PASSWORD='{PASSWORD}'\n")
}

#[test]
fn an_app_sees_its_dotenv_and_an_edit_under_watch_reloads_exactly_its_readers() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    write(d, "tree/.env", &dotenv(port, "from-dotenv"));
    let service = service();
    write(
        d,
        "tree/a.pm2.edn",
        &format!(
            "{{:apps [{{:name \"reader\" :script {service:?} :min-uptime 300
          :env (merge #secret #dotenv \".env\" {{:MODE \"http\"}})}}
         {{:name \"neighbour\" :script {service:?} :min-uptime 300 :env {{:MODE \"quiet\"}}}}]}}\n"
        ),
    );
    quiet(d, "tree/b.pm2.edn", &["bystander"], "1");
    let w = Watcher::start(&pm2, d, &["tree", "--debounce", "200", "--resync-every", "0"]);
    eventually("reader to serve the .env's VERSION", LONG, || {
        get(port).is_some_and(|(status, body)| status == 200 && body == "from-dotenv")
    });
    pm2.wait_online(&["reader", "neighbour", "bystander"]);
    let neighbour = process_of(&pm2, "neighbour");
    let bystander = process_of(&pm2, "bystander");
    let reader = process_of(&pm2, "reader");

    let edited = Instant::now();
    write(d, "tree/.env", &dotenv(port, "edited"));
    eventually("reader to serve the edited VERSION", LONG, || {
        get(port).is_some_and(|(_, body)| body == "edited")
    });
    println!("a .env edit reached the app in {:?}", edited.elapsed());
    // Give the round time to finish (verification) before looking at the others.
    eventually("the round to verify reader", LONG, || {
        w.log().matches("ok  reader:").count() >= 2
    });
    assert_ne!(
        process_of(&pm2, "reader").0,
        reader.0,
        "reader runs a new process"
    );
    assert_eq!(
        process_of(&pm2, "neighbour"),
        neighbour,
        "same source, reads no .env"
    );
    assert_eq!(process_of(&pm2, "bystander"), bystander, "another source");

    let status = cli(&pm2, d, &["status", "tree"]);
    let status_json = cli(&pm2, d, &["status", "tree", "--format", "json"]);
    let log = w.said();
    drop(w);
    assert!(log.contains("reload   reader"), "{log}");
    for (what, text) in [
        ("watch", log),
        ("status", said(&status)),
        ("status --format json", said(&status_json)),
    ] {
        for secret in [PASSWORD, "from-dotenv", "edited"] {
            assert!(!text.contains(secret), "{what} printed {secret}:\n{text}");
        }
    }
}

#[test]
fn logs_dir_holds_pm2s_logs() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "hello.js",
        "console.log('hello out'); console.error('hello err'); setInterval(() => {}, 60000);\n",
    );
    write(
        d,
        "app.pm2.edn",
        "{:logs {:dir \"logs/pm2\"}\n :apps [{:name \"hello\" :script \"hello.js\" :min-uptime 300}\n         {:name \"own\" :script \"hello.js\" :min-uptime 300 :out-file \"own.log\"}]}\n",
    );
    ok(&cli(&pm2, d, &["start", "app.pm2.edn"]));
    let logs = d.join("logs/pm2");
    let app = &pm2.app("hello")[0];
    assert_eq!(
        app.raw["pm2_env"]["pm_out_log_path"],
        Json::from(logs.join("hello.out.log").to_string_lossy())
    );
    eventually("hello's lines in logs/pm2", LONG, || {
        let read = |f: &str| std::fs::read_to_string(logs.join(f)).unwrap_or_default();
        read("hello.out.log").contains("hello out") && read("hello.error.log").contains("hello err")
    });
    eventually("own's line in its own file", LONG, || {
        std::fs::read_to_string(d.join("own.log")).is_ok_and(|t| t.contains("hello out"))
    });
    assert!(!logs.join("own.out.log").exists(), "an app's own out_file wins");
}

/// Every file under `dir`, with its mode.
#[cfg(unix)]
fn modes_under(dir: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    pm2_clj_testkit::files_under(dir, &[""])
        .into_iter()
        .map(|f| {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            (f, mode)
        })
        .collect()
}

/// What `module_conf.json` holds for `pm2-logrotate`.
fn logrotate_conf(pm2: &Pm2) -> Json {
    let text = std::fs::read_to_string(pm2.home().join("module_conf.json")).unwrap_or_default();
    serde_json::from_str::<Json>(&text).unwrap_or_default()["pm2-logrotate"].clone()
}

/// What `sync tree --dry-run --format json` plans for `pm2-logrotate`.
fn rotate_planned(pm2: &Pm2, dir: &Path) -> Json {
    let out = cli(pm2, dir, &["sync", "tree", "--dry-run", "--format", "json"]);
    ok(&out);
    let lines = String::from_utf8_lossy(&out.stdout).into_owned();
    let plan = lines
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .find(|l| l["event"] == "plan")
        .unwrap_or_else(|| panic!("no plan: {lines}"));
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert_eq!(plan["logrotate"]["module"], "pm2-logrotate", "{plan}");
    plan["logrotate"].clone()
}

#[test]
fn rotate_installs_and_configures_pm2_logrotate_from_npm_once() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    quiet(d, "tree/app.pm2.edn", &["quiet"], "1");
    let file = write(
        d,
        "tree/app.pm2.edn",
        &std::fs::read_to_string(d.join("tree/app.pm2.edn"))
            .unwrap()
            .replacen(
                '{',
                "{:logs {:rotate {:max-size \"20M\" :retain 7 :compress true}}\n ",
                1,
            ),
    );
    assert!(pm2.app("pm2-logrotate").is_empty());

    // The dry run says what the real run then does, and does none of it.
    let dry = cli(&pm2, d, &["sync", "tree", "--dry-run"]);
    ok(&dry);
    let text = String::from_utf8_lossy(&dry.stdout).into_owned();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("pm2-logrotate")).collect();
    assert_eq!(
        lines,
        [
            "+   install  pm2-logrotate  (from npm, for :logs :rotate)",
            "~   set      pm2-logrotate:max_size 20M  (default 10M)",
            "~   set      pm2-logrotate:retain 7  (default 30)",
            "~   set      pm2-logrotate:compress true  (default false)",
        ],
        "{text}"
    );
    let dry_json = rotate_planned(&pm2, d);
    assert_eq!(dry_json["install"], true, "{dry_json}");
    let predicted: Vec<(String, String, String)> = dry_json["set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["setting"].to_string(),
                s["value"].to_string(),
                s["was"].to_string(),
            )
        })
        .collect();
    assert_eq!(predicted.len(), 3, "{dry_json}");
    assert!(pm2.app("pm2-logrotate").is_empty() && logrotate_conf(&pm2).is_null());

    let started = Instant::now();
    let first = cli(&pm2, d, &["start", &file.to_string_lossy()]);
    ok(&first);
    println!("start with pm2-logrotate installed: {:?}", started.elapsed());
    let text = said(&first);
    assert!(text.contains("installing pm2-logrotate from npm"), "{text}");
    assert!(text.contains("set pm2-logrotate:retain 7 (was 30)"), "{text}");
    assert!(!text.contains("set pm2-logrotate:max_size 10M"), "{text}");
    let done: Vec<(String, String, String)> = text
        .lines()
        .filter_map(|l| l.split_once("set pm2-logrotate:"))
        .map(|(_, rest)| {
            let (setting, rest) = rest.split_once(' ').unwrap();
            let (value, was) = rest.split_once(" (was ").unwrap();
            let quoted = |s: &str| Json::from(s).to_string();
            (quoted(setting), quoted(value), quoted(was.trim_end_matches(')')))
        })
        .collect();
    assert_eq!(
        done, predicted,
        "the dry run's defaults are pm2-logrotate's: {text}"
    );
    let conf = logrotate_conf(&pm2);
    assert_eq!(conf["max_size"], "20M", "{conf}");
    assert_eq!(conf["retain"], "7", "{conf}");
    assert_eq!(conf["compress"], "true", "{conf}");
    let module = pm2.wait_online(&["pm2-logrotate"]);
    let module = (module[0].pid(), module[0].restarts());

    let again = rotate_planned(&pm2, d);
    assert_eq!(again["install"], false, "{again}");
    assert_eq!(again["set"], Json::Array(Vec::new()), "{again}");
    for run in [vec!["start", file.to_str().unwrap()], vec!["sync", "tree"]] {
        let again = cli(&pm2, d, &run);
        ok(&again);
        let text = said(&again);
        assert!(!text.contains("pm2-logrotate"), "{run:?} changes nothing: {text}");
        assert_eq!(logrotate_conf(&pm2), conf);
        assert_eq!(process_of(&pm2, "pm2-logrotate"), module, "not restarted");
    }

    // What the verbs (.pm2-clj/) and sync (dist/) generated, last good copies included.
    #[cfg(unix)]
    for folder in [".pm2-clj", "dist"] {
        let generated = modes_under(&d.join("tree").join(folder));
        let names: Vec<String> = generated
            .iter()
            .map(|(f, _)| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(names.contains(&".gitignore".to_string()), "{folder}: {names:?}");
        assert!(
            generated
                .iter()
                .any(|(f, _)| f.to_string_lossy().contains(".last-good")),
            "{folder}: {names:?}"
        );
        for (file, mode) in generated {
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }
}

#[test]
fn a_venv_app_runs_under_the_venvs_python() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let venv = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip", ".venv"])
        .current_dir(d)
        .output()
        .expect("python3 -m venv");
    assert!(venv.status.success(), "{}", String::from_utf8_lossy(&venv.stderr));
    write(
        d,
        "worker.py",
        "import sys, time\nopen('prefix.txt', 'w').write(sys.prefix)\nwhile True:\n    time.sleep(60)\n",
    );
    write(
        d,
        "app.pm2.edn",
        "{:apps [{:name \"worker\" :script \"worker.py\" :interpreter #venv \".venv\" :min-uptime 300}]}\n",
    );
    ok(&cli(&pm2, d, &["start", "app.pm2.edn"]));
    let app = &pm2.app("worker")[0];
    let interpreter = d.join(".venv/bin/python");
    assert_eq!(
        app.raw["pm2_env"]["exec_interpreter"],
        Json::from(interpreter.to_string_lossy())
    );
    let prefix = d.join("prefix.txt");
    eventually("the worker to write its sys.prefix", LONG, || prefix.exists());
    let written = PathBuf::from(std::fs::read_to_string(&prefix).unwrap());
    assert_eq!(
        written.canonicalize().unwrap(),
        d.join(".venv").canonicalize().unwrap(),
        "the venv's python runs the worker"
    );
}
