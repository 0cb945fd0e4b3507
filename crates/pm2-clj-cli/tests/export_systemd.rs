//! `pm2-clj export --target systemd` against a real systemd: the example shop exported on
//! this machine (every unit passes `systemd-analyze verify` without a word), then
//! exported again and installed with `--install` inside a Debian container booted with
//! systemd-nspawn (tools/nspawn: a debootstrapped tree, cached), where the target starts
//! every instance with its NODE_APP_INSTANCE and its own port, a killed instance comes
//! back after RestartSec=, the cron timer restarts the worker, the secret arrives from
//! the EnvironmentFile=, `pm2-clj health --no-pm2` passes (and fails once stopped), and
//! stopping the target sends every app SIGINT.
//!
//! It needs root, systemd-nspawn and debootstrap (`.ci/run` installs them). Where the
//! machine cannot boot a container it says so in one line and passes, unless
//! `PM2_CLJ_REQUIRE_NSPAWN=1` (set by `.ci/run`), which makes that a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod engines;
use engines::{text, which};

fn repo() -> PathBuf {
    pm2_clj_testkit::repo_root()
}

fn nspawn_tool(name: &str) -> PathBuf {
    repo().join("tools/nspawn").join(name)
}

/// Skips the test with one line, or fails it when nspawn is required.
fn cannot(reason: &str) {
    engines::cannot("PM2_CLJ_REQUIRE_NSPAWN", "nspawn end-to-end test", reason);
}

/// A booted container, powered off when dropped.
struct Container {
    name: String,
}

impl Container {
    /// Runs `args` inside, as root, with a timeout; its output.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(nspawn_tool("run-in.sh"))
            .arg(&self.name)
            .args(args)
            .env("RUN_IN_TIMEOUT", "60")
            .output()
            .expect("run-in.sh")
    }

    /// Runs `args` inside and returns stdout, failing the test when it fails.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed in the container:\n{}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn sh(&self, script: &str) -> Output {
        self.run(&["sh", "-c", script])
    }

    fn prop(&self, unit: &str, property: &str) -> String {
        self.ok(&["systemctl", "show", "-p", property, "--value", unit])
    }

    /// Waits until `check` holds, polling every 100 ms; fails naming `what` after
    /// `limit`, with the journal of the shop's units.
    fn wait(&self, what: &str, limit: Duration, check: impl Fn(&Container) -> bool) -> Duration {
        let start = Instant::now();
        while !check(self) {
            if start.elapsed() > limit {
                let journal = self.run(&["journalctl", "--no-pager", "-n", "60", "-u", "shop*"]);
                panic!("timed out after {limit:?} waiting for {what}\n{}", text(&journal));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        start.elapsed()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new(nspawn_tool("stop.sh")).arg(&self.name).output();
    }
}

/// Times each step, and prints them at the end.
struct Steps(Vec<(String, Duration)>, Instant);

impl Steps {
    fn new() -> Steps {
        Steps(Vec::new(), Instant::now())
    }

    fn done(&mut self, what: &str) {
        let now = Instant::now();
        self.0.push((what.to_string(), now - self.1));
        self.1 = now;
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        for (what, took) in &self.0 {
            eprintln!("  {:6.2}s  {what}", took.as_secs_f64());
        }
    }
}

fn sha256_16(text: &str) -> String {
    let out = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)[..16].to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A secret with every character an environment file could misread.
const SECRET: &str = "s3cr'et \"quoted\" $HOME \\n %i #x `id`\nsecond line ";

#[test]
fn the_example_runs_under_a_real_systemd() {
    let mut steps = Steps::new();
    if !nix_root() {
        return cannot("it must run as root");
    }
    for tool in ["systemd-nspawn", "debootstrap", "nsenter", "systemd-analyze"] {
        if which(tool).is_none() {
            return cannot(&format!(
                "{tool} is not installed (apt-get install systemd-container debootstrap)"
            ));
        }
    }
    if which("node").is_none() {
        return cannot("node is not installed");
    }
    let prepare = Command::new(nspawn_tool("prepare.sh"))
        .output()
        .expect("prepare.sh");
    if !prepare.status.success() {
        let out = text(&prepare);
        return cannot(&format!(
            "tools/nspawn/prepare.sh failed: {}",
            out.lines().last().unwrap_or("")
        ));
    }
    steps.done("prepare the Debian tree (cached)");

    // The example, in a folder the container sees at the same path.
    let project = tempfile::Builder::new()
        .prefix("pm2-clj-e2e-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let dir = project.path().to_path_buf();
    copy_dir(&repo().join("examples/export"), &dir);
    let _ = std::fs::remove_dir_all(dir.join("logs"));
    let source = dir.join("shop.pm2.edn");
    let out_dir = dir.join("dist/systemd");
    let export_args = |out: &Path| -> Vec<String> {
        vec![
            "export".into(),
            source.display().to_string(),
            "--target".into(),
            "systemd".into(),
            "-o".into(),
            out.display().to_string(),
            "--no-process-env".into(),
            "--env".into(),
            format!("SHOP_API_TOKEN={SECRET}"),
            "--set".into(),
            "apps.shop-worker.cron-restart=*/5 * * * * *".into(),
        ]
    };

    // On this machine: export, and verify every unit.
    let exported = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(export_args(&out_dir))
        .output()
        .unwrap();
    assert!(exported.status.success(), "export failed:\n{}", text(&exported));
    let units: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| [".service", ".target", ".timer"].iter().any(|s| n.ends_with(s)))
        .map(|n| format!("./{n}"))
        .collect();
    let verify = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .current_dir(&out_dir)
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .unwrap();
    assert!(
        verify.status.success() && text(&verify).is_empty(),
        "systemd-analyze verify {units:?} said:\n{}",
        text(&verify)
    );
    steps.done("export and systemd-analyze verify on this machine");

    // Boot, with the project and this build of pm2-clj at their own paths.
    let name = format!("pm2clj-e2e-{}", std::process::id());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_pm2-clj"));
    let boot = Command::new(nspawn_tool("boot.sh"))
        .args(["", &name, "--"])
        .arg(format!("--bind={}", dir.display()))
        .arg(format!("--bind-ro={}", bin.display()))
        .env("NSPAWN_BIND_NODE", "1")
        .output()
        .expect("boot.sh");
    if !boot.status.success() {
        let _ = Command::new(nspawn_tool("stop.sh")).arg(&name).output();
        let out = text(&boot);
        let reason = out
            .lines()
            .rfind(|l| l.contains("boot failed"))
            .unwrap_or(out.trim());
        return cannot(&format!("systemd-nspawn cannot boot a container here: {reason}"));
    }
    let ct = Container { name };
    steps.done("boot the container (systemd running)");

    // Inside: export again and install, as a user would.
    let mut args = export_args(&out_dir);
    args.push("--install".into());
    let mut install = vec![bin.to_str().unwrap()];
    install.extend(args.iter().map(String::as_str));
    let installed = ct.ok(&install);
    assert!(installed.contains("systemctl enable shop.target"), "{installed}");
    assert_eq!(
        ct.ok(&["stat", "-c", "%a", "/etc/systemd/system/shop-web.env"]),
        "600"
    );
    assert_eq!(ct.ok(&["systemctl", "is-enabled", "shop.target"]), "enabled");
    steps.done("pm2-clj export --install inside (daemon-reload, enable)");

    // One start starts everything: both instances, each with its number and port.
    ct.ok(&["systemctl", "start", "shop.target"]);
    let logs = dir.join("logs");
    let log = |file: &str| std::fs::read_to_string(logs.join(file)).unwrap_or_default();
    for unit in ["shop-web@0.service", "shop-web@1.service", "shop-worker.service"] {
        ct.wait(&format!("{unit} active"), Duration::from_secs(15), |c| {
            c.prop(unit, "ActiveState") == "active"
        });
    }
    ct.wait("both instances listening", Duration::from_secs(15), |_| {
        log("shop-web.out-0.log").contains("web 0 listening on 3100")
            && log("shop-web.out-1.log").contains("web 1 listening on 3101")
    });
    assert!(log("shop-worker.out.log").contains("worker 0 started"));
    assert!(ct.ok(&["systemctl", "is-active", "shop-worker-restart.timer"]) == "active");
    steps.done("systemctl start shop.target: web@0, web@1 (ports 3100, 3101), worker");

    // pm2-clj health asks the exported apps, without pm2.
    let source_arg = source.display().to_string();
    let health = ct.ok(&[bin.to_str().unwrap(), "health", "--no-pm2", &source_arg]);
    assert!(health.contains("ok    shop-web: tcp check passes"), "{health}");
    steps.done("pm2-clj health --no-pm2: shop-web's tcp check passes");

    // The secret came from the EnvironmentFile, every character intact.
    let hash = sha256_16(SECRET);
    for file in ["shop-web.out-0.log", "shop-web.out-1.log", "shop-worker.out.log"] {
        assert!(
            log(file).contains(&format!("token-sha256={hash}")),
            "{file}: {}",
            log(file)
        );
    }
    let unit = std::fs::read_to_string(out_dir.join("shop-web@.service")).unwrap();
    assert!(!unit.contains("s3cr"), "the secret is in the unit");
    steps.done("the secret arrived from the EnvironmentFile");

    // A killed instance comes back after RestartSec= (1 s).
    let pid = ct.prop("shop-web@1.service", "MainPID");
    ct.sh(&format!("kill -9 {pid}"));
    let took = ct.wait("shop-web@1 restarted", Duration::from_secs(10), |c| {
        let now = c.prop("shop-web@1.service", "MainPID");
        now != "0" && now != pid
    });
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "restarted after {took:?}, RestartSec=1000ms"
    );
    assert_eq!(ct.prop("shop-web@1.service", "NRestarts"), "1");
    steps.done(&format!(
        "kill -9 web@1: restarted after {:.2}s",
        took.as_secs_f64()
    ));

    // The cron timer (every 5 s here) restarts the worker, with SIGINT.
    let worker = ct.prop("shop-worker.service", "MainPID");
    ct.wait(
        "the cron timer to restart the worker",
        Duration::from_secs(15),
        |c| {
            let now = c.prop("shop-worker.service", "MainPID");
            now != "0" && now != worker
        },
    );
    assert!(log("shop-worker.out.log").contains(&format!("worker 0 got SIGINT pid={worker}")));
    assert_eq!(ct.prop("shop-worker-restart.service", "Result"), "success");
    steps.done("the cron timer fired: the worker got SIGINT and started again");

    // Stopping the target stops everything, each app with SIGINT.
    let web0 = ct.prop("shop-web@0.service", "MainPID");
    let web1 = ct.prop("shop-web@1.service", "MainPID");
    ct.ok(&["systemctl", "stop", "shop.target"]);
    for unit in [
        "shop-web@0.service",
        "shop-web@1.service",
        "shop-worker.service",
        "shop-worker-restart.timer",
    ] {
        ct.wait(&format!("{unit} inactive"), Duration::from_secs(10), |c| {
            c.prop(unit, "ActiveState") == "inactive"
        });
    }
    for unit in ["shop-web@0.service", "shop-web@1.service", "shop-worker.service"] {
        assert_eq!(ct.prop(unit, "Result"), "success", "{unit}");
    }
    assert!(log("shop-web.out-0.log").contains(&format!("web 0 got SIGINT pid={web0}")));
    assert!(log("shop-web.out-1.log").contains(&format!("web 1 got SIGINT pid={web1}")));
    let health = ct.run(&[bin.to_str().unwrap(), "health", "--no-pm2", &source_arg]);
    assert!(
        !health.status.success(),
        "health passes with the apps stopped:\n{}",
        text(&health)
    );
    steps.done("systemctl stop shop.target: every app got SIGINT, stopped cleanly");

    drop(ct);
    steps.done("power off");
    eprintln!("nspawn end-to-end, step by step:");
}

fn nix_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
