//! Whitelists in Slips' `whitelist.conf` format:
//! `"IoCType","IoCValue","Direction","IgnoreType"` with types `ip` (an address or a CIDR
//! range), `domain` (parents match too), `organization` (google, microsoft, apple,
//! facebook, twitter: their ranges, ASNs and domains) and `mac`; direction `src`, `dst` or
//! `both`; ignore `flows`, `alerts`, `both` or `blocking` (slips' own: only "never block
//! this"; every whitelisted IP is never blocked anyway). `;` starts a comment and `#` a commented-out
//! entry. When a value appears on several lines the last one counts.
//!
//! As a [`Filter`]: records whose IPs, domains (DNS query, HTTP host, TLS SNI) or MACs are
//! whitelisted for flows never reach the detectors; evidence whose attacker or victim is
//! whitelisted for alerts is dropped. "src" entries match the source of a flow (or an
//! attacker/victim on the source side), "dst" entries the destination.

use crate::db::AsnSource;
use crate::ioc::{domain_and_parents, normalize_domain, normalize_url};
use crate::orgs::OrgData;
use crate::ranges::NetTable;
use crate::text::{split_csv, Problems};
use foldhash::HashMap;
use ipnet::IpNet;
use slips_core::{EvidenceDraft, Filter, Ioc, IocKind, Mac, Record, Side};
use slips_detectors::Org;
use std::net::IpAddr;
use std::sync::Arc;

/// What a whitelist entry covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Matches the source side.
    pub src: bool,
    /// Matches the destination side.
    pub dst: bool,
    /// Drop flows.
    pub flows: bool,
    /// Drop evidence.
    pub alerts: bool,
}

/// Which of the two uses is asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignore {
    Flows,
    Alerts,
}

impl Rule {
    fn matches(&self, side: Side, what: Ignore) -> bool {
        let s = match side {
            Side::Src => self.src,
            Side::Dst => self.dst,
        };
        let w = match what {
            Ignore::Flows => self.flows,
            Ignore::Alerts => self.alerts,
        };
        s && w
    }
}

/// A parsed whitelist plus the organisation data it refers to.
#[derive(Clone, Default)]
pub struct Whitelist {
    ips: HashMap<IpAddr, Rule>,
    nets: NetTable<Rule>,
    domains: HashMap<Box<str>, Rule>,
    macs: HashMap<Mac, Rule>,
    orgs: Vec<(Org, Rule)>,
    org_data: Arc<OrgData>,
    asn: Option<Arc<dyn AsnSource>>,
    any_flows: bool,
    entries: usize,
}

impl std::fmt::Debug for Whitelist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whitelist")
            .field("entries", &self.entries)
            .field("orgs", &self.orgs)
            .finish_non_exhaustive()
    }
}

impl Whitelist {
    /// Parses `whitelist.conf` text; bad lines are reported with `file` and line number.
    pub fn parse(
        text: &str,
        file: &str,
        org_data: Arc<OrgData>,
        asn: Option<Arc<dyn AsnSource>>,
        problems: &mut Problems,
    ) -> Whitelist {
        let mut w = Whitelist {
            org_data,
            asn,
            ..Default::default()
        };
        let mut nets: Vec<(IpNet, Rule)> = Vec::new();
        let mut orgs: HashMap<Org, Rule> = HashMap::default();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            let f = split_csv(line, ',');
            if f[0].eq_ignore_ascii_case("ioctype") {
                continue;
            }
            if f.len() < 4 {
                problems.push(file, n, "expected type,value,direction,ignore");
                continue;
            }
            let (src, dst) = match f[2].to_ascii_lowercase().as_str() {
                "src" => (true, false),
                "dst" => (false, true),
                "both" => (true, true),
                d => {
                    problems.push(
                        file,
                        n,
                        format!("direction must be src, dst or both, not '{d}'"),
                    );
                    continue;
                }
            };
            // `blocking` entries neither drop flows nor evidence: the IP is analysed and
            // alerted on as usual, only never blocked (see `never_block`).
            let (flows, alerts) = match f[3].to_ascii_lowercase().as_str() {
                "flows" => (true, false),
                "alerts" => (false, true),
                "both" => (true, true),
                "blocking" | "block" => (false, false),
                d => {
                    problems.push(
                        file,
                        n,
                        format!("ignore type must be flows, alerts, both or blocking, not '{d}'"),
                    );
                    continue;
                }
            };
            let rule = Rule {
                src,
                dst,
                flows,
                alerts,
            };
            let value = f[1].as_str();
            match f[0].to_ascii_lowercase().as_str() {
                "ip" => {
                    if let Ok(ip) = value.parse::<IpAddr>() {
                        w.ips.insert(ip, rule);
                    } else if let Ok(net) = value.parse::<IpNet>() {
                        nets.push((net.trunc(), rule));
                    } else {
                        problems.push(file, n, format!("not an IP or CIDR range: '{value}'"));
                        continue;
                    }
                }
                "domain" => match normalize_domain(value.trim_start_matches("*.")) {
                    Some(d) => {
                        w.domains.insert(d.into_owned().into_boxed_str(), rule);
                    }
                    None => {
                        problems.push(file, n, format!("not a domain: '{value}'"));
                        continue;
                    }
                },
                "mac" => match value.parse::<Mac>() {
                    Ok(m) => {
                        w.macs.insert(m, rule);
                    }
                    Err(_) => {
                        problems.push(file, n, format!("not a MAC address: '{value}'"));
                        continue;
                    }
                },
                "organization" | "organisation" | "org" => {
                    match Org::ALL
                        .into_iter()
                        .find(|o| o.name().eq_ignore_ascii_case(value))
                    {
                        Some(o) => {
                            orgs.insert(o, rule);
                        }
                        None => {
                            problems.push(
                                file,
                                n,
                                format!("unknown organization '{value}' (google, microsoft, apple, facebook, twitter)"),
                            );
                            continue;
                        }
                    }
                }
                t => {
                    problems.push(
                        file,
                        n,
                        format!("unknown IoC type '{t}' (ip, domain, organization, mac)"),
                    );
                    continue;
                }
            }
            w.entries += 1;
        }
        w.nets = NetTable::build(nets, |_, last| *last);
        // Deterministic order: Org::ALL order.
        w.orgs = Org::ALL
            .into_iter()
            .filter_map(|o| orgs.get(&o).map(|r| (o, *r)))
            .collect();
        w.any_flows = w.ips.values().any(|r| r.flows)
            || w.domains.values().any(|r| r.flows)
            || w.macs.values().any(|r| r.flows)
            || w.orgs.iter().any(|(_, r)| r.flows)
            || !w.nets.is_empty();
        w
    }

    /// Number of entries read.
    pub fn len(&self) -> usize {
        self.entries
    }
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Whether the IP on this side is whitelisted for this use.
    pub fn ip(&self, ip: IpAddr, side: Side, what: Ignore) -> bool {
        if self.ips.get(&ip).is_some_and(|r| r.matches(side, what))
            || self.nets.get(ip).is_some_and(|r| r.matches(side, what))
        {
            return true;
        }
        self.orgs.iter().any(|(org, r)| {
            r.matches(side, what) && self.org_data.ip_in(ip, *org, self.asn.as_deref())
        })
    }

    /// Whether blocking must never touch this IP: it is in the whitelist on either side
    /// for any use (flows, alerts or blocking), directly, by range or by organisation.
    pub fn never_block(&self, ip: IpAddr) -> bool {
        self.ips.contains_key(&ip)
            || self.nets.get(ip).is_some()
            || self
                .orgs
                .iter()
                .any(|(org, _)| self.org_data.ip_in(ip, *org, self.asn.as_deref()))
    }

    /// Whether the domain (or a parent) on this side is whitelisted for this use.
    pub fn domain(&self, domain: &str, side: Side, what: Ignore) -> bool {
        let Some(d) = normalize_domain(domain) else {
            return false;
        };
        if !self.domains.is_empty()
            && domain_and_parents(&d)
                .any(|c| self.domains.get(c).is_some_and(|r| r.matches(side, what)))
        {
            return true;
        }
        self.orgs
            .iter()
            .any(|(org, r)| r.matches(side, what) && self.org_data.domain_in(&d, *org))
    }

    pub fn mac(&self, mac: Mac, side: Side, what: Ignore) -> bool {
        self.macs.get(&mac).is_some_and(|r| r.matches(side, what))
    }

    fn ioc(&self, ioc: &Ioc) -> bool {
        match ioc.kind {
            IocKind::Ip => ioc
                .value
                .parse()
                .is_ok_and(|ip| self.ip(ip, ioc.side, Ignore::Alerts)),
            IocKind::Domain => self.domain(&ioc.value, ioc.side, Ignore::Alerts),
            IocKind::Url => normalize_url(&ioc.value).is_some_and(|u| {
                let host = u.split(['/', ':']).next().unwrap_or("");
                match host.parse::<IpAddr>() {
                    Ok(ip) => self.ip(ip, ioc.side, Ignore::Alerts),
                    Err(_) => self.domain(host, ioc.side, Ignore::Alerts),
                }
            }),
            IocKind::Md5 => false,
        }
    }

    fn flow_ips(&self, src: Option<IpAddr>, dst: Option<IpAddr>) -> bool {
        src.is_some_and(|ip| self.ip(ip, Side::Src, Ignore::Flows))
            || dst.is_some_and(|ip| self.ip(ip, Side::Dst, Ignore::Flows))
    }

    fn flow_macs(&self, src: Option<Mac>, dst: Option<Mac>) -> bool {
        !self.macs.is_empty()
            && (src.is_some_and(|m| self.mac(m, Side::Src, Ignore::Flows))
                || dst.is_some_and(|m| self.mac(m, Side::Dst, Ignore::Flows)))
    }

    fn flow_domain(&self, d: Option<&str>) -> bool {
        d.is_some_and(|d| self.domain(d, Side::Dst, Ignore::Flows))
    }
}

impl Filter for Whitelist {
    fn skip_record(&self, record: &Record) -> bool {
        if !self.any_flows {
            return false;
        }
        let (src, dst) = record.hosts();
        if self.flow_ips(src, dst) {
            return true;
        }
        match record {
            Record::Conn(c) => self.flow_macs(c.smac, c.dmac),
            Record::Dns(d) => self.flow_domain(d.query.as_deref()),
            Record::Http(h) => self.flow_domain(h.host.as_deref()),
            Record::Ssl(s) => self.flow_domain(s.server_name.as_deref()),
            Record::Dhcp(d) => self.flow_macs(d.mac, None),
            Record::Arp(a) => self.flow_macs(a.src_mac, a.dst_mac),
            _ => false,
        }
    }

    fn skip_evidence(&self, e: &EvidenceDraft) -> bool {
        if self.entries == 0 {
            return false;
        }
        self.ioc(&e.attacker) || e.victim.as_ref().is_some_and(|v| self.ioc(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{Conn, Dns, Endpoints, EvidenceType, ThreatLevel, Timestamp};

    fn wl(text: &str) -> (Whitelist, Problems) {
        let orgs = OrgData::from_lists(&[(Org::Google, &["8.8.8.0/24"], &["google.com"], &[])]);
        let mut p = Problems::default();
        let w = Whitelist::parse(text, "whitelist.conf", Arc::new(orgs), None, &mut p);
        (w, p)
    }

    fn conn(s: &str, d: &str) -> Record {
        Record::Conn(Conn {
            saddr: Some(s.parse().unwrap()),
            daddr: Some(d.parse().unwrap()),
            ..Default::default()
        })
    }

    fn ev(attacker: &str, side: Side, victim: Option<Ioc>) -> EvidenceDraft {
        let mut e = EvidenceDraft::new(
            EvidenceType::TEMPLATE,
            attacker.parse().unwrap(),
            side,
            ThreatLevel::High,
            1.0,
            Timestamp::ZERO,
            "x".into(),
        );
        e.victim = victim;
        e
    }

    #[test]
    fn parses_slips_format_with_errors_reported() {
        let (w, p) = wl(
            ";comment\n\"IoCType\",\"IoCValue\",\"Direction\",\"IgnoreType\"\n\
             #ip,1.1.1.1,both,both\n\
             ip,1.2.3.4,both,alerts\n\
             ip,9.9.0.0/16,src,flows\n\
             domain,apple.com,both,both\n\
             mac,b1:b1:b1:c1:c2:c3,src,flows\n\
             organization,google,both,alerts\n\
             ip,1.2.3.4,dst,alerts\n\
             ip,nope,both,alerts\n\
             domain,x.com,up,alerts\n\
             domain,x.com,src,never\n\
             organization,amazon,both,both\n\
             cat,x,both,both\n\
             ip,1.1.1.1\n",
        );
        assert_eq!(w.len(), 6);
        let reasons: Vec<String> = p.kept.iter().map(ToString::to_string).collect();
        assert_eq!(
            reasons,
            vec![
                "whitelist.conf line 10: not an IP or CIDR range: 'nope'",
                "whitelist.conf line 11: direction must be src, dst or both, not 'up'",
                "whitelist.conf line 12: ignore type must be flows, alerts, both or blocking, not 'never'",
                "whitelist.conf line 13: unknown organization 'amazon' (google, microsoft, apple, facebook, twitter)",
                "whitelist.conf line 14: unknown IoC type 'cat' (ip, domain, organization, mac)",
                "whitelist.conf line 15: expected type,value,direction,ignore",
            ]
        );
        // The last line for 1.2.3.4 wins: dst only.
        let ip = "1.2.3.4".parse().unwrap();
        assert!(w.ip(ip, Side::Dst, Ignore::Alerts));
        assert!(!w.ip(ip, Side::Src, Ignore::Alerts));
        // The commented-out entry is not active.
        assert!(!w.ip("1.1.1.1".parse().unwrap(), Side::Src, Ignore::Alerts));
    }

    #[test]
    fn never_block_covers_every_entry_and_blocking_only_entries_drop_nothing() {
        let (w, p) = wl("ip,10.0.0.1,src,blocking\nip,9.9.9.9,dst,alerts\nip,7.7.0.0/16,both,flows\norganization,google,both,alerts\n");
        assert!(p.kept.is_empty());
        for ip in ["10.0.0.1", "9.9.9.9", "7.7.1.2", "8.8.8.8"] {
            assert!(w.never_block(ip.parse().unwrap()), "{ip}");
        }
        assert!(!w.never_block("10.0.0.2".parse().unwrap()));
        // A blocking-only entry is still analysed and alerted on.
        let ip = "10.0.0.1".parse().unwrap();
        assert!(!w.ip(ip, Side::Src, Ignore::Flows));
        assert!(!w.ip(ip, Side::Src, Ignore::Alerts));
    }

    #[test]
    fn directions_and_ignore_types_for_flows() {
        let (w, _) = wl("ip,1.2.3.4,src,flows\nip,5.6.7.8,dst,flows\nip,9.9.9.9,both,alerts\nip,7.7.0.0/16,both,both\n");
        // src entry: only when it is the source.
        assert!(w.skip_record(&conn("1.2.3.4", "8.8.4.4")));
        assert!(!w.skip_record(&conn("8.8.4.4", "1.2.3.4")));
        // dst entry: only when it is the destination.
        assert!(w.skip_record(&conn("10.0.0.1", "5.6.7.8")));
        assert!(!w.skip_record(&conn("5.6.7.8", "10.0.0.1")));
        // alerts-only entries do not drop flows.
        assert!(!w.skip_record(&conn("9.9.9.9", "10.0.0.1")));
        // ranges.
        assert!(w.skip_record(&conn("10.0.0.1", "7.7.1.1")));
        assert!(w.skip_record(&conn("7.7.1.1", "10.0.0.1")));
    }

    #[test]
    fn evidence_by_side_domains_orgs_and_macs() {
        let (w, _) = wl("ip,9.9.9.9,src,alerts\nip,5.5.5.5,both,flows\ndomain,example.org,dst,both\norganization,google,both,alerts\nmac,b1:b1:b1:c1:c2:c3,dst,flows\n");
        assert!(w.skip_evidence(&ev("9.9.9.9", Side::Src, None)));
        assert!(!w.skip_evidence(&ev("9.9.9.9", Side::Dst, None)));
        assert!(
            !w.skip_evidence(&ev("5.5.5.5", Side::Src, None)),
            "flows-only entry"
        );
        // Victim whitelisted.
        assert!(w.skip_evidence(&ev(
            "10.0.0.1",
            Side::Src,
            Some(Ioc::ip("9.9.9.9".parse().unwrap(), Side::Src))
        )));
        assert!(w.skip_evidence(&ev(
            "10.0.0.1",
            Side::Src,
            Some(Ioc::domain("www.Example.org", Side::Dst))
        )));
        assert!(!w.skip_evidence(&ev(
            "10.0.0.1",
            Side::Src,
            Some(Ioc::domain("example.org", Side::Src))
        )));
        // Organisation ranges and domains.
        assert!(w.skip_evidence(&ev("8.8.8.8", Side::Dst, None)));
        assert!(w.skip_evidence(&ev(
            "10.0.0.1",
            Side::Src,
            Some(Ioc::domain("mail.google.com", Side::Dst))
        )));
        assert!(!w.skip_evidence(&ev("8.8.4.4", Side::Dst, None)));
        // Domains in records.
        let dns = Record::Dns(Box::new(Dns {
            id: Some(Endpoints {
                saddr: "10.0.0.1".parse().unwrap(),
                sport: 5353,
                daddr: "10.0.0.254".parse().unwrap(),
                dport: 53,
            }),
            query: Some("cdn.example.org".into()),
            ..Default::default()
        }));
        assert!(w.skip_record(&dns));
        // MACs.
        let mut c = Conn {
            saddr: Some("10.0.0.1".parse().unwrap()),
            daddr: Some("10.0.0.2".parse().unwrap()),
            dmac: Some("b1:b1:b1:c1:c2:c3".parse().unwrap()),
            ..Default::default()
        };
        assert!(w.skip_record(&Record::Conn(c.clone())));
        c.smac = c.dmac.take();
        assert!(!w.skip_record(&Record::Conn(c)), "dst-only MAC entry");
    }

    #[test]
    fn empty_whitelist_skips_nothing() {
        let (w, p) = wl("");
        assert!(p.is_empty() && w.is_empty());
        assert!(!w.skip_record(&conn("1.2.3.4", "5.6.7.8")));
        assert!(!w.skip_evidence(&ev("1.2.3.4", Side::Src, None)));
    }

    #[test]
    fn slips_default_whitelist() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/slips-data/config/whitelist.conf"
        );
        let orgs_dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/slips-data/organizations_info"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipping: {path} is absent");
            return;
        };
        let mut p = Problems::default();
        let orgs = OrgData::load(std::path::Path::new(orgs_dir), &mut p);
        let w = Whitelist::parse(&text, "whitelist.conf", Arc::new(orgs), None, &mut p);
        assert!(p.is_empty(), "{:?}", p.kept);
        assert_eq!(w.len(), 105);
        // Everything there is for alerts: no flow is dropped.
        assert!(!w.skip_record(&conn("10.0.0.1", "8.8.8.8")));
        assert!(
            w.skip_evidence(&ev("8.8.8.8", Side::Dst, None)),
            "google range"
        );
        assert!(w.skip_evidence(&ev("216.239.32.21", Side::Dst, None)));
        assert!(w.skip_evidence(&ev(
            "10.0.0.1",
            Side::Src,
            Some(Ioc::domain("www.virustotal.com", Side::Dst))
        )));
        assert!(!w.skip_evidence(&ev("185.33.223.203", Side::Dst, None)));
    }
}
