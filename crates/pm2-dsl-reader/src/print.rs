//! The printer: forms back to EDN text, compact (one line) or pretty (fits a width,
//! breaking collections one element per line). What it prints reads back to an equal form.

use std::fmt::Write;

use crate::form::{Form, FormKind};

/// Prints a form on one line.
pub fn to_compact(form: &Form) -> String {
    let mut out = String::new();
    write_compact(form, &mut out);
    out
}

/// Prints a form so that lines stay within `width` columns where the data allows it:
/// a collection that does not fit on its line gets one element (or map entry) per line.
pub fn to_pretty(form: &Form, width: usize) -> String {
    let mut out = String::new();
    write_pretty(form, 0, width, &mut out);
    out
}

fn write_meta(form: &Form, out: &mut String, pretty: Option<(usize, usize)>) -> usize {
    let Some(meta) = &form.meta else { return 0 };
    let FormKind::Map(entries) = &meta.kind else {
        return 0;
    };
    let start = out.len();
    let flags = entries
        .iter()
        .all(|(k, v)| k.as_keyword().is_some() && matches!(v.kind, FormKind::Bool(true)));
    if flags {
        for (k, _) in entries {
            out.push('^');
            write_compact(k, out);
            out.push(' ');
        }
    } else {
        out.push('^');
        match pretty {
            Some((indent, width)) => write_pretty(meta, indent + 1, width, out),
            None => write_compact(meta, out),
        }
        out.push(' ');
    }
    out.len() - start
}

fn write_compact(form: &Form, out: &mut String) {
    write_meta(form, out, None);
    match &form.kind {
        FormKind::List(items) => write_items(out, "(", ")", items),
        FormKind::Vector(items) => write_items(out, "[", "]", items),
        FormKind::Set(items) => write_items(out, "#{", "}", items),
        FormKind::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_compact(k, out);
                out.push(' ');
                write_compact(v, out);
            }
            out.push('}');
        }
        FormKind::Tagged(t) => {
            out.push('#');
            out.push_str(t.tag.as_str());
            out.push(' ');
            write_compact(&t.form, out);
        }
        _ => write_atom(form, out),
    }
}

fn write_items(out: &mut String, open: &str, close: &str, items: &[Form]) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_compact(item, out);
    }
    out.push_str(close);
}

fn write_pretty(form: &Form, indent: usize, width: usize, out: &mut String) {
    let compact = to_compact(form);
    if indent + compact.len() <= width || !is_collection(form) {
        out.push_str(&compact);
        return;
    }
    let indent = indent + write_meta(form, out, Some((indent, width)));
    match &form.kind {
        FormKind::List(items) => pretty_items(out, "(", ")", items, indent, width),
        FormKind::Vector(items) => pretty_items(out, "[", "]", items, indent, width),
        FormKind::Set(items) => pretty_items(out, "#{", "}", items, indent, width),
        FormKind::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    newline(out, indent + 1);
                }
                let key = to_compact(k);
                out.push_str(&key);
                let value_indent = indent + 1 + key.len() + 1;
                if is_collection(v) && value_indent + to_compact(v).len() > width && key.len() > 20 {
                    newline(out, indent + 2);
                    write_pretty(v, indent + 2, width, out);
                } else {
                    out.push(' ');
                    write_pretty(v, value_indent, width, out);
                }
            }
            out.push('}');
        }
        FormKind::Tagged(t) => {
            out.push('#');
            out.push_str(t.tag.as_str());
            out.push(' ');
            write_pretty(&t.form, indent + t.tag.as_str().len() + 2, width, out);
        }
        _ => write_atom(form, out),
    }
}

fn pretty_items(out: &mut String, open: &str, close: &str, items: &[Form], indent: usize, width: usize) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            newline(out, indent + open.len());
        }
        write_pretty(item, indent + open.len(), width, out);
    }
    out.push_str(close);
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

fn is_collection(form: &Form) -> bool {
    matches!(
        form.kind,
        FormKind::List(_) | FormKind::Vector(_) | FormKind::Set(_) | FormKind::Map(_) | FormKind::Tagged(_)
    )
}

fn write_atom(form: &Form, out: &mut String) {
    match &form.kind {
        FormKind::Nil => out.push_str("nil"),
        FormKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FormKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        FormKind::BigInt(b) => {
            let _ = write!(out, "{b}N");
        }
        FormKind::Float(f) => write_float(*f, out),
        FormKind::BigDec(d) => {
            let _ = write!(out, "{d}M");
        }
        FormKind::Ratio(r) => {
            let _ = write!(out, "{}/{}", r.0, r.1);
        }
        FormKind::Char(c) => write_char(*c, out),
        FormKind::Str(s) => write_string(s, out),
        FormKind::Symbol(s) => out.push_str(s.as_str()),
        FormKind::Keyword(k) => {
            out.push(':');
            out.push_str(k.as_str());
        }
        FormKind::List(_)
        | FormKind::Vector(_)
        | FormKind::Set(_)
        | FormKind::Map(_)
        | FormKind::Tagged(_) => write_compact(form, out),
    }
}

/// Writes a float as EDN: `##NaN`, `##Inf`, `##-Inf`, or a literal that keeps a `.` or
/// exponent so it reads back as a float.
pub fn write_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("##NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "##Inf" } else { "##-Inf" });
    } else {
        let _ = write!(out, "{f:?}");
    }
}

/// Writes a character literal (`\a`, `\newline`, `\u0007`).
pub fn write_char(c: char, out: &mut String) {
    let named = match c {
        '\n' => "newline",
        ' ' => "space",
        '\t' => "tab",
        '\r' => "return",
        '\u{8}' => "backspace",
        '\u{c}' => "formfeed",
        _ => "",
    };
    out.push('\\');
    if !named.is_empty() {
        out.push_str(named);
    } else if c.is_control() || c.is_whitespace() {
        let _ = write!(out, "u{:04X}", c as u32);
    } else {
        out.push(c);
    }
}

/// Writes a string literal with EDN escapes.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
