//! Flow sources other than Zeek log folders, mapped to the same typed records as Zeek's
//! (`slips_core::flow`), so that the engine and the detectors see one vocabulary whatever
//! the input was.
//!
//! * [`argus`]: Argus binetflow files (comma or tab separated, header-driven), headerless
//!   `ra` lines in Slips' column order, `ra`'s default text output; `Label` → ground truth.
//! * [`suricata`]: eve.json `flow`, `dns`, `http`, `tls`, `fileinfo`, `ssh` and `alert`
//!   events; other event types are counted.
//! * [`nfdump`]: nfdump files through the `nfdump` program, unidirectional records paired
//!   into connections, TCP flags interpreted.
//! * [`zeek_lines`]: Zeek TSV/JSON lines as a stream (standard input, growing files).
//! * [`detect`]: the input format from the content; [`Dedup`]: each flow analysed once;
//!   [`Reorder`]: records of inputs that are not in time order put back in start-time
//!   order, within a lateness bound.
//!
//! Every format is read by a [`LineSource`]: `next_flow()`, [`SourceStats`], problems with
//! file and line, `total_bytes`/`bytes_read`. Malformed lines are counted and reported,
//! never fatal; nothing panics on any input.
//!
//! ```no_run
//! use slips_flows::{detect_path, open, InputFormat};
//! let path = std::path::Path::new("capture.binetflow");
//! let format = detect_path(path)?;
//! let mut src = open(path, format)?;
//! while let Some(flow) = src.next_flow() {
//!     println!("{:?}", flow.record.kind());
//! }
//! eprintln!("{} records, {} malformed", src.stats().records, src.stats().malformed);
//! # Ok::<(), slips_flows::OpenError>(())
//! ```

#![forbid(unsafe_code)]

pub mod argus;
mod dedup;
pub mod detect;
mod error;
pub mod nfdump;
pub mod reorder;
mod source;
pub mod suricata;
mod text;
pub mod zeek_lines;

#[cfg(test)]
mod proptests;

pub use argus::ArgusParser;
pub use dedup::{Dedup, DEDUP_CAP};
pub use detect::{detect_bytes, detect_path, detect_stream, InputFormat, EXPECTED};
pub use error::{LineError, OpenError};
pub use nfdump::{open_nfdump, NfdumpParser};
pub use reorder::{
    Reorder, ReorderStats, DEFAULT_REORDER_WINDOW, DEFAULT_STREAM_REORDER_WINDOW, REORDER_CAP,
};
pub use slips_zeek::Problem;
pub use source::{LineParser, LineSource, Parsed, SourceStats, MAX_LINE, MAX_PROBLEMS};
pub use suricata::SuricataParser;
pub use zeek_lines::ZeekLineParser;

use slips_core::RecordKind;
use std::io::BufRead;
use std::path::Path;

/// The formats that can be read line by line from a stream (`-f zeek|suricata|argus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamFormat {
    /// Zeek lines: JSON conn.log lines (or lines naming their log with `_path`), or TSV with
    /// its headers.
    Zeek,
    /// Suricata eve.json lines.
    Suricata,
    /// Argus lines (binetflow with or without header, `ra` text output).
    Argus,
}

impl StreamFormat {
    /// `zeek`, `suricata` or `argus`.
    pub fn parse(s: &str) -> Option<StreamFormat> {
        match s.to_ascii_lowercase().as_str() {
            "zeek" => Some(StreamFormat::Zeek),
            "suricata" => Some(StreamFormat::Suricata),
            "argus" | "binetflow" => Some(StreamFormat::Argus),
            _ => None,
        }
    }

    /// The stream format of a detected input format, for the ones that are line based.
    pub fn of(f: InputFormat) -> Option<StreamFormat> {
        match f {
            InputFormat::ZeekTsv | InputFormat::ZeekJson => Some(StreamFormat::Zeek),
            InputFormat::Suricata => Some(StreamFormat::Suricata),
            InputFormat::Argus => Some(StreamFormat::Argus),
            InputFormat::ZeekFolder | InputFormat::Pcap | InputFormat::Nfdump => None,
        }
    }

    /// A new parser for this format.
    pub fn parser(self) -> Box<dyn LineParser> {
        match self {
            StreamFormat::Zeek => Box::new(ZeekLineParser::new(RecordKind::Conn)),
            StreamFormat::Suricata => Box::new(SuricataParser::new()),
            StreamFormat::Argus => Box::new(ArgusParser::new()),
        }
    }
}

/// A source over a stream (standard input): `name` is used in problems (`<stdin>`).
pub fn open_stream(name: &str, format: StreamFormat, input: Box<dyn BufRead + Send>) -> LineSource {
    LineSource::new(name, input, format.parser(), 0)
}

/// Opens a file of a line-based format (Argus, Suricata) or an nfdump file. Zeek logs and
/// folders are read by `slips_zeek::ZeekReader`; pcaps by the packet engine.
pub fn open(path: &Path, format: InputFormat) -> Result<LineSource, OpenError> {
    if format == InputFormat::Nfdump {
        return open_nfdump(path);
    }
    let Some(sf) = StreamFormat::of(format) else {
        return Err(OpenError::Unrecognised {
            path: path.to_path_buf(),
            expected: "an Argus binetflow, Suricata eve.json or nfdump file",
        });
    };
    let file = slips_zeek::compressed::LogFile::open(path, 256 << 10)
        .map_err(|e| OpenError::io(path, e))?;
    // The progress of a compressed file is unknown (its lines are counted, not its bytes).
    let size = if file.is_compressed() {
        0
    } else {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    };
    let parser: Box<dyn LineParser> = match format {
        // A single Zeek log file read as a stream: its kind comes from `#path` or the name.
        InputFormat::ZeekTsv | InputFormat::ZeekJson => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = RecordKind::from_log_name(name.split('.').next().unwrap_or(""))
                .unwrap_or(RecordKind::Conn);
            Box::new(ZeekLineParser::new(kind))
        }
        _ => sf.parser(),
    };
    Ok(LineSource::new(path, Box::new(file), parser, size))
}
