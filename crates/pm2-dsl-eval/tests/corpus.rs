//! Every `.pm2.edn` file written for the original pm2-clj (`../shared/corpus/pm2-clj-real`)
//! evaluates: they are plain data, so each evaluates to the map it is, with and without a
//! profile. The corpus must be present; the test fails if it is missing.

use std::path::{Path, PathBuf};

use pm2_dsl_eval::{Evaluator, FsLoader, Options, Value};
use pm2_dsl_reader::{Source, read_all};

fn corpus() -> PathBuf {
    let dir = match std::env::var_os("PM2_CLJ_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    let real = dir.join("pm2-clj-real");
    assert!(
        real.is_dir(),
        "the corpus is missing: expected {}",
        real.display()
    );
    real
}

fn edn_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            edn_files(&path, out);
        } else if path.to_string_lossy().ends_with(".pm2.edn") {
            out.push(path);
        }
    }
}

#[test]
fn every_real_pm2_edn_file_evaluates_to_its_data() {
    let mut files = Vec::new();
    edn_files(&corpus(), &mut files);
    files.sort();
    assert!(files.len() >= 12, "found only {} files", files.len());
    for file in &files {
        let path = file.to_str().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        let as_data = Value::from_form(&read_all(&Source::standalone("d", text)).unwrap()[0]);
        for profile in [None, Some("dev")] {
            let options = match profile {
                Some(p) => Options::new().profile(p),
                None => Options::new(),
            };
            let value = Evaluator::new(options, FsLoader)
                .eval_file(path)
                .unwrap_or_else(|e| panic!("{path}: {e:?}"));
            assert_eq!(value, as_data, "{path}");
            assert!(value.as_map().unwrap().get_keyword("apps").is_some(), "{path}");
        }
    }
}
