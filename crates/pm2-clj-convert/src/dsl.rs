//! The ecosystem-dsl tool's `ecosystem.edn` files: EDN data in PM2's shape, generated
//! from (or written beside) JavaScript configs, whose relative paths were written
//! against the repository root (where pm2 was started: the folder holding `.git`, or
//! the one holding `system/daemons`, else `--root`). Converted, the paths are
//! relative to the new file (an app without a `cwd` gets the root as its `cwd`, which is
//! where it ran); `"${VAR}"` strings read the environment (`#env VAR`, `${VAR:-x}` →
//! `#or`), each with a note that PM2 passed the text literally; numeric `args` become
//! strings; `readiness_probe`/`startup_probe` `http_get`
//! blocks become `:health`; `env_file ".env"` becomes
//! `:env (merge #dotenv? ".env" {...})` (the file's variables, then the app's own; a
//! missing file gives none); `liveness_probe`, which pm2-clj has no equivalent for, is
//! left out with a note on the app.

use std::path::{Path, PathBuf};

use pm2_dsl_reader::{Form, FormKind, Number, Source, read_all};

use crate::ecosystem::Keys;
use crate::edn::{Edn, Entry};
use crate::error::{ConvertError, ConvertErrorKind};
use crate::{Conversion, ConvertOptions, Draft, finish, paths};

/// The repository root an ecosystem-dsl file's paths were written against: the nearest
/// folder above `file` holding `.git`, else the folder holding the `system/daemons`
/// folder the file is in (the tool's layout, `system/daemons/<group>/<name>/ecosystem.edn`);
/// `None` when neither says.
pub fn default_root(file: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    if let Some(git) = absolute.ancestors().skip(1).find(|d| d.join(".git").exists()) {
        return Some(git.to_path_buf());
    }
    absolute
        .ancestors()
        .skip(1)
        .find(|d| {
            d.file_name().is_some_and(|n| n == "daemons")
                && d.parent()
                    .is_some_and(|p| p.file_name().is_some_and(|n| n == "system"))
        })
        .and_then(|daemons| daemons.parent()?.parent().map(Path::to_path_buf))
}

fn data(form: &Form) -> Edn {
    match &form.kind {
        FormKind::Nil => Edn::Nil,
        FormKind::Bool(b) => Edn::Bool(*b),
        FormKind::Number(Number::Int(i)) => Edn::Int(*i),
        FormKind::Number(Number::Float(f)) => Edn::Float(*f),
        FormKind::Str(s) => Edn::Str(s.to_string()),
        FormKind::Keyword(k) => Edn::Keyword(k.as_str().to_string()),
        FormKind::Symbol(s) => Edn::Str(s.as_str().to_string()),
        FormKind::Vector(items) | FormKind::List(items) | FormKind::Set(items) => {
            Edn::vector(items.iter().map(data))
        }
        FormKind::Map(entries) => Edn::map(
            entries
                .iter()
                .map(|(k, v)| Entry::pair(data(k), data(v)))
                .collect(),
        ),
        _ => Edn::Str(pm2_dsl_reader::to_compact(form)),
    }
}

/// `${VAR}`, `${VAR:-default}` and text around them, as a form that reads the
/// environment; `None` when the string has none.
fn interpolated(text: &str) -> Option<Edn> {
    if !text.contains("${") {
        return None;
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let end = rest[start..].find('}')? + start;
        if start > 0 {
            parts.push(Edn::Str(rest[..start].to_string()));
        }
        let inner = &rest[start + 2..end];
        let read = match inner.split_once(":-") {
            Some((var, default)) => Edn::Tagged(
                "or",
                Box::new(Edn::vector([
                    Edn::Tagged("env", Box::new(Edn::Symbol(var.to_string()))),
                    Edn::Str(default.to_string()),
                ])),
            ),
            None => Edn::Tagged("env", Box::new(Edn::Symbol(inner.to_string()))),
        };
        if !inner
            .split(":-")
            .next()?
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        parts.push(read);
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Edn::Str(rest.to_string()));
    }
    Some(if parts.len() == 1 {
        parts.remove(0)
    } else {
        Edn::call("str", parts)
    })
}

/// Turns the `${VAR}` strings in `edn` into environment reads, each with a note: PM2
/// passed that text as it is (it expands no `${...}`), the conversion reads the
/// variable.
fn interpolate_all(edn: &mut Edn) {
    let (Edn::Map(c) | Edn::Vector(c)) = edn else {
        return;
    };
    for e in &mut c.entries {
        if let Edn::Str(s) = &e.value
            && let Some(read) = interpolated(s)
        {
            e.before.push(format!(
                "{s:?}: PM2 passed this text as it is (it expands no ${{...}}); the environment is read here"
            ));
            e.value = read;
        } else {
            interpolate_all(&mut e.value);
        }
    }
}

/// The probe's `http_get` URL and timeout.
fn http_probe(probe: &Edn) -> Option<(String, Option<i64>)> {
    let get = probe.as_map()?.get("http_get")?.as_map()?;
    let Some(Edn::Str(url)) = get.get("url") else {
        return None;
    };
    let timeout = match get.get("timeout") {
        Some(Edn::Int(ms)) => Some(*ms),
        _ => None,
    };
    Some((url.clone(), timeout))
}

/// Rewrites one app; `root` is the repository root as seen from the file's folder.
fn app(app: &mut Edn, root: &str, root_abs: &str, dir_abs: &str) {
    let Some(c) = app.as_map_mut() else { return };
    let mut health: Option<(String, Option<i64>)> = None;
    let mut env_file: Option<String> = None;
    let mut notes = Vec::new();
    let entries = std::mem::take(&mut c.entries);
    for mut e in entries {
        match e.key_name().unwrap_or_default() {
            "env_file" => match &e.value {
                Edn::Str(file) => {
                    let abs = paths::join(root_abs, &[file], true);
                    env_file = Some(paths::between(dir_abs, &abs));
                }
                other => notes.push(format!(
                    "env_file {} was not converted: only one file (a string) reads as #dotenv?",
                    crate::edn::file_text(&[], &[(vec![], other.clone())]).trim()
                )),
            },
            "readiness_probe" | "startup_probe" => {
                if let Some((url, timeout)) = http_probe(&e.value) {
                    let timeout = timeout.max(health.as_ref().and_then(|h| h.1));
                    health = Some((health.map_or(url, |h| h.0), timeout));
                } else {
                    notes.push(format!(
                        "{} was not converted: only http_get probes have a pm2-clj :health",
                        e.key_name().unwrap_or_default()
                    ));
                }
            }
            // PM2 ignored it; the :health this translation writes must not come from it.
            "health" => notes.push("health was left out: PM2 did not read it".into()),
            "liveness_probe" => notes.push(
                "liveness_probe was not converted: pm2-clj checks :health after each start, not continuously"
                    .into(),
            ),
            "args" => {
                if let Edn::Vector(items) = &mut e.value {
                    for item in &mut items.entries {
                        match &item.value {
                            Edn::Int(i) => item.value = Edn::Str(i.to_string()),
                            Edn::Float(f) => item.value = Edn::Str(f.to_string()),
                            _ => {}
                        }
                    }
                }
                c.entries.push(e);
            }
            "cwd" => {
                if let Edn::Str(cwd) = &e.value
                    && !cwd.starts_with('/')
                {
                    let abs = paths::join(root_abs, &[cwd], true);
                    e.value = Edn::Str(paths::between(dir_abs, &abs));
                }
                c.entries.push(e);
            }
            _ => c.entries.push(e),
        }
    }
    if c.get("cwd").is_none() {
        let mut cwd = Entry::pair(Edn::Keyword("cwd".into()), Edn::Str(root.to_string()));
        cwd.before
            .push("ecosystem-dsl started it in the repository root".into());
        c.entries.push(cwd);
    }
    if let Some((url, timeout)) = health {
        let mut probe = vec![Entry::pair(Edn::Keyword("http".into()), Edn::Str(url))];
        if let Some(ms) = timeout {
            probe.push(Entry::pair(Edn::Keyword("timeout".into()), Edn::Int(ms)));
        }
        let mut entry = Entry::pair(Edn::Keyword("health".into()), Edn::map(probe));
        entry
            .before
            .push("from readiness_probe / startup_probe http_get".into());
        c.entries.push(entry);
    }
    if let Some(first) = c.entries.first_mut() {
        first.before.splice(0..0, notes);
    }
    interpolate_all(app);
    if let (Some(file), Some(c)) = (env_file, app.as_map_mut()) {
        let dotenv = Edn::Tagged("dotenv?", Box::new(Edn::Str(file)));
        match c.entries.iter_mut().find(|e| e.key_name() == Some("env")) {
            Some(env) => {
                let own = std::mem::replace(&mut env.value, Edn::Nil);
                env.value = Edn::List(vec![Edn::Symbol("merge".into()), dotenv, own]);
                env.before.push("env_file's variables, then the app's own".into());
            }
            None => {
                let mut env = Entry::pair(Edn::Keyword("env".into()), dotenv);
                env.before.push("from env_file".into());
                c.entries.push(env);
            }
        }
    }
}

/// Converts an ecosystem-dsl file; `options.root` is where its relative paths start
/// (default: [`default_root`]); `shown` names it in the header.
pub fn convert(
    path: &Path,
    text: &str,
    options: &ConvertOptions,
    shown: &str,
) -> Result<Conversion, ConvertError> {
    let name = path.display().to_string();
    let forms = read_all(&Source::standalone(name.clone(), text.to_string())).map_err(|e| {
        e.map_kind(|kind| ConvertErrorKind::EdnSyntax {
            file: name.clone(),
            message: kind.to_string(),
        })
    })?;
    let Some(last) = forms.last() else {
        return Err(ConvertError::from(ConvertErrorKind::NotAnEcosystem {
            file: name,
            what: "no form".into(),
        }));
    };
    let root = match &options.root {
        Some(root) => root.clone(),
        None => default_root(path)
            .ok_or_else(|| ConvertError::from(ConvertErrorKind::NoRoot { file: name.clone() }))?,
    };
    let root_abs = std::path::absolute(&root)
        .unwrap_or(root)
        .to_string_lossy()
        .to_string();
    let dir_abs = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let root_rel = paths::between(&dir_abs, &root_abs);
    let mut config = data(last);
    if let Some(Edn::Vector(apps)) = config.as_map_mut().and_then(|m| {
        m.entries
            .iter_mut()
            .find(|e| e.key_name() == Some("apps"))
            .map(|e| &mut e.value)
    }) {
        for a in &mut apps.entries {
            app(&mut a.value, &root_rel, &root_abs, &dir_abs);
        }
    }
    let comment_lines: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with(';')).collect();
    let header: Vec<String> = text
        .lines()
        .take_while(|l| l.trim_start().starts_with(';') || l.trim().is_empty())
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim_start().trim_start_matches(';').trim().to_string())
        .collect();
    let notes = vec![format!(
        "ecosystem-dsl paths were relative to the repository root ({root_rel} from here); they are relative to this file now."
    )];
    let comments = comment_lines
        .iter()
        .map(|l| l.trim_start().trim_start_matches(';').trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    finish(
        &name,
        shown,
        Keys::WithHealth,
        options.rename_duplicates,
        Draft::of(config, notes, header, comments),
    )
}

#[cfg(test)]
mod tests {
    use pm2_clj_sync::load::{Input, LoadSettings};
    use pm2_dsl_emit::health::Probe;
    use pm2_dsl_eval::{Env, FsLoader};

    /// An ecosystem-dsl app with everything the older format had and pm2-clj spells
    /// differently; its paths are written against the repository root.
    const FILE: &str = r#"{:apps [{:name "indexer"
          :script "node"
          :args ["dist/index.js" "--port" 3434 1.5]
          :cwd "services/indexer"
          :env_file ".env"
          :env {:DB "${DB_URL}" :MODE "${MODE:-dev}" :URL "http://${HOST}:80/x"}
          :readiness_probe {:http_get {:url "http://localhost:3000/ready" :timeout 10000}}
          :startup_probe {:http_get {:url "http://localhost:3000/health" :timeout 30000 :retries 3}}
          :liveness_probe {:http_get {:url "http://localhost:3000/health" :timeout 5000}}}]}"#;

    #[test]
    fn older_keys_become_pm2_clj_and_paths_move_to_the_new_file() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("system/daemons/indexer");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(root.path().join("services/indexer")).unwrap();
        let file = dir.join("ecosystem.edn");
        let converted = super::convert(
            &file,
            FILE,
            &crate::ConvertOptions {
                root: Some(root.path().to_path_buf()),
                ..crate::ConvertOptions::default()
            },
            "ecosystem.edn",
        )
        .unwrap();
        let text = &converted.text;
        assert!(
            text.contains(":env (merge #dotenv? \"../../../.env\""),
            "env_file, relative to the root, becomes #dotenv? relative to the file: {text}"
        );
        assert!(text.contains("liveness_probe was not converted"), "{text}");
        let settings = |env: Env| LoadSettings {
            profile: None,
            env,
            keep_relative_paths: false,
            overrides: Vec::new(),
            profile_optional: false,
            root: None,
            ..LoadSettings::default()
        };
        let output = dir.join("ecosystem.pm2.edn");
        for (db, mode, host) in [(Some("db://one"), Some("prod"), Some("h1")), (None, None, None)] {
            let mut env = Env::empty();
            for (k, v) in [("DB_URL", db), ("MODE", mode), ("HOST", host)] {
                if let Some(v) = v {
                    env.set(k, v);
                }
            }
            let loaded = Input::text(&output, text)
                .loader(FsLoader::new())
                .load(&settings(env))
                .unwrap_or_else(|e| panic!("{:?}\n{text}", e.reports));
            let app = &loaded.built.ecosystem.apps[0];
            let json = pm2_dsl_emit::app_json(app);
            let option = |key: &str| json[key].clone();
            assert_eq!(
                option("cwd"),
                serde_json::json!(root.path().join("services/indexer").to_str().unwrap())
            );
            assert_eq!(
                option("args"),
                serde_json::json!(["dist/index.js", "--port", "3434", "1.5"])
            );
            let env = option("env");
            assert_eq!(env["DB"], db.map_or(serde_json::Value::Null, |d| d.into()));
            assert_eq!(env["MODE"], mode.unwrap_or("dev"));
            // `str` of an unset variable is "", as a shell expands it.
            assert_eq!(env["URL"], format!("http://{}:80/x", host.unwrap_or("")));
            let health = app
                .health
                .as_ref()
                .unwrap_or_else(|| panic!("no :health:\n{text}"));
            assert_eq!(
                health.probe,
                Probe::Http {
                    url: "http://localhost:3000/ready".into(),
                    status: None
                }
            );
            assert_eq!(health.timeout, Some(std::time::Duration::from_secs(30)));
        }
    }
}
