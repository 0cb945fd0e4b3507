//! `cron_restart` as systemd calendar events (`OnCalendar=`, systemd.time(7)). The
//! pattern is read by croner, the Rust flavour of the cron library PM2 itself uses (five
//! fields, or six with seconds first; names, nicknames; a day matching either the day of
//! month or the weekday when both are restricted), and each field's set of values is
//! written out: `*`, `A/STEP`, or a list of values and `A..B` ranges. A day that matches
//! either field becomes two events. `L`, `W` and `#` have no calendar equivalent here
//! and are refused.

use croner::parser::{CronParser, Seconds};

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// The `OnCalendar=` values that fire when `pattern` does, or why there are none.
pub fn on_calendar(pattern: &str) -> Result<Vec<String>, String> {
    let cron = CronParser::builder()
        .seconds(Seconds::Optional)
        .build()
        .parse(pattern)
        .map_err(|e| format!("croner cannot read {pattern:?}: {e}"))?;
    let p = &cron.pattern;
    if p.days.has_modifiers() || p.days_of_week.has_modifiers() {
        return Err(format!(
            "{pattern:?} uses L, W or #, which systemd calendar events cannot say"
        ));
    }
    let time = format!(
        "{}:{}:{}",
        field(&p.hours.values(), 0, 23),
        field(&p.minutes.values(), 0, 59),
        field(&p.seconds.values(), 0, 59)
    );
    let months = field(&p.months.values(), 1, 12);
    let days = field(&p.days.values(), 1, 31);
    let mut weekdays: Vec<u16> = p.days_of_week.values().into_iter().map(|d| d % 7).collect();
    weekdays.sort_unstable();
    weekdays.dedup();
    let weekdays = weekday_list(&weekdays);
    let dom = !p.is_dom_wildcard();
    let dow = !p.is_dow_wildcard() && weekdays.is_some();
    let date = |day: &str| format!("*-{months}-{day} {time}");
    Ok(match (dom, dow, weekdays) {
        (true, true, Some(w)) if !p.matches_dom_and_dow() => vec![format!("{w} {}", date("*")), date(&days)],
        (_, true, Some(w)) => vec![format!("{w} {}", date(&days))],
        _ => vec![date(&days)],
    })
}

/// One field: `*` for every value, `A/STEP` for a step that runs to the end, else a
/// list of values and ranges, two digits each.
fn field(values: &[u16], min: u16, max: u16) -> String {
    if values.len() == usize::from(max - min + 1) {
        return "*".to_string();
    }
    if let [first, second, _, ..] = values {
        let step = second - first;
        let stepped = values.windows(2).all(|w| w[1] - w[0] == step);
        if step > 1 && stepped && values[values.len() - 1] + step > max {
            return format!("{first:02}/{step}");
        }
    }
    runs(values)
        .into_iter()
        .map(|(a, b)| match b - a {
            0 => format!("{a:02}"),
            1 => format!("{a:02},{b:02}"),
            _ => format!("{a:02}..{b:02}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The weekdays as names (`Mon..Fri`, `Sat,Sun`), none when every day is in.
fn weekday_list(days: &[u16]) -> Option<String> {
    if days.len() == 7 {
        return None;
    }
    let list = runs(days)
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (WEEKDAYS[usize::from(a)], WEEKDAYS[usize::from(b)]);
            if a == b {
                a.to_string()
            } else {
                format!("{a}..{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    Some(list)
}

/// Sorted values as runs of consecutive ones.
fn runs(values: &[u16]) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = Vec::new();
    for &v in values {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == v => *end = v,
            _ => out.push((v, v)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::on_calendar;

    fn one(pattern: &str) -> String {
        on_calendar(pattern).unwrap().join(" | ")
    }

    #[test]
    fn cron_fields_become_calendar_fields() {
        assert_eq!(one("0 3 * * *"), "*-*-* 03:00:00");
        assert_eq!(one("*/5 * * * *"), "*-*-* *:00/5:00");
        assert_eq!(one("*/10 * * * * *"), "*-*-* *:*:00/10");
        assert_eq!(one("30 9 * * MON-FRI"), "Mon..Fri *-*-* 09:30:00");
        assert_eq!(one("0 0 1,15 * *"), "*-*-01,15 00:00:00");
        assert_eq!(one("0 0 * JAN,JUL *"), "*-01,07-* 00:00:00");
        assert_eq!(one("0 0 * * 0,6"), "Sun,Sat *-*-* 00:00:00");
        assert_eq!(one("0 0 * * 7"), "Sun *-*-* 00:00:00");
        assert_eq!(one("@daily"), "*-*-* 00:00:00");
        assert_eq!(one("@weekly"), "Sun *-*-* 00:00:00");
        assert_eq!(one("0 8-17/3 * * *"), "*-*-* 08,11,14,17:00:00");
    }

    #[test]
    fn a_day_of_month_or_a_weekday_is_two_events() {
        assert_eq!(one("0 0 1 * MON"), "Mon *-*-* 00:00:00 | *-*-01 00:00:00");
    }

    #[test]
    fn what_calendar_events_cannot_say_is_refused() {
        for bad in [
            "0 0 L * *",
            "0 0 15W * *",
            "0 0 * * 1#2",
            "0 0 * * 5L",
            "nonsense",
        ] {
            assert!(on_calendar(bad).is_err(), "{bad}");
        }
    }
}
