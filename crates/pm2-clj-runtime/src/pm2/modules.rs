//! pm2's modules as its home folder records them: `$PM2_HOME/module_conf.json` lists the
//! installed modules (under `module-db-v2`) and holds each one's options (what
//! `pm2 set MODULE:KEY VALUE` writes and `pm2 conf` shows).

use std::path::Path;

use serde_json::Value as Json;

use crate::error::{RuntimeError, RuntimeErrorKind};

/// The file's name inside `PM2_HOME`.
const FILE: &str = "module_conf.json";

/// Where pm2 lists the modules installed from npm.
const INSTALLED: &str = "module-db-v2";

/// What `module_conf.json` holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModuleConf(pub Json);

impl ModuleConf {
    /// Reads `module_conf.json` in `home`; empty when there is none yet (a daemon that
    /// never ran). A file that is not JSON (`{"pm2-logrotate": `) is an error.
    pub fn read(home: &Path) -> Result<ModuleConf, RuntimeError> {
        let path = home.join(FILE);
        let unreadable = |reason: String| {
            RuntimeError::from(RuntimeErrorKind::Pm2Failed {
                action: "conf".into(),
                message: format!("cannot read {}: {reason}", path.display()),
            })
        };
        let text = match pm2_dsl_eval::read_text_file(&path, pm2_dsl_eval::MAX_FILE_BYTES) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(ModuleConf::default()),
            Err(e) => return Err(unreadable(e.to_string())),
        };
        serde_json::from_str(&text)
            .map(ModuleConf)
            .map_err(|e| unreadable(e.to_string()))
    }

    /// Whether the module `name` is installed.
    pub fn installed(&self, name: &str) -> bool {
        self.0[INSTALLED].get(name).is_some()
    }

    /// The option `key` of the module `name`, as `pm2 set` would write it (pm2 keeps
    /// the defaults a module declares as JSON values, `false` or `"30"`).
    pub fn option(&self, name: &str, key: &str) -> Option<String> {
        match self.0[name].get(key)? {
            Json::String(s) => Some(s.clone()),
            Json::Null => None,
            other => Some(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_pm2_install_and_pm2_set_write() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(ModuleConf::read(home.path()).unwrap(), ModuleConf::default());
        std::fs::write(
            home.path().join(FILE),
            r#"{"pm2-logrotate": {"max_size": "20M", "retain": "30", "compress": false},
                "module-db-v2": {"pm2-logrotate": {}}}"#,
        )
        .unwrap();
        let conf = ModuleConf::read(home.path()).unwrap();
        assert!(conf.installed("pm2-logrotate") && !conf.installed("pm2-server-monit"));
        assert_eq!(conf.option("pm2-logrotate", "max_size").as_deref(), Some("20M"));
        assert_eq!(conf.option("pm2-logrotate", "compress").as_deref(), Some("false"));
        assert_eq!(conf.option("pm2-logrotate", "TZ"), None);
        std::fs::write(home.path().join(FILE), "{\"pm2-logrotate\": ").unwrap();
        let e = ModuleConf::read(home.path()).unwrap_err();
        assert!(e.to_string().contains("module_conf.json"), "{e}");
    }
}
