//! The output folder: creation, locking, clearing of our previous files, default name.
//!
//! A folder is slips' when slips created it: it did not exist or was empty, and slips wrote
//! its marker file [`MARKER`] into it. Only such a folder is ever cleared, and only of the
//! entries slips writes: [`OWNED_FILES`] (plain files or links, never folders), leftovers
//! of interrupted atomic writes, and [`OWNED_DIRS`] (with their content). Symbolic links are
//! removed as links, never followed. Everything else in the folder is left alone. A folder
//! that exists, is not empty and has no marker is refused: slips never mixes its files
//! with somebody else's, nor deletes them.
//!
//! While a run writes the folder it holds a lock on [`LOCK`]; a second run into the same
//! folder fails at once with a clear message instead of interleaving its files.

use crate::atomic::{write_atomic, TEMP_PREFIX};
use crate::error::{OutputError, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Marker file saying that the folder was created by us.
pub const MARKER: &str = ".slips-output";
/// Lock file held while a run writes the folder.
pub const LOCK: &str = ".slips-lock";

/// Files we write at the top of the output folder.
pub const OWNED_FILES: &[&str] = &[
    "alerts.log",
    "alerts.json",
    "slips.log",
    "errors.log",
    "Blocked.txt",
    "blocking.log",
    "strato_letters.tsv",
    "anonymized_ips.csv",
    "evaluation.txt",
    "alert.wav",
    "slips.sqlite",
    "slips.sqlite-wal",
    "slips.sqlite-shm",
    "flows.sqlite",
    "flows.sqlite-journal",
    "flows.sqlite-wal",
    "flows.sqlite-shm",
    "flows.db",
    MARKER,
];

/// Folders we create at the top of the output folder.
pub const OWNED_DIRS: &[&str] = &["metadata", "profiles", "zeek_files", "suricata"];

/// What [`OutputDir::create`] removed while clearing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClearReport {
    pub removed: Vec<PathBuf>,
}

/// An output folder ready to be written, locked for this run while the value lives.
#[derive(Clone, Debug)]
pub struct OutputDir {
    path: PathBuf,
    cleared: ClearReport,
    /// The lock on [`LOCK`], released when the last clone is dropped.
    _lock: Arc<File>,
}

impl OutputDir {
    /// Makes `path` ready for a run: creates it (and its parents) when missing, refuses a
    /// non-empty folder slips did not create, takes the run lock and, with `clear`, removes
    /// our files of a previous run (see the module docs). Writes the marker file.
    pub fn create(path: &Path, clear: bool) -> Result<OutputDir> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => {}
            // A link to a folder the user made is the user's choice: take its target.
            Ok(m) if m.file_type().is_symlink() && path.is_dir() => {}
            Ok(_) => return Err(OutputError::NotADirectory(path.to_path_buf())),
            Err(_) => {}
        }
        std::fs::create_dir_all(path).map_err(OutputError::io("create directory", path))?;
        let ours = std::fs::symlink_metadata(path.join(MARKER)).is_ok_and(|m| m.is_file());
        if !ours && !is_empty(path)? {
            return Err(OutputError::NotOurs(path.to_path_buf()));
        }
        let lock = take_lock(path)?;
        let cleared = if clear && ours {
            clear_owned(path)?
        } else {
            ClearReport::default()
        };
        write_atomic(path, &path.join(MARKER), b"slips output folder\n")?;
        Ok(OutputDir {
            path: path.to_path_buf(),
            cleared,
            _lock: Arc::new(lock),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What clearing removed.
    pub fn cleared(&self) -> &ClearReport {
        &self.cleared
    }

    /// `output/<input base name>_<now>`; `now` is formatted by the caller
    /// (`YYYY-mm-dd_HH:MM:SS`, see [`crate::timefmt::dir_stamp`]).
    pub fn default_name(input: &Path, now: &str) -> PathBuf {
        let base = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "input".to_owned());
        Path::new("output").join(format!("{base}_{now}"))
    }
}

fn is_empty(dir: &Path) -> Result<bool> {
    let mut entries = std::fs::read_dir(dir).map_err(OutputError::io("read directory", dir))?;
    Ok(entries.next().is_none())
}

/// Takes the run lock (`flock`, released by the kernel when the process ends, so a crash
/// never leaves a stale lock) and writes our pid into the file for the message of the next
/// run.
fn take_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK);
    let mut f = slips_fs::append(&path).map_err(OutputError::io("create", &path))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            return Err(OutputError::Locked {
                path: dir.to_path_buf(),
                holder: holder.trim().to_string(),
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(OutputError::io("lock", &path)(e)),
    }
    f.set_len(0).map_err(OutputError::io("write", &path))?;
    writeln!(f, "{}", std::process::id()).map_err(OutputError::io("write", &path))?;
    Ok(f)
}

fn clear_owned(dir: &Path) -> Result<ClearReport> {
    let mut report = ClearReport::default();
    let entries = std::fs::read_dir(dir).map_err(OutputError::io("read directory", dir))?;
    let mut names: Vec<(std::ffi::OsString, PathBuf)> = Vec::new();
    for e in entries {
        let e = e.map_err(OutputError::io("read directory", dir))?;
        names.push((e.file_name(), e.path()));
    }
    names.sort();
    for (name, path) in names {
        let Some(name) = name.to_str() else { continue };
        let meta = std::fs::symlink_metadata(&path).map_err(OutputError::io("stat", &path))?;
        let is_link = meta.file_type().is_symlink();
        let owned_file = OWNED_FILES.contains(&name) || name.starts_with(TEMP_PREFIX);
        if owned_file && (meta.is_file() || is_link) {
            // The marker is rewritten after clearing.
            std::fs::remove_file(&path).map_err(OutputError::io("remove", &path))?;
            report.removed.push(path);
        } else if OWNED_DIRS.contains(&name) {
            if is_link {
                std::fs::remove_file(&path).map_err(OutputError::io("remove", &path))?;
            } else if meta.is_dir() {
                // remove_dir_all removes links inside as links, never following them.
                std::fs::remove_dir_all(&path).map_err(OutputError::io("remove", &path))?;
            } else {
                continue;
            }
            report.removed.push(path);
        }
    }
    tracing::info!(
        dir = %dir.display(),
        removed = report.removed.len(),
        "output folder cleared"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn listing(dir: &Path) -> Vec<String> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                let ft = fs::symlink_metadata(&p).unwrap().file_type();
                if ft.is_dir() {
                    out.push(format!("{rel}/"));
                    walk(base, &p, out);
                } else {
                    out.push(rel);
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    fn populate(d: &Path) {
        for f in [
            "alerts.log",
            "alerts.json",
            "errors.log",
            "Blocked.txt",
            "flows.sqlite",
        ] {
            fs::write(d.join(f), "x").unwrap();
        }
        fs::write(d.join(format!("{TEMP_PREFIX}abc")), "x").unwrap();
        fs::create_dir_all(d.join("profiles/10.0.0.1")).unwrap();
        fs::write(d.join("profiles/10.0.0.1/ProfileData.txt"), "x").unwrap();
        fs::create_dir_all(d.join("metadata")).unwrap();
        fs::write(d.join("metadata/info.txt"), "x").unwrap();
        fs::create_dir_all(d.join("zeek_files")).unwrap();
        // Not ours.
        fs::write(d.join("notes.txt"), "keep").unwrap();
        fs::create_dir_all(d.join("mine/sub")).unwrap();
        fs::write(d.join("mine/sub/data"), "keep").unwrap();
        fs::create_dir_all(d.join("empty_unknown")).unwrap();
        // A directory named like one of our files is not ours.
        fs::create_dir_all(d.join("slips.log")).unwrap();
        fs::write(d.join("slips.log/inner"), "keep").unwrap();
    }

    #[test]
    fn clearing_our_folder_removes_only_our_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        OutputDir::create(&d, false).unwrap();
        populate(&d);
        let out = OutputDir::create(&d, true).unwrap();
        assert_eq!(out.path(), d);
        assert_eq!(
            listing(&d),
            vec![
                ".slips-lock",
                ".slips-output",
                "empty_unknown/",
                "mine/",
                "mine/sub/",
                "mine/sub/data",
                "notes.txt",
                "slips.log/",
                "slips.log/inner",
            ]
        );
        assert_eq!(out.cleared().removed.len(), 10);
    }

    #[test]
    fn a_foreign_folder_is_refused_and_left_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        populate(d);
        let before = listing(d);
        let e = OutputDir::create(d, true).unwrap_err();
        assert!(matches!(e, OutputError::NotOurs(_)), "{e}");
        assert!(e.to_string().contains("was not created by slips"), "{e}");
        assert_eq!(listing(d), before);
        // An empty folder is fine, and becomes ours.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        OutputDir::create(&empty, true).unwrap();
        assert_eq!(listing(&empty), vec![".slips-lock", ".slips-output"]);
    }

    #[test]
    fn a_second_run_into_the_same_folder_is_refused_while_the_first_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        let first = OutputDir::create(&d, true).unwrap();
        let e = OutputDir::create(&d, true).unwrap_err();
        assert!(matches!(e, OutputError::Locked { .. }), "{e}");
        assert!(
            e.to_string()
                .contains(&format!("(pid {})", std::process::id())),
            "{e}"
        );
        drop(first);
        OutputDir::create(&d, true).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_removed_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("precious");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("file"), "keep").unwrap();
        let d = tmp.path().join("out");
        drop(OutputDir::create(&d, false).unwrap());
        std::os::unix::fs::symlink(&target, d.join("profiles")).unwrap();
        std::os::unix::fs::symlink(target.join("file"), d.join("alerts.log")).unwrap();
        OutputDir::create(&d, true).unwrap();
        assert_eq!(listing(&d), vec![".slips-lock", ".slips-output"]);
        assert_eq!(fs::read_to_string(target.join("file")).unwrap(), "keep");
    }

    #[test]
    fn without_clear_nothing_is_removed_and_files_are_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        drop(OutputDir::create(&d, false).unwrap());
        fs::write(d.join("alerts.log"), "old").unwrap();
        drop(OutputDir::create(&d, false).unwrap());
        assert_eq!(fs::read_to_string(d.join("alerts.log")).unwrap(), "old");
        let file = d.join("alerts.log");
        assert!(matches!(
            OutputDir::create(&file, true),
            Err(OutputError::NotADirectory(_))
        ));
    }

    #[test]
    fn default_names() {
        let now = "2024-01-02_03:04:05";
        assert_eq!(
            OutputDir::default_name(Path::new("dataset/test7-malicious.pcap"), now),
            PathBuf::from("output/test7-malicious.pcap_2024-01-02_03:04:05")
        );
        assert_eq!(
            OutputDir::default_name(Path::new("dataset/zeek_dir/"), now),
            PathBuf::from("output/zeek_dir_2024-01-02_03:04:05")
        );
        assert_eq!(
            OutputDir::default_name(Path::new("/"), now),
            PathBuf::from("output/input_2024-01-02_03:04:05")
        );
    }
}
