//! "Started means running" end to end, against the real pm2 and real servers on
//! 127.0.0.1: every verb that changes pm2 verifies what it started or changed (online,
//! stable, healthy) and rolls a failed change back from the last good definition.

mod common;

use std::time::Duration;

use common::*;
use pm2_clj_testkit::Pm2;

const LONG: Duration = Duration::from_secs(30);

#[test]
fn an_app_that_crashes_at_once_fails_start_and_is_gone_afterwards() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "crash.pm2.edn",
        // Its own window, longer than node takes to boot on a loaded machine: an app that
        // crashes after its min-uptime is stable by PM2's definition.
        &source(&[format!(
            "{{:name \"crash\" :script {:?} :min-uptime \"2s\" :env {{:MODE \"crash\"}}}}",
            service()
        )]),
    );
    let started = std::time::Instant::now();
    let out = cli(&pm2, dir.path(), &["start", "crash.pm2.edn"]);
    exits(&out, 3);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "caught quickly: {:?}\n{}",
        started.elapsed(),
        said(&out)
    );
    let text = said(&out);
    assert!(text.contains("crash did not stay up"), "{text}");
    assert!(
        text.contains("crashing at once"),
        "the error log is shown: {text}"
    );
    assert!(text.contains("rolled back"), "{text}");
    assert!(pm2.app("crash").is_empty(), "the started app was deleted again");
}

#[test]
fn a_healthy_http_app_starts_and_a_tcp_and_a_command_check_pass() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let (http, tcp) = (free_port(), free_port());
    write(dir.path(), "ready", "");
    let apps = [
        app(
            "web",
            "http",
            http,
            "1",
            &format!(":health {{:http \"http://127.0.0.1:{http}/\"}}"),
        ),
        app("raw", "tcp", tcp, "1", &format!(":health {{:tcp {tcp}}}")),
        app(
            "cmd",
            "quiet",
            0,
            "1",
            r#":health {:command ["sh" "-c" "test -f ready"]}"#,
        ),
    ];
    write(dir.path(), "svc.pm2.edn", &source(&apps));
    let out = cli(&pm2, dir.path(), &["start", "svc.pm2.edn"]);
    ok(&out);
    let text = said(&out);
    for check in [
        "web: 1 online, up 300ms, http check passes",
        "raw: 1 online, up 300ms, tcp check passes",
        "command check passes",
    ] {
        assert!(text.contains(check), "{text}");
    }
    assert_eq!(get(http), Some((200, "1".into())));
}

#[test]
fn failing_checks_of_each_kind_fail_start() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let (http, tcp) = (free_port(), free_port());
    let cases = [
        (
            "web",
            app(
                "web",
                "http-500",
                http,
                "1",
                &format!(":health {{:http \"http://127.0.0.1:{http}/\" :timeout \"2s\"}}"),
            ),
            "HTTP 500",
        ),
        (
            "raw",
            app(
                "raw",
                "quiet",
                tcp,
                "1",
                &format!(":health {{:tcp {tcp} :timeout \"2s\"}}"),
            ),
            "refused",
        ),
        (
            "cmd",
            app(
                "cmd",
                "quiet",
                0,
                "1",
                r#":health {:command ["sh" "-c" "echo not ready >&2; exit 4"] :timeout "2s"}"#,
            ),
            "exit status 4: not ready",
        ),
    ];
    for (name, definition, saw) in cases {
        write(dir.path(), "one.pm2.edn", &source(&[definition]));
        let out = cli(&pm2, dir.path(), &["start", "one.pm2.edn"]);
        exits(&out, 3);
        assert!(said(&out).contains(saw), "{name}: {}", said(&out));
        assert!(pm2.app(name).is_empty(), "{name} was rolled back");
    }
}

/// A source with one HTTP app on `port` at `version`, in `mode`, checked over HTTP.
fn web(port: u16, mode: &str, version: &str) -> String {
    source(&[app(
        "web",
        mode,
        port,
        version,
        &format!(":health {{:http \"http://127.0.0.1:{port}/\" :timeout \"3s\"}}"),
    )])
}

#[test]
fn a_reload_that_never_listens_is_rolled_back_and_the_old_version_answers_again() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    write(dir.path(), "web.pm2.edn", &web(port, "http", "1"));
    ok(&cli(&pm2, dir.path(), &["start", "web.pm2.edn"]));
    assert_eq!(get(port), Some((200, "1".into())));

    write(dir.path(), "web.pm2.edn", &web(port, "quiet", "2"));
    let out = cli(&pm2, dir.path(), &["reload", "web.pm2.edn"]);
    exits(&out, 3);
    let text = said(&out);
    assert!(text.contains("web did not pass its http check"), "{text}");
    assert!(
        text.contains("undo web: gave it back its last good definition"),
        "{text}"
    );
    assert!(text.contains("the restored apps are healthy"), "{text}");
    eventually("version 1 answers", LONG, || get(port) == Some((200, "1".into())));
    assert_eq!(pm2.app("web")[0].env_var("VERSION"), Some("1"));

    // With --no-rollback the failed version stays, for debugging.
    let out = cli(&pm2, dir.path(), &["reload", "web.pm2.edn", "--no-rollback"]);
    exits(&out, 3);
    assert!(!said(&out).contains("rolled back"), "{}", said(&out));
    assert_eq!(pm2.app("web")[0].env_var("VERSION"), Some("2"));
    assert_eq!(get(port), None, "the failed version does not listen");
}

#[test]
fn an_undo_step_that_fails_is_reported_and_the_others_still_run() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let b = write(dir.path(), "b.js", &std::fs::read_to_string(service()).unwrap());
    let b_app =
        |script: &str| format!("{{:name \"b\" :script {script:?} :min-uptime 300 :env {{:MODE \"quiet\"}}}}");
    let first = format!(
        "{{:apps [{} {}]}}",
        app(
            "a",
            "http",
            port,
            "1",
            &format!(":health {{:http \"http://127.0.0.1:{port}/\" :timeout \"3s\"}}")
        ),
        b_app("b.js")
    );
    write(dir.path(), "ab.pm2.edn", &first);
    ok(&cli(&pm2, dir.path(), &["start", "ab.pm2.edn"]));
    // b moves to another script (a recreate) and its old script disappears, so its last
    // good definition cannot start again; a's change fails its check.
    write(dir.path(), "b2.js", &std::fs::read_to_string(service()).unwrap());
    std::fs::remove_file(&b).unwrap();
    let second = format!(
        "{{:apps [{} {}]}}",
        app(
            "a",
            "quiet",
            port,
            "2",
            &format!(":health {{:http \"http://127.0.0.1:{port}/\" :timeout \"3s\"}}")
        ),
        b_app("b2.js")
    );
    write(dir.path(), "ab.pm2.edn", &second);
    let out = cli(&pm2, dir.path(), &["restart", "ab.pm2.edn"]);
    exits(&out, 3);
    let text = said(&out);
    let undo_b = text.find("undo b failed").unwrap_or_else(|| panic!("{text}"));
    let undo_a = text
        .find("undo a: gave it back")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        undo_b < undo_a,
        "last-first: b's undo ran (and failed) before a's: {text}"
    );
    assert!(text.contains("Script not found"), "{text}");
    eventually("a answers version 1", LONG, || {
        get(port) == Some((200, "1".into()))
    });
}

#[test]
fn sync_rolls_back_only_the_source_whose_change_failed() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (free_port(), free_port());
    let check = |port: u16| format!(":health {{:http \"http://127.0.0.1:{port}/\" :timeout \"3s\"}}");
    write(
        dir.path(),
        "tree/one.pm2.edn",
        &source(&[app("one", "http", p1, "1", &check(p1))]),
    );
    write(
        dir.path(),
        "tree/two.pm2.edn",
        &source(&[app("two", "http", p2, "1", &check(p2))]),
    );
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    write(
        dir.path(),
        "tree/one.pm2.edn",
        &source(&[app("one", "http", p1, "2", &check(p1))]),
    );
    write(
        dir.path(),
        "tree/two.pm2.edn",
        &source(&[app("two", "quiet", p2, "2", &check(p2))]),
    );
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    exits(&out, 3);
    let text = said(&out);
    assert!(text.contains("rolling back tree/two.pm2.edn"), "{text}");
    assert!(!text.contains("rolling back tree/one.pm2.edn"), "{text}");
    assert_eq!(get(p1), Some((200, "2".into())), "one keeps its new version");
    eventually("two answers version 1", LONG, || {
        get(p2) == Some((200, "1".into()))
    });
    let one = &pm2.app("one")[0];
    assert_eq!(
        one.restarts(),
        1,
        "one was reloaded once, and not touched by two's rollback"
    );
}

#[test]
fn watch_rolls_back_a_bad_edit_then_applies_the_next_good_one() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    write(dir.path(), "tree/web.pm2.edn", &web(port, "http", "1"));
    let log = dir.path().join("watch.log");
    let child = pm2
        .command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["watch", "tree", "--debounce", "200"])
        .current_dir(dir.path())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.path().join("watch.err")).unwrap())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _watcher = Kill(child);
    eventually("version 1 answers", LONG, || get(port) == Some((200, "1".into())));
    write(dir.path(), "tree/web.pm2.edn", &web(port, "quiet", "2"));
    eventually("the bad edit is rolled back", LONG, || {
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("the restored apps are healthy")
    });
    assert_eq!(get(port), Some((200, "1".into())));
    write(dir.path(), "tree/web.pm2.edn", &web(port, "http", "3"));
    eventually("version 3 answers", LONG, || get(port) == Some((200, "3".into())));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("rolling back tree/web.pm2.edn") || text.contains("rolling back"),
        "{text}"
    );
}
