//! The file's top level: parsing (a module, CommonJS, or a `.json` file's one
//! expression), its statements — imports, declarations, `module.exports` /
//! `exports.<name>` assignments, `export const` / `export default` — and the notes on
//! what it runs that is not translated.

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{BindingPatternKind, Expression, Statement};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType};

use super::bindings::Binding;
use super::{Cx, Shape, Translated, Translator};
use crate::edn::{Edn, Entry};
use crate::error::{ConvertError, ConvertErrorKind, at_text};

/// `module.exports`, `exports.apps`, `module.exports.apps`: the exported property, or
/// `None` for the whole export.
fn export_target(text: &str) -> Option<Option<String>> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text == "module.exports" {
        return Some(None);
    }
    text.strip_prefix("module.exports.")
        .or_else(|| text.strip_prefix("exports."))
        .map(|p| Some(p.to_string()))
}

fn parse_problem(path: &str, text: &str, message: String, offset: Option<usize>) -> ConvertError {
    at_text(
        ConvertErrorKind::JsSyntax {
            file: path.to_string(),
            message,
        },
        path,
        text,
        offset,
    )
}

/// Translates a JavaScript file, `path` (as named in messages) in `folder` (absolute,
/// links resolved: `__dirname`); `expression`: a `.json` file, one expression.
pub fn translate(
    path: &str,
    folder: &Path,
    text: &str,
    expression: bool,
) -> Result<Translated, ConvertError> {
    let allocator = Allocator::default();
    let lower = path.to_lowercase();
    let source_type = if lower.ends_with(".cjs") {
        SourceType::cjs()
    } else {
        SourceType::mjs()
    };
    if expression {
        let wrapped = format!("({text}\n)");
        let parsed = Parser::new(&allocator, &wrapped, SourceType::cjs()).parse();
        if let Some(error) = parsed.errors.first() {
            let offset = error
                .labels
                .as_ref()
                .and_then(|l| l.first())
                .map(|l| l.offset().saturating_sub(1));
            return Err(parse_problem(path, text, error.message.to_string(), offset));
        }
        let Some(Statement::ExpressionStatement(statement)) = parsed.program.body.first() else {
            return Err(parse_problem(
                path,
                text,
                "expected one JavaScript expression".into(),
                None,
            ));
        };
        let spans = parsed.program.comments.iter().map(|c| (c.span.start, c.span.end));
        let mut t = Translator::new(&wrapped, 1, folder, spans);
        let inner = match &statement.expression {
            Expression::ParenthesizedExpression(p) => &p.expression,
            other => other,
        };
        let mut header = t.comments.lines_between(1, inner.span().start);
        let config = t.expr(inner, Cx::default());
        header.extend(t.comments.lines_between(inner.span().end, wrapped.len() as u32));
        return Ok(Translated {
            shape: Shape::Expression,
            defs: t.defs,
            config,
            header,
            holes: t.holes,
            notes: t.notes,
            comments: t.comments.texts(),
            default_export: false,
        });
    }
    let mut parsed = Parser::new(&allocator, text, source_type).parse();
    if !parsed.errors.is_empty() && !lower.ends_with(".mjs") {
        parsed = Parser::new(&allocator, text, SourceType::cjs()).parse();
    }
    if let Some(error) = parsed.errors.first() {
        let offset = error.labels.as_ref().and_then(|l| l.first()).map(|l| l.offset());
        return Err(parse_problem(path, text, error.message.to_string(), offset));
    }
    let program = &parsed.program;
    let spans = program.comments.iter().map(|c| (c.span.start, c.span.end));
    let mut t = Translator::new(text, 0, folder, spans);
    let mut shape = Shape::CommonJs;
    let mut whole: Option<(Edn, Vec<String>)> = None;
    let mut parts: Vec<Entry> = Vec::new();
    let mut opaque: Vec<&str> = Vec::new();
    let mut default_export = false;
    let mut from = 0;
    let mut header = Vec::new();
    for statement in &program.body {
        let span = statement.span();
        let (after, mut comments) = t.comments.between(from, span.start);
        if let Some(after) = after {
            comments.insert(0, after);
        }
        if whole.is_none() && parts.is_empty() && t.defs.is_empty() && from == 0 {
            header.append(&mut comments);
        }
        from = span.end;
        match statement {
            Statement::ImportDeclaration(decl) => {
                shape = Shape::Module;
                t.import(decl);
            }
            Statement::VariableDeclaration(decl) => {
                for d in &decl.declarations {
                    t.declarator(d, std::mem::take(&mut comments));
                }
            }
            Statement::ExpressionStatement(s) => match &s.expression {
                Expression::AssignmentExpression(a) => match export_target(t.slice(a.left.span())) {
                    Some(None) => {
                        let config = t.expr(&a.right, Cx::default());
                        whole = Some((config, comments));
                    }
                    Some(Some(name)) => {
                        let value = t.expr(&a.right, Cx::default());
                        let mut entry = Entry::pair(Edn::key(&name), value);
                        entry.before = comments;
                        parts.push(entry);
                    }
                    None => opaque.push(t.slice(span)),
                },
                e if t.is_dotenv_call(e) => t.dotenv = true,
                Expression::CallExpression(c) if t.slice(c.callee.span()) == "require" => {
                    if t.slice(c.span).contains("dotenv/config") {
                        t.dotenv = true;
                    }
                }
                _ => opaque.push(t.slice(span)),
            },
            Statement::ExportDefaultDeclaration(d) => {
                shape = Shape::Module;
                default_export = true;
                match d.declaration.as_expression() {
                    Some(e) => {
                        let config = t.expr(e, Cx::default());
                        whole = Some((config, comments));
                    }
                    None => opaque.push(t.slice(span)),
                }
            }
            Statement::ExportNamedDeclaration(d) => {
                shape = Shape::Module;
                if let Some(oxc_ast::ast::Declaration::VariableDeclaration(decl)) = &d.declaration {
                    for declarator in &decl.declarations {
                        if let (BindingPatternKind::BindingIdentifier(id), Some(init)) =
                            (&declarator.id.kind, &declarator.init)
                        {
                            let value = t.expr(init, Cx::default());
                            let mut entry = Entry::pair(Edn::key(&id.name), value);
                            entry.before = std::mem::take(&mut comments);
                            parts.push(entry);
                        }
                    }
                } else {
                    opaque.push(t.slice(span));
                }
            }
            Statement::FunctionDeclaration(f) => {
                if let Some(id) = &f.id {
                    t.bindings.insert(id.name.to_string(), Binding::Opaque);
                }
            }
            Statement::EmptyStatement(_) => {}
            _ => opaque.push(t.slice(span)),
        }
    }
    let footer = t.comments.lines_between(from, text.len() as u32);
    let (config, config_comments) = match whole {
        Some((config, comments)) => {
            if !parts.is_empty() {
                opaque.push("module.exports.<name> = ... beside module.exports = ...");
            }
            (config, comments)
        }
        None if !parts.is_empty() => (Edn::map(parts), Vec::new()),
        None => {
            return Err(ConvertError::from(ConvertErrorKind::NoExport {
                file: path.to_string(),
            }));
        }
    };
    if t.dotenv {
        t.notes.push(
            "The file loaded a .env file with dotenv; `#env` reads the environment pm2-clj runs in, so export those variables (or load the .env file before running pm2-clj)."
                .into(),
        );
    }
    if !opaque.is_empty() {
        t.notes.push(format!(
            "The file runs statements pm2-clj does not translate ({}); check that the values below do not depend on them.",
            opaque.iter().map(|s| s.lines().next().unwrap_or_default().trim()).collect::<Vec<_>>().join("; ")
        ));
    }
    header.extend(config_comments);
    header.extend(footer);
    Ok(Translated {
        shape,
        defs: t.defs,
        config,
        header,
        holes: t.holes,
        notes: t.notes,
        comments: t.comments.texts(),
        default_export,
    })
}
