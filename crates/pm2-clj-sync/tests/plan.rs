//! The plan against synthetic running processes (no pm2 needed): every rule of
//! ownership, change detection and safety.

use std::path::PathBuf;

use pm2_clj_sync::conflict::Conflict;
use pm2_clj_sync::desired::{Desired, SourceState};
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::markers::{self, Markers};
use pm2_clj_sync::plan::{ActionKind, Plan, PlanOptions};
use pm2_clj_sync::process::Process;
use pm2_clj_sync::scan::Scope;
use serde_json::json;

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).unwrap();
        pm2_clj_sync::scan::absolute(&path)
    }

    fn scope(&self) -> Scope {
        Scope::of(&[self.0.path().to_path_buf()])
    }

    fn states(&self) -> Vec<SourceState> {
        SourceState::all(&self.scope().scan(), &LoadSettings::default(), &[])
    }
}

fn plan(states: &[SourceState], running: &[Process], scope: &Scope) -> Plan {
    pm2_clj_sync::plan::plan(states, running, scope, PlanOptions::default())
}

/// A process as pm2 lists it, read by the real parser: `name` with `env` (markers are
/// environment variables), running in `cwd`.
fn process(name: &str, pm_id: u64, status: &str, cwd: &str, env: serde_json::Value) -> Process {
    Process::from_json(&json!({
        "name": name,
        "pm_id": pm_id,
        "pm2_env": {"status": status, "pm_cwd": cwd, "env": env},
    }))
}

fn marked(d: &Desired, pm_id: u64, status: &str) -> Process {
    d.as_process(pm_id, status)
}

/// The processes pm2 would show after starting every app of `states` as planned.
fn running_as(states: &[SourceState]) -> Vec<Process> {
    desired(states)
        .iter()
        .zip(1..)
        .map(|(d, id)| marked(d, id, "online"))
        .collect()
}

fn desired(states: &[SourceState]) -> Vec<Desired> {
    states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| p.desired.iter().cloned())
        .collect()
}

fn kinds(plan: &Plan) -> Vec<(ActionKind, &str)> {
    plan.actions.iter().map(|a| (a.kind, a.app.as_str())).collect()
}

const TWO: &str =
    r#"{:apps [{:name "web" :script "web.js" :env {:A "1" :B "2"}} {:name "job" :script "job.js"}]}"#;

#[test]
fn new_apps_start_and_unchanged_apps_are_left_alone() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let states = dir.states();
    assert_eq!(
        kinds(&plan(&states, &[], &dir.scope())),
        [(ActionKind::Start, "web"), (ActionKind::Start, "job")]
    );
    let running = running_as(&states);
    let again = plan(&dir.states(), &running, &dir.scope());
    assert!(again.actions.is_empty());
    assert_eq!(again.unchanged, ["web", "job"]);
}

#[test]
fn changes_reload_unless_pm2_would_keep_the_old_value() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let running = running_as(&dir.states());
    let cases = [
        (TWO.replace(r#":A "1""#, r#":A "9""#), ActionKind::Reload),
        (TWO.replace(r#":B "2""#, r#":B "2" :C "3""#), ActionKind::Reload),
        (TWO.replace(r#" :B "2""#, ""), ActionKind::Recreate),
        (TWO.replace(r#""web.js""#, r#""web2.js""#), ActionKind::Recreate),
        (
            TWO.replace(r#":name "web""#, r#":name "web" :instances 2"#),
            ActionKind::Recreate,
        ),
        (
            TWO.replace(r#":name "web""#, r#":name "web" :cwd "/srv""#),
            ActionKind::Recreate,
        ),
        (
            TWO.replace(r#":name "web""#, r#":name "web" :max-memory-restart "1G""#),
            ActionKind::Reload,
        ),
    ];
    for (text, expected) in cases {
        dir.write("a.pm2.edn", &text);
        let p = plan(&dir.states(), &running, &dir.scope());
        assert_eq!(kinds(&p), [(expected, "web")], "{text}");
        if expected == ActionKind::Recreate {
            assert_eq!(p.actions[0].pm_ids, [1]);
        }
    }
}

#[test]
fn apps_whose_definition_is_gone_are_deleted() {
    let dir = Dir::new();
    let a = dir.write("a.pm2.edn", TWO);
    dir.write("b.pm2.edn", r#"{:apps [{:name "other" :script "o.js"}]}"#);
    let running = running_as(&dir.states());
    dir.write(
        "a.pm2.edn",
        r#"{:apps [{:name "web" :script "web.js" :env {:A "1" :B "2"}}]}"#,
    );
    assert_eq!(
        kinds(&plan(&dir.states(), &running, &dir.scope())),
        [(ActionKind::Delete, "job")]
    );
    std::fs::remove_file(&a).unwrap();
    let p = plan(&dir.states(), &running, &dir.scope());
    assert_eq!(
        kinds(&p),
        [(ActionKind::Delete, "web"), (ActionKind::Delete, "job")]
    );
    assert_eq!(p.actions[0].reason, "its source is gone");
}

#[test]
fn a_source_that_fails_keeps_its_apps() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    dir.write("b.pm2.edn", r#"{:apps [{:name "other" :script "o.js"}]}"#);
    let running = running_as(&dir.states());
    dir.write("a.pm2.edn", "{:apps [");
    let p = plan(&dir.states(), &running, &dir.scope());
    assert!(p.actions.is_empty(), "{:?}", p.actions);
}

#[test]
fn when_nothing_can_be_read_nothing_is_deleted_but_an_emptied_tree_deletes() {
    let dir = Dir::new();
    let a = dir.write("a.pm2.edn", TWO);
    let running = running_as(&dir.states());
    std::fs::write(&a, "{").unwrap();
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
    std::fs::remove_file(&a).unwrap();
    assert!(dir.states().is_empty());
    assert_eq!(
        plan(&[], &running, &dir.scope()).actions.len(),
        2,
        "a folder whose last source was removed deletes its apps, as for any removed source"
    );
    let gone = Scope {
        dirs: vec![dir.0.path().join("gone")],
        files: vec![],
    };
    let states = SourceState::all(&gone.scan(), &LoadSettings::default(), &[]);
    assert_eq!(states.len(), 1, "a tree root that is gone cannot be read");
    assert!(
        plan(&states, &running, &gone).actions.is_empty(),
        "a tree root that is gone deletes nothing"
    );
    let by_file = Scope {
        dirs: vec![],
        files: vec![a],
    };
    assert_eq!(
        plan(&[], &running, &by_file).actions.len(),
        2,
        "a named file that is gone deletes its apps"
    );
}

#[test]
fn apps_pm2_clj_does_not_own_are_never_touched() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let hand_started = process("web", 7, "online", "/srv", json!({}));
    let other = process("unrelated", 8, "online", "/srv", json!({}));
    let running = [hand_started, other];
    let p = plan(&dir.states(), &running, &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Start, "job")]);
    assert_eq!(p.conflicts.len(), 1);
    assert!(matches!(&p.conflicts[0], Conflict::NotOwned { app, .. } if app == "web"));

    // --adopt takes it over: started again from its source, now with markers.
    let adopt = PlanOptions { adopt: true };
    let p = pm2_clj_sync::plan::plan(&dir.states(), &running, &dir.scope(), adopt);
    assert_eq!(
        kinds(&p),
        [(ActionKind::Recreate, "web"), (ActionKind::Start, "job")]
    );
    assert_eq!(p.actions[0].pm_ids, [7]);
    assert!(p.conflicts.is_empty());
}

#[test]
fn markers_copied_into_another_app_are_not_ownership() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let states = dir.states();
    let web = &desired(&states)[0];
    // Started by hand from inside `web`: pm2 copied web's environment, markers included.
    let m = &web.markers;
    let leaked =
        json!({markers::SOURCE: m.source, markers::NAME: m.name, markers::CWD: m.cwd, markers::HASH: m.hash});
    let copy = process("job", 9, "online", &m.cwd, leaked.clone());
    assert!(copy.markers.is_none(), "another name");
    let elsewhere = process("web", 9, "online", "/elsewhere", leaked);
    assert!(elsewhere.markers.is_none(), "another folder");
    // And a source that no longer defines `job` does not delete it.
    dir.write(
        "a.pm2.edn",
        r#"{:apps [{:name "web" :script "web.js" :env {:A "1" :B "2"}}]}"#,
    );
    let running = [marked(web, 1, "online"), copy];
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
}

#[test]
fn apps_owned_by_sources_out_of_scope_are_left_alone() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let mut running = running_as(&dir.states());
    let elsewhere = Markers {
        source: "/somewhere/else.pm2.edn".into(),
        name: "elsewhere".into(),
        cwd: "/somewhere".into(),
        hash: "x".into(),
        fixed: "y".into(),
        env: vec![],
        inputs: Default::default(),
    };
    let d = Desired {
        name: "elsewhere".into(),
        source: "/somewhere/else.pm2.edn".into(),
        markers: elsewhere,
        autostart: true,
        instances: Some(1),
        name_place: None,
        env: Default::default(),
        increment_var: None,
    };
    running.push(marked(&d, 99, "online"));
    assert!(running[2].markers.is_some());
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
}

#[test]
fn a_name_in_two_sources_is_applied_from_neither_and_a_moved_app_is_recreated() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let running = running_as(&dir.states());
    dir.write("b.pm2.edn", r#"{:apps [{:name "job" :script "job2.js"}]}"#);
    let p = plan(&dir.states(), &running, &dir.scope());
    assert!(p.actions.is_empty(), "{:?}", p.actions);
    let Conflict::ClaimedTwice { app, sources, places } = &p.conflicts[0] else {
        panic!("{:?}", p.conflicts)
    };
    assert_eq!((app.as_str(), sources.len(), places.len()), ("job", 2, 2));
    assert_eq!(places[1].source.slice(places[1].span), "\"job\"");
    // Not started from either when it is new, either.
    let p = plan(&dir.states(), &running[..1], &dir.scope());
    assert!(p.actions.is_empty(), "{:?}", p.actions);
    dir.write(
        "a.pm2.edn",
        r#"{:apps [{:name "web" :script "web.js" :env {:A "1" :B "2"}}]}"#,
    );
    let p = plan(&dir.states(), &running, &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Recreate, "job")]);
    assert!(p.actions[0].reason.starts_with("moved from"));
}

#[test]
fn the_desired_state_is_running() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let d = desired(&dir.states());
    for status in ["stopped", "errored"] {
        let running = [marked(&d[0], 1, status), marked(&d[1], 2, "online")];
        let p = plan(&dir.states(), &running, &dir.scope());
        assert_eq!(kinds(&p), [(ActionKind::Start, "web")], "{status}");
        assert_eq!(p.actions[0].pm_ids, [1]);
    }
    // Unless the source says not to start it.
    dir.write(
        "a.pm2.edn",
        &TWO.replace(r#":name "job""#, r#":name "job" :autostart false"#),
    );
    let d = desired(&dir.states());
    let running = [marked(&d[0], 1, "online"), marked(&d[1], 2, "stopped")];
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
    // `pm2 scale` by hand: started again with the source's count.
    let running = [
        marked(&d[0], 1, "online"),
        marked(&d[0], 3, "online"),
        marked(&d[1], 2, "stopped"),
    ];
    let p = plan(&dir.states(), &running, &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Recreate, "web")]);
    assert_eq!(p.actions[0].pm_ids, [1, 3]);
}

#[test]
fn a_folder_that_cannot_be_read_keeps_its_apps() {
    let dir = Dir::new();
    let sub = dir.0.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("a.pm2.edn"), TWO).unwrap();
    let running = running_as(&dir.states());
    assert_eq!(running.len(), 2);
    std::fs::set_permissions(&sub, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let states = pm2_clj_testkit::unprivileged(|| {
        assert!(std::fs::read_dir(&sub).is_err(), "the folder is unreadable");
        dir.states()
    });
    std::fs::set_permissions(&sub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert!(
        states
            .iter()
            .any(|s| !s.loaded() && s.path == pm2_clj_sync::scan::absolute(&sub))
    );
    assert!(plan(&states, &running, &dir.scope()).actions.is_empty());
    // An unreadable root is a failure too, not a tree without sources.
    std::fs::set_permissions(dir.0.path(), std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let states = pm2_clj_testkit::unprivileged(|| dir.states());
    std::fs::set_permissions(dir.0.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert_eq!(states.len(), 1);
    assert!(!states[0].loaded());
    assert!(plan(&states, &running, &dir.scope()).actions.is_empty());
}

#[test]
fn a_file_synced_by_name_is_not_gone_when_its_folder_is_synced() {
    let dir = Dir::new();
    let plain = dir.write("plain.edn", TWO);
    let by_name = Scope::of(&[plain]);
    let states = SourceState::all(&by_name.scan(), &LoadSettings::default(), &[]);
    let running = running_as(&states);
    assert_eq!(running.len(), 2);
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
}

#[test]
fn links_out_of_the_tree_are_not_followed() {
    let dir = Dir::new();
    let tree = dir.0.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a.pm2.edn"), TWO).unwrap();
    std::fs::write(dir.0.path().join("outside.pm2.edn"), TWO).unwrap();
    std::os::unix::fs::symlink("..", tree.join("loop")).unwrap();
    std::os::unix::fs::symlink(tree.join("a.pm2.edn"), tree.join("inside.pm2.edn")).unwrap();
    let found = Scope::of(std::slice::from_ref(&tree)).scan();
    let names: Vec<String> = found
        .sources
        .iter()
        .map(|p| p.strip_prefix(&tree).unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["a.pm2.edn", "inside.pm2.edn"]);
    assert!(found.unreadable.is_empty(), "{:?}", found.unreadable);
}

#[test]
fn apps_without_names_fail_their_source() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", r#"{:apps [{:script "x.js"}]}"#);
    let states = dir.states();
    let Err(reports) = &states[0].result else { panic!() };
    assert!(format!("{:?}", reports[0]).contains("without :name"));
}

#[test]
fn an_app_reloaded_by_hand_with_other_values_is_reloaded_back() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let states = dir.states();
    let d = desired(&states);
    let mut web = marked(&d[0], 1, "online");
    assert!(
        plan(&states, &[web.clone(), marked(&d[1], 2, "online")], &dir.scope())
            .actions
            .is_empty()
    );
    web.env.insert("A".into(), "by hand".into());
    let p = plan(&states, &[web, marked(&d[1], 2, "online")], &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Reload, "web")]);
    assert_eq!(p.actions[0].reason, "env A changed by hand");
}

#[test]
fn the_ports_pm2_gives_instances_by_increment_var_are_no_drift() {
    let dir = Dir::new();
    dir.write(
        "a.pm2.edn",
        r#"{:apps [{:name "web" :script "w.js" :instances 2 :increment-var "PORT" :env {:PORT 3100}}]}"#,
    );
    let states = dir.states();
    let d = desired(&states);
    let first = marked(&d[0], 1, "online");
    let mut second = marked(&d[0], 2, "online");
    second.env.insert("PORT".into(), "3101".into());
    assert!(
        plan(&states, &[first.clone(), second.clone()], &dir.scope())
            .actions
            .is_empty(),
        "pm2 raises PORT by one for the second instance"
    );
    second.env.insert("PORT".into(), "3102".into());
    let p = plan(&states, &[first, second], &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Reload, "web")]);
    assert_eq!(p.actions[0].reason, "env PORT changed by hand");
}
