//! Paths written relative to the file's folder (what `__dirname`, `path.join(__dirname,
//! ...)` and `path.resolve(__dirname, ...)` compute), joined and normalised the way
//! Node's `path.posix` does, without touching the file system.

/// Joins `parts` onto `base` as `path.join` does (an absolute part starts over, as
/// `path.resolve` does when `resolve`), and normalises the result. A relative result
/// is relative to the same folder `base` is; `.` is that folder.
pub fn join(base: &str, parts: &[&str], resolve: bool) -> String {
    let mut path = base.to_string();
    for part in parts {
        if resolve && part.starts_with('/') {
            path = part.to_string();
        } else if !part.is_empty() {
            path = format!("{path}/{part}");
        }
    }
    normalize(&path)
}

/// `a/./b/../c` → `a/c`; leading `..` are kept; the empty path is `.`.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|p| *p != "..") {
                    out.pop();
                } else if !absolute {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let joined = out.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// `path` (relative to the file's folder) as seen from `from` (also relative to it),
/// when both are relative and `from` does not climb out of the folder.
pub fn relative_to(path: &str, from: &str) -> Option<String> {
    if path.starts_with('/') || from.starts_with('/') {
        return None;
    }
    let from: Vec<&str> = from.split('/').filter(|p| *p != ".").collect();
    if from.contains(&"..") {
        return None;
    }
    let target: Vec<&str> = path.split('/').filter(|p| *p != ".").collect();
    let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; from.len() - common];
    out.extend(&target[common..]);
    Some(normalize(&out.join("/")))
}

/// The absolute path `to` as seen from the absolute folder `from`.
pub fn between(from: &str, to: &str) -> String {
    let from = normalize(from);
    let to = normalize(to);
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = to.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; from.len() - common];
    out.extend(&to[common..]);
    normalize(&out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_node() {
        assert_eq!(join(".", &["./dist/index.js"], false), "dist/index.js");
        assert_eq!(
            join(".", &["../../packages", "broker"], true),
            "../../packages/broker"
        );
        assert_eq!(join(".", &["/var", "log"], true), "/var/log");
        assert_eq!(join(".", &[], false), ".");
        assert_eq!(join("srv", &[".."], false), ".");
    }

    #[test]
    fn paths_between_folders() {
        assert_eq!(
            between("/r/system/daemons/x", "/r/packages/broker"),
            "../../../packages/broker"
        );
        assert_eq!(between("/r/a", "/r/a"), ".");
    }

    #[test]
    fn paths_relative_to_an_app_folder() {
        assert_eq!(relative_to("srv/index.js", "srv").as_deref(), Some("index.js"));
        assert_eq!(
            relative_to("logs/out.log", "srv").as_deref(),
            Some("../logs/out.log")
        );
        assert_eq!(relative_to("a", ".").as_deref(), Some("a"));
        assert_eq!(relative_to("a", "../x"), None);
    }
}
