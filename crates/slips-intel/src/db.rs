//! The in-memory IoC database: hash sets for exact values, a flattened prefix table for
//! ranges, built once from all sources and shared read-only (swapped whole on refresh).

use crate::ioc::{domain_and_parents, is_listable, normalize_domain, normalize_url, IocValue};
use crate::ranges::NetTable;
use arc_swap::ArcSwap;
use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};
use ipnet::IpNet;
use slips_core::{Str, ThreatLevel};
use slips_detectors::knowledge::{Fingerprint, IocInfo, IocLookup};
use std::net::IpAddr;
use std::sync::Arc;

/// Where an IoC came from: a feed or a local file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// File name of the feed (`ipsum.txt`, `own_malicious_iocs.csv`).
    pub name: Str,
    /// Tags joined with `, `.
    pub tags: Str,
}

/// What the database stores per IoC: 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tag {
    source: u16,
    level: ThreatLevel,
    /// Index into the interned descriptions; `u32::MAX` = none.
    desc: u32,
}

impl Tag {
    /// The stronger of two listings of the same IoC: higher threat level, else the first.
    fn merge(a: &Tag, b: &Tag) -> Tag {
        if b.level > a.level {
            *b
        } else {
            *a
        }
    }
}

/// Counts of loaded indicators, per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbCounts {
    pub ips: usize,
    pub ranges: usize,
    pub domains: usize,
    pub urls: usize,
    pub asns: usize,
    pub ja3: usize,
    pub jarm: usize,
    pub cert_sha1: usize,
    pub file_hashes: usize,
}

impl DbCounts {
    pub fn total(&self) -> usize {
        self.ips
            + self.ranges
            + self.domains
            + self.urls
            + self.asns
            + self.ja3
            + self.jarm
            + self.cert_sha1
            + self.file_hashes
    }
}

const FP_KINDS: usize = 4;

fn fp_index(k: Fingerprint) -> usize {
    match k {
        Fingerprint::Ja3 => 0,
        Fingerprint::Jarm => 1,
        Fingerprint::CertSha1 => 2,
        Fingerprint::FileHash => 3,
    }
}

/// Why an indicator was not added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// A private, loopback, multicast or reserved address or range (Slips keeps only global
    /// addresses from feeds).
    NotGlobal,
    /// The source id does not exist.
    UnknownSource,
}

/// Collects indicators, then [`IntelDbBuilder::build`]s the database.
pub struct IntelDbBuilder {
    sources: Vec<Source>,
    descs: Vec<Str>,
    desc_ids: HashMap<Str, u32>,
    ips: HashMap<IpAddr, Tag>,
    nets: Vec<(IpNet, Tag)>,
    domains: HashMap<Box<str>, Tag>,
    urls: HashMap<Box<str>, Tag>,
    asns: HashMap<u32, Tag>,
    fps: [HashMap<Box<str>, Tag>; FP_KINDS],
}

impl Default for IntelDbBuilder {
    fn default() -> Self {
        IntelDbBuilder {
            sources: Vec::new(),
            descs: Vec::new(),
            desc_ids: HashMap::new(),
            ips: HashMap::new(),
            nets: Vec::new(),
            domains: HashMap::new(),
            urls: HashMap::new(),
            asns: HashMap::new(),
            fps: std::array::from_fn(|_| HashMap::new()),
        }
    }
}

/// Most sources (feeds and files) in one database.
pub const MAX_SOURCES: usize = u16::MAX as usize;

impl IntelDbBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a source; returns its id, or `None` past [`MAX_SOURCES`].
    pub fn source(&mut self, name: &str, tags: &str) -> Option<u16> {
        if self.sources.len() >= MAX_SOURCES {
            return None;
        }
        self.sources.push(Source {
            name: name.into(),
            tags: tags.into(),
        });
        u16::try_from(self.sources.len() - 1).ok()
    }

    fn desc(&mut self, d: Option<&str>) -> u32 {
        let Some(d) = d.map(str::trim).filter(|d| !d.is_empty()) else {
            return u32::MAX;
        };
        if let Some(id) = self.desc_ids.get(d) {
            return *id;
        }
        let id = u32::try_from(self.descs.len()).unwrap_or(u32::MAX);
        if id != u32::MAX {
            self.descs.push(d.into());
            self.desc_ids.insert(d.into(), id);
        }
        id
    }

    /// Adds one indicator. Hashes go to the set named by `fingerprint` (the caller decides
    /// from the feed list and the hash length).
    pub fn add(
        &mut self,
        source: u16,
        level: ThreatLevel,
        value: IocValue,
        fingerprint: Option<Fingerprint>,
        description: Option<&str>,
    ) -> Result<(), Rejected> {
        if usize::from(source) >= self.sources.len() {
            return Err(Rejected::UnknownSource);
        }
        let desc = self.desc(description);
        let tag = Tag {
            source,
            level,
            desc,
        };
        fn put<K: std::hash::Hash + Eq>(m: &mut HashMap<K, Tag>, k: K, tag: Tag) {
            m.entry(k)
                .and_modify(|t| *t = Tag::merge(t, &tag))
                .or_insert(tag);
        }
        match value {
            IocValue::Ip(ip) => {
                if !is_listable(&ip) {
                    return Err(Rejected::NotGlobal);
                }
                put(&mut self.ips, ip, tag);
            }
            IocValue::Net(net) => {
                if !is_listable(&net.network()) {
                    return Err(Rejected::NotGlobal);
                }
                self.nets.push((net, tag));
            }
            IocValue::Domain(d) => put(&mut self.domains, d.into_boxed_str(), tag),
            IocValue::Url(u) => put(&mut self.urls, u.into_boxed_str(), tag),
            IocValue::Asn(a) => put(&mut self.asns, a, tag),
            IocValue::Hash(h) => {
                let k = fingerprint.unwrap_or(Fingerprint::FileHash);
                put(&mut self.fps[fp_index(k)], h.into_boxed_str(), tag);
            }
        }
        Ok(())
    }

    /// Number of indicators collected so far (ranges counted before deduplication).
    pub fn len(&self) -> usize {
        self.ips.len()
            + self.nets.len()
            + self.domains.len()
            + self.urls.len()
            + self.asns.len()
            + self.fps.iter().map(HashMap::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn build(self) -> IntelDb {
        let mut ips4 = HashMap::with_capacity(self.ips.len());
        let mut ips6 = HashMap::new();
        for (ip, t) in self.ips {
            match ip {
                IpAddr::V4(a) => {
                    ips4.insert(u32::from(a), t);
                }
                IpAddr::V6(a) => match a.to_ipv4_mapped() {
                    Some(v4) => {
                        ips4.insert(u32::from(v4), t);
                    }
                    None => {
                        ips6.insert(u128::from(a), t);
                    }
                },
            }
        }
        let ranges = self.nets.len();
        let pre4 = Prefilter::build(&ips4, &self.nets);
        let mut db = IntelDb {
            pre4,
            sources: self.sources,
            descs: self.descs,
            ips4,
            ips6,
            nets: NetTable::build(self.nets, Tag::merge),
            domains: self.domains,
            urls: self.urls,
            asns: self.asns,
            fps: self.fps,
            counts: DbCounts::default(),
        };
        db.ips4.shrink_to_fit();
        db.ips6.shrink_to_fit();
        db.domains.shrink_to_fit();
        db.counts = DbCounts {
            ips: db.ips4.len() + db.ips6.len(),
            ranges,
            domains: db.domains.len(),
            urls: db.urls.len(),
            asns: db.asns.len(),
            ja3: db.fps[0].len(),
            jarm: db.fps[1].len(),
            cert_sha1: db.fps[2].len(),
            file_hashes: db.fps[3].len(),
        };
        db
    }
}

/// The IoC database. Built once by [`IntelDbBuilder`], read-only afterwards.
#[derive(Debug, Default)]
pub struct IntelDb {
    /// IPv4 /24 blocks that hold a listed address or range (rejects most misses with one
    /// memory access); `None` for small databases.
    pre4: Option<Prefilter>,
    sources: Vec<Source>,
    descs: Vec<Str>,
    ips4: HashMap<u32, Tag>,
    ips6: HashMap<u128, Tag>,
    nets: NetTable<Tag>,
    domains: HashMap<Box<str>, Tag>,
    urls: HashMap<Box<str>, Tag>,
    asns: HashMap<u32, Tag>,
    fps: [HashMap<Box<str>, Tag>; FP_KINDS],
    counts: DbCounts,
}

impl IntelDb {
    pub fn counts(&self) -> &DbCounts {
        &self.counts
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    fn info(&self, t: &Tag) -> IocInfo {
        let src = self.sources.get(usize::from(t.source));
        IocInfo {
            threat_level: t.level,
            description: self.descs.get(t.desc as usize).cloned().unwrap_or_default(),
            source: src.map(|s| s.name.clone()).unwrap_or_default(),
            tags: src.map(|s| s.tags.clone()).unwrap_or_default(),
        }
    }

    /// Exact address first, then the longest listed range containing it.
    #[inline]
    fn ip_tag(&self, ip: IpAddr) -> Option<&Tag> {
        let v4 = match ip {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(a) => a.to_ipv4_mapped(),
        };
        match v4 {
            Some(a) => {
                let k = u32::from(a);
                if self.pre4.as_ref().is_some_and(|p| !p.may_contain(k)) {
                    return None;
                }
                self.ips4.get(&k).or_else(|| self.nets.v4.get(k))
            }
            None => self
                .ips6
                .get(&u128::from(ip_v6(ip)))
                .or_else(|| self.nets.get(ip)),
        }
    }

    /// Whether the IP (or a range containing it) is listed; no allocation.
    #[inline]
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        self.ip_tag(ip).is_some()
    }

    pub fn ip(&self, ip: IpAddr) -> Option<IocInfo> {
        self.ip_tag(ip).map(|t| self.info(t))
    }

    pub fn domain(&self, domain: &str) -> Option<(IocInfo, bool)> {
        if self.domains.is_empty() {
            return None;
        }
        let d = normalize_domain(domain)?;
        for (i, cand) in domain_and_parents(&d).enumerate() {
            if let Some(t) = self.domains.get(cand) {
                return Some((self.info(t), i > 0));
            }
        }
        None
    }

    pub fn url(&self, url: &str) -> Option<IocInfo> {
        if self.urls.is_empty() {
            return None;
        }
        let u = normalize_url(url)?;
        self.urls.get(u.as_str()).map(|t| self.info(t))
    }

    pub fn fingerprint(&self, kind: Fingerprint, value: &str) -> Option<IocInfo> {
        let m = &self.fps[fp_index(kind)];
        if m.is_empty() {
            return None;
        }
        let v = value.trim();
        let t = if v.bytes().any(|b| b.is_ascii_uppercase()) {
            m.get(v.to_ascii_lowercase().as_str())
        } else {
            m.get(v)
        };
        t.map(|t| self.info(t))
    }

    pub fn asn(&self, asn: u32) -> Option<IocInfo> {
        self.asns.get(&asn).map(|t| self.info(t))
    }

    pub fn has_asns(&self) -> bool {
        !self.asns.is_empty()
    }

    /// Approximate heap bytes of the lookup structures (hash tables at capacity, keys of
    /// strings, range tables, descriptions).
    pub fn memory_bytes(&self) -> usize {
        fn table<K, V>(m: &HashMap<K, V>) -> usize {
            // hashbrown: one control byte per bucket plus the entries; capacity ≈ 7/8 buckets.
            let buckets = (m.capacity() * 8).div_ceil(7).next_power_of_two();
            buckets * (std::mem::size_of::<(K, V)>() + 1)
        }
        fn strs(m: &HashMap<Box<str>, Tag>) -> usize {
            table(m) + m.keys().map(|k| k.len()).sum::<usize>()
        }
        self.pre4.as_ref().map_or(0, |p| p.0.len() * 8)
            + table(&self.ips4)
            + table(&self.ips6)
            + self.nets.memory_bytes()
            + strs(&self.domains)
            + strs(&self.urls)
            + table(&self.asns)
            + self.fps.iter().map(strs).sum::<usize>()
            + self
                .descs
                .iter()
                .map(|d| {
                    std::mem::size_of::<Str>() + if d.is_heap_allocated() { d.len() } else { 0 }
                })
                .sum::<usize>()
    }
}

fn ip_v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

/// Databases with fewer IPv4 entries than this get no prefilter.
const PREFILTER_MIN: usize = 4096;

/// One bit per IPv4 /24 (2 MiB): set when a listed address or range touches the block.
#[derive(Debug)]
struct Prefilter(Vec<u64>);

impl Prefilter {
    fn build(ips4: &HashMap<u32, Tag>, nets: &[(IpNet, Tag)]) -> Option<Prefilter> {
        let v4_nets = nets.iter().filter(|(n, _)| matches!(n, IpNet::V4(_)));
        if ips4.len() + v4_nets.clone().count() < PREFILTER_MIN {
            return None;
        }
        let mut bits = vec![0u64; 1 << 18];
        let mut set = |block: u32| {
            let b = block as usize;
            if let Some(w) = bits.get_mut(b >> 6) {
                *w |= 1 << (b & 63);
            }
        };
        for k in ips4.keys() {
            set(k >> 8);
        }
        for (n, _) in v4_nets {
            if let IpNet::V4(n) = n {
                let first = u32::from(n.network()) >> 8;
                let last = u32::from(n.broadcast()) >> 8;
                for b in first..=last {
                    set(b);
                }
            }
        }
        Some(Prefilter(bits))
    }

    #[inline]
    fn may_contain(&self, k: u32) -> bool {
        let b = (k >> 8) as usize;
        self.0.get(b >> 6).is_some_and(|w| w & (1 << (b & 63)) != 0)
    }
}

/// Something that tells the ASN of an IP (the GeoIP ASN database).
pub trait AsnSource: Send + Sync {
    fn asn_of(&self, ip: IpAddr) -> Option<u32>;
    /// The organisation name registered for the IP's ASN (`GOOGLE`).
    fn asn_org(&self, _ip: IpAddr) -> Option<Str> {
        None
    }
}

/// The shared, atomically swappable handle to the current [`IntelDb`]. Cloning the `Arc`
/// around it is how detectors, the refresher and the binary share it.
pub struct SharedIntel {
    db: ArcSwap<IntelDb>,
    asn: Option<Arc<dyn AsnSource>>,
    generation: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for SharedIntel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedIntel")
            .field("counts", self.db.load().counts())
            .finish_non_exhaustive()
    }
}

impl SharedIntel {
    pub fn new(db: IntelDb, asn: Option<Arc<dyn AsnSource>>) -> Self {
        SharedIntel {
            db: ArcSwap::from_pointee(db),
            asn,
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The current database (a cheap snapshot; stays valid after a swap).
    pub fn snapshot(&self) -> Arc<IntelDb> {
        self.db.load_full()
    }

    /// Replaces the database atomically; lookups in flight finish on the old one.
    pub fn swap(&self, db: IntelDb) {
        self.db.store(Arc::new(db));
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// How many times the database was swapped.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Whether the IP is listed (no allocation): the per-flow fast path.
    #[inline]
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        self.db.load().contains_ip(ip)
    }
}

impl IocLookup for SharedIntel {
    #[inline]
    fn ip(&self, ip: IpAddr) -> Option<IocInfo> {
        let db = self.db.load();
        db.ip_tag(ip).map(|t| db.info(t))
    }
    fn domain(&self, domain: &str) -> Option<(IocInfo, bool)> {
        self.db.load().domain(domain)
    }
    fn url(&self, url: &str) -> Option<IocInfo> {
        self.db.load().url(url)
    }
    fn fingerprint(&self, kind: Fingerprint, value: &str) -> Option<IocInfo> {
        self.db.load().fingerprint(kind, value)
    }
    fn blacklisted_asn(&self, ip: IpAddr) -> Option<(u32, IocInfo)> {
        let db = self.db.load();
        if !db.has_asns() {
            return None;
        }
        let asn = self.asn.as_ref()?.asn_of(ip)?;
        db.asn(asn).map(|i| (asn, i))
    }
}

/// Joins tags for display: `['phishing','honeypot']` → `phishing, honeypot`.
pub fn join_tags(tags: &[String]) -> CompactString {
    let mut s = CompactString::default();
    for (i, t) in tags.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(t);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ioc::classify;

    fn db(lines: &[(&str, ThreatLevel, Option<Fingerprint>)]) -> IntelDb {
        let mut b = IntelDbBuilder::new();
        let s = b.source("feed.txt", "honeypot").unwrap();
        for (v, l, fp) in lines {
            b.add(s, *l, classify(v).unwrap(), *fp, Some("bad thing"))
                .unwrap();
        }
        b.build()
    }

    fn info(level: ThreatLevel) -> IocInfo {
        IocInfo {
            threat_level: level,
            description: "bad thing".into(),
            source: "feed.txt".into(),
            tags: "honeypot".into(),
        }
    }

    #[test]
    fn ips_ranges_and_ipv6() {
        let d = db(&[
            ("1.2.3.4", ThreatLevel::High, None),
            ("5.6.0.0/16", ThreatLevel::Low, None),
            ("5.6.7.0/24", ThreatLevel::Medium, None),
            ("2a01:4f8::1", ThreatLevel::Critical, None),
            ("2a01:4f9::/32", ThreatLevel::Medium, None),
        ]);
        let ip = |s: &str| d.ip(s.parse().unwrap());
        assert_eq!(ip("1.2.3.4"), Some(info(ThreatLevel::High)));
        assert_eq!(ip("1.2.3.5"), None);
        assert_eq!(ip("5.6.7.8"), Some(info(ThreatLevel::Medium)));
        assert_eq!(ip("5.6.8.8"), Some(info(ThreatLevel::Low)));
        assert_eq!(ip("2a01:4f8::1"), Some(info(ThreatLevel::Critical)));
        assert_eq!(ip("2a01:4f9:1::1"), Some(info(ThreatLevel::Medium)));
        assert_eq!(ip("2a01:4f8::2"), None);
        assert_eq!(ip("::ffff:1.2.3.4"), Some(info(ThreatLevel::High)));
        assert_eq!(d.counts().ips, 2);
        assert_eq!(d.counts().ranges, 3);
    }

    #[test]
    fn large_databases_use_the_prefilter_with_the_same_answers() {
        let mut b = IntelDbBuilder::new();
        let s = b.source("big.txt", "").unwrap();
        for i in 0..5000u32 {
            let ip = std::net::Ipv4Addr::from(0x0b00_0000 + i * 977);
            b.add(s, ThreatLevel::Low, IocValue::Ip(ip.into()), None, None)
                .unwrap();
        }
        b.add(
            s,
            ThreatLevel::High,
            IocValue::Net("99.0.0.0/12".parse().unwrap()),
            None,
            None,
        )
        .unwrap();
        b.add(
            s,
            ThreatLevel::High,
            IocValue::Net("98.7.6.128/25".parse().unwrap()),
            None,
            None,
        )
        .unwrap();
        let d = b.build();
        assert!(d.pre4.is_some());
        for i in 0..5000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0b00_0000 + i * 977));
            assert!(d.contains_ip(ip), "{ip}");
            let next = IpAddr::from(std::net::Ipv4Addr::from(0x0b00_0000 + i * 977 + 1));
            assert!(!d.contains_ip(next), "{next}");
        }
        assert!(d.contains_ip("99.15.255.255".parse().unwrap()));
        assert!(!d.contains_ip("99.16.0.0".parse().unwrap()));
        assert!(d.contains_ip("98.7.6.200".parse().unwrap()));
        assert!(!d.contains_ip("98.7.6.100".parse().unwrap()));
        assert!(d.contains_ip("::ffff:99.1.2.3".parse().unwrap()));
        assert!(!d.contains_ip("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn private_addresses_are_rejected() {
        let mut b = IntelDbBuilder::new();
        let s = b.source("f", "").unwrap();
        let ip = classify("192.168.1.1").unwrap();
        assert_eq!(
            b.add(s, ThreatLevel::High, ip, None, None),
            Err(Rejected::NotGlobal)
        );
        let net = classify("10.0.0.0/8").unwrap();
        assert_eq!(
            b.add(s, ThreatLevel::High, net, None, None),
            Err(Rejected::NotGlobal)
        );
        let ok = classify("8.8.8.8").unwrap();
        assert_eq!(
            b.add(9, ThreatLevel::High, ok, None, None),
            Err(Rejected::UnknownSource)
        );
    }

    #[test]
    fn domains_match_parents() {
        let d = db(&[("evil.com", ThreatLevel::High, None)]);
        assert_eq!(d.domain("evil.com"), Some((info(ThreatLevel::High), false)));
        assert_eq!(
            d.domain("A.B.Evil.com."),
            Some((info(ThreatLevel::High), true))
        );
        assert_eq!(d.domain("notevil.com"), None);
        assert_eq!(d.domain("evil.com.au"), None);
        assert_eq!(d.domain("com"), None);
        assert_eq!(d.domain("not a domain"), None);
    }

    #[test]
    fn hashes_urls_and_asns() {
        let d = db(&[
            (
                "6734f37431670b3ab4292b8f60f29984",
                ThreatLevel::High,
                Some(Fingerprint::Ja3),
            ),
            (
                "0123456789abcdef0123456789abcdef01234567",
                ThreatLevel::High,
                Some(Fingerprint::CertSha1),
            ),
            (
                "d41d8cd98f00b204e9800998ecf8427e",
                ThreatLevel::Critical,
                Some(Fingerprint::FileHash),
            ),
            ("http://evil.com/drop.exe", ThreatLevel::Medium, None),
            ("AS64500", ThreatLevel::Low, None),
        ]);
        assert_eq!(
            d.fingerprint(Fingerprint::Ja3, "6734F37431670B3AB4292B8F60F29984"),
            Some(info(ThreatLevel::High))
        );
        assert_eq!(
            d.fingerprint(Fingerprint::FileHash, "6734f37431670b3ab4292b8f60f29984"),
            None
        );
        assert_eq!(
            d.fingerprint(
                Fingerprint::CertSha1,
                "0123456789abcdef0123456789abcdef01234567"
            ),
            Some(info(ThreatLevel::High))
        );
        assert_eq!(
            d.fingerprint(Fingerprint::FileHash, "d41d8cd98f00b204e9800998ecf8427e"),
            Some(info(ThreatLevel::Critical))
        );
        assert_eq!(
            d.url("HTTP://EVIL.com/drop.exe"),
            Some(info(ThreatLevel::Medium))
        );
        assert_eq!(d.url("http://evil.com/other"), None);
        assert_eq!(d.asn(64500), Some(info(ThreatLevel::Low)));
        assert_eq!(d.counts().total(), 5);
        assert!(d.memory_bytes() > 0);
    }

    #[test]
    fn duplicates_keep_the_highest_level() {
        let mut b = IntelDbBuilder::new();
        let a = b.source("a.txt", "").unwrap();
        let c = b.source("c.txt", "x").unwrap();
        b.add(
            a,
            ThreatLevel::Low,
            classify("9.9.9.9").unwrap(),
            None,
            None,
        )
        .unwrap();
        b.add(
            c,
            ThreatLevel::High,
            classify("9.9.9.9").unwrap(),
            None,
            Some("d"),
        )
        .unwrap();
        b.add(
            a,
            ThreatLevel::High,
            classify("9.9.9.9").unwrap(),
            None,
            None,
        )
        .unwrap();
        let d = b.build();
        let i = d.ip("9.9.9.9".parse().unwrap()).unwrap();
        assert_eq!(i.source, "c.txt");
        assert_eq!(i.description, "d");
        assert_eq!(i.tags, "x");
    }

    #[test]
    fn shared_swaps_atomically() {
        struct Asn;
        impl AsnSource for Asn {
            fn asn_of(&self, _: IpAddr) -> Option<u32> {
                Some(64500)
            }
        }
        let s = SharedIntel::new(
            db(&[("1.1.1.1", ThreatLevel::High, None)]),
            Some(Arc::new(Asn)),
        );
        let old = s.snapshot();
        assert!(s.contains_ip("1.1.1.1".parse().unwrap()));
        assert_eq!(s.blacklisted_asn("1.1.1.1".parse().unwrap()), None);
        s.swap(db(&[("AS64500", ThreatLevel::Low, None)]));
        assert_eq!(s.generation(), 1);
        assert!(!s.contains_ip("1.1.1.1".parse().unwrap()));
        assert!(
            old.contains_ip("1.1.1.1".parse().unwrap()),
            "old snapshot still valid"
        );
        assert_eq!(
            s.blacklisted_asn("1.1.1.1".parse().unwrap()),
            Some((64500, info(ThreatLevel::Low)))
        );
    }
}
