//! Property tests: printing then reading gives back an equal form; arbitrary input never
//! panics; deep nesting is an error, not a stack overflow; a source shows the same
//! snippet as miette shows of its text.

use std::sync::Arc;

use pm2_dsl_reader::Number;
use pm2_dsl_reader::{
    BigDecimal, BigInt, Form, FormKind, ReadErrorKind, Source, Symbol, read_all, to_compact, to_pretty,
};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z*!_?$%&=<>][a-zA-Z0-9*!_?$%&=<>.#'-]{0,8}".prop_filter("reserved", |s| {
        !matches!(s.as_str(), "nil" | "true" | "false") && !s.contains("::")
    })
}

fn symbol() -> impl Strategy<Value = Symbol> {
    (proptest::option::of(name()), name()).prop_map(|(ns, n)| match ns {
        Some(ns) => Symbol::new(format!("{ns}/{n}")),
        None => Symbol::new(n),
    })
}

fn leaf() -> impl Strategy<Value = FormKind> {
    prop_oneof![
        Just(FormKind::Nil),
        any::<bool>().prop_map(FormKind::Bool),
        any::<i64>().prop_map(|i| FormKind::Number(Number::Int(i))),
        any::<i128>().prop_map(|i| FormKind::Number(Number::BigInt(Arc::new(BigInt::from(i).into())))),
        any::<f64>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(|f| FormKind::Number(Number::Float(f))),
        (any::<i64>(), -40i64..40)
            .prop_map(|(m, s)| FormKind::Number(Number::BigDec(Arc::new(BigDecimal::new(m.into(), s))))),
        (1i64..1000, 2i64..1000).prop_map(|(n, d)| {
            let text = format!("{n}/{d}");
            read_one(&text).kind
        }),
        any::<char>().prop_map(FormKind::Char),
        any::<String>().prop_map(|s| FormKind::Str(s.into())),
        symbol().prop_map(FormKind::Symbol),
        symbol().prop_map(FormKind::Keyword),
    ]
}

fn dedup(items: Vec<Form>) -> Vec<Form> {
    let mut out: Vec<Form> = Vec::new();
    for item in items {
        if !out.iter().any(|o| o.equiv(&item)) {
            out.push(item);
        }
    }
    out
}

fn form() -> impl Strategy<Value = Form> {
    let leaf = leaf().prop_map(|k| Form::new(k, Default::default()));
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| Form::new(FormKind::List(v.into()), Default::default())),
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| Form::new(FormKind::Vector(v.into()), Default::default())),
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| Form::new(FormKind::Set(dedup(v).into()), Default::default())),
            prop::collection::vec((inner.clone(), inner.clone()), 0..5).prop_map(|entries| {
                let mut keys: Vec<Form> = Vec::new();
                let mut kept = Vec::new();
                for (k, v) in entries {
                    if !keys.iter().any(|o| o.equiv(&k)) {
                        keys.push(k.clone());
                        kept.push((k, v));
                    }
                }
                Form::new(FormKind::Map(kept.into()), Default::default())
            }),
            (symbol(), inner.clone()).prop_map(|(tag, form)| {
                let tag = Symbol::new(format!("x{}", tag.as_str()));
                Form::new(
                    FormKind::Tagged(Box::new(pm2_dsl_reader::Tagged {
                        tag,
                        tag_span: Default::default(),
                        form,
                    })),
                    Default::default(),
                )
            }),
            (symbol(), prop::collection::vec(inner, 0..3)).prop_map(|(flag, v)| {
                let mut f = Form::new(FormKind::Vector(v.into()), Default::default());
                let key = Form::new(FormKind::Keyword(flag), Default::default());
                let t = Form::new(FormKind::Bool(true), Default::default());
                f.meta = Some(Box::new(Form::new(
                    FormKind::Map(Box::new([(key, t)])),
                    Default::default(),
                )));
                f
            }),
        ]
    })
}

fn read_one(text: &str) -> Form {
    let mut forms = read_all(&Source::standalone("prop", text.to_string()))
        .unwrap_or_else(|e| panic!("{e:?}\nin: {text}"));
    assert_eq!(forms.len(), 1, "{text}");
    forms.remove(0)
}

fn same_meta(a: &Form, b: &Form) -> bool {
    match (&a.meta, &b.meta) {
        (None, None) => true,
        (Some(x), Some(y)) => x.equiv(y),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compact_print_then_read_gives_an_equal_form(f in form()) {
        let text = to_compact(&f);
        let back = read_one(&text);
        prop_assert!(back.equiv(&f), "{text}");
        prop_assert!(same_meta(&back, &f), "{text}");
        prop_assert_eq!(to_compact(&back), text);
    }

    #[test]
    fn pretty_print_then_read_gives_an_equal_form(f in form(), width in 10usize..100) {
        let text = to_pretty(&f, width);
        let back = read_one(&text);
        prop_assert!(back.equiv(&f), "{text}");
        prop_assert_eq!(to_compact(&back), to_compact(&f));
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = read_all(&Source::standalone("prop", text));
    }

    /// A source finds the lines around a span with its line index (so reports stay
    /// linear in number and in line length), yet shows what miette shows of the whole
    /// text, `\r\n` line breaks included.
    #[test]
    fn a_source_reads_a_span_as_miette_reads_its_text(
        text in "[ab é\n]{0,80}".prop_map(|t| t.replace('b', "\r\n")),
        at in 0usize..90,
        len in 0usize..12,
        before in prop_oneof![0usize..4, Just(usize::MAX)],
        after in prop_oneof![0usize..4, Just(usize::MAX)],
    ) {
        use miette::{SourceCode, SourceSpan};
        let offset = at.min(text.len());
        let span = SourceSpan::new(offset.into(), len.min(text.len() - offset));
        let source = Source::standalone("t", text.clone());
        let ours = source.read_span(&span, before, after);
        let theirs = text.as_str().read_span(&span, before, after);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok());
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            prop_assert_eq!(ours.data(), theirs.data());
            prop_assert_eq!(ours.span(), theirs.span());
            prop_assert_eq!(ours.line_count(), theirs.line_count());
            if before > 0 {
                prop_assert_eq!((ours.line(), ours.column()), (theirs.line(), theirs.column()));
            }
        }
    }

    /// A column found from the line index (a byte count on an ASCII line) is the count
    /// of characters and of UTF-16 units before the offset on its line.
    #[test]
    fn locations_count_characters_on_any_line(text in "[ab\n]{0,30}[aé𝄞\n]{0,10}", at in 0usize..60) {
        let source = Source::standalone("t", text.clone());
        let mut offset = at.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.rsplit('\n').next().unwrap();
        let at = source.location(offset);
        prop_assert_eq!(at.line, before.matches('\n').count() + 1);
        prop_assert_eq!(at.column, line.chars().count() + 1);
        prop_assert_eq!(at.column_utf16, line.encode_utf16().count() + 1);
    }

    #[test]
    fn edn_like_text_never_panics_and_errors_point_inside(text in r#"[\[\]{}()#_:^'"\\ a-z0-9./+\-;,\n@~`?=!NM]{0,40}"#) {
        let len = text.len() as u32;
        if let Err(e) = read_all(&Source::standalone("prop", text)) {
            let span = e.span().expect("a read error has a span");
            prop_assert!(span.start <= span.end && span.end <= len);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for open in ["[", "(", "{", "#{", "'", "^:a ", "#_ ", "#t ", "#:a{:b "] {
        let text = open.repeat(100_000);
        let err = read_all(&Source::standalone("deep", text)).expect_err(open);
        assert_eq!(*err.kind(), ReadErrorKind::TooDeep(128), "{open}");
    }
}

#[test]
fn nesting_within_the_limit_reads() {
    let text = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert_eq!(read_all(&Source::standalone("deep", text)).unwrap().len(), 1);
}
