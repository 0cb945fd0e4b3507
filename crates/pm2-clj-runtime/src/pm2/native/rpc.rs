//! One pm2-axon request/reply connection to the daemon's `rpc.sock`: the calls this
//! client makes ([`Call`], each with the exact argument shape the daemon expects; a
//! wrong count or shape kills pm2's daemon), message ids, replies matched by id in
//! whatever order they come, and a deadline on every call.
//!
//! A thread reads the socket for the connection's life, handing each reply to its
//! caller; when the daemon closes the connection or sends something that is not a reply,
//! every call in flight fails at once and the connection is dead. Dropping the
//! connection shuts the socket down, which ends the thread.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::amp::{self, AmpError, Arg, Decoder};
use super::lock;
use crate::error::{RuntimeError, RuntimeErrorKind};

/// A call to the daemon: a method of pm2's `Daemon.js` and its one argument, shaped as
/// pm2's own client shapes it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Call {
    /// `getVersion [{}]`: the daemon's pm2 version.
    Version,
    /// `getMonitorData [{}]`: every process.
    MonitorData,
    /// `stopProcessId [id]`.
    Stop(u64),
    /// `restartProcessId [{id}]` (a bare id is an error there).
    Restart(u64),
    /// `deleteProcessId [id]` (`{id}` would only stop it).
    Delete(u64),
    /// `notifyByProcessId [{id, action_name, manually: true}]`: publishes the action as
    /// a `process:event`.
    Notify(u64, &'static str),
}

impl Call {
    fn method(self) -> &'static str {
        match self {
            Call::Version => "getVersion",
            Call::MonitorData => "getMonitorData",
            Call::Stop(_) => "stopProcessId",
            Call::Restart(_) => "restartProcessId",
            Call::Delete(_) => "deleteProcessId",
            Call::Notify(..) => "notifyByProcessId",
        }
    }

    /// The request's frame, with the message id `id`: the JSON text written with its
    /// keys in the order pm2's client writes them, then the id.
    fn frame(self, id: &str) -> Result<Vec<u8>, AmpError> {
        let argument = match self {
            Call::Version | Call::MonitorData => "{}".to_string(),
            Call::Stop(id) | Call::Delete(id) => id.to_string(),
            Call::Restart(id) => format!(r#"{{"id":{id}}}"#),
            Call::Notify(id, action) => {
                format!(
                    r#"{{"id":{id},"action_name":{},"manually":true}}"#,
                    Json::from(action)
                )
            }
        };
        let request = format!(
            r#"{{"type":"call","method":{},"args":[{argument}]}}"#,
            Json::from(self.method())
        );
        amp::encode(&[amp::json(&request), amp::text(id)])
    }
}

/// What a reply brings: the method's results, or why the call failed.
type Reply = Result<Vec<Json>, RuntimeErrorKind>;

#[derive(Default)]
struct Waiting {
    /// Callers waiting, by message id: the method asked, and where its reply goes.
    calls: HashMap<String, (&'static str, Sender<Reply>)>,
    /// Why the connection ended, once it has.
    closed: Option<RuntimeErrorKind>,
}

impl Waiting {
    fn close(&mut self, why: RuntimeErrorKind) {
        for (_, (_, caller)) in self.calls.drain() {
            let _ = caller.send(Err(why.clone()));
        }
        self.closed.get_or_insert(why);
    }
}

/// A connection.
pub(super) struct Rpc {
    socket: PathBuf,
    stream: Mutex<UnixStream>,
    waiting: Arc<Mutex<Waiting>>,
    next: AtomicU64,
}

/// A call sent, its reply not yet taken; forgotten by the connection when dropped.
pub(super) struct Sent {
    id: String,
    call: Call,
    reply: Receiver<Reply>,
    waiting: Arc<Mutex<Waiting>>,
}

impl Drop for Sent {
    fn drop(&mut self) {
        lock(&self.waiting).calls.remove(&self.id);
    }
}

impl Rpc {
    /// Starts reading replies on `stream`, connected to `socket`.
    pub(super) fn over(socket: &Path, stream: UnixStream) -> Result<Rpc, RuntimeError> {
        let reader = stream.try_clone().map_err(|e| {
            RuntimeError::from(RuntimeErrorKind::Pm2Unreachable {
                socket: socket.to_path_buf(),
                reason: e.to_string(),
            })
        })?;
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        let replies = waiting.clone();
        let path = socket.to_path_buf();
        std::thread::spawn(move || read(reader, &path, &replies));
        Ok(Rpc {
            socket: socket.to_path_buf(),
            stream: Mutex::new(stream),
            waiting,
            next: AtomicU64::new(0),
        })
    }

    /// Whether the connection has ended.
    pub(super) fn is_closed(&self) -> bool {
        lock(&self.waiting).closed.is_some()
    }

    /// Sends `call`, writing until `deadline` at most.
    pub(super) fn send(&self, call: Call, deadline: Instant) -> Result<Sent, RuntimeError> {
        // Ids as pm2-axon makes them: the client's pid and a counter.
        let id = format!(
            "{}:{}",
            std::process::id(),
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let frame = call.frame(&id).map_err(|e| {
            RuntimeError::from(RuntimeErrorKind::Pm2Protocol {
                socket: self.socket.clone(),
                message: format!("refusing to send {}: {e}", call.method()),
            })
        })?;
        let (tx, rx) = mpsc::channel();
        {
            let mut waiting = lock(&self.waiting);
            if let Some(closed) = &waiting.closed {
                return Err(closed.clone().into());
            }
            waiting.calls.insert(id.clone(), (call.method(), tx));
        }
        let sent = Sent {
            id,
            call,
            reply: rx,
            waiting: self.waiting.clone(),
        };
        let stream = lock(&self.stream);
        let left = deadline.saturating_duration_since(Instant::now());
        let written = stream
            .set_write_timeout(Some(left.max(Duration::from_millis(1))))
            .and_then(|()| (&*stream).write_all(&frame));
        if let Err(e) = written {
            // Part of a frame may have gone out: nothing more can be sent on this
            // connection without the daemon misreading it.
            let _ = stream.shutdown(Shutdown::Both);
            let why = RuntimeErrorKind::Pm2Unreachable {
                socket: self.socket.clone(),
                reason: format!("cannot send {}: {e}", call.method()),
            };
            lock(&self.waiting).close(why.clone());
            return Err(why.into());
        }
        Ok(sent)
    }

    /// Waits until `deadline` for the reply to `sent`; `timeout` is what the deadline
    /// stands for, for the error.
    pub(super) fn wait(
        &self,
        sent: Sent,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Vec<Json>, RuntimeError> {
        let left = deadline.saturating_duration_since(Instant::now());
        match sent.reply.recv_timeout(left) {
            Ok(reply) => reply.map_err(RuntimeError::from),
            Err(RecvTimeoutError::Timeout) => Err(RuntimeError::from(RuntimeErrorKind::Pm2Timeout {
                action: sent.call.method().to_string(),
                after: timeout,
            })),
            Err(RecvTimeoutError::Disconnected) => {
                let closed = lock(&self.waiting).closed.clone();
                Err(closed
                    .unwrap_or_else(|| RuntimeErrorKind::Pm2Unreachable {
                        socket: self.socket.clone(),
                        reason: "the connection ended".into(),
                    })
                    .into())
            }
        }
    }

    /// Sends `call` and waits for its results until `deadline`.
    pub(super) fn call(
        &self,
        call: Call,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Vec<Json>, RuntimeError> {
        let sent = self.send(call, deadline)?;
        self.wait(sent, deadline, timeout)
    }
}

impl Drop for Rpc {
    fn drop(&mut self) {
        let _ = lock(&self.stream).shutdown(Shutdown::Both);
    }
}

/// Reads replies until the connection ends, handing each to its caller.
fn read(mut stream: UnixStream, socket: &Path, waiting: &Mutex<Waiting>) {
    let protocol = |message: String| RuntimeErrorKind::Pm2Protocol {
        socket: socket.to_path_buf(),
        message,
    };
    let mut decoder = Decoder::default();
    let mut buffer = vec![0; 64 * 1024];
    let why = 'reading: loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) => {
                break RuntimeErrorKind::Pm2Unreachable {
                    socket: socket.to_path_buf(),
                    reason: "the daemon closed the connection".into(),
                };
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                break RuntimeErrorKind::Pm2Unreachable {
                    socket: socket.to_path_buf(),
                    reason: e.to_string(),
                };
            }
        };
        decoder.feed(&buffer[..n]);
        loop {
            match decoder.next() {
                Ok(Some(frame)) => {
                    if let Err(message) = deliver(frame, waiting) {
                        break 'reading protocol(message);
                    }
                }
                Ok(None) => break,
                Err(e) => break 'reading protocol(format!("it sent {e}")),
            }
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    lock(waiting).close(why);
}

/// Hands a reply frame to its caller (a reply nobody waits for any more, to a call that
/// timed out, is dropped); a frame that is no pm2 reply is an error.
fn deliver(frame: Vec<Arg>, waiting: &Mutex<Waiting>) -> Result<(), String> {
    let [body, id] = <[Arg; 2]>::try_from(frame)
        .map_err(|frame| format!("it sent a frame of {} arguments, not a reply", frame.len()))?;
    let Arg::Text(id) = id else {
        return Err("it sent a reply without a message id".into());
    };
    let Some(method) = lock(waiting).calls.get(&id).map(|(method, _)| *method) else {
        return Ok(());
    };
    let reply = match body {
        Arg::Json(Json::Object(mut reply)) => match (reply.remove("error"), reply.remove("args")) {
            (Some(error), _) => Err(RuntimeErrorKind::Pm2Failed {
                action: method.to_string(),
                message: match error {
                    Json::String(message) => message,
                    other => other.to_string(),
                },
            }),
            (None, Some(Json::Array(results))) => Ok(results),
            _ => {
                return Err(format!(
                    "its reply to {method} holds neither results nor an error"
                ));
            }
        },
        _ => return Err(format!("its reply to {method} is not a JSON object")),
    };
    // The caller stays in the table until its reply proves good, so that a bad one
    // fails it with the reason when the connection closes.
    if let Some((_, caller)) = lock(waiting).calls.remove(&id) {
        let _ = caller.send(reply);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/axon")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn requests_are_the_bytes_pm2s_own_client_sends() {
        for (call, id, file) in [
            (Call::Version, "767:0", "v7/getVersion.req.bin"),
            (Call::MonitorData, "767:8", "v7/getMonitorData.req.bin"),
            (Call::Stop(0), "767:10", "v7/stopProcessId.req.bin"),
            (Call::Notify(0, "stop"), "767:22", "v7/notifyByProcessId.req.bin"),
            (Call::Delete(0), "767:29", "v7/deleteProcessId.req.bin"),
            (Call::Version, "3614:0", "v6/getVersion.req.bin"),
        ] {
            assert_eq!(call.frame(id).unwrap(), fixture(file), "{file}");
        }
        let restart = Call::Restart(3).frame("1:2").unwrap();
        let mut decoder = Decoder::default();
        decoder.feed(&restart);
        let frame = decoder.next().unwrap().unwrap();
        assert_eq!(
            frame[0],
            Arg::Json(serde_json::json!({"type": "call", "method": "restartProcessId", "args": [{"id": 3}]})),
            "restartProcessId takes {{id}}, never a bare id"
        );
    }

    /// A daemon stand-in on a socket of its own: `serve` gets the accepted stream.
    fn fake(serve: impl FnOnce(UnixStream) + Send + 'static) -> (tempfile::TempDir, Rpc) {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("rpc.sock");
        let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        std::thread::spawn(move || serve(listener.accept().unwrap().0));
        let stream = UnixStream::connect(&socket).unwrap();
        let rpc = Rpc::over(&socket, stream).unwrap();
        (dir, rpc)
    }

    /// Reads `n` request frames; their ids.
    fn requests(stream: &mut UnixStream, n: usize) -> Vec<String> {
        let mut decoder = Decoder::default();
        let mut ids = Vec::new();
        let mut buffer = [0; 4096];
        while ids.len() < n {
            let read = stream.read(&mut buffer).unwrap();
            decoder.feed(&buffer[..read]);
            while let Some(frame) = decoder.next().unwrap() {
                let Arg::Text(id) = &frame[1] else {
                    panic!("{frame:?}")
                };
                ids.push(id.clone());
            }
        }
        ids
    }

    fn reply(stream: &mut UnixStream, body: &str, id: &str) {
        stream
            .write_all(&amp::encode(&[amp::json(body), amp::text(id)]).unwrap())
            .unwrap();
    }

    #[test]
    fn replies_find_their_callers_in_any_order() {
        let (_dir, rpc) = fake(|mut stream| {
            let ids = requests(&mut stream, 2);
            reply(&mut stream, r#"{"args":["second"]}"#, &ids[1]);
            reply(
                &mut stream,
                r#"{"error":"0 : id unknown","stack":"..."}"#,
                &ids[0],
            );
            std::thread::sleep(Duration::from_secs(1));
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let first = rpc.send(Call::Stop(0), deadline).unwrap();
        let second = rpc.send(Call::Version, deadline).unwrap();
        let timeout = Duration::from_secs(5);
        assert_eq!(rpc.wait(second, deadline, timeout).unwrap(), ["second"]);
        let err = rpc.wait(first, deadline, timeout).unwrap_err();
        assert_eq!(err.to_string(), "pm2 stopProcessId failed: 0 : id unknown");
    }

    #[test]
    fn a_reply_of_another_shape_fails_every_call_in_flight() {
        let (_dir, rpc) = fake(|mut stream| {
            let ids = requests(&mut stream, 2);
            reply(&mut stream, r#"{"result":1}"#, &ids[0]);
            std::thread::sleep(Duration::from_secs(1));
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let timeout = Duration::from_secs(5);
        let first = rpc.send(Call::MonitorData, deadline).unwrap();
        let second = rpc.send(Call::Version, deadline).unwrap();
        for sent in [first, second] {
            let err = rpc.wait(sent, deadline, timeout).unwrap_err();
            assert_eq!(err.code(), "runtime::pm2-protocol", "{err}");
            assert!(err.to_string().contains("neither results nor an error"), "{err}");
        }
        assert!(rpc.is_closed());
    }
}
