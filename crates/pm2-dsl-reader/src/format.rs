//! The formatter: one canonical layout for a text, in the spirit of cljfmt. It works on
//! the lossless tree ([`crate::read_syntax`]) and changes only whitespace and commas, so
//! the formatted text reads back to the same forms, with every comment and `#_` discard
//! where it was.
//!
//! The layout:
//! - Line breaks are the author's: a form that starts a line keeps starting one, and a
//!   blank line between two forms stays (one at most). Breaks right after an opening
//!   delimiter or right before a closing one go; a closing delimiter follows the last
//!   element on its line (or a comment's line, on the next).
//! - A map written over several lines gets one entry per line (key and value stay
//!   together); in a vector or set written over several lines, an element that spans
//!   lines (an app map, say) starts and ends its own line group.
//! - Indentation: elements of vectors, maps and sets line up one column after the
//!   opening delimiter; the body of a list whose head is a body form (`defn`, `let`,
//!   ... as the embedder says) is indented two spaces; other lists line up with their
//!   first argument when it is on the head's line, else one space in.
//! - Forms on one line are one space apart; a comma stays after the form it follows. A
//!   comment after code keeps its column when the code leaves room for it. Trailing
//!   whitespace goes, and the text ends with one newline. A byte order mark that starts
//!   the text stays (any other U+FEFF is blank text, as to the reader).

use std::sync::Arc;

use crate::error::ReadError;
use crate::parse::ReadOptions;
use crate::sink::SyntaxKind;
use crate::source::Source;
use crate::syntax::{Syntax, read_syntax_with};

/// How the formatter indents a list, by the symbol at its head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListIndent {
    /// Two spaces, as for the body of `defn` or `let`.
    Body,
    /// Line up with the first argument when it is on the head's line, else one space.
    Call,
}

/// Formats `source`; `indent` says how to indent a list by its head symbol. A text that
/// does not read is returned as its read errors.
pub fn format_source(
    source: &Arc<Source>,
    options: ReadOptions,
    indent: &dyn Fn(&str) -> ListIndent,
) -> Result<String, Vec<ReadError>> {
    let (tree, forms) = read_syntax_with(source, options);
    forms?;
    let mut printer = Printer {
        text: source.text(),
        out: String::with_capacity(source.text().len() + 64),
        column: 0,
        indent,
    };
    printer.top_level(&tree);
    // A byte order mark is blank text to the reader, but it is the file's, not layout:
    // it stays (editors and tools on Windows write it, and some expect it back).
    if source.text().starts_with(BOM) {
        printer.out.insert(0, BOM);
    }
    Ok(printer.out)
}

/// The byte order mark, U+FEFF.
const BOM: char = '\u{feff}';

struct Printer<'a> {
    text: &'a str,
    out: String,
    /// The column of the end of `out`, in characters.
    column: usize,
    indent: &'a dyn Fn(&str) -> ListIndent,
}

/// The blank text between two spans: how many line breaks and whether a comma.
#[derive(Clone, Copy, Default)]
struct Gap {
    newlines: usize,
    comma: bool,
    blank: bool,
}

impl Printer<'_> {
    fn slice(&self, node: &Syntax) -> &str {
        &self.text[node.span.start as usize..node.span.end as usize]
    }

    fn gap(&self, from: usize, to: usize) -> Gap {
        let text = &self.text[from..to];
        Gap {
            newlines: text.matches('\n').count(),
            comma: text.contains(','),
            blank: !text.is_empty(),
        }
    }

    fn gap_between(&self, before: &Syntax, after: &Syntax) -> Gap {
        self.gap(before.span.end as usize, after.span.start as usize)
    }

    /// The column (in characters) at which `node` starts in the source.
    fn source_column(&self, node: &Syntax) -> usize {
        let start = node.span.start as usize;
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.text[line_start..start];
        // The byte order mark takes no column (and is written before the layout).
        let line = if line_start == 0 {
            line.trim_start_matches(BOM)
        } else {
            line
        };
        line.chars().count()
    }

    fn write(&mut self, text: &str) {
        match text.rfind('\n') {
            Some(i) => self.column = text[i + 1..].chars().count(),
            None => self.column += text.chars().count(),
        }
        self.out.push_str(text);
    }

    fn newline(&mut self, indent: usize, blank: bool) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        if blank {
            self.out.push('\n');
        }
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.column = indent;
    }

    fn space(&mut self) {
        self.write(" ");
    }

    fn top_level(&mut self, root: &Syntax) {
        let mut previous: Option<&Syntax> = None;
        for node in &root.children {
            if let Some(prev) = previous {
                let gap = self.gap_between(prev, node);
                if node.kind == SyntaxKind::Comment && gap.newlines == 0 {
                    self.trailing_comment(node);
                    previous = Some(node);
                    continue;
                }
                self.newline(0, gap.newlines > 1);
            }
            self.node(node);
            previous = Some(node);
        }
        if !self.out.is_empty() {
            self.newline(0, false);
        }
    }

    /// A comment on the line of the code before it: at its own column if there is room.
    fn trailing_comment(&mut self, comment: &Syntax) {
        let wanted = self.source_column(comment);
        let pad = wanted.saturating_sub(self.column).max(1);
        self.write(&" ".repeat(pad));
        self.node(comment);
    }

    fn node(&mut self, node: &Syntax) {
        match node.kind {
            SyntaxKind::Comment => {
                let text = self.slice(node).trim_end().to_string();
                self.write(&text);
            }
            kind if kind.is_token() => {
                let text = self.slice(node).to_string();
                self.write(&text);
            }
            SyntaxKind::List | SyntaxKind::Vector | SyntaxKind::Map | SyntaxKind::Set => {
                self.collection(node)
            }
            _ => self.prefixed(node),
        }
    }

    /// `'x`, `^m x`, `#tag x`, `#_x`: the parts in order, a space kept where there was
    /// blank text (a line break kept as one, at the prefix's column).
    fn prefixed(&mut self, node: &Syntax) {
        let indent = self.column;
        let mut previous: Option<&Syntax> = None;
        for child in &node.children {
            if let Some(prev) = previous {
                let gap = self.gap_between(prev, child);
                if prev.kind == SyntaxKind::Comment || gap.newlines > 0 {
                    if child.kind == SyntaxKind::Comment && gap.newlines == 0 {
                        self.space();
                    } else {
                        self.newline(indent, false);
                    }
                } else if gap.blank {
                    self.space();
                }
            }
            self.node(child);
            previous = Some(child);
        }
    }

    fn collection(&mut self, node: &Syntax) {
        let mut children = node.children.iter().peekable();
        if let Some(prefix) = children.next_if(|c| c.kind == SyntaxKind::Prefix) {
            self.node(prefix);
        }
        let Some(open) = children.next_if(|c| c.kind == SyntaxKind::Open) else {
            return;
        };
        let open_column = self.column;
        self.node(open);
        let elements: Vec<&Syntax> = children.clone().filter(|c| c.kind != SyntaxKind::Close).collect();
        let close = children.find(|c| c.kind == SyntaxKind::Close);
        let mut indent = match node.kind {
            SyntaxKind::List => open_column + 1,
            _ => self.column,
        };
        if node.kind == SyntaxKind::List && self.list_indent(&elements) == ListIndent::Body {
            indent = open_column + 2;
        }
        let entries = node.kind == SyntaxKind::Map && self.breaks(node);
        let groups = matches!(node.kind, SyntaxKind::Vector | SyntaxKind::Set) && self.breaks(node);
        let mut forms_seen = 0;
        for (i, element) in elements.iter().enumerate() {
            if i > 0 {
                let prev = elements[i - 1];
                let gap = self.gap_between(prev, element);
                if gap.comma && prev.kind != SyntaxKind::Comment {
                    self.write(",");
                }
                let trailing_comment = element.kind == SyntaxKind::Comment && gap.newlines == 0;
                let forced = !trailing_comment
                    && ((entries && forms_seen % 2 == 0 && prev.kind.is_form())
                        || (groups && (self.breaks(prev) || self.breaks(element))));
                if trailing_comment && prev.kind != SyntaxKind::Comment {
                    self.trailing_comment(element);
                    continue;
                }
                if gap.newlines > 0 || prev.kind == SyntaxKind::Comment || forced {
                    self.newline(indent, gap.newlines > 1);
                } else {
                    self.space();
                }
                if i == 1
                    && node.kind == SyntaxKind::List
                    && gap.newlines == 0
                    && prev.kind.is_form()
                    && self.list_indent(&elements) == ListIndent::Call
                {
                    indent = self.column;
                }
            }
            self.node(element);
            if element.kind.is_form() {
                forms_seen += 1;
            }
        }
        if let Some(close) = close {
            if elements.last().is_some_and(|e| e.kind == SyntaxKind::Comment) {
                self.newline(indent, false);
            }
            self.node(close);
        }
    }

    fn list_indent(&self, elements: &[&Syntax]) -> ListIndent {
        match elements.first() {
            Some(head) if head.kind == SyntaxKind::Atom => (self.indent)(self.slice(head)),
            _ => ListIndent::Call,
        }
    }

    /// Whether the formatted node spans more than one line (the rules above only ever
    /// break lines where this already holds, so it can be read off the source).
    fn breaks(&self, node: &Syntax) -> bool {
        match node.kind {
            SyntaxKind::Str => self.slice(node).contains('\n'),
            kind if kind.is_token() => false,
            SyntaxKind::List | SyntaxKind::Vector | SyntaxKind::Map | SyntaxKind::Set => {
                let elements: Vec<&Syntax> = node.elements().collect();
                elements
                    .iter()
                    .any(|e| e.kind == SyntaxKind::Comment || self.breaks(e))
                    || elements
                        .windows(2)
                        .any(|pair| self.gap_between(pair[0], pair[1]).newlines > 0)
            }
            _ => {
                node.children
                    .iter()
                    .any(|c| c.kind == SyntaxKind::Comment || self.breaks(c))
                    || node
                        .children
                        .windows(2)
                        .any(|pair| self.gap_between(&pair[0], &pair[1]).newlines > 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        let indent = |head: &str| match head {
            "defn" | "let" | "def" => ListIndent::Body,
            _ => ListIndent::Call,
        };
        let source = Source::standalone("t", text);
        let once = format_source(&source, ReadOptions::default(), &indent).unwrap();
        let again = format_source(
            &Source::standalone("t", once.clone()),
            ReadOptions::default(),
            &indent,
        )
        .unwrap();
        assert_eq!(once, again, "not idempotent for {text:?}");
        once
    }

    /// Found by trying: `fmt` dropped a byte order mark, and `fmt --check` reported a
    /// file as unformatted for having one.
    #[test]
    fn a_byte_order_mark_stays() {
        assert_eq!(fmt("\u{feff}{:a 1} ; c\n"), "\u{feff}{:a 1} ; c\n");
        assert_eq!(fmt("\u{feff} [1\n  2]"), "\u{feff}[1\n 2]\n");
        assert_eq!(fmt("\u{feff}"), "\u{feff}");
        assert_eq!(fmt("[1 \u{feff}2]"), "[1 2]\n");
    }

    #[test]
    fn spaces_and_delimiters() {
        assert_eq!(fmt("  ( a   b,c )  "), "(a b, c)\n");
        assert_eq!(fmt("[\n 1 2\n ]"), "[1 2]\n");
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("#_ x  'y ^:a  [1]"), "#_ x\n'y\n^:a [1]\n");
    }

    #[test]
    fn maps_over_several_lines_get_one_entry_per_line() {
        assert_eq!(fmt("{:a 1 :b 2\n:c 3}"), "{:a 1\n :b 2\n :c 3}\n");
        assert_eq!(fmt("{:a 1 :b 2}"), "{:a 1 :b 2}\n");
        assert_eq!(fmt("{:a ; x\n 1 :b 2}"), "{:a ; x\n 1\n :b 2}\n");
    }

    #[test]
    fn lists_indent_by_their_head() {
        assert_eq!(
            fmt("(defn f [x]\n(str x\n  1))"),
            "(defn f [x]\n  (str x\n       1))\n"
        );
        assert_eq!(fmt("(merge\na\nb)"), "(merge\n a\n b)\n");
    }

    #[test]
    fn multi_line_elements_of_vectors_stand_alone() {
        assert_eq!(
            fmt("[{:name \"a\"\n:script \"a.js\"} {:name \"b\"}]"),
            "[{:name \"a\"\n  :script \"a.js\"}\n {:name \"b\"}]\n"
        );
    }

    #[test]
    fn comments_stay_where_they_are() {
        assert_eq!(fmt("[1 ; one\n 2]"), "[1 ; one\n 2]\n");
        assert_eq!(fmt("[1\n ; last\n]"), "[1\n ; last\n ]\n");
        assert_eq!(
            fmt("(def a 1)        ; kept column   \n\n\n\n(def b 2)"),
            "(def a 1)        ; kept column\n\n(def b 2)\n"
        );
    }
}
