//! `pm2-clj export --target kubernetes` run for real by `podman kube play`, as a smoke
//! test of what podman reproduces of Kubernetes: an app of two replicas gets two pods,
//! each with its plain environment, its secret read through `secretKeyRef`, the
//! instance variable and the memory limit (300M: 300Mi, read by the app from its own
//! cgroup); an app with a port answers on it; a stopped pod's app receives SIGTERM. The image is made offline: the test packs
//! this machine's `node` and the libraries `ldd` lists, plus the app, into a tarball and
//! `podman import`s it; nothing is pulled. Each step is timed and printed, and so is what
//! podman does not reproduce of Kubernetes (probes, the grace period, `$(VAR)` in
//! arguments, …). Everything is removed afterwards (`podman kube down`, the secret, the
//! image).
//!
//! It needs podman (with runc and cgroupfs where systemd does not run) and node. Where
//! they are missing it says so in one line and passes, unless `PM2_CLJ_REQUIRE_PODMAN=1`
//! (set by `.ci/run`), which makes that a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod engines;
use engines::{node_tree, text, which};

fn cannot(reason: &str) {
    engines::cannot("PM2_CLJ_REQUIRE_PODMAN", "podman smoke test", reason);
}

fn podman(args: &[&str]) -> Output {
    Command::new("podman").args(args).output().expect("run podman")
}

fn podman_ok(args: &[&str]) -> String {
    let out = podman(args);
    assert!(out.status.success(), "podman {}: {}", args.join(" "), text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Times each step and prints it.
struct Steps(Vec<(String, Duration)>);

impl Steps {
    fn step<T>(&mut self, what: &str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let took = start.elapsed();
        eprintln!("  {:>8.2} s  {what}", took.as_secs_f64());
        self.0.push((what.to_string(), took));
        out
    }
}

/// What the test made, removed when dropped (whether it passed or not).
#[derive(Default)]
struct Made {
    apps: Vec<String>,
    played: Vec<PathBuf>,
    secrets: Vec<String>,
    image: Option<String>,
}

impl Drop for Made {
    fn drop(&mut self) {
        let start = Instant::now();
        for yaml in &self.played {
            let _ = podman(&["kube", "down", &yaml.display().to_string()]);
        }
        // kube down stops at a pod that failed to be made: what is left, by name.
        for app in &self.apps {
            remove_pods(app);
        }
        for s in &self.secrets {
            let _ = podman(&["secret", "rm", s]);
        }
        if let Some(image) = &self.image {
            let _ = podman(&["rmi", "--force", image]);
        }
        eprintln!(
            "  {:>8.2} s  cleaned up (podman kube down, secret rm, rmi)",
            start.elapsed().as_secs_f64()
        );
    }
}

/// Removes the pods of app `name` (`NAME-pod-N`).
fn remove_pods(name: &str) {
    let pods = podman(&["pod", "ps", "--format", "{{.Name}}"]);
    for pod in String::from_utf8_lossy(&pods.stdout).lines() {
        if pod
            .strip_prefix(&format!("{name}-pod-"))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        {
            let _ = podman(&["pod", "rm", "--force", pod]);
        }
    }
}

/// A root tree holding `node` (as /usr/bin/node, on the image's PATH), its libraries
/// and the app, packed as a tarball.
fn image_tarball(node: &Path, dir: &Path) -> PathBuf {
    let root = dir.join("root");
    node_tree(node, &root);
    std::fs::create_dir_all(root.join("srv/app")).unwrap();
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    std::fs::write(root.join("srv/app/app.js"), APP).unwrap();
    let tar = dir.join("image.tar");
    let out = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .output()
        .unwrap();
    assert!(out.status.success(), "tar: {}", text(&out));
    tar
}

/// The app: says what it was given (the token as a hash) and what memory limit its
/// cgroup has, answers HTTP on PORT when it has one, stops on SIGTERM.
const APP: &str = r#"
const fs = require("fs");
const crypto = require("crypto");
const read = (p) => { try { return fs.readFileSync(p, "utf8").trim(); } catch { return null; } };
const limit = read("/sys/fs/cgroup/memory.max") ?? read("/sys/fs/cgroup/memory/memory.limit_in_bytes");
const sha = (t) => crypto.createHash("sha256").update(t || "").digest("hex").slice(0, 16);
console.log("STATE " + JSON.stringify({
  mode: process.env.MODE, token: sha(process.env.TOKEN), instance: process.env.NODE_APP_INSTANCE,
  argv: process.argv.slice(2), limit, cwd: process.cwd(),
}));
if (process.env.PORT) require("http").createServer((q, s) => s.end("pong\n")).listen(Number(process.env.PORT));
else setInterval(() => {}, 1000);
process.on("SIGTERM", () => { console.log("SIGTERM"); process.exit(0); });
"#;

fn sha16(text: &str) -> String {
    // The same hash the app prints, computed by node on this machine.
    let out = Command::new("node")
        .args([
            "-e",
            "process.stdout.write(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex').slice(0,16))",
            text,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The containers of app `name`'s pods (`NAME-pod-N-NAME`), with their state.
fn containers(name: &str) -> Vec<(String, String)> {
    let json = podman_ok(&["ps", "-a", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
    let mut out: Vec<(String, String)> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let names = c["Names"].as_array()?;
            let n = names.first()?.as_str()?.to_string();
            (n.starts_with(&format!("{name}-pod-")) && n.ends_with(&format!("-{name}")))
                .then(|| (n, c["State"].as_str().unwrap_or_default().to_string()))
        })
        .collect();
    out.sort();
    out
}

/// The app's STATE line in a container's log, once it is there.
fn state(container: &str) -> Option<serde_json::Value> {
    let logs = text(&podman(&["logs", container]));
    let line = logs.lines().find_map(|l| l.strip_prefix("STATE "))?;
    serde_json::from_str(line).ok()
}

#[test]
fn podman_kube_play_runs_the_exported_manifests() {
    if Command::new("podman").arg("--version").output().is_err() {
        return cannot("podman is not installed (apt-get install podman runc)");
    }
    let Some(node) = which("node") else {
        return cannot("node is not on PATH");
    };
    let info = podman(&[
        "info",
        "--format",
        "{{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}}",
    ]);
    if !info.status.success() {
        return cannot(&format!("podman info failed: {}", text(&info)));
    }
    eprintln!("podman kube play smoke test ({}):", text(&info).trim());
    let mut steps = Steps(Vec::new());
    let mut made = Made::default();
    let id = std::process::id();
    let image = format!("localhost/pm2-clj-k8s-smoke:{id}");
    let (app, web) = (format!("smoke-{id}"), format!("smoke-web-{id}"));
    let port = 20000 + (id % 20000) as u16;
    let dir = tempfile::tempdir().unwrap();
    made.apps = vec![app.clone(), web.clone()];

    let tar = steps.step("image tarball (node + its ldd libraries + the app)", || {
        image_tarball(&node, dir.path())
    });
    steps.step("podman import (offline, no registry)", || {
        podman_ok(&[
            "import",
            "--change",
            "ENV PATH=/usr/local/bin:/usr/bin:/bin",
            "--change",
            "WORKDIR /srv/app",
            &tar.display().to_string(),
            &image,
        ]);
    });
    made.image = Some(image.clone());

    let source = dir.path().join("smoke.pm2.edn");
    std::fs::write(
        &source,
        format!(
            r#"{{:apps [{{:name "{app}" :image "{image}" :script "app.js" :cwd "/srv/app"
                   :instances 2 :max-memory-restart "300M" :kill-timeout 5000
                   :args ["--role" "worker" #secret "hidden-arg"]
                   :health {{:command ["true"] :interval "1s"}}
                   :env {{:MODE "prod" :TOKEN #secret "s3cr3t-token"}}}}
                  {{:name "{web}" :image "{image}" :script "app.js" :cwd "/srv/app" :port {port}
                   :health {{:http "http://127.0.0.1:{port}/" :interval "1s"}}
                   :env {{:MODE "web" :TOKEN #secret "web-token"}}}}]}}"#
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let export = steps.step("pm2-clj export --target k8s", || {
        Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .args(["export", "--target", "k8s", "-o"])
            .arg(&out_dir)
            .arg(&source)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    });
    assert!(export.status.success(), "{}", text(&export));

    // The Secrets: played as written first; podman 4.3 stores a Secret played from YAML
    // as YAML but reads secretKeyRef as the JSON of the Secret's data, so when a pod
    // then cannot read it the test creates the podman secret in that form.
    let mut secret_note = "played as written, and read by the pods".to_string();
    let mut datas = Vec::new();
    for name in [&app, &web] {
        let path = out_dir.join(format!("{name}.secret.yaml"));
        let yaml = std::fs::read_to_string(&path).unwrap();
        let secret: serde_json::Value =
            serde_norway::from_str(yaml.split("---\n").nth(1).expect("one Secret document")).unwrap();
        let secret_name = secret["metadata"]["name"].as_str().unwrap().to_string();
        made.secrets.push(secret_name.clone());
        steps.step(&format!("podman kube play {name}.secret.yaml"), || {
            podman_ok(&["kube", "play", &path.display().to_string()]);
        });
        let data = dir.path().join(format!("{secret_name}.json"));
        std::fs::write(&data, secret["data"].to_string()).unwrap();
        datas.push((secret_name, data));
    }
    for name in [&app, &web] {
        let yaml = out_dir.join(format!("{name}.yaml"));
        made.played.push(yaml.clone());
        let yaml = yaml.display().to_string();
        let played = steps.step(&format!("podman kube play {name}.yaml"), || {
            podman(&["kube", "play", &yaml])
        });
        if played.status.success() {
            continue;
        }
        let said = text(&played);
        assert!(said.contains("not valid JSON"), "podman kube play {yaml}: {said}");
        secret_note = format!(
            "podman stores a Secret played from YAML in a form its own secretKeyRef cannot read ({}); created again with podman secret create from the Secret's data",
            said.lines()
                .find(|l| l.contains("not valid JSON"))
                .unwrap_or_default()
                .trim()
        );
        steps.step(
            "podman pod rm, podman secret create (the Secrets' data as JSON)",
            || {
                remove_pods(name);
                for (secret, data) in &datas {
                    podman_ok(&["secret", "rm", secret]);
                    podman_ok(&["secret", "create", secret, &data.display().to_string()]);
                }
            },
        );
        steps.step(&format!("podman kube play {name}.yaml (again)"), || {
            podman_ok(&["kube", "play", &yaml]);
        });
    }

    // Replicas: two pods of the app, one of the web app, all running with their state.
    let wait = |name: &str, n: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let cs = containers(name);
            let up = cs.iter().filter(|(_, s)| s == "running").count();
            if up == n && cs.iter().all(|(c, _)| state(c).is_some()) {
                return cs;
            }
            assert!(
                Instant::now() < deadline,
                "{name}: expected {n} running containers with their state, got {cs:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let pods = steps.step("wait for 2 + 1 replicas running", || {
        let pods = wait(&app, 2);
        wait(&web, 1);
        pods
    });
    assert_eq!(pods.len(), 2, "{pods:?}");

    let token = sha16("s3cr3t-token");
    let mut expanded = None;
    for (container, _) in &pods {
        let s = state(container).unwrap();
        assert_eq!(s["mode"], "prod", "{container}: {s}");
        assert_eq!(s["token"], token.as_str(), "{container}: the secret, {s}");
        assert_eq!(s["instance"], "0", "{container}: {s}");
        assert_eq!(s["cwd"], "/srv/app", "{container}: {s}");
        // 300M is 300 × 1024 × 1024 bytes, as the app's own cgroup says.
        assert_eq!(
            s["limit"],
            (300u64 << 20).to_string(),
            "{container}: memory limit, {s}"
        );
        assert_eq!(s["argv"][0], "--role");
        assert_eq!(s["argv"][1], "worker");
        expanded = s["argv"][2].as_str().map(str::to_string);
        let memory = podman_ok(&["inspect", container, "--format", "{{.HostConfig.Memory}}"]);
        assert_eq!(memory.trim(), (300u64 << 20).to_string());
    }
    // The web app answers on its port, with its own secret.
    let (web_container, _) = containers(&web).remove(0);
    let s = state(&web_container).unwrap();
    assert_eq!(s["token"], sha16("web-token").as_str(), "{s}");
    assert_eq!(s["mode"], "web", "{s}");
    let answer = steps.step("GET the web app's port inside its pod", || {
        let get = format!(
            "require('http').get('http://127.0.0.1:{port}/', r => r.on('data', d => process.stdout.write(d)))"
        );
        text(&podman(&["exec", &web_container, "node", "-e", &get]))
    });
    assert_eq!(answer, "pong\n");

    // Stopping a pod: the app receives SIGTERM (not PM2's SIGINT), as the export's note says.
    let grace = podman_ok(&["inspect", &pods[0].0, "--format", "{{.Config.StopTimeout}}"]);
    let pod = pods[0].0.strip_suffix(&format!("-{app}")).unwrap().to_string();
    steps.step(&format!("podman pod stop {pod}"), || {
        podman_ok(&["pod", "stop", &pod])
    });
    let logs = text(&podman(&["logs", &pods[0].0]));
    assert!(
        logs.lines().any(|l| l == "SIGTERM"),
        "no SIGTERM in {}:\n{logs}",
        pods[0].0
    );

    // What podman does not do as Kubernetes would, measured where it can be.
    let health = podman_ok(&["inspect", &pods[0].0, "--format", "{{.Config.Healthcheck}}"]);
    eprintln!("what podman kube play does not reproduce of Kubernetes:");
    eprintln!(
        "  - readinessProbe: not run (the container's health check: {})",
        health.trim()
    );
    eprintln!(
        "  - terminationGracePeriodSeconds: 5 in the manifest, podman's stop timeout is {} s",
        grace.trim()
    );
    match expanded.as_deref() {
        Some("hidden-arg") => eprintln!("  - $(VAR) in args: expanded, as Kubernetes does"),
        other => eprintln!(
            "  - $(VAR) in args: not expanded (the app got {other:?}); Kubernetes gives it the Secret's value"
        ),
    }
    let published =
        std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_ok();
    eprintln!(
        "  - Service: no cluster IP nor DNS name; the containerPort {} published on the host{}",
        if published { "is" } else { "is not" },
        if published {
            " (so replicas of an app with a port would collide there)"
        } else {
            ""
        }
    );
    eprintln!("  - Secret documents: {secret_note}");

    let total: f64 = steps.0.iter().map(|(_, d)| d.as_secs_f64()).sum();
    eprintln!("  {total:>8.2} s  in all (before clean-up)");
    drop(made);
    let left = podman_ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(
        !left.contains(&app) && !left.contains(&web),
        "left running: {left}"
    );
    let images = podman_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(!images.contains(&image), "image left: {images}");
}
