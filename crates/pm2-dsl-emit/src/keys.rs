//! Key normalisation: an app option may be written kebab-case (`:max-memory-restart`),
//! snake_case (`:max_memory_restart`), camelCase, or as one of PM2's aliases
//! (`:interpreter`, `:out`, `:cron`, `:cmd`); all name the same canonical option.
//! `:env_<name>` / `:env-<name>` keep their name part verbatim. Deploy keys normalise the
//! same way to the spelling pm2-deploy reads (`post-deploy`, `ssh_options`).

use std::collections::HashMap;
use std::sync::LazyLock;

use foldhash::fast::RandomState;

use pm2_dsl_eval::{Value, ValueKind, closest};

pub use crate::schema::snake;
use crate::schema::{self, DEPLOY_KEYS, OPTIONS, OptionSpec, SCRIPT_CODE_ALIASES};
use crate::targets::{self, TargetKey};

/// What a key in an app map names.
#[derive(Debug)]
pub enum AppKey {
    /// A PM2 option.
    Option(&'static OptionSpec),
    /// Per-environment variables, `env_<name>` (the canonical key, name kept verbatim).
    EnvFor(String),
    /// `:pm2-clj/remove`, which removes the app (in a profile overlay).
    Remove,
    /// `:health`, pm2-clj's health check (see [`crate::health`]).
    Health,
    /// One of pm2-clj's keys for the export targets, `:image`, `:ports` or `:export`
    /// (see [`crate::targets`]).
    ForExport(&'static TargetKey),
    /// Nothing PM2 knows.
    Unknown {
        /// The key as written.
        written: String,
        /// The closest option, in the key's own style.
        suggestion: Option<String>,
    },
    /// A key that is not a keyword, symbol or string.
    NotAName,
}

/// The text of a key (keywords and symbols without colon), if it is a name.
pub fn key_text(key: &Value) -> Option<&str> {
    match key.kind() {
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => Some(k.as_str()),
        ValueKind::Str(s) => Some(s),
        _ => None,
    }
}

/// Every accepted spelling of every option, by its snake form.
static APP_SPELLINGS: LazyLock<HashMap<String, &'static OptionSpec, RandomState>> = LazyLock::new(|| {
    let mut table = HashMap::default();
    for option in OPTIONS {
        table.insert(snake(option.name), option);
        for alias in option.aliases {
            table.insert(snake(alias), option);
        }
    }
    let script = schema::option("script").expect("script is an option");
    for alias in SCRIPT_CODE_ALIASES {
        table.insert(snake(alias), script);
    }
    table
});

/// The option `text` spells, in any accepted spelling.
fn spelling(text: &str) -> Option<&'static OptionSpec> {
    if text.bytes().any(|b| b == b'-' || b.is_ascii_uppercase()) {
        APP_SPELLINGS.get(&snake(text)).copied()
    } else {
        // Already its own snake form: no copy to make.
        APP_SPELLINGS.get(text).copied()
    }
}

/// Writes `snake_form` in the style of `written`: kebab-case if it has a `-`, else as is.
fn in_style_of(written: &str, snake_form: &str) -> String {
    if written.contains('-') {
        snake_form.replace('_', "-")
    } else {
        snake_form.to_string()
    }
}

/// What an app map key names.
pub fn app_key(key: &Value) -> AppKey {
    let Some(text) = key_text(key) else {
        return AppKey::NotAName;
    };
    named_key(key).unwrap_or_else(|| {
        let prefix = if matches!(key.kind(), ValueKind::Keyword(_)) {
            ":"
        } else {
            ""
        };
        let snake_text = snake(text);
        let own = ["health"].into_iter().chain(targets::KEYS.iter().map(|k| k.name));
        let suggestion = closest(&snake_text, OPTIONS.iter().map(|o| o.name).chain(own))
            .map(|s| format!("{prefix}{}", in_style_of(text, &snake(&s))));
        AppKey::Unknown {
            written: format!("{prefix}{text}"),
            suggestion,
        }
    })
}

/// What an app map key names, `None` for a name nothing knows: [`app_key`] without its
/// search for the closest option, which costs a distance to every option (for an
/// editor asking about each key of a map with 100,000 of them).
pub fn named_key(key: &Value) -> Option<AppKey> {
    let Some(text) = key_text(key) else {
        return Some(AppKey::NotAName);
    };
    if text == "pm2-clj/remove" {
        return Some(AppKey::Remove);
    }
    if text == "health" {
        return Some(AppKey::Health);
    }
    if let Some(key) = targets::target_key(text) {
        return Some(AppKey::ForExport(key));
    }
    if let Some(name) = text.strip_prefix("env_").or_else(|| text.strip_prefix("env-")) {
        return Some(AppKey::EnvFor(format!("env_{name}")));
    }
    if text.contains('/') {
        return None;
    }
    spelling(text).map(AppKey::Option)
}

/// The deploy key a key names (as pm2-deploy spells it), or the closest one.
pub fn deploy_key(key: &Value) -> Result<&'static str, Option<String>> {
    let text = key_text(key).ok_or(None)?;
    let wanted = snake(text);
    DEPLOY_KEYS
        .iter()
        .find(|k| snake(k) == wanted)
        .copied()
        .ok_or_else(|| closest(&wanted, DEPLOY_KEYS.iter().copied()).map(|s| format!(":{s}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(text: &str) -> Value {
        Value::keyword(text)
    }

    fn canonical(text: &str) -> String {
        match app_key(&kw(text)) {
            AppKey::Option(o) => o.name.to_string(),
            AppKey::EnvFor(name) => name,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn every_spelling_names_the_canonical_option() {
        for (written, name) in [
            ("max-memory-restart", "max_memory_restart"),
            ("max_memory_restart", "max_memory_restart"),
            ("maxMemoryRestart", "max_memory_restart"),
            ("interpreter", "exec_interpreter"),
            ("interpreter-args", "node_args"),
            ("out", "out_file"),
            ("err", "error_file"),
            ("cron", "cron_restart"),
            ("cmd", "script"),
            ("command", "script"),
            ("exec", "script"),
            ("combine-logs", "merge_logs"),
            ("user", "uid"),
            ("windows-hide", "windowsHide"),
            ("env-production", "env_production"),
            ("env_staging-eu", "env_staging-eu"),
        ] {
            assert_eq!(canonical(written), name, "{written}");
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion_in_their_style() {
        let AppKey::Unknown { written, suggestion } = app_key(&kw("max-memory-restrat")) else {
            panic!()
        };
        assert_eq!(
            (written.as_str(), suggestion.as_deref()),
            (":max-memory-restrat", Some(":max-memory-restart"))
        );
        let AppKey::Unknown { suggestion, .. } = app_key(&kw("dotenv")) else {
            panic!()
        };
        assert_eq!(suggestion, None);
        assert!(matches!(app_key(&kw("other/script")), AppKey::Unknown { .. }));
    }

    #[test]
    fn deploy_keys_take_pm2_deploys_spelling() {
        assert_eq!(deploy_key(&kw("post_deploy")), Ok("post-deploy"));
        assert_eq!(deploy_key(&kw("ssh-options")), Ok("ssh_options"));
        assert_eq!(deploy_key(&kw("preDeployLocal")), Ok("pre-deploy-local"));
        assert_eq!(deploy_key(&kw("post-deplyo")), Err(Some(":post-deploy".into())));
    }
}
