//! `.pm2.edn` files written as plain data (as every file for the original pm2-clj is)
//! evaluate to the map they are, with and without a profile: the project's fixtures
//! (`pm2-clj-testkit/fixtures/pm2-clj`) always, and the real files of
//! `../shared/corpus/pm2-clj-real` when the corpus is present.

use std::path::Path;

use pm2_dsl_eval::{EvalOptions, Evaluator, FsLoader, Value};
use pm2_dsl_reader::{Source, read_all};

/// Checks every `.pm2.edn` file under `dir`; returns how many there were.
fn every_file_evaluates_to_its_data(dir: &Path) -> usize {
    let files = pm2_clj_testkit::files_under(dir, &[".pm2.edn"]);
    for file in &files {
        let path = file.to_str().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        let as_data = Value::from_form(&read_all(&Source::standalone("d", text)).unwrap()[0]);
        for profile in [None, Some("dev")] {
            let options = match profile {
                Some(p) => EvalOptions::new().profile(p),
                None => EvalOptions::new(),
            };
            let value = Evaluator::new(options, FsLoader::new())
                .eval_file(path)
                .unwrap_or_else(|e| panic!("{path}: {e:?}"));
            assert_eq!(value, as_data, "{path}");
            assert!(value.as_map().unwrap().get_keyword("apps").is_some(), "{path}");
        }
    }
    files.len()
}

#[test]
fn every_fixture_evaluates_to_its_data() {
    let n = every_file_evaluates_to_its_data(&pm2_clj_testkit::fixtures("pm2-clj"));
    assert!(n >= 5, "found only {n} fixtures");
}

#[test]
fn every_real_pm2_edn_file_evaluates_to_its_data() {
    let Some(dir) = pm2_clj_testkit::corpus("pm2-clj-real") else {
        return;
    };
    let n = every_file_evaluates_to_its_data(&dir);
    assert!(n >= 12, "found only {n} files");
}
