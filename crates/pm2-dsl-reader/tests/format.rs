//! Properties of the formatter over generated texts with comments, discards, prefixes
//! and arbitrary blank text: it is idempotent, keeps every token (so every comment and
//! discard, and the forms themselves) in order, and leaves no trailing whitespace.

use pm2_dsl_reader::{
    ListIndent, ReadOptions, Source, Syntax, SyntaxKind, format_source, read_syntax, to_compact,
};
use proptest::prelude::*;

fn indent(head: &str) -> ListIndent {
    match head {
        "defn" | "let" | "when" => ListIndent::Body,
        _ => ListIndent::Call,
    }
}

fn gap() -> BoxedStrategy<&'static str> {
    prop::sample::select(vec![" ", "  ", "\n", "\n\n\n", ", ", " ,\n  ", "\t", "\n \n  "]).boxed()
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a",
            "defn",
            "let",
            "when",
            "merge",
            "x/y",
            "nil",
            "true",
            "1",
            "-2.5",
            "3N",
            "1/2",
            "##Inf",
            ":k",
            ":ns/k",
            "\\a",
            "\\newline",
            "\"s\"",
            "\"two\\nlines\"",
            "\"real\nbreak\"",
            "\"é𝄞\""
        ])
        .prop_map(str::to_string),
        "[a-z]{1,6}".prop_map(|s| format!("\"{s}\"")),
    ]
}

fn comment() -> impl Strategy<Value = String> {
    "[ a-z;é]{0,10}".prop_map(|s| format!(";{s}\n"))
}

/// A form's text (never a lone comment).
fn form() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 40, 5, |inner| {
        let element = prop_oneof![
            4 => inner.clone(),
            1 => comment(),
            1 => inner.clone().prop_map(|f| format!("#_{f}")),
        ];
        let elements = prop::collection::vec((gap(), element.boxed()), 0..5).boxed();
        prop_oneof![
            (elements.clone(), gap()).prop_map(|(items, end)| join("(", &items, end, ")")),
            (elements.clone(), gap()).prop_map(|(items, end)| join("[", &items, end, "]")),
            (
                prop::collection::vec((gap(), inner.clone(), gap(), prop::option::of(comment())), 0..4),
                gap()
            )
                .prop_map(|(entries, end)| {
                    let mut text = String::from("{");
                    for (i, (before, value, between, note)) in entries.into_iter().enumerate() {
                        text += &format!("{before}:k{i}{between}");
                        if let Some(note) = note {
                            text += &note;
                        }
                        text += &value;
                    }
                    text + end + "}"
                }),
            (prop::collection::vec(gap(), 0..4), gap()).prop_map(|(gaps, end)| {
                let items: String = gaps.iter().enumerate().map(|(i, g)| format!("{g}{i}")).collect();
                format!("#{{{items}{end}}}")
            }),
            inner.clone().prop_map(|f| format!("'{f}")),
            (gap(), inner.clone()).prop_map(|(g, f)| format!("#tag{g}{f}")),
            (elements, gap()).prop_map(|(items, end)| format!("^:meta {}", join("[", &items, end, "]"))),
        ]
    })
}

fn join(open: &str, items: &[(&str, String)], end: &str, close: &str) -> String {
    let mut text = String::from(open);
    for (gap, item) in items {
        text += gap;
        text += item;
    }
    text + end + close
}

fn file() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            gap(),
            prop_oneof![3 => form(), 1 => comment(), 1 => form().prop_map(|f| format!("#_ {f}"))],
        ),
        0..5,
    )
    .prop_map(|parts| parts.into_iter().map(|(g, f)| format!("{g}{f}")).collect())
}

/// Every token of a tree, comments without trailing blanks, in text order.
fn tokens(source: &Source, node: &Syntax, out: &mut Vec<(SyntaxKind, String)>) {
    if node.kind.is_token() {
        out.push((node.kind, source.slice(node.span).trim_end().to_string()));
    }
    for child in &node.children {
        tokens(source, child, out);
    }
}

fn check(text: &str) {
    let source = Source::standalone("t", text.to_string());
    let (tree, forms) = read_syntax(&source);
    let forms = forms.unwrap_or_else(|e| panic!("the generator wrote unreadable text {text:?}: {e:?}"));
    let formatted = format_source(&source, ReadOptions::default(), &indent).unwrap();
    let again_source = Source::standalone("t", formatted.clone());
    let (again_tree, again_forms) = read_syntax(&again_source);
    let again_forms = again_forms.unwrap_or_else(|e| panic!("{formatted:?} does not read: {e:?}"));
    let print = |forms: &[pm2_dsl_reader::Form]| forms.iter().map(to_compact).collect::<Vec<_>>();
    assert_eq!(print(&forms), print(&again_forms), "forms of {text:?}");
    let (mut before, mut after) = (Vec::new(), Vec::new());
    tokens(&source, &tree, &mut before);
    tokens(&again_source, &again_tree, &mut after);
    assert_eq!(before, after, "tokens of {text:?} → {formatted:?}");
    assert_eq!(
        format_source(&again_source, ReadOptions::default(), &indent).unwrap(),
        formatted,
        "idempotence for {text:?}"
    );
    assert!(formatted.is_empty() || formatted.ends_with('\n') && !formatted.ends_with("\n\n"));
    for line in formatted.lines() {
        if !line.contains('"') {
            assert_eq!(line, line.trim_end(), "trailing blank in {formatted:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn formatting_keeps_every_token_and_is_idempotent(text in file()) {
        check(&text);
    }
}

#[test]
fn known_shapes() {
    for text in [
        "(defn f [x] ; c\n x)",
        "{:a #_ 1 2 :b\n 3}",
        "[#_\n x]",
        "^:a ^:b [1]",
        "#:ns {:a 1}",
        "#! shebang\n{:a 1}",
        "\u{feff}{:a 1}",
        "{:a 1 ; trailing\n}",
        "(a\n ;; own line\n b)",
        "#tag ; why\n x",
        "[1 2 ,]",
        "[ ;\n, a ]",
        "\"multi\nline\" [a\n b]",
    ] {
        check(text);
    }
}
