//! Property tests: deep-merge laws on maps without markers, and quoting a printed value
//! gives the value back.

use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader, Value, deep_merge};
use pm2_dsl_reader::{Source, read_all};
use proptest::prelude::*;

fn data(text: &str) -> Value {
    Value::from_form(&read_all(&Source::standalone("p", text.to_string())).unwrap()[0])
}

/// EDN text of a random configuration-shaped map: keys `:a` and `:b` always hold maps and
/// `:c`, `:d`, `:e` always hold leaves (scalars or vectors), as in real configurations
/// where a path is either a section or a setting. (Deep merge is not associative when one
/// side has a map and another a scalar at the same path: the scalar wins or loses
/// depending on grouping, in Baum and Aero alike.)
fn map_text() -> impl Strategy<Value = String> {
    fn leaf() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i32>().prop_map(|i| i.to_string()),
            "[a-z]{0,4}".prop_map(|s| format!("\"{s}\"")),
            Just("nil".to_string()),
            Just("true".to_string()),
            prop::collection::vec(any::<i8>(), 0..3).prop_map(|v| format!("{v:?}").replace(',', "")),
        ]
    }
    fn map(depth: u32) -> BoxedStrategy<String> {
        let leaves = prop::collection::btree_map("[c-e]", leaf(), 0..3);
        let sections = if depth == 0 {
            Just(std::collections::BTreeMap::new()).boxed()
        } else {
            prop::collection::btree_map("[ab]", map(depth - 1), 0..2).boxed()
        };
        (leaves, sections)
            .prop_map(|(leaves, sections)| {
                let body: Vec<String> = leaves
                    .into_iter()
                    .chain(sections)
                    .map(|(k, v)| format!(":{k} {v}"))
                    .collect();
                format!("{{{}}}", body.join(" "))
            })
            .boxed()
    }
    map(3)
}

fn any_value_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        "[a-z][a-z0-9-]{0,5}".prop_map(|s| format!(":{s}")),
        "[a-z][a-z0-9-]{0,5}".prop_map(|s| s),
        any::<String>().prop_map(|s| Value::string(s).to_edn()),
        Just("nil".to_string()),
        Just("\\a".to_string()),
    ];
    leaf.prop_recursive(3, 30, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(" "))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("({})", v.join(" "))),
            prop::collection::btree_map("[a-e]", inner, 0..4).prop_map(|m| {
                let body: Vec<String> = m.into_iter().map(|(k, v)| format!(":{k} {v}")).collect();
                format!("{{{}}}", body.join(" "))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn deep_merge_is_associative(a in map_text(), b in map_text(), c in map_text()) {
        let (a, b, c) = (data(&a), data(&b), data(&c));
        let left = deep_merge(&deep_merge(&a, &b), &c);
        let right = deep_merge(&a, &deep_merge(&b, &c));
        prop_assert_eq!(left, right);
    }

    #[test]
    fn merging_with_an_empty_map_is_identity(a in map_text()) {
        let a = data(&a);
        let empty = data("{}");
        prop_assert_eq!(deep_merge(&a, &empty), a.clone());
        prop_assert_eq!(deep_merge(&empty, &a), a);
    }

    #[test]
    fn evaluating_a_quoted_printed_value_gives_it_back(text in any_value_text()) {
        let value = data(&text);
        let program = format!("(quote {})", value.to_edn());
        let back = Evaluator::new(EvalOptions::new(), MemoryLoader::new()).eval_str("p.edn", &program).unwrap();
        prop_assert_eq!(back, value);
    }
}
