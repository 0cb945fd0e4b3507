//! Conformance: valid EDN reads to the expected value, invalid EDN is rejected with the
//! right code and a span inside the input, large documents read. Run on the project's
//! own fixtures (`pm2-clj-testkit/fixtures/edn`, see its README), and on the EDN
//! conformance suite in `../shared/corpus/edn-tests` when the corpus is present.

use std::path::{Path, PathBuf};

use pm2_dsl_reader::{Form, FormKind, Source, Symbol, read_all, to_compact};

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

/// Every `valid/NAME.edn` under `dir` reads to the value of `expected/NAME.edn`; returns
/// how many cases there were.
fn check_valid(valid: &Path, expected: &Path, expected_ext: &str) -> usize {
    let cases = files(valid, "edn");
    for case in &cases {
        let stem = case.file_stem().unwrap().to_str().unwrap();
        let want_file = expected.join(format!("{stem}.{expected_ext}"));
        let (got, want) = (first_value(case), first_value(&want_file));
        assert!(
            got.equiv(&want),
            "{stem}: read {} but expected {}",
            to_compact(&got),
            to_compact(&want)
        );
    }
    cases.len()
}

#[test]
fn every_valid_fixture_reads_to_the_expected_value() {
    let dir = pm2_clj_testkit::fixtures("edn");
    let n = check_valid(&dir.join("valid"), &dir.join("expected"), "edn");
    assert!(n >= 10, "only {n} fixtures");
}

#[test]
fn every_invalid_fixture_fails_inside_the_input_with_its_code() {
    let cases = files(&pm2_clj_testkit::fixtures("edn").join("invalid"), "edn");
    assert!(cases.len() >= 30, "only {} fixtures", cases.len());
    for case in &cases {
        let text = std::fs::read_to_string(case).unwrap();
        let code = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("; "))
            .unwrap_or_else(|| panic!("{}: the first line names the code", case.display()));
        let err = read_file(case).expect_err(&case.display().to_string());
        assert_eq!(err.code(), code, "{}", case.display());
        let span = err.span().expect("a read error has a span");
        assert!(
            span.end as usize <= text.len() && span.start <= span.end,
            "{}: span {span:?}",
            case.display(),
        );
    }
}

/// Large single forms of every shape, built here: each reads as one form equal to what
/// was printed.
#[test]
fn large_documents_read_as_one_form() {
    let shapes: Vec<String> = vec![
        format!(
            "[{}]",
            (0..20_000).map(|i| i.to_string()).collect::<Vec<_>>().join(" ")
        ),
        format!(
            "{{{}}}",
            (0..5_000)
                .map(|i| format!(":key-{i} \"value {i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "#{{{}}}",
            (0..5_000)
                .map(|i| format!("sym-{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        format!(
            "[{}]",
            (0..5_000)
                .map(|i| format!("{{:id {i} :tags #{{:a :b}} :ratio {i}/7 :big {i}N :dec {i}.5M}}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        format!("{}1{}", "[".repeat(100), "]".repeat(100)),
    ];
    for text in shapes {
        let forms = read_all(&Source::standalone("big", text.clone())).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(forms.len(), 1);
        let again = read_all(&Source::standalone("again", to_compact(&forms[0]))).unwrap();
        assert!(again[0].equiv(&forms[0]));
    }
}

/// The corpus's suite folder, or `None` (the test says it skipped).
fn corpus() -> Option<PathBuf> {
    pm2_clj_testkit::corpus("edn-tests")
}

#[test]
fn every_valid_corpus_case_reads_to_the_expected_value() {
    let Some(suite) = corpus() else { return };
    let n = check_valid(&suite.join("valid-edn"), &suite.join("platforms/clojure"), "clj");
    assert_eq!(n, 52, "the suite has 52 valid cases");
}

#[test]
fn every_invalid_corpus_case_is_rejected() {
    let Some(suite) = corpus() else { return };
    let cases = files(&suite.join("invalid-edn"), "edn");
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
fn invalid_corpus_cases_fail_inside_the_input_with_the_expected_code() {
    let Some(suite) = corpus() else { return };
    let suite = suite.join("invalid-edn");
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
        assert_eq!(err.code(), code, "{stem}");
        let span = err.span().expect("a read error has a span");
        assert!(span.end <= len && span.start <= span.end, "{stem}: span {span:?}");
    }
}

#[test]
fn every_corpus_performance_file_reads() {
    let Some(suite) = corpus() else { return };
    let cases = files(&suite.join("performance"), "edn");
    assert_eq!(cases.len(), 25);
    for case in cases {
        let forms = read_file(&case).unwrap_or_else(|e| panic!("{}: {e:?}", case.display()));
        assert_eq!(forms.len(), 1, "{}", case.display());
    }
}
