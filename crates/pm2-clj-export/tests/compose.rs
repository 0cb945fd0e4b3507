//! The compose export, checked: golden files of the container example; every exported
//! `compose.yaml` (every example's, every case below, and every one the property test
//! makes) passes the compose-spec JSON schema that the `dclint` npm package ships
//! (vendored in `tests/fixtures/compose-spec`, validated with `check-jsonschema`); the
//! checks the schema would let through (bad names, a published port with replicas, no
//! image, an `:export` key compose does not have) are pm2-clj's own, each tested here;
//! options without an equivalent fail unless `--lossy`; hidden values never land in
//! `compose.yaml`; any app the language accepts exports or fails with a diagnostic.
//!
//! The schema tests say in one line that they were skipped where `check-jsonschema` is
//! missing, unless `PM2_CLJ_REQUIRE_CHECK_JSONSCHEMA=1` (set by `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;

use pm2_clj_export::compose::model::SERVICE_KEYS;
use pm2_clj_export::table::{self, Fidelity, Target};
use pm2_clj_export::{Export, ExportErrorKind, Input, Settings, ecosystem_name, export};
use pm2_clj_sync::load::{Input as Source, LoadSettings, Loaded};
use pm2_dsl_emit::Setting;
use pm2_dsl_eval::{Env, FsLoader, Value};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn repo() -> PathBuf {
    pm2_clj_testkit::repo_root()
}

fn schema() -> PathBuf {
    repo().join("crates/pm2-clj-export/tests/fixtures/compose-spec/compose.schema.json")
}

fn settings(profile: Option<&str>) -> LoadSettings {
    LoadSettings {
        profile: profile.map(str::to_string),
        env: Env::empty(),
        ..LoadSettings::default()
    }
}

fn no_programs(_: &str) -> Option<String> {
    None
}

fn exported(loaded: &Loaded, source: &Path, profile: Option<&str>, lossy: bool) -> Export {
    let name = ecosystem_name(source);
    let input = Input::new(&name, &loaded.built.ecosystem, source, profile)
        .with_sources(loaded.evaluated.evaluator.sources());
    let mut s = Settings::new(Target::Compose, &no_programs);
    s.lossy = lossy;
    s.cpus = 4;
    export(&[input], &s)
}

fn load_text(text: &str) -> Result<Loaded, String> {
    let path = Path::new("/srv/shop/shop.pm2.edn");
    Source::text(path, text)
        .loader(FsLoader::new())
        .load(&settings(None))
        .map_err(|e| format!("{e:?}"))
}

/// The export of `text` (as `/srv/shop/shop.pm2.edn`), which must load.
fn export_text(text: &str, lossy: bool) -> Export {
    let loaded = load_text(text).unwrap_or_else(|e| panic!("{e}"));
    exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, lossy)
}

fn compose_yaml(export: &Export) -> &str {
    &export
        .files
        .iter()
        .find(|f| f.name.ends_with("compose.yaml"))
        .unwrap_or_else(|| panic!("no compose.yaml: {:?}", export.problems))
        .content
}

fn codes(export: &Export) -> Vec<&'static str> {
    export
        .problems
        .iter()
        .filter(|p| !p.is_warning())
        .map(|p| p.code())
        .collect()
}

fn shown(export: &Export) -> String {
    let mut out = String::new();
    for file in &export.files {
        let private = if file.private { " (private)" } else { "" };
        out.push_str(&format!("===== {}{private}\n{}\n", file.name, file.content));
    }
    for problem in &export.problems {
        out.push_str(&format!("----- {}: {}\n", problem.code(), problem));
    }
    out
}

/// Whether `check-jsonschema` runs here; one line when it does not.
fn check_jsonschema() -> bool {
    let found = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("PM2_CLJ_REQUIRE_CHECK_JSONSCHEMA").is_some_and(|v| v == "1") {
            panic!("check-jsonschema is not installed (pip install check-jsonschema)");
        }
        eprintln!("skipped: check-jsonschema is not installed (pip install check-jsonschema)");
    }
    found
}

/// Validates every file against the vendored compose-spec schema in one run: its
/// output when any fails.
fn schema_problems(files: &[(String, String)]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (label, content)) in files.iter().enumerate() {
        let name = format!(
            "{i:04}-{}.yaml",
            label.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        paths.push(path);
    }
    let out = Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(schema())
        .args(&paths)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn golden_files_of_the_container_example() {
    let source = repo().join("examples/containers.pm2.edn");
    for profile in [None, Some("prod")] {
        let loaded = Source::file(&source)
            .load(&settings(profile))
            .unwrap_or_else(|e| panic!("{e}"));
        let export = exported(&loaded, &source, profile, false);
        assert!(!export.failed(), "{:?}", export.problems);
        let name = format!("containers-{}", profile.unwrap_or("default"));
        insta::assert_snapshot!(name, shown(&export));
    }
}

#[test]
fn the_service_keys_are_the_schemas() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema()).unwrap()).unwrap();
    let mut keys: Vec<&str> = schema["definitions"]["service"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    let mut ours = SERVICE_KEYS.to_vec();
    ours.sort();
    assert_eq!(ours, keys);
}

/// Every example, each app given an image when it has none, exported with `--lossy`:
/// the files pass the schema (a control file that does not is refused, so the
/// validator is seen to work).
#[test]
fn every_example_exports_schema_valid_compose() {
    let examples = pm2_clj_testkit::files_under(&repo().join("examples"), &[".pm2.edn"]);
    assert!(examples.len() >= 9, "{examples:?}");
    let mut files = Vec::new();
    for source in &examples {
        let mut loaded = Source::file(source)
            .load(&settings(None))
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        for app in &mut loaded.built.ecosystem.apps {
            if app.image.is_none() {
                app.image = Some(Box::new(Setting {
                    value: "example/app:1".into(),
                    written: Value::string("example/app:1"),
                }));
            }
        }
        let export = exported(&loaded, source, None, true);
        assert!(!export.failed(), "{}: {:?}", source.display(), export.problems);
        files.push((ecosystem_name(source), compose_yaml(&export).to_string()));
    }
    if !check_jsonschema() {
        return;
    }
    schema_problems(&files).unwrap_or_else(|e| panic!("{e}"));
    let control = [(
        "control".to_string(),
        "services:\n  a:\n    image: x\n    restrat: always\n".to_string(),
    )];
    assert!(
        schema_problems(&control).is_err(),
        "the schema refuses an unknown key"
    );
}

const BASE: &str = r#":script "server.js" :image "shop/web:1""#;

fn app(keys: &str) -> String {
    format!("{{:apps [{{:name \"web\" {BASE} {keys}}}]}}")
}

#[test]
fn what_the_schema_lets_through_is_refused_with_a_label() {
    let cases: &[(&str, &str, &str)] = &[
        // A published port bound by several replicas.
        (
            &app(":instances 2 :ports [{:container 3000 :published 8080}]"),
            "export::published-replicas",
            "{:container 3000 :published 8080}",
        ),
        // The same, published through the escape hatch.
        (
            &app(":instances 3 :export {:compose {:ports [\"8080:3000\"]}}"),
            "export::published-replicas",
            "{:ports [\"8080:3000\"]}",
        ),
        // No image.
        (
            "{:apps [{:name \"web\" :script \"server.js\"}]}",
            "export::missing-image",
            "\"web\"",
        ),
        // A name compose cannot take.
        (
            "{:apps [{:name \"web/v2\" :script \"server.js\" :image \"x\"}]}",
            "export::bad-name",
            "\"web/v2\"",
        ),
        // An :export key compose does not have, with a did-you-mean.
        (
            &app(":export {:compose {:restrat \"always\"}}"),
            "export::unknown-escape-key",
            ":restrat",
        ),
        // A type the merged service cannot have.
        (
            &app(":export {:compose {:deploy {:replicas \"two\"}}}"),
            "export::bad-escape",
            "{:deploy {:replicas \"two\"}}",
        ),
        // A secret in the escape hatch would be written inline.
        (
            &app(":export {:compose {:labels {\"t\" #secret \"s\"}}}"),
            "export::bad-escape",
            "{:labels {\"t\" #secret \"s\"}}",
        ),
        // A secret argument: compose cannot read a private file into a command.
        (
            &app(":args [\"--token\" #secret \"s\"]"),
            "export::hidden-inline",
            "[\"--token\" #secret \"s\"]",
        ),
        // Options without an equivalent.
        (&app(":watch true"), "export::no-equivalent", "true"),
        (
            &app(":cron-restart \"0 3 * * *\""),
            "export::no-equivalent",
            "\"0 3 * * *\"",
        ),
        (
            &app(":instances 2 :increment-var \"PORT\""),
            "export::no-equivalent",
            "\"PORT\"",
        ),
        (
            "{:apps [{:name \"web\" :script \"run.sh\" :image \"x\" :health {:tcp 80}}]}",
            "export::no-equivalent",
            "\"web\"",
        ),
        (
            &app(":max-memory-restart \"5M\""),
            "export::no-equivalent",
            "\"5M\"",
        ),
        (&app(":gid 1000"), "export::no-equivalent", "1000"),
        (&app(":cwd #secret \"/app\""), "export::hidden-inline", "\"/app\""),
    ];
    for (text, code, label) in cases {
        let export = export_text(text, false);
        assert_eq!(codes(&export), [*code], "{text}: {:?}", export.problems);
        let p = export.problems.iter().find(|p| !p.is_warning()).unwrap();
        let span = p.span().unwrap_or_else(|| panic!("{text}: no label"));
        assert_eq!(&text[span.start as usize..span.end as usize], *label, "{text}");
        assert!(export.files.is_empty() || export.failed());
    }
    let export = export_text(&app(":export {:compose {:restrat \"always\"}}"), false);
    let help = miette::Diagnostic::help(&export.problems[0]).unwrap().to_string();
    assert_eq!(help, "did you mean :restart?");
    let export = export_text(&app(":export {:compose {:cap-add [\"NET_ADMIN\"]}}"), false);
    let help = miette::Diagnostic::help(&export.problems[0]).unwrap().to_string();
    assert_eq!(help, "did you mean :cap_add?");
    // A project name compose cannot take: the file's name.
    let loaded = load_text(&app("")).unwrap();
    let export = exported(&loaded, Path::new("/srv/Shop.pm2.edn"), None, false);
    assert_eq!(codes(&export), ["export::bad-name"]);
    let help = miette::Diagnostic::help(&export.problems[0]).unwrap().to_string();
    assert!(help.starts_with("rename the file"), "{help}");
    // Replicas that publish nothing are fine; so is one replica publishing.
    for ok in [
        app(":instances 2 :ports [3000]"),
        app(":instances 1 :ports [{:container 3000 :published 8080}]"),
        app(":instances 2 :exec-mode :cluster :port 3000"),
    ] {
        let export = export_text(&ok, false);
        assert!(!export.failed(), "{ok}: {:?}", export.problems);
    }
    // --lossy leaves out what has no equivalent, with a warning naming it.
    let export = export_text(&app(":watch true :cron-restart \"0 3 * * *\""), true);
    assert!(!export.failed());
    let left: Vec<String> = export.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        left.iter()
            .any(|l| l.starts_with("watch has no compose equivalent (left out)")),
        "{left:?}"
    );
    assert!(!compose_yaml(&export).contains("watch"));
}

#[test]
fn the_service_does_what_the_options_say() {
    let text = r#"(def token #secret "t0k'en $HOME")
{:apps [{:name "web" :script "server.js" :image "shop/web:1" :cwd "/app"
         :interpreter-args ["--max-old-space-size=64"] :args ["--greeting" "$HOME is ${HOME}"]
         :instances 2 :autorestart false :kill-timeout 1600 :max-memory-restart "300M"
         :uid 1000 :gid 1000 :autostart false :disable-logs true :port 3000
         :ports [{:container 53 :protocol :udp} {:container 9229}]
         :health {:http "http://127.0.0.1:3000/health" :status 204 :interval "500ms" :grace "1s" :timeout "3s"}
         :env {:NODE_ENV "production" :TOKEN token :PRICE "$5"}
         :export {:compose {:labels {"team" "shop"} :init nil :x-note "kept"}}}]}"#;
    let export = export_text(text, false);
    assert!(!export.failed(), "{:?}", export.problems);
    let yaml = compose_yaml(&export);
    let doc: serde_json::Value = serde_norway::from_str(yaml).unwrap();
    let web = &doc["services"]["web"];
    assert_eq!(doc["name"], "shop");
    assert_eq!(
        web["command"],
        serde_json::json!([
            "node",
            "--max-old-space-size=64",
            "server.js",
            "--greeting",
            "$$HOME is $${HOME}"
        ])
    );
    assert_eq!(web["working_dir"], "/app");
    assert_eq!(web["user"], "1000:1000");
    assert_eq!(web["restart"], "no");
    assert!(yaml.contains("restart: \"no\"\n"), "{yaml}");
    assert_eq!(web["stop_signal"], "SIGINT");
    assert_eq!(web["stop_grace_period"], "2s");
    assert_eq!(web["deploy"]["replicas"], 2);
    assert_eq!(web["deploy"]["resources"]["limits"]["memory"], "300m");
    assert_eq!(web["memswap_limit"], "300m");
    assert_eq!(web["profiles"], serde_json::json!(["manual"]));
    assert_eq!(web["logging"]["driver"], "none");
    assert_eq!(web["expose"], serde_json::json!(["53/udp", "9229", "3000"]));
    assert_eq!(web["environment"]["PRICE"], "$$5");
    assert_eq!(web["environment"]["PORT"], "3000");
    assert_eq!(web["environment"]["NODE_APP_INSTANCE"], "0");
    assert_eq!(web["env_file"], serde_json::json!(["web.env"]));
    assert_eq!(web["labels"]["team"], "shop");
    assert_eq!(web["x-note"], "kept");
    assert!(web.get("init").is_none(), ":init nil removes the key");
    let check = &web["healthcheck"];
    assert_eq!(check["test"][0], "CMD");
    assert_eq!(check["test"][1], "node");
    assert_eq!(check["test"][4], "http://127.0.0.1:3000/health");
    assert_eq!(check["test"][5], "204");
    assert_eq!(
        (check["interval"].as_str(), check["timeout"].as_str()),
        (Some("1s"), Some("1s"))
    );
    assert_eq!(check["start_period"], "4s");
    // The secret is in the private file only.
    assert!(!yaml.contains("t0k"), "{yaml}");
    let env = export.files.iter().find(|f| f.name == "shop/web.env").unwrap();
    assert!(env.private);
    assert!(
        env.content.contains("TOKEN=\"t0k'en \\$HOME\"\n"),
        "{}",
        env.content
    );
    let gitignore = export.files.iter().find(|f| f.name == ".gitignore").unwrap();
    assert!(gitignore.content.contains("*.env"));
}

/// Every row of the compose table is reported as it says when its option is set.
#[test]
fn the_table_says_what_the_export_reports() {
    for row in table::rows(Target::Compose) {
        let value = match row.option {
            "watch"
            | "wait_ready"
            | "source_map_support"
            | "trace"
            | "deep_monitoring"
            | "pmx"
            | "automation"
            | "shutdown_with_message"
            | "treekill" => "true",
            "cron_restart" => "\"0 3 * * *\"",
            "max_memory_restart" => "\"300M\"",
            "restart_delay"
            | "exp_backoff_restart_delay"
            | "min_uptime"
            | "listen_timeout"
            | "kill_retry_time" => "1000",
            "max_restarts" => "3",
            "stop_exit_codes" => "[0]",
            "out_file" | "error_file" | "log_file" | "pid_file" => "\"/tmp/x.log\"",
            "log_type" => "\"json\"",
            "log_date_format" | "name_prefix" | "install_url" => "\"x\"",
            "time" => "true",
            "filter_env" => "true",
            "namespace" => "\"ns\"",
            "io" => "{:conf {}}",
            _ => continue,
        };
        let key = format!(":{}", row.option.replace('_', "-"));
        let export = export_text(&app(&format!("{key} {value}")), false);
        let reported = export.problems.iter().find(|p| match p.kind() {
            ExportErrorKind::NoEquivalent { option, .. } | ExportErrorKind::Approximate { option, .. } => {
                option == row.option
            }
            _ => false,
        });
        match row.fidelity {
            Fidelity::None => assert_eq!(
                reported.map(|p| p.code()),
                Some("export::no-equivalent"),
                "{}",
                row.option
            ),
            Fidelity::Approximate => assert_eq!(
                reported.map(|p| p.code()),
                Some("export::approximate"),
                "{}",
                row.option
            ),
            Fidelity::Faithful => assert!(reported.is_none(), "{} is faithful, but reported", row.option),
        }
    }
}

/// Pieces of app maps, good and bad: the property test puts random sets together.
const PIECES: &[&str] = &[
    r#":image "node:22-slim""#,
    r#":image "registry.example.com:5000/a/b@sha256:0123""#,
    r#":script "a.js""#,
    r#":script "w.py""#,
    r#":script "run.sh""#,
    r#":script "bin""#,
    r#":interpreter "node""#,
    r#":interpreter "none""#,
    r#":interpreter "python3""#,
    r#":interpreter "/usr/local/bin/node""#,
    r#":args ["a b" "$X" "'q'"]"#,
    r#":args "x 'y z'""#,
    r#":args [#secret "s"]"#,
    ":instances 1",
    ":instances 3",
    r#":instances "max""#,
    ":instances -1",
    ":exec-mode :cluster",
    ":port 3000",
    ":port 0",
    ":ports [3000]",
    ":ports [{:container 80 :published 8080}]",
    ":ports [{:container 53 :protocol :udp}]",
    ":ports [0]",
    ":autorestart false",
    ":autostart false",
    ":kill-timeout 0",
    ":kill-timeout 1601",
    r#":kill-timeout "5s""#,
    r#":max-memory-restart "300M""#,
    ":max-memory-restart 1000",
    ":health {:tcp 3000}",
    r#":health {:http "http://127.0.0.1:3000/h" :interval "500ms" :timeout "2s"}"#,
    r#":health {:command ["true"]}"#,
    r#":env {:A "1" :B #secret "s'\"$\\"}"#,
    r#":env {:X "a$b" :Y "yes" :Z "no"}"#,
    ":watch true",
    ":watch false",
    r#":cron-restart "0 3 * * *""#,
    ":uid 1000",
    r#":uid "node""#,
    ":gid 1000",
    r#":cwd "/app""#,
    r#":increment-var "PORT""#,
    ":disable-logs true",
    ":max-restarts 3",
    r#":out-file "/tmp/o.log""#,
    r#":export {:compose {:labels {"a" "b"}}}"#,
    r#":export {:compose {:restrat "x"}}"#,
    r#":export {:compose {:deploy {:replicas "two"}}}"#,
    r#":export {:compose {:ports ["8080:80"]}}"#,
    r#":export {:compose {:restart nil :image "other:2"}}"#,
    r#":export {:compose {:environment ["A=B"]}}"#,
    r#":export {:kubernetes {:kind :job}}"#,
    r#":name "api""#,
    r#":name "Billing_API""#,
    r#":name "a b""#,
    r#":name "all""#,
    r#":name "x.y-z""#,
];

/// The codes an export may fail with, each naming the option or the target.
const DIAGNOSTICS: &[&str] = &[
    "export::no-equivalent",
    "export::hidden-inline",
    "export::bad-name",
    "export::missing-image",
    "export::published-replicas",
    "export::unknown-escape-key",
    "export::bad-escape",
    "export::relative-path",
    "export::name-clash",
];

fn app_text() -> impl Strategy<Value = String> {
    let named = |prefix: &'static str| {
        PIECES
            .iter()
            .copied()
            .filter(move |p| p.starts_with(prefix))
            .collect::<Vec<_>>()
    };
    (
        prop::sample::select(named(":name ")),
        prop::sample::select(named(":script ")),
        prop::option::weighted(0.9, prop::sample::select(named(":image "))),
        prop::collection::vec(prop::sample::select(PIECES), 0..6),
    )
        .prop_map(|(name, script, image, pieces)| {
            let mut seen = vec![":name", ":script"];
            let mut out = format!("{{{name} {script} ");
            if let Some(image) = image {
                seen.push(":image");
                out.push_str(image);
                out.push(' ');
            }
            for p in pieces {
                let key = p.split_whitespace().next().unwrap();
                if !seen.contains(&key) {
                    seen.push(key);
                    out.push_str(p);
                    out.push(' ');
                }
            }
            out.push('}');
            out
        })
}

#[test]
fn every_app_the_language_accepts_exports_or_fails_with_a_diagnostic() {
    let outputs = std::cell::RefCell::new(Vec::new());
    let accepted = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (prop::collection::vec(app_text(), 1..3), any::<bool>());
    runner
        .run(&strategy, |(apps, lossy)| {
            let text = format!("{{:apps [{}]}}", apps.join(" "));
            let Ok(loaded) = load_text(&text) else {
                return Ok(());
            };
            accepted.set(accepted.get() + 1);
            let export = exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, lossy);
            if export.failed() {
                for p in export.problems.iter().filter(|p| !p.is_warning()) {
                    prop_assert!(DIAGNOSTICS.contains(&p.code()), "{text}: {p:?}");
                    let message = p.to_string();
                    let names_it = message.contains("compose")
                        || matches!(p.kind(), ExportErrorKind::HiddenInline { option, .. } | ExportErrorKind::RelativePath { option } if message.starts_with(option.as_str()))
                        || matches!(p.kind(), ExportErrorKind::PublishedReplicas { app, .. } if message.contains(app.as_str()));
                    prop_assert!(names_it, "{text}: {message}");
                    prop_assert!(
                        p.span().is_some() || matches!(p.kind(), ExportErrorKind::NameClash { .. }),
                        "{text}: {p:?} has no label"
                    );
                }
            } else {
                let yaml = compose_yaml(&export).to_string();
                prop_assert!(!yaml.contains("s'\""), "a secret inline: {yaml}");
                let n = outputs.borrow().len();
                outputs.borrow_mut().push((format!("case{n}"), yaml));
            }
            Ok(())
        })
        .unwrap();
    let outputs = outputs.into_inner();
    eprintln!(
        "{} of 256 generated files accepted by the language; {} exported",
        accepted.get(),
        outputs.len()
    );
    assert!(
        accepted.get() >= 64 && outputs.len() >= 16,
        "the generator makes too few valid apps"
    );
    if check_jsonschema() {
        schema_problems(&outputs).unwrap_or_else(|e| panic!("{e}"));
    }
}
