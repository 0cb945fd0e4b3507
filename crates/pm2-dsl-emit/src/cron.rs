//! Cron pattern checks for `cron_restart`, as PM2's cron library (croner) reads them:
//! five fields (minute hour day month weekday) or six (with seconds first), each `*`, a
//! number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months and
//! weekdays also by name (`JAN`, `MON`); day fields may use `?`, `L`, `W` and `#`; or
//! one of the nicknames `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
//! `@hourly`.

const NICKNAMES: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@hourly",
    "@midnight",
];
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    special: &'static str,
}

const SECONDS: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
    special: "",
};
const FIVE_FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        special: "",
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        special: "",
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        special: "?LW",
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
        special: "",
    },
    Field {
        name: "day of week",
        min: 0,
        max: 7,
        names: DAYS,
        special: "?L#",
    },
];

/// Checks a cron pattern; the error says what is wrong.
pub fn check(pattern: &str) -> Result<(), String> {
    let pattern = pattern.trim();
    if pattern.starts_with('@') {
        return if NICKNAMES.contains(&pattern.to_ascii_lowercase().as_str()) {
            Ok(())
        } else {
            Err(format!("{pattern} is not a cron nickname"))
        };
    }
    let parts: Vec<&str> = pattern.split_whitespace().collect();
    let fields: Vec<&Field> = match parts.len() {
        5 => FIVE_FIELDS.iter().collect(),
        6 => std::iter::once(&SECONDS).chain(FIVE_FIELDS.iter()).collect(),
        n => return Err(format!("{n} fields; a cron pattern has 5 or 6")),
    };
    for (text, field) in parts.iter().zip(fields) {
        check_field(text, field)?;
    }
    Ok(())
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step
            && step.parse::<u32>().map_or(true, |s| s == 0)
        {
            return Err(format!("bad step `{step}` in the {} field", field.name));
        }
        if range == "*" || (range.len() == 1 && field.special.contains(range)) {
            continue;
        }
        let bounds: Vec<&str> = range.splitn(2, '-').collect();
        let mut previous = None;
        for bound in bounds {
            let value = value_of(bound, field)?;
            if let Some(p) = previous
                && value < p
            {
                return Err(format!(
                    "range `{range}` runs backwards in the {} field",
                    field.name
                ));
            }
            previous = Some(value);
        }
    }
    Ok(())
}

fn value_of(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(i) = field.names.iter().position(|n| *n == upper) {
        return Ok(i as u32 + field.min);
    }
    // Day fields: `15W`, `L`, `5L`, `1#2`.
    let core = upper.trim_end_matches(['W', 'L']);
    let core = core.split('#').next().unwrap_or(core);
    let extra_ok = core.len() < upper.len() && field.special.chars().any(|c| upper.contains(c));
    if core.is_empty() && extra_ok {
        return Ok(field.min);
    }
    match core.parse::<u32>() {
        Ok(v) if (field.min..=field.max).contains(&v) => Ok(v),
        Ok(v) => Err(format!(
            "{v} is outside {}-{} in the {} field",
            field.min, field.max, field.name
        )),
        Err(_) => Err(format!("`{text}` is not valid in the {} field", field.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_what_croner_accepts() {
        for ok in [
            "0 3 * * *",
            "*/5 * * * *",
            "0 0 1,15 * MON-FRI",
            "30 */2 * * * *",
            "0 0 L * ?",
            "0 9 * JAN-MAR 1#2",
            "@daily",
            "0 0 * * 7",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_is_not_cron() {
        for bad in [
            "every day",
            "* * *",
            "61 * * * *",
            "0 24 * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "@sometimes",
            "0 0 * FOO *",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
