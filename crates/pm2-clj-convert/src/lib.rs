//! PM2 config files of other formats turned into pm2-clj source that keeps what made
//! them useful: JavaScript ecosystem files (`ecosystem.config.{js,cjs,mjs}`) and `.json`
//! files (which PM2 evaluates as JavaScript) are translated statically — environment
//! reads stay environment reads, fallbacks stay fallbacks, `__dirname` paths become
//! paths relative to the new file, shared values become `def`s, comments stay beside
//! what they annotated. What has no translation is left out with a `;; TODO` note
//! carrying its JavaScript ([`Todo`]); nothing of the file runs. Only when asked
//! ([`ConvertOptions::run_js`]) is the file run with `node` to compute those values, written
//! with a `;; was: <js>` note. YAML keeps its comments too. The ecosystem-dsl tool's
//! `ecosystem.edn` files ([`dsl`]) get their repository-root paths rewritten.
//!
//! ```
//! let js = r#"module.exports = { apps: [{ name: "api", script: "server.js", env: { PORT: process.env.PORT || 3000 } }] };"#;
//! let conversion = pm2_clj_convert::convert_text(
//!     std::path::Path::new("/srv/ecosystem.config.js"),
//!     js,
//!     &pm2_clj_convert::ConvertOptions::default(),
//! )?;
//! assert!(conversion.text.contains(":name \"api\""), "{}", conversion.text);
//! assert!(conversion.text.contains("#or [#env PORT 3000]"), "{}", conversion.text);
//! # Ok::<(), pm2_clj_convert::ConvertError>(())
//! ```

#![warn(missing_docs)]

pub mod dsl;
mod ecosystem;
mod edn;
mod error;
mod js;
pub mod migrate;
mod node;
mod original;
mod paths;
mod todo;
pub mod verify;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use error::{ConvertError, ConvertErrorKind};
pub use todo::Todo;

use crate::ecosystem::{Keys, ShapeError};
use crate::edn::Edn;
use crate::error::at_text;
use crate::js::{Def, hole_index};
use crate::node::Computed;

/// The largest file convert reads.
pub const MAX_FILE_SIZE: u64 = 1 << 20;

/// The formats convert reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// `.js`, `.cjs`, `.mjs`: JavaScript PM2 `require`s.
    JavaScript,
    /// `.json`, `.json5`: one JavaScript expression, as PM2 evaluates them.
    Json,
    /// `.yml`, `.yaml`.
    Yaml,
    /// The ecosystem-dsl tool's `ecosystem.edn`.
    EcosystemDsl,
    /// A `.pm2.clj` file of the original pm2-clj: pm2-clj evaluates it as it is.
    Pm2Clj,
}

impl SourceFormat {
    /// The format a file's name says, if any.
    pub fn of(path: &Path) -> Option<SourceFormat> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        if name.ends_with(".pm2.clj") {
            Some(SourceFormat::Pm2Clj)
        } else if name.ends_with(".js")
            || name.ends_with(".cjs")
            || name.ends_with(".mjs")
            || name.ends_with(".tpl")
        {
            Some(SourceFormat::JavaScript)
        } else if name.ends_with(".json") || name.ends_with(".json5") {
            Some(SourceFormat::Json)
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            Some(SourceFormat::Yaml)
        } else if name == "ecosystem.edn" {
            Some(SourceFormat::EcosystemDsl)
        } else {
            None
        }
    }
}

/// How to convert.
#[derive(Clone, Debug, Default)]
pub struct ConvertOptions {
    /// The format, when the file's name does not say it (or says it wrongly).
    pub from: Option<SourceFormat>,
    /// For ecosystem-dsl files: the folder their relative paths were written against
    /// (default: [`dsl::default_root`]: the nearest folder above the file holding
    /// `.git`, else the one holding its `system/daemons` folder; with neither, the
    /// conversion fails with `convert::no-root`).
    pub root: Option<PathBuf>,
    /// Run a JavaScript file's code with node (no environment variables visible) to
    /// compute the values with no translation, instead of leaving them out with a TODO.
    pub run_js: bool,
    /// How the header names the source (`migrate` gives the path relative to the
    /// repository); default: the path as given.
    pub source_name: Option<String>,
    /// Apps that share a name (PM2 runs them side by side; pm2-clj tells apps apart by
    /// name) get distinct ones — the second `api` becomes `api-2` — instead of the
    /// conversion failing with `convert::duplicate-app-name`.
    pub rename_duplicates: bool,
}

/// Numbers about one conversion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Values that had no translation and were computed with node ([`ConvertOptions::run_js`]).
    pub frozen: usize,
    /// Values that had no translation and were left out, each with a TODO note.
    pub todos: Vec<Todo>,
    /// Comments in the original, and how many the result keeps.
    pub comments: (usize, usize),
    /// Keys left out (PM2 ignores them), as `apps[0] "max"`.
    pub dropped: Vec<String>,
    /// Apps renamed because they shared a name ([`ConvertOptions::rename_duplicates`]): their
    /// index and their name in the original.
    pub renamed: Vec<(usize, String)>,
}

/// A converted file.
#[derive(Clone, Debug)]
pub struct Conversion {
    /// The `.pm2.edn` text.
    pub text: String,
    /// Numbers about it.
    pub stats: Stats,
}

/// The default output of `file`: `ecosystem.config.js` → `ecosystem.pm2.edn` beside it.
pub fn default_output(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = [
        ".pm2.clj",
        ".config.js",
        ".config.cjs",
        ".config.mjs",
        ".config.json5",
        ".config.json",
        ".config.yaml",
        ".config.yml",
        ".json5",
        ".json",
        ".yaml",
        ".yml",
        ".edn",
        ".js",
        ".cjs",
        ".mjs",
    ]
    .iter()
    .find_map(|ext| name.strip_suffix(ext))
    .unwrap_or(&name);
    file.with_file_name(format!("{stem}.pm2.edn"))
}

/// Reads a file of at most [`MAX_FILE_SIZE`] bytes as UTF-8.
pub fn read_text(path: &Path) -> Result<String, ConvertError> {
    let file = path.display().to_string();
    let read = |reason: String| {
        ConvertError::from(ConvertErrorKind::Read {
            file: file.clone(),
            reason,
        })
    };
    let meta = std::fs::metadata(path).map_err(|e| read(e.to_string()))?;
    if !meta.is_file() {
        return Err(read("it is not a regular file".into()));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large(path, meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| read(e.to_string()))?;
    decode(path, bytes)
}

fn too_large(path: &Path, size: u64) -> ConvertError {
    ConvertError::from(ConvertErrorKind::TooLarge {
        file: path.display().to_string(),
        size,
        limit: MAX_FILE_SIZE,
    })
}

/// The bytes read from `path` as its text: at most [`MAX_FILE_SIZE`] of them, UTF-8.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, ConvertError> {
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(path, bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        ConvertError::from(ConvertErrorKind::NotUtf8 {
            file: path.display().to_string(),
            offset: e.utf8_error().valid_up_to(),
        })
    })
}

/// The holes `edn` holds.
fn holes_in(edn: &Edn, out: &mut BTreeSet<usize>) {
    if let Some(index) = hole_index(edn) {
        out.insert(index);
    }
    match edn {
        Edn::Map(c) | Edn::Vector(c) => c.entries.iter().for_each(|e| holes_in(&e.value, out)),
        Edn::List(items) => items.iter().for_each(|i| holes_in(i, out)),
        Edn::Tagged(_, inner) | Edn::Frozen { value: inner, .. } => holes_in(inner, out),
        _ => {}
    }
}

/// Puts node's values (by hole index) into the holes of `edn`.
fn fill(edn: &mut Edn, values: &BTreeMap<usize, node::HoleValue>, errors: &mut Vec<String>) {
    let index = hole_index(edn);
    match edn {
        Edn::Frozen { value, was } => {
            if let Some(hole) = index.and_then(|i| values.get(&i)) {
                **value = match &hole.computed {
                    Computed::Value(json) => ecosystem::edn_of(json),
                    Computed::Undefined => Edn::Nil,
                    Computed::Error(e) => {
                        errors.push(format!("{was}: {e}"));
                        Edn::Nil
                    }
                };
                if !hole.reads.is_empty() {
                    was.push_str(&format!(
                        "  (computed with {} unset: translate it by hand)",
                        hole.reads.join(", ")
                    ));
                }
            } else {
                fill(value, values, errors);
            }
        }
        Edn::Map(c) | Edn::Vector(c) => {
            for e in &mut c.entries {
                fill(&mut e.value, values, errors);
            }
        }
        Edn::List(items) => items.iter_mut().for_each(|i| fill(i, values, errors)),
        Edn::Tagged(_, inner) => fill(inner, values, errors),
        _ => {}
    }
}

/// How often `name` is used as a symbol in `edn`.
fn mentions(edn: &Edn, name: &str) -> usize {
    match edn {
        Edn::Symbol(s) => usize::from(s == name),
        Edn::Map(c) | Edn::Vector(c) => c.entries.iter().map(|e| mentions(&e.value, name)).sum(),
        Edn::List(items) => items.iter().map(|i| mentions(i, name)).sum(),
        Edn::Tagged(_, inner) => mentions(inner, name),
        Edn::Frozen { value, .. } => mentions(value, name),
        _ => 0,
    }
}

/// Drops the definitions nothing uses, and writes a definition used once, as the whole
/// config, in its place.
fn tidy(config: &mut Edn, defs: &mut Vec<Def>, header: &mut Vec<String>) {
    if let Edn::Symbol(name) = config
        && defs.iter().map(|d| mentions(&d.value, name)).sum::<usize>() == 0
        && let Some(i) = defs.iter().position(|d| d.name == *name)
    {
        let def = defs.remove(i);
        header.extend(def.comments);
        *config = def.value;
    }
    loop {
        let unused = defs.iter().position(|d| {
            mentions(config, &d.name) + defs.iter().map(|o| mentions(&o.value, &d.name)).sum::<usize>() == 0
        });
        match unused {
            Some(i) => {
                defs.remove(i);
            }
            None => break,
        }
    }
}

/// A translated file before it is shaped and written.
struct Draft {
    /// What the reader of the result should know.
    notes: Vec<String>,
    /// The file's own comments that stand at its top.
    header_comments: Vec<String>,
    defs: Vec<Def>,
    /// Comment lines right before the config (after the definitions).
    config_comments: Vec<String>,
    config: Edn,
    /// The text of each comment of the original.
    comments: Vec<String>,
    /// The values left out because they need JavaScript.
    todos: Vec<Todo>,
}

impl Draft {
    /// A draft of `config` alone, with `notes` and the file's `header_comments`.
    fn of(config: Edn, notes: Vec<String>, header_comments: Vec<String>, comments: Vec<String>) -> Draft {
        Draft {
            notes,
            header_comments,
            defs: Vec::new(),
            config_comments: Vec::new(),
            config,
            comments,
            todos: Vec::new(),
        }
    }
}

/// Gives the draft's config the shape of a pm2-clj ecosystem and writes the file: the
/// header (the source, the notes, what was computed with node or left out), the file's
/// own comments, then the definitions and the config. `keys` says which keys besides
/// PM2's the config keeps; `shown` is how the header names the source.
fn finish(
    source: &str,
    shown: &str,
    keys: Keys,
    rename: bool,
    mut draft: Draft,
) -> Result<Conversion, ConvertError> {
    let complete = draft.todos.is_empty();
    let shaped =
        ecosystem::shape(&mut draft.config, &mut draft.defs, keys, rename, complete).map_err(|e| {
            let file = source.to_string();
            ConvertError::from(match e {
                ShapeError::NotAnEcosystem(what) => ConvertErrorKind::NotAnEcosystem { file, what },
                ShapeError::NoApp(what) => ConvertErrorKind::NoApp { file, what },
                ShapeError::DuplicateNames(names) => ConvertErrorKind::DuplicateAppName { file, names },
            })
        })?;
    let originals = std::mem::take(&mut draft.comments);
    let mut stats = Stats {
        frozen: draft.defs.iter().map(|d| d.value.frozen_count()).sum::<usize>()
            + draft.config.frozen_count(),
        todos: std::mem::take(&mut draft.todos),
        comments: (originals.len(), 0),
        dropped: shaped.dropped,
        renamed: shaped.renamed,
    };
    let text = assemble(shown, draft, &stats);
    stats.comments.1 = kept_comments(&originals, &text);
    Ok(Conversion { text, stats })
}

/// The text of each comment in `text` (a `.pm2.edn`): what follows the first `;` of a
/// line outside a string, without the `;`s and the space after them.
fn comments_of(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                ';' if !in_string => {
                    out.push(line[i..].trim_start_matches(';').trim());
                    break;
                }
                _ => {}
            }
        }
    }
    out
}

/// How many of the original's `comments` the result `text` keeps: those each of whose
/// lines is in one of its comments (a comment quoted in a TODO or `was:` note counts).
fn kept_comments(comments: &[String], text: &str) -> usize {
    let written = comments_of(text);
    comments
        .iter()
        .filter(|c| {
            c.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .all(|l| written.iter().any(|w| w.contains(l)))
        })
        .count()
}

/// `n` and the noun, singular or plural.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The file's text: the header, the notes, then the definitions and the config.
fn assemble(source: &str, draft: Draft, stats: &Stats) -> String {
    let mut header = vec![format!("Converted by pm2-clj from {source}.")];
    header.extend(draft.notes);
    if stats.frozen > 0 {
        header.push(format!(
            "{} no pm2-clj translation and {} computed by running the file with node (no environment variables set); see the `was:` notes.",
            count(stats.frozen, "value had", "values had"),
            if stats.frozen == 1 { "was" } else { "were" }
        ));
    }
    if !stats.todos.is_empty() {
        header.push(format!(
            "{} JavaScript and {} left out; see the TODO notes. Write {} by hand (or convert with --run-js, which runs the file's code).",
            count(stats.todos.len(), "value needs", "values need"),
            if stats.todos.len() == 1 { "was" } else { "were" },
            if stats.todos.len() == 1 { "it" } else { "them" }
        ));
    }
    if !stats.dropped.is_empty() {
        header.push(format!(
            "Left out because PM2 does not read them: {}.",
            stats.dropped.join(", ")
        ));
    }
    let mut forms: Vec<(Vec<String>, Edn)> = Vec::new();
    let mut first = draft.header_comments;
    for def in draft.defs {
        let mut comments = std::mem::take(&mut first);
        comments.extend(def.comments);
        forms.push((comments, Edn::call("def", [Edn::Symbol(def.name), def.value])));
    }
    first.extend(draft.config_comments);
    forms.push((first, draft.config));
    edn::file_text(&header, &forms)
}

/// Puts into the holes of `defs` and `config` their values, computed by running `path`
/// (loaded as `shape`) with node. Only the holes they still hold are computed (a
/// definition nothing uses may be a function).
fn compute_with_node(
    path: &Path,
    name: &str,
    shape: js::Shape,
    holes: &[js::Hole],
    defs: &mut [Def],
    config: &mut Edn,
) -> Result<(), ConvertError> {
    let mut used = BTreeSet::new();
    defs.iter().for_each(|d| holes_in(&d.value, &mut used));
    holes_in(config, &mut used);
    let wanted: Vec<js::Hole> = used.iter().map(|i| holes[*i].clone()).collect();
    let values: BTreeMap<usize, node::HoleValue> = used
        .into_iter()
        .zip(node::compute(path, shape, &wanted)?)
        .collect();
    let mut errors = Vec::new();
    for def in defs.iter_mut() {
        fill(&mut def.value, &values, &mut errors);
    }
    fill(config, &values, &mut errors);
    match errors.into_iter().next() {
        Some(message) => Err(ConvertError::from(ConvertErrorKind::NodeFailed {
            file: name.to_string(),
            message,
        })),
        None => Ok(()),
    }
}

/// Converts a JavaScript or `.json` file; with `run_js`, computing what has no
/// translation with node, else leaving it out with TODO notes.
fn convert_js(
    path: &Path,
    text: &str,
    format: SourceFormat,
    options: &ConvertOptions,
) -> Result<Conversion, ConvertError> {
    let name = path.display().to_string();
    let run_js = options.run_js;
    let folder = std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let translated = js::translate(&name, &folder, text, format == SourceFormat::Json)?;
    let mut defs = translated.defs;
    let mut config = translated.config;
    let mut header = translated.header;
    tidy(&mut config, &mut defs, &mut header);
    let mut left_out = todo::LeftOut::default();
    if run_js {
        compute_with_node(
            path,
            &name,
            translated.shape,
            &translated.holes,
            &mut defs,
            &mut config,
        )?;
    } else {
        left_out = todo::leave_out(&translated.holes, &mut defs, &mut config).map_err(|need| {
            at_text(
                ConvertErrorKind::NeedsJs {
                    file: name.clone(),
                    line: need.hole.line,
                    js: need.hole.js.lines().next().unwrap_or_default().to_string(),
                },
                &name,
                text,
                Some(need.hole.offset),
            )
        })?;
    }
    let mut notes = translated.notes;
    if translated.default_export {
        let note = if name.to_lowercase().ends_with(".cjs") {
            "The file used `export default`, but node loads a .cjs file as CommonJS, where that is a syntax error: PM2 could not load it (a .cjs file needs `module.exports = ...`); its default export was converted."
        } else {
            "The file used `export default`, which PM2 cannot load (it needs `export const apps`); its default export was converted."
        };
        notes.insert(0, note.into());
    }
    let draft = Draft {
        notes,
        header_comments: header,
        defs,
        config_comments: left_out.before_config,
        config,
        comments: translated.comments,
        todos: left_out.todos,
    };
    finish(
        &name,
        &shown_name(path, options),
        Keys::Pm2,
        options.rename_duplicates,
        draft,
    )
}

/// How the header names `path`: [`ConvertOptions::source_name`], else the path as given.
fn shown_name(path: &Path, options: &ConvertOptions) -> String {
    options
        .source_name
        .clone()
        .unwrap_or_else(|| path.display().to_string())
}

/// Converts `path`, a PM2 config file (or an ecosystem-dsl `ecosystem.edn`), into the
/// text of a `.pm2.edn` file. Nothing of the file runs unless `options.run_js`.
pub fn convert(path: &Path, options: &ConvertOptions) -> Result<Conversion, ConvertError> {
    format_of(path, options)?;
    let text = read_text(path)?;
    convert_text(path, &text, options)
}

/// The format `options` or the name of `path` says.
fn format_of(path: &Path, options: &ConvertOptions) -> Result<SourceFormat, ConvertError> {
    options.from.or_else(|| SourceFormat::of(path)).ok_or_else(|| {
        ConvertError::from(ConvertErrorKind::UnknownFormat {
            file: path.display().to_string(),
        })
    })
}

/// [`convert`] of `text`, the content of `path` read already (by [`read_text`]).
pub fn convert_text(path: &Path, text: &str, options: &ConvertOptions) -> Result<Conversion, ConvertError> {
    match format_of(path, options)? {
        format @ (SourceFormat::JavaScript | SourceFormat::Json) => convert_js(path, text, format, options),
        SourceFormat::Yaml => {
            let name = path.display().to_string();
            let (config, header, comments) = yaml::read(&name, text)?;
            finish(
                &name,
                &shown_name(path, options),
                Keys::Pm2,
                options.rename_duplicates,
                Draft::of(config, Vec::new(), header, comments),
            )
        }
        SourceFormat::EcosystemDsl => dsl::convert(path, text, options, &shown_name(path, options)),
        SourceFormat::Pm2Clj => original::convert(path, text, &shown_name(path, options)),
    }
}
