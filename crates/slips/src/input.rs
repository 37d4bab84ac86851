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
use slips_flows::{Dedup, InputFormat, LineSource, Problem, Reorder, ReorderStats, StreamFormat};
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
    /// Live packet capture (`-i`).
    Interface,
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
            InputKind::Interface => "interface",
        }
    }

    /// Live inputs run until their end (stdin) or until interrupted (`-g`); the per-profile
    /// files are refreshed while they run.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            InputKind::Stdin(_) | InputKind::Growing | InputKind::Interface
        )
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
    /// `-i IFACE`.
    Interface(String),
}

impl InputSpec {
    /// The file or folder read; the interface name for live capture.
    pub fn path(&self) -> &Path {
        match self {
            InputSpec::Path(p) | InputSpec::Growing(p) => p,
            InputSpec::Interface(i) => Path::new(i),
        }
    }
}

/// How packet inputs are read.
#[derive(Clone, Debug, Default)]
pub struct PacketOptions {
    /// BPF filter (`-F`).
    pub bpf: Option<String>,
    /// Run Suricata on pcaps instead of the native engine (`--engine suricata`).
    pub suricata: bool,
    /// Where to write the Zeek-format logs of packet input (`<output>/zeek_files`).
    pub zeek_files: Option<PathBuf>,
    /// Write them as JSON lines instead of TSV.
    pub zeek_json: bool,
}

/// Decides what the input is: the single place that does.
pub fn detect(spec: &InputSpec) -> Result<InputKind> {
    match spec {
        InputSpec::Interface(_) => Ok(InputKind::Interface),
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
    /// The reorder stage, when the input went through one: its lateness bound (seconds;
    /// infinite for packets), its cap on waiting records and what it did.
    pub reorder: Option<(f64, usize, ReorderStats)>,
}

pub const BATCH: usize = 2048;

/// Sends flows in batches, dropping repeats; with a reorder stage, in start-time order.
pub(crate) struct Pump {
    tx: Sender<Vec<Flow>>,
    batch: Vec<Flow>,
    size: usize,
    pub(crate) dedup: Dedup,
    progress: Arc<Progress>,
    reorder: Option<Reorder>,
    /// The receiver is gone.
    closed: bool,
}

impl Pump {
    pub(crate) fn new(tx: Sender<Vec<Flow>>, size: usize, progress: Arc<Progress>) -> Pump {
        Pump {
            tx,
            batch: Vec::with_capacity(size),
            size,
            dedup: Dedup::default(),
            progress,
            reorder: None,
            closed: false,
        }
    }

    /// Puts the records through a reorder stage before they are sent.
    pub(crate) fn reordered(mut self, reorder: Option<Reorder>) -> Pump {
        self.reorder = reorder;
        self
    }

    /// What the reorder stage did, if there is one.
    pub(crate) fn reorder_report(&self) -> Option<(f64, usize, ReorderStats)> {
        self.reorder
            .as_ref()
            .map(|r| (r.window(), r.cap(), r.stats()))
    }

    /// Queues one flow; false when the receiver is gone.
    pub(crate) fn push(&mut self, f: Flow) -> bool {
        match self.reorder.take() {
            Some(mut r) => {
                r.push(f, &mut |g| self.send(g));
                self.reorder = Some(r);
            }
            None => self.send(f),
        }
        !self.closed
    }

    fn send(&mut self, f: Flow) {
        if self.closed || !self.dedup.is_new(&f) {
            return;
        }
        self.batch.push(f);
        if self.batch.len() >= self.size {
            self.flush();
        }
    }

    /// The end of the input: sends everything the reorder stage holds and what is
    /// queued; false when the receiver is gone.
    pub(crate) fn finish(&mut self) -> bool {
        if let Some(mut r) = self.reorder.take() {
            r.finish(&mut |g| self.send(g));
            self.reorder = Some(r);
        }
        self.flush()
    }

    /// Sends what is queued; false when the receiver is gone.
    pub(crate) fn flush(&mut self) -> bool {
        if self.closed {
            return false;
        }
        if self.batch.is_empty() {
            return true;
        }
        let n = self.batch.len() as u64;
        let b = std::mem::replace(&mut self.batch, Vec::with_capacity(self.size));
        self.progress.records.fetch_add(n, Ordering::Relaxed);
        if self.tx.send(b).is_err() {
            self.closed = true;
        }
        !self.closed
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

/// The reorder stage of an input (see [`slips_flows::Reorder`]): Suricata, Argus and
/// nfdump files, and Suricata or Argus lines on standard input, are put in start-time
/// order with a lateness
/// bound of `window` seconds (`None`: one day for files, two minutes for standard input;
/// files already in order go through unchanged); packets are held until
/// [`PACKET_REORDER`] records wait, whatever their lateness (a flow leaves the packet
/// engine when it ends, which can be an hour after it started). Live inputs (Zeek lines on
/// standard input, `-g`, `-i`) are analysed as they come.
pub fn reorder_for(
    kind: InputKind,
    packets: &PacketOptions,
    window: Option<f64>,
) -> Option<Reorder> {
    let cap = slips_flows::REORDER_CAP;
    match kind {
        InputKind::File(InputFormat::Pcap) if !packets.suricata => {
            Some(Reorder::new(f64::INFINITY, PACKET_REORDER))
        }
        // Zeek logs: the reader merges the files by timestamp, and analysing conn.log
        // (written as connections end) in start order changes what the DNS and beacon
        // detectors see in test9/test10; not reordered yet (see the module notes).
        InputKind::File(InputFormat::ZeekFolder | InputFormat::ZeekTsv | InputFormat::ZeekJson) => {
            None
        }
        InputKind::File(_) => Some(Reorder::new(
            window.unwrap_or(slips_flows::DEFAULT_REORDER_WINDOW),
            cap,
        )),
        InputKind::Stdin(Some(StreamFormat::Suricata | StreamFormat::Argus)) => Some(Reorder::new(
            window.unwrap_or(slips_flows::DEFAULT_STREAM_REORDER_WINDOW),
            cap,
        )),
        InputKind::Stdin(_) | InputKind::Growing | InputKind::Interface => None,
    }
}

/// An input opened and checked, nothing read yet: what can be wrong with it (a missing
/// interface, a short pcap, an empty folder) is found by [`open`], before the output folder
/// is touched.
pub enum Opened {
    /// A pcap for `--engine suricata` (Suricata runs when the reader starts).
    SuricataPcap(PathBuf),
    Pcap(slips_packet::PcapSource, PathBuf),
    #[cfg(feature = "live")]
    Live(slips_packet::LiveSource),
    Zeek(ZeekReader),
    Lines(LineSource, Vec<PathBuf>),
    Stdin(LineSource),
    Growing(follow::Follower),
}

/// Opens the input: every check that can fail is made here. `stdin` comes from
/// [`open_stdin`]; `stop` ends live capture.
pub fn open(
    spec: &InputSpec,
    kind: InputKind,
    stdin: Option<Stdin>,
    stop: Arc<AtomicBool>,
    packets: &PacketOptions,
) -> Result<Opened> {
    let path = spec.path().to_path_buf();
    Ok(match kind {
        InputKind::File(InputFormat::Pcap) if packets.suricata => {
            // Suricata reads the file later; a file that is no capture fails now.
            slips_packet::PcapSource::open(&path).map_err(usage)?;
            Opened::SuricataPcap(path)
        }
        InputKind::File(InputFormat::Pcap) => {
            let source = slips_packet::PcapSource::open(&path).map_err(usage)?;
            Opened::Pcap(with_bpf(source, packets.bpf.as_deref())?, path)
        }
        InputKind::Interface => live_source(&path.to_string_lossy(), packets.bpf.as_deref(), stop)?,
        InputKind::File(InputFormat::ZeekFolder | InputFormat::ZeekTsv | InputFormat::ZeekJson) => {
            Opened::Zeek(ZeekReader::open(&path).map_err(usage)?)
        }
        InputKind::File(format) => {
            Opened::Lines(slips_flows::open(&path, format).map_err(usage)?, vec![path])
        }
        InputKind::Stdin(_) => {
            let Stdin { format, input } = match stdin {
                Some(s) => s,
                None => open_stdin(kind)?
                    .ok_or_else(|| anyhow::anyhow!("standard input was not opened"))?,
            };
            Opened::Stdin(slips_flows::open_stream("<stdin>", format, input))
        }
        InputKind::Growing => Opened::Growing(follow::Follower::new(&path)),
    })
}

/// [`open`] then [`start`].
#[allow(clippy::too_many_arguments)]
pub fn spawn_reader(
    spec: &InputSpec,
    kind: InputKind,
    stdin: Option<Stdin>,
    progress: Arc<Progress>,
    stop: Arc<AtomicBool>,
    packets: &PacketOptions,
    reorder_window: Option<f64>,
) -> Result<(Receiver<Vec<Flow>>, JoinHandle<ReaderReport>)> {
    let opened = open(spec, kind, stdin, stop.clone(), packets)?;
    start(opened, kind, progress, stop, packets, reorder_window)
}

/// Starts the reader thread of an opened input. Records arrive in batches, in start-time
/// order when the input has a reorder stage ([`reorder_for`], lateness bound
/// `reorder_window` seconds). `stop` ends a growing folder (after a last read) when set.
pub fn start(
    opened: Opened,
    kind: InputKind,
    progress: Arc<Progress>,
    stop: Arc<AtomicBool>,
    packets: &PacketOptions,
    reorder_window: Option<f64>,
) -> Result<(Receiver<Vec<Flow>>, JoinHandle<ReaderReport>)> {
    let (tx, rx) = bounded::<Vec<Flow>>(16);
    let reorder = reorder_for(kind, packets, reorder_window);
    let handle = match opened {
        Opened::SuricataPcap(path) => {
            let dir = packets
                .zeek_files
                .as_ref()
                .and_then(|z| z.parent())
                .map(|o| o.join("suricata"))
                .unwrap_or_else(|| PathBuf::from("suricata"));
            if let Some(root) = dir.parent() {
                slips_fs::create_dir_in(root, &dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            }
            let eve =
                slips_packet::run_suricata(&path, &dir, packets.bpf.as_deref()).map_err(usage)?;
            let src = slips_flows::open(&eve, InputFormat::Suricata).map_err(usage)?;
            progress
                .total_bytes
                .store(src.total_bytes(), Ordering::Relaxed);
            // Suricata 7 logs no ARP: slips' own packet engine reads the ARP records of the
            // same pcap (not with -F, whose filter only Suricata applies).
            let arp_from = packets.bpf.is_none().then(|| path.clone());
            spawn("reader", move || {
                let (first, mut problems) = arp_from.map(|p| native_arp(&p)).unwrap_or_default();
                let extra = first.len() as u64;
                let mut report = lines(src, first, vec![eve], tx, BATCH, progress, reorder);
                report.records += extra;
                report.malformed += problems.len() as u64;
                report.problems.append(&mut problems);
                report
            })?
        }
        Opened::Pcap(src, path) => {
            let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            progress.total_bytes.store(total, Ordering::Relaxed);
            let writer = zeek_writer(packets)?;
            let files = vec![path];
            spawn("packets", move || {
                packet_records(src, writer, files, tx, BATCH, progress, total, reorder)
            })?
        }
        #[cfg(feature = "live")]
        Opened::Live(src) => {
            let writer = zeek_writer(packets)?;
            spawn("capture", move || {
                packet_records(src, writer, Vec::new(), tx, 1, progress, 0, None)
            })?
        }
        Opened::Zeek(mut reader) => {
            progress
                .total_bytes
                .store(reader.total_bytes(), Ordering::Relaxed);
            spawn("reader", move || {
                let mut pump = Pump::new(tx, BATCH, progress.clone()).reordered(reorder);
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
                pump.finish();
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
                    reorder: pump.reorder_report(),
                }
            })?
        }
        Opened::Lines(src, files) => {
            progress
                .total_bytes
                .store(src.total_bytes(), Ordering::Relaxed);
            spawn("reader", move || {
                lines(src, Vec::new(), files, tx, BATCH, progress, reorder)
            })?
        }
        // Live: every flow goes to the engine as soon as it is read.
        Opened::Stdin(src) => spawn("reader", move || {
            lines(src, Vec::new(), Vec::new(), tx, 1, progress, reorder)
        })?,
        Opened::Growing(follower) => spawn("follower", move || follower.run(tx, progress, stop))?,
    };
    Ok((rx, handle))
}

fn zeek_writer(p: &PacketOptions) -> Result<Option<slips_packet::ZeekLogWriter>> {
    Ok(match &p.zeek_files {
        Some(dir) => Some(
            slips_packet::ZeekLogWriter::new(
                // The folder is made inside the output folder, never through a link.
                slips_fs::create_dir_in(dir.parent().unwrap_or(dir), dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the Zeek log folder {}: {e}", dir.display())
                })?,
                if p.zeek_json {
                    slips_packet::LogFormat::Json
                } else {
                    slips_packet::LogFormat::Tsv
                },
            )
            .map_err(|e| {
                anyhow::anyhow!("cannot create the Zeek log folder {}: {e}", dir.display())
            })?,
        ),
        None => None,
    })
}

/// `-F` on a capture file: compiled by libpcap, run on every packet before the engine.
#[cfg(feature = "live")]
fn with_bpf(
    source: slips_packet::PcapSource,
    bpf: Option<&str>,
) -> Result<slips_packet::PcapSource> {
    Ok(match bpf.filter(|f| !f.trim().is_empty()) {
        Some(f) => source.with_filter(slips_packet::OfflineFilter::new(f).map_err(usage)?),
        None => source,
    })
}

#[cfg(not(feature = "live"))]
fn with_bpf(
    source: slips_packet::PcapSource,
    bpf: Option<&str>,
) -> Result<slips_packet::PcapSource> {
    if bpf.is_some_and(|f| !f.trim().is_empty()) {
        bail!(UsageError(
            "-F needs libpcap to compile the filter: this slips was built without the `live` \
             feature"
                .into()
        ));
    }
    Ok(source)
}

#[cfg(feature = "live")]
fn live_source(iface: &str, bpf: Option<&str>, stop: Arc<AtomicBool>) -> Result<Opened> {
    Ok(Opened::Live(
        slips_packet::LiveSource::open(iface, bpf, stop).map_err(usage)?,
    ))
}

#[cfg(not(feature = "live"))]
fn live_source(iface: &str, _bpf: Option<&str>, _stop: Arc<AtomicBool>) -> Result<Opened> {
    bail!(UsageError(format!(
        "cannot capture on {iface}: this slips was built without live capture (build with \
         the default features, which need libpcap-dev)"
    )))
}

/// Records of the packet engine come out as flows end (like Zeek's logs); the reorder
/// stage holds up to this many of them and hands them to the engine in start-time order,
/// so time windows are anchored at the first flow of the capture.
pub const PACKET_REORDER: usize = 65_536;

/// A packet source: records plus the problems it met.
pub(crate) trait PacketInput: Iterator<Item = Flow> {
    fn problems(&self) -> Vec<String>;
}

impl PacketInput for slips_packet::PcapSource {
    fn problems(&self) -> Vec<String> {
        slips_packet::PcapSource::problems(self).to_vec()
    }
}

#[cfg(feature = "live")]
impl PacketInput for slips_packet::LiveSource {
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

#[allow(clippy::too_many_arguments)]
fn packet_records<I: PacketInput>(
    mut src: I,
    mut writer: Option<slips_packet::ZeekLogWriter>,
    files: Vec<PathBuf>,
    tx: Sender<Vec<Flow>>,
    batch: usize,
    progress: Arc<Progress>,
    total_bytes: u64,
    reorder: Option<Reorder>,
) -> ReaderReport {
    // Live capture (no reorder stage): analysed at once.
    let mut pump = Pump::new(tx, batch, progress.clone()).reordered(reorder);
    let (mut records, mut write_errors) = (0u64, 0u64);
    let mut last_ts = slips_core::Timestamp::ZERO;
    for f in src.by_ref() {
        records += 1;
        if let Some(w) = writer.as_mut() {
            if w.write(&f.record).is_err() {
                write_errors += 1;
            }
        }
        last_ts = last_ts.max(f.record.ts());
        if !pump.push(f) {
            break;
        }
    }
    pump.finish();
    if total_bytes > 0 {
        progress.bytes_read.store(total_bytes, Ordering::Relaxed);
    }
    if let Some(w) = writer {
        if w.finish(last_ts).is_err() {
            write_errors += 1;
        }
    }
    if write_errors > 0 {
        tracing::warn!("{write_errors} record(s) could not be written to zeek_files/");
    }
    let file = files.first().cloned().unwrap_or_default();
    let problems: Vec<Problem> = src
        .problems()
        .into_iter()
        .map(|message| Problem {
            file: file.clone(),
            line: 0,
            message,
        })
        .collect();
    ReaderReport {
        records,
        malformed: problems.len() as u64,
        duplicates: pump.dedup.duplicates(),
        ignored: BTreeMap::new(),
        problems,
        files,
        format: Some("pcap"),
        reorder: pump.reorder_report(),
    }
}

fn spawn<F>(name: &str, f: F) -> Result<JoinHandle<ReaderReport>>
where
    F: FnOnce() -> ReaderReport + Send + 'static,
{
    Ok(std::thread::Builder::new().name(name.into()).spawn(f)?)
}

/// The ARP records of a pcap, from slips' packet engine (for `--engine suricata`), and the
/// problems it met.
fn native_arp(pcap: &Path) -> (Vec<Flow>, Vec<Problem>) {
    let problem = |message: String| Problem {
        file: pcap.to_path_buf(),
        line: 0,
        message,
    };
    match slips_packet::PcapSource::open(pcap) {
        Ok(mut src) => {
            let arp: Vec<Flow> = src
                .by_ref()
                .filter(|f| matches!(f.record, slips_core::Record::Arp(_)))
                .collect();
            tracing::info!(
                "--engine suricata: {} ARP record(s) read by slips' packet engine (Suricata logs no ARP)",
                arp.len()
            );
            let problems = PacketInput::problems(&src)
                .into_iter()
                .map(problem)
                .collect();
            (arp, problems)
        }
        Err(e) => (
            Vec::new(),
            vec![problem(format!("ARP records not read: {e}"))],
        ),
    }
}

/// Reads a line source; `first` (records from elsewhere, e.g. the native ARP records of
/// `--engine suricata`) go into the same pump, before the source's.
#[allow(clippy::too_many_arguments)]
fn lines(
    mut src: LineSource,
    first: Vec<Flow>,
    files: Vec<PathBuf>,
    tx: Sender<Vec<Flow>>,
    batch: usize,
    progress: Arc<Progress>,
    reorder: Option<Reorder>,
) -> ReaderReport {
    let mut pump = Pump::new(tx, batch, progress.clone()).reordered(reorder);
    for f in first {
        if !pump.push(f) {
            break;
        }
    }
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
    pump.finish();
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
        reorder: pump.reorder_report(),
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
