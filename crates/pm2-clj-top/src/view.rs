//! The drawing: a title line, the table of apps (or of every process), the selected
//! app's details (source, pid, health, the last verb's outcome), its log, and the key
//! bindings' footer. Fits 80×24; wider terminals get the pid and source columns too.
//! Without colour (`NO_COLOR`) the selection still shows, by its `>` and reverse video.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TableRow, Table, TableState};

use pm2_clj_sync::status::{age, megabytes};

use crate::state::{Row, Top};

/// The narrowest terminal the view is drawn in.
pub const MIN_WIDTH: u16 = 60;
/// The lowest terminal the view is drawn in.
pub const MIN_HEIGHT: u16 = 16;

/// From this width on, the table has pid and source columns.
const WIDE: u16 = 120;

/// The blocks of a sparkline, lowest first.
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of `values` (as many blocks as values): each scaled between the lowest
/// and highest (flat when they are within 1% of each other), or from nothing to
/// `ceiling` (or the highest, when higher) when given.
pub fn sparkline(values: &[f64], ceiling: Option<f64>) -> String {
    let high = values.iter().copied().fold(0.0_f64, f64::max);
    let (low, high) = match ceiling {
        Some(ceiling) => (0.0, ceiling.max(high)),
        None => (values.iter().copied().fold(high, f64::min), high),
    };
    values
        .iter()
        .map(|v| {
            if high - low <= high.abs() * 0.01 || !v.is_finite() {
                return BLOCKS[0];
            }
            let step = ((v - low) / (high - low) * 7.0).round().clamp(0.0, 7.0) as usize;
            BLOCKS[step]
        })
        .collect()
}

/// The CPU cell: the percentage and its sparkline (scaled to 100% or the highest).
pub fn cpu_cell(top: &Top, row: &Row) -> String {
    let history = top.cpu_history(&row.key);
    format!("{:>3.0}% {}", row.summary.cpu, sparkline(&history, Some(100.0)))
}

/// The memory cell: the size and its sparkline (scaled from nothing to the highest, so
/// that a few kilobytes more do not look like a leap).
pub fn memory_cell(top: &Top, row: &Row) -> String {
    let history: Vec<f64> = top.memory_history(&row.key).iter().map(|&m| m as f64).collect();
    format!(
        "{:>7} {}",
        megabytes(row.summary.memory),
        sparkline(&history, Some(0.0))
    )
}

/// The health cell: `ok`, `FAIL`, `...` while checking, `-` before any answer.
pub fn health_cell(top: &Top, row: &Row) -> &'static str {
    if !row.in_tree {
        return "";
    }
    if top.checking(&row.app) {
        return "...";
    }
    match top.health(&row.app) {
        Some(Ok(_)) => "ok",
        Some(Err(_)) => "FAIL",
        None => "-",
    }
}

/// The status cell: pm2's status, or the verb in flight.
pub fn status_cell(top: &Top, row: &Row) -> String {
    match top.pending(&row.app).filter(|_| row.in_tree) {
        Some(verb) => format!("{}...", verb.name()),
        None => row.summary.status.clone(),
    }
}

/// A clock reading of `ms` since the epoch, in UTC.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000 % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

struct Paint {
    color: bool,
}

impl Paint {
    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    fn status(&self, status: &str) -> Style {
        match status {
            s if s.starts_with("online") => self.fg(Color::Green),
            "crash-loop" | "errored" | "mixed" => self.fg(Color::Red),
            s if s.ends_with("...") => self.fg(Color::Cyan),
            "-" => Style::default(),
            _ => self.fg(Color::Yellow),
        }
    }

    fn drift(&self, drift: &str) -> Style {
        match drift {
            "in sync" => self.fg(Color::Green),
            "not in tree" => self.fg(Color::DarkGray),
            _ => self.fg(Color::Yellow),
        }
    }

    fn health(&self, health: &str) -> Style {
        match health {
            "ok" => self.fg(Color::Green),
            "FAIL" => self.fg(Color::Red),
            _ => Style::default(),
        }
    }
}

/// Draws the view in the frame.
pub fn draw(frame: &mut Frame, top: &Top) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "the terminal is {}×{}; top needs {MIN_WIDTH}×{MIN_HEIGHT} (q quits)",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let paint = Paint { color: top.color };
    let rows = top.rows();
    let [title, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    draw_title(frame, top, &rows, title);
    frame.render_widget(Paragraph::new(crate::keys::footer()), footer);
    if top.logs_full {
        draw_log(frame, top, body, &paint);
        return;
    }
    // The table takes what it needs, up to what leaves the details and four log lines.
    let table_height = (rows.len() as u16 + 1).clamp(2, body.height.saturating_sub(9).max(2));
    let [table, details, log] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Length(4),
        Constraint::Min(2),
    ])
    .areas(body);
    draw_table(frame, top, &rows, table, &paint);
    draw_details(frame, top, details, &paint);
    draw_log(frame, top, log, &paint);
}

fn draw_title(frame: &mut Frame, top: &Top, rows: &[Row], area: Rect) {
    let look = top.look();
    let online = rows
        .iter()
        .filter(|r| r.summary.status.starts_with("online"))
        .count();
    let drifted = rows.iter().filter(|r| r.in_tree && r.drift != "in sync").count();
    let what = if top.all { "processes" } else { "apps" };
    let mut text = match look {
        Some(look) => format!(
            "pm2-clj top {}  {} {what}, {online} online, {drifted} drifted  {}",
            top.what,
            rows.len(),
            clock(look.at)
        ),
        None => format!("pm2-clj top {}  looking...", top.what),
    };
    if let Some(failed) = look.map(|l| l.failed_sources.len()).filter(|&n| n > 0) {
        text.push_str(&format!("  {failed} source(s) fail to load"));
    }
    let style = Style::default().add_modifier(Modifier::BOLD);
    frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
}

fn draw_table(frame: &mut Frame, top: &Top, rows: &[Row], area: Rect, paint: &Paint) {
    let wide = area.width >= WIDE;
    // Narrow, the pid and restarts are in the details below the table.
    let mut header = vec!["APP", "STATUS"];
    if wide {
        header.extend(["PID", "UP", "↺"]);
    } else {
        header.push("UP");
    }
    header.extend(["CPU", "MEMORY", "DRIFT", "HEALTH"]);
    if wide {
        header.push("SOURCE");
    }
    // Wide, the app names take what the longest needs and the sources the rest.
    let longest = rows.iter().map(|r| r.app.chars().count()).max().unwrap_or(0);
    let app = match wide {
        true => Constraint::Length(longest.clamp(8, 32) as u16),
        false => Constraint::Min(8),
    };
    let mut widths = vec![app, Constraint::Length(10)];
    if wide {
        widths.extend([
            Constraint::Length(7),
            Constraint::Length(4),
            Constraint::Length(3),
        ]);
    } else {
        widths.push(Constraint::Length(4));
    }
    widths.extend([
        Constraint::Length(4 + 1 + crate::state::HISTORY as u16),
        Constraint::Length(7 + 1 + crate::state::HISTORY as u16),
        Constraint::Length(14),
        Constraint::Length(6),
    ]);
    if wide {
        widths.push(Constraint::Min(10));
    }
    let body = rows.iter().map(|row| {
        let status = status_cell(top, row);
        let health = health_cell(top, row);
        let mut cells = vec![
            Cell::from(row.app.clone()),
            Cell::from(status.clone()).style(paint.status(&status)),
        ];
        let uptime = Cell::from(row.summary.uptime_ms.map(age).unwrap_or("-".into()));
        if wide {
            cells.extend([
                Cell::from(row.summary.pid.map(|p| p.to_string()).unwrap_or("-".into())),
                uptime,
                Cell::from(row.summary.restarts.to_string()),
            ]);
        } else {
            cells.push(uptime);
        }
        cells.extend([
            Cell::from(cpu_cell(top, row)),
            Cell::from(memory_cell(top, row)),
            Cell::from(row.drift.clone()).style(paint.drift(&row.drift)),
            Cell::from(health).style(paint.health(health)),
        ]);
        if wide {
            cells.push(Cell::from(row.source.clone().unwrap_or("-".into())));
        }
        TableRow::new(cells)
    });
    let table = Table::new(body, widths)
        .header(TableRow::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
        .column_spacing(1)
        .highlight_symbol("> ")
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default().with_selected(top.selected_index(rows));
    frame.render_stateful_widget(table, area, &mut state);
}

fn draw_details(frame: &mut Frame, top: &Top, area: Rect, paint: &Paint) {
    let Some(row) = top.selected() else {
        frame.render_widget(Block::default().borders(Borders::TOP), area);
        return;
    };
    let title = format!(
        " {} · {} ",
        row.app,
        row.source.clone().unwrap_or_else(|| "no source here".into())
    );
    let pid = row.summary.pid.map(|p| p.to_string()).unwrap_or("-".into());
    let owner = if row.owned { "owned" } else { "not owned" };
    let facts = format!(
        "pid {pid} · {} restarts · {owner} · {}",
        row.summary.restarts, top.driver
    );
    let health = match (top.checking(&row.app), top.health(&row.app)) {
        (true, _) => Line::from("health: checking..."),
        (false, Some(Ok(passed))) => Line::from(vec![
            Span::raw("health: "),
            Span::styled(passed.clone(), paint.health("ok")),
        ]),
        (false, Some(Err(failed))) => Line::from(vec![
            Span::raw("health: "),
            Span::styled(failed.clone(), paint.health("FAIL")),
        ]),
        (false, None) if row.in_tree => Line::from("health: not checked yet (h checks)"),
        (false, None) => Line::from("health: -"),
    };
    let message = match top.message() {
        Some(m) => Line::styled(
            m.text.clone(),
            if m.ok {
                Style::default()
            } else {
                paint.health("FAIL")
            },
        ),
        None => Line::from(""),
    };
    let block = Block::default().borders(Borders::TOP).title(title);
    frame.render_widget(
        Paragraph::new(vec![Line::from(facts), health, message]).block(block),
        area,
    );
}

fn draw_log(frame: &mut Frame, top: &Top, area: Rect, paint: &Paint) {
    let Some(row) = top.selected() else {
        frame.render_widget(Block::default().borders(Borders::TOP).title(" log "), area);
        return;
    };
    let log = top.log(&row.app);
    let room = area.height.saturating_sub(1) as usize;
    let lines: Vec<Line> = log[log.len().saturating_sub(room)..]
        .iter()
        .map(|l| {
            let style = if l.error {
                paint.fg(Color::Red)
            } else {
                Style::default()
            };
            Line::styled(l.text.clone(), style)
        })
        .collect();
    let title = format!(
        " log of {} ({} lines; l: {}) ",
        row.app,
        log.len(),
        if top.logs_full { "table" } else { "full screen" }
    );
    let block = Block::default().borders(Borders::TOP).title(title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::keys::Key;
    use crate::state::Input;
    use crate::state::tests::{look, top};
    use pm2_clj_sync::status::LogLine;

    fn screen(top: &Top, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| draw(f, top)).unwrap();
        terminal.backend().to_string()
    }

    #[test]
    fn sparklines_scale_and_stay_flat_when_nothing_moves() {
        assert_eq!(sparkline(&[0.0, 50.0, 100.0], Some(100.0)), "▁▅█");
        assert_eq!(sparkline(&[10.0, 10.0], None), "▁▁");
        assert_eq!(sparkline(&[10.0, 20.0], None), "▁█");
        assert_eq!(sparkline(&[], None), "");
        assert_eq!(sparkline(&[f64::NAN, 1.0], Some(100.0)), "▁▁");
        assert_eq!(sparkline(&[40.0, 80.0], Some(0.0)), "▅█", "from nothing");
    }

    #[test]
    fn the_view_fits_80_by_24() {
        let mut top = top();
        top.input(Input::Look(Box::new(look(3.0))));
        top.input(Input::Look(Box::new(look(60.0))));
        top.input(Input::Health(vec![
            ("web".into(), Ok("online, http check passes".into())),
            ("job".into(), Err("stopped in pm2".into())),
        ]));
        top.input(Input::Lines(vec![LogLine {
            app: "web".into(),
            error: false,
            text: "listening on 8080".into(),
        }]));
        let text = screen(&top, 80, 24);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].contains("pm2-clj top /t  3 apps, 1 online, 2 drifted  00:01:01"),
            "{text}"
        );
        assert!(lines[1].contains("APP") && lines[1].contains("HEALTH"), "{text}");
        assert!(
            lines[2].contains("> web") && lines[2].contains("online x2"),
            "{text}"
        );
        assert!(
            lines[2].contains(" 61% ▁▅ ") && lines[2].contains(" 60.0MB ██ "),
            "{text}"
        );
        assert!(lines[2].contains("in sync") && lines[2].contains("ok"), "{text}");
        assert!(lines[3].contains("job") && lines[3].contains("not running") && lines[3].contains("FAIL"));
        assert!(text.contains("web · a.pm2.edn"), "{text}");
        assert!(text.contains("health: online, http check passes"), "{text}");
        assert!(text.contains("listening on 8080"), "{text}");
        assert!(lines[23].contains("r reload  R restart  s stop"), "{text}");
        // Wide: pid and source columns.
        let wide = screen(&top, 140, 24);
        assert!(wide.lines().nth(1).unwrap().contains("SOURCE"), "{wide}");
        assert!(
            wide.lines().nth(2).unwrap().starts_with("\"> web      online x2"),
            "{wide}"
        );
        assert!(wide.lines().nth(2).unwrap().contains("1000"), "{wide}");
    }

    #[test]
    fn no_color_draws_no_colour_and_too_small_says_so() {
        let mut top = top();
        top.input(Input::Look(Box::new(look(3.0))));
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| draw(f, &top)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        assert!(
            buffer
                .content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
        );
        top.color = true;
        terminal.draw(|f| draw(f, &top)).unwrap();
        assert!(
            terminal
                .backend()
                .buffer()
                .content()
                .iter()
                .any(|c| c.fg == Color::Green)
        );
        let small = screen(&top, 50, 10);
        assert!(
            small.contains("the terminal is 50×10; top needs 60×16"),
            "{small}"
        );
    }

    #[test]
    fn the_log_goes_full_screen() {
        let mut top = top();
        top.input(Input::Look(Box::new(look(3.0))));
        top.input(Input::Lines(
            (0..30)
                .map(|i| LogLine {
                    app: "web".into(),
                    error: i % 2 == 0,
                    text: format!("line {i}"),
                })
                .collect(),
        ));
        top.input(Input::Lines(vec![LogLine {
            app: "web".into(),
            error: false,
            text: "\u{1b}[2Jcleared?".into(),
        }]));
        top.input(Input::Key(Key::Char('l')));
        let text = screen(&top, 80, 24);
        assert!(!text.contains('\u{1b}') && text.contains("[2Jcleared?"), "{text}");
        assert!(!text.contains("APP"), "{text}");
        assert!(
            text.contains("line 29") && text.contains("line 10") && !text.contains("line 9 "),
            "{text}"
        );
    }
}
