//! `pm2-clj export` on the command line: `--explain` is the mapping table, files are
//! written safely (secrets 0600, never through a FIFO or over a source), options without
//! an equivalent fail with exit 1 unless `--lossy`, approximations are one-line notes.

use std::path::Path;
use std::process::{Command, Output};

use pm2_clj_export::{Target, table};

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("run pm2-clj")
}

fn said(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Programs every machine has, so no test depends on node being installed.
const PROGRAMS: &[&str] = &["--interpreter-path", "node=/bin/true"];

fn project(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.js"), "").unwrap();
    std::fs::write(dir.path().join("shop.pm2.edn"), text).unwrap();
    dir
}

#[test]
fn explain_prints_the_mapping_table() {
    let out = cli(Path::new("."), &["export", "--target", "systemd", "--explain"]);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        table::explain(Target::Systemd)
    );
}

#[test]
fn files_are_written_safely_with_a_summary() {
    let dir = project(
        r#"{:apps [{:name "api" :script "app.js" :instances 2 :max-memory-restart "1G"
                    :env {:TOKEN #secret "t0ken" :MODE "x"}}]}"#,
    );
    let out = cli(
        dir.path(),
        &[
            &["export", "shop.pm2.edn", "--target", "systemd", "-o", "out"],
            PROGRAMS,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("exported shop.pm2.edn to systemd: 4 files in out"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  wrote     api.env  (0600: secrets)"),
        "{stdout}"
    );
    assert!(stdout.contains("sudo systemctl enable shop.target"), "{stdout}");
    assert!(
        stdout.contains("start everything: sudo systemctl start shop.target"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "shop.pm2.edn:1:72: note[export::approximate]: max_memory_restart is approximate on systemd"
        ),
        "{stderr}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join("out").join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("api.env"), 0o600);
    assert_eq!(mode("api@.service"), 0o644);
    let unit = std::fs::read_to_string(dir.path().join("out/api@.service")).unwrap();
    assert!(!unit.contains("t0ken"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/.gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*.env")
    );

    // Again: nothing changes.
    let again = cli(
        dir.path(),
        &[
            &["export", "shop.pm2.edn", "--target", "systemd", "-o", "out"],
            PROGRAMS,
        ]
        .concat(),
    );
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("  unchanged api@.service"),
        "{}",
        said(&again)
    );

    // Never through a FIFO.
    std::fs::remove_file(dir.path().join("out/api.env")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(dir.path().join("out/api.env"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let out = cli(
        dir.path(),
        &[
            &["export", "shop.pm2.edn", "--target", "systemd", "-o", "out"],
            PROGRAMS,
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("runtime::not-a-file"), "{}", said(&out));
}

#[test]
fn no_equivalent_fails_naming_option_and_target_unless_lossy() {
    let dir = project(r#"{:apps [{:name "api" :script "app.js" :watch true}]}"#);
    let args = [
        &[
            "export",
            "shop.pm2.edn",
            "--target",
            "systemd",
            "-o",
            "out",
            "--message-format",
            "short",
        ],
        PROGRAMS,
    ]
    .concat();
    let out = cli(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("shop.pm2.edn:1:46: error[export::no-equivalent]: watch has no systemd equivalent"),
        "{}",
        said(&out)
    );
    assert!(
        !dir.path().join("out").exists(),
        "files written despite the error"
    );
    let lossy = cli(dir.path(), &[&args[..], &["--lossy"]].concat());
    assert!(lossy.status.success(), "{}", said(&lossy));
    assert!(
        String::from_utf8_lossy(&lossy.stderr)
            .contains("warning[export::no-equivalent]: watch has no systemd equivalent (left out)"),
        "{}",
        said(&lossy)
    );
}

#[test]
fn compose_files_are_written_safely_and_install_is_refused() {
    let out = cli(Path::new("."), &["export", "--target", "compose", "--explain"]);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        table::explain(Target::Compose)
    );

    let dir = project(
        r#"{:apps [{:name "api" :script "app.js" :image "shop/api:1" :instances 2 :ports [3000]
                    :env {:TOKEN #secret "t0ken" :MODE "x"}}]}"#,
    );
    let out = cli(
        dir.path(),
        &["export", "shop.pm2.edn", "--target", "compose", "-o", "out"],
    );
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("wrote     shop/api.env  (0600: secrets)"),
        "{}",
        said(&out)
    );
    assert!(
        stdout.contains(&format!(
            "start everything: docker compose -f {} up -d",
            Path::new("out/shop/compose.yaml").display()
        )),
        "{}",
        said(&out)
    );
    use std::os::unix::fs::PermissionsExt;
    let env = dir.path().join("out/shop/api.env");
    assert_eq!(
        std::fs::metadata(&env).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(std::fs::read_to_string(&env).unwrap().contains("TOKEN='t0ken'"));
    let yaml = std::fs::read_to_string(dir.path().join("out/shop/compose.yaml")).unwrap();
    assert!(!yaml.contains("t0ken") && yaml.contains("replicas: 2"), "{yaml}");

    // Without an image: exit 1, naming :image, nothing written.
    let dir = project(r#"{:apps [{:name "api" :script "app.js"}]}"#);
    let out = cli(
        dir.path(),
        &["export", "shop.pm2.edn", "--target", "compose", "-o", "out"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains("export::missing-image") && said(&out).contains(":image"),
        "{}",
        said(&out)
    );
    assert!(!dir.path().join("out").exists());

    let out = cli(
        dir.path(),
        &[
            "export",
            "shop.pm2.edn",
            "--target",
            "compose",
            "-o",
            "out",
            "--install",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("--install installs systemd units, not compose files"),
        "{}",
        said(&out)
    );
}

#[test]
fn kubernetes_manifests_are_written_with_their_secret_private() {
    let dir = project(
        r#"{:apps [{:name "api" :script "app.js" :cwd "/srv/app" :image "r.example.com/api:1"
                    :max-memory-restart "300M" :env {:TOKEN #secret "t0ken" :MODE "x"}}]}"#,
    );
    // k8s is kubernetes; the paths are the image's, so this machine's are not looked at.
    let out = cli(
        dir.path(),
        &["export", "shop.pm2.edn", "--target", "k8s", "-o", "out"],
    );
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("exported shop.pm2.edn to kubernetes: 3 files in out"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  wrote     api.secret.yaml  (0600: secrets)"),
        "{stdout}"
    );
    assert!(stdout.contains("apply: kubectl apply -f out"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("preflight::"), "{stderr}");
    assert!(
        stderr.contains("note[export::approximate]: kill_timeout is approximate on kubernetes")
            && stderr.contains("the app receives SIGTERM"),
        "{stderr}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join("out").join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("api.secret.yaml"), 0o600);
    assert_eq!(mode("api.yaml"), 0o644);
    let manifest = std::fs::read_to_string(dir.path().join("out/api.yaml")).unwrap();
    assert!(
        !manifest.contains("t0ken") && !manifest.contains("dDBrZW4"),
        "{manifest}"
    );
    assert!(manifest.contains("memory: 300Mi\n"), "{manifest}");

    // --install is systemd's.
    let install = cli(
        dir.path(),
        &[
            "export",
            "shop.pm2.edn",
            "--target",
            "kubernetes",
            "-o",
            "out",
            "--install",
        ],
    );
    assert_eq!(install.status.code(), Some(2), "{}", said(&install));
    assert!(
        said(&install).contains("--install installs systemd units, not kubernetes files")
            && said(&install).contains("kubectl apply -f out"),
        "{}",
        said(&install)
    );

    // A name Kubernetes does not take: an error with the nearest one, nothing written.
    let bad = project(r#"{:apps [{:name "Billing_API" :script "app.js" :image "r.example.com/b:1"}]}"#);
    let out = cli(
        bad.path(),
        &["export", "shop.pm2.edn", "--target", "k8s", "-o", "out"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains("did you mean \"billing-api\"?"),
        "{}",
        said(&out)
    );
    assert!(!bad.path().join("out").exists());
}

#[test]
fn explain_prints_the_kubernetes_table() {
    let out = cli(Path::new("."), &["export", "--target", "kubernetes", "--explain"]);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        table::explain(Target::Kubernetes)
    );
}
