//! The language server against a hostile or broken client, in memory: byte streams
//! through [`pm2_clj_lsp::serve`] (messages too large to frame through
//! [`pm2_clj_lsp::server::run`]), with a counting allocator measuring the most the
//! process held at once while the server ran.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::VecDeque;
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, unbounded};
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value as Json, json};

/// The system allocator, counting the bytes held now and the most held at once.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let held = HELD.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(held, Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        HELD.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests share the counters: one runs at a time, from its first allocation.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// `run`'s result, and the most bytes held at once while it ran above what was held
/// when it started.
fn measured<T>(run: impl FnOnce() -> T) -> (T, usize) {
    let start = HELD.load(Relaxed);
    PEAK.store(start, Relaxed);
    let result = run();
    (result, PEAK.load(Relaxed).saturating_sub(start))
}

const MIB: usize = 1 << 20;

/// Part of what the client sends.
enum Part {
    Bytes(Vec<u8>),
    /// A byte, so many times: made as it is read, never held.
    Repeat(u8, u64),
}

/// The client's side of the connection: its parts in order, counting the bytes pulled.
struct Client {
    parts: VecDeque<Part>,
    pulled: Arc<AtomicU64>,
}

impl Read for Client {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match self.parts.front_mut() {
            None => return Ok(0),
            Some(Part::Bytes(bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                bytes.drain(..n);
                if bytes.is_empty() {
                    self.parts.pop_front();
                }
                n
            }
            Some(Part::Repeat(byte, left)) => {
                let n = (*left).min(buf.len() as u64) as usize;
                buf[..n].fill(*byte);
                *left -= n as u64;
                if *left == 0 {
                    self.parts.pop_front();
                }
                n
            }
        };
        self.pulled.fetch_add(n as u64, Relaxed);
        Ok(n)
    }
}

/// What the server writes.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    /// The messages written, unframed.
    fn messages(&self) -> Vec<Json> {
        let bytes = self.0.lock().unwrap();
        let mut rest = &bytes[..];
        let mut out = Vec::new();
        while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = std::str::from_utf8(&rest[..end]).unwrap();
            let length: usize = headers
                .strip_prefix("Content-Length: ")
                .and_then(|l| l.parse().ok())
                .unwrap_or_else(|| panic!("bad headers {headers:?}"));
            let body = &rest[end + 4..end + 4 + length];
            out.push(serde_json::from_slice(body).unwrap());
            rest = &rest[end + 4 + length..];
        }
        out
    }
}

fn frame(message: &Json) -> Vec<u8> {
    framed_as(message, None)
}

/// `message` framed with `length` as its Content-Length (its own length when `None`).
fn framed_as(message: &Json, length: Option<u64>) -> Vec<u8> {
    let body = serde_json::to_vec(message).unwrap();
    let length = length.unwrap_or(body.len() as u64);
    let mut out = format!("Content-Length: {length}\r\n\r\n").into_bytes();
    out.extend(body);
    out
}

fn request(id: i64, method: &str, params: Json) -> Json {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn notification(method: &str, params: Json) -> Json {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// What a session gave.
struct Session {
    result: Result<(), String>,
    messages: Vec<Json>,
    /// The most bytes held at once while the server ran.
    peak: usize,
    /// The bytes the server read of what the client sent.
    pulled: u64,
    took: Duration,
}

impl Session {
    /// Initializes, sends `hostile`, then asks `shutdown` (id 99) and exits; the
    /// server must get through it all within a minute.
    fn run(hostile: Vec<Part>) -> Session {
        let mut parts = VecDeque::from([Part::Bytes(frame(&request(
            1,
            "initialize",
            json!({"capabilities": {}}),
        )))]);
        parts.extend(hostile);
        parts.push_back(Part::Bytes(frame(&request(99, "shutdown", Json::Null))));
        parts.push_back(Part::Bytes(frame(&notification("exit", Json::Null))));
        let pulled = Arc::new(AtomicU64::new(0));
        let client = Client {
            parts,
            pulled: pulled.clone(),
        };
        let written = Written::default();
        let output = written.clone();
        let started = Instant::now();
        let (result, peak) = measured(|| {
            let (done, finished) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = done.send(pm2_clj_lsp::serve(BufReader::new(client), output));
            });
            finished
                .recv_timeout(Duration::from_secs(60))
                .expect("the session ends within a minute")
        });
        Session {
            result,
            messages: written.messages(),
            peak,
            pulled: pulled.load(Relaxed),
            took: started.elapsed(),
        }
    }

    fn answered(&self, id: i64) -> bool {
        self.messages
            .iter()
            .any(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The messages the server logged about messages it dropped.
    fn drops(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter(|m| m["method"] == "window/logMessage")
            .filter_map(|m| m["params"]["message"].as_str())
            .filter(|m| m.contains("dropped"))
            .map(str::to_string)
            .collect()
    }

    /// The server answered what came after the hostile part and ended the session
    /// cleanly, having logged exactly one drop; that log.
    fn recovered(&self) -> String {
        assert_eq!(self.result, Ok(()), "the session ends with shutdown and exit");
        assert!(self.answered(99), "the request after the garbage is answered");
        match self.drops().as_slice() {
            [one] => one.clone(),
            all => panic!("one drop is logged, not {all:?}"),
        }
    }
}

#[test]
fn a_header_line_with_no_end_holds_at_most_its_bound() {
    let _alone = alone();
    let junk = 100_000_000;
    let s = Session::run(vec![Part::Repeat(b'a', junk)]);
    let logged = s.recovered();
    assert!(logged.contains("header line"), "{logged}");
    assert!(
        s.pulled > junk,
        "the server reads through the junk to the next frame"
    );
    assert!(s.peak < MIB, "held {} bytes at most", s.peak);
    eprintln!(
        "100 MB header line: {} bytes held at most, recovered in {:?}",
        s.peak, s.took
    );
}

#[test]
fn a_short_content_length_costs_one_message_not_the_session() {
    let _alone = alone();
    let cut = request(2, "shutdown", Json::Null);
    let s = Session::run(vec![
        Part::Bytes(framed_as(&cut, Some(10))),
        Part::Bytes(frame(&request(3, "textDocument/hover", json!({})))),
    ]);
    let logged = s.recovered();
    assert!(logged.contains("not a JSON-RPC message"), "{logged}");
    assert!(!s.answered(2), "the message cut short is dropped");
    assert!(s.answered(3), "the next frame is read");
    assert!(s.peak < MIB, "held {} bytes at most", s.peak);
}

#[test]
fn a_content_length_of_a_terabyte_is_refused_unread() {
    let _alone = alone();
    let huge = request(2, "shutdown", Json::Null);
    let s = Session::run(vec![Part::Bytes(framed_as(&huge, Some(1_000_000_000_000)))]);
    let logged = s.recovered();
    assert!(logged.contains("over the limit"), "{logged}");
    assert!(!s.answered(2));
    assert!(s.peak < MIB, "held {} bytes at most", s.peak);
}

/// The first diagnostics published, when they come within `within`.
fn diagnostics(from_server: &Receiver<Message>, within: Duration) -> Json {
    let deadline = Instant::now() + within;
    loop {
        match from_server.recv_deadline(deadline) {
            Ok(Message::Notification(n)) if n.method == "textDocument/publishDiagnostics" => {
                return n.params;
            }
            Ok(_) => {}
            Err(e) => panic!("no diagnostics within {within:?}: {e}"),
        }
    }
}

/// A `didOpen` of `text`, made without copying it.
fn did_open(uri: &str, text: String) -> Message {
    let mut document = serde_json::Map::new();
    document.insert("uri".into(), uri.into());
    document.insert("languageId".into(), "pm2-edn".into());
    document.insert("version".into(), 1.into());
    document.insert("text".into(), Json::String(text));
    let params = json!({ "textDocument": Json::Object(document) });
    Notification::new("textDocument/didOpen".into(), params).into()
}

/// Opens `text` as `uri` in a server driven through its channels; the diagnostics it
/// publishes (within `within` of the `didOpen`), how long they took, and the most bytes
/// held at once beyond the text.
fn open_directly(uri: &str, text: String, within: Duration) -> (Json, Duration, usize) {
    let open = did_open(uri, text);
    let ((params, took), peak) = measured(|| {
        let (to_server, from_client) = unbounded();
        let (to_client, from_server) = unbounded();
        let server = std::thread::spawn(move || pm2_clj_lsp::server::run(to_client, from_client));
        let initialize = json!({"capabilities": {}});
        let id = RequestId::from(1);
        to_server
            .send(Request::new(id, "initialize".into(), initialize).into())
            .unwrap();
        let started = Instant::now();
        to_server.send(open).unwrap();
        let params = diagnostics(&from_server, within);
        let took = started.elapsed();
        let shutdown = Request::new(RequestId::from(2), "shutdown".into(), Json::Null);
        to_server.send(shutdown.into()).unwrap();
        to_server
            .send(Notification::new("exit".into(), Json::Null).into())
            .unwrap();
        assert_eq!(server.join().unwrap(), Ok(()));
        (params, took)
    });
    (params, took, peak)
}

#[test]
fn a_200_mb_buffer_is_refused_at_the_file_size_limit_without_a_copy() {
    let _alone = alone();
    let text = format!("{{:apps []}}\n;{}", "x".repeat(200_000_000));
    let uri = "file:///nowhere/huge.pm2.edn";
    let (params, took, peak) = open_directly(uri, text, Duration::from_secs(1));
    let diagnostic = &params["diagnostics"][0];
    assert_eq!(diagnostic["code"], "file::too-large", "{params}");
    let message = diagnostic["message"].as_str().unwrap();
    assert!(
        message.contains("it holds 200000012 bytes, more than the limit of 16777216"),
        "{message}"
    );
    assert!(peak < 4 * MIB, "held {peak} bytes at most beyond the text");
    eprintln!("200 MB buffer: file::too-large in {took:?}, {peak} bytes held at most beyond it");
}

#[test]
fn a_buffer_of_millions_of_forms_is_read_within_the_evaluators_budget() {
    let _alone = alone();
    // 15.6 MB, under the size limit: 7.8 million forms, more than 256 MiB of them holds.
    let text = "1 ".repeat(7_800_000);
    let uri = "file:///nowhere/many.pm2.edn";
    let (params, took, peak) = open_directly(uri, text, Duration::from_secs(60));
    assert_eq!(
        params["diagnostics"][0]["code"], "read::too-many-forms",
        "{params}"
    );
    // Its tree was read whole before: 738 MB.
    assert!(peak < 320 * MIB, "held {peak} bytes at most beyond the text");
    eprintln!("7.8 million forms: read::too-many-forms in {took:?}, {peak} bytes held at most");
}

#[test]
fn shared_structure_stops_at_the_evaluators_budget() {
    let _alone = alone();
    // Ten laughs, then each level ten of the one before: 10^10 "lol"s if nothing stopped it.
    let mut text = String::from(
        "(def l0 [\"lol\" \"lol\" \"lol\" \"lol\" \"lol\" \"lol\" \"lol\" \"lol\" \"lol\" \"lol\"])\n",
    );
    for level in 1..10 {
        let previous = format!("l{} ", level - 1).repeat(10);
        text += &format!("(def l{level} [{previous}])\n");
    }
    text += "{:apps [{:name \"lol\" :script \"lol.js\" :args l9}]}\n";
    let uri = "file:///nowhere/laughs.pm2.edn";
    let open = notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "pm2-edn", "version": 1, "text": text}}),
    );
    // A request about the document analyses it first.
    let symbols = request(
        2,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let s = Session::run(vec![Part::Bytes(frame(&open)), Part::Bytes(frame(&symbols))]);
    assert_eq!(s.result, Ok(()));
    let published = s
        .messages
        .iter()
        .find(|m| m["method"] == "textDocument/publishDiagnostics")
        .expect("diagnostics");
    let diagnostic = &published["params"]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "eval::limit", "{published}");
    assert!(s.took < Duration::from_secs(1), "took {:?}", s.took);
    assert!(s.peak < 64 * MIB, "held {} bytes at most", s.peak);
    eprintln!(
        "10^10 laughs: eval::limit at {} in {:?}, {} bytes held at most",
        diagnostic["range"]["start"], s.took, s.peak
    );
}

#[test]
fn a_buffer_over_the_size_limit_through_stdio_is_neither_evaluated_nor_formatted() {
    let _alone = alone();
    let uri = "file:///nowhere/big.pm2.edn";
    let text = format!("{{:apps []}}\n;{}", "x".repeat(17 * MIB));
    let open = notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "pm2-edn", "version": 1, "text": text}}),
    );
    let format = request(
        2,
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let symbols = request(
        3,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let s = Session::run(vec![
        Part::Bytes(frame(&open)),
        Part::Bytes(frame(&format)),
        Part::Bytes(frame(&symbols)),
    ]);
    assert_eq!(s.result, Ok(()));
    let published = s
        .messages
        .iter()
        .find(|m| m["method"] == "textDocument/publishDiagnostics")
        .expect("diagnostics");
    assert_eq!(published["params"]["diagnostics"][0]["code"], "file::too-large");
    let refused = s.messages.iter().find(|m| m["id"] == 2).unwrap();
    assert_eq!(refused["error"]["code"], -32803, "RequestFailed: {refused}");
    // The body, lsp-server's parse of it, the text and the document's copy of it.
    assert!(s.peak < 5 * 17 * MIB, "held {} bytes at most", s.peak);
    eprintln!(
        "17 MiB buffer over stdio: file::too-large in {:?}, {} bytes held at most",
        s.took, s.peak
    );
}

/// The labels a completion at `line:character` of `text` offers, and how long the
/// server took to answer it (the document analysed before the request).
fn completed(text: String, line: u32, character: u32) -> (Vec<String>, Duration) {
    let uri = "file:///nowhere/wide.pm2.edn";
    let (to_server, from_client) = unbounded();
    let (to_client, from_server) = unbounded();
    let server = std::thread::spawn(move || pm2_clj_lsp::server::run(to_client, from_client));
    let initialize = Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({"capabilities": {}}),
    );
    to_server.send(initialize.into()).unwrap();
    to_server.send(did_open(uri, text)).unwrap();
    diagnostics(&from_server, Duration::from_secs(30));
    let position = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let asked = Instant::now();
    let completion = Request::new(RequestId::from(2), "textDocument/completion".into(), position);
    to_server.send(completion.into()).unwrap();
    let items = loop {
        match from_server.recv_timeout(Duration::from_secs(60)) {
            Ok(Message::Response(r)) if r.id == RequestId::from(2) => break r.response_result.unwrap(),
            Ok(_) => {}
            Err(e) => panic!("no completion: {e}"),
        }
    };
    let took = asked.elapsed();
    to_server
        .send(Request::new(RequestId::from(3), "shutdown".into(), Json::Null).into())
        .unwrap();
    to_server
        .send(Notification::new("exit".into(), Json::Null).into())
        .unwrap();
    assert_eq!(server.join().unwrap(), Ok(()));
    // A list cut short comes as an incomplete `CompletionList`.
    let list = items.get("items").unwrap_or(&items);
    if items.get("items").is_some() {
        assert_eq!(items["isIncomplete"], true, "{items}");
    }
    let labels = (list.as_array().unwrap().iter())
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect();
    (labels, took)
}

/// Completion in an app map of 100,000 keys answers within a second: each key is looked
/// up in the option table, not measured against every option for a did-you-mean (which
/// took 22 s here in a debug build). In a `#profile` map of 100,000 profiles, the ones
/// it has are not offered again (100,002 items, 19 MB, took a second).
#[test]
fn completion_in_a_map_of_100_000_keys_answers_at_once() {
    let _alone = alone();
    let keys: String = (0..100_000).map(|i| format!(":k{i} {i} ")).collect();
    let text = format!("{{:apps [{{:name \"a\" :script \"a.js\" {keys}\n :}}]}}\n");
    let (labels, took) = completed(text, 1, 2);
    assert!(labels.iter().any(|l| l == ":max-restarts"), "{labels:?}");
    assert!(
        !labels.iter().any(|l| l == ":script"),
        "a key already there is not offered"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    eprintln!("completion in an app map of 100,000 keys: {took:?}");

    let text = format!("{{:apps [{{:name \"a\" :instances #profile {{{keys}\n }}}}]}}\n");
    let (labels, took) = completed(text, 1, 1);
    assert_eq!(labels, [":default"]);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    eprintln!("completion in a #profile map of 100,000 profiles: {took:?}");

    // 100,000 profiles named elsewhere: the first 1,000 of them, marked incomplete.
    let text = format!("{{:profiles {{{keys}}} :apps [{{:name \"a\" :instances #profile {{\n }}}}]}}\n");
    let (labels, took) = completed(text, 1, 1);
    assert_eq!(labels.len(), 1000);
    assert_eq!(labels[0], ":default");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    eprintln!("completion offering 100,001 profiles, cut to 1,000: {took:?}");
}
