//! Recognising the input and reading it on its own thread.
//!
//! [`detect`] is the single place that decides what the input is: a file or folder (from
//! its content, through `slips_flows::detect_path`), standard input (`-f zeek|suricata|argus`
//! naming no existing file, or `-f -` with the format detected from the first lines) or a
//! growing Zeek folder (`-g DIR`). The reader thread turns it into flows, drops repeats
//! ("each flow is analysed once", [`slips_flows::Dedup`]) and sends them in batches.

use crate::follow;
use anyhow::{bail, Result};
use crossbeam_channel::{bounded, Receiver, Sender};
use slips_core::Flow;
use slips_flows::{Dedup, InputFormat, LineSource, Problem, StreamFormat};
use slips_zeek::ZeekReader;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// What the input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A file or folder, format from its content.
    File(InputFormat),
    /// Standard input; `None`: detect the format from the first lines.
    Stdin(Option<StreamFormat>),
    /// A folder Zeek is still writing (`-g`).
    Growing,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::File(f) => f.as_str(),
            InputKind::Stdin(Some(StreamFormat::Zeek)) => "stdin (zeek)",
            InputKind::Stdin(Some(StreamFormat::Suricata)) => "stdin (suricata)",
            InputKind::Stdin(Some(StreamFormat::Argus)) => "stdin (argus)",
            InputKind::Stdin(None) => "stdin",
            InputKind::Growing => "growing_zeek_folder",
        }
    }

    /// Live inputs run until their end (stdin) or until interrupted (`-g`); the per-profile
    /// files are refreshed while they run.
    pub fn is_live(self) -> bool {
        matches!(self, InputKind::Stdin(_) | InputKind::Growing)
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

/// Where the flows come from, as the command line says.
#[derive(Clone, Debug)]
pub enum InputSpec {
    /// `-f PATH` / `-r PATH`.
    Path(PathBuf),
    /// `-g DIR`.
    Growing(PathBuf),
}

impl InputSpec {
    pub fn path(&self) -> &Path {
        match self {
            InputSpec::Path(p) | InputSpec::Growing(p) => p,
        }
    }
}

/// Decides what the input is: the single place that does.
pub fn detect(spec: &InputSpec) -> Result<InputKind> {
    match spec {
        InputSpec::Growing(dir) => {
            if !dir.is_dir() {
                bail!(UsageError(format!(
                    "-g expects a folder that Zeek writes its logs to; {} is not a folder",
                    dir.display()
                )));
            }
            Ok(InputKind::Growing)
        }
        InputSpec::Path(p) => {
            let s = p.to_string_lossy();
            if s == "-" {
                return Ok(InputKind::Stdin(None));
            }
            if !p.exists() {
                if let Some(f) = StreamFormat::parse(&s) {
                    return Ok(InputKind::Stdin(Some(f)));
                }
            }
            match slips_flows::detect_path(p) {
                Ok(f) => Ok(InputKind::File(f)),
                Err(e) => bail!(UsageError(format!(
                    "{e}{}",
                    if p.exists() {
                        ""
                    } else {
                        " (to read standard input use -f zeek, -f suricata, -f argus or -f -)"
                    }
                ))),
            }
        }
    }
}

/// Progress shared with the main thread.
#[derive(Default)]
pub struct Progress {
    pub bytes_read: AtomicU64,
    pub total_bytes: AtomicU64,
    /// Records sent to the engine (after de-duplication).
    pub records: AtomicU64,
}

/// What the reader thread reports when it ends.
#[derive(Debug, Default)]
pub struct ReaderReport {
    /// Records read (before de-duplication).
    pub records: u64,
    /// Malformed lines (each listed in `problems`, up to a bound).
    pub malformed: u64,
    /// Records dropped because the same flow was already analysed.
    pub duplicates: u64,
    /// Valid lines that are not analysed, by reason.
    pub ignored: BTreeMap<String, u64>,
    pub problems: Vec<Problem>,
    pub files: Vec<PathBuf>,
    /// The format actually read (stdin detection).
    pub format: Option<&'static str>,
}

pub const BATCH: usize = 2048;

/// Sends flows in batches, dropping repeats.
pub(crate) struct Pump {
    tx: Sender<Vec<Flow>>,
    batch: Vec<Flow>,
    size: usize,
    pub(crate) dedup: Dedup,
    progress: Arc<Progress>,
}

impl Pump {
    pub(crate) fn new(tx: Sender<Vec<Flow>>, size: usize, progress: Arc<Progress>) -> Pump {
        Pump {
            tx,
            batch: Vec::with_capacity(size),
            size,
            dedup: Dedup::default(),
            progress,
        }
    }

    /// Queues one flow; false when the receiver is gone.
    pub(crate) fn push(&mut self, f: Flow) -> bool {
        if !self.dedup.is_new(&f) {
            return true;
        }
        self.batch.push(f);
        if self.batch.len() >= self.size {
            return self.flush();
        }
        true
    }

    /// Sends what is queued; false when the receiver is gone.
    pub(crate) fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let n = self.batch.len() as u64;
        let b = std::mem::replace(&mut self.batch, Vec::with_capacity(self.size));
        self.progress.records.fetch_add(n, Ordering::Relaxed);
        self.tx.send(b).is_ok()
    }
}

fn usage<E: std::fmt::Display>(e: E) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

/// Standard input, its format known (named or detected from the first lines).
pub struct Stdin {
    format: StreamFormat,
    input: Box<dyn BufRead + Send>,
}

/// For standard input: settles its format before anything is created (an unrecognised
/// stream is a usage error, with no output folder left behind). `None` for other inputs.
pub fn open_stdin(kind: InputKind) -> Result<Option<Stdin>> {
    let InputKind::Stdin(format) = kind else {
        return Ok(None);
    };
    let stdin: Box<dyn BufRead + Send> = Box::new(std::io::BufReader::with_capacity(
        64 << 10,
        std::io::stdin(),
    ));
    Ok(Some(match format {
        Some(format) => Stdin {
            format,
            input: stdin,
        },
        None => {
            let (found, input) = slips_flows::detect_stream(stdin)
                .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
            let format = found.and_then(StreamFormat::of).ok_or_else(|| {
                usage(format!(
                    "cannot recognise the format of standard input: {}; or name it with \
                     -f zeek, -f suricata or -f argus",
                    slips_flows::EXPECTED
                ))
            })?;
            Stdin { format, input }
        }
    }))
}

/// Starts the reader thread. Records arrive in batches, in the reader's (time) order.
/// `stop` ends a growing folder (after a last read) when set; `stdin` comes from
/// [`open_stdin`].
pub fn spawn_reader(
    spec: &InputSpec,
    kind: InputKind,
    stdin: Option<Stdin>,
    progress: Arc<Progress>,
    stop: Arc<AtomicBool>,
) -> Result<(Receiver<Vec<Flow>>, JoinHandle<ReaderReport>)> {
    let (tx, rx) = bounded::<Vec<Flow>>(16);
    let path = spec.path().to_path_buf();
    let handle = match kind {
        InputKind::File(InputFormat::Pcap) => bail!(UsageError(format!(
            "{}: pcap input is recognised but not read by this build of slips; run Zeek, \
             Suricata or Argus on it and give slips their output",
            path.display()
        ))),
        InputKind::File(InputFormat::ZeekFolder | InputFormat::ZeekTsv | InputFormat::ZeekJson) => {
            let mut reader = ZeekReader::open(&path).map_err(usage)?;
            progress
                .total_bytes
                .store(reader.total_bytes(), Ordering::Relaxed);
            spawn("reader", move || {
                let mut pump = Pump::new(tx, BATCH, progress.clone());
                let mut n = 0u32;
                while let Some(f) = reader.next_flow() {
                    if !pump.push(f) {
                        break;
                    }
                    n += 1;
                    if n == 1024 {
                        n = 0;
                        progress
                            .bytes_read
                            .store(reader.bytes_read(), Ordering::Relaxed);
                    }
                }
                pump.flush();
                progress
                    .bytes_read
                    .store(reader.bytes_read(), Ordering::Relaxed);
                let st = reader.stats();
                ReaderReport {
                    records: st.total.records,
                    malformed: st.total.malformed,
                    duplicates: pump.dedup.duplicates(),
                    ignored: BTreeMap::new(),
                    problems: reader.problems().to_vec(),
                    files: reader.files().to_vec(),
                    format: None,
                }
            })?
        }
        InputKind::File(format) => {
            let src = slips_flows::open(&path, format).map_err(usage)?;
            progress
                .total_bytes
                .store(src.total_bytes(), Ordering::Relaxed);
            let files = vec![path];
            spawn("reader", move || lines(src, files, tx, BATCH, progress))?
        }
        InputKind::Stdin(_) => {
            let Stdin { format, input } = match stdin {
                Some(s) => s,
                None => open_stdin(kind)?
                    .ok_or_else(|| anyhow::anyhow!("standard input was not opened"))?,
            };
            let src = slips_flows::open_stream("<stdin>", format, input);
            // Live: every flow goes to the engine as soon as it is read.
            spawn("reader", move || lines(src, Vec::new(), tx, 1, progress))?
        }
        InputKind::Growing => {
            let follower = follow::Follower::new(&path);
            spawn("follower", move || follower.run(tx, progress, stop))?
        }
    };
    Ok((rx, handle))
}

fn spawn<F>(name: &str, f: F) -> Result<JoinHandle<ReaderReport>>
where
    F: FnOnce() -> ReaderReport + Send + 'static,
{
    Ok(std::thread::Builder::new().name(name.into()).spawn(f)?)
}

fn lines(
    mut src: LineSource,
    files: Vec<PathBuf>,
    tx: Sender<Vec<Flow>>,
    batch: usize,
    progress: Arc<Progress>,
) -> ReaderReport {
    let mut pump = Pump::new(tx, batch, progress.clone());
    let mut n = 0u32;
    while let Some(f) = src.next_flow() {
        if !pump.push(f) {
            break;
        }
        n += 1;
        if n == 1024 {
            n = 0;
            progress
                .bytes_read
                .store(src.bytes_read(), Ordering::Relaxed);
        }
    }
    pump.flush();
    progress
        .bytes_read
        .store(src.bytes_read(), Ordering::Relaxed);
    let st = src.stats();
    ReaderReport {
        records: st.records,
        malformed: st.malformed,
        duplicates: pump.dedup.duplicates(),
        ignored: st
            .ignored
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        problems: src.problems().to_vec(),
        files,
        format: Some(src.format()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_and_growing_specs() {
        let p = |s: &str| detect(&InputSpec::Path(PathBuf::from(s))).unwrap();
        assert_eq!(p("-"), InputKind::Stdin(None));
        assert_eq!(p("zeek"), InputKind::Stdin(Some(StreamFormat::Zeek)));
        assert_eq!(
            p("suricata"),
            InputKind::Stdin(Some(StreamFormat::Suricata))
        );
        assert_eq!(p("argus"), InputKind::Stdin(Some(StreamFormat::Argus)));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            detect(&InputSpec::Growing(dir.path().to_path_buf())).unwrap(),
            InputKind::Growing
        );
        let e = detect(&InputSpec::Growing(dir.path().join("nope"))).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some());
        let missing = dir.path().join("nope.binetflow");
        let e = detect(&InputSpec::Path(missing.clone())).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: no such file or folder (to read standard input use -f zeek, -f suricata, -f argus or -f -)",
                missing.display()
            )
        );
        let f = dir.path().join("argus.csv");
        std::fs::write(
            &f,
            "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State\n",
        )
        .unwrap();
        assert_eq!(p(f.to_str().unwrap()), InputKind::File(InputFormat::Argus));
    }
}
