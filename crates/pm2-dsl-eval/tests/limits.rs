//! Hostile programs end in a labelled `eval::limit` (or another labelled error) quickly,
//! within a fixed memory ceiling: each case runs under a counting allocator that
//! measures the most memory held at once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pm2_dsl_eval::{EvalErrorKind, EvalOptions, Evaluator, Limit, Limits, MemoryLoader, Value};
use pm2_dsl_reader::{Source, read_all_collecting};

/// The system allocator, counting the bytes held now and the most held at once.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let held = HELD.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
            PEAK.fetch_max(held, Ordering::Relaxed);
        } else {
            HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `n` definitions `name1` ... `nameN`, each made from the one before by `step`
/// (`{prev}` stands for the previous name), then `last`.
fn doubling(first: &str, step: &str, n: usize, last: &str) -> String {
    let mut text = format!("(def x0 {first})\n");
    for i in 1..=n {
        let prev = format!("x{}", i - 1);
        text.push_str(&format!("(def x{i} {})\n", step.replace("{prev}", &prev)));
    }
    text + &last.replace("{last}", &format!("x{n}"))
}

/// What a case must end in.
#[derive(Debug)]
enum Outcome {
    Limit(Limit),
    Code(&'static str),
    Value(String),
}

fn cases() -> Vec<(&'static str, String, MemoryLoader, Outcome)> {
    let none = MemoryLoader::new;
    let mut diamond = MemoryLoader::new();
    for i in 0..40 {
        diamond.insert(
            &format!("d/f{i}.edn"),
            format!("[#include \"f{}.edn\" #include \"f{}.edn\"]", i + 1, i + 1),
        );
    }
    diamond.insert("d/f40.edn", "\"leaf\"");
    let fan_out: String = (0..40)
        .map(|i| format!(" :a{} [#ref [:a{i}] #ref [:a{i}]]", i + 1))
        .collect();
    let mut laughs = String::from("X0=0123456789\n");
    for i in 1..=40 {
        laughs.push_str(&format!("X{i}=$X{}$X{}\n", i - 1, i - 1));
    }
    let laughs = MemoryLoader::new().with_file("laughs.env", laughs);
    let chain: String = (0..20_000)
        .map(|i| format!(" :k{} #ref [:k{i}]", i + 1))
        .collect();
    vec![
        (
            "a string doubled 40 times",
            doubling("\"x\"", "(str {prev} {prev})", 40, "{last}"),
            none(),
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "a vector of itself doubled 40 times",
            doubling("[1]", "[{prev} {prev}]", 40, "(count (str {last}))"),
            none(),
            Outcome::Limit(Limit::Size),
        ),
        (
            "a vector concatenated with itself 40 times",
            doubling("[1]", "(concat {prev} {prev})", 40, "(count {last})"),
            none(),
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "two doubled vectors compared",
            doubling("[1]", "[{prev} {prev}]", 40, "(= {last} {last})"),
            none(),
            Outcome::Limit(Limit::Size),
        ),
        (
            "#ref fan-out",
            format!("{{:a0 [1 2 3]{fan_out}}}"),
            none(),
            Outcome::Limit(Limit::Size),
        ),
        (
            "an #include diamond 40 deep",
            "#include \"d/f0.edn\"".to_string(),
            diamond,
            Outcome::Limit(Limit::Size),
        ),
        (
            "a .env file that doubles a variable 40 times",
            "#dotenv \"laughs.env\"".to_string(),
            laughs,
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "a #ref chain 20,000 long",
            format!("{{:k0 1{chain}}}"),
            none(),
            Outcome::Value(format!(
                "{{:k0 1{}}}",
                (1..=20_000).map(|i| format!(" :k{i} 1")).collect::<String>()
            )),
        ),
        (
            "data nested a thousand deep",
            "(reduce (fn [a _] [a]) [] (range 1000))".into(),
            none(),
            Outcome::Limit(Limit::Nesting),
        ),
        (
            "a map grown one key at a time (each copy is charged)",
            "(count (reduce (fn [m i] (assoc m i i)) {} (range 200000)))".into(),
            none(),
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "first of a large vector, many times",
            "(def v (vec (range 100000))) (count (map (fn [_] (first v)) v))".into(),
            none(),
            Outcome::Value("100000".into()),
        ),
        (
            "a vector grown one element at a time",
            "(count (reduce conj [] (range 300000)))".into(),
            none(),
            Outcome::Value("300000".into()),
        ),
        (
            "str/replace that multiplies a string",
            "(def s (apply str (range 100000))) (count (str/replace s \"1\" s))".into(),
            none(),
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "a vector of a large string many times",
            "(def s (apply str (range 100000))) (count (str/join (map (fn [_] s) (range 100000))))".into(),
            none(),
            Outcome::Limit(Limit::Size),
        ),
        (
            "str/join past the budget",
            doubling(
                "\"x\"",
                "(str {prev} {prev})",
                24,
                "(count (str/join [{last} {last} {last}]))",
            ),
            none(),
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "format with a huge width",
            "(format \"%99999999999d\" 1)".into(),
            none(),
            Outcome::Code("eval::format"),
        ),
        (
            "millions of small vectors",
            "(count (for [a (range 2000) b (range 2000)] [a b]))".into(),
            none(),
            Outcome::Limit(Limit::Bytes),
        ),
        (
            "a literal of eight million elements",
            format!("[{}]", " 1".repeat(8_000_000)),
            none(),
            Outcome::Code("read::too-many-forms"),
        ),
        (
            "a large map called as a function many times",
            "(def m (zipmap (range 50000) (range 50000))) (count (map (fn [k] (m k)) (range 50000)))".into(),
            none(),
            Outcome::Value("50000".into()),
        ),
        (
            "a big-integer literal of a million digits",
            format!("(count [1{}N])", "0".repeat(1_000_000)),
            none(),
            Outcome::Value("1".into()),
        ),
    ]
}

/// Every hostile case ends as it must, in time, holding at most a fixed multiple of the
/// data budget (the budget is lowered here so the debug build stays quick).
#[test]
fn hostile_programs_end_in_labelled_errors_within_a_memory_ceiling() {
    const BUDGET: u64 = 64 << 20;
    let limits = Limits {
        max_bytes: BUDGET,
        ..Limits::default()
    };
    let mut report = Vec::new();
    for (name, text, loader, outcome) in cases() {
        let base = HELD.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let result = Evaluator::new(EvalOptions::new().limits(limits), loader).eval_str("main.edn", &text);
        let elapsed = start.elapsed();
        let peak = PEAK.load(Ordering::Relaxed) - base;
        match (&outcome, &result) {
            (Outcome::Limit(want), Err(e)) => {
                assert!(
                    matches!(e.kind(), EvalErrorKind::Limit { limit, .. } if limit == want),
                    "{name}: {e:?}"
                );
                assert!(e.span().is_some(), "{name}: the error is labelled");
            }
            (Outcome::Code(code), Err(e)) => assert_eq!(e.code(), *code, "{name}"),
            (Outcome::Value(want), Ok(value)) => {
                assert!(value.to_edn() == *want, "{name}: {}", value.to_edn())
            }
            _ => panic!("{name}: expected {outcome:?}, got {result:?}"),
        }
        drop(result);
        report.push(format!("{name}: {elapsed:?}, {} MiB", peak >> 20));
        assert!(
            elapsed < Duration::from_secs(20),
            "{name} took {elapsed:?} (the debug build is slower than release; 20 s means a hang)"
        );
        assert!(
            peak as u64 <= 3 * BUDGET + (8 << 20),
            "{name} held {} MiB at once; the budget is {} MiB",
            peak >> 20,
            BUDGET >> 20
        );
    }

    // Reading outside an evaluation (`read`, `fmt`) stays within the same budget: it held
    // 794 MB for a 15 MB set before it had one.
    let text = format!("#{{{}}}", "1 ".repeat(2_000_000));
    let base = HELD.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let errors =
        read_all_collecting(&Source::standalone("set.edn", text), limits.read_options()).unwrap_err();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(errors.last().map(|e| e.code()), Some("read::too-many-forms"));
    report.push(format!("read 2,000,000 forms: {} MiB", peak >> 20));
    assert!(
        peak as u64 <= BUDGET + (16 << 20),
        "reading held {} MiB at once; the budget is {} MiB",
        peak >> 20,
        BUDGET >> 20
    );
    eprintln!("{}", report.join("\n"));
}

#[test]
fn limits_are_settable_and_default_to_256_mib() {
    assert_eq!(Limits::default().max_bytes, 256 << 20);
    let small = Limits {
        max_bytes: 4000,
        ..Limits::default()
    };
    let err = Evaluator::new(EvalOptions::new().limits(small), MemoryLoader::new())
        .eval_str("main.edn", "(apply str (range 1000))")
        .unwrap_err();
    assert_eq!(err.code(), "eval::limit");
    assert_eq!(
        err.to_string(),
        "evaluation built more than the limit of 4000 bytes of data"
    );
    let ok: Value = Evaluator::new(EvalOptions::new().limits(small), MemoryLoader::new())
        .eval_str("main.edn", "(apply str (range 10))")
        .unwrap();
    assert_eq!(ok.as_str(), Some("0123456789"));
}

/// A message names a value in a few words however large it is (they once printed it
/// whole: a duplicate key of a million elements made a message of megabytes).
#[test]
fn messages_name_large_values_in_a_few_words() {
    for text in [
        "(def big (vec (range 100000))) {big 1 (vec big) 2}",
        "(def big (vec (range 100000))) #{big (vec big)}",
        "(def m (zipmap (range 100000) (range 100000))) (m 1 2 3)",
        "(def big (vec (range 100000))) (case big 1 :one)",
        "(def big (vec (range 100000))) (assoc [] big 1)",
    ] {
        let err = Evaluator::new(EvalOptions::new(), MemoryLoader::new())
            .eval_str("main.edn", text)
            .unwrap_err();
        let message = err.to_string();
        assert!(message.len() < 200, "{text}: {message}");
        assert!(message.contains('…'), "{text}: {message}");
    }
}
