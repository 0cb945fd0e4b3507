//! `pm2-clj top` end to end: driven in a real terminal (tmux, 80×24, `capture-pane`)
//! against the real pm2. The tree's apps appear with their state; a `pm2 stop` made by
//! hand shows within 2 s; `r` reloads the selected app, verified in pm2's own list; a
//! refresh costs little CPU; the plain table when stdout is no terminal; the labelled
//! errors of an empty folder, no daemon and a small terminal; and top never starts a
//! daemon.
//!
//! tmux must be installed; without it these tests skip with one line, unless
//! `PM2_CLJ_REQUIRE_TMUX=1` (set by `.ci/run`), which makes that a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{cli, eventually, exits, ok, quiet, said};
use pm2_clj_testkit::Pm2;

/// Whether tmux can be run; when not, says so once (or fails when it is required).
fn tmux_here() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("PM2_CLJ_REQUIRE_TMUX").is_none_or(|v| v != "1"),
            "tmux is required (PM2_CLJ_REQUIRE_TMUX=1) and cannot be run"
        );
        eprintln!("skipped: tmux is not installed, and the top tests drive top in it");
    }
    found
}

/// A tmux server of its own running one command in an 80×24 (or given) pane, the pane
/// kept after the command exits; killed when dropped.
struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs `program args` in a new pane of `width`×`height`, with `env`.
    fn start(width: u16, height: u16, env: &[(&str, &Path)], program: &Path, args: &[&str]) -> Tmux {
        let dir = tempfile::Builder::new().prefix("tmx").tempdir_in("/tmp").unwrap();
        let conf = dir.path().join("tmux.conf");
        std::fs::write(&conf, "set -g remain-on-exit on\nset -g status off\n").unwrap();
        let socket = dir.path().join("s");
        let mut command = Command::new("tmux");
        command.arg("-S").arg(&socket).arg("-f").arg(&conf);
        command.args([
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
        command.args(["-s", "top", "env", "NO_COLOR=1", "PM2_SILENT=true"]);
        for (name, value) in env {
            command.arg(format!("{name}={}", value.display()));
        }
        command.arg(program).args(args);
        let out = command.output().expect("run tmux");
        assert!(out.status.success(), "tmux new-session: {}", said(&out));
        Tmux { socket, _dir: dir }
    }

    /// `top` against `pm2` in an 80×24 pane, with `args` after `top`.
    fn top(pm2: &Pm2, args: &[&str]) -> Tmux {
        let mut all = vec!["top"];
        all.extend(args);
        Tmux::start(
            80,
            24,
            &[("PM2_HOME", pm2.home()), ("PM2_BIN", pm2.bin())],
            Path::new(env!("CARGO_BIN_EXE_pm2-clj")),
            &all,
        )
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pane's text.
    fn pane(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "top"])
    }

    /// Types `keys` (tmux key names).
    fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", "top", keys]);
    }

    /// The pid of the command in the pane.
    fn pid(&self) -> u32 {
        self.tmux(&["display-message", "-p", "-t", "top", "#{pane_pid}"])
            .trim()
            .parse()
            .expect("the pane's pid")
    }

    /// Whether the command in the pane has ended.
    fn ended(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "top", "#{pane_dead}"])
            .trim()
            == "1"
    }

    /// Waits (up to 30 s) until the synced tree's apps, alpha and beta, both show online;
    /// the pane then.
    #[track_caller]
    fn both_online(&self) -> String {
        let (pane, _) = self.wait("both apps online", Duration::from_secs(30), |p| {
            row(p, "alpha").contains("online") && row(p, "beta").contains("online")
        });
        pane
    }

    /// Polls the pane every 20 ms until `holds`; the pane and when it first held.
    #[track_caller]
    fn wait(&self, what: &str, timeout: Duration, holds: impl Fn(&str) -> bool) -> (String, Instant) {
        let deadline = Instant::now() + timeout;
        loop {
            let pane = self.pane();
            if holds(&pane) {
                return (pane, Instant::now());
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the pane:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// The table row of `app` in the pane (`> app ...` when selected, `  app ...` when not).
fn row<'a>(pane: &'a str, app: &str) -> &'a str {
    pane.lines()
        .find(|l| {
            l.get(2..)
                .is_some_and(|rest| rest.starts_with(&format!("{app} ")))
        })
        .unwrap_or("")
}

/// A tree of two quiet apps, `alpha` and `beta`, synced into `pm2`.
fn synced_tree(pm2: &Pm2, dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    quiet(&tree, "apps.pm2.edn", &["alpha", "beta"], "1");
    ok(&cli(pm2, dir, &["sync", "tree"]));
    pm2.wait_online(&["alpha", "beta"]);
    tree
}

/// CPU time the process `pid` has used, in milliseconds.
fn cpu_ms(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process's stat");
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    let per_second: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    ticks * 1000 / per_second
}

#[test]
fn the_trees_apps_appear_and_a_stop_by_hand_shows_within_2_seconds() {
    if !tmux_here() {
        return;
    }
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    synced_tree(&pm2, dir.path());
    let top = Tmux::top(&pm2, &[dir.path().join("tree").to_str().unwrap()]);
    let pane = top.both_online();
    assert!(
        pane.lines()
            .next()
            .unwrap()
            .contains("2 apps, 2 online, 0 drifted"),
        "{pane}"
    );
    assert!(
        row(&pane, "alpha").starts_with("> alpha"),
        "the first app is selected:\n{pane}"
    );
    for app in ["alpha", "beta"] {
        assert!(row(&pane, app).contains("in sync"), "{pane}");
    }
    assert!(
        pane.contains("alpha · apps.pm2.edn") || pane.contains("alpha · "),
        "{pane}"
    );
    assert!(pane.contains("r reload  R restart  s stop  x start"), "{pane}");
    assert!(pane.lines().count() <= 24 && pane.lines().all(|l| l.chars().count() <= 80));
    // The health of every app is checked once at the start.
    top.wait("the health answers", Duration::from_secs(15), |p| {
        row(p, "alpha").trim_end().ends_with("ok") && row(p, "beta").trim_end().ends_with("ok")
    });

    let asked = Instant::now();
    let out = pm2.run(&["stop", "beta"]);
    let returned = Instant::now();
    assert!(out.status.success(), "{}", said(&out));
    let (pane, seen) = top.wait("beta stopped", Duration::from_secs(5), |p| {
        row(p, "beta").contains("stopped")
    });
    let latency = seen - returned;
    eprintln!(
        "a hand stop showed {} ms after `pm2 stop` returned ({} ms after it was run)",
        latency.as_millis(),
        (seen - asked).as_millis()
    );
    assert!(latency < Duration::from_secs(2), "{latency:?}\n{pane}");
    assert!(row(&pane, "beta").contains("not running"), "its drift:\n{pane}");
    assert!(row(&pane, "alpha").contains("online"), "{pane}");
    assert!(
        pane.lines()
            .next()
            .unwrap()
            .contains("2 apps, 1 online, 1 drifted"),
        "{pane}"
    );

    // `a` shows every process: the daemon also runs one started by hand.
    let out = pm2.run(&["start", common::service().to_str().unwrap(), "--name", "stranger"]);
    assert!(out.status.success(), "{}", said(&out));
    top.keys("a");
    let (pane, _) = top.wait("every process", Duration::from_secs(5), |p| {
        row(p, "stranger").contains("not in tree")
    });
    assert!(pane.lines().next().unwrap().contains("3 processes"), "{pane}");
    // pm2 killed: top says so, and starts no daemon of its own.
    let out = pm2.run(&["kill"]);
    assert!(out.status.success(), "{}", said(&out));
    top.wait("the daemon gone", Duration::from_secs(5), |p| {
        p.contains("pm2's daemon is not running")
    });
    std::thread::sleep(Duration::from_secs(3));
    assert!(!pm2.home().join("rpc.sock").exists(), "top started a daemon");
    top.keys("q");
    eventually("top to end", Duration::from_secs(5), || top.ended());
}

#[test]
fn r_reloads_the_selected_app_verified_in_pm2() {
    if !tmux_here() {
        return;
    }
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    synced_tree(&pm2, dir.path());
    let top = Tmux::top(&pm2, &[dir.path().join("tree").to_str().unwrap()]);
    top.both_online();
    // Select beta, and reload it.
    top.keys("Down");
    top.wait("beta selected", Duration::from_secs(5), |p| {
        row(p, "beta").starts_with("> beta")
    });
    let before = pm2.app("beta");
    let (pid, restarts) = (before[0].pid(), before[0].restarts());
    let alpha = pm2.app("alpha")[0].pid();
    let pressed = Instant::now();
    top.keys("r");
    pm2.wait_for("beta reloaded", Duration::from_secs(30), |apps| {
        apps.iter().any(|a| {
            a.name() == "beta" && a.status() == "online" && a.pid() != pid && a.restarts() == restarts + 1
        })
    });
    let in_pm2 = pressed.elapsed();
    let (pane, done) = top.wait("the reload verified", Duration::from_secs(30), |p| {
        p.contains("reload beta done") || p.contains("reload beta FAILED")
    });
    assert!(pane.contains("reload beta done"), "{pane}");
    assert!(pane.contains("beta online x1"), "{pane}");
    eprintln!(
        "r: beta restarted with a new pid in pm2 {} ms after the key, verified and shown {} ms after it",
        in_pm2.as_millis(),
        (done - pressed).as_millis()
    );
    let after = pm2.app("beta");
    assert_eq!((after[0].status(), after[0].restarts()), ("online", restarts + 1));
    assert_eq!(pm2.app("alpha")[0].pid(), alpha, "alpha is not touched");
    // The restart count the pane shows is pm2's.
    let (pane, _) = top.wait("the new restart count", Duration::from_secs(5), |p| {
        p.contains(&format!("pid {} · {} restarts", after[0].pid(), restarts + 1))
    });
    assert!(row(&pane, "beta").contains("online"), "{pane}");
    assert!(
        !row(&pane, "beta").contains("crash-loop"),
        "a reload asked for is no crash loop:\n{pane}"
    );
    // Restarted twice by hand elsewhere: pm2 says they were asked for, no crash loop.
    for _ in 0..2 {
        let out = pm2.run(&["restart", "alpha"]);
        assert!(out.status.success(), "{}", said(&out));
    }
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let pane = top.pane();
        assert!(!row(&pane, "alpha").contains("crash-loop"), "{pane}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(pm2.app("alpha")[0].restarts(), 2);
}

#[test]
fn an_app_pm2_keeps_restarting_is_a_crash_loop() {
    if !tmux_here() {
        return;
    }
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    // It proves itself stable (300 ms up), then crashes every 1.5 s.
    let apps = [
        common::app("steady", "quiet", 0, "1", ""),
        format!(
            "{{:name \"flaky\" :script {:?} :min-uptime 300 :env {{:MODE \"crash-later\" :CRASH_AFTER \"1500\"}}}}",
            common::service()
        ),
    ];
    common::write(dir.path(), "tree/apps.pm2.edn", &common::source(&apps));
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    let top = Tmux::top(&pm2, &[dir.path().join("tree").to_str().unwrap()]);
    let (pane, _) = top.wait("flaky in a crash loop", Duration::from_secs(20), |p| {
        row(p, "flaky").contains("crash-loop")
    });
    assert!(row(&pane, "steady").contains("online"), "{pane}");
    assert!(pm2.app("flaky")[0].restarts() >= 2, "pm2 restarted it");
}

#[test]
fn a_refresh_costs_little_cpu() {
    if !tmux_here() {
        return;
    }
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let tree = synced_tree(&pm2, dir.path());
    // On a terminal: ten refreshes a second, drawn.
    let top = Tmux::top(&pm2, &[tree.to_str().unwrap(), "--interval", "100ms"]);
    top.both_online();
    std::thread::sleep(Duration::from_secs(2));
    let pid = top.pid();
    let (cpu, since) = (cpu_ms(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(5));
    let used = cpu_ms(pid) - cpu;
    // At most one refresh per 100 ms (each waits 100 ms after the last), so this is
    // the least a refresh costs; the plain run below counts them exactly.
    let refreshes = since.elapsed().as_millis() as u64 / 100;
    eprintln!(
        "top on a terminal: {used} ms of CPU in {} ms at one refresh per 100 ms: at least {:.2} ms per refresh",
        since.elapsed().as_millis(),
        used as f64 / refreshes as f64
    );
    // Plain, counted exactly: 50 refreshes, start and connection included.
    let out = pm2
        .command("bash")
        .args(["-c", "\"$@\" > /dev/null; times", "_"])
        .arg(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["top", tree.to_str().unwrap(), "-n", "50", "--interval", "100ms"])
        .output()
        .unwrap();
    ok(&out);
    let times = String::from_utf8_lossy(&out.stdout);
    let seconds = |t: &str| -> f64 {
        let (m, s) = t.trim_end_matches('s').split_once('m').unwrap();
        m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
    };
    let children: Vec<f64> = times
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(seconds)
        .collect();
    let total_ms = (children[0] + children[1]) * 1000.0;
    eprintln!(
        "top -n 50: {total_ms:.0} ms of CPU in all: {:.2} ms per refresh, start included",
        total_ms / 50.0
    );
    // A debug build, two apps; the README has a release build's figures.
    assert!(total_ms / 50.0 < 40.0, "{total_ms} ms for 50 refreshes");
    assert!(
        (used as f64) / (refreshes as f64) < 40.0,
        "{used} ms for {refreshes} refreshes"
    );
}

#[test]
fn without_a_terminal_it_prints_a_plain_table_per_refresh() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let tree = synced_tree(&pm2, dir.path());
    let out = cli(
        &pm2,
        dir.path(),
        &["top", tree.to_str().unwrap(), "-n", "2", "--interval", "200ms"],
    );
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let tables: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{text}");
    for table in tables {
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[0].starts_with("pm2-clj top ") && lines[0].contains("UTC: 2 apps (pm2 listed in "),
            "{text}"
        );
        assert!(lines[1].starts_with("APP    STATUS  PID"), "{text}");
        for (line, app) in lines[2..].iter().zip(["alpha", "beta"]) {
            let cells: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cells[..2], [app, "online"], "{text}");
            assert!(
                line.contains("in sync") && line.ends_with("tree/apps.pm2.edn"),
                "{text}"
            );
        }
    }
    assert!(!text.contains('\u{1b}'), "no escape sequences: {text:?}");
}

#[test]
fn an_empty_folder_no_daemon_and_a_small_terminal_are_labelled_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["top", "-n", "1"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    exits(&out, 1);
    let text = said(&out);
    assert!(
        text.contains("top::no-sources") && text.contains("no .pm2.edn source under ."),
        "{text}"
    );
    quiet(dir.path(), "a.pm2.edn", &["a"], "1");
    for (args, words) in [
        (["--interval", "0s"], "--interval 0ns is too short"),
        (["-n", "0"], "-n 0 prints nothing"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .arg("top")
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        exits(&out, 2);
        assert!(
            said(&out).contains("cli::usage") && said(&out).contains(words),
            "{}",
            said(&out)
        );
    }
    // No daemon: top starts none.
    let home = tempfile::Builder::new()
        .prefix("pm2n")
        .tempdir_in("/tmp")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["top", "-n", "1"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("PM2_HOME", home.path())
        .env("PM2_BIN", pm2_clj_testkit::pm2_bin())
        .output()
        .unwrap();
    exits(&out, 1);
    assert!(said(&out).contains("top::no-daemon"), "{}", said(&out));
    assert!(
        said(&out).contains("pm2's daemon is not running (no rpc.sock in"),
        "{}",
        said(&out)
    );
    assert!(!home.path().join("rpc.sock").exists() && !home.path().join("pm2.pid").exists());
    if !tmux_here() {
        return;
    }
    let top = Tmux::start(
        50,
        20,
        &[],
        Path::new(env!("CARGO_BIN_EXE_pm2-clj")),
        &["top", dir.path().join("a.pm2.edn").to_str().unwrap()],
    );
    eventually("top to end", Duration::from_secs(10), || top.ended());
    let pane = top.tmux(&["capture-pane", "-p", "-S", "-", "-t", "top"]);
    assert!(pane.contains("top::too-small"), "{pane}");
    assert!(
        pane.contains("the terminal is 50×20; top needs at least 60×1"),
        "{pane}"
    );
}
