//! Core types of slips.
//!
//! Everything here is plain data and pure functions: typed flow records as the readers
//! produce them, the interpretation of connection states, Stratosphere letters, evidence,
//! alerts and the detector API. Nothing in this crate does I/O or reads a clock, so every
//! type can be used from parsers, the engine, detectors and sinks alike.

pub mod bounded;
pub mod detector;
pub mod evidence;
pub mod flow;
pub mod letters;
pub mod net;
pub mod ports;
pub mod state;
pub mod summary;
pub mod text;
pub mod time;

pub use detector::{
    Detector, DetectorCtx, Direction, DynDetector, Emitter, EvidenceDraft, Filter, Hosted,
    RecordKind, RecordKinds,
};
pub use evidence::{
    Alert, BlockingEvent, Evidence, EvidenceType, Ioc, IocKind, IpNote, Method, Side, ThreatLevel,
};
pub use flow::{
    Arp, ArpOp, Conn, Dhcp, Dns, Endpoints, Files, Flow, Ftp, GroundTruth, Http, Intel, Login,
    Notice, Record, Signature, Smtp, Software, Ssh, Ssl, Tunnel, Weird, X509,
};
pub use net::{Mac, Proto};
pub use state::{ConnState, TcpFlags};
pub use time::{TimeWindow, Timestamp, WindowClock};

/// Short inline string used for every textual field (no heap for values up to 24 bytes).
pub type Str = compact_str::CompactString;
