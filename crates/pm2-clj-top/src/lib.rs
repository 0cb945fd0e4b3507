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

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use ratatui::backend::TestBackend;

    use super::*;
    use crate::keys::Key;
    use crate::state::Verb;
    use crate::state::tests::{look, top};

    #[test]
    fn the_loop_draws_acts_on_keys_and_ends_on_q() {
        let (tx, rx) = channel();
        for input in [
            Input::Look(Box::new(look(3.0))),
            Input::Key(Key::Char('r')),
            Input::Key(Key::Char('q')),
            Input::Key(Key::Char('s')),
        ] {
            tx.send(input).unwrap();
        }
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut top = top();
        let mut asked = Vec::new();
        run(&mut terminal, &mut top, &rx, &mut |c| asked.push(c)).unwrap();
        assert_eq!(
            asked,
            [
                Command::Tail("web".into()),
                Command::Verb(Verb::Reload, "web".into())
            ],
            "nothing after q"
        );
        assert_eq!(rx.try_iter().count(), 1, "the key after q is not read");
        // The inputs ending ends it too, the last state drawn.
        let (tx, rx) = channel();
        tx.send(Input::Key(Key::Down)).unwrap();
        drop(tx);
        run(&mut terminal, &mut top, &rx, &mut |c| asked.push(c)).unwrap();
        assert!(terminal.backend().to_string().contains("> job"));
    }
}
