//! Writing files of the output folder: whole files atomically, streams truncated, never
//! through a symbolic link and never outside the folder (see [`slips_fs`]).

use crate::error::{OutputError, Result};
use std::fs::File;
use std::path::Path;

pub use slips_fs::TEMP_PREFIX;

/// Writes `contents` to `path` (inside the output folder `root`) atomically, creating the
/// folders between them.
pub fn write_atomic(root: &Path, path: &Path, contents: &[u8]) -> Result<()> {
    slips_fs::write_atomic_in(root, path, contents).map_err(OutputError::io("write", path))
}

/// Creates (truncates) the file `path` inside the output folder `root`, creating the
/// folders between them.
pub fn create(root: &Path, path: &Path) -> Result<File> {
    slips_fs::create_in(root, path).map_err(OutputError::io("create", path))
}
