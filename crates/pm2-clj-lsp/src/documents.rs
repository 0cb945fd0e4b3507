//! The documents the client has open: their text and version, edits applied as the
//! client sends them (whole texts or UTF-16 ranges), and the mapping between `file:`
//! URIs and the paths the load pipeline uses as locations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use pm2_dsl_reader::Source;

/// An open document.
#[derive(Clone, Debug)]
pub struct Document {
    /// Its path, lexically normal: the location the load pipeline uses.
    pub path: PathBuf,
    /// The client's version of it.
    pub version: i32,
    /// The current text.
    pub text: Arc<str>,
}

/// Every open document, by URI.
#[derive(Default)]
pub struct Documents {
    open: HashMap<Uri, Document>,
}

impl Documents {
    /// Opens (or replaces) a document.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> Result<(), String> {
        let path = path_of(&uri)?;
        self.open.insert(
            uri,
            Document {
                path,
                version,
                text: text.into(),
            },
        );
        Ok(())
    }

    /// Applies the client's changes in order. A change that does not fit the text (a
    /// range past its end) leaves the document as it was and is an error.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Result<(), String> {
        let document = self
            .open
            .get_mut(uri)
            .ok_or_else(|| format!("{} is not open", uri.as_str()))?;
        let mut text = document.text.to_string();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let source = Source::standalone("", text.as_str());
                    let (start, end) = byte_range(&source, range)
                        .ok_or_else(|| format!("the range {range:?} is outside {}", uri.as_str()))?;
                    text.replace_range(start..end, &change.text);
                }
            }
        }
        document.text = text.into();
        document.version = version;
        Ok(())
    }

    /// Closes a document.
    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri)
    }

    /// An open document.
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    /// The open document at this path, if any.
    pub fn uri_of(&self, path: &Path) -> Option<&Uri> {
        self.open.iter().find(|(_, d)| d.path == path).map(|(u, _)| u)
    }

    /// The texts of every open document by location, for an overlay loader.
    pub fn texts(&self) -> Vec<(String, Arc<str>)> {
        self.open
            .values()
            .map(|d| (d.path.to_string_lossy().into_owned(), d.text.clone()))
            .collect()
    }
}

/// The byte range of an LSP range (UTF-16 positions) in `source`, if it lies inside.
pub fn byte_range(source: &Source, range: Range) -> Option<(usize, usize)> {
    let start = offset(source, range.start)?;
    let end = offset(source, range.end)?;
    (start <= end).then_some((start, end))
}

/// The byte offset of an LSP position in `source`, if its line exists.
pub fn offset(source: &Source, position: Position) -> Option<usize> {
    source.offset_of_utf16(position.line as usize, position.character as usize)
}

/// The LSP position of a byte offset.
pub fn position(source: &Source, offset: usize) -> Position {
    let at = source.location(offset);
    Position::new((at.line - 1) as u32, (at.column_utf16 - 1) as u32)
}

/// The LSP range of a byte range.
pub fn range(source: &Source, start: usize, end: usize) -> Range {
    Range::new(position(source, start), position(source, end))
}

/// The path of a `file:` URI, lexically normal.
pub fn path_of(uri: &Uri) -> Result<PathBuf, String> {
    let text = uri.as_str();
    let rest = text
        .strip_prefix("file://")
        .ok_or_else(|| format!("{text} is not a file: URI"))?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return Err(format!("{text} has no absolute path"));
    }
    let bytes = decode(path).ok_or_else(|| format!("{text} has a bad %-escape"))?;
    let decoded = String::from_utf8(bytes).map_err(|_| format!("{text} is not UTF-8"))?;
    Ok(PathBuf::from(pm2_dsl_eval::resolve_path(None, &decoded)))
}

/// The `file:` URI of an absolute path.
pub fn uri_of(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            text.push(b as char);
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        Uri::from_str(text).unwrap()
    }

    #[test]
    fn uris_and_paths_go_both_ways() {
        let path = Path::new("/tmp/a dir/é.pm2.edn");
        let u = uri_of(path).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20dir/%C3%A9.pm2.edn");
        assert_eq!(path_of(&u).unwrap(), path);
        assert_eq!(
            path_of(&uri("file:///x/./y/../z.edn")).unwrap(),
            Path::new("/x/z.edn")
        );
        assert!(path_of(&uri("untitled:Untitled-1")).is_err());
        assert!(
            path_of(&uri("file://host/x.edn")).is_err(),
            "another machine's file"
        );
    }

    #[test]
    fn incremental_changes_apply_in_utf16() {
        let mut docs = Documents::default();
        let u = uri("file:///t.edn");
        docs.open(u.clone(), 1, "{:a \"𝄞\" :b 1}".into()).unwrap();
        let change = |sl, sc, el, ec, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: text.into(),
        };
        // 𝄞 takes UTF-16 columns 5 and 6, so `:b` is at columns 9 and 10.
        docs.change(&u, 2, vec![change(0, 9, 0, 11, ":c"), change(0, 0, 0, 0, "\n")])
            .unwrap();
        assert_eq!(&*docs.get(&u).unwrap().text, "\n{:a \"𝄞\" :c 1}");
        assert!(docs.change(&u, 3, vec![change(5, 0, 5, 1, "x")]).is_err());
        assert_eq!(
            docs.get(&u).unwrap().version,
            2,
            "a bad change leaves the document alone"
        );
        assert!(docs.change(&uri("file:///other.edn"), 1, vec![]).is_err());
    }
}
