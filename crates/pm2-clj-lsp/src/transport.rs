//! The stdio transport: a reader thread that turns framed JSON-RPC from stdin into
//! [`Message`]s and a writer thread that frames messages onto stdout.
//!
//! Unlike `lsp-server`'s own, the reader survives a bad client: a message larger than
//! [`MAX_MESSAGE`] is skipped unread and a payload that is not a JSON-RPC message is
//! dropped, each with a `window/logMessage` saying so; only the end of stdin, or headers
//! it cannot make sense of, end it. When it ends its channel closes, which ends the
//! server's loop.

use std::io::{self, BufRead, Read, Write};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use lsp_server::{Message, Notification};
use lsp_types::notification::{LogMessage, Notification as _};
use lsp_types::{LogMessageParams, MessageType};

/// The largest message read (64 MiB): an editor's largest document fits many times.
pub const MAX_MESSAGE: usize = 64 << 20;

/// The transport's threads.
pub struct Threads {
    reader: JoinHandle<()>,
    writer: JoinHandle<io::Result<()>>,
}

impl Threads {
    /// Waits for both threads; the writer's error, if it had one.
    pub fn join(self) -> io::Result<()> {
        let _ = self.reader.join();
        self.writer.join().unwrap_or(Ok(()))
    }
}

/// Starts the threads over `input` and `output`; returns the channel to send on and the
/// one to receive from.
pub fn start(
    input: impl BufRead + Send + 'static,
    output: impl Write + Send + 'static,
) -> (Sender<Message>, Receiver<Message>, Threads) {
    let (to_client, outgoing) = unbounded::<Message>();
    let (incoming, from_client) = bounded::<Message>(16);
    let writer = thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || write_all(outgoing, output))
        .expect("spawn the writer thread");
    let log = to_client.clone();
    let reader = thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || read_all(input, incoming, log))
        .expect("spawn the reader thread");
    (to_client, from_client, Threads { reader, writer })
}

fn write_all(outgoing: Receiver<Message>, mut output: impl Write) -> io::Result<()> {
    for message in outgoing {
        message.write(&mut output)?;
    }
    Ok(())
}

fn read_all(mut input: impl BufRead, incoming: Sender<Message>, log: Sender<Message>) {
    loop {
        match read_one(&mut input) {
            Ok(Some(Ok(message))) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if incoming.send(message).is_err() || exit {
                    return;
                }
            }
            Ok(Some(Err(problem))) => {
                let params = LogMessageParams {
                    typ: MessageType::ERROR,
                    message: format!("pm2-clj lsp dropped a message: {problem}"),
                };
                let _ = log.send(Notification::new(LogMessage::METHOD.into(), params).into());
            }
            Ok(None) | Err(_) => return,
        }
    }
}

/// One framed message: `None` at the end of the input, `Some(Err)` for a message that
/// was read past but is not usable, `Err` when the framing itself is broken.
fn read_one(input: &mut impl BufRead) -> io::Result<Option<Result<Message, String>>> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad header {header:?}"),
            ));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let parsed = value.trim().parse::<u64>().map_err(|e| {
                io::Error::new(io::ErrorKind::InvalidData, format!("bad Content-Length: {e}"))
            })?;
            length = Some(parsed);
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_MESSAGE as u64 {
        io::copy(&mut input.take(length), &mut io::sink())?;
        return Ok(Some(Err(format!(
            "it is {length} bytes long, over the limit of {MAX_MESSAGE}"
        ))));
    }
    let mut body = vec![0; length as usize];
    input.read_exact(&mut body)?;
    Ok(Some(
        serde_json::from_slice::<Message>(&body).map_err(|e| format!("it is not a JSON-RPC message ({e})")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn bad_messages_are_skipped_and_good_ones_still_arrive() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "{}Content-Length: {}\r\n\r\n{}{}",
            frame("{not json"),
            MAX_MESSAGE + 1,
            "x".repeat(MAX_MESSAGE + 1),
            frame(good)
        );
        let mut reader = io::Cursor::new(input.into_bytes());
        assert!(matches!(read_one(&mut reader), Ok(Some(Err(e))) if e.contains("not a JSON-RPC")));
        assert!(matches!(read_one(&mut reader), Ok(Some(Err(e))) if e.contains("over the limit")));
        assert!(
            matches!(read_one(&mut reader), Ok(Some(Ok(Message::Notification(n)))) if n.method == "initialized")
        );
        assert!(matches!(read_one(&mut reader), Ok(None)));
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        let mut reader = io::Cursor::new(b"Content-Length: 10\r\n\r\n{}".to_vec());
        assert!(read_one(&mut reader).is_err());
    }
}
