//! Following a folder that Zeek is still writing (`-g DIR`).
//!
//! Every [`POLL`] the folder is listed and every Zeek log of a kind slips reads
//! (`conn.log`, `dns.log`, ... by the name's first part) is read from where it was left:
//! new files are read from their start, appended lines as they come (a line is parsed once
//! its newline is written). Files are tracked by inode, so a rotation (Zeek renames
//! `conn.log` and starts a new one) finishes the renamed file and starts the new one, and a
//! file truncated in place is read again from its start. Nothing is read twice; the
//! de-duplication of the reader drops a flow that shows up in two files anyway. Between
//! polls the thread sleeps: no busy waiting. When `stop` is set (SIGINT/SIGTERM) a last
//! poll reads what was written, then the reader ends.

use crate::input::{Progress, Pump, ReaderReport};
use crossbeam_channel::Sender;
use slips_core::{Flow, RecordKind};
use slips_flows::{LineParser, Parsed, Problem, ZeekLineParser};
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Time between two looks at the folder.
pub const POLL: Duration = Duration::from_millis(200);
/// Most bytes read from one file per poll (the rest on the next poll).
const CHUNK: usize = 4 << 20;
/// A line without newline longer than this is dropped (reported).
const MAX_PARTIAL: usize = 16 << 20;
/// Problems kept (all are counted).
const MAX_PROBLEMS: usize = 1000;

struct Tail {
    path: PathBuf,
    file: File,
    ino: (u64, u64),
    pos: u64,
    partial: Vec<u8>,
    parser: ZeekLineParser,
    line_no: u64,
    /// The path now names another file (rotated) or is gone: drop at end of data.
    detached: bool,
}

/// Follower of a growing Zeek folder.
pub struct Follower {
    dir: PathBuf,
    tails: Vec<Tail>,
    report: ReaderReport,
}

/// The log kind of a Zeek log file name (`conn.log` → conn); `None` for other files.
fn kind_of(name: &str) -> Option<RecordKind> {
    if name.starts_with('.') || !(name.ends_with(".log") || name.ends_with(".log.labeled")) {
        return None;
    }
    RecordKind::from_log_name(name.split('.').next()?)
}

impl Follower {
    pub fn new(dir: &Path) -> Follower {
        Follower {
            dir: dir.to_path_buf(),
            tails: Vec::new(),
            report: ReaderReport::default(),
        }
    }

    fn problem(&mut self, file: &Path, line: u64, message: String) {
        self.report.malformed += 1;
        if self.report.malformed <= 10 {
            tracing::warn!(file = %file.display(), line, "malformed input line: {message}");
        }
        if self.report.problems.len() < MAX_PROBLEMS {
            self.report.problems.push(Problem {
                file: file.to_path_buf(),
                line,
                message,
            });
        }
    }

    /// Lists the folder: new files are tracked, renamed ones follow their inode.
    fn scan(&mut self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut seen: BTreeMap<PathBuf, (u64, u64)> = BTreeMap::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if kind_of(&name).is_none() {
                continue;
            }
            if let Ok(m) = std::fs::metadata(e.path()) {
                if m.is_file() {
                    seen.insert(e.path(), (m.dev(), m.ino()));
                }
            }
        }
        // Files whose path now names something else (rotation) or vanished.
        for t in &mut self.tails {
            match seen.get(&t.path) {
                Some(ino) if *ino == t.ino => {}
                _ => {
                    // Renamed within the folder?
                    if let Some((p, _)) = seen.iter().find(|(_, i)| **i == t.ino) {
                        t.path = p.clone();
                    } else {
                        t.detached = true;
                    }
                }
            }
        }
        for (path, ino) in seen {
            if self.tails.iter().any(|t| t.ino == ino) {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(kind) = kind_of(&name) else { continue };
            match File::open(&path) {
                Ok(file) => {
                    tracing::info!(file = %path.display(), "following Zeek log");
                    self.report.files.push(path.clone());
                    self.tails.push(Tail {
                        path,
                        file,
                        ino,
                        pos: 0,
                        partial: Vec::new(),
                        parser: ZeekLineParser::new(kind),
                        line_no: 0,
                        detached: false,
                    });
                }
                Err(e) => self.problem(&path, 0, format!("cannot open: {e}")),
            }
        }
    }

    /// Reads what was appended to every file; returns false when the receiver is gone.
    fn read_all(&mut self, pump: &mut Pump) -> bool {
        let mut out: VecDeque<Flow> = VecDeque::new();
        let mut i = 0;
        while i < self.tails.len() {
            let mut problems: Vec<(PathBuf, u64, String)> = Vec::new();
            let t = &mut self.tails[i];
            // Truncated in place (copytruncate rotation): start again.
            if let Ok(m) = t.file.metadata() {
                if m.len() < t.pos {
                    t.pos = 0;
                    t.partial.clear();
                    let _ = t.file.seek(SeekFrom::Start(0));
                }
            }
            let mut buf = Vec::new();
            let got = (&mut t.file).take(CHUNK as u64).read_to_end(&mut buf);
            if let Err(e) = got {
                problems.push((t.path.clone(), t.line_no, format!("read error: {e}")));
            }
            t.pos += buf.len() as u64;
            let mut data = std::mem::take(&mut t.partial);
            data.extend_from_slice(&buf);
            let mut start = 0;
            while let Some(nl) = memchr::memchr(b'\n', &data[start..]) {
                let line = &data[start..start + nl];
                start += nl + 1;
                t.line_no += 1;
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.trim_ascii().is_empty() {
                    continue;
                }
                match t.parser.parse(line, &mut out) {
                    Ok(Parsed::Records | Parsed::Header) => {}
                    Ok(Parsed::Ignored(why)) => {
                        *self.report.ignored.entry(why.to_string()).or_insert(0) += 1;
                    }
                    Err(e) => problems.push((t.path.clone(), t.line_no, e.to_string())),
                }
            }
            t.partial = data[start..].to_vec();
            if t.partial.len() > MAX_PARTIAL {
                t.line_no += 1;
                problems.push((t.path.clone(), t.line_no, "line too long".into()));
                t.partial.clear();
            }
            let drop_it = t.detached && buf.is_empty();
            for (p, l, m) in problems {
                self.problem(&p, l, m);
            }
            if drop_it {
                self.tails.remove(i);
            } else {
                i += 1;
            }
        }
        for f in out {
            self.report.records += 1;
            if !pump.push(f) {
                return false;
            }
        }
        pump.flush()
    }

    /// Follows the folder until `stop` is set, sending flows as they are written.
    pub fn run(
        mut self,
        tx: Sender<Vec<Flow>>,
        progress: Arc<Progress>,
        stop: Arc<AtomicBool>,
    ) -> ReaderReport {
        let mut pump = Pump::new(tx, crate::input::BATCH, progress.clone());
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            self.scan();
            if !self.read_all(&mut pump) {
                break;
            }
            let pos: u64 = self.tails.iter().map(|t| t.pos).sum();
            progress.bytes_read.store(pos, Ordering::Relaxed);
            if stopping {
                break;
            }
            std::thread::sleep(POLL);
        }
        self.report.duplicates = pump.dedup.duplicates();
        self.report.format = Some("zeek");
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;
    use std::io::Write;

    fn conn_line(ts: f64, uid: &str, dport: u16) -> String {
        format!(
            "{{\"ts\":{ts},\"uid\":\"{uid}\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":4000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":{dport},\"proto\":\"tcp\",\"conn_state\":\"S0\"}}\n"
        )
    }

    fn uids(flows: &[Flow]) -> Vec<String> {
        flows
            .iter()
            .map(|f| f.record.uid().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn appends_partial_lines_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let conn = dir.path().join("conn.log");
        std::fs::write(&conn, conn_line(1.0, "C1", 80)).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a log\n").unwrap();
        let (tx, rx) = bounded(1024);
        let progress = Arc::new(Progress::default());
        let mut f = Follower::new(dir.path());
        let mut pump = Pump::new(tx, 1024, progress);
        let mut step = |f: &mut Follower| {
            f.scan();
            assert!(f.read_all(&mut pump));
            rx.try_iter().flatten().collect::<Vec<Flow>>()
        };
        assert_eq!(uids(&step(&mut f)), ["C1"]);
        // Appended: a full line and half of another.
        let mut w = std::fs::OpenOptions::new()
            .append(true)
            .open(&conn)
            .unwrap();
        let half = conn_line(3.0, "C3", 80);
        write!(w, "{}{}", conn_line(2.0, "C2", 80), &half[..20]).unwrap();
        w.flush().unwrap();
        assert_eq!(uids(&step(&mut f)), ["C2"]);
        write!(w, "{}", &half[20..]).unwrap();
        w.flush().unwrap();
        assert_eq!(uids(&step(&mut f)), ["C3"]);
        // Rotation: conn.log renamed, a line appended to the old file, and a new conn.log.
        let rotated = dir.path().join("conn.2024-01-01-00-00-00.log");
        std::fs::rename(&conn, &rotated).unwrap();
        write!(w, "{}", conn_line(4.0, "C4", 80)).unwrap();
        w.flush().unwrap();
        std::fs::write(&conn, conn_line(5.0, "C5", 80)).unwrap();
        let mut got = uids(&step(&mut f));
        got.sort();
        assert_eq!(got, ["C4", "C5"]);
        // A new kind of log appears; a malformed line is reported with its file and line.
        let dns = dir.path().join("dns.log");
        std::fs::write(
            &dns,
            "{\"ts\":6.0,\"uid\":\"D1\",\"query\":\"a.com\"}\n{broken\n",
        )
        .unwrap();
        assert_eq!(uids(&step(&mut f)), ["D1"]);
        assert_eq!(f.report.malformed, 1);
        assert_eq!(f.report.problems[0].file, dns);
        assert_eq!(f.report.problems[0].line, 2);
        // Truncated in place, then rewritten: read again from the start.
        std::fs::write(&conn, conn_line(7.0, "C7", 8)).unwrap();
        assert_eq!(uids(&step(&mut f)), ["C7"]);
        assert!(step(&mut f).is_empty());
        assert_eq!(f.report.records, 7);
    }

    #[test]
    fn stops_after_a_last_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("conn.log"), conn_line(1.0, "C1", 80)).unwrap();
        let (tx, rx) = bounded(16);
        let stop = Arc::new(AtomicBool::new(true));
        let report = Follower::new(dir.path()).run(tx, Arc::new(Progress::default()), stop);
        assert_eq!(uids(&rx.try_iter().flatten().collect::<Vec<_>>()), ["C1"]);
        assert_eq!(report.records, 1);
        assert_eq!(report.files, vec![dir.path().join("conn.log")]);
    }
}
