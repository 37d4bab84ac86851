//! A readable one-line rendering of records (for snapshots, debugging and `--print`).

use slips_core::{Endpoints, Record};
use std::fmt::Write;

fn ep(e: &Option<Endpoints>) -> String {
    match e {
        Some(e) => format!("{}:{} -> {}:{}", e.saddr, e.sport, e.daddr, e.dport),
        None => "-".to_string(),
    }
}

fn o<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "-".to_string(), ToString::to_string)
}

/// One line describing a record; every field Zeek logs that the engine fills is shown.
pub fn render(r: &Record) -> String {
    let mut s = String::new();
    let _ = match r {
        Record::Conn(c) => write!(
            s,
            "conn {} {} {}:{} -> {}:{} {} svc={} dur={:.6} bytes={}/{} state={} hist={} pkts={}/{} ip_bytes={}/{} missed={} mac={}/{}",
            c.ts, c.uid, o(&c.saddr), c.sport, o(&c.daddr), c.dport, o(&c.proto), o(&c.service),
            c.duration, c.sbytes, c.dbytes, c.state, c.history, c.spkts, c.dpkts, c.sip_bytes,
            c.dip_bytes, c.missed_bytes, o(&c.smac), o(&c.dmac)
        ),
        Record::Dns(d) => write!(
            s,
            "dns {} {} {} {} id={} query={} qclass={} qtype={}/{} rcode={}/{} answers=[{}] ttls={:?} rtt={} rejected={}",
            d.ts, d.uid, ep(&d.id), o(&d.proto), o(&d.trans_id), o(&d.query), o(&d.qclass_name),
            o(&d.qtype), o(&d.qtype_name), o(&d.rcode), o(&d.rcode_name), d.answers.join(","),
            d.ttls, d.rtt.map_or("-".to_string(), |r| format!("{r:.6}")), o(&d.rejected)
        ),
        Record::Http(h) => write!(
            s,
            "http {} {} {} depth={} {} host={} uri={} ref={} ver={} ua={} req_len={} resp_len={} status={} {} fuids=[{}] mime=[{}]",
            h.ts, h.uid, ep(&h.id), o(&h.trans_depth), o(&h.method), o(&h.host), o(&h.uri),
            o(&h.referrer), o(&h.version), o(&h.user_agent), h.request_body_len,
            h.response_body_len, o(&h.status_code), o(&h.status_msg), h.resp_fuids.join(","),
            h.resp_mime_types.join(",")
        ),
        Record::Ssl(x) => write!(
            s,
            "ssl {} {} {} ver={} cipher={} curve={} sni={} resumed={} est={} certs=[{}] subject={} issuer={} validation={} ja3={} ja3s={} ja4={}",
            x.ts, x.uid, ep(&x.id), o(&x.version), o(&x.cipher), o(&x.curve), o(&x.server_name),
            o(&x.resumed), o(&x.established), x.cert_chain.join(","), o(&x.subject),
            o(&x.issuer), o(&x.validation_status), o(&x.ja3), o(&x.ja3s), o(&x.ja4)
        ),
        Record::Ssh(x) => write!(
            s,
            "ssh {} {} {} ver={} auth={} attempts={} client={} server={} cipher={} mac={} comp={} kex={} hostkey_alg={} hostkey={}",
            x.ts, x.uid, ep(&x.id), o(&x.version), o(&x.auth_success), o(&x.auth_attempts),
            o(&x.client), o(&x.server), o(&x.cipher_alg), o(&x.mac_alg),
            o(&x.compression_alg), o(&x.kex_alg), o(&x.host_key_alg), o(&x.host_key)
        ),
        Record::Dhcp(x) => write!(
            s,
            "dhcp {} uids=[{}] client={} server={} mac={} host={} fqdn={} domain={} requested={} assigned={} lease={} msgs=[{}]",
            x.ts, x.uids.join(","), o(&x.client_addr), o(&x.server_addr), o(&x.mac),
            o(&x.host_name), o(&x.client_fqdn), o(&x.domain), o(&x.requested_addr),
            o(&x.assigned_addr), o(&x.lease_time), x.msg_types.join(",")
        ),
        Record::Smtp(x) => write!(
            s,
            "smtp {} {} {} helo={} from={} to=[{}] last_reply={} ua={}",
            x.ts, x.uid, ep(&x.id), o(&x.helo), o(&x.mailfrom), x.rcptto.join(","),
            o(&x.last_reply), o(&x.user_agent)
        ),
        Record::Files(x) => write!(
            s,
            "files {} {} conns=[{}] source={} mime={} seen={} total={} md5={} sha1={}",
            x.ts, x.fuid, x.conn_uids.join(","), o(&x.source), o(&x.mime_type), x.seen_bytes,
            o(&x.total_bytes), o(&x.md5), o(&x.sha1)
        ),
        Record::Software(x) => write!(
            s,
            "software {} host={} port={} type={} name={} major={} minor={} unparsed={}",
            x.ts, o(&x.host), o(&x.host_p), o(&x.software_type), o(&x.name),
            o(&x.version_major), o(&x.version_minor), o(&x.unparsed_version)
        ),
        Record::Weird(x) => write!(
            s,
            "weird {} uid={} {} name={} addl={}",
            x.ts, o(&x.uid), ep(&x.id), x.name, o(&x.addl)
        ),
        Record::Tunnel(x) => write!(
            s,
            "tunnel {} {} type={} action={}",
            x.ts, ep(&x.id), o(&x.tunnel_type), o(&x.action)
        ),
        Record::Arp(x) => write!(
            s,
            "arp {} {:?} mac={}->{} {} -> {} hw={}->{}",
            x.ts, x.operation, o(&x.src_mac), o(&x.dst_mac), o(&x.saddr), o(&x.daddr),
            o(&x.src_hw), o(&x.dst_hw)
        ),
        Record::X509(x) => write!(
            s,
            "x509 {} {} ver={} serial={} subject={} issuer={} valid={}..{} key={}/{}/{} sig={} san_dns=[{}] san_ip=[{}] ca={}",
            x.ts, x.id, o(&x.version), o(&x.serial), o(&x.subject), o(&x.issuer),
            o(&x.not_valid_before), o(&x.not_valid_after), o(&x.key_alg), o(&x.key_type),
            o(&x.key_length), o(&x.sig_alg), x.san_dns.join(","),
            x.san_ip.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
            o(&x.basic_constraints_ca)
        ),
        other => write!(s, "{other:?}"),
    };
    s
}
