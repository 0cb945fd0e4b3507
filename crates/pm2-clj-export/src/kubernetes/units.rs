//! PM2's units in Kubernetes's: sizes as exact quantities (`300M`, PM2's 300 × 1024², is
//! `300Mi`, never `300MB`), durations as whole seconds rounded up, cron patterns as a
//! `CronJob`'s schedule; and the check that a quantity is one the API server parses.

use std::time::Duration;

/// `bytes` as the exact quantity with the largest binary suffix that divides it:
/// 314572800 is `300Mi`, 1536 KiB `1536Ki`, 1000 bytes `1000`.
pub fn memory(bytes: u64) -> String {
    for (suffix, unit) in [
        ("Ei", 1u64 << 60),
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// `d` in whole seconds, rounded up (1600 ms is 2), at least `min`, at most what an
/// `i32` field holds.
pub fn seconds(d: Duration, min: i64) -> i64 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    (s.min(i32::MAX as u64) as i64).max(min)
}

/// Whether `q` is a quantity the API server parses: a decimal number (sign, digits, a
/// point) then a binary suffix (`Ki` … `Ei`), a decimal one (`n`, `u`, `m`, ``, `k`,
/// `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`). `300MB` is not.
pub fn quantity_ok(q: &str) -> bool {
    let body = q.strip_prefix(['+', '-']).unwrap_or(q);
    let digits_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(digits_end);
    let number_ok = !number.is_empty()
        && number != "."
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    let suffix_ok = matches!(
        suffix,
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_digit()));
    number_ok && suffix_ok
}

/// A PM2 cron pattern (five fields, or six with seconds first) as a `CronJob`'s
/// schedule (five fields, minutes first), or why it cannot be one.
pub fn schedule(pattern: &str) -> Result<String, String> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let fields = match fields.len() {
        5 => fields,
        6 if fields[0] == "0" => fields[1..].to_vec(),
        6 => {
            return Err(format!(
                "a CronJob's schedule has no seconds field, and {pattern:?} runs at second {}",
                fields[0]
            ));
        }
        1 if fields[0].starts_with('@') => {
            return match fields[0] {
                "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight" | "@hourly" => {
                    Ok(fields[0].to_string())
                }
                other => Err(format!("{other} is not a schedule a CronJob takes")),
            };
        }
        n => return Err(format!("a cron pattern has 5 or 6 fields, {pattern:?} has {n}")),
    };
    for f in &fields {
        if let Some(c) = f.chars().find(|c| matches!(c, 'L' | 'W' | '#')) {
            return Err(format!("a CronJob's schedule has no {c} (in {f:?})"));
        }
        if !f
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '?'))
        {
            return Err(format!("{f:?} is not a cron field"));
        }
    }
    Ok(fields.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_convert_exactly() {
        assert_eq!(memory(300 << 20), "300Mi");
        assert_eq!(memory(1 << 30), "1Gi");
        assert_eq!(memory(1024 << 20), "1Gi");
        assert_eq!(memory(1536 << 10), "1536Ki");
        assert_eq!(memory(1000), "1000");
        assert_eq!(memory(0), "0");
        assert_eq!(memory(u64::MAX), u64::MAX.to_string());
        for q in ["300Mi", "1Gi", "1536Ki", "1000", "0"] {
            assert!(quantity_ok(q), "{q}");
        }
    }

    #[test]
    fn quantities_are_checked_as_the_api_server_parses_them() {
        for q in ["300Mi", "0.5", "100m", "1e3", "1E-3", "+1k", "1.5Gi"] {
            assert!(quantity_ok(q), "{q}");
        }
        for q in ["300MB", "300mi", "", "Mi", "1..2", "1 Gi", "1KiB", "."] {
            assert!(!quantity_ok(q), "{q}");
        }
    }

    #[test]
    fn durations_round_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::from_millis(1600), 0), 2);
        assert_eq!(seconds(Duration::from_millis(3000), 0), 3);
        assert_eq!(seconds(Duration::from_millis(1), 0), 1);
        assert_eq!(seconds(Duration::ZERO, 1), 1);
        assert_eq!(seconds(Duration::from_secs(u64::MAX), 0), i32::MAX as i64);
    }

    #[test]
    fn cron_patterns_become_schedules_or_say_why_not() {
        assert_eq!(schedule("0 3 * * *").unwrap(), "0 3 * * *");
        assert_eq!(schedule("0 0 3 * * *").unwrap(), "0 3 * * *");
        assert_eq!(schedule("@daily").unwrap(), "@daily");
        assert!(schedule("30 0 3 * * *").unwrap_err().contains("second 30"));
        assert!(schedule("0 3 L * *").unwrap_err().contains("no L"));
        assert!(schedule("0 3 * * 1#2").is_err());
        assert!(schedule("0 3 * *").is_err());
        assert!(schedule("0 3 * * $(x)").is_err());
    }
}
