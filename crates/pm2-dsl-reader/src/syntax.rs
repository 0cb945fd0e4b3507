//! The lossless view of a text: a [`Syntax`] tree that the parser builds beside the
//! forms, holding every token with its span — delimiters, prefixes (`'`, `^`, `#_`,
//! `#tag`, `#:ns`), atoms, strings, characters and comments, and the forms that `#_`
//! discards. Whitespace and commas are the gaps between tokens, so the text between two
//! sibling spans is always blank. Formatters and editors read the source through it.
//!
//! ```
//! use pm2_dsl_reader::{read_syntax, Source, SyntaxKind};
//!
//! let source = Source::standalone("t.edn", "{:a 1} ; done\n#_ :gone");
//! let (tree, forms) = read_syntax(&source);
//! assert_eq!(forms.unwrap().len(), 1);
//! let kinds: Vec<SyntaxKind> = tree.children.iter().map(|c| c.kind).collect();
//! assert_eq!(kinds, [SyntaxKind::Map, SyntaxKind::Comment, SyntaxKind::Discard]);
//! ```

use std::sync::Arc;

use crate::error::ReadError;
use crate::form::Form;
use crate::parse::{ReadOptions, parse};
use crate::sink::{Sink, SyntaxKind};
use crate::source::{Source, SourceId, Span};

/// A node of the lossless tree: a token, or a node whose children cover its span in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syntax {
    /// What it is.
    pub kind: SyntaxKind,
    /// Where it is written.
    pub span: Span,
    /// Its tokens and nodes in text order (empty for tokens).
    pub children: Vec<Syntax>,
}

impl Syntax {
    /// The children that are forms or discards: what sits between a collection's
    /// delimiters, or after a prefix, comments included.
    pub fn elements(&self) -> impl Iterator<Item = &Syntax> {
        self.children
            .iter()
            .filter(|c| !matches!(c.kind, SyntaxKind::Open | SyntaxKind::Close | SyntaxKind::Prefix))
    }

    /// The innermost node whose span contains byte `offset` (ends included), with its
    /// ancestors, outermost first. Empty when the offset lies outside the tree.
    pub fn path_to(&self, offset: usize) -> Vec<&Syntax> {
        let mut path = Vec::new();
        let mut node = self;
        let inside = |n: &Syntax| (n.span.start as usize) <= offset && offset <= n.span.end as usize;
        if !inside(node) {
            return path;
        }
        loop {
            path.push(node);
            match node.children.iter().find(|c| inside(c)) {
                Some(child) => node = child,
                None => return path,
            }
        }
    }
}

/// Builds the tree from the parser's events. On a read error the nodes still open are
/// closed at the end of the text, so the tree covers everything read before the error.
pub(crate) struct TreeBuilder {
    source: SourceId,
    stack: Vec<Syntax>,
}

impl TreeBuilder {
    fn new(source: SourceId, len: usize) -> TreeBuilder {
        TreeBuilder {
            source,
            stack: vec![Syntax {
                kind: SyntaxKind::Root,
                span: Span::new(source, 0, len),
                children: Vec::new(),
            }],
        }
    }

    fn finish(mut self) -> Syntax {
        let end = self.stack[0].span.end as usize;
        while self.stack.len() > 1 {
            self.close(end);
        }
        self.stack.pop().expect("the root is never closed")
    }
}

impl Sink for TreeBuilder {
    fn open(&mut self, kind: SyntaxKind, start: usize) {
        self.stack.push(Syntax {
            kind,
            span: Span::new(self.source, start, start),
            children: Vec::new(),
        });
    }

    fn token(&mut self, kind: SyntaxKind, start: usize, end: usize) {
        let token = Syntax {
            kind,
            span: Span::new(self.source, start, end),
            children: Vec::new(),
        };
        if let Some(parent) = self.stack.last_mut() {
            parent.children.push(token);
        }
    }

    fn close(&mut self, end: usize) {
        if self.stack.len() < 2 {
            return;
        }
        let mut node = self.stack.pop().expect("checked above");
        node.span.end = end as u32;
        if let Some(parent) = self.stack.last_mut() {
            parent.children.push(node);
        }
    }
}

/// Reads `source` into its lossless tree and its forms (with default options), or its
/// errors as [`crate::read_all_collecting`] finds them. The tree is there even when
/// reading fails, up to the first error that cannot be read past.
pub fn read_syntax(source: &Arc<Source>) -> (Syntax, Result<Vec<Form>, Vec<ReadError>>) {
    read_syntax_with(source, ReadOptions::default())
}

/// Reads `source` into its lossless tree and its forms like [`read_syntax`], with
/// explicit options.
pub fn read_syntax_with(
    source: &Arc<Source>,
    options: ReadOptions,
) -> (Syntax, Result<Vec<Form>, Vec<ReadError>>) {
    let mut builder = TreeBuilder::new(source.id(), source.text().len());
    let forms = parse(source, options, &mut builder);
    (builder.finish(), forms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(node: &Syntax) -> Vec<SyntaxKind> {
        node.children.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn every_token_is_kept_in_order() {
        use SyntaxKind::*;
        let source = Source::standalone("t", "; head\n^:a #:x{:b 'c} #_ #env X\n#{1}");
        let (tree, forms) = read_syntax(&source);
        assert_eq!(forms.unwrap().len(), 2);
        assert_eq!(kinds(&tree), [Comment, Meta, Discard, Set]);
        let meta = &tree.children[1];
        assert_eq!(kinds(meta), [Prefix, Atom, Map]);
        let map = &meta.children[2];
        assert_eq!(kinds(map), [Prefix, Open, Atom, Quote, Close]);
        assert_eq!(source.slice(map.children[0].span), "#:x");
        let discard = &tree.children[2];
        assert_eq!(kinds(discard), [Prefix, Tagged]);
        assert_eq!(source.slice(discard.children[1].children[0].span), "#env");
        assert_eq!(source.slice(tree.children[0].span), "; head");
    }

    #[test]
    fn a_broken_text_still_has_a_tree_up_to_the_error() {
        let source = Source::standalone("t", "{:apps [{:name \"a\" :scr");
        let (tree, forms) = read_syntax(&source);
        assert!(forms.is_err());
        let path = tree.path_to(source.text().len());
        let kinds: Vec<SyntaxKind> = path.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            [
                SyntaxKind::Root,
                SyntaxKind::Map,
                SyntaxKind::Vector,
                SyntaxKind::Map,
                SyntaxKind::Atom
            ]
        );
        assert_eq!(source.slice(path[4].span), ":scr");
    }
}
