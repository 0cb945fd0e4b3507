//! `pm2-clj-export` renders pm2-clj's typed apps ([`pm2_dsl_emit::AppSpec`]) for the
//! engines users move to when PM2 on one host is not enough. It is pure: it returns the
//! files to write and a report, and writes nothing, runs nothing.
//!
//! Every PM2 option has a row per [`Target`] in one table ([`table`]): the field it
//! becomes and its [`Fidelity`]. An option the target cannot do (`watch`, `wait_ready`)
//! is an error naming the option and the target unless [`Settings::lossy`], an
//! approximate one gives a one-line note, and nothing is dropped silently. Values from
//! `#secret`, `#env`, `.env` files and includes never go into a unit inline: they go to a
//! private file beside the units ([`File::private`]).
//!
//! ```
//! use pm2_clj_export::{Input, Settings, Target, export};
//! use pm2_dsl_emit::{AppSpec, Ecosystem};
//! use pm2_dsl_eval::Value;
//!
//! let app = AppSpec::new(
//!     vec![
//!         ("name".into(), Value::string("api")),
//!         ("script".into(), Value::string("/srv/api/server.js")),
//!         ("cwd".into(), Value::string("/srv/api")),
//!     ],
//!     None,
//! );
//! let ecosystem = Ecosystem { apps: vec![app], ..Ecosystem::default() };
//! let input = Input::new("shop", &ecosystem, "/srv/api/shop.pm2.edn".as_ref(), None);
//! let programs = |name: &str| (name == "node").then(|| "/usr/bin/node".to_string());
//! let export = export(&[input], &Settings::new(Target::Systemd, &programs));
//! assert!(!export.failed());
//! let unit = export.files.iter().find(|f| f.name == "api.service").unwrap();
//! assert!(unit.content.contains("ExecStart=/usr/bin/node /srv/api/server.js\n"));
//! assert!(unit.content.contains("KillSignal=SIGINT\n"));
//! ```
//!
//! Targets: [`Target::Systemd`] ([`systemd`]), [`Target::Kubernetes`] ([`kubernetes`]).
//! Targets: [`Target::Systemd`] ([`systemd`]), [`Target::Compose`] ([`compose`]).

#![warn(missing_docs)]

pub mod compose;
mod error;
pub mod kubernetes;
mod program;
pub mod systemd;
pub mod table;
mod yaml;

use std::path::Path;

pub use error::{ExportErrorKind, ExportProblem};
pub use table::{Fidelity, Target};

use pm2_dsl_emit::Ecosystem;
use pm2_dsl_reader::SourceMap;

/// The keys a target's map in an app's `:export` takes: systemd's sections,
/// compose-spec's service keys (besides `x-` extensions), the kubernetes map's choices
/// and objects.
pub fn escape_keys(target: Target) -> &'static [&'static str] {
    match target {
        Target::Systemd => systemd::ESCAPE_SECTIONS,
        Target::Compose => compose::model::SERVICE_KEYS,
        Target::Kubernetes => kubernetes::hatch::KEYS,
    }
}

/// One ecosystem to export: a source file's apps.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The ecosystem's name: what groups its apps (`NAME.target` for systemd). The
    /// source file's name without `.pm2.edn` by default.
    pub name: &'a str,
    /// Its apps.
    pub ecosystem: &'a Ecosystem,
    /// The source file (its folder is the apps' folder when they name no `cwd`).
    pub source: &'a Path,
    /// The profile it was loaded with.
    pub profile: Option<&'a str>,
    /// The texts its values came from, so problems can show them.
    pub sources: Option<&'a SourceMap>,
}

impl<'a> Input<'a> {
    /// An ecosystem named `name` from `source`, loaded with `profile`.
    pub fn new(
        name: &'a str,
        ecosystem: &'a Ecosystem,
        source: &'a Path,
        profile: Option<&'a str>,
    ) -> Input<'a> {
        Input {
            name,
            ecosystem,
            source,
            profile,
            sources: None,
        }
    }

    /// The same input, its problems shown in the texts of `sources`.
    pub fn with_sources(self, sources: &'a SourceMap) -> Input<'a> {
        Input {
            sources: Some(sources),
            ..self
        }
    }
}

/// The name an ecosystem gets from its source file: the file name without `.pm2.edn`
/// (or without its extension).
pub fn ecosystem_name(source: &Path) -> String {
    let file = source
        .file_name()
        .map(|f| f.to_string_lossy())
        .unwrap_or_default();
    match file.strip_suffix(".pm2.edn") {
        Some(stem) => stem.to_string(),
        None => source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// How to export.
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    /// The engine.
    pub target: Target,
    /// Options the target has no equivalent for are warnings (and left out), not errors.
    pub lossy: bool,
    /// The CPUs `instances: "max"` stands for (the target has no per-CPU count).
    pub cpus: u64,
    /// What systemd runs the units.
    pub systemd: systemd::SystemdSettings,
    /// The absolute path of a program named without a folder (`node`), as the machine
    /// that runs the apps has it: the exporter's `PATH`, or `--interpreter-path`.
    pub programs: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Settings<'a> {
    /// Settings for `target`, strict, one CPU, the oldest supported systemd, system
    /// units.
    pub fn new(target: Target, programs: &'a dyn Fn(&str) -> Option<String>) -> Settings<'a> {
        Settings {
            target,
            lossy: false,
            cpus: 1,
            systemd: systemd::SystemdSettings::default(),
            programs,
        }
    }
}

/// One file to write, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Its path inside the output folder (`api.service`, `api@1.service.d/increment.conf`).
    pub name: String,
    /// Its content.
    pub content: String,
    /// Whether it holds values that must stay private (it is to be written readable by
    /// its owner only).
    pub private: bool,
}

/// What an export made.
#[derive(Clone, Debug, Default)]
pub struct Export {
    /// The files, in a stable order.
    pub files: Vec<File>,
    /// What it found: errors, warnings (options left out with `--lossy`) and notes
    /// (approximations).
    pub problems: Vec<ExportProblem>,
    /// Folders the apps write into that must exist before they start (log folders).
    pub folders: Vec<String>,
    /// What starts everything, one per ecosystem (`shop.target`).
    pub entry_points: Vec<String>,
}

impl Export {
    /// Whether any problem is an error (then nothing is to be written).
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|p| !p.is_warning())
    }

    /// What every target does once its apps are exported: a file name written twice
    /// is an error, a `.gitignore` (with `ignored`, the private files' pattern, under a
    /// comment naming them as `what`) keeps private files out of git, and files and
    /// folders come in a stable order.
    fn finish(mut self, what: &str, ignored: &str) -> Export {
        let mut seen = std::collections::BTreeSet::new();
        for file in &self.files {
            if !seen.insert(file.name.clone()) {
                self.problems.push(ExportProblem::new(
                    ExportErrorKind::NameClash {
                        file: file.name.clone(),
                    },
                    None,
                ));
            }
        }
        if self.files.iter().any(|f| f.private) {
            self.files.push(File {
                name: ".gitignore".into(),
                content: format!("# Written by pm2-clj export: {what} hold secrets.\n{ignored}\n"),
                private: false,
            });
        }
        self.files.sort_by(|a, b| a.name.cmp(&b.name));
        self.folders.sort();
        self.folders.dedup();
        self
    }
}

/// Exports `inputs` to `settings.target`.
pub fn export(inputs: &[Input], settings: &Settings) -> Export {
    match settings.target {
        Target::Systemd => systemd::export(inputs, settings),
        Target::Kubernetes => kubernetes::export(inputs, settings),
        Target::Compose => compose::export(inputs, settings),
    }
}
