//! The user errors of `top`, each with a stable code.

use std::fmt;
use std::path::PathBuf;

/// What keeps `top` from starting.
#[derive(Debug)]
pub enum TopError {
    /// No source under the paths given: `pm2-clj top` in a folder with no `*.pm2.edn`.
    NoSources {
        /// The paths looked under.
        paths: Vec<PathBuf>,
    },
    /// pm2's daemon is not running (no `rpc.sock` in its home): a view has nothing to
    /// show, and starts no daemon.
    NoDaemon {
        /// pm2's home.
        home: PathBuf,
    },
    /// The terminal is smaller than the view needs (`top` in a 40×10 pane).
    TooSmall {
        /// Its columns.
        width: u16,
        /// Its rows.
        height: u16,
    },
}

impl TopError {
    /// The stable code, such as `top::too-small`.
    pub fn code(&self) -> &'static str {
        match self {
            TopError::NoSources { .. } => "top::no-sources",
            TopError::NoDaemon { .. } => "top::no-daemon",
            TopError::TooSmall { .. } => "top::too-small",
        }
    }
}

impl fmt::Display for TopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopError::NoSources { paths } => {
                let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(f, "no .pm2.edn source under {}", paths.join(", "))
            }
            TopError::NoDaemon { home } => {
                write!(
                    f,
                    "pm2's daemon is not running (no rpc.sock in {})",
                    home.display()
                )
            }
            TopError::TooSmall { width, height } => write!(
                f,
                "the terminal is {width}×{height}; top needs at least {}×{}",
                crate::MIN_WIDTH,
                crate::MIN_HEIGHT
            ),
        }
    }
}

impl std::error::Error for TopError {}

impl miette::Diagnostic for TopError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(TopError::code(self)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            TopError::NoSources { .. } => {
                "give a .pm2.edn file or a folder holding some; without one, top looks in the current folder"
            }
            TopError::NoDaemon { .. } => {
                "start the apps (`pm2-clj sync DIR`) or pm2's daemon (`pm2 ping`); top only looks, and PM2_HOME says which pm2"
            }
            TopError::TooSmall { .. } => {
                "make the terminal larger, or print a plain table: `pm2-clj top -n 1`"
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_code_and_help() {
        let small = TopError::TooSmall {
            width: 40,
            height: 10,
        };
        assert_eq!(small.code(), "top::too-small");
        assert_eq!(
            small.to_string(),
            "the terminal is 40×10; top needs at least 60×16"
        );
        let none = TopError::NoSources {
            paths: vec![PathBuf::from("x")],
        };
        assert_eq!(none.code(), "top::no-sources");
        assert!(miette::Diagnostic::help(&none).is_some());
        let gone = TopError::NoDaemon {
            home: PathBuf::from("/h"),
        };
        assert_eq!(gone.code(), "top::no-daemon");
        assert_eq!(
            gone.to_string(),
            "pm2's daemon is not running (no rpc.sock in /h)"
        );
    }
}
