//! From a source file to a validated ecosystem: evaluate, then build with the emitter,
//! with every diagnostic's source attached.

use std::path::Path;

use clap::Args;
use miette::Report;
use pm2_dsl_emit::{Built, EmitError, Header, Settings, build};

use crate::failure::Failure;
use crate::input::{EvalInputs, Evaluated, evaluate, overrides};

/// Options of the commands that build an ecosystem.
#[derive(Args, Clone, Debug, Default)]
pub struct BuildInputs {
    #[command(flatten)]
    pub eval: EvalInputs,
    /// Leave relative `cwd`s as written (by default they become absolute, against the
    /// directory of the file they are written in).
    #[arg(long)]
    pub keep_relative_paths: bool,
}

/// An ecosystem built from a source file, with its warnings.
pub struct Loaded {
    pub evaluated: Evaluated,
    pub built: Built,
}

impl Loaded {
    /// The header generated files carry.
    pub fn header(&self, inputs: &BuildInputs) -> Header {
        Header {
            source: self.evaluated.path.display().to_string(),
            profile: inputs
                .eval
                .profile
                .as_ref()
                .map(|p| p.trim_start_matches(':').to_string()),
        }
    }

    /// The warnings, with sources attached.
    pub fn warnings(&self) -> Vec<EmitError> {
        let sources = self.evaluated.evaluator.sources();
        self.built
            .warnings
            .iter()
            .map(|w| w.clone().attach_sources(sources))
            .collect()
    }
}

/// Evaluates `path` and builds its ecosystem.
pub fn load(path: &Path, inputs: &BuildInputs) -> Result<Loaded, Failure> {
    let mut evaluated = evaluate(path, &inputs.eval)?;
    let overrides = overrides(&inputs.eval, &mut evaluated.evaluator)?;
    let profiles_seen: Vec<String> = evaluated.evaluator.profiles_seen().map(str::to_string).collect();
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let settings = Settings {
        profile: inputs.eval.profile.as_deref().map(|p| p.trim_start_matches(':')),
        profiles_seen: &profiles_seen,
        sources: evaluated.evaluator.sources(),
        base_dir,
        keep_relative_paths: inputs.keep_relative_paths,
        overrides: &overrides,
    };
    match build(&evaluated.value, &settings) {
        Ok(built) => Ok(Loaded { evaluated, built }),
        Err(problems) => {
            let sources = evaluated.evaluator.sources();
            Err(Failure::Input(
                problems
                    .into_iter()
                    .map(|p| Report::new(p.attach_sources(sources)))
                    .collect(),
            ))
        }
    }
}
