//! Evaluation of a 100-app program (a base map, a `defn` template in an imported
//! library, 100 calls) against `serde_json` parsing the resulting JSON, in the same run.
//!
//! Prints the median CPU time of each and their ratio (evaluation time / serde_json
//! time), then runs the divan benchmarks for detail. Target: evaluation under 1 ms.

use std::hint::black_box;
use std::sync::LazyLock;

use pm2_clj_benches::{app_program, median, time};
use pm2_dsl_eval::{EvalOptions, Evaluator, MemoryLoader, Value};

static LOADER: LazyLock<MemoryLoader> = LazyLock::new(|| {
    app_program(100)
        .into_iter()
        .fold(MemoryLoader::new(), |l, (path, text)| l.with_file(&path, text))
});

fn evaluate() -> Value {
    let mut evaluator = Evaluator::new(EvalOptions::new(), LOADER.clone());
    evaluator
        .eval_file("main.pm2.edn")
        .expect("the program evaluates")
}

static JSON: LazyLock<String> = LazyLock::new(|| serde_json::to_string(&evaluate()).unwrap());

fn main() {
    let apps = evaluate();
    assert_eq!(
        apps.as_map()
            .unwrap()
            .get_keyword("apps")
            .unwrap()
            .as_seq()
            .unwrap()
            .len(),
        100
    );
    let (mut eval, mut serde) = (Vec::new(), Vec::new());
    for _ in 0..201 {
        eval.push(time(|| drop(black_box(evaluate()))));
        serde.push(time(|| {
            drop(black_box(
                serde_json::from_str::<serde_json::Value>(&JSON).unwrap(),
            ))
        }));
    }
    let (eval, serde) = (median(eval), median(serde));
    println!("evaluate 100-app program (3 files, read + eval): {eval:>10.2?}");
    println!(
        "serde_json parse of its {} bytes of JSON:       {serde:>10.2?}",
        JSON.len()
    );
    println!(
        "ratio (evaluation time / serde_json time): {:.1}",
        eval.as_secs_f64() / serde.as_secs_f64()
    );
    divan::main();
}

#[divan::bench]
fn eval_100_apps() -> Value {
    evaluate()
}

#[divan::bench]
fn serde_json_100_apps() -> serde_json::Value {
    serde_json::from_str(&JSON).unwrap()
}
