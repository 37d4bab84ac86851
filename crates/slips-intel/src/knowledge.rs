//! [`Knowledge`] for detectors, backed by the loaded data: MAC vendors, TOR exit nodes,
//! organisations, GeoIP and the IoC database; and the short enrichment text for alerts.

use crate::db::{AsnSource, SharedIntel};
use crate::geo::Geo;
use crate::online::Online;
use crate::orgs::OrgData;
use crate::oui::MacVendors;
use crate::text::Problems;
use foldhash::HashSet;
use slips_core::{Mac, Str};
use slips_detectors::knowledge::IocLookup;
use slips_detectors::{Knowledge, Org};
use std::net::IpAddr;
use std::sync::Arc;

/// TOR exit nodes from a list file: one IP per line (`#` comments; lines such as
/// `ExitAddress 1.2.3.4 2024-01-01 ...` of the TOR exit list format are understood too).
pub fn parse_tor_list(text: &str, file: &str, problems: &mut Problems) -> HashSet<IpAddr> {
    let mut out = HashSet::default();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let tok = match l.strip_prefix("ExitAddress ") {
            Some(rest) => rest.split_whitespace().next().unwrap_or(""),
            None if l.contains(' ') => {
                // Other lines of the exit-list format (ExitNode, Published, LastStatus).
                if l.starts_with("ExitNode")
                    || l.starts_with("Published")
                    || l.starts_with("LastStatus")
                {
                    continue;
                }
                l.split_whitespace().next().unwrap_or("")
            }
            None => l,
        };
        match tok.parse::<IpAddr>() {
            Ok(ip) => {
                out.insert(ip);
            }
            Err(_) => problems.push(file, i + 1, format!("not an IP address: '{tok}'")),
        }
    }
    out
}

/// Everything detectors may ask, answered from memory.
pub struct IntelKnowledge {
    pub(crate) intel: Arc<SharedIntel>,
    pub(crate) geo: Arc<Geo>,
    pub(crate) orgs: Arc<OrgData>,
    pub(crate) vendors: MacVendors,
    pub(crate) tor: HashSet<IpAddr>,
    pub(crate) online: Option<Arc<Online>>,
    pub(crate) whitelist: Option<Arc<crate::Whitelist>>,
}

impl std::fmt::Debug for IntelKnowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntelKnowledge")
            .field("mac_vendors", &self.vendors.len())
            .field("tor_exit_nodes", &self.tor.len())
            .field("geo", &self.geo)
            .finish_non_exhaustive()
    }
}

impl IntelKnowledge {
    /// Assembles the knowledge from loaded parts.
    pub fn new(
        intel: Arc<SharedIntel>,
        geo: Arc<Geo>,
        orgs: Arc<OrgData>,
        vendors: MacVendors,
        tor: HashSet<IpAddr>,
    ) -> Self {
        IntelKnowledge {
            intel,
            geo,
            orgs,
            vendors,
            tor,
            online: None,
            whitelist: None,
        }
    }

    /// Adds the whitelist, for [`Knowledge::domain_whitelisted`].
    pub fn with_whitelist(mut self, whitelist: Option<Arc<crate::Whitelist>>) -> Self {
        self.whitelist = whitelist;
        self
    }

    /// Adds the online enrichers (reverse DNS, whois, VirusTotal, hash lookups).
    pub fn with_online(mut self, online: Option<Arc<Online>>) -> Self {
        self.online = online.filter(|o| o.enabled());
        self
    }

    /// The online enrichers, when enabled.
    pub fn online(&self) -> Option<&Arc<Online>> {
        self.online.as_ref()
    }

    pub fn geo(&self) -> &Geo {
        &self.geo
    }

    pub fn tor_exit_nodes(&self) -> usize {
        self.tor.len()
    }

    /// The short text about an IP shown next to evidence in `alerts.log` (Slips shows AS,
    /// rDNS and SNI there): `AS15169 Google LLC, US, rDNS: dns.google, SNI: www.google.com`,
    /// the parts that are known, in that order; organisation, threat intelligence, TOR and
    /// VirusTotal scores are added when they apply. `None` when nothing is known. Pass the
    /// SNI the caller saw for this IP, if any.
    ///
    /// With online lookups, rDNS and VirusTotal come from their cache: an IP not asked
    /// about yet is queued and shows them on a later call (never waits).
    pub fn enrichment(&self, ip: IpAddr, sni: Option<&str>) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        if let Some((asn, org)) = self.geo.asn(ip) {
            parts.push(match org {
                Some(o) => format!("AS{asn} {o}"),
                None => format!("AS{asn}"),
            });
        }
        if let Some(c) = self.geo.country(ip) {
            parts.push(c.to_string());
        }
        if let Some(name) = self.online.as_ref().and_then(|o| o.reverse_dns(ip)) {
            parts.push(format!("rDNS: {name}"));
        }
        if let Some(org) = self.orgs.ip_org(ip, Some(&*self.geo as &dyn AsnSource)) {
            parts.push(format!("organization: {}", org.name()));
        }
        if let Some(s) = sni.filter(|s| !s.is_empty()) {
            parts.push(format!("SNI: {s}"));
        }
        if self.tor.contains(&ip) {
            parts.push("TOR exit node".into());
        }
        if let Some(i) = self.intel.ip(ip) {
            parts.push(format!("blacklisted in {}", i.source));
        }
        if let Some(vt) = self.online.as_ref().and_then(|o| o.vt_score(ip)) {
            parts.push(vt.to_string());
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

impl Knowledge for IntelKnowledge {
    fn mac_vendor(&self, mac: Mac) -> Option<Str> {
        self.vendors.vendor(mac)
    }
    fn is_tor_exit_node(&self, ip: IpAddr) -> bool {
        self.tor.contains(&ip)
    }
    fn ip_org(&self, ip: IpAddr) -> Option<Org> {
        self.orgs.ip_org(ip, Some(&*self.geo as &dyn AsnSource))
    }
    fn domain_belongs_to(&self, domain: &str, org: Org) -> bool {
        self.orgs.domain_in(domain, org)
    }
    fn intel(&self) -> Option<&dyn IocLookup> {
        Some(&*self.intel)
    }
    fn domain_whitelisted(&self, domain: &str) -> bool {
        self.whitelist.as_ref().is_some_and(|w| {
            w.domain(
                domain,
                slips_core::Side::Dst,
                crate::whitelist::Ignore::Alerts,
            )
        })
    }
    fn domain_age_days(&self, domain: &str) -> Option<u32> {
        self.online.as_ref()?.domain_age_days(domain)
    }
    fn online_lookups(&self) -> bool {
        self.online.is_some()
    }
    fn file_hash_verdict(&self, hash: &str) -> Option<slips_detectors::knowledge::FileVerdict> {
        self.online.as_ref()?.file_verdict(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::IntelDbBuilder;
    use slips_core::ThreatLevel;

    #[test]
    fn tor_list_formats() {
        let mut p = Problems::default();
        let t = parse_tor_list(
            "# list\n185.220.101.1\nExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2024-01-01 00:00:00\nExitAddress 51.15.43.205 2024-01-02 00:00:00\n2a0b:f4c2::1\nnope\n",
            "tor.txt",
            &mut p,
        );
        let mut v: Vec<_> = t.into_iter().collect();
        v.sort();
        assert_eq!(
            v,
            vec![
                "51.15.43.205".parse::<IpAddr>().unwrap(),
                "185.220.101.1".parse().unwrap(),
                "2a0b:f4c2::1".parse().unwrap()
            ]
        );
        assert_eq!(
            p.kept[0].to_string(),
            "tor.txt line 7: not an IP address: 'nope'"
        );
    }

    #[test]
    fn knowledge_answers_and_enrichment() {
        let mut b = IntelDbBuilder::new();
        let s = b.source("ipsum.txt", "honeypot").unwrap();
        b.add(
            s,
            ThreatLevel::Medium,
            crate::ioc::classify("185.220.101.1").unwrap(),
            None,
            None,
        )
        .unwrap();
        let intel = Arc::new(SharedIntel::new(b.build(), None));
        let orgs = OrgData::from_lists(&[(Org::Google, &["8.8.8.0/24"], &["google.com"], &[])]);
        let mut p = Problems::default();
        let vendors =
            MacVendors::parse("MA-L,080027,PCS Systemtechnik GmbH,x\n", "oui.csv", &mut p);
        let tor = parse_tor_list("185.220.101.1\n", "tor", &mut p);
        let k = IntelKnowledge::new(
            intel,
            Arc::new(Geo::default()),
            Arc::new(orgs),
            vendors,
            tor,
        );
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(k.is_tor_exit_node(ip("185.220.101.1")));
        assert!(!k.is_tor_exit_node(ip("8.8.8.8")));
        assert_eq!(k.ip_org(ip("8.8.8.8")), Some(Org::Google));
        assert!(k.domain_belongs_to("www.google.com", Org::Google));
        assert_eq!(
            k.mac_vendor("08:00:27:01:02:03".parse().unwrap())
                .as_deref(),
            Some("PCS Systemtechnik GmbH")
        );
        assert!(k.intel().unwrap().ip(ip("185.220.101.1")).is_some());
        assert_eq!(k.domain_age_days("example.com"), None);
        assert_eq!(
            k.enrichment(ip("185.220.101.1"), None).as_deref(),
            Some("TOR exit node, blacklisted in ipsum.txt")
        );
        assert_eq!(
            k.enrichment(ip("8.8.8.8"), Some("dns.google")).as_deref(),
            Some("organization: google, SNI: dns.google")
        );
        assert_eq!(k.enrichment(ip("10.0.0.1"), None), None);
    }

    #[test]
    fn enrichment_with_geoip_test_databases() {
        let mm = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata/maxmind"
        );
        let dir = std::path::Path::new(mm);
        if !dir.exists() {
            eprintln!("skipping: {mm} is absent");
            return;
        }
        let geo = Geo::open(
            Some(&dir.join("GeoLite2-Country-Test.mmdb")),
            Some(&dir.join("GeoLite2-ASN-Test.mmdb")),
        );
        let k = IntelKnowledge::new(
            Arc::new(SharedIntel::new(Default::default(), None)),
            Arc::new(geo),
            Arc::new(OrgData::default()),
            MacVendors::default(),
            HashSet::default(),
        );
        assert_eq!(
            k.enrichment("1.128.0.0".parse().unwrap(), Some("x.example.com"))
                .as_deref(),
            Some("AS1221 Telstra Pty Ltd, SNI: x.example.com")
        );
        assert_eq!(
            k.enrichment("81.2.69.160".parse().unwrap(), None)
                .as_deref(),
            Some("GB")
        );
    }
}
