//! The command line for editors without a language server: `fmt`, `check -` / `eval -`
//! with `--stdin-filename`, `--message-format short`, the fixes in JSON diagnostics, and
//! columns that count characters in every format.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cli_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pm2-clj");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    cli_with_stdin(dir, args, "")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const MESSY: &str =
    "; keep me\n(def   port 3000) ; and me\n{:apps [{:name \"api\" :script \"a.js\"\n:env {:PORT port}}]}\n";
// A comment after code keeps its column when the code leaves room for it.
const TIDY: &str = "; keep me\n(def port 3000)   ; and me\n{:apps [{:name \"api\"\n         :script \"a.js\"\n         :env {:PORT port}}]}\n";

#[test]
fn fmt_rewrites_files_and_directories_in_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a.pm2.edn"), MESSY).unwrap();
    std::fs::write(dir.path().join("lib.edn"), "(def  x 1)").unwrap();
    let out = cli(dir.path(), &["fmt", "sub", "lib.edn"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/a.pm2.edn")).unwrap(),
        TIDY
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lib.edn")).unwrap(),
        "(def x 1)\n"
    );
    let out = cli(dir.path(), &["fmt", "--check"]);
    assert!(
        out.status.success(),
        "the current directory is formatted now: {}",
        text(&out.stderr)
    );
}

/// `fmt` writes through a temporary file (a full disk never leaves half a source), yet
/// a source keeps its permissions and a link stays a link to the file it names.
#[cfg(unix)]
#[test]
fn fmt_replaces_atomically_keeping_mode_and_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("real")).unwrap();
    let real = d.join("real/app.pm2.edn");
    std::fs::write(&real, MESSY).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("real/app.pm2.edn", d.join("link.pm2.edn")).unwrap();
    let out = cli(d, &["fmt", "link.pm2.edn"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::symlink_metadata(d.join("link.pm2.edn"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), TIDY);
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let left: Vec<_> = std::fs::read_dir(d.join("real"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["app.pm2.edn"], "no temporary file is left");
}

/// Found by trying: replacing a file made root the owner of a file `nobody` owned (who
/// could then no longer read it) and split hard links. Such a file is rewritten in place.
#[cfg(unix)]
#[test]
fn fmt_keeps_a_files_owner_and_links() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("app.pm2.edn");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::hard_link(&file, d.join("other.pm2.edn")).unwrap();
    let out = cli(d, &["fmt", "app.pm2.edn"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(d.join("other.pm2.edn")).unwrap(),
        TIDY,
        "the link sees it"
    );
    assert_eq!(std::fs::metadata(&file).unwrap().nlink(), 2);
    // Owned by someone else: only root can set that up, and root's fmt must keep it.
    std::fs::remove_file(d.join("other.pm2.edn")).unwrap();
    std::fs::write(&file, MESSY).unwrap();
    let chown = Command::new("chown").args(["65534:65534"]).arg(&file).status();
    if chown.is_ok_and(|s| s.success()) {
        let out = cli(d, &["fmt", "app.pm2.edn"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), TIDY);
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534), "the owner is kept");
    }
}

#[test]
fn fmt_check_reports_each_unformatted_file_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.pm2.edn"), MESSY).unwrap();
    std::fs::write(dir.path().join("b.pm2.edn"), TIDY).unwrap();
    let out = cli(dir.path(), &["fmt", "--check", "--message-format", "short", "."]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].ends_with("a.pm2.edn:2:1: error[fmt::unformatted]: ")
            || lines[0].contains("a.pm2.edn:2:1: error[fmt::unformatted]: "),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.pm2.edn")).unwrap(),
        MESSY
    );
}

/// Found by trying: `fmt` dropped a byte order mark at the start of a file, and
/// `fmt --check` reported a tidy file as unformatted for having one.
#[test]
fn fmt_keeps_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let (tidy, messy) = (format!("\u{feff}{TIDY}"), format!("\u{feff}{MESSY}"));
    std::fs::write(dir.path().join("tidy.pm2.edn"), &tidy).unwrap();
    std::fs::write(dir.path().join("messy.pm2.edn"), &messy).unwrap();
    let out = cli(dir.path(), &["fmt", "--check", "tidy.pm2.edn"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli(dir.path(), &["fmt", "messy.pm2.edn"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.pm2.edn")).unwrap(),
        tidy
    );
    let out = cli_with_stdin(dir.path(), &["fmt", "-"], &messy);
    assert_eq!(text(&out.stdout), tidy);
}

#[test]
fn fmt_reads_stdin_and_reports_read_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli_with_stdin(dir.path(), &["fmt", "-"], MESSY);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), TIDY);
    let out = cli_with_stdin(
        dir.path(),
        &[
            "fmt",
            "-",
            "--stdin-filename",
            "x.pm2.edn",
            "--message-format",
            "short",
        ],
        "{:a 1",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "x.pm2.edn:1:6: error[read::unclosed-delimiter]: unclosed `{`\n"
    );
    assert_eq!(
        text(&out.stdout),
        "",
        "nothing is printed for a text that does not read"
    );
}

#[test]
fn check_and_eval_read_stdin_with_imports_beside_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/base.edn"), "(def script \"server.js\")").unwrap();
    std::fs::write(dir.path().join("conf/server.js"), "").unwrap();
    let program = "(import \"base.edn\" :as base)\n{:apps [{:name \"api\" :script base/script}]}\n";
    let out = cli_with_stdin(
        dir.path(),
        &[
            "eval",
            "-",
            "--stdin-filename",
            "conf/app.pm2.edn",
            "--format",
            "json",
        ],
        program,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["apps"][0]["script"], "server.js");
    let out = cli_with_stdin(
        dir.path(),
        &["check", "-", "--stdin-filename", "conf/app.pm2.edn"],
        program,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "ok: conf/app.pm2.edn (1 app)\n");
    let out = cli_with_stdin(dir.path(), &["check", "-", "--message-format", "short"], program);
    assert_eq!(
        out.status.code(),
        Some(1),
        "without the name, imports resolve against the current directory"
    );
    assert!(
        text(&out.stderr).starts_with("<stdin>:1:1: error[eval::import-not-found]: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn short_messages_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("two.pm2.edn"),
        "{:apps [{:name \"é\" :script \"a.js\" :max-restart 0 :min-uptime 10}]}",
    )
    .unwrap();
    let out = cli(dir.path(), &["check", "two.pm2.edn", "--message-format", "short"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "two.pm2.edn:1:35: error[emit::unknown-key]: :max-restart is not a PM2 app option\n\
         two.pm2.edn:1:62: error[emit::below-minimum]: min_uptime is 10, under PM2's minimum of 100\n"
    );
}

#[test]
fn human_reports_count_columns_like_the_json_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wide.pm2.edn"),
        "{:apps [{:name \"ééé\" :scrpt \"a.js\"}]}",
    )
    .unwrap();
    let json = cli(dir.path(), &["check", "wide.pm2.edn", "--message-format", "json"]);
    let line: serde_json::Value = serde_json::from_str(text(&json.stdout).lines().next().unwrap()).unwrap();
    let column = line["column"].as_u64().unwrap();
    assert_eq!(column, 22, "characters, not bytes (the key is at byte 25)");
    let human = cli(dir.path(), &["check", "wide.pm2.edn"]);
    assert!(
        text(&human.stderr).contains(&format!("[wide.pm2.edn:1:{column}]")),
        "{}",
        text(&human.stderr)
    );
}

#[test]
fn json_diagnostics_carry_the_did_you_mean_as_a_replacement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("typo.pm2.edn"),
        "(def port 1)\n{:apps [{:name \"a\" :script \"a.js\" :max-memory-restrat \"1G\" :env {:PORT prot}}]}",
    )
    .unwrap();
    let out = cli(dir.path(), &["check", "typo.pm2.edn", "--message-format", "json"]);
    let first: serde_json::Value = serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "eval::unbound-symbol");
    let fix = &first["replacements"][0];
    assert_eq!(fix["text"], "port");
    assert_eq!(
        (
            fix["range"]["line"].as_u64(),
            fix["range"]["column"].as_u64(),
            fix["range"]["length"].as_u64()
        ),
        (Some(2), Some(72), Some(4))
    );
    std::fs::write(
        dir.path().join("typo.pm2.edn"),
        "{:apps [{:name \"a\" :script \"a.js\" :max-memory-restrat \"1G\" \"max_restrat\" 1}]}",
    )
    .unwrap();
    let out = cli(dir.path(), &["check", "typo.pm2.edn", "--message-format", "json"]);
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["replacements"][0]["text"], ":max-memory-restart");
    assert_eq!(lines[0]["replacements"][0]["range"]["offset"].as_u64(), Some(34));
    assert_eq!(lines[1]["help"], "did you mean max_restarts?");
    assert_eq!(
        lines[1]["replacements"],
        serde_json::json!([]),
        "a string key's text is not the suggestion's spelling, so there is no edit"
    );
}
