//! pm2's process list as waiters see it: read at most every [`POLL`] however many apps
//! wait at once, and again as soon as pm2 publishes a change of the app waited for (when
//! its daemon's changes can be subscribed to, see [`Pm2::changes`]).

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pm2_clj_sync::process::Process;

use crate::error::RuntimeError;
use crate::pm2::{Changes, Pm2};

/// How often pm2's list is read while waiting with no change heard.
pub const POLL: Duration = Duration::from_millis(100);
/// How long the thread reading pm2's changes waits for one before it checks whether
/// its monitor is gone.
const FEED_WAIT: Duration = Duration::from_millis(100);
/// How often a monitor that is not subscribed to pm2's changes tries to subscribe
/// (pm2's daemon may only have been started by the monitored action).
const SUBSCRIBE_EVERY: Duration = Duration::from_millis(250);

/// What a monitor has heard of pm2's changes.
#[derive(Default)]
struct Heard {
    /// How many changes so far.
    count: u64,
    /// The count at each app's last change.
    apps: HashMap<String, u64>,
    /// Whether a feed is being read.
    subscribed: bool,
    /// When subscribing was last tried.
    tried: Option<Instant>,
    /// Whether the monitor is gone (its feed's reader stops).
    gone: bool,
}

/// The changes heard, shared with the thread that reads them.
#[derive(Default)]
struct News {
    heard: Mutex<Heard>,
    arrived: Condvar,
}

/// Reads `feed` into `news` until the feed ends or the monitor is gone.
fn read_changes(mut feed: Box<dyn Changes>, news: &News) {
    loop {
        if lock(&news.heard).gone {
            return;
        }
        match feed.wait(FEED_WAIT) {
            Ok(Some(app)) => {
                let mut heard = lock(&news.heard);
                heard.count += 1;
                let count = heard.count;
                heard.apps.insert(app, count);
                drop(heard);
                news.arrived.notify_all();
            }
            Ok(None) => {}
            Err(_) => {
                lock(&news.heard).subscribed = false;
                return;
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A list read, when, and how many changes had been heard then.
struct Listed {
    /// When the read was asked for.
    began: Instant,
    at: Instant,
    heard: u64,
    list: Arc<Vec<Process>>,
}

/// pm2's process list, read at most every `POLL` (100 ms) however many apps are verified
/// at once, and at once after pm2 publishes a change (when its daemon's changes can be
/// subscribed to, see [`Pm2::changes`]): a crash is known as soon as pm2 knows it.
pub struct Monitor<'a> {
    pm2: &'a dyn Pm2,
    latest: Mutex<Option<Listed>>,
    /// Taken by [`Monitor::fresh`] for its read: the callers queued behind one read
    /// share the next.
    fresh_turn: Mutex<()>,
    news: Arc<News>,
}

impl<'a> Monitor<'a> {
    /// A monitor of `pm2`.
    pub fn new(pm2: &'a dyn Pm2) -> Monitor<'a> {
        let monitor = Monitor {
            pm2,
            latest: Mutex::new(None),
            fresh_turn: Mutex::new(()),
            news: Arc::default(),
        };
        monitor.subscribe();
        monitor
    }

    /// The driver.
    pub fn pm2(&self) -> &'a dyn Pm2 {
        self.pm2
    }

    /// Subscribes to pm2's changes unless subscribed, or tried within
    /// `SUBSCRIBE_EVERY`.
    fn subscribe(&self) {
        let mut heard = lock(&self.news.heard);
        if heard.subscribed || heard.tried.is_some_and(|t| t.elapsed() < SUBSCRIBE_EVERY) {
            return;
        }
        heard.tried = Some(Instant::now());
        drop(heard);
        let Some(feed) = self.pm2.changes() else {
            return;
        };
        let news = self.news.clone();
        let reader = std::thread::Builder::new()
            .name("pm2-changes".into())
            .spawn(move || read_changes(feed, &news));
        lock(&self.news.heard).subscribed = reader.is_ok();
    }

    /// Whether the monitor hears of pm2's changes as they happen.
    pub fn subscribed(&self) -> bool {
        lock(&self.news.heard).subscribed
    }

    /// How many changes were heard so far: what [`Monitor::pause`] waits past.
    pub fn mark(&self) -> u64 {
        lock(&self.news.heard).count
    }

    /// Waits `timeout`, or until a change of `app` after `mark` is heard.
    pub fn pause(&self, app: &str, mark: u64, timeout: Duration) {
        self.subscribe();
        let deadline = Instant::now() + timeout;
        let mut heard = lock(&self.news.heard);
        loop {
            if heard.apps.get(app).is_some_and(|&at| at > mark) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            heard = (self.news.arrived)
                .wait_timeout(heard, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// A list read after this call began. Callers that ask while a read is under way
    /// share one read begun after them all: at the end of a first sync, fifty apps
    /// each taking their own last look made pm2's daemon answer fifty lists in a row
    /// (0.4 s, one after the other, measured) where two do.
    pub fn fresh(&self) -> Result<Arc<Vec<Process>>, RuntimeError> {
        let asked = Instant::now();
        let _turn = lock(&self.fresh_turn);
        if let Some(listed) = &*lock(&self.latest)
            && listed.began >= asked
        {
            return Ok(listed.list.clone());
        }
        let began = Instant::now();
        let count = self.mark();
        let list = Arc::new(self.pm2.list()?);
        *lock(&self.latest) = Some(Listed {
            began,
            at: Instant::now(),
            heard: count,
            list: list.clone(),
        });
        Ok(list)
    }

    /// A list at most `POLL` old, and read after every change heard so far.
    pub fn list(&self) -> Result<Arc<Vec<Process>>, RuntimeError> {
        let mut latest = lock(&self.latest);
        let count = self.mark();
        if let Some(listed) = &*latest
            && listed.at.elapsed() < POLL
            && listed.heard == count
        {
            return Ok(listed.list.clone());
        }
        let began = Instant::now();
        let list = Arc::new(self.pm2.list()?);
        *latest = Some(Listed {
            began,
            at: Instant::now(),
            heard: count,
            list: list.clone(),
        });
        Ok(list)
    }
}

impl Drop for Monitor<'_> {
    fn drop(&mut self) {
        lock(&self.news.heard).gone = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakePm2;

    #[test]
    fn a_change_of_the_app_waited_for_ends_the_pause_and_the_next_list_is_fresh() {
        let pm2 = FakePm2::default();
        pm2.hand_started("web");
        let monitor = Monitor::new(&pm2);
        assert!(monitor.subscribed());
        let mark = monitor.mark();
        assert_eq!(monitor.list().unwrap()[0].restarts, 0);
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                pm2.crash("web");
            });
            let waited = Instant::now();
            monitor.pause("web", mark, Duration::from_secs(30));
            assert!(
                waited.elapsed() < Duration::from_secs(10),
                "{:?}",
                waited.elapsed()
            );
        });
        // Within POLL of the first list, and still read again: a change was heard since.
        assert_eq!(monitor.list().unwrap()[0].restarts, 1);
    }

    #[test]
    fn a_change_of_another_app_does_not_end_the_pause() {
        let pm2 = FakePm2::default();
        pm2.hand_started("web");
        pm2.hand_started("job");
        let monitor = Monitor::new(&pm2);
        let mark = monitor.mark();
        pm2.crash("job");
        let waited = Instant::now();
        monitor.pause("web", mark, Duration::from_millis(300));
        assert!(waited.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn last_looks_asked_at_once_share_reads_begun_after_them() {
        let pm2 = FakePm2::default();
        pm2.hand_started("web");
        pm2.slow_lists(Duration::from_millis(50));
        let monitor = Monitor::new(&pm2);
        let before = pm2.lists();
        let asked = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..20 {
                s.spawn(|| monitor.fresh().unwrap());
            }
        });
        let reads = pm2.lists() - before;
        assert!((1..=3).contains(&reads), "{reads} reads for 20 last looks");
        // Each look is a read begun after it was asked: a change made now is seen.
        pm2.crash("web");
        assert_eq!(monitor.fresh().unwrap()[0].restarts, 1);
        assert!(asked.elapsed() < Duration::from_secs(2), "{:?}", asked.elapsed());
    }
}
