//! Behavioural models of slips.
//!
//! * [`markov`] — first-order Markov chains over Stratosphere letters: models, training by
//!   maximum likelihood, the versioned JSON file format, and the matcher of Slips 0.3
//!   (prefix of the training string, −4.6 penalty, distance ratio, threshold).
//! * [`stf`] — import of the Stratosphere Testing Framework's `.stfm` model files (Python 2
//!   pickles, read by the safe [`pickle`] reader).
//! * [`training`] — letters and models from labelled flows.
//! * [`beacon`] — RITA's v5 beacon score, computed incrementally with bounded memory, plus
//!   long-connection accumulation and DNS-tunnelling (unique subdomains) scores.
//! * [`ml`] — a pure-Rust flow classifier over Slips' `flow_ml_detection` features.
//! * [`eval`] — Stratosphere's IP-per-time-window detection metric.
//! * [`export`] — `strato_letters.tsv`.
//! * [`cli_support`] — file-level entry points for the command line.
//!
//! Nothing in the detection path does I/O; reading and writing files is confined to
//! [`cli_support`] and the `load`/`save` helpers of [`markov`] and [`ml`].

#![forbid(unsafe_code)]

pub mod beacon;
pub mod cli_support;
pub mod eval;
pub mod export;
pub mod labels;
pub mod markov;
pub mod ml;
pub mod pickle;
pub mod stf;
pub mod training;

pub use markov::{Match, Matcher, Model, ModelError, ModelSet};
pub use stf::{import_stf, ImportError};
