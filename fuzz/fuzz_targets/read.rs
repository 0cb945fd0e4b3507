//! Fuzzes the reader: any text either reads or gives an error whose span lies inside it,
//! and whatever reads prints back to text that reads to an equal form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pm2_dsl_reader::{Source, read_all, to_compact};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let len = text.len() as u32;
    match read_all(&Source::standalone("fuzz", text)) {
        Ok(forms) => {
            for form in forms {
                let printed = to_compact(&form);
                let again = read_all(&Source::standalone("again", printed.clone()))
                    .unwrap_or_else(|e| panic!("printed form does not read back: {printed}: {e:?}"));
                assert!(again[0].equiv(&form) || printed.contains("##NaN"), "{printed}");
            }
        }
        Err(e) => {
            let span = e.span().expect("a read error has a place in the text");
            assert!(span.start <= span.end && span.end <= len, "{e:?}");
        }
    }
});
