//! The documents the client has open: their text and version, edits applied as the
//! client sends them (whole texts or UTF-16 ranges), the loader analyses read them
//! through, and the mapping between `file:` URIs and the paths the load pipeline uses
//! as locations.
//!
//! A document is analysed only up to the size the command line reads a source file at
//! ([`MAX_FILE_BYTES`]); past it, its text is kept up to [`MAX_FOLLOWED`] so that edits
//! that bring it back under are followed, and past that it is let go.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use pm2_dsl_eval::{FileError, Found, FsLoader, Loader, MAX_FILE_BYTES, Overlay, resolve_path};
use pm2_dsl_reader::Source;

use crate::transport::MAX_MESSAGE;

/// The largest text a document keeps (64 MiB): as much as one message can carry. A
/// document whose edits make it larger is let go: its text is dropped and its edits are
/// no longer followed until the client sends a whole text again (or reopens it).
pub const MAX_FOLLOWED: usize = MAX_MESSAGE;

/// An open document.
#[derive(Clone, Debug)]
pub struct Document {
    /// Its path, lexically normal: the location the load pipeline uses.
    pub path: PathBuf,
    /// The client's version of it.
    pub version: i32,
    /// The current text; empty once the document is let go (over [`MAX_FOLLOWED`]).
    pub text: Arc<str>,
    /// The size of the client's text in bytes (its last known size once let go).
    pub size: usize,
}

impl Document {
    fn new(path: PathBuf, version: i32, text: String) -> Document {
        let size = text.len();
        let text = if size > MAX_FOLLOWED {
            "".into()
        } else {
            text.into()
        };
        Document {
            path,
            version,
            text,
            size,
        }
    }

    /// Why the document is not analysed, when it is larger than the command line reads
    /// a source file ([`MAX_FILE_BYTES`]): `file::too-large`.
    pub fn too_large(&self) -> Option<FileError> {
        let len = self.size as u64;
        (len > MAX_FILE_BYTES).then_some(FileError::TooLarge {
            len,
            max: MAX_FILE_BYTES,
        })
    }
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
        self.open.insert(uri, Document::new(path, version, text));
        Ok(())
    }

    /// Applies the client's changes in order. A change that does not fit the text (a
    /// range past its end) leaves the document as it was and is an error. A range in a
    /// document that is let go cannot be followed and is passed over: only a whole text
    /// brings it back.
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
        let followed = document.text.len() == document.size;
        let mut text = followed.then(|| document.text.to_string());
        let mut size = document.size;
        for change in changes {
            let Some(range) = change.range else {
                size = change.text.len();
                text = (size <= MAX_FOLLOWED).then_some(change.text);
                continue;
            };
            let Some(current) = &mut text else {
                continue;
            };
            let source = Source::standalone("", current.as_str());
            let (start, end) = byte_range(&source, range)
                .ok_or_else(|| format!("the range {range:?} is outside {}", uri.as_str()))?;
            size = current.len() - (end - start) + change.text.len();
            if size > MAX_FOLLOWED {
                text = None;
            } else {
                current.replace_range(start..end, &change.text);
            }
        }
        document.text = text.map(Into::into).unwrap_or_default();
        document.size = size;
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

    /// The loader analyses read imports through: the open documents before the disk.
    pub fn loader(&self, disk: FsLoader) -> Buffers {
        let (mut texts, mut too_large) = (Vec::new(), HashMap::new());
        for d in self.open.values() {
            let location = resolve_path(None, &d.path.to_string_lossy());
            if d.too_large().is_some() {
                too_large.insert(location, d.size as u64);
            } else {
                texts.push((location, d.text.clone()));
            }
        }
        Buffers {
            texts: Overlay::new(texts, disk.clone()),
            disk,
            too_large,
        }
    }
}

/// What analyses read imports through: the open documents' texts before the disk. An
/// open document is held to the size cap a file is read with: importing one over
/// [`MAX_FILE_BYTES`] is refused as importing such a file is.
pub struct Buffers {
    texts: Overlay<FsLoader>,
    /// The files on disk the document may read (confined as every command confines
    /// them): an open document outside its root is refused as a file there is.
    disk: FsLoader,
    /// The open documents over the cap, by location, with their sizes.
    too_large: HashMap<String, u64>,
}

impl Loader for Buffers {
    fn resolve(&self, from: Option<&str>, path: &str) -> String {
        self.texts.resolve(from, path)
    }

    fn read(&self, location: &str) -> io::Result<Option<String>> {
        self.disk.check_inside(location)?;
        match self.too_large.get(location) {
            Some(&len) => Err(FileError::TooLarge {
                len,
                max: MAX_FILE_BYTES,
            }
            .into()),
            None => self.texts.read(location),
        }
    }

    fn found(&self, location: &str) -> Found {
        if self.too_large.contains_key(location) {
            Found::File
        } else {
            self.texts.found(location)
        }
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

    #[test]
    fn documents_over_the_caps_are_not_analysed_then_let_go() {
        let mut docs = Documents::default();
        let u = uri("file:///big.pm2.edn");
        let whole = |text: String| TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text,
        };
        let over = MAX_FILE_BYTES as usize + 1;
        docs.open(u.clone(), 1, "x".repeat(over)).unwrap();
        let d = docs.get(&u).unwrap();
        assert_eq!((d.text.len(), d.size), (over, over), "kept, to follow its edits");
        assert!(matches!(d.too_large(), Some(FileError::TooLarge { len, .. }) if len == over as u64));
        let location = "/big.pm2.edn";
        let refused = docs
            .loader(pm2_dsl_eval::FsLoader::new())
            .read(location)
            .unwrap_err();
        assert_eq!(
            refused.kind(),
            io::ErrorKind::FileTooLarge,
            "imported, it is refused: {refused}"
        );
        // Past what a message carries, it is let go, and its ranges are passed over.
        let end = Position::new(0, over as u32);
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(end, end)),
            range_length: None,
            text: "y".repeat(MAX_FOLLOWED),
        };
        docs.change(&u, 2, vec![change]).unwrap();
        let d = docs.get(&u).unwrap();
        assert_eq!((d.text.len(), d.size, d.version), (0, over + MAX_FOLLOWED, 2));
        let nowhere = Range::new(Position::new(9, 0), Position::new(9, 0));
        let ignored = TextDocumentContentChangeEvent {
            range: Some(nowhere),
            range_length: None,
            text: "z".into(),
        };
        docs.change(&u, 3, vec![ignored]).unwrap();
        assert_eq!(docs.get(&u).unwrap().size, over + MAX_FOLLOWED);
        // A whole text brings it back.
        docs.change(&u, 4, vec![whole("{:apps []}".into())]).unwrap();
        let d = docs.get(&u).unwrap();
        assert_eq!((&*d.text, d.size), ("{:apps []}", 10));
        assert!(d.too_large().is_none());
        assert_eq!(
            docs.loader(pm2_dsl_eval::FsLoader::new())
                .read(location)
                .unwrap()
                .as_deref(),
            Some("{:apps []}")
        );
    }
}
