//! The output folder: creation, clearing of our previous files, default name.
//!
//! Clearing (`-o dir` reuses a folder) only ever removes entries whose names we create:
//! [`OWNED_FILES`] (plain files or links, never directories), leftovers of interrupted atomic
//! writes, and [`OWNED_DIRS`]. An owned directory is removed with its content only when the
//! folder carries our marker file [`MARKER`] (written by [`OutputDir::create`]), i.e. when we
//! made it; in a folder without the marker, owned directories are removed only when empty
//! and kept (with a warning) otherwise. Symbolic links are removed as links, never followed.
//! Everything else in the folder is left alone.

use crate::atomic::{write_atomic, TEMP_PREFIX};
use crate::error::{OutputError, Result};
use std::path::{Path, PathBuf};

/// Marker file saying that the folder was created by us.
pub const MARKER: &str = ".slips-output";

/// Files we write at the top of the output folder.
pub const OWNED_FILES: &[&str] = &[
    "alerts.log",
    "alerts.json",
    "slips.log",
    "errors.log",
    "Blocked.txt",
    "flows.sqlite",
    "flows.sqlite-journal",
    "flows.sqlite-wal",
    "flows.sqlite-shm",
    "flows.db",
    MARKER,
];

/// Folders we create at the top of the output folder.
pub const OWNED_DIRS: &[&str] = &["metadata", "profiles", "zeek_files"];

/// What [`OutputDir::create`] removed and kept while clearing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClearReport {
    pub removed: Vec<PathBuf>,
    /// Owned directories kept because they were not empty and the folder had no marker.
    pub kept: Vec<PathBuf>,
}

/// An output folder ready to be written.
#[derive(Clone, Debug)]
pub struct OutputDir {
    path: PathBuf,
    cleared: ClearReport,
}

impl OutputDir {
    /// Creates the folder (and its parents). With `clear`, first removes our files from a
    /// previous run (see the module docs for what counts as ours). Writes the marker file.
    pub fn create(path: &Path, clear: bool) -> Result<OutputDir> {
        match std::fs::metadata(path) {
            Ok(m) if !m.is_dir() => return Err(OutputError::NotADirectory(path.to_path_buf())),
            _ => {}
        }
        std::fs::create_dir_all(path).map_err(OutputError::io("create directory", path))?;
        let cleared = if clear {
            clear_owned(path)?
        } else {
            ClearReport::default()
        };
        write_atomic(&path.join(MARKER), b"slips output folder\n")?;
        Ok(OutputDir {
            path: path.to_path_buf(),
            cleared,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What clearing removed and kept.
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

fn clear_owned(dir: &Path) -> Result<ClearReport> {
    let ours = std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file());
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
                report.removed.push(path);
            } else if meta.is_dir() {
                if ours {
                    std::fs::remove_dir_all(&path).map_err(OutputError::io("remove", &path))?;
                    report.removed.push(path);
                } else if std::fs::remove_dir(&path).is_ok() {
                    report.removed.push(path);
                } else {
                    tracing::warn!(
                        path = %path.display(),
                        "not removing a non-empty folder of an output folder we did not create"
                    );
                    report.kept.push(path);
                }
            }
        }
    }
    tracing::info!(
        dir = %dir.display(),
        removed = report.removed.len(),
        kept = report.kept.len(),
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
        assert!(out.cleared().kept.is_empty());
    }

    #[test]
    fn foreign_folder_keeps_non_empty_owned_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        populate(d);
        fs::create_dir_all(d.join("zeek_files")).unwrap();
        let out = OutputDir::create(d, true).unwrap();
        assert_eq!(
            listing(d),
            vec![
                ".slips-output",
                "empty_unknown/",
                "metadata/",
                "metadata/info.txt",
                "mine/",
                "mine/sub/",
                "mine/sub/data",
                "notes.txt",
                "profiles/",
                "profiles/10.0.0.1/",
                "profiles/10.0.0.1/ProfileData.txt",
                "slips.log/",
                "slips.log/inner",
            ]
        );
        assert_eq!(
            out.cleared().kept,
            vec![d.join("metadata"), d.join("profiles")]
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_removed_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("precious");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("file"), "keep").unwrap();
        let d = tmp.path().join("out");
        OutputDir::create(&d, false).unwrap();
        std::os::unix::fs::symlink(&target, d.join("profiles")).unwrap();
        std::os::unix::fs::symlink(target.join("file"), d.join("alerts.log")).unwrap();
        OutputDir::create(&d, true).unwrap();
        assert_eq!(listing(&d), vec![".slips-output"]);
        assert_eq!(fs::read_to_string(target.join("file")).unwrap(), "keep");
    }

    #[test]
    fn without_clear_nothing_is_removed_and_files_are_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::write(d.join("alerts.log"), "old").unwrap();
        OutputDir::create(d, false).unwrap();
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
