//! YAML that readers still on YAML 1.1 (docker-compose 1, PyYAML and so
//! kubernetes-validate, kubectl's go-yaml) read as `serde_norway` (YAML 1.2) means it:
//! every plain scalar they would read as a boolean, a number or a date is quoted.

/// The plain scalars YAML 1.1 reads as booleans (`no`, `on`, `Y`...), which
/// `serde_norway` (YAML 1.2) leaves unquoted.
const YAML11_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
];

/// Whether YAML 1.1 reads the plain scalar `text` as something other than the string
/// YAML 1.2 reads: a boolean (`no`, `on`), a number with `_` (`1_000`), a date
/// (`2001-12-14`), `=` or `<<`, or a base-60 number (`22:22`, the classic port mapping
/// read as 1342). (serde_norway already quotes what YAML 1.2 reads as a number.)
fn yaml11_ambiguous(text: &str) -> bool {
    if YAML11_BOOLEANS.contains(&text) || text == "=" || text == "<<" {
        return true;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let numeric = |t: &str| t.bytes().all(|b| b.is_ascii_digit() || b"_.:".contains(&b));
    if unsigned.starts_with(|c: char| c.is_ascii_digit()) && unsigned.contains('_') && numeric(unsigned) {
        return true;
    }
    // A date, alone or before a time (YAML 1.1's timestamp: 2001-12-14, 2001-12-14t21:59).
    let mut date = text.splitn(3, '-');
    if let (Some(y), Some(m), Some(rest)) = (date.next(), date.next(), date.next()) {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let day = rest.bytes().take_while(u8::is_ascii_digit).count();
        if y.len() == 4
            && digits(y)
            && m.len() <= 2
            && digits(m)
            && (1..=2).contains(&day)
            && (rest.len() == day || rest[day..].starts_with(['T', 't', ' ', '\t']))
        {
            return true;
        }
    }
    let mut parts = unsigned.split(':');
    let first = parts.next().unwrap_or_default();
    let mut rest = parts.peekable();
    rest.peek().is_some()
        && !first.is_empty()
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.all(|p| {
            (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) && p.as_bytes()[0] <= b'5'
        })
}

/// `serde_norway`'s output with every plain scalar that YAML 1.1 would read as anything
/// but a string (see `yaml11_ambiguous`) double-quoted (`restart: no` → `restart:
/// "no"`), so that tools still on YAML 1.1 (docker-compose 1, PyYAML-based linters,
/// kubectl's go-yaml) read the string meant. Lines of block scalars (`|-`) are left as
/// they are.
pub(crate) fn yaml11_safe(yaml: &str) -> String {
    let mut out = String::with_capacity(yaml.len() + 16);
    let mut block: Option<usize> = None;
    for line in yaml.split_inclusive('\n') {
        let text = line.trim_end_matches('\n');
        let indent = text.len() - text.trim_start().len();
        if let Some(level) = block {
            if indent > level || text.trim().is_empty() {
                out.push_str(line);
                continue;
            }
            block = None;
        }
        if text.ends_with(['|', '>']) || text.ends_with("|-") || text.ends_with("|+") || text.ends_with(">-")
        {
            block = Some(indent);
        }
        let mut fixed = text.to_string();
        // `- VALUE`, `KEY: VALUE`, and a `KEY:` itself.
        let rest = &text[indent..];
        let items = rest.len() - rest.trim_start_matches("- ").len();
        let body = &rest[items..];
        let start = indent + items;
        if yaml11_ambiguous(body) {
            fixed = format!("{}\"{body}\"", &text[..start]);
        } else if let Some((key, value)) = body.split_once(": ") {
            let key_q = if yaml11_ambiguous(key) {
                format!("\"{key}\"")
            } else {
                key.to_string()
            };
            let value_q = if yaml11_ambiguous(value) {
                format!("\"{value}\"")
            } else {
                value.to_string()
            };
            fixed = format!("{}{key_q}: {value_q}", &text[..start]);
        } else if let Some(key) = body.strip_suffix(':')
            && yaml11_ambiguous(key)
        {
            fixed = format!("{}\"{key}\":", &text[..start]);
        }
        out.push_str(&fixed);
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_booleans_are_quoted_but_not_in_block_scalars() {
        let yaml = "a:\n  restart: no\n  list:\n  - on\n  - - Y\n  n: 1\n  off:\n    x: ok\n  code: |-\n    no\n    yes\n  after: yes\n  s: 'no'\n  t: nothing\n";
        assert_eq!(
            yaml11_safe(yaml),
            "a:\n  restart: \"no\"\n  list:\n  - \"on\"\n  - - \"Y\"\n  \"n\": 1\n  \"off\":\n    x: ok\n  code: |-\n    no\n    yes\n  after: \"yes\"\n  s: 'no'\n  t: nothing\n"
        );
    }

    #[test]
    fn base_60_numbers_are_quoted_and_other_ports_are_not() {
        assert_eq!(
            yaml11_safe("ports:\n- 22:22\n- 8080:3000\n- 1:2:3\n"),
            "ports:\n- \"22:22\"\n- 8080:3000\n- \"1:2:3\"\n"
        );
        assert!(!yaml11_ambiguous("a:1") && !yaml11_ambiguous("12") && !yaml11_ambiguous("1:"));
        for text in [
            "1_000",
            "-1_0.5",
            "2001-12-14",
            "2001-1-2t21:59:43",
            "=",
            "<<",
            "+22:22",
        ] {
            assert!(yaml11_ambiguous(text), "{text}");
        }
        for text in ["_1", "a_1", "2001-12", "12001-12-14", "2001-12-14x", "=="] {
            assert!(!yaml11_ambiguous(text), "{text}");
        }
    }
}
