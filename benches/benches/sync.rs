//! Planning a sync at scale: 1,000 daemon files with 5 apps each (5,000 apps), half of
//! them importing a shared base. pm2 calls are excluded; the running side is the 5,000
//! processes a previous sync would have started.
//!
//! 1. Full plan: find the sources, load every one (evaluate, validate, mark), plan
//!    against the running processes. Baseline in the same run: reading the 1,000
//!    equivalent JSON files and parsing them with `serde_json`.
//! 2. Re-plan after one file changes, as `watch` does: the dependency graph names the
//!    affected source, only it is loaded again, and the plan covers only its apps.
//!
//! Targets: full plan under 500 ms, one-file re-plan under 20 ms.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pm2_clj_benches::median;
use pm2_clj_sync::desired::{SourceState, prepare};
use pm2_clj_sync::graph::Graph;
use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::plan::{PlanOptions, plan};
use pm2_clj_sync::process::Process;
use pm2_clj_sync::scan::Scope;
use pm2_dsl_emit::{OutputFormat, render};

const DAEMONS: usize = 1000;
const APPS: usize = 5;

fn daemon_text(i: usize, version: usize) -> String {
    let import = if i.is_multiple_of(2) {
        "(import \"../../lib/base.edn\" :as base)\n"
    } else {
        ""
    };
    let mut text = format!("{import}{{:apps [\n");
    for a in 0..APPS {
        let base = if i.is_multiple_of(2) {
            "base/defaults"
        } else {
            "{:autorestart true :max-memory-restart \"300M\"}"
        };
        text.push_str(&format!(
            "  (merge {base} {{:name \"d{i}-app{a}\" :script \"app{a}.js\" :cwd \".\" :instances 1\n    :env {{:PORT {} :VERSION \"{version}\"}}}})\n",
            10000 + i * APPS + a
        ));
    }
    text.push_str("]}\n");
    text
}

fn write_tree(root: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(
        root.join("lib/base.edn"),
        "(def defaults {:autorestart true :max-memory-restart \"300M\" :kill-timeout 3000 :env {:LOG \"info\"}})\n",
    )
    .unwrap();
    (0..DAEMONS)
        .map(|i| {
            let dir = root.join(format!("daemons/d{i:04}"));
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join("ecosystem.pm2.edn");
            std::fs::write(&file, daemon_text(i, 1)).unwrap();
            file
        })
        .collect()
}

fn running_as(states: &[SourceState]) -> Vec<Process> {
    states
        .iter()
        .filter_map(|s| s.result.as_ref().ok())
        .flat_map(|p| &p.desired)
        .enumerate()
        .map(|(id, d)| d.as_process(id as u64, "online"))
        .collect()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let root = pm2_clj_sync::scan::absolute(dir.path());
    let files = write_tree(&root);
    let settings = LoadSettings::default();
    let scope = Scope::of(&[root.join("daemons")]);

    // The running side, and the equivalent JSON files for the baseline.
    let states: Vec<SourceState> = SourceState::all(&scope.scan(), &settings, &[]);
    assert!(states.iter().all(SourceState::loaded));
    let running = running_as(&states);
    assert_eq!(running.len(), DAEMONS * APPS);
    let json_files: Vec<PathBuf> = states
        .iter()
        .map(|s| {
            let p = s.result.as_ref().unwrap();
            let out = s.path.with_file_name("ecosystem.config.json");
            std::fs::write(&out, render(&p.ecosystem, OutputFormat::Json, &p.header)).unwrap();
            out
        })
        .collect();

    let (mut full, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let start = Instant::now();
        let states: Vec<SourceState> = SourceState::all(&scope.scan(), &settings, &[]);
        let p = plan(&states, &running, &scope, PlanOptions::default());
        full.push(start.elapsed());
        assert_eq!(p.unchanged.len(), DAEMONS * APPS);
        assert!(p.actions.is_empty());

        let start = Instant::now();
        for f in &json_files {
            let text = std::fs::read_to_string(f).unwrap();
            std::hint::black_box(serde_json::from_str::<serde_json::Value>(&text).unwrap());
        }
        baseline.push(start.elapsed());
    }
    let (full, baseline) = (median(full), median(baseline));
    println!(
        "full plan, {DAEMONS} files / {} apps: {full:>9.2?}   (target < 500 ms)",
        DAEMONS * APPS
    );
    println!("baseline, read + serde_json parse of the {DAEMONS} equivalent JSON files: {baseline:>9.2?}");
    println!(
        "ratio (full plan / baseline): {:.1}",
        full.as_secs_f64() / baseline.as_secs_f64()
    );

    let mut graph = Graph::default();
    for s in &states {
        graph.set(&s.path, s.files.clone());
    }
    let changed = files[DAEMONS / 2].clone();
    let mut one = Vec::new();
    for round in 0..21 {
        std::fs::write(&changed, daemon_text(DAEMONS / 2, round + 2)).unwrap();
        let start = Instant::now();
        let affected: Vec<PathBuf> = graph.stale().into_iter().collect();
        let states: Vec<SourceState> = affected.iter().map(|s| prepare(s, &settings)).collect();
        for s in &states {
            graph.set(&s.path, s.files.clone());
        }
        let p = plan(
            &states,
            &running,
            &Scope {
                dirs: vec![],
                files: affected,
            },
            PlanOptions::default(),
        );
        one.push(start.elapsed());
        assert_eq!(p.actions.len(), APPS, "only the changed file's apps");
    }
    println!(
        "re-plan after one file changes (watch): {:>9.2?}   (target < 20 ms)",
        median(one)
    );
}
