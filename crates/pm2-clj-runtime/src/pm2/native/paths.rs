//! Where pm2's daemon listens, worked out as pm2's `paths.js` does, and connecting there
//! within a deadline.
//!
//! `PM2_HOME` (the driver's home, else the environment's, else `~/.pm2`) made absolute
//! against the current folder, holding `rpc.sock` and `pub.sock`, unless
//! `PM2_DAEMON_RPC_PORT` / `PM2_DAEMON_PUB_PORT` name other paths (used as they are, as
//! pm2 uses them). On Windows pm2 listens on the fixed pipes `\\.\pipe\rpc.sock` and
//! `\\.\pipe\pub.sock` whatever the home; this client does not speak to pipes (it is
//! built for Unix only), so there pm2 is driven through its Node client.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType, sockopt};

use crate::error::{RuntimeError, RuntimeErrorKind};

/// The daemon's two sockets.
#[derive(Clone, Debug)]
pub(super) struct Sockets {
    /// Requests and replies (`rpc.sock`).
    pub(super) rpc: PathBuf,
    /// Events and log lines (`pub.sock`).
    pub(super) bus: PathBuf,
}

impl Sockets {
    /// The sockets of the daemon of `home` (`PM2_HOME` when `None`).
    pub(super) fn of(home: Option<&Path>) -> Sockets {
        Sockets::with(home, |variable| std::env::var_os(variable))
    }

    /// [`Sockets::of`] with the environment variables `env` gives.
    fn with(home: Option<&Path>, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Sockets {
        let home = crate::lock::pm2_home(home);
        let home = std::path::absolute(&home).unwrap_or(home);
        let or = |variable: &str, file: &str| {
            env(variable)
                .filter(|v| !v.is_empty())
                .map_or_else(|| home.join(file), PathBuf::from)
        };
        Sockets {
            rpc: or("PM2_DAEMON_RPC_PORT", "rpc.sock"),
            bus: or("PM2_DAEMON_PUB_PORT", "pub.sock"),
        }
    }
}

/// A stream connected to `socket`, waiting at most `timeout` for a daemon whose backlog
/// is full.
pub(super) fn connect(socket: &Path, timeout: Duration) -> Result<UnixStream, RuntimeError> {
    let unreachable = |e: std::io::Error| {
        RuntimeError::from(RuntimeErrorKind::Pm2Unreachable {
            socket: socket.to_path_buf(),
            reason: e.to_string(),
        })
    };
    let address = SocketAddrUnix::new(socket).map_err(|e| unreachable(e.into()))?;
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| unreachable(e.into()))?;
    // A Unix socket's connect waits for room in the listener's backlog as long as its
    // send timeout says.
    let timeout = timeout.max(Duration::from_millis(1));
    sockopt::set_socket_timeout(&fd, sockopt::Timeout::Send, Some(timeout))
        .map_err(|e| unreachable(e.into()))?;
    rustix::net::connect(&fd, &address).map_err(|e| unreachable(e.into()))?;
    Ok(UnixStream::from(fd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sockets_are_in_the_home_made_absolute_unless_the_environment_moves_them() {
        let sockets = Sockets::with(Some(Path::new("/tmp/p2x")), |_| None);
        assert_eq!(sockets.rpc, Path::new("/tmp/p2x/rpc.sock"));
        assert_eq!(sockets.bus, Path::new("/tmp/p2x/pub.sock"));
        let relative = Sockets::with(Some(Path::new("home")), |_| None);
        assert_eq!(
            relative.rpc,
            std::env::current_dir().unwrap().join("home/rpc.sock")
        );
        let moved = Sockets::with(Some(Path::new("/tmp/p2x")), |v| match v {
            "PM2_DAEMON_RPC_PORT" => Some("/run/r.sock".into()),
            _ => Some("".into()),
        });
        assert_eq!(moved.rpc, Path::new("/run/r.sock"));
        assert_eq!(
            moved.bus,
            Path::new("/tmp/p2x/pub.sock"),
            "an empty variable is unset"
        );
    }

    #[test]
    fn a_path_too_long_for_a_socket_or_with_nothing_there_is_unreachable() {
        let long = PathBuf::from(format!("/tmp/{}/rpc.sock", "x".repeat(120)));
        let err = connect(&long, Duration::from_secs(1)).unwrap_err();
        assert_eq!(err.code(), "runtime::pm2-unreachable");
        let dir = tempfile::tempdir().unwrap();
        let err = connect(&dir.path().join("rpc.sock"), Duration::from_secs(1)).unwrap_err();
        assert_eq!(err.code(), "runtime::pm2-unreachable");
        assert!(err.to_string().contains("No such file"), "{err}");
    }
}
