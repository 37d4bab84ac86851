//! Live capture from an interface through libpcap (feature `live`).
//!
//! libpcap is used in non-blocking mode and polled. Immediate mode is not used: with it,
//! packets of a partly filled TPACKET_V3 block were never returned in our tests; the 100 ms
//! block timeout bounds the latency instead. (In blocking mode with TPACKET_V3 a read with a
//! timeout may never return when no packets arrive, hence the polling.) The capture runs
//! until the stop flag is set; then every open flow is flushed.

use crate::decode::LinkType;
use crate::engine::{EngineConfig, PacketEngine};
use crate::error::PacketError;
use crate::source::SourceStats;
use slips_core::Flow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Packets read per poll before records are handed out.
const BATCH: usize = 512;
/// Sleep between polls when no packet is waiting.
const IDLE_SLEEP: Duration = Duration::from_millis(5);
/// How long packets still in the kernel's ring are read after the stop flag is set (more
/// than the 100 ms block timeout).
const DRAIN: Duration = Duration::from_millis(300);

/// A live interface as an iterator of records. The iterator ends after the stop flag is set
/// (it then yields the records of every flow still open).
pub struct LiveSource {
    iface: String,
    cap: pcap::Capture<pcap::Active>,
    link: LinkType,
    engine: PacketEngine,
    stop: Arc<AtomicBool>,
    done: bool,
    idle_polls: u32,
}

impl std::fmt::Debug for LiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSource")
            .field("iface", &self.iface)
            .field("engine", &self.engine)
            .finish()
    }
}

fn live_error(iface: &str, e: pcap::Error) -> PacketError {
    let msg = e.to_string();
    let lower = msg.to_lowercase();
    let reason = if lower.contains("permission") || lower.contains("not permitted") {
        format!("{msg} (capturing needs root or the CAP_NET_RAW capability: sudo setcap cap_net_raw,cap_net_admin=eip $(which slips))")
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        format!("{msg} (no interface named {iface:?}; `ip link` lists them)")
    } else {
        msg
    };
    PacketError::Live {
        iface: iface.to_string(),
        reason,
    }
}

impl LiveSource {
    /// Opens `iface` (promiscuous, full packets) with an optional BPF filter (Slips' `-F`).
    /// Capture stops when `stop` becomes true.
    pub fn open(
        iface: &str,
        bpf_filter: Option<&str>,
        stop: Arc<AtomicBool>,
    ) -> Result<LiveSource, PacketError> {
        Self::open_with(iface, bpf_filter, stop, EngineConfig::default())
    }

    /// [`LiveSource::open`] with engine settings.
    pub fn open_with(
        iface: &str,
        bpf_filter: Option<&str>,
        stop: Arc<AtomicBool>,
        cfg: EngineConfig,
    ) -> Result<LiveSource, PacketError> {
        let exists = pcap::Device::list()
            .map(|l| l.iter().any(|d| d.name == iface))
            .unwrap_or(true);
        if !exists {
            return Err(PacketError::Live {
                iface: iface.to_string(),
                reason: format!("no interface named {iface:?} (`ip link` lists them)"),
            });
        }
        let cap = pcap::Capture::from_device(iface)
            .map_err(|e| live_error(iface, e))?
            .promisc(true)
            .snaplen(65_535)
            .timeout(100)
            .open()
            .map_err(|e| live_error(iface, e))?;
        let mut cap = cap.setnonblock().map_err(|e| live_error(iface, e))?;
        if let Some(f) = bpf_filter.filter(|f| !f.trim().is_empty()) {
            cap.filter(f, true).map_err(|e| PacketError::Live {
                iface: iface.to_string(),
                reason: format!("invalid BPF filter {f:?}: {e}"),
            })?;
        }
        let link = LinkType::from_pcap(cap.get_datalink().0 as u32);
        tracing::info!(iface, ?link, "live capture started");
        Ok(LiveSource {
            iface: iface.to_string(),
            cap,
            link,
            engine: PacketEngine::new(cfg),
            stop,
            done: false,
            idle_polls: 0,
        })
    }

    /// Counters so far.
    pub fn stats(&self) -> SourceStats {
        SourceStats::from(self.engine.stats())
    }

    /// Packets the kernel dropped (libpcap's statistics), when available.
    pub fn kernel_drops(&mut self) -> Option<u32> {
        self.cap.stats().ok().map(|s| s.dropped)
    }

    fn poll(&mut self) {
        let mut n = 0;
        while n < BATCH {
            match self.cap.next_packet() {
                Ok(p) => {
                    n += 1;
                    let ts = p.header.ts.tv_sec as f64 + p.header.ts.tv_usec as f64 * 1e-6;
                    self.engine.feed(ts, self.link, p.data, p.header.len);
                }
                Err(pcap::Error::TimeoutExpired) | Err(pcap::Error::NoMorePackets) => break,
                Err(e) => {
                    tracing::warn!(iface = %self.iface, "capture error: {e}");
                    break;
                }
            }
        }
        if n == 0 {
            self.idle_polls += 1;
            // Idle: let time pass so that flows time out without traffic (about every 1 s).
            if self.idle_polls.is_multiple_of(200) {
                if let Ok(d) = SystemTime::now().duration_since(UNIX_EPOCH) {
                    self.engine.advance(d.as_secs_f64());
                }
            }
            std::thread::sleep(IDLE_SLEEP);
        } else {
            self.idle_polls = 0;
        }
    }
}

impl Iterator for LiveSource {
    type Item = Flow;

    fn next(&mut self) -> Option<Flow> {
        loop {
            if let Some(r) = self.engine.pop() {
                return Some(Flow::from(r));
            }
            if self.done {
                return None;
            }
            if self.stop.load(Ordering::Relaxed) {
                // Drain what the kernel already holds (packets wait in a ring block for up to
                // the 100 ms block timeout), then flush every flow.
                let until = std::time::Instant::now() + DRAIN;
                while std::time::Instant::now() < until {
                    self.poll();
                }
                self.engine.finish();
                self.done = true;
                tracing::info!(iface = %self.iface, "live capture stopped");
                continue;
            }
            self.poll();
        }
    }
}
