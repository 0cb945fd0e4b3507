//! Names in scope: a file's definitions and import aliases ([`FileState`]) and the local
//! bindings of `let`, `fn` and `for` ([`Locals`], a persistent map, so a nested scope
//! shares its parent's bindings without copying them).

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::FixedState;

use pm2_dsl_reader::{Source, Span};

use crate::value::Value;

/// Identifies a loaded file within one [`crate::Evaluator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileId(pub usize);

/// Local bindings.
pub(crate) type Locals =
    imbl::GenericHashMap<Arc<str>, Value, FixedState, imbl::shared_ptr::DefaultSharedPtr>;

/// Maps keyed by names, hashed with a fast fixed hasher (names are not attacker-chosen
/// keys into a long-lived table).
pub(crate) type NameMap<V> = HashMap<Arc<str>, V, FixedState>;

/// Where a form is evaluated: its file and its local bindings.
#[derive(Clone)]
pub(crate) struct Scope {
    pub file: FileId,
    pub locals: Locals,
}

impl Scope {
    /// The top level of a file.
    pub fn top(file: FileId) -> Scope {
        Scope {
            file,
            locals: Locals::default(),
        }
    }

    /// Whether this is the top level of its file (definitions are allowed only there).
    pub fn is_top(&self) -> bool {
        self.locals.is_empty()
    }
}

/// A file's evaluation state.
pub(crate) struct FileState {
    /// Where the loader found it.
    pub location: String,
    pub source: Arc<Source>,
    /// `def` and `defn` bindings, in definition order.
    pub defs: NameMap<Value>,
    /// `(import "f" :as alias)` bindings.
    pub aliases: NameMap<FileId>,
    /// The files it imports or includes, with where.
    pub imports: Vec<(FileId, Span)>,
    /// The data files it reads (`#dotenv`), by location, whether they exist or not.
    pub reads: Vec<String>,
    /// Its value, once evaluated.
    pub result: Option<Value>,
    /// Its value marked as `#include`d (not to be shown), made once however often it is
    /// included, so every include shares it.
    pub included: Option<Value>,
}
