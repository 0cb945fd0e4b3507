//! Keeping secrets out of what pm2-clj reports. The values a source marks `#secret` are
//! written into the files pm2 loads (the apps need them), so pm2's own error messages
//! and the apps' error logs may quote them: every such text is redacted before it
//! becomes an event or an outcome, by the driver a unit acts through (`Redacting`) and
//! by the checks that read the apps' logs.

use std::path::Path;

use pm2_clj_sync::process::Process;
use pm2_dsl_emit::Ecosystem;
use serde_json::Value as Json;

use crate::error::RuntimeError;
use crate::pm2::{ModuleConf, Pm2, Restart};
use crate::verify::Unhealthy;

/// What a redacted secret reads as.
pub const REDACTED: &str = pm2_dsl_eval::SECRET_JSON;

/// The secret texts of a source's ecosystem.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// The secrets of `ecosystem`.
    pub fn of(ecosystem: &Ecosystem) -> Secrets {
        Secrets(ecosystem.secrets())
    }

    /// `text` with every secret replaced by [`REDACTED`] (longer secrets first, so one
    /// that contains another goes whole).
    pub fn redact(&self, text: &str) -> String {
        self.0.iter().fold(text.to_string(), |text, secret| {
            text.replace(secret.as_str(), REDACTED)
        })
    }

    /// The error with its words redacted.
    pub fn error(&self, e: RuntimeError) -> RuntimeError {
        if self.0.is_empty() {
            return e;
        }
        e.map_kind(|kind| kind.map_words(|words| self.redact(words)))
    }

    /// What a failed check saw, and the app's log lines, redacted.
    pub fn unhealthy(&self, u: Unhealthy) -> Unhealthy {
        if self.0.is_empty() {
            return u;
        }
        Unhealthy {
            saw: self.redact(&u.saw),
            log: u.log.iter().map(|line| self.redact(line)).collect(),
            ..u
        }
    }
}

/// A driver whose errors are redacted.
pub(crate) struct Redacting<'a> {
    pub pm2: &'a dyn Pm2,
    pub secrets: &'a Secrets,
}

impl Pm2 for Redacting<'_> {
    fn list(&self) -> Result<Vec<Process>, RuntimeError> {
        self.pm2.list().map_err(|e| self.secrets.error(e))
    }

    fn start(&self, apps: &[Json], dir: &Path) -> Result<Vec<u64>, RuntimeError> {
        self.pm2.start(apps, dir).map_err(|e| self.secrets.error(e))
    }

    fn restart(&self, how: Restart, app: &Json, dir: &Path, ids: &[u64]) -> Result<(), RuntimeError> {
        self.pm2
            .restart(how, app, dir, ids)
            .map_err(|e| self.secrets.error(e))
    }

    fn stop(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.pm2.stop(ids).map_err(|e| self.secrets.error(e))
    }

    fn delete(&self, ids: &[u64]) -> Result<(), RuntimeError> {
        self.pm2.delete(ids).map_err(|e| self.secrets.error(e))
    }

    fn module_conf(&self) -> Result<ModuleConf, RuntimeError> {
        self.pm2.module_conf()
    }

    fn install(&self, name: &str) -> Result<(), RuntimeError> {
        self.pm2.install(name)
    }

    fn set(&self, name: &str, key: &str, value: &str) -> Result<(), RuntimeError> {
        self.pm2.set(name, key, value)
    }

    fn describe(&self) -> String {
        self.pm2.describe()
    }

    fn changes(&self) -> Option<Box<dyn crate::pm2::Changes>> {
        self.pm2.changes()
    }

    fn feed(&self) -> Option<Box<dyn crate::pm2::Feed>> {
        self.pm2.feed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RuntimeErrorKind;

    #[test]
    fn redaction_takes_longer_secrets_first() {
        let secrets = Secrets(vec!["hunter22".into(), "hunter2".into()]);
        assert_eq!(
            secrets.redact("pw=hunter22 or hunter2"),
            "pw=<secret> or <secret>"
        );
        let e = RuntimeError::from(RuntimeErrorKind::Pm2Failed {
            action: "start".into(),
            message: "env DB=hunter2 is invalid".into(),
        });
        assert_eq!(
            secrets.error(e).to_string(),
            "pm2 start failed: env DB=<secret> is invalid"
        );
    }
}
