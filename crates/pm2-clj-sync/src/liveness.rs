//! Telling a crash loop from a restart. pm2 shows an app that crashes every second as
//! `online` most of the time, with a growing restart count; one look at its list cannot
//! tell that from an app restarted on purpose a moment ago. So a process that restarted
//! within the last two `min_uptime`s, or the last [`SUSPECT_AT_LEAST`], is looked at
//! again once that time has passed ([`second_look`]); an app one of whose processes
//! restarted again meanwhile is in a crash loop ([`crash_loops`]). The floor is there
//! because a loop's period is node's boot plus the app's own run: on a loaded machine an
//! app that crashes 400 ms after its script starts comes round every second or more,
//! past two `min_uptime`s of 300 ms. An app that crashes after running longer than that is
//! stable by PM2's own definition; commands that watch over time (`watch`, `top`) also
//! name it a crash loop when its restart count keeps growing.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::facts::Status;
use crate::process::Process;

/// How many `min_uptime`s after a restart a process is still suspect.
const SUSPECT_FOR: u64 = 2;

/// How long after a restart a process is suspect however short its `min_uptime`.
pub const SUSPECT_AT_LEAST: Duration = Duration::from_secs(3);

/// The longest a second look waits.
pub const MAX_SECOND_LOOK: Duration = Duration::from_secs(5);

/// How long to wait before a second look can tell whether the processes of `list` that
/// restarted lately are in a crash loop (`None`: none is suspect). `now` is in
/// milliseconds since the epoch.
pub fn second_look(list: &[Process], now: u64) -> Option<Duration> {
    list.iter()
        .filter(|p| p.restarts > 0 && matches!(p.status, Status::Online | Status::Launching))
        .filter_map(|p| {
            let suspect_for = (SUSPECT_FOR * p.min_uptime).max(SUSPECT_AT_LEAST.as_millis() as u64);
            let suspect_until = p.started_at + suspect_for;
            (now < suspect_until).then(|| Duration::from_millis(suspect_until - now))
        })
        .max()
        .map(|wait| wait.min(MAX_SECOND_LOOK))
}

/// The apps one of whose processes restarted between two looks (`before`, then `after`):
/// its restart count grew or its pid changed, or it left `online`.
pub fn crash_loops(before: &[Process], after: &[Process]) -> BTreeSet<String> {
    before
        .iter()
        .filter(|b| b.restarts > 0)
        .filter(|b| {
            after
                .iter()
                .find(|a| a.pm_id == b.pm_id && a.name == b.name)
                .is_some_and(|a| {
                    a.restarts > b.restarts
                        || (a.pid.is_some() && b.pid.is_some() && a.pid != b.pid)
                        || matches!(a.status, Status::Errored | Status::WaitingRestart)
                })
        })
        .map(|b| b.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(name: &str, pid: u32, restarts: u64, started_at: u64, status: &str) -> Process {
        Process::from_json(&serde_json::json!({
            "name": name, "pm_id": 0, "pid": pid,
            "pm2_env": {"status": status, "restart_time": restarts, "pm_uptime": started_at, "min_uptime": 1000},
        }))
    }

    #[test]
    fn only_a_recent_restart_needs_a_second_look() {
        let now = 100_000;
        assert_eq!(
            second_look(&[process("a", 1, 0, now - 10, "online")], now),
            None,
            "never restarted"
        );
        assert_eq!(
            second_look(&[process("a", 1, 3, now - 5000, "online")], now),
            None,
            "up for 5 s"
        );
        assert_eq!(
            second_look(&[process("a", 1, 3, now - 500, "online")], now),
            Some(Duration::from_millis(2500)),
            "suspect for at least three seconds"
        );
        let slow = Process::from_json(&serde_json::json!({
            "name": "a", "pm_id": 0, "pid": 1,
            "pm2_env": {"status": "online", "restart_time": 3, "pm_uptime": now - 500, "min_uptime": 2000},
        }));
        assert_eq!(
            second_look(&[slow], now),
            Some(Duration::from_millis(3500)),
            "or for two min_uptimes"
        );
        assert_eq!(
            second_look(&[process("a", 1, 3, now - 500, "stopped")], now),
            None
        );
    }

    #[test]
    fn a_restart_between_the_looks_is_a_crash_loop() {
        let before = [process("a", 10, 3, 0, "online"), process("b", 20, 1, 0, "online")];
        let after = [
            process("a", 11, 4, 900, "online"),
            process("b", 20, 1, 0, "online"),
        ];
        assert_eq!(
            crash_loops(&before, &after).into_iter().collect::<Vec<_>>(),
            ["a"]
        );
        let errored = [process("a", 0, 3, 0, "errored"), process("b", 20, 1, 0, "online")];
        assert_eq!(crash_loops(&before, &errored).len(), 1);
    }
}
