//! Errors of the packet sources.

use std::path::PathBuf;

/// Why a packet source could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is neither pcap nor pcapng.
    #[error("{path}: not a pcap or pcapng file ({reason})")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// Live capture could not start (no such interface, no permission, bad filter, ...).
    #[error("cannot capture on {iface}: {reason}")]
    Live {
        /// The interface.
        iface: String,
        /// What went wrong, with a hint.
        reason: String,
    },
    /// A BPF filter (`-F`) that libpcap does not compile.
    #[error("invalid BPF filter {expr:?}: {reason}")]
    Filter {
        /// The expression.
        expr: String,
        /// libpcap's message.
        reason: String,
    },
    /// Live capture is not compiled in.
    #[error("live capture is not available: slips-packet was built without the `live` feature")]
    LiveUnsupported,
    /// Running an external engine (Suricata) failed.
    #[error("{0}")]
    External(String),
}
