//! The language server as editors run it: `pm2-clj lsp` over stdio, driven with
//! JSON-RPC, asserting exact ranges (UTF-16) and contents.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Json>,
    held: Vec<Json>,
    next_id: i64,
}

fn read_message(out: &mut impl BufRead) -> Option<Json> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse().ok();
        }
    }
    let mut body = vec![0; length?];
    out.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts `pm2-clj lsp` in `dir` and initializes it.
    fn start(dir: &Path, options: Json) -> Client {
        let mut client = Client::spawn(dir);
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": options}),
        );
        assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
        client.notify("initialized", json!({}));
        client
    }

    fn spawn(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pm2-clj"))
            .arg("lsp")
            .current_dir(dir)
            .env_remove("PORT")
            .env("PM2_CLJ_TEST_SET", "secret-value")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pm2-clj lsp");
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            while let Some(message) = read_message(&mut out) {
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            held: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, message: Json) {
        self.send_raw(&serde_json::to_vec(&message).unwrap());
    }

    fn send_raw(&mut self, body: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        stdin.write_all(body).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Json) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (the whole message).
    fn request(&mut self, method: &str, params: Json) -> Json {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The next message (held or new) that `wanted` accepts.
    fn wait_for(&mut self, wanted: impl Fn(&Json) -> bool) -> Json {
        if let Some(i) = self.held.iter().position(&wanted) {
            return self.held.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.held.push(message),
                Err(RecvTimeoutError::Timeout) => panic!("no such message; got {:#?}", self.held),
                Err(RecvTimeoutError::Disconnected) => panic!("the server went away; got {:#?}", self.held),
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Json {
        let m =
            self.wait_for(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        m["params"].clone()
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "pm2-edn", "version": 1, "text": text}}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Json {
        let r = self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}, "context": {"triggerKind": 1}}),
        );
        r["result"].clone()
    }

    /// `shutdown`, `exit`, and the exit status.
    fn finish(mut self) -> ExitStatus {
        let r = self.request("shutdown", Json::Null);
        assert_eq!(r["result"], Json::Null);
        self.notify("exit", Json::Null);
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stderr = String::new();
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                assert!(!stderr.contains("panicked"), "the server panicked: {stderr}");
                return status;
            }
            assert!(Instant::now() < deadline, "the server does not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn range(sl: u32, sc: u32, el: u32, ec: u32) -> Json {
    json!({"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}})
}

/// The position (line, UTF-16 column) of byte `offset` of `text`.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .encode_utf16()
        .count();
    (line as u32, column as u32)
}

/// Where the `nth` (from 0) occurrence of `needle` starts in `text`.
fn at(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth}"))
        .0;
    position(text, offset)
}

/// The range of the `nth` occurrence of `needle` in `text`.
fn range_of(text: &str, needle: &str, nth: usize) -> Json {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth}"))
        .0;
    let ((sl, sc), (el, ec)) = (position(text, offset), position(text, offset + needle.len()));
    range(sl, sc, el, ec)
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn diagnostics_on_open_and_on_every_change() {
    let dir = project(&[]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let mut client = Client::start(dir.path(), json!({}));
    // 𝄞 takes two UTF-16 units: `:max-restart` is at UTF-16 columns 35 to 47.
    let text = "{:apps [{:name \"𝄞\" :script \"a.js\" :max-restart 0}]}";
    client.open(&app, text);
    let published = client.diagnostics(&app);
    assert_eq!(published["version"], 1);
    assert_eq!(range_of(text, ":max-restart", 0), range(0, 35, 0, 47));
    assert_eq!(
        published["diagnostics"],
        json!([{
            "range": range(0, 35, 0, 47),
            "severity": 1,
            "code": "emit::unknown-key",
            "codeDescription": {"href": "https://pm2.keymetrics.io/docs/usage/application-declaration/"},
            "source": "pm2-clj",
            "message": ":max-restart is not a PM2 app option\nhelp: did you mean :max-restarts?",
            "data": {"fix": {"range": range(0, 35, 0, 47), "newText": ":max-restarts"}}
        }])
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": app, "version": 2},
               "contentChanges": [{"range": range(0, 47, 0, 47), "text": "s"}]}),
    );
    let published = client.diagnostics(&app);
    assert_eq!(
        (published["version"].clone(), published["diagnostics"].clone()),
        (json!(2), json!([]))
    );
    assert!(client.finish().success());
}

/// Every read error that leaves the structure whole is shown at once, not the first
/// alone: fixing one no longer uncovers the next.
#[test]
fn every_read_error_is_shown_at_once() {
    let dir = project(&[]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let mut client = Client::start(dir.path(), json!({}));
    let text =
        "{:apps [{:name \"a\" :instances 1x}\n {:name \"b\" :script :x/}\n {:name \"a\" :name \"c\"}]}";
    client.open(&app, text);
    let published = client.diagnostics(&app);
    let found: Vec<(Json, Json)> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].clone(), d["range"].clone()))
        .collect();
    assert_eq!(
        found,
        vec![
            (json!("read::bad-number"), range_of(text, "1x", 0)),
            (json!("read::bad-keyword"), range_of(text, ":x/", 0)),
            (json!("read::duplicate-key"), range_of(text, ":name", 3)),
        ]
    );
    assert!(client.finish().success());
}

#[test]
fn related_information_points_at_openers_and_import_chains() {
    let dir = project(&[
        (
            "lib.edn",
            "(def base {:autorestart true})\n(defn port [x] (inc x))\n",
        ),
        ("broken.edn", "(def oops nope)\n"),
    ]);
    let path = |name: &str| uri(&dir.path().join(name));
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&path("unclosed.pm2.edn"), "{:apps [{:name \"a\"}\n");
    let d = &client.diagnostics(&path("unclosed.pm2.edn"))["diagnostics"][0];
    assert_eq!(d["code"], "read::unclosed-delimiter");
    assert_eq!(d["range"], range(0, 19, 0, 19));
    assert_eq!(
        d["relatedInformation"],
        json!([{"location": {"uri": path("unclosed.pm2.edn"), "range": range(0, 7, 0, 8)}, "message": "opened here"}])
    );

    // An error inside an imported function: at the call here, with the body there.
    let call =
        "(import \"lib.edn\" :as lib)\n{:apps [{:name \"a\" :script \"a.js\" :port (lib/port \"80\")}]}\n";
    client.open(&path("call.pm2.edn"), call);
    let d = &client.diagnostics(&path("call.pm2.edn"))["diagnostics"][0];
    assert_eq!(d["code"], "eval::type");
    assert_eq!(d["range"], range_of(call, "(lib/port \"80\")", 0));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("in lib.edn: `inc` expects a number"),
        "{d}"
    );
    assert_eq!(d["relatedInformation"][0]["location"]["uri"], path("lib.edn"));
    let lib = "(def base {:autorestart true})\n(defn port [x] (inc x))\n";
    assert_eq!(
        d["relatedInformation"][0]["location"]["range"],
        range_of(lib, "(inc x)", 0)
    );

    // An error in an imported file: at the import here, and there once it is open.
    client.open(&path("uses.pm2.edn"), "(import \"broken.edn\")\n{:apps []}\n");
    let d = &client.diagnostics(&path("uses.pm2.edn"))["diagnostics"][0];
    assert_eq!(
        (d["code"].clone(), d["range"].clone()),
        (json!("eval::unbound-symbol"), range(0, 0, 0, 21))
    );
    assert_eq!(
        d["relatedInformation"][0]["location"]["range"],
        range(0, 10, 0, 14)
    );
    client.open(&path("broken.edn"), "(def oops nope)\n");
    let there = client.diagnostics(&path("broken.edn"));
    assert_eq!(there["diagnostics"][0]["range"], range(0, 10, 0, 14));
    assert_eq!(
        there["diagnostics"].as_array().unwrap().len(),
        1,
        "one copy, not one per analysis"
    );
    assert!(client.finish().success());
}

#[test]
fn unsaved_buffers_are_what_is_evaluated() {
    let dir = project(&[("lib.edn", "(def script \"old.js\")\n")]);
    let path = |name: &str| uri(&dir.path().join(name));
    let mut client = Client::start(dir.path(), json!({}));
    let app = "(import \"lib.edn\" :as lib)\n{:apps [{:name \"a\" :script lib/script :cwd lib/cwd}]}\n";
    client.open(&path("app.pm2.edn"), app);
    let d = &client.diagnostics(&path("app.pm2.edn"))["diagnostics"][0];
    assert_eq!(d["code"], "eval::unbound-symbol", "lib/cwd is not on disk");
    client.open(&path("lib.edn"), "(def script \"old.js\")\n(def cwd \"/srv\")\n");
    assert_eq!(client.diagnostics(&path("lib.edn"))["diagnostics"], json!([]));
    assert_eq!(
        client.diagnostics(&path("app.pm2.edn"))["diagnostics"],
        json!([]),
        "the app is analysed again with the open buffer"
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": path("lib.edn")}}),
    );
    assert_eq!(client.diagnostics(&path("lib.edn"))["diagnostics"], json!([]));
    let d = &client.diagnostics(&path("app.pm2.edn"))["diagnostics"][0];
    assert_eq!(
        d["code"], "eval::unbound-symbol",
        "closed, lib.edn is read from disk again"
    );
    assert!(client.finish().success());
}

const APP: &str = "(import \"lib.edn\" :as lib)
(def port #long #or [#env PORT 3000])
{:apps [{:name \"api\" :script \"a.js\" :max-restarts 0 :exec-mode :fork :image \"api:1\"
         :env {:PORT port :SET #env PM2_CLJ_TEST_SET}}]
 :profiles {:prod {:apps [{:name \"api\" :instances #profile {:prod 4 :staging 2}}]}}
 :static {:name #ref [:apps 0 :name] :base lib/base :sep (str/join \",\" [\"a\"])}}
";

#[test]
fn hover_shows_docs_values_and_whether_variables_are_set() {
    let dir = project(&[("lib.edn", "(def base {:autorestart true})\n")]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&app, APP);
    client.diagnostics(&app);
    let hover = |client: &mut Client, needle: &str, nth: usize| {
        let (line, character) = at(APP, needle, nth);
        client.at("textDocument/hover", &app, line, character + 1)
    };
    let h = hover(&mut client, ":max-restarts", 0);
    assert_eq!(h["range"], range_of(APP, ":max-restarts", 0));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**max_restarts** (PM2 app option): `:max-restarts` `:max_restarts` `:maxRestarts`"),
        "{text}"
    );
    assert!(
        text.contains("- PM2's default: 16") && text.contains("also writes it as maxRestarts"),
        "{text}"
    );
    let h = hover(&mut client, ":image", 0);
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**:image** (pm2-clj export key)") && text.contains("Not written into the PM2 file"),
        "{text}"
    );
    let h = hover(&mut client, "#long", 0);
    assert_eq!(
        h["contents"]["value"],
        "```clojure\n#long x\n```\nx as an integer: integers stay, strings are parsed. nil (an unset #env) is an error that names the variable."
    );
    let h = hover(&mut client, "#or", 0);
    assert_eq!(
        h["contents"]["value"],
        "```clojure\n#or [a b ...]\n```\nThe first value that is neither nil nor false; later ones are not evaluated. #or [#env PORT 8080] gives a default."
    );
    let h = hover(&mut client, "PORT", 0);
    assert_eq!(
        h["contents"]["value"],
        "`PORT` is not set in the language server's environment: `#env PORT` gives nil."
    );
    let h = hover(&mut client, "PM2_CLJ_TEST_SET", 0);
    assert_eq!(
        h["contents"]["value"],
        "`PM2_CLJ_TEST_SET` is set in the language server's environment (its value is not shown)."
    );
    assert!(!h.to_string().contains("secret-value"));
    let h = hover(&mut client, "port", 2);
    assert_eq!(
        h["contents"]["value"],
        "**port**, defined in app.pm2.edn\n\n```clojure\n3000\n```"
    );
    let h = hover(&mut client, "str/join", 0);
    assert_eq!(
        h["contents"]["value"],
        "```clojure\n(str/join sep? coll)\n```\nThe elements as text, joined with sep (nothing by default)."
    );
    let h = hover(&mut client, "lib/base", 0);
    assert_eq!(
        h["contents"]["value"],
        "**lib/base**, defined in lib.edn\n\n```clojure\n{:autorestart true}\n```"
    );
    assert!(client.finish().success());
}

#[test]
fn the_language_server_never_shows_a_secret() {
    let dir = project(&[(".env", "TOKEN=dotenv-secret-token\n")]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let text = "(def pw #secret #env PM2_CLJ_TEST_SET)
(def vars #secret #dotenv \".env\")
{:apps [{:name \"api\" :script \"a.js\" :instances pw
         :env (merge vars {:PW pw :URL (str \"pg://u:\" pw \"@db\")})}]}
";
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&app, text);
    let diagnostics = client.diagnostics(&app);
    assert_eq!(
        diagnostics["diagnostics"][0]["code"], "emit::wrong-type",
        "the secret :instances is reported: {diagnostics}"
    );
    let mut shown = vec![diagnostics];
    for (needle, nth) in [
        ("pw", 1),
        ("pw", 2),
        ("vars", 1),
        ("PM2_CLJ_TEST_SET", 0),
        (".env", 0),
    ] {
        let (line, character) = at(text, needle, nth);
        shown.push(client.at("textDocument/hover", &app, line, character + 1));
    }
    let (line, character) = at(text, "pw", 1);
    shown.push(client.at("textDocument/definition", &app, line, character + 1));
    assert!(
        shown[1].to_string().contains("**pw**"),
        "hover shows the definition: {}",
        shown[1]
    );
    for answer in &shown {
        let answer = answer.to_string();
        for secret in ["secret-value", "dotenv-secret-token"] {
            assert!(!answer.contains(secret), "{answer}");
        }
    }
    assert!(client.finish().success());
}

/// Hover, completion and diagnostics show no value read from the environment, a `.env`
/// file or an `#include` (`#env X`'s def showed `"hunter2-LSPSECRET"`): they say where it
/// was read from. A file outside the document's root is an error there too.
#[test]
fn the_language_server_shows_where_a_hidden_value_was_read_not_the_value() {
    let dir = project(&[
        (".env", "TOKEN=dotenv-LSPSECRET\n"),
        ("secret.edn", "{:token \"include-LSPSECRET\"}\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().parent().unwrap().join("lsp-outside.edn"), "1").ok();
    let app = uri(&dir.path().join("app.pm2.edn"));
    let text = "(def from-env #env PM2_CLJ_TEST_SET)
(def vars #dotenv \".env\")
(def inc #include \"secret.edn\")
{:apps [{:name \"api\" :script \"a.js\" :instances from-env :cwd (:TOKEN vars)
         :interpreter (:token inc) :env {:A from-env}}]}
";
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&app, text);
    let mut shown = vec![client.diagnostics(&app)];
    for (needle, nth) in [
        ("from-env", 0),
        ("from-env", 1),
        ("vars", 0),
        ("vars", 1),
        ("inc", 0),
        ("inc", 1),
    ] {
        let (line, character) = at(text, needle, nth);
        shown.push(client.at("textDocument/hover", &app, line, character + 1));
        shown.push(client.at("textDocument/completion", &app, line, character + 1));
    }
    let all: String = shown.iter().map(|a| a.to_string()).collect();
    for secret in ["secret-value", "dotenv-LSPSECRET", "include-LSPSECRET"] {
        assert!(!all.contains(secret), "{secret} shown: {all}");
    }
    assert!(all.contains("read from $PM2_CLJ_TEST_SET"), "{all}");
    assert!(all.contains("read from .env"), "{all}");

    let escape = uri(&dir.path().join("escape.pm2.edn"));
    client.open(
        &escape,
        "{:apps [{:name \"x\" :script \"a.js\" :instances #include \"../lsp-outside.edn\"}]}",
    );
    let diagnostics = client.diagnostics(&escape);
    assert_eq!(
        diagnostics["diagnostics"][0]["code"], "eval::outside-root",
        "{diagnostics}"
    );
    assert!(client.finish().success());
}

fn labels(items: &Json) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_offers_what_fits_where_the_cursor_is() {
    let dir = project(&[("lib.edn", "(def base {})\n(defn port [x] x)\n")]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&app, "");
    client.diagnostics(&app);
    let mut version = 1;
    // Completion where `|` is in `text` (the document becomes `text` without it).
    let mut complete = |client: &mut Client, text: &str| {
        let offset = text.find('|').unwrap();
        let text = text.replace('|', "");
        version += 1;
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": app, "version": version}, "contentChanges": [{"text": text}]}),
        );
        let (line, character) = position(&text, offset);
        client.at("textDocument/completion", &app, line, character)
    };
    let items = complete(
        &mut client,
        "{:apps [{:name \"a\" :exec-mode :fork\n         :max-r|}]}",
    );
    assert_eq!(labels(&items), [":max-restarts"]);
    assert_eq!(items[0]["kind"], 10, "a property");
    assert_eq!(
        items[0]["textEdit"],
        json!({"range": range(1, 9, 1, 15), "newText": ":max-restarts"})
    );
    let items = complete(&mut client, "{:apps [{:name \"a\" :exec-mode :fork |}]}");
    let all = labels(&items);
    assert!(
        all.contains(&":script".to_string()) && all.contains(&":max-restarts".to_string()),
        "{all:?}"
    );
    assert!(
        !all.contains(&":name".to_string()) && !all.contains(&":exec-mode".to_string()),
        "already there"
    );
    assert_eq!(
        all.len(),
        pm2_dsl_emit::schema::OPTIONS.len() - 2 + pm2_dsl_emit::targets::KEYS.len(),
        "every option but the two, and pm2-clj's export keys"
    );
    let items = complete(
        &mut client,
        "{:apps [{:name \"a\" :script \"a.js\"\n         :ima|}]}",
    );
    assert_eq!(labels(&items), [":image"]);
    assert_eq!(items[0]["detail"], "pm2-clj export key");
    let items = complete(&mut client, "{:apps [{:name \"a\" :ports [80] :export {} :i|}]}");
    let all = labels(&items);
    assert!(
        all.contains(&":image".to_string()) && !all.contains(&":ports".to_string()),
        "{all:?}"
    );
    let items = complete(
        &mut client,
        "{:apps [{:name \"a\" :export {:compose {:labels {}} |}}]}",
    );
    assert_eq!(
        labels(&items),
        [":kubernetes", ":systemd"],
        "targets not there yet"
    );
    assert_eq!(items[0]["detail"], "pm2-clj export target");
    let items = complete(&mut client, "{:apps [{:name \"a\" :export {:k|}}]}");
    assert_eq!(labels(&items), [":kubernetes"]);
    let items = complete(&mut client, "{:export {:k|}}");
    assert!(labels(&items).is_empty(), "not an app's :export");
    for text in [
        "{:apps [{:name \"a\" :export {:compose {:user \"node\" :export {|}}}}]}",
        "{:apps [{:name \"a\" :export {:kubernetes {:namespace \"x\" :export {|}}}}]}",
        "{:apps [{:name \"a\" :env {:script \"x\" :export {|}}}]}",
        "{:apps [{:name \"a\" :export {:compose {:user \"node\" |}}}]}",
    ] {
        let items = complete(&mut client, text);
        assert!(
            !labels(&items)
                .iter()
                .any(|l| l == ":kubernetes" || l == ":script"),
            "a map inside an app is no app: {text}: {items}"
        );
    }
    let items = complete(
        &mut client,
        "{:apps [{:name \"a\" :export {\"kubernetes\" {} |}}]}",
    );
    assert_eq!(labels(&items), [":compose", ":systemd"], "a string key counts");
    // A target's own keys in its map: the tables its export reads the map with.
    let items = complete(
        &mut client,
        "{:apps [{:name \"a\" :export {:kubernetes {:kind :job :c|}}}]}",
    );
    assert_eq!(
        labels(&items),
        [":cron-restart", ":container", ":config-map", ":cron-job"]
    );
    assert_eq!(items[0]["detail"], "kubernetes key");
    let items = complete(
        &mut client,
        "{:apps [{:name \"a\" :export {:systemd {:Unit {} |}}}]}",
    );
    assert_eq!(labels(&items), [":Service"]);
    let items = complete(&mut client, "{:apps [{:name \"a\" :export {:compose {:cap_|}}}]}");
    assert_eq!(labels(&items), [":cap_add", ":cap_drop"]);
    for text in [
        "{:export {:kubernetes {:c|}}}",
        "{:apps [{:name \"a\" :env {:kubernetes {:c|}}}]}",
        "{:apps [{:name \"a\" :export {:kubernetes {:deployment {:c|}}}}]}",
    ] {
        let items = complete(&mut client, text);
        assert!(labels(&items).is_empty(), "not a target's map: {text}: {items}");
    }
    let items = complete(&mut client, "{:apps [{:name \"b\" :exec-mode :c|}]}");
    assert_eq!(labels(&items), [":cluster"]);
    let items = complete(&mut client, "{:apps {:name \"b\" :exec-mode |}}");
    assert_eq!(labels(&items), [":fork", ":cluster"], "one app, not in a vector");
    let items = complete(
        &mut client,
        "{:apps [{:name \"c\" :instances #profile {:prod 1 :staging 2 |}}]}",
    );
    assert_eq!(
        labels(&items),
        [":default"],
        "the profiles the map has are not offered"
    );
    let items = complete(
        &mut client,
        "{:apps [{:name \"c\" :instances #profile {:prod 1 :staging 2} :port #profile {:prod 80 |}}]}",
    );
    assert_eq!(labels(&items), [":default", ":staging"]);
    let items = complete(&mut client, "{:profiles {:qa {}} :port #profile {:d|}}");
    assert_eq!(labels(&items), [":default"]);
    let items = complete(&mut client, "{:port #en|}");
    assert_eq!(labels(&items), ["#env", "#env!", "#envf"]);
    assert_eq!(items[0]["detail"], "#env NAME");
    let items = complete(&mut client, "(import \"lib.edn\" :as lib)\n{:port (lib/|)}");
    assert_eq!(labels(&items), ["lib/base", "lib/port"]);
    let items = complete(
        &mut client,
        "(import \"lib.edn\" :as lib)\n(def max-port 9)\n{:port (ma|)}",
    );
    assert_eq!(labels(&items), ["map", "mapv", "max", "map?", "max-port"]);
    let items = complete(&mut client, "(import \"lib.edn\" :as lib)\n{:port (l|)}");
    assert_eq!(
        labels(&items),
        ["let", "last", "list", "lib/"],
        "special forms, functions, then aliases"
    );
    let items = complete(&mut client, "{:name \"in a str|ing\"}");
    assert_eq!(items, json!([]), "nothing inside a string");
    assert!(client.finish().success());
}

#[test]
fn definitions_lead_to_defs_imports_and_refs() {
    let dir = project(&[("lib.edn", "(def base {:autorestart true})\n")]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let lib = uri(&dir.path().join("lib.edn"));
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&app, APP);
    client.diagnostics(&app);
    let lib_text = "(def base {:autorestart true})\n";
    let goto = |client: &mut Client, needle: &str, nth: usize| {
        let (line, character) = at(APP, needle, nth);
        client.at("textDocument/definition", &app, line, character + 1)
    };
    let d = goto(&mut client, "port", 2);
    assert_eq!(d, json!({"uri": app, "range": range_of(APP, "port", 1)}), "port");
    let d = goto(&mut client, "lib/base", 0);
    assert_eq!(
        d,
        json!({"uri": lib, "range": range_of(lib_text, "base", 0)}),
        "lib/base"
    );
    let d = goto(&mut client, "\"lib.edn\"", 0);
    assert_eq!(d, json!({"uri": lib, "range": range(0, 0, 0, 0)}), "the import");
    let d = goto(&mut client, ":apps 0 :name", 0);
    assert_eq!(
        d,
        json!({"uri": app, "range": range_of(APP, "\"api\"", 0)}),
        "#ref [:apps 0 :name] is \"api\""
    );
    assert!(client.finish().success());
}

#[test]
fn symbols_fixes_and_formatting() {
    let dir = project(&[("lib.edn", "(def base {:autorestart true})\n")]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let mut client = Client::start(dir.path(), json!({}));
    client.open(&app, APP);
    client.diagnostics(&app);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": app}}),
    )["result"]
        .clone();
    let outline: Vec<(String, i64)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["kind"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outline,
        [
            ("port".to_string(), 13),
            ("lib".to_string(), 2),
            ("api".to_string(), 19),
            (":prod".to_string(), 3)
        ]
    );
    let app_map = APP.find("{:name \"api\"").unwrap();
    let app_end = APP.find("}}]").unwrap() + 2;
    let (sl, sc) = position(APP, app_map);
    let (el, ec) = position(APP, app_end);
    assert_eq!(symbols[2]["range"], range(sl, sc, el, ec));
    assert_eq!(symbols[3]["children"][0]["name"], "api");

    let typo = "{:apps [{:name \"a\" :script \"a.js\"\n:max-memory-restrat \"1G\"}]}";
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": app, "version": 2}, "contentChanges": [{"text": typo}]}),
    );
    client.diagnostics(&app);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": app}, "range": range(1, 3, 1, 3), "context": {"diagnostics": []}}),
    )["result"]
        .clone();
    assert_eq!(actions.as_array().unwrap().len(), 1);
    assert_eq!(actions[0]["title"], "Replace with `:max-memory-restart`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"],
        json!({"changes": {app.clone(): [{"range": range_of(typo, ":max-memory-restrat", 0), "newText": ":max-memory-restart"}]}})
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": app}, "options": {"tabSize": 2, "insertSpaces": true}}),
    )["result"]
        .clone();
    let (el, ec) = position(typo, typo.len());
    assert_eq!(
        edits,
        json!([{"range": range(0, 0, el, ec),
                "newText": "{:apps [{:name \"a\"\n         :script \"a.js\"\n         :max-memory-restrat \"1G\"}]}\n"}])
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": app, "version": 3}, "contentChanges": [{"text": "{:a"}]}),
    );
    let failed = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": app}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(failed["error"]["code"], -32803, "RequestFailed: {failed}");
    assert!(client.finish().success());
}

#[test]
fn hostile_clients_get_errors_not_crashes() {
    let dir = project(&[]);
    let app = uri(&dir.path().join("app.pm2.edn"));
    let mut client = Client::spawn(dir.path());
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "ServerNotInitialized");
    let init = client.request("initialize", json!({"capabilities": {}}));
    assert!(init["result"]["capabilities"].is_object());
    client.send_raw(b"{this is not json");
    client.send_raw(br#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///nowhere.edn","version":2},"contentChanges":[{"text":"x"}]}}"#);
    let logged = client.wait_for(|m| {
        m["method"] == "window/logMessage" && m["params"]["message"].as_str().unwrap().contains("nowhere")
    });
    assert!(
        logged["params"]["message"]
            .as_str()
            .unwrap()
            .contains("is not open"),
        "{logged}"
    );
    client.open(&app, "{:apps [{:name \"a\" :script \"a.js\"}]}");
    client.diagnostics(&app);
    let past = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": app}, "position": {"line": 9, "character": 0}}),
    );
    assert_eq!(past["error"]["code"], -32602, "InvalidParams: {past}");
    let wide = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": app}, "position": {"line": 0, "character": 4000}}),
    );
    assert_eq!(
        wide["result"],
        Json::Null,
        "a column past the end means the end of the line"
    );
    let unopened = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.edn"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(unopened["error"]["code"], -32602);
    let unknown = client.request("workspace/frobnicate", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": app, "version": 2},
               "contentChanges": [{"range": range(7, 0, 7, 1), "text": "x"}]}),
    );
    let logged = client.wait_for(|m| {
        m["method"] == "window/logMessage" && m["params"]["message"].as_str().unwrap().contains("outside")
    });
    assert!(logged.is_object());
    // Deep and huge documents end in diagnostics.
    let deep = "[".repeat(100_000);
    client.open(&uri(&dir.path().join("deep.pm2.edn")), &deep);
    let d = client.diagnostics(&uri(&dir.path().join("deep.pm2.edn")));
    assert_eq!(d["diagnostics"][0]["code"], "read::too-deep");
    // 400 KB, 10,000 apps, one of them wrong: one diagnostic, in bounded time.
    let mut apps: String = (0..10_000)
        .map(|i| format!("{{:name \"app-{i}\" :script \"s.js\"}}\n"))
        .collect();
    apps.push_str("{:name \"last\" :script \"s.js\" :max-restart 1}");
    let huge = format!("{{:apps [{apps}]}}");
    let huge_uri = uri(&dir.path().join("huge.pm2.edn"));
    let started = Instant::now();
    client.open(&huge_uri, &huge);
    let d = client.diagnostics(&huge_uri);
    assert_eq!(d["diagnostics"][0]["range"], range_of(&huge, ":max-restart", 0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // Many diagnostics at once.
    let many: String = (0..2_000)
        .map(|i| format!("{{:name \"a{i}\" :script \"s.js\" :bad-key 1}}\n"))
        .collect();
    let many_uri = uri(&dir.path().join("many.pm2.edn"));
    client.open(&many_uri, &format!("{{:apps [{many}]}}"));
    assert_eq!(
        client.diagnostics(&many_uri)["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        2_000
    );
    // The client goes away without shutdown: the server stops, with code 1.
    drop(client.stdin.take());
    assert_eq!(client.wait().code(), Some(1));
}

#[test]
fn exit_without_shutdown_is_a_failure_and_requests_after_shutdown_are_refused() {
    let dir = project(&[]);
    let mut client = Client::start(dir.path(), json!({}));
    client.notify("exit", Json::Null);
    assert_eq!(client.wait().code(), Some(1));
    let mut client = Client::start(dir.path(), json!({}));
    client.request("shutdown", Json::Null);
    let refused = client.request("textDocument/hover", json!({}));
    assert_eq!(refused["error"]["code"], -32600);
    client.notify("exit", Json::Null);
    assert!(client.wait().success());
}
