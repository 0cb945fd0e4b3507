//! pm2-clj's `:logs` section (the log paths it gives apps, the `pm2-logrotate` settings
//! it asks for, what it refuses), relative interpreters, and environment variables an
//! unset `#env` leaves out of an app (a warning, or an error with `strict_env`).

mod common;

use std::path::Path;

use pm2_dsl_emit::{Built, EmitError, Header, OutputFormat, Settings, build, render};
use pm2_dsl_eval::{Env, EvalOptions, Evaluator, MemoryLoader};

fn apps(logs: &str, apps: &str) -> String {
    format!("{{:logs {logs} :apps [{apps}]}}")
}

#[test]
fn a_log_folder_gives_every_app_its_log_paths() {
    let built = common::built(&apps(
        r#"{:dir "logs/pm2"}"#,
        r#"{:name "api" :script "a.js"} {:name "worker" :script "w.js" :out "/var/log/w.log"} {:name "a/b" :script "b.js"}"#,
    ));
    let json = common::apps_json(&built);
    assert_eq!(json[0]["out_file"], "/srv/app/logs/pm2/api.out.log");
    assert_eq!(json[0]["error_file"], "/srv/app/logs/pm2/api.error.log");
    assert_eq!(json[1]["out_file"], "/var/log/w.log", "an app's own path wins");
    assert_eq!(json[1]["error_file"], "/srv/app/logs/pm2/worker.error.log");
    assert_eq!(json[2]["out_file"], "/srv/app/logs/pm2/a-b.out.log");
    let logs = built.ecosystem.logs.as_ref().unwrap();
    assert_eq!(logs.dir(), Some("/srv/app/logs/pm2"));
    assert_eq!(logs.rotate, None);
    let header = Header {
        source: "main.pm2.edn".into(),
        profile: None,
    };
    let rendered = render(&built.ecosystem, OutputFormat::Json, &header);
    assert!(
        !rendered.contains("\"logs\"") && !rendered.contains("rotate"),
        "{rendered}"
    );
}

#[test]
fn relative_log_folders_follow_keep_relative_paths() {
    let text = apps(r#"{:dir "logs"}"#, r#"{:name "api" :script "a.js"}"#);
    let built = common::build_with(&text, None, true).unwrap();
    assert_eq!(common::apps_json(&built)[0]["out_file"], "logs/api.out.log");
}

#[test]
fn rotation_settings_are_read_in_pm2_logrotates_terms() {
    let built = common::built(&apps(
        r#"{:rotate {:compress true :max-size "10M" :retain 7 :rotate-interval "0 3 * * *" :worker-interval 60 :date-format "YYYY-MM-DD" :tz "Etc/UTC" :rotate-module false}}"#,
        r#"{:name "api" :script "a.js"}"#,
    ));
    let logs = built.ecosystem.logs.clone().unwrap();
    let rotate: Vec<(&str, &str)> = logs
        .rotate
        .as_ref()
        .unwrap()
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    assert_eq!(
        rotate,
        [
            ("max_size", "10M"),
            ("retain", "7"),
            ("compress", "true"),
            ("dateFormat", "YYYY-MM-DD"),
            ("workerInterval", "60"),
            ("rotateInterval", "0 3 * * *"),
            ("rotateModule", "false"),
            ("TZ", "Etc/UTC"),
        ]
    );
    assert_eq!(
        common::apps_json(&built)[0].get("out_file"),
        None,
        "no :dir, no paths"
    );
    let all = common::built(&apps(
        r#"{:rotate {:retain "all"}}"#,
        r#"{:name "a" :script "a.js"}"#,
    ));
    assert_eq!(
        all.ecosystem.logs.unwrap().rotate.unwrap(),
        [("retain", "all".to_string())]
    );
}

#[test]
fn a_profile_can_change_the_logs() {
    let text = r#"{:logs {:dir "logs"} :apps [{:name "api" :script "a.js"}]
                   :profiles {:prod {:logs {:dir "/var/log/app" :rotate {:retain 3}}}}}"#;
    let built = common::build_with(text, Some("prod"), false).unwrap();
    let logs = built.ecosystem.logs.as_ref().unwrap();
    assert_eq!(logs.dir(), Some("/var/log/app"));
    assert_eq!(logs.rotate.as_ref().unwrap().len(), 1);
}

fn problems(logs: &str) -> Vec<EmitError> {
    common::build_with(&apps(logs, r#"{:name "api" :script "a.js"}"#), None, false).unwrap_err()
}

#[test]
fn bad_logs_are_labelled_with_a_suggestion() {
    let cases = [
        (r#"{:dirs "logs"}"#, "emit::unknown-logs-key", Some(":dir")),
        (r#"{:folder "logs"}"#, "emit::unknown-logs-key", None),
        (
            r#"{:rotate {:maxsize "10M"}}"#,
            "emit::unknown-logs-key",
            Some(":max-size"),
        ),
        (
            r#"{:rotate {:retian 3}}"#,
            "emit::unknown-logs-key",
            Some(":retain"),
        ),
        (r#"{:rotate {:max-size "10MB"}}"#, "emit::bad-format", None),
        (r#"{:rotate {:max-size "0"}}"#, "emit::bad-format", None),
        (r#"{:rotate {:retain 0}}"#, "emit::bad-format", None),
        (r#"{:rotate {:compress "yes"}}"#, "emit::wrong-type", None),
        (
            r#"{:rotate {:rotate-interval "every day"}}"#,
            "emit::bad-format",
            None,
        ),
        (r#"{:rotate {:worker-interval 0}}"#, "emit::bad-format", None),
        (r#"{:dir 3}"#, "emit::wrong-type", None),
        (r#"{:dir ""}"#, "emit::bad-format", None),
        (r#"{:rotate true}"#, "emit::wrong-type", None),
        (r#""logs""#, "emit::wrong-type", None),
    ];
    for (logs, code, suggestion) in cases {
        let found = problems(logs);
        assert_eq!(found.len(), 1, "{logs}: {found:?}");
        let e = &found[0];
        assert_eq!(e.code(), code, "{logs}");
        assert!(e.span().is_some(), "{logs}: labelled");
        if let Some(s) = suggestion {
            let help = miette::Diagnostic::help(e).unwrap().to_string();
            assert_eq!(help, format!("did you mean {s}?"), "{logs}");
        }
    }
    let help = miette::Diagnostic::help(&problems(r#"{:folder "logs"}"#)[0])
        .unwrap()
        .to_string();
    assert_eq!(help, ":logs reads :dir, :rotate");
    let top = common::build_with(r#"{:log {:dir "x"} :apps []}"#, None, false).unwrap_err();
    assert_eq!(
        miette::Diagnostic::help(&top[0]).unwrap().to_string(),
        "did you mean :logs?"
    );
}

#[test]
fn a_relative_interpreter_path_is_relative_to_its_file() {
    let built = common::built(
        r#"{:apps [{:name "a" :script "a.py" :interpreter ".venv/bin/python"}
                  {:name "b" :script "b.py" :interpreter "python3"}
                  {:name "c" :script "c.py" :interpreter "/usr/bin/python3"}
                  {:name "d" :script "d.py" :interpreter #venv "py"}]}"#,
    );
    let json = common::apps_json(&built);
    assert_eq!(json[0]["exec_interpreter"], "/srv/app/.venv/bin/python");
    assert_eq!(
        json[1]["exec_interpreter"], "python3",
        "a command stays a command"
    );
    assert_eq!(json[2]["exec_interpreter"], "/usr/bin/python3");
    assert_eq!(json[3]["exec_interpreter"], "python3", "no venv there");
}

fn build_env(text: &str, strict: bool) -> Result<Built, Vec<EmitError>> {
    let options = EvalOptions::new().env(Env::empty().with("PORT", "80"));
    let mut evaluator = Evaluator::new(options, MemoryLoader::new());
    let value = evaluator.eval_str("/srv/app/main.pm2.edn", text).unwrap();
    let settings = Settings::new(evaluator.sources(), Path::new("/srv/app"))
        .unset_env(evaluator.unset_env())
        .strict_env(strict);
    build(&value, &settings)
}

#[test]
fn an_unset_env_var_left_out_of_an_app_is_reported() {
    let text = r#"(def db #env DATABASE_URL)
{:apps [{:name "api" :script "a.js"
         :env {:PORT #env PORT :DATABASE_URL db :EXPLICIT nil :TOKEN (env "TOKEN")}
         :env_production {:REDIS #env REDIS}}
        {:name "b" :script "b.js" :args #env UNUSED}]}"#;
    let built = build_env(text, false).unwrap();
    let warnings: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "environment variable DATABASE_URL is not set, so env DATABASE_URL is left out of app \"api\"",
            "environment variable TOKEN is not set, so env TOKEN is left out of app \"api\"",
            "environment variable REDIS is not set, so env_production REDIS is left out of app \"api\"",
        ]
    );
    let at = built.warnings[0].span().unwrap();
    assert_eq!(&text[at.start as usize..at.end as usize], "#env DATABASE_URL");
    let env = common::apps_json(&built)[0]["env"].clone();
    assert_eq!(env, serde_json::json!({"PORT": "80"}));
    let errors = build_env(text, true).unwrap_err();
    assert_eq!(errors.len(), 3);
    assert!(
        errors
            .iter()
            .all(|e| e.code() == "emit::unset-env" && !e.is_warning())
    );
}
