//! Snapshot tests of rendered evaluation errors (miette's graphical report, no colour, 80
//! columns, lines not wrapped: how textwrap wraps depends on which of its features a build
//! unifies, and these tests must pass alone and in the workspace alike).

use miette::{GraphicalReportHandler, GraphicalTheme};
use pm2_dsl_eval::{Env, EvalOptions, Evaluator, MemoryLoader};

fn report_with(options: EvalOptions, loader: MemoryLoader, main: &str) -> String {
    let err = Evaluator::new(options, loader)
        .eval_str("main.pm2.edn", main)
        .expect_err("the program must fail");
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(80)
        .with_wrap_lines(false)
        .render_report(&mut out, &err)
        .unwrap();
    out
}

fn report(main: &str) -> String {
    report_with(EvalOptions::new(), MemoryLoader::new(), main)
}

#[test]
fn unbound_symbol_with_suggestion() {
    insta::assert_snapshot!(report(
        "(def base-app {:script \"a.js\"})\n(merge base-ap {:name \"api\"})"
    ));
}

#[test]
fn wrong_argument_type() {
    insta::assert_snapshot!(report("{:apps [{:name \"api\" :instances (inc \"4\")}]}"));
}

#[test]
fn wrong_arity() {
    insta::assert_snapshot!(report(
        "(defn app [name script] {:name name :script script})\n(app \"api\")"
    ));
}

#[test]
fn coercion_of_a_missing_env_var() {
    insta::assert_snapshot!(report_with(
        EvalOptions::new().env(Env::empty()),
        MemoryLoader::new(),
        "{:apps [{:name \"api\" :env {:PORT #long #env PORT}}]}"
    ));
}

#[test]
fn missing_import() {
    insta::assert_snapshot!(report("(import \"base.pm2.edn\")"));
}

#[test]
fn import_cycle() {
    let loader = MemoryLoader::new().with_file("base.pm2.edn", "(import \"main.pm2.edn\")");
    insta::assert_snapshot!(report_with(
        EvalOptions::new(),
        loader,
        "(import \"base.pm2.edn\")"
    ));
}

#[test]
fn error_inside_an_imported_file() {
    let loader =
        MemoryLoader::new().with_file("lib/base.pm2.edn", "{:script \"a.js\"\n :instances (inc \"x\")}");
    insta::assert_snapshot!(report_with(
        EvalOptions::new(),
        loader,
        "(merge\n  (import \"lib/base.pm2.edn\")\n  {:name \"api\"})"
    ));
}

#[test]
fn runaway_recursion() {
    insta::assert_snapshot!(report("(defn loop-forever [] (loop-forever))\n(loop-forever)"));
}

#[test]
fn unknown_tag() {
    insta::assert_snapshot!(report("{:port #evn PORT}"));
}

#[test]
fn dangling_ref() {
    insta::assert_snapshot!(report("{:port 80 :url #ref [:prot]}"));
}

#[test]
fn function_left_in_the_result() {
    insta::assert_snapshot!(report("(defn app [n] {:name n})\n{:apps [app]}"));
}

#[test]
fn read_error_in_a_file() {
    insta::assert_snapshot!(report("{:apps [{:name \"api\"}}"));
}

/// Found by trying: `#include "/etc/shadow"` printed the file's lines in the error's
/// snippet (and its first word in the message). A file that is not an EDN source is
/// evaluated, but never shown.
#[test]
fn a_file_that_is_not_an_edn_source_is_never_shown() {
    for secret in [
        "root:hunter2:0:0\nuser:pw:1\n",
        "{:a hunter2 \"user:pw\"}",
        "\"hunter2 user:pw",
    ] {
        let loader = MemoryLoader::new().with_file("conf/secret.txt", secret);
        let shown = report_with(EvalOptions::new(), loader, "{:x #include \"conf/secret.txt\"}");
        assert!(shown.contains("eval::not-source"), "{shown}");
        assert!(shown.contains("conf/secret.txt"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("user:pw"),
            "{shown}"
        );
    }
}

#[test]
fn required_env_var_unset() {
    insta::assert_snapshot!(report_with(
        EvalOptions::new().env(Env::empty()),
        MemoryLoader::new(),
        "{:apps [{:name \"api\" :script \"a.js\"\n         :env {:DATABASE_URL #env! DATABASE_URL}}]}"
    ));
}

#[test]
fn dotenv_syntax_error_in_the_dotenv_file() {
    insta::assert_snapshot!(report_with(
        EvalOptions::new(),
        MemoryLoader::new().with_file(".env", "# database\nDB_HOST=db.local\nDB_NAME=my app\n"),
        "{:apps [{:name \"api\" :script \"a.js\"\n         :env (merge #dotenv \".env\" {:PORT 80})}]}"
    ));
}

#[test]
fn including_a_dotenv_file_points_to_dotenv() {
    insta::assert_snapshot!(report_with(
        EvalOptions::new(),
        MemoryLoader::new().with_file(".env", "DB_PASSWORD=hunter2\n"),
        "{:apps [{:name \"api\" :script \"a.js\" :env #include \".env\"}]}"
    ));
}
