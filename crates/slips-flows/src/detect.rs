//! Telling the input format from the content (never from the file name).

use crate::error::OpenError;
use crate::text::{ip, parse_time};
use std::io::{self, BufRead, Read};
use std::path::Path;

/// The inputs slips recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// A folder of Zeek logs.
    ZeekFolder,
    /// A Zeek log, TSV with `#` headers.
    ZeekTsv,
    /// A Zeek log, JSON lines with `ts`.
    ZeekJson,
    /// A pcap or pcapng capture.
    Pcap,
    /// An nfdump file (magic `0xA50C`).
    Nfdump,
    /// Suricata eve.json lines (JSON with `event_type`).
    Suricata,
    /// Argus flows: a binetflow with its header, headerless comma/tab separated flows, or
    /// `ra`'s default text output.
    Argus,
}

impl InputFormat {
    /// Name for messages and metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::ZeekFolder => "zeek_folder",
            InputFormat::ZeekTsv => "zeek_log_file (TSV)",
            InputFormat::ZeekJson => "zeek_log_file (JSON)",
            InputFormat::Pcap => "pcap",
            InputFormat::Nfdump => "nfdump",
            InputFormat::Suricata => "suricata",
            InputFormat::Argus => "binetflow",
        }
    }
}

/// What the detection expects, for the error message when nothing matches.
pub const EXPECTED: &str = "expected a folder of Zeek logs, a Zeek log (TSV with `#separator`/`#fields` \
headers, or JSON lines with a \"ts\" key), Suricata eve.json lines (JSON with an \"event_type\" key), \
an Argus binetflow (a header line naming StartTime and SrcAddr, or comma/tab separated flows in \
Slips' column order StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,...), ra's text output, \
an nfdump file (magic 0xA50C) or a pcap/pcapng capture";

/// How many bytes of the start of an input the detection looks at.
pub const HEAD: usize = 64 << 10;

/// Format from the first bytes: magic numbers, then the first line that is not a comment.
pub fn detect_bytes(head: &[u8]) -> Option<InputFormat> {
    if head.len() >= 4 {
        let m = [head[0], head[1], head[2], head[3]];
        const PCAP: [[u8; 4]; 5] = [
            [0xd4, 0xc3, 0xb2, 0xa1],
            [0xa1, 0xb2, 0xc3, 0xd4],
            [0x4d, 0x3c, 0xb2, 0xa1],
            [0xa1, 0xb2, 0x3c, 0x4d],
            [0x0a, 0x0d, 0x0d, 0x0a],
        ];
        if PCAP.contains(&m) {
            return Some(InputFormat::Pcap);
        }
        // nfdump LAYOUT v1 and v2 files start with the 16-bit magic 0xA50C (little endian).
        if m[0] == 0x0c && m[1] == 0xa5 {
            return Some(InputFormat::Nfdump);
        }
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    if text.starts_with("#separator")
        || text.contains("\n#fields\t")
        || text.starts_with("#fields\t")
    {
        return Some(InputFormat::ZeekTsv);
    }
    let data = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let lines: Vec<&str> = data.take(ARGUS_LINES).collect();
    // JSON: the first object line decides. Lines before it that are no object are the torn
    // tail of a cut log (a file that starts mid-line), read later as malformed lines.
    if let Some(obj) = lines.iter().find(|l| l.starts_with('{')) {
        if obj.contains("\"event_type\"") {
            return Some(InputFormat::Suricata);
        }
        if obj.contains("\"ts\"") {
            return Some(InputFormat::ZeekJson);
        }
        if lines[0].starts_with('{') {
            return None;
        }
    }
    // Argus: the first line, or one of the next few (a first record of Argus' management
    // protocol has no IP addresses).
    lines
        .iter()
        .any(|l| looks_like_argus(l))
        .then_some(InputFormat::Argus)
}

/// Data lines of a headerless Argus input looked at by the detection.
const ARGUS_LINES: usize = 8;

/// A binetflow header, a flow in Slips' fixed column order, or `ra`'s text header.
fn looks_like_argus(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    if lower.contains("starttime") && (lower.contains("srcaddr") || lower.contains("dstaddr")) {
        return true;
    }
    let delim = if line.contains('\t') {
        '\t'
    } else if line.contains(',') {
        ','
    } else {
        return false;
    };
    let f: Vec<&str> = line.split(delim).collect();
    f.len() >= 9
        && (parse_time(f[0]).is_some() || crate::text::parse_time_of_day(f[0]).is_some())
        && ip("SrcAddr", f[3]).is_ok()
        && ip("DstAddr", f[6]).is_ok()
}

/// Looks at the path and the first bytes of the file.
pub fn detect_path(path: &Path) -> Result<InputFormat, OpenError> {
    let meta = std::fs::metadata(path).map_err(|e| OpenError::io(path, e))?;
    if meta.is_dir() {
        return Ok(InputFormat::ZeekFolder);
    }
    // Compressed files are detected by their content too.
    let head = slips_zeek::compressed::head(path, HEAD).map_err(|e| OpenError::io(path, e))?;
    detect_bytes(&head).ok_or_else(|| OpenError::Unrecognised {
        path: path.to_path_buf(),
        expected: EXPECTED,
    })
}

/// Reads the start of a stream (standard input) until a line that tells the format, and
/// gives back a reader that yields the whole stream again. `Ok((None, _))` when the first
/// [`HEAD`] bytes (or the whole stream) tell nothing.
pub fn detect_stream<R: BufRead + Send + 'static>(
    mut r: R,
) -> io::Result<(Option<InputFormat>, Box<dyn BufRead + Send>)> {
    let mut head = Vec::new();
    let mut data_lines = 0;
    loop {
        let before = head.len();
        let n = r.by_ref().take(HEAD as u64).read_until(b'\n', &mut head)?;
        let found = detect_bytes(&head);
        let line = head[before..].trim_ascii();
        if !line.is_empty() && !line.starts_with(b"#") {
            data_lines += 1;
        }
        // JSON tells on its first line; headerless Argus within a few lines.
        let settled = data_lines >= ARGUS_LINES || (data_lines >= 1 && line.starts_with(b"{"));
        if n == 0 || found.is_some() || settled || head.len() >= HEAD {
            let rest = io::Cursor::new(head).chain(r);
            return Ok((found, Box::new(rest)));
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_torn_first_line_does_not_hide_the_format() {
        let eve = b"pe\":\"flow\",\"src_ip\":\"1.2.3.4\"}\n{\"timestamp\":\"2020-01-01T00:00:00Z\",\"event_type\":\"flow\"}\n";
        assert_eq!(detect_bytes(eve), Some(InputFormat::Suricata));
        let zeek = b"0.1,\"uid\":\"C1\"}\n{\"ts\":1.5,\"uid\":\"C2\"}\n";
        assert_eq!(detect_bytes(zeek), Some(InputFormat::ZeekJson));
        // An object line without either key still tells nothing.
        assert_eq!(detect_bytes(b"{\"a\":1}\n{\"ts\":1}\n"), None);
    }

    use super::*;

    #[test]
    fn detects_by_content() {
        let d = detect_bytes;
        assert_eq!(
            d(b"#separator \\x09\n#set_separator\t,\n"),
            Some(InputFormat::ZeekTsv)
        );
        assert_eq!(
            d(b"{\"ts\":1.0,\"uid\":\"C1\"}\n"),
            Some(InputFormat::ZeekJson)
        );
        assert_eq!(
            d(b"{\"timestamp\":\"2020\",\"flow_id\":1,\"event_type\":\"flow\"}"),
            Some(InputFormat::Suricata)
        );
        assert_eq!(d(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]), Some(InputFormat::Pcap));
        assert_eq!(d(&[0x0a, 0x0d, 0x0d, 0x0a, 2, 0]), Some(InputFormat::Pcap));
        assert_eq!(d(&[0x0c, 0xa5, 1, 0]), Some(InputFormat::Nfdump));
        assert_eq!(
            d(b"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State\n"),
            Some(InputFormat::Argus)
        );
        assert_eq!(
            d(b"StartTime\tDur\tProto\tSrcAddr\tSport\tDir\tDstAddr\tDport\tState\n"),
            Some(InputFormat::Argus)
        );
        assert_eq!(
            d(b"2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,\n"),
            Some(InputFormat::Argus)
        );
        assert_eq!(
            d(b"         StartTime      Flgs  Proto            SrcAddr  Sport   Dir            DstAddr  Dport  TotPkts   TotBytes State \n"),
            Some(InputFormat::Argus)
        );
        // Epoch seconds and Argus' management record first.
        assert_eq!(
            d(b"1795823018.003696,0.000569,man,0,0,,0,0,STA,,,0,0,0,0\n1520628556.520001,0.000000,ipv6-icmp,::,135,   ->,ff02::1:ff8e:c3d1,0,NNS,0,,1,86,86,1\n"),
            Some(InputFormat::Argus)
        );
        assert_eq!(d(b"hello world\n"), None);
        assert_eq!(d(b"a,b,c,d,e,f,g,h,i\n"), None);
        assert_eq!(d(b""), None);
        assert_eq!(d(b"{\"a\":1}"), None);
        assert_eq!(d(&[0x00, 0xff, 0x13, 0x37, 0x80]), None);
    }

    #[test]
    fn stream_detection_keeps_the_bytes() {
        let data =
            b"# comment\nStartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State\nx\n".to_vec();
        let (f, mut r) = detect_stream(io::Cursor::new(data.clone())).unwrap();
        assert_eq!(f, Some(InputFormat::Argus));
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        let (f, _) = detect_stream(io::Cursor::new(b"nonsense\nmore\n".to_vec())).unwrap();
        assert_eq!(f, None);
        let (f, _) = detect_stream(io::Cursor::new(Vec::new())).unwrap();
        assert_eq!(f, None);
    }

    #[test]
    fn unrecognised_file_names_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        std::fs::write(&p, "hello\n").unwrap();
        let e = detect_path(&p).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("{}: cannot recognise the format: {EXPECTED}", p.display())
        );
        let missing = dir.path().join("missing");
        assert_eq!(
            detect_path(&missing).unwrap_err().to_string(),
            format!("{}: no such file or folder", missing.display())
        );
        assert_eq!(detect_path(dir.path()).unwrap(), InputFormat::ZeekFolder);
    }
}
