//! Reading files safely from the command line: only regular files, a size cap, `/proc`
//! pseudo-files refused, imports confined with `--root`, and every source's folder made
//! absolute the same way (`cwd` of a file named without a folder).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .output()
        .expect("run pm2-clj")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `args` and checks it fails with `code` within a few seconds.
#[track_caller]
fn fails_with(dir: &Path, args: &[&str], code: &str) -> String {
    let start = Instant::now();
    let out = cli(dir, args);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
    assert!(text.contains(code), "{args:?}: expected {code}: {text}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{args:?} took {:?}",
        start.elapsed()
    );
    text
}

/// Found by trying: a FIFO as the source blocked forever, `/dev/zero` read until memory
/// ran out, and a huge file was read whole.
#[test]
fn only_regular_files_of_bounded_size_are_read_as_sources() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails_with(d, &["check", "/dev/zero"], "file::not-a-file");
    fails_with(d, &["eval", "/dev/zero"], "file::not-a-file");
    fails_with(d, &["eval", "."], "file::not-a-file");
    let big = d.join("big.pm2.edn");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(17 << 20).unwrap();
    let text = fails_with(d, &["render", "big.pm2.edn"], "file::too-large");
    assert!(text.contains("more than the limit of 16777216"), "{text}");
    #[cfg(unix)]
    if Command::new("mkfifo")
        .arg(d.join("pipe.pm2.edn"))
        .status()
        .is_ok_and(|s| s.success())
    {
        let text = fails_with(d, &["check", "pipe.pm2.edn"], "file::not-a-file");
        assert!(text.contains("FIFO"), "{text}");
        std::fs::write(d.join("imports-pipe.pm2.edn"), "#include \"pipe.pm2.edn\"").unwrap();
        let text = fails_with(d, &["eval", "imports-pipe.pm2.edn"], "eval::import-io");
        assert!(text.contains("FIFO"), "{text}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn pseudo_files_are_refused_rather_than_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("env.pm2.edn"), "#include \"/proc/self/environ\"").unwrap();
    fails_with(dir.path(), &["eval", "env.pm2.edn"], "eval::outside-root");
    let text = fails_with(
        dir.path(),
        &["eval", "env.pm2.edn", "--unconfined"],
        "eval::import-io",
    );
    assert!(text.contains("pseudo-file"), "{text}");
}

#[test]
fn root_confines_imports_to_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("tree/lib")).unwrap();
    std::fs::write(d.join("secret.edn"), "{:token \"s3cret\"}").unwrap();
    std::fs::write(d.join("tree/lib/base.edn"), "{:script \"a.js\"}").unwrap();
    std::fs::write(
        d.join("tree/ok.pm2.edn"),
        "{:apps [(merge #include \"lib/base.edn\" {:name \"a\"})]}",
    )
    .unwrap();
    std::fs::write(d.join("tree/escape.pm2.edn"), "#include \"../secret.edn\"").unwrap();
    std::fs::write(
        d.join("tree/absolute.pm2.edn"),
        format!("#include {:?}", d.join("secret.edn")),
    )
    .unwrap();
    let out = cli(d, &["check", "--root", "tree", "tree/ok.pm2.edn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["tree/escape.pm2.edn", "tree/absolute.pm2.edn"] {
        let text = fails_with(d, &["eval", "--root", "tree", file], "eval::outside-root");
        assert!(text.contains("is outside the tree root"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        // Without --root, the root is the source's folder (no .git above it).
        fails_with(d, &["eval", file], "eval::outside-root");
    }
    let out = cli(d, &["eval", "tree/escape.pm2.edn", "--unconfined"]);
    assert!(out.status.success(), "--unconfined reads it: {}", stderr(&out));
    let out = cli(d, &["eval", "tree/escape.pm2.edn", "--root", "."]);
    assert!(out.status.success(), "--root . holds it: {}", stderr(&out));
    fails_with(d, &["eval", "--root", "missing", "tree/ok.pm2.edn"], "load::root");
}

/// Found by trying: `render api.pm2.edn` in the file's own folder wrote `"cwd": ""`, and
/// started from another folder pm2 said "Script not found".
#[test]
fn a_file_named_without_a_folder_resolves_cwd_against_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().canonicalize().unwrap();
    std::fs::write(
        d.join("api.pm2.edn"),
        "{:apps [{:name \"api\" :script \"server.js\" :cwd \".\"} {:name \"w\" :script \"w.js\" :cwd \"sub/../work\"}]}",
    )
    .unwrap();
    let out = cli(&d, &["render", "api.pm2.edn", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["apps"][0]["cwd"], d.to_string_lossy().as_ref());
    assert_eq!(json["apps"][1]["cwd"], d.join("work").to_string_lossy().as_ref());
    let out = cli(&d, &["check", "./api.pm2.edn"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Found by trying: `render app.pm2.edn -o app.pm2.edn` replaced the source with its
/// rendering, `-o lib.edn` replaced an import, and `-o /dev/stdout` or a FIFO was
/// written through.
#[test]
fn render_never_writes_over_what_it_read_or_a_special_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = "(import \"lib.edn\" :as lib)\n{:apps [{:name \"a\" :script lib/script}]}\n";
    std::fs::write(d.join("app.pm2.edn"), source).unwrap();
    std::fs::write(d.join("lib.edn"), "(def script \"a.js\")").unwrap();
    for target in ["app.pm2.edn", "lib.edn", "./lib.edn"] {
        fails_with(
            d,
            &["render", "app.pm2.edn", "-o", target],
            "runtime::overwrites-input",
        );
    }
    assert_eq!(std::fs::read_to_string(d.join("app.pm2.edn")).unwrap(), source);
    fails_with(
        d,
        &["render", "app.pm2.edn", "-o", "/dev/null"],
        "runtime::not-a-file",
    );
    fails_with(d, &["render", "app.pm2.edn", "-o", "."], "runtime::not-a-file");
    let out = cli(d, &["render", "app.pm2.edn", "-o", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"script\": \"a.js\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let out_file = d.join("out.json");
        std::fs::write(&out_file, "{}").unwrap();
        std::fs::set_permissions(&out_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = cli(d, &["render", "app.pm2.edn", "-o", "out.json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the file's permissions are kept");
        let entries = std::fs::read_dir(d).unwrap().count();
        assert_eq!(entries, 3, "no temporary file is left");
    }
}

/// `render -o` interrupted while it writes (SIGINT, as Ctrl-C sends) removes its
/// temporary file and leaves no target: it used to leave a 26 MB `.out.json.pm2-clj-*`.
#[cfg(unix)]
#[test]
fn an_interrupted_render_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A 26 MB output, so the write takes long enough to be caught in the act.
    let mut source = format!("(def s0 \"{}\")\n", "x".repeat(100));
    for i in 1..19 {
        source += &format!("(def s{i} (str s{0} s{0}))\n", i - 1);
    }
    source += "{:apps [{:name \"a\" :script \"a.js\" :env {:BIG s18}}]}\n";
    std::fs::write(d.join("big.pm2.edn"), source).unwrap();
    let temporaries = || -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".out.json.pm2-clj-"))
            .collect()
    };
    for _attempt in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .args(["render", "big.pm2.edn", "-o", "out.json"])
            .current_dir(d)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while temporaries().is_empty() && child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < Duration::from_secs(30), "render never wrote");
        }
        let caught = !temporaries().is_empty();
        if caught {
            let kill = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(kill.success());
        }
        let status = child.wait().unwrap();
        if caught && status.signal() == Some(2) {
            assert_eq!(
                temporaries(),
                Vec::<String>::new(),
                "the temporary file is removed"
            );
            // The signal may land during the rename, which finishes first.
            if let Ok(written) = std::fs::read_to_string(d.join("out.json")) {
                assert!(
                    written.len() > 26 << 20 && written.ends_with("}\n"),
                    "no half-written target"
                );
            }
            return;
        }
        // Finished before the signal landed: try again.
        let _ = std::fs::remove_file(d.join("out.json"));
    }
    panic!("never interrupted a write in 5 attempts");
}

/// Found by trying: an output named near the system's limit (255 bytes) failed, as the
/// temporary file's name added 15 bytes to it.
#[test]
fn an_output_with_a_long_name_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("app.pm2.edn"),
        "{:apps [{:name \"a\" :script \"a.js\"}]}\n",
    )
    .unwrap();
    let name = format!("{}.json", "é".repeat(100) + &"o".repeat(45));
    assert_eq!(name.len(), 250);
    let out = cli(d, &["render", "app.pm2.edn", "-o", &name]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(d.join(&name))
            .unwrap()
            .contains("\"a.js\"")
    );
}

/// Found by trying: `eval --format json` wrote `{"a": 1, "a": 2}` for `{:a 1 "a" 2}`,
/// and said "cannot be written as JSON" without a place for ##Inf.
#[test]
fn eval_json_never_writes_duplicate_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("dup.edn"), "{:a 1\n \"a\" 2}").unwrap();
    let text = fails_with(d, &["eval", "dup.edn", "--format", "json"], "emit::duplicate-key");
    assert!(text.contains("dup.edn:2:2"), "labelled at the second key: {text}");
    std::fs::write(d.join("inf.edn"), "{:x ##Inf}").unwrap();
    let text = fails_with(d, &["eval", "inf.edn", "--format", "json"], "emit::wrong-type");
    assert!(text.contains("inf.edn:1:5"), "{text}");
    std::fs::write(d.join("big.edn"), "{:id 123456789012345678901234567890N}").unwrap();
    let out = cli(d, &["eval", "big.edn", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Found by trying: every --set applied before every --unset, whatever the order given,
/// and an app named with a dot could not be addressed.
#[test]
fn set_and_unset_apply_in_the_order_given() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.pm2.edn"),
        "{:apps [{:name \"web.api\" :script \"a.js\"}]}",
    )
    .unwrap();
    let eval = |args: &[&str]| {
        let mut all = vec!["eval", "a.pm2.edn"];
        all.extend_from_slice(args);
        let out = cli(d, &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let set = r#"apps."web.api".instances=2"#;
    let unset = r#"apps."web.api".instances"#;
    assert!(!eval(&["--set", set, "--unset", unset]).contains(":instances"));
    assert!(eval(&["--unset", unset, "--set", set]).contains(":instances 2"));
}

/// Found by trying: `--unset deploy` (or `static`, `logs`, `profiles`, `apps`) failed
/// with "cannot apply override" on every verb but `eval`.
#[test]
fn unset_takes_any_top_level_section() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.pm2.edn"),
        "{:apps [{:name \"api\" :script \"a.js\"} {:name \"web\" :script \"w.js\"}]\n          :deploy {:prod {:host \"h\" :repo \"r\" :path \"/p\"}}\n :static [{:path \"/s\" :port 8080}]\n          :logs {:dir \"logs\"}\n :profiles {:prod {:apps [{:name \"web\" :instances 2}]}}}",
    )
    .unwrap();
    let render = |args: &[&str]| {
        let mut all = vec!["render", "a.pm2.edn", "-f", "json"];
        all.extend_from_slice(args);
        let out = cli(d, &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let whole = render(&[]);
    assert!(whole.get("deploy").is_some() && whole.get("static").is_some());
    let json = render(&[
        "--unset", "deploy", "--unset", "static", "--unset", "logs", "--unset", "profiles",
    ]);
    assert_eq!(json.get("deploy"), None);
    assert_eq!(json.get("static"), None);
    assert_eq!(json["apps"][0].get("out_file"), None, "no :logs folder: {json}");
    let json = render(&["--profile", "prod", "--unset", "apps.api"]);
    assert_eq!(json["apps"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["apps"][0]["instances"], 2);
    let out = cli(d, &["check", "a.pm2.edn", "--unset", "apps"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
