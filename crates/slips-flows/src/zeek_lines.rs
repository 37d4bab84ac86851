//! Zeek log lines as a stream (standard input, a file that is still growing): the line
//! parsers of `slips-zeek` behind the [`LineParser`] interface.
//!
//! TSV lines follow their `#fields` header (the `#path` header tells the log kind); JSON
//! lines are of the kind given when the parser is made (conn for standard input, as
//! Slips' `-f zeek` reads conn.log JSON lines), or of the kind named by a `_path` key when
//! the line has one.

use crate::error::LineError;
use crate::source::{LineParser, Parsed};
use slips_core::{Flow, RecordKind};
use slips_zeek::TsvSchema;
use std::collections::VecDeque;

/// Counted name of lines of Zeek logs that slips does not read.
pub const IGNORED_KIND: &str = "zeek lines of log kinds that are not read";

/// Streaming parser of Zeek TSV and JSON lines.
#[derive(Debug)]
pub struct ZeekLineParser {
    schema: TsvSchema,
    kind: RecordKind,
}

impl ZeekLineParser {
    /// Lines of `kind` (a `#path` header overrides it for TSV).
    pub fn new(kind: RecordKind) -> ZeekLineParser {
        ZeekLineParser {
            schema: TsvSchema::with_kind(kind),
            kind,
        }
    }
}

/// The value of a top-level `"_path":"..."` key, without parsing the whole line.
fn json_path(line: &[u8]) -> Option<&str> {
    let i = memchr::memmem::find(line, b"\"_path\"")?;
    let rest = &line[i + 7..];
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', rest)?;
    std::str::from_utf8(&rest[..end]).ok()
}

impl LineParser for ZeekLineParser {
    fn format(&self) -> &'static str {
        "zeek"
    }

    fn parse(&mut self, line: &[u8], out: &mut VecDeque<Flow>) -> Result<Parsed, LineError> {
        let t = line.trim_ascii_start();
        match t.first() {
            Some(b'#') => {
                self.schema.feed_header(t)?;
                Ok(Parsed::Header)
            }
            Some(b'{') => {
                let kind = match json_path(t) {
                    Some(p) => match RecordKind::from_log_name(p) {
                        Some(k) => k,
                        None => return Ok(Parsed::Ignored(IGNORED_KIND)),
                    },
                    None => self.kind,
                };
                out.push_back(slips_zeek::parse_json_line(kind, t)?);
                Ok(Parsed::Records)
            }
            _ => {
                if std::str::from_utf8(line).is_err() {
                    return Err(LineError::Utf8);
                }
                if self.schema.is_closed() {
                    return Ok(Parsed::Header);
                }
                if self.schema.has_fields() && self.schema.kind().is_none() {
                    return Ok(Parsed::Ignored(IGNORED_KIND));
                }
                if !self.schema.has_fields() {
                    return Err(LineError::Zeek(slips_zeek::LineError::NoSchema));
                }
                out.push_back(self.schema.parse_line(line)?);
                Ok(Parsed::Records)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::Record;

    #[test]
    fn json_conn_lines_and_path_key() {
        let mut p = ZeekLineParser::new(RecordKind::Conn);
        let mut out = VecDeque::new();
        let conn = br#"{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp","conn_state":"S0"}"#;
        assert_eq!(p.parse(conn, &mut out), Ok(Parsed::Records));
        let dns = br#"{"_path":"dns","ts":2.0,"uid":"C2","query":"example.com"}"#;
        assert_eq!(p.parse(dns, &mut out), Ok(Parsed::Records));
        let other = br#"{"_path":"capture_loss","ts":2.0}"#;
        assert_eq!(p.parse(other, &mut out), Ok(Parsed::Ignored(IGNORED_KIND)));
        assert!(matches!(out[0].record, Record::Conn(_)));
        let Record::Dns(d) = &out[1].record else {
            panic!("{:?}", out[1])
        };
        assert_eq!(d.query.as_deref(), Some("example.com"));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn tsv_lines_need_their_header() {
        let mut p = ZeekLineParser::new(RecordKind::Conn);
        let mut out = VecDeque::new();
        assert_eq!(
            p.parse(b"1.0\tC1\t10.0.0.1", &mut out),
            Err(LineError::Zeek(slips_zeek::LineError::NoSchema))
        );
        assert_eq!(p.parse(b"#path\tconn", &mut out), Ok(Parsed::Header));
        assert_eq!(
            p.parse(b"#fields\tts\tuid\tid.orig_h", &mut out),
            Ok(Parsed::Header)
        );
        assert_eq!(p.parse(b"1.0\tC1\t10.0.0.1", &mut out), Ok(Parsed::Records));
        assert_eq!(p.parse(b"\xff\xfe", &mut out), Err(LineError::Utf8));
        assert_eq!(out.len(), 1);
    }
}
