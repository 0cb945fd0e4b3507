//! Running one health probe once: an HTTP GET (through `ureq`), a TCP connection, or
//! a command in the app's folder (under the control of `child`: its own process
//! group, a byte cap on its output, killed with its children at the timeout). The answer is `Ok` when the app serves, else what was
//! seen ("connection refused", "HTTP 500", "exited with status 1: ...").

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use pm2_dsl_emit::health::Probe;

use crate::child::{Caps, Ended};

/// What a command check keeps of its output: the end of its stderr, for the report.
const OUTPUT_KEPT: Caps = Caps {
    stdout: 4 * 1024,
    stderr: 16 * 1024,
};

/// Asks `probe` once, giving it at most `timeout`.
pub fn ask(probe: &Probe, cwd: &Path, timeout: Duration) -> Result<(), String> {
    match probe {
        Probe::Http { url, status } => http(url, *status, timeout),
        Probe::Tcp { host, port } => tcp(host, *port, timeout),
        Probe::Command { argv } => command(argv, cwd, timeout),
    }
}

fn http(url: &str, wanted: Option<u16>, timeout: Duration) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::Timeout(_) => format!("no answer within {}ms", timeout.as_millis()),
        other => other.to_string(),
    })?;
    let code = response.status().as_u16();
    let healthy = match wanted {
        Some(wanted) => code == wanted,
        None => (200..400).contains(&code),
    };
    if healthy {
        Ok(())
    } else {
        Err(format!("HTTP {code}"))
    }
}

fn tcp(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    let addresses: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => {
                close_gently(stream);
                return Ok(());
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Closes a probe's connection without a reset: says it is done writing, then reads
/// what the app sends (a greeting) for a moment, so the close is not a reset that an app
/// which writes on connect would take as an error (`ECONNRESET`).
fn close_gently(mut stream: TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(200) {
        match std::io::Read::read(&mut stream, &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

fn command(argv: &[String], cwd: &Path, timeout: Duration) -> Result<(), String> {
    let (program, args) = argv.split_first().ok_or("no command")?;
    let mut command = Command::new(program);
    command.args(args).current_dir(cwd);
    let run = crate::child::run(command, Instant::now() + timeout, OUTPUT_KEPT)
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let status = match run.ended {
        Ended::Exited(status) => status,
        Ended::TimedOut => {
            return Err(format!(
                "{program} did not finish within {}ms",
                timeout.as_millis()
            ));
        }
    };
    if status.success() {
        return Ok(());
    }
    let said = run.stderr.text();
    let last = said
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    Err(match status.code() {
        Some(code) if last.is_empty() => format!("exit status {code}"),
        Some(code) => format!("exit status {code}: {last}"),
        None => format!("killed by a signal ({status})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    const SHORT: Duration = Duration::from_secs(2);

    /// A one-shot HTTP server on 127.0.0.1 answering with `status`.
    fn serve(status: u16) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buf = [0u8; 1024];
                let _ = std::io::Read::read(&mut stream, &mut buf);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        format!("http://127.0.0.1:{port}/health")
    }

    fn closed_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn http_is_healthy_on_2xx_and_3xx_or_the_status_asked_for() {
        let get = |status, wanted| http(&serve(status), wanted, SHORT);
        assert_eq!(get(200, None), Ok(()));
        assert_eq!(get(302, None), Ok(()));
        assert_eq!(get(500, None), Err("HTTP 500".into()));
        assert_eq!(get(204, Some(200)), Err("HTTP 204".into()));
        assert_eq!(get(204, Some(204)), Ok(()));
        let refused = http(&format!("http://127.0.0.1:{}/", closed_port()), None, SHORT).unwrap_err();
        assert!(refused.to_lowercase().contains("refused"), "{refused}");
    }

    #[test]
    fn tcp_is_healthy_when_a_connection_opens() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(tcp("127.0.0.1", port, SHORT), Ok(()));
        drop(listener);
        assert!(
            tcp("127.0.0.1", port, SHORT)
                .unwrap_err()
                .to_lowercase()
                .contains("refused")
        );
    }

    #[test]
    fn a_command_is_healthy_on_exit_0_in_the_given_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ready"), "").unwrap();
        let sh = |script: &str| vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        assert_eq!(command(&sh("test -f ready"), dir.path(), SHORT), Ok(()));
        assert_eq!(
            command(&sh("echo not yet >&2; exit 3"), dir.path(), SHORT),
            Err("exit status 3: not yet".into())
        );
        let slow = command(&sh("sleep 5"), dir.path(), Duration::from_millis(200)).unwrap_err();
        assert!(slow.contains("did not finish"), "{slow}");
        assert!(
            command(&["/no/such/program".into()], dir.path(), SHORT)
                .unwrap_err()
                .starts_with("cannot run")
        );
    }
}
