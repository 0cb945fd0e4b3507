//! AMP v1, the framing of both of pm2's daemon sockets: [`encode`] refuses any frame the
//! daemon's parser would choke on (it dies of some), and [`Decoder`] splits a byte
//! stream into frames however the reads cut it, never allocating off a length it has not
//! checked against [`MAX_FRAME`].
//!
//! A frame is one byte `(1 << 4) | argc`, then per argument a big-endian `u32` length and
//! that many bytes; an argument is text (`s:` then UTF-8), JSON (`j:` then JSON text),
//! or raw bytes (anything else; pm2 never sends one).

use std::fmt;

use serde_json::Value as Json;

/// The largest frame read (a `getMonitorData` reply of thousands of processes fits; the
/// daemon itself has no limit).
pub(super) const MAX_FRAME: usize = 256 * 1024 * 1024;

/// The most arguments a frame can hold (argc is four bits).
const MAX_ARGS: usize = 15;

/// The version nibble of every frame.
const VERSION: u8 = 1;

/// One argument of a frame.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Arg {
    /// `s:` text.
    Text(String),
    /// `j:` JSON.
    Json(Json),
    /// Anything else, as it came.
    Raw(Vec<u8>),
}

/// The body of a text argument.
pub(super) fn text(text: &str) -> Vec<u8> {
    [b"s:", text.as_bytes()].concat()
}

/// The body of a JSON argument, from its text (built by the caller, so that keys keep
/// the order pm2's own client sends them in).
pub(super) fn json(text: &str) -> Vec<u8> {
    [b"j:", text.as_bytes()].concat()
}

impl Arg {
    fn parse(body: &[u8]) -> Result<Arg, AmpError> {
        match body {
            [b's', b':', text @ ..] => std::str::from_utf8(text)
                .map(|t| Arg::Text(t.to_string()))
                .map_err(|_| AmpError::BadText),
            [b'j', b':', json @ ..] => serde_json::from_slice(json)
                .map(Arg::Json)
                .map_err(|e| AmpError::BadJson(e.to_string())),
            raw => Ok(Arg::Raw(raw.to_vec())),
        }
    }
}

/// A frame that cannot be sent or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum AmpError {
    /// No argument, or more than [`MAX_ARGS`] (pm2's parser desynchronises for good on
    /// argc 0, and a 16th argument overflows into the version).
    ArgCount(usize),
    /// An empty last argument (pm2's parser only emits it once another byte arrives).
    EmptyLast,
    /// A version nibble that is not 1: the socket speaks something else.
    Version(u8),
    /// A frame longer than [`MAX_FRAME`].
    TooLong(u64),
    /// An `s:` argument that is not UTF-8.
    BadText,
    /// A `j:` argument that is not JSON.
    BadJson(String),
}

impl fmt::Display for AmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmpError::ArgCount(n) => write!(f, "a frame of {n} arguments (1 to {MAX_ARGS} are valid)"),
            AmpError::EmptyLast => write!(f, "a frame whose last argument is empty"),
            AmpError::Version(v) => write!(f, "a frame of version {v} (pm2 speaks version {VERSION})"),
            AmpError::TooLong(n) => write!(f, "a frame of {n} bytes (at most {MAX_FRAME} are read)"),
            AmpError::BadText => write!(f, "a text argument that is not UTF-8"),
            AmpError::BadJson(e) => write!(f, "a JSON argument that is not JSON ({e})"),
        }
    }
}

/// The frame of the argument bodies `bodies` ([`text`], [`json`]), or why pm2's daemon
/// must not be sent it: a count or an empty last argument its parser chokes on, or a
/// body it cannot read (a malformed `j:` body kills the daemon).
pub(super) fn encode(bodies: &[Vec<u8>]) -> Result<Vec<u8>, AmpError> {
    if bodies.is_empty() || bodies.len() > MAX_ARGS {
        return Err(AmpError::ArgCount(bodies.len()));
    }
    if bodies.last().is_some_and(Vec::is_empty) {
        return Err(AmpError::EmptyLast);
    }
    let size = 1 + bodies.iter().map(|b| 4 + b.len()).sum::<usize>();
    if size > MAX_FRAME {
        return Err(AmpError::TooLong(size as u64));
    }
    let mut frame = Vec::with_capacity(size);
    frame.push((VERSION << 4) | bodies.len() as u8);
    for body in bodies {
        Arg::parse(body)?;
        frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
        frame.extend_from_slice(body);
    }
    Ok(frame)
}

/// Splits a byte stream into frames: [`feed`](Decoder::feed) what was read, then take
/// frames with [`next`](Decoder::next) until it has none. After an error the stream
/// cannot be resynchronised (AMP has no marker to look for).
#[derive(Default)]
pub(super) struct Decoder {
    buffer: Vec<u8>,
}

impl Decoder {
    /// Adds bytes read from the stream.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame's arguments, `None` until one has arrived.
    pub(super) fn next(&mut self) -> Result<Option<Vec<Arg>>, AmpError> {
        let Some(&meta) = self.buffer.first() else {
            return Ok(None);
        };
        if meta >> 4 != VERSION {
            return Err(AmpError::Version(meta >> 4));
        }
        let argc = usize::from(meta & 0x0f);
        if argc == 0 {
            return Err(AmpError::ArgCount(0));
        }
        // Where each argument's body lies, while its header and body have arrived.
        let mut bodies = Vec::with_capacity(argc);
        let mut at = 1usize;
        for _ in 0..argc {
            let Some(header) = self.buffer.get(at..at + 4) else {
                return Ok(None);
            };
            let len = u32::from_be_bytes(header.try_into().expect("four bytes")) as usize;
            let end = at.saturating_add(4).saturating_add(len);
            if end > MAX_FRAME {
                return Err(AmpError::TooLong(end as u64));
            }
            bodies.push(at + 4..end);
            at = end;
        }
        if self.buffer.len() < at {
            return Ok(None);
        }
        let args = bodies
            .into_iter()
            .map(|range| Arg::parse(&self.buffer[range]))
            .collect::<Result<Vec<_>, _>>()?;
        self.buffer.drain(..at);
        Ok(Some(args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/axon")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The one frame `bytes` hold.
    fn decode(bytes: &[u8]) -> Vec<Arg> {
        let mut decoder = Decoder::default();
        decoder.feed(bytes);
        let frame = decoder.next().unwrap().expect("a whole frame");
        assert!(decoder.buffer.is_empty(), "the frame is all the bytes");
        frame
    }

    #[test]
    fn replies_captured_from_pm2_6_and_7_decode() {
        for (file, version, id) in [
            ("v7/getVersion.rep.bin", "7.0.4", "767:0"),
            ("v6/getVersion.rep.bin", "6.0.14", "3614:0"),
        ] {
            assert_eq!(
                decode(&fixture(file)),
                [Arg::Json(json!({"args": [version]})), Arg::Text(id.into())]
            );
        }
        assert_eq!(
            decode(&fixture("v7/bogusMethod.rep.bin"))[0],
            Arg::Json(json!({"error": "method \"noSuchMethod\" does not exist"}))
        );
        // pm2 6 writes the keys of every process backwards; the list reads the same.
        for file in ["v7/getMonitorData.rep.bin", "v6/getMonitorData.rep.bin"] {
            let [Arg::Json(reply), Arg::Text(_)] = &decode(&fixture(file))[..] else {
                panic!("{file}")
            };
            let list = pm2_clj_sync::process::list_of(&reply["args"][0]);
            let seen: Vec<_> = list
                .iter()
                .map(|p| (p.pm_id, p.name.as_str(), p.status.as_str(), p.pid.is_some()))
                .collect();
            assert_eq!(
                seen,
                [(0, "ticker", "online", true), (1, "crash", "errored", false)],
                "{file}"
            );
        }
    }

    #[test]
    fn frames_are_refused_that_would_break_pm2s_parser() {
        assert_eq!(encode(&[]), Err(AmpError::ArgCount(0)));
        assert_eq!(encode(&vec![text("x"); 16]), Err(AmpError::ArgCount(16)));
        assert_eq!(encode(&[text("x"), Vec::new()]), Err(AmpError::EmptyLast));
        assert!(matches!(
            encode(&[json(r#"{"type":"call""#), text("1:0")]),
            Err(AmpError::BadJson(_))
        ));
        assert_eq!(encode(&[b"s:\xff".to_vec(), text("1:0")]), Err(AmpError::BadText));
        assert_eq!(
            encode(&[text("x"), text("")]).unwrap(),
            b"\x12\0\0\0\x03s:x\0\0\0\x02s:"
        );
    }

    #[test]
    fn what_is_not_amp_is_an_error_not_a_wait() {
        for (bytes, error) in [
            (b"GET / HTTP/1.1\r\n".as_slice(), AmpError::Version(4)),
            (b"\x10", AmpError::ArgCount(0)),
            (b"\x11\xff\xff\xff\xff", AmpError::TooLong(0xffff_ffff + 5)),
        ] {
            let mut decoder = Decoder::default();
            decoder.feed(bytes);
            assert_eq!(decoder.next(), Err(error));
        }
        let mut decoder = Decoder::default();
        decoder.feed(b"\x11\0\0\0\x03j:{");
        assert!(matches!(decoder.next(), Err(AmpError::BadJson(_))));
    }

    #[test]
    fn a_600_kb_reply_in_random_pieces_decodes_whole_and_in_order() {
        let [Arg::Json(mut reply), Arg::Text(id)] =
            <[Arg; 2]>::try_from(decode(&fixture("v7/getMonitorData.rep.bin"))).unwrap()
        else {
            panic!()
        };
        // pm2 sends the app's environment twice per process: 3 × 100 KB → ~600 KB.
        for (i, key) in ["A", "B", "C"].iter().enumerate() {
            let value = json!(char::from(b'a' + i as u8).to_string().repeat(100_000));
            reply["args"][0][0]["pm2_env"][key] = value.clone();
            reply["args"][0][0]["pm2_env"]["env"][key] = value;
        }
        let big = encode(&[json(&reply.to_string()), text(&id)]).unwrap();
        assert!(big.len() > 600_000, "{}", big.len());
        let small = fixture("v7/getVersion.rep.bin");
        let stream = [small.clone(), big.clone(), small.clone(), small].concat();

        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20 {
            let mut decoder = Decoder::default();
            let mut frames = Vec::new();
            let mut at = 0;
            while at < stream.len() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly small reads, sometimes a whole socket buffer's worth.
                let size = if seed.is_multiple_of(4) {
                    65_536
                } else {
                    1 + (seed >> 8) as usize % 9_000
                };
                let end = (at + size).min(stream.len());
                decoder.feed(&stream[at..end]);
                at = end;
                while let Some(frame) = decoder.next().unwrap() {
                    frames.push(frame);
                }
            }
            assert_eq!(frames.len(), 4);
            assert_eq!(frames[1], [Arg::Json(reply.clone()), Arg::Text(id.clone())]);
            assert_eq!(frames[0], frames[3]);
            assert!(decoder.buffer.is_empty());
        }
    }
}
