//! The desired side of a sync: each source loaded, its apps with their ownership
//! markers, and the marked ecosystem that goes into its `dist/` file.

use std::path::{Path, PathBuf};

use miette::{MietteDiagnostic, Report};
use pm2_dsl_emit::{Ecosystem, Header};

use crate::load::{LoadSettings, load};
use crate::markers::Markers;

/// An app a source wants running.
#[derive(Clone, Debug)]
pub struct Desired {
    /// Its name.
    pub name: String,
    /// The source file, absolute.
    pub source: PathBuf,
    /// The markers it must carry.
    pub markers: Markers,
}

/// A source that loaded: its apps, and the ecosystem (markers added) for `dist/`.
pub struct Prepared {
    /// The apps, in order.
    pub desired: Vec<Desired>,
    /// The ecosystem with markers, to render.
    pub ecosystem: Ecosystem,
    /// The generated file's header.
    pub header: Header,
    /// Warnings to show.
    pub warnings: Vec<Report>,
}

/// One source after loading.
pub struct SourceState {
    /// The source file, absolute.
    pub path: PathBuf,
    /// What loading gave.
    pub result: Result<Prepared, Vec<Report>>,
    /// The files it read (itself first), for dependency tracking.
    pub files: Vec<PathBuf>,
}

impl SourceState {
    /// Whether the source loaded.
    pub fn loaded(&self) -> bool {
        self.result.is_ok()
    }
}

/// Loads a source for `sync`. Every app must have a `:name` (pm2 matches apps by name).
pub fn prepare(path: &Path, settings: &LoadSettings) -> SourceState {
    let loaded = match load(path, settings) {
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
        let report = Report::new(
            MietteDiagnostic::new(format!("{}: {unnamed} app(s) without :name", path.display()))
                .with_code("sync::unnamed-app")
                .with_help("sync matches running apps by name; give every app a :name"),
        );
        return SourceState {
            path: path.to_path_buf(),
            result: Err(vec![report]),
            files,
        };
    }
    let mut marked = ecosystem.clone();
    let mut desired = Vec::with_capacity(ecosystem.apps.len());
    for app in marked.apps.iter_mut() {
        let markers = Markers::of(app, path);
        *app = markers.apply(app);
        desired.push(Desired {
            name: app.name().unwrap_or_default().to_string(),
            source: path.to_path_buf(),
            markers,
        });
    }
    let header = loaded.header(settings);
    let warnings = loaded
        .built
        .warnings
        .iter()
        .map(|w| Report::new(w.clone()))
        .collect();
    SourceState {
        path: path.to_path_buf(),
        result: Ok(Prepared {
            desired,
            ecosystem: marked,
            header,
            warnings,
        }),
        files,
    }
}
