//! The command runs on the main thread's stack: deep input of every kind ends in a
//! labelled error in well under a second, never a stack overflow.

use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `pm2-clj VERB FILE` on `text` and checks it fails with `code`, quickly.
#[track_caller]
fn fails_with(verb: &str, text: &str, code: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.pm2.edn");
    std::fs::write(&file, text).unwrap();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args([verb, file.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{verb}: {stderr}");
    assert!(stderr.contains(code), "{verb}: expected {code}: {stderr}");
    assert!(took < Duration::from_secs(2), "{verb} took {took:?}");
}

#[test]
fn deep_literals_are_read_errors() {
    let n = 200_000;
    for (open, close) in [
        ("[", "]"),
        ("(", ")"),
        ("{:a ", "}"),
        ("#{", "}"),
        ("^{:m 1} [", "]"),
    ] {
        let text = format!("{}1{}", open.repeat(n), close.repeat(n));
        fails_with("render", &text, "read::too-deep");
        fails_with("check", &text, "read::too-deep");
    }
    fails_with("render", &"'".repeat(n), "read::");
    fails_with("render", &"#_".repeat(n), "read::");
}

#[test]
fn deep_values_built_by_a_program_are_limit_errors() {
    // Built one level per step, never by recursion: only the value's depth stops it.
    let built =
        "{:apps [{:name \"a\" :script \"a.js\" :env {:X (reduce (fn [acc _] [acc]) [] (range 100000))}}]}";
    fails_with("render", built, "eval::limit");
    fails_with("eval", built, "eval::limit");
    let nested_maps =
        "{:apps [{:name \"a\" :script \"a.js\" :env (reduce (fn [acc _] {:k acc}) {} (range 100000))}]}";
    fails_with("render", nested_maps, "eval::limit");
    // Recursion without end.
    fails_with("eval", "(defn f [n] (f (inc n))) (f 0)", "eval::limit");
    fails_with("eval", "(defn f [n] [(f n)]) (f 0)", "eval::limit");
}
