//! Converting an existing PM2 ecosystem (as the JSON value PM2 loads) into an idiomatic
//! `.pm2.edn` file: kebab-case keyword keys, environment variable names verbatim,
//! `env_<name>` blocks and the deploy section kept. Keys PM2 ignores are left out and
//! listed in a comment at the top, with any notes the caller gives (such as values that
//! came from dynamic JavaScript).

use pm2_dsl_reader::{Form, FormKind, Source, Span, Symbol, read_all, to_pretty};
use serde_json::Value as Json;

use crate::keys::{AppKey, app_key, deploy_key, snake};
use pm2_dsl_eval::Value;

/// The converted file and what was left out.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The `.pm2.edn` text.
    pub text: String,
    /// Keys left out because PM2 ignores them, as `apps[0] "max"`.
    pub dropped: Vec<String>,
}

/// Why a value cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError(pub String);

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

fn form(kind: FormKind) -> Form {
    Form::new(kind, Span::default())
}

fn keyword(name: &str) -> Form {
    form(FormKind::Keyword(Symbol::new(name)))
}

/// A map key: a keyword when the text is a valid keyword name, else a string.
fn name_key(text: &str) -> Form {
    let candidate = format!(":{text}");
    let reads_back = read_all(&Source::standalone("key", candidate))
        .ok()
        .filter(|forms| forms.len() == 1)
        .and_then(|forms| forms[0].as_keyword().map(|k| k.as_str() == text))
        .unwrap_or(false);
    if reads_back && !text.is_empty() {
        keyword(text)
    } else {
        form(FormKind::Str(text.into()))
    }
}

/// A JSON value as data; object keys become keywords where they can.
pub fn json_data(json: &Json) -> Form {
    form(match json {
        Json::Null => FormKind::Nil,
        Json::Bool(b) => FormKind::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => FormKind::Int(i),
            None => FormKind::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => FormKind::Str(s.as_str().into()),
        Json::Array(items) => FormKind::Vector(items.iter().map(json_data).collect()),
        Json::Object(entries) => {
            FormKind::Map(entries.iter().map(|(k, v)| (name_key(k), json_data(v))).collect())
        }
    })
}

fn kebab(text: &str) -> String {
    snake(text).replace('_', "-")
}

fn convert_app(index: usize, app: &Json, dropped: &mut Vec<String>) -> Result<Form, ConvertError> {
    let Json::Object(entries) = app else {
        return Err(ConvertError(format!("app {index} is not an object")));
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let key_form = match app_key(&Value::string(key.as_str())) {
            AppKey::Option(spec) if spec.name == "script" => keyword("script"),
            AppKey::Option(_) => keyword(&kebab(key)),
            AppKey::EnvFor(_) => name_key(key),
            AppKey::Remove | AppKey::Health | AppKey::Unknown { .. } | AppKey::NotAName => {
                dropped.push(format!("apps[{index}] \"{key}\""));
                continue;
            }
        };
        out.push((key_form, json_data(value)));
    }
    Ok(form(FormKind::Map(out.into())))
}

fn convert_deploy(deploy: &Json, dropped: &mut Vec<String>) -> Result<Form, ConvertError> {
    let Json::Object(targets) = deploy else {
        return Err(ConvertError("deploy is not an object".into()));
    };
    let mut out = Vec::new();
    for (env, settings) in targets {
        let Json::Object(settings) = settings else {
            return Err(ConvertError(format!("deploy.{env} is not an object")));
        };
        let mut entries = Vec::new();
        for (key, value) in settings {
            match deploy_key(&Value::string(key.as_str())) {
                Ok(name) => entries.push((keyword(&name.replace('_', "-")), json_data(value))),
                Err(_) => dropped.push(format!("deploy.{env} \"{key}\"")),
            }
        }
        out.push((name_key(env), form(FormKind::Map(entries.into()))));
    }
    Ok(form(FormKind::Map(out.into())))
}

/// Converts the ecosystem `config` (an object with `apps`, PM2's legacy `pm2` key, a
/// top-level array of apps, or one app object) loaded from `source`. `notes` are written
/// in the header comment.
pub fn to_pm2_edn(config: &Json, source: &str, notes: &[String]) -> Result<Conversion, ConvertError> {
    let mut dropped = Vec::new();
    let (apps, deploy, statics) = match config {
        Json::Array(_) => (config, None, None),
        Json::Object(top) if top.contains_key("apps") || top.contains_key("pm2") => {
            for key in top
                .keys()
                .filter(|k| !matches!(k.as_str(), "apps" | "pm2" | "deploy" | "static"))
            {
                dropped.push(format!("top-level \"{key}\""));
            }
            let apps = top.get("apps").or_else(|| top.get("pm2")).unwrap_or(&Json::Null);
            (apps, top.get("deploy"), top.get("static"))
        }
        Json::Object(_) => (config, None, None),
        _ => {
            return Err(ConvertError(
                "the ecosystem is neither an object nor an array of apps".into(),
            ));
        }
    };
    let app_forms = match apps {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, a)| convert_app(i, a, &mut dropped))
            .collect::<Result<Vec<_>, _>>()?,
        Json::Object(_) => vec![convert_app(0, apps, &mut dropped)?],
        _ => return Err(ConvertError("apps is neither an array nor an object".into())),
    };
    let mut top = vec![(keyword("apps"), form(FormKind::Vector(app_forms.into())))];
    if let Some(deploy) = deploy {
        top.push((keyword("deploy"), convert_deploy(deploy, &mut dropped)?));
    }
    if let Some(statics) = statics {
        top.push((keyword("static"), json_data(statics)));
    }
    let mut text = format!(";; Converted by pm2-clj from {source}.\n");
    for note in notes {
        text.push_str(&format!(";; {note}\n"));
    }
    if !dropped.is_empty() {
        text.push_str(";; Left out because PM2 ignores them (they are not PM2 options):\n");
        for d in &dropped {
            text.push_str(&format!(";;   {d}\n"));
        }
    }
    text.push_str(&to_pretty(&form(FormKind::Map(top.into())), 90));
    text.push('\n');
    Ok(Conversion { text, dropped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_idiomatic_edn() {
        let config: Json = serde_json::from_str(
            r#"{"apps": [{"name": "api", "cmd": "node a.js", "max_memory_restart": "1G", "max": 3,
                          "env": {"NODE_ENV": "production", "my var": 1}, "env_production": {"X": "1"}}],
                "deploy": {"production": {"user": "u", "post-deploy": "npm i", "ssh_options": "A=B"}},
                "name": "extra"}"#,
        )
        .unwrap();
        let conversion = to_pm2_edn(&config, "ecosystem.config.js", &["note".into()]).unwrap();
        assert!(
            conversion.text.contains(":script \"node a.js\""),
            "{}",
            conversion.text
        );
        assert!(conversion.text.contains(":max-memory-restart \"1G\""));
        assert!(
            conversion
                .text
                .contains(":env {:NODE_ENV \"production\" \"my var\" 1}")
        );
        assert!(conversion.text.contains(":env_production {:X \"1\"}"));
        assert!(conversion.text.contains(":post-deploy \"npm i\""));
        assert!(conversion.text.contains(":ssh-options \"A=B\""));
        assert_eq!(conversion.dropped, ["top-level \"name\"", "apps[0] \"max\""]);
        assert!(
            conversion
                .text
                .starts_with(";; Converted by pm2-clj from ecosystem.config.js.\n;; note\n")
        );
    }
}
