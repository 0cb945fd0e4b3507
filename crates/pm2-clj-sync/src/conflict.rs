//! Why an app is left alone: its name is taken by an app pm2-clj does not own, it is
//! owned by a source outside this run, or two sources claim it. As data for the plan and
//! as `miette` diagnostics for the report.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use pm2_dsl_reader::{Note, Problem, ProblemKind};

use crate::desired::{Desired, SourceState};
use crate::place::Place;

/// An app the plan leaves as it is, and why.
#[derive(Clone, Debug)]
pub enum Conflict {
    /// An app of that name runs, and pm2-clj did not start it (`sync --adopt` takes it
    /// over).
    NotOwned {
        /// The app.
        app: String,
        /// The source that defines it.
        source: PathBuf,
    },
    /// The app runs, started by pm2-clj from another source that this run cannot
    /// release (outside the run, or it failed to load).
    OwnedElsewhere {
        /// The app.
        app: String,
        /// The source that defines it now.
        source: PathBuf,
        /// The source it was started from.
        owner: PathBuf,
    },
    /// Two or more sources define an app of this name; none of them is applied.
    ClaimedTwice {
        /// The app.
        app: String,
        /// The sources, in order.
        sources: Vec<PathBuf>,
        /// Where each writes the name, when known.
        places: Vec<Place>,
    },
}

impl Conflict {
    /// The app.
    pub fn app(&self) -> &str {
        match self {
            Conflict::NotOwned { app, .. }
            | Conflict::OwnedElsewhere { app, .. }
            | Conflict::ClaimedTwice { app, .. } => app,
        }
    }

    fn help(&self) -> String {
        match self {
            Conflict::NotOwned { app, .. } => format!(
                "pm2-clj never touches apps it did not start; `pm2-clj sync --adopt` takes {app} over, or rename one of them"
            ),
            Conflict::OwnedElsewhere { owner, .. } => format!(
                "sync {} in the same run to move the app, or remove it from one of the files",
                owner.display()
            ),
            Conflict::ClaimedTwice { .. } => {
                "give each app one source: rename or remove one definition".into()
            }
        }
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::NotOwned { app, source } => write!(
                f,
                "{app} ({}): an app of that name runs and pm2-clj did not start it; left as it is",
                source.display()
            ),
            Conflict::OwnedElsewhere { app, owner, .. } => {
                write!(f, "{app}: started from {}; left as it is", owner.display())
            }
            Conflict::ClaimedTwice { app, sources, .. } => {
                let files: Vec<String> = sources.iter().map(|s| s.display().to_string()).collect();
                write!(f, "{app}: defined in {}; left as it is", files.join(" and in "))
            }
        }
    }
}

impl ProblemKind for Conflict {
    fn code(&self) -> &'static str {
        match self {
            Conflict::NotOwned { .. } => "sync::not-owned",
            Conflict::OwnedElsewhere { .. } => "sync::owned-elsewhere",
            Conflict::ClaimedTwice { .. } => "sync::name-claimed-twice",
        }
    }

    fn label(&self) -> String {
        "defined here".into()
    }

    fn default_help(&self) -> Option<String> {
        Some(self.help())
    }
}

/// A conflict as a diagnostic ([`Conflict::report`]).
pub type ConflictReport = Problem<Conflict>;

impl Conflict {
    /// The conflict as a diagnostic: a name claimed twice is labelled where the first
    /// source writes it, and where each other one does.
    pub fn report(self) -> ConflictReport {
        let places = match &self {
            Conflict::ClaimedTwice { places, .. } => places.clone(),
            _ => Vec::new(),
        };
        let mut places = places.into_iter();
        let Some(first) = places.next() else {
            return ConflictReport::from(self);
        };
        let report = Problem::new(self, Some(first.span)).with_source(first.source);
        places.fold(report, |report, also| {
            let message = format!("also defined in {}", also.source.name());
            report.with_related(Note::in_source(
                also.span,
                message,
                "also defined here",
                also.source,
            ))
        })
    }
}

/// The app names that more than one loaded source defines, each with every definition.
pub fn claimed_twice(states: &[SourceState]) -> Vec<Conflict> {
    claimed_twice_among(
        states
            .iter()
            .filter_map(|s| s.result.as_ref().ok())
            .flat_map(|p| &p.desired)
            .map(|d: &Desired| (d.name.as_str(), d.source.as_path(), d.name_place.clone())),
    )
}

/// The names given more than once among `(name, source, where the name is written)`
/// definitions from different sources.
pub fn claimed_twice_among<'a>(
    definitions: impl IntoIterator<Item = (&'a str, &'a std::path::Path, Option<Place>)>,
) -> Vec<Conflict> {
    let mut by_name: BTreeMap<&str, Vec<(&std::path::Path, Option<Place>)>> = BTreeMap::new();
    for (name, source, place) in definitions {
        by_name.entry(name).or_default().push((source, place));
    }
    by_name
        .into_iter()
        .filter(|(_, defs)| defs.len() > 1)
        .map(|(name, defs)| Conflict::ClaimedTwice {
            app: name.to_string(),
            sources: defs.iter().map(|(s, _)| s.to_path_buf()).collect(),
            places: defs.into_iter().filter_map(|(_, p)| p).collect(),
        })
        .collect()
}
