//! Environment tags and secrets: `#dotenv`, `#dotenv?` and `(dotenv ...)`, `#env!`,
//! the record of unset variables, `#secret` (what every printer shows, and how secrecy
//! follows a value through functions), and `#venv`.

use pm2_dsl_eval::{Env, EvalError, EvalOptions, Evaluator, FsLoader, MemoryLoader, Value};
use pm2_dsl_reader::{Source, read_all};

fn data(text: &str) -> Value {
    Value::from_form(&read_all(&Source::standalone("expected", text.to_string())).unwrap()[0])
}

fn run_in(loader: MemoryLoader, text: &str) -> Result<Value, EvalError> {
    Evaluator::new(EvalOptions::new(), loader).eval_str("/p/main.pm2.edn", text)
}

#[track_caller]
fn check_in(loader: MemoryLoader, text: &str, expected: &str) {
    let value = run_in(loader, text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    assert_eq!(value, data(expected), "{text} gave {value}");
}

fn with_env(dotenv: &str) -> MemoryLoader {
    MemoryLoader::new().with_file("/p/.env", dotenv)
}

#[test]
fn dotenv_reads_a_file_as_a_map_of_keywords_to_strings() {
    let env = "# database\nexport DB_HOST=db.local\nDB_PORT=5432\nGREETING='hello $USER'\nMOTD=\"two\\nlines\"\nEMPTY=\nURL=\"pg://${DB_HOST}:${DB_PORT}\" # comment\n";
    check_in(
        with_env(env),
        "#dotenv \".env\"",
        r#"{:DB_HOST "db.local" :DB_PORT "5432" :GREETING "hello $USER" :MOTD "two
lines" :EMPTY "" :URL "pg://db.local:5432"}"#,
    );
    check_in(
        with_env("PORT=1\nPORT=2\n"),
        "(merge #dotenv \".env\" {:NODE_ENV \"production\"})",
        r#"{:PORT "2" :NODE_ENV "production"}"#,
    );
    check_in(with_env("A=1\n"), "(dotenv \".env\")", r#"{:A "1"}"#);
}

#[test]
fn dotenv_paths_are_relative_to_the_file_that_names_them() {
    let loader = MemoryLoader::new()
        .with_file("/p/lib/base.edn", "(def vars #dotenv \"app.env\")")
        .with_file("/p/lib/app.env", "FROM=lib\n")
        .with_file("/p/.env", "FROM=main\n");
    check_in(
        loader,
        "(import \"lib/base.edn\" :as base) [base/vars #dotenv \".env\"]",
        r#"[{:FROM "lib"} {:FROM "main"}]"#,
    );
}

#[test]
fn a_missing_dotenv_file_is_an_error_unless_optional() {
    let e = run_in(MemoryLoader::new(), "{:env #dotenv \".env\"}").unwrap_err();
    assert_eq!(e.code(), "eval::dotenv-not-found");
    assert_eq!(e.to_string(), "cannot find .env file \".env\"");
    check_in(MemoryLoader::new(), "#dotenv? \".env.local\"", "{}");
    check_in(MemoryLoader::new(), "(dotenv? \".env.local\")", "{}");
    let e = run_in(MemoryLoader::new(), "(dotenv \".env\")").unwrap_err();
    assert_eq!(e.code(), "eval::dotenv-not-found");
}

#[test]
fn a_dotenv_syntax_error_is_labelled_in_the_dotenv_file() {
    let mut evaluator = Evaluator::new(EvalOptions::new(), with_env("A=1\nPASSWORD=two words\n"));
    let e = evaluator
        .eval_str("/p/main.pm2.edn", "{:env #dotenv \".env\"}")
        .unwrap_err();
    assert_eq!(e.code(), "eval::dotenv-syntax");
    let source = e.source_text().expect("the .env file is the error's source");
    assert_eq!(source.name(), "/p/.env");
    assert_eq!(source.slice(e.span().unwrap()), "w");
    assert_eq!(e.notes().len(), 1, "a note points at the #dotenv that read it");
    assert!(!e.to_string().contains("words"), "{e}");
}

/// `$NAME` in a `.env` file is an earlier line, else the evaluator's environment (the
/// one `#env` reads), never the process's: PATH is set in this test process, and is not
/// in the evaluator's environment unless given.
#[test]
fn dotenv_expansion_reads_earlier_lines_then_the_given_environment_only() {
    assert!(std::env::var_os("PATH").is_some());
    let text = "A=file\nB=${A}-x\nC=${PATH}-x\nD=$GIVEN\n";
    let program = "[#dotenv \".env\" #env PATH]";
    check_in(
        with_env(text),
        program,
        r#"[{:A "file" :B "file-x" :C "-x" :D ""} nil]"#,
    );
    let env = Env::empty()
        .with("A", "env")
        .with("PATH", "/given/bin")
        .with("GIVEN", "yes");
    let value = Evaluator::new(EvalOptions::new().env(env), with_env(text))
        .eval_str("/p/main.pm2.edn", program)
        .unwrap();
    assert_eq!(
        value,
        data(r#"[{:A "file" :B "file-x" :C "/given/bin-x" :D "yes"} "/given/bin"]"#)
    );
}

#[test]
fn an_unclosed_dotenv_brace_is_labelled_at_its_dollar() {
    let mut evaluator = Evaluator::new(EvalOptions::new(), with_env("A=1\nB=\"${A\"\n"));
    let e = evaluator
        .eval_str("/p/main.pm2.edn", "{:env #dotenv \".env\"}")
        .unwrap_err();
    assert_eq!(e.code(), "eval::dotenv-syntax");
    let source = e.source_text().expect("the .env file is the error's source");
    assert_eq!(source.slice(e.span().unwrap()), "$");
}

#[test]
fn files_read_by_dotenv_count_as_files_the_source_read() {
    let loader = with_env("A=1\n").with_file("/p/lib.edn", "#dotenv? \"lib.env\"");
    let mut evaluator = Evaluator::new(EvalOptions::new(), loader);
    evaluator
        .eval_str(
            "/p/main.pm2.edn",
            "[#dotenv \".env\" #include \"lib.edn\" #dotenv \".env\"]",
        )
        .unwrap();
    let files = evaluator.loaded_files();
    let locations: Vec<&str> = files.iter().map(|f| f.location.as_str()).collect();
    assert_eq!(
        locations,
        ["/p/main.pm2.edn", "/p/lib.edn", "/p/.env", "/p/lib.env"]
    );
    assert_eq!(files[0].imports, ["/p/lib.edn", "/p/.env"]);
    assert_eq!(
        files[1].imports,
        ["/p/lib.env"],
        "a #dotenv? file that is missing counts"
    );
}

#[test]
fn dotenv_files_go_through_the_loader_and_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.env"), [b'A', b'=', 0xff, b'\n']).unwrap();
    let main = dir.path().join("main.pm2.edn");
    std::fs::write(&main, "#dotenv \"bad.env\"").unwrap();
    let e = Evaluator::new(EvalOptions::new(), FsLoader::new())
        .eval_file(main.to_str().unwrap())
        .unwrap_err();
    assert_eq!(e.code(), "eval::import-io", "{e:?}");
    assert!(e.span().is_some(), "labelled at the tag");
}

#[test]
fn env_bang_requires_its_variable() {
    let options = EvalOptions::new().env(Env::empty().with("SET", "").with("PORT", "80"));
    let mut evaluator = Evaluator::new(options.clone(), MemoryLoader::new());
    let value = evaluator
        .eval_str("/p/main.pm2.edn", "[#env! SET #env! \"PORT\"]")
        .unwrap();
    assert_eq!(value, data(r#"["" "80"]"#));
    let text = "{:env {:DB #env! DATABASE_URL}}";
    let e = Evaluator::new(options, MemoryLoader::new())
        .eval_str("/p/main.pm2.edn", text)
        .unwrap_err();
    assert_eq!(e.code(), "eval::env-required");
    assert!(e.to_string().contains("DATABASE_URL"), "{e}");
    let at = e.span().unwrap();
    assert_eq!(&text[at.start as usize..at.end as usize], "#env! DATABASE_URL");
}

#[test]
fn unset_variables_are_recorded_with_where_they_were_read() {
    let text = "[#env A (env \"B\") (env \"C\" 1) #or [#env D 2] #env E]";
    let options = EvalOptions::new().env(Env::empty().with("E", "set"));
    let mut evaluator = Evaluator::new(options, MemoryLoader::new());
    evaluator.eval_str("/p/main.pm2.edn", text).unwrap();
    let unset: Vec<(&str, &str)> = evaluator
        .unset_env()
        .iter()
        .map(|u| (u.name.as_str(), &text[u.at.start as usize..u.at.end as usize]))
        .collect();
    assert_eq!(
        unset,
        [
            ("A", "#env A"),
            ("B", "(env \"B\")"),
            ("C", "(env \"C\" 1)"),
            ("D", "#env D")
        ]
    );
}

fn secret_run(text: &str) -> Value {
    let options = EvalOptions::new().env(Env::empty().with("DB_PASSWORD", "hunter2"));
    Evaluator::new(options, with_env("TOKEN=tok-123\nUSER=app\n"))
        .eval_str("/p/main.pm2.edn", text)
        .unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

/// Every way a value is shown: EDN (compact and pretty), `Debug`, `Display` and JSON.
fn shown(value: &Value) -> String {
    format!(
        "{}\n{}\n{value:?}\n{value}\n{}",
        value.to_edn(),
        value.to_edn_pretty(40),
        serde_json::to_string(value).unwrap()
    )
}

#[test]
fn a_secret_is_never_shown() {
    let value = secret_run("{:env {:DB_PASSWORD #secret #env DB_PASSWORD :PORT 80}}");
    let text = shown(&value);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(value.to_edn().contains(r#":DB_PASSWORD #secret "•••""#), "{text}");
    assert!(text.contains(r#""DB_PASSWORD":"<secret>""#), "{text}");
    assert!(text.contains(":PORT 80"), "what is not secret shows");
    let revealed = value.revealed();
    assert!(revealed.to_edn().contains("hunter2"));
    assert_eq!(revealed, value, "secrecy is not part of a value's equality");
}

#[test]
fn secrecy_follows_what_is_made_from_a_secret() {
    let cases = [
        "(str \"postgres://app:\" #secret #env DB_PASSWORD \"@db\")",
        "#join [\"x\" #secret #env DB_PASSWORD]",
        "(format \"pw=%s\" #secret #env DB_PASSWORD)",
        "(str/upper-case #secret #env DB_PASSWORD)",
        "(vec #secret #env DB_PASSWORD)",
        "(for [c #secret #env DB_PASSWORD] c)",
        "(:TOKEN #secret #dotenv \".env\")",
        "(get (merge #secret #dotenv \".env\" {:PORT 1}) :TOKEN)",
        "(let [{:keys [TOKEN]} #secret #dotenv \".env\"] TOKEN)",
        "(str {:pw #secret \"tok-123\"})",
        "#keyword #secret #env DB_PASSWORD",
        "((fn [x] (str x \"!\")) #secret #env DB_PASSWORD)",
    ];
    for case in cases {
        let value = secret_run(case);
        let text = shown(&value);
        assert!(
            !text.contains("hunter2") && !text.contains("tok-123") && !text.contains("HUNTER2"),
            "{case} shows a secret: {text}"
        );
        let revealed = value.revealed().to_edn();
        assert!(
            revealed.contains("hunter2")
                || revealed.contains("HUNTER2")
                || revealed.contains("tok-123")
                || revealed.contains("\\h"),
            "{case}: the value is still there: {revealed}"
        );
    }
}

#[test]
fn a_secret_map_shows_its_keys_once_merged() {
    let value = secret_run("(merge #secret #dotenv \".env\" {:NODE_ENV \"production\"})");
    assert_eq!(
        value.to_edn(),
        r#"{:TOKEN #secret "•••" :USER #secret "•••" :NODE_ENV "production"}"#
    );
    let whole = secret_run("#secret #dotenv \".env\"");
    assert_eq!(whole.to_edn(), r#"#secret "•••""#);
    assert_eq!(
        serde_json::to_string(&whole.revealed()).unwrap(),
        r#"{"TOKEN":"tok-123","USER":"app"}"#
    );
}

#[test]
fn the_writer_of_pm2_files_writes_secrets() {
    let value = secret_run("{:pw #secret #env DB_PASSWORD}");
    let written = serde_json::to_string(&pm2_dsl_eval::NullForNonData(&value)).unwrap();
    assert_eq!(written, r#"{"pw":"hunter2"}"#);
}

#[test]
fn an_error_about_a_secret_does_not_quote_it() {
    let options = EvalOptions::new().env(Env::empty().with("PORT", "not-a-port-hunter2"));
    let e = Evaluator::new(options, MemoryLoader::new())
        .eval_str("/p/main.pm2.edn", "#long #secret #env PORT")
        .unwrap_err();
    assert_eq!(e.code(), "eval::coercion");
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
}

#[test]
fn venv_finds_the_python_of_a_virtual_environment() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.pm2.edn");
    std::fs::write(&main, "#venv \".venv\"").unwrap();
    let eval = || Evaluator::new(EvalOptions::new(), FsLoader::new()).eval_file(main.to_str().unwrap());
    assert_eq!(eval().unwrap(), Value::string("python3"), "no venv: python3");
    std::fs::create_dir_all(dir.path().join(".venv/bin")).unwrap();
    let e = eval().unwrap_err();
    assert_eq!(e.code(), "eval::venv-without-python");
    std::fs::write(dir.path().join(".venv/bin/python"), "").unwrap();
    assert_eq!(eval().unwrap(), Value::string(".venv/bin/python"));

    let loader = MemoryLoader::new().with_file("/p/py/.venv/bin/python", "");
    check_in(loader, "#venv \"py/.venv/\"", "\"py/.venv/bin/python\"");
}

#[cfg(unix)]
#[test]
fn hostile_dotenv_files_are_labelled_errors() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.pm2.edn");
    let fifo = dir.path().join("fifo.env");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(dir.path().join("huge.env"), "A=1\n".repeat(64 << 10)).unwrap();
    std::fs::create_dir(dir.path().join("folder.env")).unwrap();
    std::fs::write(dir.path().join("binary.env"), b"A=\xff\xfe\n").unwrap();
    let locked = dir.path().join("locked.env");
    std::fs::write(&locked, "A=1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let loader = FsLoader::new().max_file_bytes(64 << 10);
    for (file, says) in [
        ("fifo.env", "not a regular file"),
        ("huge.env", "more than the limit"),
        ("folder.env", "not a regular file"),
        ("/proc/self/environ", "pseudo-file"),
        ("binary.env", "not UTF-8"),
        ("locked.env", "Permission denied"),
    ] {
        std::fs::write(&main, format!("#dotenv \"{file}\"")).unwrap();
        let started = std::time::Instant::now();
        // As a user that file modes apply to (root reads locked.env).
        let e = pm2_clj_testkit::unprivileged(|| {
            Evaluator::new(EvalOptions::new(), loader.clone()).eval_file(main.to_str().unwrap())
        })
        .unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{file}");
        assert_eq!(e.code(), "eval::import-io", "{file}: {e:?}");
        assert!(format!("{:?}", e.kind()).contains(says), "{file}: {:?}", e.kind());
        assert!(e.span().is_some(), "labelled at the tag");
    }
}

#[test]
fn a_confined_loader_reads_no_dotenv_and_finds_no_venv_outside_its_root() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join(".env"), "SECRET=1\n").unwrap();
    std::fs::create_dir_all(outside.path().join(".venv/bin")).unwrap();
    std::fs::write(outside.path().join(".venv/bin/python"), "").unwrap();
    let root = tempfile::tempdir().unwrap();
    let main = root.path().join("main.pm2.edn");
    let out = outside.path().display();
    std::fs::write(&main, format!("#dotenv \"{out}/.env\"")).unwrap();
    let loader = FsLoader::new().confined_to(root.path()).unwrap();
    let e = Evaluator::new(EvalOptions::new(), loader.clone())
        .eval_file(main.to_str().unwrap())
        .unwrap_err();
    assert_eq!(e.code(), "eval::outside-root");
    std::fs::write(&main, format!("#venv \"{out}/.venv\"")).unwrap();
    let value = Evaluator::new(EvalOptions::new(), loader)
        .eval_file(main.to_str().unwrap())
        .unwrap();
    assert_eq!(value, Value::string("python3"));
}
