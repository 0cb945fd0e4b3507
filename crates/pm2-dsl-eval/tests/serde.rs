//! The JSON mapping of values and deserializing values into Rust types.

use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader, Value, from_value};
use serde::Deserialize;

fn eval(text: &str) -> Value {
    Evaluator::new(EvalOptions::new(), MemoryLoader::new())
        .eval_str("t.edn", text)
        .unwrap()
}

#[test]
fn values_serialize_to_the_documented_json() {
    let v = eval(
        r#"{:name "api" :kw :ns/x :sym 'abc :n 1 :big 99999999999999999999N :f 1.5 :d 1.50M :r 1/2
            :ch \a :nil nil :v [1 '(2)] :s #{3} 1 "int key" [1] "vec key" :t #inst "2024-01-01T00:00:00Z"}"#,
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "name": "api", "kw": "ns/x", "sym": "abc", "n": 1, "big": "99999999999999999999",
            "f": 1.5, "d": "1.50", "r": 0.5, "ch": "a", "nil": null, "v": [1, [2]], "s": [3],
            "1": "int key", "[1]": "vec key", "t": {"tag": "inst", "value": "2024-01-01T00:00:00Z"}
        })
    );
}

#[test]
fn non_finite_floats_are_not_json() {
    assert!(serde_json::to_string(&eval("##NaN")).is_err());
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
struct App {
    name: String,
    exec_mode: Mode,
    instances: u16,
    max_memory: Option<String>,
    env: std::collections::BTreeMap<String, String>,
    args: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Fork,
    Cluster,
}

#[test]
fn values_deserialize_into_user_types() {
    let v = eval(
        r#"{:name "api" :exec-mode :cluster :instances 4 :max-memory nil :env {:PORT "80"} :args ["a" "b"]}"#,
    );
    let app: App = from_value(&v).unwrap();
    assert_eq!(
        app,
        App {
            name: "api".into(),
            exec_mode: Mode::Cluster,
            instances: 4,
            max_memory: None,
            env: [("PORT".to_string(), "80".to_string())].into(),
            args: vec!["a".into(), "b".into()],
        }
    );
}

#[test]
fn deserialize_errors_carry_the_origin_of_the_bad_value() {
    let text = r#"{:name "api" :exec-mode :cluster :instances "four" :env {} :args []}"#;
    let v = eval(text);
    let err = from_value::<App>(&v).unwrap_err();
    let origin = err.span().expect("origin");
    assert_eq!(&text[origin.start as usize..origin.end as usize], "\"four\"");
}
