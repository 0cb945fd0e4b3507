//! The key bindings, as one table: what each key does to the view, its label in the
//! footer, and its line in the README (generated from this table by [`markdown`]).

/// A key, as the view reads it (the terminal's own key events are mapped to these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// The up arrow.
    Up,
    /// The down arrow.
    Down,
    /// Escape.
    Esc,
}

impl Key {
    /// How the README and the footer write it.
    pub fn text(self) -> String {
        match self {
            Key::Char(c) => c.to_string(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Esc => "Esc".into(),
        }
    }
}

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Reload the selected app (`pm2-clj reload FILE --only APP`).
    Reload,
    /// Restart it.
    Restart,
    /// Stop it.
    Stop,
    /// Start it.
    Start,
    /// Show its log full screen, or the table again.
    Logs,
    /// Check its health now.
    Health,
    /// Show every pm2 process, or only the tree's apps.
    All,
    /// Select the app above.
    Up,
    /// Select the app below.
    Down,
    /// Quit.
    Quit,
}

/// One binding.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The keys (the first is the one the footer shows).
    pub keys: &'static [Key],
    /// What they do.
    pub action: Action,
    /// The footer's word for it.
    pub label: &'static str,
    /// What they do, in a sentence, for the README.
    pub does: &'static str,
}

/// Every binding, in the footer's order.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('r')],
        action: Action::Reload,
        label: "reload",
        does: "reloads the selected app with its source's definition (zero-downtime for cluster apps), verified as `pm2-clj reload FILE --only APP` verifies, and rolled back when it does not verify",
    },
    Binding {
        keys: &[Key::Char('R')],
        action: Action::Restart,
        label: "restart",
        does: "restarts it the same way",
    },
    Binding {
        keys: &[Key::Char('s')],
        action: Action::Stop,
        label: "stop",
        does: "stops it (it stays in pm2's list)",
    },
    Binding {
        keys: &[Key::Char('x')],
        action: Action::Start,
        label: "start",
        does: "starts it when it is stopped or missing (`x` for execute: `s` is stop)",
    },
    Binding {
        keys: &[Key::Char('l')],
        action: Action::Logs,
        label: "logs",
        does: "shows its log full screen (the end of its log files, then the lines pm2's bus brings); again for the table",
    },
    Binding {
        keys: &[Key::Char('h')],
        action: Action::Health,
        label: "health",
        does: "checks its health now (as `pm2-clj health --only APP`)",
    },
    Binding {
        keys: &[Key::Char('a')],
        action: Action::All,
        label: "all",
        does: "shows every pm2 process, the tree's and others; again for the tree's apps only",
    },
    Binding {
        keys: &[Key::Up, Key::Char('k')],
        action: Action::Up,
        label: "",
        does: "selects the app above",
    },
    Binding {
        keys: &[Key::Down, Key::Char('j')],
        action: Action::Down,
        label: "",
        does: "selects the app below",
    },
    Binding {
        keys: &[Key::Char('q'), Key::Esc],
        action: Action::Quit,
        label: "quit",
        does: "quits",
    },
];

/// What `key` does, when it is bound.
pub fn action_of(key: Key) -> Option<Action> {
    BINDINGS.iter().find(|b| b.keys.contains(&key)).map(|b| b.action)
}

/// The footer: each labelled binding's first key and label (`r reload  R restart ...`).
pub fn footer() -> String {
    let parts: Vec<String> = (BINDINGS.iter())
        .filter(|b| !b.label.is_empty())
        .map(|b| format!("{} {}", b.keys[0].text(), b.label))
        .collect();
    parts.join("  ")
}

/// The README's table of the bindings, in Markdown.
pub fn markdown() -> String {
    let mut out = String::from("| key | what it does |\n| --- | --- |\n");
    for b in BINDINGS {
        let keys: Vec<String> = b.keys.iter().map(|k| format!("`{}`", k.text())).collect();
        out.push_str(&format!("| {} | {} |\n", keys.join(" "), b.does));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_bound_once_and_the_footer_fits_80_columns() {
        let keys: Vec<Key> = BINDINGS.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice");
        }
        assert_eq!(action_of(Key::Char('r')), Some(Action::Reload));
        assert_eq!(action_of(Key::Esc), Some(Action::Quit));
        assert_eq!(action_of(Key::Char('z')), None);
        assert!(footer().chars().count() <= 80, "{}", footer());
    }
}
