//! A PM2 config, as translated forms, given the shape of a pm2-clj ecosystem: `{:apps
//! [...]}` around an array or a lone app, kebab-case option keys, `env_<name>` blocks as
//! `:profiles {:<name> ...}` overlays (so `--profile <name>` gives what `pm2 start --env
//! <name>` gives) — those of a shared object spread into apps too, moved into `def`s of
//! their own — and only the keys PM2 reads: a key PM2 ignores, or the loser of two
//! spellings of one option, is left out, listed, and noted in the app (with a
//! did-you-mean for a misspelt option).
//!
//! What PM2 misreads is said where it is written: `env_file: ".env"` (PM2 never reads
//! the file: it takes the key as the environment of `--env file`) becomes the file's
//! variables, `#dotenv?`; a falsy value PM2's alias bug drops (`max_restarts: 0`) is kept
//! with a note. Apps that share a name (PM2 runs them side by side) are
//! [`ShapeError::DuplicateNames`], or renamed when asked; a config without any app that
//! has a script is [`ShapeError::NoApp`].

use std::collections::HashMap;

use pm2_dsl_emit::keys::{AppKey, app_key, deploy_key, named_key, snake};
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
    /// Apps renamed because they shared a name: index and name in the original.
    pub renamed: Vec<(usize, String)>,
}

/// Why a config cannot be shaped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapeError {
    /// It is no ecosystem: what it is.
    NotAnEcosystem(String),
    /// No app has a script: the keys left out, with a did-you-mean when one is close.
    NoApp(String),
    /// Apps share a name: each name, and the renaming that would tell them apart.
    DuplicateNames(Vec<(String, Vec<String>)>),
}

/// The edit distance between two short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
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
    match named_key(&Value::string(key)) {
        Some(AppKey::Option(spec)) if pm2_spellings(spec).iter().any(|s| s == key) => Some(spec.name),
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
    /// Give apps that share a name distinct names.
    rename: bool,
    /// The index of the app being shaped in `apps`.
    index: usize,
    /// The app names seen, with their indexes.
    names: Vec<(String, usize)>,
    /// Every app name written in the file (a renamed app takes none of them).
    written: Vec<String>,
    renamed: Vec<(usize, String)>,
    /// Names several apps have, with the indexes of those apps.
    duplicates: Vec<(String, Vec<usize>)>,
    /// The `env_<name>` blocks taken out of shared definitions, by definition: the
    /// profile and the definition now holding the block.
    def_envs: HashMap<String, Vec<(String, String)>>,
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
                    self.index = i;
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
            Edn::Map(c) => self.app_map(c, at, false),
            Edn::List(items) if matches!(items.first(), Some(Edn::Symbol(h)) if h == "merge") => {
                self.merged(items, at);
            }
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

    /// A part of a merged app: a map or a shared definition, shaped without a name of
    /// its own (its `env_<name>` blocks were taken out by [`Shaper::merged`]).
    fn part(&mut self, part: &mut Edn, at: &str) {
        match part {
            Edn::Map(c) => self.app_map(c, at, true),
            Edn::Symbol(name) => {
                let name = name.clone();
                if let Some(mut value) = self.def_mut(&name).map(take) {
                    self.shaped.push(name.clone());
                    self.part(&mut value, at);
                    self.put_def(&name, value);
                }
            }
            Edn::Frozen { value, .. } => self.part(value, at),
            _ => {}
        }
    }

    /// The value of the definition `name` when it is a map.
    fn def_map(&self, name: &str) -> Option<&Coll> {
        self.defs.iter().find(|d| d.name == name)?.value.as_map()
    }

    /// The `env_<name>` blocks of the shared definition `name`, each moved into a
    /// definition of its own (`common-env-production`) the first time: the profile and
    /// that definition's name.
    fn def_env_blocks(&mut self, name: &str) -> Vec<(String, String)> {
        if let Some(blocks) = self.def_envs.get(name) {
            return blocks.clone();
        }
        let mut blocks = Vec::new();
        let position = self.defs.iter().position(|d| d.name == name);
        if let Some(i) = position
            && let Edn::Map(c) = &mut self.defs[i].value
        {
            let (env_blocks, rest): (Vec<Entry>, Vec<Entry>) =
                std::mem::take(&mut c.entries).into_iter().partition(|e| {
                    e.key_name()
                        .is_some_and(|k| matches!(named_key(&Value::string(k)), Some(AppKey::EnvFor(_))))
                });
            c.entries = rest;
            let def = self.defs[i].clone();
            for (n, mut e) in env_blocks.into_iter().enumerate() {
                let key = e.key_name().unwrap_or_default().to_string();
                let profile = key.trim_start_matches("env_").to_string();
                let new_name = format!("{name}-{}", kebab(&key));
                env_values(&mut e.value);
                let mut comments = e.before.clone();
                comments.push(format!(
                    "{}'s {key}: the environment of --profile {profile} for the apps it is spread into",
                    def.js
                ));
                self.defs.insert(
                    i + 1 + n,
                    Def {
                        name: new_name.clone(),
                        js: format!("{}.{key}", def.js),
                        origin: e.origin.clone().unwrap_or_else(|| def.origin.clone()),
                        value: e.value,
                        comments,
                    },
                );
                blocks.push((profile, new_name));
            }
        }
        self.def_envs.insert(name.to_string(), blocks.clone());
        blocks
    }

    /// Registers the app name `name` (written in `entry`, when it can be renamed there):
    /// a name seen before is a duplicate, or — asked to rename — gets the first free
    /// `name-N`. The name the app has now.
    fn register(&mut self, name: String, entry: Option<&mut Entry>) -> String {
        let written = self.written.clone();
        let taken = |n: &str, names: &[(String, usize)]| {
            names.iter().any(|(m, _)| m == n) || written.iter().any(|w| w == n)
        };
        if !self.names.iter().any(|(m, _)| *m == name) {
            self.names.push((name.clone(), self.index));
            return name;
        }
        match entry {
            Some(entry) if self.rename => {
                let new = (2..)
                    .map(|n| format!("{name}-{n}"))
                    .find(|n| !taken(n, &self.names))
                    .unwrap_or_default();
                entry.value = Edn::Str(new.clone());
                entry.before.push(format!(
                    "named {name:?} in the original, as another app: PM2 ran both under that name; renamed so pm2-clj can tell them apart"
                ));
                self.renamed.push((self.index, name));
                self.names.push((new.clone(), self.index));
                new
            }
            _ => {
                let first = self.names.iter().find(|(m, _)| *m == name).map_or(0, |(_, i)| *i);
                match self.duplicates.iter_mut().find(|(m, _)| *m == name) {
                    Some((_, indexes)) => indexes.push(self.index),
                    None => self.duplicates.push((name.clone(), vec![first, self.index])),
                }
                name
            }
        }
    }

    /// An app written as `(merge part...)` (`{...common, name: 'api'}`): its name is the
    /// last one a part gives; the `env_<name>` blocks of its parts (the last of each
    /// wins, as object spread does) become its profile overlays.
    fn merged(&mut self, items: &mut Vec<Edn>, at: &str) {
        let mut blocks: Vec<(String, Edn)> = Vec::new();
        let mut name: Option<(usize, String)> = None;
        for (i, item) in items.iter_mut().enumerate().skip(1) {
            let item = match item {
                Edn::Frozen { value, .. } => value.as_mut(),
                other => other,
            };
            match item {
                Edn::Map(c) => {
                    if let Some(Edn::Str(n)) = c.get("name") {
                        name = Some((i, n.clone()));
                    }
                    let (env_blocks, rest): (Vec<Entry>, Vec<Entry>) =
                        std::mem::take(&mut c.entries).into_iter().partition(|e| {
                            e.key_name().is_some_and(|k| {
                                matches!(named_key(&Value::string(k)), Some(AppKey::EnvFor(_)))
                                    && !(k == "env_file" && matches!(e.value, Edn::Str(_)))
                            })
                        });
                    c.entries = rest;
                    for e in env_blocks {
                        let key = e.key_name().unwrap_or_default().to_string();
                        blocks.retain(|(p, _)| *p != key);
                        blocks.push((key, e.value));
                    }
                }
                Edn::Symbol(def) => {
                    let def = def.clone();
                    if let Some(Edn::Str(n)) = self.def_map(&def).and_then(|c| c.get("name")) {
                        name = Some((i, n.clone()));
                    }
                    for (profile, holder) in self.def_env_blocks(&def) {
                        let key = format!("env_{profile}");
                        blocks.retain(|(p, _)| *p != key);
                        blocks.push((key, Edn::Symbol(holder)));
                    }
                }
                _ => {}
            }
        }
        let name = name.map(|(i, n)| {
            let entry = match &mut items[i] {
                Edn::Map(c) => c.entries.iter_mut().find(|e| e.key_name() == Some("name")),
                _ => None,
            };
            match entry {
                Some(entry) => self.register(n, Some(entry)),
                None => self.register(n.clone(), None),
            }
        });
        for item in items.iter_mut().skip(1) {
            self.part(item, at);
        }
        match name {
            Some(name) => {
                for (key, mut value) in blocks {
                    let profile = key.trim_start_matches("env_").to_string();
                    env_values(&mut value);
                    let mut overlay = Coll::default();
                    overlay
                        .entries
                        .push(Entry::pair(Edn::Keyword("name".into()), Edn::Str(name.clone())));
                    overlay
                        .entries
                        .push(Entry::pair(Edn::Keyword("env".into()), value));
                    self.overlay(profile, overlay);
                }
            }
            None if !blocks.is_empty() => {
                // No name to give the overlays: the blocks stay in the app, as written.
                let entries = blocks
                    .into_iter()
                    .map(|(key, value)| Entry::pair(Edn::key(&key), value))
                    .collect();
                items.push(Edn::map(entries));
                self.dropped.push(format!(
                    "{at}: env_* blocks of an app without a name (no profiles made of them)"
                ));
            }
            None => {}
        }
    }

    /// Adds an app's overlay to a profile.
    fn overlay(&mut self, profile: String, app: Coll) {
        match self.profiles.iter_mut().find(|(p, _)| *p == profile) {
            Some((_, apps)) => apps.push(Edn::Map(app)),
            None => self.profiles.push((profile, vec![Edn::Map(app)])),
        }
    }

    /// Shapes an app map; `part`: it is one part of a merged app, whose name and
    /// overlays [`Shaper::merged`] takes care of.
    fn app_map(&mut self, app: &mut Coll, at: &str, part: bool) {
        // One spelling per option: the one PM2 reads.
        let mut losers = Vec::new();
        let specs: Vec<Option<&'static OptionSpec>> = app
            .entries
            .iter()
            .map(
                |e| match e.key_name().and_then(|k| named_key(&Value::string(k))) {
                    Some(AppKey::Option(spec)) => Some(spec),
                    _ => None,
                },
            )
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
            _ if part => None,
            (Some(Edn::Str(n)), _) => {
                let n = n.clone();
                let entry = app.entries.iter_mut().find(|e| e.key_name() == Some("name"));
                Some(self.register(n, entry))
            }
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
            for comment in loser.before.iter().chain(&loser.after) {
                notes_for.push((*winner, comment.clone()));
            }
            self.dropped.push(format!(
                "{at} \"{}\" (PM2 reads {} instead)",
                loser.key_name().unwrap_or_default(),
                entries[*winner].key_name().unwrap_or_default()
            ));
        }
        // Notes (and the comments) of entries left out, for the entry that follows.
        let mut carried: Vec<String> = Vec::new();
        let mut env_file: Option<(String, Vec<String>)> = None;
        for (i, mut entry) in entries.into_iter().enumerate() {
            if losers.iter().any(|(j, _)| *j == i) {
                continue;
            }
            for (_, note) in notes_for.iter().filter(|(w, _)| *w == i) {
                entry.before.push(note.clone());
            }
            let leave_out = |entry: Entry, note: String, carried: &mut Vec<String>| {
                carried.extend(entry.before);
                carried.push(note);
                carried.extend(entry.after);
            };
            let Some(key) = entry.key_name().map(str::to_string) else {
                self.dropped.push(format!("{at} a key that is not a name"));
                leave_out(entry, "left out: a key that is not a name".into(), &mut carried);
                continue;
            };
            let written = crate::edn::file_text(&[], &[(vec![], entry.value.clone())]);
            let written = written.trim();
            match app_key(&Value::string(key.as_str())) {
                AppKey::Option(spec) => {
                    if !pm2_spellings(spec).contains(&key) {
                        self.dropped
                            .push(format!("{at} \"{key}\" (PM2 does not read this spelling)"));
                        let note = format!(
                            "left out: {key} {written} (PM2 does not read this spelling of {})",
                            spec.name
                        );
                        leave_out(entry, note, &mut carried);
                        continue;
                    }
                    let new_key = if spec.name == "script" {
                        "script".to_string()
                    } else {
                        kebab(&key)
                    };
                    if camel_alias(spec.name) != spec.name
                        && key != camel_alias(spec.name)
                        && !truthy(&entry.value)
                        && entry.value != Edn::Nil
                    {
                        entry.before.push(format!(
                            "PM2 ignored this {written}: its alias bug drops a falsy {key}, so it used its default; pm2-clj applies it (remove it to keep what PM2 did)"
                        ));
                    }
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
                    entry.before.splice(0..0, carried.drain(..));
                    app.entries.push(entry);
                }
                AppKey::EnvFor(_) if key == "env_file" && matches!(entry.value, Edn::Str(_)) && !part => {
                    let Edn::Str(file) = &entry.value else { continue };
                    let mut notes = std::mem::take(&mut carried);
                    notes.extend(entry.before);
                    notes.push(format!(
                        "env_file {file:?}: PM2 never reads it as a file: it took it as the environment of `--env file`, one variable per character; its variables are read here, as meant (#dotenv?: none when it is missing)"
                    ));
                    notes.extend(entry.after);
                    env_file = Some((file.clone(), notes));
                }
                AppKey::EnvFor(block) => {
                    let profile = block.trim_start_matches("env_").to_string();
                    let overlay = match (&entry.value, &name) {
                        (Edn::Map(_) | Edn::Symbol(_), Some(_)) => {
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
                            self.overlay(profile, overlay_app);
                        }
                        None => {
                            env_values(&mut entry.value);
                            unmark(&mut entry.value, None);
                            entry.before.splice(0..0, carried.drain(..));
                            app.entries.push(entry);
                        }
                    }
                }
                AppKey::Health if self.keys == Keys::WithHealth => {
                    entry.key = Some(Edn::Keyword(key));
                    unmark(&mut entry.value, None);
                    entry.before.splice(0..0, carried.drain(..));
                    app.entries.push(entry);
                }
                AppKey::Unknown { suggestion, .. } => {
                    let hint = suggestion
                        .map(|s| format!("; did you mean {}?", snake(&s)))
                        .unwrap_or_default();
                    self.dropped.push(format!(
                        "{at} \"{key}\"{}",
                        hint.replace("; d", " (d").replace('?', "?)")
                    ));
                    let note = format!("left out: {key} {written} (PM2 does not read it{hint})");
                    leave_out(entry, note, &mut carried);
                }
                AppKey::Remove | AppKey::Health | AppKey::ForExport(_) | AppKey::NotAName => {
                    self.dropped.push(format!("{at} \"{key}\""));
                    let note = format!("left out: {key} {written} (PM2 does not read it)");
                    leave_out(entry, note, &mut carried);
                }
            }
        }
        if let Some((file, notes)) = env_file {
            let dotenv = Edn::Tagged("dotenv?", Box::new(Edn::Str(file)));
            match app.entries.iter_mut().find(|e| e.key_name() == Some("env")) {
                Some(env) => {
                    let own = std::mem::replace(&mut env.value, Edn::Nil);
                    env.value = Edn::call("merge", [dotenv, own]);
                    env.before.extend(notes);
                    env.before.push("env_file's variables, then the app's own".into());
                }
                None => {
                    let mut env = Entry::pair(Edn::Keyword("env".into()), dotenv);
                    env.before = notes;
                    app.entries.push(env);
                }
            }
        }
        app.trailing.splice(0..0, carried);
    }
}

/// Every `:name` string of a map in `edn`: the names a renamed app must not take.
fn names_in(edn: &Edn, out: &mut Vec<String>) {
    match edn {
        Edn::Map(c) => {
            if let Some(Edn::Str(n)) = c.get("name") {
                out.push(n.clone());
            }
            c.entries.iter().for_each(|e| names_in(&e.value, out));
        }
        Edn::Vector(c) => c.entries.iter().for_each(|e| names_in(&e.value, out)),
        Edn::List(items) => items.iter().for_each(|i| names_in(i, out)),
        Edn::Frozen { value, .. } | Edn::Tagged(_, value) => names_in(value, out),
        _ => {}
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
/// `rename`: give apps that share a name distinct names; `complete`: nothing was left out
/// (with a TODO), so an app without a script has none.
pub fn shape(
    config: &mut Edn,
    defs: &mut Vec<Def>,
    keys: Keys,
    rename: bool,
    complete: bool,
) -> Result<Shaped, ShapeError> {
    let mut shaper = Shaper {
        defs,
        keys,
        dropped: Vec::new(),
        profiles: Vec::new(),
        shaped: Vec::new(),
        rename,
        index: 0,
        names: Vec::new(),
        written: Vec::new(),
        renamed: Vec::new(),
        duplicates: Vec::new(),
        def_envs: HashMap::new(),
    };
    names_in(config, &mut shaper.written);
    let target: &mut Edn = match &mut *config {
        Edn::Frozen { value, .. } => value,
        other => other,
    };
    let mut single_app = false;
    match target {
        Edn::Vector(_) => {
            let mut apps = std::mem::replace(target, Edn::Nil);
            shaper.apps(&mut apps);
            *target = Edn::map(vec![Entry::pair(Edn::Keyword("apps".into()), apps)]);
        }
        Edn::Map(top) if top.get("apps").is_some() || top.get("pm2").is_some() => {
            let has_apps = top.get("apps").is_some();
            let entries = std::mem::take(&mut top.entries);
            let mut carried = Vec::new();
            for mut e in entries {
                match e.key_name() {
                    Some("apps") => shaper.apps(&mut e.value),
                    Some("pm2") if !has_apps => {
                        e.key = Some(Edn::Keyword("apps".into()));
                        shaper.apps(&mut e.value);
                    }
                    Some("deploy") => deploy(&mut e.value, &mut shaper.dropped),
                    Some("static") => {}
                    other => {
                        let other = other.unwrap_or("?").to_string();
                        shaper.dropped.push(format!("top-level \"{other}\""));
                        carried.extend(e.before);
                        carried.push(format!("left out: {other} (PM2 does not read it)"));
                        carried.extend(e.after);
                        continue;
                    }
                }
                e.before.splice(0..0, carried.drain(..));
                top.entries.push(e);
            }
            top.trailing.splice(0..0, carried);
        }
        Edn::Map(top) if top.get("static").is_some() => {}
        Edn::Map(_) => {
            single_app = true;
            let mut app = std::mem::replace(target, Edn::Nil);
            shaper.app(&mut app, "apps[0]");
            *target = Edn::map(vec![Entry::pair(Edn::Keyword("apps".into()), Edn::vector([app]))]);
        }
        Edn::List(_) | Edn::Symbol(_) => {}
        other => {
            return Err(ShapeError::NotAnEcosystem(match other {
                Edn::Nil => "nothing (null or undefined)".to_string(),
                Edn::Str(_) => "a string".to_string(),
                Edn::Int(_) | Edn::Float(_) => "a number".to_string(),
                Edn::Bool(_) => "a boolean".to_string(),
                _ => "no object".to_string(),
            }));
        }
    }
    if !shaper.duplicates.is_empty() {
        let mut suggested = Vec::new();
        for (name, indexes) in &shaper.duplicates {
            let mut taken: Vec<String> = shaper.written.clone();
            let mut names = vec![name.clone()];
            for _ in indexes.iter().skip(1) {
                let new = (2..)
                    .map(|n| format!("{name}-{n}"))
                    .find(|n| !taken.contains(n))
                    .unwrap_or_default();
                taken.push(new.clone());
                names.push(new);
            }
            suggested.push((name.clone(), names));
        }
        return Err(ShapeError::DuplicateNames(suggested));
    }
    if let Edn::Map(top) = &*target
        && complete
        && let Some(Edn::Vector(apps)) = top.get("apps")
        && apps
            .entries
            .iter()
            .all(|a| matches!(&a.value, Edn::Map(app) if app.get("script").is_none()))
    {
        let mut what: Vec<String> = shaper.dropped.clone();
        if single_app {
            // `app: [...]` for `apps: [...]`: the whole object was read as one app.
            for d in &mut what {
                let key = d.split('"').nth(1).unwrap_or_default().to_string();
                for top_key in ["apps", "deploy"] {
                    if key != top_key && distance(&key, top_key) <= 2 && key.len() > 1 {
                        d.push_str(&format!(" (did you mean {top_key}?)"));
                    }
                }
            }
        }
        return Err(ShapeError::NoApp(if what.is_empty() {
            "no app has a script".into()
        } else {
            format!("no app has a script; left out: {}", what.join(", "))
        }));
    }
    let profiles = std::mem::take(&mut shaper.profiles);
    let dropped = std::mem::take(&mut shaper.dropped);
    let renamed = std::mem::take(&mut shaper.renamed);
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
    Ok(Shaped { dropped, renamed })
}
