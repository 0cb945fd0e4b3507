//! The printer: data back to EDN text, compact (one line), pretty (fits a width, breaking
//! collections one element per line) or cut short (for messages). What it prints reads
//! back to an equal form.
//!
//! It prints anything that says what its nodes are ([`Edn`]): [`Form`]s here, and the
//! evaluator's values, which print directly, with no copy. Printing takes time in
//! proportion to the text written: a pretty layout asks of each collection only whether
//! its first `width` characters fit, never for its whole compact text.

use std::fmt::Write;

use crate::error::Delim;
use crate::form::{Form, FormKind};
use crate::number::Number;

/// Data the printer can print: each node says what it is.
pub trait Edn {
    /// What this node is.
    fn node(&self) -> Node<'_, Self>;

    /// The metadata written before it (`^:append`, `^{...}`), if any.
    fn meta(&self) -> Option<&Form> {
        None
    }
}

/// One node of printable data.
pub enum Node<'a, T: ?Sized> {
    /// A scalar.
    Atom(Atom<'a>),
    /// A list, vector or set of items.
    Seq(Delim, Box<dyn Iterator<Item = &'a T> + 'a>),
    /// A map's entries.
    Map(Box<dyn Iterator<Item = (&'a T, &'a T)> + 'a>),
    /// A tagged literal: the tag (without `#`) and what it tags.
    Tagged(&'a str, Box<Node<'a, T>>),
    /// An item, printed with its metadata.
    Item(&'a T),
}

/// A scalar to print.
pub enum Atom<'a> {
    /// `nil`
    Nil,
    /// `true` or `false`
    Bool(bool),
    /// A number.
    Number(&'a Number),
    /// A character literal.
    Char(char),
    /// A string literal.
    Str(&'a str),
    /// A string literal made for printing (a description standing for a value that is
    /// not shown).
    Text(String),
    /// A symbol, as written.
    Symbol(&'a str),
    /// A keyword, without its colon.
    Keyword(&'a str),
}

impl Edn for Form {
    fn node(&self) -> Node<'_, Form> {
        match &self.kind {
            FormKind::Nil => Node::Atom(Atom::Nil),
            FormKind::Bool(b) => Node::Atom(Atom::Bool(*b)),
            FormKind::Number(n) => Node::Atom(Atom::Number(n)),
            FormKind::Char(c) => Node::Atom(Atom::Char(*c)),
            FormKind::Str(s) => Node::Atom(Atom::Str(s)),
            FormKind::Symbol(s) => Node::Atom(Atom::Symbol(s.as_str())),
            FormKind::Keyword(k) => Node::Atom(Atom::Keyword(k.as_str())),
            FormKind::List(items) => Node::Seq(Delim::List, Box::new(items.iter())),
            FormKind::Vector(items) => Node::Seq(Delim::Vector, Box::new(items.iter())),
            FormKind::Set(items) => Node::Seq(Delim::Set, Box::new(items.iter())),
            FormKind::Map(entries) => Node::Map(Box::new(entries.iter().map(|(k, v)| (k, v)))),
            FormKind::Tagged(t) => Node::Tagged(t.tag.as_str(), Box::new(Node::Item(&t.form))),
        }
    }

    fn meta(&self) -> Option<&Form> {
        self.meta.as_deref()
    }
}

/// Text being printed, cut off after `limit` bytes.
struct Out {
    text: String,
    limit: usize,
}

impl Out {
    fn new(limit: usize) -> Out {
        Out {
            text: String::new(),
            limit,
        }
    }

    /// Whether the limit was reached (nothing more is written).
    fn full(&self) -> bool {
        self.text.len() >= self.limit
    }

    fn push_str(&mut self, s: &str) {
        if !self.full() {
            self.text.push_str(s);
        }
    }

    fn push(&mut self, c: char) {
        if !self.full() {
            self.text.push(c);
        }
    }
}

/// Prints on one line.
pub fn to_compact<T: Edn + ?Sized>(item: &T) -> String {
    let mut out = Out::new(usize::MAX);
    write_item(item, &mut out);
    out.text
}

/// Prints on one line, cut to about `max` bytes (ending with `…` when cut): for
/// messages that name a value, however large it is. Takes time in proportion to `max`.
pub fn to_compact_cut<T: Edn + ?Sized>(item: &T, max: usize) -> String {
    let mut out = Out::new(max.saturating_add(1));
    write_item(item, &mut out);
    if out.text.len() > max {
        let mut end = max;
        while !out.text.is_char_boundary(end) {
            end -= 1;
        }
        out.text.truncate(end);
        out.text.push('…');
    }
    out.text
}

/// Prints on one line when that takes at most `max` bytes; `None` (after writing no more
/// than that) when it would take more.
pub fn to_compact_within<T: Edn + ?Sized>(item: &T, max: usize) -> Option<String> {
    let mut out = Out::new(max.saturating_add(1));
    write_item(item, &mut out);
    (out.text.len() <= max).then_some(out.text)
}

/// Prints so that lines stay within `width` columns where the data allows it: a
/// collection that does not fit on its line gets one element (or map entry) per line.
pub fn to_pretty<T: Edn + ?Sized>(item: &T, width: usize) -> String {
    let mut out = Out::new(usize::MAX);
    write_pretty(item, 0, width, &mut out);
    out.text
}

/// Whether `item` printed on one line takes at most `room` bytes; looks at no more than
/// that much of it.
fn fits<T: Edn + ?Sized>(item: &T, room: usize) -> bool {
    let mut out = Out::new(room.saturating_add(1));
    write_item(item, &mut out);
    out.text.len() <= room
}

/// Writes the metadata of `item`; returns the bytes written.
fn write_meta<T: Edn + ?Sized>(item: &T, out: &mut Out, pretty: Option<(usize, usize)>) -> usize {
    let Some(meta) = item.meta() else { return 0 };
    let FormKind::Map(entries) = &meta.kind else {
        return 0;
    };
    let start = out.text.len();
    let flags = entries
        .iter()
        .all(|(k, v)| k.as_keyword().is_some() && matches!(v.kind, FormKind::Bool(true)));
    if flags {
        for (k, _) in entries {
            out.push('^');
            write_item(k, out);
            out.push(' ');
        }
    } else {
        out.push('^');
        match pretty {
            Some((indent, width)) => write_pretty(meta, indent + 1, width, out),
            None => write_item(meta, out),
        }
        out.push(' ');
    }
    out.text.len() - start
}

fn write_item<T: Edn + ?Sized>(item: &T, out: &mut Out) {
    write_meta(item, out, None);
    write_node(item.node(), out);
}

fn write_node<T: Edn + ?Sized>(node: Node<'_, T>, out: &mut Out) {
    match node {
        Node::Atom(atom) => write_atom(&atom, out),
        Node::Item(item) => write_item(item, out),
        Node::Seq(delim, items) => {
            out.push_str(delim.open());
            for (i, item) in items.enumerate() {
                if out.full() {
                    return;
                }
                if i > 0 {
                    out.push(' ');
                }
                write_item(item, out);
            }
            out.push(delim.close());
        }
        Node::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.enumerate() {
                if out.full() {
                    return;
                }
                if i > 0 {
                    out.push(' ');
                }
                write_item(k, out);
                out.push(' ');
                write_item(v, out);
            }
            out.push('}');
        }
        Node::Tagged(tag, inner) => {
            out.push('#');
            out.push_str(tag);
            out.push(' ');
            write_node(*inner, out);
        }
    }
}

fn write_pretty<T: Edn + ?Sized>(item: &T, indent: usize, width: usize, out: &mut Out) {
    let node = item.node();
    if matches!(node, Node::Atom(_)) || fits(item, width.saturating_sub(indent)) {
        write_item(item, out);
        return;
    }
    let indent = indent + write_meta(item, out, Some((indent, width)));
    write_pretty_node(node, indent, width, out);
}

fn write_pretty_node<T: Edn + ?Sized>(node: Node<'_, T>, indent: usize, width: usize, out: &mut Out) {
    match node {
        Node::Atom(atom) => write_atom(&atom, out),
        Node::Item(item) => write_pretty(item, indent, width, out),
        Node::Seq(delim, items) => {
            let open = delim.open();
            out.push_str(open);
            for (i, item) in items.enumerate() {
                if i > 0 {
                    newline(out, indent + open.len());
                }
                write_pretty(item, indent + open.len(), width, out);
            }
            out.push(delim.close());
        }
        Node::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.enumerate() {
                if i > 0 {
                    newline(out, indent + 1);
                }
                let key = to_compact(k);
                out.push_str(&key);
                let value_indent = indent + 1 + key.len() + 1;
                let collection = !matches!(v.node(), Node::Atom(_));
                if collection && key.len() > 20 && !fits(v, width.saturating_sub(value_indent)) {
                    newline(out, indent + 2);
                    write_pretty(v, indent + 2, width, out);
                } else {
                    out.push(' ');
                    write_pretty(v, value_indent, width, out);
                }
            }
            out.push('}');
        }
        Node::Tagged(tag, inner) => {
            out.push('#');
            out.push_str(tag);
            out.push(' ');
            write_pretty_node(*inner, indent + tag.len() + 2, width, out);
        }
    }
}

fn newline(out: &mut Out, indent: usize) {
    out.push('\n');
    out.text.extend(std::iter::repeat_n(' ', indent));
}

fn write_atom(atom: &Atom<'_>, out: &mut Out) {
    if out.full() {
        return;
    }
    let text = &mut out.text;
    match atom {
        Atom::Nil => text.push_str("nil"),
        Atom::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
        Atom::Number(Number::BigInt(b)) => {
            // Copied, and cut where the limit falls, like a string.
            let digits = b.digits();
            let room = out.limit.saturating_sub(text.len());
            text.push_str(&digits[..digits.len().min(room)]);
            text.push('N');
        }
        Atom::Number(n) => {
            let _ = write!(text, "{n}");
        }
        Atom::Char(c) => write_char(*c, text),
        Atom::Text(s) => write_string(s, text),
        Atom::Str(s) => {
            // A long string is cut where the limit falls, not written out whole first.
            let room = out.limit.saturating_sub(text.len());
            let mut end = s.len().min(room);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            write_string(&s[..end], text);
            if end < s.len() {
                text.pop();
            }
        }
        Atom::Symbol(s) => text.push_str(s),
        Atom::Keyword(k) => {
            text.push(':');
            text.push_str(k);
        }
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
    } else if c.is_whitespace() || crate::acts_on_terminal(c) {
        let _ = write!(out, "u{:04X}", c as u32);
    } else {
        out.push(c);
    }
}

/// Writes a string literal with EDN escapes (`\u` for what a terminal acts on).
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
            // Controls, bidi overrides and line separators: a printed value reads back
            // the same, and shows the same wherever it is printed.
            c if crate::acts_on_terminal(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Source, read_all};

    fn form(text: &str) -> Form {
        read_all(&Source::standalone("t", text.to_string()))
            .unwrap()
            .remove(0)
    }

    #[test]
    fn what_a_terminal_acts_on_prints_as_an_escape_that_reads_back() {
        let text = "\"a\\u001B[2J\\u009B\\u202Eb\\u2066\\u2028\\u00E9\" \\u202E";
        let mut out = String::new();
        let forms: Vec<Form> = read_all(&Source::standalone("t", text)).unwrap();
        for f in &forms {
            match &f.kind {
                FormKind::Str(s) => write_string(s, &mut out),
                FormKind::Char(c) => write_char(*c, &mut out),
                other => panic!("{other:?}"),
            }
            out.push(' ');
        }
        assert_eq!(out, "\"a\\u001B[2J\\u009B\\u202Eb\\u2066\\u2028é\" \\u202E ");
        let back: Vec<Form> = read_all(&Source::standalone("t", out.as_str())).unwrap();
        assert!(back.iter().zip(&forms).all(|(a, b)| a.equiv(b)));
    }

    #[test]
    fn cut_printing_stops_at_the_limit() {
        let long = form(&format!("[{}]", "\"abcdef\" ".repeat(1000)));
        let cut = to_compact_cut(&long, 20);
        assert_eq!(cut, "[\"abcdef\" \"abcdef\" \"…");
        assert_eq!(to_compact_cut(&form("[1 2]"), 20), "[1 2]");
        assert_eq!(to_compact_cut(&form("\"ééééé\""), 4), "\"é…");
    }

    /// Found by trying: pretty-printing a deep value wrote each level's whole compact
    /// text to see whether it fit, so a large leaf under many levels was written once
    /// per level.
    #[test]
    fn pretty_printing_is_linear_in_depth() {
        let leaf = "y".repeat(2_000_000);
        let time = |depth: usize| {
            let text = format!("{}\"{leaf}\"{}", "[\"x\" ".repeat(depth), "]".repeat(depth));
            let value = form(&text);
            let start = std::time::Instant::now();
            let printed = to_pretty(&value, 80);
            assert_eq!(printed.lines().count(), depth + 1);
            start.elapsed()
        };
        let (shallow, deep) = (time(2), time(120));
        assert!(deep < shallow * 8, "depth 2: {shallow:?}, depth 120: {deep:?}");
    }

    /// Found by trying: a big integer was converted to decimal whenever it was printed
    /// (in more than linear time: 1.4 s for 3 million digits), and a pretty layout
    /// printed it once per enclosing collection to see whether that fit. Its digits are
    /// now kept: printing it takes as long as printing a string of its length.
    #[test]
    fn printing_a_huge_integer_takes_linear_time() {
        let digits: String = (0..1_000_000).map(|i| char::from(b'1' + (i % 9) as u8)).collect();
        let depth = 10;
        let time = |atom: &str| {
            let value = form(&format!("{}{atom}{}", "[".repeat(depth), "]".repeat(depth)));
            let start = std::time::Instant::now();
            let printed = to_pretty(&value, 80);
            let cut = to_compact_cut(&value, 40);
            let elapsed = start.elapsed();
            assert!(printed.contains(&digits[..1000]) && cut.ends_with('…'));
            elapsed
        };
        let (string, integer) = (time(&format!("\"{digits}\"")), time(&format!("{digits}N")));
        assert!(
            integer < string * 10 + std::time::Duration::from_millis(50),
            "a string of a million characters: {string:?}, an integer of a million digits: {integer:?}"
        );
        let value = form(&format!("-{digits}N"));
        assert_eq!(to_compact(&value), format!("-{digits}N"));
        assert_eq!(to_compact_cut(&value, 5), "-1234…");
        assert_eq!(to_compact(&form("[-0N +12N]")), "[0N 12N]");
    }
}
