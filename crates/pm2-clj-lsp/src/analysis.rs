//! One run of the load pipeline over an open document, and what later requests read
//! from it: the tree, the evaluation (definitions, loaded files, the value), and the
//! diagnostics and fixes for every file involved.
//!
//! A `*.pm2.edn` file goes through the whole pipeline (read, evaluate, build); any other
//! file (a library such as `base.edn`) is read and evaluated. Imports resolve against
//! the open documents first, then the disk. Everything is read and evaluated within the
//! limits the command line applies: a document over the size a source file may have is
//! not analysed (`file::too-large`), trees are read within the evaluator's memory
//! budget ([`read_tree`]) and evaluation runs within its limits (`eval::limit`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Range};
use pm2_clj_sync::load::{Input, LoadSettings};
use pm2_clj_sync::problem::SourceProblem;
use pm2_clj_sync::scan::is_source;
use pm2_clj_sync::{LoadError, LoadErrorKind};
use pm2_dsl_eval::{Evaluator, FsLoader, Limits, Value};
use pm2_dsl_reader::{Source, Syntax, SyntaxKind, read_syntax_with};

use crate::convert::{Fix, Placed, Sources, convert};
use crate::documents::{Buffers, Document, range};
use crate::query::{Doc, resolve};

/// The results of analysing one document.
pub struct Analysis {
    /// The document's path.
    pub path: PathBuf,
    /// Its version when analysed.
    pub version: i32,
    /// Its text.
    pub source: Arc<Source>,
    /// Its lossless tree (up to the first read error that cannot be read past).
    pub tree: Syntax,
    /// The evaluation, as far as it went.
    pub evaluator: Option<Box<Evaluator>>,
    /// The file's value, when evaluation succeeded (even if building it failed).
    pub value: Option<Value>,
    /// Diagnostics (with their fixes), for this file and the files it loaded.
    pub diagnostics: Vec<Placed>,
    /// The other files it loaded.
    pub dependencies: Vec<PathBuf>,
}

/// The files on disk a document may read: confined as every command confines them
/// ([`LoadSettings::loader_for`]); when its root cannot be used (a document not saved in
/// any folder), none.
pub fn disk_loader(settings: &LoadSettings, path: &Path) -> FsLoader {
    settings
        .loader_for(path)
        .unwrap_or_else(|_| FsLoader::new().max_file_bytes(0))
}

impl Analysis {
    /// Analyses `document`, reading imports through `loader`.
    pub fn run(document: &Document, loader: Buffers, settings: &LoadSettings) -> Analysis {
        let path = &document.path;
        let (text, (reports, evaluator, value)) = match document.too_large() {
            // Not read, not evaluated, its text not even indexed: an empty one stands in.
            Some(error) => {
                let kind = LoadErrorKind::File {
                    path: path.clone(),
                    error: Arc::new(error),
                };
                let report = SourceProblem::Load(LoadError::from(kind));
                (Arc::from(""), (vec![report], None, None))
            }
            None => (
                document.text.clone(),
                evaluate(path, &document.text, loader, settings),
            ),
        };
        let source = Source::standalone(path.to_string_lossy(), text);
        let tree = read_tree(&source);
        let mut analysis = Analysis {
            path: path.clone(),
            version: document.version,
            source,
            tree,
            evaluator,
            value,
            diagnostics: Vec::new(),
            dependencies: Vec::new(),
        };
        analysis.dependencies = analysis
            .loaded_files()
            .into_iter()
            .map(|(file, _)| file)
            .filter(|f| f != path)
            .collect();
        let sources = Sources::new(
            analysis
                .evaluator
                .iter()
                .flat_map(|e| e.sources().iter().cloned())
                .chain([analysis.source.clone()]),
        );
        let mut diagnostics = Vec::new();
        for report in &reports {
            let fix = report.replacement().map(|r| Fix::of(&r));
            let reached_by = |to: &Path| analysis.reached_by(to);
            diagnostics.extend(convert(report, fix.as_ref(), path, &sources, &reached_by));
        }
        analysis.diagnostics = diagnostics;
        analysis
    }

    /// The analysis of a document that could not be analysed: one diagnostic saying why.
    pub fn failed(document: &Document, message: String) -> Analysis {
        let source = Source::standalone(document.path.to_string_lossy(), document.text.clone());
        let diagnostic = Diagnostic {
            severity: Some(DiagnosticSeverity::ERROR),
            code: Some(NumberOrString::String("lsp::internal".into())),
            source: Some("pm2-clj".into()),
            message,
            ..Diagnostic::default()
        };
        Analysis {
            path: document.path.clone(),
            version: document.version,
            tree: Syntax {
                kind: SyntaxKind::Root,
                span: source.span(0, 0),
                children: Vec::new(),
            },
            source,
            evaluator: None,
            value: None,
            diagnostics: vec![Placed {
                path: document.path.clone(),
                diagnostic,
                fix: None,
            }],
            dependencies: Vec::new(),
        }
    }

    /// The document's text and tree.
    pub fn doc(&self) -> Doc<'_> {
        Doc {
            source: &self.source,
            tree: &self.tree,
        }
    }

    /// Every file the evaluation loaded (this one first) with the files it imports.
    pub fn loaded_files(&self) -> Vec<(PathBuf, Vec<PathBuf>)> {
        let Some(evaluator) = &self.evaluator else {
            return Vec::new();
        };
        evaluator
            .loaded_files()
            .into_iter()
            .map(|f| {
                let imports = f.imports.into_iter().map(PathBuf::from).collect();
                (PathBuf::from(f.location), imports)
            })
            .collect()
    }

    /// The range in this document of the import through which it reaches `file`.
    fn reached_by(&self, file: &Path) -> Option<Range> {
        let graph = self.loaded_files();
        let imports_of = |p: &Path| graph.iter().find(|(f, _)| f == p).map(|(_, i)| i.clone());
        let mut queue: VecDeque<(PathBuf, PathBuf)> = imports_of(&self.path)?
            .into_iter()
            .map(|first| (first.clone(), first))
            .collect();
        let mut seen = vec![self.path.clone()];
        let first_hop = loop {
            let (at, first) = queue.pop_front()?;
            if at == file {
                break first;
            }
            if !seen.contains(&at) {
                seen.push(at.clone());
                queue.extend(
                    imports_of(&at)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|n| (n, first.clone())),
                );
            }
        };
        let import = self
            .doc()
            .imports()
            .into_iter()
            .find(|i| resolve(&self.path, &i.path) == first_hop)?;
        Some(range(
            &self.source,
            import.span.start as usize,
            import.span.end as usize,
        ))
    }
}

/// Evaluates the text of `path` and, for a `*.pm2.edn` file, builds it: the diagnostics,
/// the evaluation as far as it went, and the file's value if evaluation succeeded.
fn evaluate(
    path: &Path,
    text: &str,
    loader: Buffers,
    settings: &LoadSettings,
) -> (Vec<SourceProblem>, Option<Box<Evaluator>>, Option<Value>) {
    match Input::text(path, text).loader(loader).evaluate(settings) {
        Err(failure) => (failure.reports, failure.evaluator, None),
        Ok(evaluated) if is_source(path) => {
            let value = evaluated.value.clone();
            match evaluated.build(settings) {
                Ok(loaded) => {
                    let warnings = loaded
                        .built
                        .warnings
                        .into_iter()
                        .map(SourceProblem::Emit)
                        .collect();
                    (warnings, Some(Box::new(loaded.evaluated.evaluator)), Some(value))
                }
                Err(failure) => (failure.reports, failure.evaluator, Some(value)),
            }
        }
        Ok(evaluated) => (
            Vec::new(),
            Some(Box::new(evaluated.evaluator)),
            Some(evaluated.value),
        ),
    }
}

/// The lossless tree of a text, read as `read` and `fmt` read it: within the
/// evaluator's default memory budget ([`Limits::read_options`]). A text of more forms
/// than that holds has a tree up to where reading stopped.
pub fn read_tree(source: &Arc<Source>) -> Syntax {
    read_syntax_with(source, Limits::default().read_options()).0
}
