//! Every `.pm2.edn` file written for the original pm2-clj (`../shared/corpus/pm2-clj-real`)
//! evaluates: they are plain data, so each evaluates to the map it is, with and without a
//! profile. The corpus must be present; the test fails if it is missing.

use pm2_dsl_eval::{Evaluator, FsLoader, Options, Value};
use pm2_dsl_reader::{Source, read_all};

#[test]
fn every_real_pm2_edn_file_evaluates_to_its_data() {
    let files = pm2_clj_testkit::files_under(&pm2_clj_testkit::corpus("pm2-clj-real"), &[".pm2.edn"]);
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
