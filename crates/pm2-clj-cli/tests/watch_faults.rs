//! `watch` under faults, against the real pm2: folders removed, renamed and moved in
//! and out, a shared-library folder replaced, the watched root removed and made again,
//! `pm2 kill`, a sync killed mid-way, and a soak of random edits.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use pm2_clj_testkit::Pm2;

const LONG: Duration = Duration::from_secs(40);

/// `rm -rf`, again while a round of the watcher writes into the folder meanwhile (as a
/// user would type it again).
fn remove_tree(path: &Path) {
    for _ in 0..20 {
        match std::fs::remove_dir_all(path) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    panic!("cannot remove {}", path.display());
}

fn names(pm2: &Pm2) -> Vec<String> {
    let mut names: Vec<String> = pm2.jlist().iter().map(|a| a.name().to_string()).collect();
    names.sort();
    names.dedup();
    names
}

fn daemon(dir: &Path, folder: &str, apps: &[&str], version: &str) {
    quiet(dir, &format!("{folder}/ecosystem.pm2.edn"), apps, version);
}

#[track_caller]
fn wait_names(pm2: &Pm2, watcher: &Watcher, want: &[&str]) {
    let mut last = Vec::new();
    let deadline = Instant::now() + LONG;
    while Instant::now() < deadline {
        last = names(pm2);
        if last == want {
            return;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    panic!("pm2 runs {last:?}, not {want:?}\n{}", watcher.log());
}

#[test]
fn watch_acts_on_folders() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A repository: the sources read a library outside the watched tree, inside it.
    std::fs::create_dir(d.join(".git")).unwrap();
    daemon(d, "tree/a", &["a1"], "1");
    daemon(d, "tree/b", &["b1"], "1");
    daemon(d, "tree/c", &["c1"], "1");
    daemon(d, "outside/d", &["d1"], "1");
    write(d, "lib/base.edn", "(def version \"1\")\n");
    let e = format!(
        "(import \"../../lib/base.edn\" :as base)\n{{:apps [{}]}}\n",
        app("e1", "quiet", 0, "1", "").replace(":VERSION \"1\"", ":VERSION base/version")
    );
    write(d, "tree/e/ecosystem.pm2.edn", &e);
    let w = Watcher::start(&pm2, d, &["tree", "--debounce", "200"]);
    wait_names(&pm2, &w, &["a1", "b1", "c1", "e1"]);

    remove_tree(&d.join("tree/a"));
    wait_names(&pm2, &w, &["b1", "c1", "e1"]);

    std::fs::rename(d.join("tree/b"), d.join("tree/b2")).unwrap();
    eventually("b1 owned by its new folder", LONG, || {
        pm2.app("b1")
            .first()
            .and_then(|a| a.env_var("PM2_CLJ_SOURCE").map(str::to_string))
            .is_some_and(|s| s.contains("tree/b2/"))
    });

    assert!(
        !w.said().contains("cannot be written") && !w.said().contains("runtime::write-file"),
        "no line for what a rename did not do: {}",
        w.said()
    );

    std::fs::rename(d.join("outside/d"), d.join("tree/d")).unwrap();
    std::fs::rename(d.join("tree/c"), d.join("outside/c")).unwrap();
    wait_names(&pm2, &w, &["b1", "d1", "e1"]);

    remove_tree(&d.join("lib"));
    write(d, "lib/base.edn", "(def version \"2\")\n");
    eventually("e1 at the replaced library's version", LONG, || {
        pm2.app("e1")
            .first()
            .and_then(|a| a.env_var("VERSION").map(str::to_string))
            .as_deref()
            == Some("2")
    });

    // The root removed: its apps are kept until it is back; then it is synced again.
    std::fs::rename(d.join("tree"), d.join("tree.old")).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(names(&pm2), ["b1", "d1", "e1"], "{}", w.log());
    std::fs::create_dir(d.join("tree")).unwrap();
    daemon(d, "tree/f", &["f1"], "1");
    wait_names(&pm2, &w, &["f1"]);
    assert!(
        w.log().contains("is gone; its apps are left as they run"),
        "{}",
        w.log()
    );
}

#[test]
fn watch_restores_the_tree_after_pm2_kill() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    daemon(dir.path(), "tree/a", &["a1", "a2"], "1");
    daemon(dir.path(), "tree/b", &["b1"], "1");
    let w = Watcher::start(
        &pm2,
        dir.path(),
        &[
            "tree",
            "--debounce",
            "200",
            "--resync-every",
            "2s",
            "--pm2-timeout",
            "5s",
        ],
    );
    wait_names(&pm2, &w, &["a1", "a2", "b1"]);
    assert!(pm2.run(&["kill"]).status.success());
    w.wait_for_daemon(&pm2);
    wait_names(&pm2, &w, &["a1", "a2", "b1"]);
}

#[test]
fn a_sync_killed_mid_way_leaves_at_most_one_source_down() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let scripts = two_scripts(dir.path());
    let tree = |script: &Path| four_sources_on(dir.path(), script);
    tree(&scripts[0]);
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    tree(&scripts[1]);
    let mut sync = pm2
        .command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(["sync", "tree"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually("the first recreate", LONG, || {
        pm2.jlist().iter().any(|a| {
            a.env_field("pm_exec_path")
                .as_str()
                .is_some_and(|p| p.ends_with("s2.js"))
        })
    });
    sync.kill().unwrap();
    sync.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let running = pm2.jlist().len();
    assert!(
        running >= 15,
        "at most one source's five apps may be down, but only {running} of 20 run"
    );
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    assert_eq!(pm2.jlist().len(), 20, "the next sync completes the change");
}

/// A small deterministic generator (xorshift), so a failing soak can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn soak_random_edits_moves_and_deletions_settle_on_the_tree() {
    let pm2 = Pm2::start();
    assert!(
        pm2.run(&["start", service().to_str().unwrap(), "--name", "bystander"])
            .status
            .success()
    );
    let bystander = pm2.wait_online(&["bystander"])[0].pid();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..20 {
        daemon(
            d,
            &format!("tree/d{i}"),
            &[&format!("d{i}x"), &format!("d{i}y")],
            "1",
        );
    }
    let w = Watcher::start(&pm2, d, &["tree", "--debounce", "200", "--resync-every", "3s"]);
    eventually("40 apps", LONG, || pm2.jlist().len() == 41);
    let mut random = Random(0x5eed_1234_abcd_0001);
    let started = Instant::now();
    let mut version = 1;
    while started.elapsed() < Duration::from_secs(20) {
        let i = random.below(20);
        let folder = d.join(format!("tree/d{i}"));
        match random.below(5) {
            0 | 1 => {
                version += 1;
                daemon(
                    d,
                    &format!("tree/d{i}"),
                    &[&format!("d{i}x"), &format!("d{i}y")],
                    &version.to_string(),
                );
            }
            2 => {
                let _ = std::fs::remove_dir_all(&folder);
            }
            3 => {
                let _ = std::fs::rename(&folder, d.join(format!("tree/moved{i}-{version}")));
            }
            _ => daemon(d, &format!("tree/d{i}"), &[&format!("d{i}x")], "1"),
        }
        std::thread::sleep(Duration::from_millis(random.below(400) as u64));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = cli(&pm2, d, &["sync", "tree", "--dry-run"]);
        // Settled: nothing to change. Random moves make names that two folders
        // define, which are rightly left alone; nothing else may be in conflict.
        let text = said(&out);
        let conflicts = text
            .lines()
            .filter(|l| l.starts_with("!   conflict"))
            .collect::<Vec<_>>();
        if text.contains("\n0 to change,") && conflicts.iter().all(|c| c.contains(": defined in")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the tree did not settle:\n{}\n--- watch log\n{}",
            said(&out),
            w.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let by = &pm2.app("bystander")[0];
    assert_eq!(
        (by.pid(), by.restarts()),
        (bystander, 0),
        "the hand-started app was never touched"
    );
}

#[test]
fn a_source_that_hits_an_evaluation_limit_does_not_stall_the_others() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    daemon(dir.path(), "tree/a", &["a1"], "1");
    write(
        dir.path(),
        "tree/slow/ecosystem.pm2.edn",
        "(defn f [n] (if (= n 0) 0 (+ 1 (f (dec n)))))\n{:apps [{:name \"slow\" :script \"x.js\" :env {:N (str (f 100000000))}}]}\n",
    );
    write(
        dir.path(),
        "tree/spin/ecosystem.pm2.edn",
        "{:apps [{:name \"spin\" :script \"x.js\" :env {:N (str (reduce + (range 1000000000)))}}]}\n",
    );
    let w = Watcher::start(&pm2, dir.path(), &["tree", "--debounce", "200"]);
    wait_names(&pm2, &w, &["a1"]);
    let edited = Instant::now();
    daemon(dir.path(), "tree/a", &["a1"], "2");
    eventually("a1 at version 2", LONG, || {
        pm2.app("a1")
            .first()
            .and_then(|a| a.env_var("VERSION").map(str::to_string))
            .as_deref()
            == Some("2")
    });
    assert!(
        edited.elapsed() < Duration::from_secs(10),
        "{:?}\n{}",
        edited.elapsed(),
        w.log()
    );
    let log = w.log();
    assert!(
        log.contains("slow/ecosystem.pm2.edn: not loaded")
            && log.contains("spin/ecosystem.pm2.edn: not loaded"),
        "{log}"
    );
}
