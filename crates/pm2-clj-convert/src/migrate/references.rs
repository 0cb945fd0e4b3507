//! References that follow the move: the places in a repository that name a PM2 config
//! file migrate converts, in the files a person or a machine runs — `package.json`
//! scripts, shell scripts, Dockerfiles and Containerfiles, Procfiles, Makefiles, CI
//! configs (`.github/workflows`, `.gitlab-ci.yml`, ...), compose files, Markdown docs,
//! and the deploy hooks of `.pm2.edn` files — and the edits that make them name the
//! `.pm2.edn` instead.
//!
//! The commands it understands are rewritten, and nothing else on their line changes:
//! - `pm2 start|restart|reload|stop|delete X [--env E] [--only A,B] [--update-env]` →
//!   `pm2-clj <verb> Y [--profile E] [--only A,B]` (`start` with `--restart`, as `pm2
//!   start` restarts running apps; `startOrReload` is `reload`, `startOrRestart` is
//!   `restart`; pm2-clj applies the whole definition, so `--update-env` goes);
//! - `pm2-runtime [start] X [--env E] [--only A] ...` → `pm2-clj render Y [--profile E]
//!   -o Z.config.cjs && pm2-runtime Z.config.cjs [--only A] ...` (in a Dockerfile or
//!   compose `command`, `exec pm2-runtime`, run by `sh -c` in the exec form);
//! - `pm2 deploy X ENV ...` → `pm2-clj render Y -o Z.config.cjs && pm2 deploy
//!   Z.config.cjs ENV ...`;
//! - a `.pm2.clj` named in a `pm2-clj` command gets the new name;
//! - `npx`, `yarn`, `pnpm [exec]` and `bunx` before `pm2` stay before `pm2-clj`, and a
//!   path to pm2 (`node_modules/.bin/pm2`) becomes the same path to pm2-clj.
//!
//! A mention outside a command is rewritten in Markdown prose and in a Dockerfile's
//! `COPY`/`ADD` (the name is replaced). Any other reference — an option pm2-clj has
//! no equivalent for, a name built from variables, a mention in a line of another kind —
//! is [`Stuck`]: listed with its file and line, and its line is left as it is. Comment
//! lines are not references.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::paths;

/// A converted original and the `.pm2.edn` that replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// The original (absolute).
    pub original: PathBuf,
    /// The `.pm2.edn` (absolute).
    pub output: PathBuf,
}

/// The edits of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    /// The file.
    pub file: PathBuf,
    /// Its text as read.
    pub old: String,
    /// Its text with the references rewritten.
    pub new: String,
    /// The lines edited (from 1).
    pub lines: Vec<usize>,
    /// The originals whose references were rewritten.
    pub originals: BTreeSet<PathBuf>,
}

impl FileEdit {
    /// The edit as a unified diff, the file named relative to `root`.
    pub fn diff(&self, root: &Path) -> String {
        let name = shown(&self.file, root);
        similar::TextDiff::from_lines(&self.old, &self.new)
            .unified_diff()
            .context_radius(1)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

/// A reference migrate cannot rewrite: the originals it names are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stuck {
    /// The file.
    pub file: PathBuf,
    /// The line (from 1).
    pub line: usize,
    /// The line's text.
    pub text: String,
    /// The originals it names (or may name).
    pub originals: BTreeSet<PathBuf>,
    /// Why it is not rewritten.
    pub why: String,
}

/// What [`find`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct References {
    /// The files to edit.
    pub edits: Vec<FileEdit>,
    /// The references left as they are.
    pub stuck: Vec<Stuck>,
}

/// `path` relative to `root`, when it is inside.
pub fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// What kind of file a reference is in: how its lines are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `package.json`: only the values of `scripts` are commands.
    PackageJson,
    /// Shell scripts, Makefiles, Procfiles: every line that is no comment.
    Shell,
    /// Dockerfiles and Containerfiles.
    Dockerfile,
    /// CI configs and compose files (YAML).
    Yaml,
    /// Markdown: commands in code blocks and code spans, names in prose.
    Markdown,
    /// `.pm2.edn` files: deploy hooks in strings.
    Edn,
}

/// The kind of file `path` (relative to the repository root `rel`) is, if it is one
/// references are looked for in.
fn kind(path: &Path, rel: &str) -> Option<Kind> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let lower = name.to_lowercase();
    let ext = |e: &str| lower.ends_with(e);
    Some(if lower == "package.json" {
        Kind::PackageJson
    } else if lower.ends_with(".pm2.edn") {
        Kind::Edn
    } else if lower.starts_with("dockerfile")
        || lower.starts_with("containerfile")
        || ext(".dockerfile")
        || ext(".containerfile")
    {
        Kind::Dockerfile
    } else if ext(".md") || ext(".markdown") {
        Kind::Markdown
    } else if ext(".sh")
        || ext(".bash")
        || ext(".zsh")
        || lower.starts_with("procfile")
        || matches!(
            lower.as_str(),
            "makefile" | "gnumakefile" | "justfile" | "jenkinsfile"
        )
        || ext(".mk")
    {
        Kind::Shell
    } else if (ext(".yml") || ext(".yaml"))
        && (rel.starts_with(".github/workflows/")
            || rel.starts_with(".circleci/")
            || rel.starts_with(".gitlab/")
            || lower.starts_with(".gitlab-ci")
            || lower.starts_with("docker-compose")
            || lower.starts_with("compose")
            || matches!(
                lower.as_str(),
                ".travis.yml"
                    | "bitbucket-pipelines.yml"
                    | "azure-pipelines.yml"
                    | ".drone.yml"
                    | "appveyor.yml"
            ))
    {
        Kind::Yaml
    } else if !lower.contains('.') && shell_script(path) {
        Kind::Shell
    } else {
        return None;
    })
}

/// Whether `path` starts with a shell's `#!` line.
fn shell_script(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    head.starts_with("#!") && head.lines().next().is_some_and(|l| l.contains("sh"))
}

/// The folders never searched: dependencies, version control, build output.
fn skipped(name: &str) -> bool {
    matches!(
        name,
        "node_modules" | ".git" | "dist" | "target" | ".pm2-clj" | "vendor"
    ) || (name.starts_with('.') && !matches!(name, ".github" | ".circleci" | ".gitlab"))
}

/// The files under `root` references are looked for in, with their kind.
fn files(root: &Path) -> Vec<(PathBuf, Kind)> {
    let mut out = Vec::new();
    let walk = WalkDir::new(root).into_iter().filter_entry(|e| {
        e.depth() == 0 || !(e.file_type().is_dir() && skipped(&e.file_name().to_string_lossy()))
    });
    for entry in walk.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path().to_path_buf();
        let rel = shown(&path, root).replace('\\', "/");
        if let Some(kind) = kind(&path, &rel) {
            out.push((path, kind));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Characters a path in a command or in prose is made of.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '~' | '$' | '{' | '}' | '@' | '+' | '*')
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// How a token names the moved files.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    /// Exactly this move.
    Moved(usize),
    /// Its name is a moved file's, but it cannot be told which file it is (variables,
    /// another folder): these moves.
    Unsure(Vec<usize>),
    /// None.
    No,
}

/// The file a line is read in.
struct Context<'a> {
    root: &'a Path,
    /// The file's folder.
    folder: PathBuf,
    moves: &'a [Move],
    kind: Kind,
    /// A Dockerfile's last `WORKDIR`.
    workdir: Option<String>,
}

/// The last component of a path text.
fn base_name(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or(text)
}

impl Context<'_> {
    /// What `token` (a path as written, unquoted) names.
    fn named(&self, token: &str) -> Named {
        let base = base_name(token);
        let same_name: Vec<usize> = (0..self.moves.len())
            .filter(|i| {
                self.moves[*i]
                    .original
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy() == base)
            })
            .collect();
        if same_name.is_empty() {
            return Named::No;
        }
        if token.contains(['$', '{', '}', '*', '~']) {
            return Named::Unsure(same_name);
        }
        let mut token = token.to_string();
        if let Some(workdir) = &self.workdir
            && token.starts_with('/')
        {
            let workdir = workdir.trim_end_matches('/');
            if let Some(rest) = token.strip_prefix(&format!("{workdir}/")) {
                token = rest.to_string();
            }
        }
        for base in [&self.folder, &self.root.to_path_buf()] {
            let full = paths::join(&base.to_string_lossy(), &[&token], true);
            if let Some(i) = same_name
                .iter()
                .find(|i| paths::normalize(&self.moves[**i].original.to_string_lossy()) == full)
            {
                return Named::Moved(*i);
            }
        }
        // A relative path that is none of them, from the file's folder or the root, names
        // another file; an absolute one may be a moved file seen from elsewhere (a
        // container, a server).
        if token.starts_with('/') {
            Named::Unsure(same_name)
        } else {
            Named::No
        }
    }

    /// The new name of `token`, which names move `i`.
    fn renamed(&self, token: &str, i: usize) -> String {
        let base = base_name(token);
        let new = self.moves[i]
            .output
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        format!("{}{new}", &token[..token.len() - base.len()])
    }

    /// The `.config.cjs` file a command renders move `i` to, written beside `token`: named
    /// after the `.pm2.edn`, and never the original's own name.
    fn rendered(&self, token: &str, i: usize) -> String {
        let base = base_name(token);
        let output = self.moves[i]
            .output
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let stem = output.strip_suffix(".pm2.edn").unwrap_or(&output);
        let mut name = format!("{stem}.config.cjs");
        if name == base {
            name = format!("{stem}.rendered.config.cjs");
        }
        format!("{}{name}", &token[..token.len() - base.len()])
    }
}

/// One word of a command: its text (quotes removed) and its byte range.
#[derive(Clone, Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

/// The words of a command from `from` in `line`, up to the end of its segment (`&&`,
/// `||`, `;`, `|`, `)`, a backtick, a quote that closes the string the command is in,
/// or the end of the line). A word in quotes keeps its quotes out of `text`.
fn words(line: &str, from: usize, close: Option<char>) -> (Vec<Word>, usize) {
    let bytes: Vec<(usize, char)> = line[from..].char_indices().map(|(i, c)| (i + from, c)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (at, c) = bytes[i];
        if c == ' ' || c == '\t' {
            i += 1;
            continue;
        }
        if matches!(c, ';' | '|' | '&' | ')' | '`') || Some(c) == close || (c == '\\' && close == Some('"')) {
            return (out, at);
        }
        if c == '"' || c == '\'' {
            // A quoted word, when the quote closes on this line.
            match bytes[i + 1..].iter().position(|(_, q)| *q == c) {
                Some(n) => {
                    let end = bytes[i + 1 + n].0 + 1;
                    out.push(Word {
                        text: line[at + 1..end - 1].to_string(),
                        start: at,
                        end,
                    });
                    i += n + 2;
                    continue;
                }
                None => return (out, at),
            }
        }
        let start = at;
        while i < bytes.len() && !matches!(bytes[i].1, ' ' | '\t' | ';' | '|' | '&' | ')' | '`' | '"' | '\'')
        {
            i += 1;
        }
        let end = bytes.get(i).map_or(line.len(), |(a, _)| *a);
        out.push(Word {
            text: line[start..end].to_string(),
            start,
            end,
        });
    }
    (out, line.len())
}

/// A rewrite of part of a line.
struct Splice {
    start: usize,
    end: usize,
    text: String,
    moved: usize,
}

/// The program a command runs, when it is pm2's, pm2-runtime's or pm2-clj's.
fn program(word: &str) -> Option<&'static str> {
    match base_name(word) {
        "pm2" => Some("pm2"),
        "pm2-runtime" => Some("pm2-runtime"),
        "pm2-clj" => Some("pm2-clj"),
        _ => None,
    }
}

/// The same path to another program: `node_modules/.bin/pm2` → `node_modules/.bin/pm2-clj`.
fn sibling(word: &str, name: &str) -> String {
    let base = base_name(word);
    format!("{}{name}", &word[..word.len() - base.len()])
}

/// The launcher written before the program (`npx `, `pnpm exec `), and where it starts.
fn launcher(line: &str, start: usize) -> (usize, String) {
    let before = &line[..start];
    let trimmed = before.trim_end_matches([' ', '\t']);
    for l in ["pnpm exec", "npx", "yarn", "pnpm", "bunx"] {
        if let Some(head) = trimmed.strip_suffix(l)
            && (head.is_empty() || head.ends_with([' ', '\t', '"', '\'', '`', '(', ';', '&', '|', '$']))
        {
            return (head.len(), format!("{l} "));
        }
    }
    (start, String::new())
}

/// The options of `pm2 <verb> X` pm2-clj understands: `--env E` as `--profile E`,
/// `--only A,B`, `--update-env` (dropped). `Err`: the first one it does not.
fn verb_options(words: &[Word]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].text.as_str();
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (w, None),
        };
        match flag {
            "--env" | "--only" => {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        words
                            .get(i)
                            .map(|w| w.text.clone())
                            .ok_or_else(|| format!("{flag} without a value"))?
                    }
                };
                if value.is_empty() || value.starts_with('-') || value.contains(['$', '`']) {
                    return Err(format!("{flag} {value}"));
                }
                out.push(if flag == "--env" {
                    "--profile".into()
                } else {
                    flag.to_string()
                });
                out.push(value);
            }
            "--update-env" => {}
            _ => return Err(format!("pm2-clj has no equivalent of {w} here")),
        }
        i += 1;
    }
    Ok(out)
}

/// The options of `pm2-runtime X`: `--env E` (the profile to render), and those that
/// stay with pm2-runtime (`--only`, `--json`, `--raw`, `--format`, `--no-auto-exit`).
fn runtime_options(words: &[Word]) -> Result<(Option<String>, Vec<String>), String> {
    let mut profile = None;
    let mut kept = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].text.as_str();
        match w {
            "--env" | "--only" => {
                i += 1;
                let value = words
                    .get(i)
                    .map(|w| w.text.clone())
                    .filter(|v| !v.starts_with('-') && !v.contains(['$', '`']))
                    .ok_or_else(|| format!("{w} without a value pm2-clj can read"))?;
                if w == "--env" {
                    profile = Some(value);
                } else {
                    kept.push(w.to_string());
                    kept.push(value);
                }
            }
            "--json" | "--raw" | "--format" | "--no-auto-exit" => kept.push(w.to_string()),
            _ => return Err(format!("pm2-clj has no equivalent of pm2-runtime's {w} here")),
        }
        i += 1;
    }
    Ok((profile, kept))
}

/// The commands of `line` that name moved files, rewritten: the splices, and the
/// commands that name one but cannot be rewritten (why, and the moves).
fn commands(line: &str, cx: &Context, close: Option<char>) -> (Vec<Splice>, Vec<(String, Vec<usize>)>) {
    let mut splices = Vec::new();
    let mut stuck = Vec::new();
    let mut from = 0;
    let container = matches!(cx.kind, Kind::Dockerfile | Kind::Yaml);
    while from < line.len() {
        let (all, end) = words(line, from, close);
        let next = if end >= line.len() { line.len() } else { end + 1 };
        let Some(p) = all.iter().position(|w| program(&w.text).is_some()) else {
            from = next.max(from + 1);
            continue;
        };
        let prog = &all[p];
        let rest = &all[p + 1..];
        let (start, launch) = launcher(line, prog.start);
        let segment_end = all.last().map_or(prog.end, |w| w.end);
        // The moves the command's words name.
        let named: Vec<(usize, Named)> = rest
            .iter()
            .enumerate()
            .map(|(i, w)| (i, cx.named(&w.text)))
            .collect();
        let moved: Vec<(usize, usize)> = named
            .iter()
            .filter_map(|(i, n)| match n {
                Named::Moved(m) => Some((*i, *m)),
                _ => None,
            })
            .collect();
        let unsure: Vec<usize> = named
            .iter()
            .flat_map(|(_, n)| match n {
                Named::Unsure(v) => v.clone(),
                _ => Vec::new(),
            })
            .collect();
        from = next.max(segment_end);
        if moved.is_empty() && unsure.is_empty() {
            continue;
        }
        let fail = |why: String| {
            (
                why,
                moved
                    .iter()
                    .map(|(_, m)| *m)
                    .chain(unsure.iter().copied())
                    .collect(),
            )
        };
        if !unsure.is_empty() {
            stuck.push(fail(
                "it names the file through a path migrate cannot resolve".into(),
            ));
            continue;
        }
        let rewritten = match program(&prog.text) {
            Some("pm2") => pm2_command(prog, rest, &launch, &moved, cx),
            Some("pm2-runtime") => runtime_command(prog, rest, &launch, &moved, cx, container),
            _ => pm2_clj_command(prog, rest, &launch, &moved, cx),
        };
        match rewritten {
            Ok((text, m)) => splices.push(Splice {
                start,
                end: segment_end,
                text,
                moved: m,
            }),
            Err(why) => stuck.push(fail(why)),
        }
    }
    (splices, stuck)
}

type Rewritten = Result<(String, usize), String>;

/// Why a reference is not rewritten, and the moves it names.
type NotRewritten = (String, Vec<usize>);

/// `pm2 <verb> X ...`.
fn pm2_command(
    prog: &Word,
    rest: &[Word],
    launch: &str,
    moved: &[(usize, usize)],
    cx: &Context,
) -> Rewritten {
    let [(1, m)] = moved else {
        return Err("the file is not where pm2 takes its config file".into());
    };
    let file = cx.renamed(&rest[1].text, *m);
    let clj = sibling(&prog.text, "pm2-clj");
    let verb = rest[0].text.as_str();
    let verb = match verb {
        "start" | "restart" | "reload" | "stop" | "delete" => verb,
        "startOrReload" | "startOrGracefulReload" | "gracefulReload" => "reload",
        "startOrRestart" => "restart",
        "deploy" => {
            let cjs = cx.rendered(&rest[1].text, *m);
            let tail: Vec<String> = rest[2..].iter().map(quoted).collect();
            return Ok((
                format!(
                    "{launch}{clj} render {file} -o {cjs} && {launch}{} deploy {cjs}{}",
                    prog.text,
                    tail.iter().map(|t| format!(" {t}")).collect::<String>()
                ),
                *m,
            ));
        }
        other => return Err(format!("pm2-clj has no `{other}` for a config file")),
    };
    let mut options = verb_options(&rest[2..])?;
    if verb == "start" {
        options.insert(0, "--restart".into());
    }
    let options: String = options.iter().map(|o| format!(" {o}")).collect();
    Ok((format!("{launch}{clj} {verb} {file}{options}"), *m))
}

/// A word as it is written back: quoted when it was.
fn quoted(w: &Word) -> String {
    if w.text.contains([' ', '\t']) || w.text.is_empty() {
        format!("\"{}\"", w.text)
    } else {
        w.text.clone()
    }
}

/// `pm2-runtime [start] X ...`.
fn runtime_command(
    prog: &Word,
    rest: &[Word],
    launch: &str,
    moved: &[(usize, usize)],
    cx: &Context,
    container: bool,
) -> Rewritten {
    let at = usize::from(rest.first().is_some_and(|w| w.text == "start"));
    let Some((_, m)) = moved.iter().find(|(i, _)| *i == at) else {
        return Err("the file is not where pm2-runtime takes its config file".into());
    };
    if moved.len() > 1 {
        return Err("the command names several config files".into());
    }
    let (profile, kept) = runtime_options(&rest[at + 1..])?;
    let file = cx.renamed(&rest[at].text, *m);
    let cjs = cx.rendered(&rest[at].text, *m);
    let clj = sibling(&prog.text, "pm2-clj");
    let profile = profile.map_or(String::new(), |p| format!(" --profile {p}"));
    let kept: String = kept.iter().map(|k| format!(" {k}")).collect();
    let exec = if container { "exec " } else { "" };
    Ok((
        format!(
            "{launch}{clj} render {file}{profile} -o {cjs} && {exec}{launch}{} {cjs}{kept}",
            prog.text
        ),
        *m,
    ))
}

/// `pm2-clj ... X.pm2.clj ...`: the file gets its new name.
fn pm2_clj_command(
    prog: &Word,
    rest: &[Word],
    launch: &str,
    moved: &[(usize, usize)],
    cx: &Context,
) -> Rewritten {
    let [(i, m)] = moved else {
        return Err("the command names several config files".into());
    };
    let words: Vec<String> = rest
        .iter()
        .enumerate()
        .map(|(j, w)| {
            if j == *i {
                cx.renamed(&w.text, *m)
            } else {
                quoted(w)
            }
        })
        .collect();
    Ok((format!("{launch}{} {}", prog.text, words.join(" ")), *m))
}

/// The mentions of moved files' names in `line`: each token's range and text.
fn mentions(line: &str, cx: &Context) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let names: BTreeSet<String> = cx
        .moves
        .iter()
        .filter_map(|m| m.original.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    for name in &names {
        for (at, _) in line.match_indices(name.as_str()) {
            let end = at + name.len();
            let after: Vec<char> = line[end..].chars().take(2).collect();
            let continues = match after.as_slice() {
                [c, ..] if name_char(*c) => true,
                ['.', c, ..] => name_char(*c),
                _ => false,
            };
            let before = line[..at].chars().next_back();
            if continues || before.is_some_and(|c| name_char(c) || c == '.') {
                continue;
            }
            let start = line[..at]
                .char_indices()
                .rev()
                .take_while(|(_, c)| path_char(*c))
                .last()
                .map_or(at, |(i, _)| i);
            out.push((start, end, line[start..end].to_string()));
        }
    }
    out.sort();
    out
}

/// Whether `line` is a comment in a file of `kind`.
fn comment(line: &str, kind: Kind, in_code: bool) -> bool {
    let t = line.trim_start();
    match kind {
        Kind::Shell | Kind::Dockerfile | Kind::Yaml => t.starts_with('#'),
        Kind::Edn => t.starts_with(';'),
        Kind::Markdown => in_code && (t.starts_with('#') || t.starts_with("//") || t.starts_with(';')),
        Kind::PackageJson => false,
    }
}

/// A `package.json`'s script lines: `"name": "command"` where the scripts have that name
/// and command.
fn script_lines(text: &str) -> BTreeSet<usize> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return BTreeSet::new();
    };
    let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) else {
        return BTreeSet::new();
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim().trim_end_matches(',');
            let Ok(serde_json::Value::Object(o)) =
                serde_json::from_str::<serde_json::Value>(&format!("{{{t}}}"))
            else {
                return false;
            };
            o.len() == 1 && o.iter().all(|(k, v)| scripts.get(k) == Some(v))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The exec form `["pm2-runtime", "X", ...]` of a Dockerfile's `CMD`/`ENTRYPOINT` or a
/// compose `command:`, rewritten as `["sh", "-c", "<the rewritten command>"]`.
fn exec_form(line: &str, cx: &Context) -> Option<Result<(String, usize), NotRewritten>> {
    let open = line.find('[')?;
    let close = line.rfind(']')?;
    let items: Vec<String> = serde_json::from_str(&line[open..=close]).ok()?;
    if items
        .iter()
        .any(|i| i.contains([' ', '"', '\'', '\\', '&', ';', '|']))
    {
        let names: Vec<usize> = items
            .iter()
            .flat_map(|i| match cx.named(i) {
                Named::Moved(m) => vec![m],
                Named::Unsure(v) => v,
                Named::No => vec![],
            })
            .collect();
        return (!names.is_empty()).then(|| Err(("an exec form migrate cannot read".to_string(), names)));
    }
    let command = items.join(" ");
    let (splices, stuck) = commands(&command, cx, None);
    if let Some((why, moves)) = stuck.into_iter().next() {
        return Some(Err((why, moves)));
    }
    let [splice] = splices.as_slice() else {
        return None;
    };
    let mut rewritten = command.clone();
    rewritten.replace_range(splice.start..splice.end, &splice.text);
    let array = serde_json::to_string(&["sh", "-c", rewritten.as_str()]).ok()?;
    let array = array.replace("\",\"", "\", \"");
    Some(Ok((
        format!("{}{array}{}", &line[..open], &line[close + 1..]),
        splice.moved,
    )))
}

/// The references in one file's `text`.
fn scan(file: &Path, text: &str, kind: Kind, root: &Path, moves: &[Move], found: &mut References) {
    let mut cx = Context {
        root,
        folder: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        moves,
        kind,
        workdir: None,
    };
    let scripts = if kind == Kind::PackageJson {
        script_lines(text)
    } else {
        BTreeSet::new()
    };
    let mut new = String::new();
    let mut edited = Vec::new();
    let mut originals = BTreeSet::new();
    let mut fence: Option<bool> = None; // inside a Markdown code block: whether it is shell
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let body = raw.trim_end_matches(['\n', '\r']);
        let ending = &raw[body.len()..];
        let line = body;
        if kind == Kind::Markdown && line.trim_start().starts_with("```") {
            fence = match fence {
                Some(_) => None,
                None => {
                    let lang = line.trim_start().trim_start_matches('`').trim().to_lowercase();
                    Some(matches!(
                        lang.as_str(),
                        "" | "sh" | "bash" | "shell" | "console" | "zsh" | "text"
                    ))
                }
            };
            new.push_str(raw);
            continue;
        }
        if kind == Kind::Dockerfile
            && let Some(dir) = line.trim_start().strip_prefix("WORKDIR ")
        {
            cx.workdir = Some(dir.trim().to_string());
        }
        let in_code = fence.is_some();
        if comment(line, kind, in_code) || mentions(line, &cx).is_empty() {
            new.push_str(raw);
            continue;
        }
        let result = rewrite_line(line, &cx, kind, fence, scripts.contains(&n));
        match result {
            Ok((rewritten, moved)) => {
                if rewritten != line {
                    edited.push(n + 1);
                    originals.extend(moved.into_iter().map(|m| moves[m].original.clone()));
                }
                new.push_str(&rewritten);
                new.push_str(ending);
            }
            Err((why, moved)) => {
                found.stuck.push(Stuck {
                    file: file.to_path_buf(),
                    line: n + 1,
                    text: line.trim().to_string(),
                    originals: moved.iter().map(|m| moves[*m].original.clone()).collect(),
                    why,
                });
                new.push_str(raw);
            }
        }
    }
    if !edited.is_empty() {
        found.edits.push(FileEdit {
            file: file.to_path_buf(),
            old: text.to_string(),
            new,
            lines: edited,
            originals,
        });
    }
}

/// `line` with its references rewritten, and the moves they name; `Err`: why it cannot
/// be, and the moves it names.
fn rewrite_line(
    line: &str,
    cx: &Context,
    kind: Kind,
    fence: Option<bool>,
    script: bool,
) -> Result<(String, Vec<usize>), NotRewritten> {
    let all_named = |line: &str| -> Vec<usize> {
        mentions(line, cx)
            .iter()
            .flat_map(|(_, _, t)| match cx.named(t) {
                Named::Moved(m) => vec![m],
                Named::Unsure(v) => v,
                Named::No => vec![],
            })
            .collect()
    };
    let trimmed = line.trim_start();
    let instruction = trimmed
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_uppercase();
    if kind == Kind::PackageJson && !script {
        return Err(("it is not a script of package.json".into(), all_named(line)));
    }
    if matches!(kind, Kind::Dockerfile | Kind::Yaml)
        && (matches!(instruction.as_str(), "CMD" | "ENTRYPOINT") || trimmed.starts_with("command:"))
        && trimmed.contains('[')
        && let Some(result) = exec_form(line, cx)
    {
        return result.map(|(l, m)| (l, vec![m]));
    }
    if kind == Kind::Dockerfile && matches!(instruction.as_str(), "COPY" | "ADD") {
        let (text, moved) = replace_mentions(line, cx);
        let left = all_named(&text);
        return if left.is_empty() {
            Ok((text, moved))
        } else {
            Err(("a COPY or ADD of a file migrate cannot resolve".into(), left))
        };
    }
    let close = match kind {
        Kind::PackageJson | Kind::Edn => Some('"'),
        _ => None,
    };
    let (splices, stuck) = commands(line, cx, close);
    if let Some((why, moves)) = stuck.into_iter().next() {
        return Err((why, moves));
    }
    let mut rewritten = line.to_string();
    let mut moved = Vec::new();
    for s in splices.iter().rev() {
        rewritten.replace_range(s.start..s.end, &s.text);
        moved.push(s.moved);
    }
    // What still names a moved file.
    let left = all_named(&rewritten);
    if left.is_empty() {
        return Ok((rewritten, moved));
    }
    if kind == Kind::Markdown && fence.is_none() {
        // Prose: the names are replaced, unless a pm2 command around them was not
        // understood.
        let outside_code: String = rewritten.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let words: Vec<&str> = outside_code.split_whitespace().collect();
        let pm2_word = words
            .windows(2)
            .any(|w| matches!(w[0], "pm2" | "pm2-runtime") && !w[1].starts_with(['(', '.', ',']));
        if pm2_word {
            return Err((
                "a pm2 command in prose, which migrate does not rewrite".into(),
                left,
            ));
        }
        let (text, mut more) = replace_mentions(&rewritten, cx);
        let left = all_named(&text);
        if !left.is_empty() {
            return Err(("a path in prose migrate cannot resolve".into(), left));
        }
        more.extend(moved);
        return Ok((text, more));
    }
    let why = match kind {
        Kind::PackageJson | Kind::Shell | Kind::Yaml | Kind::Dockerfile | Kind::Edn => {
            "a command migrate does not rewrite"
        }
        Kind::Markdown => "a command in a code block migrate does not rewrite",
    };
    Err((why.into(), left))
}

/// `line` with every mention of a moved file given the new name; mentions that cannot
/// be resolved stay (and are reported by the caller's check).
fn replace_mentions(line: &str, cx: &Context) -> (String, Vec<usize>) {
    let mut out = line.to_string();
    let mut moved = Vec::new();
    for (start, end, token) in mentions(line, cx).into_iter().rev() {
        if let Named::Moved(m) = cx.named(&token) {
            out.replace_range(start..end, &cx.renamed(&token, m));
            moved.push(m);
        }
    }
    (out, moved)
}

/// The references to `moves` in the files under `root` (and in `unwritten`: files not
/// on disk yet, such as the `.pm2.edn` of a dry run, with their text).
pub fn find(root: &Path, moves: &[Move], unwritten: &[(PathBuf, String)]) -> References {
    let mut found = References::default();
    if moves.is_empty() {
        return found;
    }
    let mut seen = BTreeSet::new();
    for (file, text) in unwritten {
        seen.insert(file.clone());
        scan(file, text, Kind::Edn, root, moves, &mut found);
    }
    for (file, kind) in files(root) {
        if seen.contains(&file) || moves.iter().any(|m| m.original == file) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&file) {
            scan(&file, &text, kind, root, moves, &mut found);
        }
    }
    found.edits.sort_by(|a, b| a.file.cmp(&b.file));
    found
        .stuck
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The references to `/r/ecosystem.config.js` in a file at `/r/<file>` of `kind`.
    fn rewritten(file: &str, kind: Kind, text: &str) -> References {
        let moves = [Move {
            original: PathBuf::from("/r/ecosystem.config.js"),
            output: PathBuf::from("/r/ecosystem.pm2.edn"),
        }];
        let mut found = References::default();
        scan(
            Path::new(&format!("/r/{file}")),
            text,
            kind,
            Path::new("/r"),
            &moves,
            &mut found,
        );
        found
    }

    fn new_text(found: &References) -> String {
        found.edits.first().map(|e| e.new.clone()).unwrap_or_default()
    }

    #[test]
    fn commands_are_rewritten_and_the_rest_of_the_line_kept() {
        let found = rewritten(
            "run.sh",
            Kind::Shell,
            "set -e\nNODE_ENV=x pnpm exec pm2 start ./ecosystem.config.js --env=prod --only api,web; echo done\n",
        );
        assert_eq!(
            new_text(&found),
            "set -e\nNODE_ENV=x pnpm exec pm2-clj start ./ecosystem.pm2.edn --restart --profile prod --only api,web; echo done\n"
        );
        assert_eq!(found.edits[0].lines, [2]);
    }

    #[test]
    fn other_files_and_longer_names_are_not_references() {
        let found = rewritten(
            "run.sh",
            Kind::Shell,
            "pm2 start ecosystem.config.json\npm2 start other/ecosystem.config.js\n# pm2 start ecosystem.config.js\n",
        );
        assert_eq!(found, References::default());
    }

    #[test]
    fn what_cannot_be_rewritten_is_listed_and_left_as_it_is() {
        let found = rewritten(
            "run.sh",
            Kind::Shell,
            "pm2 start ecosystem.config.js -i 4\npm2 start $APP/ecosystem.config.js\ncp ecosystem.config.js /backup\n",
        );
        assert!(found.edits.is_empty());
        let why: Vec<(usize, &str)> = found.stuck.iter().map(|s| (s.line, s.why.as_str())).collect();
        assert_eq!(
            why,
            [
                (1, "pm2-clj has no equivalent of -i here"),
                (2, "it names the file through a path migrate cannot resolve"),
                (3, "a command migrate does not rewrite"),
            ]
        );
    }

    #[test]
    fn package_json_scripts_are_rewritten_and_nothing_else_in_it() {
        let text = "{\n  \"main\": \"ecosystem.config.js\",\n  \"scripts\": {\n    \"start\": \"pm2 reload ecosystem.config.js && pm2 logs\"\n  }\n}\n";
        let found = rewritten("package.json", Kind::PackageJson, text);
        assert!(
            new_text(&found).contains("\"start\": \"pm2-clj reload ecosystem.pm2.edn && pm2 logs\""),
            "{found:?}"
        );
        assert_eq!(found.stuck[0].line, 2);
        assert_eq!(found.stuck[0].why, "it is not a script of package.json");
    }

    #[test]
    fn markdown_prose_gets_the_new_name_and_code_blocks_the_new_commands() {
        let text = "Edit ecosystem.config.js, then:\n\n```bash\n$ pm2 deploy ecosystem.config.js production setup\n```\n";
        let found = rewritten("README.md", Kind::Markdown, text);
        assert_eq!(
            new_text(&found),
            "Edit ecosystem.pm2.edn, then:\n\n```bash\n$ pm2-clj render ecosystem.pm2.edn -o ecosystem.config.cjs && pm2 deploy ecosystem.config.cjs production setup\n```\n"
        );
    }
}
