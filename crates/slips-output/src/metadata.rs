//! `metadata/`: `info.txt` and a copy of the configuration file used.

use crate::atomic::write_atomic;
use crate::error::{OutputError, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Folder of the run's metadata inside the output folder.
pub const METADATA_DIR: &str = "metadata";
/// File with the facts of the run.
pub const INFO_FILE: &str = "info.txt";

/// Facts about the run, all formatted by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Info {
    /// Our version string.
    pub version: String,
    /// The command line, as typed.
    pub command_line: String,
    /// The input (file, folder, interface).
    pub input: String,
    /// Kind of input (`zeek_folder`, `pcap`, `interface`, ...).
    pub input_type: String,
    /// Start date (wall clock).
    pub start: String,
    /// End date, known at the end of the run.
    pub end: Option<String>,
    /// The configuration file used, copied into `metadata/`.
    pub config_path: Option<PathBuf>,
}

/// Writer of the metadata folder.
#[derive(Clone, Copy, Debug, Default)]
pub struct Metadata;

impl Metadata {
    /// Writes (replaces) `<out>/metadata/info.txt` and copies the configuration file into
    /// `<out>/metadata/`. Call it at the start and again at the end with `end` set.
    /// Returns the path of `info.txt`.
    pub fn write_info(out_dir: &Path, info: &Info) -> Result<PathBuf> {
        let dir = out_dir.join(METADATA_DIR);
        let path = dir.join(INFO_FILE);
        write_atomic(out_dir, &path, render_info(info).as_bytes())?;
        if let Some(cfg) = &info.config_path {
            match cfg.file_name() {
                Some(name) if name != INFO_FILE => {
                    // Read whole then replace atomically: safe even when `cfg` is the copy
                    // itself.
                    let bytes = std::fs::read(cfg).map_err(OutputError::io("read", cfg))?;
                    write_atomic(out_dir, &dir.join(name), &bytes)?;
                }
                _ => tracing::warn!(path = %cfg.display(), "config file not copied: unusable name"),
            }
        }
        Ok(path)
    }
}

/// Same as [`Metadata::write_info`].
pub fn write_info(out_dir: &Path, info: &Info) -> Result<PathBuf> {
    Metadata::write_info(out_dir, info)
}

/// The text of `info.txt`.
pub fn render_info(info: &Info) -> String {
    let mut out = String::with_capacity(256);
    let _ = writeln!(out, "Slips version: {}", info.version);
    let _ = writeln!(out, "File: {}", info.input);
    let _ = writeln!(out, "Input type: {}", info.input_type);
    let _ = writeln!(out, "Command: {}", info.command_line);
    if let Some(cfg) = &info.config_path {
        let _ = writeln!(out, "Config file: {}", cfg.display());
    }
    let _ = writeln!(out, "Slips start date: {}", info.start);
    if let Some(end) = &info.end {
        let _ = writeln!(out, "Slips end date: {end}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_then_end_date_and_config_copy() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let cfg = dir.path().join("slips.yaml");
        std::fs::write(&cfg, "detection:\n  evidence_detection_threshold: 0.25\n").unwrap();
        let mut info = Info {
            version: "slips-rs 0.1.0".into(),
            command_line: "slips -f test.pcap".into(),
            input: "test.pcap".into(),
            input_type: "pcap".into(),
            start: "2024/01/02 03:04:05.000006".into(),
            end: None,
            config_path: Some(cfg.clone()),
        };
        let path = Metadata::write_info(&out, &info).unwrap();
        assert_eq!(path, out.join("metadata/info.txt"));
        let start_text = format!(
            "Slips version: slips-rs 0.1.0\nFile: test.pcap\nInput type: pcap\nCommand: slips -f test.pcap\nConfig file: {}\nSlips start date: 2024/01/02 03:04:05.000006\n",
            cfg.display()
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), start_text);
        info.end = Some("2024/01/02 03:10:00.000000".into());
        Metadata::write_info(&out, &info).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{start_text}Slips end date: 2024/01/02 03:10:00.000000\n")
        );
        assert_eq!(
            std::fs::read_to_string(out.join("metadata/slips.yaml")).unwrap(),
            "detection:\n  evidence_detection_threshold: 0.25\n"
        );
        // Copying the copy onto itself keeps it intact.
        info.config_path = Some(out.join("metadata/slips.yaml"));
        Metadata::write_info(&out, &info).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("metadata/slips.yaml")).unwrap(),
            "detection:\n  evidence_detection_threshold: 0.25\n"
        );
        // A missing config file is an error that names it.
        info.config_path = Some(dir.path().join("missing.yaml"));
        let err = Metadata::write_info(&out, &info).unwrap_err().to_string();
        assert!(err.contains("missing.yaml"), "{err}");
    }
}
