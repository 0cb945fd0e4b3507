//! No import circle between the modules of a crate, other than the interpreter's knot in
//! eval: this test reads every crate's sources, builds the graph of which module names which
//! (`use crate::…`, `use super::…`, and inline `crate::…`/`super::…`/`self::…` paths), and
//! fails on any strongly connected group of two or more modules that is not allowed below.
//!
//! Test modules (`#[cfg(test)] mod tests`) are left out: a test may drive its module through
//! the one above it. A module naming one of its ancestors is not an edge: a parent owns what its children
//! share (`use super::*` in a test module, a child using its parent's types), and that is
//! layering, not a circle. Everything else is: sibling to sibling, a module to a cousin, a
//! parent to a child.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The one circle allowed: the interpreter. A value holds functions (`value` -> `function`),
/// a function runs builtins and closes over a scope of values (`function` -> `builtins`,
/// `scope`), the builtins call back into the evaluator (`map`'s function, `reduce`), and the
/// evaluator resolves references (`refs`) that evaluate again. Cutting it would put a trait
/// object or a callback table where a direct call is.
const ALLOWED: &[(&str, &[&str])] = &[(
    "pm2-dsl-eval",
    &["builtins", "evaluator", "function", "refs", "scope", "value"],
)];

#[test]
fn no_import_circle_between_a_crates_modules_but_the_interpreters() {
    let root = pm2_clj_testkit::repo_root();
    let mut crates: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("crates/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    crates.sort();
    assert!(
        crates.len() >= 10,
        "found only {} crates under crates/",
        crates.len()
    );
    let mut failures = Vec::new();
    for dir in &crates {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let graph = module_graph(&dir.join("src"));
        assert!(!graph.is_empty(), "{name}: no modules read");
        let allowed: BTreeSet<&str> = ALLOWED
            .iter()
            .filter(|(c, _)| *c == name)
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        for group in circles(&graph) {
            if !group.iter().all(|m| allowed.contains(m.as_str())) {
                failures.push(format!("{name}: {}", describe(&graph, &group)));
            }
        }
    }
    assert!(failures.is_empty(), "import circles:\n{}", failures.join("\n"));
}

/// The checker must see a circle when there is one (a test that cannot fail proves nothing).
#[test]
fn the_checker_sees_a_circle_and_ignores_parents() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\npub struct Root;\n").unwrap();
    fs::write(src.join("a.rs"), "use crate::{b::{self, B}, Root};\n").unwrap();
    fs::write(
        src.join("b.rs"),
        "// use crate::c::C;\nconst S: &str = \"crate::c::C\";\npub fn f() { super::a::g() }\n",
    )
    .unwrap();
    fs::write(
        src.join("c.rs"),
        "mod t { use super::super::a::*; }\n#[cfg(test)]\nmod tests { use crate::d::D; }\n#[cfg(test)]\nmod more;\n",
    )
    .unwrap();
    fs::create_dir(src.join("c")).unwrap();
    fs::write(src.join("c/more.rs"), "use crate::d::D;\n").unwrap();
    fs::write(src.join("d.rs"), "use crate::c::C;\n").unwrap();
    let graph = module_graph(src);
    let found = circles(&graph);
    assert_eq!(found, vec![vec!["a".to_string(), "b".to_string()]], "{graph:?}");
    assert!(graph["c"].contains("a"), "{graph:?}");
    assert!(
        !graph["c"].contains("d"),
        "a test module's import was kept: {graph:?}"
    );
    assert!(
        !graph.contains_key("c::more"),
        "a test module's file was kept: {graph:?}"
    );
    assert!(
        !graph["a"].contains(""),
        "an edge to the root (an ancestor) was kept: {graph:?}"
    );
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The inline modules a path sits in, and the path as written (`["crate", "a", "B"]`).
type Named = (Vec<String>, Vec<String>);

/// Every module file under `src` (`lib.rs`/`main.rs` is the root, `""`) and the modules it
/// names, ancestors left out.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    walk(src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files.into_iter().map(|f| (module_of(src, &f), f)).collect();
    let mut read: BTreeMap<&String, _> = BTreeMap::new();
    let mut test_only = BTreeSet::new();
    for (module, file) in &modules {
        let (paths, tests) = paths_named(&code_only(&fs::read_to_string(file).expect("read source")));
        test_only.extend(
            tests
                .into_iter()
                .map(|t| split(module).chain([t.as_str()]).collect::<Vec<_>>().join("::")),
        );
        read.insert(module, paths);
    }
    let mut graph = Graph::new();
    for (module, paths) in read {
        if test_only.contains(module) {
            continue;
        }
        let mut edges = BTreeSet::new();
        for (scope, path) in paths {
            let here: Vec<&str> = split(module).chain(scope.iter().map(String::as_str)).collect();
            let Some(absolute) = resolve(&here, &path) else {
                continue;
            };
            // The longest prefix that is a module file owns the item.
            let owner = (0..=absolute.len())
                .rev()
                .map(|n| absolute[..n].join("::"))
                .find(|m| modules.contains_key(m))
                .unwrap_or_default();
            if !is_ancestor_or_self(&owner, module) {
                edges.insert(owner);
            }
        }
        graph.insert(module.clone(), edges);
    }
    graph
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts.join("::")
}

fn split(module: &str) -> impl Iterator<Item = &str> {
    module.split("::").filter(|s| !s.is_empty())
}

fn is_ancestor_or_self(candidate: &str, module: &str) -> bool {
    candidate.is_empty()
        || module == candidate
        || module
            .strip_prefix(candidate)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// A path starting with `crate`, `super` or `self` made absolute from the module `here`
/// (which includes any inline `mod x { … }` the path sits in).
fn resolve(here: &[&str], path: &[String]) -> Option<Vec<String>> {
    let mut at: Vec<String> = here.iter().map(|s| s.to_string()).collect();
    let mut rest = path.iter().peekable();
    match rest.peek().map(|s| s.as_str()) {
        Some("crate") => {
            at.clear();
            rest.next();
        }
        Some("super" | "self") => {}
        _ => return None,
    }
    while let Some(seg) = rest.peek() {
        match seg.as_str() {
            "super" => {
                at.pop()?;
            }
            "self" => {}
            _ => break,
        }
        rest.next();
    }
    at.extend(
        rest.filter(|s| s.as_str() != "self" && s.as_str() != "*")
            .cloned(),
    );
    Some(at)
}

/// The source with comments, string and char literals blanked out (so `"crate::x"` in a
/// message and `// use crate::x` in a comment are not imports).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            b'r' if raw_string_start(b, i).is_some() => {
                let hashes = raw_string_start(b, i).unwrap();
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                i += 2 + hashes;
                while i < b.len() && !b[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
                out.push_str("\"\"");
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' if char_literal_len(b, i).is_some() => {
                i += char_literal_len(b, i).unwrap();
                out.push_str("' '");
            }
            _ => {
                // Copy one whole UTF-8 character.
                let len = text[i..].chars().next().unwrap().len_utf8();
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// `r"`, `r#"`, `br"`… at `i` (not inside an identifier): the number of `#`s.
fn raw_string_start(b: &[u8], i: usize) -> Option<usize> {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') && b[i - 1] != b'b' {
        return None;
    }
    if i > 1 && b[i - 1] == b'b' && (b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some(j - i - 1)
}

/// A char literal at `i` (`'a'`, `'\n'`, `'\u{1F600}'`, `'é'`) rather than a lifetime: its
/// length in bytes.
fn char_literal_len(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i + 1) == Some(&b'\\') {
        let end = b[i + 2..].iter().position(|&c| c == b'\'')?;
        return Some(end + 3);
    }
    let ch = std::str::from_utf8(&b[i + 1..(i + 5).min(b.len())])
        .or_else(|e| std::str::from_utf8(&b[i + 1..i + 1 + e.valid_up_to()]))
        .ok()?
        .chars()
        .next()?;
    let after = i + 1 + ch.len_utf8();
    (b.get(after) == Some(&b'\'')).then_some(after - i + 1)
}

/// Every path beginning with `crate`, `super` or `self`, with the inline modules it sits in:
/// use trees (`use crate::{a::{self, B}, c::*};`) expanded, and paths in expressions and types.
/// Test modules (`#[cfg(test)] mod tests { … }`) are skipped; the names of test modules in
/// their own files (`#[cfg(test)] mod tests;`) come back second.
fn paths_named(code: &str) -> (Vec<Named>, Vec<String>) {
    let tokens = tokenize(code);
    let mut found = Vec::new();
    let mut test_files = Vec::new();
    // Inline modules: (name, brace depth at which it opened).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let scope: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
        match t {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).map(String::as_str) == Some("{") => {
                if is_test_only(&tokens[..i]) {
                    // Skip the whole test module.
                    let mut level = 0;
                    let mut j = i + 2;
                    while j < tokens.len() {
                        match tokens[j].as_str() {
                            "{" => level += 1,
                            "}" => {
                                level -= 1;
                                if level == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    i = j + 1;
                    continue;
                }
                inline.push((tokens[i + 1].clone(), depth));
                i += 1;
            }
            "mod" if tokens.get(i + 2).map(String::as_str) == Some(";") && is_test_only(&tokens[..i]) => {
                test_files.push(tokens[i + 1].clone());
                i += 2;
            }
            "use" => {
                let end = (i..tokens.len())
                    .find(|&j| tokens[j] == ";")
                    .unwrap_or(tokens.len());
                let mut paths = Vec::new();
                expand_use(&tokens[i + 1..end], &[], &mut paths);
                found.extend(paths.into_iter().map(|p| (scope.clone(), p)));
                i = end;
            }
            "crate" | "super" | "self"
                if tokens.get(i + 1).map(String::as_str) == Some("::")
                    && (i == 0 || tokens[i - 1] != "::" && tokens[i - 1] != "$") =>
            {
                let mut path = vec![t.to_string()];
                let mut j = i + 1;
                while tokens.get(j).map(String::as_str) == Some("::")
                    && tokens.get(j + 1).is_some_and(|s| is_ident(s))
                {
                    path.push(tokens[j + 1].clone());
                    j += 2;
                }
                found.push((scope, path));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (found, test_files)
}

/// Whether the item whose tokens start after `before` carries `#[cfg(test)]` (among its
/// attributes).
fn is_test_only(before: &[String]) -> bool {
    let mut end = before.len();
    // Attributes end with `]`; walk back over them (and a `pub`).
    while end > 0 {
        if before[end - 1] == "pub" {
            end -= 1;
            continue;
        }
        if before[end - 1] != "]" {
            return false;
        }
        let Some(open) = before[..end].iter().rposition(|t| t == "#") else {
            return false;
        };
        let attr: String = before[open..end].concat();
        if attr == "#[cfg(test)]" {
            return true;
        }
        end = open;
    }
    false
}

/// Expand one use tree (the tokens between `use` and `;`) into whole paths.
fn expand_use(tokens: &[String], prefix: &[String], out: &mut Vec<Vec<String>>) {
    // Split the top level on commas.
    let mut level = 0;
    let mut start = 0;
    let mut items = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        match t.as_str() {
            "{" => level += 1,
            "}" => level -= 1,
            "," if level == 0 => {
                items.push(&tokens[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    items.push(&tokens[start..]);
    for item in items {
        let mut path = prefix.to_vec();
        let mut k = 0;
        while k < item.len() {
            match item[k].as_str() {
                "::" => {}
                "{" => {
                    let inner = &item[k + 1..item.len() - 1];
                    expand_use(inner, &path, out);
                    path.clear();
                    break;
                }
                "as" => break,
                s if is_ident(s) || s == "*" => path.push(s.to_string()),
                _ => {}
            }
            k += 1;
        }
        if !path.is_empty() {
            out.push(path);
        }
    }
}

fn is_ident(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Identifiers, `::`, and single punctuation characters.
fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_alphanumeric() || d == '_' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(code[i..end].to_string());
        } else if c == ':' && chars.peek().is_some_and(|&(_, d)| d == ':') {
            chars.next();
            tokens.push("::".to_string());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// The strongly connected groups of two or more modules (Tarjan), each sorted, sorted.
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        groups: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.graph.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.groups.sort();
    s.groups
}

/// A circle and, for each of its modules, which of the others it names.
fn describe(graph: &Graph, group: &[String]) -> String {
    let members: BTreeSet<&String> = group.iter().collect();
    let edges: Vec<String> = group
        .iter()
        .map(|m| {
            let to: Vec<&str> = graph[m]
                .iter()
                .filter(|t| members.contains(t))
                .map(String::as_str)
                .collect();
            format!(
                "{} -> {}",
                show(m),
                to.iter().map(|t| show(t)).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    format!("[{}]", edges.join("; "))
}

fn show(module: &str) -> &str {
    if module.is_empty() { "(root)" } else { module }
}
