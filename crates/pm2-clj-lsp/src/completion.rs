//! Completion at a position, from the tree around it (which exists even while the text
//! does not read) and the tables: option keys in an app map (kebab-case, not already
//! there, then pm2-clj's export keys), the targets in an app's `:export` map and each
//! target's keys in its map there (`pm2_clj_export::escape_keys`), the values
//! of an option with a fixed set (`:exec-mode`), profile names in a
//! `#profile` map, tags after `#`, special forms, functions, this file's definitions and
//! import aliases, and after `alias/` the names the imported file defines.

use std::collections::HashSet;
use std::path::Path;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent, MarkupKind,
    TextEdit,
};
use pm2_clj_export::Target;
use pm2_dsl_emit::keys::{AppKey, named_key};
use pm2_dsl_emit::schema::{OPTIONS, OptionSpec};
use pm2_dsl_emit::targets::{self, TargetKey};
use pm2_dsl_eval::docs::{EntryKind, entries};
use pm2_dsl_eval::{Loader, Value};
use pm2_dsl_reader::{Source, Syntax, SyntaxKind};

use crate::analysis::{Analysis, read_tree};
use crate::documents::range;
use crate::query::{Doc, Slot, resolve};

/// The most items one completion answers: a file can define 100,000 profiles or names,
/// and the list is narrowed as more of the word is typed.
pub const MOST_ITEMS: usize = 1000;

/// What can be written at byte `offset`. `read` gives the text of another file.
pub fn complete(analysis: &Analysis, offset: usize, read: &dyn Loader) -> Vec<CompletionItem> {
    let doc = analysis.doc();
    let text = analysis.source.text();
    let start = word_start(text, offset);
    let prefix = &text[start..offset];
    let path = doc.path(offset);
    if path.last().is_some_and(|n| {
        matches!(n.kind, SyntaxKind::Str | SyntaxKind::Comment) && (n.span.start as usize) < offset
    }) {
        return Vec::new();
    }
    let edit_range = range(&analysis.source, start, offset);
    let item =
        |label: String, kind: CompletionItemKind, detail: String, doc: Option<String>| CompletionItem {
            label: label.clone(),
            kind: Some(kind),
            detail: Some(detail),
            documentation: doc.map(|value| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value,
                })
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(edit_range, label))),
            ..CompletionItem::default()
        };
    if let Some(tag) = prefix.strip_prefix('#') {
        return entries()
            .filter(|e| e.kind == EntryKind::Tag && e.name.starts_with(tag))
            .map(|e| {
                item(
                    format!("#{}", e.name),
                    CompletionItemKind::KEYWORD,
                    e.usage.into(),
                    Some(e.doc.into()),
                )
            })
            .collect();
    }
    let typing = doc
        .token(offset)
        .filter(|t| t.kind == SyntaxKind::Atom && t.span.start as usize == start);
    if let Some((i, map)) = path
        .iter()
        .enumerate()
        .rev()
        .find(|(_, n)| n.kind == SyntaxKind::Map)
        && inside(map, offset)
        && (prefix.is_empty() || prefix.starts_with(':'))
    {
        let profile_map = i > 0 && doc.tag(path[i - 1]) == Some("profile");
        let keywords: Vec<(String, CompletionItemKind, String, Option<String>)> =
            match (doc.slot(map, offset, typing), profile_map) {
                (Slot::Key, true) => profile_names(analysis, map, typing)
                    .into_iter()
                    .map(|p| {
                        (
                            format!(":{p}"),
                            CompletionItemKind::ENUM_MEMBER,
                            "profile".into(),
                            None,
                        )
                    })
                    .collect(),
                (Slot::Key, false) if is_app_map(&doc, &path[..=i]) => option_keys(&doc, map, typing)
                    .into_iter()
                    .map(|o| {
                        let label = format!(":{}", o.spellings()[0]);
                        (
                            label,
                            CompletionItemKind::PROPERTY,
                            "PM2 app option".into(),
                            Some(o.describe()),
                        )
                    })
                    .chain(export_keys(&doc, map, typing).into_iter().map(|k| {
                        (
                            format!(":{}", k.name),
                            CompletionItemKind::PROPERTY,
                            "pm2-clj export key".into(),
                            Some(k.doc.to_string()),
                        )
                    }))
                    .collect(),
                (Slot::Key, false) if is_export_map(&doc, &path[..=i]) => export_targets(&doc, map, typing)
                    .into_iter()
                    .map(|target| {
                        (
                            format!(":{target}"),
                            CompletionItemKind::MODULE,
                            "pm2-clj export target".into(),
                            Some(format!(
                                "A map deep-merged into what `pm2-clj export --target {target}` generates for this app."
                            )),
                        )
                    })
                    .collect(),
                (Slot::Key, false) => target_keys(&doc, &path[..=i], typing)
                    .into_iter()
                    .map(|(target, key)| {
                        (
                            format!(":{key}"),
                            CompletionItemKind::PROPERTY,
                            format!("{target} key"),
                            None,
                        )
                    })
                    .collect(),
                (Slot::Value(key), _) if is_app_map(&doc, &path[..=i]) => option_of(&doc, key)
                    .and_then(|o| o.format)
                    .map(|f| f.values())
                    .unwrap_or_default()
                    .iter()
                    .map(|v| {
                        (
                            format!(":{v}"),
                            CompletionItemKind::ENUM_MEMBER,
                            "value".into(),
                            None,
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
        if !keywords.is_empty() || prefix.starts_with(':') {
            return keywords
                .into_iter()
                .filter(|(label, ..)| label.starts_with(prefix))
                .map(|(label, kind, detail, doc)| item(label, kind, detail, doc))
                .collect();
        }
    }
    if prefix.starts_with(':') {
        return Vec::new();
    }
    if let Some((alias, _)) = prefix.split_once('/')
        && let Some(import) = doc
            .imports()
            .into_iter()
            .find(|i| i.alias.as_deref() == Some(alias))
    {
        let file = resolve(&analysis.path, &import.path);
        return definitions_in(&file, read)
            .into_iter()
            .map(|(name, function)| {
                let kind = if function {
                    CompletionItemKind::FUNCTION
                } else {
                    CompletionItemKind::VARIABLE
                };
                item(
                    format!("{alias}/{name}"),
                    kind,
                    format!("defined in {}", import.path),
                    None,
                )
            })
            .filter(|i| i.label.starts_with(prefix))
            .collect();
    }
    let mut items: Vec<CompletionItem> = entries()
        .filter(|e| e.kind != EntryKind::Tag && e.name.starts_with(prefix))
        .map(|e| {
            let kind = match e.kind {
                EntryKind::SpecialForm => CompletionItemKind::KEYWORD,
                _ => CompletionItemKind::FUNCTION,
            };
            item(e.name.into(), kind, e.usage.into(), Some(e.doc.into()))
        })
        .collect();
    for definition in doc.definitions() {
        let kind = if definition.function {
            CompletionItemKind::FUNCTION
        } else {
            CompletionItemKind::VARIABLE
        };
        if definition.name.starts_with(prefix) && typing.is_none_or(|t| t.span != definition.name_span) {
            items.push(item(definition.name, kind, "defined in this file".into(), None));
        }
    }
    for import in doc.imports() {
        if let Some(alias) = import.alias.filter(|a| a.starts_with(prefix)) {
            items.push(item(
                format!("{alias}/"),
                CompletionItemKind::MODULE,
                import.path.clone(),
                None,
            ));
        }
    }
    items
}

/// Where the word that ends at `offset` starts: back over everything a symbol, keyword
/// or tag can hold.
fn word_start(text: &str, offset: usize) -> usize {
    text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| !c.is_whitespace() && !"()[]{}\",;'^`@~".contains(*c))
        .last()
        .map_or(offset, |(i, _)| i)
}

fn inside(collection: &Syntax, offset: usize) -> bool {
    let open = collection.children.iter().find(|c| c.kind == SyntaxKind::Open);
    let close = collection.children.iter().find(|c| c.kind == SyntaxKind::Close);
    open.is_some_and(|o| o.span.end as usize <= offset)
        && close.is_none_or(|c| offset <= c.span.start as usize)
}

/// The option a key names.
fn option_of(doc: &Doc, key: &Syntax) -> Option<&'static OptionSpec> {
    let name = doc.text(key).strip_prefix(':')?;
    match named_key(&Value::keyword(name)) {
        Some(AppKey::Option(spec)) => Some(spec),
        _ => None,
    }
}

/// Whether the innermost map of `path` is an app: under `:apps` (as one of a vector of
/// apps or as the only one), or holding a PM2 option other than `:name` while no map
/// around it is an app (an app's `:env`, or an `:export` target's map holding `:user`,
/// is part of the app, not an app of its own).
fn is_app_map(doc: &Doc, path: &[&Syntax]) -> bool {
    let under_apps = |holder: &Syntax, value: &Syntax| {
        holder.kind == SyntaxKind::Map && doc.key_of(holder, value).is_some_and(|k| doc.text(k) == ":apps")
    };
    let listed = |j: usize| {
        (j >= 1 && under_apps(path[j - 1], path[j]))
            || (j >= 2 && path[j - 1].kind == SyntaxKind::Vector && under_apps(path[j - 2], path[j - 1]))
    };
    let holds_options = |j: usize| {
        doc.entries(path[j])
            .into_iter()
            .any(|(k, _)| option_of(doc, k).is_some_and(|o| o.name != "name"))
    };
    let last = path.len() - 1;
    listed(last)
        || (holds_options(last)
            && !(0..last).any(|j| path[j].kind == SyntaxKind::Map && (listed(j) || holds_options(j))))
}

/// Whether the innermost map of `path` is an app's `:export` map.
fn is_export_map(doc: &Doc, path: &[&Syntax]) -> bool {
    let n = path.len();
    n >= 2
        && path[n - 2].kind == SyntaxKind::Map
        && doc
            .key_of(path[n - 2], path[n - 1])
            .is_some_and(|k| doc.text(k) == ":export")
        && is_app_map(doc, &path[..n - 1])
}

/// When the innermost map of `path` is a target's map in an app's `:export` map
/// (`:export {:kubernetes {…}}`), the keys it takes and does not have yet.
fn target_keys(doc: &Doc, path: &[&Syntax], typing: Option<&Syntax>) -> Vec<(Target, &'static str)> {
    let n = path.len();
    let target = (n >= 2 && is_export_map(doc, &path[..n - 1]))
        .then(|| doc.key_of(path[n - 2], path[n - 1]))
        .flatten()
        .and_then(|k| Target::named(doc.text(k).strip_prefix(':')?));
    let Some(target) = target else {
        return Vec::new();
    };
    let present = key_names(doc, path[n - 1], typing);
    (pm2_clj_export::escape_keys(target).iter())
        .filter(|k| !present.contains(*k))
        .map(|k| (target, *k))
        .collect()
}

/// The keys `map` already has, without `:` or quotes, as if the one being typed were not
/// there yet.
fn key_names<'a>(doc: &Doc<'a>, map: &'a Syntax, typing: Option<&Syntax>) -> HashSet<&'a str> {
    doc.entries_without(map, typing)
        .into_iter()
        .map(|(k, _)| {
            let key = doc.text(k);
            key.strip_prefix(':').unwrap_or_else(|| key.trim_matches('"'))
        })
        .collect()
}

/// The export targets not yet given a map in the `:export` map `map`.
fn export_targets(doc: &Doc, map: &Syntax, typing: Option<&Syntax>) -> Vec<&'static str> {
    let present = key_names(doc, map, typing);
    targets::EXPORT_TARGETS
        .iter()
        .copied()
        .filter(|t| !present.contains(t))
        .collect()
}

/// The options not yet set in `map`, in table order.
fn option_keys(doc: &Doc, map: &Syntax, typing: Option<&Syntax>) -> Vec<&'static OptionSpec> {
    let present: Vec<&str> = doc
        .entries_without(map, typing)
        .into_iter()
        .filter_map(|(k, _)| option_of(doc, k).map(|o| o.name))
        .collect();
    OPTIONS.iter().filter(|o| !present.contains(&o.name)).collect()
}

/// pm2-clj's keys for the export targets not yet set in `map`.
fn export_keys(doc: &Doc, map: &Syntax, typing: Option<&Syntax>) -> Vec<&'static TargetKey> {
    let present = key_names(doc, map, typing);
    targets::KEYS
        .iter()
        .filter(|k| !present.contains(&k.name))
        .collect()
}

/// The profiles this file knows that the `#profile` map `here` does not have yet: the
/// evaluation's `#profile` keys, the keys of every `#profile` map and of `:profiles` in
/// the text (but the one being typed), and `:default`.
fn profile_names(analysis: &Analysis, here: &Syntax, typing: Option<&Syntax>) -> Vec<String> {
    let doc = analysis.doc();
    let mut names: Vec<String> = analysis
        .evaluator
        .iter()
        .flat_map(|e| e.profiles_seen().map(str::to_string))
        .collect();
    let mut stack = vec![&analysis.tree];
    while let Some(node) = stack.pop() {
        let profiles = match node.kind {
            SyntaxKind::Tagged if doc.tag(node) == Some("profile") => {
                node.elements().find(|e| e.kind == SyntaxKind::Map)
            }
            SyntaxKind::Map => doc
                .entries(node)
                .into_iter()
                .find(|(k, _)| doc.text(k) == ":profiles")
                .and_then(|(_, v)| v.filter(|v| v.kind == SyntaxKind::Map)),
            _ => None,
        };
        if let Some(map) = profiles {
            names.extend(
                doc.entries(map)
                    .into_iter()
                    .filter(|(k, _)| typing.is_none_or(|t| t.span != k.span))
                    .filter_map(|(k, _)| doc.text(k).strip_prefix(':').map(str::to_string)),
            );
        }
        stack.extend(node.children.iter());
    }
    names.push("default".into());
    names.sort();
    names.dedup();
    let present = key_names(&doc, here, typing);
    names.retain(|n| !present.contains(n.as_str()));
    names
}

/// The names another file defines (from its text, so a file that does not evaluate
/// still offers them), each with whether it is a function.
fn definitions_in(file: &Path, read: &dyn Loader) -> Vec<(String, bool)> {
    let Ok(Some(text)) = read.read(&file.to_string_lossy()) else {
        return Vec::new();
    };
    let source = Source::standalone(file.to_string_lossy(), text);
    let tree = read_tree(&source);
    let doc = Doc {
        source: &source,
        tree: &tree,
    };
    doc.definitions()
        .into_iter()
        .map(|d| (d.name, d.function))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::word_start;

    #[test]
    fn words_end_at_delimiters_and_spaces() {
        assert_eq!(word_start("{:apps [{:sc", 12), 9);
        assert_eq!(word_start("(lib/po", 7), 1);
        assert_eq!(word_start("#en", 3), 0);
        assert_eq!(word_start("a ", 2), 2);
    }
}
