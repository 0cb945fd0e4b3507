//! Snapshot tests of rendered read errors (miette's graphical report, no colour, 80
//! columns, lines not wrapped: how textwrap wraps depends on which of its features a build
//! unifies, and these tests must pass alone and in the workspace alike).

use miette::{GraphicalReportHandler, GraphicalTheme};
use pm2_dsl_reader::{Source, read_all};

fn report(name: &str, text: &str) -> String {
    let err = read_all(&Source::standalone(name, text.to_string())).expect_err("input must be rejected");
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(80)
        .with_wrap_lines(false)
        .render_report(&mut out, &err)
        .unwrap();
    out
}

#[test]
fn unclosed_vector_points_at_the_end_and_the_opener() {
    insta::assert_snapshot!(report(
        "apps.pm2.edn",
        "{:apps [{:name \"api\"\n        :script \"a.js\"}\n"
    ));
}

#[test]
fn mismatched_delimiter() {
    insta::assert_snapshot!(report("apps.pm2.edn", "{:apps [{:name \"api\"}}}"));
}

#[test]
fn duplicate_key_shows_both_keys() {
    insta::assert_snapshot!(report(
        "apps.pm2.edn",
        "{:name \"api\"\n :script \"a.js\"\n :name \"web\"}"
    ));
}

#[test]
fn bad_escape() {
    insta::assert_snapshot!(report("apps.pm2.edn", r#"{:cwd "C:\projects\api"}"#));
}

#[test]
fn unsupported_anonymous_function() {
    insta::assert_snapshot!(report("apps.pm2.edn", "(map #(str % \"-x\") names)"));
}

#[test]
fn odd_map() {
    insta::assert_snapshot!(report("apps.pm2.edn", "{:name \"api\" :script}"));
}

#[test]
fn bad_number() {
    insta::assert_snapshot!(report("apps.pm2.edn", "{:port 80a}"));
}

#[test]
fn too_deep() {
    insta::assert_snapshot!(report("deep.edn", &"[".repeat(200)));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(report("apps.pm2.edn", "{:name \"api}\n"));
}
