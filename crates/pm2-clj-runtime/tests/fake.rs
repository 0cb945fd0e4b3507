//! The runtime driven as an embedder drives it, through the public `fake` pm2: a source
//! loaded by the pipeline, started by the verb policy, verified, and stopped.

use std::time::Duration;

use pm2_clj_runtime::events::Quiet;
use pm2_clj_runtime::fake::FakePm2;
use pm2_clj_runtime::pm2::Pm2;
use pm2_clj_runtime::verbs::{Verb, VerbOptions, run};
use pm2_clj_sync::desired::prepare;
use pm2_clj_sync::load::LoadSettings;

#[test]
fn a_source_starts_and_stops_on_the_fake_pm2() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("a.pm2.edn");
    std::fs::write(
        &source,
        r#"{:apps [{:name "web" :script "web.js" :min-uptime 100} {:name "job" :script "job.js" :min-uptime 100}]}"#,
    )
    .unwrap();
    let state = prepare(&source, &LoadSettings::default());
    let pm2 = FakePm2::default();
    let options = VerbOptions {
        only: Vec::new(),
        rollback: true,
        wait: Duration::from_secs(5),
        lock_wait: Duration::from_secs(5),
        home: Some(dir.path().join("home")),
    };
    let started = run(&pm2, Verb::Start { restart: false }, &state, &options, &Quiet).unwrap();
    assert!(started.units.iter().all(|u| u.succeeded()), "{:?}", started.units);
    // The two starts run at once: either may reach pm2 first.
    let mut calls = pm2.calls();
    calls.sort();
    assert_eq!(calls, ["start job", "start web"]);
    let stopped = run(&pm2, Verb::Stop, &state, &options, &Quiet).unwrap();
    assert!(stopped.units.iter().all(|u| u.succeeded()));
    assert!(pm2.list().unwrap().iter().all(|p| p.status.as_str() == "stopped"));
}
