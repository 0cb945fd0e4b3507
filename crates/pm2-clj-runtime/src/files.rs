//! Writing generated files safely: atomically (a temporary file in the same folder, then
//! a rename), so a reader never sees half a file; only when the content changed (compared
//! with a read no longer than the new content), so unchanged files keep their time;
//! keeping an existing file's permissions (never widening them); never over something
//! that is not a regular file (a device, a FIFO, a folder), nor over a file the run read
//! ([`write_output`]). A write interrupted by SIGINT, SIGTERM or SIGHUP removes its
//! temporary file before the process dies ([`remove_temporaries_on_signals`]); one
//! interrupted harder (SIGKILL, a crash) leaves a file named after the target, which the
//! next write of that target removes once it is a minute old (another run writing it at
//! the same moment keeps its own).
//!
//! Files generated from a source (the PM2 files of `render -o`, `dist/` and `.pm2-clj/`,
//! the `.last-good/` copies) hold the values of its secrets, so they are private
//! ([`Access::Private`]): the temporary file is created with mode 0600, so there is no
//! moment when another user can read it, and an existing file keeps its permissions
//! narrowed to the owner's (an unchanged one found readable by others is narrowed too).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{RuntimeError, RuntimeErrorKind};

/// Who may read a written file (on Unix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The file's own permissions when it exists, else mode 0644: sources written for
    /// the user (`convert`, `migrate`).
    Shared,
    /// Its owner only: mode 0600, or the existing file's permissions narrowed to the
    /// owner's: generated files, which hold the sources' secrets.
    Private,
}

/// Whether a write changed the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file now has the new content.
    Changed,
    /// The file already had this content; it was not touched.
    Unchanged,
}

fn write_failure(path: &Path, e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::from(RuntimeErrorKind::WriteFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Writes `content` to `path` atomically, into a folder that exists (a folder removed or
/// renamed meanwhile is never made again), unless it already holds exactly `content`.
pub fn write_if_changed(path: &Path, content: &str) -> Result<Written, RuntimeError> {
    write(path, content, &[], false, Access::Shared)
}

/// Rewrites a user's source (`fmt`) through the links that name it, unless it already
/// holds exactly `content`: atomically when the new file can be the same file to its
/// users, else in place, so that a file owned by someone else (`sudo pm2-clj fmt`), one
/// with other hard links, or one in a folder the user cannot write keeps its owner, its
/// links and its place.
pub fn rewrite_source(path: &Path, content: &str) -> Result<Written, RuntimeError> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let existing = std::fs::metadata(&path).map_err(|e| write_failure(&path, e))?;
    if !existing.is_file() {
        return Err(RuntimeError::from(RuntimeErrorKind::NotAFile {
            what: kind_of(&existing),
            path,
        }));
    }
    if holds(&path, content.as_bytes()) {
        return Ok(Written::Unchanged);
    }
    if replaceable(&path, &existing) {
        return write(&path, content, &[], false, Access::Shared);
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .map_err(|e| write_failure(&path, e))?;
    file.write_all(content.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| write_failure(&path, e))?;
    Ok(Written::Changed)
}

/// Whether a file made in `path`'s folder now could replace it unnoticed: the folder
/// takes new files, they get the file's owner, and the file has no other links.
fn replaceable(path: &Path, existing: &std::fs::Metadata) -> bool {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(probe) = tempfile::Builder::new()
        .prefix(".pm2-clj-probe-")
        .tempfile_in(dir)
    else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        probe
            .as_file()
            .metadata()
            .is_ok_and(|made| made.uid() == existing.uid() && made.gid() == existing.gid())
            && existing.nlink() == 1
    }
    #[cfg(not(unix))]
    {
        let _ = (probe, existing);
        true
    }
}

/// Writes a generated file like [`write_if_changed`], readable by its owner only
/// ([`Access::Private`]).
pub fn write_generated(path: &Path, content: &str) -> Result<Written, RuntimeError> {
    write(path, content, &[], false, Access::Private)
}

/// Writes a file the user asked for (`render -o`, `convert -o`) like
/// [`write_if_changed`], making its folder when missing, and refusing to replace any of
/// `inputs` (the files the run read: the source and everything it imported).
pub fn write_output(path: &Path, content: &str, inputs: &[PathBuf]) -> Result<Written, RuntimeError> {
    write(path, content, inputs, true, Access::Shared)
}

/// Writes a generated file the user asked for (`render -o`) like [`write_output`],
/// readable by its owner only ([`Access::Private`]).
pub fn write_private_output(path: &Path, content: &str, inputs: &[PathBuf]) -> Result<Written, RuntimeError> {
    write(path, content, inputs, true, Access::Private)
}

/// The permissions a file written with `access` gets, given the file's own when it
/// exists.
fn permissions_for(existing: Option<&std::fs::Metadata>, access: Access) -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = existing.map(|m| m.permissions().mode() & 0o7777);
        Some(std::fs::Permissions::from_mode(match (access, mode) {
            (Access::Shared, Some(mode)) => mode,
            (Access::Shared, None) => 0o644,
            (Access::Private, Some(mode)) => mode & 0o700,
            (Access::Private, None) => 0o600,
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = access;
        existing.map(std::fs::Metadata::permissions)
    }
}

/// Where a write to `path` lands: `path`, or, when it is a symbolic link, the file the
/// link (and the links it leads to) names, as a shell's `>` writes through it. The link
/// itself is never replaced by a file.
fn through_links(path: &Path) -> Result<PathBuf, RuntimeError> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&at).map_err(|e| write_failure(path, e))?;
                at = match at.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(write_failure(path, "too many levels of symbolic links"))
}

fn write(
    path: &Path,
    content: &str,
    inputs: &[PathBuf],
    make_folder: bool,
    access: Access,
) -> Result<Written, RuntimeError> {
    let path = &through_links(path)?;
    let existing = match std::fs::metadata(path) {
        Ok(metadata) => Some(metadata),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(write_failure(path, e)),
    };
    if let Some(metadata) = &existing {
        if !metadata.is_file() {
            return Err(RuntimeError::from(RuntimeErrorKind::NotAFile {
                path: path.to_path_buf(),
                what: kind_of(metadata),
            }));
        }
        if let Some(input) = inputs.iter().find(|input| same_file(path, input)) {
            return Err(RuntimeError::from(RuntimeErrorKind::OverwritesInput {
                path: path.to_path_buf(),
                input: input.clone(),
            }));
        }
        if holds(path, content.as_bytes()) {
            if let Some(narrowed) = permissions_for(Some(metadata), access)
                && narrowed != metadata.permissions()
            {
                std::fs::set_permissions(path, narrowed).map_err(|e| write_failure(path, e))?;
            }
            return Ok(Written::Unchanged);
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if make_folder {
        std::fs::create_dir_all(dir).map_err(|e| write_failure(path, e))?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy());
    // A name near the system's limit (255 bytes) still leaves room for the rest.
    let mut cut = name.len().min(200);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let prefix = format!(".{}{TEMPORARY}{}-", &name[..cut], std::process::id());
    remove_leftovers(dir);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    if let Some(permissions) = permissions_for(existing.as_ref(), access) {
        builder.permissions(permissions);
    }
    let (mut temp, pending) =
        Pending::create(|| builder.tempfile_in(dir)).map_err(|e| write_failure(path, e))?;
    temp.write_all(content.as_bytes())
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| write_failure(path, e))?;
    pending.finish(|| temp.persist(path).map_err(|e| write_failure(path, e.error)))?;
    Ok(Written::Changed)
}

/// The temporary files being written now, which a signal removes.
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A temporary file on the [`PENDING`] list while it lives.
struct Pending(PathBuf);

impl Pending {
    /// Creates the temporary file with `create` and lists it in one step, the list held,
    /// so a signal never finds the file made but not yet listed (and the signals are
    /// watched before the file exists).
    fn create(
        create: impl FnOnce() -> std::io::Result<tempfile::NamedTempFile>,
    ) -> std::io::Result<(tempfile::NamedTempFile, Pending)> {
        watch_signals();
        let mut list = pending();
        let temp = create()?;
        list.push(temp.path().to_path_buf());
        let path = temp.path().to_path_buf();
        Ok((temp, Pending(path)))
    }

    /// Runs `persist` (the rename over the target) with the list held, so a signal
    /// meanwhile finds the file either still temporary or already the target, never
    /// removes it half-way. (A signal after it removes a name that no longer exists.)
    fn finish<T>(self, persist: impl FnOnce() -> T) -> T {
        let _held = pending();
        persist()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        pending().retain(|p| p != &self.0);
    }
}

/// Whether a signal removes the temporary files of writes under way
/// ([`remove_temporaries_on_signals`]).
static ON_SIGNALS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes SIGINT, SIGTERM and SIGHUP remove the temporary files of writes under way, then
/// end the process as they would have (exit status 128 + the signal's number), so an
/// interrupted `render -o` or `sync` leaves no `.NAME.pm2-clj-*` file behind. Call it
/// once, first thing: the signals are watched, from a thread of their own, from the
/// first write on, so a run that writes nothing pays nothing.
pub fn remove_temporaries_on_signals() {
    ON_SIGNALS.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Starts watching the signals, once, when [`remove_temporaries_on_signals`] asked for it.
fn watch_signals() {
    if !ON_SIGNALS.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    #[cfg(unix)]
    static WATCHING: std::sync::Once = std::sync::Once::new();
    #[cfg(unix)]
    WATCHING.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process is gone, so no write starts or finishes.
                let list = pending();
                for path in list.iter() {
                    let _ = std::fs::remove_file(path);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Whether the file at `path` holds exactly `content`, reading no more than one byte
/// past its length.
fn holds(path: &Path, content: &[u8]) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut old = Vec::with_capacity(content.len());
    file.take(content.len() as u64 + 1).read_to_end(&mut old).is_ok() && old == content
}

/// What names a temporary file of a write, between the target's name and the writer's
/// process id: `.api.config.cjs.pm2-clj-4242-Xa9Q2`.
const TEMPORARY: &str = ".pm2-clj-";

/// How old a temporary file must be to count as left over where the writer's process
/// cannot be asked about (a write takes milliseconds).
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes from `dir` the temporary files of writes that were interrupted hard (SIGKILL,
/// a crash), whatever file they were writing: those whose writer's process is gone, and
/// those older than [`LEFTOVER_AGE`]. A run writing at this moment keeps its own.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((_, rest)) = name.strip_prefix('.').and_then(|n| n.rsplit_once(TEMPORARY)) else {
            continue;
        };
        let old = || {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > LEFTOVER_AGE))
        };
        let writer = rest.split('-').next().and_then(|pid| pid.parse::<u32>().ok());
        let dead = writer.is_some_and(|w| w != std::process::id() && !process_runs(w));
        if dead || old() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id runs (on systems that cannot tell: yes).
fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        rustix::process::Pid::from_raw(pid as i32)
            .is_some_and(|pid| rustix::process::test_kill_process(pid).is_ok())
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Whether `a` and `b` are the same file (the same inode, links followed).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (a.dev(), a.ino()) == (b.dev(), b.ino());
        }
    }
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

fn kind_of(metadata: &std::fs::Metadata) -> String {
    let kind = metadata.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)".into();
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device".into();
        }
        if kind.is_socket() {
            return "a socket".into();
        }
    }
    if kind.is_dir() { "a folder" } else { "not a file" }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_leaves_equal_content_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        let missing = write_if_changed(&path, "a").unwrap_err();
        assert_eq!(
            missing.code(),
            "runtime::write-file",
            "a missing folder is not made"
        );
        assert!(!dir.path().join("sub").exists());
        assert_eq!(
            write_output(&path, "a", &[]).ok(),
            Some(Written::Changed),
            "an output's folder is"
        );
        assert_eq!(write_if_changed(&path, "a").ok(), Some(Written::Unchanged));
        assert_eq!(write_if_changed(&path, "b").ok(), Some(Written::Changed));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files remain");
    }

    #[test]
    fn a_file_read_by_the_run_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("app.pm2.edn");
        std::fs::write(&source, "{:apps []}").unwrap();
        let err = write_output(&source, "{}", std::slice::from_ref(&source)).unwrap_err();
        assert_eq!(err.code(), "runtime::overwrites-input");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&source, &link).unwrap();
            let err = write_output(&link, "{}", std::slice::from_ref(&source)).unwrap_err();
            assert_eq!(err.code(), "runtime::overwrites-input");
        }
        assert_eq!(std::fs::read_to_string(&source).unwrap(), "{:apps []}");
    }

    #[test]
    fn only_regular_files_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_if_changed(dir.path(), "x").unwrap_err();
        assert_eq!(err.code(), "runtime::not-a-file");
        #[cfg(target_os = "linux")]
        {
            let err = write_if_changed(Path::new("/dev/null"), "x").unwrap_err();
            assert_eq!(
                err.to_string(),
                "refusing to write /dev/null: it is a device, not a regular file"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_never_widened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_if_changed(&path, "new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn generated_files_are_the_owners_alone_from_their_creation() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.cjs");
        write_generated(&path, "a").unwrap();
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(write_generated(&path, "a").ok(), Some(Written::Unchanged));
        assert_eq!(
            mode(&path),
            0o600,
            "an unchanged file readable by others is narrowed"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_generated(&path, "b").unwrap();
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        write_generated(&path, "c").unwrap();
        assert_eq!(mode(&path), 0o400, "a narrower mode stays");
        let shared = dir.path().join("x.pm2.edn");
        write_if_changed(&shared, "x").unwrap();
        assert_eq!(mode(&shared), 0o644, "a source for the user is shared");
    }

    #[test]
    fn an_interrupted_write_leaves_at_most_one_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        let long_ago = std::time::SystemTime::now() - 2 * LEFTOVER_AGE;
        for stale in [".out.json.pm2-clj-AAAA", ".out.json.pm2-clj-BBBB"] {
            std::fs::write(dir.path().join(stale), "half").unwrap();
            let file = std::fs::File::options()
                .write(true)
                .open(dir.path().join(stale))
                .unwrap();
            file.set_modified(long_ago).unwrap();
        }
        // Another run writing the same target right now keeps its temporary file.
        std::fs::write(dir.path().join(".out.json.pm2-clj-LIVE"), "in flight").unwrap();
        write_if_changed(&path, "whole").unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".out.json.pm2-clj-LIVE", "out.json"]);
    }

    /// A run killed hard mid-write leaves `.NAME.pm2-clj-PID-XXXX`; the next write of
    /// any file in that folder removes it at once (its writer is gone), while a live
    /// writer's file stays.
    #[cfg(unix)]
    #[test]
    fn a_dead_writers_temporary_file_goes_with_the_next_write_in_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut dead = std::process::Command::new("true").spawn().unwrap();
        let gone = dead.id();
        dead.wait().unwrap();
        let mut alive = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let killed = format!(".api.config.cjs.pm2-clj-{gone}-Xa9Q2");
        let live = format!(".api.config.cjs.pm2-clj-{}-Zb1R3", alive.id());
        std::fs::write(dir.path().join(&killed), "half").unwrap();
        std::fs::write(dir.path().join(&live), "in flight").unwrap();
        write_if_changed(&dir.path().join("other.json"), "x").unwrap();
        let _ = alive.kill();
        let _ = alive.wait();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [live, "other.json".to_string()]);
    }

    /// `-o` onto a symbolic link writes the file it names, as `>` does; the link stays a
    /// link (a chain of links, and a dangling one, too).
    #[cfg(unix)]
    #[test]
    fn a_write_through_a_link_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real/out.json");
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real/out.json", &link).unwrap();
        let chain = dir.path().join("chain.json");
        std::os::unix::fs::symlink(&link, &chain).unwrap();
        write_output(&chain, "new", &[]).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(
            std::fs::symlink_metadata(&chain)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("real/made.json", &dangling).unwrap();
        write_output(&dangling, "made", &[]).unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real/made.json")).unwrap(),
            "made"
        );
        let looped = dir.path().join("loop.json");
        std::os::unix::fs::symlink("loop.json", &looped).unwrap();
        assert!(write_output(&looped, "x", &[]).is_err());
    }

    #[test]
    fn comparing_reads_no_more_than_the_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, "x".repeat(1 << 20)).unwrap();
        assert!(!holds(&path, b"x"));
        assert_eq!(write_if_changed(&path, "x").unwrap(), Written::Changed);
    }
}
