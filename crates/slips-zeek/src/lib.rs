//! Reader of Zeek logs producing `slips_core::Flow` values.
//!
//! * Both Zeek formats: TSV ("ASCII", header-driven: `#separator`, `#set_separator`,
//!   `#empty_field`, `#unset_field`, `#path`, `#fields`, `#types`, `#close`; several header
//!   blocks per file) and JSON (one object per line).
//! * Log kinds conn, dns, http, ssl, ssh, dhcp, smtp, notice, files, software, weird,
//!   tunnel, arp, x509, ftp, login and signatures become the matching [`slips_core::Record`] variant;
//!   netflowlabeler's `label` / `detailed-label` columns fill [`slips_core::Flow::label`].
//! * [`ZeekReader`] reads one file or a folder (plain or `.gz`), merging the files by
//!   timestamp; malformed lines are counted and reported as [`Problem`]s, never fatal.
//! * [`parse_json_line`] and [`TsvSchema`] parse single lines for streaming inputs.
//!
//! ```no_run
//! use slips_zeek::ZeekReader;
//! let mut reader = ZeekReader::open(std::path::Path::new("zeek_logs/"))?;
//! for flow in reader.by_ref() {
//!     println!("{:?}", flow.record.kind());
//! }
//! eprintln!("{} records, {} malformed lines", reader.stats().total.records,
//!     reader.stats().total.malformed);
//! # Ok::<(), slips_zeek::OpenError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod compressed;
mod error;
mod json;
mod kinds;
mod reader;
mod tsv;
mod value;

pub use error::{LineError, OpenError, Problem, ValueError};
pub use json::parse_json_line;
pub use reader::{
    read_line, Counts, FileStats, LineRead, ReadStats, SkippedFile, ZeekReader, MAX_LINE,
    MAX_PROBLEMS,
};
pub use tsv::TsvSchema;

/// The two formats of Zeek logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Tab-separated values with `#` header lines (Zeek's default "ASCII" writer).
    Tsv,
    /// One JSON object per line (`LogAscii::use_json=T`).
    Json,
}

/// Tells the format of a log from its first line: JSON when it starts with `{`, TSV when it
/// is a `#` header or contains a tab; `None` otherwise. Leading whitespace and a UTF-8 byte
/// order mark are ignored.
pub fn detect_format(first_line: &[u8]) -> Option<Format> {
    let line = first_line
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_line);
    match line.trim_ascii_start().first() {
        Some(b'{') => Some(Format::Json),
        Some(b'#') => Some(Format::Tsv),
        _ if memchr::memchr(b'\t', line).is_some() => Some(Format::Tsv),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
