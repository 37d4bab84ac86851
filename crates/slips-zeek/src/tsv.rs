//! Zeek TSV ("ASCII") logs: the header block and the parsing of data lines.

use crate::error::LineError;
use crate::kinds::{with_kind, FieldSet, Kind, LabelCol, Labels};
use crate::value::{parse_f64, parse_u64, Markers, Tv};
use slips_core::{Flow, RecordKind};
use std::net::IpAddr;

/// What a column is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// A field the records do not keep.
    Skip,
    /// A ground-truth column.
    Label(LabelCol),
    /// Index of the field in the kind's field enum.
    Field(u8),
}

/// The base type of a column, from `#types` (used to repair damaged lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    Text,
    Enum,
    Addr,
    Subnet,
    Port,
    Count,
    Int,
    Double,
    Bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ColType {
    base: Base,
    container: bool,
}

impl ColType {
    pub(crate) const TEXT: ColType = ColType {
        base: Base::Text,
        container: false,
    };

    fn parse(t: &str) -> ColType {
        let (inner, container) = match t.find('[') {
            Some(i) if t.ends_with(']') => (&t[i + 1..t.len() - 1], true),
            _ => (t, false),
        };
        let base = match inner {
            "enum" => Base::Enum,
            "addr" => Base::Addr,
            "subnet" => Base::Subnet,
            "port" => Base::Port,
            "count" => Base::Count,
            "int" => Base::Int,
            "double" | "time" | "interval" => Base::Double,
            "bool" => Base::Bool,
            _ => Base::Text,
        };
        ColType { base, container }
    }

    /// Values of every type but text never contain spaces.
    fn space_free(self) -> bool {
        self.base != Base::Text
    }

    fn accepts(self, v: &str, m: &Markers) -> bool {
        if v == m.unset {
            return true;
        }
        if v == m.empty {
            return self.base == Base::Text || self.container;
        }
        if self.container {
            return v.split(char::from(m.set_sep)).all(|e| self.accepts_one(e));
        }
        self.accepts_one(v)
    }

    fn accepts_one(self, v: &str) -> bool {
        match self.base {
            Base::Text => true,
            Base::Enum => !v.is_empty() && !v.bytes().any(|b| b.is_ascii_whitespace()),
            Base::Addr => v.parse::<IpAddr>().is_ok(),
            Base::Subnet => v.split_once('/').is_some_and(|(ip, len)| {
                ip.parse::<IpAddr>().is_ok() && parse_u64(len.as_bytes()).is_some()
            }),
            Base::Port => parse_u64(v.as_bytes()).is_some_and(|p| p <= 65535),
            Base::Count => parse_u64(v.as_bytes()).is_some(),
            Base::Int => v.parse::<i64>().is_ok(),
            Base::Double => parse_f64(v).is_some(),
            Base::Bool => matches!(v, "T" | "F"),
        }
    }
}

/// The header of a Zeek TSV log (`#separator`, `#set_separator`, `#empty_field`,
/// `#unset_field`, `#path`, `#fields`, `#types`, `#close`), built by feeding it the header
/// lines, and the parser of the data lines that follow.
///
/// A `#separator` line starts a new header block (as in concatenated or rotated logs) and
/// resets everything but the default kind; a later `#fields` line re-defines the columns.
#[derive(Clone, Debug)]
pub struct TsvSchema {
    sep: u8,
    markers: Markers,
    path: Option<String>,
    default_kind: Option<RecordKind>,
    kind: Option<RecordKind>,
    names: Vec<String>,
    types: Vec<ColType>,
    slots: Vec<Slot>,
    has_fields: bool,
    closed: bool,
}

impl Default for TsvSchema {
    fn default() -> Self {
        TsvSchema::new()
    }
}

/// Removes a trailing `\n` / `\r\n`.
pub(crate) fn trim_eol(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}

/// Decodes the `\xHH` escapes of a header value (e.g. `#separator \x09`).
fn decode_header_value(v: &str) -> Vec<u8> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let (Some(h), Some(l)) = (
                b.get(i + 2).and_then(|c| char::from(*c).to_digit(16)),
                b.get(i + 3).and_then(|c| char::from(*c).to_digit(16)),
            ) {
                // Both digits are below 16.
                out.push((h * 16 + l) as u8);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

impl TsvSchema {
    /// An empty schema with Zeek's default markers (tab, `,`, `(empty)`, `-`) and no columns.
    pub fn new() -> Self {
        TsvSchema {
            sep: b'\t',
            markers: Markers::default(),
            path: None,
            default_kind: None,
            kind: None,
            names: Vec::new(),
            types: Vec::new(),
            slots: Vec::new(),
            has_fields: false,
            closed: false,
        }
    }

    /// A schema whose log kind is `kind` unless a `#path` header says otherwise (for logs
    /// whose kind is known from the file name).
    pub fn with_kind(kind: RecordKind) -> Self {
        let mut s = TsvSchema::new();
        s.default_kind = Some(kind);
        s.resolve();
        s
    }

    /// Feeds one header line (starting with `#`, possibly after whitespace). Unknown
    /// directives and comments are accepted and ignored.
    pub fn feed_header(&mut self, line: &[u8]) -> Result<(), LineError> {
        let line = trim_eol(line).trim_ascii_start();
        let s = std::str::from_utf8(line).map_err(|_| LineError::Utf8)?;
        if !s.starts_with('#') {
            return Err(LineError::Header("does not start with `#`".into()));
        }
        let sep = char::from(self.sep);
        let end = s.find([sep, ' ', '\t']).unwrap_or(s.len());
        let directive = &s[..end];
        // The value starts after one separator character.
        let value = s.get(end + 1..).unwrap_or("");
        match directive {
            "#separator" => {
                let v = decode_header_value(value.trim_matches(' '));
                let [sep] = v[..] else {
                    return Err(LineError::Header(format!(
                        "unsupported separator `{value}` (one byte expected)"
                    )));
                };
                if sep == b'\n' || sep == b'\r' || sep == b'#' {
                    return Err(LineError::Header(format!(
                        "unsupported separator `{value}`"
                    )));
                }
                let default_kind = self.default_kind;
                *self = TsvSchema::new();
                self.sep = sep;
                self.default_kind = default_kind;
                self.resolve();
            }
            "#set_separator" => {
                let v = decode_header_value(value);
                let [c] = v[..] else {
                    return Err(LineError::Header(format!(
                        "unsupported set separator `{value}` (one byte expected)"
                    )));
                };
                self.markers.set_sep = c;
            }
            "#empty_field" => self.markers.empty = value.to_owned(),
            "#unset_field" => self.markers.unset = value.to_owned(),
            "#path" => {
                self.path = Some(value.trim().to_owned());
                self.resolve();
            }
            "#fields" => {
                self.names = self.split_header(value);
                self.has_fields = true;
                self.closed = false;
                self.resolve();
            }
            "#types" => {
                self.types = self
                    .split_header(value)
                    .iter()
                    .map(|t| ColType::parse(t))
                    .collect();
            }
            "#close" => self.closed = true,
            "#open" => self.closed = false,
            _ => {}
        }
        Ok(())
    }

    /// Splits a `#fields` / `#types` value by the separator, then by runs of whitespace
    /// (netflowlabeler appends `label` columns separated by spaces).
    fn split_header(&self, value: &str) -> Vec<String> {
        value
            .split(char::from(self.sep))
            .flat_map(|p| p.split_ascii_whitespace())
            .map(str::to_owned)
            .collect()
    }

    /// Recomputes the kind and the column slots.
    fn resolve(&mut self) {
        self.kind = match &self.path {
            Some(p) => RecordKind::from_log_name(p),
            None => self.default_kind,
        };
        let kind = self.kind;
        self.slots = self
            .names
            .iter()
            .map(|n| {
                if let Some(l) = LabelCol::lookup(n) {
                    return Slot::Label(l);
                }
                let Some(kind) = kind else {
                    return Slot::Skip;
                };
                with_kind!(kind, K => <K as Kind>::F::lookup(n)
                    .map_or(Slot::Skip, |f| Slot::Field(f.index())))
            })
            .collect();
    }

    /// The record kind of the data lines: from `#path`, else the kind given to
    /// [`TsvSchema::with_kind`]. `None` when unknown or when `#path` names a log kind slips
    /// does not read.
    pub fn kind(&self) -> Option<RecordKind> {
        self.kind
    }

    /// The `#path` of the current header block, if any.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The column names of `#fields` (label columns included).
    pub fn fields(&self) -> &[String] {
        &self.names
    }

    /// Whether a `#fields` header has been seen.
    pub fn has_fields(&self) -> bool {
        self.has_fields
    }

    /// Whether `#close` ended the current header block (data lines after it, up to the next
    /// header block, are not part of the log).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Parses one data line into a flow of [`TsvSchema::kind`].
    pub fn parse_line(&self, line: &[u8]) -> Result<Flow, LineError> {
        self.parse_line_ext(line).map(|(f, _)| f)
    }

    /// Like [`TsvSchema::parse_line`], also telling whether the line had to be repaired
    /// (tabs replaced by spaces, see `repair`).
    pub(crate) fn parse_line_ext(&self, line: &[u8]) -> Result<(Flow, bool), LineError> {
        let line = trim_eol(line);
        let s = std::str::from_utf8(line).map_err(|_| LineError::Utf8)?;
        if !self.has_fields {
            return Err(LineError::NoSchema);
        }
        let kind = self.kind.ok_or(LineError::UnknownKind)?;
        with_kind!(kind, K => self.parse_kind::<K>(s))
    }

    #[inline]
    fn apply<K: Kind>(
        &self,
        b: &mut K::B,
        labels: &mut Labels,
        col: usize,
        raw: &str,
    ) -> Result<(), LineError> {
        let v = Tv {
            raw,
            m: &self.markers,
        };
        match self.slots.get(col) {
            Some(Slot::Field(i)) => {
                if let Some(f) = K::F::from_index(*i) {
                    K::set(b, f, &v).map_err(|e| LineError::field(f.name(), raw, e))?;
                }
            }
            Some(Slot::Label(c)) => labels
                .set(*c, &v)
                .map_err(|e| LineError::field("label", raw, e))?,
            Some(Slot::Skip) | None => {}
        }
        Ok(())
    }

    /// The fast path: one pass over the line, no allocation but the record's own.
    fn parse_kind<K: Kind>(&self, line: &str) -> Result<(Flow, bool), LineError> {
        let bytes = line.as_bytes();
        let ncols = self.slots.len();
        let mut b = K::B::default();
        let mut labels = Labels::default();
        let mut col = 0usize;
        let mut start = 0usize;
        loop {
            let end = memchr::memchr(self.sep, &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let last = end == bytes.len();
            if col >= ncols {
                return self.slow_path::<K>(line, None);
            }
            let raw = &line[start..end];
            if last && col + 1 < ncols && raw.bytes().any(|c| c == b' ') {
                // netflowlabeler: the label columns follow the last tab, separated by spaces.
                for part in raw.split_ascii_whitespace() {
                    if col >= ncols {
                        return self.slow_path::<K>(line, None);
                    }
                    if let Err(e) = self.apply::<K>(&mut b, &mut labels, col, part) {
                        return self.slow_path::<K>(line, Some(e));
                    }
                    col += 1;
                }
            } else {
                if let Err(e) = self.apply::<K>(&mut b, &mut labels, col, raw) {
                    return self.slow_path::<K>(line, Some(e));
                }
                col += 1;
            }
            if last {
                break;
            }
            start = end + 1;
        }
        if col != ncols {
            return self.slow_path::<K>(line, None);
        }
        let record = K::finish(b)?;
        Ok((
            Flow {
                record,
                label: labels.into_truth(),
            },
            false,
        ))
    }

    /// A line whose columns do not match the header, or with a bad value: tries the
    /// whitespace-tail form and the repair of tabs replaced by spaces, else reports the error.
    #[cold]
    fn slow_path<K: Kind>(
        &self,
        line: &str,
        field_err: Option<LineError>,
    ) -> Result<(Flow, bool), LineError> {
        let ncols = self.slots.len();
        let fields: Vec<&str> = line.split(char::from(self.sep)).collect();
        let count_err = LineError::ColumnCount {
            expected: ncols,
            found: fields.len(),
        };
        if fields.len() == ncols {
            return Err(field_err.unwrap_or(count_err));
        }
        if fields.len() > ncols || self.types.is_empty() {
            return Err(count_err);
        }
        // Columns without a type (e.g. label columns added to the header only) are text.
        let types: Vec<ColType> = (0..ncols)
            .map(|i| self.types.get(i).copied().unwrap_or(ColType::TEXT))
            .collect();
        match repair(&types, &fields, &self.markers) {
            Some(values) => {
                let mut b = K::B::default();
                let mut labels = Labels::default();
                for (col, raw) in values.iter().enumerate() {
                    self.apply::<K>(&mut b, &mut labels, col, raw)?;
                }
                let record = K::finish(b)?;
                Ok((
                    Flow {
                        record,
                        label: labels.into_truth(),
                    },
                    true,
                ))
            }
            None => Err(count_err),
        }
    }
}

/// Repairs a line that has fewer columns than its header because some tabs were replaced by
/// spaces (hand-edited logs, such as Slips' own test10 notice.log): a value of a type that
/// never contains spaces (address, port, number, enum, bool) but does contain one is split
/// at its first space, and columns whose value does not fit their type are taken as unset
/// while there are fewer values than columns left. The repair is accepted only if at least
/// one value was split and every value was placed; otherwise the line stays malformed.
fn repair<'a>(types: &[ColType], fields: &[&'a str], m: &'a Markers) -> Option<Vec<&'a str>> {
    let ncols = types.len();
    let mut toks: std::collections::VecDeque<&'a str> = fields.iter().copied().collect();
    let mut out = Vec::with_capacity(ncols);
    let mut splits = 0;
    for (i, t) in types.iter().enumerate() {
        let remaining_cols = ncols - i;
        let mut tok = toks.pop_front()?;
        if t.space_free() {
            if let Some(p) = tok.find(' ') {
                let head = &tok[..p];
                let rest = tok[p..].trim_start_matches(' ');
                if !head.is_empty() && !rest.is_empty() {
                    toks.push_front(rest);
                    tok = head;
                    splits += 1;
                }
            }
        }
        if t.accepts(tok, m) {
            out.push(tok);
        } else if toks.len() + 1 < remaining_cols {
            toks.push_front(tok);
            out.push(m.unset.as_str());
        } else {
            return None;
        }
    }
    (toks.is_empty() && splits > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{ConnState, Proto, Record};

    pub(crate) const CONN_HEADER: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2020-10-06-17-32-56
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";

    fn schema(header: &str) -> TsvSchema {
        let mut s = TsvSchema::new();
        for l in header.lines() {
            s.feed_header(l.as_bytes()).unwrap();
        }
        s
    }

    fn conn(f: Flow) -> slips_core::Conn {
        match f.record {
            Record::Conn(c) => c,
            other => panic!("not conn: {other:?}"),
        }
    }

    #[test]
    fn conn_line() {
        let s = schema(CONN_HEADER);
        assert_eq!(s.kind(), Some(RecordKind::Conn));
        assert_eq!(s.path(), Some("conn"));
        let f = s
            .parse_line(b"1601998366.785668\tCNgrt04tHika5Pgpfi\t2001:718:2:1663:dc58:6d9:ef13:51a5\t54170\t2001:718:2:1611:0:1:0:90\t53\tudp\tdns\t0.007707\t37\t77\tSF\t-\t-\t0\tDd\t1\t85\t1\t125\t-\n")
            .unwrap();
        assert!(f.label.is_none());
        let c = conn(f);
        assert_eq!(c.ts.secs(), 1601998366.785668);
        assert_eq!(c.uid, "CNgrt04tHika5Pgpfi");
        assert_eq!(
            c.saddr,
            Some("2001:718:2:1663:dc58:6d9:ef13:51a5".parse().unwrap())
        );
        assert_eq!(c.sport, 54170);
        assert_eq!(c.dport, 53);
        assert_eq!(c.proto, Some(Proto::Udp));
        assert_eq!(c.service.as_deref(), Some("dns"));
        assert_eq!(c.duration, 0.007707);
        assert_eq!((c.sbytes, c.dbytes), (37, 77));
        assert_eq!(c.state, ConnState::SF);
        assert_eq!(c.history, "Dd");
        assert_eq!(
            (c.spkts, c.dpkts, c.sip_bytes, c.dip_bytes),
            (1, 1, 85, 125)
        );
        assert_eq!(c.missed_bytes, 0);
        assert_eq!(c.smac, None);
    }

    #[test]
    fn unset_and_empty() {
        let s = schema(CONN_HEADER);
        let c = conn(
            s.parse_line(b"10.5\t-\t1.2.3.4\t-\t5.6.7.8\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t(empty)")
                .unwrap(),
        );
        assert_eq!(c.uid, "");
        assert_eq!(c.sport, 0);
        assert_eq!(c.proto, None);
        assert_eq!(c.service.as_deref(), Some(""));
        assert_eq!(c.duration, 0.0);
        assert_eq!(c.state, ConnState::OTH);
        assert_eq!(c.history, "");
    }

    #[test]
    fn crlf_and_escapes() {
        let s = schema(CONN_HEADER);
        let c = conn(
            s.parse_line(b"1\tC\\x2d1\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\tssl\\x2chttp\t1\t2\t3\tS0\tT\tF\t0\tS\t1\t2\t3\t4\tx,y\r\n")
                .unwrap(),
        );
        assert_eq!(c.uid, "C-1");
        assert_eq!(c.service.as_deref(), Some("ssl,http"));
        assert_eq!(c.dpkts, 3);
    }

    #[test]
    fn errors() {
        let s = schema(CONN_HEADER);
        let good = "1\tC1\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t1\t2\t3\tS0\tT\tF\t0\tS\t1\t2\t3\t4\t-";
        assert!(s.parse_line(good.as_bytes()).is_ok());
        let bad_ip = good.replace("1.2.3.4", "1.2.3.400");
        assert!(matches!(
            s.parse_line(bad_ip.as_bytes()),
            Err(LineError::Field {
                field: "id.orig_h",
                reason: crate::ValueError::Ip,
                ..
            })
        ));
        let bad_port = good.replace("\t1\t5.6", "\t70000\t5.6");
        assert!(matches!(
            s.parse_line(bad_port.as_bytes()),
            Err(LineError::Field {
                field: "id.orig_p",
                ..
            })
        ));
        let bad_num = good.replace("\t2\t3\tS0", "\t2x\t3\tS0");
        assert!(matches!(
            s.parse_line(bad_num.as_bytes()),
            Err(LineError::Field {
                field: "orig_bytes",
                ..
            })
        ));
        let nan = good.replacen('1', "nan", 1);
        assert!(matches!(
            s.parse_line(nan.as_bytes()),
            Err(LineError::Field { field: "ts", .. })
        ));
        let no_ts = good.replacen('1', "-", 1);
        assert_eq!(s.parse_line(no_ts.as_bytes()), Err(LineError::MissingTs));
        assert_eq!(
            s.parse_line(b"1\tC1\t1.2.3.4"),
            Err(LineError::ColumnCount {
                expected: 21,
                found: 3
            })
        );
        let extra = format!("{good}\tmore");
        assert_eq!(
            s.parse_line(extra.as_bytes()),
            Err(LineError::ColumnCount {
                expected: 21,
                found: 22
            })
        );
        let mut bin = good.as_bytes().to_vec();
        bin[3] = 0xff;
        assert_eq!(s.parse_line(&bin), Err(LineError::Utf8));
        assert_eq!(
            TsvSchema::new().parse_line(good.as_bytes()),
            Err(LineError::NoSchema)
        );
        // A missing column in the middle is not "repaired" (no space to explain it).
        let missing = good.replace("\ttcp\t-\t", "\ttcp\t");
        assert_eq!(
            s.parse_line(missing.as_bytes()),
            Err(LineError::ColumnCount {
                expected: 21,
                found: 20
            })
        );
    }

    #[test]
    fn header_errors() {
        let mut s = TsvSchema::new();
        assert!(s.feed_header(b"#separator \\x09\\x09").is_err());
        assert!(s.feed_header(b"not a header").is_err());
        assert!(s.feed_header(b"#set_separator\t,,").is_err());
        assert!(s.feed_header(b"#separator \\x0a").is_err());
        assert!(s.feed_header(b"# just a comment").is_ok());
        assert!(s.feed_header(&[b'#', 0xff]).is_err());
    }

    #[test]
    fn other_separators_and_markers() {
        let mut s = TsvSchema::new();
        for l in [
            "#separator \\x7c",
            "#set_separator|;",
            "#empty_field|EMPTY",
            "#unset_field|NONE",
            "#path|dns",
            "#fields|ts|uid|query|answers|TTLs",
        ] {
            s.feed_header(l.as_bytes()).unwrap();
        }
        let f = s.parse_line(b"5|Cx|NONE|a;b|1;2").unwrap();
        let Record::Dns(d) = f.record else { panic!() };
        assert_eq!(d.query, None);
        assert_eq!(d.answers, vec!["a", "b"]);
        assert_eq!(d.ttls, vec![1.0, 2.0]);
        let f = s.parse_line(b"5|Cx|q|EMPTY|NONE").unwrap();
        let Record::Dns(d) = f.record else { panic!() };
        assert!(d.answers.is_empty() && d.ttls.is_empty());
    }

    #[test]
    fn header_redefinition() {
        let mut s = schema(CONN_HEADER);
        s.feed_header(b"#close\t2020").unwrap();
        assert!(s.is_closed());
        // A second block with other columns and another kind.
        for l in ["#separator \\x09", "#path\tdns", "#fields\tquery\tts"] {
            s.feed_header(l.as_bytes()).unwrap();
        }
        assert!(!s.is_closed());
        assert_eq!(s.kind(), Some(RecordKind::Dns));
        let Record::Dns(d) = s.parse_line(b"example.com\t7").unwrap().record else {
            panic!()
        };
        assert_eq!(d.query.as_deref(), Some("example.com"));
        assert_eq!(d.ts.secs(), 7.0);
        // Fields redefined without a new #separator.
        s.feed_header(b"#fields\tts\tquery").unwrap();
        let Record::Dns(d) = s.parse_line(b"8\tx.org").unwrap().record else {
            panic!()
        };
        assert_eq!(d.query.as_deref(), Some("x.org"));
        // An unsupported #path: no kind, lines cannot be parsed.
        s.feed_header(b"#path\tloaded_scripts").unwrap();
        assert_eq!(s.kind(), None);
        assert_eq!(s.parse_line(b"8\tx.org"), Err(LineError::UnknownKind));
    }

    #[test]
    fn default_kind_and_path() {
        let mut s = TsvSchema::with_kind(RecordKind::Weird);
        s.feed_header(b"#separator \\x09").unwrap();
        s.feed_header(b"#fields\tts\tname").unwrap();
        assert_eq!(s.kind(), Some(RecordKind::Weird));
        let Record::Weird(w) = s.parse_line(b"1\tbad_TCP_checksum").unwrap().record else {
            panic!()
        };
        assert_eq!(w.name, "bad_TCP_checksum");
        s.feed_header(b"#path\tnotice").unwrap();
        assert_eq!(s.kind(), Some(RecordKind::Notice));
    }

    #[test]
    fn labeled_with_spaces() {
        let header = CONN_HEADER
            .replace("tunnel_parents", "tunnel_parents   label   detailed-label")
            .replace("set[string]", "set[string]   string   string");
        let s = schema(&header);
        assert_eq!(s.fields().len(), 23);
        let line = "1525879831.015811\tCUmrqr4svHuSXJy5z7\t192.168.100.103\t51524\t65.127.233.163\t23\ttcp\t-\t2.999051\t0\t0\tS0\t-\t-\t0\tS\t3\t180\t0\t0\t(empty)   Malicious   PartOfAHorizontalPortScan";
        let f = s.parse_line(line.as_bytes()).unwrap();
        let l = f.label.unwrap();
        assert_eq!(l.label, "Malicious");
        assert_eq!(
            l.detailed_label.as_deref(),
            Some("PartOfAHorizontalPortScan")
        );
        assert_eq!(
            conn(Flow {
                record: f.record,
                label: None
            })
            .dport,
            23
        );
        // The same with tabs everywhere, and an unset detailed label.
        let line = line
            .replace("   ", "\t")
            .replace("PartOfAHorizontalPortScan", "-");
        let f = s.parse_line(line.as_bytes()).unwrap();
        let l = f.label.unwrap();
        assert_eq!(l.label, "Malicious");
        assert_eq!(l.detailed_label, None);
    }

    #[test]
    fn repair_of_spaces_for_tabs() {
        // Slips' test10 notice.log: proto and note joined by a space, msg and sub merged,
        // `p` and `n` missing.
        let header = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tnotice
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tfuid\tfile_mime_type\tfile_desc\tproto\tnote\tmsg\tsub\tsrc\tdst\tp\tn\tpeer_descr\tactions\tsuppress_for\tdropped\tremote_location.country_code\tremote_location.region\tremote_location.city\tremote_location.latitude\tremote_location.longitude
#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tenum\tenum\tstring\tstring\taddr\taddr\tport\tcount\tstring\tset[enum]\tinterval\tbool\tstring\tstring\tstring\tdouble\tdouble";
        let s = schema(header);
        let line = "1601998373.487791\t-\t-\t-\t-\t-\t-\t-\t-\t- SSH::Password_Guessing\t222.186.30.112 appears to be guessing SSH passwords (seen in 30 connections). Sampled servers: 147.32.85.117 222.186.30.112\tremote\t222.186.30.112\t-\tbro\tNotice::ACTION_LOG\t3600.000000\tF\t-\t-\t-\t-\t-";
        let (f, repaired) = s.parse_line_ext(line.as_bytes()).unwrap();
        assert!(repaired);
        let Record::Notice(n) = f.record else {
            panic!()
        };
        assert_eq!(n.note, "SSH::Password_Guessing");
        assert_eq!(n.src, Some("222.186.30.112".parse().unwrap()));
        assert_eq!(n.p, None);
        assert_eq!(n.proto, None);
        // A good line of the same file is not "repaired".
        let good = "1601998373.487779\t-\t-\t-\t-\t-\t-\t-\t-\ttcp\tScan::Address_Scan\t147.32.83.156 scanned at least 25 unique hosts on port 23/tcp in 1m14s\tremote\t147.32.83.156\t-\t23\t-\tbro\tNotice::ACTION_LOG\t3600.000000\tF\t-\t-\t-\t-\t-";
        let (f, repaired) = s.parse_line_ext(good.as_bytes()).unwrap();
        assert!(!repaired);
        let Record::Notice(n) = f.record else {
            panic!()
        };
        assert_eq!(n.p, Some(23));
        assert_eq!(n.proto, Some(Proto::Tcp));
    }
}
