//! Child processes under control (health commands, pm2's command line): each runs in a
//! process group of its own, its output is read with a byte cap (the last bytes are
//! kept), and it has a deadline after which the whole group is killed and reaped. When
//! the child exits, what it left running in its group is killed too. So no caller waits
//! past its deadline, whatever the child's own children do with the pipes (`sleep 1000 &`
//! keeps stderr open for ever), no output makes memory grow past the caps, and nothing a
//! child started outlives it.

use std::io;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The most bytes of each stream a run keeps.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Of stdout.
    pub stdout: usize,
    /// Of stderr.
    pub stderr: usize,
}

/// The last bytes of a stream, and how many came before them.
#[derive(Clone, Debug, Default)]
pub struct Tail {
    /// The bytes kept (the last ones).
    pub bytes: Vec<u8>,
    /// How many bytes came before them and were dropped.
    pub dropped: u64,
}

impl Tail {
    fn push(&mut self, chunk: &[u8], cap: usize) {
        self.bytes.extend_from_slice(chunk);
        if self.bytes.len() > cap {
            let extra = self.bytes.len() - cap;
            self.bytes.drain(..extra);
            self.dropped += extra as u64;
        }
    }

    /// The kept bytes as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug)]
pub enum Ended {
    /// The child exited (its group was then killed).
    Exited(ExitStatus),
    /// The deadline passed first: the group was killed.
    TimedOut,
}

/// What a run gave.
#[derive(Clone, Debug)]
pub struct Finished {
    /// How it ended.
    pub ended: Ended,
    /// The end of its stdout.
    pub stdout: Tail,
    /// The end of its stderr.
    pub stderr: Tail,
}

/// How long the pipes are still read after the child exited and its group was killed
/// (a child that escaped the group, with `setsid`, may hold them for ever).
const DRAIN: Duration = Duration::from_millis(200);

/// Runs `command` (stdin from `/dev/null`, stdout and stderr captured) until it exits or
/// `deadline` passes, keeping at most `caps` of its output.
pub fn run(mut command: Command, deadline: Instant, caps: Caps) -> io::Result<Finished> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    imp::run(command, deadline, caps)
}

#[cfg(unix)]
mod imp {
    use std::io::{self, Read};
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, kill_process_group, waitid};

    use super::{Caps, DRAIN, Ended, Finished, Tail};

    /// Whether the child has exited, leaving it waitable (a zombie keeps its process
    /// group id from being reused until the group is killed).
    fn exited(child: &Child) -> bool {
        let Some(pid) = Pid::from_raw(child.id() as i32) else {
            return true;
        };
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
        matches!(waitid(WaitId::Pid(pid), options), Ok(Some(_)) | Err(_))
    }

    fn kill_group(child: &Child) {
        if let Some(pid) = Pid::from_raw(child.id() as i32) {
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }

    pub(super) fn run(mut command: Command, deadline: Instant, caps: Caps) -> io::Result<Finished> {
        command.process_group(0);
        let mut child = command.spawn()?;
        let mut out = child.stdout.take();
        let mut err = child.stderr.take();
        let (mut stdout, mut stderr) = (Tail::default(), Tail::default());
        let mut ended: Option<Ended> = None;
        let mut drain_until: Option<Instant> = None;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if ended.is_none() {
                if exited(&child) {
                    kill_group(&child);
                    ended = Some(Ended::Exited(child.wait()?));
                    drain_until = Some(Instant::now() + DRAIN);
                } else if Instant::now() >= deadline {
                    kill_group(&child);
                    let _ = child.kill();
                    child.wait()?;
                    ended = Some(Ended::TimedOut);
                    drain_until = Some(Instant::now() + DRAIN);
                }
            }
            if out.is_none() && err.is_none() {
                if let Some(ended) = ended {
                    return Ok(Finished {
                        ended,
                        stdout,
                        stderr,
                    });
                }
                // Both pipes closed but the child still runs: wait for it, polling.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            if let (Some(ended), Some(until)) = (ended, drain_until)
                && Instant::now() >= until
            {
                return Ok(Finished {
                    ended,
                    stdout,
                    stderr,
                });
            }
            let wait = match drain_until {
                Some(until) => until.saturating_duration_since(Instant::now()),
                None => deadline.saturating_duration_since(Instant::now()),
            }
            .min(Duration::from_millis(50));
            let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
                tv_sec: 0,
                tv_nsec: 50_000_000,
            });
            let (out_ready, err_ready) = {
                let mut fds = Vec::with_capacity(2);
                if let Some(o) = &out {
                    fds.push(PollFd::new(o, PollFlags::IN));
                }
                if let Some(e) = &err {
                    fds.push(PollFd::new(e, PollFlags::IN));
                }
                match poll(&mut fds, Some(&timeout)) {
                    Ok(_) | Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
                let ready = |fd: &PollFd| !fd.revents().is_empty();
                let mut ready = fds.iter().map(ready);
                (
                    out.as_ref()
                        .map(|_| ready.next().unwrap_or(false))
                        .unwrap_or(false),
                    err.as_ref()
                        .map(|_| ready.next().unwrap_or(false))
                        .unwrap_or(false),
                )
            };
            if out_ready && let Some(pipe) = &mut out {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => out = None,
                    Ok(n) => stdout.push(&buf[..n], caps.stdout),
                }
            }
            if err_ready && let Some(pipe) = &mut err {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => err = None,
                    Ok(n) => stderr.push(&buf[..n], caps.stderr),
                }
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io::{self, Read};
    use std::process::Command;
    use std::sync::mpsc;
    use std::time::Instant;

    use wait_timeout::ChildExt;

    use super::{Caps, DRAIN, Ended, Finished, Tail};

    pub(super) fn run(mut command: Command, deadline: Instant, caps: Caps) -> io::Result<Finished> {
        let mut child = command.spawn()?;
        let pipe = |mut r: Box<dyn Read + Send>, cap: usize| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut tail = Tail::default();
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    tail.push(&buf[..n], cap);
                }
                let _ = tx.send(tail);
            });
            rx
        };
        let out = pipe(Box::new(child.stdout.take().expect("piped stdout")), caps.stdout);
        let err = pipe(Box::new(child.stderr.take().expect("piped stderr")), caps.stderr);
        let ended = match child.wait_timeout(deadline.saturating_duration_since(Instant::now()))? {
            Some(status) => Ended::Exited(status),
            None => {
                let _ = child.kill();
                child.wait()?;
                Ended::TimedOut
            }
        };
        Ok(Finished {
            ended,
            stdout: out.recv_timeout(DRAIN).unwrap_or_default(),
            stderr: err.recv_timeout(DRAIN).unwrap_or_default(),
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    const CAPS: Caps = Caps {
        stdout: 1024,
        stderr: 1024,
    };

    #[test]
    fn a_background_child_holding_the_pipes_neither_delays_nor_survives_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = format!(
            "sleep 1000 & echo $! > {}; echo done >&2; exit 0",
            pidfile.display()
        );
        let started = Instant::now();
        let run = run(sh(&script), Instant::now() + Duration::from_secs(10), CAPS).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(run.ended, Ended::Exited(s) if s.success()));
        assert_eq!(run.stderr.text(), "done\n");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        let gone = || {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        while !gone() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone(), "the background sleep {pid} survived");
    }

    #[test]
    fn the_deadline_kills_the_whole_group() {
        let started = Instant::now();
        let run = run(
            sh("sleep 1000 & sleep 1000"),
            Instant::now() + Duration::from_millis(300),
            CAPS,
        )
        .unwrap();
        assert!(matches!(run.ended, Ended::TimedOut));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn output_past_the_cap_keeps_its_last_bytes() {
        let run = run(
            sh("head -c 5000000 /dev/zero | tr '\\0' x >&2; echo END >&2"),
            Instant::now() + Duration::from_secs(20),
            CAPS,
        )
        .unwrap();
        assert_eq!(run.stderr.bytes.len(), 1024);
        assert!(run.stderr.text().ends_with("xEND\n"));
        assert_eq!(run.stderr.dropped, 5_000_004 - 1024);
    }
}
