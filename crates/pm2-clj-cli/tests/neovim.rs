//! A real editor as the client: Neovim from Debian's packages (`.ci/run` installs it),
//! headless, set up with `editors/neovim/pm2-clj.lua`, attaches `pm2-clj lsp` to a file
//! it opens and reads back the diagnostics and a hover through its Lua API. The test fails when `nvim` is missing: install it with
//! `apt-get install neovim`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_shows_the_servers_diagnostics_and_hover() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.pm2.edn");
    // The server says UTF-16 column 21 for `:max-restart`; Neovim counts bytes (é is
    // two, 𝄞 four), so it must show byte column 24.
    std::fs::write(
        &file,
        "{:apps [{:name \"é𝄞\" :max-restart 0\n         :script \"a.js\"}]}\n",
    )
    .unwrap();
    let out = dir.path().join("out.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neovim/attach.lua");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("PM2_CLJ_BIN", env!("CARGO_BIN_EXE_pm2-clj"))
        .env(
            "PM2_CLJ_SNIPPET",
            pm2_clj_testkit::repo_root().join("editors/neovim/pm2-clj.lua"),
        )
        .env("PM2_CLJ_FILE", &file)
        .env("PM2_CLJ_OUT", &out)
        .env("PM2_CLJ_HOVER_LINE", "1")
        .env("PM2_CLJ_HOVER_CHARACTER", "12")
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nvim is not installed: apt-get install neovim (.ci/run does)");
    let deadline = Instant::now() + Duration::from_secs(60);
    while nvim.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = nvim.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote its result")).unwrap();
    assert_eq!(result["arrived"], true, "{result}");
    let diagnostics = result["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{result}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "emit::unknown-key");
    assert_eq!((d["lnum"].as_u64(), d["col"].as_u64()), (Some(0), Some(24)));
    assert_eq!(
        (d["end_lnum"].as_u64(), d["end_col"].as_u64()),
        (Some(0), Some(36))
    );
    assert_eq!(d["severity"], 1);
    assert_eq!(
        d["message"],
        ":max-restart is not a PM2 app option\nhelp: did you mean :max-restarts?"
    );
    let hover = result["hover"]
        .as_str()
        .unwrap_or_else(|| panic!("no hover: {result}"));
    assert!(hover.starts_with("**script** (PM2 app option)"), "{hover}");
}
