//! Files of the output folder, written without following symbolic links.
//!
//! The output folder may be shared or pre-existing, and slips often runs as root (`-i`), so
//! a link planted in it (`alerts.log -> /etc/passwd`, `profiles -> /etc`) must never
//! redirect a write. Every file slips writes there goes through this crate:
//!
//! * [`create`] truncates or creates one file: a symbolic link at its name is removed (the
//!   link, not its target) and the file is opened with `O_NOFOLLOW`, so a link planted
//!   between the two steps makes the open fail instead of writing through it;
//! * [`write_atomic`] writes a temporary file (created exclusively) and renames it over the
//!   name, which replaces a link rather than following it;
//! * [`create_dir_in`] creates the folders between the output folder and a file, refusing
//!   any of them that is a symbolic link, so nothing is ever written outside the folder.

#![forbid(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// Prefix of the temporary files of [`write_atomic`], so that leftovers of an interrupted
/// run can be recognised.
pub const TEMP_PREFIX: &str = ".slips-tmp-";

fn refused(path: &Path, what: &str) -> io::Error {
    io::Error::other(format!(
        "refusing to write through {}: it is {what}",
        path.display()
    ))
}

/// Creates (or truncates) the file at `path` for writing without following a symbolic link
/// at its name: a link there is removed first. Mode 0666 less the umask, like
/// `File::create`.
pub fn create(path: &Path) -> io::Result<File> {
    open(path, false)
}

/// Like [`create`], appending to an existing regular file instead of truncating it.
pub fn append(path: &Path) -> io::Result<File> {
    open(path, true)
}

fn open(path: &Path, append: bool) -> io::Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::remove_file(path)?,
        Ok(m) if m.is_dir() => return Err(refused(path, "a folder")),
        _ => {}
    }
    let mut o = OpenOptions::new();
    o.write(true).create(true);
    if append {
        o.append(true);
    } else {
        o.truncate(true);
    }
    let f = o
        // O_NONBLOCK: a FIFO planted at the name fails to open instead of blocking (no
        // effect on regular files).
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .mode(0o666)
        .open(path)?;
    // A FIFO or device planted at the name would block or write elsewhere.
    if !f.metadata()?.is_file() {
        return Err(refused(path, "not a regular file"));
    }
    Ok(f)
}

/// Writes `contents` to `path` so that readers never see it half written and a link at its
/// name is replaced, not followed: a temporary file next to it, then a rename. The parent
/// folder must exist (see [`create_dir_in`]).
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    // Same mode as `File::create`, not tempfile's private 0600: the output folder is meant
    // to be read by other tools and users.
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Creates the folder `dir`, which must lie inside `root`, and the folders between them;
/// none of them may be a symbolic link (or anything but a folder). `root` itself is taken
/// as it is (the user named it) and created when missing. Returns `dir`.
pub fn create_dir_in(root: &Path, dir: &Path) -> io::Result<PathBuf> {
    let rel = dir.strip_prefix(root).map_err(|_| {
        io::Error::other(format!(
            "{} is not inside the output folder {}",
            dir.display(),
            root.display()
        ))
    })?;
    if !root.is_dir() {
        std::fs::create_dir_all(root)?;
    }
    let mut cur = root.to_path_buf();
    for c in rel.components() {
        match c {
            Component::Normal(name) => cur.push(name),
            Component::CurDir => continue,
            _ => {
                return Err(io::Error::other(format!(
                    "{} leaves the output folder {}",
                    dir.display(),
                    root.display()
                )))
            }
        }
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => return Err(refused(&cur, "a symbolic link")),
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(refused(&cur, "not a folder")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(&cur) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if !std::fs::symlink_metadata(&cur)?.is_dir() {
                        return Err(refused(&cur, "not a folder"));
                    }
                }
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    Ok(dir.to_path_buf())
}

/// [`create_dir_in`] for the parent of `file`, then [`create`].
pub fn create_in(root: &Path, file: &Path) -> io::Result<File> {
    if let Some(parent) = file.parent() {
        create_dir_in(root, parent)?;
    }
    create(file)
}

/// [`create_dir_in`] for the parent of `file`, then [`write_atomic`].
pub fn write_atomic_in(root: &Path, file: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(parent) = file.parent() {
        create_dir_in(root, parent)?;
    }
    write_atomic(file, contents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn create_replaces_a_planted_link_and_leaves_its_target_alone() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let out = d.path().join("alerts.log");
        symlink(&victim, &out).unwrap();
        let mut f = create(&out).unwrap();
        f.write_all(b"ours").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "ours");
        assert!(!std::fs::symlink_metadata(&out)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn append_keeps_and_extends_a_regular_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("blocking.log");
        create(&p).unwrap().write_all(b"a\n").unwrap();
        append(&p).unwrap().write_all(b"b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\nb\n");
    }

    #[test]
    fn fifo_and_folder_at_the_name_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("x.log");
        std::fs::create_dir(&dir).unwrap();
        assert!(create(&dir).is_err());
        let fifo = d.path().join("fifo.log");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(create(&fifo).is_err());
        }
    }

    #[test]
    fn atomic_write_replaces_a_link_and_leaves_no_temp_files() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let sub = d.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let p = sub.join("file.txt");
        symlink(&victim, &p).unwrap();
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let names: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.txt")]);
    }

    #[test]
    fn files_are_readable_like_file_create() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("atomic");
        let b = d.path().join("plain");
        let c = d.path().join("created");
        write_atomic(&a, b"x").unwrap();
        std::fs::write(&b, b"x").unwrap();
        create(&c).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&a), mode(&b));
        assert_eq!(mode(&c), mode(&b));
    }

    #[test]
    fn folders_inside_the_root_only_and_never_through_links() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("out");
        std::fs::create_dir(&root).unwrap();
        let elsewhere = d.path().join("etc");
        std::fs::create_dir(&elsewhere).unwrap();
        // A real nested folder is made.
        let p = create_dir_in(&root, &root.join("profiles/10.0.0.1")).unwrap();
        assert!(p.is_dir());
        // A planted link on the way is refused, nothing is written in its target.
        symlink(&elsewhere, root.join("zeek_files")).unwrap();
        let e = create_in(&root, &root.join("zeek_files/conn.log")).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        assert!(write_atomic_in(&root, &root.join("zeek_files/x/y"), b"z").is_err());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        // Paths outside the root, or climbing out of it, are refused.
        assert!(create_dir_in(&root, &elsewhere).is_err());
        assert!(create_dir_in(&root, &root.join("../etc/x")).is_err());
        assert!(!elsewhere.join("x").exists());
    }
}
