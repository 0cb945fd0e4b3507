//! The drivers against the real pm2 (isolated PM2_HOME, killed afterwards): on the
//! daemon's socket, pm2's API through the Node helper, and the command-line fallback,
//! each starting, restarting with a new definition, stopping and deleting by id, never
//! touching another app.

use std::path::Path;
use std::time::Duration;

use pm2_clj_runtime::pm2::{Pm2, Pm2Options, Restart, connect, connect_node};
use pm2_clj_sync::facts::Status;
use pm2_clj_testkit::{Pm2 as Daemon, repo_root};
use serde_json::json;

fn options(daemon: &Daemon, bin: &Path) -> Pm2Options {
    Pm2Options {
        timeout: Duration::from_secs(30),
        bin: Some(bin.to_path_buf()),
        home: Some(daemon.home().to_path_buf()),
        ..Default::default()
    }
}

/// Polls `pm2` until `check` holds for the app's processes.
fn wait(pm2: &dyn Pm2, name: &str, check: impl Fn(&[pm2_clj_sync::process::Process]) -> bool) {
    for _ in 0..150 {
        let list: Vec<_> = pm2
            .list()
            .unwrap()
            .into_iter()
            .filter(|p| p.name == name)
            .collect();
        if check(&list) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "{name} never reached the expected state: {:?}",
        pm2.list().unwrap()
    );
}

fn exercise(daemon: &Daemon, pm2: &dyn Pm2, name: &str) {
    let server = repo_root().join("examples/apps/server.js");
    let examples = repo_root().join("examples");
    // A hand-started app that must never be touched.
    let out = daemon.run(&["start", server.to_str().unwrap(), "--name", "bystander"]);
    assert!(out.status.success());
    daemon.wait_online(&["bystander"]);
    let bystander = daemon.app("bystander")[0].pid();

    let app = json!({"name": name, "script": "apps/server.js", "env": {"PORT": "0", "VERSION": "1"}});
    let ids = pm2.start(std::slice::from_ref(&app), &examples).unwrap();
    assert_eq!(ids.len(), 1);
    wait(pm2, name, |p| p.len() == 1 && p[0].status == Status::Online);
    let started = &daemon.app(name)[0];
    assert_eq!(
        started.env_field("pm_cwd"),
        examples.to_str().unwrap(),
        "relative paths resolve against dir"
    );
    assert_eq!(started.env_var("VERSION"), Some("1"));

    let changed = json!({"name": name, "script": "apps/server.js", "env": {"PORT": "0", "VERSION": "2"}});
    pm2.restart(Restart::Reload, &changed, &examples, &ids).unwrap();
    wait(pm2, name, |p| p.len() == 1 && p[0].status == Status::Online);
    assert_eq!(
        daemon.app(name)[0].env_var("VERSION"),
        Some("2"),
        "the new definition applies"
    );

    pm2.stop(&ids).unwrap();
    wait(pm2, name, |p| p.len() == 1 && p[0].status == Status::Stopped);
    pm2.restart(Restart::Restart, &changed, &examples, &ids).unwrap();
    wait(pm2, name, |p| p.len() == 1 && p[0].status == Status::Online);
    pm2.delete(&ids).unwrap();
    wait(pm2, name, <[_]>::is_empty);

    let by = daemon.app("bystander");
    assert_eq!(by.len(), 1);
    assert_eq!(
        (by[0].status(), by[0].pid(), by[0].restarts()),
        ("online", bystander, 0),
        "never touched"
    );

    let err = pm2
        .start(
            &[json!({"name": "ghost", "script": "no-such-file.js"})],
            &examples,
        )
        .unwrap_err();
    assert!(err.to_string().contains("Script not found"), "{err}");
}

#[test]
fn the_native_driver_acts_by_id() {
    let daemon = Daemon::start();
    let connection = connect(&options(&daemon, daemon.bin())).unwrap();
    assert!(connection.note.is_none(), "{:?}", connection.note);
    let describe = connection.pm2.describe();
    assert!(describe.contains("through its daemon's socket"), "{describe}");
    exercise(&daemon, &*connection.pm2, "all");
}

#[test]
fn the_api_driver_acts_by_id() {
    let daemon = Daemon::start();
    let connection = connect_node(&options(&daemon, daemon.bin())).unwrap();
    assert!(connection.note.is_none(), "{:?}", connection.note);
    assert!(connection.pm2.describe().contains("through its API"));
    // By id, even an app named `all` (pm2 reads that name as every app) is one app.
    exercise(&daemon, &*connection.pm2, "all");
}

#[test]
fn the_command_line_driver_does_the_same_when_the_package_cannot_be_loaded() {
    let daemon = Daemon::start();
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("pm2");
    std::fs::write(&wrapper, format!("#!/bin/sh\nexec {:?} \"$@\"\n", daemon.bin())).unwrap();
    let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).unwrap();
    // On the socket, only starts and restarts would go through the command line.
    let native = connect(&options(&daemon, &wrapper)).unwrap();
    assert_eq!(
        native.note.as_deref().unwrap_or_default(),
        format!(
            "starting apps through pm2's command line: {} is not inside a pm2 package",
            wrapper.display()
        )
    );
    let connection = connect_node(&options(&daemon, &wrapper)).unwrap();
    assert!(
        connection
            .note
            .as_deref()
            .is_some_and(|n| n.contains("command line"))
    );
    exercise(&daemon, &*connection.pm2, "api");
    // pm2's command line reads these names as more than one app: refused, not run.
    for name in ["all", "42", "/api/"] {
        let app = json!({"name": name, "script": "apps/server.js"});
        let err = connection
            .pm2
            .start(&[app], &repo_root().join("examples"))
            .unwrap_err();
        assert!(err.to_string().contains("rename the app"), "{err}");
    }
    assert_eq!(daemon.jlist().len(), 1, "only the bystander runs");
}

#[test]
fn a_hung_daemon_is_a_timeout_not_a_hang() {
    hung(connect);
    hung(connect_node);
}

fn hung(connect: fn(&Pm2Options) -> Result<pm2_clj_runtime::pm2::Connection, pm2_clj_runtime::RuntimeError>) {
    let daemon = Daemon::start();
    let pid: i32 = std::fs::read_to_string(daemon.home().join("pm2.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut opts = options(&daemon, daemon.bin());
    opts.timeout = Duration::from_secs(2);
    let connection = connect(&opts).unwrap();
    let signal = |sig: &str| {
        std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
    };
    signal("-STOP");
    let started = std::time::Instant::now();
    let err = connection.pm2.list().unwrap_err();
    signal("-CONT");
    assert!(err.to_string().contains("did not finish within 2s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(
        connection.pm2.list().is_ok(),
        "the next call works (on the socket; or through a new helper)"
    );
}

#[test]
fn the_native_driver_outlives_its_daemon() {
    let daemon = Daemon::start();
    let connection = connect(&options(&daemon, daemon.bin())).unwrap();
    let server = repo_root().join("examples/apps/server.js");
    assert!(
        daemon
            .run(&["start", server.to_str().unwrap(), "--name", "web"])
            .status
            .success()
    );
    assert_eq!(connection.pm2.list().unwrap().len(), 1);
    assert!(daemon.run(&["kill"]).status.success());
    // The daemon is gone: pm2's own client starts a new one, as it would have.
    assert!(connection.pm2.list().unwrap().is_empty());
    assert!(daemon.home().join("pm2.pid").exists(), "a new daemon runs");
    assert!(
        daemon
            .run(&["start", server.to_str().unwrap(), "--name", "web2"])
            .status
            .success()
    );
    let ids: Vec<u64> = connection.pm2.list().unwrap().iter().map(|p| p.pm_id).collect();
    connection.pm2.stop(&ids).unwrap();
    assert_eq!(daemon.app("web2")[0].status(), "stopped");
}
