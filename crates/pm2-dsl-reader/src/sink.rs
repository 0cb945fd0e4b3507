//! What the parser reports as it reads, for the lossless view ([`crate::Syntax`]): the
//! [`SyntaxKind`] of each token and node, heard by a [`Sink`]. The parser emits these
//! and the tree in `syntax` is built from them, so neither module needs the other's.

/// What a [`Syntax`](crate::Syntax) node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxKind {
    /// The whole text.
    Root,
    /// `( ... )`
    List,
    /// `[ ... ]`
    Vector,
    /// `{ ... }` or `#:ns{ ... }`
    Map,
    /// `#{ ... }`
    Set,
    /// `'form`
    Quote,
    /// `^meta form`
    Meta,
    /// `#tag form`
    Tagged,
    /// `#_form`
    Discard,
    /// A symbol, keyword, number, `nil`, `true`, `false` or `##Inf`-style value (a token).
    Atom,
    /// A string literal (a token).
    Str,
    /// A character literal (a token).
    Char,
    /// A `;` or `#!` comment up to the end of its line, newline excluded (a token).
    Comment,
    /// An opening delimiter: `(`, `[`, `{` or `#{` (a token).
    Open,
    /// A closing delimiter (a token).
    Close,
    /// A prefix: `'`, `^`, `#_`, `#tag` or `#:ns` (a token).
    Prefix,
}

impl SyntaxKind {
    /// Whether nodes of this kind are tokens (no children).
    pub fn is_token(self) -> bool {
        matches!(
            self,
            SyntaxKind::Atom
                | SyntaxKind::Str
                | SyntaxKind::Char
                | SyntaxKind::Comment
                | SyntaxKind::Open
                | SyntaxKind::Close
                | SyntaxKind::Prefix
        )
    }

    /// Whether a node of this kind is a form (not a comment, discard or delimiter).
    pub fn is_form(self) -> bool {
        !matches!(
            self,
            SyntaxKind::Root
                | SyntaxKind::Comment
                | SyntaxKind::Discard
                | SyntaxKind::Open
                | SyntaxKind::Close
                | SyntaxKind::Prefix
        )
    }
}

/// Where the parser reports the tokens and nodes it reads, for the lossless view
/// ([`crate::read_syntax`]). Every method does nothing by default.
pub(crate) trait Sink {
    /// A node of `kind` starts at `start`.
    #[inline]
    fn open(&mut self, _kind: SyntaxKind, _start: usize) {}
    /// A token spans `start..end`.
    #[inline]
    fn token(&mut self, _kind: SyntaxKind, _start: usize, _end: usize) {}
    /// The innermost open node ends at `end`.
    #[inline]
    fn close(&mut self, _end: usize) {}
}
