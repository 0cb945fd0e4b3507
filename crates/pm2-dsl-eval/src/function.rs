//! Function values: built-in functions and closures made by `fn` and `defn`. They exist
//! while a program runs; a function in a file's result is an error.

use std::fmt;
use std::sync::Arc;

use pm2_dsl_reader::{Form, Span};

use crate::builtins::Builtin;
use crate::scope::{FileId, Locals};

/// A function value. Opaque to embedders: it can be recognised, not called.
#[derive(Clone)]
pub struct Function(pub(crate) Arc<FunctionKind>);

pub(crate) enum FunctionKind {
    Builtin(&'static Builtin),
    Closure(Closure),
}

/// One arity of a closure: its parameter patterns, an optional `& rest` pattern, and
/// its body.
pub(crate) struct Arity {
    pub params: Vec<Form>,
    pub rest: Option<Form>,
    pub body: Vec<Form>,
}

pub(crate) struct Closure {
    pub name: Option<Arc<str>>,
    pub arities: Vec<Arity>,
    pub locals: Locals,
    pub file: FileId,
    pub span: Span,
}

impl Function {
    /// The function's name (`fn` for anonymous functions).
    pub fn name(&self) -> &str {
        match &*self.0 {
            FunctionKind::Builtin(b) => b.name,
            FunctionKind::Closure(c) => c.name.as_deref().unwrap_or("fn"),
        }
    }

    pub(crate) fn identity(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#function {:?}", self.name())
    }
}

impl Closure {
    /// The arities, described for an arity error ("1 or 2", "at least 1").
    pub fn describe_arities(&self) -> String {
        let parts: Vec<String> = self
            .arities
            .iter()
            .map(|a| match a.rest {
                Some(_) => format!("at least {}", a.params.len()),
                None => a.params.len().to_string(),
            })
            .collect();
        parts.join(" or ")
    }
}
