//! pm2-clj's `:health` key: the three probes and their settings, what is refused (each
//! with its code and a label on the text), and that it never reaches the PM2 file.

mod common;

use std::time::Duration;

use pm2_dsl_emit::health::{Health, Probe};
use pm2_dsl_emit::{Header, OutputFormat, render};

fn health(check: &str) -> Option<Health> {
    let text = format!("{{:apps [{{:name \"api\" :script \"a.js\" :health {check}}}]}}");
    common::built(&text).ecosystem.apps[0].health.clone()
}

fn codes(check: &str) -> Vec<&'static str> {
    common::codes(
        &format!("{{:apps [{{:name \"api\" :script \"a.js\" :health {check}}}]}}"),
        None,
    )
}

#[test]
fn the_three_probes_and_their_settings() {
    assert_eq!(
        health(
            r#"{:http "http://127.0.0.1:8080/health" :status 200 :timeout "30s" :interval "500ms" :grace 2000}"#
        ),
        Some(Health {
            probe: Probe::Http {
                url: "http://127.0.0.1:8080/health".into(),
                status: Some(200)
            },
            timeout: Some(Duration::from_secs(30)),
            interval: Some(Duration::from_millis(500)),
            grace: Some(Duration::from_secs(2)),
        })
    );
    let tcp = |check| health(check).map(|h| h.probe);
    let at = |host: &str, port| {
        Some(Probe::Tcp {
            host: host.into(),
            port,
        })
    };
    assert_eq!(tcp("{:tcp 8080}"), at("127.0.0.1", 8080));
    assert_eq!(tcp(r#"{:tcp "db.local:5432"}"#), at("db.local", 5432));
    assert_eq!(tcp(r#"{:tcp "[::1]:80"}"#), at("::1", 80));
    assert_eq!(
        health(r#"{:command ["node" "check.js"]}"#).map(|h| h.probe),
        Some(Probe::Command {
            argv: vec!["node".into(), "check.js".into()]
        })
    );
    assert_eq!(health("nil"), None, "nil means no check");
}

#[test]
fn bad_checks_are_labelled_errors() {
    let cases = [
        (r#""http://x""#, "emit::health-shape"),
        ("{}", "emit::health-shape"),
        (r#"{:tcp 80 :http "http://a/"}"#, "emit::health-shape"),
        (r#"{:tcp 80 :status 200}"#, "emit::health-shape"),
        (r#"{:url "http://a/"}"#, "emit::unknown-health-key"),
        (r#"{:http "ftp://a/"}"#, "emit::bad-format"),
        (r#"{:http 8080}"#, "emit::wrong-type"),
        ("{:tcp 70000}", "emit::bad-format"),
        (r#"{:tcp "host:port"}"#, "emit::bad-format"),
        ("{:command []}", "emit::bad-format"),
        ("{:command [\"a\" 1]}", "emit::wrong-type"),
        (r#"{:http "http://a/" :status 42}"#, "emit::bad-format"),
        (r#"{:http "http://a/" :timeout "soon"}"#, "emit::bad-format"),
        (r#"{:http "http://a/" :interval -5}"#, "emit::bad-format"),
    ];
    for (check, code) in cases {
        assert_eq!(codes(check), [code], "{check}");
    }
    let text = "{:apps [{:name \"api\" :script \"a.js\"\n :health {:tcp 80 :timout \"1s\"}}]}";
    let errors = common::build_with(text, None, false).unwrap_err();
    let e = &errors[0];
    assert_eq!(e.to_string(), ":timout is not a :health key");
    let help = miette::Diagnostic::help(e).unwrap().to_string();
    assert_eq!(help, "did you mean :timeout?");
    let span = e.span().unwrap();
    assert_eq!(&text[span.start as usize..span.end as usize], ":timout");
    let misspelt = common::codes("{:apps [{:name \"a\" :script \"a.js\" :helth {:tcp 1}}]}", None);
    assert_eq!(misspelt, ["emit::unknown-key"]);
}

#[test]
fn the_check_is_not_written_into_the_pm2_file() {
    let built = common::built(r#"{:apps [{:name "api" :script "a.js" :health {:tcp 8080}}]}"#);
    let header = Header {
        source: "a.pm2.edn".into(),
        profile: None,
    };
    for format in [OutputFormat::Json, OutputFormat::Cjs, OutputFormat::Mjs] {
        let text = render(&built.ecosystem, format, &header);
        assert!(!text.contains("health") && !text.contains("8080"), "{text}");
    }
}
