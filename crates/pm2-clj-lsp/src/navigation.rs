//! Go to definition and the document outline. Definitions: a `def`/`defn` name, an
//! `alias/name` (in the imported file), an import or `#include` path (the file), and a
//! `#ref` path (the value it refers to, where that value was written). The outline:
//! definitions, import aliases, the apps (by `:name`) and the profiles of the file's map.

use std::path::Path;

use lsp_types::{DocumentSymbol, Location, Range, SymbolKind};
use pm2_dsl_eval::{Limits, Loader, Value, ValueKind};
use pm2_dsl_reader::{Number, Source, SourceMap, Span, Syntax, SyntaxKind, read_all_with};

use crate::analysis::{Analysis, read_tree};
use crate::documents::{range, uri_of};
use crate::query::{Doc, resolve};

/// Where what is at byte `offset` is defined. `read` gives the text of another file.
pub fn definition(analysis: &Analysis, offset: usize, read: &dyn Loader) -> Option<Location> {
    let doc = analysis.doc();
    let path = doc.path(offset);
    let token = *path.last().filter(|n| n.kind.is_token())?;
    if token.kind == SyntaxKind::Str
        && let Some(import) = doc.imports().into_iter().find(|i| i.string_span == token.span)
    {
        let file = resolve(&analysis.path, &import.path);
        return Some(Location::new(uri_of(&file)?, Range::default()));
    }
    if let Some(reference) = path.iter().rev().find(|n| doc.tag(n) == Some("ref")) {
        return ref_target(analysis, reference);
    }
    if token.kind != SyntaxKind::Atom {
        return None;
    }
    let (file, def) = doc.definition_site(&analysis.path, doc.text(token));
    let source = if file == analysis.path {
        analysis.source.clone()
    } else {
        Source::standalone(file.to_string_lossy(), read.read(&file.to_string_lossy()).ok()??)
    };
    let tree = read_tree(&source);
    let doc = Doc {
        source: &source,
        tree: &tree,
    };
    let found = doc.definitions().into_iter().find(|d| d.name == def)?;
    let span = found.name_span;
    Some(Location::new(
        uri_of(&file)?,
        range(&source, span.start as usize, span.end as usize),
    ))
}

/// Where the value a `#ref [...]` path leads to in the file's result was written.
fn ref_target(analysis: &Analysis, reference: &Syntax) -> Option<Location> {
    let vector = reference.elements().find(|e| e.kind == SyntaxKind::Vector)?;
    let vector = Source::standalone("", analysis.source.slice(vector.span));
    let forms = read_all_with(&vector, Limits::default().read_options()).ok()?;
    let keys: Vec<Value> = match &forms.first()?.kind {
        pm2_dsl_reader::FormKind::Vector(items) => items.iter().map(Value::from_form).collect(),
        _ => return None,
    };
    let mut value = analysis.value.as_ref()?;
    for key in &keys {
        value = match (value.kind(), key.kind()) {
            (ValueKind::Map(m), _) => m.get(key)?,
            (ValueKind::Vector(items) | ValueKind::List(items), ValueKind::Number(Number::Int(i))) => {
                items.get(usize::try_from(*i).ok()?)?
            }
            _ => return None,
        };
    }
    let span = value.origin()?;
    let sources: &SourceMap = analysis.evaluator.as_ref()?.sources();
    let source = sources.get(span.source)?;
    let file = Path::new(source.name());
    Some(Location::new(
        uri_of(file)?,
        range(source, span.start as usize, span.end as usize),
    ))
}

/// The outline of the document.
pub fn symbols(analysis: &Analysis) -> Vec<DocumentSymbol> {
    let doc = analysis.doc();
    let source = &analysis.source;
    let mut out = Vec::new();
    for definition in doc.definitions() {
        let kind = if definition.function {
            SymbolKind::FUNCTION
        } else {
            SymbolKind::VARIABLE
        };
        let name_node = find(definition.form, definition.name_span).unwrap_or(definition.form);
        out.push(symbol(
            source,
            definition.name,
            kind,
            definition.form.span,
            name_node.span,
            Vec::new(),
        ));
    }
    for node in analysis
        .tree
        .children
        .iter()
        .filter(|n| n.kind == SyntaxKind::List)
    {
        if let Some(import) = doc.imports().into_iter().find(|i| i.span == node.span)
            && let Some(alias) = import.alias
        {
            out.push(symbol(
                source,
                alias,
                SymbolKind::MODULE,
                node.span,
                import.string_span,
                Vec::new(),
            ));
        }
    }
    let top = analysis
        .tree
        .children
        .iter()
        .rev()
        .find(|n| n.kind == SyntaxKind::Map);
    match evaluated_apps(analysis) {
        Some(apps) => out.extend(apps),
        None => out.extend(top.map(|t| written_apps(&doc, t)).unwrap_or_default()),
    }
    if let Some(profiles) = top
        .and_then(|t| value_of(&doc, t, ":profiles"))
        .filter(|p| p.kind == SyntaxKind::Map)
    {
        for (key, overlay) in doc.entries(profiles) {
            let Some(overlay) = overlay else { continue };
            let children = if overlay.kind == SyntaxKind::Map {
                written_apps(&doc, overlay)
            } else {
                Vec::new()
            };
            let span = key.span.to(overlay.span);
            out.push(symbol(
                source,
                doc.text(key).to_string(),
                SymbolKind::NAMESPACE,
                span,
                key.span,
                children,
            ));
        }
    }
    out
}

fn symbol(
    source: &Source,
    name: String,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    #[allow(deprecated)]
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: range(source, span.start as usize, span.end as usize),
        selection_range: range(source, name_span.start as usize, name_span.end as usize),
        children: (!children.is_empty()).then_some(children),
    }
}

/// The apps of the file's value, each where it (or else its name) was written in this
/// file; `None` when the file did not evaluate.
fn evaluated_apps(analysis: &Analysis) -> Option<Vec<DocumentSymbol>> {
    let apps = analysis.value.as_ref()?.as_map()?.get_keyword("apps")?;
    let sources = analysis.evaluator.as_ref()?.sources();
    let here = |span: Option<Span>| {
        span.filter(|s| {
            sources
                .get(s.source)
                .is_some_and(|src| Path::new(src.name()) == analysis.path)
        })
    };
    let maps: Vec<&Value> = match apps.kind() {
        ValueKind::Vector(items) | ValueKind::List(items) => items.iter().collect(),
        ValueKind::Map(_) => vec![apps],
        _ => Vec::new(),
    };
    let symbols = maps
        .into_iter()
        .filter_map(|app| {
            let name = app.as_map()?.get_keyword("name")?;
            let name_span = here(name.origin());
            let span = here(app.origin()).or(name_span)?;
            let name_span = name_span
                .filter(|n| span.start <= n.start && n.end <= span.end)
                .unwrap_or(span);
            Some(symbol(
                &analysis.source,
                name.as_str()?.to_string(),
                SymbolKind::OBJECT,
                span,
                name_span,
                Vec::new(),
            ))
        })
        .collect();
    Some(symbols)
}

/// The apps written in a map's `:apps` as maps with a literal `:name`.
fn written_apps(doc: &Doc, map: &Syntax) -> Vec<DocumentSymbol> {
    let Some(apps) = value_of(doc, map, ":apps") else {
        return Vec::new();
    };
    let maps: Vec<&Syntax> = match apps.kind {
        SyntaxKind::Vector => apps.elements().filter(|e| e.kind == SyntaxKind::Map).collect(),
        SyntaxKind::Map => vec![apps],
        _ => Vec::new(),
    };
    maps.into_iter()
        .filter_map(|app| {
            let name = value_of(doc, app, ":name")?;
            Some(symbol(
                doc.source,
                doc.string(name)?,
                SymbolKind::OBJECT,
                app.span,
                name.span,
                Vec::new(),
            ))
        })
        .collect()
}

fn value_of<'a>(doc: &Doc<'a>, map: &'a Syntax, key: &str) -> Option<&'a Syntax> {
    doc.entries(map)
        .into_iter()
        .find(|(k, _)| doc.text(k) == key)
        .and_then(|(_, v)| v)
}

fn find(node: &Syntax, span: Span) -> Option<&Syntax> {
    if node.span == span {
        return Some(node);
    }
    node.children.iter().find_map(|c| find(c, span))
}
