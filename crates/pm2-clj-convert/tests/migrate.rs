//! migrate deletes an original only while it is exactly what was read: the same bytes
//! (SHA-256), size and modification time; and a delete that fails is an error naming
//! the file.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use pm2_clj_convert::MAX_FILE_SIZE;
use pm2_clj_convert::migrate::{Removal, Snapshot, delete_unchanged};
use pm2_clj_testkit::unprivileged;

const ORIGINAL: &str = "module.exports = { apps: [{ name: 'api', script: 'aaa.js' }] };\n";

/// A folder holding the original, with a modification time in the past, and its
/// snapshot.
fn original() -> (tempfile::TempDir, PathBuf, Snapshot) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ecosystem.config.js");
    std::fs::write(&file, ORIGINAL).unwrap();
    set_modified(&file, past());
    let (snapshot, bytes) = Snapshot::read(&file, MAX_FILE_SIZE).unwrap();
    assert_eq!(bytes, ORIGINAL.as_bytes());
    (dir, file, snapshot)
}

fn past() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000)
}

fn set_modified(file: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// The folder holds only `file` (no file moved aside is left behind).
fn only(dir: &Path, file: &Path) {
    let names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(names, [file.to_path_buf()]);
}

#[test]
fn an_untouched_original_is_deleted() {
    let (dir, file, snapshot) = original();
    assert_eq!(
        delete_unchanged(&file, &snapshot, MAX_FILE_SIZE),
        Ok(Removal::Deleted)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn other_bytes_another_size_or_another_time_keep_it() {
    type Edit = fn(&Path);
    let edits: [(&str, Edit); 4] = [
        ("other bytes, another size", |f| {
            std::fs::write(f, ORIGINAL.replace("aaa.js", "edited.js")).unwrap();
        }),
        ("other bytes, the same size and time", |f| {
            std::fs::write(f, ORIGINAL.replace("aaa.js", "bbb.js")).unwrap();
            set_modified(f, past());
        }),
        ("the same bytes, another time", |f| {
            set_modified(f, past() + Duration::from_secs(1))
        }),
        ("the same bytes, saved again", |f| {
            std::fs::write(f, ORIGINAL).unwrap()
        }),
    ];
    for (what, edit) in edits {
        let (dir, file, snapshot) = original();
        edit(&file);
        let after = std::fs::read(&file).unwrap();
        assert_eq!(
            delete_unchanged(&file, &snapshot, MAX_FILE_SIZE),
            Ok(Removal::Changed),
            "{what}"
        );
        assert_eq!(std::fs::read(&file).unwrap(), after, "{what}: the edit is kept");
        only(dir.path(), &file);
    }
}

#[test]
fn a_delete_that_cannot_be_done_is_an_error_naming_the_file() {
    // Gone.
    let (_dir, file, snapshot) = original();
    std::fs::remove_file(&file).unwrap();
    let error = delete_unchanged(&file, &snapshot, MAX_FILE_SIZE).unwrap_err();
    assert_eq!(error, format!("cannot delete {}: it is gone", file.display()));
    // A directory in its place.
    let (dir, file, snapshot) = original();
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let error = delete_unchanged(&file, &snapshot, MAX_FILE_SIZE).unwrap_err();
    assert_eq!(
        error,
        format!("cannot delete {}: a directory is in its place", file.display())
    );
    assert!(file.is_dir());
    only(dir.path(), &file);
    // A folder that is not writable (as a user who cannot override permissions).
    let (dir, file, snapshot) = original();
    let mode = |m| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(m)).unwrap();
    };
    mode(0o555);
    let result = unprivileged(|| delete_unchanged(&file, &snapshot, MAX_FILE_SIZE));
    mode(0o755);
    let error = result.unwrap_err();
    assert!(
        error.starts_with(&format!("cannot delete {}: Permission denied", file.display())),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), ORIGINAL);
    only(dir.path(), &file);
}
