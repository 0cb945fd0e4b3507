//! What pm2-clj says about running apps stays true under failure and load, against the
//! real pm2: `watch` acts on and reports a failing source once; a crash 200 ms after
//! the script starts is caught with both cores busy; crash loops are a state; the
//! profile an app was started with is remembered; health commands cannot hang a run or
//! outlive it; an undo that fails says so; removing sources deletes their apps.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use pm2_clj_testkit::Pm2;

/// `n` busy loops, one per core at least, killed when dropped.
struct Load(Vec<Child>);

impl Load {
    fn start(n: usize) -> Load {
        Load(
            (0..n)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .spawn()
                        .expect("sh")
                })
                .collect(),
        )
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn count(text: &str, what: &str) -> usize {
    text.matches(what).count()
}

/// A crasher, a broken source and a name claimed twice sit in a watched tree for 20 s
/// with no edit (resyncing every 3 s): each is acted on or reported at most once, the
/// neighbour is never touched, and the broken source is applied within seconds of being
/// fixed.
#[test]
fn a_failing_source_under_watch_is_acted_on_and_reported_once() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    quiet(d, "tree/neighbour/ecosystem.pm2.edn", &["neighbour"], "1");
    let crasher = app("crasher", "crash-later", 0, "1", "").replace(
        ":MODE \"crash-later\"",
        ":MODE \"crash-later\" :CRASH_AFTER \"200\"",
    );
    write(d, "tree/crasher/ecosystem.pm2.edn", &source(&[crasher]));
    let broken = source(&[app("fixed", "quiet", 0, "1", "")]);
    write(
        d,
        "tree/broken/ecosystem.pm2.edn",
        broken.trim_end().trim_end_matches('}'),
    );
    quiet(d, "tree/twice-a/ecosystem.pm2.edn", &["twice"], "1");
    quiet(d, "tree/twice-b/ecosystem.pm2.edn", &["twice"], "1");
    let w = Watcher::start(&pm2, d, &["tree", "--debounce", "200", "--resync-every", "3s"]);
    pm2.wait_online(&["neighbour"]);
    let neighbour = pm2.app("neighbour")[0].pid();
    std::thread::sleep(Duration::from_secs(20));
    let said = w.said();
    assert_eq!(count(&said, "start    crasher"), 1, "{said}");
    assert_eq!(count(&said, "rolling back"), 1, "{said}");
    assert_eq!(count(&said, "held at its last good definition"), 1, "{said}");
    assert_eq!(count(&said, "broken/ecosystem.pm2.edn: not loaded"), 1, "{said}");
    assert_eq!(count(&said, "conflict"), 1, "{said}");
    assert!(pm2.app("crasher").is_empty(), "the crasher is not left running");
    assert_eq!(
        pm2.app("neighbour")[0].pid(),
        neighbour,
        "the neighbour is not touched"
    );
    assert_eq!(pm2.app("neighbour")[0].restarts(), 0);

    write(d, "tree/broken/ecosystem.pm2.edn", &broken);
    let fixed_at = Instant::now();
    pm2.wait_online(&["fixed"]);
    assert!(
        fixed_at.elapsed() < Duration::from_secs(8),
        "the fix took {:?}",
        fixed_at.elapsed()
    );
    assert_eq!(pm2.app("neighbour")[0].pid(), neighbour);
}

/// Both cores busy: an app that exits 200 ms after its script starts is caught 10 times
/// out of 10, and a healthy app passes 10 times out of 10.
#[test]
fn stability_holds_under_load() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let crasher = app("crasher", "crash-later", 0, "1", "").replace(
        ":MODE \"crash-later\"",
        ":MODE \"crash-later\" :CRASH_AFTER \"200\"",
    );
    write(d, "crash.pm2.edn", &source(&[crasher]));
    let healthy = app("healthy", "quiet", 0, "1", "").replace(":min-uptime 300", "");
    write(d, "ok.pm2.edn", &source(&[healthy]));
    let _load = Load::start(4);
    let mut timings = Vec::new();
    for run in 0..10 {
        let out = cli(&pm2, d, &["start", "crash.pm2.edn"]);
        exits(&out, 3);
        assert!(said(&out).contains("stability"), "run {run}: {}", said(&out));
        let left = pm2.app("crasher");
        assert!(
            left.is_empty(),
            "run {run}: not rolled back: {left:?}\n{}",
            said(&out)
        );
        let out = cli(&pm2, d, &["start", "ok.pm2.edn"]);
        ok(&out);
        let line = String::from_utf8_lossy(&out.stdout).to_string();
        timings.push(line);
        ok(&cli(&pm2, d, &["delete", "ok.pm2.edn"]));
    }
    eprintln!("healthy verification under load: {timings:?}");
}

/// Kept with `--no-rollback`, an app pm2 restarts again and again is `crash-loop` in
/// `status` (text and JSON), and `health` fails on it with its error log.
#[test]
fn a_crash_loop_is_a_state() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let looping = app("looping", "crash-later", 0, "1", ":max-restarts 1000").replace(
        ":MODE \"crash-later\"",
        ":MODE \"crash-later\" :CRASH_AFTER \"400\"",
    );
    write(d, "loop.pm2.edn", &source(&[looping]));
    // It crashes after its min_uptime (300 ms): stable by PM2's definition, so `start`
    // succeeds; pm2 then restarts it for ever.
    cli(&pm2, d, &["start", "loop.pm2.edn", "--no-rollback"]);
    eventually("a few restarts", Duration::from_secs(20), || {
        pm2.app("looping").first().is_some_and(|a| a.restarts() >= 3)
    });
    let out = cli(&pm2, d, &["status", "loop.pm2.edn"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("crash-loop"),
        "{}",
        said(&out)
    );
    let out = cli(&pm2, d, &["status", "loop.pm2.edn", "--format", "json"]);
    let first: serde_json::Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["app"] == "looping")
        .unwrap_or_else(|| panic!("{}", said(&out)));
    assert_eq!(first["status"], "crash-loop", "{}", said(&out));
    assert_eq!(first["crash_loop"], true);
    let out = cli(&pm2, d, &["health", "loop.pm2.edn"]);
    exits(&out, 3);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL  looping: crash-loop"), "{}", said(&out));
    assert!(
        text.contains("crashing later"),
        "the error log tail: {}",
        said(&out)
    );

    // A healthy app restarted a moment ago is not a crash loop.
    quiet(d, "ok.pm2.edn", &["steady"], "1");
    ok(&cli(&pm2, d, &["start", "ok.pm2.edn"]));
    ok(&cli(&pm2, d, &["restart", "ok.pm2.edn"]));
    let out = cli(&pm2, d, &["health", "ok.pm2.edn"]);
    ok(&out);
}

/// Started with `--profile prod`, the next `status`, `sync` and `reload` without a
/// profile keep prod (and say so); another `--profile` is a switch, planned as such.
#[test]
fn the_profile_is_remembered() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!(
        "{{:apps [{}]\n :profiles {{:prod {{:apps [{{:name \"api\" :instances 2 :env {{:NODE_ENV \"production\"}}}}]}}\n            :staging {{:apps [{{:name \"api\" :env {{:NODE_ENV \"staging\"}}}}]}}}}}}\n",
        app("api", "quiet", 0, "1", "")
    );
    write(d, "api.pm2.edn", &text);
    ok(&cli(&pm2, d, &["start", "api.pm2.edn", "--profile", "prod"]));
    assert_eq!(pm2.app("api").len(), 2);
    let before: Vec<u64> = pm2.app("api").iter().map(|a| a.pid()).collect();

    let out = cli(&pm2, d, &["status", "api.pm2.edn"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("in sync"), "{}", said(&out));
    assert!(
        text.contains("profile prod, as its apps were last applied"),
        "{}",
        said(&out)
    );

    let out = cli(&pm2, d, &["sync", "api.pm2.edn"]);
    ok(&out);
    assert!(said(&out).contains("0 to change"), "{}", said(&out));
    ok(&cli(&pm2, d, &["reload", "api.pm2.edn"]));
    let after = pm2.app("api");
    assert_eq!(after.len(), 2, "still prod's two instances");
    assert!(after.iter().all(|a| a.env_var("NODE_ENV") == Some("production")));
    assert_ne!(
        after.iter().map(|a| a.pid()).collect::<Vec<_>>(),
        before,
        "reloaded"
    );

    let out = cli(
        &pm2,
        d,
        &["sync", "api.pm2.edn", "--profile", "staging", "--dry-run"],
    );
    ok(&out);
    assert!(
        said(&out).contains("switched from profile prod to profile staging"),
        "{}",
        said(&out)
    );
}

/// A health command that leaves a child holding its pipes returns within its timeout,
/// and nothing it started survives; one that prints 100 MB keeps `start` small.
#[test]
fn health_commands_cannot_hang_or_flood_a_run() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pidfile = d.join("sleeper.pid");
    let background = app(
        "bg",
        "quiet",
        0,
        "1",
        &format!(
            ":health {{:command [\"sh\" \"-c\" \"sleep 1000 & echo $! > {}; exit 0\"] :timeout \"2s\"}}",
            pidfile.display()
        ),
    );
    write(d, "bg.pm2.edn", &source(&[background]));
    let started = Instant::now();
    ok(&cli(&pm2, d, &["start", "bg.pm2.edn"]));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_string();
    // Killed: gone, or a zombie left for init to reap.
    let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    });
    assert!(!alive, "the health command's background sleep {pid} survived");
    let started = Instant::now();
    ok(&cli(&pm2, d, &["health", "bg.pm2.edn"]));
    assert!(started.elapsed() < Duration::from_secs(10));

    let hung = app(
        "hung",
        "quiet",
        0,
        "1",
        ":health {:command [\"sh\" \"-c\" \"sleep 1000\"] :timeout \"2s\"}",
    );
    write(d, "hung.pm2.edn", &source(&[hung]));
    let started = Instant::now();
    exits(&cli(&pm2, d, &["start", "hung.pm2.edn"]), 3);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let flood = app(
        "flood",
        "quiet",
        0,
        "1",
        ":health {:command [\"sh\" \"-c\" \"head -c 100000000 /dev/zero >&2; exit 1\"] :timeout \"3s\"}",
    );
    write(d, "flood.pm2.edn", &source(&[flood]));
    let mut child = pm2
        .command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["start", "flood.pm2.edn"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut peak_kb = 0u64;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            && let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(peak_kb > 0);
    assert!(peak_kb < 50 * 1024, "start peaked at {peak_kb} kB");
    eprintln!("start with a 100 MB health output peaked at {peak_kb} kB");
}

/// When every undo step fails (pm2 frozen with SIGSTOP as the rollback begins), the
/// report says which app is left in which state, in text and JSON, and exits 3.
#[test]
fn an_undo_that_fails_says_so() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    quiet(d, "api.pm2.edn", &["api"], "1");
    ok(&cli(&pm2, d, &["start", "api.pm2.edn"]));
    let crashing = app("api", "crash", 0, "2", "");
    write(d, "api.pm2.edn", &source(&[crashing]));
    let daemon: i32 = std::fs::read_to_string(pm2.home().join("pm2.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut child = pm2
        .command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args([
            "reload",
            "api.pm2.edn",
            "--pm2-timeout",
            "2s",
            "--message-format",
            "json",
        ])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut stopped = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("\"rolling-back\"") && !stopped {
            Command::new("kill")
                .args(["-STOP", &daemon.to_string()])
                .status()
                .unwrap();
            stopped = true;
        }
        lines.push(line);
    }
    let status = child.wait().unwrap();
    Command::new("kill")
        .args(["-CONT", &daemon.to_string()])
        .status()
        .unwrap();
    assert!(stopped, "{lines:?}");
    assert_eq!(status.code(), Some(3), "{lines:?}");
    let rolled: serde_json::Value = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "rolled-back")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(rolled["complete"], false, "{rolled}");
    assert_eq!(rolled["healthy"], false, "{rolled}");
    assert_eq!(rolled["left"][0]["app"], "api", "{rolled}");
    assert!(
        rolled["left"][0]["state"]
            .as_str()
            .unwrap()
            .contains("pm2 does not answer"),
        "{rolled}"
    );
}

/// `rm -rf` of a daemon folder, then of the tree's last source: each `sync` deletes the
/// apps, prints the deletes and exits 0.
#[test]
fn removed_sources_report_their_deletes() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    quiet(d, "tree/a/ecosystem.pm2.edn", &["a1"], "1");
    quiet(d, "tree/b/ecosystem.pm2.edn", &["b1"], "1");
    ok(&cli(&pm2, d, &["sync", "tree"]));
    pm2.wait_online(&["a1", "b1"]);
    std::fs::remove_dir_all(d.join("tree/a")).unwrap();
    let out = cli(&pm2, d, &["sync", "tree"]);
    ok(&out);
    assert!(said(&out).contains("-   delete   a1"), "{}", said(&out));
    assert!(said(&out).contains("ok  a1: deleted"), "{}", said(&out));
    assert!(pm2.app("a1").is_empty());
    std::fs::remove_dir_all(d.join("tree/b")).unwrap();
    let out = cli(&pm2, d, &["sync", "tree", "--format", "json"]);
    ok(&out);
    assert!(said(&out).contains("\"event\":\"deleted\""), "{}", said(&out));
    assert!(pm2.jlist().is_empty(), "the last source's app is deleted too");
}

/// Under `watch`, `pm2 kill` is noticed by its socket going away (or another daemon in
/// its place): the watcher starts pm2 again and the apps are back long before the next
/// resync.
#[test]
fn watch_notices_a_vanished_daemon() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    quiet(d, "tree/a/ecosystem.pm2.edn", &["a1"], "1");
    let w = Watcher::start(&pm2, d, &["tree", "--resync-every", "120s"]);
    pm2.wait_online(&["a1"]);
    // Killed while the watcher still verifies the start: that failure is pm2's, not the
    // source's, and is not held against it.
    let killed = pm2.run(&["kill"]);
    assert!(killed.status.success());
    let at = Instant::now();
    w.wait_for_daemon(&pm2);
    let deadline = Instant::now() + Duration::from_secs(30);
    while pm2.app("a1").first().is_none_or(|a| a.status() != "online") {
        assert!(
            Instant::now() < deadline,
            "a1 is not back after pm2 kill:\n{}",
            w.said()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        at.elapsed() < Duration::from_secs(15),
        "{:?}\n{}",
        at.elapsed(),
        w.said()
    );
    // Gone (and started again by the watcher), or replaced before the watcher looked.
    assert!(
        w.said().contains("pm2's daemon is gone") || w.said().contains("pm2's daemon was replaced"),
        "{}",
        w.said()
    );
}

/// `pm2 save`, `pm2 kill`, `pm2 resurrect` (what `pm2 startup` runs at boot): the apps
/// come back with their markers, so pm2-clj still owns them and finds them in sync, with
/// the profile they were started with.
#[test]
fn markers_survive_save_and_resurrect() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!(
        "{{:apps [{}]\n :profiles {{:prod {{:apps [{{:name \"api\" :env {{:NODE_ENV \"production\"}}}}]}}}}}}\n",
        app("api", "quiet", 0, "1", "")
    );
    write(d, "api.pm2.edn", &text);
    ok(&cli(&pm2, d, &["start", "api.pm2.edn", "--profile", "prod"]));
    assert!(pm2.run(&["save"]).status.success());
    assert!(pm2.run(&["kill"]).status.success());
    assert!(pm2.run(&["resurrect"]).status.success());
    pm2.wait_online(&["api"]);
    let out = cli(&pm2, d, &["status", "api.pm2.edn", "--format", "json"]);
    ok(&out);
    let row: serde_json::Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["app"] == "api")
        .unwrap_or_else(|| panic!("{}", said(&out)));
    assert_eq!(row["owned"], true, "{}", said(&out));
    assert_eq!(row["drift"], "in sync", "{}", said(&out));
    let out = cli(&pm2, d, &["sync", "api.pm2.edn"]);
    ok(&out);
    assert!(said(&out).contains("0 to change"), "{}", said(&out));
}
