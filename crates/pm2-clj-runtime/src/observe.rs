//! What pm2 runs, looked at long enough to name crash loops (see
//! [`pm2_clj_sync::liveness`]): one list, and when a process restarted lately, a second
//! one once that restart is far enough behind to tell (at most a few seconds).

use std::collections::BTreeSet;
use std::time::Duration;

use pm2_clj_sync::liveness::{crash_loops, second_look};
use pm2_clj_sync::process::Process;

use crate::error::RuntimeError;
use crate::pm2::Pm2;
use crate::verify::now_ms;

/// What pm2 runs.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Every process, as last listed.
    pub processes: Vec<Process>,
    /// The apps in a crash loop.
    pub crash_loops: BTreeSet<String>,
}

/// Lists pm2's processes, and names the apps in a crash loop.
pub fn observe(pm2: &dyn Pm2) -> Result<Observed, RuntimeError> {
    let first = pm2.list()?;
    let Some(wait) = second_look(&first, now_ms()) else {
        return Ok(Observed {
            processes: first,
            crash_loops: BTreeSet::new(),
        });
    };
    std::thread::sleep(wait + Duration::from_millis(100));
    let second = pm2.list()?;
    Ok(Observed {
        crash_loops: crash_loops(&first, &second),
        processes: second,
    })
}
