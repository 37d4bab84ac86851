//! Line-level errors of the flow parsers and open-time errors of the readers.

use std::path::PathBuf;

/// Why one line could not be turned into records.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LineError {
    /// The line contains bytes that are not UTF-8 (binary garbage).
    #[error("line is not valid UTF-8 (binary data?)")]
    Utf8,
    /// A delimited line whose number of columns differs from its header.
    #[error("wrong number of columns: expected {expected}, found {found}")]
    ColumnCount {
        /// Columns of the header (or of the fixed layout).
        expected: usize,
        /// Columns found on the line.
        found: usize,
    },
    /// One value could not be converted.
    #[error("bad value for `{field}`: `{value}` ({reason})")]
    Field {
        /// Name of the column or JSON key.
        field: &'static str,
        /// The offending value, truncated to 64 characters.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A required value is absent.
    #[error("missing `{0}`")]
    Missing(&'static str),
    /// Not a JSON object, or not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A header line that lacks required columns.
    #[error("bad header: {0}")]
    Header(String),
    /// The line is longer than the reader accepts.
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    /// A Zeek line (stdin or a growing folder) that the Zeek parser rejected.
    #[error("{0}")]
    Zeek(#[from] slips_zeek::LineError),
}

impl LineError {
    /// A [`LineError::Field`], keeping at most 64 characters of the value.
    pub fn field(field: &'static str, value: &str, reason: &'static str) -> LineError {
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

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path does not exist.
    #[error("{}: no such file or folder", .path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// An I/O error while opening or reading the first bytes.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The content matches no format slips reads.
    #[error("{}: cannot recognise the format: {expected}", .path.display())]
    Unrecognised {
        /// The path given.
        path: PathBuf,
        /// What was expected, for the user.
        expected: &'static str,
    },
    /// The `nfdump` program is needed and absent or failed to start.
    #[error("{}: reading nfdump files needs the `nfdump` program ({reason}); install it with `apt-get install nfdump` (Debian/Ubuntu), `brew install nfdump` (macOS) or from https://github.com/phaag/nfdump", .path.display())]
    NfdumpMissing {
        /// The nfdump file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

impl OpenError {
    pub(crate) fn io(path: &std::path::Path, e: std::io::Error) -> OpenError {
        if e.kind() == std::io::ErrorKind::NotFound {
            OpenError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            OpenError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    }
}
