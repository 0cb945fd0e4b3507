//! `:logs {:rotate {...}}`: PM2's standard rotation module, `pm2-logrotate`, installed
//! from npm when a source asks for it and it is missing, and its options set only where
//! they differ from what pm2 records, so a second run changes nothing (each
//! `pm2 set` restarts the module). A module nobody asks for any more is left installed.
//! [`changes`] is that rule, for the real run ([`ensure`]) and the dry run alike.
//!
//! The module's options hold for every app of a pm2: when two sources of one `sync` set
//! the same option differently, that option is left as it is and the run reports it.

pub(crate) mod changes;

pub use changes::{Change, Changes, Was};
use std::path::{Path, PathBuf};

use pm2_dsl_emit::logs::ROTATE_MODULE;

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::events::{Event, Reporter};
use crate::pm2::{ModuleConf, Pm2};

/// The options `pm2-logrotate` declares (the `config` of its package.json, 3.0.0), which
/// pm2 records when it installs the module: each one's value before anyone sets it.
pub(crate) const DEFAULTS: &[(&str, &str)] = &[
    ("max_size", "10M"),
    ("retain", "30"),
    ("compress", "false"),
    ("dateFormat", "YYYY-MM-DD_HH-mm-ss"),
    ("workerInterval", "30"),
    ("rotateInterval", "0 0 * * *"),
    ("rotateModule", "true"),
];

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

/// What `pm2-logrotate` needs so that its options are what `wanted` asks: to be
/// installed when pm2 does not list it, and each option set whose value differs from
/// what pm2 records (before the install, from the default the module declares).
/// Nothing when no source asks.
pub fn changes(wanted: &Wanted, conf: &ModuleConf) -> Changes {
    if !wanted.asked {
        return Changes::default();
    }
    let install = !conf.installed(ROTATE_MODULE);
    let set = wanted
        .settings
        .iter()
        .filter_map(|(setting, value, _)| {
            let was = if install {
                DEFAULTS
                    .iter()
                    .find(|(s, _)| s == setting)
                    .map_or(Was::Unset, |(_, v)| Was::Default(v.to_string()))
            } else {
                conf.option(ROTATE_MODULE, setting).map_or(Was::Unset, Was::Set)
            };
            (was.value() != Some(value.as_str())).then(|| Change {
                setting,
                value: value.clone(),
                was,
            })
        })
        .collect();
    Changes { install, set }
}

/// Makes pm2's `pm2-logrotate` what `wanted` asks, as [`changes`] says: installs it when
/// missing, then sets the options that differ from what pm2 then records, reporting each
/// change. Returns what it changed.
pub fn ensure(pm2: &dyn Pm2, wanted: &Wanted, reporter: &dyn Reporter) -> Result<Changes, RuntimeError> {
    let mut changes = changes(wanted, &pm2.module_conf()?);
    if changes.install {
        reporter.report(Event::Note(format!(
            "installing {ROTATE_MODULE} from npm (pm2 install {ROTATE_MODULE})"
        )));
        pm2.install(ROTATE_MODULE)?;
        reporter.report(Event::Note(format!("installed {ROTATE_MODULE}")));
        // What pm2 records now, rather than the defaults the module declares.
        changes.set = self::changes(wanted, &pm2.module_conf()?).set;
    }
    for change in &changes.set {
        pm2.set(ROTATE_MODULE, change.setting, &change.value)?;
        reporter.report(Event::Note(format!("set {change}")));
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakePm2, Notes};

    fn settings(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    fn change(setting: &'static str, value: &str, was: Was) -> Change {
        Change {
            setting,
            value: value.into(),
            was,
        }
    }

    #[test]
    fn installs_when_missing_and_sets_only_what_differs() {
        let pm2 = FakePm2::default();
        let asked = settings(&[("max_size", "10M"), ("retain", "7"), ("compress", "true")]);
        let wanted = Wanted::of(Path::new("a.pm2.edn"), Some(&asked));
        let notes = Notes::default();
        let done = ensure(&pm2, &wanted, &notes).unwrap();
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
            notes.all(),
            [
                "installing pm2-logrotate from npm (pm2 install pm2-logrotate)",
                "installed pm2-logrotate",
                "set pm2-logrotate:retain 7 (was 30)",
                "set pm2-logrotate:compress true (was false)"
            ]
        );
        assert_eq!(
            done,
            Changes {
                install: true,
                set: vec![
                    change("retain", "7", Was::Set("30".into())),
                    change("compress", "true", Was::Set("false".into()))
                ]
            }
        );
        assert_eq!(
            ensure(&pm2, &wanted, &Notes::default()).unwrap(),
            Changes::default()
        );
        assert_eq!(pm2.calls().len(), 3, "a second run changes nothing");
    }

    /// A dry run reads what pm2 records and asks it nothing; what it says is what the
    /// real run then does.
    #[test]
    fn the_dry_run_rule_predicts_the_real_run() {
        let pm2 = FakePm2::default();
        let asked = settings(&[
            ("max_size", "10M"),
            ("retain", "7"),
            ("rotateInterval", "0 0 * * *"),
            ("TZ", "Etc/UTC"),
        ]);
        let wanted = Wanted::of(Path::new("a.pm2.edn"), Some(&asked));
        let predicted = changes(&wanted, &pm2.module_conf().unwrap());
        assert!(pm2.calls().is_empty());
        assert_eq!(
            predicted,
            Changes {
                install: true,
                set: vec![
                    change("retain", "7", Was::Default("30".into())),
                    change("TZ", "Etc/UTC", Was::Unset)
                ]
            }
        );
        assert_eq!(
            predicted.set[0].to_string(),
            "pm2-logrotate:retain 7 (default 30)"
        );
        assert_eq!(predicted.set[1].to_string(), "pm2-logrotate:TZ Etc/UTC (unset)");
        let done = ensure(&pm2, &wanted, &Notes::default()).unwrap();
        assert_eq!(done.install, predicted.install);
        let pairs = |c: &Changes| -> Vec<(&str, String)> {
            c.set.iter().map(|c| (c.setting, c.value.clone())).collect()
        };
        assert_eq!(pairs(&done), pairs(&predicted));

        let asked = settings(&[("retain", "7"), ("compress", "true")]);
        let wanted = Wanted::of(Path::new("a.pm2.edn"), Some(&asked));
        assert_eq!(
            changes(&wanted, &pm2.module_conf().unwrap()),
            Changes {
                install: false,
                set: vec![change("compress", "true", Was::Set("false".into()))]
            },
            "installed, what pm2 records counts"
        );
    }

    #[test]
    fn nothing_is_asked_of_pm2_without_rotate() {
        let pm2 = FakePm2::default();
        let none = Wanted::of(Path::new("a.pm2.edn"), None);
        assert!(changes(&none, &pm2.module_conf().unwrap()).is_empty());
        ensure(&pm2, &none, &Notes::default()).unwrap();
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
