//! The npm packages (`npm/`) carry the workspace's version, and the launcher pins every
//! platform package to it: one version, whichever route a user installs by.

use std::path::Path;

use serde_json::Value as Json;

fn manifest(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn npm_packages_carry_the_workspace_version() {
    let version = env!("CARGO_PKG_VERSION");
    let npm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../npm");
    let launcher = manifest(&npm.join("pm2-clj/package.json"));
    assert_eq!(launcher["version"], version, "npm/pm2-clj/package.json");
    let pins = launcher["optionalDependencies"]
        .as_object()
        .expect("optionalDependencies");
    let mut platforms: Vec<String> = std::fs::read_dir(npm.join("platforms"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    platforms.sort();
    assert_eq!(
        platforms,
        [
            "darwin-arm64",
            "darwin-x64",
            "linux-arm64",
            "linux-x64",
            "win32-x64"
        ]
    );
    for platform in &platforms {
        let package = manifest(&npm.join("platforms").join(platform).join("package.json"));
        let name = format!("@pm2-clj/{platform}");
        assert_eq!(package["name"], name.as_str());
        assert_eq!(package["version"], version, "{name}");
        assert_eq!(
            pins.get(&name).and_then(Json::as_str),
            Some(version),
            "the launcher's pin of {name}"
        );
        let (os, cpu) = platform.split_once('-').unwrap();
        assert_eq!(package["os"], serde_json::json!([os]), "{name}");
        assert_eq!(package["cpu"], serde_json::json!([cpu]), "{name}");
    }
    assert_eq!(
        pins.len(),
        platforms.len(),
        "the launcher pins exactly the platform packages"
    );
}

/// Runs the launcher script with `args`; `binary` is what it runs (`PM2_CLJ_BINARY`), or
/// `None` for the platform package it looks for (none is installed beside `npm/`).
fn launcher(args: &[&str], binary: Option<&str>) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../npm/pm2-clj/bin/pm2-clj.js");
    let mut command = std::process::Command::new("node");
    command.arg(script).args(args).env("NO_COLOR", "1");
    match binary {
        Some(b) => command.env("PM2_CLJ_BINARY", b),
        None => command.env_remove("PM2_CLJ_BINARY"),
    };
    command.output().expect("node must be installed")
}

#[test]
fn the_launcher_names_the_platform_it_has_no_binary_for() {
    let out = launcher(&["--version"], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let platform = format!(
        "{}-{}",
        match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            os => os,
        },
        match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            arch => arch,
        }
    );
    assert!(stderr.contains(&format!("no binary for {platform}")), "{stderr}");
}

#[test]
fn the_launcher_passes_arguments_output_and_exit_codes_through() {
    let binary = env!("CARGO_BIN_EXE_pm2-clj");
    let out = launcher(&["--version"], Some(binary));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("pm2-clj {}", env!("CARGO_PKG_VERSION"))
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pm2.edn");
    std::fs::write(&bad, r#"{:apps [{:name "bad" :script "a.js" :max-restart 0}]}"#).unwrap();
    let out = launcher(&["check", bad.to_str().unwrap()], Some(binary));
    assert_eq!(out.status.code(), Some(1), "a failing check");
    assert!(String::from_utf8_lossy(&out.stderr).contains("emit::unknown-key"));
    let out = launcher(&["check", "--no-such-flag"], Some(binary));
    assert_eq!(out.status.code(), Some(2), "a usage error");
}
