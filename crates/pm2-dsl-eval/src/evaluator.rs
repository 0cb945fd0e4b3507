//! The [`Evaluator`]: one run over a root file and everything it imports. It owns the
//! loaded sources, evaluates each file once, detects import cycles and checks that the
//! root file's result is data.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use pm2_dsl_reader::{Form, FormKind, ReadOptions, Source, SourceMap, Span, read_all_collecting};

use crate::error::{EvalError, EvalErrorKind, Limit};
use crate::loader::Loader;
use crate::options::EvalOptions;
use crate::refs;
use crate::scope::{FileId, FileState, NameMap, Scope};
use crate::value::{Value, ValueKind};

/// A file loaded during a run, and the files it imports or includes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedFile {
    /// Where the loader found it.
    pub location: String,
    /// The locations of the files it imports or includes, in the order written.
    pub imports: Vec<String>,
}

/// Evaluates programs. One evaluator is one run: each file is read and evaluated at most
/// once, however many files import it, and every source it read stays available for
/// reporting errors ([`Evaluator::sources`]).
pub struct Evaluator {
    pub(crate) options: EvalOptions,
    pub(crate) loader: Box<dyn Loader>,
    pub(crate) sources: SourceMap,
    pub(crate) files: Vec<FileState>,
    by_location: HashMap<String, FileId>,
    /// The files being evaluated, outermost first (for cycle detection).
    loading: Vec<FileId>,
    steps: u64,
    /// Bytes of data built so far (see [`crate::Limits::max_bytes`]).
    built: u64,
    pub(crate) depth: u32,
    pub(crate) profiles_seen: BTreeSet<String>,
    /// `.env` files read so far, by location (each is read once per run).
    pub(crate) dotenv: HashMap<String, crate::value::Map>,
    /// The `#env` and `(env ...)` reads that found their variable unset.
    pub(crate) unset_env: Vec<UnsetEnv>,
    /// The read errors of a file after the first, which evaluation returned.
    more_read_errors: Vec<EvalError>,
    /// Set by `#include` for the file it loads next: a data file, whose text diagnostics
    /// do not show (see [`crate::Hidden::Include`]).
    pub(crate) including: bool,
}

/// An environment variable a program read that was not set: `#env NAME` or
/// `(env "NAME")` gave nil.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsetEnv {
    /// The variable.
    pub name: String,
    /// The nil's origin: the `#env` or `(env ...)` form.
    pub at: Span,
}

impl Evaluator {
    /// An evaluator with these inputs, loading imports through `loader`.
    pub fn new(options: EvalOptions, loader: impl Loader + 'static) -> Evaluator {
        Evaluator {
            options,
            loader: Box::new(loader),
            sources: SourceMap::new(),
            files: Vec::new(),
            by_location: HashMap::new(),
            loading: Vec::new(),
            steps: 0,
            built: 0,
            depth: 0,
            profiles_seen: BTreeSet::new(),
            dotenv: HashMap::new(),
            unset_env: Vec::new(),
            more_read_errors: Vec::new(),
            including: false,
        }
    }

    /// The errors of a failed evaluation after the one it returned: the further read
    /// errors of the file that did not read (every error that leaves the structure
    /// whole is found, as [`pm2_dsl_reader::read_all_collecting`] says), in text order.
    pub fn further_errors(&self) -> &[EvalError] {
        &self.more_read_errors
    }

    /// The inputs of this run.
    pub fn options(&self) -> &EvalOptions {
        &self.options
    }

    /// Evaluates the file at `path` (resolved by the loader) and returns its value, which
    /// is checked to be data: no functions, no unresolved references.
    pub fn eval_file(&mut self, path: &str) -> Result<Value, EvalError> {
        let location = self.loader.resolve(None, path);
        let result = self.root(|ev| {
            let id = ev.load(None, path, &location, None)?;
            Ok(ev.files[id.0].result.clone().unwrap_or_else(Value::nil))
        });
        result.map_err(|e| e.attach_sources(&self.sources))
    }

    /// Evaluates `text` as a file named `name` (imports resolve relative to `name`).
    pub fn eval_str(&mut self, name: &str, text: &str) -> Result<Value, EvalError> {
        let name = self.loader.resolve(None, name);
        let result = self.root(|ev| {
            let id = ev.evaluate_text(name.clone(), text.to_string())?;
            Ok(ev.files[id.0].result.clone().unwrap_or_else(Value::nil))
        });
        result.map_err(|e| e.attach_sources(&self.sources))
    }

    fn root(
        &mut self,
        run: impl FnOnce(&mut Evaluator) -> Result<Value, EvalError>,
    ) -> Result<Value, EvalError> {
        let value = run(self)?;
        if let Some(bad) = value.find_non_data() {
            let what = match bad.kind() {
                ValueKind::Fn(f) => format!("the function `{}`", f.name()),
                _ => "a #ref used inside a computation".to_string(),
            };
            return Err(EvalError::new(EvalErrorKind::NotData { what }, bad.origin()));
        }
        Ok(value)
    }

    /// Every source read so far, for rendering diagnostics.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Registers a text that values may come from without being evaluated (a command-line
    /// override, say), so diagnostics can point into it like into any file.
    pub fn add_source(&mut self, name: &str, text: &str) -> Arc<Source> {
        self.sources.add(name, text)
    }

    /// The profile names that appeared as keys of `#profile` maps evaluated so far
    /// (chosen or not), without the colon.
    pub fn profiles_seen(&self) -> impl Iterator<Item = &str> {
        self.profiles_seen.iter().map(String::as_str)
    }

    /// Every file read so far, in load order, with the files it imports, includes or
    /// reads (`#dotenv`); then the data files read (a `#dotenv?` file that does not
    /// exist included, so that a watcher sees it appear).
    pub fn loaded_files(&self) -> Vec<LoadedFile> {
        let mut loaded: Vec<LoadedFile> = self
            .files
            .iter()
            .map(|f| LoadedFile {
                location: f.location.clone(),
                imports: f
                    .imports
                    .iter()
                    .map(|(id, _)| self.files[id.0].location.clone())
                    .chain(f.reads.iter().cloned())
                    .collect(),
            })
            .collect();
        for read in self.files.iter().flat_map(|f| &f.reads) {
            if !loaded.iter().any(|l| &l.location == read) {
                loaded.push(LoadedFile {
                    location: read.clone(),
                    imports: Vec::new(),
                });
            }
        }
        loaded
    }

    /// The environment variables the program read that were not set, in the order read.
    pub fn unset_env(&self) -> &[UnsetEnv] {
        &self.unset_env
    }

    /// The value a file loaded in this run defines as `name` (with `def` or `defn`), when
    /// its evaluation got that far.
    pub fn defined(&self, location: &str, name: &str) -> Option<&Value> {
        let id = self.by_location.get(location)?;
        self.files[id.0].defs.get(name)
    }

    /// Counts one evaluation step.
    pub(crate) fn step(&mut self, span: Span) -> Result<(), EvalError> {
        self.steps_by(1, span)
    }

    /// Counts `n` evaluation steps (for work proportional to a size, such as `range`).
    pub(crate) fn steps_by(&mut self, n: u64, span: Span) -> Result<(), EvalError> {
        self.steps = self.steps.saturating_add(n);
        let max = self.options.limits.max_steps;
        limit(self.steps > max, Limit::Steps, max, span)
    }

    /// Charges `bytes` of data built to the run's budget ([`crate::Limits::max_bytes`]).
    /// Charge before building where the size is known in advance, so that nothing
    /// larger than the budget is ever allocated.
    pub(crate) fn charge(&mut self, bytes: u64, span: Span) -> Result<(), EvalError> {
        self.built = self.built.saturating_add(bytes);
        let max = self.options.limits.max_bytes;
        limit(self.built > max, Limit::Bytes, max, span)
    }

    /// The error for data that does not fit in what is left of the budget.
    pub(crate) fn out_of_bytes(&self, span: Span) -> EvalError {
        let max = self.options.limits.max_bytes;
        EvalError::new(
            EvalErrorKind::Limit {
                limit: Limit::Bytes,
                max,
            },
            Some(span),
        )
    }

    /// What is left of the data budget, in bytes.
    pub(crate) fn bytes_left(&self) -> u64 {
        self.options.limits.max_bytes.saturating_sub(self.built)
    }

    /// Lets `value` into the program: it may weigh at most
    /// [`crate::Limits::max_bytes`] and nest at most [`crate::Limits::max_depth`] deep.
    /// Every value the evaluator makes passes here, so no walk over a value (printing,
    /// comparing, hashing, validating) ever meets more than that much data.
    pub(crate) fn admit(&self, value: Value, span: Span) -> Result<Value, EvalError> {
        let limits = self.options.limits;
        let at = value.origin().filter(|o| o.source == span.source).unwrap_or(span);
        limit(
            value.weight() > limits.max_bytes,
            Limit::Size,
            limits.max_bytes,
            at,
        )?;
        limit(
            value.depth() > limits.max_depth,
            Limit::Nesting,
            limits.max_depth.into(),
            at,
        )?;
        Ok(value)
    }

    /// Runs `f` one level of nesting deeper (see [`Evaluator::enter`]).
    pub(crate) fn nested<T>(
        &mut self,
        span: Span,
        f: impl FnOnce(&mut Evaluator) -> Result<T, EvalError>,
    ) -> Result<T, EvalError> {
        self.enter(span)?;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// Enters one level of nesting; pair with `self.depth -= 1`.
    pub(crate) fn enter(&mut self, span: Span) -> Result<(), EvalError> {
        let max = self.options.limits.max_depth;
        limit(self.depth >= max, Limit::Depth, max.into(), span)?;
        self.depth += 1;
        Ok(())
    }

    /// Loads and evaluates the file `path`, written in file `from` at `at`, and returns its
    /// id. `location` is `path` resolved by the loader.
    fn load(
        &mut self,
        from: Option<FileId>,
        path: &str,
        location: &str,
        at: Option<Span>,
    ) -> Result<FileId, EvalError> {
        if let Some(&id) = self.by_location.get(location) {
            if let Some(pos) = self.loading.iter().position(|&l| l == id) {
                let mut chain: Vec<String> = self.loading[pos..]
                    .iter()
                    .map(|l| self.files[l.0].location.clone())
                    .collect();
                chain.push(location.to_string());
                return Err(EvalError::new(EvalErrorKind::ImportCycle { chain }, at));
            }
            self.record_import(from, id, at);
            return Ok(id);
        }
        let text = match self.loader.read(location) {
            Ok(Some(text)) => text,
            Ok(None) => {
                let kind = EvalErrorKind::ImportNotFound {
                    path: path.to_string(),
                    resolved: location.to_string(),
                };
                return Err(EvalError::new(kind, at));
            }
            Err(e) => {
                let kind = EvalErrorKind::io(location.to_string(), &e);
                return Err(EvalError::new(kind, at));
            }
        };
        let id = self.evaluate_text_from(location.to_string(), text, from, at)?;
        Ok(id)
    }

    fn record_import(&mut self, from: Option<FileId>, id: FileId, at: Option<Span>) {
        if let (Some(from), Some(at)) = (from, at) {
            self.files[from.0].imports.push((id, at));
        }
    }

    fn evaluate_text(&mut self, location: String, text: String) -> Result<FileId, EvalError> {
        self.evaluate_text_from(location, text, None, None)
    }

    fn evaluate_text_from(
        &mut self,
        location: String,
        text: String,
        from: Option<FileId>,
        at: Option<Span>,
    ) -> Result<FileId, EvalError> {
        // An imported file that is not an EDN source (`#include "/etc/shadow"`), and any
        // `#include`d file (data, secrets often: its values are not shown either), is
        // evaluated, but its diagnostics never print its text.
        let data = std::mem::take(&mut self.including);
        let source = if from.is_some() && (data || !location.to_ascii_lowercase().ends_with(".edn")) {
            self.sources.add_masked(location.clone(), text)
        } else {
            self.sources.add(location.clone(), text)
        };
        let id = FileId(self.files.len());
        self.files.push(FileState {
            location: location.clone(),
            source: source.clone(),
            defs: NameMap::default(),
            aliases: NameMap::default(),
            imports: Vec::new(),
            reads: Vec::new(),
            result: None,
            included: None,
        });
        self.by_location.insert(location, id);
        self.record_import(from, id, at);
        // The text, and the forms read from it (up to three forms of memory each while
        // reading), come out of the data budget.
        self.charge(source.text().len() as u64, at.unwrap_or(source.span(0, 0)))?;
        let options = ReadOptions::within_bytes(self.bytes_left());
        let forms = match read_all_collecting(&source, options) {
            Ok(forms) => forms,
            Err(errors) => {
                let mut errors = errors.into_iter().map(EvalError::from);
                let first = errors.next().expect("at least one");
                self.more_read_errors.extend(errors);
                return Err(first);
            }
        };
        self.loading.push(id);
        let result = self.eval_top_level(id, &forms);
        self.loading.pop();
        self.files[id.0].result = Some(result?);
        Ok(id)
    }

    /// Evaluates a file's forms in order; its value is its last form that is not a
    /// definition, with `#ref`s resolved against it.
    fn eval_top_level(&mut self, id: FileId, forms: &[Form]) -> Result<Value, EvalError> {
        let scope = Scope::top(id);
        let mut result = None;
        for form in forms {
            let value = self.eval(form, &scope)?;
            if !is_definition(form) {
                result = Some(value);
            }
        }
        let span = self.files[id.0].source.span(0, 0);
        refs::resolve(self, result.unwrap_or_else(Value::nil), span)
    }

    /// Loads the file `path` for an `import` or `#include` written at `at` in `scope`'s
    /// file. Returns `None` for an optional file that does not exist. Errors inside the
    /// loaded file get a note pointing at `at`.
    pub(crate) fn import(
        &mut self,
        scope: &Scope,
        path: &str,
        at: Span,
        optional: bool,
    ) -> Result<Option<FileId>, EvalError> {
        let from = &self.files[scope.file.0].location;
        let location = self.loader.resolve(Some(from), path);
        if optional
            && !self.by_location.contains_key(&location)
            && let Ok(None) = self.loader.read(&location)
        {
            return Ok(None);
        }
        let importer = self.files[scope.file.0].source.clone();
        let e = match self.load(Some(scope.file), path, &location, Some(at)) {
            Ok(id) => return Ok(Some(id)),
            Err(e) => e,
        };
        let failed_in = e.span().and_then(|s| Some((s, self.sources.get(s.source)?)));
        if let Some((span, source)) = failed_in.filter(|(_, source)| source.is_masked()) {
            // A limit says nothing of the text: it stays what it is, at the include.
            if let EvalErrorKind::Limit { .. } = e.kind() {
                return Err(EvalError::new(e.kind().clone(), Some(at)));
            }
            // Its message could quote the file (an unbound symbol is its text): say only
            // where and what kind of error.
            let place = source.location(span.start as usize);
            let kind = EvalErrorKind::NotSource {
                file: location,
                code: e.code(),
                line: place.line,
                column: place.column,
            };
            return Err(EvalError::new(kind, Some(at)));
        }
        if e.span().is_some_and(|s| s.source != importer.id()) {
            let message = format!("{location} is imported from {}", importer.name());
            return Err(e.with_note(at, message, "imported here"));
        }
        Err(e)
    }

    /// The location of the file `scope` is in.
    pub(crate) fn location_of(&self, scope: &Scope) -> String {
        self.files[scope.file.0].location.clone()
    }

    /// Records that the file at location `from` read the data file at `location`.
    pub(crate) fn record_read(&mut self, from: &str, location: &str) {
        if let Some(&id) = self.by_location.get(from) {
            let reads = &mut self.files[id.0].reads;
            if !reads.iter().any(|r| r == location) {
                reads.push(location.to_string());
            }
        }
    }

    /// The value of a loaded file.
    pub(crate) fn file_value(&self, id: FileId) -> Value {
        self.files[id.0].result.clone().unwrap_or_else(Value::nil)
    }

    /// The value of the file `id` as an `#include` gives it: marked not to be shown
    /// ([`crate::Hidden::Include`]), made once and shared by every include.
    pub(crate) fn included_value(&mut self, id: FileId) -> Value {
        let file = &mut self.files[id.0];
        if let Some(value) = &file.included {
            return value.clone();
        }
        let hidden = Arc::new(crate::value::Hidden::Include(Arc::from(file.location.as_str())));
        let value = file
            .result
            .clone()
            .unwrap_or_else(Value::nil)
            .into_hidden(&hidden);
        file.included = Some(value.clone());
        value
    }

    /// The names a file defines (for suggestions).
    pub(crate) fn names_in_scope(&self, scope: &Scope) -> Vec<Arc<str>> {
        let file = &self.files[scope.file.0];
        let mut names: Vec<Arc<str>> = scope.locals.keys().cloned().collect();
        names.extend(file.defs.keys().cloned());
        for (alias, id) in &file.aliases {
            names.extend(
                self.files[id.0]
                    .defs
                    .keys()
                    .map(|d| Arc::from(format!("{alias}/{d}"))),
            );
        }
        names
    }
}

/// An `eval::limit` error at `span` when `exceeded`.
fn limit(exceeded: bool, limit: Limit, max: u64, span: Span) -> Result<(), EvalError> {
    if !exceeded {
        return Ok(());
    }
    Err(EvalError::new(EvalErrorKind::Limit { limit, max }, Some(span)))
}

/// Whether a top-level form only defines names (`def`, `defn`, `import ... :as`).
fn is_definition(form: &Form) -> bool {
    let FormKind::List(items) = &form.kind else {
        return false;
    };
    match items.first().and_then(Form::as_symbol).map(|s| s.as_str()) {
        Some("def" | "defn") => true,
        Some("import" | "import?") => items
            .iter()
            .any(|f| f.as_keyword().is_some_and(|k| k.as_str() == "as")),
        _ => false,
    }
}
