//! Hover: PM2 option keys (from emit's option table: PM2's description and default, the
//! types and formats, what pm2-clj fixes), pm2-clj's export keys (from emit's
//! [`pm2_dsl_emit::targets::KEYS`]), special forms, functions and tags (from the
//! evaluator's tables), `def`'d names and `alias/name`s with their evaluated value, and
//! for `#env X` or `(env "X")` whether `X` is set — never its value, which may be secret.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use pm2_dsl_emit::keys::{AppKey, named_key};
use pm2_dsl_eval::docs::{self, Entry};
use pm2_dsl_eval::{Env, Value};
use pm2_dsl_reader::{Syntax, SyntaxKind};

use crate::analysis::Analysis;
use crate::documents::range;
use crate::query::Doc;

/// The hover at byte `offset`, if there is something to say.
pub fn hover(analysis: &Analysis, offset: usize, env: &Env) -> Option<Hover> {
    let doc = analysis.doc();
    let path = doc.path(offset);
    let token = *path.last().filter(|n| n.kind.is_token())?;
    let parent = path.len().checked_sub(2).map(|i| path[i]);
    let text = doc.text(token);
    let markdown = match token.kind {
        SyntaxKind::Prefix if parent.is_some_and(|p| p.kind == SyntaxKind::Tagged) => {
            let tagged = parent?;
            let mut out = entry(&docs::tag(doc.tag(tagged)?)?);
            if let Some(var) = env_variable(&doc, tagged) {
                out += &format!("\n\n{}", env_status(&var, env));
            }
            out
        }
        SyntaxKind::Atom | SyntaxKind::Str => {
            if let Some(var) = parent.and_then(|p| env_variable(&doc, p)) {
                env_status(&var, env)
            } else if let Some(name) = text.strip_prefix(':') {
                match named_key(&Value::keyword(name))? {
                    AppKey::Option(spec) => spec.describe(),
                    AppKey::ForExport(key) => {
                        format!("**:{}** (pm2-clj export key)\n\n{}", key.name, key.doc)
                    }
                    _ => return None,
                }
            } else if token.kind == SyntaxKind::Atom {
                symbol(analysis, text)?
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(range(
            &analysis.source,
            token.span.start as usize,
            token.span.end as usize,
        )),
    })
}

fn entry(entry: &Entry) -> String {
    format!("```clojure\n{}\n```\n{}", entry.usage, entry.doc)
}

/// A symbol: a definition of this file or an imported one (with its value), else a
/// special form or function.
fn symbol(analysis: &Analysis, name: &str) -> Option<String> {
    let doc = analysis.doc();
    let (file, def) = doc.definition_site(&analysis.path, name);
    if file == analysis.path && !doc.definitions().into_iter().any(|d| d.name == name) {
        return docs::symbol(name).as_ref().map(entry);
    }
    let value = analysis
        .evaluator
        .as_ref()
        .and_then(|e| e.defined(&file.to_string_lossy(), def));
    let shown = match value {
        Some(v) if matches!(v.kind(), pm2_dsl_eval::ValueKind::Fn(_)) => "a function".to_string(),
        Some(v) => {
            let mut text = v.to_edn_pretty(60);
            if text.len() > 2000 {
                let cut = (0..=2000).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                text.truncate(cut);
                text.push_str(" ...");
            }
            format!("```clojure\n{text}\n```")
        }
        None => "not evaluated (the file has an error before it)".to_string(),
    };
    let origin = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(format!("**{name}**, defined in {origin}\n\n{shown}"))
}

/// The variable `#env X`, `#env! X` or `(env "X" ...)` names, when `node` is one of those.
fn env_variable(doc: &Doc, node: &Syntax) -> Option<String> {
    let forms: Vec<&Syntax> = node.elements().filter(|e| e.kind.is_form()).collect();
    let var = match (node.kind, doc.tag(node), doc.head(node)) {
        (SyntaxKind::Tagged, Some("env" | "env!"), _) => forms.first()?,
        (SyntaxKind::List, _, Some("env")) => forms.get(1)?,
        _ => return None,
    };
    match var.kind {
        SyntaxKind::Str => doc.string(var),
        SyntaxKind::Atom => Some(doc.text(var).trim_start_matches(':').to_string()),
        _ => None,
    }
}

fn env_status(var: &str, env: &Env) -> String {
    match env.get(var) {
        Some(_) => format!("`{var}` is set in the language server's environment (its value is not shown)."),
        None => format!("`{var}` is not set in the language server's environment: `#env {var}` gives nil."),
    }
}
