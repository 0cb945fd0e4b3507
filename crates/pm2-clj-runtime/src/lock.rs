//! One pm2-clj run at a time per pm2: runs that change pm2 (the verbs, `sync`, each
//! round of `watch`) hold an exclusive lock on `pm2-clj.lock` in `PM2_HOME`. The
//! operating system releases it when the process ends, however it ends, so a crashed
//! run never leaves it held.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{RuntimeError, RuntimeErrorKind};

/// pm2's home folder: `PM2_HOME`, else `~/.pm2`.
pub fn pm2_home(explicit: Option<&Path>) -> PathBuf {
    if let Some(home) = explicit {
        return home.to_path_buf();
    }
    if let Some(home) = std::env::var_os("PM2_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home);
    }
    let user_home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    user_home.join(".pm2")
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

fn lock_error(path: &Path, reason: String) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::Lock {
        path: path.to_path_buf(),
        reason,
    })
}

/// Takes the lock in `home`, waiting up to `wait` for another run to finish;
/// `waiting` is called once with the holder's pid when it has to wait.
pub fn acquire(home: &Path, wait: Duration, waiting: impl FnOnce(&str)) -> Result<Lock, RuntimeError> {
    std::fs::create_dir_all(home).map_err(|e| lock_error(home, e.to_string()))?;
    let path = home.join("pm2-clj.lock");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| lock_error(&path, e.to_string()))?;
    let deadline = Instant::now() + wait;
    let mut waiting = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                if let Some(say) = waiting.take() {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    say(holder.trim());
                }
                if Instant::now() >= deadline {
                    return Err(lock_error(
                        &path,
                        format!("another pm2-clj run held it for {}s", wait.as_secs()),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(TryLockError::Error(e)) => return Err(lock_error(&path, e.to_string())),
        }
    }
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "{}", std::process::id());
    Ok(Lock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_waits_then_gives_up_and_a_dropped_lock_is_free() {
        let home = tempfile::tempdir().unwrap();
        let held = acquire(home.path(), Duration::ZERO, |_| {}).unwrap();
        let mut holder = None;
        let err = acquire(home.path(), Duration::from_millis(200), |pid| {
            holder = Some(pid.to_string())
        })
        .unwrap_err();
        assert_eq!(holder.as_deref(), Some(std::process::id().to_string().as_str()));
        assert_eq!(err.code(), "runtime::lock");
        drop(held);
        assert!(acquire(home.path(), Duration::ZERO, |_| {}).is_ok());
    }
}
