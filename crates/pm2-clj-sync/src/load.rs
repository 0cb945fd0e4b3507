//! The pipeline from a `.pm2.edn` file to a validated ecosystem: read the file, evaluate
//! it, apply `--set` / `--unset` overrides, build the ecosystem. Every problem comes back
//! as a [`SourceProblem`] with its source attached, ready to report (and with the fix its
//! "did you mean" stands for: [`SourceProblem::replacement`]).
//!
//! [`Input`] is the one entry point: a file from disk or a text for it (an editor's
//! unsaved buffer, stdin), its imports from disk or any [`Loader`], evaluated
//! ([`Input::evaluate`]) or loaded whole ([`Input::load`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pm2_dsl_emit::overrides::{Override, apply_to_value, parse_set, parse_unset};
use pm2_dsl_emit::{Built, EmitError, Header, Settings, build, folder_of};
use pm2_dsl_eval::{Env, EvalOptions, Evaluator, FsLoader, Loader, MAX_FILE_BYTES, Value, read_text_file};

use crate::error::{LoadError, LoadErrorKind};
use crate::preflight::{self, Preflight, PreflightError};
use crate::problem::SourceProblem;

/// The inputs of loading a source file.
#[derive(Clone, Debug, Default)]
pub struct LoadSettings {
    /// The selected profile, if any (a leading colon is ignored).
    pub profile: Option<String>,
    /// The environment variables the file sees.
    pub env: Env,
    /// Leave relative `cwd`s as written.
    pub keep_relative_paths: bool,
    /// `--set PATH=VALUE` and `--unset PATH` overrides, applied in this order (the
    /// command line's).
    pub overrides: Vec<OverrideArg>,
    /// A profile the file does not define is a warning, not an error (see
    /// `pm2_dsl_emit::Settings::profile_optional`).
    pub profile_optional: bool,
    /// The folder imports, `#include` and `#dotenv` must stay inside (`--root DIR`);
    /// by default the nearest folder above the source holding `.git`, else the source's
    /// own folder ([`default_root`]).
    pub root: Option<PathBuf>,
    /// Imports may reach any readable file (`--unconfined`): for the rare file that
    /// reads something outside its repository on purpose.
    pub unconfined: bool,
    /// An app environment variable left out because `#env X` found `X` unset is an
    /// error, not a warning (`--strict-env`).
    pub strict_env: bool,
    /// Whether to check that each app's `cwd`, `script` and interpreter exist, and how
    /// strictly ([`crate::preflight`]).
    pub preflight: Preflight,
    /// The evaluator's limits: depth, steps, bytes.
    pub limits: pm2_dsl_eval::Limits,
}

/// What a source is loaded with that its file does not say: the profile and the
/// overrides. pm2-clj records them with the apps it starts (see
/// `markers::Markers::inputs`), so a later command that names none loads the
/// source as it was last applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The profile, without its colon.
    pub profile: Option<String>,
    /// `--set` / `--unset`, in order.
    pub overrides: Vec<OverrideArg>,
}

impl Inputs {
    /// Whether neither a profile nor an override is given.
    pub fn is_empty(&self) -> bool {
        self.profile.is_none() && self.overrides.is_empty()
    }

    /// The inputs as one line: `profile prod, --set apps.api.env.PORT=9000`.
    pub fn describe(&self) -> String {
        let mut parts = vec![match &self.profile {
            Some(p) => format!("profile {p}"),
            None => "no profile".to_string(),
        }];
        parts.extend(self.overrides.iter().map(|o| match o {
            OverrideArg::Set(t) => format!("--set {t}"),
            OverrideArg::Unset(t) => format!("--unset {t}"),
        }));
        parts.join(", ")
    }

    /// The inputs as a marker value (JSON: `{"profile": ..., "overrides": [["set", ..]]}`).
    pub fn to_marker(&self) -> String {
        let overrides: Vec<serde_json::Value> = (self.overrides.iter())
            .map(|o| match o {
                OverrideArg::Set(t) => serde_json::json!(["set", t]),
                OverrideArg::Unset(t) => serde_json::json!(["unset", t]),
            })
            .collect();
        serde_json::json!({"profile": self.profile, "overrides": overrides}).to_string()
    }

    /// The inputs a marker value holds (none when it holds something else).
    pub fn from_marker(text: &str) -> Option<Inputs> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let overrides = (v["overrides"].as_array()?.iter())
            .map(|o| match (o[0].as_str()?, o[1].as_str()?) {
                ("set", t) => Some(OverrideArg::Set(t.to_string())),
                ("unset", t) => Some(OverrideArg::Unset(t.to_string())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Inputs {
            profile: v["profile"].as_str().map(str::to_string),
            overrides,
        })
    }
}

impl LoadSettings {
    /// The profile and overrides these settings give.
    pub fn inputs(&self) -> Inputs {
        Inputs {
            profile: self.profile_name().map(str::to_string),
            overrides: self.overrides.clone(),
        }
    }

    /// The settings to load a source with whose apps were last applied with `recorded`:
    /// these settings when they give a profile or an override (a switch, when they
    /// differ), else the recorded ones.
    pub fn with_recorded(&self, recorded: Option<&Inputs>) -> (LoadSettings, InputsFrom) {
        match recorded {
            Some(recorded) if self.inputs().is_empty() && !recorded.is_empty() => {
                let settings = LoadSettings {
                    profile: recorded.profile.clone(),
                    overrides: recorded.overrides.clone(),
                    ..self.clone()
                };
                (settings, InputsFrom::Recorded)
            }
            Some(recorded) if *recorded != self.inputs() && !self.inputs().is_empty() => {
                (self.clone(), InputsFrom::Switch(recorded.clone()))
            }
            _ => (self.clone(), InputsFrom::Given),
        }
    }

    /// The profile without its colon.
    pub fn profile_name(&self) -> Option<&str> {
        self.profile.as_deref().map(|p| p.trim_start_matches(':'))
    }

    /// The folder the imports of `source` must stay inside (none when unconfined):
    /// [`LoadSettings::root`], else [`default_root`].
    pub fn root_for(&self, source: &Path) -> Option<PathBuf> {
        if self.unconfined {
            return None;
        }
        Some(self.root.clone().unwrap_or_else(|| default_root(source)))
    }

    /// The loader for the imports of `source` from disk, confined to
    /// [`LoadSettings::root_for`] it: the one confinement rule of every command, `sync`,
    /// `watch` and the language server included.
    pub fn loader_for(&self, source: &Path) -> Result<FsLoader, SourceProblem> {
        let loader = FsLoader::new();
        match self.root_for(source) {
            None => Ok(loader),
            Some(root) => loader.confined_to(&root).map_err(|e| {
                SourceProblem::Load(LoadError::from(LoadErrorKind::Root {
                    root,
                    reason: e.to_string(),
                }))
            }),
        }
    }

    fn options(&self) -> EvalOptions {
        let options = EvalOptions::new().env(self.env.clone()).limits(self.limits);
        match self.profile_name() {
            Some(p) => options.profile(p),
            None => options,
        }
    }
}

/// Where a source's [`Inputs`] came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputsFrom {
    /// From the command (or none anywhere).
    Given,
    /// From what its running apps recorded: the command gave none.
    Recorded,
    /// From the command, which differs from what its running apps recorded (these).
    Switch(Inputs),
}

/// The folder a source's imports stay inside when no `--root` is given: the nearest
/// folder at or above the source's that holds `.git` (its repository), else the
/// source's own folder.
pub fn default_root(source: &Path) -> PathBuf {
    let folder = pm2_dsl_emit::folder_of(source);
    let folder = folder.canonicalize().unwrap_or(folder);
    folder
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(&folder)
        .to_path_buf()
}

/// One override as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OverrideArg {
    /// `--set PATH=VALUE`.
    Set(String),
    /// `--unset PATH`.
    Unset(String),
}

/// A source file evaluated: the evaluator (its sources, the files it loaded) and the
/// value, with overrides applied.
pub struct Evaluated {
    /// The evaluator, for sources and dependencies.
    pub evaluator: Evaluator,
    /// The file's value.
    pub value: Value,
    /// The file as given.
    pub path: PathBuf,
    overrides: Vec<Override>,
}

/// A source file loaded into an ecosystem.
pub struct Loaded {
    /// The header its generated files carry (the source and the profile).
    pub header: Header,
    /// The profile and overrides it was loaded with.
    pub inputs: Inputs,
    /// The evaluation.
    pub evaluated: Evaluated,
    /// The ecosystem and its warnings (sources attached).
    pub built: Built,
    /// What the pre-flight found missing, as warnings (with [`Preflight::Warn`]).
    pub preflight: Vec<PreflightError>,
}

impl Loaded {
    /// The files the source loaded, itself first.
    pub fn files(&self) -> Vec<PathBuf> {
        self.evaluated
            .evaluator
            .loaded_files()
            .into_iter()
            .map(|f| PathBuf::from(f.location))
            .collect()
    }
}

/// A source file's text, read safely ([`read_text_file`]: a regular file of at most
/// [`MAX_FILE_BYTES`], UTF-8), or a diagnostic saying why it cannot be read.
pub fn read_source(path: &Path) -> Result<String, SourceProblem> {
    let path = path.to_path_buf();
    let kind = match read_text_file(&path, MAX_FILE_BYTES) {
        Ok(Some(text)) => return Ok(text),
        Ok(None) => LoadErrorKind::NoSuchFile { path },
        Err(error) => LoadErrorKind::File {
            path,
            error: Arc::new(error),
        },
    };
    Err(SourceProblem::Load(LoadError::from(kind)))
}

fn emit_reports(errors: impl IntoIterator<Item = EmitError>, evaluator: &Evaluator) -> Vec<SourceProblem> {
    errors
        .into_iter()
        .map(|e| SourceProblem::Emit(e.attach_sources(evaluator.sources())))
        .collect()
}

/// Why a source could not be loaded, and the files it read on the way (so a watcher
/// knows what to watch even for a broken file).
pub struct LoadFailure {
    /// The diagnostics.
    pub reports: Vec<SourceProblem>,
    /// The files read before the failure, the source first.
    pub files: Vec<PathBuf>,
    /// The evaluation as far as it went (what it defined and loaded), when it started.
    pub evaluator: Option<Box<Evaluator>>,
}

impl LoadFailure {
    fn new(reports: Vec<SourceProblem>, evaluator: Option<Evaluator>, path: &Path) -> LoadFailure {
        let mut files = vec![path.to_path_buf()];
        if let Some(evaluator) = &evaluator {
            files.extend(
                evaluator
                    .loaded_files()
                    .into_iter()
                    .map(|f| PathBuf::from(f.location))
                    .skip(1),
            );
        }
        LoadFailure {
            reports,
            files,
            evaluator: evaluator.map(Box::new),
        }
    }
}

impl std::fmt::Debug for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadFailure")
            .field("source", &self.files.first())
            .field("reports", &self.reports)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = self
            .files
            .first()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        match self.reports.as_slice() {
            [one] => write!(f, "{source}: {one}"),
            all => write!(f, "{source} has {} problems", all.len()),
        }
    }
}

impl std::error::Error for LoadFailure {}

/// A failed load as one diagnostic (`load::failed`): each problem, with its own code,
/// labels and source, is a related diagnostic.
impl miette::Diagnostic for LoadFailure {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("load::failed"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.reports.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// Whether every one of `reports` says only that something the file reads from outside
/// is not there (a variable `#env!` requires, a `.env` file, an included or imported
/// file): the file itself is sound, and what it started can still be found by its
/// markers (`stop`, `delete`).
pub fn only_missing_inputs(reports: &[SourceProblem]) -> bool {
    use pm2_dsl_eval::EvalErrorKind as K;
    !reports.is_empty()
        && reports.iter().all(|r| {
            matches!(
                r,
                SourceProblem::Eval(e) if matches!(
                    e.kind(),
                    K::EnvRequired { .. } | K::DotenvNotFound { .. } | K::ImportNotFound { .. }
                )
            )
        })
}

/// What to load: a source file, read from disk or given as text (an editor's unsaved
/// buffer, stdin), its imports read from disk (confined to
/// [`LoadSettings::root_for`] it) or through another [`Loader`]. The one entry point of
/// the pipeline: every command, the language server, `watch` and the `pm2-clj` library
/// load through it.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("api.pm2.edn");
/// # std::fs::write(&path, r#"{:apps [{:name "api" :script "server.js"}]}"#).unwrap();
/// use pm2_clj_sync::load::{Input, LoadSettings};
///
/// let loaded = Input::file(&path).load(&LoadSettings::default()).unwrap();
/// assert_eq!(loaded.built.ecosystem.apps[0].name(), Some("api"));
/// assert_eq!(loaded.header.profile, None);
/// ```
pub struct Input<'a> {
    path: &'a Path,
    text: Option<&'a str>,
    loader: Option<Box<dyn Loader>>,
}

impl<'a> Input<'a> {
    /// The file at `path`, read from disk.
    pub fn file(path: &'a Path) -> Input<'a> {
        Input {
            path,
            text: None,
            loader: None,
        }
    }

    /// `text`, as the file at `path` (its imports resolve against `path`'s folder).
    pub fn text(path: &'a Path, text: &'a str) -> Input<'a> {
        Input {
            path,
            text: Some(text),
            loader: None,
        }
    }

    /// Imports read through `loader` instead of the disk.
    pub fn loader(mut self, loader: impl Loader + 'static) -> Input<'a> {
        self.loader = Some(Box::new(loader));
        self
    }

    /// Evaluates the source and parses its overrides (the value before the profile's
    /// overlay, what `eval` shows).
    pub fn evaluate(self, settings: &LoadSettings) -> Result<Evaluated, LoadFailure> {
        let path = self.path;
        let read;
        let text = match self.text {
            Some(text) => text,
            None => {
                read = read_source(path).map_err(|r| LoadFailure::new(vec![r], None, path))?;
                &read
            }
        };
        let loader: Box<dyn Loader> = match self.loader {
            Some(loader) => loader,
            None => Box::new(
                settings
                    .loader_for(path)
                    .map_err(|r| LoadFailure::new(vec![r], None, path))?,
            ),
        };
        evaluate_text(path, text, loader, settings)
    }

    /// Evaluates and builds the source: the ecosystem, checked, with the profile's
    /// overlay and the overrides applied, and the pre-flight's findings.
    pub fn load(self, settings: &LoadSettings) -> Result<Loaded, LoadFailure> {
        self.evaluate(settings)?.build(settings)
    }
}

fn evaluate_text(
    path: &Path,
    text: &str,
    loader: impl Loader + 'static,
    settings: &LoadSettings,
) -> Result<Evaluated, LoadFailure> {
    let mut evaluator = Evaluator::new(settings.options(), loader);
    let value = match evaluator.eval_str(&path.to_string_lossy(), text) {
        Ok(value) => value,
        Err(e) => {
            let further = evaluator.further_errors().iter().cloned();
            let reports = std::iter::once(e)
                .chain(further)
                .map(SourceProblem::Eval)
                .collect();
            return Err(LoadFailure::new(reports, Some(evaluator), path));
        }
    };
    let mut overrides = Vec::new();
    for arg in &settings.overrides {
        let parsed = match arg {
            OverrideArg::Set(text) => parse_set(evaluator.add_source("--set", text)),
            OverrideArg::Unset(text) => parse_unset(evaluator.add_source("--unset", text)),
        };
        match parsed {
            Ok(parsed) => overrides.push(parsed),
            Err(e) => return Err(override_failure(e, evaluator, path)),
        }
    }
    Ok(Evaluated {
        evaluator,
        value,
        path: path.to_path_buf(),
        overrides,
    })
}

fn override_failure(e: EmitError, evaluator: Evaluator, path: &Path) -> LoadFailure {
    let reports = emit_reports([e], &evaluator);
    LoadFailure::new(reports, Some(evaluator), path)
}

impl Evaluated {
    /// The value with the overrides applied as plain data paths (what `eval` shows).
    pub fn value_with_overrides(&self) -> Result<Value, Vec<SourceProblem>> {
        apply_to_value(&self.value, &self.overrides).map_err(|e| emit_reports([e], &self.evaluator))
    }
}

impl Evaluated {
    /// Builds the ecosystem of the evaluated file (an editor keeps the value of a file
    /// whose build fails: it evaluates, then builds).
    pub fn build(self, settings: &LoadSettings) -> Result<Loaded, LoadFailure> {
        build_evaluated(self, settings)
    }
}

fn build_evaluated(evaluated: Evaluated, settings: &LoadSettings) -> Result<Loaded, LoadFailure> {
    let path = evaluated.path.clone();
    let profiles_seen: Vec<String> = evaluated.evaluator.profiles_seen().map(str::to_string).collect();
    let base_dir = folder_of(&path);
    let build_settings = Settings {
        profile: settings.profile_name(),
        profiles_seen: &profiles_seen,
        sources: evaluated.evaluator.sources(),
        base_dir: &base_dir,
        keep_relative_paths: settings.keep_relative_paths,
        overrides: &evaluated.overrides,
        profile_optional: settings.profile_optional,
        unset_env: evaluated.evaluator.unset_env(),
        strict_env: settings.strict_env,
    };
    match build(&evaluated.value, &build_settings) {
        Ok(built) => {
            let sources = evaluated.evaluator.sources();
            let built = Built {
                warnings: (built.warnings.into_iter())
                    .map(|w| w.attach_sources(sources))
                    .collect(),
                ecosystem: built.ecosystem,
            };
            let missing: Vec<PreflightError> =
                preflight::check(&built.ecosystem, &path, &settings.env, settings.preflight)
                    .into_iter()
                    .map(|p| p.attach_sources(sources))
                    .collect();
            if settings.preflight == Preflight::Error && !missing.is_empty() {
                let reports = built
                    .warnings
                    .into_iter()
                    .map(SourceProblem::Emit)
                    .chain(missing.into_iter().map(SourceProblem::Preflight))
                    .collect();
                return Err(LoadFailure::new(reports, Some(evaluated.evaluator), &path));
            }
            Ok(Loaded {
                header: Header {
                    source: path.display().to_string(),
                    profile: settings.profile_name().map(str::to_string),
                },
                inputs: settings.inputs(),
                evaluated,
                built,
                preflight: missing,
            })
        }
        Err(problems) => {
            let reports = emit_reports(problems, &evaluated.evaluator);
            Err(LoadFailure::new(reports, Some(evaluated.evaluator), &path))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_load_is_one_diagnostic_holding_every_problem() {
        let settings = LoadSettings::default();
        let text = "{:apps [{:name \"a\" :scrip \"a.js\"}]}";
        let failure = Input::text(Path::new("app.pm2.edn"), text)
            .loader(pm2_dsl_eval::MemoryLoader::new())
            .load(&settings)
            .err()
            .expect("the app has no script");
        let diagnostic: &dyn miette::Diagnostic = &failure;
        assert_eq!(diagnostic.code().unwrap().to_string(), "load::failed");
        let codes: Vec<String> = diagnostic
            .related()
            .unwrap()
            .map(|d| d.code().unwrap().to_string())
            .collect();
        assert_eq!(codes, ["emit::unknown-key", "emit::missing-script"]);
        assert_eq!(failure.to_string(), "app.pm2.edn has 2 problems");
        assert!(format!("{failure:?}").contains("LoadFailure"));
    }
}
