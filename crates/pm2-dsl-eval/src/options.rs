//! The explicit inputs of an evaluation: the profile, the environment variables and the
//! limits. Nothing is read from the process unless the embedder asks ([`Env::from_process`]).

use pm2_dsl_reader::ReadOptions;
use std::collections::BTreeMap;

/// Environment variables visible to `#env`, `#envf` and `(env ...)`.
#[derive(Clone, Debug, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    /// No variables.
    pub fn empty() -> Env {
        Env::default()
    }

    /// The variables of the current process (those whose name and value are UTF-8).
    pub fn from_process() -> Env {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect())
    }

    /// Sets a variable (replacing any value it had).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    /// The same variables with one more set.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Env {
        self.set(name, value);
        self
    }

    /// A variable's value. An empty string is a value: only absent variables are `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Env {
        Env(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// Bounds on evaluation, so runaway programs stop with a labelled error (`eval::limit`)
/// instead of crashing, hanging or exhausting memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How deeply calls and special forms may nest, and how deeply the data a program
    /// builds may nest (default 200).
    pub max_depth: u32,
    /// How many evaluation steps a whole run may take, imports included (default
    /// 2,000,000). Each form evaluated is a step, and so is each element a built-in
    /// function goes through (`map`, `filter`, `reduce`, `range`, `for`, `=`, ...).
    pub max_steps: u64,
    /// How many bytes of data a run may build (default 256 MiB). Every string and
    /// collection a program makes is charged its size as it is made (a string its
    /// length, a collection 48 bytes per element, a map copied to change it its whole
    /// size), and no single value may weigh more, counting parts it shares each time
    /// they appear ([`crate::Value::weight`]). This keeps memory, and the size of any
    /// output, within a fixed ceiling.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 200,
            max_steps: 2_000_000,
            max_bytes: 256 << 20,
        }
    }
}

impl Limits {
    /// The reader's options for a text read within these limits, outside an evaluation
    /// (`read`, `fmt`): at most the forms [`Limits::max_bytes`] holds.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions::within_bytes(self.max_bytes)
    }
}

/// The inputs of an evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// The selected profile, as a keyword name without the colon (`"prod"`), if any.
    pub profile: Option<String>,
    /// The environment variables.
    pub env: Env,
    /// The limits.
    pub limits: Limits,
}

impl EvalOptions {
    /// Default options: no profile, no environment variables, default limits.
    pub fn new() -> EvalOptions {
        EvalOptions::default()
    }

    /// The same options with a profile selected (a leading `:` is dropped).
    pub fn profile(mut self, profile: impl AsRef<str>) -> EvalOptions {
        self.profile = Some(profile.as_ref().trim_start_matches(':').to_string());
        self
    }

    /// The same options with these environment variables.
    pub fn env(mut self, env: Env) -> EvalOptions {
        self.env = env;
        self
    }

    /// The same options with these limits.
    pub fn limits(mut self, limits: Limits) -> EvalOptions {
        self.limits = limits;
        self
    }
}
