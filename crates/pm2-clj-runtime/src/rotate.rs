//! `:logs {:rotate {...}}`: PM2's standard rotation module, `pm2-logrotate`, installed
//! from npm when a source asks for it and it is missing, and its options set only where
//! they differ from what pm2 records, so a second run changes nothing (each
//! `pm2 set` restarts the module). A module nobody asks for any more is left installed.
//!
//! The module's options hold for every app of a pm2: when two sources of one `sync` set
//! the same option differently, that option is left as it is and the run reports it.

use std::path::{Path, PathBuf};

use pm2_dsl_emit::logs::ROTATE_MODULE;

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::pm2::Pm2;

/// The options sources ask of `pm2-logrotate`: each setting, its value, and the source
/// that asks for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    settings: Vec<(&'static str, String, PathBuf)>,
    asked: bool,
}

impl Wanted {
    /// Adds what `source` asks (`None` when it has no `:rotate`); a setting another
    /// source already asks differently is an error, and the first source's value stays.
    pub fn add(
        &mut self,
        source: &Path,
        rotate: Option<&[(&'static str, String)]>,
    ) -> Result<(), RuntimeError> {
        let Some(rotate) = rotate else { return Ok(()) };
        self.asked = true;
        let mut conflict = None;
        for (setting, value) in rotate {
            match self.settings.iter().find(|(s, ..)| s == setting) {
                Some((_, first, by)) if first != value => {
                    conflict.get_or_insert(RuntimeErrorKind::RotateConflict {
                        setting: setting.to_string(),
                        first: by.clone(),
                        second: source.to_path_buf(),
                    });
                }
                Some(_) => {}
                None => self.settings.push((setting, value.clone(), source.to_path_buf())),
            }
        }
        conflict.map_or(Ok(()), |kind| Err(RuntimeError::from(kind)))
    }

    /// What one source asks.
    pub fn of(source: &Path, rotate: Option<&[(&'static str, String)]>) -> Wanted {
        let mut wanted = Wanted::default();
        // One source cannot disagree with itself.
        let _ = wanted.add(source, rotate);
        wanted
    }
}

/// Makes pm2's `pm2-logrotate` what `wanted` asks: installs it when missing, then sets
/// the options that differ, reporting each change. Does nothing when no source asks.
pub fn ensure(pm2: &dyn Pm2, wanted: &Wanted, reporter: &dyn Reporter) -> Result<(), RuntimeError> {
    if !wanted.asked {
        return Ok(());
    }
    let mut conf = pm2.module_conf()?;
    if !conf.installed(ROTATE_MODULE) {
        reporter.report(Event::Note(format!(
            "installing {ROTATE_MODULE} from npm (pm2 install {ROTATE_MODULE})"
        )));
        pm2.install(ROTATE_MODULE)?;
        reporter.report(Event::Note(format!("installed {ROTATE_MODULE}")));
        conf = pm2.module_conf()?;
    }
    for (setting, value, _) in &wanted.settings {
        let now = conf.option(ROTATE_MODULE, setting);
        if now.as_deref() == Some(value.as_str()) {
            continue;
        }
        pm2.set(ROTATE_MODULE, setting, value)?;
        let was = now.map_or_else(|| "unset".to_string(), |v| format!("was {v}"));
        reporter.report(Event::Note(format!(
            "set {ROTATE_MODULE}:{setting} {value} ({was})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::fake::FakePm2;

    #[derive(Default)]
    struct Notes(Mutex<Vec<String>>);

    impl Reporter for Notes {
        fn report(&self, event: Event<'_>) {
            if let Event::Note(n) = event {
                self.0.lock().unwrap().push(n);
            }
        }
    }

    fn settings(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn installs_when_missing_and_sets_only_what_differs() {
        let pm2 = FakePm2::default();
        let asked = settings(&[("max_size", "10M"), ("retain", "7"), ("compress", "true")]);
        let wanted = Wanted::of(Path::new("a.pm2.edn"), Some(&asked));
        let notes = Notes::default();
        ensure(&pm2, &wanted, &notes).unwrap();
        assert_eq!(
            pm2.calls(),
            [
                "install pm2-logrotate",
                "set pm2-logrotate:retain 7",
                "set pm2-logrotate:compress true"
            ],
            "max_size is already pm2-logrotate's default"
        );
        assert_eq!(
            notes.0.into_inner().unwrap(),
            [
                "installing pm2-logrotate from npm (pm2 install pm2-logrotate)",
                "installed pm2-logrotate",
                "set pm2-logrotate:retain 7 (was 30)",
                "set pm2-logrotate:compress true (was false)"
            ]
        );
        ensure(&pm2, &wanted, &Notes::default()).unwrap();
        assert_eq!(pm2.calls().len(), 3, "a second run changes nothing");
    }

    #[test]
    fn nothing_is_asked_of_pm2_without_rotate() {
        let pm2 = FakePm2::default();
        ensure(&pm2, &Wanted::of(Path::new("a.pm2.edn"), None), &Notes::default()).unwrap();
        assert!(pm2.calls().is_empty());
        let empty = Wanted::of(Path::new("a.pm2.edn"), Some(&[]));
        ensure(&pm2, &empty, &Notes::default()).unwrap();
        assert_eq!(
            pm2.calls(),
            ["install pm2-logrotate"],
            "an empty :rotate installs it"
        );
    }

    #[test]
    fn a_failed_install_is_an_error_and_nothing_is_set() {
        let pm2 = FakePm2::default();
        pm2.refuse("install pm2-logrotate");
        let asked = settings(&[("retain", "7")]);
        let e = ensure(&pm2, &Wanted::of(Path::new("a"), Some(&asked)), &Notes::default()).unwrap_err();
        assert_eq!(e.code(), "runtime::pm2-failed");
        assert_eq!(pm2.calls(), ["install pm2-logrotate (refused)"]);
    }

    #[test]
    fn sources_that_disagree_keep_the_first_value() {
        let mut wanted = Wanted::default();
        let a = settings(&[("retain", "7"), ("max_size", "10M")]);
        let b = settings(&[("retain", "9"), ("compress", "true")]);
        wanted.add(Path::new("a.pm2.edn"), Some(&a)).unwrap();
        let e = wanted.add(Path::new("b.pm2.edn"), Some(&b)).unwrap_err();
        assert_eq!(e.code(), "runtime::rotate-conflict");
        assert_eq!(
            e.to_string(),
            "a.pm2.edn and b.pm2.edn set pm2-logrotate:retain differently; a.pm2.edn's value is kept"
        );
        let pm2 = FakePm2::default();
        ensure(&pm2, &wanted, &Notes::default()).unwrap();
        assert_eq!(
            pm2.calls(),
            [
                "install pm2-logrotate",
                "set pm2-logrotate:retain 7",
                "set pm2-logrotate:compress true"
            ]
        );
    }
}
