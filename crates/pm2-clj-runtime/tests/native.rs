//! The native client against the real pm2, 7 (`tools/pm2`) and the newest 6
//! (`tools/pm2-6`), each in an isolated PM2_HOME: the list is pm2's own, stop, restart
//! and delete by id take effect in `pm2 jlist`, the bus brings lifecycle events and
//! output lines, and a crash's `exit` and `online` come within 50 ms of the exit. And
//! against stand-ins on the socket that speak garbage, hang up, never answer or claim
//! an unknown version: the client fails within its deadline and `connect` falls back
//! to pm2's Node client with a note.

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pm2_clj_runtime::pm2::native::{Bus, BusEvent, BusMessage, Client, EventKind, LogStream};
use pm2_clj_runtime::pm2::{Pm2Options, connect};
use pm2_clj_sync::facts::Status;
use pm2_clj_testkit::{Pm2 as Daemon, pm2_6_bin, pm2_bin};

const TIMEOUT: Duration = Duration::from_secs(20);

/// Writes the test apps into `dir`: `ticker.js` prints a line every 100 ms (every
/// fifth on stderr); `crash.js` says when it exits (ms since the epoch), 300 ms after
/// it starts.
fn apps(dir: &Path) -> (PathBuf, PathBuf) {
    let ticker = dir.join("ticker.js");
    std::fs::write(
        &ticker,
        "let n = 0;\nsetInterval(() => { n++; (n % 5 ? console.log : console.error)(`tick ${n}`); }, 100);\n",
    )
    .unwrap();
    let crash = dir.join("crash.js");
    std::fs::write(
        &crash,
        "setTimeout(() => { console.log(`exiting ${Date.now()}`); process.exit(1); }, 300);\n",
    )
    .unwrap();
    (ticker, crash)
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// Takes bus messages until `want` matches one (returned with when it arrived, in ms
/// since the epoch), or panics after 10 s.
fn until<T>(bus: &Bus, what: &str, mut want: impl FnMut(&BusMessage) -> Option<T>) -> (T, f64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(message) = bus.next(Duration::from_millis(100)).unwrap()
            && let Some(found) = want(&message)
        {
            return (found, now_ms());
        }
    }
    panic!("no {what} on the bus within 10 s");
}

fn event(kind: EventKind, id: u64) -> impl FnMut(&BusMessage) -> Option<BusEvent> {
    move |m| match m {
        BusMessage::Event(e) if e.kind == kind && e.pm_id == id => Some(e.clone()),
        _ => None,
    }
}

/// What identifies a process's state, as `pm2 jlist` shows it.
fn jlist_states(daemon: &Daemon) -> Vec<(u64, String, String, u64, u64)> {
    let mut states: Vec<_> = daemon
        .jlist()
        .iter()
        .map(|a| {
            let id = a.raw["pm_id"].as_u64().unwrap();
            (
                id,
                a.name().to_string(),
                a.status().to_string(),
                a.pid(),
                a.restarts(),
            )
        })
        .collect();
    states.sort();
    states
}

fn id_of(daemon: &Daemon, name: &str) -> u64 {
    daemon.app(name)[0].raw["pm_id"].as_u64().unwrap()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn exercise(bin: &Path) {
    let daemon = Daemon::start_with(bin);
    let dir = tempfile::tempdir().unwrap();
    let (ticker, crash) = apps(dir.path());
    let home = Some(daemon.home());

    let client = Client::connect(home, TIMEOUT).unwrap();
    let said = daemon.run(&["--version"]);
    let version = String::from_utf8_lossy(&said.stdout).trim().to_string();
    assert_eq!(client.version().unwrap(), version);
    let bus = Bus::connect(home, TIMEOUT).unwrap();

    for name in ["a", "b", "c"] {
        assert!(
            daemon
                .run(&["start", ticker.to_str().unwrap(), "--name", name])
                .status
                .success()
        );
    }
    daemon.wait_online(&["a", "b", "c"]);
    let mut listed: Vec<_> = client
        .list()
        .unwrap()
        .iter()
        .map(|p| {
            let pid = p.pid.map_or(0, u64::from);
            (
                p.pm_id,
                p.name.clone(),
                p.status.as_str().to_string(),
                pid,
                p.restarts,
            )
        })
        .collect();
    listed.sort();
    assert_eq!(listed, jlist_states(&daemon), "the list is pm2 jlist's");

    let (a, b, c) = (id_of(&daemon, "a"), id_of(&daemon, "b"), id_of(&daemon, "c"));
    let (line, _) = until(&bus, "a line of c", |m| match m {
        BusMessage::Log(l) if l.pm_id == c && l.stream == LogStream::Out => Some(l.clone()),
        _ => None,
    });
    assert!(line.text.starts_with("tick ") && line.name == "c", "{line:?}");
    until(&bus, "an error line of c", |m| match m {
        BusMessage::Log(l) if l.pm_id == c && l.stream == LogStream::Err => Some(()),
        _ => None,
    });

    client.stop(&[a]).unwrap();
    assert_eq!(daemon.app("a")[0].status(), "stopped");
    assert_eq!(daemon.app("b")[0].status(), "online", "only a stops");
    let (stopped, _) = until(&bus, "a's stop event", event(EventKind::Stop, a));
    assert_eq!((stopped.name.as_str(), &stopped.status), ("a", &Status::Stopped));

    let before = daemon.app("b")[0].clone();
    client.restart(&[a, b]).unwrap();
    let after = daemon.app("b")[0].clone();
    assert_eq!(after.restarts(), before.restarts() + 1);
    assert_ne!(after.pid(), before.pid());
    daemon.wait_online(&["a", "b"]);
    until(&bus, "b's restart event", event(EventKind::Restart, b));

    client.delete(&[b]).unwrap();
    assert!(daemon.app("b").is_empty(), "b is deleted");
    assert_eq!(daemon.jlist().len(), 2);
    until(&bus, "b's delete event", event(EventKind::Delete, b));

    let err = client.stop(&[99]).unwrap_err();
    assert_eq!(err.to_string(), "pm2 stopProcessId failed: 99 : id unknown");
    let err = client.delete(&[99]).unwrap_err();
    assert_eq!(err.code(), "runtime::pm2-failed");
    assert_eq!(client.version().unwrap(), version, "the daemon lives on");

    // A crash loop: when each exit and the restart's online arrive, against the
    // moment the app said it exits.
    assert!(
        daemon
            .run(&["start", crash.to_str().unwrap(), "--name", "crash"])
            .status
            .success()
    );
    let (mut exits, mut onlines) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + Duration::from_secs(30);
    while exits.len() < 5 {
        // One crash: the app's last words and its exit (in either order), then the
        // online of its restart.
        let (mut said, mut exit_at, mut online_at) = (None, None, None);
        while online_at.is_none() {
            assert!(Instant::now() < deadline, "5 crashes within 30 s");
            let Some(message) = bus.next(Duration::from_millis(100)).unwrap() else {
                continue;
            };
            let at = now_ms();
            match message {
                BusMessage::Log(l) if l.name == "crash" => {
                    said = said.or(l
                        .text
                        .strip_prefix("exiting ")
                        .and_then(|t| t.parse::<f64>().ok()));
                }
                BusMessage::Event(e) if e.name == "crash" && e.kind == EventKind::Exit => {
                    assert_eq!(e.status, Status::Stopped);
                    exit_at = exit_at.or(Some(at));
                }
                BusMessage::Event(e)
                    if e.name == "crash" && e.kind == EventKind::Online && exit_at.is_some() =>
                {
                    assert_eq!(e.status, Status::Launching);
                    online_at = Some(at);
                }
                _ => {}
            }
        }
        let said = said.expect("the app's last words came before its restart");
        exits.push(exit_at.unwrap() - said);
        onlines.push(online_at.unwrap() - said);
    }
    eprintln!(
        "pm2 {version}: exit event after {:.1} ms (median; each {exits:.1?}), online after {:.1} ms ({onlines:.1?}); {} dropped",
        median(exits.clone()),
        median(onlines.clone()),
        bus.dropped()
    );
    assert!(median(exits) < 50.0 && median(onlines) < 50.0);
    assert_eq!(bus.dropped(), 0);
}

#[test]
fn the_native_client_drives_pm2_7() {
    exercise(&pm2_bin());
}

#[test]
fn the_native_client_drives_pm2_6() {
    exercise(&pm2_6_bin());
}

/// How a stand-in on the daemon's socket behaves.
#[derive(Clone, Copy, Debug)]
enum Stand {
    /// Answers anything with an HTTP error.
    Garbage,
    /// Reads a request and hangs up (as a daemon that died of it).
    HangsUp,
    /// Reads and never answers.
    Silent,
    /// Answers `getVersion` as pm2 9.0.0 would.
    Version9,
}

/// A stand-in serving every connection to `home/rpc.sock` until the test ends.
fn stand_in(home: &Path, stand: Stand) {
    let listener = UnixListener::bind(home.join("rpc.sock")).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0; 4096];
                match stand {
                    Stand::HangsUp => {
                        let _ = stream.read(&mut request);
                    }
                    Stand::Garbage => {
                        let _ = stream.read(&mut request);
                        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
                    }
                    Stand::Silent => while stream.read(&mut request).is_ok_and(|n| n > 0) {},
                    Stand::Version9 => {
                        // The id is the request's last argument, `s:PID:N` (pm2's own
                        // client, falling back, only connects).
                        let n = stream.read(&mut request).unwrap_or(0);
                        let Some(at) = request[..n].windows(2).rposition(|w| w == b"s:") else {
                            return;
                        };
                        let id = &request[at..n];
                        let body = br#"j:{"args":["9.0.0"]}"#;
                        let mut frame = vec![0x12];
                        frame.extend((body.len() as u32).to_be_bytes());
                        frame.extend(body);
                        frame.extend((id.len() as u32).to_be_bytes());
                        frame.extend(id);
                        let _ = stream.write_all(&frame);
                        while stream.read(&mut request).is_ok_and(|n| n > 0) {}
                    }
                }
            });
        }
    });
}

#[test]
fn a_socket_that_is_not_pm2_fails_within_the_deadline_and_connect_falls_back() {
    let timeout = Duration::from_secs(1);
    for (stand, code, words) in [
        (Stand::Garbage, "runtime::pm2-protocol", "a frame of version 4"),
        (
            Stand::HangsUp,
            "runtime::pm2-unreachable",
            "closed the connection",
        ),
        (Stand::Silent, "runtime::pm2-timeout", "did not finish within 1s"),
        (Stand::Version9, "runtime::pm2-protocol", "it is pm2 9.0.0"),
    ] {
        let home = tempfile::Builder::new().prefix("p2n").tempdir_in("/tmp").unwrap();
        stand_in(home.path(), stand);
        let started = Instant::now();
        let err = Client::connect(Some(home.path()), timeout)
            .err()
            .expect("no client");
        let took = started.elapsed();
        assert_eq!(err.code(), code, "{stand:?}: {err}");
        assert!(err.to_string().contains(words), "{stand:?}: {err}");
        assert!(
            took < timeout + Duration::from_millis(500),
            "{stand:?} took {took:?}"
        );

        let connection = connect(&Pm2Options {
            timeout,
            bin: Some(pm2_bin()),
            home: Some(home.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        let note = connection.note.clone().unwrap_or_default();
        assert!(
            note.starts_with("not driving pm2 on its daemon's socket: ") && note.contains(words),
            "{stand:?}: {note}"
        );
        assert!(!note.contains('\n'), "one line: {note}");
        assert!(
            connection.pm2.describe().contains("through its API"),
            "{stand:?}: {}",
            connection.pm2.describe()
        );
        drop(connection);
        // pm2's client found the stand-in alive, so it started no daemon there.
        assert!(!home.path().join("pm2.pid").exists(), "{stand:?}");
    }
}
