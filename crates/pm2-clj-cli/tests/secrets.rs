//! Nothing leaks: a value read from the environment, a `.env` file, an `#include`d file
//! or marked `#secret` never appears in what pm2-clj prints — diagnostics in every
//! format, pre-flight, the plan, status — whatever option it feeds; and the files a
//! source reads stay inside its root, for every command.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use pm2_clj_testkit::Pm2;
use proptest::prelude::*;

const FROM_ENV: &str = "hunter2-ENV-7f3a";
const FROM_DOTENV: &str = "hunter2-DOTENV-9c1e";
const FROM_INCLUDE: &str = "hunter2-INCLUDE-4b2d";
const LITERAL: &str = "hunter2-LITERAL-8e5f";
const ALL: [&str; 4] = [FROM_ENV, FROM_DOTENV, FROM_INCLUDE, LITERAL];

/// A project whose apps take a hidden value from each source in `:cwd` (a folder that
/// does not exist, so pre-flight names it), `:interpreter`, the env, and `:instances`
/// (not a number, so the schema check quotes it).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    write(d, ".env", &format!("DIR=/srv/{FROM_DOTENV}\n"));
    write(d, "secret.edn", &format!("{{:dir \"/srv/{FROM_INCLUDE}\"}}\n"));
    write(d, "a.js", "");
    let text = format!(
        r#"(def from-env #env SECRET_DIR)
(def vars #dotenv ".env")
(def included #include "secret.edn")
(def literal #secret "/srv/{LITERAL}")
{{:apps [{{:name "e" :script "a.js" :cwd from-env :interpreter from-env :env {{:X from-env}}}}
        {{:name "d" :script "a.js" :cwd (:DIR vars) :env {{:URL (str "pg://" (:DIR vars))}}}}
        {{:name "i" :script "a.js" :cwd (:dir included)}}
        {{:name "l" :script "a.js" :cwd literal :interpreter literal}}
        {{:name "n" :script "a.js" :instances from-env}}
        {{:name "m" :script "a.js" :instances (:DIR vars)}}]}}
"#
    );
    write(d, "app.pm2.edn", &text);
    dir
}

fn run(pm2: Option<&Pm2>, dir: &Path, args: &[&str]) -> Output {
    let mut command = match pm2 {
        Some(pm2) => pm2.command(env!("CARGO_BIN_EXE_pm2-clj")),
        None => std::process::Command::new(env!("CARGO_BIN_EXE_pm2-clj")),
    };
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SECRET_DIR", format!("/srv/{FROM_ENV}"))
        .output()
        .expect("run pm2-clj")
}

#[track_caller]
fn shows_none(out: &Output, what: &str) {
    let text = said(out);
    for secret in ALL {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

#[test]
fn no_output_of_any_command_shows_a_hidden_value() {
    let dir = project();
    let d = dir.path();
    for format in ["human", "short", "json"] {
        for args in [
            vec!["check", "app.pm2.edn"],
            vec!["render", "app.pm2.edn", "-o", "out.cjs"],
            vec!["start", "app.pm2.edn"],
        ] {
            let mut args = args.clone();
            args.extend(["--message-format", format]);
            let out = run(None, d, &args);
            shows_none(&out, &args.join(" "));
            assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        }
    }
    // Without the two bad :instances, pre-flight names each folder by where it was read.
    let fixed = std::fs::read_to_string(d.join("app.pm2.edn"))
        .unwrap()
        .replace(":instances from-env", "")
        .replace(":instances (:DIR vars)", "");
    write(d, "app.pm2.edn", &fixed);
    for format in ["human", "short", "json"] {
        let out = run(None, d, &["check", "app.pm2.edn", "--message-format", format]);
        shows_none(&out, format);
        let text = said(&out);
        for place in [
            "read from $SECRET_DIR",
            "read from .env",
            "read from secret.edn",
            "(•••)",
        ] {
            assert!(text.contains(place), "{place}:\n{text}");
        }
    }
    // The generated file holds the values: PM2 needs them.
    let out = run(
        None,
        d,
        &["render", "app.pm2.edn", "-o", "out.cjs", "--no-preflight"],
    );
    shows_none(&out, "render -o");
    let rendered = std::fs::read_to_string(d.join("out.cjs")).unwrap();
    assert!(ALL.iter().all(|s| rendered.contains(s)), "{rendered}");
    // `eval` shows data, all but what is marked secret.
    let out = run(None, d, &["eval", "app.pm2.edn"]);
    let text = said(&out);
    assert!(text.contains(FROM_ENV) && !text.contains(LITERAL), "{text}");
}

#[test]
fn plans_and_status_show_no_hidden_value() {
    let pm2 = Pm2::start();
    let dir = project();
    let d = dir.path();
    for args in [
        vec!["sync", ".", "--dry-run"],
        vec!["sync", ".", "--dry-run", "--format", "json"],
        vec!["status", "app.pm2.edn"],
        vec!["status", "app.pm2.edn", "--format", "json"],
        vec!["health", "app.pm2.edn"],
    ] {
        let out = run(Some(&pm2), d, &args);
        shows_none(&out, &args.join(" "));
    }
}

/// An import, an `#include` and a `#dotenv` of a file outside the tree root are errors
/// naming the file and the root, for `check`, `sync` and `watch`; `--root` widens it and
/// `--unconfined` lifts it.
#[test]
fn sources_read_only_inside_their_root() {
    let pm2 = Pm2::start();
    let outer = tempfile::tempdir().unwrap();
    let o = outer.path();
    write(o, "outside.edn", "(def port 1)\n");
    write(o, "outside.env", "X=1\n");
    write(o, "repo/a.js", "");
    std::fs::create_dir(o.join("repo/.git")).unwrap();
    for (name, text) in [
        (
            "imp",
            "(import \"../../outside.edn\" :as o)\n{:apps [{:name \"imp\" :script \"../a.js\" :env {:P o/port}}]}\n",
        ),
        (
            "inc",
            "{:apps [{:name \"inc\" :script \"../a.js\" :env #include \"../../outside.edn\"}]}\n",
        ),
        (
            "env",
            "{:apps [{:name \"env\" :script \"../a.js\" :env #dotenv \"../../outside.env\"}]}\n",
        ),
    ] {
        write(o, &format!("repo/{name}/ecosystem.pm2.edn"), text);
        let source = format!("repo/{name}/ecosystem.pm2.edn");
        let out = run(None, o, &["check", &source]);
        assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        let text = said(&out);
        assert!(text.contains("eval::outside-root"), "{text}");
        assert!(
            text.contains("outside.e") && text.contains("repo"),
            "names the file and the root: {text}"
        );
        ok(&run(None, o, &["check", &source, "--root", o.to_str().unwrap()]));
        ok(&run(None, o, &["check", &source, "--unconfined"]));
    }
    let out = run(Some(&pm2), o, &["sync", "repo"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert_eq!(
        said(&out).matches("eval::outside-root").count(),
        3,
        "{}",
        said(&out)
    );
    assert!(pm2.jlist().is_empty(), "nothing started");

    let w = Watcher::start(&pm2, o, &["repo", "--debounce", "100"]);
    eventually(
        "watch reports the three",
        std::time::Duration::from_secs(20),
        || w.said().matches("eval::outside-root").count() >= 3,
    );
    assert!(pm2.jlist().is_empty(), "{}", w.said());
    drop(w);
    let w = Watcher::start(
        &pm2,
        o,
        &["repo", "--debounce", "100", "--root", o.to_str().unwrap()],
    );
    pm2.wait_online(&["imp", "inc", "env"]);
    drop(w);
}

/// `delete` and `stop` of a file that no longer loads (a variable it requires is unset)
/// find the apps it started by their markers.
#[test]
fn delete_needs_only_what_finds_the_apps() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!(
        "{{:apps [{} {}]}}\n",
        app("web", "quiet", 0, "1", ":env {:DB #env! DB_PASSWORD}")
            .replace(":env {:MODE \"quiet\" :PORT \"0\" :VERSION \"1\"} ", ""),
        app("job", "quiet", 0, "1", "")
    );
    write(d, "app.pm2.edn", &text);
    let out = pm2
        .command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["start", "app.pm2.edn"])
        .current_dir(d)
        .env("DB_PASSWORD", "pw")
        .output()
        .unwrap();
    ok(&out);
    pm2.wait_online(&["web", "job"]);
    let out = cli(&pm2, d, &["start", "app.pm2.edn"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "starting needs the variable: {}",
        said(&out)
    );
    let out = cli(&pm2, d, &["stop", "app.pm2.edn", "--only", "job"]);
    ok(&out);
    assert_eq!(pm2.app("job")[0].status(), "stopped");
    assert_eq!(pm2.app("web")[0].status(), "online");
    let out = cli(&pm2, d, &["delete", "app.pm2.edn"]);
    ok(&out);
    assert!(said(&out).contains("does not load"), "{}", said(&out));
    assert!(pm2.jlist().is_empty(), "{}", said(&out));
}

/// A 100,000-app file whose scripts do not exist yet renders in about the time the same
/// render takes when they do: 20 warnings of the code and one line for the rest.
#[test]
fn a_flood_of_one_warning_is_summed_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let apps: String = (0..100_000)
        .map(|i| format!("{{:name \"a{i}\" :script \"missing-{i}.js\"}}\n"))
        .collect();
    write(d, "big.pm2.edn", &format!("{{:apps [{apps}]}}"));
    for format in ["human", "short", "json"] {
        let started = std::time::Instant::now();
        let out = run(
            None,
            d,
            &[
                "render",
                "big.pm2.edn",
                "-o",
                "out.json",
                "--message-format",
                format,
            ],
        );
        let took = started.elapsed();
        ok(&out);
        let text = said(&out);
        assert!(
            text.contains("99980 more warnings [preflight::missing-script]"),
            "{format}: {}",
            &text[text.len().saturating_sub(600)..]
        );
        assert!(
            took < std::time::Duration::from_secs(if cfg!(debug_assertions) { 20 } else { 2 }),
            "{format}: {took:?}"
        );
        eprintln!("render of 100,000 apps with missing scripts, {format}: {took:?}");
    }
    let out = run(
        None,
        d,
        &[
            "render",
            "big.pm2.edn",
            "-o",
            "out.json",
            "--message-format",
            "json",
            "--all-diagnostics",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("preflight::missing-script")
            .count(),
        100_000
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// For generated programs holding a secret in any option, no output format of
    /// `check`, `eval`, `read` or `render -o` shows its text.
    #[test]
    fn no_generated_program_shows_its_secret(
        secret in "[a-z]{4}-SECRET-[A-Z0-9]{8}",
        key in prop::sample::select(vec![":cwd", ":script", ":interpreter", ":instances", ":args", ":max-memory-restart", ":node-args", ":namespace"]),
        wrap in prop::sample::select(vec!["{}", "(str {} \"/x\")", "[{}]", "{:a {}}", "(str \"a\" {})"]),
        through_def in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "a.js", "");
        let literal = format!("#secret {secret:?}");
        let value = wrap.replace("{}", if through_def { "s" } else { &literal });
        let text = format!(
            "(def s {literal})\n{{:apps [{{:name \"p\" :script \"a.js\" {key} {value} :env {{:K {value}}}}}]}}\n"
        );
        write(d, "p.pm2.edn", &text);
        for format in ["human", "short", "json"] {
            for args in [vec!["check", "p.pm2.edn"], vec!["eval", "p.pm2.edn"], vec!["read", "p.pm2.edn"], vec!["render", "p.pm2.edn", "-o", "o.cjs"]] {
                let mut args = args.clone();
                args.extend(["--message-format", format]);
                let out = run(None, d, &args);
                let said = said(&out);
                prop_assert!(!said.contains(&secret), "{} shows the secret:\n{}\n{}", args.join(" "), text, said);
            }
        }
    }
}
