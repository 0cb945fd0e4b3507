//! Reading a file as source text, safely: only regular files (a FIFO would block, a
//! device never end, a folder is not text), at most a size cap, checked to be what its
//! size says (so `/proc` and `/sys` pseudo-files, which report no size, are refused
//! rather than read), and UTF-8.

use std::io::{self, Read};
use std::path::Path;

/// The most bytes a file read as source text may hold unless a limit says otherwise
/// (16 MiB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Why a file could not be read as source text. Each kind has a stable code
/// ([`FileError::code`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// Not a regular file: `mkfifo p.edn`, `/dev/zero`, a folder. Holds what it is.
    NotRegular(&'static str),
    /// Larger than the cap: a 20 MiB file with the default cap of 16 MiB.
    TooLarge {
        /// Its size.
        len: u64,
        /// The cap.
        max: u64,
    },
    /// Its content is not the size it reports: `/proc/self/environ` (size 0), or a file
    /// being written while read.
    Pseudo {
        /// The size it reports.
        len: u64,
    },
    /// Not UTF-8 text: a binary file.
    NotUtf8 {
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// The operating system refused (permissions, I/O error).
    Io(io::Error),
}

impl FileError {
    /// The stable diagnostic code, such as `file::not-a-file`.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::NotRegular(_) => "file::not-a-file",
            FileError::TooLarge { .. } => "file::too-large",
            FileError::Pseudo { .. } => "file::pseudo-file",
            FileError::NotUtf8 { .. } => "file::not-utf8",
            FileError::Io(_) => "file::io",
        }
    }

    /// What would fix it.
    pub fn help(&self) -> &'static str {
        match self {
            FileError::NotRegular(_) => "name a regular file holding the source text",
            FileError::TooLarge { .. } => "split the file, or raise the loader's max_file_bytes",
            FileError::Pseudo { .. } => "copy the content into a regular file first",
            FileError::NotUtf8 { .. } => "save the file as UTF-8",
            FileError::Io(_) => "check the file's permissions",
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            FileError::TooLarge { len, max } => {
                write!(f, "it holds {len} bytes, more than the limit of {max}")
            }
            FileError::Pseudo { len } => write!(
                f,
                "its content is not the {len} bytes its size says: a pseudo-file (such as /proc or /sys) or a file being written"
            ),
            FileError::NotUtf8 { offset } => {
                write!(f, "the file is not UTF-8 (invalid byte at offset {offset})")
            }
            FileError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> FileError {
        FileError::Io(e)
    }
}

impl From<FileError> for io::Error {
    fn from(e: FileError) -> io::Error {
        let kind = match &e {
            FileError::Io(inner) => return io::Error::new(inner.kind(), e),
            FileError::NotRegular(_) => io::ErrorKind::InvalidInput,
            FileError::TooLarge { .. } => io::ErrorKind::FileTooLarge,
            FileError::Pseudo { .. } | FileError::NotUtf8 { .. } => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

/// Reads the file at `path` as text, or `Ok(None)` when there is none. Refuses, saying
/// why ([`FileError`]): anything but a regular file, a file larger than `max_bytes`, a
/// file whose content is not what its size says, and text that is not UTF-8.
pub fn read_text_file(path: &Path, max_bytes: u64) -> Result<Option<String>, FileError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    check_regular(&metadata)?;
    if metadata.len() > max_bytes {
        return Err(FileError::TooLarge {
            len: metadata.len(),
            max: max_bytes,
        });
    }
    let file = std::fs::File::open(path)?;
    // The file opened must be the one looked at (not swapped for a FIFO since).
    let opened = file.metadata()?;
    check_regular(&opened)?;
    let len = opened.len();
    if len > max_bytes {
        return Err(FileError::TooLarge { len, max: max_bytes });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(FileError::Pseudo { len });
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| FileError::NotUtf8 {
            offset: e.utf8_error().valid_up_to(),
        })
}

fn check_regular(metadata: &std::fs::Metadata) -> Result<(), FileError> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    Err(FileError::NotRegular(if kind.is_dir() {
        "a folder"
    } else {
        special_kind(&kind)
    }))
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_read_and_everything_else_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.edn");
        std::fs::write(&file, "{:a 1}").unwrap();
        assert_eq!(read_text_file(&file, 100).unwrap().as_deref(), Some("{:a 1}"));
        assert_eq!(read_text_file(&dir.path().join("missing"), 100).unwrap(), None);
        let refused = |path: &Path, max| read_text_file(path, max).unwrap_err().to_string();
        let code = |path: &Path, max| read_text_file(path, max).unwrap_err().code();
        assert_eq!(refused(dir.path(), 100), "it is a folder, not a regular file");
        assert_eq!(refused(&file, 3), "it holds 6 bytes, more than the limit of 3");
        assert_eq!(code(&file, 3), "file::too-large");
        std::fs::write(&file, [0x7b, 0xff]).unwrap();
        assert!(refused(&file, 100).contains("not UTF-8"));
        #[cfg(target_os = "linux")]
        {
            assert_eq!(
                refused(Path::new("/dev/zero"), 100),
                "it is a character device, not a regular file"
            );
            assert_eq!(
                code(Path::new("/proc/self/environ"), MAX_FILE_BYTES),
                "file::pseudo-file"
            );
            assert!(refused(Path::new("/proc/self/status"), MAX_FILE_BYTES).contains("pseudo-file"));
        }
    }

    /// Found by trying: importing a FIFO blocked forever.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.edn");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return;
        }
        let err = read_text_file(&fifo, 100).unwrap_err();
        assert_eq!(err.to_string(), "it is a FIFO (named pipe), not a regular file");
    }
}
