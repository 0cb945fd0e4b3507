//! The pm2-clj text a conversion writes: a small tree of forms carrying the comments that
//! go with them, printed on one line where a form fits and has no comments, else one
//! entry per line, then laid out by `pm2-clj fmt`'s formatter.

use std::fmt::Write as _;

use pm2_dsl_reader::{Source, write_float, write_string};

/// How wide a form printed on one line may be.
const WIDTH: usize = 88;

/// A form of the output.
#[derive(Clone, Debug, PartialEq)]
pub enum Edn {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A keyword, without its colon.
    Keyword(String),
    /// A symbol.
    Symbol(String),
    /// A map: entries with keys.
    Map(Coll),
    /// A vector: entries without keys.
    Vector(Coll),
    /// A call or special form.
    List(Vec<Edn>),
    /// `#tag form`.
    Tagged(&'static str, Box<Edn>),
    /// A value that was computed by running JavaScript at conversion time, with the
    /// JavaScript it came from (written as a `;; was:` comment).
    Frozen {
        /// The value.
        value: Box<Edn>,
        /// What it was in the original.
        was: String,
    },
}

/// The entries of a map or vector and the comments before its closing delimiter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coll {
    /// The entries, in order.
    pub entries: Vec<Entry>,
    /// Comments after the last entry.
    pub trailing: Vec<String>,
}

/// A map entry (with a key) or a vector element (without), and its comments.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key, for map entries.
    pub key: Option<Edn>,
    /// The value.
    pub value: Edn,
    /// Comment lines before the entry (their text, without `;`).
    pub before: Vec<String>,
    /// A comment at the end of the entry's line.
    pub after: Option<String>,
    /// Where the value came from, for a property of a JavaScript object.
    pub origin: Option<Origin>,
}

/// The original text of a translated value, and its line (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The text.
    pub text: String,
    /// Its line.
    pub line: usize,
}

impl Entry {
    /// A map entry without comments.
    pub fn pair(key: Edn, value: Edn) -> Entry {
        Entry {
            key: Some(key),
            value,
            before: Vec::new(),
            after: None,
            origin: None,
        }
    }

    /// A vector element without comments.
    pub fn item(value: Edn) -> Entry {
        Entry {
            key: None,
            value,
            before: Vec::new(),
            after: None,
            origin: None,
        }
    }

    /// The key's text when it is a keyword or string.
    pub fn key_name(&self) -> Option<&str> {
        match &self.key {
            Some(Edn::Keyword(k) | Edn::Str(k)) => Some(k),
            _ => None,
        }
    }
}

impl Edn {
    /// A map of entries without comments.
    pub fn map(entries: Vec<Entry>) -> Edn {
        Edn::Map(Coll {
            entries,
            trailing: Vec::new(),
        })
    }

    /// A vector of values without comments.
    pub fn vector(items: impl IntoIterator<Item = Edn>) -> Edn {
        Edn::Vector(Coll {
            entries: items.into_iter().map(Entry::item).collect(),
            trailing: Vec::new(),
        })
    }

    /// `(head args...)`.
    pub fn call(head: &str, args: impl IntoIterator<Item = Edn>) -> Edn {
        let mut items = vec![Edn::Symbol(head.to_string())];
        items.extend(args);
        Edn::List(items)
    }

    /// A map key for `text`: a keyword when it reads back as one, else a string.
    pub fn key(text: &str) -> Edn {
        if pm2_dsl_reader::is_keyword_name(text) {
            Edn::Keyword(text.to_string())
        } else {
            Edn::Str(text.to_string())
        }
    }

    /// The map's entries, when this is a map.
    pub fn as_map(&self) -> Option<&Coll> {
        match self {
            Edn::Map(c) => Some(c),
            _ => None,
        }
    }

    /// The map's entries, when this is a map.
    pub fn as_map_mut(&mut self) -> Option<&mut Coll> {
        match self {
            Edn::Map(c) => Some(c),
            _ => None,
        }
    }

    /// Whether this form or one inside it holds a frozen value.
    pub fn frozen_count(&self) -> usize {
        match self {
            Edn::Frozen { .. } => 1,
            Edn::Map(c) | Edn::Vector(c) => c
                .entries
                .iter()
                .map(|e| e.key.as_ref().map_or(0, Edn::frozen_count) + e.value.frozen_count())
                .sum(),
            Edn::List(items) => items.iter().map(Edn::frozen_count).sum(),
            Edn::Tagged(_, inner) => inner.frozen_count(),
            _ => 0,
        }
    }
}

impl Coll {
    /// The entry whose key is `name`.
    pub fn get(&self, name: &str) -> Option<&Edn> {
        self.entries
            .iter()
            .find(|e| e.key_name() == Some(name))
            .map(|e| &e.value)
    }
}

/// The `;` lines of a comment's text.
fn comment_lines(text: &str, prefix: &str, indent: usize, out: &mut String) {
    for line in text.lines() {
        let line = line.trim_end();
        out.push_str(prefix);
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
}

/// The `;; was:` notes of the frozen values in `edn` that are not inside a nested map or
/// vector entry (those carry their own).
fn was_notes(edn: &Edn, out: &mut Vec<String>) {
    match edn {
        Edn::Frozen { was, .. } => out.push(format!("was: {was}")),
        Edn::List(items) => items.iter().for_each(|i| was_notes(i, out)),
        Edn::Tagged(_, inner) => was_notes(inner, out),
        _ => {}
    }
}

/// `edn` on one line, when it holds no comments.
fn inline(edn: &Edn) -> Option<String> {
    let mut out = String::new();
    match edn {
        Edn::Nil => out.push_str("nil"),
        Edn::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Edn::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Edn::Float(f) => write_float(*f, &mut out),
        Edn::Str(s) => write_string(s, &mut out),
        Edn::Keyword(k) => {
            out.push(':');
            out.push_str(k);
        }
        Edn::Symbol(s) => out.push_str(s),
        Edn::Map(c) | Edn::Vector(c) => {
            if !c.trailing.is_empty() {
                return None;
            }
            let (open, close) = if matches!(edn, Edn::Map(_)) {
                ("{", "}")
            } else {
                ("[", "]")
            };
            out.push_str(open);
            for (i, e) in c.entries.iter().enumerate() {
                if !e.before.is_empty() || e.after.is_some() {
                    return None;
                }
                if i > 0 {
                    out.push(' ');
                }
                if let Some(k) = &e.key {
                    out.push_str(&inline(k)?);
                    out.push(' ');
                }
                out.push_str(&inline(&e.value)?);
            }
            out.push_str(close);
        }
        Edn::List(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&inline(item)?);
            }
            out.push(')');
        }
        Edn::Tagged(tag, inner) => {
            out.push('#');
            out.push_str(tag);
            out.push(' ');
            out.push_str(&inline(inner)?);
        }
        Edn::Frozen { .. } => return None,
    }
    Some(out)
}

struct Printer {
    out: String,
}

impl Printer {
    fn column(&self) -> usize {
        self.out.len() - self.out.rfind('\n').map_or(0, |i| i + 1)
    }

    fn newline(&mut self, indent: usize) {
        self.out.push('\n');
        self.out.push_str(&" ".repeat(indent));
    }

    fn form(&mut self, edn: &Edn) {
        let column = self.column();
        if let Some(text) = inline(edn)
            && column + text.chars().count() <= WIDTH
        {
            self.out.push_str(&text);
            return;
        }
        match edn {
            Edn::Map(c) => self.coll(c, "{", "}", column),
            Edn::Vector(c) => self.coll(c, "[", "]", column),
            Edn::List(items) => {
                self.out.push('(');
                let head = column + 1;
                for (i, item) in items.iter().enumerate() {
                    match i {
                        0 => {}
                        1 => self.out.push(' '),
                        _ => {
                            let indent = if items.len() > 2 { head + 1 } else { head };
                            self.newline(indent);
                        }
                    }
                    self.form(item);
                }
                self.out.push(')');
            }
            Edn::Tagged(tag, inner) => {
                self.out.push('#');
                self.out.push_str(tag);
                self.out.push(' ');
                self.form(inner);
            }
            Edn::Frozen { value, .. } => self.form(value),
            other => self.out.push_str(&inline(other).unwrap_or_default()),
        }
    }

    fn coll(&mut self, c: &Coll, open: &str, close: &str, column: usize) {
        self.out.push_str(open);
        let indent = column + 1;
        let mut ends_in_comment = false;
        for (i, e) in c.entries.iter().enumerate() {
            if i > 0 {
                self.newline(indent);
            }
            let mut notes = e.before.clone();
            was_notes(&e.value, &mut notes);
            for note in &notes {
                comment_lines(note, ";;", indent, &mut self.out);
            }
            if let Some(k) = &e.key {
                self.form(k);
                self.out.push(' ');
            }
            self.form(&e.value);
            ends_in_comment = false;
            if let Some(after) = &e.after {
                self.out.push_str(" ; ");
                self.out.push_str(after.lines().next().unwrap_or_default().trim());
                ends_in_comment = true;
            }
        }
        for note in &c.trailing {
            if !c.entries.is_empty() || ends_in_comment {
                self.newline(indent);
            }
            let mut text = String::new();
            comment_lines(note, ";;", indent, &mut text);
            self.out.push_str(text.trim_end());
            ends_in_comment = true;
        }
        if ends_in_comment {
            self.newline(indent);
        }
        self.out.push_str(close);
    }
}

/// A whole file: header comment lines, then top-level forms (each with comment lines
/// before it), in `pm2-clj fmt`'s layout.
pub fn file_text(header: &[String], forms: &[(Vec<String>, Edn)]) -> String {
    let mut printer = Printer { out: String::new() };
    for line in header {
        comment_lines(line, ";;", 0, &mut printer.out);
    }
    for (i, (comments, form)) in forms.iter().enumerate() {
        if i > 0 || !header.is_empty() {
            printer.out.push('\n');
        }
        let mut notes = comments.clone();
        was_notes(form, &mut notes);
        for note in &notes {
            comment_lines(note, ";;", 0, &mut printer.out);
        }
        printer.form(form);
        printer.out.push('\n');
    }
    let source = Source::standalone("converted.pm2.edn", printer.out.clone());
    pm2_dsl_eval::format(&source).unwrap_or(printer.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_stay_on_one_line_and_comments_get_lines() {
        let mut app = Coll::default();
        app.entries
            .push(Entry::pair(Edn::key("name"), Edn::Str("api".into())));
        let mut port = Entry::pair(
            Edn::key("port"),
            Edn::Tagged(
                "or",
                Box::new(Edn::vector([
                    Edn::Tagged("env", Box::new(Edn::Symbol("PORT".into()))),
                    Edn::Int(3000),
                ])),
            ),
        );
        port.before.push("the port".into());
        app.entries.push(port);
        let text = file_text(
            &["Converted.".into()],
            &[(
                vec![],
                Edn::map(vec![Entry::pair(Edn::key("apps"), Edn::vector([Edn::Map(app)]))]),
            )],
        );
        assert_eq!(
            text,
            ";; Converted.\n\n{:apps [{:name \"api\"\n         ;; the port\n         :port #or [#env PORT 3000]}]}\n"
        );
    }

    #[test]
    fn frozen_values_say_what_they_were() {
        let form = Edn::map(vec![Entry::pair(
            Edn::key("instances"),
            Edn::Frozen {
                value: Box::new(Edn::Int(2)),
                was: "require('os').cpus().length".into(),
            },
        )]);
        assert_eq!(
            file_text(&[], &[(vec![], form)]),
            "{;; was: require('os').cpus().length\n :instances 2}\n"
        );
    }

    #[test]
    fn keys_that_are_not_keywords_are_strings() {
        assert_eq!(Edn::key("NODE_ENV"), Edn::Keyword("NODE_ENV".into()));
        assert_eq!(Edn::key("my var"), Edn::Str("my var".into()));
        assert_eq!(Edn::key(""), Edn::Str(String::new()));
    }
}
