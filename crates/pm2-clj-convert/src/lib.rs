//! PM2 config files of other formats turned into pm2-clj source that keeps what made
//! them useful: JavaScript ecosystem files (`ecosystem.config.{js,cjs,mjs}`) and `.json`
//! files (which PM2 evaluates as JavaScript) are translated statically — environment
//! reads stay environment reads, fallbacks stay fallbacks, `__dirname` paths become
//! paths relative to the new file, shared values become `def`s, comments stay beside
//! what they annotated; only what has no translation is computed with `node` and written
//! with a `;; was: <js>` note. YAML keeps its comments too. The ecosystem-dsl tool's
//! `ecosystem.edn` files ([`dsl`]) get their repository-root paths rewritten.
//!
//! ```no_run
//! let conversion = pm2_clj_convert::convert(
//!     std::path::Path::new("ecosystem.config.js"),
//!     &pm2_clj_convert::Options::default(),
//! )?;
//! println!("{}", conversion.text);
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
mod paths;
pub mod verify;
mod yaml;

use std::path::{Path, PathBuf};

pub use error::{ConvertError, ConvertErrorKind};

use crate::ecosystem::Keys;
use crate::edn::Edn;
use crate::js::{Def, HOLE};
use crate::node::Computed;

/// The largest file convert reads.
pub const MAX_FILE_SIZE: u64 = 1 << 20;

/// The formats convert reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.js`, `.cjs`, `.mjs`: JavaScript PM2 `require`s.
    JavaScript,
    /// `.json`, `.json5`: one JavaScript expression, as PM2 evaluates them.
    Json,
    /// `.yml`, `.yaml`.
    Yaml,
    /// The ecosystem-dsl tool's `ecosystem.edn`.
    EcosystemDsl,
}

impl Format {
    /// The format a file's name says, if any.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        if name.ends_with(".js") || name.ends_with(".cjs") || name.ends_with(".mjs") || name.ends_with(".tpl")
        {
            Some(Format::JavaScript)
        } else if name.ends_with(".json") || name.ends_with(".json5") {
            Some(Format::Json)
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            Some(Format::Yaml)
        } else if name == "ecosystem.edn" {
            Some(Format::EcosystemDsl)
        } else {
            None
        }
    }
}

/// How to convert.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The format, when the file's name does not say it (or says it wrongly).
    pub from: Option<Format>,
    /// For ecosystem-dsl files: the folder their relative paths were written against
    /// (default: the nearest folder above the file holding `.git`, else the current one).
    pub root: Option<PathBuf>,
}

/// Numbers about one conversion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Values that had no translation and were computed with node.
    pub frozen: usize,
    /// Comments in the original, and how many the result keeps.
    pub comments: (usize, usize),
    /// Keys left out (PM2 ignores them), as `apps[0] "max"`.
    pub dropped: Vec<String>,
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
        return Err(ConvertError::from(ConvertErrorKind::TooLarge {
            file,
            size: meta.len(),
            limit: MAX_FILE_SIZE,
        }));
    }
    let bytes = std::fs::read(path).map_err(|e| read(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        ConvertError::from(ConvertErrorKind::NotUtf8 {
            file: file.clone(),
            offset: e.utf8_error().valid_up_to(),
        })
    })
}

/// Puts node's values into the holes of `edn`.
fn fill(edn: &mut Edn, values: &[node::HoleValue], errors: &mut Vec<String>) {
    match edn {
        Edn::Frozen { value, was } => {
            if let Edn::Symbol(s) = value.as_ref()
                && let Some(index) = s.strip_prefix(HOLE).and_then(|i| i.parse::<usize>().ok())
                && let Some(hole) = values.get(index)
            {
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

/// Gives the translated `config` the shape of a pm2-clj ecosystem and writes the file:
/// the header (the source, `notes`, what was computed with node or left out), the
/// file's own `header_comments`, then the definitions and the config. `comments` is
/// (in the original, kept); `keys` says which keys besides PM2's the config keeps.
fn finish(
    source: &str,
    keys: Keys,
    notes: Vec<String>,
    header_comments: Vec<String>,
    mut defs: Vec<Def>,
    mut config: Edn,
    comments: (usize, usize),
) -> Result<Conversion, ConvertError> {
    let shaped = ecosystem::shape(&mut config, &mut defs, keys).map_err(|what| {
        ConvertError::from(ConvertErrorKind::NotAnEcosystem {
            file: source.to_string(),
            what,
        })
    })?;
    let stats = Stats {
        frozen: defs.iter().map(|d| d.value.frozen_count()).sum::<usize>() + config.frozen_count(),
        comments,
        dropped: shaped.dropped,
    };
    let text = assemble(source, notes, header_comments, defs, config, &stats);
    Ok(Conversion { text, stats })
}

/// The file's text: the header, the notes, then the definitions and the config.
fn assemble(
    source: &str,
    notes: Vec<String>,
    header_comments: Vec<String>,
    defs: Vec<Def>,
    config: Edn,
    stats: &Stats,
) -> String {
    let mut header = vec![format!("Converted by pm2-clj from {source}.")];
    header.extend(notes);
    if stats.frozen > 0 {
        header.push(format!(
            "{} value{} had no pm2-clj translation and {} computed with node (no environment variables set); see the `was:` notes.",
            stats.frozen,
            if stats.frozen == 1 { "" } else { "s" },
            if stats.frozen == 1 { "was" } else { "were" }
        ));
    }
    if !stats.dropped.is_empty() {
        header.push(format!(
            "Left out because PM2 does not read them: {}.",
            stats.dropped.join(", ")
        ));
    }
    let mut forms: Vec<(Vec<String>, Edn)> = Vec::new();
    let mut first = header_comments;
    for def in defs {
        let mut comments = std::mem::take(&mut first);
        comments.extend(def.comments);
        forms.push((comments, Edn::call("def", [Edn::Symbol(def.name), def.value])));
    }
    forms.push((first, config));
    edn::file_text(&header, &forms)
}

/// Converts a JavaScript or `.json` file.
fn convert_js(path: &Path, text: &str, format: Format) -> Result<Conversion, ConvertError> {
    let name = path.display().to_string();
    let mut translated = js::translate(&name, text, format == Format::Json)?;
    let values = node::compute(path, translated.shape, &translated.holes)?;
    let mut errors = Vec::new();
    for def in &mut translated.defs {
        fill(&mut def.value, &values, &mut errors);
    }
    fill(&mut translated.config, &values, &mut errors);
    if let Some(first) = errors.first() {
        return Err(ConvertError::from(ConvertErrorKind::NodeFailed {
            file: name,
            message: first.clone(),
        }));
    }
    let mut defs = translated.defs;
    let mut config = translated.config;
    let mut header = translated.header;
    tidy(&mut config, &mut defs, &mut header);
    let mut notes = translated.notes;
    if translated.default_export {
        notes.insert(
            0,
            "The file used `export default`, which PM2 cannot load (it needs `export const apps`); its default export was converted."
                .into(),
        );
    }
    finish(&name, Keys::Pm2, notes, header, defs, config, translated.comments)
}

/// Converts `path`, a PM2 config file (or an ecosystem-dsl `ecosystem.edn`), into the
/// text of a `.pm2.edn` file.
pub fn convert(path: &Path, options: &Options) -> Result<Conversion, ConvertError> {
    let format = options.from.or_else(|| Format::of(path)).ok_or_else(|| {
        ConvertError::from(ConvertErrorKind::UnknownFormat {
            file: path.display().to_string(),
        })
    })?;
    let text = read_text(path)?;
    match format {
        Format::JavaScript | Format::Json => convert_js(path, &text, format),
        Format::Yaml => {
            let name = path.display().to_string();
            let (config, header, comments) = yaml::read(&name, &text)?;
            finish(&name, Keys::Pm2, Vec::new(), header, Vec::new(), config, comments)
        }
        Format::EcosystemDsl => dsl::convert(path, &text, options.root.as_deref()),
    }
}
