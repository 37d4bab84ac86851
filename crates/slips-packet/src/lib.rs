//! Native packet engine: pcap/pcapng files and live interfaces to slips records without Zeek.
//!
//! Packets become the same typed records the Zeek readers produce (`conn`, `dns`, `http`,
//! `ssl`, `ssh`, `dhcp`, `arp`, `smtp`, `software`, `files`, `weird`, `tunnel`), with Zeek's
//! semantics where Zeek defines them (`conn_state`, `history`, byte counts from sequence
//! numbers, inactivity timeouts driven by packet time), so every detector works the same on
//! packets and on Zeek logs.
//!
//! * [`PcapSource`]: a pcap (either byte order, micro- or nanosecond) or pcapng file as an
//!   iterator of [`slips_core::Flow`], with [`PcapSource::stats`] and
//!   [`PcapSource::problems`].
//! * [`PacketEngine`]: feed packets with their timestamps and link type, take records; used by
//!   the file and live sources alike.
//! * [`LiveSource`] (feature `live`): capture from an interface with a BPF filter until a stop
//!   flag is set.
//! * [`ZeekLogWriter`]: write records as Zeek TSV or JSON logs that `slips -f` reads back.
//! * [`run_suricata`]: the `--engine suricata` alternative.
//!
//! Bounded memory: flow table ([`EngineConfig::max_flows`], evicted flows are emitted),
//! fragments ([`frag`] caps), stream buffers ([`stream`] caps), per-protocol caps documented
//! in each module. No panics on any input; problems become weird records.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(missing_docs)]
pub mod banner;
#[cfg(feature = "live")]
mod bpf;
mod decode;
#[allow(missing_docs)]
pub mod dhcp;
#[allow(missing_docs)]
pub mod dns;
mod engine;
mod error;
pub mod frag;
#[allow(missing_docs)]
pub mod http;
#[cfg(feature = "live")]
mod live;
mod render;
mod source;
#[allow(missing_docs)]
pub mod ssh;
pub mod stream;
mod suricata;
#[allow(missing_docs)]
pub mod tls;
mod writer;
#[allow(missing_docs)]
pub mod x509;

#[cfg(feature = "live")]
pub use bpf::OfflineFilter;
pub use decode::LinkType;
pub use engine::{EngineConfig, EngineStats, PacketEngine};
pub use error::PacketError;
#[cfg(feature = "live")]
pub use live::LiveSource;
pub use render::render;
pub use source::{PcapSource, SourceStats, MAX_PROBLEMS};
pub use suricata::{run_suricata, suricata_available};
pub use writer::{LogFormat, ZeekLogWriter};
