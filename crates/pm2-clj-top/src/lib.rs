//! `pm2-clj-top` is `pm2-clj top`'s view, with no effects of its own: the state of a
//! live look at a tree's apps in pm2 ([`state`]: what the runtime last saw, what the
//! user selected, each app's CPU and memory history, log tail and health), the key
//! bindings ([`keys`], the table the README's is generated from), the drawing with
//! ratatui widgets (`view`), the plain table printed when stdout is no terminal
//! ([`plain`]), the loop that turns inputs into drawings and commands ([`run`]), and
//! the user errors of `top` ([`TopError`]).

#![warn(missing_docs)]

mod error;
pub mod keys;
pub mod plain;
pub mod state;
mod view;

use std::sync::mpsc::Receiver;

use ratatui::Terminal;
use ratatui::backend::Backend;

pub use error::TopError;
pub use state::{Command, Input, Top};
pub use view::{MIN_HEIGHT, MIN_WIDTH, draw};

/// Draws `top`, then, for each input that comes (as many as are waiting at once), lets
/// it change the state and draws again; the commands keys ask for go to `act`. Ends
/// when a key asks to quit, or when the inputs end.
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    top: &mut Top,
    inputs: &Receiver<Input>,
    act: &mut dyn FnMut(Command),
) -> Result<(), B::Error> {
    loop {
        terminal.draw(|frame| draw(frame, top))?;
        let Ok(first) = inputs.recv() else {
            return Ok(());
        };
        for input in std::iter::once(first).chain(inputs.try_iter()) {
            for command in top.input(input) {
                if command == Command::Quit {
                    return Ok(());
                }
                act(command);
            }
        }
    }
}
