//! Helpers shared by the application-layer detectors (TLS, DNS, HTTP, SSH, SMTP, ARP):
//! Python-style number formatting for Slips' descriptions, Shannon entropy, registrable
//! domains, the organisations' main domains, and bounded memory (FIFO maps, capped sets,
//! records waiting for their connection). Connections themselves are looked up by uid in
//! the engine's index (`slips_core::detector::RecentConns`).

use foldhash::{HashMap, HashSet};
use slips_core::{Str, Timestamp};
use std::collections::VecDeque;
use std::hash::Hash;
use std::net::IpAddr;

use crate::knowledge::{Knowledge, Org};

/// Formats a float as Python's `str()` does for the values Slips prints: `1.0`, `0.53`,
/// `5.12`.
pub fn py_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// Rounds to `digits` decimals (Python's `round`, close enough for display).
pub fn round_to(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

/// Bytes as megabytes the way Slips prints them (`bytes / 10**6`).
pub fn mbs(bytes: u64) -> String {
    py_float(bytes as f64 / 1e6)
}

/// Shannon entropy in bits per character of the string's characters.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, u32> = HashMap::default();
    let mut n = 0u32;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    // Sum in a fixed order so the result does not depend on hash iteration order.
    let mut v: Vec<(char, u32)> = counts.into_iter().collect();
    v.sort_unstable();
    let n = n as f64;
    -v.iter()
        .map(|&(_, k)| {
            let p = k as f64 / n;
            p * p.log2()
        })
        .sum::<f64>()
}

/// Public suffixes with more than one label that matter in practice. Everything else is
/// treated as a one-label suffix (`com`, `cz`, `net`...). A full Public Suffix List is not
/// bundled; this covers the common second-level registries.
const MULTI_LABEL_SUFFIXES: &[&str] = &[
    "ac.uk",
    "co.uk",
    "gov.uk",
    "ltd.uk",
    "me.uk",
    "net.uk",
    "org.uk",
    "plc.uk",
    "sch.uk",
    "com.au",
    "net.au",
    "org.au",
    "edu.au",
    "gov.au",
    "co.nz",
    "net.nz",
    "org.nz",
    "co.jp",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "go.jp",
    "co.kr",
    "or.kr",
    "com.br",
    "net.br",
    "org.br",
    "com.cn",
    "net.cn",
    "org.cn",
    "gov.cn",
    "edu.cn",
    "com.hk",
    "com.tw",
    "com.sg",
    "com.my",
    "co.in",
    "net.in",
    "org.in",
    "co.za",
    "org.za",
    "com.mx",
    "com.ar",
    "com.tr",
    "com.ua",
    "co.il",
    "org.il",
    "ac.il",
    "com.pl",
    "co.id",
    "or.id",
    "com.vn",
    "com.ph",
    "com.pk",
    "com.eg",
    "com.sa",
    "com.co",
    "com.pe",
    "co.th",
    "in.th",
    "com.ru",
    "spb.ru",
    "msk.ru",
    "edu.pl",
    "gov.pl",
    "com.es",
    "co.at",
    "or.at",
    "gv.at",
    // Hosting suffixes that give each customer its own registrable domain.
    "cloudfront.net",
    "herokuapp.com",
    "appspot.com",
    "blogspot.com",
    "github.io",
    "azurewebsites.net",
    "cloudapp.net",
    "amazonaws.com",
    "s3.amazonaws.com",
];

/// The registrable domain (public suffix plus one label) of a host name, lower-cased;
/// `None` for names without a dot, IP literals and empty names.
pub fn registrable_domain(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() || !name.contains('.') || name.parse::<IpAddr>().is_ok() {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    // Longest matching multi-label suffix, else the last label.
    let mut suffix_labels = 1;
    for k in (2..=labels.len()).rev() {
        let suffix = labels[labels.len() - k..].join(".");
        if MULTI_LABEL_SUFFIXES.contains(&suffix.as_str()) {
            suffix_labels = k;
            break;
        }
    }
    if labels.len() <= suffix_labels {
        return None;
    }
    Some(labels[labels.len() - suffix_labels - 1..].join("."))
}

/// The main registrable domains of each organisation, used when the knowledge base has no
/// domain list for it.
pub fn org_main_domains(org: Org) -> &'static [&'static str] {
    match org {
        Org::Google => &[
            "google.com",
            "google.cz",
            "google.de",
            "google.co.uk",
            "googleapis.com",
            "gstatic.com",
            "googleusercontent.com",
            "googlevideo.com",
            "googleadservices.com",
            "googlesyndication.com",
            "googletagmanager.com",
            "googletagservices.com",
            "google-analytics.com",
            "doubleclick.net",
            "youtube.com",
            "ytimg.com",
            "ggpht.com",
            "gmail.com",
            "android.com",
            "gvt1.com",
            "gvt2.com",
            "1e100.net",
            "withgoogle.com",
            "googlemail.com",
            "2mdn.net",
            "gmodules.com",
        ],
        Org::Microsoft => &[
            "microsoft.com",
            "microsoftonline.com",
            "live.com",
            "live.net",
            "msn.com",
            "bing.com",
            "office.com",
            "office.net",
            "office365.com",
            "outlook.com",
            "hotmail.com",
            "windows.com",
            "windows.net",
            "windowsupdate.com",
            "azure.com",
            "azureedge.net",
            "msedge.net",
            "msftncsi.com",
            "skype.com",
            "xbox.com",
            "sharepoint.com",
            "onestore.ms",
            "gfx.ms",
            "linkedin.com",
            "licdn.com",
            "visualstudio.com",
            "msecnd.net",
            "s-microsoft.com",
        ],
        Org::Apple => &[
            "apple.com",
            "icloud.com",
            "icloud-content.com",
            "mzstatic.com",
            "apple-dns.net",
            "cdn-apple.com",
            "aaplimg.com",
            "itunes.com",
            "me.com",
            "apple-cloudkit.com",
        ],
        Org::Facebook => &[
            "facebook.com",
            "facebook.net",
            "fbcdn.net",
            "fb.com",
            "fbsbx.com",
            "instagram.com",
            "cdninstagram.com",
            "whatsapp.com",
            "whatsapp.net",
            "messenger.com",
        ],
        Org::Twitter => &[
            "twitter.com",
            "twimg.com",
            "t.co",
            "x.com",
            "ads-twitter.com",
        ],
    }
}

/// Whether a domain belongs to the organisation: by the knowledge base, else by the
/// organisation's main domains.
pub fn domain_in_org(k: &dyn Knowledge, domain: &str, org: Org) -> bool {
    if k.domain_belongs_to(domain, org) {
        return true;
    }
    registrable_domain(domain).is_some_and(|r| org_main_domains(org).contains(&r.as_str()))
}

/// The organisation a domain belongs to, if any (knowledge first, then the built-in lists).
pub fn org_of_domain(k: &dyn Knowledge, domain: &str) -> Option<Org> {
    Org::ALL.into_iter().find(|o| domain_in_org(k, domain, *o))
}

/// A map that keeps at most `cap` entries, forgetting the oldest inserted first.
///
/// Every operation is O(1) amortised: a removed entry leaves a stale key in the insertion
/// queue (recognised by its generation) that is skipped when it reaches the front, and the
/// queue is compacted when stale keys outnumber live ones.
#[derive(Debug)]
pub struct FifoMap<K, V> {
    map: HashMap<K, (u64, V)>,
    order: VecDeque<(K, u64)>,
    cap: usize,
    generation: u64,
}

impl<K: Hash + Eq + Clone, V> FifoMap<K, V> {
    pub fn new(cap: usize) -> Self {
        FifoMap {
            map: HashMap::default(),
            order: VecDeque::new(),
            cap: cap.max(1),
            generation: 0,
        }
    }
    pub fn insert(&mut self, k: K, v: V) {
        if let Some(e) = self.map.get_mut(&k) {
            // Same key again: the value changes, its age does not.
            e.1 = v;
            return;
        }
        self.generation += 1;
        self.map.insert(k.clone(), (self.generation, v));
        self.order.push_back((k, self.generation));
        while self.map.len() > self.cap {
            if self.pop_oldest().is_none() {
                break;
            }
        }
        if self.order.len() > 2 * self.map.len() + 64 {
            let map = &self.map;
            self.order
                .retain(|(k, g)| map.get(k).is_some_and(|(gen, _)| gen == g));
        }
    }
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(k).map(|(_, v)| v)
    }
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(k).map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// Drops stale keys at the front of the queue.
    fn skip_stale(&mut self) {
        while let Some((k, g)) = self.order.front() {
            if self.map.get(k).is_some_and(|(gen, _)| gen == g) {
                break;
            }
            self.order.pop_front();
        }
    }
    /// The oldest entry (first inserted of those still kept).
    pub fn oldest(&mut self) -> Option<(&K, &V)> {
        self.skip_stale();
        let (k, _) = self.order.front()?;
        self.map.get(k).map(|(_, v)| (k, v))
    }
    pub fn pop_oldest(&mut self) -> Option<(K, V)> {
        self.skip_stale();
        let (k, _) = self.order.pop_front()?;
        let (_, v) = self.map.remove(&k)?;
        Some((k, v))
    }
}

/// A set with a capacity: inserts beyond it are refused (and report "already seen", so a
/// full set stops producing new evidence rather than growing).
pub struct CappedSet<T> {
    set: HashSet<T>,
    cap: usize,
}

impl<T> Default for CappedSet<T> {
    fn default() -> Self {
        CappedSet {
            set: HashSet::default(),
            cap: 4096,
        }
    }
}

impl<T: Hash + Eq> CappedSet<T> {
    /// True if the value is new (and was stored).
    pub fn insert(&mut self, v: T) -> bool {
        if self.set.len() >= self.cap {
            return false;
        }
        self.set.insert(v)
    }
    pub fn contains(&self, v: &T) -> bool {
        self.set.contains(v)
    }
    pub fn len(&self) -> usize {
        self.set.len()
    }
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Most records waiting for their conn.log record, per correlating detector.
pub const MAX_PENDING: usize = 16_384;
/// How long (event time) a record waits for its conn.log record.
pub const CONN_WAIT_SECS: f64 = 60.0;

/// Records of one kind waiting for the conn.log record with the same uid, in arrival order.
pub struct PendingByUid<T> {
    items: FifoMap<Str, (Timestamp, T)>,
}

impl<T> Default for PendingByUid<T> {
    fn default() -> Self {
        PendingByUid {
            items: FifoMap::new(MAX_PENDING),
        }
    }
}

impl<T> PendingByUid<T> {
    pub fn push(&mut self, uid: Str, ts: Timestamp, item: T) {
        self.items.insert(uid, (ts, item));
    }
    pub fn take(&mut self, uid: &Str) -> Option<T> {
        self.items.remove(uid).map(|(_, t)| t)
    }
    /// Drops the items that waited longer than [`CONN_WAIT_SECS`] at event time `now`.
    pub fn expire(&mut self, now: Timestamp) -> usize {
        let mut n = 0;
        while let Some((_, (ts, _))) = self.items.oldest() {
            if now.secs() - ts.secs() <= CONN_WAIT_SECS {
                break;
            }
            self.items.pop_oldest();
            n += 1;
        }
        n
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::NoKnowledge;

    #[test]
    fn python_floats() {
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.53), "0.53");
        assert_eq!(py_float(5.12), "5.12");
        assert_eq!(py_float(0.0), "0.0");
        assert_eq!(mbs(1_500_000), "1.5");
        assert_eq!(mbs(12_000), "0.012");
        assert_eq!(round_to(4.56789, 2), 4.57);
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-12);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-12);
        // 64 distinct characters: 6 bits.
        let s: String = (0..64u8).map(|i| (b'0' + i) as char).collect();
        assert!((shannon_entropy(&s) - 6.0).abs() < 1e-12);
    }

    #[test]
    fn registrable_domains() {
        let r = |s| registrable_domain(s);
        assert_eq!(r("www.google.com").as_deref(), Some("google.com"));
        assert_eq!(r("Google.COM.").as_deref(), Some("google.com"));
        assert_eq!(r("a.b.bbc.co.uk").as_deref(), Some("bbc.co.uk"));
        assert_eq!(r("co.uk"), None);
        assert_eq!(r("localhost"), None);
        assert_eq!(r("1.2.3.4"), None);
        assert_eq!(r("a..b"), None);
        assert_eq!(r("x.cloudfront.net").as_deref(), Some("x.cloudfront.net"));
    }

    #[test]
    fn org_domains_without_knowledge() {
        let k = NoKnowledge;
        assert!(domain_in_org(&k, "ssl.gstatic.com", Org::Google));
        assert!(domain_in_org(&k, "c.bing.com", Org::Microsoft));
        assert!(!domain_in_org(&k, "www.netflix.com", Org::Microsoft));
        assert_eq!(org_of_domain(&k, "t.co"), Some(Org::Twitter));
        assert_eq!(org_of_domain(&k, "example.org"), None);
    }

    #[test]
    fn fifo_map_forgets_oldest() {
        let mut m = FifoMap::new(2);
        m.insert(1, "a");
        m.insert(2, "b");
        m.insert(3, "c");
        assert_eq!(m.len(), 2);
        assert!(m.get(&1).is_none());
        assert_eq!(m.remove(&2), Some("b"));
        assert_eq!(m.oldest(), Some((&3, &"c")));
        // Removed then re-inserted keys are young again; stale queue entries are skipped.
        m.insert(2, "b2");
        m.insert(4, "d");
        assert_eq!(m.len(), 2);
        assert!(m.get(&3).is_none());
        assert_eq!(m.pop_oldest(), Some((2, "b2")));
        for i in 0..10_000 {
            m.insert(100 + i, "x");
            m.remove(&(100 + i));
        }
        assert!(m.order.len() <= 2 * m.len() + 64 + 1);
    }

    #[test]
    fn pending_expires_after_the_wait() {
        let mut p = PendingByUid::default();
        p.push("A".into(), Timestamp::from_secs(0.0), 1);
        p.push("B".into(), Timestamp::from_secs(30.0), 2);
        assert_eq!(p.expire(Timestamp::from_secs(60.0)), 0);
        assert_eq!(p.expire(Timestamp::from_secs(61.0)), 1);
        assert_eq!(p.take(&"B".into()), Some(2));
        assert!(p.is_empty());
    }
}
