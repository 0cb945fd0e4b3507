//! Writing values the way systemd reads them (systemd.syntax(7), systemd.service(5),
//! systemd.exec(5)): `%` doubled everywhere specifiers are resolved, `$` doubled in
//! command lines (where `$NAME` is expanded), words quoted with C escapes, and the
//! shell-like quoting of environment files.

/// A value in a unit setting that resolves specifiers: `%` doubled, a line break or
/// other control character escaped is impossible there, so they are replaced by a
/// space (paths and names never hold them; values that might go through [`quoted`]).
pub fn value(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('%', "%%")
}

/// A double-quoted word with C escapes (`\\`, `\"`, `\n`, `\xNN`), `%` doubled, and `$`
/// doubled when `dollar` (command lines).
pub fn quoted(text: &str, dollar: bool) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '%' => out.push_str("%%"),
            '$' if dollar => out.push_str("$$"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One word of a command line (`ExecStart=`): as it is when it holds nothing special,
/// else [`quoted`] with `$` doubled.
pub fn word(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || "/._-+=:,@^~".contains(c) || (!c.is_ascii() && !c.is_control())
        });
    if plain {
        text.to_string()
    } else {
        quoted(text, true)
    }
}

/// One `Environment=` assignment, quoted as a whole.
pub fn environment(name: &str, text: &str) -> String {
    quoted(&format!("{name}={text}"), false)
}

/// One line of an environment file (`EnvironmentFile=`): the value in double quotes,
/// with `\\`, `"`, `$` and `` ` `` escaped by a backslash. systemd's parser takes a
/// quote as such only at the start of a value (`'a'\''b'` does not read as a shell
/// would), expands nothing, and keeps line breaks inside quotes.
pub fn env_file_line(name: &str, text: &str) -> String {
    let mut out = format!("{name}=\"");
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("\"\n");
    out
}

/// Whether systemd takes `name` as the name of a unit (before its `.service`): ASCII
/// letters, digits, `:`, `-`, `_` and `.`, short enough for a drop-in folder.
pub fn unit_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() + ".service.d".len() + 24 <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":-_.".contains(c))
}

/// A duration in a unit: whole milliseconds (`1600ms`).
pub fn millis(d: std::time::Duration) -> String {
    format!("{}ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quote_what_systemd_would_read_otherwise() {
        assert_eq!(word("/usr/bin/node"), "/usr/bin/node");
        assert_eq!(word("--port=80"), "--port=80");
        assert_eq!(word("a b"), "\"a b\"");
        assert_eq!(word(""), "\"\"");
        assert_eq!(word("50%"), "\"50%%\"");
        assert_eq!(word("$HOME"), "\"$$HOME\"");
        assert_eq!(word("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        assert_eq!(word(";"), "\";\"");
        assert_eq!(word("it's"), "\"it's\"");
    }

    #[test]
    fn environment_and_env_files_keep_every_character() {
        assert_eq!(environment("A", "x \"y\" 5%"), "\"A=x \\\"y\\\" 5%%\"");
        assert_eq!(
            env_file_line("P", "it's \"$x\" \\ `y`"),
            "P=\"it's \\\"\\$x\\\" \\\\ \\`y\\`\"\n"
        );
    }

    #[test]
    fn unit_names() {
        assert!(unit_name_ok("api-v2.worker_1"));
        assert!(!unit_name_ok("api v2"));
        assert!(!unit_name_ok("api@2"));
        assert!(!unit_name_ok("api/2"));
        assert!(!unit_name_ok(""));
    }
}
