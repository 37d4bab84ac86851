//! Reading pcap and pcapng files (detected by their magic) into the engine.

use crate::decode::LinkType;
use crate::engine::{EngineConfig, EngineStats, PacketEngine};
use crate::error::PacketError;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{PcapBlockOwned, PcapError};
use slips_core::Flow;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Initial read buffer.
const BUFFER: usize = 1 << 20;
/// Largest buffer (a block larger than this means a corrupt file).
const MAX_BUFFER: usize = 64 << 20;
/// Problems kept (all are counted in `weirds`).
pub const MAX_PROBLEMS: usize = 1000;
/// Blocks read per refill of the output queue.
const BATCH: usize = 256;

/// Counters of a capture source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Packets read.
    pub packets: u64,
    /// Bytes of packets (original lengths).
    pub bytes: u64,
    /// Connection records emitted.
    pub flows: u64,
    /// Weird events (packet-level problems).
    pub weirds: u64,
    /// Flows ended early by the flow-table cap.
    pub evictions: u64,
    /// All records emitted.
    pub records: u64,
}

impl From<&EngineStats> for SourceStats {
    fn from(s: &EngineStats) -> Self {
        SourceStats {
            packets: s.packets,
            bytes: s.bytes,
            flows: s.flows,
            weirds: s.weirds,
            evictions: s.evictions,
            records: s.records,
        }
    }
}

struct Iface {
    link: LinkType,
    /// The pcap link-type number (for the BPF filter).
    dlt: u32,
    /// Units per second.
    res: u64,
    offset: i64,
}

#[cfg(feature = "live")]
type Filter = crate::bpf::OfflineFilter;
/// Without libpcap there is no filter.
#[cfg(not(feature = "live"))]
enum Filter {}

/// Whether a packet passes the `-F` filter (always, without one).
fn passes(filter: &mut Option<Filter>, dlt: u32, data: &[u8]) -> bool {
    #[cfg(feature = "live")]
    return filter.as_mut().is_none_or(|f| f.matches(dlt, data));
    #[cfg(not(feature = "live"))]
    {
        let _ = (filter, dlt, data);
        true
    }
}

/// A pcap or pcapng file as an iterator of records.
///
/// ```no_run
/// let mut src = slips_packet::PcapSource::open("capture.pcap")?;
/// for flow in src.by_ref() {
///     println!("{:?}", flow.record.kind());
/// }
/// eprintln!("{:?}", src.stats());
/// # Ok::<(), slips_packet::PacketError>(())
/// ```
pub struct PcapSource {
    path: PathBuf,
    reader: Box<dyn PcapReaderIterator + Send>,
    engine: PacketEngine,
    link: LinkType,
    nanos: bool,
    ifaces: Vec<Iface>,
    last_ts: f64,
    done: bool,
    problems: Vec<String>,
    unsupported_reported: bool,
    /// Current read buffer capacity.
    capacity: usize,
    /// The link-type number of a legacy pcap file.
    dlt: u32,
    filter: Option<Filter>,
    filter_counts: Option<(u64, u64)>,
}

impl std::fmt::Debug for PcapSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcapSource")
            .field("path", &self.path)
            .field("engine", &self.engine)
            .finish()
    }
}

impl PcapSource {
    /// Opens a pcap or pcapng file with the default engine settings.
    pub fn open(path: impl AsRef<Path>) -> Result<PcapSource, PacketError> {
        Self::open_with(path, EngineConfig::default())
    }

    /// Opens a pcap or pcapng file with the given engine settings.
    pub fn open_with(path: impl AsRef<Path>, cfg: EngineConfig) -> Result<PcapSource, PacketError> {
        let path = path.as_ref().to_path_buf();
        let f = std::fs::File::open(&path).map_err(|source| PacketError::Io {
            path: path.clone(),
            source,
        })?;
        Self::from_reader(path, f, cfg)
    }

    /// Reads a capture from any reader (e.g. a file held in memory); `name` is used in
    /// messages.
    pub fn from_reader<R: Read + Send + 'static>(
        name: impl Into<PathBuf>,
        r: R,
        cfg: EngineConfig,
    ) -> Result<PcapSource, PacketError> {
        let path = name.into();
        let reader = pcap_parser::create_reader(BUFFER, r).map_err(|e| PacketError::Format {
            path: path.clone(),
            reason: match e {
                PcapError::Eof => "empty file".to_string(),
                PcapError::Incomplete(_) => "file shorter than a header".to_string(),
                other => other.to_string(),
            },
        })?;
        Ok(PcapSource {
            path,
            reader,
            engine: PacketEngine::new(cfg),
            link: LinkType::Ethernet,
            nanos: false,
            ifaces: Vec::new(),
            last_ts: 0.0,
            done: false,
            problems: Vec::new(),
            unsupported_reported: false,
            capacity: BUFFER,
            dlt: 1,
            filter: None,
            filter_counts: None,
        })
    }

    /// Only packets that pass `filter` (`-F` on a file) reach the engine.
    #[cfg(feature = "live")]
    pub fn with_filter(mut self, filter: crate::bpf::OfflineFilter) -> PcapSource {
        self.filter = Some(filter);
        self
    }

    /// Counters so far.
    pub fn stats(&self) -> SourceStats {
        SourceStats::from(self.engine.stats())
    }

    /// The engine's full counters.
    pub fn engine_stats(&self) -> &EngineStats {
        self.engine.stats()
    }

    /// File-level problems (truncated file, corrupt blocks, unsupported link types); at most
    /// [`MAX_PROBLEMS`].
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    fn problem(&mut self, msg: String) {
        tracing::warn!(path = %self.path.display(), "{msg}");
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(msg);
        }
    }

    /// Reads up to `BATCH` blocks into the engine. At the end of the file, flushes the engine.
    fn read_batch(&mut self) {
        let mut n = 0;
        while n < BATCH && !self.done {
            let res = self.reader.next();
            match res {
                Ok((offset, block)) => {
                    n += 1;
                    let mut unsupported = None;
                    match block {
                        PcapBlockOwned::LegacyHeader(h) => {
                            self.dlt = h.network.0 as u32;
                            self.link = LinkType::from_pcap(self.dlt);
                            self.nanos = h.is_nanosecond_precision();
                            if let LinkType::Unsupported(v) = self.link {
                                unsupported = Some(v);
                            }
                        }
                        PcapBlockOwned::Legacy(b) => {
                            let frac = if self.nanos { 1e-9 } else { 1e-6 };
                            let ts = f64::from(b.ts_sec) + f64::from(b.ts_usec) * frac;
                            self.last_ts = ts;
                            if passes(&mut self.filter, self.dlt, b.data) {
                                self.engine.feed(ts, self.link, b.data, b.origlen);
                            }
                        }
                        PcapBlockOwned::NG(Block::SectionHeader(_)) => self.ifaces.clear(),
                        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                            let link = LinkType::from_pcap(idb.linktype.0 as u32);
                            if let LinkType::Unsupported(v) = link {
                                unsupported = Some(v);
                            }
                            if self.ifaces.len() < 4096 {
                                self.ifaces.push(Iface {
                                    link,
                                    dlt: idb.linktype.0 as u32,
                                    res: idb
                                        .ts_resolution()
                                        .filter(|r| *r > 0)
                                        .unwrap_or(1_000_000),
                                    offset: idb.ts_offset(),
                                });
                            }
                        }
                        PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                            let (link, dlt, ts) = match self.ifaces.get(epb.if_id as usize) {
                                Some(i) => {
                                    let raw =
                                        (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                                    let secs =
                                        (raw / i.res) as f64 + (raw % i.res) as f64 / i.res as f64;
                                    (i.link, i.dlt, secs + i.offset as f64)
                                }
                                None => (LinkType::Unsupported(u32::MAX), u32::MAX, self.last_ts),
                            };
                            self.last_ts = ts;
                            if passes(&mut self.filter, dlt, epb.packet_data()) {
                                self.engine.feed(ts, link, epb.packet_data(), epb.origlen);
                            }
                        }
                        PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                            let (link, dlt) = self
                                .ifaces
                                .first()
                                .map_or((LinkType::Ethernet, 1), |i| (i.link, i.dlt));
                            if passes(&mut self.filter, dlt, spb.packet_data()) {
                                self.engine.feed(
                                    self.last_ts,
                                    link,
                                    spb.packet_data(),
                                    spb.origlen,
                                );
                            }
                        }
                        PcapBlockOwned::NG(_) => {}
                    }
                    self.reader.consume(offset);
                    if let Some(v) = unsupported {
                        if !self.unsupported_reported {
                            self.unsupported_reported = true;
                            self.problem(format!(
                                "unsupported link type {v}: its packets are counted as weirds"
                            ));
                        }
                    }
                }
                Err(PcapError::Eof) => self.end(),
                Err(PcapError::Incomplete(_)) => {
                    if let Err(e) = self.reader.refill() {
                        let msg = format!("read error: {e}");
                        self.problem(msg);
                        self.end();
                    }
                }
                Err(PcapError::UnexpectedEof) => {
                    self.problem("file truncated: the last block is incomplete".to_string());
                    self.end();
                }
                Err(PcapError::BufferTooSmall) => {
                    let cap = self.capacity * 2;
                    if cap > MAX_BUFFER || !self.reader.grow(cap) {
                        self.problem(format!(
                            "block larger than {MAX_BUFFER} bytes: corrupt file, reading stops"
                        ));
                        self.end();
                    } else {
                        self.capacity = cap;
                        if let Err(e) = self.reader.refill() {
                            let msg = format!("read error: {e}");
                            self.problem(msg);
                            self.end();
                        }
                    }
                }
                Err(e) => {
                    let msg = format!("corrupt block, reading stops: {e}");
                    self.problem(msg);
                    self.end();
                }
            }
        }
    }

    fn end(&mut self) {
        self.done = true;
        self.engine.finish();
        #[cfg(feature = "live")]
        if let Some(f) = self.filter.take() {
            for (dlt, why) in &f.refused_links {
                self.problem(format!(
                    "BPF filter {:?} does not apply to link type {dlt} ({why}): its packets \
                     were dropped",
                    f.expr()
                ));
            }
            tracing::info!(
                "BPF filter {:?}: {} packet(s) kept, {} dropped",
                f.expr(),
                f.kept,
                f.dropped
            );
            self.filter_counts = Some((f.kept, f.dropped));
        }
    }

    /// Packets the `-F` filter kept and dropped, once the file is read.
    pub fn filter_counts(&self) -> Option<(u64, u64)> {
        self.filter_counts
    }
}

impl Iterator for PcapSource {
    type Item = Flow;

    fn next(&mut self) -> Option<Flow> {
        loop {
            if let Some(r) = self.engine.pop() {
                return Some(Flow::from(r));
            }
            if self.done {
                return None;
            }
            self.read_batch();
        }
    }
}
