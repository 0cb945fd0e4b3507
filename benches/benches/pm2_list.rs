//! pm2's process list of 50 apps, on one daemon, read four ways: the native client on
//! pm2's daemon socket, pm2's own Node client (the helper driver), and `pm2 jlist`; the
//! first two both on a connected driver (what `watch` pays per look) and from nothing
//! (connect, then list: what one pm2-clj command pays).
//!
//! Run with `cargo bench -p pm2-clj-benches --bench pm2_list`.

use std::process::Stdio;
use std::time::Duration;

use pm2_clj_benches::{median, time};
use pm2_clj_runtime::pm2::native::Client;
use pm2_clj_runtime::pm2::{Pm2Options, connect, connect_node};
use pm2_clj_testkit::{Pm2, repo_root};
use serde_json::json;

const APPS: usize = 50;
const RUNS: usize = 20;

fn main() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let server = repo_root().join("examples/apps/server.js");
    let apps: Vec<_> = (0..APPS)
        .map(|i| json!({"name": format!("app{i}"), "script": server, "env": {"PORT": "0"}}))
        .collect();
    let file = dir.path().join("fifty.json");
    std::fs::write(&file, json!({ "apps": apps }).to_string()).unwrap();
    assert!(pm2.run(&["start", file.to_str().unwrap()]).status.success());
    let names: Vec<String> = (0..APPS).map(|i| format!("app{i}")).collect();
    pm2.wait_online(&names.iter().map(String::as_str).collect::<Vec<_>>());

    let options = Pm2Options {
        timeout: Duration::from_secs(30),
        bin: Some(pm2.bin().to_path_buf()),
        home: Some(pm2.home().to_path_buf()),
        ..Default::default()
    };
    let home = Some(pm2.home());
    let native = Client::connect(home, options.timeout).unwrap();
    let bytes = serde_json::to_vec(&pm2.jlist().iter().map(|a| &a.raw).collect::<Vec<_>>()).unwrap();
    let helper = connect_node(&options).unwrap().pm2;
    let describe = connect(&options).unwrap().pm2.describe();
    assert!(describe.contains("daemon's socket"), "{describe}");

    let mut rows: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut measure = |what, f: &dyn Fn()| {
        f();
        rows.push((what, (0..RUNS).map(|_| time(f)).collect()));
    };
    measure("native client, connected", &|| {
        assert_eq!(native.list().unwrap().len(), APPS)
    });
    measure("native client, connect + list", &|| {
        let client = Client::connect(home, options.timeout).unwrap();
        assert_eq!(client.list().unwrap().len(), APPS);
    });
    measure("Node helper, connected", &|| {
        assert_eq!(helper.list().unwrap().len(), APPS)
    });
    measure("Node helper, start + list", &|| {
        assert_eq!(connect_node(&options).unwrap().pm2.list().unwrap().len(), APPS)
    });
    measure("pm2 jlist", &|| {
        let out = pm2
            .command(pm2.bin())
            .arg("jlist")
            .stderr(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success());
    });

    println!(
        "list of {APPS} processes ({} KB of JSON), one daemon, median of {RUNS} runs:",
        bytes.len() / 1024
    );
    let base = median(rows[0].1.clone());
    for (what, times) in rows {
        let m = median(times);
        println!(
            "  {what:<32} {:>9.2} ms  ({:.1}x the connected native client)",
            m.as_secs_f64() * 1000.0,
            m.as_secs_f64() / base.as_secs_f64()
        );
    }
}
