//! The plan against synthetic running processes (no pm2 needed): every rule of
//! ownership, change detection and safety.

use std::path::PathBuf;

use pm2_clj_sync::desired::{SourceState, prepare};
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::markers::Markers;
use pm2_clj_sync::plan::{ActionKind, Plan, plan};
use pm2_clj_sync::process::Process;
use pm2_clj_sync::scan::Scope;

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
        self.scope()
            .sources()
            .iter()
            .map(|s| prepare(s, &LoadSettings::default()))
            .collect()
    }
}

/// The processes pm2 would show after starting every app of `states` as planned.
fn running_as(states: &[SourceState]) -> Vec<Process> {
    let mut id = 0;
    states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| &p.desired)
        .map(|d| {
            id += 1;
            Process {
                name: d.name.clone(),
                pm_id: id,
                status: "online".into(),
                markers: Some(d.markers.clone()),
            }
        })
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
fn when_nothing_can_be_read_nothing_is_deleted() {
    let dir = Dir::new();
    let a = dir.write("a.pm2.edn", TWO);
    let running = running_as(&dir.states());
    std::fs::write(&a, "{").unwrap();
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
    std::fs::remove_file(&a).unwrap();
    assert!(dir.states().is_empty());
    assert!(
        plan(&[], &running, &dir.scope()).actions.is_empty(),
        "an empty directory deletes nothing"
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
    let hand_started = Process {
        name: "web".into(),
        pm_id: 7,
        status: "online".into(),
        markers: None,
    };
    let other = Process {
        name: "unrelated".into(),
        pm_id: 8,
        status: "online".into(),
        markers: None,
    };
    let p = plan(&dir.states(), &[hand_started, other], &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Start, "job")]);
    assert_eq!(p.conflicts.len(), 1);
    assert!(p.conflicts[0].contains("does not own"));
}

#[test]
fn apps_owned_by_sources_out_of_scope_are_left_alone() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let mut running = running_as(&dir.states());
    running.push(Process {
        name: "elsewhere".into(),
        pm_id: 99,
        status: "online".into(),
        markers: Some(Markers {
            source: "/somewhere/else.pm2.edn".into(),
            hash: "x".into(),
            fixed: "y".into(),
            env: vec![],
        }),
    });
    assert!(plan(&dir.states(), &running, &dir.scope()).actions.is_empty());
}

#[test]
fn a_name_in_two_sources_is_a_conflict_and_a_moved_app_is_recreated() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", TWO);
    let running = running_as(&dir.states());
    dir.write("b.pm2.edn", r#"{:apps [{:name "job" :script "job.js"}]}"#);
    let p = plan(&dir.states(), &running, &dir.scope());
    assert!(p.actions.is_empty());
    assert!(p.conflicts[0].starts_with("job: defined in"), "{:?}", p.conflicts);
    dir.write(
        "a.pm2.edn",
        r#"{:apps [{:name "web" :script "web.js" :env {:A "1" :B "2"}}]}"#,
    );
    let p = plan(&dir.states(), &running, &dir.scope());
    assert_eq!(kinds(&p), [(ActionKind::Recreate, "job")]);
    assert!(p.actions[0].reason.starts_with("moved from"));
}

#[test]
fn apps_without_names_fail_their_source() {
    let dir = Dir::new();
    dir.write("a.pm2.edn", r#"{:apps [{:script "x.js"}]}"#);
    let states = dir.states();
    let Err(reports) = &states[0].result else { panic!() };
    assert!(format!("{:?}", reports[0]).contains("without :name"));
}
