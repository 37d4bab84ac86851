//! The analysis database: `<output>/slips.sqlite`, written by every run (unless
//! `--no-db`), read by `slips query`, `slips -d` and the UIs.
//!
//! [`DbSink`] is a [`slips_output::Sink`]: on the engine thread it only clones events into
//! batches; a writer thread stores them in large transactions (WAL, so readers can open a
//! live run's database), and a killed run leaves everything up to its last commit.
//! [`Reader`] opens a database read-only and refuses one of another schema version.

mod read;
mod replay;
mod schema;
mod web;
mod writer;

pub use read::{Filter, Reader, Rows, Table};
pub use replay::Replayed;
pub use schema::SCHEMA_VERSION;
pub use web::{Arg, Selected};
pub use writer::{DbSink, Options};

use std::path::{Path, PathBuf};

/// The file name in the output folder.
pub const FILE_NAME: &str = "slips.sqlite";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database {path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not a slips database: {1}")]
    NotADatabase(PathBuf, String),
    #[error(
        "{path} was written by a slips with database schema {found}; this slips reads schema \
         {expected}: open it with the slips version that wrote it (see its meta table)"
    )]
    Version {
        path: PathBuf,
        found: String,
        expected: i64,
    },
    #[error("{0}")]
    Writer(String),
}

impl Error {
    pub(crate) fn sql(path: &Path, source: rusqlite::Error) -> Error {
        Error::Sql {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests;
