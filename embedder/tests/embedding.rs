//! The embedder, run as a user runs it: its config loaded with a profile and an explicit
//! environment, a typed ecosystem, and a bad file whose `?` report names the file and the
//! line and quotes the bad value.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj-embedder"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("PORT", "1")
        .output()
        .expect("run the embedder");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const CONFIG: &str = r#"(def base {:name "indexer" :tags ["a"]})
(merge base
       {:port #long #or [#env PORT 8080]
        :workers #profile {:prod 8 :default 2}
        :tags (conj (:tags base) #env REGION)})
"#;

#[test]
fn a_config_in_the_language_loads_into_the_tools_own_type() {
    let dir = tempfile_dir();
    let path = file(&dir, "tool.edn", CONFIG);
    let (ok, out, err) = run(&[&path]);
    assert!(ok, "{err}");
    // The explicit environment, never the process's (PORT=1 there).
    assert_eq!(out.trim(), "indexer port=9000 workers=2 tags=a,eu");
    let (ok, out, err) = run(&[&path, "prod"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "indexer port=9000 workers=8 tags=a,eu");
}

#[test]
fn a_bad_file_is_reported_with_its_file_line_and_value() {
    let dir = tempfile_dir();
    let path = file(
        &dir,
        "bad.edn",
        "{:name \"indexer\"\n :port 8080\n :workers \"four\"}\n",
    );
    let (ok, _, err) = run(&[&path]);
    assert!(!ok);
    assert!(err.contains("bad.edn:3:"), "names the file and the line: {err}");
    assert!(err.contains("\"four\""), "quotes the bad value: {err}");
    assert!(err.contains("workers \"four\""), "shows the line: {err}");
}

#[test]
fn every_problem_of_a_load_is_reported() {
    let dir = tempfile_dir();
    let path = file(&dir, "two.edn", "{:a 1x\n :b 2y}\n");
    let (ok, _, err) = run(&[&path]);
    assert!(!ok);
    assert_eq!(err.matches("read::bad-number").count(), 2, "{err}");
}

#[test]
fn an_ecosystem_loads_into_the_typed_model() {
    let dir = tempfile_dir();
    let path = file(
        &dir,
        "api.pm2.edn",
        "{:apps [{:name \"api\" :script \"server.js\" :max-memory-restart \"300M\" :env {:PORT 3000}}\n         {:name \"worker\" :script \"w.js\" :min-uptime \"2s\" :instances \"max\"}]\n :profiles {:prod {:apps [{:name \"api\" :instances 4}]}}}\n",
    );
    let (ok, out, err) = run(&["--ecosystem", &path]);
    assert!(ok, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "api instances=4 max_memory=314572800 min_uptime=1000ms PORT=3000",
            "worker instances=per cpu max_memory=0 min_uptime=2000ms PORT=-",
            "true"
        ]
    );
}

/// A fresh folder under the target directory (no dependency needed for it).
fn tempfile_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("embed-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
