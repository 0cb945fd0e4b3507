//! JavaScript ecosystem files, and `.json` files (which PM2 evaluates as a JavaScript
//! expression), translated without running them: `process.env.X` → `#env X`, `X || v`
//! and `X ?? v` → `#or [...]`, template literals → `(str ...)`, `__dirname` paths →
//! paths relative to the file, top-level `const`s → `def`s, object spreads → `merge`,
//! comments kept beside the forms they annotated. An expression with no translation
//! becomes a hole: node computes it later ([`crate::node`]) and it is written as its
//! value with a `;; was: <js>` note.
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

use oxc_span::Span;

use crate::edn::Edn;

pub use bindings::Def;
pub use program::translate;

use bindings::Binding;
use comments::Comments;

/// The symbol a hole stands as until node has computed it.
pub const HOLE: &str = "\u{1}hole";

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
    /// The JavaScript of each hole, by index.
    pub holes: Vec<String>,
    /// What the reader of the result should know.
    pub notes: Vec<String>,
    /// How many comments the file has, and how many were kept.
    pub comments: (usize, usize),
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
    /// Inside an `env` block: paths stay as node computes them (they are passed to the
    /// app as text, not resolved against its folder).
    env: bool,
}

/// The marker a path relative to the file's folder carries until the ecosystem pass
/// knows which app folder it is relative to.
pub const PATH_TAG: &str = "pm2-clj-convert/path";

struct Translator<'s> {
    text: &'s str,
    comments: Comments,
    bindings: HashMap<String, Binding>,
    defs: Vec<Def>,
    holes: Vec<String>,
    notes: Vec<String>,
    dotenv: bool,
}

impl<'s> Translator<'s> {
    /// A translator of `text`, whose comments are at `spans`.
    fn new(text: &'s str, spans: impl IntoIterator<Item = (u32, u32)>) -> Translator<'s> {
        Translator {
            text,
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
}
