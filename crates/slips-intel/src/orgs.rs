//! Organisations' ASNs, IP ranges and domains, from a folder of user-editable files in
//! Slips' layout: `<org>_asn` (`AS15169` per line), `<org>_ip_ranges` (CIDR per line) and
//! `<org>_domains` (domain per line) for google, microsoft, apple, facebook and twitter.

use crate::db::AsnSource;
use crate::ioc::{domain_and_parents, normalize_domain};
use crate::ranges::NetTable;
use crate::text::Problems;
use foldhash::HashSet;
use ipnet::IpNet;
use slips_detectors::Org;
use std::net::IpAddr;
use std::path::Path;

#[derive(Clone, Debug, Default)]
struct OrgInfo {
    asns: HashSet<u32>,
    /// AS names (`GOOGLE-CLOUD-2`), uppercase: Slips' files list them too.
    asn_names: HashSet<Box<str>>,
    ranges: NetTable<()>,
    domains: HashSet<Box<str>>,
}

/// In-memory lists of one organisation: IP ranges, domains and ASNs.
pub type OrgLists<'a> = (Org, &'a [&'a str], &'a [&'a str], &'a [u32]);

/// What is known about each [`Org`].
#[derive(Clone, Debug, Default)]
pub struct OrgData {
    orgs: [OrgInfo; 5],
}

fn idx(org: Org) -> usize {
    Org::ALL.iter().position(|o| *o == org).unwrap_or(0)
}

impl OrgData {
    /// Reads the folder. Missing files leave that part empty (one warning per missing
    /// folder); malformed lines are reported and skipped.
    pub fn load(dir: &Path, problems: &mut Problems) -> OrgData {
        let mut data = OrgData::default();
        if !dir.is_dir() {
            tracing::warn!(
                "organisations folder {} not found; organisation whitelists and lookups know nothing",
                dir.display()
            );
            return data;
        }
        let mut files = Vec::new();
        for org in Org::ALL {
            for suffix in ["asn", "ip_ranges", "domains"] {
                let p = dir.join(format!("{}_{suffix}", org.name()));
                if let Ok(t) = std::fs::read_to_string(&p) {
                    files.push((p.display().to_string(), t));
                }
            }
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        data.add_files(&refs, problems);
        data
    }

    /// slips' built-in organisation data (`data/organizations/` of the repository, compiled
    /// in): a few well-known ASNs, IP ranges and domains of each organisation, so that
    /// organisation whitelists work without any file.
    pub fn builtin() -> OrgData {
        let mut data = OrgData::default();
        let mut problems = Problems::default();
        data.add_files(crate::defaults::ORGANIZATIONS, &mut problems);
        debug_assert_eq!(problems.total, 0, "{:?}", problems.kept);
        data
    }

    /// Adds files named `<org>_asn`, `<org>_ip_ranges` or `<org>_domains` (the last path
    /// component of the name decides), given as (name, text).
    fn add_files(&mut self, files: &[(&str, &str)], problems: &mut Problems) {
        for &(name, t) in files {
            let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
            let Some(org) = Org::ALL
                .into_iter()
                .find(|o| base.starts_with(&format!("{}_", o.name())))
            else {
                continue;
            };
            let suffix = &base[org.name().len() + 1..];
            let info = &mut self.orgs[idx(org)];
            match suffix {
                "asn" => {
                    for (i, l) in lines(t) {
                        let n = l.trim_start_matches("AS").trim_start_matches("as");
                        if let Ok(a) = n.parse::<u32>() {
                            info.asns.insert(a);
                            continue;
                        }
                        // `GOOGLE-CLOUD-2, US`: an AS name with its country.
                        let name_part = l.split(',').next().unwrap_or("").trim();
                        let name_part = name_part.split_whitespace().next().unwrap_or("");
                        if name_part.is_empty()
                            || !name_part
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                        {
                            problems.push(name, i, format!("not an ASN or AS name: {l}"));
                            continue;
                        }
                        info.asn_names
                            .insert(name_part.to_ascii_uppercase().into_boxed_str());
                    }
                }
                "ip_ranges" => {
                    let mut nets = Vec::new();
                    for (i, l) in lines(t) {
                        match l.parse::<IpNet>() {
                            Ok(n) => nets.push((n, ())),
                            Err(_) => match l.parse::<IpAddr>() {
                                Ok(ip) => nets.push((IpNet::from(ip), ())),
                                Err(_) => problems.push(name, i, format!("not an IP range: {l}")),
                            },
                        }
                    }
                    info.ranges = NetTable::build(nets, |_, _| ());
                }
                "domains" => {
                    for (i, l) in lines(t) {
                        match normalize_domain(l) {
                            Some(d) => {
                                info.domains.insert(d.into_owned().into_boxed_str());
                            }
                            None => problems.push(name, i, format!("not a domain: {l}")),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Builds from in-memory lists (tests, embedders).
    pub fn from_lists(entries: &[OrgLists<'_>]) -> OrgData {
        let mut data = OrgData::default();
        for (org, ranges, domains, asns) in entries {
            let info = &mut data.orgs[idx(*org)];
            info.ranges = NetTable::build(
                ranges
                    .iter()
                    .filter_map(|r| r.parse().ok())
                    .map(|n| (n, ()))
                    .collect(),
                |_, _| (),
            );
            info.domains = domains.iter().map(|d| (*d).into()).collect();
            info.asns = asns.iter().copied().collect();
        }
        data
    }

    /// Whether the IP is in the organisation's ranges, or its ASN (when an ASN database
    /// is available) is one of the organisation's.
    pub fn ip_in(&self, ip: IpAddr, org: Org, asn: Option<&dyn AsnSource>) -> bool {
        let info = &self.orgs[idx(org)];
        info.ranges.get(ip).is_some() || asn.is_some_and(|a| Self::asn_matches(info, ip, a))
    }

    fn asn_matches(info: &OrgInfo, ip: IpAddr, a: &dyn AsnSource) -> bool {
        (!info.asns.is_empty() && a.asn_of(ip).is_some_and(|n| info.asns.contains(&n)))
            || (!info.asn_names.is_empty()
                && a.asn_org(ip).is_some_and(|o| {
                    info.asn_names
                        .contains(o.trim().to_ascii_uppercase().as_str())
                }))
    }

    /// The first organisation owning the IP.
    pub fn ip_org(&self, ip: IpAddr, asn: Option<&dyn AsnSource>) -> Option<Org> {
        if let Some(o) = Org::ALL
            .into_iter()
            .find(|o| self.orgs[idx(*o)].ranges.get(ip).is_some())
        {
            return Some(o);
        }
        let a = asn?;
        Org::ALL
            .into_iter()
            .find(|o| Self::asn_matches(&self.orgs[idx(*o)], ip, a))
    }

    /// Whether the domain or one of its parents is in the organisation's domain list.
    pub fn domain_in(&self, domain: &str, org: Org) -> bool {
        let info = &self.orgs[idx(org)];
        if info.domains.is_empty() {
            return false;
        }
        let Some(d) = normalize_domain(domain) else {
            return false;
        };
        let found = domain_and_parents(&d).any(|c| info.domains.contains(c));
        found
    }

    pub fn is_empty(&self) -> bool {
        self.orgs.iter().all(|o| {
            o.asns.is_empty()
                && o.asn_names.is_empty()
                && o.ranges.is_empty()
                && o.domains.is_empty()
        })
    }
}

fn lines(t: &str) -> impl Iterator<Item = (usize, &str)> {
    t.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORGS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/slips-data/organizations_info"
    );

    #[test]
    fn small_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("google_asn"),
            "AS15169\nGOOGLE-CLOUD-2, US\n(bad)\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("google_ip_ranges"),
            "8.8.8.0/24\n2001:4860::/32\nnope\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("google_domains"),
            "#\ngoogle.com\nyoutube.com\n",
        )
        .unwrap();
        let mut p = Problems::default();
        let d = OrgData::load(dir.path(), &mut p);
        assert_eq!(p.total, 2);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(d.ip_in(ip("8.8.8.8"), Org::Google, None));
        assert!(d.ip_in(ip("2001:4860::8888"), Org::Google, None));
        assert!(!d.ip_in(ip("8.8.4.4"), Org::Google, None));
        struct Asn;
        impl AsnSource for Asn {
            fn asn_of(&self, _: IpAddr) -> Option<u32> {
                Some(15169)
            }
        }
        assert!(d.ip_in(ip("8.8.4.4"), Org::Google, Some(&Asn)));
        struct Named;
        impl AsnSource for Named {
            fn asn_of(&self, _: IpAddr) -> Option<u32> {
                Some(1)
            }
            fn asn_org(&self, _: IpAddr) -> Option<slips_core::Str> {
                Some("Google-Cloud-2".into())
            }
        }
        assert!(
            d.ip_in(ip("9.9.9.9"), Org::Google, Some(&Named)),
            "by AS name"
        );
        assert_eq!(d.ip_org(ip("8.8.4.4"), Some(&Asn)), Some(Org::Google));
        assert_eq!(d.ip_org(ip("8.8.4.4"), None), None);
        assert!(d.domain_in("www.YouTube.com.", Org::Google));
        assert!(!d.domain_in("notyoutube.com", Org::Google));
        assert!(!d.domain_in("google.com", Org::Apple));
        assert!(OrgData::load(Path::new("/nonexistent"), &mut p).is_empty());
    }

    #[test]
    fn slips_org_files() {
        let dir = Path::new(ORGS);
        if !dir.exists() {
            eprintln!("skipping: {ORGS} is absent");
            return;
        }
        let mut p = Problems::default();
        let d = OrgData::load(dir, &mut p);
        assert!(p.is_empty(), "{:?}", p.kept);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(d.ip_org(ip("8.8.8.8"), None), Some(Org::Google));
        assert_eq!(d.ip_org(ip("17.253.144.10"), None), Some(Org::Apple));
        assert_eq!(d.ip_org(ip("31.13.64.35"), None), Some(Org::Facebook));
        assert!(d.domain_in("abs.twimg.com", Org::Twitter));
        assert!(d.domain_in("www.icloud.com", Org::Apple));
    }
}
