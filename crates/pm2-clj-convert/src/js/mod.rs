//! JavaScript ecosystem files, and `.json` files (which PM2 evaluates as a JavaScript
//! expression), translated without running them: `process.env.X` → `#env X`, `X || v`
//! and `X ?? v` → `#or [...]`, template literals → `(str ...)`, `__dirname` paths →
//! paths relative to the file, top-level `const`s → `def`s, object spreads → `merge`,
//! comments kept beside the forms they annotated. An expression with no translation
//! becomes a [`Hole`]: the conversion leaves it out with a `;; TODO` note
//! ([`crate::todo`]), or — asked to run the file's code — node computes it
//! ([`crate::node`]) and it is written as its value with a `;; was: <js>` note.
//!
//! The translator's parts: [`program`] (the file's statements and exports), [`expr`]
//! (expressions), [`collections`] (object and array literals), [`idioms`] (Node's
//! `process.env`, `path`, `require`, dotenv), [`bindings`] (top-level names and `def`s),
//! [`comments`] (the file's comments, handed out to the forms they annotate).

mod bindings;
mod collections;
mod comments;
mod expr;
mod idioms;
mod program;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

use oxc_span::Span;

use crate::edn::{Edn, Origin};

pub use bindings::Def;
pub use program::translate;

use bindings::Binding;
use comments::Comments;

/// The symbol a hole stands as (followed by its index) until it is settled.
pub const HOLE: &str = "\u{1}hole";

/// An expression convert does not translate (a call, a getter, a module's value...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hole {
    /// Its JavaScript text (for a name a destructuring binds, `(init).name`).
    pub js: String,
    /// Its line in the file, from 1.
    pub line: usize,
    /// Its byte offset in the file.
    pub offset: usize,
}

/// The hole `index` stands for, when `edn` is one.
pub fn hole_index(edn: &Edn) -> Option<usize> {
    match edn {
        Edn::Frozen { value, .. } => match value.as_ref() {
            Edn::Symbol(s) => s.strip_prefix(HOLE)?.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// How the file gives PM2 its config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `module.exports = ...` (a `.js` / `.cjs` file PM2 `require`s).
    CommonJs,
    /// `export const apps = ...` or `export default ...`.
    Module,
    /// A `.json` file: one expression.
    Expression,
}

/// A translated file.
#[derive(Debug)]
pub struct Translated {
    /// How the file exported its config.
    pub shape: Shape,
    /// The top-level definitions the config uses.
    pub defs: Vec<Def>,
    /// The config.
    pub config: Edn,
    /// Comments of the file that stand before the config (or at its top).
    pub header: Vec<String>,
    /// The holes, by index.
    pub holes: Vec<Hole>,
    /// What the reader of the result should know.
    pub notes: Vec<String>,
    /// The text of each comment of the file.
    pub comments: Vec<String>,
    /// Whether the config came from `export default` (which PM2 cannot load).
    pub default_export: bool,
}

/// What an expression translates to.
enum Val {
    Edn(Edn),
    /// A path relative to the file's folder.
    Path(String),
}

/// Where an expression stands, for the values whose translation depends on it.
#[derive(Clone, Copy, Default)]
struct Cx {
    /// Inside an `env` block: paths are absolute, as node computes them (they are passed
    /// to the app as text, not resolved against its folder).
    env: bool,
}

/// The marker a path relative to the file's folder carries until the ecosystem pass
/// knows which app folder it is relative to.
pub const PATH_TAG: &str = "pm2-clj-convert/path";

struct Translator<'s> {
    text: &'s str,
    /// How many bytes `text` has before the file's own (a `.json` file is wrapped in
    /// parentheses).
    shift: u32,
    /// The file's folder as node names it (`__dirname`): absolute, links resolved.
    folder: &'s Path,
    comments: Comments,
    bindings: HashMap<String, Binding>,
    defs: Vec<Def>,
    holes: Vec<Hole>,
    notes: Vec<String>,
    dotenv: bool,
}

impl<'s> Translator<'s> {
    /// A translator of `text` (the file's text after `shift` bytes), whose comments are
    /// at `spans`, for a file in `folder`.
    fn new(
        text: &'s str,
        shift: u32,
        folder: &'s Path,
        spans: impl IntoIterator<Item = (u32, u32)>,
    ) -> Translator<'s> {
        Translator {
            text,
            shift,
            folder,
            comments: Comments::new(text, spans),
            bindings: HashMap::new(),
            defs: Vec::new(),
            holes: Vec::new(),
            notes: Vec::new(),
            dotenv: false,
        }
    }

    fn slice(&self, span: Span) -> &'s str {
        &self.text[span.start as usize..span.end as usize]
    }

    /// The line `offset` is on, from 1.
    fn line(&self, offset: u32) -> usize {
        self.text[..offset as usize].matches('\n').count() + 1
    }

    /// The text at `span` and its line.
    fn origin(&self, span: Span) -> Origin {
        Origin {
            text: self.slice(span).to_string(),
            line: self.line(span.start),
        }
    }

    /// A new hole for `js`, found at `start`.
    fn push_hole(&mut self, js: String, start: u32) -> Edn {
        self.holes.push(Hole {
            js: js.clone(),
            line: self.line(start),
            offset: start.saturating_sub(self.shift) as usize,
        });
        Edn::Frozen {
            value: Box::new(Edn::Symbol(format!("{HOLE}{}", self.holes.len() - 1))),
            was: js,
        }
    }
}
