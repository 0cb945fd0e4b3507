//! Behaviour of the reader beyond the conformance suite: spans, prefixes, namespaced maps,
//! metadata, tags and the error kinds.

use pm2_dsl_reader::Number;
use pm2_dsl_reader::{
    Delim, Form, FormKind, NameProblem, Prefix, ReadErrorKind, ReadOptions, Source, Unsupported, read_all,
    read_all_collecting, to_compact, to_pretty,
};

fn read(text: &str) -> Vec<Form> {
    read_all(&Source::standalone("t", text.to_string())).unwrap_or_else(|e| panic!("{e:?}"))
}

fn one(text: &str) -> Form {
    let mut forms = read(text);
    assert_eq!(forms.len(), 1);
    forms.remove(0)
}

fn err(text: &str) -> ReadErrorKind {
    *read_all(&Source::standalone("t", text.to_string()))
        .expect_err(text)
        .kind()
}

#[test]
fn every_node_has_the_span_of_its_text() {
    let text = " {:a [1 \"x\"]} ";
    let source = Source::standalone("t", text);
    let form = read_all(&source).unwrap().remove(0);
    assert_eq!(source.slice(form.span), "{:a [1 \"x\"]}");
    let FormKind::Map(entries) = &form.kind else {
        panic!()
    };
    assert_eq!(source.slice(entries[0].0.span), ":a");
    let FormKind::Vector(items) = &entries[0].1.kind else {
        panic!()
    };
    assert_eq!(source.slice(items[1].span), "\"x\"");
}

#[test]
fn a_file_is_a_sequence_of_forms() {
    assert_eq!(read("(def a 1) ; comment\n #_ (ignored) a").len(), 2);
    assert_eq!(read("").len(), 0);
    assert_eq!(read("#!/usr/bin/env pm2-clj\n{}").len(), 1);
    assert_eq!(read("\u{feff}{}").len(), 1);
    assert_eq!(
        read("\t\u{feff}").len(),
        0,
        "a byte-order mark anywhere is whitespace"
    );
}

#[test]
fn quote_reads_as_a_quote_list() {
    assert_eq!(to_compact(&one("'[a b]")), "(quote [a b])");
    assert_eq!(to_compact(&one("''x")), "(quote (quote x))");
}

#[test]
fn metadata_attaches_to_the_form() {
    let f = one("^:append [2]");
    assert!(f.has_meta_flag("append"));
    assert!(matches!(f.kind, FormKind::Vector(_)));
    let f = one("^:a ^{:b 1} {}");
    assert_eq!(to_compact(f.meta.as_deref().unwrap()), "{:a true :b 1}");
    let f = one("^String x");
    assert_eq!(to_compact(f.meta.as_deref().unwrap()), "{:tag String}");
    assert_eq!(err("^:a 1"), ReadErrorKind::MetadataTarget);
    assert_eq!(err("^1 []"), ReadErrorKind::BadMetadata);
    assert_eq!(err("[^:a]"), ReadErrorKind::MissingForm(Prefix::Metadata));
}

#[test]
fn namespaced_maps_qualify_their_keys() {
    assert_eq!(
        to_compact(&one("#:app{:name \"x\" :_/plain 1 :other/k 2 sym 3}")),
        "{:app/name \"x\" :plain 1 :other/k 2 app/sym 3}"
    );
    assert_eq!(to_compact(&one("#:app {:a 1}")), "{:app/a 1}");
    assert_eq!(err("#:app{:a 1 :app/a 2}"), ReadErrorKind::DuplicateKey);
    assert_eq!(
        err("#::{:a 1}"),
        ReadErrorKind::BadKeyword(NameProblem::AutoResolved)
    );
}

#[test]
fn tags_wrap_the_next_form() {
    let f = one("#env PORT");
    let FormKind::Tagged(t) = &f.kind else { panic!() };
    assert_eq!(t.tag.as_str(), "env");
    assert_eq!(to_compact(&t.form), "PORT");
    assert_eq!(
        to_compact(&one("#long #or [#env PORT 8080]")),
        "#long #or [#env PORT 8080]"
    );
    assert_eq!(err("#env"), ReadErrorKind::MissingForm(Prefix::Tag));
    assert_eq!(err("#1x 2"), ReadErrorKind::BadTag(NameProblem::StartsLikeNumber));
}

#[test]
fn inst_and_uuid_literals_are_checked() {
    one("#inst \"1985-04-12T23:20:50.52Z\"");
    one("#inst \"2024\"");
    one("#inst \"2024-01-31T12:00:00+01:00\"");
    one("#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"");
    assert_eq!(err("#inst \"yesterday\""), ReadErrorKind::BadLiteral);
    assert_eq!(err("#uuid \"f81d4fae\""), ReadErrorKind::BadLiteral);
    assert_eq!(err("#uuid 12"), ReadErrorKind::BadLiteral);
}

#[test]
fn discard_skips_the_next_form_wherever_it_is() {
    assert_eq!(to_compact(&one("[1 #_ 2 3 #_#_ 4 5]")), "[1 3]");
    assert_eq!(to_compact(&one("{:a 1 #_ :b}")), "{:a 1}");
    assert_eq!(err("[1 #_]"), ReadErrorKind::MissingForm(Prefix::Discard));
}

#[test]
fn symbolic_values_and_numbers() {
    assert!(matches!(one("##Inf").kind, FormKind::Number(Number::Float(f)) if f == f64::INFINITY));
    assert!(matches!(one("##-Inf").kind, FormKind::Number(Number::Float(f)) if f == f64::NEG_INFINITY));
    assert!(matches!(one("##NaN").kind, FormKind::Number(Number::Float(f)) if f.is_nan()));
    assert_eq!(
        err("##Foo"),
        ReadErrorKind::Unsupported(Unsupported::SymbolicValue)
    );
    assert_eq!(
        to_compact(&one("[1/2 -3/6 4/2 1N 1.5M 1e3]")),
        "[1/2 -1/2 2 1N 1.5M 1000.0]"
    );
}

#[test]
fn unsupported_clojure_syntax_is_named() {
    for (text, what) in [
        ("`x", Unsupported::SyntaxQuote),
        ("~x", Unsupported::Unquote),
        ("~@x", Unsupported::UnquoteSplicing),
        ("@x", Unsupported::Deref),
        ("#(inc %)", Unsupported::AnonymousFn),
        ("#'x", Unsupported::VarQuote),
        ("#\"a+\"", Unsupported::Regex),
        ("#?(:clj 1)", Unsupported::ReaderConditional),
        ("#=(+ 1 2)", Unsupported::EvalReader),
    ] {
        assert_eq!(err(text), ReadErrorKind::Unsupported(what), "{text}");
    }
}

#[test]
fn delimiter_errors_name_the_opener() {
    assert_eq!(err("[1 2"), ReadErrorKind::UnclosedDelimiter(Delim::Vector));
    assert_eq!(err("#{1"), ReadErrorKind::UnclosedDelimiter(Delim::Set));
    assert_eq!(
        err("(1]"),
        ReadErrorKind::MismatchedDelimiter {
            open: Delim::List,
            found: ']'
        }
    );
    assert_eq!(err("1)"), ReadErrorKind::UnexpectedCloser(')'));
    assert_eq!(err("#{1 1}"), ReadErrorKind::DuplicateSetElement);
    assert_eq!(err("{[1] 1 (1) 2}"), ReadErrorKind::DuplicateKey);
    assert_eq!(err("{1 :a 1N :b}"), ReadErrorKind::DuplicateKey);
}

#[test]
fn unclosed_error_points_at_the_opener_as_related() {
    let source = Source::standalone("t", "{:a [1 2}");
    let e = read_all(&source).unwrap_err();
    assert_eq!(e.labels().len(), 1);
    assert_eq!(source.slice(e.labels()[0].0), "[");
    assert_eq!(e.labels()[0].1, "opened here");
    assert_eq!(source.slice(e.span().unwrap()), "}");
}

#[test]
fn large_maps_detect_duplicates_too() {
    let mut text = String::from("{");
    for i in 0..100 {
        text.push_str(&format!(":k{i} {i} "));
    }
    text.push_str(":k7 0}");
    assert_eq!(err(&text), ReadErrorKind::DuplicateKey);
}

#[test]
fn pretty_printing_breaks_long_collections() {
    let f = one(
        "{:apps [{:name \"api\" :script \"server.js\" :instances 4} {:name \"worker\" :script \"worker.js\"}]}",
    );
    let text = to_pretty(&f, 40);
    assert!(text.lines().count() > 2, "{text}");
    assert!(text.lines().all(|l| l.len() <= 60), "{text}");
    assert_eq!(to_compact(&one(&text)), to_compact(&f));
}

fn codes(text: &str) -> Vec<(&'static str, String)> {
    let source = Source::standalone("t", text.to_string());
    read_all_collecting(&source, ReadOptions::default())
        .expect_err(text)
        .iter()
        .map(|e| (e.code(), source.slice(e.span().unwrap()).to_string()))
        .collect()
}

/// Errors that leave the structure whole are all reported, in text order, as kdl-rs
/// does; `read_all` gives the first.
#[test]
fn every_error_that_leaves_the_structure_whole_is_reported() {
    let text = "{:a 1x\n :b \"a\\qb\"\n :c \\itstoolong\n :a 2\n :e ^1 x\n :odd}";
    let owned = |v: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        v.iter().map(|(c, s)| (*c, s.to_string())).collect()
    };
    assert_eq!(
        codes(text),
        owned(&[
            ("read::bad-number", "1x"),
            ("read::bad-escape", "\\q"),
            ("read::bad-character", "\\itstoolong"),
            ("read::duplicate-key", ":a"),
            ("read::bad-metadata", "1"),
            ("read::odd-map", ":odd"),
        ])
    );
    assert_eq!(err(text), ReadErrorKind::BadNumber);
    // A structural error ends the reading, after what came before it.
    assert_eq!(
        codes("[1x #{1 1} [2"),
        owned(&[
            ("read::bad-number", "1x"),
            ("read::duplicate-set-element", "1"),
            ("read::unclosed-delimiter", ""),
        ])
    );
}

/// A text of bad tokens is refused after a hundred of them, not reported a million times.
#[test]
fn errors_read_past_are_bounded() {
    let text = format!("[{}]", "1x ".repeat(100_000));
    let found = codes(&text);
    assert_eq!(found.len(), 101);
    assert!(found[..100].iter().all(|(code, _)| *code == "read::bad-number"));
    assert_eq!(
        found[100].0, "read::too-many-errors",
        "the cut is said, where it is"
    );
}

/// Found by trying: a bad token's stand-in made a second, false error (two `1x` keys a
/// duplicate, `#inst 1x` a bad literal, `^:a 1x` metadata on a string), nested metadata
/// repeated one error, an unclosed string ending in `\` also had a bad escape, and
/// only the first duplicate of a map was reported.
#[test]
fn an_error_is_reported_once_and_brings_no_other() {
    let only = |text: &str, code: &'static str, at: &str| {
        assert_eq!(codes(text), vec![(code, at.to_string())], "{text}");
    };
    assert_eq!(codes("{1x 1 1x 2}").len(), 2, "two bad numbers, no duplicate");
    assert_eq!(codes("#{1x 1x}").len(), 2, "two bad numbers, no duplicate");
    assert_eq!(codes("{[1x] 1 [1x] 2}").len(), 2);
    assert_eq!(
        codes("#:ns{:a 1x :a 1x}").len(),
        3,
        "two bad values, and :a twice"
    );
    only("#inst 1x", "read::bad-number", "1x");
    only("^:a 1x", "read::bad-number", "1x");
    only("^:a ^:b ^:c 1", "read::metadata-target", "1");
    only("\"ab\\", "read::unterminated-string", "\"");
    assert_eq!(
        codes("{:a 1 :b 1 :a 2 :b 2}"),
        vec![
            ("read::duplicate-key", ":a".to_string()),
            ("read::duplicate-key", ":b".to_string())
        ]
    );
}
