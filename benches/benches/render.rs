//! Rendering a 100-app ecosystem.
//!
//! 1. In process: evaluate + validate + render the 100-app program to CommonJS, against
//!    `serde_json::to_string_pretty` of the resulting apps (a floor for writing the same
//!    text), in the same run.
//! 2. Whole process: `pm2-clj render` of the program (three files, built in release by
//!    this bench) against `node -e "require('./ecosystem.config.js')"` on the equivalent
//!    JavaScript file (the rendered output itself); the median of 21 runs of each,
//!    interleaved, and their ratio.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use pm2_clj_benches::{app_program, median, time};
use pm2_dsl_emit::{Header, OutputFormat, Settings, build, render};
use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader};

static LOADER: LazyLock<MemoryLoader> = LazyLock::new(|| {
    app_program(100)
        .into_iter()
        .fold(MemoryLoader::new(), |l, (path, text)| l.with_file(&path, text))
});

fn render_program() -> String {
    let mut evaluator = Evaluator::new(EvalOptions::new(), LOADER.clone());
    let value = evaluator.eval_file("main.pm2.edn").unwrap();
    let settings = Settings::new(evaluator.sources(), Path::new("/srv"));
    let built = build(&value, &settings).unwrap();
    let header = Header {
        source: "main.pm2.edn".into(),
        profile: None,
    };
    render(&built.ecosystem, OutputFormat::Cjs, &header)
}

static APPS_JSON: LazyLock<serde_json::Value> = LazyLock::new(|| {
    let text = render_program();
    let start = text.find('{').unwrap();
    serde_json::from_str(text[start..].trim_end().trim_end_matches(';')).unwrap()
});

fn whole_process() {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in app_program(100) {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    std::fs::write(dir.path().join("ecosystem.config.js"), render_program()).unwrap();
    let cli = pm2_clj_benches::cli_binary();
    let run = |cmd: &mut Command| {
        let out = cmd.current_dir(dir.path()).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let (mut ours, mut node) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        ours.push(time(|| {
            run(Command::new(&cli).args(["render", "main.pm2.edn", "-f", "cjs", "--no-process-env"]))
        }));
        node.push(time(|| {
            run(Command::new("node").args(["-e", "require('./ecosystem.config.js')"]))
        }));
    }
    let (ours, node) = (median(ours), median(node));
    println!("whole process, 100 apps: pm2-clj render {ours:>9.2?}   node require {node:>9.2?}");
    println!(
        "ratio (node time / pm2-clj time): {:.1}",
        node.as_secs_f64() / ours.as_secs_f64()
    );
}

fn main() {
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..101 {
        ours.push(time(|| drop(black_box(render_program()))));
        floor.push(time(|| {
            drop(black_box(serde_json::to_string_pretty(&*APPS_JSON).unwrap()))
        }));
    }
    let (ours, floor) = (median(ours), median(floor));
    println!(
        "in process, 100 apps: evaluate + validate + render {ours:>9.2?}   serde_json::to_string_pretty {floor:>9.2?}"
    );
    println!(
        "ratio (pm2-clj time / serde_json time): {:.1}",
        ours.as_secs_f64() / floor.as_secs_f64()
    );
    whole_process();
    divan::main();
}

#[divan::bench]
fn render_100_apps() -> String {
    render_program()
}

#[divan::bench]
fn serde_json_pretty_100_apps() -> String {
    serde_json::to_string_pretty(&*APPS_JSON).unwrap()
}
