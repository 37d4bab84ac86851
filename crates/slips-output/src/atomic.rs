//! Whole-file writes that readers never see half done: write a temporary file next to the
//! target, then rename it over the target.

use crate::error::{OutputError, Result};
use std::io::Write;
use std::path::Path;

/// Prefix of the temporary files, so that [`crate::OutputDir`] can recognise leftovers of an
/// interrupted run.
pub const TEMP_PREFIX: &str = ".slips-tmp-";

/// Writes `contents` to `path` atomically (same-directory temporary file + rename). Creates
/// the parent directory when missing. One `write` call per file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(OutputError::io("create directory", dir))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    // Same mode as `File::create` (0666 less the umask), not tempfile's private 0600:
    // the output folder is meant to be read by other tools and users.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(OutputError::io("create temporary file in", dir))?;
    tmp.write_all(contents)
        .map_err(OutputError::io("write", tmp.path().to_path_buf()))?;
    tmp.persist(path)
        .map_err(|e| OutputError::io("rename temporary file to", path)(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/file.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.txt")]);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_readable_like_file_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("atomic");
        let b = dir.path().join("plain");
        write_atomic(&a, b"x").unwrap();
        std::fs::write(&b, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&a), mode(&b));
    }
}
