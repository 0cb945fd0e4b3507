//! Helpers shared by the end-to-end tests: running pm2-clj against an isolated pm2,
//! free ports, HTTP requests, and waiting for conditions.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use pm2_clj_testkit::{App, Pm2};

/// The test service (see `tests/apps/service.js`).
pub fn service() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps/service.js")
}

/// Runs pm2-clj with `args` in `dir` against `pm2`.
pub fn cli(pm2: &Pm2, dir: &Path, args: &[&str]) -> Output {
    pm2.command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pm2-clj")
}

/// What a run printed, both streams.
pub fn said(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts the run succeeded.
#[track_caller]
pub fn ok(out: &Output) {
    assert!(out.status.success(), "{}", said(out));
}

/// Asserts the run ended with `code`.
#[track_caller]
pub fn exits(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", said(out));
}

/// A port nothing listens on (now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET `http://127.0.0.1:port/`: the status and body, or `None` when nothing answers.
pub fn get(port: u16) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

/// Polls until `check` holds, or panics with `what` after `timeout`.
#[track_caller]
pub fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// (pm_id, pid, restarts, status) of every process, by name.
pub fn snapshot(pm2: &Pm2) -> std::collections::BTreeMap<String, Vec<(u64, u64, u64, String)>> {
    let mut out: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for a in pm2.jlist() {
        let a: App = a;
        out.entry(a.name().to_string()).or_default().push((
            a.raw["pm_id"].as_u64().unwrap(),
            a.pid(),
            a.restarts(),
            a.status().to_string(),
        ));
    }
    out
}

/// Writes `text` to `dir/name`, creating folders.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// An app map for the test service: `name`, `mode`, `port`, `version`, and more EDN.
pub fn app(name: &str, mode: &str, port: u16, version: &str, more: &str) -> String {
    format!(
        "{{:name {name:?} :script {:?} :min-uptime 300 :env {{:MODE {mode:?} :PORT \"{port}\" :VERSION {version:?}}} {more}}}",
        service().to_string_lossy()
    )
}

/// A source file with `apps` (app maps).
pub fn source(apps: &[String]) -> String {
    format!("{{:apps [{}]}}\n", apps.join("\n        "))
}

/// Two copies of the test service in `dir`, to move apps from one script to the other.
pub fn two_scripts(dir: &Path) -> [PathBuf; 2] {
    ["s1.js", "s2.js"].map(|s| write(dir, s, &std::fs::read_to_string(service()).unwrap()))
}

/// `tree/s0..s3.pm2.edn` in `dir`: four sources of five quiet apps each, on `script`.
pub fn four_sources_on(dir: &Path, script: &Path) {
    for s in 0..4 {
        let apps: Vec<String> = (0..5)
            .map(|i| {
                format!("{{:name \"s{s}a{i}\" :script {script:?} :min-uptime 300 :env {{:MODE \"quiet\"}}}}")
            })
            .collect();
        write(dir, &format!("tree/s{s}.pm2.edn"), &source(&apps));
    }
}

/// Writes `file` in `dir`: a source of quiet test apps named `apps`, at `version`.
pub fn quiet(dir: &Path, file: &str, apps: &[&str], version: &str) -> PathBuf {
    let apps: Vec<String> = apps.iter().map(|a| app(a, "quiet", 0, version, "")).collect();
    write(dir, file, &source(&apps))
}

/// `pm2-clj watch ARGS` running against `pm2` in `dir`, its stdout in `dir/watch.log`
/// and its stderr in `dir/watch.err`; killed when dropped.
pub struct Watcher {
    child: Child,
    dir: PathBuf,
}

impl Watcher {
    /// Starts `pm2-clj watch` with `args`.
    pub fn start(pm2: &Pm2, dir: &Path, args: &[&str]) -> Watcher {
        let child = pm2
            .command(env!("CARGO_BIN_EXE_pm2-clj"))
            .arg("watch")
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdout(std::fs::File::create(dir.join("watch.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("watch.err")).unwrap())
            .spawn()
            .expect("run pm2-clj watch");
        Watcher {
            child,
            dir: dir.to_path_buf(),
        }
    }

    /// What it printed on stdout so far: a line per change.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("watch.log")).unwrap_or_default()
    }

    /// What it printed on both streams so far.
    pub fn said(&self) -> String {
        self.log() + &std::fs::read_to_string(self.dir.join("watch.err")).unwrap_or_default()
    }

    /// Waits (up to 40 s) until a pm2 daemon answers on `pm2`'s socket, without starting
    /// one: after a `pm2 kill` the watcher is to start it. (A `pm2 jlist` then would start
    /// one of its own, racing the watcher's; pm2 can run two daemons for one home that
    /// way and leave a client waiting for ever.)
    #[track_caller]
    pub fn wait_for_daemon(&self, pm2: &Pm2) {
        let socket = pm2.home().join("rpc.sock");
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no pm2 daemon answers on {}\n{}", socket.display(), self.said());
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
