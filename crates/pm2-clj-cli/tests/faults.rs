//! sync and watch under faults, against the real pm2: names pm2 reads as more than one
//! app, markers copied into apps started by hand, folders that cannot be read or
//! written, state changed behind pm2-clj's back, folders moved under `watch`,
//! concurrent runs, recreates one source at a time, and a hung pm2.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use pm2_clj_runtime::pm2::{Pm2Options, connect};
use pm2_clj_testkit::{Pm2, unprivileged_command};

const LONG: Duration = Duration::from_secs(40);

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A hand-started app that must never be touched.
fn bystander(pm2: &Pm2) -> (u64, u64) {
    assert!(
        pm2.run(&["start", service().to_str().unwrap(), "--name", "bystander"])
            .status
            .success()
    );
    let app = &pm2.wait_online(&["bystander"])[0];
    let app = app.clone();
    (app.pid(), app.restarts())
}

#[track_caller]
fn untouched(pm2: &Pm2, before: (u64, u64)) {
    let now = &pm2.app("bystander")[0];
    assert_eq!(
        (now.pid(), now.restarts(), now.status()),
        (before.0, before.1, "online")
    );
}

#[test]
fn names_pm2_reads_as_several_apps_never_reach_it() {
    let pm2 = Pm2::start();
    let by = bystander(&pm2);
    let dir = tempfile::tempdir().unwrap();
    for name in ["all", "42", "a,b"] {
        write(
            dir.path(),
            "tree/x.pm2.edn",
            &source(&[app(name, "quiet", 0, "1", "")]),
        );
        let out = cli(&pm2, dir.path(), &["sync", "tree"]);
        exits(&out, 1);
        assert!(
            said(&out).contains("emit::reserved-name"),
            "{name}: {}",
            said(&out)
        );
        untouched(&pm2, by);
        assert_eq!(pm2.jlist().len(), 1, "{name}");
    }
    // A name with a space is one app to pm2's API: started, verified, then left alone.
    quiet(dir.path(), "tree/x.pm2.edn", &["my app"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    assert_eq!(pm2.app("my app").len(), 1);
    assert!(stdout(&cli(&pm2, dir.path(), &["sync", "tree"])).contains("0 to change, 1 unchanged"));
    untouched(&pm2, by);
}

#[test]
fn markers_copied_into_a_hand_started_app_are_not_ownership() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a.pm2.edn", &["web", "job"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    // As if started by hand from inside `web`: pm2 copies the caller's environment.
    let web = &pm2.app("web")[0];
    let mut start = pm2.command(pm2.bin());
    start
        .args(["start", service().to_str().unwrap(), "--name", "handmade"])
        .current_dir(dir.path().join("tree"));
    for var in [
        "PM2_CLJ_SOURCE",
        "PM2_CLJ_NAME",
        "PM2_CLJ_CWD",
        "PM2_CLJ_HASH",
        "PM2_CLJ_FIXED",
        "PM2_CLJ_ENV",
    ] {
        start.env(var, web.env_var(var).unwrap());
    }
    assert!(start.output().unwrap().status.success());
    let handmade = pm2
        .wait_online(&["handmade"])
        .iter()
        .find(|a| a.name() == "handmade")
        .unwrap()
        .clone();
    assert_eq!(
        handmade.env_var("PM2_CLJ_SOURCE"),
        web.env_var("PM2_CLJ_SOURCE"),
        "the markers leaked"
    );
    quiet(dir.path(), "tree/a.pm2.edn", &["web"], "1");
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    ok(&out);
    assert!(stdout(&out).contains("-   delete   job"), "{}", said(&out));
    assert!(!stdout(&out).contains("handmade"), "{}", said(&out));
    assert_eq!(pm2.app("handmade")[0].pid(), handmade.pid(), "never touched");
}

/// Runs pm2-clj without root's power to read and write any file.
fn cli_unprivileged(pm2: &Pm2, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut command = unprivileged_command(env!("CARGO_BIN_EXE_pm2-clj"));
    command
        .args(args)
        .current_dir(dir)
        .env("PM2_HOME", pm2.home())
        .env("PM2_BIN", pm2.bin())
        .env("NO_COLOR", "1");
    command.output().unwrap()
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
}

#[test]
fn a_tree_that_cannot_be_read_is_not_a_tree_without_sources() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a/x.pm2.edn", &["a1"], "1");
    quiet(dir.path(), "tree/b/x.pm2.edn", &["b1"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    chmod(&dir.path().join("tree/a"), 0o000);
    let out = cli_unprivileged(&pm2, dir.path(), &["sync", "tree"]);
    chmod(&dir.path().join("tree/a"), 0o755);
    exits(&out, 1);
    assert!(
        said(&out).contains("cannot read") && said(&out).contains("tree/a"),
        "{}",
        said(&out)
    );
    assert_eq!(pm2.app("a1").len(), 1, "its apps are kept");
    chmod(&dir.path().join("tree"), 0o000);
    let out = cli_unprivileged(&pm2, dir.path(), &["sync", "tree"]);
    chmod(&dir.path().join("tree"), 0o755);
    exits(&out, 1);
    assert_eq!(pm2.jlist().len(), 2, "an unreadable root deletes nothing");
}

#[test]
fn links_out_of_the_tree_and_files_synced_by_name_stay_out() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "other/o.pm2.edn", &["other"], "1");
    quiet(dir.path(), "tree/a.pm2.edn", &["a1"], "1");
    std::os::unix::fs::symlink("..", dir.path().join("tree/loop")).unwrap();
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    ok(&out);
    assert!(
        pm2.app("other").is_empty(),
        "a link out of the tree is not followed: {}",
        said(&out)
    );
    quiet(dir.path(), "tree/plain.edn", &["plain"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree/plain.edn"]));
    pm2.wait_online(&["plain"]);
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    ok(&out);
    assert_eq!(
        pm2.app("plain").len(),
        1,
        "not gone: the folder's sync does not cover it: {}",
        said(&out)
    );
}

#[test]
fn a_source_whose_generated_file_cannot_be_written_is_left_as_it_runs() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a/x.pm2.edn", &["a1"], "1");
    quiet(dir.path(), "tree/b/x.pm2.edn", &["b1"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    quiet(dir.path(), "tree/a/x.pm2.edn", &["a1"], "2");
    quiet(dir.path(), "tree/b/x.pm2.edn", &["b1"], "2");
    chmod(&dir.path().join("tree/a/dist"), 0o555);
    let out = cli_unprivileged(&pm2, dir.path(), &["sync", "tree"]);
    chmod(&dir.path().join("tree/a/dist"), 0o755);
    exits(&out, 1);
    assert!(said(&out).contains("runtime::write-file"), "{}", said(&out));
    assert_eq!(
        pm2.app("a1")[0].env_var("VERSION"),
        Some("1"),
        "a's change is not applied"
    );
    assert_eq!(pm2.app("b1")[0].env_var("VERSION"), Some("2"), "b's is");
}

#[test]
fn sync_converges_on_what_really_runs() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tree/a.pm2.edn",
        &source(&[app("web", "quiet", 0, "1", ":exec-mode :cluster :instances 2")]),
    );
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    assert_eq!(pm2.app("web").len(), 2);
    assert!(pm2.run(&["scale", "web", "4"]).status.success());
    eventually("scaled by hand", LONG, || pm2.app("web").len() == 4);
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    ok(&out);
    assert!(
        stdout(&out).contains("4 instances run, the source says 2"),
        "{}",
        said(&out)
    );
    assert_eq!(pm2.app("web").len(), 2);
    assert!(pm2.run(&["delete", "web"]).status.success());
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    assert_eq!(pm2.app("web").len(), 2, "deleted by hand: started again");
    // Restarted by hand with another environment: the markers survive, the values do not.
    let out = pm2
        .command(pm2.bin())
        .args(["restart", "web", "--update-env"])
        .env("VERSION", "by hand")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        pm2.app("web")
            .iter()
            .all(|a| a.env_var("VERSION") == Some("by hand"))
    );
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    ok(&out);
    assert!(
        stdout(&out).contains("env VERSION changed by hand"),
        "{}",
        said(&out)
    );
    assert!(pm2.app("web").iter().all(|a| a.env_var("VERSION") == Some("1")));
}

#[test]
fn a_hung_pm2_is_a_failure_within_the_timeout() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a.pm2.edn", &["web"], "1");
    let pid = std::fs::read_to_string(pm2.home().join("pm2.pid")).unwrap();
    let signal = |sig: &str| {
        assert!(
            std::process::Command::new("kill")
                .args([sig, pid.trim()])
                .status()
                .unwrap()
                .success()
        )
    };
    signal("-STOP");
    let started = Instant::now();
    let out = cli(&pm2, dir.path(), &["sync", "tree", "--pm2-timeout", "2s"]);
    signal("-CONT");
    exits(&out, 3);
    assert!(said(&out).contains("runtime::pm2-timeout"), "{}", said(&out));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn concurrent_syncs_take_turns() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let apps = |version: &str| {
        (0..10)
            .map(|i| app(&format!("app{i}"), "quiet", 0, version, ""))
            .collect::<Vec<_>>()
    };
    write(dir.path(), "tree/a.pm2.edn", &source(&apps("1")));
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    for round in 2..4 {
        let version = round.to_string();
        write(dir.path(), "tree/a.pm2.edn", &source(&apps(&version)));
        let runs: Vec<_> = (0..3)
            .map(|_| {
                pm2.command(env!("CARGO_BIN_EXE_pm2-clj"))
                    .args(["sync", "tree"])
                    .current_dir(dir.path())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for run in runs {
            ok(&run.wait_with_output().unwrap());
        }
        for a in pm2.jlist() {
            assert_eq!(
                a.env_var("VERSION"),
                Some(version.as_str()),
                "{} on round {round}",
                a.name()
            );
        }
        assert_eq!(pm2.jlist().len(), 10);
    }
}

#[test]
fn recreates_go_one_source_at_a_time() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let scripts = two_scripts(dir.path());
    let tree = |script: &Path| four_sources_on(dir.path(), script);
    tree(&scripts[0]);
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    tree(&scripts[1]);
    let driver = connect(&Pm2Options {
        bin: Some(pm2.bin().to_path_buf()),
        home: Some(pm2.home().to_path_buf()),
        ..Default::default()
    })
    .unwrap()
    .pm2;
    let done = AtomicBool::new(false);
    let worst = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if let Ok(list) = driver.list() {
                    let up = list.iter().filter(|p| p.status.is_running()).count();
                    worst.fetch_max(20 - up.min(20), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let out = cli(&pm2, dir.path(), &["sync", "tree"]);
        done.store(true, Ordering::Relaxed);
        ok(&out);
        assert_eq!(stdout(&out).matches("-/+ recreate").count(), 20, "{}", said(&out));
    });
    let worst = worst.load(Ordering::Relaxed);
    assert!(
        worst <= 5,
        "at most one source's five apps were down at once, not {worst}"
    );
    assert!(
        pm2.jlist()
            .iter()
            .all(|a| a.env_field("pm_exec_path").as_str().unwrap().ends_with("s2.js"))
    );
}
