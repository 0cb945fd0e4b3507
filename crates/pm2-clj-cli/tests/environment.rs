//! Environments, secrets and checks from the command line, without pm2: `.env` files,
//! `#env!` and unset variables (`--strict-env`), secrets absent from everything printed
//! (`eval`, `read`, `check`, diagnostics in every format, `--set`) except
//! `eval --show-secrets` and the rendered file (mode 0600), and the pre-flight.

use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "hunter2-Very-Secret";
const TOKEN: &str = "tok-5f1b9c";

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("DB_PASSWORD", PASSWORD)
        .env_remove("DATABASE_URL")
        .env_remove("PM2_BIN")
        .output()
        .expect("run pm2-clj")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn project(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("server.js"), "").unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("# local settings\nexport TOKEN={TOKEN}\nGREETING='hello world'\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("app.pm2.edn"), main).unwrap();
    dir
}

const APP: &str = r#"(def password #secret #env DB_PASSWORD)
{:apps [{:name "api" :script "server.js"
         :env (merge #secret #dotenv ".env"
                     {:DB_URL (str "postgres://app:" password "@db/app") :PORT 8080})}]}
"#;

#[test]
fn secrets_are_never_printed() {
    let dir = project(APP);
    let broken = r#"(def password #secret #env DB_PASSWORD)
{:apps [{:name "api" :script "server.js" :max-memory-restart password :instances password
         :env {:A (str password "x")} :cron-restart password}]}
"#;
    std::fs::write(dir.path().join("broken.pm2.edn"), broken).unwrap();
    std::fs::write(
        dir.path().join("coerce.pm2.edn"),
        "{:port #long #secret #env DB_PASSWORD}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("literal.pm2.edn"),
        format!("{{:token #secret \"{TOKEN}\"}}"),
    )
    .unwrap();
    let runs: &[&[&str]] = &[
        &["eval", "app.pm2.edn"],
        &["eval", "app.pm2.edn", "--format", "json"],
        &[
            "eval",
            "app.pm2.edn",
            "--set",
            "apps.api.env.TOKEN=new-token-value",
        ],
        &["check", "app.pm2.edn"],
        &["render", "app.pm2.edn", "-o", "out/ecosystem.config.cjs"],
        &["read", "literal.pm2.edn"],
        &["read", "literal.pm2.edn", "--format", "json"],
        &["eval", "literal.pm2.edn"],
        &["check", "broken.pm2.edn"],
        &["check", "broken.pm2.edn", "--message-format", "json"],
        &["check", "broken.pm2.edn", "--message-format", "short"],
        &["eval", "coerce.pm2.edn"],
        &["eval", "coerce.pm2.edn", "--message-format", "json"],
    ];
    let mut errors = 0;
    for args in runs {
        let out = cli(dir.path(), args);
        errors += usize::from(!out.status.success());
        let text = said(&out);
        for secret in [PASSWORD, TOKEN, "new-token-value"] {
            assert!(
                !text.contains(secret),
                "pm2-clj {} printed {secret}:\n{text}",
                args.join(" ")
            );
        }
    }
    assert_eq!(errors, 5, "the broken files fail, and say why without the secret");
    let broken = said(&cli(dir.path(), &["check", "broken.pm2.edn"]));
    assert!(
        broken.contains("emit::bad-format") && broken.contains("#secret \"•••\""),
        "{broken}"
    );

    let shown = said(&cli(dir.path(), &["eval", "app.pm2.edn", "--show-secrets"]));
    assert!(shown.contains(PASSWORD) && shown.contains(TOKEN), "{shown}");
    let eval = said(&cli(dir.path(), &["eval", "app.pm2.edn"]));
    assert!(
        eval.contains(":TOKEN #secret \"•••\"") && eval.contains(":PORT 8080"),
        "{eval}"
    );
    let json = said(&cli(dir.path(), &["eval", "app.pm2.edn", "--format", "json"]));
    assert!(json.contains("\"DB_URL\": \"<secret>\""), "{json}");
    let rendered = std::fs::read_to_string(dir.path().join("out/ecosystem.config.cjs")).unwrap();
    assert!(
        rendered.contains(&format!("postgres://app:{PASSWORD}@db/app")),
        "pm2 needs the value"
    );
    assert!(rendered.contains(TOKEN));
}

#[cfg(unix)]
#[test]
fn rendered_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(APP);
    let out = cli(
        dir.path(),
        &["render", "app.pm2.edn", "-o", "ecosystem.config.json"],
    );
    assert!(out.status.success(), "{}", said(&out));
    let mode = std::fs::metadata(dir.path().join("ecosystem.config.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_dotenv_syntax_error_points_into_the_dotenv_file() {
    let dir = project("{:apps [{:name \"api\" :script \"server.js\" :env #dotenv \"bad.env\"}]}");
    std::fs::write(dir.path().join("bad.env"), "A=1\nSECRET=two words\n").unwrap();
    let out = cli(dir.path(), &["check", "app.pm2.edn", "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["code"], "eval::dotenv-syntax");
    assert!(line["file"].as_str().unwrap().ends_with("bad.env"), "{line}");
    assert_eq!(
        (line["line"].as_u64(), line["column"].as_u64()),
        (Some(2), Some(12))
    );
    assert!(!line["message"].as_str().unwrap().contains("words"));
    let optional = project("{:apps [{:name \"api\" :script \"server.js\" :env #dotenv? \"none.env\"}]}");
    let out = cli(optional.path(), &["check", "app.pm2.edn"]);
    assert!(out.status.success(), "{}", said(&out));
}

/// `${NAME}` in a `.env` file reads the environment the evaluator is given: the process's
/// by default, none with `--no-process-env`, and `--env` on top of either.
#[test]
fn dotenv_expansion_reads_the_evaluators_environment_not_the_process() {
    let dir = project("#dotenv \".env\"");
    std::fs::write(
        dir.path().join(".env"),
        "A=${PM2_CLJ_TEST_DOTENV_A}-x\nB=$A+${PM2_CLJ_TEST_DOTENV_B}\n",
    )
    .unwrap();
    let eval = |extra: &[&str]| {
        let mut args = vec!["eval", "app.pm2.edn", "--format", "json"];
        args.extend(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .args(&args)
            .current_dir(dir.path())
            .env("PM2_CLJ_TEST_DOTENV_A", "from-process")
            .env_remove("PM2_CLJ_TEST_DOTENV_B")
            .output()
            .expect("run pm2-clj");
        assert!(out.status.success(), "{extra:?}: {}", said(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let vars = |a: &str, b: &str| serde_json::json!({"A": a, "B": b});
    assert_eq!(eval(&[]), vars("from-process-x", "from-process-x+"));
    assert_eq!(eval(&["--no-process-env"]), vars("-x", "-x+"));
    assert_eq!(
        eval(&[
            "--no-process-env",
            "--env",
            "PM2_CLJ_TEST_DOTENV_A=given",
            "--env",
            "PM2_CLJ_TEST_DOTENV_B=b"
        ]),
        vars("given-x", "given-x+b")
    );
}

#[test]
fn unset_variables_warn_and_strict_env_refuses() {
    let dir =
        project("{:apps [{:name \"api\" :script \"server.js\" :env {:DATABASE_URL #env DATABASE_URL}}]}");
    let out = cli(dir.path(), &["check", "app.pm2.edn"]);
    assert!(out.status.success(), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains("emit::unset-env")
            && text.contains("environment variable DATABASE_URL is not set")
            && text.contains("app \"api\""),
        "{text}"
    );
    let out = cli(dir.path(), &["check", "app.pm2.edn", "--strict-env"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let out = cli(dir.path(), &["start", "app.pm2.edn", "--strict-env"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "refused before pm2 is asked: {}",
        said(&out)
    );
    let required = project("{:apps [{:name \"api\" :script \"server.js\" :env {:DB #env! DATABASE_URL}}]}");
    let out = cli(required.path(), &["render", "app.pm2.edn"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(said(&out).contains("eval::env-required"), "{}", said(&out));
}

#[test]
fn preflight_warns_on_check_and_refuses_on_the_verbs() {
    let dir = project("{:apps [{:name \"api\" :script \"sever.js\" :cwd \".\"}]}");
    let out = cli(dir.path(), &["check", "app.pm2.edn"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("preflight::missing-script"), "{}", said(&out));
    let out = cli(dir.path(), &["check", "app.pm2.edn", "--no-preflight"]);
    assert!(!said(&out).contains("preflight"), "{}", said(&out));
    for verb in ["start", "reload"] {
        let out = cli(dir.path(), &[verb, "app.pm2.edn"]);
        assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        let text = said(&out);
        assert!(
            text.contains("preflight::missing-script") && text.contains("sever.js"),
            "{text}"
        );
    }
}
