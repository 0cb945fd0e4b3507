//! YAML ecosystem files, with their comments: full-line comments go before the key on
//! the next line — unless they are indented deeper than it, as a commented-out option
//! at the end of an app is: those stay at the end of the map they are in —, a comment
//! after a value stays at the end of its line, and the comments at the top head the
//! file.

use yaml_rust2::{Yaml, YamlLoader};

use crate::edn::{Coll, Edn, Entry};
use crate::error::{ConvertError, ConvertErrorKind, at_text};

/// A comment of the text: the line of the key it annotates (the next key line, or the
/// same line), and its text.
struct LineComment {
    key_line: usize,
    place: Place,
    text: String,
}

/// Where a comment goes, relative to the entry of its key line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// On the lines before it.
    Before,
    /// At the end of its line.
    SameLine,
    /// After the last entry of the map it is in.
    After,
}

/// Where a `#` starts a comment in `line` (outside quotes), if it does.
fn comment_start(line: &str) -> Option<usize> {
    let (mut single, mut double, mut previous) = (false, false, ' ');
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && previous != '\\' => double = !double,
            '#' if !single && !double && previous.is_whitespace() => return Some(i),
            _ => {}
        }
        previous = c;
    }
    None
}

/// Whether `line` holds a mapping key (`key:` or `- key:`).
fn key_of(line: &str) -> Option<String> {
    let body = line.trim_start().trim_start_matches("- ").trim_start();
    let (key, _) = body.split_once(':')?;
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty() && !key.starts_with('#') && !key.contains(' ')).then(|| key.to_string())
}

/// The column a key line's key starts at, and the column of its `- ` when it starts
/// an item.
fn columns(line: &str) -> (usize, Option<usize>) {
    let indent = line.len() - line.trim_start().len();
    match line.trim_start().strip_prefix("- ") {
        Some(rest) => (line.len() - rest.trim_start().len(), Some(indent)),
        None => (indent, None),
    }
}

/// The key lines of the text, in order, and the comments.
fn scan(text: &str) -> (Vec<usize>, Vec<LineComment>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut keys: Vec<usize> = Vec::new();
    let mut comments = Vec::new();
    let mut header = Vec::new();
    let mut pending: Vec<(usize, String)> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if let Some(text) = trimmed.strip_prefix('#') {
            pending.push((line.len() - trimmed.len(), text.trim().to_string()));
            continue;
        }
        if trimmed.is_empty() || trimmed == "---" {
            if keys.is_empty() {
                header.extend(pending.drain(..).map(|(_, t)| t));
            }
            continue;
        }
        let code = comment_start(line).map_or(*line, |i| &line[..i]);
        if key_of(code).is_some() {
            if keys.is_empty() {
                header.extend(pending.drain(..).map(|(_, t)| t));
            }
            let (key_column, dash) = columns(code);
            let level = dash.unwrap_or(key_column);
            for (column, text) in pending.drain(..) {
                // Deeper than the next key: the end of the block before it.
                let owner = (column > level)
                    .then(|| {
                        keys.iter()
                            .rev()
                            .find(|k| columns(lines[**k]).0 <= column)
                            .copied()
                    })
                    .flatten();
                comments.push(match owner {
                    Some(line) => LineComment {
                        key_line: line,
                        place: Place::After,
                        text,
                    },
                    None => LineComment {
                        key_line: n,
                        place: Place::Before,
                        text,
                    },
                });
            }
            keys.push(n);
            if let Some(i) = comment_start(line) {
                comments.push(LineComment {
                    key_line: n,
                    place: Place::SameLine,
                    text: line[i + 1..].trim().to_string(),
                });
            }
        }
    }
    header.extend(pending.into_iter().map(|(_, t)| t));
    (keys, comments, header)
}

fn to_edn(yaml: &Yaml) -> Edn {
    match yaml {
        Yaml::Real(r) => r.parse::<f64>().map_or(Edn::Str(r.clone()), Edn::Float),
        Yaml::Integer(i) => Edn::Int(*i),
        Yaml::String(s) => Edn::Str(s.clone()),
        Yaml::Boolean(b) => Edn::Bool(*b),
        Yaml::Array(items) => Edn::vector(items.iter().map(to_edn)),
        Yaml::Hash(map) => Edn::map(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Real(r) => r.clone(),
                        Yaml::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    Entry::pair(Edn::key(&key), to_edn(v))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Edn::Nil,
    }
}

/// A YAML value as JSON (keys as text; aliases and bad values as null).
pub fn json_of(yaml: &Yaml) -> serde_json::Value {
    use serde_json::Value as Json;
    match yaml {
        Yaml::Real(r) => r.parse::<f64>().map_or(Json::from(r.as_str()), Json::from),
        Yaml::Integer(i) => Json::from(*i),
        Yaml::String(s) => Json::from(s.as_str()),
        Yaml::Boolean(b) => Json::from(*b),
        Yaml::Array(items) => Json::Array(items.iter().map(json_of).collect()),
        Yaml::Hash(map) => Json::Object(
            map.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), json_of(v))))
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Json::Null,
    }
}

/// How many map entries `edn` holds, at any depth.
fn count_entries(edn: &Edn) -> usize {
    match edn {
        Edn::Map(c) => c.entries.iter().map(|e| 1 + count_entries(&e.value)).sum(),
        Edn::Vector(c) => c.entries.iter().map(|e| count_entries(&e.value)).sum(),
        _ => 0,
    }
}

/// Gives the map entries, numbered in document order (an entry, then the entries of its
/// value), the comments of the key lines with the same numbers.
fn attach(edn: &mut Edn, next: &mut usize, key_lines: &[usize], comments: &[LineComment]) {
    let entries: &mut Coll = match edn {
        Edn::Map(c) => c,
        Edn::Vector(c) => {
            for e in &mut c.entries {
                attach(&mut e.value, next, key_lines, comments);
            }
            return;
        }
        _ => return,
    };
    let mut after = Vec::new();
    for e in &mut entries.entries {
        let line = key_lines[*next];
        *next += 1;
        for c in comments.iter().filter(|c| c.key_line == line) {
            match c.place {
                Place::SameLine => e.after = Some(c.text.clone()),
                Place::Before => e.before.push(c.text.clone()),
                Place::After => after.push(c.text.clone()),
            }
        }
        attach(&mut e.value, next, key_lines, comments);
    }
    entries.trailing.extend(after);
}

/// A read YAML file: the config, the comments at its top, and the text of each comment.
pub type Read = (Edn, Vec<String>, Vec<String>);

/// Reads a YAML file.
pub fn read(name: &str, text: &str) -> Result<Read, ConvertError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.marker().line().saturating_sub(1))
            .map(str::len)
            .sum();
        at_text(
            ConvertErrorKind::YamlSyntax {
                file: name.to_string(),
                message: e.info().to_string(),
            },
            name,
            text,
            Some(line_start + e.marker().col()),
        )
    })?;
    let (key_lines, comments, mut header) = scan(text);
    let mut config = docs.first().map_or(Edn::Nil, to_edn);
    let mut all: Vec<String> = header.clone();
    all.extend(comments.iter().map(|c| c.text.clone()));
    all.retain(|t| !t.is_empty());
    if count_entries(&config) == key_lines.len() {
        attach(&mut config, &mut 0, &key_lines, &comments);
    } else {
        // Flow mappings or several keys on a line: the comments head the file instead.
        header.extend(comments.into_iter().map(|c| c.text));
    }
    Ok((config, header, all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_with_their_keys() {
        let text = "# apps of the service\napps:\n  # the api\n  - name: api # public\n    script: a.js\n";
        let (config, header, comments) = read("p.yml", text).unwrap();
        assert_eq!(header, ["apps of the service"]);
        assert_eq!(comments, ["apps of the service", "the api", "public"]);
        let out = crate::edn::file_text(&[], &[(vec![], config)]);
        assert!(out.contains(";; the api\n"), "{out}");
        assert!(out.contains(":name \"api\" ; public"), "{out}");
    }

    #[test]
    fn a_comment_at_the_end_of_an_app_stays_with_it() {
        let text = "apps:\n  - name: api\n    script: a.js\n    # max_memory_restart: 1G\n  # the worker\n  - name: worker\n    script: w.js\n";
        let (config, _, _) = read("p.yml", text).unwrap();
        let out = crate::edn::file_text(&[], &[(vec![], config)]);
        assert_eq!(
            out,
            "{:apps [{:name \"api\"\n         :script \"a.js\"\n         ;; max_memory_restart: 1G\n         }\n        {;; the worker\n         :name \"worker\"\n         :script \"w.js\"}]}\n"
        );
    }
}
