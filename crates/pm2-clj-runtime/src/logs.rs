//! Reading apps' logs where pm2 writes them: the last lines of a file, and new lines
//! as they come (following a file through truncation and rotation).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How much of a file's end is read to find its last lines.
const TAIL_BYTES: u64 = 64 * 1024;
/// The most of an unfinished line a follower holds before it shows it.
const MAX_PARTIAL: usize = 64 * 1024;

/// The last `n` lines of the file at `path` (none when it cannot be read).
pub fn tail(path: &Path, n: usize) -> Vec<String> {
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(TAIL_BYTES);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    let _ = file.take(TAIL_BYTES).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(n);
    lines[skip..].iter().map(|l| l.to_string()).collect()
}

/// A file followed from a position: [`Follow::read_new`] gives the lines written
/// since, starting over when the file shrinks (truncated or rotated).
pub struct Follow {
    path: std::path::PathBuf,
    offset: u64,
    partial: String,
}

impl Follow {
    /// Follows `path` from its current end.
    pub fn from_end(path: &Path) -> Follow {
        let offset = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Follow {
            path: path.to_path_buf(),
            offset,
            partial: String::new(),
        }
    }

    /// The complete lines written since the last call.
    pub fn read_new(&mut self) -> Vec<String> {
        let Ok(mut file) = File::open(&self.path) else {
            return Vec::new();
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len < self.offset {
            self.offset = 0;
            self.partial.clear();
        }
        if len == self.offset || file.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut bytes = Vec::new();
        // At most a tail's worth per look: a burst of gigabytes is skipped to its end.
        if len - self.offset > TAIL_BYTES * 16 {
            self.offset = len - TAIL_BYTES * 16;
            self.partial.clear();
            if file.seek(SeekFrom::Start(self.offset)).is_err() {
                return Vec::new();
            }
        }
        let _ = file.take(len - self.offset).read_to_end(&mut bytes);
        self.offset += bytes.len() as u64;
        self.partial.push_str(&String::from_utf8_lossy(&bytes));
        let mut lines: Vec<String> = self.partial.split('\n').map(str::to_string).collect();
        self.partial = lines.pop().unwrap_or_default();
        if self.partial.len() > MAX_PARTIAL {
            // A line with no end yet is shown in pieces rather than held without limit.
            lines.push(std::mem::take(&mut self.partial));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn tail_and_follow() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        assert_eq!(tail(&path, 2), ["two", "three"]);
        assert_eq!(tail(&dir.path().join("none"), 2), Vec::<String>::new());
        let mut follow = Follow::from_end(&path);
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        write!(f, "four\nfi").unwrap();
        assert_eq!(follow.read_new(), ["four"]);
        writeln!(f, "ve").unwrap();
        assert_eq!(follow.read_new(), ["five"]);
        std::fs::write(&path, "rotated\n").unwrap();
        assert_eq!(follow.read_new(), ["rotated"]);
    }
}

/// One log file of one process.
#[derive(Clone, Debug)]
pub struct LogFile {
    /// How its lines are labelled (`0|api`).
    pub label: String,
    /// Whether it is the error log.
    pub error: bool,
    /// Where it is.
    pub path: std::path::PathBuf,
}

/// The log files of the processes of `apps`, as pm2 lists them.
pub fn files_of(processes: &[pm2_clj_sync::process::Process], apps: &[&str]) -> Vec<LogFile> {
    let mut files = Vec::new();
    for p in processes.iter().filter(|p| apps.contains(&p.name.as_str())) {
        let label = format!("{}|{}", p.pm_id, p.name);
        for (path, error) in [(&p.out_log, false), (&p.err_log, true)] {
            if let Some(path) = path
                && !files.iter().any(|f: &LogFile| f.path == *path)
            {
                files.push(LogFile {
                    label: label.clone(),
                    error,
                    path: path.clone(),
                });
            }
        }
    }
    files
}

/// Gives the last `lines` lines of each file to `line`, then, when `follow`, every new
/// line as it is written, until `line` returns false.
pub fn stream(files: &[LogFile], lines: usize, follow: bool, mut line: impl FnMut(&LogFile, &str) -> bool) {
    let mut followed: Vec<(&LogFile, Follow)> =
        files.iter().map(|f| (f, Follow::from_end(&f.path))).collect();
    for file in files {
        for text in tail(&file.path, lines) {
            if !line(file, &text) {
                return;
            }
        }
    }
    if !follow {
        return;
    }
    loop {
        for (file, f) in &mut followed {
            for text in f.read_new() {
                if !line(file, &text) {
                    return;
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
