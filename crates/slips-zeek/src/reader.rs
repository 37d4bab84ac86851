//! Reading Zeek log files and folders, merged by timestamp.

use crate::compressed::LogFile as Input;
use crate::error::{LineError, OpenError, Problem};
use crate::json::parse_json_line;
use crate::tsv::{trim_eol, TsvSchema};
use crate::Format;
use slips_core::{Flow, RecordKind, Timestamp};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufRead};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// At most this many problems are kept (all are counted).
pub const MAX_PROBLEMS: usize = 1000;
/// Lines longer than this are reported and skipped (protects memory on binary input).
pub const MAX_LINE: usize = 16 << 20;
/// The first problems are also logged with `tracing::warn!`; later ones only counted.
const WARN_PROBLEMS: u64 = 10;

/// Line counts of one file or of all files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Lines read (headers, blank lines and malformed lines included).
    pub lines: u64,
    /// Records produced.
    pub records: u64,
    /// Malformed lines (each one is also a [`Problem`], up to [`MAX_PROBLEMS`]).
    pub malformed: u64,
    /// Header lines, comments, blank lines and data lines of logs that are not read (after
    /// `#close`, or in a header block whose `#path` is a kind slips does not read).
    pub skipped: u64,
    /// Lines with tabs replaced by spaces that were repaired and produced a record (also
    /// counted in `records`).
    pub repaired: u64,
}

/// Statistics of one file being read.
#[derive(Clone, Debug, PartialEq)]
pub struct FileStats {
    /// The file.
    pub path: PathBuf,
    /// The log kind (from `#path` or the file name).
    pub kind: RecordKind,
    /// TSV or JSON, once a line told.
    pub format: Option<Format>,
    /// Size of the file in bytes (compressed size for `.gz`).
    pub size: u64,
    /// Line counts.
    pub counts: Counts,
}

/// A file of a folder that is not read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why it is not read (e.g. "log kind `capture_loss` is not read").
    pub reason: String,
}

/// Statistics of a [`ZeekReader`]: totals, per file, and the files that are not read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadStats {
    /// Totals over all files.
    pub total: Counts,
    /// One entry per file being read, in the order of [`ZeekReader::files`].
    pub files: Vec<FileStats>,
    /// Files of the folder that are not read.
    pub skipped_files: Vec<SkippedFile>,
}

#[derive(Clone, Copy)]
enum Counter {
    Lines,
    Records,
    Malformed,
    Skipped,
    Repaired,
}

/// Counters and problems, shared by all sources.
struct Shared {
    stats: ReadStats,
    problems: Vec<Problem>,
}

impl Shared {
    #[inline]
    fn bump(&mut self, file: usize, c: Counter) {
        let total = &mut self.stats.total;
        let per = self.stats.files.get_mut(file).map(|f| &mut f.counts);
        for counts in std::iter::once(total).chain(per) {
            match c {
                Counter::Lines => counts.lines += 1,
                Counter::Records => counts.records += 1,
                Counter::Malformed => counts.malformed += 1,
                Counter::Skipped => counts.skipped += 1,
                Counter::Repaired => counts.repaired += 1,
            }
        }
    }

    fn set_format(&mut self, file: usize, f: Format) {
        if let Some(s) = self.stats.files.get_mut(file) {
            if s.format.is_none() {
                s.format = Some(f);
            }
        }
    }

    #[cold]
    fn problem(&mut self, file: usize, path: &Path, line: u64, message: String) {
        self.bump(file, Counter::Malformed);
        let n = self.stats.total.malformed;
        if n <= WARN_PROBLEMS {
            tracing::warn!(file = %path.display(), line, "malformed Zeek log line: {message}");
            if n == WARN_PROBLEMS {
                tracing::warn!("further malformed lines are counted but not logged");
            }
        }
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                file: path.to_path_buf(),
                line,
                message,
            });
        }
    }
}

/// Outcome of reading one line with [`read_line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRead {
    /// End of input.
    Eof,
    /// A line (in the buffer) of this many bytes consumed from the input.
    Line(usize),
    /// A line longer than [`MAX_LINE`]: consumed, not kept.
    TooLong(usize),
}

/// Reads one line into `buf` (cleared first), keeping at most `max` bytes of it: a longer
/// line is consumed and reported as [`LineRead::TooLong`], so one bad line cannot exhaust
/// memory. Shared by every line-oriented reader.
pub fn read_line(r: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    buf.clear();
    let mut consumed = 0usize;
    let mut too_long = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if consumed == 0 {
                LineRead::Eof
            } else if too_long {
                LineRead::TooLong(consumed)
            } else {
                LineRead::Line(consumed)
            });
        }
        let (n, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !too_long {
            if buf.len() + n > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&avail[..n]);
            }
        }
        r.consume(n);
        consumed += n;
        if done {
            return Ok(if too_long {
                LineRead::TooLong(consumed)
            } else {
                LineRead::Line(consumed)
            });
        }
    }
}

/// One file being read.
struct Source {
    idx: usize,
    path: PathBuf,
    size: u64,
    input: Option<Input>,
    schema: TsvSchema,
    line_no: u64,
    buf: Vec<u8>,
    /// Bytes consumed from a plain file.
    consumed: u64,
    pending: Option<Flow>,
    /// Whether the "unsupported #path block" message was logged.
    told_unsupported: bool,
}

impl Source {
    fn bytes_read(&self) -> u64 {
        match &self.input {
            None => self.size,
            Some(f) if !f.is_compressed() => self.consumed,
            Some(gz) => gz.gz_position().min(self.size),
        }
    }

    /// The next record of this file, in file order; `None` at the end.
    fn next(&mut self, sh: &mut Shared) -> Option<Flow> {
        loop {
            let input = self.input.as_mut()?;
            let read = read_line(input.reader(), &mut self.buf, MAX_LINE);
            let n = match read {
                Ok(LineRead::Eof) => {
                    self.input = None;
                    return None;
                }
                Err(e) => {
                    sh.problem(
                        self.idx,
                        &self.path,
                        self.line_no + 1,
                        format!("read error, rest of the file skipped: {e}"),
                    );
                    self.input = None;
                    return None;
                }
                Ok(LineRead::TooLong(n)) => {
                    self.consumed += n as u64;
                    self.line_no += 1;
                    sh.bump(self.idx, Counter::Lines);
                    let e = LineError::TooLong(MAX_LINE);
                    sh.problem(self.idx, &self.path, self.line_no, e.to_string());
                    continue;
                }
                Ok(LineRead::Line(n)) => n,
            };
            self.consumed += n as u64;
            self.line_no += 1;
            sh.bump(self.idx, Counter::Lines);
            let mut line = trim_eol(&self.buf);
            if self.line_no == 1 {
                line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            }
            let trimmed = line.trim_ascii_start();
            match trimmed.first() {
                None => sh.bump(self.idx, Counter::Skipped),
                Some(b'#') => {
                    let was_kind = self.schema.kind();
                    match self.schema.feed_header(trimmed) {
                        Ok(()) => {
                            sh.bump(self.idx, Counter::Skipped);
                            sh.set_format(self.idx, Format::Tsv);
                            if self.schema.kind().is_none() && was_kind.is_some() {
                                self.told_unsupported = false;
                            }
                        }
                        Err(e) => sh.problem(self.idx, &self.path, self.line_no, e.to_string()),
                    }
                }
                Some(b'{') => {
                    sh.set_format(self.idx, Format::Json);
                    let Some(kind) = self.schema.kind() else {
                        self.skip_unsupported(sh);
                        continue;
                    };
                    match parse_json_line(kind, trimmed) {
                        Ok(flow) => {
                            sh.bump(self.idx, Counter::Records);
                            return Some(flow);
                        }
                        Err(e) => sh.problem(self.idx, &self.path, self.line_no, e.to_string()),
                    }
                }
                Some(_) => {
                    if self.schema.is_closed() {
                        sh.bump(self.idx, Counter::Skipped);
                        continue;
                    }
                    if !self.schema.has_fields() {
                        let e = if memchr::memchr(b'\t', line).is_some() {
                            LineError::NoSchema
                        } else {
                            LineError::UnknownFormat
                        };
                        sh.problem(self.idx, &self.path, self.line_no, e.to_string());
                        continue;
                    }
                    if self.schema.kind().is_none() {
                        self.skip_unsupported(sh);
                        continue;
                    }
                    sh.set_format(self.idx, Format::Tsv);
                    match self.schema.parse_line_ext(line) {
                        Ok((flow, repaired)) => {
                            sh.bump(self.idx, Counter::Records);
                            if repaired {
                                sh.bump(self.idx, Counter::Repaired);
                                if sh.stats.total.repaired <= WARN_PROBLEMS {
                                    tracing::warn!(
                                        file = %self.path.display(),
                                        line = self.line_no,
                                        "repaired a Zeek TSV line with spaces instead of tabs"
                                    );
                                }
                            }
                            return Some(flow);
                        }
                        Err(e) => sh.problem(self.idx, &self.path, self.line_no, e.to_string()),
                    }
                }
            }
        }
    }

    /// A data line of a header block whose `#path` is a kind slips does not read.
    fn skip_unsupported(&mut self, sh: &mut Shared) {
        sh.bump(self.idx, Counter::Skipped);
        if !self.told_unsupported {
            self.told_unsupported = true;
            tracing::info!(
                file = %self.path.display(),
                line = self.line_no,
                path = self.schema.path().unwrap_or(""),
                "skipping lines of a Zeek log kind that is not read"
            );
        }
    }
}

/// Reader of one Zeek log file or a folder of them (TSV or JSON, optionally `.gz`),
/// producing [`Flow`]s in timestamp order across files.
///
/// Malformed lines never stop the reading: they are counted, kept as [`Problem`]s (up to
/// [`MAX_PROBLEMS`]) and logged (the first few). Within one file records come in the order
/// they are written; across files a k-way merge always yields the pending record with the
/// smallest timestamp (ties: the file first in name order).
pub struct ZeekReader {
    files: Vec<PathBuf>,
    sources: Vec<Source>,
    heap: BinaryHeap<Reverse<(Timestamp, usize)>>,
    primed: bool,
    shared: Shared,
    total_bytes: u64,
}

impl std::fmt::Debug for ZeekReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZeekReader")
            .field("files", &self.files)
            .field("stats", &self.shared.stats)
            .finish_non_exhaustive()
    }
}

/// The log kind of a file name: its base name with all extensions stripped
/// (`conn.log`, `conn.log.labeled`, `conn.00:00:00-01:00:00.log.gz` → `conn`).
fn name_kind(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// Whether a file name looks like a Zeek log (`*.log`, `*.log.labeled`, optionally `.gz`).
fn is_log_name(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.ends_with(".log") || name.ends_with(".log.labeled")
}

/// The `#path` of a TSV log, from its first header lines.
fn peek_path(path: &Path) -> io::Result<Option<String>> {
    let mut input = Input::open(path, 64 << 10)?;
    let mut buf = Vec::new();
    for _ in 0..32 {
        match read_line(input.reader(), &mut buf, 64 << 10)? {
            LineRead::Eof => break,
            LineRead::TooLong(_) => break,
            LineRead::Line(_) => {}
        }
        let line = trim_eol(&buf);
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let line = line.trim_ascii_start();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(b"#") {
            break;
        }
        if let Some(rest) = line.strip_prefix(b"#path") {
            let v = String::from_utf8_lossy(rest);
            let v = v.trim();
            if !v.is_empty() {
                return Ok(Some(v.to_owned()));
            }
        }
    }
    Ok(None)
}

/// The kind of a log file, or why it is not read.
fn classify(path: &Path) -> Result<Result<RecordKind, String>, io::Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let by_name = name_kind(&name);
    let kind_name = match peek_path(path)? {
        Some(p) => p,
        None => by_name.to_owned(),
    };
    Ok(match RecordKind::from_log_name(&kind_name) {
        Some(k) => Ok(k),
        None => Err(format!("log kind `{kind_name}` is not read")),
    })
}

fn io_err(path: &Path, e: io::Error) -> OpenError {
    if e.kind() == io::ErrorKind::NotFound {
        OpenError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        OpenError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

impl ZeekReader {
    /// Opens one Zeek log file or a folder of them.
    ///
    /// A folder: every `*.log` / `*.log.labeled` file (optionally `.gz`) whose kind (from
    /// `#path`, else the file name) slips reads, in name order; other files are skipped with
    /// one `info` message each and listed in [`ReadStats::skipped_files`]. A single file of
    /// a kind that is not read, a folder without any log and a missing path are errors.
    pub fn open(path: &Path) -> Result<ZeekReader, OpenError> {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        let mut chosen: Vec<(PathBuf, RecordKind, u64)> = Vec::new();
        let mut skipped_files = Vec::new();
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| io_err(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for p in entries {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.starts_with('.') {
                    continue;
                }
                let m = std::fs::metadata(&p);
                let not_a_file = match &m {
                    Ok(m) if m.is_file() => None,
                    Ok(m) if m.is_dir() => Some("a folder"),
                    Ok(m) if m.file_type().is_fifo() => Some("a FIFO (named pipe), not a file"),
                    Ok(m) if m.file_type().is_char_device() || m.file_type().is_block_device() => {
                        Some("a device, not a file")
                    }
                    Ok(_) => Some("not a regular file"),
                    Err(_) if p.is_symlink() => {
                        Some("a symbolic link to nothing (dangling or looping)")
                    }
                    Err(_) => Some("cannot be read"),
                };
                if let Some(reason) = not_a_file {
                    // Only what looks like a log deserves a word (subfolders are common).
                    if is_log_name(&name) {
                        tracing::warn!(file = %p.display(), "skipping Zeek log: {reason}");
                        skipped_files.push(SkippedFile {
                            path: p,
                            reason: reason.into(),
                        });
                    }
                    continue;
                }
                let Ok(m) = m else { continue };
                if !is_log_name(&name) {
                    tracing::debug!(file = %p.display(), "not a Zeek log file name, skipped");
                    skipped_files.push(SkippedFile {
                        path: p,
                        reason: "not a Zeek log file name (*.log, *.log.labeled)".into(),
                    });
                    continue;
                }
                match classify(&p) {
                    Ok(Ok(kind)) => chosen.push((p, kind, m.len())),
                    Ok(Err(reason)) => {
                        tracing::info!(file = %p.display(), "skipping Zeek log: {reason}");
                        skipped_files.push(SkippedFile { path: p, reason });
                    }
                    Err(e) => {
                        let reason = format!("cannot be read: {e}");
                        tracing::warn!(file = %p.display(), "skipping Zeek log: {reason}");
                        skipped_files.push(SkippedFile { path: p, reason });
                    }
                }
            }
            if chosen.is_empty() {
                return Err(OpenError::NoLogs {
                    path: path.to_path_buf(),
                });
            }
        } else {
            match classify(path).map_err(|e| io_err(path, e))? {
                Ok(kind) => chosen.push((path.to_path_buf(), kind, meta.len())),
                Err(reason) => {
                    return Err(OpenError::Unsupported {
                        path: path.to_path_buf(),
                        reason: format!(
                            "{reason}; the kind comes from the `#path` header or the file name"
                        ),
                    })
                }
            }
        }

        // Large buffers, but bounded in total when a folder has many files.
        let capacity = ((64usize << 20) / chosen.len()).clamp(64 << 10, 1 << 20);
        let mut sources = Vec::with_capacity(chosen.len());
        let mut stats = ReadStats {
            skipped_files,
            ..ReadStats::default()
        };
        for (idx, (p, kind, size)) in chosen.into_iter().enumerate() {
            let input = Input::open(&p, capacity).map_err(|e| io_err(&p, e))?;
            stats.files.push(FileStats {
                path: p.clone(),
                kind,
                format: None,
                size,
                counts: Counts::default(),
            });
            sources.push(Source {
                idx,
                path: p,
                size,
                input: Some(input),
                schema: TsvSchema::with_kind(kind),
                line_no: 0,
                buf: Vec::with_capacity(4096),
                consumed: 0,
                pending: None,
                told_unsupported: false,
            });
        }
        let total_bytes = sources.iter().map(|s| s.size).sum();
        Ok(ZeekReader {
            files: sources.iter().map(|s| s.path.clone()).collect(),
            heap: BinaryHeap::with_capacity(sources.len()),
            sources,
            primed: false,
            shared: Shared {
                stats,
                problems: Vec::new(),
            },
            total_bytes,
        })
    }

    /// Next record in timestamp order (k-way merge across files); `None` at the end.
    pub fn next_flow(&mut self) -> Option<Flow> {
        if let [only] = self.sources.as_mut_slice() {
            return only.next(&mut self.shared);
        }
        if !self.primed {
            self.primed = true;
            for (i, s) in self.sources.iter_mut().enumerate() {
                if let Some(f) = s.next(&mut self.shared) {
                    self.heap.push(Reverse((f.record.ts(), i)));
                    s.pending = Some(f);
                }
            }
        }
        loop {
            let Reverse((_, i)) = self.heap.pop()?;
            let Some(s) = self.sources.get_mut(i) else {
                continue;
            };
            let flow = s.pending.take();
            if let Some(next) = s.next(&mut self.shared) {
                self.heap.push(Reverse((next.record.ts(), i)));
                s.pending = Some(next);
            }
            if flow.is_some() {
                return flow;
            }
        }
    }

    /// Line counts, totals and per file, and the files of the folder that are not read.
    pub fn stats(&self) -> &ReadStats {
        &self.shared.stats
    }

    /// The malformed lines seen so far (at most [`MAX_PROBLEMS`]; all are counted in
    /// [`ReadStats::total`]).
    pub fn problems(&self) -> &[Problem] {
        &self.shared.problems
    }

    /// Sum of the sizes of the files being read, for a progress bar.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Bytes consumed so far (compressed bytes for `.gz`); equals [`ZeekReader::total_bytes`]
    /// at the end.
    pub fn bytes_read(&self) -> u64 {
        self.sources.iter().map(Source::bytes_read).sum()
    }

    /// The files being read, in name order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

impl Iterator for ZeekReader {
    type Item = Flow;

    fn next(&mut self) -> Option<Flow> {
        self.next_flow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names() {
        assert_eq!(name_kind("conn.log"), "conn");
        assert_eq!(name_kind("conn.log.labeled"), "conn");
        assert_eq!(name_kind("conn.00:00:00-01:00:00.log"), "conn");
        assert_eq!(name_kind("conn.00:00:00-01:00:00.log.gz"), "conn");
        assert!(is_log_name("conn.log"));
        assert!(is_log_name("conn.log.labeled"));
        assert!(is_log_name("conn.04:00:00-05:00:00.log.gz"));
        assert!(!is_log_name("conn.txt"));
        assert!(!is_log_name("README.md"));
    }

    #[test]
    fn bounded_line_reader() {
        let data = b"short\nthis line is too long\nok\nlast";
        let mut r = io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            match read_line(&mut r, &mut buf, 10).unwrap() {
                LineRead::Eof => break,
                LineRead::Line(n) => out.push((n, String::from_utf8(buf.clone()).unwrap())),
                LineRead::TooLong(n) => out.push((n, "<too long>".into())),
            }
        }
        assert_eq!(
            out,
            vec![
                (6, "short\n".to_owned()),
                (22, "<too long>".to_owned()),
                (3, "ok\n".to_owned()),
                (4, "last".to_owned()),
            ]
        );
    }
}
