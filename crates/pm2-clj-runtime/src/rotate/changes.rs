//! What `pm2-logrotate` needs to become what the sources ask: an install, and the
//! options to set with what each is now.

use pm2_dsl_emit::logs::ROTATE_MODULE;

/// What `pm2-logrotate` needs so that it is what the sources ask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Whether it must be installed (`pm2 install pm2-logrotate`, from npm).
    pub install: bool,
    /// The options to set (`pm2 set pm2-logrotate:<setting> <value>`), in the order the
    /// sources ask them.
    pub set: Vec<Change>,
}

impl Changes {
    /// Whether nothing is to change.
    pub fn is_empty(&self) -> bool {
        !self.install && self.set.is_empty()
    }
}

/// One option of `pm2-logrotate` to set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The setting (`retain`).
    pub setting: &'static str,
    /// The value to set.
    pub value: String,
    /// Its value now.
    pub was: Was,
}

/// What an option of `pm2-logrotate` is before it is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Was {
    /// What pm2 records.
    Set(String),
    /// The module is not installed yet: the value it declares, which pm2 records when it
    /// installs it.
    Default(String),
    /// Nothing (`TZ`, which the module leaves to the system).
    Unset,
}

impl Was {
    /// The value, if any.
    pub fn value(&self) -> Option<&str> {
        match self {
            Was::Set(v) | Was::Default(v) => Some(v),
            Was::Unset => None,
        }
    }
}

impl std::fmt::Display for Was {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Was::Set(v) => write!(f, "was {v}"),
            Was::Default(v) => write!(f, "default {v}"),
            Was::Unset => f.write_str("unset"),
        }
    }
}

impl std::fmt::Display for Change {
    /// `pm2-logrotate:retain 7 (was 30)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{ROTATE_MODULE}:{} {} ({})",
            self.setting, self.value, self.was
        )
    }
}
