//! Questions about a document answered from its lossless tree (which exists, up to the
//! error, even while the text does not read): the token at a position, the map and slot
//! being typed in, the file's definitions and imports.

use std::path::{Path, PathBuf};

use pm2_dsl_reader::{FormKind, Source, Span, Syntax, SyntaxKind, read_all};

/// A document's text and tree.
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    /// The text.
    pub source: &'a Source,
    /// Its tree.
    pub tree: &'a Syntax,
}

/// A top-level `(def name ...)` or `(defn name ...)`.
pub struct Definition<'t> {
    /// The name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole form.
    pub form: &'t Syntax,
    /// Whether it is a `defn`.
    pub function: bool,
}

/// An `(import "path" ...)`, `(import? ...)`, `#include "path"` or `#include? ...`.
pub struct Import {
    /// The path as written.
    pub path: String,
    /// Where the path string is written.
    pub string_span: Span,
    /// The whole import.
    pub span: Span,
    /// The alias of `(import "path" :as alias)`.
    pub alias: Option<String>,
}

/// Where a position is inside a map.
pub enum Slot<'t> {
    /// Where a key goes.
    Key,
    /// Where the value of this key goes.
    Value(&'t Syntax),
}

impl<'a> Doc<'a> {
    /// The text of a node.
    pub fn text(&self, node: &Syntax) -> &'a str {
        self.source.slice(node.span)
    }

    /// The nodes containing byte `offset`, outermost first.
    pub fn path(&self, offset: usize) -> Vec<&'a Syntax> {
        self.tree.path_to(offset)
    }

    /// The token at `offset` (one that contains it or ends there).
    pub fn token(&self, offset: usize) -> Option<&'a Syntax> {
        self.path(offset).last().copied().filter(|n| n.kind.is_token())
    }

    /// The head symbol of a list node.
    pub fn head(&self, list: &Syntax) -> Option<&'a str> {
        let first = list.elements().find(|e| e.kind.is_form())?;
        (list.kind == SyntaxKind::List && first.kind == SyntaxKind::Atom).then(|| self.text(first))
    }

    /// The tag of a tagged node, without `#`.
    pub fn tag(&self, tagged: &Syntax) -> Option<&'a str> {
        let prefix = tagged.children.first().filter(|c| c.kind == SyntaxKind::Prefix)?;
        (tagged.kind == SyntaxKind::Tagged).then(|| &self.text(prefix)[1..])
    }

    /// The value of a string token.
    pub fn string(&self, token: &Syntax) -> Option<String> {
        if token.kind != SyntaxKind::Str {
            return None;
        }
        let forms = read_all(&Source::standalone("", self.text(token))).ok()?;
        match &forms.first()?.kind {
            FormKind::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }

    /// A map's entries as written: each key with its value (none for a key being typed).
    pub fn entries(&self, map: &'a Syntax) -> Vec<(&'a Syntax, Option<&'a Syntax>)> {
        self.entries_without(map, None)
    }

    /// A map's entries as if `typing` (a form being typed) were not there yet.
    pub fn entries_without(
        &self,
        map: &'a Syntax,
        typing: Option<&Syntax>,
    ) -> Vec<(&'a Syntax, Option<&'a Syntax>)> {
        let forms: Vec<&Syntax> = map
            .elements()
            .filter(|e| e.kind.is_form() && typing.is_none_or(|t| t.span != e.span))
            .collect();
        forms
            .chunks(2)
            .map(|pair| (pair[0], pair.get(1).copied()))
            .collect()
    }

    /// The key a map holds this value under.
    pub fn key_of(&self, map: &'a Syntax, value: &Syntax) -> Option<&'a Syntax> {
        self.entries(map)
            .into_iter()
            .find(|(_, v)| v.is_some_and(|v| v.span == value.span))
            .map(|(k, _)| k)
    }

    /// The slot at `offset` in `map`: where a key goes, or the value of which key.
    /// `typing` is the token being typed there, if any.
    pub fn slot(&self, map: &'a Syntax, offset: usize, typing: Option<&Syntax>) -> Slot<'a> {
        let forms: Vec<&Syntax> = map.elements().filter(|e| e.kind.is_form()).collect();
        let index = match typing.and_then(|t| forms.iter().position(|f| f.span == t.span)) {
            Some(i) => i,
            None => forms.iter().filter(|f| (f.span.end as usize) <= offset).count(),
        };
        match index.checked_sub(1).filter(|_| index % 2 == 1) {
            Some(key) => Slot::Value(forms[key]),
            None => Slot::Key,
        }
    }

    /// The top-level definitions, in order.
    pub fn definitions(&self) -> Vec<Definition<'a>> {
        self.tree
            .children
            .iter()
            .filter_map(|form| {
                let head = self.head(form)?;
                let function = match head {
                    "def" => false,
                    "defn" => true,
                    _ => return None,
                };
                let name = form.elements().filter(|e| e.kind.is_form()).nth(1)?;
                (name.kind == SyntaxKind::Atom).then(|| Definition {
                    name: self.text(name).to_string(),
                    name_span: name.span,
                    form,
                    function,
                })
            })
            .collect()
    }

    /// Where a symbol written in this file (at `path`) would be defined: `alias/name` in
    /// the file an `(import ... :as alias)` names, anything else in this file.
    pub fn definition_site<'n>(&self, path: &Path, name: &'n str) -> (PathBuf, &'n str) {
        if let Some((alias, def)) = name.split_once('/').filter(|_| name.len() > 1)
            && let Some(import) = self
                .imports()
                .into_iter()
                .find(|i| i.alias.as_deref() == Some(alias))
        {
            return (resolve(path, &import.path), def);
        }
        (path.to_path_buf(), name)
    }

    /// Every import and include, anywhere in the file.
    pub fn imports(&self) -> Vec<Import> {
        let mut out = Vec::new();
        self.collect_imports(self.tree, &mut out);
        out
    }

    fn collect_imports(&self, node: &'a Syntax, out: &mut Vec<Import>) {
        let forms: Vec<&Syntax> = node.elements().filter(|e| e.kind.is_form()).collect();
        let found = match (node.kind, self.head(node), self.tag(node)) {
            (SyntaxKind::List, Some("import" | "import?"), _) => forms.get(1).map(|path| {
                let alias = match forms.get(2..4) {
                    Some([as_kw, alias]) if self.text(as_kw) == ":as" => Some(self.text(alias).to_string()),
                    _ => None,
                };
                (*path, alias)
            }),
            (SyntaxKind::Tagged, _, Some("include" | "include?")) => forms.first().map(|path| (*path, None)),
            _ => None,
        };
        if let Some((path_node, alias)) = found
            && let Some(path) = self.string(path_node)
        {
            out.push(Import {
                path,
                string_span: path_node.span,
                span: node.span,
                alias,
            });
        }
        for child in &node.children {
            self.collect_imports(child, out);
        }
    }
}

/// Where an import's path leads, from the file at `from`.
pub fn resolve(from: &Path, path: &str) -> PathBuf {
    PathBuf::from(pm2_dsl_eval::resolve_path(Some(&from.to_string_lossy()), path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm2_dsl_reader::read_syntax;

    #[test]
    fn definitions_imports_and_slots() {
        let source = Source::standalone(
            "/p/app.pm2.edn",
            "(import \"lib.edn\" :as lib)\n(def port 1)\n(defn f [x] x)\n{:apps [{:name \"a\" :sc",
        );
        let tree = read_syntax(&source).0;
        let doc = Doc {
            source: &source,
            tree: &tree,
        };
        let defs: Vec<(String, bool)> = doc
            .definitions()
            .into_iter()
            .map(|d| (d.name, d.function))
            .collect();
        assert_eq!(defs, [("port".to_string(), false), ("f".to_string(), true)]);
        let imports = doc.imports();
        assert_eq!(imports.len(), 1);
        assert_eq!(
            (imports[0].path.as_str(), imports[0].alias.as_deref()),
            ("lib.edn", Some("lib"))
        );
        assert_eq!(
            resolve(Path::new("/p/app.pm2.edn"), &imports[0].path),
            Path::new("/p/lib.edn")
        );
        let end = source.text().len();
        let path = doc.path(end);
        let map = path.iter().rev().find(|n| n.kind == SyntaxKind::Map).unwrap();
        let typing = doc.token(end);
        assert_eq!(typing.map(|t| doc.text(t)), Some(":sc"));
        assert!(matches!(doc.slot(map, end, typing), Slot::Key));
        let after_name = source.text().find("\"a\"").unwrap();
        assert!(matches!(doc.slot(map, after_name, None), Slot::Value(k) if doc.text(k) == ":name"));
    }
}
