//! `fmt` over real files: the examples are in its layout, and formatting every `.edn`
//! file of the project's fixtures and of the corpus when present (and every valid file
//! of the EDN conformance suite) keeps every token, is idempotent, and never changes the
//! value a program evaluates to.

use std::path::Path;

use pm2_dsl_eval::{EvalOptions, Evaluator, FsLoader, Value, format};
use pm2_dsl_reader::{Source, Syntax, read_syntax};

fn tokens(source: &Source, node: &Syntax, out: &mut Vec<String>) {
    if node.kind.is_token() {
        out.push(source.slice(node.span).trim_end().to_string());
    }
    for child in &node.children {
        tokens(source, child, out);
    }
}

fn evaluate(path: &Path, text: &str) -> Result<Value, String> {
    Evaluator::new(EvalOptions::new().profile("dev"), FsLoader::new())
        .eval_str(&path.to_string_lossy(), text)
        .map_err(|e| e.code().to_string())
}

/// Formats a file and checks the properties; returns whether its text changed.
fn check(path: &Path, evaluate_it: bool) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    let source = Source::standalone(path.to_string_lossy(), text.clone());
    let formatted = format(&source).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let again = Source::standalone(path.to_string_lossy(), formatted.clone());
    assert_eq!(
        format(&again).unwrap(),
        formatted,
        "{} is not a fixpoint",
        path.display()
    );
    let (mut before, mut after) = (Vec::new(), Vec::new());
    tokens(&source, &read_syntax(&source).0, &mut before);
    tokens(&again, &read_syntax(&again).0, &mut after);
    assert_eq!(before, after, "{}: tokens changed", path.display());
    if evaluate_it {
        assert_eq!(
            evaluate(path, &text),
            evaluate(path, &formatted),
            "{}: the value changed",
            path.display()
        );
    }
    formatted != text
}

#[test]
fn the_examples_are_in_fmts_layout() {
    let files = pm2_clj_testkit::files_under(&pm2_clj_testkit::repo_root().join("examples"), &[".edn"]);
    assert!(files.len() >= 8, "found only {} examples", files.len());
    for file in &files {
        assert!(
            !check(file, true),
            "{} is not formatted: run pm2-clj fmt examples",
            file.display()
        );
    }
}

#[test]
fn formatting_the_fixtures_keeps_tokens_and_values() {
    let mut changed = 0;
    let mut count = 0;
    for folder in ["pm2-clj", "ecosystems"] {
        for file in pm2_clj_testkit::files_under(&pm2_clj_testkit::fixtures(folder), &[".edn"]) {
            count += 1;
            changed += usize::from(check(&file, true));
        }
    }
    for file in pm2_clj_testkit::files_under(&pm2_clj_testkit::fixtures("edn/valid"), &[".edn"]) {
        count += 1;
        changed += usize::from(check(&file, false));
    }
    assert!(count >= 15, "found only {count} files");
    assert!(changed > 0, "no fixture changed, so nothing was tested");
}

#[test]
fn formatting_the_corpus_keeps_tokens_and_values() {
    let mut changed = 0;
    let mut count = 0;
    for folder in ["pm2-clj-real", "js-edn-pairs"] {
        let Some(dir) = pm2_clj_testkit::corpus(folder) else {
            return;
        };
        for file in pm2_clj_testkit::files_under(&dir, &[".edn"]) {
            count += 1;
            changed += usize::from(check(&file, true));
        }
    }
    assert!(count >= 40, "found only {count} files");
    assert!(changed > 0, "no corpus file changed, so nothing was tested");
}

#[test]
fn formatting_the_edn_conformance_suite_keeps_every_token() {
    let Some(dir) = pm2_clj_testkit::corpus("edn-tests/valid-edn") else {
        return;
    };
    let files = pm2_clj_testkit::files_under(&dir, &[".edn"]);
    assert!(files.len() >= 40, "found only {} files", files.len());
    for file in &files {
        check(file, false);
    }
}
