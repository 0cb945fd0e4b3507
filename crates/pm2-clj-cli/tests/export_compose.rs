//! `pm2-clj export --target compose` run by a real Docker engine: an image made offline
//! (`docker import` of a tree holding this machine's node and the libraries it links),
//! a file of three apps exported and started with `docker compose up`, then shown to do
//! what the file says: two replicas up and reported healthy by the engine's healthcheck
//! (pm2-clj's `node -e` probe), a published port answering, plain and secret values
//! (`$`, quotes, backslashes) reaching the app exactly, a killed app restarted, an app
//! allocating past `:max-memory-restart` OOM-killed and restarted, an app with
//! `:autorestart false` left down after it fails, and SIGINT delivered
//! on `docker compose stop` (each app logs it and exits 0 well before the grace period).
//! `docker compose config` also reads the export of `examples/containers.pm2.edn`.
//! Each step is timed (`--nocapture` prints the timings); the project is taken down with
//! `docker compose down -v` and the image removed, whatever happens.
//!
//! It needs docker with the compose v2 plugin, and root to start `dockerd` when it is
//! not running (logs in the test's folder; stopped again at the end). Where that is not
//! possible it says so in one line and passes, unless `PM2_CLJ_REQUIRE_DOCKER=1` (set by
//! `.ci/run`), which makes it a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod engines;
use engines::{node_tree, text, which};

fn cannot(reason: &str) {
    engines::cannot("PM2_CLJ_REQUIRE_DOCKER", "docker compose test", reason);
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker")
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {args:?} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn engine_answers() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A dockerd this test started, stopped when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The engine: the running one, or a dockerd started here (logs to `log`).
fn engine(log: &Path) -> Result<Option<Daemon>, String> {
    if Command::new("docker").arg("--version").output().is_err() {
        return Err("docker is not installed (apt-get install docker.io docker-compose-v2)".into());
    }
    let compose = docker(&["compose", "version"]);
    if !compose.status.success() {
        return Err(format!(
            "the docker compose v2 plugin is missing: {}",
            text(&compose).trim()
        ));
    }
    if engine_answers() {
        return Ok(None);
    }
    let file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let child = Command::new("dockerd")
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .spawn()
        .map_err(|e| format!("dockerd is not running and cannot be started: {e}"))?;
    let daemon = Daemon(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if engine_answers() {
            return Ok(Some(daemon));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let log_text = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = log_text.lines().rev().take(5).collect();
    Err(format!(
        "dockerd did not answer within 60 s: {}",
        tail.join(" | ")
    ))
}

/// The app: an HTTP server that reports its environment and logs SIGINT.
const SERVER_JS: &str = r#"
const http = require('http');
const port = +process.env.PORT;
console.log(`started pid ${process.pid} on ${port}`);
http.createServer((req, res) => {
  if (req.url === '/health') { res.end('ok'); return; }
  if (req.url === '/env') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({PLAIN: process.env.PLAIN, SECRET: process.env.SECRET,
      NODE_APP_INSTANCE: process.env.NODE_APP_INSTANCE, pid: process.pid}));
    return;
  }
  res.statusCode = 404; res.end();
}).listen(port);
process.on('SIGINT', () => { console.log(`received SIGINT pid ${process.pid}`); process.exit(0); });
"#;

/// An app that allocates (and touches) 8 MB every 20 ms, far past its limit.
const HOG_JS: &str = r#"
console.log(`hog started pid ${process.pid}`);
const kept = [];
setInterval(() => { kept.push(Buffer.alloc(8 << 20, 1)); }, 20);
process.on('SIGINT', () => { console.log('received SIGINT'); process.exit(0); });
"#;

/// An app that fails at once, for `:autorestart false`.
const ONCE_JS: &str = "console.log('once'); process.exit(3);\n";

/// A root file system holding node and the libraries `ldd` lists, and the apps.
fn image_tree(root: &Path) {
    node_tree(&which("node").expect("node is not on PATH"), root);
    for dir in ["app", "tmp", "etc"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("app/server.js"), SERVER_JS).unwrap();
    std::fs::write(root.join("app/hog.js"), HOG_JS).unwrap();
    std::fs::write(root.join("app/once.js"), ONCE_JS).unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(addr: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
    let mut out = String::new();
    stream.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, body)| body.to_string())
}

/// An image removed when dropped.
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.0]);
    }
}

/// Tears the project down when dropped, whatever happened.
struct Project {
    file: PathBuf,
}

impl Project {
    fn compose(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("compose")
            .arg("-f")
            .arg(&self.file)
            .args(args)
            .output()
            .expect("docker compose")
    }

    fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "docker compose {args:?} failed:\n{}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The containers of `service`.
    fn containers(&self, service: &str) -> Vec<String> {
        self.compose_ok(&["ps", "-a", "-q", service])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let down = self.compose(&["down", "-v", "--remove-orphans", "-t", "5"]);
        if !down.status.success() {
            eprintln!("docker compose down failed: {}", text(&down));
        }
    }
}

fn inspect(id: &str, format: &str) -> String {
    docker_ok(&["inspect", "-f", format, id])
}

/// Polls `check` every 200 ms until it holds; fails naming `what` after `limit`.
fn wait(what: &str, limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what}: not within {limit:?}");
}

#[test]
fn the_exported_compose_file_runs_in_a_real_docker_engine() {
    let dir = tempfile::tempdir().unwrap();
    let mut timings: Vec<(String, Duration)> = Vec::new();
    let mut step = |name: &str, since: Instant| timings.push((name.to_string(), since.elapsed()));

    let t = Instant::now();
    let daemon = match engine(&dir.path().join("dockerd.log")) {
        Ok(d) => d,
        Err(reason) => return cannot(&reason),
    };
    step(
        if daemon.is_some() {
            "start dockerd"
        } else {
            "find the running engine"
        },
        t,
    );
    eprintln!(
        "engine {}, {}",
        docker_ok(&[
            "info",
            "--format",
            "{{.ServerVersion}} ({{.CgroupDriver}}, cgroup v{{.CgroupVersion}})"
        ]),
        docker_ok(&["compose", "version", "--short"])
    );

    // The image, offline.
    let t = Instant::now();
    let unique = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let image = format!("pm2-clj-compose-test:{unique}");
    let root = dir.path().join("root");
    image_tree(&root);
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let imported = Command::new("docker")
        .args(["import", "-c", "ENV PATH=/usr/bin:/bin", "-", &image])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    let image_guard = Image(image.clone());
    assert!(tar.wait().unwrap().success(), "tar of the image tree");
    assert!(imported.status.success(), "docker import: {}", text(&imported));
    step("build the image (docker import of node + libs)", t);

    // The file, exported.
    let t = Instant::now();
    let name = format!("pm2cljrun{unique}");
    let published = free_port();
    let source = dir.path().join(format!("{name}.pm2.edn"));
    std::fs::write(
        &source,
        format!(
            r#"{{:apps [{{:name "web" :image "{image}" :script "server.js" :cwd "/app"
          :instances 2 :port 3000 :kill-timeout 5000
          :health {{:http "http://127.0.0.1:3000/health" :interval "1s"}}
          :env {{:PLAIN "plain $HOME ${{X}} 'q' \"d\"" :SECRET #secret "s3cr'et \"$HOME\" \\ end"}}}}
         {{:name "front" :image "{image}" :script "server.js" :cwd "/app" :port 3000
          :ports [{{:container 3000 :published {published}}}]
          :env {{:PLAIN "front"}}}}
         {{:name "hog" :image "{image}" :script "hog.js" :cwd "/app"
          :max-memory-restart "64M"}}
         {{:name "once" :image "{image}" :script "once.js" :cwd "/app" :autorestart false}}]}}"#
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let exported = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .arg("export")
        .arg(&source)
        .args(["--target", "compose", "-o"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(exported.status.success(), "export: {}", text(&exported));
    let file = out_dir.join(&name).join("compose.yaml");
    let project = Project { file: file.clone() };
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(
        !yaml.contains("s3cr"),
        "the secret is not in compose.yaml:\n{yaml}"
    );
    step("export", t);

    // The engine's own reading of the example's export.
    let t = Instant::now();
    let example_out = dir.path().join("example");
    let example = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .arg("export")
        .arg(pm2_clj_testkit::repo_root().join("examples/containers.pm2.edn"))
        .args(["--target", "compose", "-o"])
        .arg(&example_out)
        .output()
        .unwrap();
    assert!(example.status.success(), "export: {}", text(&example));
    let config = Command::new("docker")
        .args(["compose", "-f"])
        .arg(example_out.join("containers/compose.yaml"))
        .args(["config", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        config.status.success(),
        "docker compose config: {}",
        text(&config)
    );
    let read: serde_json::Value = serde_json::from_slice(&config.stdout).unwrap();
    assert_eq!(read["services"]["worker"]["deploy"]["replicas"], 3);
    assert_eq!(
        read["services"]["web"]["environment"]["API_TOKEN"], "dev-token",
        "from the env_file"
    );
    assert_eq!(read["services"]["web"]["stop_signal"], "SIGINT");
    step("docker compose config reads the example's export", t);

    // Up: two replicas of web, front, hog, once.
    let t = Instant::now();
    project.compose_ok(&["up", "-d"]);
    step("docker compose up -d", t);
    let webs = project.containers("web");
    assert_eq!(webs.len(), 2, "two replicas of web");
    let t = Instant::now();
    wait("both replicas healthy", Duration::from_secs(90), || {
        webs.iter()
            .all(|id| inspect(id, "{{.State.Health.Status}}") == "healthy")
    });
    step("both web replicas reported healthy", t);
    for id in &webs {
        assert_eq!(inspect(id, "{{.State.Running}}"), "true");
    }

    // Env and secret, exactly, in each replica (reached at its address on the project's
    // network), and through the published port.
    let t = Instant::now();
    for id in &webs {
        let ip = inspect(id, "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
        let body = http_get(&format!("{ip}:3000"), "/env").unwrap_or_else(|| panic!("no answer from {ip}"));
        let env: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(env["PLAIN"], "plain $HOME ${X} 'q' \"d\"", "{body}");
        assert_eq!(env["SECRET"], "s3cr'et \"$HOME\" \\ end", "{body}");
        assert_eq!(env["NODE_APP_INSTANCE"], "0");
    }
    let front = format!("127.0.0.1:{published}");
    wait("the published port answers", Duration::from_secs(30), || {
        http_get(&front, "/env").is_some_and(|b| b.contains("\"PLAIN\":\"front\""))
    });
    step(
        "env and secret read back from each replica and the published port",
        t,
    );

    // A crash: the app (not docker's init) killed, the engine restarts the container.
    let t = Instant::now();
    let victim = &webs[0];
    let restarts = |id: &str| inspect(id, "{{.RestartCount}}").parse::<u64>().unwrap();
    let before = restarts(victim);
    let top = docker_ok(&["top", victim, "-o", "pid,args"]);
    let node_pid = top
        .lines()
        .find(|l| l.contains("node") && l.contains("server.js") && !l.contains("docker-init"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no node process in:\n{top}"))
        .to_string();
    let killed = Command::new("kill").args(["-9", &node_pid]).status().unwrap();
    assert!(killed.success());
    wait(
        "the killed app restarted and healthy",
        Duration::from_secs(60),
        || restarts(victim) > before && inspect(victim, "{{.State.Health.Status}}") == "healthy",
    );
    step("killed app restarted by the engine and healthy again", t);

    // The memory limit: the hog is OOM-killed and restarted.
    let t = Instant::now();
    let hog = project.containers("hog").remove(0);
    assert_eq!(inspect(&hog, "{{.HostConfig.Memory}}"), (64u64 << 20).to_string());
    let mut oom_seen = false;
    wait(
        "the hog OOM-killed and restarted",
        Duration::from_secs(60),
        || {
            oom_seen |= inspect(&hog, "{{.State.OOMKilled}}") == "true";
            restarts(&hog) >= 1
        },
    );
    let events = docker_ok(&[
        "events",
        "--since",
        "10m",
        "--until",
        "0s",
        "--filter",
        &format!("container={hog}"),
        "--filter",
        "event=oom",
        "--format",
        "{{.Action}}",
    ]);
    assert!(
        oom_seen || events.lines().any(|l| l == "oom"),
        "an out-of-memory kill (State.OOMKilled or an oom event); events: {events:?}"
    );
    step("hog OOM-killed past 64M and restarted", t);
    eprintln!(
        "hog: State.OOMKilled seen {oom_seen}, oom events {}, restarts {}",
        events.lines().filter(|l| *l == "oom").count(),
        restarts(&hog)
    );

    // autorestart false (restart: "no"): the failed app stays down.
    let t = Instant::now();
    let once = project.containers("once").remove(0);
    wait("once exited", Duration::from_secs(30), || {
        inspect(&once, "{{.State.Status}} {{.State.ExitCode}}") == "exited 3"
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        inspect(&once, "{{.State.Status}} {{.RestartCount}}"),
        "exited 0",
        "not restarted"
    );
    assert_eq!(inspect(&once, "{{.HostConfig.RestartPolicy.Name}}"), "no");
    step("autorestart false: exited 3 and left down (2 s watched)", t);

    // SIGINT on stop: each replica logs it and exits 0, well inside the grace period.
    let t = Instant::now();
    project.compose_ok(&["stop", "web"]);
    let stop = t.elapsed();
    step("docker compose stop web", t);
    let logs = project.compose_ok(&["logs", "--no-color", "web"]);
    for id in &webs {
        assert_eq!(
            inspect(id, "{{.State.ExitCode}}"),
            "0",
            "exited by its SIGINT handler"
        );
        let pid_line = docker_ok(&["logs", id]);
        assert!(pid_line.contains("received SIGINT"), "{id}: {pid_line}\n{logs}");
    }
    assert!(
        stop < Duration::from_secs(5),
        "stopped by SIGINT, not SIGKILL after 5 s: {stop:?}"
    );

    let t = Instant::now();
    drop(project);
    drop(image_guard);
    step("docker compose down -v and image removed", t);
    let left = docker(&["image", "inspect", &image]);
    assert!(!left.status.success(), "the image is removed");
    drop(daemon);

    eprintln!("docker compose real run, step timings:");
    for (name, d) in &timings {
        eprintln!("  {:>8.2} s  {name}", d.as_secs_f64());
    }
}
