//! Conversions render to the apps pm2 reads from the originals: the project's fixtures
//! (`pm2-clj-testkit/fixtures/ecosystems`), and PM2's own fixtures and real-world files
//! from `../shared/corpus` when the corpus is present.
//!
//! Every file the real pm2 accepts is converted statically (nothing of it runs) and
//! rendered under two environments (every variable the file names set to values, then
//! all of them unset); pm2 must read the same apps from the original and from the
//! render, for the default environment and each `--env <name>` of the original
//! (pm2-clj's `--profile <name>`), as `pm2_clj_convert::verify` compares them. A file
//! whose conversion left values out with a TODO is incomplete by design: its TODOs are
//! counted, and it is converted again with `run_js` (node computes those values), which
//! must then be identical too.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pm2_clj_convert::verify::{Reading, differences, effective, env_names};
use pm2_clj_convert::{ConvertOptions, convert};
use pm2_clj_testkit::{Pm2Read, corpus, files_under, fixtures, pm2_reads_with};
use pm2_dsl_eval::Env;

const EXTENSIONS: &[&str] = &[".json", ".json5", ".yml", ".yaml", ".js", ".cjs", ".mjs"];

/// The environment variables a file names (`process.env.X`, `process.env['X']`, `${X}`).
fn variables(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut out = BTreeSet::new();
    for marker in ["process.env.", "process.env['", "process.env[\"", "${"] {
        for (i, _) in text.match_indices(marker) {
            let name: String = text[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn reading(read: &Pm2Read) -> Reading {
    Reading {
        file: read.file.clone(),
        raw: read.raw.clone(),
        apps: read.apps.as_ref().and_then(|a| a.as_array().cloned()),
        error: read.error.clone(),
        cpus: None,
    }
}

/// What a round trip found.
#[derive(Default)]
struct Results {
    accepted: usize,
    identical: usize,
    renders: usize,
    /// Files whose conversion left values out, with how many.
    todos: Vec<(PathBuf, usize)>,
    /// Files whose apps are computed by JavaScript (`convert::needs-js`).
    needs_js: Vec<PathBuf>,
    /// Values computed with node, per file (`run_js`).
    frozen: Vec<(PathBuf, usize)>,
    comments: (usize, usize),
    /// Files whose conversion differs from pm2's reading only where pm2-clj changes
    /// what PM2 did on purpose (`Difference::why`), and those differences.
    differ_on_purpose: BTreeSet<PathBuf>,
    on_purpose: BTreeSet<String>,
}

/// Converts every file pm2 accepts (`run_js` as given), renders the complete
/// conversions under two environments, and compares with pm2's reading of the original
/// under each.
fn round_trip(files: &[PathBuf], run_js: bool) -> Results {
    let tmp = tempfile::tempdir().unwrap();
    let mut results = Results::default();
    let all: BTreeSet<String> = files.iter().flat_map(|f| variables(f)).collect();
    // Numbers for the variables that hold ports (files parse them), words for the others.
    let value = |v: &str, n: usize| {
        if v.contains("PORT") {
            n.to_string()
        } else {
            format!("value-{n}")
        }
    };
    let environments: Vec<Vec<(String, Option<String>)>> = vec![
        all.iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), Some(value(v, 40_000 + i))))
            .collect(),
        all.iter().map(|v| (v.clone(), None)).collect(),
    ];
    let options = ConvertOptions {
        run_js,
        ..ConvertOptions::default()
    };
    let mut converted: Vec<(PathBuf, PathBuf, String)> = Vec::new();
    for (i, original) in pm2_reads_with(files, &environments[0]).iter().enumerate() {
        if original.apps.is_none() {
            continue;
        }
        results.accepted += 1;
        // The conversion is written beside the original (its paths are relative to that
        // folder), so both go into a copy of the original's folder.
        let folder = tmp.path().join(i.to_string());
        std::fs::create_dir_all(&folder).unwrap();
        for sibling in std::fs::read_dir(original.file.parent().unwrap()).unwrap() {
            let sibling = sibling.unwrap().path();
            if sibling.is_file() {
                std::fs::copy(&sibling, folder.join(sibling.file_name().unwrap())).unwrap();
            }
        }
        let copy = folder.join(original.file.file_name().unwrap());
        let conversion = match convert(&copy, &options) {
            Ok(c) => c,
            Err(e) if !run_js && e.code() == "convert::needs-js" => {
                results.needs_js.push(original.file.clone());
                continue;
            }
            Err(e) => panic!("{}: convert failed: {e:?}", original.file.display()),
        };
        let text = conversion.text;
        let (total, kept) = conversion.stats.comments;
        assert_eq!(kept, total, "{}: comments lost", original.file.display());
        results.comments.0 += total;
        results.comments.1 += kept;
        results
            .frozen
            .push((original.file.clone(), conversion.stats.frozen));
        assert_eq!(
            text.matches(";; was: ").count(),
            conversion.stats.frozen,
            "{}: a computed value without its note:\n{text}",
            original.file.display()
        );
        // Header notes that used to be wrong: dependency-watching on every ESM file,
        // "missing below" for values with a fallback.
        for wrong in ["WATCH_REPORT_DEPENDENCIES", "missing below"] {
            assert!(
                !text.contains(wrong),
                "{}: {wrong}:\n{text}",
                original.file.display()
            );
        }
        let todos = &conversion.stats.todos;
        assert_eq!(
            text.matches(";; TODO line ").count(),
            todos.len(),
            "{}: each value left out has its note:\n{text}",
            original.file.display()
        );
        if !todos.is_empty() {
            let lines = std::fs::read_to_string(&copy).unwrap().lines().count();
            for todo in todos {
                assert!(
                    text.contains(&format!("TODO line {}: {}", todo.line, todo.what)) && todo.line <= lines,
                    "{}: {todo:?}\n{text}",
                    original.file.display()
                );
            }
            results.todos.push((original.file.clone(), todos.len()));
            continue;
        }
        let edn = folder.join("converted.pm2.edn");
        std::fs::write(&edn, &text).unwrap();
        if let Err(e) = common::load(&edn, &text, None, Env::empty()) {
            panic!("{}: check fails:\n{e}\n{text}", original.file.display());
        }
        converted.push((copy, edn, text));
    }
    for env in &environments {
        let evaluator_env = env
            .iter()
            .filter_map(|(k, v)| Some((k, v.as_ref()?)))
            .fold(Env::empty(), |e, (k, v)| e.with(k, v));
        let theirs = pm2_reads_with(
            &converted.iter().map(|(f, ..)| f.clone()).collect::<Vec<_>>(),
            env,
        );
        for ((file, edn, text), theirs) in converted.iter().zip(&theirs) {
            let theirs = reading(theirs);
            let mut names: Vec<Option<String>> = vec![None];
            names.extend(env_names(&theirs).into_iter().map(Some));
            let mut identical = true;
            for name in &names {
                let json = common::render_json(edn, text, name.as_deref(), evaluator_env.clone())
                    .unwrap_or_else(|e| panic!("{} {name:?}: render failed: {e}", file.display()));
                results.renders += 1;
                let ours = reading(&pm2_reads_with(std::slice::from_ref(&json), env)[0]);
                let found = differences(
                    theirs.raw.as_ref(),
                    &effective(&theirs, name.as_deref()),
                    &effective(&ours, None),
                    file.parent().unwrap(),
                    None,
                    &[],
                );
                let (on_purpose, real): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.why.is_some());
                assert!(
                    real.is_empty(),
                    "{} {name:?} under {env:?}: {real:#?}",
                    file.display()
                );
                for d in &on_purpose {
                    results.on_purpose.insert(format!("{}: {d}", file.display()));
                }
                identical &= on_purpose.is_empty();
            }
            results.identical += usize::from(identical);
            if !identical {
                results.differ_on_purpose.insert(file.clone());
            }
        }
    }
    results.identical /= environments.len();
    if !results.on_purpose.is_empty() {
        eprintln!(
            "differing on purpose: {} files: {:#?}",
            results.differ_on_purpose.len(),
            results.on_purpose
        );
    }
    let listed = |items: &[(PathBuf, usize)]| {
        items
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(f, n)| format!("{n} in {}", f.display()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    eprintln!(
        "{} files, pm2 accepts {}{}: {} identical to pm2's reading under two environments ({} renders); comments: {} of {} kept",
        files.len(),
        results.accepted,
        if run_js { " (run_js)" } else { "" },
        results.identical,
        results.renders,
        results.comments.1,
        results.comments.0,
    );
    if run_js {
        eprintln!(
            "values computed with node: {} in all; {}",
            results.frozen.iter().map(|(_, n)| n).sum::<usize>(),
            listed(&results.frozen)
        );
    } else {
        eprintln!(
            "TODOs (values left out, needing JavaScript): {} in {} files; {}; apps computed by JavaScript (convert::needs-js): {:?}",
            results.todos.iter().map(|(_, n)| n).sum::<usize>(),
            results.todos.len(),
            listed(&results.todos),
            results.needs_js
        );
    }
    results
}

/// Round-trips `files` statically, then with `run_js` the ones whose static conversion
/// was incomplete; returns both results.
fn both_ways(files: &[PathBuf]) -> (Results, Results) {
    let fixed = round_trip(files, false);
    assert_eq!(
        fixed.identical + fixed.differ_on_purpose.len() + fixed.todos.len() + fixed.needs_js.len(),
        fixed.accepted,
        "every complete static conversion is identical, or differs only on purpose"
    );
    let incomplete: Vec<PathBuf> = fixed
        .todos
        .iter()
        .map(|(f, _)| f.clone())
        .chain(fixed.needs_js.iter().cloned())
        .collect();
    let computed = round_trip(&incomplete, true);
    assert_eq!(computed.accepted, incomplete.len());
    assert_eq!(
        computed.identical + computed.differ_on_purpose.len(),
        computed.accepted,
        "with run_js, every conversion is identical, or differs only on purpose"
    );
    (fixed, computed)
}

#[test]
fn converted_fixtures_render_to_the_apps_pm2_reads_under_other_environments() {
    let files = files_under(&fixtures("ecosystems"), EXTENSIONS);
    let (fixed, computed) = both_ways(&files);
    assert_eq!(
        fixed.accepted,
        files.len() - 1,
        "pm2 rejects low-min-uptime.json only"
    );
    // dynamic.config.js's `instances: os.cpus().length` (no merge_logs) is the one value
    // with no static translation.
    let todos: Vec<(String, usize)> = fixed
        .todos
        .iter()
        .map(|(f, n)| (f.file_name().unwrap().to_string_lossy().to_string(), *n))
        .collect();
    assert_eq!(todos, [("dynamic.config.js".to_string(), 1)]);
    assert!(fixed.needs_js.is_empty());
    assert_eq!(computed.frozen.iter().map(|(_, n)| n).sum::<usize>(), 1);
}

#[test]
fn converted_corpus_files_render_to_the_apps_pm2_reads_under_other_environments() {
    let Some(fixtures) = corpus("pm2-fixtures") else {
        return;
    };
    let Some(real_world) = corpus("real-world-js") else {
        return;
    };
    let mut files = files_under(&fixtures, EXTENSIONS);
    files.extend(files_under(&real_world, EXTENSIONS));
    let (fixed, computed) = both_ways(&files);
    assert!(fixed.accepted >= 110, "pm2 accepts only {}", fixed.accepted);
    assert!(
        fixed.identical + fixed.differ_on_purpose.len() >= fixed.accepted - 2,
        "only {} of {} convert completely without running them",
        fixed.identical,
        fixed.accepted
    );
    assert!(
        computed.frozen.iter().all(|(_, n)| *n > 0),
        "run_js computes something in each file the static conversion left incomplete"
    );
}

#[test]
fn constructs_and_real_world_files_render_to_the_apps_pm2_reads() {
    let mut files = files_under(&fixtures("convert-constructs"), EXTENSIONS);
    files.extend(files_under(&fixtures("real-world"), EXTENSIONS));
    let (fixed, computed) = both_ways(&files);
    // product_base.config.js is ESM in a `.js` file, which pm2 `require`s: it rejects it.
    assert_eq!(
        fixed.accepted,
        files.len() - 1,
        "pm2 rejects product_base.config.js only"
    );
    assert!(
        fixed.todos.is_empty() && fixed.needs_js.is_empty(),
        "nothing is left out"
    );
    assert_eq!(computed.accepted, 0);
    // max_restarts: 0 is applied where PM2 dropped it: reported, never identical.
    let names: Vec<String> = fixed
        .differ_on_purpose
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["max-restarts-zero.config.js"]);
    assert_eq!(fixed.identical, fixed.accepted - 1);
    assert_eq!(fixed.comments.0, fixed.comments.1, "every comment is kept");
}
