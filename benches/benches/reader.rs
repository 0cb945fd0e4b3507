//! Reader throughput against `serde_json` on the same data: a generated ~5 MB document of
//! records, read as EDN by `pm2-dsl-reader` (spans, duplicate-key checks and all) and as
//! JSON by `serde_json::from_str::<serde_json::Value>`, in the same run.
//!
//! Prints the median of each and their ratio (serde_json time / reader time: above 1.0
//! means the reader is faster), then runs the divan benchmarks for detail.

use std::hint::black_box;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use pm2_clj_benches::{median, records, time};
use pm2_dsl_reader::{Source, read_all};

static DOC: LazyLock<(Arc<Source>, String)> = LazyLock::new(|| {
    let (edn, json) = records(5_000_000);
    (Source::standalone("records.edn", edn), json)
});

fn main() {
    let (source, json) = &*DOC;
    let mb = |bytes: usize, d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    let (mut reader, mut serde) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        reader.push(time(|| drop(black_box(read_all(source).unwrap()))));
        serde.push(time(|| {
            drop(black_box(
                serde_json::from_str::<serde_json::Value>(json).unwrap(),
            ))
        }));
    }
    let (reader, serde) = (median(reader), median(serde));
    println!(
        "reader:     {:>8.2?} for {:.1} MB of EDN  ({:.0} MB/s)",
        reader,
        source.text().len() as f64 / 1e6,
        mb(source.text().len(), reader)
    );
    println!(
        "serde_json: {:>8.2?} for {:.1} MB of JSON ({:.0} MB/s)",
        serde,
        json.len() as f64 / 1e6,
        mb(json.len(), serde)
    );
    println!(
        "ratio (serde_json time / reader time): {:.2}",
        serde.as_secs_f64() / reader.as_secs_f64()
    );
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn read_edn() -> usize {
    read_all(&DOC.0).unwrap().len()
}

#[divan::bench(sample_count = 20)]
fn serde_json_value() -> usize {
    serde_json::from_str::<serde_json::Value>(&DOC.1)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}
