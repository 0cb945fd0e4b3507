//! The stdio transport: a reader thread that turns framed JSON-RPC from stdin into
//! [`Message`]s and a writer thread that frames messages onto stdout.
//!
//! Unlike `lsp-server`'s own, the reader survives a bad client and holds a bounded
//! amount of what it sends: a header line of at most [`MAX_HEADER_LINE`] bytes, a header
//! block of at most [`MAX_HEADERS`] lines and [`MAX_HEADER_BLOCK`] bytes, a body of at
//! most [`MAX_MESSAGE`]. A frame that breaks a bound, whose headers make no sense or
//! whose body is not a JSON-RPC message is dropped, with one `window/logMessage` saying
//! why, and the reader resynchronises: it scans on, holding a few bytes, to the next line
//! that ends in `Content-Length: <digits>`, and reads a frame from there. A body cannot
//! hold such a line (JSON has no raw line break inside a string), so a Content-Length
//! shorter than its body costs that message only: the rest of the body is skipped and the
//! next frame is read. A Content-Length longer than its body swallows what follows it up
//! to that length. Only the end of stdin (or an `exit`) ends the reader; when it ends its
//! channel closes, which ends the server's loop.

use std::io::{self, BufRead, Read, Write};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use lsp_server::{Message, Notification};
use lsp_types::notification::{LogMessage, Notification as _};
use lsp_types::{LogMessageParams, MessageType};

/// The largest message read (64 MiB): an editor's largest document fits many times.
pub const MAX_MESSAGE: usize = 64 << 20;

/// The longest header line read (8 KiB), its line break included.
pub const MAX_HEADER_LINE: usize = 8 << 10;

/// The most header lines a frame may have.
pub const MAX_HEADERS: usize = 32;

/// The most bytes a frame's header lines may hold together (64 KiB).
pub const MAX_HEADER_BLOCK: usize = 64 << 10;

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

fn read_all(input: impl BufRead, incoming: Sender<Message>, log: Sender<Message>) {
    let mut frames = Frames::new(input);
    loop {
        match frames.next() {
            Ok(Frame::Message(message)) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if incoming.send(message).is_err() || exit {
                    return;
                }
            }
            Ok(Frame::Dropped(problem)) => {
                let params = LogMessageParams {
                    typ: MessageType::ERROR,
                    message: format!(
                        "pm2-clj lsp dropped a message: {problem}; it reads on from the next Content-Length header"
                    ),
                };
                let _ = log.send(Notification::new(LogMessage::METHOD.into(), params).into());
            }
            Ok(Frame::End) | Err(_) => return,
        }
    }
}

/// What reading a frame gave.
enum Frame {
    /// A message.
    Message(Message),
    /// A frame that was read past, and why it is not usable.
    Dropped(String),
    /// The end of the input, possibly inside a frame.
    End,
}

/// What a frame's header block gave.
enum Headers {
    /// The body's length.
    Length(u64),
    /// Headers that break a bound or make no sense, and why.
    Bad(String),
    /// The end of the input.
    End,
}

/// The frames of a byte stream: `Content-Length: <digits>` and any other `Name: value`
/// header lines, a blank line, then that many bytes of JSON-RPC.
struct Frames<R> {
    input: R,
    /// Looking for where the next frame starts, after a bad one.
    lost: bool,
    /// The search for it.
    resync: Resync,
    /// A Content-Length line the search found in bytes already read.
    found: Option<u64>,
    /// The header line being read (its capacity is the bound, never more).
    line: Vec<u8>,
}

impl<R: BufRead> Frames<R> {
    fn new(input: R) -> Frames<R> {
        Frames {
            input,
            lost: false,
            resync: Resync::default(),
            found: None,
            line: Vec::with_capacity(MAX_HEADER_LINE),
        }
    }

    /// The next frame. A drop is reported once: while looking for the next frame, a
    /// `Content-Length` line that turns out not to start one is passed over quietly.
    fn next(&mut self) -> io::Result<Frame> {
        loop {
            let first = if self.lost {
                match self.scan()? {
                    Some(length) => Some(length),
                    None => return Ok(Frame::End),
                }
            } else {
                None
            };
            let length = match self.headers(first)? {
                Headers::Length(length) => length,
                Headers::End => return Ok(Frame::End),
                Headers::Bad(problem) => {
                    if std::mem::replace(&mut self.lost, true) {
                        continue;
                    }
                    return Ok(Frame::Dropped(problem));
                }
            };
            // Whatever this frame turns out to be, its headers were whole: the next
            // problem is news.
            self.lost = false;
            if length > MAX_MESSAGE as u64 {
                // Not skipped by its length: a length that large is more likely a lie
                // than a message, and the next frame is found by its header anyway.
                self.lost = true;
                return Ok(Frame::Dropped(format!(
                    "it says it is {length} bytes long, over the limit of {MAX_MESSAGE}"
                )));
            }
            let length = length as usize;
            // Held as it arrives, not as announced.
            let mut body = Vec::new();
            (&mut self.input).take(length as u64).read_to_end(&mut body)?;
            if body.len() < length {
                return Ok(Frame::End);
            }
            return Ok(match serde_json::from_slice::<Message>(&body) {
                Ok(message) => Frame::Message(message),
                Err(e) => {
                    self.lost = true;
                    Frame::Dropped(format!("it is not a JSON-RPC message ({e})"))
                }
            });
        }
    }

    /// Reads on to the end of the next line that ends in a Content-Length header; its
    /// length, or `None` at the end of the input.
    fn scan(&mut self) -> io::Result<Option<u64>> {
        if let Some(length) = self.found.take() {
            return Ok(Some(length));
        }
        loop {
            let buffer = match self.input.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                return Ok(None);
            }
            let (used, found) = self.resync.feed(buffer);
            self.input.consume(used);
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    /// A header block, up to the blank line that ends it; `first` is the length of a
    /// Content-Length line already read by [`Frames::scan`]. A line that is not a
    /// header is looked through for the next frame's.
    fn headers(&mut self, first: Option<u64>) -> io::Result<Headers> {
        let mut length = first;
        let mut lines = usize::from(first.is_some());
        let mut bytes = 0;
        loop {
            let ended = match read_line(&mut self.input, &mut self.line)? {
                None => return Ok(Headers::End),
                Some(ended) => ended,
            };
            bytes += self.line.len();
            let text = trim_line(&self.line);
            if !ended {
                return Ok(self.bad(
                    false,
                    format!("a header line is longer than {MAX_HEADER_LINE} bytes"),
                ));
            }
            if text.is_empty() {
                match length {
                    Some(length) => return Ok(Headers::Length(length)),
                    // Blank lines between frames.
                    None if lines == 0 => continue,
                    None => return Ok(self.bad(true, "its headers have no Content-Length".into())),
                }
            }
            lines += 1;
            if lines > MAX_HEADERS || bytes > MAX_HEADER_BLOCK {
                return Ok(self.bad(
                    true,
                    format!("its headers are over {MAX_HEADERS} lines or {MAX_HEADER_BLOCK} bytes"),
                ));
            }
            let Some((name, value)) = header(text) else {
                let problem = format!("{} is not a header", excerpt(text));
                return Ok(self.bad(true, problem));
            };
            if !name.eq_ignore_ascii_case(b"content-length") {
                continue;
            }
            match content_length(value) {
                Some(parsed) if length.is_none_or(|l| l == parsed) => length = Some(parsed),
                Some(_) => return Ok(self.bad(true, "it has two different Content-Lengths".into())),
                None => {
                    let problem = format!("{} is not a Content-Length", excerpt(value));
                    return Ok(self.bad(true, problem));
                }
            }
        }
    }

    /// Bad headers: the line just read (with its line break when it `ended`) is looked
    /// through for the next frame's header, which may end it.
    fn bad(&mut self, ended: bool, problem: String) -> Headers {
        self.resync = Resync::default();
        let (_, found) = self.resync.feed(&self.line);
        let found = match found {
            Some(length) => Some(length),
            None if ended => self.resync.feed(b"\n").1,
            None => None,
        };
        self.found = found;
        Headers::Bad(problem)
    }
}

/// Reads a line into `line` (cleared first), at most [`MAX_HEADER_LINE`] bytes of it:
/// `Some(true)` when it ended with a line break (not kept), `Some(false)` when it did not
/// within the bound (the rest is left unread), `None` at the end of the input.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
    line.clear();
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok(None);
        }
        let room = MAX_HEADER_LINE - line.len();
        let (take, ended) = match buffer.iter().take(room).position(|&b| b == b'\n') {
            Some(at) => (at, true),
            None => (buffer.len().min(room), false),
        };
        line.extend_from_slice(&buffer[..take]);
        input.consume(take + usize::from(ended));
        if ended {
            return Ok(Some(true));
        }
        if line.len() == MAX_HEADER_LINE {
            return Ok(Some(false));
        }
    }
}

/// A line without the carriage return that ends it.
fn trim_line(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A header line's name and value: `Name: value`, the name a token (RFC 9110).
fn header(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    (!name.is_empty() && name.iter().all(token)).then_some((name, value))
}

/// A Content-Length value: decimal digits, with blanks around them.
fn content_length(value: &[u8]) -> Option<u64> {
    let digits = value.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The start of a line, quoted, for a log.
fn excerpt(text: &[u8]) -> String {
    let shown = String::from_utf8_lossy(&text[..text.len().min(40)]);
    let more = if text.len() > 40 { "..." } else { "" };
    format!("{shown:?}{more}")
}

/// The search for where a frame starts: the end of a line whose last
/// `content-length:` (in any case) is followed by a Content-Length value. It holds a
/// few bytes whatever it is fed.
#[derive(Default)]
struct Resync {
    /// How many bytes of `content-length:` the latest bytes match.
    matched: usize,
    /// What followed the line's latest `content-length:` while it may still be a value.
    value: Vec<u8>,
    /// Whether the line has a `content-length:` whose value is being collected.
    collecting: bool,
}

/// The header name a frame starts with, in lower case.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// The longest value collected: a length's digits, with room for blanks.
const MAX_VALUE: usize = 32;

impl Resync {
    /// Looks through `bytes`: how many it used, and the length of the Content-Length
    /// line they end, if they end one (the bytes after it are left).
    fn feed(&mut self, bytes: &[u8]) -> (usize, Option<u64>) {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                let found = if self.collecting {
                    content_length(&self.value)
                } else {
                    None
                };
                self.matched = 0;
                self.collecting = false;
                self.value.clear();
                if found.is_some() {
                    return (i + 1, found);
                }
                continue;
            }
            if self.collecting {
                if self.value.len() < MAX_VALUE {
                    self.value.push(b);
                } else {
                    self.collecting = false;
                }
            }
            let lower = b.to_ascii_lowercase();
            if lower == CONTENT_LENGTH[self.matched] {
                self.matched += 1;
                if self.matched == CONTENT_LENGTH.len() {
                    self.matched = 0;
                    self.value.clear();
                    self.collecting = true;
                }
            } else {
                // Only the first byte of the name recurs in it.
                self.matched = usize::from(lower == CONTENT_LENGTH[0]);
            }
        }
        (bytes.len(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const GOOD: &str = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;

    fn frames(input: impl Into<Vec<u8>>) -> Frames<io::Cursor<Vec<u8>>> {
        Frames::new(io::Cursor::new(input.into()))
    }

    fn dropped(frames: &mut Frames<impl BufRead>) -> String {
        match frames.next() {
            Ok(Frame::Dropped(problem)) => problem,
            Ok(Frame::Message(m)) => panic!("read {m:?}"),
            other => panic!("not a drop: ended {}", other.is_ok()),
        }
    }

    fn good(frames: &mut Frames<impl BufRead>) {
        assert!(
            matches!(frames.next(), Ok(Frame::Message(Message::Notification(n))) if n.method == "initialized")
        );
    }

    fn ends(frames: &mut Frames<impl BufRead>) {
        assert!(matches!(frames.next(), Ok(Frame::End)));
    }

    #[test]
    fn bad_messages_are_skipped_and_good_ones_still_arrive() {
        let input = format!(
            "{}Content-Length: {}\r\n\r\n{}{}",
            frame("{not json"),
            MAX_MESSAGE + 1,
            "x".repeat(MAX_MESSAGE + 1),
            frame(GOOD)
        );
        let mut frames = frames(input);
        assert!(dropped(&mut frames).contains("not a JSON-RPC"));
        assert!(dropped(&mut frames).contains("over the limit"));
        good(&mut frames);
        ends(&mut frames);
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        ends(&mut frames("Content-Length: 10\r\n\r\n{}"));
    }

    /// Counts the bytes read from it.
    struct Counted<R>(R, u64);

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_header_line_is_given_up_at_its_bound() {
        let junk = io::repeat(b'a').take(100_000_000);
        let input = Counted(junk.chain(io::Cursor::new(frame(GOOD))), 0);
        let mut frames = Frames::new(io::BufReader::new(input));
        assert!(dropped(&mut frames).contains("longer than 8192 bytes"));
        let pulled = frames.input.get_ref().1;
        assert!(
            pulled <= (MAX_HEADER_LINE + frames.input.capacity()) as u64,
            "read {pulled} bytes"
        );
        assert!(frames.line.capacity() <= MAX_HEADER_LINE);
        good(&mut frames);
        ends(&mut frames);
    }

    #[test]
    fn the_next_frame_is_found_after_a_short_content_length() {
        let cut = r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#;
        let mut frames = frames(format!("Content-Length: 10\r\n\r\n{cut}{}", frame(GOOD)));
        assert!(dropped(&mut frames).contains("not a JSON-RPC"));
        good(&mut frames);
        ends(&mut frames);
    }

    #[test]
    fn a_header_line_ending_in_a_frame_start_resumes_there() {
        // Synchronised: the bad line is reported, and the header at its end is used.
        let mut frames = frames(format!("junk\"Content-Length: 3\r\n\r\n[1]{}", frame(GOOD)));
        assert!(dropped(&mut frames).contains("is not a header"));
        assert!(dropped(&mut frames).contains("not a JSON-RPC"), "the [1] frame");
        good(&mut frames);
        ends(&mut frames);
    }

    #[test]
    fn looking_for_the_next_frame_drops_are_reported_once() {
        // After the bad body, lines that mention Content-Length but start no frame.
        let input = format!(
            "{}Content-Length: twelve\r\nx content-length: 1 2\r\nContent-Length: 4\r\nnot a header\r\n\r\n{}",
            frame("{bad"),
            frame(GOOD)
        );
        let mut frames = frames(input);
        assert!(dropped(&mut frames).contains("not a JSON-RPC"));
        good(&mut frames);
        ends(&mut frames);
    }

    #[test]
    fn header_blocks_are_bounded() {
        let many = "X-A: 1\r\n".repeat(MAX_HEADERS);
        let wide = format!("X-A: {}\r\n", "b".repeat(MAX_HEADER_LINE - 10)).repeat(9);
        let length = GOOD.len();
        // Each frame is dropped; reading resumes at the next line ending in a
        // Content-Length (a wrong one may be followed by the right one), else at the
        // frame after.
        for (headers, problem, resumed_here) in [
            (
                format!("Content-Length: {length}\r\n{many}"),
                "over 32 lines",
                false,
            ),
            (format!("{wide}Content-Length: {length}\r\n"), "65536 bytes", true),
            (
                format!("Content-Length: 2\r\nContent-Length: {length}\r\n"),
                "two different",
                true,
            ),
            ("Content-Type: x\r\n".into(), "no Content-Length", false),
        ] {
            let mut f = frames(format!("{headers}\r\n{GOOD}{}", frame(GOOD)));
            let dropped = dropped(&mut f);
            assert!(dropped.contains(problem), "{dropped}");
            if resumed_here {
                good(&mut f);
            }
            good(&mut f);
            ends(&mut f);
        }
    }

    #[test]
    fn the_search_holds_a_few_bytes_and_takes_the_last_header_on_a_line() {
        let mut resync = Resync::default();
        let digits = "1".repeat(10_000);
        assert_eq!(
            resync.feed(format!("Content-Length: {digits}\n").as_bytes()).1,
            None
        );
        assert!(resync.value.capacity() <= 2 * MAX_VALUE);
        let line = b"contcontent-length: 7 CONTENT-LENGTH:  12\r\nrest";
        let (used, found) = resync.feed(line);
        assert_eq!((found, &line[used..]), (Some(12), &b"rest"[..]));
        assert_eq!(resync.feed(b"Content-Length: 5 x\r\n").1, None);
    }
}
