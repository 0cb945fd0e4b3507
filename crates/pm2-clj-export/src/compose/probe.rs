//! `:health` as a compose `healthcheck`: `:command` runs as it is; `:http` and `:tcp`,
//! which compose cannot ask itself, run as a small probe with the app's own
//! interpreter (`node -e`, `python3 -c`), its target given as arguments (never spliced
//! into the program text). Durations are whole seconds, rounded up.

use std::path::Path;
use std::time::Duration;

use pm2_dsl_emit::health::{Health, Probe};

use super::model::Healthcheck;

/// pm2-clj's own wait between two tries when `:interval` is not given.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);

/// An HTTP GET: healthy on a 2xx or 3xx answer, or on exactly the status given
/// (argv: URL, status or 0, timeout in ms).
const NODE_HTTP: &str = "const [u,s,t]=process.argv.slice(1),q=new URL(u);require(q.protocol==='https:'?'https':'http').get(q,{timeout:+t},r=>process.exit((+s?r.statusCode===+s:r.statusCode>=200&&r.statusCode<400)?0:1)).on('timeout',()=>process.exit(1)).on('error',()=>process.exit(1))";

/// A TCP connection: healthy when it opens (argv: host, port, timeout in ms).
const NODE_TCP: &str = "const [h,p,t]=process.argv.slice(1),c=require('net').connect(+p,h,()=>process.exit(0));c.setTimeout(+t,()=>process.exit(1));c.on('error',()=>process.exit(1))";

/// The same probes in Python (argv as above).
const PYTHON_HTTP: &str = "import sys,urllib.request as r\nu,s,t=sys.argv[1],int(sys.argv[2]),int(sys.argv[3])/1000\ntry:\n c=r.urlopen(u,timeout=t).status\nexcept Exception as e:\n c=getattr(e,'code',0)\nsys.exit(0 if (c==s if s else 200<=c<400) else 1)";
const PYTHON_TCP: &str = "import socket,sys\nsocket.create_connection((sys.argv[1],int(sys.argv[2])),int(sys.argv[3])/1000).close()";

/// A duration as compose writes it, in whole seconds rounded up (`1600ms` → `2s`).
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    format!("{s}s")
}

/// Which probes an interpreter runs, by its file name.
fn family(interpreter: &str) -> Option<&'static str> {
    let name = Path::new(interpreter).file_name()?.to_str()?;
    if name == "node"
        || name == "nodejs"
        || name.starts_with("node") && name[4..].chars().all(|c| c.is_ascii_digit())
    {
        Some("node")
    } else if name.starts_with("python") && name[6..].chars().all(|c| c.is_ascii_digit() || c == '.') {
        Some("python")
    } else {
        None
    }
}

/// The healthcheck of `health`, for an app run by `interpreter` (`None`: the script is
/// its own program), or why there is none.
pub fn healthcheck(health: &Health, interpreter: Option<&str>) -> Result<Healthcheck, String> {
    let interval = health
        .interval
        .unwrap_or(DEFAULT_INTERVAL)
        .max(Duration::from_secs(1));
    let try_ms = (interval.as_secs() + u64::from(interval.subsec_nanos() > 0)) * 1000;
    let start = match (health.grace, health.timeout) {
        (None, None) => None,
        (g, t) => Some(g.unwrap_or_default() + t.unwrap_or_default()),
    };
    let test = match &health.probe {
        Probe::Command { argv } => std::iter::once("CMD".to_string())
            .chain(argv.iter().cloned())
            .collect(),
        probe => {
            let program = interpreter.filter(|i| family(i).is_some()).ok_or_else(|| {
                format!(
                    "compose has no {} check, and pm2-clj's probe runs with node or python, not {}: give :health a :command the image can run",
                    probe.kind(),
                    interpreter.unwrap_or("the script itself")
                )
            })?;
            let node = family(program) == Some("node");
            let (flag, code, args) = match probe {
                Probe::Http { url, status } => (
                    if node { "-e" } else { "-c" },
                    if node { NODE_HTTP } else { PYTHON_HTTP },
                    vec![url.clone(), status.unwrap_or(0).to_string()],
                ),
                Probe::Tcp { host, port } => (
                    if node { "-e" } else { "-c" },
                    if node { NODE_TCP } else { PYTHON_TCP },
                    vec![host.clone(), port.to_string()],
                ),
                Probe::Command { .. } => unreachable!("matched above"),
            };
            let mut test = vec![
                "CMD".to_string(),
                program.to_string(),
                flag.to_string(),
                code.to_string(),
            ];
            test.extend(args);
            test.push(try_ms.to_string());
            test
        }
    };
    Ok(Healthcheck {
        test,
        interval: Some(seconds(interval)),
        timeout: Some(seconds(interval)),
        start_period: start.map(seconds),
        ..Healthcheck::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::from_millis(1600)), "2s");
        assert_eq!(seconds(Duration::from_secs(3)), "3s");
        assert_eq!(seconds(Duration::ZERO), "0s");
        assert_eq!(seconds(Duration::from_nanos(1)), "1s");
    }

    #[test]
    fn probes_run_with_node_or_python() {
        assert_eq!(family("/usr/local/bin/node"), Some("node"));
        assert_eq!(family("node22"), Some("node"));
        assert_eq!(family("python3.12"), Some("python"));
        assert_eq!(family("bash"), None);
        assert_eq!(family("nodemon"), None);
    }
}
