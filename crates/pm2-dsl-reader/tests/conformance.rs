//! The EDN conformance suite in `../shared/corpus/edn-tests` (see its README for the pass
//! rule). The corpus must be present: a missing corpus fails the test, it never skips.

use std::path::{Path, PathBuf};

use pm2_dsl_reader::{Form, FormKind, Source, Symbol, read_all};

fn corpus() -> PathBuf {
    pm2_clj_testkit::corpus("edn-tests")
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

fn read_file(path: &Path) -> Result<Vec<Form>, pm2_dsl_reader::ReadError> {
    let text = std::fs::read_to_string(path).unwrap();
    read_all(&Source::standalone(path.display().to_string(), text))
}

/// The pass rule's value of a file: its first form, nil when there is none, with unknown
/// tags turned into `{:tag t :value v}`.
fn first_value(path: &Path) -> Form {
    let forms = read_file(path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let first = forms.into_iter().next();
    untag(first.unwrap_or_else(|| Form::new(FormKind::Nil, Default::default())))
}

fn untag(form: Form) -> Form {
    let span = form.span;
    let kind = match form.kind {
        FormKind::Tagged(t) if !matches!(t.tag.as_str(), "inst" | "uuid") => {
            let key = |k: &str| Form::new(FormKind::Keyword(Symbol::new(k)), span);
            FormKind::Map(Box::new([
                (key("tag"), Form::new(FormKind::Symbol(t.tag.clone()), span)),
                (key("value"), untag(t.form)),
            ]))
        }
        FormKind::List(items) => FormKind::List(items.into_vec().into_iter().map(untag).collect()),
        FormKind::Vector(items) => FormKind::Vector(items.into_vec().into_iter().map(untag).collect()),
        FormKind::Set(items) => FormKind::Set(items.into_vec().into_iter().map(untag).collect()),
        FormKind::Map(entries) => FormKind::Map(
            entries
                .into_vec()
                .into_iter()
                .map(|(k, v)| (untag(k), untag(v)))
                .collect(),
        ),
        other => other,
    };
    Form::new(kind, span)
}

#[test]
fn every_valid_case_reads_to_the_expected_value() {
    let suite = corpus();
    let cases = files(&suite.join("valid-edn"), "edn");
    assert_eq!(cases.len(), 52, "the suite has 52 valid cases");
    for case in &cases {
        let stem = case.file_stem().unwrap().to_str().unwrap();
        let expected = suite.join("platforms/clojure").join(format!("{stem}.clj"));
        let (got, want) = (first_value(case), first_value(&expected));
        assert!(
            got.equiv(&want),
            "{stem}: read {} but expected {}",
            pm2_dsl_reader::to_compact(&got),
            pm2_dsl_reader::to_compact(&want)
        );
    }
}

#[test]
fn every_invalid_case_is_rejected() {
    let cases = files(&corpus().join("invalid-edn"), "edn");
    assert_eq!(cases.len(), 43, "the suite has 43 invalid cases");
    let accepted: Vec<String> = cases
        .iter()
        .filter(|case| read_file(case).is_ok())
        .map(|case| case.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Stricter than clojure.edn: even the five cases it accepts are rejected here.
    assert!(accepted.is_empty(), "accepted invalid EDN: {accepted:?}");
}

#[test]
fn invalid_cases_fail_inside_the_input_with_the_expected_code() {
    let suite = corpus().join("invalid-edn");
    let expect = [
        ("at-symbol", "read::unsupported-syntax"),
        ("brace-mismatch-basic", "read::mismatched-delimiter"),
        ("curly-close", "read::unexpected-closer"),
        ("curly-unclosed", "read::unclosed-delimiter"),
        ("char-number", "read::bad-character"),
        ("numeric-symbol", "read::bad-number"),
        ("keyword-with-too-many-slashes", "read::bad-keyword"),
        ("slash-trailing-tag", "read::bad-tag"),
        ("tilda-symbol", "read::unsupported-syntax"),
        ("colon-tag", "read::missing-form"),
    ];
    for (stem, code) in expect {
        let path = suite.join(format!("{stem}.edn"));
        let len = std::fs::read_to_string(&path).unwrap().len() as u32;
        let err = read_file(&path).expect_err(stem);
        assert_eq!(err.kind.code(), code, "{stem}");
        assert!(
            err.span.end <= len && err.span.start <= err.span.end,
            "{stem}: span {:?}",
            err.span
        );
    }
}

#[test]
fn every_performance_file_reads() {
    let cases = files(&corpus().join("performance"), "edn");
    assert_eq!(cases.len(), 25);
    for case in cases {
        let forms = read_file(&case).unwrap_or_else(|e| panic!("{}: {e:?}", case.display()));
        assert_eq!(forms.len(), 1, "{}", case.display());
    }
}
