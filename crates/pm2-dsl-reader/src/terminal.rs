//! What a terminal acts on instead of showing ([`acts_on_terminal`]), and text made safe
//! to print: written out as `\u{..}` for messages, labels and names ([`printable`]),
//! or replaced by a character of the same length for a snippet of a file
//! (`terminal_safe`), so a hostile file or folder name cannot drive the terminal.

/// Whether a character written to a terminal acts instead of showing: a control
/// character but newline and tab (an escape sequence retitles the window or redraws the
/// screen, a carriage return writes over the line), Unicode's bidirectional controls
/// (the overrides, embeddings and isolates, which reorder what follows, and the
/// invisible marks U+061C, U+200E and U+200F), and the line and paragraph separators.
pub fn acts_on_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Whether a character cannot stand in text shown on one line, a name in a table or in
/// pm2's own output: one a terminal acts on ([`acts_on_terminal`]), or a line break or
/// tab.
pub fn breaks_a_line(c: char) -> bool {
    c.is_control() || acts_on_terminal(c)
}

/// `text` with every character a terminal acts on ([`acts_on_terminal`]) written out
/// as `\u{..}`: for a message, a label or a file's name, which can carry a value from
/// the file or a folder's name.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts_on_terminal(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// `text` with every character a terminal acts on ([`acts_on_terminal`]; a `\r` that
/// ends a line with `\n` is a line break, kept) replaced by one of the same length in
/// bytes — `?`, `¿` or `�` — so every offset and line stays where it was; `None` when
/// there is none. A snippet of a hostile file cannot drive the terminal it is shown on.
pub(crate) fn terminal_safe(text: &str) -> Option<String> {
    // Bytes that can start such a character: C0 controls, DEL, and the lead bytes of
    // the C1 controls (U+0080..), of U+061C, and of the separators and the other bidi
    // controls (U+200E..).
    let maybe =
        |b: u8| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7F || b == 0xC2 || b == 0xD8 || b == 0xE2;
    if !text.bytes().any(maybe) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let line_break = c == '\r' && chars.peek() == Some(&'\n');
        if acts_on_terminal(c) && !line_break {
            changed = true;
            out.push(match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{FFFD}',
            });
        } else {
            out.push(c);
        }
    }
    changed.then_some(out)
}
