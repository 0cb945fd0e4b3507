//! The editor set-ups in `editors/` stay in step with the command they run: the VS Code
//! extension's manifests parse and its script is valid JavaScript that starts
//! `pm2-clj lsp`, and the Helix entry runs the server and `fmt -` (whose behaviour the
//! other tests check). The Neovim snippet is run by tests/neovim.rs.

use std::process::Command;

fn editors() -> std::path::PathBuf {
    pm2_clj_testkit::repo_root().join("editors")
}

#[test]
fn the_vscode_extension_is_well_formed() {
    let dir = editors().join("vscode");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["contributes"]["languages"][0]["filenamePatterns"][0],
        "*.pm2.edn"
    );
    let config = dir.join(
        manifest["contributes"]["languages"][0]["configuration"]
            .as_str()
            .unwrap(),
    );
    let _: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    let main = dir.join(manifest["main"].as_str().unwrap());
    let script = std::fs::read_to_string(&main).unwrap();
    assert!(script.contains("args: [\"lsp\"]"), "{script}");
    let check = Command::new("node")
        .arg("--check")
        .arg(&main)
        .output()
        .expect("node");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_helix_entry_runs_the_server_and_the_formatter() {
    let text = std::fs::read_to_string(editors().join("helix/languages.toml")).unwrap();
    assert!(text.contains("file-types = [{ glob = \"*.pm2.edn\" }]"));
    assert!(text.contains("command = \"pm2-clj\"\nargs = [\"lsp\"]"));
    assert!(text.contains("formatter = { command = \"pm2-clj\", args = [\"fmt\", \"-\"] }"));
}
