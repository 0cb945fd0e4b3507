//! Top-level names: what each stands for ([`Binding`]), `const`s as `def`s with
//! kebab-case names no other `def` or pm2-clj function takes, and the names a
//! destructuring `require` binds.

use oxc_ast::ast::{BindingPatternKind, VariableDeclarator};
use oxc_span::GetSpan;

use super::{Cx, Translator, Val};
use crate::edn::{Edn, Origin};

/// A `(def name value)` the translation writes before the ecosystem.
#[derive(Clone, Debug)]
pub struct Def {
    /// The pm2-clj name.
    pub name: String,
    /// The JavaScript name.
    pub js: String,
    /// The JavaScript of its value.
    pub origin: Origin,
    /// Its value.
    pub value: Edn,
    /// Comment lines before it.
    pub comments: Vec<String>,
}

/// What a top-level name of the file stands for.
#[derive(Clone, Debug)]
pub(super) enum Binding {
    /// A `def` of that name.
    Def(String),
    /// A folder or file relative to the file's folder.
    Path(String),
    /// A Node module (`path`, `os`, ...), or a value only node can compute.
    Opaque,
    /// Node's `path` module.
    PathModule,
    /// Node's `os` module.
    OsModule,
    /// `fileURLToPath` from `url`.
    FileUrlToPath,
}

/// A JavaScript name as a readable kebab-case pm2-clj name: words split at `_`, `-`,
/// `$`, a lower-case letter or digit followed by an upper-case one, and the end of an
/// acronym (`myAPIKey` → `my-api-key`); an ALL_CAPS name is words too (`API_URL` →
/// `api-url`, `PORT` → `port`).
fn kebab_name(js: &str) -> String {
    let chars: Vec<char> = js.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '_' | '-' | '$') {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && !word.is_empty()
            && (previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (previous.is_some_and(char::is_uppercase) && next.is_some_and(|n| n.is_lowercase())));
        if boundary {
            words.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words.join("-")
}

impl Translator<'_> {
    /// Binds a top-level declarator; returns the `def` it makes, if any.
    pub(super) fn declarator(&mut self, d: &VariableDeclarator, comments: Vec<String>) {
        let Some(init) = &d.init else { return };
        match &d.id.kind {
            BindingPatternKind::BindingIdentifier(id) => {
                let name = id.name.to_string();
                if let Some(binding) = self.special_init(init) {
                    self.bindings.insert(name, binding);
                    return;
                }
                match self.value(init, Cx::default()) {
                    Some(Val::Path(p)) => {
                        self.bindings.insert(name, Binding::Path(p));
                    }
                    other => {
                        let value = match other {
                            Some(v) => self.form_of(v, Cx::default()),
                            None => self.hole(init.span()),
                        };
                        let def = self.def_name(&name);
                        self.defs.push(Def {
                            name: def.clone(),
                            js: name.clone(),
                            origin: self.origin(init.span()),
                            value,
                            comments,
                        });
                        self.bindings.insert(name, Binding::Def(def));
                    }
                }
            }
            BindingPatternKind::ObjectPattern(pattern) => {
                // `const { execSync } = require('child_process')`: a module's functions.
                if Self::requires_package(init) {
                    for property in &pattern.properties {
                        if let BindingPatternKind::BindingIdentifier(id) = &property.value.kind {
                            self.bindings.insert(id.name.to_string(), Binding::Opaque);
                        }
                    }
                    return;
                }
                // `const { name } = require('./package.json')`: each name is a hole.
                for property in &pattern.properties {
                    if let BindingPatternKind::BindingIdentifier(id) = &property.value.kind {
                        let js = format!(
                            "({}).{}",
                            self.slice(init.span()),
                            property.key.static_name().unwrap_or_default()
                        );
                        let name = id.name.to_string();
                        let origin = Origin {
                            text: js.clone(),
                            line: self.line(init.span().start),
                        };
                        let value = self.push_hole(js, init.span().start);
                        let def = self.def_name(&name);
                        self.defs.push(Def {
                            name: def.clone(),
                            js: name.clone(),
                            origin,
                            value,
                            comments: comments.clone(),
                        });
                        self.bindings.insert(name, Binding::Def(def));
                    }
                }
            }
            _ => {}
        }
    }

    /// A pm2-clj name for a JavaScript binding, not taken by another `def`.
    fn def_name(&self, js: &str) -> String {
        let base = kebab_name(js);
        let base = if base.is_empty() || pm2_dsl_eval::docs::symbol(&base).is_some() {
            format!("the-{base}")
        } else {
            base
        };
        let mut name = base.clone();
        let mut n = 2;
        while self.defs.iter().any(|d| d.name == name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_read_as_words() {
        for (js, clj) in [
            ("PORT", "port"),
            ("API_URL", "api-url"),
            ("myAPIKey", "my-api-key"),
            ("maxMemory", "max-memory"),
            ("max_memory", "max-memory"),
            ("appV2Name", "app-v2-name"),
            ("$base", "base"),
            ("x", "x"),
        ] {
            assert_eq!(super::kebab_name(js), clj, "{js}");
        }
    }
}
