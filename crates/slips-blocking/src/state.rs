//! What outlives a run: the blocks kept at exit (`blocks.json`) and the manual unblocks
//! queued for a running slips (`unblock-requests`), in the state folder.

use crate::Error;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

const BLOCKS: &str = "blocks.json";
const REQUESTS: &str = "unblock-requests";

/// A block kept at exit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    pub ip: IpAddr,
    /// Wall-clock seconds since the epoch.
    pub until: f64,
    pub duration: f64,
    pub offences: u32,
    pub alert_id: String,
    pub reason: String,
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    blocks: Vec<Kept>,
}

/// `/var/lib/slips` for root, else `$XDG_STATE_HOME/slips` or `~/.local/state/slips`.
pub fn default_dir() -> Option<PathBuf> {
    if is_root() {
        return Some(PathBuf::from("/var/lib/slips"));
    }
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .map(|d| d.join("slips"))
}

fn is_root() -> bool {
    crate::host::proc_status("Uid:")
        .and_then(|v| v.split_whitespace().nth(1).map(|u| u == "0"))
        .unwrap_or(false)
}

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

fn ensure_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(io("create", dir))
}

pub fn load(dir: &Path) -> Result<Vec<Kept>, Error> {
    let path = dir.join(BLOCKS);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read", &path)(e)),
    };
    let f: File = serde_json::from_str(&text).map_err(|e| Error::State {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok(f.blocks)
}

pub fn save(dir: &Path, blocks: &[Kept]) -> Result<(), Error> {
    ensure_dir(dir)?;
    let path = dir.join(BLOCKS);
    let text = serde_json::to_string_pretty(&File {
        version: 1,
        blocks: blocks.to_vec(),
    })
    .map_err(|e| Error::State {
        path: path.clone(),
        message: e.to_string(),
    })?;
    slips_fs::write_atomic(&path, text.as_bytes()).map_err(io("write", &path))
}

pub fn remove(dir: &Path) -> Result<(), Error> {
    let path = dir.join(BLOCKS);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("remove", &path)(e)),
        _ => Ok(()),
    }
}

/// Appends `ip` to the requests a running slips picks up.
pub fn request_unblock(dir: &Path, ip: IpAddr) -> Result<(), Error> {
    use std::io::Write;
    ensure_dir(dir)?;
    let path = dir.join(REQUESTS);
    let mut f = slips_fs::append(&path).map_err(io("open", &path))?;
    writeln!(f, "{ip}").map_err(io("write", &path))
}

/// The queued manual unblocks, taken (renamed away first, so a request written meanwhile
/// is kept for the next call).
pub fn take_unblock_requests(dir: Option<&Path>) -> Vec<IpAddr> {
    let Some(dir) = dir else { return Vec::new() };
    let path = dir.join(REQUESTS);
    // Cheap when there is nothing: one failed stat per tick.
    if !path.exists() {
        return Vec::new();
    }
    let taken = dir.join(format!("{REQUESTS}.taken"));
    if std::fs::rename(&path, &taken).is_err() {
        return Vec::new();
    }
    let text = std::fs::read_to_string(&taken).unwrap_or_default();
    let _ = std::fs::remove_file(&taken);
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}
