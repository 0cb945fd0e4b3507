//! Node idioms with a static meaning: `process.env` reads, `__dirname`, `path.join` /
//! `path.resolve` / `path.dirname` and `fileURLToPath(import.meta.url)` paths,
//! `require` and `import` of modules, and dotenv's loading of a `.env` file.

use oxc_ast::ast::{Expression, ImportDeclarationSpecifier, ModuleExportName};
use oxc_span::GetSpan;

use super::bindings::Binding;
use super::{Cx, Translator, Val};
use crate::edn::Edn;
use crate::paths;

/// Whether `name` can be written as the symbol of `#env NAME`.
fn env_symbol(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// `#env NAME` (or `(env "NAME")` when the name is no symbol).
pub(super) fn env_read(name: &str) -> Edn {
    if env_symbol(name) {
        Edn::Tagged("env", Box::new(Edn::Symbol(name.to_string())))
    } else {
        Edn::call("env", [Edn::Str(name.to_string())])
    }
}

impl Translator<'_> {
    /// A static string (literal or template without expressions).
    pub(super) fn static_string(e: &Expression) -> Option<String> {
        match e.without_parentheses() {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
                .quasis
                .first()
                .and_then(|q| q.value.cooked)
                .map(|c| c.to_string()),
            _ => None,
        }
    }

    /// `process.env.X` / `process.env['X']`: the variable's name.
    pub(super) fn env_name(e: &Expression) -> Option<String> {
        let member = e.without_parentheses().as_member_expression()?;
        let object = member.object().without_parentheses().as_member_expression()?;
        if !object.is_specific_member_access("process", "env") {
            return None;
        }
        member.static_property_name().map(str::to_string)
    }

    /// `path.join(...)` / `path.resolve(...)` / `path.dirname(...)` computed statically.
    pub(super) fn path_call(&mut self, method: &str, args: &[&Expression]) -> Option<Val> {
        let (first, rest) = args.split_first()?;
        let base = match self.value(first, Cx::default())? {
            Val::Path(p) => p,
            Val::Edn(Edn::Str(s)) if s.starts_with('/') || method == "join" => s,
            Val::Edn(_) => return None,
        };
        let parts = rest
            .iter()
            .map(|a| Self::static_string(a))
            .collect::<Option<Vec<_>>>()?;
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let joined = match method {
            "join" => paths::join(&base, &parts, false),
            "resolve" => paths::join(&base, &parts, true),
            "dirname" if parts.is_empty() => paths::join(&base, &[".."], false),
            _ => return None,
        };
        if joined.starts_with('/') {
            Some(Val::Edn(Edn::Str(joined)))
        } else {
            Some(Val::Path(joined))
        }
    }

    /// Bindings that are not values: `require('path')`, `fileURLToPath(import.meta.url)`,
    /// `require('dotenv')`, other modules.
    pub(super) fn special_init(&mut self, init: &Expression) -> Option<Binding> {
        let init = init.without_parentheses();
        if let Expression::CallExpression(call) = init {
            if matches!(call.callee.without_parentheses(), Expression::Identifier(r) if r.name == "require") {
                return Some(match Self::required(init)?.as_str() {
                    "path" | "node:path" => Binding::PathModule,
                    "os" | "node:os" => Binding::OsModule,
                    _ => Binding::Opaque,
                });
            }
            let text = self.slice(call.span);
            if text.contains("import.meta.url") {
                // `fileURLToPath(import.meta.url)` is the file; its dirname is the folder.
                if text.starts_with("fileURLToPath(") || text.starts_with("url.fileURLToPath(") {
                    return Some(Binding::Opaque);
                }
                if text.contains("dirname(") {
                    return Some(Binding::Path(".".into()));
                }
            }
            if let Some(member) = call.callee.as_member_expression()
                && member.static_property_name() == Some("dirname")
                && let Some(Expression::Identifier(arg)) =
                    call.arguments.first().and_then(|a| a.as_expression())
                && matches!(self.bindings.get(arg.name.as_str()), Some(Binding::Opaque))
                && self
                    .text
                    .contains(&format!("{} = fileURLToPath(import.meta.url)", arg.name))
            {
                return Some(Binding::Path(".".into()));
            }
            if call
                .callee
                .as_member_expression()
                .is_some_and(|m| m.static_property_name() == Some("config"))
                && self.slice(call.callee.span()).contains("dotenv")
            {
                self.dotenv = true;
                return Some(Binding::Opaque);
            }
        }
        None
    }

    pub(super) fn import(&mut self, decl: &oxc_ast::ast::ImportDeclaration) {
        let source = decl.source.value.as_str();
        if source.starts_with("dotenv") {
            self.dotenv = self.dotenv || source == "dotenv/config";
        }
        for specifier in decl.specifiers.iter().flatten() {
            let (local, imported) = match specifier {
                ImportDeclarationSpecifier::ImportSpecifier(s) => (
                    s.local.name.to_string(),
                    match &s.imported {
                        ModuleExportName::IdentifierName(n) => n.name.to_string(),
                        ModuleExportName::IdentifierReference(n) => n.name.to_string(),
                        ModuleExportName::StringLiteral(n) => n.value.to_string(),
                    },
                ),
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                    (s.local.name.to_string(), "default".into())
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    (s.local.name.to_string(), "*".into())
                }
            };
            let binding = match (source, imported.as_str()) {
                ("path" | "node:path", "default" | "*") => Binding::PathModule,
                ("os" | "node:os", "default" | "*") => Binding::OsModule,
                ("url" | "node:url", "fileURLToPath") => Binding::FileUrlToPath,
                _ => Binding::Opaque,
            };
            self.bindings.insert(local, binding);
        }
    }

    /// The module `e` requires, when it is `require('<module>')`.
    fn required(e: &Expression) -> Option<String> {
        let Expression::CallExpression(call) = e.without_parentheses() else {
            return None;
        };
        match call.callee.without_parentheses() {
            Expression::Identifier(r) if r.name == "require" => call
                .arguments
                .first()
                .and_then(|a| a.as_expression())
                .and_then(Self::static_string),
            _ => None,
        }
    }

    /// Whether `e` is `require('<module>')` of a Node module or a package (not of a
    /// file: `./package.json`), whose members are code, not data.
    pub(super) fn requires_package(e: &Expression) -> bool {
        Self::required(e).is_some_and(|m| !m.starts_with('.') && !m.starts_with('/'))
    }

    /// Whether `e` is `os.cpus().length` (`os` bound to Node's `os` module, or
    /// `require('os')` itself): the machine's CPU count, which is what PM2's daemon starts
    /// for `instances: "max"` (`Common.verifyConfs` makes it 0, `God` then
    /// `os.cpus().length`). The two are the same for an app that sets `merge_logs` (else
    /// `"max"`, as 0, also makes PM2 default `merge_logs` to true).
    pub(super) fn cpu_count(&self, e: &Expression) -> bool {
        let Some(length) = e.without_parentheses().as_member_expression() else {
            return false;
        };
        let Expression::CallExpression(call) = length.object().without_parentheses() else {
            return false;
        };
        let Some(cpus) = call.callee.without_parentheses().as_member_expression() else {
            return false;
        };
        let os = match cpus.object().without_parentheses() {
            Expression::Identifier(id) => {
                matches!(self.bindings.get(id.name.as_str()), Some(Binding::OsModule))
            }
            other => Self::required(other).is_some_and(|m| m == "os" || m == "node:os"),
        };
        os && length.static_property_name() == Some("length")
            && cpus.static_property_name() == Some("cpus")
            && call.arguments.is_empty()
            && !call.optional
    }

    pub(super) fn is_dotenv_call(&self, e: &Expression) -> bool {
        let Expression::CallExpression(call) = e.without_parentheses() else {
            return false;
        };
        call.callee
            .as_member_expression()
            .is_some_and(|m| m.static_property_name() == Some("config"))
            && self.slice(call.callee.span()).contains("dotenv")
    }
}
