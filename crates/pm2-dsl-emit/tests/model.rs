//! The ecosystem model: keys, profiles, merging by name, validation, paths.

mod common;

use common::{apps_json, build_overridden, build_with, built, codes};
use pm2_dsl_reader::Number;
use serde_json::json;

#[test]
fn every_spelling_renders_to_the_canonical_option() {
    let b = built(
        r#"{:apps [{:name "api" :cmd "server.js" :max-memory-restart "1G" :interpreter "node"
                  :interpreter-args "--inspect" :out "o.log" :err "e.log" :cron "0 3 * * *" :combine-logs true
                  :env {:NODE_ENV "production" :camelCase "kept"} :env-staging {:X "1"}}]}"#,
    );
    assert_eq!(
        apps_json(&b)[0],
        json!({"name": "api", "script": "server.js", "max_memory_restart": "1G", "exec_interpreter": "node",
               "node_args": "--inspect", "out_file": "o.log", "error_file": "e.log", "cron_restart": "0 3 * * *",
               "merge_logs": true, "env": {"NODE_ENV": "production", "camelCase": "kept"},
               "env_staging": {"X": "1"}})
    );
}

#[test]
fn keyword_values_render_as_strings_and_nil_means_unset() {
    let b = built(
        r#"{:apps [{:name "api" :script "a.js" :exec-mode :cluster :instances nil :env {:A nil :B 1}}]}"#,
    );
    assert_eq!(
        apps_json(&b)[0],
        json!({"name": "api", "script": "a.js", "exec_mode": "cluster", "env": {"B": 1}})
    );
}

#[test]
fn falsy_values_are_written_so_pm2_keeps_them() {
    let b = built(
        r#"{:apps [{:name "a" :script "a.js" :max-restarts 0 :merge-logs false :watch false :instances 0}]}"#,
    );
    assert_eq!(
        apps_json(&b)[0],
        json!({"name": "a", "script": "a.js", "max_restarts": 0, "maxRestarts": 0, "merge_logs": false,
               "mergeLogs": false, "watch": false, "instances": 0})
    );
}

const PROFILED: &str = r#"
{:apps [{:name "api" :script "api.js" :instances 1 :env {:NODE_ENV "development" :LOG "debug"}}
        {:name "worker" :script "worker.js"}
        {:name "debugger" :script "debug.js"}]
 :profiles {:prod {:apps [{:name "api" :instances "max" :exec-mode :cluster :env {:NODE_ENV "production"}}
                          {:name "debugger" :pm2-clj/remove true}
                          {:name "metrics" :script "metrics.js"}]}
            :dev {}}}"#;

#[test]
fn profiles_deep_merge_apps_by_name() {
    let b = build_with(PROFILED, Some("prod"), false).unwrap();
    assert_eq!(
        apps_json(&b),
        vec![
            json!({"name": "api", "script": "api.js", "instances": "max", "exec_mode": "cluster",
                   "env": {"NODE_ENV": "production", "LOG": "debug"}}),
            json!({"name": "worker", "script": "worker.js"}),
            json!({"name": "metrics", "script": "metrics.js"}),
        ]
    );
    let base = build_with(PROFILED, None, false).unwrap();
    assert_eq!(
        base.ecosystem.apps.len(),
        3,
        "without a profile, :profiles is dropped"
    );
}

#[test]
fn overlay_spellings_merge_with_base_spellings() {
    let b = build_with(
        r#"{:apps [{:name "a" :script "a.js" :max_restarts 3}] :profiles {:p {:apps [{:name "a" :max-restarts 5}]}}}"#,
        Some("p"),
        false,
    )
    .unwrap();
    assert_eq!(
        apps_json(&b)[0],
        json!({"name": "a", "script": "a.js", "max_restarts": 5})
    );
}

#[test]
fn unknown_profiles_are_errors_unless_a_profile_tag_names_them() {
    assert_eq!(codes(PROFILED, Some("prd")), ["emit::unknown-profile"]);
    let tagged = r#"{:apps [{:name "a" :script "a.js" :instances #profile {:prod 4 :default 1}}]}"#;
    assert_eq!(codes(tagged, Some("prod")), Vec::<&str>::new());
    assert_eq!(codes(tagged, Some("staging")), ["emit::unknown-profile"]);
}

#[test]
fn profile_overlay_problems() {
    assert_eq!(
        codes(
            r#"{:apps [] :profiles {:p {:apps [{:script "x.js"}]}}}"#,
            Some("p")
        ),
        ["emit::profile-app-without-name"]
    );
    assert_eq!(
        codes(
            r#"{:apps [] :profiles {:p {:apps [{:name "x" :pm2-clj/remove true}]}}}"#,
            Some("p")
        ),
        ["emit::remove-unknown-app"]
    );
}

#[test]
fn validation_errors() {
    let cases = [
        (
            r#"{:apps [{:name "a" :script "a.js" :max-memory-restrat "1G"}]}"#,
            "emit::unknown-key",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :autorestart "yes"}]}"#,
            "emit::wrong-type",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :max-memory-restart "1GB"}]}"#,
            "emit::bad-format",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :min-uptime "10 seconds"}]}"#,
            "emit::bad-format",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :min-uptime 50}]}"#,
            "emit::below-minimum",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :min-uptime "0s"}]}"#,
            "emit::below-minimum",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :exec-mode :threads}]}"#,
            "emit::bad-format",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :cron-restart "every day"}]}"#,
            "emit::bad-cron",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :env {:X {:nested 1}}}]}"#,
            "emit::env-value",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :env_file "a/.env"}]}"#,
            "emit::wrong-type",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js"} {:name "a" :script "b.js"}]}"#,
            "emit::duplicate-app",
        ),
        (r#"{:apps [{:name "a"}]}"#, "emit::missing-script"),
        (
            r#"{:apps [{:name "a" :script "a.js" :args ["--port" 80]}]}"#,
            "emit::wrong-type",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :max_restarts 1 :max-restarts 2}]}"#,
            "emit::duplicate-option",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" 42 1}]}"#,
            "emit::key-not-a-name",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js"}] :app []}"#,
            "emit::unknown-top-level-key",
        ),
        (r#"{:apps [1]}"#, "emit::app-shape"),
        (r#"[{:name "a" :script "a.js"} 2]"#, "emit::app-shape"),
        (r#""apps""#, "emit::not-an-ecosystem"),
        (
            r#"{:apps [] :deploy {:production {:post-deplyo "x"}}}"#,
            "emit::unknown-deploy-key",
        ),
        (r#"{:apps [] :deploy [1]}"#, "emit::deploy-shape"),
    ];
    for (text, code) in cases {
        assert_eq!(codes(text, None), [code], "{text}");
    }
}

#[test]
fn pm2s_leniencies_are_kept() {
    let ok = r#"{:apps [{:name "a" :script "a.js" :instances "max" :kill-timeout "3000" :min-uptime "10s"
                        :max-memory-restart 1048576 :exec-mode "cluster_mode" :cron-restart 0 :watch "."}]}"#;
    assert_eq!(
        codes(ok, None),
        ["emit::numeric-string"],
        "kill-timeout \"3000\" is read as 3000"
    );
}

/// `:instances "4"` was accepted silently while `"0x10"` (which PM2 reads as 0) was
/// accepted too. A plain decimal string where PM2 takes only numbers is a warning (PM2
/// reads the number); a string PM2 would misread is a type error; where PM2 takes a
/// string too, a numeric string is just a string.
#[test]
fn strings_pm2_reads_as_numbers_are_warnings_and_misread_ones_errors() {
    let app = |option: &str| format!(r#"{{:apps [{{:name "a" :script "a.js" {option}}}]}}"#);
    for plain in [
        r#":instances "4""#,
        r#":restart-delay "1.5e3""#,
        r#":max-restarts "-0""#,
    ] {
        assert_eq!(codes(&app(plain), None), ["emit::numeric-string"], "{plain}");
    }
    for misread in [
        r#":instances "0x10""#,
        r#":instances """#,
        r#":instances "Infinity""#,
        r#":instances " 4""#,
        r#":kill-timeout "1_000""#,
    ] {
        assert_eq!(codes(&app(misread), None), ["emit::wrong-type"], "{misread}");
    }
    for string_too in [
        r#":min-uptime "1000""#,
        r#":max-memory-restart "1024""#,
        r#":instances "max""#,
    ] {
        assert_eq!(codes(&app(string_too), None), Vec::<&str>::new(), "{string_too}");
    }
    let warning = build_with(&app(r#":instances "4""#), None, false)
        .unwrap()
        .warnings
        .remove(0);
    assert_eq!(
        warning.to_string(),
        "instances is the string \"4\"; PM2 takes only numbers here and reads it as 4"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"{:apps [{:name "a" :scrip "a.js" :instances "many"} {:name "a" :script "b.js"}]}"#;
    assert_eq!(
        codes(text, None),
        [
            "emit::unknown-key",
            "emit::missing-script",
            "emit::wrong-type",
            "emit::duplicate-app"
        ]
    );
}

#[test]
fn options_that_install_packages_are_warnings() {
    let b = built(r#"{:apps [{:name "a" :script "a.js" :trace true}]}"#);
    assert_eq!(b.warnings.len(), 1);
    assert_eq!(b.warnings[0].code(), "emit::installs-packages");
}

#[test]
fn relative_cwd_resolves_against_the_files_directory() {
    let b = built(
        r#"{:apps [{:name "a" :script "a.js" :cwd "services/a"} {:name "b" :script "b.js" :cwd "../b/"} {:name "c" :script "c.js" :cwd "/opt/c"}]}"#,
    );
    let cwds: Vec<_> = apps_json(&b).iter().map(|a| a["cwd"].clone()).collect();
    assert_eq!(
        cwds,
        [json!("/srv/app/services/a"), json!("/srv/b"), json!("/opt/c")]
    );
    let kept = build_with(
        r#"{:apps [{:name "a" :script "a.js" :cwd "services/a"}]}"#,
        None,
        true,
    )
    .unwrap();
    assert_eq!(apps_json(&kept)[0]["cwd"], json!("services/a"));
}

#[test]
fn deploy_keys_take_pm2_deploys_spelling() {
    let b = built(
        r#"{:apps [] :deploy {:production {:user "u" :host ["a" "b"] :post_deploy "npm i" :ssh-options "X=Y" :env {:A 1}}}}"#,
    );
    let d = &b.ecosystem.deploy[0];
    let keys: Vec<&str> = d.settings.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        (d.name.as_str(), keys),
        (
            "production",
            vec!["user", "host", "post-deploy", "ssh_options", "env"]
        )
    );
}

#[test]
fn a_top_level_vector_is_the_apps() {
    let b = built(r#"[{:name "a" :script "a.js"}]"#);
    assert_eq!(b.ecosystem.apps.len(), 1);
}

/// Found by trying: `check` said ok for these, and `render` panicked writing them. In
/// number options they are out of the option's range; elsewhere, not data JavaScript
/// reads as written.
#[test]
fn numbers_javascript_cannot_hold_are_errors_wherever_they_are() {
    let options = [
        r#"{:apps [{:name "a" :script "a.js" :max-restarts ##Inf}]}"#,
        r#"{:apps [{:name "a" :script "a.js" :restart-delay ##NaN}]}"#,
        r#"{:apps [{:name "a" :script "a.js" :stop-exit-codes [0 ##Inf]}]}"#,
        r#"{:apps [{:name "a" :script "a.js" :instances 9007199254740992}]}"#,
    ];
    for text in options {
        assert_eq!(codes(text, None), ["emit::out-of-range"], "{text}");
    }
    let cases = [
        r#"{:apps [{:name "a" :script "a.js" :env {:X 1e999}}]}"#,
        r#"{:apps [{:name "a" :script "a.js" :env_production {:X ##-Inf}}]}"#,
        r#"{:apps [{:name "a" :script "a.js" :watch-options {:interval ##NaN}}]}"#,
        r#"{:apps [] :static [{:path "/" :port 1e400}]}"#,
        r#"{:apps [] :deploy {:production {:port ##Inf}}}"#,
        r#"{:apps [{:name "a" :script "a.js" :env {:ID 12345678901234567890123N}}]}"#,
        r#"{:apps [] :static {:big -9223372036854775808}}"#,
    ];
    for text in cases {
        assert_eq!(codes(text, None), ["emit::wrong-type"], "{text}");
    }
    let edge = r#"{:apps [{:name "a" :script "a.js" :max-restarts 9007199254740991 :instances -9007199254740991N}]}"#;
    assert_eq!(codes(edge, None), Vec::<&str>::new());
    let err = build_with(cases[0], None, false).unwrap_err().remove(0);
    assert_eq!(
        err.to_string(),
        "env X must be a finite number, not an infinite number"
    );
}

#[test]
fn keys_written_alike_are_errors_at_the_second() {
    let cases = [
        r#"{:apps [{:name "a" :script "a.js" :env {:A "1" "A" "2"}}]}"#,
        r#"{:apps [{:name "a" :script "a.js" :watch-options {:usePolling true "usePolling" false}}]}"#,
        r#"{:apps [] :static {:a 1 "a" 2}}"#,
        r#"{:apps [] :deploy {:production {:host "h"} "production" {:host "i"}}}"#,
        r#"{:apps [] :deploy {:production {:post-deploy "x" :post_deploy "y"}}}"#,
    ];
    for text in cases {
        assert_eq!(codes(text, None), ["emit::duplicate-key"], "{text}");
    }
    let err = build_with(cases[0], None, false).unwrap_err().remove(0);
    assert_eq!(err.to_string(), "two keys of env are written out as \"A\"");
}

#[test]
fn render_never_fails_even_on_an_ecosystem_made_by_hand() {
    use pm2_dsl_emit::{AppSpec, Ecosystem, Header, OutputFormat, render};
    use pm2_dsl_eval::{Value, ValueKind};
    let ecosystem = Ecosystem {
        apps: vec![AppSpec::new(
            vec![
                ("name".into(), Value::string("a")),
                (
                    "max_restarts".into(),
                    Value::new(ValueKind::Number(Number::Float(f64::INFINITY)), None),
                ),
            ],
            None,
        )],
        deploy: vec![],
        statics: Some(Value::vector([Value::new(
            ValueKind::Number(Number::Float(f64::NAN)),
            None,
        )])),
        logs: None,
    };
    let header = Header {
        source: "hand".into(),
        profile: None,
    };
    for format in [OutputFormat::Json, OutputFormat::Cjs, OutputFormat::Mjs] {
        let text = render(&ecosystem, format, &header);
        assert!(text.contains("\"max_restarts\": null"), "{text}");
    }
}

/// Found by trying: `--unset deploy` (and every other top-level section) was an error:
/// the section became nil, or the path was refused.
#[test]
fn unset_removes_any_top_level_section() {
    let text = r#"{:apps [{:name "api" :script "a.js"} {:name "web" :script "w.js" :instances 2}]
                   :deploy {:prod {:host "h" :repo "r" :path "/p"}}
                   :static [{:path "/srv" :port 80}]
                   :logs {:dir "/var/log/x"}
                   :profiles {:prod {:apps [{:name "web" :instances 4}]}}}"#;
    let built = |profile, overrides: &[&str]| {
        build_overridden(text, profile, false, overrides).unwrap_or_else(|e| panic!("{overrides:?}: {e:?}"))
    };
    let whole = built(None, &[]);
    assert!(!whole.ecosystem.deploy.is_empty() && whole.ecosystem.statics.is_some());
    assert!(built(None, &["deploy"]).ecosystem.deploy.is_empty());
    assert!(built(None, &["static"]).ecosystem.statics.is_none());
    let no_logs = built(None, &["logs"]);
    assert!(no_logs.ecosystem.logs.is_none());
    assert_eq!(apps_json(&no_logs)[0], json!({"name": "api", "script": "a.js"}));
    assert!(built(None, &["apps"]).ecosystem.apps.is_empty());
    let web = apps_json(&built(Some("prod"), &["apps.api"]));
    assert_eq!(web.len(), 1);
    assert_eq!(web[0]["instances"], 4, "the profile applied: {web:?}");
    // The profiles say what the overlays are: without them, prod is no profile.
    let web = &apps_json(&built(Some("prod"), &["profiles.prod.apps"]))[1];
    assert_eq!(web["instances"], 2);
    assert_eq!(built(None, &["profiles"]).ecosystem.apps.len(), 2);
    assert_eq!(
        build_overridden(text, Some("prod"), false, &["profiles"])
            .unwrap_err()
            .iter()
            .map(|e| e.code())
            .collect::<Vec<_>>(),
        ["emit::unknown-profile"]
    );
    let errors = build_overridden(text, None, false, &["apps.nope", "colours"]).unwrap_err();
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "cannot apply override: no app is named \"nope\"; the apps are api, web",
            "cannot apply override: paths start with apps, deploy, static, logs or profiles"
        ]
    );
}

#[test]
fn a_non_finite_number_from_set_is_an_error_at_the_override() {
    use pm2_dsl_emit::overrides::parse_set;
    use pm2_dsl_emit::{Settings, build};
    use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader};
    for set in [
        "apps.a.max-restarts=##Inf",
        "apps.a.env.X=1e999",
        "static.x=##NaN",
    ] {
        let mut evaluator = Evaluator::new(EvalOptions::new(), MemoryLoader::new());
        let value = evaluator
            .eval_str("/srv/a.pm2.edn", r#"{:apps [{:name "a" :script "a.js"}]}"#)
            .unwrap();
        let source = evaluator.add_source("--set", set);
        let overrides = [parse_set(source.clone()).unwrap()];
        let settings = Settings::new(evaluator.sources(), std::path::Path::new("/srv")).overrides(&overrides);
        let errors = build(&value, &settings).unwrap_err();
        assert_eq!(errors.len(), 1, "{set}: {errors:?}");
        let code = if set.starts_with("apps.a.max") {
            "emit::out-of-range"
        } else {
            "emit::wrong-type"
        };
        assert_eq!(errors[0].code(), code, "{set}");
        let span = errors[0].span().expect("labelled");
        assert_eq!(span.source, source.id(), "{set}");
        assert_eq!(source.slice(span), set.split_once('=').unwrap().1, "{set}");
    }
}

/// The time of the fastest of three builds of `n` apps (each overlaid by a profile).
fn build_time(n: usize) -> std::time::Duration {
    use pm2_dsl_emit::{Settings, build};
    use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader};
    let apps: String = (0..n)
        .map(|i| format!("{{:name \"app-{i}\" :script \"s{i}.js\"}}\n"))
        .collect();
    let overlay: String = (0..n)
        .step_by(2)
        .map(|i| format!("{{:name \"app-{i}\" :instances 2}}\n"))
        .collect();
    let text = format!("{{:apps [{apps}] :profiles {{:p {{:apps [{overlay}]}}}}}}");
    let mut evaluator = Evaluator::new(EvalOptions::new().profile("p"), MemoryLoader::new());
    let value = evaluator.eval_str("/srv/a.pm2.edn", &text).unwrap();
    let settings = Settings::new(evaluator.sources(), std::path::Path::new("/srv")).profile(Some("p"));
    (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            let built = build(&value, &settings).unwrap();
            assert_eq!(built.ecosystem.apps.len(), n);
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// Found by trying 100,000 apps: duplicate names and profile apps were found by linear
/// search, so `check` took 30 s. Eight times the apps must take about eight times as
/// long, not sixty-four.
#[test]
fn building_is_linear_in_the_number_of_apps() {
    let (small, large) = (build_time(4_000), build_time(32_000));
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio < 24.0,
        "4,000 apps: {small:?}, 32,000 apps: {large:?} ({ratio:.1}×)"
    );
}

#[test]
fn names_pm2_reads_as_something_else_are_errors_at_the_name() {
    for name in ["all", "42", "/api/", "a,b", " api", "api ", ""] {
        let text = format!("{{:apps [{{:name {name:?} :script \"a.js\"}}]}}");
        let errors = common::build_with(&text, None, false).unwrap_err();
        assert_eq!(errors[0].code(), "emit::reserved-name", "{name:?}");
        let span = errors[0].span().unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], format!("{name:?}"));
    }
    for fine in ["api", "my app", "api-2", "42a", "/api"] {
        let text = format!("{{:apps [{{:name {fine:?} :script \"a.js\"}}]}}");
        assert!(common::build_with(&text, None, false).is_ok(), "{fine:?}");
    }
}

#[test]
fn app_names_with_control_characters_are_errors_at_the_name() {
    for name in [
        r#""api\n""#,
        r#""a\u001B[31mb""#,
        r#""a\tb""#,
        r#""a\u202Eb""#,
        r#""\u0085api""#,
    ] {
        let text = format!("{{:apps [{{:name {name} :script \"a.js\"}}]}}");
        let errors = common::build_with(&text, None, false).unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
        assert_eq!(codes, ["emit::name-control-character"], "{name}");
        let span = errors[0].span().unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], name);
    }
    assert!(common::build_with(r#"{:apps [{:name "api é ✓" :script "a.js"}]}"#, None, false).is_ok());
}

/// Names the OS would mangle are errors in every environment block; names a shell
/// cannot read are warnings; POSIX names (lower case ones included) are fine.
#[test]
fn env_names_are_checked_in_every_block() {
    let env = |block: &str, name: &str| {
        let text = format!(
            "{{:apps [{{:name \"api\" :script \"a.js\" {block} {{{name} \"1\"}}}}]
              :deploy {{:prod {{:host \"h\" :env {{{name} \"1\"}}}}}}}}"
        );
        let (codes, spans): (Vec<&str>, Vec<String>) = match common::build_with(&text, None, false) {
            Ok(built) => built
                .warnings
                .iter()
                .map(|w| (w.code(), w.span()))
                .collect::<Vec<_>>(),
            Err(errors) => errors.iter().map(|e| (e.code(), e.span())).collect(),
        }
        .into_iter()
        .map(|(code, span)| {
            let span = span.expect("labelled");
            (code, text[span.start as usize..span.end as usize].to_string())
        })
        .unzip();
        assert!(
            spans.iter().all(|s| s == name),
            "{block} {name}: labelled at {spans:?}"
        );
        codes
    };
    for block in [":env", ":env_production", ":env-staging"] {
        for bad in [
            r#""A=B""#,
            r#""""#,
            r#""A\u0000""#,
            r#""A\u001B""#,
            r#""A B""#,
            r#""A\u00A0B""#,
        ] {
            assert_eq!(env(block, bad), ["emit::env-name"; 2], "{block} {bad}");
        }
        for odd in [r#""log-level""#, ":app.port", r#""1X""#, r#""CAFÉ""#] {
            assert_eq!(
                env(block, odd),
                ["emit::env-name-not-portable"; 2],
                "{block} {odd}"
            );
        }
        for fine in [":NODE_ENV", ":npm_config_x", r#""_X1""#, r#""PATH""#] {
            assert_eq!(env(block, fine), Vec::<&str>::new(), "{block} {fine}");
        }
    }
}

/// Each number option takes the numbers PM2 and node read as written: node's timers
/// hold whole milliseconds up to 2147483647 (a longer wait fires after 1 ms), PM2 reads
/// `instances` with parseInt (2.5 is 2, 1e308 is 1), a port is a TCP port.
#[test]
fn numbers_beyond_what_pm2_reads_are_out_of_range() {
    let option = |option: &str, value: &str| {
        codes(
            &format!(r#"{{:apps [{{:name "a" :script "a.js" {option} {value}}}]}}"#),
            None,
        )
    };
    let out = ["emit::out-of-range"];
    for (name, bad, good) in [
        (":kill-timeout", "2147483648", "2147483647"),
        (":restart-delay", "-1", "0"),
        (":listen-timeout", "1.5", "1500.0"),
        (":watch-delay", "1e10", "1e3"),
        (":exp-backoff-restart-delay", "##Inf", "100N"),
        (":kill-retry-time", "1/2", "100"),
        (":instances", "1e308", "-1"),
        (":instances", "2.5", "4"),
        (":instances", "12345678901234567890N", "\"max\""),
        (":max-restarts", "1.5", "0"),
        (":port", "65536", "65535"),
        (":uid", "4294967296", "0"),
        (":gid", "-1", "1000"),
        (":stop-exit-codes", "[0 1.5]", "[0 143]"),
        (":max-memory-restart", "-1", "1.5"),
        (":min-uptime", "1e16", "1e15"),
    ] {
        assert_eq!(option(name, bad), out, "{name} {bad}");
        assert_eq!(option(name, good), Vec::<&str>::new(), "{name} {good}");
    }
    // A string PM2 reads as a number is checked as that number.
    assert_eq!(
        option(":kill-timeout", "\"1e10\""),
        ["emit::numeric-string", "emit::out-of-range"]
    );
    // Under PM2's own minimum is said so, once.
    assert_eq!(option(":max-restarts", "-1"), ["emit::below-minimum"]);
    let err = build_with(
        r#"{:apps [{:name "a" :script "a.js" :kill-timeout 1e10}]}"#,
        None,
        false,
    )
    .unwrap_err()
    .remove(0);
    assert_eq!(
        err.to_string(),
        "kill_timeout is 10000000000.0; PM2 reads an integer from 0 to 2147483647 here"
    );
}

/// Found by trying: `:kill-timeout 1600.0M` was written into the PM2 file as the string
/// "1600.0" (and `:max-restarts 0M` as "0", which PM2 then lost). Big decimals, big
/// integers and ratios of number options are written as the numbers they are, when a
/// double holds them; else they are errors.
#[test]
fn decimals_and_ratios_of_number_options_are_written_as_numbers() {
    let b = built(
        r#"{:apps [{:name "a" :script "a.js" :kill-timeout 1600.0M :max-restarts 0M :instances 2N
                  :min-uptime 2001/2 :max-memory-restart 1E3M :restart-delay 25E1M
                  :stop-exit-codes [0 143.0M 3N] :env {:RATE 1.50M}}]}"#,
    );
    assert_eq!(
        apps_json(&b)[0],
        json!({"name": "a", "script": "a.js", "kill_timeout": 1600, "max_restarts": 0, "maxRestarts": 0,
               "instances": 2, "min_uptime": 1000.5, "max_memory_restart": 1000, "restart_delay": 250,
               "stop_exit_codes": [0, 143, 3], "env": {"RATE": "1.50"}})
    );
    let option = |option: &str, value: &str| {
        codes(
            &format!(r#"{{:apps [{{:name "a" :script "a.js" {option} {value}}}]}}"#),
            None,
        )
    };
    for (name, value) in [
        (":min-uptime", "1000/3"),
        (":min-uptime", "100.0000000000000000000001M"),
        (":max-memory-restart", "1E-4400481630444M"),
    ] {
        assert_eq!(option(name, value), ["emit::inexact-number"], "{name} {value}");
    }
    for (name, value) in [
        (":instances", "1/2"),
        (":max-restarts", "1.5M"),
        (":min-uptime", "1E400M"),
        (":min-uptime", "888818144444447E4400481630444M"),
    ] {
        assert_eq!(option(name, value), ["emit::out-of-range"], "{name} {value}");
    }
    let err = build_with(
        r#"{:apps [{:name "a" :script "a.js" :min-uptime 1000/3}]}"#,
        None,
        false,
    )
    .unwrap_err()
    .remove(0);
    assert_eq!(
        err.to_string(),
        "min_uptime is 1000/3, which JavaScript would read as 333.3333333333333"
    );
}
