//! The systemd export, checked: golden units of the examples; every exported unit
//! passes `systemd-analyze verify` without a word; cron patterns fire when croner says,
//! as the real systemd computes them; the table is what the units say and what the
//! README shows; options without an equivalent fail, or warn with `--lossy`; hidden
//! values never land in a unit.
//!
//! The tests that run systemd's tools say in one line that they were skipped where
//! `systemd-analyze` is missing, unless `PM2_CLJ_REQUIRE_SYSTEMD=1` (set by `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;

use pm2_clj_export::table::{self, Fidelity, Target};
use pm2_clj_export::{Export, ExportErrorKind, Input, Settings, ecosystem_name, export};
use pm2_clj_sync::load::{Input as Source, LoadSettings, Loaded};
use pm2_dsl_eval::{Env, FsLoader};

fn repo() -> PathBuf {
    pm2_clj_testkit::repo_root()
}

fn settings(profile: Option<&str>, env: &[(&str, &str)]) -> LoadSettings {
    let mut e = Env::empty();
    for (k, v) in env {
        e.set(*k, *v);
    }
    LoadSettings {
        profile: profile.map(str::to_string),
        env: e,
        ..LoadSettings::default()
    }
}

/// Programs as a test machine has them: `/usr/bin/NAME`.
fn fixed_programs(name: &str) -> Option<String> {
    Some(format!("/usr/bin/{name}"))
}

/// Programs as this machine has them, anything else as `/bin/true` (verify only asks
/// that the file exists).
fn host_programs(name: &str) -> Option<String> {
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
        .map(|p| p.display().to_string())
        .or_else(|| Some("/bin/true".to_string()))
}

fn exported(loaded: &Loaded, source: &Path, profile: Option<&str>, settings: &Settings) -> Export {
    let name = ecosystem_name(source);
    let input = Input::new(&name, &loaded.built.ecosystem, source, profile)
        .with_sources(loaded.evaluated.evaluator.sources());
    export(&[input], settings)
}

fn shown(export: &Export) -> String {
    let root = repo().display().to_string();
    let mut out = String::new();
    for file in &export.files {
        let private = if file.private { " (private)" } else { "" };
        out.push_str(&format!(
            "===== {}{private}\n{}\n",
            file.name,
            file.content.replace(&root, "<repo>")
        ));
    }
    for problem in &export.problems {
        out.push_str(&format!("----- {}: {}\n", problem.code(), problem));
    }
    out
}

#[test]
fn golden_units_of_the_examples() {
    for (file, profile) in [
        ("examples/export/shop.pm2.edn", None),
        ("examples/api.pm2.edn", Some("prod")),
    ] {
        let source = repo().join(file);
        let loaded = Source::file(&source)
            .load(&settings(profile, &[]))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let export = exported(
            &loaded,
            &source,
            profile,
            &Settings::new(Target::Systemd, &fixed_programs),
        );
        assert!(!export.failed(), "{file}: {:?}", export.problems);
        insta::assert_snapshot!(ecosystem_name(&source), shown(&export));
    }
}

/// Whether systemd's tools can run here; one line when they cannot.
fn systemd_analyze() -> bool {
    let found = Command::new("systemd-analyze").arg("--version").output().is_ok();
    if !found {
        if std::env::var_os("PM2_CLJ_REQUIRE_SYSTEMD").is_some_and(|v| v == "1") {
            panic!("systemd-analyze is not installed (apt-get install systemd)");
        }
        eprintln!("skipped: systemd-analyze is not installed");
    }
    found
}

/// `systemd-analyze verify` of every unit in `dir`: its whole output (it warns and still
/// exits 0 on unknown keys and bad values, so any line is a failure).
fn verify(dir: &Path) -> String {
    let units: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| [".service", ".target", ".timer"].iter().any(|s| n.ends_with(s)))
        .map(|n| format!("./{n}"))
        .collect();
    assert!(!units.is_empty());
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .current_dir(dir)
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() && text.is_empty() {
        text = format!("exit status {}", out.status);
    }
    text
}

fn write(export: &Export, dir: &Path) {
    for file in &export.files {
        let path = dir.join(&file.name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.content).unwrap();
    }
}

#[test]
fn every_unit_of_every_example_passes_systemd_analyze_verify() {
    if !systemd_analyze() {
        return;
    }
    let examples = pm2_clj_testkit::files_under(&repo().join("examples"), &[".pm2.edn"]);
    assert!(examples.len() >= 8, "{examples:?}");
    let mut failures = Vec::new();
    for (i, source) in examples.iter().enumerate() {
        for profile in [None, Some("prod")] {
            let Ok(loaded) = Source::file(source).load(&settings(profile, &[])) else {
                continue; // no profile `prod` in this one
            };
            for version in [249, 254] {
                let mut s = Settings::new(Target::Systemd, &host_programs);
                s.lossy = true;
                s.systemd.version = version;
                let export = exported(&loaded, source, profile, &s);
                assert!(!export.failed(), "{}: {:?}", source.display(), export.problems);
                let dir = tempfile::tempdir().unwrap();
                write(&export, dir.path());
                let said = verify(dir.path());
                if !said.is_empty() {
                    failures.push(format!(
                        "{} {profile:?} systemd {version} ({i}):\n{said}",
                        source.display()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "systemd-analyze verify said:\n{}",
        failures.join("\n")
    );
}

#[test]
fn verify_speaks_up_on_a_bad_unit() {
    // The check above can fail: a key systemd does not know is reported.
    if !systemd_analyze() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.service"),
        "[Service]\nExecStart=/bin/true\nRestartSteps=3\n",
    )
    .unwrap();
    let said = verify(dir.path());
    let version: u32 = String::from_utf8_lossy(
        &Command::new("systemd-analyze")
            .arg("--version")
            .output()
            .unwrap()
            .stdout,
    )
    .split_whitespace()
    .nth(1)
    .and_then(|v| v.parse().ok())
    .unwrap_or(0);
    if version < 254 {
        assert!(said.contains("Unknown key"), "{said}");
    }
    std::fs::write(
        dir.path().join("bad.service"),
        "[Service]\nExecStart=/bin/true\nFoo=bar\n",
    )
    .unwrap();
    assert!(verify(dir.path()).contains("Unknown key"));
}

/// The next `n` times of `spec` after `base` (seconds since the epoch, UTC), as the
/// real systemd computes them.
fn systemd_next(spec: &str, base: i64, n: usize) -> Vec<String> {
    let out = Command::new("systemd-analyze")
        .args([
            "calendar",
            &format!("--iterations={n}"),
            &format!("--base-time=@{base}"),
            spec,
        ])
        .env("TZ", "UTC")
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{spec}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter(|l| l.contains("Next elapse:") || l.contains("Iter. #"))
        .map(|l| {
            // "    Next elapse: Sun 2025-01-05 03:00:00 UTC"
            let words: Vec<&str> = l.split_whitespace().collect();
            format!("{} {}", words[words.len() - 3], words[words.len() - 2])
        })
        .collect()
}

#[test]
fn cron_restart_fires_when_croner_says_as_systemd_computes_it() {
    use chrono::{DateTime, Utc};
    use croner::parser::{CronParser, Seconds};
    if !systemd_analyze() {
        return;
    }
    let base: i64 = 1_735_689_600; // 2025-01-01 00:00:00 UTC, a Wednesday
    let patterns = [
        "0 3 * * *",
        "*/5 * * * *",
        "*/10 * * * * *",
        "30 9 * * MON-FRI",
        "0 0 1,15 * *",
        "0 0 * JAN,JUL *",
        "0 0 * * 0,6",
        "0 0 * * 7",
        "0 0 1 * MON",
        "15 8-17/3 * * *",
        "0 12 29 2 *",
        "0 0 13 * 5",
        "@hourly",
        "@monthly",
        "7,8,9,30 1-5 * * TUE,THU",
    ];
    let n = 25;
    for pattern in patterns {
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(pattern)
            .unwrap();
        let start = DateTime::<Utc>::from_timestamp(base, 0).unwrap();
        let expected: Vec<String> = cron
            .iter_after(start)
            .take(n)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .collect();
        let specs = pm2_clj_export::systemd::calendar::on_calendar(pattern).unwrap();
        let mut got: Vec<String> = specs.iter().flat_map(|s| systemd_next(s, base, n)).collect();
        got.sort();
        got.dedup();
        got.truncate(n);
        assert_eq!(got, expected, "{pattern} as {specs:?}");
    }
}

#[test]
fn the_readme_export_table_is_the_table() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let mut updated = readme.clone();
    for target in Target::ALL {
        let (open, close) = (
            format!("<!-- export-table:{target}:start -->\n"),
            format!("<!-- export-table:{target}:end -->"),
        );
        let (Some(a), Some(b)) = (readme.find(&open), readme.find(&close)) else {
            panic!("README.md has no {open:?} ... {close:?} markers");
        };
        let current = &readme[a + open.len()..b];
        updated = updated.replace(
            &format!("{open}{current}"),
            &format!("{open}{}", table::markdown(*target)),
        );
    }
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(&path, &updated).unwrap();
    } else {
        assert!(
            updated == readme,
            "README.md's export table differs from the mapping table; run with UPDATE_README=1 to rewrite it"
        );
    }
}

/// An app that sets every option the table has a row for (the second app the ones
/// without an equivalent, which would stop the first).
const EVERYTHING: &str = r#"
{:logs {:dir "/var/log/all" :rotate {:max-size "10M"}}
 :apps [{:name "every" :script "app.js" :cwd "/srv/all" :args ["a b" "50%"] :interpreter "node"
         :interpreter-args ["--max-old-space-size=64"]
         :out-file "/var/log/all/out.log" :error-file "/var/log/all/err.log"
         :max-memory-restart "100M" :restart-delay 500 :instances 2 :kill-timeout 3000
         :cron-restart "0 3 * * *" :merge-logs false :autostart true :autorestart true
         :stop-exit-codes [3 4] :min-uptime 2000 :max-restarts 5 :exec-mode :cluster
         :increment-var "PORT" :instance-var "INSTANCE" :treekill false :port 3000
         :uid "www-data" :gid "www-data" :filter-env true :namespace "shop" :vizion false
         :force true :execute-command false :append-env-to-name true :post-update ["npm i"]
         :disable-trace true :v8 true :event-loop-inspector true :write true :windows-hide true
         :username "me" :disable-source-map-support true :kill-retry-time 200
         :env {:A "1" :S #secret "s"} :env_production {:A "2"}
         :health {:tcp 3000} :image "every:1" :ports [{:container 3000 :published 8080}]
         :export {:systemd {:Service {:LimitNOFILE 65536}}}}
        {:name "rest" :script "b.js" :watch true :ignore-watch ["x"] :watch-delay 100
         :watch-options {:usePolling true} :wait-ready true :log-type "json" :time true
         :log-date-format "YYYY" :pid-file "/run/b.pid" :source-map-support true
         :listen-timeout 100 :shutdown-with-message true :trace true :deep-monitoring true
         :pmx true :automation true :io {:conf {}} :name-prefix "x" :install-url "u"
         :log-file "/var/log/b.log" :exp-backoff-restart-delay 100 :disable-logs false}]}
"#;

#[test]
fn the_units_do_what_the_table_says() {
    let path = Path::new("/srv/all/everything.pm2.edn");
    let loaded = Source::text(path, EVERYTHING)
        .loader(FsLoader::new())
        .load(&settings(None, &[]))
        .unwrap_or_else(|e| panic!("{:?}", e.reports));
    let mut s = Settings::new(Target::Systemd, &fixed_programs);
    s.lossy = true;
    let export = exported(&loaded, path, None, &s);
    assert!(!export.failed(), "{:?}", export.problems);
    let written: Vec<String> = (loaded.built.ecosystem.apps.iter())
        .flat_map(|a| a.written().map(|(k, _)| k.to_string()).collect::<Vec<_>>())
        .collect();
    let all_text: String = export.files.iter().map(|f| f.content.as_str()).collect();
    let reported = |code: &str, option: &str| {
        export.problems.iter().any(|p| {
            p.code() == code
                && match p.kind() {
                    ExportErrorKind::NoEquivalent { option: o, .. }
                    | ExportErrorKind::Approximate { option: o, .. } => {
                        o == option || (option == "env_<name>" && o.starts_with("env_"))
                    }
                    _ => false,
                }
        })
    };
    for row in table::rows(Target::Systemd) {
        let option = row.option;
        let set = written
            .iter()
            .any(|w| w == option || (option == "env_<name>" && w == "env_production"))
            || option.starts_with(':');
        assert!(set, "the fixture does not set {option}");
        // Every key the row names is in the units (but those it names in parentheses,
        // for other versions).
        let field = row.field.split('(').next().unwrap_or("");
        for key in field
            .split_whitespace()
            .filter(|w| w.ends_with('=') || w.ends_with("=append:"))
        {
            let key = &key[..=key.find('=').unwrap()];
            assert!(
                all_text.contains(&format!("\n{key}")),
                "{option}: no {key} in the units"
            );
        }
        match row.fidelity {
            Fidelity::None => assert!(reported("export::no-equivalent", option), "{option} not reported"),
            Fidelity::Approximate => assert!(reported("export::approximate", option), "{option} not noted"),
            // A faithful row says nothing, unless its value makes it approximate.
            Fidelity::Faithful if ["exec_mode", "treekill"].contains(&option) => {
                assert!(
                    reported("export::approximate", option),
                    "{option}'s value not noted"
                )
            }
            Fidelity::Faithful => assert!(
                !reported("export::approximate", option) && !reported("export::no-equivalent", option),
                "{option} is faithful, but reported"
            ),
        }
    }
    // Every problem is labelled on its option's text.
    for p in &export.problems {
        assert!(
            p.span().is_some() || p.code() == "export::no-equivalent",
            "{p:?} has no label"
        );
    }
    let all = export.files.iter().find(|f| f.name == "every@.service").unwrap();
    assert!(
        all.content
            .contains("ExecStart=/usr/bin/node --max-old-space-size=64 /srv/all/app.js \"a b\" \"50%%\"\n"),
        "{}",
        all.content
    );
    assert!(all.content.contains("Environment=INSTANCE=%i\n"));
    assert!(all.content.contains("KillMode=mixed\n"));
    assert!(all.content.contains("RestartPreventExitStatus=3 4\n"));
    assert!(
        all.content
            .contains("StandardOutput=append:/var/log/all/out-%i.log\n")
    );
}

#[test]
fn no_equivalent_is_an_error_naming_option_and_target_unless_lossy() {
    let path = Path::new("/srv/w/w.pm2.edn");
    let text = r#"{:apps [{:name "w" :script "w.js" :watch true :wait-ready true}]}"#;
    let loaded = Source::text(path, text)
        .loader(FsLoader::new())
        .load(&settings(None, &[]))
        .unwrap();
    let strict = exported(
        &loaded,
        path,
        None,
        &Settings::new(Target::Systemd, &fixed_programs),
    );
    assert!(strict.failed());
    let errors: Vec<String> = strict
        .problems
        .iter()
        .map(|p| format!("{}: {p}", p.code()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("export::no-equivalent: watch has no systemd equivalent"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("export::no-equivalent: wait_ready has no systemd equivalent"),
        "{errors:?}"
    );
    let watch = &strict.problems[0];
    let source = watch.source_text().unwrap();
    assert_eq!(source.slice(watch.span().unwrap()), "true");
    let mut s = Settings::new(Target::Systemd, &fixed_programs);
    s.lossy = true;
    let lossy = exported(&loaded, path, None, &s);
    assert!(!lossy.failed());
    assert!(lossy.problems.iter().all(|p| p.is_warning()) && lossy.problems.len() == 2);
    assert!(lossy.problems[0].to_string().contains("(left out)"));
}

#[test]
fn hidden_values_never_land_in_a_unit() {
    let path = Path::new("/srv/h/h.pm2.edn");
    let text = r#"{:apps [{:name "h" :script "h.js" :args ["--token" #secret "tok en"]
                           :env {:PLAIN "p" :FROM_ENV #env DB_URL :SECRET #secret "s3"}}]}"#;
    let loaded = Source::text(path, text)
        .loader(FsLoader::new())
        .load(&settings(None, &[("DB_URL", "postgres://x")]))
        .unwrap();
    let export = exported(
        &loaded,
        path,
        None,
        &Settings::new(Target::Systemd, &fixed_programs),
    );
    assert!(!export.failed(), "{:?}", export.problems);
    let unit = export.files.iter().find(|f| f.name == "h.service").unwrap();
    let env = export.files.iter().find(|f| f.name == "h.env").unwrap();
    assert!(!unit.private && env.private);
    for secret in ["tok en", "postgres://x", "s3"] {
        assert!(!unit.content.contains(secret), "{secret} in the unit");
        assert!(env.content.contains(secret), "{secret} not in the env file");
    }
    assert!(
        unit.content
            .contains("ExecStart=/usr/bin/node /srv/h/h.js --token ${PM2_CLJ_ARG_1}\n")
    );
    assert!(unit.content.contains("Environment=\"PLAIN=p\"\n"));
    assert!(unit.content.contains("EnvironmentFile=%E/systemd/system/h.env\n"));
    assert!(
        export
            .files
            .iter()
            .any(|f| f.name == ".gitignore" && f.content.contains("*.env"))
    );

    let text = r#"{:apps [{:name "h" :script "h.js" :cwd #env APP_DIR}]}"#;
    let loaded = Source::text(path, text)
        .loader(FsLoader::new())
        .load(&settings(None, &[("APP_DIR", "/srv/h")]))
        .unwrap();
    let export = exported(
        &loaded,
        path,
        None,
        &Settings::new(Target::Systemd, &fixed_programs),
    );
    assert!(export.failed());
    assert_eq!(export.problems[0].code(), "export::hidden-inline");
}

#[test]
fn names_programs_and_clashes() {
    let path = Path::new("/srv/n/n.pm2.edn");
    let none = |_: &str| None;
    let cases = [
        (r#"{:apps [{:name "a b" :script "a.js"}]}"#, "export::bad-name"),
        (
            r#"{:apps [{:name "a" :script "a.js"}]}"#,
            "export::program-not-found",
        ),
        (
            r#"{:apps [{:name "a" :script "a.js" :cron "0 0 L * *"}]}"#,
            "export::no-equivalent",
        ),
        (
            r#"{:apps [{:name "a" :script "/bin/a" :interpreter "none" :cron "0 0 * * *"} {:name "a-restart" :script "/bin/b" :interpreter "none"}]}"#,
            "export::name-clash",
        ),
    ];
    for (i, (text, code)) in cases.iter().enumerate() {
        let loaded = Source::text(path, text)
            .loader(FsLoader::new())
            .load(&settings(None, &[]))
            .unwrap();
        let programs: &dyn Fn(&str) -> Option<String> = if i == 1 { &none } else { &fixed_programs };
        let export = exported(&loaded, path, None, &Settings::new(Target::Systemd, programs));
        assert!(export.failed(), "{text}");
        assert_eq!(export.problems[0].code(), *code, "{text}: {:?}", export.problems);
    }
}

#[test]
fn restart_steps_only_where_systemd_has_them() {
    let path = Path::new("/srv/b/b.pm2.edn");
    let text = r#"{:apps [{:name "b" :script "b.js" :exp-backoff-restart-delay 100}]}"#;
    let loaded = Source::text(path, text)
        .loader(FsLoader::new())
        .load(&settings(None, &[]))
        .unwrap();
    for (version, steps) in [(249, false), (253, false), (254, true)] {
        let mut s = Settings::new(Target::Systemd, &fixed_programs);
        s.systemd.version = version;
        let export = exported(&loaded, path, None, &s);
        let unit = &export
            .files
            .iter()
            .find(|f| f.name == "b.service")
            .unwrap()
            .content;
        assert_eq!(
            unit.contains("RestartSteps=13\nRestartMaxDelaySec=15000ms\n"),
            steps,
            "{version}: {unit}"
        );
        assert!(unit.contains("RestartSec=100ms\n"));
        let note = export
            .problems
            .iter()
            .find(|p| p.code() == "export::approximate")
            .unwrap();
        assert_eq!(note.to_string().contains("has no RestartSteps="), !steps);
    }
}

#[test]
fn an_export_systemd_map_is_merged_into_the_unit_and_checked() {
    let path = Path::new("/srv/m/m.pm2.edn");
    let unit_of = |escape: &str| {
        let text = format!(
            "{{:apps [{{:name \"m\" :script \"a.js\" :cwd \"/srv/m\" :export {{:systemd {escape}}}}}]}}"
        );
        let loaded = Source::text(path, &text)
            .loader(FsLoader::new())
            .load(&settings(None, &[]))
            .unwrap_or_else(|e| panic!("{:?}", e.reports));
        let export = exported(
            &loaded,
            path,
            None,
            &Settings::new(Target::Systemd, &fixed_programs),
        );
        let codes: Vec<&str> = export.problems.iter().map(|p| p.code()).collect();
        let unit = export
            .files
            .iter()
            .find(|f| f.name == "m.service")
            .map(|f| f.content.clone());
        (unit, codes, text)
    };
    let (unit, codes, _) = unit_of(
        r#"{:Service {:LimitNOFILE 65536 :Restart "on-failure" :KillMode nil :ExecStartPre ["/bin/true" "/bin/echo 100%"]} :Unit {:Documentation "https://example.com"}}"#,
    );
    let unit = unit.unwrap_or_else(|| panic!("{codes:?}"));
    assert!(unit.contains("\nLimitNOFILE=65536\n"), "{unit}");
    assert!(
        unit.contains("\nRestart=on-failure\n") && !unit.contains("Restart=always"),
        "{unit}"
    );
    assert!(!unit.contains("KillMode="), "nil removes it: {unit}");
    assert!(
        unit.contains("\nExecStartPre=/bin/true\nExecStartPre=/bin/echo 100%%\n"),
        "{unit}"
    );
    assert!(unit.contains("\nDocumentation=https://example.com\n"), "{unit}");
    for (escape, code, label) in [
        (r#"{:Servce {:A 1}}"#, "export::unknown-escape-key", ":Servce"),
        (r#"{:Service {:bad-key 1}}"#, "export::bad-escape", ":bad-key"),
        (r#"{:Service {:A {:b 1}}}"#, "export::bad-escape", "{:b 1}"),
        (
            r#"{:Service {:A #secret "s"}}"#,
            "export::bad-escape",
            r#"{:Service {:A #secret "s"}}"#,
        ),
    ] {
        let (unit, codes, text) = unit_of(escape);
        assert!(unit.is_none(), "{escape}");
        assert_eq!(codes, [code], "{escape}");
        let loaded = Source::text(path, &text)
            .loader(FsLoader::new())
            .load(&settings(None, &[]))
            .unwrap();
        let export = exported(
            &loaded,
            path,
            None,
            &Settings::new(Target::Systemd, &fixed_programs),
        );
        let span = export.problems[0].span().unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], label, "{escape}");
    }
}
