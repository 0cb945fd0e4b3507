//! The README's five-minute tour runs as written, against the real pm2: its file, the
//! programs it writes, the `check` report it shows (compared as printed), and each
//! command, with what each must have done checked in pm2.

mod common;

use std::path::Path;

use common::*;
use pm2_clj_testkit::Pm2;

/// The tour's code blocks, in order, as (language, text).
fn tour() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(pm2_clj_testkit::repo_root().join("README.md")).unwrap();
    let start = readme.find("## A five-minute tour").expect("the tour");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let newline = after.find('\n').unwrap();
        let lang = after[..newline].trim().to_string();
        let body = &after[newline + 1..];
        let close = body.find("```").unwrap();
        blocks.push((lang, body[..close].to_string()));
        rest = &body[close + 3..];
    }
    blocks
}

/// The commands of a `sh` block: each line without its comment.
fn commands(block: &str) -> Vec<String> {
    block
        .lines()
        .map(|l| l.split("  #").next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn run_line(pm2: &Pm2, dir: &Path, port: u16, line: &str) -> std::process::Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(args[0], "pm2-clj", "{line}");
    pm2.command(env!("CARGO_BIN_EXE_pm2-clj"))
        .args(&args[1..])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("API_PORT", port.to_string())
        .output()
        .expect("run pm2-clj")
}

#[test]
fn the_readme_tour_runs_as_written() {
    let blocks = tour();
    let langs: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        langs,
        ["clojure", "sh", "text", "sh", "sh"],
        "the tour's blocks changed"
    );
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("api.pm2.edn"), &blocks[0].1).unwrap();
    for line in commands(&blocks[1].1) {
        let status = std::process::Command::new("sh")
            .args(["-c", &line])
            .current_dir(d)
            .status()
            .unwrap();
        assert!(status.success(), "{line}");
    }

    // The check report, as printed, for the misspelling it names.
    let (command, shown) = blocks[2].1.split_once('\n').unwrap();
    assert!(command.starts_with("$ pm2-clj check api.pm2.edn"), "{command}");
    let typo = tempfile::tempdir().unwrap();
    let misspelt = blocks[0].1.replace(":max-restarts 0", ":max-restart 0");
    assert_ne!(misspelt, blocks[0].1);
    std::fs::write(typo.path().join("api.pm2.edn"), misspelt).unwrap();
    std::fs::copy(d.join("server.js"), typo.path().join("server.js")).unwrap();
    std::fs::copy(d.join("worker.js"), typo.path().join("worker.js")).unwrap();
    let out = cli(&pm2, typo.path(), &["check", "api.pm2.edn"]);
    let printed = String::from_utf8_lossy(&out.stderr);
    let trim = |t: &str| {
        t.lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    };
    assert_eq!(trim(&printed), trim(shown), "the README shows another report");
    assert_eq!(out.status.code(), Some(1));

    let port = free_port();
    for line in commands(&blocks[3].1).iter().chain(&commands(&blocks[4].1)) {
        let out = run_line(&pm2, d, port, line);
        assert!(out.status.success(), "{line}\n{}", said(&out));
        let verb = line.split_whitespace().nth(1).unwrap();
        let statuses =
            |name: &str| -> Vec<String> { pm2.app(name).iter().map(|a| a.status().to_string()).collect() };
        match verb {
            "render" => assert!(d.join("ecosystem.config.cjs").is_file()),
            "start" | "reload" => {
                assert_eq!(statuses("api"), ["online"; 4], "{line}: prod's four");
                assert_eq!(statuses("worker"), ["online"], "{line}");
                assert!(
                    pm2.app("api")
                        .iter()
                        .all(|a| a.env_var("NODE_ENV") == Some("production"))
                );
                let (code, body) = get(port).expect("api answers on its port");
                assert_eq!((code, body.as_str()), (200, "ok"));
            }
            "status" => assert!(said(&out).contains("in sync"), "{}", said(&out)),
            "stop" => {
                assert_eq!(statuses("api"), ["stopped"; 4], "{line}");
                assert_eq!(statuses("worker"), ["stopped"], "{line}");
            }
            "logs" => assert!(said(&out).contains("worker-out"), "the log paths: {}", said(&out)),
            "delete" => assert!(pm2.jlist().is_empty(), "{line}"),
            _ => {}
        }
    }
}
