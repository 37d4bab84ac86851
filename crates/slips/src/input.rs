//! Recognising the input and reading it on its own thread.

use anyhow::{bail, Context, Result};
use crossbeam_channel::{bounded, Receiver};
use slips_core::Flow;
use slips_zeek::{Problem, ReadStats, ZeekReader};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// What the input is, decided from its content (never from its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    ZeekFolder,
    ZeekTsv,
    ZeekJson,
    Pcap,
    Nfdump,
    Suricata,
    Binetflow,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::ZeekFolder => "zeek_folder",
            InputKind::ZeekTsv => "zeek_log_file (TSV)",
            InputKind::ZeekJson => "zeek_log_file (JSON)",
            InputKind::Pcap => "pcap",
            InputKind::Nfdump => "nfdump",
            InputKind::Suricata => "suricata",
            InputKind::Binetflow => "binetflow",
        }
    }
}

/// An input problem the user must fix (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

/// Looks at the path and the first bytes of the file.
pub fn detect(path: &Path) -> Result<InputKind> {
    let meta = std::fs::metadata(path)
        .map_err(|e| UsageError(format!("cannot read input {}: {e}", path.display())))?;
    if meta.is_dir() {
        return Ok(InputKind::ZeekFolder);
    }
    let mut head = vec![0u8; 8192];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("cannot read input {}", path.display()))?;
    head.truncate(n);
    detect_bytes(&head).ok_or_else(|| {
        UsageError(format!(
            "cannot recognise the format of {}: expected a Zeek log (TSV with a #fields header, \
             or JSON lines with a \"ts\" field) or a folder of Zeek logs",
            path.display()
        ))
        .into()
    })
}

/// Format from content: magic numbers, then the first line that is not a comment.
pub fn detect_bytes(head: &[u8]) -> Option<InputKind> {
    if head.len() >= 4 {
        let m = [head[0], head[1], head[2], head[3]];
        let pcap = [
            [0xd4, 0xc3, 0xb2, 0xa1],
            [0xa1, 0xb2, 0xc3, 0xd4],
            [0x4d, 0x3c, 0xb2, 0xa1],
            [0xa1, 0xb2, 0x3c, 0x4d],
            [0x0a, 0x0d, 0x0d, 0x0a],
        ];
        if pcap.contains(&m) {
            return Some(InputKind::Pcap);
        }
        if m[0] == 0x0c && m[1] == 0xa5 {
            return Some(InputKind::Nfdump);
        }
    }
    let text = String::from_utf8_lossy(head);
    if text.starts_with("#separator") || text.contains("\n#fields\t") {
        return Some(InputKind::ZeekTsv);
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if first.starts_with('{') {
        if first.contains("\"event_type\"") {
            return Some(InputKind::Suricata);
        }
        if first.contains("\"ts\"") {
            return Some(InputKind::ZeekJson);
        }
        return None;
    }
    let lower = first.to_ascii_lowercase();
    if lower.contains("starttime") && (lower.contains("srcaddr") || lower.contains("dstaddr")) {
        return Some(InputKind::Binetflow);
    }
    None
}

/// Records read so far, for the progress bar.
#[derive(Default)]
pub struct Progress {
    pub bytes_read: AtomicU64,
    pub total_bytes: AtomicU64,
}

/// What the reader thread reports when it ends.
pub struct ReaderReport {
    pub stats: ReadStats,
    pub problems: Vec<Problem>,
    pub files: Vec<PathBuf>,
}

pub const BATCH: usize = 2048;

/// Starts the reader thread. Records arrive in batches, in the reader's (time) order.
pub fn spawn_reader(
    path: &Path,
    kind: InputKind,
    progress: Arc<Progress>,
) -> Result<(Receiver<Vec<Flow>>, JoinHandle<ReaderReport>)> {
    match kind {
        InputKind::ZeekFolder | InputKind::ZeekTsv | InputKind::ZeekJson => {}
        other => bail!(UsageError(format!(
            "{} input is recognised but not supported by this version of slips yet; \
             supported inputs: Zeek log folders and Zeek log files (TSV or JSON)",
            other.as_str()
        ))),
    }
    let mut reader = ZeekReader::open(path)
        .map_err(|e| UsageError(format!("cannot open {}: {e}", path.display())))?;
    progress
        .total_bytes
        .store(reader.total_bytes(), Ordering::Relaxed);
    let (tx, rx) = bounded::<Vec<Flow>>(16);
    let handle = std::thread::Builder::new()
        .name("reader".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(f) = reader.next_flow() {
                batch.push(f);
                if batch.len() == BATCH {
                    progress
                        .bytes_read
                        .store(reader.bytes_read(), Ordering::Relaxed);
                    if tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_err()
                    {
                        break;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            progress
                .bytes_read
                .store(reader.bytes_read(), Ordering::Relaxed);
            ReaderReport {
                stats: reader.stats().clone(),
                problems: reader.problems().to_vec(),
                files: reader.files().to_vec(),
            }
        })?;
    Ok((rx, handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect_bytes(b"#separator \\x09\n#set_separator\t,\n"),
            Some(InputKind::ZeekTsv)
        );
        assert_eq!(
            detect_bytes(b"{\"ts\":1.0,\"uid\":\"C1\"}\n"),
            Some(InputKind::ZeekJson)
        );
        assert_eq!(
            detect_bytes(b"{\"timestamp\":\"2020\",\"flow_id\":1,\"event_type\":\"flow\"}"),
            Some(InputKind::Suricata)
        );
        assert_eq!(
            detect_bytes(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]),
            Some(InputKind::Pcap)
        );
        assert_eq!(
            detect_bytes(&[0x0a, 0x0d, 0x0d, 0x0a, 2, 0]),
            Some(InputKind::Pcap)
        );
        assert_eq!(detect_bytes(&[0x0c, 0xa5, 1, 0]), Some(InputKind::Nfdump));
        assert_eq!(
            detect_bytes(b"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State\n"),
            Some(InputKind::Binetflow)
        );
        assert_eq!(detect_bytes(b"hello world\n"), None);
        assert_eq!(detect_bytes(b""), None);
        assert_eq!(detect_bytes(b"{\"a\":1}"), None);
    }
}
