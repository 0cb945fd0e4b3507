//! The plain table `top` prints when stdout is no terminal: one block per look, the
//! same columns and sparklines as the view, no colour and no cursor movement.

use pm2_clj_sync::status::age;

use crate::state::Top;
use crate::view::{clock, cpu_cell, health_cell, memory_cell, status_cell};

/// The table of the last look, with a title line.
pub fn table(top: &Top) -> String {
    let rows = top.rows();
    let (at, took) = top
        .look()
        .map(|l| (clock(l.at), l.list_took.as_secs_f64() * 1000.0))
        .unwrap_or_default();
    let mut out = format!(
        "pm2-clj top {} at {at} UTC: {} apps (pm2 listed in {took:.1} ms)\n",
        top.what,
        rows.len()
    );
    let header = [
        "APP", "STATUS", "PID", "UP", "RESTARTS", "CPU", "MEMORY", "DRIFT", "HEALTH", "SOURCE",
    ];
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for row in &rows {
        table.push(vec![
            row.app.clone(),
            status_cell(top, row),
            row.summary.pid.map(|p| p.to_string()).unwrap_or("-".into()),
            row.summary.uptime_ms.map(age).unwrap_or("-".into()),
            row.summary.restarts.to_string(),
            cpu_cell(top, row),
            memory_cell(top, row),
            row.drift.clone(),
            health_cell(top, row).to_string(),
            row.source.clone().unwrap_or("-".into()),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &table {
        let cells: Vec<String> = (r.iter().zip(&widths))
            .map(|(c, w)| format!("{:<w$}", visible(c)))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    if let Some(look) = top.look() {
        for (path, problem) in &look.failed_sources {
            let path = path.display().to_string();
            out.push_str(&format!(
                "{} does not load: {}\n",
                visible(&path),
                visible(problem)
            ));
        }
    }
    if let Some(message) = top.message() {
        out.push_str(&visible(&message.text));
        out.push('\n');
    }
    out
}

/// `text` on one line with what a terminal acts on (an escape sequence or a bidi
/// override in a process's name) and line breaks shown as `?`
/// ([`pm2_dsl_reader::breaks_a_line`]), so that printing it cannot drive the terminal.
fn visible(text: &str) -> String {
    (text.chars())
        .map(|c| if pm2_dsl_reader::breaks_a_line(c) { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Input;
    use crate::state::tests::{look, top};

    #[test]
    fn the_plain_table_has_every_app_and_column() {
        let mut top = top();
        top.input(Input::Look(Box::new(look(3.0))));
        let text = table(&top);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "pm2-clj top /t at 00:01:01 UTC: 3 apps (pm2 listed in 1.5 ms)"
        );
        assert!(
            lines[1].starts_with("APP  STATUS     PID   UP  RESTARTS  CPU"),
            "{text}"
        );
        assert_eq!(
            lines[2],
            "web  online x2  1000  1m  1           4% ▁   60.0MB █  in sync      -       a.pm2.edn"
        );
        assert!(lines[4].starts_with("new  -          -     -   0"), "{text}");
        assert_eq!(lines.len(), 5);
        assert_eq!(visible("a\u{1b}[2Jb\n"), "a?[2Jb?");
        assert_eq!(visible("a\u{202e}b\u{2028}"), "a?b?");
    }
}
