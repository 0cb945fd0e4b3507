//! pm2-clj against pm2's own command line, on the real pm2 (installed into tools/pm2 by
//! the test kit), each side on a fresh, isolated daemon, ratios in one run:
//!
//! 1. the first `pm2-clj sync` of 10 files × 5 apps (which also proves every app
//!    online and stable) against `pm2 start` of one file with the same 50 apps;
//! 2. a `pm2-clj sync` that has nothing to do, and `pm2-clj status` of the tree,
//!    against one `pm2 jlist`;
//! 3. `pm2-clj watch`: from writing a changed 5-app file until all five have restarted
//!    (a new `pm_uptime` in pm2's list), against `pm2 reload FILE --only` of those five
//!    until the same;
//! 4. crash detection: an app that exits inside its stability window writes the time it
//!    exits; from then until `pm2-clj start` reports it unhealthy (its JSON line read).
//!
//! Run with `cargo bench -p pm2-clj-benches --bench pm2`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pm2_clj_benches::{cli_binary, median};
use pm2_clj_runtime::pm2::{Pm2 as Driver, Pm2Options, connect};
use pm2_clj_testkit::{Pm2, repo_root};
use serde_json::json;

const FILES: usize = 10;
const APPS: usize = 5;
const ROUNDS: usize = 5;
/// Crashes timed per round.
const CRASHES: usize = 3;

/// An app that runs for 700 ms, writes the time (ms since the epoch) to `$MARK`, and
/// exits 1.
const CRASHER: &str = "const fs = require('fs');\nsetInterval(() => {}, 1000);\nsetTimeout(() => { fs.writeFileSync(process.env.MARK, String(Date.now())); process.exit(1); }, 700);\n";

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// From the crasher's exit until `pm2-clj start` reports it unhealthy.
fn crash_detection(pm2: &Pm2, cli: &Path, dir: &Path, round: usize) -> Duration {
    let folder = dir.join(format!("crash{round}"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("crash.js"), CRASHER).unwrap();
    let mark = folder.join("exited");
    let _ = std::fs::remove_file(&mark);
    std::fs::write(
        folder.join("crash.pm2.edn"),
        format!(
            "{{:apps [{{:name \"crasher{round}\" :script \"crash.js\" :autorestart false :min-uptime 5000 :env {{:MARK {:?}}}}}]}}",
            mark.to_str().unwrap()
        ),
    )
    .unwrap();
    let mut child = pm2
        .command(cli)
        .args(["start", "crash.pm2.edn", "--message-format", "json"])
        .current_dir(&folder)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut known = None;
    for line in stdout.lines() {
        let line = line.unwrap();
        if known.is_none() && line.contains("\"event\":\"unhealthy\"") {
            known = Some(now_ms());
        }
    }
    let _ = child.wait();
    let known = known.expect("pm2-clj reported the crash");
    let exited: u64 = std::fs::read_to_string(&mark).unwrap().trim().parse().unwrap();
    Duration::from_millis(known.saturating_sub(exited))
}

fn server() -> PathBuf {
    repo_root().join("examples/apps/server.js")
}

/// App `j` of file `i` at `version`, as pm2-clj source and as pm2 JSON.
fn app(i: usize, j: usize, version: u32) -> (String, serde_json::Value) {
    let name = format!("d{i}a{j}");
    let edn = format!(
        "{{:name {name:?} :script {:?} :env {{:VERSION \"{version}\"}}}}",
        server()
    );
    let json = json!({"name": name, "script": server(), "env": {"VERSION": version.to_string()}});
    (edn, json)
}

fn write_tree(dir: &Path, version: u32) {
    for i in 0..FILES {
        let apps: Vec<String> = (0..APPS).map(|j| app(i, j, version).0).collect();
        let folder = dir.join(format!("tree/d{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("ecosystem.pm2.edn"),
            format!("{{:apps [{}]}}", apps.join(" ")),
        )
        .unwrap();
    }
}

fn write_json(path: &Path, files: std::ops::Range<usize>, version: u32) -> Vec<String> {
    let apps: Vec<serde_json::Value> = files
        .flat_map(|i| (0..APPS).map(move |j| app(i, j, version).1))
        .collect();
    std::fs::write(path, json!({ "apps": apps }).to_string()).unwrap();
    apps.iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

fn run(command: &mut Command) -> Duration {
    let start = Instant::now();
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    start.elapsed()
}

fn driver(pm2: &Pm2) -> Box<dyn Driver> {
    connect(&Pm2Options {
        bin: Some(pm2.bin().to_path_buf()),
        home: Some(pm2.home().to_path_buf()),
        ..Default::default()
    })
    .unwrap()
    .pm2
}

/// The `pm_uptime`s of the apps named in `names`.
fn uptimes(driver: &dyn Driver, names: &[String]) -> Vec<u64> {
    let list = driver.list().unwrap();
    names
        .iter()
        .map(|n| list.iter().find(|p| &p.name == n).map_or(0, |p| p.started_at))
        .collect()
}

/// Waits until every app in `names` started after `before`; returns when that was.
fn until_restarted(driver: &dyn Driver, names: &[String], before: &[u64]) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = uptimes(driver, names);
        if now.iter().zip(before).all(|(n, b)| n > b) {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "the apps did not restart");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ratio(what: &str, ours: Duration, theirs: Duration, target: f64) {
    let r = ours.as_secs_f64() / theirs.as_secs_f64();
    println!("{what}: pm2-clj {ours:>9.2?}   pm2 {theirs:>9.2?}   ratio {r:.2} (target <= {target})");
}

fn main() {
    let cli = cli_binary();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifty = d.join("fifty.json");
    write_json(&fifty, 0..FILES, 1);

    let (mut first, mut start, mut noop, mut jlist) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut status, mut watch, mut reload, mut crashes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        write_tree(d, 1);
        let _ = std::fs::remove_dir_all(d.join("dist"));
        let ours = Pm2::start();
        first.push(run(ours.command(&cli).args(["sync", "tree"]).current_dir(d)));
        noop.push(run(ours.command(&cli).args(["sync", "tree"]).current_dir(d)));
        status.push(run(ours.command(&cli).args(["status", "tree"]).current_dir(d)));

        let theirs = Pm2::start();
        start.push(run(theirs
            .command(theirs.bin())
            .args(["start", fifty.to_str().unwrap()])
            .current_dir(d)));
        jlist.push(run(theirs.command(theirs.bin()).arg("jlist")));

        // watch: change one file's five apps; time until all five restarted.
        let five: Vec<String> = (0..APPS).map(|j| format!("d0a{j}")).collect();
        let mut child = ours
            .command(&cli)
            .args(["watch", "tree"])
            .current_dir(d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ours_driver = driver(&ours);
        std::thread::sleep(Duration::from_secs(2));
        let before = uptimes(&*ours_driver, &five);
        let apps: Vec<String> = (0..APPS).map(|j| app(0, j, 2 + round as u32).0).collect();
        let edited = Instant::now();
        std::fs::write(
            d.join("tree/d0/ecosystem.pm2.edn"),
            format!("{{:apps [{}]}}", apps.join(" ")),
        )
        .unwrap();
        watch.push(until_restarted(&*ours_driver, &five, &before) - edited);
        let _ = child.kill();
        let _ = child.wait();

        let theirs_driver = driver(&theirs);
        let file5 = d.join("five.json");
        write_json(&file5, 0..1, 2 + round as u32);
        let before = uptimes(&*theirs_driver, &five);
        let asked = Instant::now();
        run(theirs
            .command(theirs.bin())
            .args(["reload", file5.to_str().unwrap(), "--only", &five.join(",")])
            .current_dir(d));
        reload.push(until_restarted(&*theirs_driver, &five, &before) - asked);

        for crash in 0..CRASHES {
            crashes.push(crash_detection(&ours, &cli, d, round * CRASHES + crash));
        }
    }
    println!("{ROUNDS} rounds, fresh daemons, medians:");
    ratio(
        &format!(
            "first sync of {FILES} files x {APPS} apps vs pm2 start of one file with {} apps",
            FILES * APPS
        ),
        median(first),
        median(start),
        1.0,
    );
    ratio(
        "no-op re-sync vs one pm2 jlist",
        median(noop),
        median(jlist.clone()),
        0.1,
    );
    ratio(
        &format!("status of the {}-app tree vs one pm2 jlist", FILES * APPS),
        median(status),
        median(jlist),
        0.1,
    );
    ratio(
        "watch, edit to five apps restarted vs pm2 reload --only of five",
        median(watch),
        median(reload),
        0.6,
    );
    let mut sorted = crashes.clone();
    sorted.sort();
    println!(
        "crash detection, exit to reported ({} crashes): median {:?} (target <= 50ms), range {:?}..{:?}",
        crashes.len(),
        median(crashes),
        sorted[0],
        sorted[sorted.len() - 1]
    );
}
