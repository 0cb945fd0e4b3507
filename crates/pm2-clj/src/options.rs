//! [`Options`]: what a load is given besides the file — the profile, the environment the
//! file sees, the folder its imports stay inside, the evaluator's limits.

use std::path::PathBuf;

use pm2_clj_sync::load::LoadSettings;
use pm2_clj_sync::preflight::Preflight;
use pm2_dsl_eval::{Env, Limits};

/// How to load: built with [`Options::new`] (or `Default`) and the builder methods.
///
/// Hermetic by default: the file sees no environment variable but those given with
/// [`Options::env`], unless [`Options::process_env`] lets it read the process's.
#[derive(Clone, Debug, Default)]
pub struct Options {
    profile: Option<String>,
    env: Vec<(String, String)>,
    process_env: bool,
    root: Option<PathBuf>,
    unconfined: bool,
    limits: Limits,
    preflight: bool,
}

impl Options {
    /// No profile, no environment, imports confined to the file's repository, the
    /// default limits, no pre-flight.
    pub fn new() -> Options {
        Options::default()
    }

    /// Selects `profile` (`"prod"`; a leading colon is ignored): `#profile` branches, and
    /// for ecosystems the `:profiles` overlay.
    pub fn profile(mut self, profile: &str) -> Options {
        self.profile = Some(profile.trim_start_matches(':').to_string());
        self
    }

    /// Environment variables the file sees (`#env`, `(env ...)`), over the process's when
    /// [`Options::process_env`] is set too.
    pub fn env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Options {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Lets the file read the process's environment.
    pub fn process_env(mut self) -> Options {
        self.process_env = true;
        self
    }

    /// The folder the file's imports, `#include`s and `#dotenv` files must stay inside
    /// (by default the nearest folder above the file holding `.git`, else its own).
    pub fn root(mut self, root: impl Into<PathBuf>) -> Options {
        self.root = Some(root.into());
        self
    }

    /// Lets the file read any readable file.
    pub fn unconfined(mut self) -> Options {
        self.unconfined = true;
        self
    }

    /// The evaluator's limits (recursion depth, steps, bytes of data).
    pub fn limits(mut self, limits: Limits) -> Options {
        self.limits = limits;
        self
    }

    /// For [`crate::load_ecosystem`]: also check that each app's folder, script and
    /// interpreter exist on this machine (a missing one is an error).
    pub fn preflight(mut self) -> Options {
        self.preflight = true;
        self
    }

    /// The load pipeline's settings.
    pub(crate) fn settings(&self) -> LoadSettings {
        let mut env = if self.process_env {
            Env::from_process()
        } else {
            Env::empty()
        };
        for (k, v) in &self.env {
            env.set(k, v);
        }
        LoadSettings {
            profile: self.profile.clone(),
            env,
            root: self.root.clone(),
            unconfined: self.unconfined,
            limits: self.limits,
            preflight: if self.preflight {
                Preflight::Error
            } else {
                Preflight::Off
            },
            ..LoadSettings::default()
        }
    }
}
