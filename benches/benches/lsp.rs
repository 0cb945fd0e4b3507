//! The language server as an editor sees it: the release `pm2-clj lsp` (built by this
//! bench) in its own process, over stdio.
//!
//! 1. Latency: a 100-app file that imports a shared library is open; each edit changes
//!    one value (alternately making an unknown key and fixing it), and the time is from
//!    writing `didChange` to reading the `publishDiagnostics` of that version.
//!    Target: median under 20 ms.
//! 2. Memory: the server's resident memory (VmRSS, and the peak VmHWM) with 50 such
//!    files open, against the same after `initialize` alone.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use pm2_clj_benches::median;
use serde_json::{Value as Json, json};

const APPS: usize = 100;
const EDITS: usize = 200;
const OPEN: usize = 50;

fn app_file(i: usize, key: &str) -> String {
    let mut text = String::from("(import \"lib/base.edn\" :as base)\n{:apps [\n");
    for a in 0..APPS {
        let extra = if a == APPS / 2 { key } else { ":max-restarts" };
        text.push_str(&format!(
            "  (merge base/defaults {{:name \"f{i}-app{a}\" :script \"app{a}.js\" :cwd \".\" {extra} 3\n    :env {{:PORT {} :VERSION \"1\"}}}})\n",
            10000 + a
        ));
    }
    text.push_str("]}\n");
    text
}

fn server_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "pm2-clj-cli"])
        .status()
        .expect("cargo build");
    assert!(built.success(), "cannot build pm2-clj");
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("pm2-clj")
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Json>,
}

impl Server {
    fn start(binary: &Path, dir: &Path) -> Server {
        let mut child = Command::new(binary)
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start pm2-clj lsp");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if out.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    match line.trim_end().strip_prefix("Content-Length: ") {
                        Some(n) => length = n.parse().unwrap(),
                        None if line.trim_end().is_empty() => break,
                        None => {}
                    }
                }
                let mut body = vec![0; length];
                out.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take().unwrap();
        let mut server = Server {
            child,
            stdin,
            incoming,
        };
        server
            .send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}));
        server.wait(|m| m["id"] == 1);
        server.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
        server
    }

    fn send(&mut self, message: Json) {
        let body = serde_json::to_vec(&message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn wait(&self, wanted: impl Fn(&Json) -> bool) -> Json {
        loop {
            let message = self
                .incoming
                .recv_timeout(Duration::from_secs(60))
                .expect("a message");
            if wanted(&message) {
                return message;
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "pm2-edn", "version": 1, "text": text}}}));
        self.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
    }

    /// Resident memory and its peak, in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
                .unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() {
    let binary = server_binary();
    let dir = tempfile::tempdir().unwrap();
    let root = pm2_clj_sync::scan::absolute(dir.path());
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(
        root.join("lib/base.edn"),
        "(def defaults {:autorestart true :max-memory-restart \"300M\" :kill-timeout 3000 :env {:LOG \"info\"}})\n",
    )
    .unwrap();
    let uri = |i: usize| format!("file://{}/f{i}.pm2.edn", root.display());

    let mut server = Server::start(&binary, &root);
    server.open(&uri(0), &app_file(0, ":max-restarts"));
    let mut latencies = Vec::with_capacity(EDITS);
    for edit in 0..EDITS {
        let version = edit as i64 + 2;
        let key = if edit % 2 == 0 {
            ":max-restart"
        } else {
            ":max-restarts"
        };
        let text = app_file(0, key);
        let started = Instant::now();
        server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri(0), "version": version}, "contentChanges": [{"text": text}]}}));
        let published = server
            .wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version);
        latencies.push(started.elapsed());
        let count = published["params"]["diagnostics"].as_array().unwrap().len();
        assert_eq!(count, usize::from(edit % 2 == 0), "edit {edit}");
    }
    let mut sorted = latencies.clone();
    sorted.sort();
    let p95 = sorted[sorted.len() * 95 / 100];
    println!(
        "didChange → publishDiagnostics, {APPS}-app file with an import, {EDITS} edits: median {:.2} ms, p95 {:.2} ms, max {:.2} ms (target: median < 20 ms)",
        median(latencies).as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3,
    );
    drop(server);

    let mut server = Server::start(&binary, &root);
    let (idle, _) = server.memory();
    for i in 0..OPEN {
        server.open(&uri(i), &app_file(i, ":max-restarts"));
    }
    let (rss, peak) = server.memory();
    println!(
        "memory: {idle} KiB after initialize; {rss} KiB resident (peak {peak} KiB) with {OPEN} open {APPS}-app files"
    );
}
