//! The comments of a JavaScript file, handed out once each to the form they annotate:
//! the comment lines before an entry, a comment at the end of its line, and the
//! comments before a closing brace.

/// One comment: where it is and its text without delimiters.
#[derive(Clone, Debug)]
struct Comment {
    start: u32,
    end: u32,
    text: String,
}

/// The comments of a file, each used at most once.
#[derive(Debug, Default)]
pub struct Comments {
    all: Vec<Comment>,
    used: Vec<bool>,
    source: String,
}

/// A comment's text without `//`, `/*`, `*/` and the `*` that starts the lines of a
/// doc block; blank first and last lines go.
pub fn clean(raw: &str) -> String {
    if let Some(line) = raw.strip_prefix("//") {
        return line.trim().to_string();
    }
    let inner = raw.trim_start_matches("/*").trim_end_matches("*/");
    let lines: Vec<String> = inner
        .lines()
        .map(|l| {
            let l = l.trim();
            l.strip_prefix('*').map_or(l, str::trim_start).to_string()
        })
        .collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

impl Comments {
    /// The comments at `spans` (start, end) of `source`.
    pub fn new(source: &str, spans: impl IntoIterator<Item = (u32, u32)>) -> Comments {
        let all: Vec<Comment> = spans
            .into_iter()
            .map(|(start, end)| Comment {
                start,
                end,
                text: clean(&source[start as usize..end as usize]),
            })
            .collect();
        Comments {
            used: vec![false; all.len()],
            all,
            source: source.to_string(),
        }
    }

    /// The text of each comment with text (`//` alone is none).
    pub fn texts(&self) -> Vec<String> {
        self.all
            .iter()
            .filter(|c| !c.text.is_empty())
            .map(|c| c.text.clone())
            .collect()
    }

    /// Marks the comments inside `start..end` as kept (they are part of a `;; was:`
    /// note that quotes that text).
    pub fn quoted(&mut self, start: u32, end: u32) {
        for (i, c) in self.all.iter().enumerate() {
            if c.start >= start && c.end <= end {
                self.used[i] = true;
            }
        }
    }

    /// The unused comments inside `from..to`, split into those on the line where `from`
    /// is (a comment at the end of the previous entry's line) and the others.
    pub fn between(&mut self, from: u32, to: u32) -> (Option<String>, Vec<String>) {
        let mut same_line = None;
        let mut lines = Vec::new();
        for (i, c) in self.all.iter().enumerate() {
            if self.used[i] || c.start < from || c.end > to {
                continue;
            }
            self.used[i] = true;
            if c.text.is_empty() {
                continue;
            }
            let gap = &self.source[from as usize..c.start as usize];
            if same_line.is_none() && lines.is_empty() && !gap.contains('\n') && !c.text.contains('\n') {
                same_line = Some(c.text.clone());
            } else {
                lines.push(c.text.clone());
            }
        }
        (same_line, lines)
    }
}

impl Comments {
    /// The unused comments inside `from..to`, all as lines.
    pub fn lines_between(&mut self, from: u32, to: u32) -> Vec<String> {
        let (same_line, mut lines) = self.between(from, to);
        if let Some(first) = same_line {
            lines.insert(0, first);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_blocks_lose_their_stars() {
        assert_eq!(
            clean("/**\n   * Application\n   * section\n   */"),
            "Application\nsection"
        );
        assert_eq!(clean("// production mode"), "production mode");
        assert_eq!(clean("/* one */"), "one");
    }

    #[test]
    fn a_comment_on_the_entry_line_is_told_apart() {
        let text = "a: 1, // one\n// two\nb: 2";
        let mut comments = Comments::new(text, [(6, 12), (13, 19)]);
        let (same, lines) = comments.between(4, 20);
        assert_eq!(same.as_deref(), Some("one"));
        assert_eq!(lines, ["two"]);
        assert_eq!(comments.used, [true, true]);
    }
}
