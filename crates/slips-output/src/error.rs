//! Errors of the output writers.

use std::path::PathBuf;

/// Everything that can go wrong while writing the output folder.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed on `path`.
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing to a caller-supplied writer failed.
    #[error("write failed: {0}")]
    Write(#[source] std::io::Error),
    /// Serialising a JSON line failed.
    #[error("JSON serialisation failed: {0}")]
    Json(#[from] serde_json::Error),
    /// The output path exists and is not a directory.
    #[error("output path {0} exists and is not a directory")]
    NotADirectory(PathBuf),
    /// The output folder exists, is not empty and was not created by slips.
    #[error(
        "output folder {0} exists, is not empty and was not created by slips: nothing in it was \
         touched; name another folder with -o, or an empty one"
    )]
    NotOurs(PathBuf),
    /// Another run holds the output folder's lock.
    #[error(
        "output folder {path} is being written by another slips run (pid {holder}); wait for \
         it to end or name another folder with -o"
    )]
    Locked { path: PathBuf, holder: String },
    /// A profile summary without its IP cannot be placed in the profiles folder.
    #[error("profile summary has no IP")]
    MissingProfileIp,
    /// A sink outside this crate (the database, exports) failed.
    #[error("{sink}: {message}")]
    Sink { sink: &'static str, message: String },
}

impl OutputError {
    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| OutputError::Io { op, path, source }
    }
}

pub type Result<T, E = OutputError> = std::result::Result<T, E>;
