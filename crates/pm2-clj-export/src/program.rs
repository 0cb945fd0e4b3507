//! What PM2 runs for an app, as every target reads it: the app's name, the interpreter
//! PM2 picks by the script's extension, and arguments with whether each is hidden.

use std::path::Path;

use pm2_dsl_emit::{AppSpec, Args, Setting, Watch};
use pm2_dsl_eval::{Value, ValueKind};
use pm2_dsl_reader::{SourceMap, Span};

use crate::Settings;
use crate::error::{ExportErrorKind, ExportProblem};
use crate::table::{Fidelity, Target, row_of};

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

/// How a target reports an option an app sets.
pub(crate) enum Report {
    /// As the target's row says.
    Row,
    /// Not here: the target reports it where it writes it, or the value does nothing
    /// there.
    Skip,
    /// With this fidelity and text: the value makes it differ from the row.
    As(Fidelity, String),
}

/// Whether `value` of `option` does nothing on any target: off (`:watch false`,
/// `:trace false`), an empty `filter_env`, watch's options without watch, a `log_type`
/// other than `json`.
fn inert(app: &AppSpec, option: &str, value: &Value) -> bool {
    let off = matches!(value.kind(), ValueKind::Bool(false) | ValueKind::Nil);
    let watching = matches!(
        app.watch.as_ref().map(|s| &s.value),
        Some(Watch::On(true)) | Some(Watch::Paths(_))
    );
    match option {
        "filter_env"
        | "disable_logs"
        | "time"
        | "source_map_support"
        | "wait_ready"
        | "shutdown_with_message"
        | "watch"
        | "trace"
        | "deep_monitoring"
        | "pmx"
        | "automation"
        | "log_file" => {
            off || (option == "filter_env" && matches!(value.kind(), ValueKind::Vector(v) if v.is_empty()))
        }
        "watch_delay" | "ignore_watch" | "watch_options" => !watching,
        "log_type" => value.as_str() != Some("json"),
        _ => false,
    }
}

/// Reports every option `app` sets as `ctx.target`'s row says, but where the value does
/// nothing on any target ([`inert`]) and where the target's own `special` says otherwise.
/// `env_<name>` blocks are reported by the row `env_<name>`; `env` by the target itself.
pub(crate) fn check_options(app: &AppSpec, ctx: &mut Ctx, mut special: impl FnMut(&str, &Value) -> Report) {
    for (option, value) in app.written() {
        let span = value.origin();
        if option == "env" {
            continue;
        }
        if let Some(block) = option.strip_prefix("env_") {
            if let Some(r) = row_of("env_<name>", ctx.target)
                && value.as_map().is_some_and(|m| !m.is_empty())
            {
                ctx.report(option, span, r.fidelity, &r.note.replace("<name>", block));
            }
            continue;
        }
        let Some(r) = row_of(option, ctx.target) else {
            continue;
        };
        if inert(app, option, value) {
            continue;
        }
        match special(option, value) {
            Report::Row => ctx.report(option, span, r.fidelity, r.note),
            Report::Skip => {}
            Report::As(fidelity, how) => ctx.report(option, span, fidelity, &how),
        }
    }
}
