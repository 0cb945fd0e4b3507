//! What PM2 runs for an app, as every target reads it: the app's name, the interpreter
//! PM2 picks by the script's extension, and arguments with whether each is hidden.

use std::path::Path;

use pm2_dsl_emit::{AppSpec, Args, Setting};
use pm2_dsl_eval::{Value, ValueKind};
use pm2_dsl_reader::{SourceMap, Span};

use crate::Settings;
use crate::error::{ExportErrorKind, ExportProblem};
use crate::table::{Fidelity, Target};

/// What one problem-collecting pass over an ecosystem needs.
pub(crate) struct Ctx<'a, 'b> {
    pub(crate) settings: &'a Settings<'b>,
    pub(crate) problems: &'a mut Vec<ExportProblem>,
    pub(crate) sources: Option<&'a SourceMap>,
    pub(crate) target: Target,
}

impl Ctx<'_, '_> {
    /// Adds a problem, shown in the sources when known.
    pub(crate) fn push(&mut self, kind: ExportErrorKind, at: Option<Span>) {
        let problem = ExportProblem::new(kind, at);
        self.problems.push(match self.sources {
            Some(sources) => problem.attach_sources(sources),
            None => problem,
        });
    }

    /// Reports `option` as the table's row says (or as `fidelity` with `how`, when the
    /// value makes it differ from the row).
    pub(crate) fn report(&mut self, option: &str, at: Option<Span>, fidelity: Fidelity, how: &str) {
        let target = self.target;
        match fidelity {
            Fidelity::Faithful => {}
            Fidelity::Approximate => self.push(
                ExportErrorKind::Approximate {
                    option: option.into(),
                    target,
                    how: how.into(),
                },
                at,
            ),
            Fidelity::None => self.push(
                ExportErrorKind::NoEquivalent {
                    option: option.into(),
                    target,
                    why: how.into(),
                    lossy: self.settings.lossy,
                },
                at,
            ),
        }
    }
}

/// The app's name, as PM2 gives it: `name`, else the script's file name without its
/// extension.
pub(crate) fn app_name(app: &AppSpec) -> Option<String> {
    match app.name() {
        Some(n) => Some(n.to_string()),
        None => Path::new(&app.script.as_ref()?.value)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned()),
    }
}

/// Whether a name is looked up on `PATH` (it has no folder in it).
pub(crate) fn is_command(name: &str) -> bool {
    !name.is_empty() && !name.contains('/')
}

/// The interpreter PM2 runs `script` with when none is given (by its extension), or
/// `None` when the script is a command run by itself.
pub(crate) fn by_extension(script: &str) -> Option<&'static str> {
    let ext = Path::new(script).extension().and_then(|e| e.to_str());
    Some(match ext {
        Some("sh") => "bash",
        Some("py") => "python",
        Some("rb") => "ruby",
        Some("php") => "php",
        Some("pl") => "perl",
        Some("coffee") => "coffee",
        Some("ls") => "lsc",
        None if is_command(script) => return None,
        _ => "node",
    })
}

/// Arguments one by one, each with whether it is hidden.
pub(crate) fn args(a: &Setting<Args>) -> Vec<(String, bool)> {
    let argv = a.value.argv();
    let hidden: Vec<bool> = match a.written.kind() {
        ValueKind::Vector(items) | ValueKind::List(items) if items.len() == argv.len() => {
            items.iter().map(Value::contains_hidden).collect()
        }
        _ => vec![a.written.contains_hidden(); argv.len()],
    };
    argv.into_iter().zip(hidden).collect()
}
