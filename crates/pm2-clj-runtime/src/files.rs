//! Writing generated files: atomically (a temporary file in the same directory, then a
//! rename), so a reader never sees half a file, and only when the content changed, so
//! unchanged files keep their modification time.

use std::io::Write;
use std::path::Path;

use crate::error::{RuntimeError, RuntimeErrorKind};

/// Whether a write changed the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file now has the new content.
    Changed,
    /// The file already had this content; it was not touched.
    Unchanged,
}

fn write_failure(path: &Path, e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::new(RuntimeErrorKind::WriteFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Writes `content` to `path` atomically, creating its directory, unless it already
/// holds exactly `content`.
pub fn write_if_changed(path: &Path, content: &str) -> Result<Written, RuntimeError> {
    if std::fs::read(path).is_ok_and(|old| old == content.as_bytes()) {
        return Ok(Written::Unchanged);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| write_failure(path, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pm2-clj-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder.tempfile_in(dir).map_err(|e| write_failure(path, e))?;
    temp.write_all(content.as_bytes())
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| write_failure(path, e))?;
    temp.persist(path).map_err(|e| write_failure(path, e.error))?;
    Ok(Written::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_leaves_equal_content_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        assert_eq!(write_if_changed(&path, "a").ok(), Some(Written::Changed));
        assert_eq!(write_if_changed(&path, "a").ok(), Some(Written::Unchanged));
        assert_eq!(write_if_changed(&path, "b").ok(), Some(Written::Changed));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files remain");
    }
}
