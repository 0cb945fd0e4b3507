//! Fuzzes the evaluator with tight limits: any text evaluates or fails with an error,
//! never a panic, hang or stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pm2_dsl_eval::{Evaluator, Limits, MemoryLoader, EvalOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = EvalOptions::new().limits(Limits {
        max_depth: 64,
        max_steps: 20_000,
        max_bytes: 16 << 20,
    });
    let loader = MemoryLoader::new().with_file("lib.edn", "(def x 1) {:a 1}");
    let _ = Evaluator::new(options, loader).eval_str("fuzz.edn", text);
});
