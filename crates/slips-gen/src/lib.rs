//! Deterministic generator of synthetic Zeek logs for benchmarks and tests.
//!
//! [`conn::generate_conn`] writes a realistic Zeek `conn.log` (TSV with the full Zeek header,
//! or Zeek JSON lines): background traffic of many internal hosts plus mixed-in horizontal and
//! vertical port scanners and periodic C&C beacons, whose ground truth it returns in a
//! [`conn::Summary`]. The output depends only on the configuration (including the seed): the
//! same configuration always gives the same bytes.

pub mod conn;
pub mod fmt;
pub mod rng;

pub use conn::{generate_conn, ConnConfig, Format, Summary};
