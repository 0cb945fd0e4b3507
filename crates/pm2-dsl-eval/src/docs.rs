//! The language's documentation, read off the tables the evaluator runs on: every
//! special form, built-in function and reader tag, with how it is written and what it
//! does. Editors show it on hover and completion; the README's language table is checked
//! against it.

use crate::{builtins, special, tags};

/// Which table an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A special form, such as `let`.
    SpecialForm,
    /// A built-in function, such as `merge`.
    Function,
    /// A reader tag, such as `#env` (its name is written without `#`).
    Tag,
}

/// One documented name of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its table.
    pub kind: EntryKind,
    /// The name (a tag's without `#`).
    pub name: &'static str,
    /// How it is written, as in `(get map key default?)` or `#env NAME`.
    pub usage: &'static str,
    /// What it does.
    pub doc: &'static str,
}

/// Every entry: the special forms, then the functions, then the tags, each in table order.
pub fn entries() -> impl Iterator<Item = Entry> {
    let specials = special::SPECIALS.iter().map(|s| Entry {
        kind: EntryKind::SpecialForm,
        name: s.name,
        usage: s.usage,
        doc: s.doc,
    });
    let functions = builtins::all().map(|b| Entry {
        kind: EntryKind::Function,
        name: b.name,
        usage: b.usage,
        doc: b.doc,
    });
    let tags = tags::TAGS.iter().map(|t| Entry {
        kind: EntryKind::Tag,
        name: t.name,
        usage: t.usage,
        doc: t.doc,
    });
    specials.chain(functions).chain(tags)
}

/// The special form or function a symbol names (special forms first, as the evaluator
/// looks them up).
pub fn symbol(name: &str) -> Option<Entry> {
    entries().find(|e| e.kind != EntryKind::Tag && e.name == name)
}

/// The tag named `name` (without `#`).
pub fn tag(name: &str) -> Option<Entry> {
    entries().find(|e| e.kind == EntryKind::Tag && e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_a_usage_and_a_doc() {
        let mut count = 0;
        for entry in entries() {
            count += 1;
            assert!(
                entry.usage.contains(entry.name),
                "{:?} {}: the usage {:?} does not show the name",
                entry.kind,
                entry.name,
                entry.usage
            );
            assert!(
                entry.doc.len() > 10 && entry.doc.ends_with('.'),
                "{:?} {}: the doc {:?} is missing or not a sentence",
                entry.kind,
                entry.name,
                entry.doc
            );
        }
        assert!(count > 100, "only {count} entries");
    }

    #[test]
    fn lookups_find_each_table() {
        assert_eq!(symbol("let").map(|e| e.kind), Some(EntryKind::SpecialForm));
        assert_eq!(symbol("merge").map(|e| e.kind), Some(EntryKind::Function));
        assert_eq!(tag("env").map(|e| e.kind), Some(EntryKind::Tag));
        assert_eq!(symbol("env").map(|e| e.kind), Some(EntryKind::Function));
        assert_eq!(tag("nope"), None);
    }
}
