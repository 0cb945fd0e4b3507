//! A PM2 config, as translated forms, given the shape of a pm2-clj ecosystem: `{:apps
//! [...]}` around an array or a lone app, kebab-case option keys, `env_<name>` blocks as
//! `:profiles {:<name> ...}` overlays (so `--profile <name>` gives what `pm2 start --env
//! <name>` gives), and only the keys PM2 reads: a key PM2 ignores, or the loser of two
//! spellings of one option, is left out and listed.

use pm2_dsl_emit::keys::{AppKey, app_key, deploy_key, snake};
use pm2_dsl_emit::schema::{OptionSpec, SCRIPT_CODE_ALIASES, camel_alias};
use pm2_dsl_eval::Value;
use serde_json::Value as Json;

use crate::edn::{Coll, Edn, Entry};
use crate::js::{Def, PATH_TAG};
use crate::paths;

/// The options PM2 resolves against the app's `cwd`.
const CWD_RELATIVE: &[&str] = &[
    "script",
    "out_file",
    "error_file",
    "log_file",
    "pid_file",
    "watch",
];

/// The keys a source may hold besides PM2's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// PM2's only: the source was read by PM2, which ignores any other key.
    Pm2,
    /// PM2's and pm2-clj's `:health`, which the ecosystem-dsl translation writes from
    /// the source's probes.
    WithHealth,
}

/// What shaping did besides the shape.
#[derive(Debug, Default)]
pub struct Shaped {
    /// Keys left out, as `apps[0] "max"`, with why.
    pub dropped: Vec<String>,
}

fn kebab(text: &str) -> String {
    snake(text).replace('_', "-")
}

/// PM2's spellings of an option in the order it prefers them: the canonical name, then
/// (for `script`) `cmd` and `command`, then the schema's aliases last-first, then the
/// camelCase alias (see `Config.filterOptions` and `Common.verifyConfs`).
fn pm2_spellings(spec: &OptionSpec) -> Vec<String> {
    let mut out = vec![spec.name.to_string()];
    if spec.name == "script" {
        out.extend(SCRIPT_CODE_ALIASES.iter().map(|s| s.to_string()));
    }
    out.extend(spec.aliases.iter().rev().map(|s| s.to_string()));
    out.push(camel_alias(spec.name));
    out
}

/// The option PM2 reads `key` of an app as (`combine_logs` → `merge_logs`), when it
/// reads that spelling.
pub fn pm2_option(key: &str) -> Option<&'static str> {
    match app_key(&Value::string(key)) {
        AppKey::Option(spec) if pm2_spellings(spec).iter().any(|s| s == key) => Some(spec.name),
        _ => None,
    }
}

/// Whether PM2 counts the value as set (`conf[key] || ...`).
fn truthy(edn: &Edn) -> bool {
    match edn {
        Edn::Nil | Edn::Bool(false) => false,
        Edn::Int(0) => false,
        Edn::Float(f) => *f != 0.0,
        Edn::Str(s) => !s.is_empty(),
        Edn::Frozen { value, .. } => truthy(value),
        _ => true,
    }
}

/// A literal value as JSON, when it is plain data.
pub fn json_of(edn: &Edn) -> Option<Json> {
    Some(match edn {
        Edn::Nil => Json::Null,
        Edn::Bool(b) => Json::Bool(*b),
        Edn::Int(i) => Json::from(*i),
        Edn::Float(f) => Json::from(*f),
        Edn::Str(s) | Edn::Keyword(s) => Json::from(s.as_str()),
        Edn::Map(c) => Json::Object(
            c.entries
                .iter()
                .map(|e| Some((e.key_name()?.to_string(), json_of(&e.value)?)))
                .collect::<Option<_>>()?,
        ),
        Edn::Vector(c) => Json::Array(
            c.entries
                .iter()
                .map(|e| json_of(&e.value))
                .collect::<Option<_>>()?,
        ),
        Edn::Frozen { value, .. } => json_of(value)?,
        _ => return None,
    })
}

/// JSON data as forms (object keys as keywords where they can be).
pub fn edn_of(json: &Json) -> Edn {
    match json {
        Json::Null => Edn::Nil,
        Json::Bool(b) => Edn::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Edn::Int(i),
            None => Edn::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Edn::Str(s.clone()),
        Json::Array(items) => Edn::vector(items.iter().map(edn_of)),
        Json::Object(o) => Edn::map(
            o.iter()
                .map(|(k, v)| Entry::pair(Edn::key(k), edn_of(v)))
                .collect(),
        ),
    }
}

/// A path marker's text.
fn marked_path(edn: &Edn) -> Option<&str> {
    match edn {
        Edn::Tagged(tag, inner) if *tag == PATH_TAG => match inner.as_ref() {
            Edn::Str(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Replaces path markers with paths relative to the file's folder, or (`from`) to an
/// app folder given relative to it.
fn unmark(edn: &mut Edn, from: Option<&str>) {
    if let Some(p) = marked_path(edn) {
        let text = from
            .and_then(|f| paths::relative_to(p, f))
            .unwrap_or_else(|| p.to_string());
        *edn = Edn::Str(text);
        return;
    }
    match edn {
        Edn::Map(c) | Edn::Vector(c) => {
            for e in &mut c.entries {
                unmark(&mut e.value, from);
            }
        }
        Edn::List(items) => items.iter_mut().for_each(|i| unmark(i, from)),
        Edn::Tagged(_, inner) => unmark(inner, from),
        Edn::Frozen { value, .. } => unmark(value, from),
        _ => {}
    }
}

struct Shaper<'d> {
    defs: &'d mut Vec<Def>,
    keys: Keys,
    dropped: Vec<String>,
    /// Overlays by profile name: the apps' `env_<name>` blocks.
    profiles: Vec<(String, Vec<Edn>)>,
    /// The definitions already shaped (a shared base is shaped once).
    shaped: Vec<String>,
}

impl Shaper<'_> {
    /// The definition `name`, the first time it is asked for.
    fn def_mut(&mut self, name: &str) -> Option<&mut Edn> {
        if self.shaped.iter().any(|s| s == name) {
            return None;
        }
        self.defs
            .iter_mut()
            .find(|d| d.name == name)
            .map(|d| &mut d.value)
    }

    fn put_def(&mut self, name: &str, value: Edn) {
        if let Some(d) = self.defs.iter_mut().find(|d| d.name == name) {
            d.value = value;
        }
        self.shaped.push(name.to_string());
    }

    fn apps(&mut self, apps: &mut Edn) {
        match apps {
            Edn::Vector(c) => {
                for (i, e) in c.entries.iter_mut().enumerate() {
                    self.app(&mut e.value, &format!("apps[{i}]"));
                }
            }
            Edn::Map(_) => {
                let mut app = std::mem::replace(apps, Edn::Nil);
                self.app(&mut app, "apps[0]");
                *apps = Edn::vector([app]);
            }
            Edn::List(items) => {
                for item in items.iter_mut().skip(1) {
                    self.apps(item);
                }
            }
            Edn::Symbol(name) => {
                let name = name.clone();
                if let Some(mut value) = self.def_mut(&name).map(take) {
                    self.shaped.push(name.clone());
                    self.apps(&mut value);
                    self.put_def(&name, value);
                }
            }
            Edn::Frozen { value, .. } => self.apps(value),
            _ => {}
        }
    }

    fn app(&mut self, app: &mut Edn, at: &str) {
        match app {
            Edn::Map(c) => self.app_map(c, at),
            Edn::List(items) => {
                for item in items.iter_mut().skip(1) {
                    self.app(item, at);
                }
            }
            Edn::Symbol(name) => {
                let name = name.clone();
                if let Some(mut value) = self.def_mut(&name).map(take) {
                    self.shaped.push(name.clone());
                    self.app(&mut value, at);
                    self.put_def(&name, value);
                }
            }
            Edn::Frozen { value, .. } => self.app(value, at),
            _ => {}
        }
    }

    fn app_map(&mut self, app: &mut Coll, at: &str) {
        // One spelling per option: the one PM2 reads.
        let mut losers = Vec::new();
        let specs: Vec<Option<&'static OptionSpec>> = app
            .entries
            .iter()
            .map(|e| match e.key_name().map(|k| app_key(&Value::string(k))) {
                Some(AppKey::Option(spec)) => Some(spec),
                _ => None,
            })
            .collect();
        for (i, spec) in specs.iter().enumerate() {
            let Some(spec) = spec else { continue };
            let group: Vec<usize> = (0..app.entries.len())
                .filter(|j| specs[*j].is_some_and(|s| std::ptr::eq(s, *spec)))
                .collect();
            if group.len() < 2 || group[0] != i {
                continue;
            }
            let order = pm2_spellings(spec);
            let rank = |j: &usize| {
                let key = app.entries[*j].key_name().unwrap_or_default();
                order.iter().position(|s| s == key).unwrap_or(usize::MAX)
            };
            let mut ranked = group.clone();
            ranked.sort_by_key(rank);
            let winner = ranked
                .iter()
                .copied()
                .find(|j| truthy(&app.entries[*j].value))
                .unwrap_or(ranked[0]);
            losers.extend(ranked.into_iter().filter(|j| *j != winner).map(|j| (j, winner)));
        }
        let has_env_blocks = app
            .entries
            .iter()
            .any(|e| e.key_name().is_some_and(|k| k.starts_with("env_")));
        let name = match (app.get("name"), app.get("script")) {
            (Some(Edn::Str(n)), _) => Some(n.clone()),
            (None, Some(Edn::Str(script))) if has_env_blocks => {
                // The name PM2 gives it (`Common.renderApplicationName`), written out so
                // that its profile overlays can name it.
                let base = script.rsplit('/').next().unwrap_or(script);
                let derived = match base.rfind('.') {
                    Some(dot) if dot > 0 => &base[..dot],
                    _ => base,
                }
                .to_string();
                let mut entry = Entry::pair(Edn::Keyword("name".into()), Edn::Str(derived.clone()));
                entry.before.push("the name PM2 gives it, from its script".into());
                app.entries.insert(0, entry);
                Some(derived)
            }
            _ => None,
        };
        let mut cwd: Option<String> = None;
        if let Some(e) = app.entries.iter_mut().find(|e| e.key_name() == Some("cwd")) {
            if let Some(p) = marked_path(&e.value) {
                cwd = Some(p.to_string());
            }
            unmark(&mut e.value, None);
        }
        let entries = std::mem::take(&mut app.entries);
        let mut notes_for: Vec<(usize, String)> = Vec::new();
        for (j, winner) in &losers {
            let loser = &entries[*j];
            let text = crate::edn::file_text(&[], &[(vec![], loser.value.clone())]);
            notes_for.push((
                *winner,
                format!(
                    "PM2 read this, not {} {}",
                    loser.key_name().unwrap_or_default(),
                    text.trim()
                ),
            ));
            self.dropped.push(format!(
                "{at} \"{}\" (PM2 reads {} instead)",
                loser.key_name().unwrap_or_default(),
                entries[*winner].key_name().unwrap_or_default()
            ));
        }
        for (i, mut entry) in entries.into_iter().enumerate() {
            if losers.iter().any(|(j, _)| *j == i) {
                continue;
            }
            for (_, note) in notes_for.iter().filter(|(w, _)| *w == i) {
                entry.before.push(note.clone());
            }
            let Some(key) = entry.key_name().map(str::to_string) else {
                self.dropped.push(format!("{at} a key that is not a name"));
                continue;
            };
            match app_key(&Value::string(key.as_str())) {
                AppKey::Option(spec) => {
                    if !pm2_spellings(spec).contains(&key) {
                        self.dropped
                            .push(format!("{at} \"{key}\" (PM2 does not read this spelling)"));
                        continue;
                    }
                    let new_key = if spec.name == "script" {
                        "script".to_string()
                    } else {
                        kebab(&key)
                    };
                    entry.key = Some(Edn::Keyword(new_key));
                    if spec.name == "env" {
                        env_values(&mut entry.value);
                    }
                    let from = if CWD_RELATIVE.contains(&spec.name) {
                        cwd.as_deref()
                    } else {
                        None
                    };
                    unmark(&mut entry.value, from);
                    app.entries.push(entry);
                }
                AppKey::EnvFor(block) => {
                    let profile = block.trim_start_matches("env_").to_string();
                    let overlay = match (&entry.value, &name) {
                        (Edn::Map(_), Some(_)) => {
                            let mut env = entry.value.clone();
                            env_values(&mut env);
                            Some(env)
                        }
                        (Edn::Str(s), Some(_)) => {
                            // PM2 merges a string block with Object.assign: one variable per character.
                            let mut env = Edn::map(
                                s.chars()
                                    .enumerate()
                                    .map(|(i, c)| {
                                        Entry::pair(Edn::Str(i.to_string()), Edn::Str(c.to_string()))
                                    })
                                    .collect(),
                            );
                            if let Some(first) = env.as_map_mut().and_then(|m| m.entries.first_mut()) {
                                first.before.push(format!(
                                    "{key} was the string {s:?}: pm2 start --env {profile} sets one variable per character"
                                ));
                            }
                            Some(env)
                        }
                        _ => None,
                    };
                    match overlay {
                        Some(env) => {
                            let mut overlay_app = Coll::default();
                            overlay_app.entries.push(Entry::pair(
                                Edn::Keyword("name".into()),
                                Edn::Str(name.clone().unwrap_or_default()),
                            ));
                            let mut env_entry = Entry::pair(Edn::Keyword("env".into()), env);
                            env_entry.before = entry.before;
                            env_entry.after = entry.after;
                            overlay_app.entries.push(env_entry);
                            match self.profiles.iter_mut().find(|(p, _)| *p == profile) {
                                Some((_, apps)) => apps.push(Edn::Map(overlay_app)),
                                None => self.profiles.push((profile, vec![Edn::Map(overlay_app)])),
                            }
                        }
                        None => {
                            env_values(&mut entry.value);
                            unmark(&mut entry.value, None);
                            app.entries.push(entry);
                        }
                    }
                }
                AppKey::Health if self.keys == Keys::WithHealth => {
                    entry.key = Some(Edn::Keyword(key));
                    unmark(&mut entry.value, None);
                    app.entries.push(entry);
                }
                AppKey::Remove | AppKey::Health | AppKey::Unknown { .. } | AppKey::NotAName => {
                    self.dropped.push(format!("{at} \"{key}\""));
                }
            }
        }
    }
}

/// An `env` block: values PM2 passes as JSON text (objects, arrays) written as that text.
fn env_values(env: &mut Edn) {
    let Edn::Map(c) = env else { return };
    for e in &mut c.entries {
        if matches!(e.value, Edn::Map(_) | Edn::Vector(_))
            && let Some(json) = json_of(&e.value)
        {
            e.before.push(format!(
                "PM2 passes this object as its JSON text: {}",
                serde_json::to_string(&json).unwrap_or_default()
            ));
            e.value = Edn::Str(serde_json::to_string(&json).unwrap_or_default());
        }
    }
}

/// Takes a form out, leaving `nil`.
fn take(edn: &mut Edn) -> Edn {
    std::mem::replace(edn, Edn::Nil)
}

fn deploy(deploy: &mut Edn, dropped: &mut Vec<String>) {
    let Edn::Map(targets) = deploy else { return };
    for target in &mut targets.entries {
        let env = target.key_name().unwrap_or_default().to_string();
        let Edn::Map(settings) = &mut target.value else {
            continue;
        };
        let entries = std::mem::take(&mut settings.entries);
        for mut e in entries {
            let key = e.key_name().unwrap_or_default().to_string();
            match deploy_key(&Value::string(key.as_str())) {
                Ok(name) => {
                    e.key = Some(Edn::Keyword(name.replace('_', "-")));
                    unmark(&mut e.value, None);
                    settings.entries.push(e);
                }
                Err(_) => dropped.push(format!("deploy.{env} \"{key}\"")),
            }
        }
    }
}

/// Gives `config` the shape of a pm2-clj ecosystem, in place; `defs` are the file's
/// definitions (shared apps and bases are shaped where they are defined); `keys` says
/// which keys besides PM2's are kept. `Err` says what the config is when it is no
/// ecosystem.
pub fn shape(config: &mut Edn, defs: &mut Vec<Def>, keys: Keys) -> Result<Shaped, String> {
    let mut shaper = Shaper {
        defs,
        keys,
        dropped: Vec::new(),
        profiles: Vec::new(),
        shaped: Vec::new(),
    };
    let target: &mut Edn = match &mut *config {
        Edn::Frozen { value, .. } => value,
        other => other,
    };
    match target {
        Edn::Vector(_) => {
            let mut apps = std::mem::replace(target, Edn::Nil);
            shaper.apps(&mut apps);
            *target = Edn::map(vec![Entry::pair(Edn::Keyword("apps".into()), apps)]);
        }
        Edn::Map(top) if top.get("apps").is_some() || top.get("pm2").is_some() => {
            let has_apps = top.get("apps").is_some();
            let entries = std::mem::take(&mut top.entries);
            for mut e in entries {
                match e.key_name() {
                    Some("apps") => {
                        shaper.apps(&mut e.value);
                        top.entries.push(e);
                    }
                    Some("pm2") if !has_apps => {
                        e.key = Some(Edn::Keyword("apps".into()));
                        shaper.apps(&mut e.value);
                        top.entries.push(e);
                    }
                    Some("deploy") => {
                        deploy(&mut e.value, &mut shaper.dropped);
                        top.entries.push(e);
                    }
                    Some("static") => top.entries.push(e),
                    other => shaper
                        .dropped
                        .push(format!("top-level \"{}\"", other.unwrap_or("?"))),
                }
            }
        }
        Edn::Map(top) if top.get("static").is_some() => {}
        Edn::Map(_) => {
            let mut app = std::mem::replace(target, Edn::Nil);
            shaper.app(&mut app, "apps[0]");
            *target = Edn::map(vec![Entry::pair(Edn::Keyword("apps".into()), Edn::vector([app]))]);
        }
        Edn::List(_) | Edn::Symbol(_) => {}
        other => {
            return Err(match other {
                Edn::Nil => "nothing (null or undefined)".to_string(),
                Edn::Str(_) => "a string".to_string(),
                Edn::Int(_) | Edn::Float(_) => "a number".to_string(),
                Edn::Bool(_) => "a boolean".to_string(),
                _ => "no object".to_string(),
            });
        }
    }
    let profiles = std::mem::take(&mut shaper.profiles);
    let dropped = std::mem::take(&mut shaper.dropped);
    if !profiles.is_empty()
        && let Edn::Map(top) = target
    {
        let overlays = profiles
            .into_iter()
            .map(|(name, apps)| {
                Entry::pair(
                    Edn::key(&name),
                    Edn::map(vec![Entry::pair(Edn::Keyword("apps".into()), Edn::vector(apps))]),
                )
            })
            .collect();
        let mut entry = Entry::pair(Edn::Keyword("profiles".into()), Edn::map(overlays));
        entry
            .before
            .push("pm2 start --env NAME is pm2-clj's --profile NAME".into());
        top.entries.push(entry);
    }
    for def in defs.iter_mut() {
        unmark(&mut def.value, None);
    }
    unmark(config, None);
    Ok(Shaped { dropped })
}
