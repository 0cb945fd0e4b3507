//! CLI snapshot tests: `--help` of every verb, human diagnostics (no colour, 80 columns)
//! and JSON diagnostics for editors; exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env_remove("PM2_BIN")
        .output()
        .expect("run pm2-clj")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_of_every_verb() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = text(&cli(dir, &["--help"]).stdout);
    for verb in [
        "read",
        "eval",
        "render",
        "check",
        "fmt",
        "convert",
        "migrate",
        "start",
        "stop",
        "sync",
        "watch",
        "top",
        "export",
        "completions",
    ] {
        let out = cli(dir, &[verb, "--help"]);
        assert!(out.status.success());
        all.push_str(&format!("\n===== pm2-clj {verb} --help\n{}", text(&out.stdout)));
    }
    insta::assert_snapshot!(all);
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.pm2.edn"),
        "(def defaults {:autorestart true :instances (inc \"2\")})\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.pm2.edn"),
        "{:apps [{:name \"api\"\n         :script \"server.js\"\n         :max-memory-restrat \"1G\"\n         :min-uptime 10}]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("imports.pm2.edn"),
        "(import \"base.pm2.edn\" :as base)\n{:apps [(merge base/defaults {:name \"api\" :script \"a.js\"})]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("unclosed.pm2.edn"),
        ";; 𝄞 wide\n{:apps [{:name \"é\" :script \"a.js\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("good.pm2.edn"),
        "{:apps [{:name \"api\" :script \"a.js\"}]}\n",
    )
    .unwrap();
    for script in ["a.js", "server.js"] {
        std::fs::write(dir.path().join(script), "").unwrap();
    }
    dir
}

#[test]
fn human_diagnostics() {
    let dir = project();
    let mut all = String::new();
    for (args, code) in [
        (vec!["check", "broken.pm2.edn"], 1),
        (vec!["render", "imports.pm2.edn"], 1),
        (vec!["eval", "unclosed.pm2.edn"], 1),
        (vec!["render", "good.pm2.edn", "--profile", "prod"], 1),
        (vec!["eval", "missing.pm2.edn"], 1),
    ] {
        let out = cli(dir.path(), &args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        all.push_str(&format!(
            "===== pm2-clj {}\n{}",
            args.join(" "),
            text(&out.stderr)
        ));
    }
    insta::assert_snapshot!(all);
}

/// `COLUMNS` of 0 to 39, or negative, draws reports 40 columns wide (3 wrapped a message
/// a character per line), and a value past any terminal (or any integer) 1,000 wide.
#[test]
fn a_narrow_or_absurd_width_is_clamped() {
    let dir = project();
    let report = |columns: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .args(["check", "broken.pm2.edn"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        text(&out.stderr)
    };
    let forty = report("40");
    assert!(forty.lines().all(|l| l.chars().count() <= 60), "{forty}");
    for narrow in ["0", "3", "39", "-1", "-40"] {
        assert_eq!(report(narrow), forty, "COLUMNS={narrow}");
    }
    let widest = report("1000");
    for wide in ["18446744073709551615", "99999999999999999999999"] {
        assert_eq!(report(wide), widest, "COLUMNS={wide}");
    }
    assert_ne!(report("abc"), forty, "not a number: 100 wide");
    assert_eq!(report("+40"), forty);
}

#[test]
fn json_diagnostics_for_editors() {
    let dir = project();
    let out = cli(
        dir.path(),
        &[
            "check",
            "broken.pm2.edn",
            "unclosed.pm2.edn",
            "good.pm2.edn",
            "--message-format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "two problems in broken, one in unclosed, none in good"
    );
    let codes: Vec<&str> = lines.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "emit::unknown-key",
            "emit::below-minimum",
            "read::unclosed-delimiter"
        ]
    );
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["column"].as_u64()),
        (Some(3), Some(10))
    );
    assert_eq!(lines[0]["help"], "did you mean :max-memory-restart?");
    assert_eq!(lines[0]["file"], "broken.pm2.edn");
    // The third: after `;; 𝄞 wide` the opener `[` on line 2.
    let opener = &lines[2]["labels"].as_array().unwrap()[1];
    assert_eq!(
        (opener["line"].as_u64(), opener["column"].as_u64()),
        (Some(2), Some(8))
    );
    let unclosed_end = &lines[2];
    assert_eq!(unclosed_end["line"].as_u64(), Some(2));
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn utf16_columns_count_surrogate_pairs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wide.pm2.edn"),
        "{:apps [{:name \"𝄞\" :script 1}]}",
    )
    .unwrap();
    let out = cli(dir.path(), &["check", "wide.pm2.edn", "--message-format", "json"]);
    let line: serde_json::Value = serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    // `1` is at byte 30 (𝄞 is 4 bytes), character column 28, UTF-16 column 29 (𝄞 is a
    // surrogate pair).
    assert_eq!(
        (
            line["offset"].as_u64(),
            line["column"].as_u64(),
            line["column_utf16"].as_u64()
        ),
        (Some(30), Some(28), Some(29))
    );
}

#[test]
fn exit_codes() {
    let dir = project();
    assert_eq!(cli(dir.path(), &["check", "good.pm2.edn"]).status.code(), Some(0));
    assert_eq!(
        cli(dir.path(), &["check", "broken.pm2.edn"]).status.code(),
        Some(1)
    );
    assert_eq!(cli(dir.path(), &["check"]).status.code(), Some(2));
    assert_eq!(cli(dir.path(), &["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        cli(dir.path(), &["render", "good.pm2.edn", "--env", "NOEQUALS"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn render_writes_atomically_and_only_on_change() {
    let dir = project();
    let out = dir.path().join("out/ecosystem.config.mjs");
    assert!(
        cli(
            dir.path(),
            &["render", "good.pm2.edn", "-o", out.to_str().unwrap()]
        )
        .status
        .success()
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("export const apps = ["),
        "the extension picks the format"
    );
    let modified = std::fs::metadata(&out).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(
        cli(
            dir.path(),
            &["render", "good.pm2.edn", "-o", out.to_str().unwrap()]
        )
        .status
        .success()
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().modified().unwrap(),
        modified,
        "unchanged output is not rewritten"
    );
    assert_eq!(
        std::fs::read_dir(out.parent().unwrap()).unwrap().count(),
        1,
        "no temporary files left"
    );
}

#[test]
fn every_example_renders_in_every_format() {
    let examples = pm2_clj_testkit::repo_root().join("examples");
    let files = pm2_clj_testkit::files_under(&examples, &[".pm2.edn"]);
    assert!(files.len() >= 6, "{files:?}");
    let out_dir = tempfile::tempdir().unwrap();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut profiles = vec![None];
        if text.contains(":profiles") || text.contains("#profile") {
            profiles.push(Some("prod"));
        }
        for profile in profiles {
            for ext in ["json", "cjs", "mjs"] {
                let out = out_dir.path().join(format!("out.config.{ext}"));
                let mut args = vec![
                    "render",
                    file.to_str().unwrap(),
                    "--no-process-env",
                    "-o",
                    out.to_str().unwrap(),
                ];
                if let Some(p) = profile {
                    args.extend(["--profile", p]);
                }
                let run = cli(&examples, &args);
                assert!(
                    run.status.success(),
                    "{} {profile:?} {ext}: {}",
                    file.display(),
                    text_of(&run.stderr)
                );
                let node = Command::new("node")
                    .args([
                        "-e",
                        "const m = require(process.argv[1]); if (!m.apps || !m.apps.length) process.exit(1)",
                    ])
                    .arg(&out)
                    .status()
                    .unwrap();
                assert!(
                    node.success(),
                    "{} {ext}: node cannot load the output",
                    file.display()
                );
            }
        }
    }
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Found by trying a minified one-line file: miette panics padding a label past column
/// 65,535. The report names the position instead of showing the line.
#[test]
fn a_label_far_along_a_long_line_is_reported_without_the_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let padding = " ".repeat(70_000);
    let text = format!("{{:apps [{{:name \"a\" :script \"s\"{padding} :bogus 1}}]}}");
    std::fs::write(dir.path().join("wide.pm2.edn"), &text).unwrap();
    let out = cli(dir.path(), &["check", "wide.pm2.edn"]);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("emit::unknown-key"), "{stderr}");
    let column = text.find(":bogus").unwrap() + 1;
    assert!(
        stderr.contains(&format!(
            "at wide.pm2.edn:1:{column}: not a PM2 option (the line is too long"
        )),
        "{stderr}"
    );
    assert!(stderr.len() < 2_000, "the long line is not printed");
}

#[test]
fn a_relative_cwd_that_names_no_folder_is_a_warning_at_its_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("srv")).unwrap();
    std::fs::write(
        dir.path().join("e.pm2.edn"),
        "{:apps [{:name \"a\" :script \"a.js\" :cwd \"./packages/a\"}\n        {:name \"b\" :script \"b.js\" :cwd \"srv\"}\n        {:name \"c\" :script \"c.js\" :cwd \"/no/such/folder\"}]}\n",
    )
    .unwrap();
    for verb in [
        &["check", "e.pm2.edn"][..],
        &["render", "e.pm2.edn", "-o", "out.cjs"],
    ] {
        let out = cli(dir.path(), verb);
        assert!(out.status.success(), "{verb:?}: a warning is no failure");
        let stderr = text(&out.stderr);
        // One warning per missing folder (the relative one and the absolute one), once.
        assert_eq!(
            stderr.matches("preflight::missing-cwd").count(),
            2,
            "{verb:?}: {stderr}"
        );
        assert!(stderr.contains("e.pm2.edn:1:40"), "{stderr}");
        assert!(stderr.contains("packages/a does not exist"), "{stderr}");
        assert!(stderr.contains("repository root"), "{stderr}");
    }
}

/// Warnings that point at the same text (a function that gives every app its folder)
/// show that text once, with each app's own message under it; the short and JSON
/// formats keep one line per warning.
#[test]
fn warnings_from_one_place_show_its_snippet_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("e.pm2.edn"),
        "(defn app [n] {:name n :script \"a.js\" :cwd (str \"gone/\" n)})\n{:apps [(app \"a\") (app \"b\") (app \"c\")\n {:name \"d\" :script \"d.js\" :cwd \"away\"}]}\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["check", "e.pm2.edn"]);
    assert!(out.status.success(), "a warning is no failure");
    let stderr = text(&out.stderr);
    // Two places: the function's :cwd (three apps) and app d's.
    assert_eq!(stderr.matches("╭─[").count(), 2, "{stderr}");
    assert_eq!(stderr.matches("e.pm2.edn:1:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("… and 2 more warnings from this same place [preflight::missing-cwd]:"),
        "{stderr}"
    );
    for app in ["a", "b", "c", "d"] {
        assert!(stderr.contains(&format!("app \"{app}\": its folder")), "{stderr}");
    }
    let short = cli(dir.path(), &["--message-format", "short", "check", "e.pm2.edn"]);
    assert_eq!(
        text(&short.stderr)
            .matches("warning[preflight::missing-cwd]")
            .count(),
        4
    );
    // Two --set values are two sources of one name: never one place.
    let out = cli(
        dir.path(),
        &[
            "check",
            "--no-preflight",
            "--set",
            "apps.a.instances=two",
            "--set",
            "apps.b.instances=six",
            "e.pm2.edn",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("╭─[").count(), 2, "{stderr}");
    assert!(!stderr.contains("from this same place"), "{stderr}");
}

/// A value in a message cannot drive the terminal: control characters (an ESC sequence
/// that retitles the window, a carriage return that writes over the line) and
/// bidirectional overrides are written out, in every text format.
#[test]
fn a_message_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("e.pm2.edn"),
        "(defn app [n] {:name n :script \"a.js\" :cwd (str \"gone/\\u001b]0;pwned\\u0007\\r  x \\u202e\" n)})\n{:apps [(app \"a\") (app \"b\")]}\n",
    )
    .unwrap();
    for format in ["human", "short"] {
        let out = cli(dir.path(), &["--message-format", format, "check", "e.pm2.edn"]);
        assert!(out.status.success(), "{format}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("its folder"), "{format}: {stderr}");
        for c in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
            assert!(!stderr.contains(c), "{format}: {c:?} in {stderr:?}");
        }
        assert!(
            stderr.contains("\\u{1b}]0;pwned\\u{7}\\u{d}"),
            "{format}: {stderr}"
        );
    }
}

/// A file's own characters that drive a terminal (raw in its text, in a comment or a
/// string) are shown as `?`, `¿` or `�` in a snippet, each replacing one character so
/// the label still points at its text; a `\r\n` line break stays one.
#[test]
fn a_snippet_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("e.pm2.edn"),
        "; \u{1b}]0;pwned\u{7} \u{9b}2J\r\n{:apps [{:name \"a\u{202e}b\r\" :script \"a.js\" :max-restrats 3}]}\r\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["check", "e.pm2.edn"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for c in ['\u{1b}', '\u{7}', '\u{9b}', '\r', '\u{202e}'] {
        assert!(!stderr.contains(c), "{c:?} in {stderr:?}");
    }
    assert!(stderr.contains("; ?]0;pwned? ¿2J"), "{stderr}");
    assert!(stderr.contains("{:name \"a\u{fffd}b?\" :script"), "{stderr}");
    // The label is under the key, as in a file without those characters.
    let column = |line: &str, of: &str| line.find(of).map(|at| line[..at].chars().count());
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines.iter().position(|l| l.contains(":max-restrats 3")).unwrap();
    assert_eq!(
        column(lines[at + 1], "─"),
        column(lines[at], ":max-restrats"),
        "{stderr}"
    );
}

/// A label carrying the file's text and a file's own name (which a cloned repository
/// chooses) reach the terminal printable too, in every human format and in `check`'s
/// line for a good file.
#[test]
fn labels_and_file_names_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("x\u{1b}]0;PWN\u{7}.pm2.edn"),
        "{:apps [{:name \"w\" :script \"a.js\" :cron-restart \"0 3 * * *\u{1b}[2J\"}]}\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("ok\u{202e}.pm2.edn"),
        "{:apps [{:name \"v\" :script \"a.js\"}]}\n",
    )
    .unwrap();
    for format in ["human", "short"] {
        let out = cli(dir.path(), &["--message-format", format, "check", "t"]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(all.contains("cron"), "{format}: {all}");
        assert!(all.contains("x\\u{1b}]0;PWN\\u{7}.pm2.edn"), "{format}: {all}");
        for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!all.contains(c), "{format}: {c:?} in {all:?}");
        }
    }
    // migrate's table quotes a failed conversion's text.
    let old = dir.path().join("m");
    std::fs::create_dir(&old).unwrap();
    std::fs::write(
        old.join("ecosystem.config.js"),
        "module.exports = { apps: [\n { name: \"a\", script: \"a.js\", [\"k\u{1b}[2J\u{202e}\" + 1]: 2 } ] };\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["migrate", "--no-verify", "m"]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(all.contains("FAILED"), "{all}");
    assert!(all.contains("k\\u{1b}[2J\\u{202e}"), "{all}");
    assert!(!all.contains('\u{1b}') && !all.contains('\u{202e}'), "{all:?}");
}

/// The seconds `check` takes (the better of two runs) to report `n` errors of one file
/// in `format`.
fn report_time(dir: &Path, n: usize, format: &str) -> f64 {
    let apps: String = (0..n)
        .map(|i| format!("{{:name \"a{i}\" :script \"a.js\" :instancs 2}}\n"))
        .collect();
    let file = format!("many{n}.pm2.edn");
    std::fs::write(dir.join(&file), format!("{{:apps [\n{apps}]}}\n")).unwrap();
    (0..2)
        .map(|_| {
            let start = std::time::Instant::now();
            let out = cli(
                dir,
                &["--message-format", format, "--all-diagnostics", "check", &file],
            );
            assert_eq!(out.status.code(), Some(1));
            let shown = text(&out.stderr) + &text(&out.stdout);
            assert_eq!(shown.matches("emit::unknown-key").count(), n, "{format}");
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Found by trying 2,000 errors in one file: every report read the whole text again to
/// find its line, so `check` took 6.8 s. Eight times the errors must take about eight
/// times as long, not sixty-four.
#[test]
fn reporting_is_linear_in_the_number_of_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["human", "short", "json"] {
        let (small, large) = (
            report_time(dir.path(), 250, format),
            report_time(dir.path(), 2_000, format),
        );
        assert!(
            large / small < 20.0,
            "{format}: 250 errors in {small:.2} s, 2,000 in {large:.2} s"
        );
    }
}

/// `check`, `read` and `fmt` report every read error that leaves the structure whole,
/// in text order, then stop at one that does not.
#[test]
fn every_read_error_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("multi.pm2.edn"),
        "{:apps [{:name \"a\" :instances 1x}\n {:name \"b\" :script :x/}\n {:name \"a\" :name \"c\"}\n [1 2}]}\n",
    )
    .unwrap();
    for verb in ["check", "read", "fmt"] {
        let out = cli(dir.path(), &["--message-format", "short", verb, "multi.pm2.edn"]);
        assert_eq!(out.status.code(), Some(1), "{verb}");
        let lines: Vec<String> = text(&out.stderr).lines().map(str::to_string).collect();
        assert_eq!(
            lines,
            [
                "multi.pm2.edn:1:31: error[read::bad-number]: invalid number",
                "multi.pm2.edn:2:21: error[read::bad-keyword]: invalid keyword: the name is empty",
                "multi.pm2.edn:3:13: error[read::duplicate-key]: duplicate key in map",
                "multi.pm2.edn:4:6: error[read::mismatched-delimiter]: mismatched delimiter: `[` closed by `}`",
            ],
            "{verb}"
        );
    }
}

/// The seconds (the better of two runs) `pm2-clj read` of `text` takes.
fn read_time(dir: &Path, name: &str, text: &str) -> f64 {
    std::fs::write(dir.join(name), text).unwrap();
    (0..2)
        .map(|_| {
            let start = std::time::Instant::now();
            cli(dir, &["read", name, "--all-diagnostics"]);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Found by trying 150 errors at the end of a 6 MB line (a minified file): each report
/// read the line from its start, so `read` took 16 s where reading the file takes 2 s.
/// Reporting them must cost about what reading does.
#[test]
fn errors_at_the_end_of_a_long_line_cost_about_what_reading_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let forms = "1 ".repeat(1_000_000);
    let good = read_time(dir.path(), "good.edn", &format!("[{forms}]"));
    let bad = read_time(dir.path(), "bad.edn", &format!("[{forms}{}]", "1x ".repeat(150)));
    let out = cli(dir.path(), &["read", "bad.edn", "--all-diagnostics"]);
    let said = text(&out.stderr);
    assert_eq!(said.matches("read::bad-number").count(), 100);
    assert_eq!(said.matches("read::too-many-errors").count(), 1);
    assert!(bad < 4.0 * good, "valid: {good:.2} s, 101 errors: {bad:.2} s");
}

/// `check` refuses what the OS or pm2 would mangle: an environment variable name such
/// as `"A=B"` (the app would get `A` with the value `B=1`), a name with a space or a
/// control character, an app name that can fake pm2's output; a name a shell cannot
/// read is a warning, and `render` still writes the file.
#[test]
fn names_the_os_or_pm2_would_mangle_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("names.pm2.edn"),
        "{:apps [{:name \"api\\n[PM2] done\" :script \"a.js\"\n  :env {\"A=B\" 1 \"LOG LEVEL\" \"info\" :log-level \"debug\"}}]}\n",
    )
    .unwrap();
    let out = cli(
        dir.path(),
        &["--message-format", "short", "check", "names.pm2.edn"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).lines().collect::<Vec<_>>(),
        [
            "names.pm2.edn:1:16: error[emit::name-control-character]: the app name \"api\\n[PM2] done\" holds a newline",
            "names.pm2.edn:2:9: error[emit::env-name]: env has a variable named \"A=B\", which holds \"=\"",
            "names.pm2.edn:2:17: error[emit::env-name]: env has a variable named \"LOG LEVEL\", which holds a space",
            "names.pm2.edn:2:36: warning[emit::env-name-not-portable]: env has a variable named \"log-level\", which is not a name shells can read",
        ]
    );
    std::fs::write(
        dir.path().join("odd.pm2.edn"),
        "{:apps [{:name \"api\" :script \"a.js\" :env {:log-level \"debug\"}}]}\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["render", "odd.pm2.edn", "-f", "json"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("\"log-level\": \"debug\""));
    assert!(text(&out.stderr).contains("emit::env-name-not-portable"));
}

/// `check` refuses numbers PM2 or node would misread, naming the range; `render` writes
/// big decimals and ratios as the numbers they are (they were strings: "1600.0").
#[test]
fn numbers_pm2_would_misread_are_refused_and_decimals_render_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.pm2.edn"),
        "{:apps [{:name \"api\" :script \"a.js\" :instances 1e308 :kill-timeout ##Inf\n  :port 99999999999999999999 :min-uptime 1000/3}]}\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["--message-format", "short", "check", "bad.pm2.edn"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).lines().collect::<Vec<_>>(),
        [
            "bad.pm2.edn:1:48: error[emit::out-of-range]: instances is 1e308; PM2 reads an integer within ±9007199254740991 here",
            "bad.pm2.edn:1:68: error[emit::out-of-range]: kill_timeout is ##Inf; PM2 reads an integer from 0 to 2147483647 here",
            "bad.pm2.edn:2:9: error[emit::out-of-range]: port is 99999999999999999999N; PM2 reads an integer from 0 to 65535 here",
            "bad.pm2.edn:2:42: error[emit::inexact-number]: min_uptime is 1000/3, which JavaScript would read as 333.3333333333333",
        ]
    );
    std::fs::write(
        dir.path().join("good.pm2.edn"),
        "{:apps [{:name \"api\" :script \"a.js\" :max-restarts 0M :kill-timeout 1600.0M :min-uptime 2001/2}]}\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["render", "good.pm2.edn", "-f", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let app = &json["apps"][0];
    assert_eq!(
        (
            &app["max_restarts"],
            &app["maxRestarts"],
            &app["kill_timeout"],
            &app["min_uptime"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(0),
            &serde_json::json!(1600),
            &serde_json::json!(1000.5)
        )
    );
}
