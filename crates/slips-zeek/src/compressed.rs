//! Log files that may be gzip-compressed, told by their first bytes (magic `1f 8b`), not by
//! their name: a rotated `conn.log.gz`, a single `capture.gz`, or an `eve.json` someone
//! compressed are all read. Every reader of logs (Zeek, Suricata, Argus) and the format
//! detection open files through here.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::Path;

/// A `Read` that counts the bytes read from the file (the progress of compressed files).
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// A log file, decompressed as it is read when it is gzip.
pub struct LogFile(Inner);

enum Inner {
    Plain(BufReader<File>),
    Gz(BufReader<MultiGzDecoder<Counting<File>>>),
}

/// Whether the file starts with the gzip magic.
fn starts_gzip(file: &mut File) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match file.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.rewind()?;
    Ok(got == 2 && magic == [0x1f, 0x8b])
}

impl LogFile {
    /// Opens `path`, a plain or gzip file, with a read buffer of `capacity` bytes.
    pub fn open(path: &Path, capacity: usize) -> io::Result<LogFile> {
        let mut file = File::open(path)?;
        Ok(LogFile(if starts_gzip(&mut file)? {
            Inner::Gz(BufReader::with_capacity(
                capacity,
                MultiGzDecoder::new(Counting {
                    inner: file,
                    count: 0,
                }),
            ))
        } else {
            Inner::Plain(BufReader::with_capacity(capacity, file))
        }))
    }

    /// The decompressed content.
    pub fn reader(&mut self) -> &mut dyn BufRead {
        match &mut self.0 {
            Inner::Plain(r) => r,
            Inner::Gz(r) => r,
        }
    }

    /// Whether the file is gzip.
    pub fn is_compressed(&self) -> bool {
        matches!(self.0, Inner::Gz(_))
    }

    /// Compressed bytes read so far (compressed files only; 0 otherwise).
    pub fn gz_position(&self) -> u64 {
        match &self.0 {
            Inner::Plain(_) => 0,
            Inner::Gz(r) => r.get_ref().get_ref().count,
        }
    }
}

impl Read for LogFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            Inner::Plain(r) => r.read(buf),
            Inner::Gz(r) => r.read(buf),
        }
    }
}

impl BufRead for LogFile {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match &mut self.0 {
            Inner::Plain(r) => r.fill_buf(),
            Inner::Gz(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match &mut self.0 {
            Inner::Plain(r) => r.consume(n),
            Inner::Gz(r) => r.consume(n),
        }
    }
}

/// The first `n` bytes of the file's content (decompressed when it is gzip), for format
/// detection.
pub fn head(path: &Path, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    LogFile::open(path, 64 << 10)?
        .take(n as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_told_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"line one\nline two\n";
        let gz = dir.path().join("no-extension");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        let plain = dir.path().join("plain.gz");
        std::fs::write(&plain, text).unwrap();
        for p in [&gz, &plain] {
            let mut f = LogFile::open(p, 1024).unwrap();
            assert_eq!(f.is_compressed(), p == &gz);
            let mut out = String::new();
            f.read_to_string(&mut out).unwrap();
            assert_eq!(out.as_bytes(), text);
            assert_eq!(head(p, 8).unwrap(), b"line one");
        }
        let one = dir.path().join("one-byte");
        std::fs::write(&one, [0x1f]).unwrap();
        assert!(!LogFile::open(&one, 16).unwrap().is_compressed());
    }
}
