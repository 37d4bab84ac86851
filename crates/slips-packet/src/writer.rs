//! Zeek-format log writer: `<dir>/conn.log`, `dns.log`, … in Zeek's TSV ("ASCII") format or
//! as JSON lines, readable again by `slips -f <dir>` (crates/slips-zeek).

use slips_core::{ArpOp, Record, Str, Timestamp};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Output format of the logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Zeek's tab-separated format with `#` headers (Zeek's default).
    #[default]
    Tsv,
    /// One JSON object per line (`LogAscii::use_json=T`, what Slips configures).
    Json,
}

enum V {
    Unset,
    S(String),
    N(String),
    B(bool),
    Set(Vec<String>),
    T(Timestamp),
    I(f64),
}

fn s(x: &Option<Str>) -> V {
    x.as_ref().map_or(V::Unset, |v| V::S(v.to_string()))
}
fn ip(x: &Option<IpAddr>) -> V {
    x.map_or(V::Unset, |v| V::S(v.to_string()))
}
fn n<T: ToString>(x: Option<T>) -> V {
    x.map_or(V::Unset, |v| V::N(v.to_string()))
}
fn set<T: ToString>(x: &[T]) -> V {
    V::Set(x.iter().map(ToString::to_string).collect())
}
fn b(x: Option<bool>) -> V {
    x.map_or(V::Unset, V::B)
}

type Row = Vec<(&'static str, &'static str, V)>;

fn id_fields(row: &mut Row, id: &Option<slips_core::Endpoints>) {
    match id {
        Some(e) => {
            row.push(("id.orig_h", "addr", V::S(e.saddr.to_string())));
            row.push(("id.orig_p", "port", V::N(e.sport.to_string())));
            row.push(("id.resp_h", "addr", V::S(e.daddr.to_string())));
            row.push(("id.resp_p", "port", V::N(e.dport.to_string())));
        }
        None => {
            row.push(("id.orig_h", "addr", V::Unset));
            row.push(("id.orig_p", "port", V::Unset));
            row.push(("id.resp_h", "addr", V::Unset));
            row.push(("id.resp_p", "port", V::Unset));
        }
    }
}

/// The log name and the fields of a record (`None` for kinds the writer does not log).
fn row(r: &Record) -> Option<(&'static str, Row)> {
    let mut row: Row = Vec::with_capacity(24);
    let path = match r {
        Record::Conn(c) => {
            row.push(("ts", "time", V::T(c.ts)));
            row.push(("uid", "string", V::S(c.uid.to_string())));
            row.push(("id.orig_h", "addr", ip(&c.saddr)));
            row.push(("id.orig_p", "port", V::N(c.sport.to_string())));
            row.push(("id.resp_h", "addr", ip(&c.daddr)));
            row.push(("id.resp_p", "port", V::N(c.dport.to_string())));
            row.push((
                "proto",
                "enum",
                c.proto.map_or(V::Unset, |p| V::S(zeek_proto(p).into())),
            ));
            row.push(("service", "string", s(&c.service)));
            let has = c.duration > 0.0;
            row.push((
                "duration",
                "interval",
                if has { V::I(c.duration) } else { V::Unset },
            ));
            row.push((
                "orig_bytes",
                "count",
                if has || c.sbytes > 0 {
                    V::N(c.sbytes.to_string())
                } else {
                    V::Unset
                },
            ));
            row.push((
                "resp_bytes",
                "count",
                if has || c.dbytes > 0 {
                    V::N(c.dbytes.to_string())
                } else {
                    V::Unset
                },
            ));
            row.push(("conn_state", "string", V::S(c.state.as_str().into())));
            row.push(("missed_bytes", "count", V::N(c.missed_bytes.to_string())));
            row.push((
                "history",
                "string",
                if c.history.is_empty() {
                    V::Unset
                } else {
                    V::S(c.history.to_string())
                },
            ));
            row.push(("orig_pkts", "count", V::N(c.spkts.to_string())));
            row.push(("orig_ip_bytes", "count", V::N(c.sip_bytes.to_string())));
            row.push(("resp_pkts", "count", V::N(c.dpkts.to_string())));
            row.push(("resp_ip_bytes", "count", V::N(c.dip_bytes.to_string())));
            row.push((
                "orig_l2_addr",
                "string",
                c.smac.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            row.push((
                "resp_l2_addr",
                "string",
                c.dmac.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            "conn"
        }
        Record::Dns(d) => {
            row.push(("ts", "time", V::T(d.ts)));
            row.push(("uid", "string", V::S(d.uid.to_string())));
            id_fields(&mut row, &d.id);
            row.push((
                "proto",
                "enum",
                d.proto.map_or(V::Unset, |p| V::S(zeek_proto(p).into())),
            ));
            row.push(("trans_id", "count", n(d.trans_id)));
            row.push(("rtt", "interval", d.rtt.map_or(V::Unset, V::I)));
            row.push(("query", "string", s(&d.query)));
            row.push(("qclass_name", "string", s(&d.qclass_name)));
            row.push(("qtype", "count", n(d.qtype)));
            row.push(("qtype_name", "string", s(&d.qtype_name)));
            row.push(("rcode", "count", n(d.rcode)));
            row.push(("rcode_name", "string", s(&d.rcode_name)));
            row.push(("rejected", "bool", b(d.rejected)));
            row.push((
                "answers",
                "vector[string]",
                if d.rcode.is_none() {
                    V::Unset
                } else {
                    set(&d.answers)
                },
            ));
            row.push((
                "TTLs",
                "vector[interval]",
                if d.rcode.is_none() {
                    V::Unset
                } else {
                    V::Set(d.ttls.iter().map(|t| format!("{t:.6}")).collect())
                },
            ));
            "dns"
        }
        Record::Http(h) => {
            row.push(("ts", "time", V::T(h.ts)));
            row.push(("uid", "string", V::S(h.uid.to_string())));
            id_fields(&mut row, &h.id);
            row.push(("trans_depth", "count", n(h.trans_depth)));
            row.push(("method", "string", s(&h.method)));
            row.push(("host", "string", s(&h.host)));
            row.push(("uri", "string", s(&h.uri)));
            row.push(("referrer", "string", s(&h.referrer)));
            row.push(("version", "string", s(&h.version)));
            row.push(("user_agent", "string", s(&h.user_agent)));
            row.push((
                "request_body_len",
                "count",
                V::N(h.request_body_len.to_string()),
            ));
            row.push((
                "response_body_len",
                "count",
                V::N(h.response_body_len.to_string()),
            ));
            row.push(("status_code", "count", n(h.status_code)));
            row.push(("status_msg", "string", s(&h.status_msg)));
            row.push((
                "resp_fuids",
                "vector[string]",
                if h.resp_fuids.is_empty() {
                    V::Unset
                } else {
                    set(&h.resp_fuids)
                },
            ));
            row.push((
                "resp_mime_types",
                "vector[string]",
                if h.resp_mime_types.is_empty() {
                    V::Unset
                } else {
                    set(&h.resp_mime_types)
                },
            ));
            "http"
        }
        Record::Ssl(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("uid", "string", V::S(x.uid.to_string())));
            id_fields(&mut row, &x.id);
            row.push(("version", "string", s(&x.version)));
            row.push(("cipher", "string", s(&x.cipher)));
            row.push(("curve", "string", s(&x.curve)));
            row.push(("server_name", "string", s(&x.server_name)));
            row.push(("resumed", "bool", b(x.resumed)));
            row.push(("established", "bool", b(x.established)));
            row.push((
                "cert_chain_fuids",
                "vector[string]",
                if x.cert_chain.is_empty() {
                    V::Unset
                } else {
                    set(&x.cert_chain)
                },
            ));
            row.push((
                "client_cert_chain_fuids",
                "vector[string]",
                if x.client_cert_chain.is_empty() {
                    V::Unset
                } else {
                    set(&x.client_cert_chain)
                },
            ));
            row.push(("subject", "string", s(&x.subject)));
            row.push(("issuer", "string", s(&x.issuer)));
            row.push(("validation_status", "string", s(&x.validation_status)));
            row.push(("ja3", "string", s(&x.ja3)));
            row.push(("ja3s", "string", s(&x.ja3s)));
            row.push(("ja4", "string", s(&x.ja4)));
            "ssl"
        }
        Record::Ssh(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("uid", "string", V::S(x.uid.to_string())));
            id_fields(&mut row, &x.id);
            row.push(("version", "count", n(x.version)));
            row.push(("auth_success", "bool", b(x.auth_success)));
            row.push(("auth_attempts", "count", n(x.auth_attempts)));
            row.push(("direction", "enum", s(&x.direction)));
            row.push(("client", "string", s(&x.client)));
            row.push(("server", "string", s(&x.server)));
            row.push(("cipher_alg", "string", s(&x.cipher_alg)));
            row.push(("mac_alg", "string", s(&x.mac_alg)));
            row.push(("compression_alg", "string", s(&x.compression_alg)));
            row.push(("kex_alg", "string", s(&x.kex_alg)));
            row.push(("host_key_alg", "string", s(&x.host_key_alg)));
            row.push(("host_key", "string", s(&x.host_key)));
            "ssh"
        }
        Record::Dhcp(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("uids", "set[string]", set(&x.uids)));
            row.push(("client_addr", "addr", ip(&x.client_addr)));
            row.push(("server_addr", "addr", ip(&x.server_addr)));
            row.push((
                "mac",
                "string",
                x.mac.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            row.push(("host_name", "string", s(&x.host_name)));
            row.push(("client_fqdn", "string", s(&x.client_fqdn)));
            row.push(("domain", "string", s(&x.domain)));
            row.push(("requested_addr", "addr", ip(&x.requested_addr)));
            row.push(("assigned_addr", "addr", ip(&x.assigned_addr)));
            row.push((
                "lease_time",
                "interval",
                x.lease_time.map_or(V::Unset, V::I),
            ));
            row.push(("msg_types", "vector[string]", set(&x.msg_types)));
            "dhcp"
        }
        Record::Smtp(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("uid", "string", V::S(x.uid.to_string())));
            id_fields(&mut row, &x.id);
            row.push(("helo", "string", s(&x.helo)));
            row.push(("mailfrom", "string", s(&x.mailfrom)));
            row.push((
                "rcptto",
                "set[string]",
                if x.rcptto.is_empty() {
                    V::Unset
                } else {
                    set(&x.rcptto)
                },
            ));
            row.push(("last_reply", "string", s(&x.last_reply)));
            row.push(("user_agent", "string", s(&x.user_agent)));
            "smtp"
        }
        Record::Files(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("fuid", "string", V::S(x.fuid.to_string())));
            row.push(("tx_hosts", "set[addr]", set(&x.tx_hosts)));
            row.push(("rx_hosts", "set[addr]", set(&x.rx_hosts)));
            row.push(("conn_uids", "set[string]", set(&x.conn_uids)));
            row.push(("source", "string", s(&x.source)));
            row.push(("analyzers", "set[string]", set(&x.analyzers)));
            row.push(("mime_type", "string", s(&x.mime_type)));
            row.push(("filename", "string", s(&x.filename)));
            row.push(("seen_bytes", "count", V::N(x.seen_bytes.to_string())));
            row.push(("total_bytes", "count", n(x.total_bytes)));
            row.push(("md5", "string", s(&x.md5)));
            row.push(("sha1", "string", s(&x.sha1)));
            row.push(("sha256", "string", s(&x.sha256)));
            "files"
        }
        Record::Software(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("host", "addr", ip(&x.host)));
            row.push(("host_p", "port", n(x.host_p)));
            row.push(("software_type", "enum", s(&x.software_type)));
            row.push(("name", "string", s(&x.name)));
            row.push(("version.major", "count", n(x.version_major)));
            row.push(("version.minor", "count", n(x.version_minor)));
            row.push(("unparsed_version", "string", s(&x.unparsed_version)));
            "software"
        }
        Record::Weird(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("uid", "string", s(&x.uid)));
            id_fields(&mut row, &x.id);
            row.push(("name", "string", V::S(x.name.to_string())));
            row.push(("addl", "string", s(&x.addl)));
            row.push(("notice", "bool", b(x.notice)));
            row.push(("peer", "string", s(&x.peer)));
            "weird"
        }
        Record::Tunnel(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("uid", "string", s(&x.uid)));
            id_fields(&mut row, &x.id);
            row.push(("tunnel_type", "enum", s(&x.tunnel_type)));
            row.push(("action", "enum", s(&x.action)));
            "tunnel"
        }
        Record::Arp(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            let op = match x.operation {
                ArpOp::Request => "request",
                ArpOp::Reply => "reply",
            };
            row.push(("operation", "string", V::S(op.into())));
            row.push((
                "src_mac",
                "string",
                x.src_mac.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            row.push((
                "dst_mac",
                "string",
                x.dst_mac.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            row.push(("orig_h", "addr", ip(&x.saddr)));
            row.push(("resp_h", "addr", ip(&x.daddr)));
            row.push((
                "orig_hw",
                "string",
                x.src_hw.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            row.push((
                "resp_hw",
                "string",
                x.dst_hw.map_or(V::Unset, |m| V::S(m.to_string())),
            ));
            "arp"
        }
        Record::X509(x) => {
            row.push(("ts", "time", V::T(x.ts)));
            row.push(("id", "string", V::S(x.id.to_string())));
            row.push(("certificate.version", "count", n(x.version)));
            row.push(("certificate.serial", "string", s(&x.serial)));
            row.push(("certificate.subject", "string", s(&x.subject)));
            row.push(("certificate.issuer", "string", s(&x.issuer)));
            row.push((
                "certificate.not_valid_before",
                "time",
                x.not_valid_before.map_or(V::Unset, V::T),
            ));
            row.push((
                "certificate.not_valid_after",
                "time",
                x.not_valid_after.map_or(V::Unset, V::T),
            ));
            row.push(("certificate.key_alg", "string", s(&x.key_alg)));
            row.push(("certificate.sig_alg", "string", s(&x.sig_alg)));
            row.push(("certificate.key_type", "string", s(&x.key_type)));
            row.push(("certificate.key_length", "count", n(x.key_length)));
            row.push((
                "san.dns",
                "vector[string]",
                if x.san_dns.is_empty() {
                    V::Unset
                } else {
                    set(&x.san_dns)
                },
            ));
            row.push((
                "san.ip",
                "vector[addr]",
                if x.san_ip.is_empty() {
                    V::Unset
                } else {
                    set(&x.san_ip)
                },
            ));
            row.push(("basic_constraints.ca", "bool", b(x.basic_constraints_ca)));
            "x509"
        }
        _ => return None,
    };
    Some((path, row))
}

fn zeek_proto(p: slips_core::Proto) -> &'static str {
    match p {
        slips_core::Proto::Icmp6 => "icmp",
        other => other.as_str(),
    }
}

fn tsv_escape(out: &mut String, v: &str, in_set: bool) {
    if v.is_empty() {
        out.push_str("(empty)");
        return;
    }
    if v == "-" {
        out.push_str("\\x2d");
        return;
    }
    for c in v.chars() {
        match c {
            '\t' | '\n' | '\r' | '\\' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            ',' if in_set => out.push_str("\\x2c"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

struct Log {
    w: BufWriter<File>,
    fields: Vec<&'static str>,
}

/// Writes records as Zeek logs into a directory (one file per log kind, created on first
/// use). Call [`ZeekLogWriter::finish`] at the end to write the `#close` lines and flush.
pub struct ZeekLogWriter {
    dir: PathBuf,
    format: LogFormat,
    logs: BTreeMap<&'static str, Log>,
    line: String,
}

impl std::fmt::Debug for ZeekLogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZeekLogWriter")
            .field("dir", &self.dir)
            .field("format", &self.format)
            .finish()
    }
}

fn fmt_time(t: Timestamp) -> String {
    format!("{:.6}", t.secs())
}

/// `YYYY-MM-DD-HH-MM-SS` of a timestamp (UTC), as Zeek's `#open` line.
fn zeek_date(t: Timestamp) -> String {
    let secs = t.secs().floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}-{:02}-{:02}-{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

impl ZeekLogWriter {
    /// Creates the directory if needed. Existing logs of the same names are replaced.
    pub fn new(dir: impl AsRef<Path>, format: LogFormat) -> std::io::Result<ZeekLogWriter> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)?;
        Ok(ZeekLogWriter {
            dir,
            format,
            logs: BTreeMap::new(),
            line: String::new(),
        })
    }

    /// The directory written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one record (kinds without a log here, e.g. notice, are skipped).
    pub fn write(&mut self, r: &Record) -> std::io::Result<()> {
        let Some((path, row)) = row(r) else {
            return Ok(());
        };
        if !self.logs.contains_key(path) {
            // Never through a link planted in the output folder.
            let f = slips_fs::create(&self.dir.join(format!("{path}.log")))?;
            let mut w = BufWriter::with_capacity(1 << 16, f);
            if self.format == LogFormat::Tsv {
                let names: Vec<&str> = row.iter().map(|(n, _, _)| *n).collect();
                let types: Vec<&str> = row.iter().map(|(_, t, _)| *t).collect();
                write!(
                    w,
                    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n#open\t{}\n#fields\t{}\n#types\t{}\n",
                    zeek_date(r.ts()),
                    names.join("\t"),
                    types.join("\t")
                )?;
            }
            let fields = row.iter().map(|(n, _, _)| *n).collect();
            self.logs.insert(path, Log { w, fields });
        }
        let line = &mut self.line;
        line.clear();
        match self.format {
            LogFormat::Tsv => {
                for (i, (_, _, v)) in row.iter().enumerate() {
                    if i > 0 {
                        line.push('\t');
                    }
                    match v {
                        V::Unset => line.push('-'),
                        V::S(x) => tsv_escape(line, x, false),
                        V::N(x) => line.push_str(x),
                        V::B(x) => line.push(if *x { 'T' } else { 'F' }),
                        V::T(t) => line.push_str(&fmt_time(*t)),
                        V::I(d) => {
                            let _ = write!(line, "{d:.6}");
                        }
                        V::Set(xs) => {
                            if xs.is_empty() {
                                line.push_str("(empty)");
                            }
                            for (j, x) in xs.iter().enumerate() {
                                if j > 0 {
                                    line.push(',');
                                }
                                tsv_escape(line, x, true);
                            }
                        }
                    }
                }
            }
            LogFormat::Json => {
                let mut m = serde_json::Map::new();
                for (name, _, v) in &row {
                    let j = match v {
                        V::Unset => continue,
                        V::S(x) => serde_json::Value::from(x.as_str()),
                        V::N(x) => x
                            .parse::<u64>()
                            .map(serde_json::Value::from)
                            .unwrap_or_else(|_| serde_json::Value::from(x.as_str())),
                        V::B(x) => serde_json::Value::from(*x),
                        V::T(t) => serde_json::Value::from(t.secs()),
                        V::I(d) => serde_json::Value::from(*d),
                        V::Set(xs) => {
                            if *name == "TTLs" {
                                serde_json::Value::from(
                                    xs.iter()
                                        .filter_map(|x| x.parse::<f64>().ok())
                                        .collect::<Vec<_>>(),
                                )
                            } else {
                                serde_json::Value::from(xs.clone())
                            }
                        }
                    };
                    m.insert((*name).to_string(), j);
                }
                line.push_str(&serde_json::Value::Object(m).to_string());
            }
        }
        line.push('\n');
        if let Some(log) = self.logs.get_mut(path) {
            debug_assert_eq!(log.fields.len(), row.len());
            log.w.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    /// Writes `#close` lines (TSV) and flushes every log. `close_ts` is the event time of the
    /// end (the last packet).
    pub fn finish(mut self, close_ts: Timestamp) -> std::io::Result<Vec<PathBuf>> {
        let mut paths = Vec::new();
        for (path, log) in self.logs.iter_mut() {
            if self.format == LogFormat::Tsv {
                writeln!(log.w, "#close\t{}", zeek_date(close_ts))?;
            }
            log.w.flush()?;
            paths.push(self.dir.join(format!("{path}.log")));
        }
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            zeek_date(Timestamp::from_secs(1_520_598_896.5)),
            "2018-03-09-12-34-56"
        );
        assert_eq!(zeek_date(Timestamp::from_secs(0.0)), "1970-01-01-00-00-00");
    }
}
