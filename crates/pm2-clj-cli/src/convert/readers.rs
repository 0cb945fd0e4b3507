//! Reading ecosystem files into JSON values: JSON5 (PM2 evaluates `.json` as a
//! JavaScript object literal), YAML, and JavaScript through `node`.

use std::path::Path;
use std::process::Command;

use miette::{LabeledSpan, MietteDiagnostic};
use pm2_dsl_reader::Source;
use serde_json::Value as Json;
use yaml_rust2::{Yaml, YamlLoader};

use super::paths_of;
use crate::failure::Failure;
use crate::input::read_source;

/// A loaded ecosystem and what is known about how it was computed.
pub struct Loaded {
    pub config: Json,
    env: Vec<(String, Option<String>)>,
    required: Vec<String>,
    dir: Option<String>,
    default_export: bool,
}

impl Loaded {
    /// A config read as data (nothing dynamic).
    pub fn plain(config: Json) -> Loaded {
        Loaded {
            config,
            env: Vec::new(),
            required: Vec::new(),
            dir: None,
            default_export: false,
        }
    }

    /// The notes for the header comment: values that came from dynamic JavaScript.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.default_export {
            notes.push(
                "The file used `export default`, which PM2 cannot load (it needs `export const apps`); its default export was converted."
                    .to_string(),
            );
        }
        for (var, value) in &self.env {
            let mut paths = Vec::new();
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                paths_of(&self.config, value, false, String::new(), &mut paths);
            }
            let found = match (value, paths.is_empty()) {
                (None, _) => "it was not set, so what it fed is missing below".to_string(),
                (Some(_), true) => "its value at conversion time was written in".to_string(),
                (Some(_), false) => format!(
                    "its value at conversion time was written in at {}",
                    paths.join(", ")
                ),
            };
            notes.push(format!(
                "The file read process.env.{var}: {found}. Use #env {var} (or #or [#env {var} default]) to keep reading it."
            ));
        }
        if let Some(dir) = &self.dir {
            let mut paths = Vec::new();
            paths_of(&self.config, dir, true, String::new(), &mut paths);
            if !paths.is_empty() {
                notes.push(format!(
                    "These hold the file's own folder (from __dirname or path.resolve): {}. In .pm2.edn a relative :cwd is resolved against the file's folder.",
                    paths.join(", ")
                ));
            }
        }
        if !self.required.is_empty() {
            notes.push(format!(
                "The file required {}; values computed from them were fixed at conversion time.",
                self.required.join(", ")
            ));
        }
        notes
    }
}

fn parse_failure(path: &Path, text: String, message: String, offset: Option<usize>) -> Failure {
    let source = Source::standalone(path.display().to_string(), text);
    let mut diagnostic = MietteDiagnostic::new(format!("cannot read {}: {message}", path.display()))
        .with_code("cli::convert-parse")
        .with_help("PM2 could not load this file either; fix it and convert again");
    if let Some(offset) = offset {
        diagnostic = diagnostic.with_label(LabeledSpan::at_offset(offset.min(source.text().len()), "here"));
    }
    Failure::Input(vec![miette::Report::new(diagnostic).with_source_code(source)])
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    start + column.saturating_sub(1)
}

/// A `.json` / `.json5` file: JSON5, or failing that a JavaScript expression evaluated
/// by `node` as PM2 evaluates it. When both fail, the JSON5 error is reported.
pub fn json_family(path: &Path) -> Result<Loaded, Failure> {
    let text = read_source(path)?;
    match json5::from_str::<Json>(&text) {
        Ok(config) => Ok(Loaded::plain(config)),
        Err(e) => run_node(path, &["--expression"]).map_err(|_| {
            let offset = e.position().map(|p| offset_of(&text, p.line + 1, p.column + 1));
            parse_failure(path, text.clone(), e.to_string(), offset)
        }),
    }
}

/// A YAML file.
pub fn yaml(path: &Path) -> Result<Json, Failure> {
    let text = read_source(path)?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| {
        let offset = offset_of(&text, e.marker().line(), e.marker().col() + 1);
        parse_failure(path, text.clone(), e.info().to_string(), Some(offset))
    })?;
    Ok(docs.first().map(yaml_to_json).unwrap_or(Json::Null))
}

fn yaml_to_json(yaml: &Yaml) -> Json {
    match yaml {
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Json::Null, Json::Number),
        Yaml::Integer(i) => Json::from(*i),
        Yaml::String(s) => Json::from(s.as_str()),
        Yaml::Boolean(b) => Json::Bool(*b),
        Yaml::Array(items) => Json::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Real(r) => r.clone(),
                        Yaml::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Json::Null,
    }
}

/// A JavaScript ecosystem file, loaded with `node` as PM2 loads it.
pub fn javascript(path: &Path) -> Result<Loaded, Failure> {
    read_source(path)?;
    run_node(path, &[])
}

fn run_node(path: &Path, extra: &[&str]) -> Result<Loaded, Failure> {
    let out = Command::new("node")
        .args(["-e", include_str!("load.js")])
        .arg(path)
        .args(extra)
        .output()
        .map_err(|e| {
            Failure::input(Failure::plain(
                "cli::node-missing",
                format!("cannot run node to load {}: {e}", path.display()),
                Some(
                    "JavaScript ecosystem files are loaded with node, as PM2 loads them; install Node.js"
                        .into(),
                ),
            ))
        })?;
    if !out.status.success() {
        let message = String::from_utf8_lossy(&out.stderr);
        let first = message
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("node failed")
            .to_string();
        return Err(Failure::input(Failure::plain(
            "cli::convert-load",
            format!("node cannot load {}: {first}", path.display()),
            Some(
                "PM2 could not load it either; install what it requires or fix it, then convert again".into(),
            ),
        )));
    }
    let v: Json = serde_json::from_slice(&out.stdout).map_err(|e| {
        Failure::input(Failure::plain(
            "cli::convert-load",
            format!("unexpected output from node: {e}"),
            None,
        ))
    })?;
    let strings = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    Ok(Loaded {
        config: v["config"].clone(),
        env: v["env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| {
                Some((
                    pair[0].as_str()?.to_string(),
                    pair[1].as_str().map(str::to_string),
                ))
            })
            .collect(),
        required: strings("required"),
        dir: v["dir"].as_str().map(str::to_string),
        default_export: v["defaultExport"].as_bool().unwrap_or(false),
    })
}
