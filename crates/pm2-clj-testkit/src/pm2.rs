//! The real pm2 for end-to-end tests: installed on demand, isolated per test in a short
//! temporary `PM2_HOME`, and killed when the handle drops.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// The longest one call of pm2's command line may take in a test.
pub const PM2_CALL_LIMIT: Duration = Duration::from_secs(60);

use crate::repo_root;

/// The `pm2` executable: `PM2_BIN`, or pm2 7 installed into `tools/pm2`.
/// Panics when pm2 cannot be had.
pub fn pm2_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("PM2_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => installed("pm2"),
    })
    .clone()
}

/// The newest pm2 6.x, installed into `tools/pm2-6`, for the tests that run against two
/// pm2 versions.
pub fn pm2_6_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| installed("pm2-6")).clone()
}

/// The `pm2` executable of `tools/FOLDER` (`node_modules/.bin/pm2`), installed with
/// `npm ci` from that folder's lock file when missing, under a file lock (parallel test
/// binaries install it once). Panics when pm2 cannot be had.
fn installed(folder: &str) -> PathBuf {
    let tools = repo_root().join("tools").join(folder);
    let bin = tools.join("node_modules/.bin/pm2");
    let lock_path = repo_root().join("target/pm2-install.lock");
    std::fs::create_dir_all(lock_path.parent().unwrap()).expect("target dir");
    let lock = File::create(&lock_path).expect("install lock file");
    lock.lock().expect("install lock");
    if !bin.exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .status()
            .expect("npm must be installed to fetch pm2 for the end-to-end tests");
        assert!(
            status.success(),
            "npm ci --prefix tools/{folder} failed: {status}"
        );
    }
    assert!(bin.exists(), "pm2 is not at {} after npm ci", bin.display());
    bin
}

/// The installed pm2 package's directory (the one holding `lib/API/schema.json`).
pub fn pm2_package_dir() -> PathBuf {
    let bin = pm2_bin().canonicalize().expect("pm2 executable");
    bin.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("pm2's bin/ sits inside its package")
}

/// How pm2 reads one ecosystem file (by `pm2_clj_pm2_reads`).
#[derive(Clone, Debug)]
pub struct Pm2Read {
    /// The file.
    pub file: PathBuf,
    /// The config object pm2 loaded, when it loaded one.
    pub raw: Option<Json>,
    /// The apps after `Common.verifyConfs`, when pm2 accepts the file.
    pub apps: Option<Json>,
    /// Why pm2 rejects the file.
    pub error: Option<String>,
}

/// Reads `files` the way the installed pm2 does, with one `node` process.
pub fn pm2_reads(files: &[PathBuf]) -> Vec<Pm2Read> {
    pm2_reads_with(files, &[])
}

/// [`pm2_reads`] with environment variables set (`None`: removed) for the reading.
/// Panics when node cannot read them.
pub fn pm2_reads_with(files: &[PathBuf], env: &[(String, Option<String>)]) -> Vec<Pm2Read> {
    pm2_clj_pm2_reads::pm2_reads(Path::new("node"), &pm2_package_dir(), files, env)
        .unwrap_or_else(|e| panic!("pm2's reading failed (node must be installed): {e}"))
        .into_iter()
        .map(|r| Pm2Read {
            file: r.file,
            raw: r.raw,
            apps: r.apps.map(Json::Array),
            error: r.error,
        })
        .collect()
}

/// One app in `pm2 jlist` (one instance of it, for cluster apps).
#[derive(Clone, Debug)]
pub struct App {
    /// The whole jlist entry.
    pub raw: Json,
}

impl App {
    /// The app's name.
    pub fn name(&self) -> &str {
        self.raw["name"].as_str().unwrap_or("")
    }

    /// `pm2_env.status`: online, stopped, errored, launching, ...
    pub fn status(&self) -> &str {
        self.raw["pm2_env"]["status"].as_str().unwrap_or("")
    }

    /// A field of `pm2_env`.
    pub fn env_field(&self, key: &str) -> &Json {
        &self.raw["pm2_env"][key]
    }

    /// An environment variable of the app (`pm2_env.env.KEY`).
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.raw["pm2_env"]["env"][key].as_str()
    }

    /// `pm2_env.restart_time`.
    pub fn restarts(&self) -> u64 {
        self.env_field("restart_time").as_u64().unwrap_or(0)
    }

    /// `pm2_env.pm_uptime`.
    pub fn uptime(&self) -> u64 {
        self.env_field("pm_uptime").as_u64().unwrap_or(0)
    }

    /// The process id.
    pub fn pid(&self) -> u64 {
        self.raw["pid"].as_u64().unwrap_or(0)
    }
}

/// A pm2 daemon of its own: a short temporary `PM2_HOME` (a long one breaks pm2's
/// socket), killed with `pm2 kill`, then by pid, when dropped.
pub struct Pm2 {
    home: tempfile::TempDir,
    bin: PathBuf,
}

impl Pm2 {
    /// Starts an isolated daemon (`pm2 ping`).
    pub fn start() -> Pm2 {
        Pm2::start_with(&pm2_bin())
    }

    /// Starts an isolated daemon of the pm2 at `bin` (another version: [`pm2_6_bin`]).
    pub fn start_with(bin: &Path) -> Pm2 {
        let bin = bin.to_path_buf();
        let home = tempfile::Builder::new()
            .prefix("pm2c")
            .tempdir_in("/tmp")
            .expect("temporary PM2_HOME");
        let pm2 = Pm2 { home, bin };
        let out = pm2.run(&["ping"]);
        assert!(
            out.status.success(),
            "pm2 ping failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pm2
    }

    /// `PM2_HOME`.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The pm2 executable.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// A command for `program` with this daemon's environment (`PM2_HOME`, `PM2_BIN`,
    /// `PM2_SILENT`), for running pm2-clj against it.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PM2_HOME", self.home.path())
            .env("PM2_BIN", &self.bin)
            .env("PM2_SILENT", "true")
            .env_remove("NO_COLOR");
        cmd
    }

    /// Runs pm2 with `args` and returns its output; panics if it has not finished within
    /// [`PM2_CALL_LIMIT`] (two daemons racing for one home can leave pm2's command line
    /// waiting for ever: a test fails rather than hangs).
    pub fn run(&self, args: &[&str]) -> Output {
        let mut child = self
            .command(&self.bin)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pm2");
        let read = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = read(Box::new(child.stdout.take().expect("piped stdout")));
        let stderr = read(Box::new(child.stderr.take().expect("piped stderr")));
        let deadline = Instant::now() + PM2_CALL_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for pm2") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("pm2 {} did not finish within {PM2_CALL_LIMIT:?}", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }
    }

    /// `pm2 jlist`.
    pub fn jlist(&self) -> Vec<App> {
        let out = self.run(&["jlist"]);
        let text = String::from_utf8_lossy(&out.stdout);
        let start = text
            .find('[')
            .unwrap_or_else(|| panic!("pm2 jlist printed no JSON: {text}"));
        let list: Json =
            serde_json::from_str(text[start..].trim()).unwrap_or_else(|e| panic!("pm2 jlist: {e}: {text}"));
        list.as_array()
            .into_iter()
            .flatten()
            .map(|raw| App { raw: raw.clone() })
            .collect()
    }

    /// The jlist entries named `name`.
    pub fn app(&self, name: &str) -> Vec<App> {
        self.jlist().into_iter().filter(|a| a.name() == name).collect()
    }

    /// Waits until `check` holds for the jlist (polling), or panics after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&[App]) -> bool) -> Vec<App> {
        let deadline = Instant::now() + timeout;
        loop {
            let apps = self.jlist();
            if check(&apps) {
                return apps;
            }
            if Instant::now() > deadline {
                let summary: Vec<String> = apps
                    .iter()
                    .map(|a| format!("{}:{}", a.name(), a.status()))
                    .collect();
                panic!("timed out waiting for {what}; pm2 has {summary:?}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until every listed app has all its instances online.
    pub fn wait_online(&self, names: &[&str]) -> Vec<App> {
        self.wait_for(&format!("{names:?} online"), Duration::from_secs(30), |apps| {
            names.iter().all(|n| {
                let instances: Vec<&App> = apps.iter().filter(|a| a.name() == *n).collect();
                !instances.is_empty() && instances.iter().all(|a| a.status() == "online")
            })
        })
    }
}

impl Drop for Pm2 {
    fn drop(&mut self) {
        let _ = self.command(&self.bin).arg("kill").output();
        if let Ok(pid) = std::fs::read_to_string(self.home.path().join("pm2.pid"))
            && let Ok(pid) = pid.trim().parse::<i32>()
        {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
}
