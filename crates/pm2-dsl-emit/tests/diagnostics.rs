//! Snapshot tests of rendered ecosystem diagnostics (miette's graphical report, no colour, 80
//! columns, lines not wrapped: how textwrap wraps depends on which of its features a build
//! unifies, and these tests must pass alone and in the workspace alike).

mod common;

use miette::{GraphicalReportHandler, GraphicalTheme};

fn report(text: &str, profile: Option<&str>) -> String {
    let problems = match common::build_with(text, profile, false) {
        Ok(built) => built.warnings,
        Err(errors) => errors,
    };
    assert!(!problems.is_empty(), "expected a problem");
    // As the command prints them: the documentation link goes to editors (as the
    // diagnostic's url), not into the text.
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(80)
        .with_wrap_lines(false)
        .with_urls(false);
    let mut out = String::new();
    for problem in &problems {
        handler.render_report(&mut out, problem).unwrap();
    }
    out
}

#[test]
fn unknown_key_with_suggestion() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\"\n         :script \"server.js\"\n         :max-memory-restrat \"1G\"}]}",
        None
    ));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :autorestart \"yes\"}]}",
        None
    ));
}

#[test]
fn bad_memory_size() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :max-memory-restart \"1GB\"}]}",
        None
    ));
}

#[test]
fn min_uptime_below_minimum() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :min-uptime 10}]}",
        None
    ));
}

#[test]
fn bad_exec_mode() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :exec-mode :threads}]}",
        None
    ));
}

#[test]
fn bad_cron() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :cron-restart \"0 25 * * *\"}]}",
        None
    ));
}

#[test]
fn nested_env_value() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\"\n         :env {:DB {:host \"db\" :port 5432}}}]}",
        None
    ));
}

#[test]
fn env_file_is_not_an_option() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :env_file \".env\"}]}",
        None
    ));
}

#[test]
fn duplicate_app_names() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\"}\n        {:name \"api\" :script \"b.js\"}]}",
        None
    ));
}

#[test]
fn missing_script() {
    insta::assert_snapshot!(report("{:apps [{:name \"api\" :instances 2}]}", None));
}

#[test]
fn unknown_profile() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\"}]\n :profiles {:prod {} :staging {}}}",
        Some("prd")
    ));
}

#[test]
fn trace_installs_packages() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :trace true}]}",
        None
    ));
}

/// Found by trying: `"A=B"` reached the app as variable `A` with the value `B=...`, and
/// names with spaces or control characters went through without a word.
#[test]
fn env_names_the_os_would_mangle() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\"\n         :env {\"A=B\" \"1\" \"\" \"2\" \"LOG LEVEL\" \"info\" \"X\\u0000\" 1 \"log-level\" \"debug\" :npm_config_x 1}}]}",
        None
    ));
}

/// Found by trying: an app name with a newline wrote a line of its own into pm2's output.
#[test]
fn app_name_with_a_control_character() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\\n[PM2] App [db] online\" :script \"a.js\"}]}",
        None
    ));
}

/// Found by trying: `:kill-timeout 1e10` went to node's timers, which fire it after 1 ms.
#[test]
fn number_out_of_range() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\"\n         :kill-timeout 1e10 :instances 2.5}]}",
        None
    ));
}

#[test]
fn inexact_number() {
    insta::assert_snapshot!(report(
        "{:apps [{:name \"api\" :script \"a.js\" :min-uptime 1000/3}]}",
        None
    ));
}
