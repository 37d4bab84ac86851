//! Driving a line parser over any byte stream: files, standard input, the output of the
//! `nfdump` program. Counting, problems with file and line, progress.

use crate::error::LineError;
use slips_core::Flow;
use slips_zeek::{read_line, LineRead, Problem};
use std::collections::{BTreeMap, VecDeque};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// At most this many problems are kept (all are counted).
pub const MAX_PROBLEMS: usize = 1000;
/// Lines longer than this are reported and skipped (protects memory on binary input).
pub const MAX_LINE: usize = 1 << 20;
/// The first problems are also logged with `tracing::warn!`; later ones only counted.
const WARN_PROBLEMS: u64 = 10;

/// What a line gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Records were produced (possibly zero now, more later: nfdump pairs records and
    /// Suricata pairs DNS queries with their answers).
    Records,
    /// A header, comment or blank line.
    Header,
    /// A valid line that is not analysed, counted under this name (e.g. a Suricata
    /// `stats` event, an Argus flow of a non-IP protocol).
    Ignored(&'static str),
}

/// A parser of one line format.
pub trait LineParser: Send {
    /// Short name of the format (`argus`, `suricata`, `nfdump`, `zeek`).
    fn format(&self) -> &'static str;
    /// Parses one line (end-of-line bytes removed), pushing any records to `out`.
    fn parse(&mut self, line: &[u8], out: &mut VecDeque<Flow>) -> Result<Parsed, LineError>;
    /// End of input: push whatever is still buffered.
    fn finish(&mut self, _out: &mut VecDeque<Flow>) {}
}

/// Counts of a source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Lines read (headers, blank and malformed lines included).
    pub lines: u64,
    /// Records produced.
    pub records: u64,
    /// Malformed lines (each one is also a [`Problem`], up to [`MAX_PROBLEMS`]).
    pub malformed: u64,
    /// Headers, comments and blank lines.
    pub headers: u64,
    /// Valid lines that are not analysed, by reason (`suricata stats event`...).
    pub ignored: BTreeMap<&'static str, u64>,
}

/// The counters and problems that every reader keeps.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) stats: SourceStats,
    pub(crate) problems: Vec<Problem>,
}

impl Tally {
    #[cold]
    pub(crate) fn problem(&mut self, file: &Path, line: u64, message: String) {
        self.stats.malformed += 1;
        let n = self.stats.malformed;
        if n <= WARN_PROBLEMS {
            tracing::warn!(file = %file.display(), line, "malformed input line: {message}");
            if n == WARN_PROBLEMS {
                tracing::warn!("further malformed lines are counted but not logged");
            }
        }
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                file: file.to_path_buf(),
                line,
                message,
            });
        }
    }
}

/// Removes `\n`, `\r\n` and a leading UTF-8 byte-order mark.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Something that is waited for when the input ends (the `nfdump` child process): returns a
/// problem to report when it failed.
pub(crate) trait Finisher: Send {
    fn finish(&mut self) -> Option<String>;
}

/// Reads lines from a byte stream and turns them into flows with a [`LineParser`].
///
/// Malformed lines never stop the reading: they are counted, kept as [`Problem`]s with the
/// file (or `<stdin>`) and line number (up to [`MAX_PROBLEMS`]) and the first few are logged.
pub struct LineSource {
    name: PathBuf,
    input: Option<Box<dyn BufRead + Send>>,
    parser: Box<dyn LineParser>,
    finisher: Option<Box<dyn Finisher>>,
    line_no: u64,
    buf: Vec<u8>,
    pending: VecDeque<Flow>,
    tally: Tally,
    consumed: u64,
    total_bytes: u64,
    /// Bytes of the input are not the file's (nfdump): report 0 until the end.
    opaque_progress: bool,
}

impl std::fmt::Debug for LineSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSource")
            .field("name", &self.name)
            .field("format", &self.parser.format())
            .field("stats", &self.tally.stats)
            .finish_non_exhaustive()
    }
}

impl LineSource {
    /// A source reading `input` (named `name` in problems: a path or `<stdin>`) with `parser`.
    /// `total_bytes` is the input's size when known (0 otherwise), for progress.
    pub fn new(
        name: impl Into<PathBuf>,
        input: Box<dyn BufRead + Send>,
        parser: Box<dyn LineParser>,
        total_bytes: u64,
    ) -> LineSource {
        LineSource {
            name: name.into(),
            input: Some(input),
            parser,
            finisher: None,
            line_no: 0,
            buf: Vec::with_capacity(4096),
            pending: VecDeque::new(),
            tally: Tally::default(),
            consumed: 0,
            total_bytes,
            opaque_progress: false,
        }
    }

    pub(crate) fn with_finisher(mut self, f: Box<dyn Finisher>, total_bytes: u64) -> Self {
        self.finisher = Some(f);
        self.opaque_progress = true;
        self.total_bytes = total_bytes;
        self
    }

    /// The next record; `None` at the end of the input.
    pub fn next_flow(&mut self) -> Option<Flow> {
        loop {
            if let Some(f) = self.pending.pop_front() {
                self.tally.stats.records += 1;
                return Some(f);
            }
            let input = self.input.as_mut()?;
            let n = match read_line(input.as_mut(), &mut self.buf, MAX_LINE) {
                Ok(LineRead::Eof) => {
                    self.end();
                    continue;
                }
                Err(e) => {
                    let msg = format!("read error, rest of the input skipped: {e}");
                    self.tally.problem(&self.name, self.line_no + 1, msg);
                    self.end();
                    continue;
                }
                Ok(LineRead::TooLong(n)) => {
                    self.consumed += n as u64;
                    self.line_no += 1;
                    self.tally.stats.lines += 1;
                    let e = LineError::TooLong(MAX_LINE);
                    self.tally.problem(&self.name, self.line_no, e.to_string());
                    continue;
                }
                Ok(LineRead::Line(n)) => n,
            };
            self.consumed += n as u64;
            self.line_no += 1;
            self.tally.stats.lines += 1;
            let mut line = trim_eol(&self.buf);
            if self.line_no == 1 {
                line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            }
            if line.trim_ascii().is_empty() {
                self.tally.stats.headers += 1;
                continue;
            }
            match self.parser.parse(line, &mut self.pending) {
                Ok(Parsed::Records) => {}
                Ok(Parsed::Header) => self.tally.stats.headers += 1,
                Ok(Parsed::Ignored(why)) => *self.tally.stats.ignored.entry(why).or_insert(0) += 1,
                Err(e) => self.tally.problem(&self.name, self.line_no, e.to_string()),
            }
        }
    }

    fn end(&mut self) {
        self.input = None;
        self.parser.finish(&mut self.pending);
        if let Some(mut f) = self.finisher.take() {
            if let Some(msg) = f.finish() {
                self.tally.problem(&self.name, 0, msg);
            }
        }
        self.opaque_progress = false;
    }

    /// Counts so far.
    pub fn stats(&self) -> &SourceStats {
        &self.tally.stats
    }
    /// The malformed lines seen so far (at most [`MAX_PROBLEMS`]; all are counted).
    pub fn problems(&self) -> &[Problem] {
        &self.tally.problems
    }
    /// Size of the input in bytes when known (0 for standard input).
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }
    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        if self.opaque_progress {
            0
        } else if self.input.is_none() && self.total_bytes > 0 {
            self.total_bytes
        } else {
            self.consumed
        }
    }
    /// The input's name (path or `<stdin>`).
    pub fn name(&self) -> &Path {
        &self.name
    }
    /// Short name of the format.
    pub fn format(&self) -> &'static str {
        self.parser.format()
    }
}

impl Iterator for LineSource {
    type Item = Flow;
    fn next(&mut self) -> Option<Flow> {
        self.next_flow()
    }
}
