//! The desired side of a sync: each source loaded, its apps with their ownership
//! markers, and the marked ecosystem that goes into its `dist/` file.

use std::path::{Path, PathBuf};

use pm2_dsl_emit::{Ecosystem, Header};

use crate::error::{LoadError, LoadErrorKind};
use crate::load::{Input, Inputs, InputsFrom, LoadSettings};
use crate::markers::Markers;
use crate::place::Place;
use crate::problem::SourceProblem;
use crate::process::Process;

/// An app a source wants running.
#[derive(Clone, Debug)]
pub struct Desired {
    /// Its name.
    pub name: String,
    /// The source file, absolute.
    pub source: PathBuf,
    /// The markers it must carry.
    pub markers: Markers,
    /// Whether pm2 should run it (`autostart`, true unless the source says false).
    pub autostart: bool,
    /// How many processes it runs, when the source fixes the number (`instances` as a
    /// positive integer, or unset: one); `None` when pm2 derives it from the CPUs.
    pub instances: Option<u64>,
    /// Where its `:name` is written.
    pub name_place: Option<Place>,
    /// Its environment variables with scalar values, as text, as pm2 gets them.
    pub env: std::collections::BTreeMap<String, String>,
    /// Its `increment_var`: the variable pm2 raises by one for each instance after the
    /// first, so that instance's value is not the one written.
    pub increment_var: Option<String>,
}

impl Desired {
    /// Whether pm2 holding `held` for variable `key` of one of this app's processes is
    /// what the source says: the written value, or for its `increment_var` the written
    /// number raised by an instance's offset.
    pub fn env_holds(&self, key: &str, held: Option<&str>) -> bool {
        let Some(written) = self.env.get(key) else {
            return true;
        };
        if held == Some(written.as_str()) {
            return true;
        }
        if self.increment_var.as_deref() != Some(key) {
            return false;
        }
        let (Some(held), Ok(base)) = (held.and_then(|h| h.parse::<i64>().ok()), written.parse::<i64>())
        else {
            return false;
        };
        let count = self.instances.unwrap_or(u64::MAX);
        held.checked_sub(base)
            .is_some_and(|offset| offset >= 0 && (offset as u64) < count)
    }

    /// The process pm2 lists once this app runs (as `pm_id`, with `status`): its
    /// markers in its environment, in its folder. For planning against a pm2 that is not
    /// there (tests, benchmarks, dry runs of embedders).
    pub fn as_process(&self, pm_id: u64, status: &str) -> crate::process::Process {
        let env: serde_json::Map<String, serde_json::Value> = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(
                self.markers
                    .variables()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v)),
            )
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        crate::process::Process::from_json(&serde_json::json!({
            "name": self.name,
            "pm_id": pm_id,
            "pm2_env": {"status": status, "pm_cwd": self.markers.cwd, "env": env},
        }))
    }
}

/// A source that loaded: its apps, and the ecosystem (markers added) for `dist/`.
#[derive(Debug)]
pub struct Prepared {
    /// The profile and overrides it was loaded with.
    pub inputs: Inputs,
    /// Where they came from.
    pub inputs_from: InputsFrom,
    /// The apps, in order.
    pub desired: Vec<Desired>,
    /// The ecosystem with markers, to render.
    pub ecosystem: Ecosystem,
    /// The generated file's header.
    pub header: Header,
    /// Warnings to show.
    pub warnings: Vec<SourceProblem>,
}

/// One source after loading.
pub struct SourceState {
    /// The source file, absolute.
    pub path: PathBuf,
    /// What loading gave.
    pub result: Result<Prepared, Vec<SourceProblem>>,
    /// The files it read (itself first), for dependency tracking.
    pub files: Vec<PathBuf>,
}

impl SourceState {
    /// A file or folder that could not be read: its apps are kept as they run.
    pub fn unreadable(path: &Path, reason: &str) -> SourceState {
        let report = SourceProblem::Load(LoadError::from(LoadErrorKind::Unreadable {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }));
        SourceState {
            path: path.to_path_buf(),
            result: Err(vec![report]),
            files: vec![path.to_path_buf()],
        }
    }

    /// Loads every source `found`, each with the inputs its apps in `running` recorded
    /// unless `settings` give some (see [`prepare_recorded`]), and marks what could not
    /// be read.
    pub fn all(found: &crate::scan::Found, settings: &LoadSettings, running: &[Process]) -> Vec<SourceState> {
        let mut states: Vec<SourceState> = (found.sources.iter())
            .map(|s| prepare_recorded(s, settings, running))
            .collect();
        states.extend(
            found
                .unreadable
                .iter()
                .map(|(p, why)| SourceState::unreadable(p, why)),
        );
        states
    }

    /// Whether the source loaded.
    pub fn loaded(&self) -> bool {
        self.result.is_ok()
    }
}

/// The inputs the apps of `source` recorded when they were last applied, when some of
/// them run.
pub fn recorded<'a>(running: &'a [Process], source: &Path) -> Option<&'a Inputs> {
    running
        .iter()
        .filter_map(|p| p.markers.as_ref())
        .find(|m| Path::new(&m.source) == source)
        .map(|m| &m.inputs)
}

/// Loads a source for `sync` with the inputs its apps in `running` recorded, unless
/// `settings` give a profile or an override (see [`LoadSettings::with_recorded`]).
pub fn prepare_recorded(path: &Path, settings: &LoadSettings, running: &[Process]) -> SourceState {
    let path = crate::scan::absolute(path);
    let (settings, from) = settings.with_recorded(recorded(running, &path));
    prepare_from(&path, &settings, from)
}

/// Loads a source for `sync` with `settings`. Every app must have a `:name` (pm2 matches
/// apps by name).
pub fn prepare(path: &Path, settings: &LoadSettings) -> SourceState {
    prepare_from(path, settings, InputsFrom::Given)
}

fn prepare_from(path: &Path, settings: &LoadSettings, inputs_from: InputsFrom) -> SourceState {
    let path = &crate::scan::absolute(path);
    let inputs = settings.inputs();
    let loaded = match Input::file(path).load(settings) {
        Ok(loaded) => loaded,
        Err(failure) => {
            return SourceState {
                path: path.to_path_buf(),
                result: Err(failure.reports),
                files: failure.files,
            };
        }
    };
    let files = loaded.files();
    let ecosystem = &loaded.built.ecosystem;
    let unnamed = ecosystem.apps.iter().filter(|a| a.name().is_none()).count();
    if unnamed > 0 {
        let report = SourceProblem::Load(LoadError::from(LoadErrorKind::UnnamedApps {
            path: path.to_path_buf(),
            count: unnamed,
        }));
        return SourceState {
            path: path.to_path_buf(),
            result: Err(vec![report]),
            files,
        };
    }
    let mut marked = ecosystem.clone();
    let mut desired = Vec::with_capacity(ecosystem.apps.len());
    let names = names_of(&loaded);
    for (app, (_, name_place)) in marked.apps.iter_mut().zip(names) {
        let markers = Markers::of(app, path, &inputs);
        desired.push(Desired {
            name: app.name().unwrap_or_default().to_string(),
            source: path.to_path_buf(),
            autostart: app.autostart(),
            instances: app.fixed_instances(),
            name_place,
            env: app.env.iter().map(|(k, v)| (k.clone(), v.text.clone())).collect(),
            increment_var: app.increment_var.as_ref().map(|s| s.value.clone()),
            markers: markers.clone(),
        });
        *app = markers.apply(app);
    }
    let header = loaded.header.clone();
    let warnings = loaded
        .built
        .warnings
        .iter()
        .map(|w| SourceProblem::Emit(w.clone()))
        .chain(
            loaded
                .preflight
                .iter()
                .map(|p| SourceProblem::Preflight(p.clone())),
        )
        .collect();
    SourceState {
        path: path.to_path_buf(),
        result: Ok(Prepared {
            inputs,
            inputs_from,
            desired,
            ecosystem: marked,
            header,
            warnings,
        }),
        files,
    }
}

/// Each app of a loaded source by name, with where its `:name` is written.
pub fn names_of(loaded: &crate::load::Loaded) -> Vec<(String, Option<Place>)> {
    let sources = loaded.evaluated.evaluator.sources();
    loaded
        .built
        .ecosystem
        .apps
        .iter()
        .filter_map(|app| {
            let name = app.name()?.to_string();
            let place = (app.name.as_ref())
                .and_then(|n| n.written.origin())
                .and_then(|span| {
                    Some(Place {
                        source: sources.get(span.source)?.clone(),
                        span,
                    })
                });
            Some((name, place))
        })
        .collect()
}
