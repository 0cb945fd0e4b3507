//! An original as migrate read it, and its deletion only while it is still exactly that.
//!
//! [`Snapshot::read`] takes the bytes convert and pm2 read, with their fingerprint:
//! the SHA-256 of the bytes, the size and the modification time. [`delete_unchanged`]
//! first moves the original aside (a hidden name beside it, so that an edit saved from
//! then on makes a new file, which is kept), checks the moved file against all three,
//! and deletes it only if they match; otherwise it puts it back. An edit made at any
//! time after the snapshot is never lost.

use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// What an original held when it was read: the fingerprint its deletion is checked
/// against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    sha256: [u8; 32],
    size: u64,
    modified: Option<SystemTime>,
}

impl Snapshot {
    /// The fingerprint of `bytes`, read from a file whose metadata (taken before the read)
    /// is `meta`.
    fn of(meta: &Metadata, bytes: &[u8]) -> Snapshot {
        Snapshot {
            sha256: Sha256::digest(bytes).into(),
            size: bytes.len() as u64,
            modified: meta.modified().ok(),
        }
    }

    /// Reads the regular file `path` (at most `limit` bytes): its bytes and their
    /// fingerprint. `Err`: why it cannot be read.
    pub fn read(path: &Path, limit: u64) -> Result<(Snapshot, Vec<u8>), String> {
        let (meta, bytes) = read_file(path, limit)?;
        Ok((Snapshot::of(&meta, &bytes), bytes))
    }
}

/// The metadata (before reading) and the bytes of `path`, a regular file of at most
/// `limit` bytes.
fn read_file(path: &Path, limit: u64) -> Result<(Metadata, Vec<u8>), String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    if meta.len() > limit {
        return Err(format!(
            "it is {} bytes; an ecosystem file over {limit} bytes is not converted",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    file.by_ref()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok((meta, bytes))
}

/// What [`delete_unchanged`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removal {
    /// The original matched its snapshot and is deleted.
    Deleted,
    /// The original changed after its snapshot (its bytes, size or modification time),
    /// or a new file was saved in its place meanwhile: it is kept.
    Changed,
}

/// A name beside `file` no other file has: `.NAME.pm2-clj-migrate-PID-N`.
fn aside(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_string_lossy().to_string();
    (0..1000)
        .map(|n| file.with_file_name(format!(".{name}.pm2-clj-migrate-{}-{n}", std::process::id())))
        .find(|p| matches!(std::fs::symlink_metadata(p), Err(e) if e.kind() == ErrorKind::NotFound))
}

/// Deletes the original `file` if it still is what `snapshot` says. `Err`: why it could
/// not be deleted (it is gone, a directory is in its place, the folder is not
/// writable), naming the file; an original that changed is no error ([`Removal::Changed`]).
pub fn delete_unchanged(file: &Path, snapshot: &Snapshot, limit: u64) -> Result<Removal, String> {
    let failed = |why: String| format!("cannot delete {}: {why}", file.display());
    match std::fs::symlink_metadata(file) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(failed("it is gone".into())),
        Err(e) => return Err(failed(e.to_string())),
        Ok(meta) if meta.is_dir() => return Err(failed("a directory is in its place".into())),
        Ok(_) => {}
    }
    let moved = aside(file).ok_or_else(|| failed("no free name beside it".into()))?;
    std::fs::rename(file, &moved).map_err(|e| failed(e.to_string()))?;
    let same = read_file(&moved, limit).is_ok_and(|(meta, bytes)| Snapshot::of(&meta, &bytes) == *snapshot);
    if !same {
        return put_back(&moved, file).map(|()| Removal::Changed);
    }
    if let Err(e) = std::fs::remove_file(&moved) {
        put_back(&moved, file)?;
        return Err(failed(e.to_string()));
    }
    // An edit saved after the move made a new file: kept, and the original counts as
    // changed.
    if std::fs::symlink_metadata(file).is_ok() {
        return Ok(Removal::Changed);
    }
    Ok(Removal::Deleted)
}

/// Moves the original back from `moved` to `file`, unless a new file was saved there
/// meanwhile (then both are kept, and the error names where the original is).
fn put_back(moved: &Path, file: &Path) -> Result<(), String> {
    if std::fs::symlink_metadata(file).is_ok() {
        return Err(format!(
            "{} changed during migration and a new file took its place; the original is kept as {}",
            file.display(),
            moved.display()
        ));
    }
    std::fs::rename(moved, file).map_err(|e| {
        format!(
            "cannot put {} back after checking it: {e}; it is kept as {}",
            file.display(),
            moved.display()
        )
    })
}
