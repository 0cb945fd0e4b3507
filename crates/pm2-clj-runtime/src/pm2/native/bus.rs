//! pm2's event bus (`pub.sock`) as typed messages: process lifecycle events
//! (`process:event`) and the apps' output lines (`log:out`, `log:err`); every other
//! topic is skipped.
//!
//! The daemon sends every event to every subscriber and buffers without limit for one
//! that stops reading, so a thread reads the socket for the bus's life into a bounded
//! queue; when the queue is full the oldest message is dropped and counted
//! ([`Bus::dropped`]). Nothing is ever sent to the daemon. Dropping the bus shuts the
//! socket down, which ends the thread.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use pm2_clj_sync::facts::Status;

use super::amp::{Arg, Decoder};
use super::lock;
use super::paths::{self, Sockets};
use crate::error::{RuntimeError, RuntimeErrorKind};

/// The most messages held for a reader that lags.
const QUEUE_MESSAGES: usize = 10_000;

/// The most bytes of log text held for a reader that lags.
const QUEUE_BYTES: usize = 16 * 1024 * 1024;

/// The longest log line kept whole; a longer one comes in pieces of this size.
const MAX_LINE: usize = 64 * 1024;

/// What happened to a process (`process:event`'s `event`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// `online`: it was spawned (a first start, an automatic restart, a restart or a
    /// reload); its status then still reads `launching`.
    Online,
    /// `start`: an app was started (after its `online`).
    Start,
    /// `exit`: it exited (twice per stop: `stopping`, then `stopped`).
    Exit,
    /// `restart`: restarted on request (after its `online`).
    Restart,
    /// `restart overlimit`: it crashed more often than `max_restarts` allows, and is
    /// left `errored`.
    RestartOverlimit,
    /// `stop`: stopped on request.
    Stop,
    /// `reload`: reloaded on request.
    Reload,
    /// `delete`: about to be deleted on request.
    Delete,
    /// Any other event (`graceful reload`, ...).
    Other(String),
}

impl EventKind {
    fn parse(event: &str) -> EventKind {
        match event {
            "online" => EventKind::Online,
            "start" => EventKind::Start,
            "exit" => EventKind::Exit,
            "restart" => EventKind::Restart,
            "restart overlimit" => EventKind::RestartOverlimit,
            "stop" => EventKind::Stop,
            "reload" => EventKind::Reload,
            "delete" => EventKind::Delete,
            other => EventKind::Other(other.to_string()),
        }
    }
}

/// A lifecycle event of one process.
#[derive(Clone, Debug, PartialEq)]
pub struct BusEvent {
    /// What happened.
    pub kind: EventKind,
    /// The process's pm2 id (pm2 gives an id again once its list empties).
    pub pm_id: u64,
    /// The app's name.
    pub name: String,
    /// The process's status as the event left it.
    pub status: Status,
    /// When the daemon published it, in milliseconds since the epoch.
    pub at: u64,
}

/// Which output of the app a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogStream {
    /// Standard output (`log:out`).
    Out,
    /// Standard error (`log:err`).
    Err,
}

/// One line an app wrote (without its newline).
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// Where it wrote it.
    pub stream: LogStream,
    /// The process's pm2 id.
    pub pm_id: u64,
    /// The app's name.
    pub name: String,
    /// The line.
    pub text: String,
    /// When the daemon received the chunk that ended the line, in milliseconds since
    /// the epoch.
    pub at: u64,
}

/// A message of the bus.
#[derive(Clone, Debug, PartialEq)]
pub enum BusMessage {
    /// A lifecycle event.
    Event(BusEvent),
    /// An output line.
    Log(LogLine),
}

impl BusMessage {
    fn size(&self) -> usize {
        match self {
            BusMessage::Event(_) => 0,
            BusMessage::Log(line) => line.text.len(),
        }
    }
}

/// The messages read and not yet taken.
#[derive(Default)]
struct Queue {
    messages: VecDeque<BusMessage>,
    bytes: usize,
    dropped: u64,
    /// Why the bus ended, once it has.
    closed: Option<RuntimeErrorKind>,
}

impl Queue {
    /// Adds `message`, dropping the oldest ones while the queue holds too much.
    fn push(&mut self, message: BusMessage, limits: (usize, usize)) {
        self.bytes += message.size();
        self.messages.push_back(message);
        while self.messages.len() > limits.0 || self.bytes > limits.1 {
            let Some(old) = self.messages.pop_front() else {
                break;
            };
            self.bytes -= old.size();
            self.dropped += 1;
        }
    }
}

struct Shared {
    queue: Mutex<Queue>,
    arrived: Condvar,
}

/// A subscription to the daemon's event bus.
pub struct Bus {
    shared: Arc<Shared>,
    stream: UnixStream,
}

impl Bus {
    /// Subscribes to the bus of the daemon of `home` (`PM2_HOME` when `None`), waiting
    /// at most `timeout` to connect.
    pub fn connect(home: Option<&Path>, timeout: Duration) -> Result<Bus, RuntimeError> {
        let socket = Sockets::of(home).bus;
        let stream = paths::connect(&socket, timeout)?;
        let reader = stream.try_clone().map_err(|e| {
            RuntimeError::from(RuntimeErrorKind::Pm2Unreachable {
                socket: socket.clone(),
                reason: e.to_string(),
            })
        })?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            arrived: Condvar::new(),
        });
        let filled = shared.clone();
        std::thread::spawn(move || read(reader, socket, &filled));
        Ok(Bus { shared, stream })
    }

    /// The next message, waiting at most `timeout` for one (`None` when none came).
    /// Once the daemon has closed the bus (it was killed) or sent something that is not
    /// pm2's protocol, the messages read before are still given, then the reason.
    pub fn next(&self, timeout: Duration) -> Result<Option<BusMessage>, RuntimeError> {
        let deadline = Instant::now() + timeout;
        let mut queue = lock(&self.shared.queue);
        loop {
            if let Some(message) = queue.messages.pop_front() {
                queue.bytes -= message.size();
                return Ok(Some(message));
            }
            if let Some(closed) = &queue.closed {
                return Err(closed.clone().into());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            queue = self
                .shared
                .arrived
                .wait_timeout(queue, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// How many messages were dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        lock(&self.shared.queue).dropped
    }
}

impl crate::pm2::Changes for Bus {
    fn wait(&mut self, timeout: Duration) -> Result<Option<String>, RuntimeError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.next(deadline.saturating_duration_since(Instant::now()))? {
                Some(BusMessage::Event(event)) => return Ok(Some(event.name)),
                Some(BusMessage::Log(_)) => continue,
                None => return Ok(None),
            }
        }
    }
}

impl crate::pm2::Feed for Bus {
    fn next(&mut self, timeout: Duration) -> Result<Option<crate::pm2::Heard>, RuntimeError> {
        Ok(Bus::next(self, timeout)?.map(|message| match message {
            BusMessage::Event(event) => match event.kind {
                EventKind::Restart | EventKind::Reload => crate::pm2::Heard::Asked(event.name),
                _ => crate::pm2::Heard::Changed(event.name),
            },
            BusMessage::Log(line) => crate::pm2::Heard::Line {
                app: line.name,
                pm_id: line.pm_id,
                error: line.stream == LogStream::Err,
                text: line.text,
            },
        }))
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// Reads the bus until it ends, queueing what it says.
fn read(mut stream: UnixStream, socket: PathBuf, shared: &Shared) {
    let mut decoder = Decoder::default();
    let mut lines = Lines::default();
    let mut buffer = vec![0; 64 * 1024];
    let why = 'reading: loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => {
                break RuntimeErrorKind::Pm2Unreachable {
                    socket,
                    reason: "the daemon closed its bus".into(),
                };
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                break RuntimeErrorKind::Pm2Unreachable {
                    socket,
                    reason: e.to_string(),
                };
            }
        };
        decoder.feed(&buffer[..n]);
        let mut messages = Vec::new();
        loop {
            match decoder.next() {
                Ok(Some(frame)) => messages.extend(lines.messages(frame)),
                Ok(None) => break,
                Err(e) => {
                    break 'reading RuntimeErrorKind::Pm2Protocol {
                        socket,
                        message: format!("its bus sent {e}"),
                    };
                }
            }
        }
        if !messages.is_empty() {
            let mut queue = lock(&shared.queue);
            for message in messages {
                queue.push(message, (QUEUE_MESSAGES, QUEUE_BYTES));
            }
            shared.arrived.notify_all();
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    lock(&shared.queue).closed.get_or_insert(why);
    shared.arrived.notify_all();
}

/// Turns bus frames into messages, keeping each process's unfinished output line (pm2
/// publishes output in chunks as the app wrote them, not in lines).
#[derive(Default)]
struct Lines {
    unfinished: HashMap<(u64, LogStream), String>,
}

impl Lines {
    /// The messages of one frame: none for the topics skipped and for payloads that do
    /// not name a process.
    fn messages(&mut self, frame: Vec<Arg>) -> Vec<BusMessage> {
        let Ok([Arg::Text(topic), Arg::Json(payload)]) = <[Arg; 2]>::try_from(frame) else {
            return Vec::new();
        };
        let process = &payload["process"];
        let (Some(pm_id), Some(name)) = (process["pm_id"].as_u64(), process["name"].as_str()) else {
            return Vec::new();
        };
        let at = payload["at"].as_u64().unwrap_or(0);
        let stream = match topic.as_str() {
            "process:event" => {
                let Some(event) = payload["event"].as_str() else {
                    return Vec::new();
                };
                return vec![BusMessage::Event(BusEvent {
                    kind: EventKind::parse(event),
                    pm_id,
                    name: name.to_string(),
                    status: Status::parse(process["status"].as_str().unwrap_or_default()),
                    at,
                })];
            }
            "log:out" => LogStream::Out,
            "log:err" => LogStream::Err,
            _ => return Vec::new(),
        };
        let Some(data) = payload["data"].as_str() else {
            return Vec::new();
        };
        let line = |text: String| {
            BusMessage::Log(LogLine {
                stream,
                pm_id,
                name: name.to_string(),
                text,
                at,
            })
        };
        let unfinished = self.unfinished.entry((pm_id, stream)).or_default();
        let mut out = Vec::new();
        for piece in data.split_inclusive('\n') {
            unfinished.push_str(piece);
            if let Some(text) = unfinished.strip_suffix('\n') {
                out.push(line(text.strip_suffix('\r').unwrap_or(text).to_string()));
                unfinished.clear();
            }
            while unfinished.len() >= MAX_LINE {
                let mut cut = MAX_LINE;
                while !unfinished.is_char_boundary(cut) {
                    cut -= 1;
                }
                let rest = unfinished.split_off(cut);
                out.push(line(std::mem::replace(unfinished, rest)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(stream: &str, id: u64, data: &str) -> Vec<Arg> {
        vec![
            Arg::Text(format!("log:{stream}")),
            Arg::Json(json!({"process": {"pm_id": id, "name": "a", "rev": null}, "at": 5, "data": data})),
        ]
    }

    fn texts(messages: Vec<BusMessage>) -> Vec<String> {
        messages
            .into_iter()
            .map(|m| match m {
                BusMessage::Log(l) => format!("{}:{:?}:{}", l.pm_id, l.stream, l.text),
                BusMessage::Event(e) => format!("{e:?}"),
            })
            .collect()
    }

    #[test]
    fn chunks_become_lines_per_process_and_stream() {
        let mut lines = Lines::default();
        assert_eq!(texts(lines.messages(log("out", 0, "a\nb"))), ["0:Out:a"]);
        assert!(lines.messages(log("err", 0, "x")).is_empty());
        assert_eq!(texts(lines.messages(log("out", 1, "c\r\n"))), ["1:Out:c"]);
        assert_eq!(
            texts(lines.messages(log("out", 0, "c\nd\n"))),
            ["0:Out:bc", "0:Out:d"]
        );
        assert_eq!(texts(lines.messages(log("err", 0, "y\n"))), ["0:Err:xy"]);
        let long = "é".repeat(MAX_LINE);
        let pieces = lines.messages(log("out", 2, &long));
        assert_eq!(pieces.len(), 2, "a line without end comes in pieces");
        assert!(pieces.iter().all(|m| m.size() <= MAX_LINE));
    }

    fn fixture(name: &str) -> Vec<Arg> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/axon")
            .join(name);
        let mut decoder = Decoder::default();
        decoder.feed(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        decoder.next().unwrap().expect("a whole frame")
    }

    #[test]
    fn events_and_lines_captured_from_pm2_6_and_7_read_the_same() {
        for (version, at) in [
            ("v7", [1796527701818, 1796527701612]),
            ("v6", [1796527724177, 1796527723968]),
        ] {
            let mut lines = Lines::default();
            let exit = lines.messages(fixture(&format!("{version}/bus-process-event-exit.bin")));
            assert_eq!(
                exit,
                [BusMessage::Event(BusEvent {
                    kind: EventKind::Exit,
                    pm_id: 1,
                    name: "crash".into(),
                    status: Status::Stopped,
                    at: at[0],
                })],
                "{version}"
            );
            let out = lines.messages(fixture(&format!("{version}/bus-log-out.bin")));
            assert_eq!(
                out,
                [BusMessage::Log(LogLine {
                    stream: LogStream::Out,
                    pm_id: 1,
                    name: "crash".into(),
                    text: "crash starting".into(),
                    at: at[1],
                })],
                "{version}"
            );
        }
        let online = Lines::default().messages(fixture("v7/bus-process-event-online.bin"));
        let [BusMessage::Event(online)] = &online[..] else {
            panic!("{online:?}")
        };
        assert_eq!(
            (&online.kind, online.pm_id, &online.status),
            (&EventKind::Online, 0, &Status::Launching)
        );
    }

    #[test]
    fn the_daemons_own_lines_and_other_topics_are_skipped() {
        let mut lines = Lines::default();
        let pm2 = vec![
            Arg::Text("log:PM2".into()),
            Arg::Json(json!({"process": {"pm_id": "PM2", "name": "PM2"}, "at": 1, "data": "x\n"})),
        ];
        assert!(lines.messages(pm2).is_empty());
        let kill = vec![
            Arg::Text("pm2:kill".into()),
            Arg::Json(json!({"status": "killed"})),
        ];
        assert!(lines.messages(kill).is_empty());
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts() {
        let mut queue = Queue::default();
        let line = |text: &str| {
            BusMessage::Log(LogLine {
                stream: LogStream::Out,
                pm_id: 0,
                name: "a".into(),
                text: text.into(),
                at: 0,
            })
        };
        for i in 0..5 {
            queue.push(line(&i.to_string()), (3, 100));
        }
        assert_eq!(queue.dropped, 2);
        assert_eq!(queue.messages.front(), Some(&line("2")));
        queue.push(line(&"x".repeat(100)), (3, 100));
        assert_eq!(queue.messages.len(), 1, "over the bytes, older lines go");
        assert_eq!((queue.dropped, queue.bytes), (5, 100));
    }
}
