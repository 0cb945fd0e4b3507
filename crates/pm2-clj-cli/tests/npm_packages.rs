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
