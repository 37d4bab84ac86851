//! `--engine suricata`: run Suricata on a pcap and hand its `eve.json` to the Suricata
//! reader.

use crate::error::PacketError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether a `suricata` binary is on the PATH (runs `suricata -V`).
pub fn suricata_available() -> bool {
    Command::new("suricata")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `suricata -r <pcap> -l <out_dir> -k none --runmode single` (with an empty rule file,
/// so only protocol and flow events are produced) and returns the path of `eve.json`.
/// `bpf` is passed as Suricata's BPF filter when given.
pub fn run_suricata(
    pcap: &Path,
    out_dir: &Path,
    bpf: Option<&str>,
) -> Result<PathBuf, PacketError> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| PacketError::External(format!("cannot create {}: {e}", out_dir.display())))?;
    // Suricata appends to an existing eve.json: a rerun into the same folder would read
    // every event twice.
    let eve = out_dir.join("eve.json");
    match std::fs::remove_file(&eve) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(PacketError::External(format!(
                "cannot remove the previous {}: {e}",
                eve.display()
            )))
        }
    }
    let mut cmd = Command::new("suricata");
    cmd.arg("-r").arg(pcap).arg("-l").arg(out_dir).args([
        "-k",
        "none",
        "--runmode",
        "single",
        "-S",
        "/dev/null",
    ]);
    if let Some(f) = bpf {
        cmd.arg(f);
    }
    let out = cmd.output().map_err(|e| {
        PacketError::External(format!(
            "cannot run suricata ({e}); install it (Debian: suricata from bookworm-backports) or use the native engine"
        ))
    })?;
    if !out.status.success() {
        return Err(PacketError::External(format!(
            "suricata failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    if !eve.exists() {
        return Err(PacketError::External(format!(
            "suricata wrote no {}",
            eve.display()
        )));
    }
    Ok(eve)
}
