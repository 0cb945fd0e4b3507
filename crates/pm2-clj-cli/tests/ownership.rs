//! One ownership model end to end, against the real pm2: `start` and `sync` share
//! markers, `--adopt` takes apps over, a name two sources claim is applied from neither,
//! the desired state is running, `--profile` over mixed trees, `status`, `logs`, pure
//! JSON output, and the command-line fallback driver.

mod common;

use std::time::Duration;

use common::*;
use pm2_clj_testkit::Pm2;
use serde_json::Value as Json;

const LONG: Duration = Duration::from_secs(30);

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn start_then_sync_of_the_same_file_changes_nothing() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "a.pm2.edn", &["web", "job"], "1");
    ok(&cli(&pm2, dir.path(), &["start", "a.pm2.edn"]));
    let before = snapshot(&pm2);
    let out = cli(&pm2, dir.path(), &["sync", "a.pm2.edn"]);
    ok(&out);
    assert!(
        stdout(&out).contains("0 to change, 2 unchanged"),
        "{}",
        said(&out)
    );
    assert!(!said(&out).contains("conflict"), "{}", said(&out));
    assert_eq!(snapshot(&pm2), before);
}

#[test]
fn adopt_takes_over_an_app_started_by_hand() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    assert!(
        pm2.run(&["start", service().to_str().unwrap(), "--name", "web"])
            .status
            .success()
    );
    pm2.wait_online(&["web"]);
    quiet(dir.path(), "tree/a.pm2.edn", &["web"], "1");
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    exits(&out, 1);
    assert!(
        stdout(&out).contains("pm2-clj did not start it"),
        "{}",
        said(&out)
    );
    assert!(
        pm2.app("web")[0].env_var("PM2_CLJ_SOURCE").is_none(),
        "left as it is"
    );
    let out = cli(&pm2, dir.path(), &["sync", "tree", "--adopt"]);
    ok(&out);
    assert!(stdout(&out).contains("-/+ recreate web"), "{}", said(&out));
    assert!(
        pm2.app("web")[0]
            .env_var("PM2_CLJ_SOURCE")
            .is_some_and(|s| s.ends_with("tree/a.pm2.edn"))
    );
    assert!(stdout(&cli(&pm2, dir.path(), &["sync", "tree"])).contains("0 to change, 1 unchanged"));
}

#[test]
fn a_name_two_sources_define_is_applied_from_neither_and_check_says_so() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a.pm2.edn", &["dup", "solo"], "1");
    quiet(dir.path(), "tree/b.pm2.edn", &["dup"], "2");
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    exits(&out, 1);
    let text = said(&out);
    assert!(text.contains("sync::name-claimed-twice"), "{text}");
    assert!(
        text.contains("tree/a.pm2.edn") && text.contains("tree/b.pm2.edn"),
        "{text}"
    );
    assert!(
        text.contains("also defined here"),
        "both places are labelled: {text}"
    );
    assert!(pm2.app("dup").is_empty(), "started from neither");
    pm2.wait_online(&["solo"]);
    let out = cli(&pm2, dir.path(), &["check", "tree"]);
    exits(&out, 1);
    assert!(said(&out).contains("sync::name-claimed-twice"), "{}", said(&out));
}

#[test]
fn sync_starts_an_owned_app_found_stopped() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a.pm2.edn", &["web"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    assert!(pm2.run(&["stop", "web"]).status.success());
    let out = cli(&pm2, dir.path(), &["sync", "tree"]);
    ok(&out);
    assert!(
        stdout(&out).contains("+   start    web  (tree/a.pm2.edn: stopped in pm2)"),
        "{}",
        said(&out)
    );
    assert_eq!(pm2.app("web")[0].status(), "online");
}

#[test]
fn sync_with_a_profile_some_sources_lack_uses_them_as_they_are() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let with = format!(
        "{{:apps [{}]\n :profiles {{:prod {{:apps [{{:name \"web\" :env {{:VERSION \"prod\"}}}}]}}}}}}\n",
        app("web", "quiet", 0, "1", "")
    );
    write(dir.path(), "tree/with.pm2.edn", &with);
    quiet(dir.path(), "tree/without.pm2.edn", &["job"], "1");
    let out = cli(&pm2, dir.path(), &["sync", "tree", "--profile", "prod"]);
    ok(&out);
    let text = said(&out);
    assert!(
        text.contains("emit::profile-not-here") && text.contains("without.pm2.edn"),
        "{text}"
    );
    assert_eq!(pm2.app("web")[0].env_var("VERSION"), Some("prod"));
    assert_eq!(pm2.app("job")[0].env_var("VERSION"), Some("1"));
}

#[test]
fn status_shows_what_runs_and_how_it_drifts() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/a.pm2.edn", &["web", "job"], "1");
    ok(&cli(&pm2, dir.path(), &["sync", "tree"]));
    write(
        dir.path(),
        "tree/a.pm2.edn",
        &source(&[
            app("web", "quiet", 0, "2", ""),
            app("job", "quiet", 0, "1", ""),
            app("new", "quiet", 0, "1", ""),
        ]),
    );
    let out = cli(&pm2, dir.path(), &["status", "tree"]);
    ok(&out);
    let text = stdout(&out);
    let row = |app: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{app} ")))
            .unwrap_or_else(|| panic!("{text}"))
            .to_string()
    };
    assert!(
        row("web").contains("online") && row("web").contains("would reload") && row("web").contains("yes"),
        "{text}"
    );
    assert!(row("job").contains("in sync"), "{text}");
    assert!(row("new").contains("missing"), "{text}");
    assert!(
        text.contains("3 apps: 1 in sync, 1 missing, 1 would reload"),
        "{text}"
    );
    let out = cli(&pm2, dir.path(), &["status", "tree", "--format", "json"]);
    ok(&out);
    let lines: Vec<Json> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let web = lines.iter().find(|l| l["app"] == "web").unwrap();
    assert_eq!(
        (
            web["status"].as_str(),
            web["owned"].as_bool(),
            web["drift"].as_str()
        ),
        (Some("online"), Some(true), Some("would reload"))
    );
    assert!(web["pid"].as_u64().unwrap() > 0 && web["memory"].as_u64().unwrap() > 0);
    assert_eq!(lines[3]["summary"]["apps"], 3);
}

#[test]
fn logs_show_only_the_apps_asked_for() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let chatty = |name: &str| {
        format!(
            "{{:name {name:?} :script \"node\" :interpreter \"none\" :min-uptime 300 :args [\"-e\" \"console.log('hello from {name}'); setInterval(()=>{{}},60000)\"]}}"
        )
    };
    write(dir.path(), "a.pm2.edn", &source(&[chatty("one"), chatty("two")]));
    ok(&cli(&pm2, dir.path(), &["start", "a.pm2.edn"]));
    let mut text = String::new();
    eventually("the log line", LONG, || {
        let out = cli(
            &pm2,
            dir.path(),
            &["logs", "a.pm2.edn", "--only", "two", "--nostream", "--lines", "5"],
        );
        text = stdout(&out);
        text.contains("hello from two")
    });
    assert!(text.lines().all(|l| l.contains("|two |")), "{text}");
    assert!(!text.contains("hello from one"), "{text}");
}

#[test]
fn json_modes_print_only_json_lines() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    quiet(dir.path(), "tree/good.pm2.edn", &["web"], "1");
    write(dir.path(), "tree/broken.pm2.edn", "{:apps [");
    assert!(
        pm2.run(&["start", service().to_str().unwrap(), "--name", "taken"])
            .status
            .success()
    );
    quiet(dir.path(), "tree/taken.pm2.edn", &["taken"], "1");
    for flag in [["--message-format", "json"], ["--format", "json"]] {
        let out = cli(&pm2, dir.path(), &["sync", "tree", flag[0], flag[1]]);
        exits(&out, 1);
        let lines: Vec<Json> = stdout(&out)
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{}", said(&out)))
            })
            .collect();
        let events: Vec<&str> = lines.iter().filter_map(|l| l["event"].as_str()).collect();
        assert!(
            events.contains(&"source-failed") && events.contains(&"plan"),
            "{events:?}"
        );
        let failed = lines.iter().find(|l| l["event"] == "source-failed").unwrap();
        assert_eq!(failed["diagnostics"][0]["code"], "read::unclosed-delimiter");
        let plan = lines.iter().find(|l| l["event"] == "plan").unwrap();
        assert_eq!(plan["conflicts"][0]["code"], "sync::not-owned");
    }
}

#[test]
fn the_command_line_driver_works_when_the_pm2_package_cannot_be_loaded() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let wrapper = write(
        dir.path(),
        "bin/pm2",
        &format!("#!/bin/sh\nexec {:?} \"$@\"\n", pm2.bin()),
    );
    std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    quiet(dir.path(), "tree/a.pm2.edn", &["web", "job"], "1");
    let run = |args: &[&str]| {
        pm2.command(env!("CARGO_BIN_EXE_pm2-clj"))
            .args(args)
            .current_dir(dir.path())
            .env("PM2_BIN", &wrapper)
            .output()
            .unwrap()
    };
    let out = run(&["sync", "tree"]);
    ok(&out);
    assert!(
        said(&out).contains("through pm2's command line"),
        "{}",
        said(&out)
    );
    pm2.wait_online(&["web", "job"]);
    quiet(dir.path(), "tree/a.pm2.edn", &["web"], "2");
    ok(&run(&["sync", "tree"]));
    assert_eq!(pm2.app("web")[0].env_var("VERSION"), Some("2"));
    assert!(pm2.app("job").is_empty());
}
