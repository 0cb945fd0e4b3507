//! Permission tests that hold as root: root reads and writes files whatever their mode
//! (the capabilities `CAP_DAC_OVERRIDE` and `CAP_DAC_READ_SEARCH`), so a test of an
//! unreadable folder or an unwritable output would pass without testing anything. These
//! run code, or a command, without those two capabilities.

use std::process::Command;

use caps::{CapSet, Capability};

const OVERRIDES: [Capability; 2] = [Capability::CAP_DAC_OVERRIDE, Capability::CAP_DAC_READ_SEARCH];

/// Runs `f` on a thread of its own that cannot bypass file permissions (Linux keeps
/// capabilities per thread), and returns its result.
pub fn unprivileged<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            for cap in OVERRIDES {
                if caps::has_cap(None, CapSet::Effective, cap).unwrap_or(false) {
                    caps::drop(None, CapSet::Effective, cap).expect("drop a capability");
                }
            }
            f()
        })
        .join()
        .expect("the unprivileged thread panicked")
    })
}

/// A command that runs `program` without the capabilities to bypass file permissions
/// (through util-linux's `setpriv`; as a user without them, the program itself).
pub fn unprivileged_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let privileged = OVERRIDES
        .iter()
        .any(|cap| caps::has_cap(None, CapSet::Effective, *cap).unwrap_or(false));
    if !privileged {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command
        .arg("--bounding-set=-dac_override,-dac_read_search")
        .arg("--inh-caps=-dac_override,-dac_read_search")
        .arg("--")
        .arg(program);
    command
}
