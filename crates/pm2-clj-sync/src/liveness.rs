//! Telling a crash loop from a restart. pm2 shows an app that crashes every second as
//! `online` most of the time, with a growing restart count; one look at its list cannot
//! tell that from an app restarted on purpose a moment ago. So a process that restarted
//! within the last two `min_uptime`s, or the last [`SUSPECT_AT_LEAST`], is looked at
//! again once that time has passed ([`second_look`]); an app one of whose processes
//! restarted again meanwhile is in a crash loop ([`crash_loops`]). The floor is there
//! because a loop's period is node's boot plus the app's own run: on a loaded machine an
//! app that crashes 400 ms after its script starts comes round every second or more,
//! past two `min_uptime`s of 300 ms. An app that crashes after running longer than that is
//! stable by PM2's own definition; a command that looks again and again (`top`) also
//! names it a crash loop when its restart count keeps growing ([`Watch`]).

use std::collections::{BTreeMap, BTreeSet};
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

/// How near a restart must be to pm2's word that it was asked for, to be excused.
pub const ASKED_WITHIN: Duration = Duration::from_secs(5);

/// How far back [`Watch`] counts restarts, in milliseconds.
const WATCHED_FOR: u64 = 60_000;

/// Crash loops told over time, for a command that lists pm2 again and again (`top`):
/// an app is in one while pm2 waits to restart it, while it is `errored` after
/// restarts, or when its restart count grew by two or more within the last minute in
/// restarts nobody asked for ([`Watch::excuse`] names those that were asked for).
#[derive(Debug, Default)]
pub struct Watch {
    /// The list of the last look, by pm2 id.
    last: BTreeMap<u64, (String, u64)>,
    /// Per app, when restarts nobody asked for were seen, and how many.
    seen: BTreeMap<String, Vec<(u64, u64)>>,
    /// Per app, until when its restarts were asked for.
    excused: BTreeMap<String, u64>,
}

impl Watch {
    /// Restarts of `app` seen until `until` (milliseconds since the epoch) were asked
    /// for: they are no sign of a crash loop.
    pub fn excuse(&mut self, app: &str, until: u64) {
        self.excused.insert(app.to_string(), until);
    }

    /// pm2 said at `now` that `app` was restarted or reloaded on request (its bus's
    /// `restart` and `reload` events, which may come after the look that saw the
    /// restart): the restarts seen within [`ASKED_WITHIN`] of it are no sign of a crash
    /// loop.
    pub fn asked(&mut self, app: &str, now: u64) {
        let within = ASKED_WITHIN.as_millis() as u64;
        if let Some(seen) = self.seen.get_mut(app) {
            seen.retain(|(at, _)| at.saturating_add(within) < now);
        }
        let until = self.excused.get(app).copied().unwrap_or(0).max(now + within);
        self.excused.insert(app.to_string(), until);
    }

    /// Looks at `list` (listed at `now`, milliseconds since the epoch): the apps in a
    /// crash loop.
    pub fn look(&mut self, list: &[Process], now: u64) -> BTreeSet<String> {
        for p in list {
            let grew = (self.last.get(&p.pm_id))
                .filter(|(name, _)| *name == p.name)
                .map_or(0, |(_, before)| p.restarts.saturating_sub(*before));
            let excused = self.excused.get(&p.name).is_some_and(|&until| now <= until);
            if grew > 0 && !excused {
                self.seen.entry(p.name.clone()).or_default().push((now, grew));
            }
        }
        self.last = (list.iter())
            .map(|p| (p.pm_id, (p.name.clone(), p.restarts)))
            .collect();
        self.excused.retain(|_, until| now <= *until);
        for seen in self.seen.values_mut() {
            seen.retain(|(at, _)| now.saturating_sub(*at) <= WATCHED_FOR);
        }
        self.seen.retain(|_, seen| !seen.is_empty());
        let mut looping: BTreeSet<String> = (self.seen.iter())
            .filter(|(_, seen)| seen.iter().map(|(_, n)| n).sum::<u64>() >= 2)
            .map(|(app, _)| app.clone())
            .collect();
        looping.extend(
            list.iter()
                .filter(|p| {
                    p.status == Status::WaitingRestart || (p.status == Status::Errored && p.restarts > 0)
                })
                .map(|p| p.name.clone()),
        );
        looping.retain(|app| list.iter().any(|p| &p.name == app && p.status != Status::Stopped));
        looping
    }
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

    #[test]
    fn watched_over_time_restarts_nobody_asked_for_make_a_crash_loop() {
        let mut watch = Watch::default();
        let look = |watch: &mut Watch, restarts, status, now| -> Vec<String> {
            watch
                .look(&[process("a", 1, restarts, 0, status)], now)
                .into_iter()
                .collect()
        };
        assert!(look(&mut watch, 5, "online", 1_000).is_empty(), "the first look");
        assert!(look(&mut watch, 6, "online", 2_000).is_empty(), "one crash");
        assert_eq!(look(&mut watch, 7, "online", 3_000), ["a"], "a second");
        assert_eq!(look(&mut watch, 7, "online", 50_000), ["a"], "within the minute");
        assert!(look(&mut watch, 7, "online", 70_000).is_empty(), "a quiet minute");
        watch.excuse("a", 75_000);
        assert!(
            look(&mut watch, 9, "online", 74_000).is_empty(),
            "restarts asked for"
        );
        assert!(look(&mut watch, 9, "online", 80_000).is_empty());
        assert_eq!(look(&mut watch, 9, "waiting restart", 81_000), ["a"]);
        assert_eq!(look(&mut watch, 11, "online", 82_000), ["a"]);
        assert!(
            look(&mut watch, 11, "stopped", 83_000).is_empty(),
            "stopped by hand"
        );
    }
}
