//! `pm2-clj top [FILE|DIR]...`: a live view of the sources' apps in pm2 (see
//! `pm2_clj_top` for the view and its keys, `pm2_clj_runtime::live` for the looking and
//! the verbs). On a terminal it draws the view; when stdout is no terminal, or with
//! `-n N`, it prints a plain table per refresh (`-n`: that many, then exits).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};
use std::time::Duration;

use clap::Args;
use pm2_clj_runtime::live::{Live, LiveOptions, Request, Update};
use pm2_clj_runtime::verbs::Verb;
use pm2_clj_sync::preflight::Preflight;
use pm2_clj_sync::scan::Scope;
use pm2_clj_top::keys::Key;
use pm2_clj_top::state::Verb as TopVerb;
use pm2_clj_top::{Command, Input, MIN_HEIGHT, MIN_WIDTH, Top, TopError};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::{execute, terminal};

use crate::commands::sync::{SyncInputs, existing};
use crate::failure::{CliProblem, Failure};
use crate::input::{Pm2Inputs, parse_duration};
use crate::printer::Printer;
use crate::report::MessageFormat;

/// The shortest `--interval`: listing pm2 more often than this buys nothing (changes
/// come from its bus at once) and costs its daemon.
const MIN_INTERVAL: Duration = Duration::from_millis(50);

/// Arguments of `top`.
#[derive(Args, Debug)]
pub struct TopArgs {
    /// Source files and directories (the current directory when none).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub inputs: SyncInputs,
    /// Print a plain table this many times, one per refresh, then exit (a plain table
    /// is also what is printed, without end, when stdout is no terminal).
    #[arg(short = 'n', long, value_name = "N")]
    pub iterations: Option<u64>,
    /// How often pm2 is listed when its bus says nothing (changes show at once).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub interval: Duration,
    /// The longest a reload, restart, stop or start may take to verify.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub wait: Duration,
    /// The longest one health check may take.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub health_timeout: Duration,
    #[command(flatten)]
    pub pm2: Pm2Inputs,
}

/// What the runtime sends, as the view takes it.
fn input_of(update: Update) -> Input {
    match update {
        Update::Look(look) => Input::Look(look),
        Update::Lines(lines) => Input::Lines(lines),
        Update::Tail { app, lines } => Input::Tail { app, lines },
        Update::Health(answers) => Input::Health(answers.into_iter().map(|h| (h.app, h.result)).collect()),
        Update::Done {
            app,
            verb,
            ok,
            said,
            took,
        } => Input::Done {
            app,
            verb: verb.to_string(),
            ok,
            said,
            took,
        },
        Update::DaemonGone => Input::DaemonGone,
        Update::Note(note) => Input::Note(note),
    }
}

/// What the view asks, as the runtime takes it.
fn request_of(command: Command) -> Option<Request> {
    Some(match command {
        Command::Verb(verb, app) => {
            let verb = match verb {
                TopVerb::Reload => Verb::Reload,
                TopVerb::Restart => Verb::Restart,
                TopVerb::Stop => Verb::Stop,
                TopVerb::Start => Verb::Start { restart: false },
            };
            Request::Verb(verb, app)
        }
        Command::Health(app) => Request::Health(vec![app]),
        Command::Tail(app) => Request::Tail(app),
        Command::Quit => return None,
    })
}

/// A terminal key, as the view reads it (Ctrl-C quits, as `q` does).
fn key_of(key: event::KeyEvent) -> Option<Key> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    Some(match key.code {
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Key::Char('q'),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Esc => Key::Esc,
        _ => return None,
    })
}

/// Runs `top`.
pub fn run(args: &TopArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    existing(&paths)?;
    let found = Scope::of(&paths).scan();
    if found.sources.is_empty() && found.unreadable.is_empty() {
        return Err(Failure::input(TopError::NoSources { paths }));
    }
    let plain = args.iterations.is_some() || !std::io::stdout().is_terminal();
    if args.interval < MIN_INTERVAL {
        return Err(Failure::Usage(miette::Report::new(Failure::plain(
            CliProblem::Usage,
            format!("--interval {:?} is too short", args.interval),
            Some(format!(
                "give {MIN_INTERVAL:?} or more: changes show at once anyway, from pm2's bus"
            )),
        ))));
    }
    if args.iterations == Some(0) {
        return Err(Failure::Usage(miette::Report::new(Failure::plain(
            CliProblem::Usage,
            "-n 0 prints nothing",
            Some("give -n 1 or more, or leave it out".into()),
        ))));
    }
    if !plain {
        let (width, height) = terminal::size().unwrap_or((0, 0));
        if width < MIN_WIDTH || height < MIN_HEIGHT {
            return Err(Failure::input(TopError::TooSmall { width, height }));
        }
    }
    if !pm2_clj_runtime::pm2::daemon_runs(None) {
        return Err(Failure::input(TopError::NoDaemon {
            home: pm2_clj_runtime::lock::pm2_home(None),
        }));
    }
    let printer = Printer::new(message_format, false);
    let pm2: Arc<dyn pm2_clj_runtime::pm2::Pm2> = Arc::from(args.pm2.connect(&printer)?);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let what: Vec<String> = paths.iter().map(|p| crate::printer::shown(p)).collect();
    let base = std::env::current_dir().unwrap_or_default();
    let mut top = Top::new(&what.join(" "), &pm2.describe(), &base, !plain && !no_color);
    let (tx, rx) = channel();
    let live = {
        let tx = tx.clone();
        let options = LiveOptions {
            interval: args.interval,
            wait: args.wait,
            lock_wait: args.pm2.lock_wait,
            health_timeout: args.health_timeout,
            home: None,
            while_daemon_runs: true,
        };
        let settings = args.inputs.settings_at(Preflight::Warn);
        Live::start(pm2, paths, settings, options, move |update| {
            let _ = tx.send(input_of(update));
        })
    };
    if plain {
        return print_plain(&mut top, &rx, args.iterations);
    }
    draw_live(&mut top, &live, tx, &rx)
}

/// Prints a plain table at each look (or that pm2's daemon is not running),
/// `iterations` times (without end when `None`).
fn print_plain(
    top: &mut Top,
    inputs: &std::sync::mpsc::Receiver<Input>,
    iterations: Option<u64>,
) -> Result<(), Failure> {
    let mut printed = 0;
    for input in inputs {
        let (look, gone) = (
            matches!(input, Input::Look(_)),
            matches!(input, Input::DaemonGone),
        );
        top.input(input);
        if look || gone {
            if printed > 0 {
                println!();
            }
            match look {
                true => print!("{}", pm2_clj_top::plain::table(top)),
                false => println!("pm2-clj top {}: {}", top.what, pm2_clj_top::state::DAEMON_GONE),
            }
            printed += 1;
            if iterations.is_some_and(|n| printed >= n) {
                break;
            }
        }
    }
    Ok(())
}

/// The terminal in raw mode on the alternate screen, given back as it was when dropped
/// (however `top` ends).
struct Screen;

impl Screen {
    fn enter() -> std::io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let screen = Screen;
        execute!(std::io::stdout(), terminal::EnterAlternateScreen)?;
        Ok(screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(
            std::io::stdout(),
            terminal::LeaveAlternateScreen,
            ratatui::crossterm::cursor::Show
        );
        let _ = terminal::disable_raw_mode();
    }
}

/// Draws the view until a key quits it.
fn draw_live(
    top: &mut Top,
    live: &Live,
    keys: Sender<Input>,
    inputs: &std::sync::mpsc::Receiver<Input>,
) -> Result<(), Failure> {
    let failed = |e: std::io::Error| {
        Failure::input(Failure::plain(
            CliProblem::Write,
            format!("the terminal cannot be drawn on: {e}"),
            None,
        ))
    };
    let screen = Screen::enter().map_err(failed)?;
    // Before keys are read in the background: making the terminal asks it where its
    // cursor is, and the answer comes as input.
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let mut terminal = ratatui::Terminal::new(backend).map_err(failed)?;
    terminal.clear().map_err(failed)?;
    std::thread::spawn(move || {
        while let Ok(event) = event::read() {
            let input = match event {
                Event::Key(key) => match key_of(key) {
                    Some(key) => Input::Key(key),
                    None => continue,
                },
                Event::Resize(..) => Input::Resize,
                _ => continue,
            };
            if keys.send(input).is_err() {
                return;
            }
        }
    });
    let result = pm2_clj_top::run(&mut terminal, top, inputs, &mut |command| {
        if let Some(request) = request_of(command) {
            live.ask(request);
        }
    });
    drop(screen);
    result.map_err(failed)
}
