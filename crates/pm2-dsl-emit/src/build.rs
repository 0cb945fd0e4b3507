//! From a file's value to an [`Ecosystem`]: the top-level sections, the profile overlay
//! (deep-merged over the base, apps merged by `:name`), key normalisation, validation,
//! duplicate names, missing scripts, and `cwd` made absolute against the directory of
//! the file it was written in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use foldhash::fast::RandomState;
use indexmap::IndexMap;
use pm2_dsl_eval::{Map, UnsetEnv, Value, ValueKind, closest, deep_merge, resolve_path};
use pm2_dsl_reader::{SourceMap, Span};

use crate::error::{EmitError, EmitErrorKind, duplicate_key};
use crate::keys::{AppKey, app_key, deploy_key, key_text};
use crate::logs::{Logs, app_log_paths};
use crate::model::{DeployTarget, Ecosystem};
use crate::overrides::{Override, app_index, replacing, set_in};
use crate::schema::JsType;
use crate::spec::{AppSpec, Own};
use crate::validate::{as_js_number, check_data, check_env_block, check_option, js_type, text};

/// How to build an ecosystem.
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    /// The selected profile (without colon), if any.
    pub profile: Option<&'a str>,
    /// Profile names the evaluation saw in `#profile` maps (they are known profiles too).
    pub profiles_seen: &'a [String],
    /// The evaluation's sources, to find the file each `cwd` was written in.
    pub sources: &'a SourceMap,
    /// The directory relative `cwd`s resolve against when their file is unknown.
    pub base_dir: &'a Path,
    /// Leave relative `cwd`s as written.
    pub keep_relative_paths: bool,
    /// `--set` / `--unset` overrides, applied after the profile.
    pub overrides: &'a [Override],
    /// A profile the file does not define is a warning, and the file is used without an
    /// overlay (`sync --profile P` over a tree where only some files define `P`), rather
    /// than an error.
    pub profile_optional: bool,
    /// The environment variables the evaluation found unset (`#env X` that gave nil):
    /// an app environment variable left out because of one is reported.
    pub unset_env: &'a [UnsetEnv],
    /// Report such a variable as an error rather than a warning (`--strict-env`).
    pub strict_env: bool,
}

/// A built ecosystem and the warnings found on the way.
#[derive(Debug)]
pub struct Built {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Problems that do not stop rendering.
    pub warnings: Vec<EmitError>,
}

impl<'a> Settings<'a> {
    /// Settings for the evaluation whose sources are `sources`, relative `cwd`s of unknown
    /// files resolving against `base_dir`: no profile, no overrides, nothing found unset;
    /// the methods below change one thing each.
    ///
    /// ```
    /// # let sources = pm2_dsl_reader::SourceMap::default();
    /// let settings = pm2_dsl_emit::Settings::new(&sources, std::path::Path::new("/srv")).profile(Some("prod"));
    /// assert_eq!(settings.profile, Some("prod"));
    /// ```
    pub fn new(sources: &'a SourceMap, base_dir: &'a Path) -> Settings<'a> {
        Settings {
            profile: None,
            profiles_seen: &[],
            sources,
            base_dir,
            keep_relative_paths: false,
            overrides: &[],
            profile_optional: false,
            unset_env: &[],
            strict_env: false,
        }
    }

    /// Selects a profile (without colon).
    pub fn profile(self, profile: Option<&'a str>) -> Settings<'a> {
        Settings { profile, ..self }
    }

    /// Profile names the evaluation saw in `#profile` maps.
    pub fn profiles_seen(self, profiles_seen: &'a [String]) -> Settings<'a> {
        Settings {
            profiles_seen,
            ..self
        }
    }

    /// Leaves relative `cwd`s as written.
    pub fn keep_relative_paths(self, keep_relative_paths: bool) -> Settings<'a> {
        Settings {
            keep_relative_paths,
            ..self
        }
    }

    /// `--set` / `--unset` overrides, applied after the profile.
    pub fn overrides(self, overrides: &'a [Override]) -> Settings<'a> {
        Settings { overrides, ..self }
    }

    /// Whether a profile the file does not define is only a warning.
    pub fn profile_optional(self, profile_optional: bool) -> Settings<'a> {
        Settings {
            profile_optional,
            ..self
        }
    }

    /// The variables the evaluation found unset.
    pub fn unset_env(self, unset_env: &'a [UnsetEnv]) -> Settings<'a> {
        Settings { unset_env, ..self }
    }

    /// Reports an app variable left out for an unset one as an error (`--strict-env`).
    pub fn strict_env(self, strict_env: bool) -> Settings<'a> {
        Settings { strict_env, ..self }
    }
}

const SECTIONS: &[&str] = &["apps", "deploy", "profiles", "static", "logs"];

/// An app as written: options by canonical name, each with the key as written.
struct Draft {
    entries: IndexMap<String, (Value, Value), RandomState>,
    remove: Option<Value>,
    origin: Option<Span>,
}

impl Draft {
    fn name(&self) -> Option<String> {
        self.entries.get("name").and_then(|(_, v)| text(v))
    }

    fn name_origin(&self) -> Option<Span> {
        self.entries
            .get("name")
            .and_then(|(k, v)| v.origin().or(k.origin()))
    }
}

/// Builds the ecosystem a file's value describes. All problems are reported together:
/// errors (with the warnings) in `Err`, or warnings alone beside the ecosystem.
pub fn build(value: &Value, settings: &Settings) -> Result<Built, Vec<EmitError>> {
    let mut problems = Vec::new();
    let ecosystem = build_ecosystem(value, settings, &mut problems);
    if problems.iter().any(|p| !p.is_warning()) {
        return Err(problems);
    }
    Ok(Built {
        ecosystem,
        warnings: problems,
    })
}

fn build_ecosystem(value: &Value, settings: &Settings, problems: &mut Vec<EmitError>) -> Ecosystem {
    let (mut apps_value, mut deploy, mut profiles, mut statics) = (None, None, None, None);
    let mut logs = None;
    let mut profiles_key = None;
    match value.kind() {
        ValueKind::Map(top) => {
            for (key, v) in top.iter() {
                match key_text(key) {
                    Some("apps") => apps_value = Some(v.clone()),
                    Some("deploy") => deploy = Some(v.clone()),
                    Some("profiles") => {
                        profiles = Some(v.clone());
                        profiles_key = key.origin();
                    }
                    Some("static") => statics = Some(v.clone()),
                    Some("logs") => logs = Some(v.clone()),
                    other => problems.push(unknown_section(key, other)),
                }
            }
        }
        ValueKind::Vector(_) | ValueKind::List(_) => apps_value = Some(value.clone()),
        _ => {
            problems.push(EmitError::new(
                EmitErrorKind::NotAnEcosystem {
                    actual: value.type_name().to_string(),
                },
                value.origin(),
            ));
            return Ecosystem::default();
        }
    }
    let mut drafts = apps_value.map(|v| drafts_of(&v, problems)).unwrap_or_default();
    // Overrides apply after the profile, except those of `profiles` itself, which say
    // what the overlays are.
    let (of_profiles, overrides): (Vec<&Override>, Vec<&Override>) = settings
        .overrides
        .iter()
        .partition(|o| o.path.first().is_some_and(|s| s == "profiles"));
    for o in of_profiles {
        if let Err(problem) = override_section(o, &mut profiles) {
            problems.push(problem);
        }
    }
    if let Some(profile) = settings.profile
        && let Some(overlay) = overlay_for(
            profiles.as_ref(),
            profiles_key,
            value
                .origin()
                .map(|o| Span::new(o.source, o.start as usize, o.start as usize + 1)),
            profile,
            settings,
            problems,
        )
    {
        apply_overlay(&overlay, &mut drafts, &mut deploy, &mut logs, problems);
    }
    for o in overrides {
        let applied = match o.path.first().map(String::as_str) {
            Some("apps") => override_apps(o, &mut drafts),
            Some("deploy") => override_section(o, &mut deploy),
            Some("static") => override_section(o, &mut statics),
            Some("logs") => override_section(o, &mut logs),
            _ => Err(bad_override(
                o,
                "paths start with apps, deploy, static, logs or profiles",
            )),
        };
        if let Err(problem) = applied {
            problems.push(problem);
        }
    }
    let logs = logs.filter(|l| !l.is_nil()).map(|l| {
        let mut logs = crate::logs::logs(&l, problems);
        logs.dir = logs.dir.map(|dir| against_file(dir, settings));
        logs
    });
    let apps = finish_apps(drafts, settings, logs.as_ref(), problems);
    if let Some(statics) = &statics {
        check_data("static", statics, problems);
    }
    Ecosystem {
        apps,
        deploy: deploy.map(|d| deploy_targets(&d, problems)).unwrap_or_default(),
        statics,
        logs,
    }
}

/// An override that cannot be applied, labelled on its whole text.
fn bad_override(o: &Override, message: &str) -> EmitError {
    EmitError::new(
        EmitErrorKind::BadOverride {
            message: message.to_string(),
        },
        Some(o.source.span(0, o.source.text().len())),
    )
}

/// Applies an override of a top-level section other than `:apps` (`deploy...`,
/// `static...`, `logs...`, `profiles...`): `--unset deploy` removes the section.
fn override_section(o: &Override, section: &mut Option<Value>) -> Result<(), EmitError> {
    if o.path.len() == 1 && o.value.is_none() {
        *section = None;
        return Ok(());
    }
    let current = section.clone().unwrap_or_else(Value::nil);
    *section = Some(set_in(&current, &o.path[1..], o.value.as_ref(), o)?);
    Ok(())
}

/// Applies an override of `apps`: `apps.NAME.OPTION...` to the app's draft (the option
/// in any spelling); `--unset apps.NAME` removes the app, `--unset apps` every app.
fn override_apps(o: &Override, drafts: &mut Vec<Draft>) -> Result<(), EmitError> {
    let names: Vec<String> = drafts.iter().map(|d| d.name().unwrap_or_default()).collect();
    let (name, option, nested) = match (o.path.as_slice(), &o.value) {
        ([_], None) => {
            drafts.clear();
            return Ok(());
        }
        ([_, name], None) => {
            drafts.remove(app_index(&names, name, o)?);
            return Ok(());
        }
        ([_, name, option, nested @ ..], _) => (name, option, nested),
        _ => {
            return Err(bad_override(
                o,
                "name an app and an option, as in apps.api.instances=2",
            ));
        }
    };
    let draft = &mut drafts[app_index(&names, name, o)?];
    let key = Value::keyword(option.as_str());
    let canonical = match app_key(&key) {
        AppKey::Option(spec) => spec.name.to_string(),
        AppKey::EnvFor(name) => name,
        AppKey::Health => "health".to_string(),
        AppKey::ForExport(k) => k.name.to_string(),
        AppKey::Unknown { written, suggestion } => {
            return Err(EmitError::new(
                EmitErrorKind::UnknownKey {
                    key: written,
                    suggestion,
                },
                Some(o.source.span(0, o.source.text().len())),
            ));
        }
        AppKey::Remove | AppKey::NotAName => return Err(bad_override(o, "that is not an option")),
    };
    let current = draft
        .entries
        .get(&canonical)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(Value::nil);
    let updated = if nested.is_empty() {
        o.value.as_ref().map(|_| replacing(&current, o.value.as_ref()))
    } else {
        Some(set_in(&current, nested, o.value.as_ref(), o)?)
    };
    match updated {
        Some(value) => match draft.entries.get_mut(&canonical) {
            Some(slot) => slot.1 = value,
            None => {
                draft.entries.insert(canonical, (key, value));
            }
        },
        None => {
            draft.entries.shift_remove(&canonical);
        }
    }
    Ok(())
}

fn unknown_section(key: &Value, text: Option<&str>) -> EmitError {
    let written = key.to_edn_short();
    let suggestion = text
        .and_then(|t| closest(t, SECTIONS.iter().copied()))
        .map(|s| format!(":{s}"));
    EmitError::new(
        EmitErrorKind::UnknownTopLevelKey {
            key: written,
            suggestion,
        },
        key.origin(),
    )
}

/// The apps of an `:apps` value (a vector of maps, or one map), as drafts.
fn drafts_of(apps: &Value, problems: &mut Vec<EmitError>) -> Vec<Draft> {
    match apps.kind() {
        ValueKind::Map(_) => draft(apps, problems).into_iter().collect(),
        ValueKind::Vector(items) | ValueKind::List(items) => {
            items.iter().filter_map(|a| draft(a, problems)).collect()
        }
        ValueKind::Nil => Vec::new(),
        _ => {
            problems.push(app_shape(apps));
            Vec::new()
        }
    }
}

fn app_shape(value: &Value) -> EmitError {
    EmitError::new(
        EmitErrorKind::AppShape {
            actual: value.type_name().to_string(),
        },
        value.origin(),
    )
}

/// One app map, its keys normalised.
fn draft(app: &Value, problems: &mut Vec<EmitError>) -> Option<Draft> {
    let Some(map) = app.as_map() else {
        problems.push(app_shape(app));
        return None;
    };
    let mut draft = Draft {
        entries: IndexMap::with_capacity_and_hasher(map.len(), RandomState::default()),
        remove: None,
        origin: app.origin(),
    };
    for (key, value) in map.iter() {
        let canonical = match app_key(key) {
            AppKey::Option(spec) => spec.name.to_string(),
            AppKey::EnvFor(name) => name,
            AppKey::Health => "health".to_string(),
            AppKey::ForExport(k) => k.name.to_string(),
            AppKey::Remove => {
                draft.remove = Some(value.clone());
                continue;
            }
            AppKey::Unknown { written, suggestion } => {
                problems.push(EmitError::new(
                    EmitErrorKind::UnknownKey {
                        key: written,
                        suggestion,
                    },
                    key.origin(),
                ));
                continue;
            }
            AppKey::NotAName => {
                problems.push(EmitError::new(
                    EmitErrorKind::KeyNotAName {
                        actual: key.type_name().to_string(),
                    },
                    key.origin(),
                ));
                continue;
            }
        };
        if let Some((first, _)) = draft.entries.get(&canonical) {
            problems.push(
                EmitError::new(EmitErrorKind::DuplicateOption { option: canonical }, key.origin())
                    .with_label(first.origin(), "first written here"),
            );
            continue;
        }
        draft.entries.insert(canonical, (key.clone(), value.clone()));
    }
    Some(draft)
}

/// The overlay of `profile`, or an error if no profile of that name is known.
fn overlay_for(
    profiles: Option<&Value>,
    profiles_key: Option<Span>,
    file_start: Option<Span>,
    profile: &str,
    settings: &Settings,
    problems: &mut Vec<EmitError>,
) -> Option<Value> {
    let mut known: Vec<String> = settings.profiles_seen.to_vec();
    if let Some(profiles) = profiles {
        let Some(map) = profiles.as_map() else {
            problems.push(EmitError::new(
                EmitErrorKind::ProfileShape {
                    actual: profiles.type_name().to_string(),
                },
                profiles.origin(),
            ));
            return None;
        };
        for (key, overlay) in map.iter() {
            let Some(name) = key_text(key) else { continue };
            if name == profile {
                return Some(overlay.clone());
            }
            known.push(name.to_string());
        }
    }
    if settings.profiles_seen.iter().any(|p| p == profile) {
        return None;
    }
    if settings.profile_optional {
        let at = profiles_key.or(file_start);
        problems.push(EmitError::new(
            EmitErrorKind::ProfileNotHere {
                profile: profile.to_string(),
            },
            at,
        ));
        return None;
    }
    known.sort();
    known.dedup();
    let suggestion = closest(profile, known.iter().map(String::as_str)).map(|s| format!(":{s}"));
    problems.push(EmitError::new(
        EmitErrorKind::UnknownProfile {
            profile: profile.to_string(),
            suggestion,
            known: known.iter().map(|k| format!(":{k}")).collect(),
        },
        // A file without `:profiles` is still named, at its start.
        profiles_key.or(file_start),
    ));
    None
}

/// Deep-merges a profile overlay over the base: apps by `:name` (same name: merged;
/// new name: appended; `:pm2-clj/remove true`: removed), `:deploy` and `:logs` as maps.
fn apply_overlay(
    overlay: &Value,
    drafts: &mut Vec<Draft>,
    deploy: &mut Option<Value>,
    logs: &mut Option<Value>,
    problems: &mut Vec<EmitError>,
) {
    let Some(map) = overlay.as_map() else {
        problems.push(EmitError::new(
            EmitErrorKind::ProfileShape {
                actual: overlay.type_name().to_string(),
            },
            overlay.origin(),
        ));
        return;
    };
    for (key, value) in map.iter() {
        match key_text(key) {
            Some("apps") => {
                let overlays = drafts_of(value, problems);
                merge_apps(drafts, overlays, problems);
            }
            Some(section @ ("deploy" | "logs")) => {
                let slot = if section == "deploy" {
                    &mut *deploy
                } else {
                    &mut *logs
                };
                *slot = Some(match slot.take() {
                    Some(base) => deep_merge(&base, value),
                    None => value.clone(),
                });
            }
            other => problems.push(unknown_section(key, other)),
        }
    }
}

/// Merges a profile's apps into the base apps by name, in one pass over each: same
/// name: deep-merged; new name: appended; `:pm2-clj/remove`: removed.
fn merge_apps(drafts: &mut Vec<Draft>, overlays: Vec<Draft>, problems: &mut Vec<EmitError>) {
    let mut by_name: HashMap<String, usize> = HashMap::with_capacity(drafts.len());
    for (i, draft) in drafts.iter().enumerate() {
        if let Some(name) = draft.name() {
            by_name.entry(name).or_insert(i);
        }
    }
    let mut removed = vec![false; drafts.len()];
    for over in overlays {
        let Some(name) = over.name() else {
            problems.push(EmitError::new(EmitErrorKind::ProfileAppWithoutName, over.origin));
            continue;
        };
        let removing = over.remove.as_ref().is_some_and(|r| !r.is_falsy());
        match by_name.get(&name).copied().filter(|&i| !removed[i]) {
            None if removing => problems.push(EmitError::new(
                EmitErrorKind::RemoveUnknownApp { name },
                over.name_origin(),
            )),
            None => {
                by_name.insert(name, drafts.len());
                removed.push(false);
                drafts.push(over);
            }
            Some(index) if removing => removed[index] = true,
            Some(index) => merge_app(&mut drafts[index], over),
        }
    }
    let mut index = 0;
    drafts.retain(|_| {
        index += 1;
        !removed[index - 1]
    });
}

/// Deep-merges an overlay app's options into the base app's.
fn merge_app(base: &mut Draft, over: Draft) {
    for (option, (key, value)) in over.entries {
        let merged = match base.entries.get(&option) {
            Some((_, base_value)) => deep_merge(base_value, &value),
            None => value,
        };
        match base.entries.get_mut(&option) {
            Some(slot) => slot.1 = merged,
            None => {
                base.entries.insert(option, (key, merged));
            }
        }
    }
}

/// What pm2 reads `name` as, when it is not the name of one app: `all` is every app,
/// digits are a pm2 id, `/.../` is a regular expression over names, and a `,` or
/// surrounding spaces split it into several names (`--only a,b`).
pub fn reserved_name(name: &str) -> Option<&'static str> {
    if name == "all" {
        Some("every app")
    } else if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        Some("a pm2 id")
    } else if name.len() > 1 && name.starts_with('/') && name.ends_with('/') {
        Some("a regular expression over app names")
    } else if name.contains(',') {
        Some("a list of app names")
    } else if name.trim() != name || name.is_empty() {
        Some("another name (pm2 trims it)")
    } else {
        None
    }
}

/// The first character of an app name that could fake pm2's output where pm2 prints
/// the name: a control character (a newline, an escape), a bidirectional-text control
/// (which reorders what follows on the line) or a line separator
/// ([`pm2_dsl_reader::breaks_a_line`]).
fn control_character(name: &str) -> Option<char> {
    name.chars().find(|&c| pm2_dsl_reader::breaks_a_line(c))
}

/// Validates the drafts and turns them into apps.
fn finish_apps(
    drafts: Vec<Draft>,
    settings: &Settings,
    logs: Option<&Logs>,
    problems: &mut Vec<EmitError>,
) -> Vec<AppSpec> {
    let mut apps = Vec::with_capacity(drafts.len());
    let mut names: HashMap<String, Option<Span>> = HashMap::with_capacity(drafts.len());
    for draft in drafts {
        if draft.remove.as_ref().is_some_and(|r| !r.is_falsy()) {
            continue;
        }
        if let Some(name) = draft.name() {
            if let Some(character) = control_character(&name) {
                problems.push(EmitError::new(
                    EmitErrorKind::NameControlCharacter {
                        name: name.clone(),
                        character,
                    },
                    draft.name_origin(),
                ));
            } else if let Some(reading) = reserved_name(&name) {
                problems.push(EmitError::new(
                    EmitErrorKind::ReservedName {
                        name: name.clone(),
                        reading: reading.to_string(),
                    },
                    draft.name_origin(),
                ));
            }
            if let Some(first) = names.get(&name) {
                problems.push(
                    EmitError::new(
                        EmitErrorKind::DuplicateApp { name: name.clone() },
                        draft.name_origin(),
                    )
                    .with_label(*first, "first app with this name"),
                );
            } else {
                names.insert(name, draft.name_origin());
            }
        }
        if !draft.entries.contains_key("script") {
            problems.push(EmitError::new(
                EmitErrorKind::MissingScript { app: draft.name() },
                draft.origin,
            ));
        }
        let mut options = Vec::with_capacity(draft.entries.len() + 2);
        let mut health = None;
        let mut own = Own::default();
        let name = draft.name();
        for (option, (key, value)) in draft.entries {
            if value.is_nil() {
                continue;
            }
            match option.as_str() {
                "health" => {
                    health = crate::health::health(&key, &value, problems);
                    continue;
                }
                "image" => {
                    own.image = crate::target_values::image(&value, problems).map(Box::new);
                    continue;
                }
                "ports" => {
                    own.ports = crate::target_values::ports(&value, problems).map(Box::new);
                    continue;
                }
                "export" => {
                    own.export = crate::target_values::escapes(&value, problems).map(Box::new);
                    continue;
                }
                _ => {}
            }
            let before = problems.len();
            let spec = crate::schema::option(&option);
            match spec {
                Some(spec) => check_option(spec, &key, &value, problems),
                None => check_env_block(&option, &key, &value, problems),
            }
            if problems.len() == before {
                check_data(&option, &value, problems);
            }
            let value = match spec {
                Some(spec) if spec.types.contains(&JsType::Number) => as_js_number(value),
                _ => value,
            };
            let value = match option.as_str() {
                "cwd" => against_file(value, settings),
                "exec_interpreter" if is_relative_path(&value) => against_file(value, settings),
                "env" => without_nil_env(value, &option, name.as_deref(), settings, problems),
                o if o.starts_with("env_") => without_nil_env(value, o, name.as_deref(), settings, problems),
                _ => value,
            };
            options.push((option, value));
        }
        if let (Some(dir), Some(logs), Some(name)) = (logs.and_then(Logs::dir), logs, &name) {
            let origin = logs.dir.as_ref().and_then(Value::origin);
            for (option, path) in app_log_paths(dir, name) {
                if !options.iter().any(|(o, _)| o == option) {
                    let mut value = Value::new(ValueKind::Str(path.into()), origin);
                    if let Some(dir) = &logs.dir {
                        value = value.hidden_like(dir);
                    }
                    options.push((option.to_string(), value));
                }
            }
        }
        apps.push(AppSpec::new(options, health).with_own(own));
    }
    apps
}

/// Env blocks leave out variables whose value is nil; a nil that an unset `#env X`
/// gave is reported (a warning, or an error when `strict_env`).
fn without_nil_env(
    value: Value,
    block: &str,
    app: Option<&str>,
    settings: &Settings,
    problems: &mut Vec<EmitError>,
) -> Value {
    let Some(map) = value.as_map() else { return value };
    if !map.values().any(Value::is_nil) {
        return value;
    }
    for (key, nil) in map.iter().filter(|(_, v)| v.is_nil()) {
        let Some(unset) = nil
            .origin()
            .and_then(|at| settings.unset_env.iter().find(|u| u.at == at))
        else {
            continue;
        };
        problems.push(EmitError::new(
            EmitErrorKind::UnsetEnv {
                var: unset.name.clone(),
                key: format!("{block} {}", pm2_dsl_eval::key_text(key)),
                app: app.map(str::to_string),
                strict: settings.strict_env,
            },
            Some(unset.at),
        ));
    }
    let kept: Map = map
        .iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::new(ValueKind::Map(kept), value.origin()).hidden_like(&value)
}

/// The absolute folder of the file at `path` (as named, relative to the current folder
/// or absolute): `api.pm2.edn` is in the current folder, not in "". Every command finds a
/// source's folder with this one function: relative `cwd`s resolve against it, and
/// generated files go beside it.
pub fn folder_of(path: &Path) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    absolute(parent)
}

/// `path` made absolute against the current folder, with `.` and `..` taken out,
/// without touching the disk.
pub fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    PathBuf::from(resolve_path(None, &path.to_string_lossy()))
}

/// Whether a value is a relative path with a folder in it (`./bin/node`,
/// `.venv/bin/python`), as opposed to a command PM2 finds on `PATH` (`python3`).
fn is_relative_path(value: &Value) -> bool {
    value.as_str().is_some_and(|p| {
        let path = Path::new(p);
        path.is_relative() && path.components().count() > 1
    })
}

/// A relative path (`cwd`, a path-like `:interpreter`, `:logs :dir`), made absolute
/// against the directory of the file it was written in, unless relative paths are kept.
fn against_file(value: Value, settings: &Settings) -> Value {
    let Some(cwd) = value.as_str() else { return value };
    if settings.keep_relative_paths || Path::new(cwd).is_absolute() {
        return value;
    }
    let dir = match value.origin().and_then(|o| settings.sources.get(o.source)) {
        Some(source) => folder_of(Path::new(source.name())),
        None => absolute(settings.base_dir),
    };
    let joined = resolve_path(None, &dir.join(cwd).to_string_lossy());
    let joined = joined
        .strip_suffix('/')
        .filter(|j| !j.is_empty())
        .unwrap_or(&joined)
        .to_string();
    Value::new(ValueKind::Str(joined.into()), value.origin()).hidden_like(&value)
}

/// The deploy section: environment names to settings under pm2-deploy's key names.
fn deploy_targets(deploy: &Value, problems: &mut Vec<EmitError>) -> Vec<DeployTarget> {
    let shape = |v: &Value| {
        EmitError::new(
            EmitErrorKind::DeployShape {
                actual: v.type_name().to_string(),
            },
            v.origin(),
        )
    };
    let Some(map) = deploy.as_map() else {
        problems.push(shape(deploy));
        return Vec::new();
    };
    let mut targets: Vec<DeployTarget> = Vec::new();
    let mut names: HashMap<&str, &Value> = HashMap::new();
    for (env, settings) in map.iter() {
        let (Some(name), Some(entries)) = (key_text(env), settings.as_map()) else {
            problems.push(shape(settings));
            continue;
        };
        if let Some(first) = names.insert(name, env) {
            problems.push(duplicate_key("deploy", name, env, first));
        }
        let mut out = Vec::new();
        let mut written: HashMap<&str, &Value> = HashMap::new();
        for (key, value) in entries.iter() {
            match deploy_key(key) {
                Ok(_) if value.is_nil() => {}
                Ok(canonical) => {
                    if let Some(first) = written.insert(canonical, key) {
                        problems.push(duplicate_key(&format!("deploy {name}"), canonical, key, first));
                    }
                    check_data(&format!("deploy {name} {canonical}"), value, problems);
                    if canonical == "env" {
                        check_env_block("deploy env", key, value, problems);
                    } else if !matches!(
                        js_type(value),
                        Some(JsType::String | JsType::Number | JsType::Boolean | JsType::Array)
                    ) {
                        problems.push(EmitError::new(
                            EmitErrorKind::WrongType {
                                option: format!("deploy {canonical}"),
                                expected: "a string".into(),
                                actual: value.type_name().to_string(),
                            },
                            value.origin(),
                        ));
                    }
                    out.push((canonical.to_string(), value.clone()));
                }
                Err(suggestion) => problems.push(EmitError::new(
                    EmitErrorKind::UnknownDeployKey {
                        key: key.to_edn_short(),
                        suggestion,
                    },
                    key.origin(),
                )),
            }
        }
        targets.push(DeployTarget {
            name: name.to_string(),
            settings: out,
        });
    }
    targets
}
