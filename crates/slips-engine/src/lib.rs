//! The analysis engine: flows in, evidence and alerts out.
//!
//! One [`Engine`] owns every piece of state: profiles (one per IP), their event-time windows,
//! the behavioural letters of each tuple, the per-window states of the detectors, the
//! score of each profile-window ([`score`]) and the evidence already reported. It is
//! single-threaded and deterministic: the same records in the same order give the same events.
//! Time is the records' own timestamps; nothing reads the wall clock.

mod engine;
mod ids;
mod recent;
mod score;
mod window;

pub use engine::{AnalysisDirection, Engine, EngineConfig, EngineStats, Event, Rejected};
