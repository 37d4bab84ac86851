//! Errors of the Zeek reader: line-level parse errors, open-time errors and the bounded
//! list of problems a reader keeps.

use std::fmt;
use std::path::PathBuf;

/// Why one value of a line could not be converted to the type of its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// Not an IPv4 or IPv6 address.
    Ip,
    /// Not an unsigned integer, or out of range for the field.
    Int,
    /// Not a number, or NaN / infinite.
    Float,
    /// Not a boolean (`T`/`F` in TSV, `true`/`false` in JSON).
    Bool,
    /// Not a MAC address.
    Mac,
    /// Not a timestamp (seconds since the epoch or ISO 8601), or NaN / infinite / before
    /// 1970 / after 2200.
    Time,
    /// A duration that is negative or longer than ten years.
    Duration,
    /// The JSON value has the wrong type for the field (e.g. an object where a string is expected).
    Type,
    /// An ARP operation other than `request` / `reply`.
    ArpOperation,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueError::Ip => "invalid IP address",
            ValueError::Int => "invalid or out-of-range integer",
            ValueError::Float => "invalid or non-finite number",
            ValueError::Bool => "invalid boolean",
            ValueError::Mac => "invalid MAC address",
            ValueError::Time => "invalid timestamp (seconds from 1970 to 2200 expected)",
            ValueError::Duration => "duration out of range (0 to ten years)",
            ValueError::Type => "wrong JSON type",
            ValueError::ArpOperation => "unknown ARP operation",
        })
    }
}

impl std::error::Error for ValueError {}

/// Why one line could not be turned into a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LineError {
    /// The line contains bytes that are not UTF-8.
    #[error("line is not valid UTF-8")]
    Utf8,
    /// The line is not a JSON object, or not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A TSV line whose number of columns differs from its `#fields` header.
    #[error("wrong number of columns: expected {expected}, found {found}")]
    ColumnCount {
        /// Columns declared by `#fields`.
        expected: usize,
        /// Columns found on the line.
        found: usize,
    },
    /// One field's value could not be converted.
    #[error("bad value for `{field}`: `{value}` ({reason})")]
    Field {
        /// Zeek name of the field (e.g. `id.orig_h`).
        field: &'static str,
        /// The offending value, truncated to a few dozen characters.
        value: String,
        /// What is wrong with it.
        reason: ValueError,
    },
    /// The record has no `ts` (or an unset one).
    #[error("missing timestamp `ts`")]
    MissingTs,
    /// A TSV data line came before any `#fields` header.
    #[error("data line before the `#fields` header")]
    NoSchema,
    /// The log kind is unknown (no `#path` header and no kind given) or not supported.
    #[error("unknown or unsupported log kind")]
    UnknownKind,
    /// A malformed header line.
    #[error("bad header line: {0}")]
    Header(String),
    /// The line is longer than the reader accepts.
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    /// Neither a Zeek TSV nor a Zeek JSON line.
    #[error("neither a Zeek TSV nor a Zeek JSON line")]
    UnknownFormat,
}

impl LineError {
    /// Builds a [`LineError::Field`], keeping at most 64 characters of the value.
    pub(crate) fn field(field: &'static str, value: &str, reason: ValueError) -> LineError {
        let mut short: String = value.chars().take(64).collect();
        if short.len() < value.len() {
            short.push('…');
        }
        LineError::Field {
            field,
            value: short,
            reason,
        }
    }
}

/// Why a path could not be opened for reading.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path does not exist.
    #[error("{}: no such file or folder", .path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// An I/O error while opening or listing.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A single file whose log kind is not one slips reads (or cannot be told).
    #[error("{}: not a supported Zeek log ({reason})", .path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Why (e.g. "log kind `capture_loss` is not read").
        reason: String,
    },
    /// A folder without any supported Zeek log.
    #[error("{}: folder contains no supported Zeek log (*.log, *.log.labeled)", .path.display())]
    NoLogs {
        /// The folder.
        path: PathBuf,
    },
}

/// A line that could not be read, kept for the user (the reader keeps a bounded number of
/// them; all are counted in the stats).
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The file the line is in.
    pub file: PathBuf,
    /// Line number, from 1 (0 for problems not tied to a line, e.g. a read error).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}
