//! What detectors may know about the world beyond the traffic: MAC vendors, TOR exit nodes,
//! domain ages, which organisation owns an IP or a domain. Enrichment code (threat
//! intelligence, GeoIP, whitelists) implements [`Knowledge`]; detectors only ask. Every
//! answer may be "unknown", and every detector must work when nothing is known
//! ([`NoKnowledge`]). Implementations answer from memory: no I/O on these calls.

use slips_core::{Mac, Str, ThreatLevel};
use std::net::IpAddr;
use std::sync::Arc;

/// Organisations whose addresses and domains Slips knows (used by the incompatible
/// certificate CN detection and by whitelists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Org {
    Google,
    Microsoft,
    Apple,
    Facebook,
    Twitter,
}

impl Org {
    pub const ALL: [Org; 5] = [
        Org::Google,
        Org::Microsoft,
        Org::Apple,
        Org::Facebook,
        Org::Twitter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Org::Google => "google",
            Org::Microsoft => "microsoft",
            Org::Apple => "apple",
            Org::Facebook => "facebook",
            Org::Twitter => "twitter",
        }
    }
}

/// Answers detectors may ask for. All methods default to "unknown".
pub trait Knowledge: Send + Sync {
    /// Vendor of a MAC address (from the IEEE OUI registry).
    fn mac_vendor(&self, _mac: Mac) -> Option<Str> {
        None
    }
    /// Whether the IP is a known TOR exit node.
    fn is_tor_exit_node(&self, _ip: IpAddr) -> bool {
        false
    }
    /// Age of a registered domain in days (from whois, when online lookups are enabled).
    /// Answered from a cache: an unknown domain is looked up in the background and `None`
    /// is returned until the answer arrives.
    fn domain_age_days(&self, _domain: &str) -> Option<u32> {
        None
    }
    /// Whether answers may arrive later (online lookups are enabled): detectors that got
    /// "unknown" may ask again while their time window is open. False by default, so that
    /// offline runs keep nothing pending.
    fn online_lookups(&self) -> bool {
        false
    }
    /// What online hash services (Circl.lu hashlookup, URLhaus) say about a downloaded
    /// file's MD5/SHA1/SHA256: `Some` when one lists it as malicious. Answered from a cache
    /// like [`Knowledge::domain_age_days`].
    fn file_hash_verdict(&self, _hash: &str) -> Option<FileVerdict> {
        None
    }
    /// The organisation owning an IP (by its ranges or ASN), if it is one of [`Org`].
    fn ip_org(&self, _ip: IpAddr) -> Option<Org> {
        None
    }
    /// Whether a domain belongs to the organisation (by its domain list).
    fn domain_belongs_to(&self, _domain: &str, _org: Org) -> bool {
        false
    }
    /// Threat intelligence (IoC feeds), when configured.
    fn intel(&self) -> Option<&dyn IocLookup> {
        None
    }
    /// Whether the whitelist names this domain (or a parent) for alerts: detectors that
    /// count names (DGA) skip such names, as whitelisted evidence is dropped anyway.
    fn domain_whitelisted(&self, _domain: &str) -> bool {
        false
    }
}

/// An online hash service listing a downloaded file as malicious.
#[derive(Clone, Debug, PartialEq)]
pub struct FileVerdict {
    /// Circl.lu: from its trust score (`(100 - trust) / 100`); URLhaus: from the
    /// VirusTotal detection percentage it reports, HIGH without one.
    pub threat_level: ThreatLevel,
    /// Circl.lu: 0.5, 0.7 or 1 for one, two or more blacklists; URLhaus: 0.7.
    pub confidence: f64,
    /// What said so, e.g. `Circl.lu (blacklists: MalwareBazaar)` or `URLhaus`.
    pub detected_by: Str,
    /// Extra details (malware family, file type); may be empty.
    pub details: Str,
}

/// Knows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoKnowledge;

impl Knowledge for NoKnowledge {}

/// What a threat-intelligence source says about an indicator of compromise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IocInfo {
    /// Threat level of the feed (or of the line, in local IoC files).
    pub threat_level: ThreatLevel,
    /// Description of the indicator (feed column or local file column); may be empty.
    pub description: Str,
    /// Name of the feed or file it came from (its file name).
    pub source: Str,
    /// Tags of the feed, comma-separated (`phishing, honeypot`); may be empty.
    pub tags: Str,
}

/// Kinds of fingerprints and hashes a threat-intelligence source can list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fingerprint {
    /// TLS client (JA3) or server (JA3S) fingerprint: one set, as in Slips' JA3 feeds.
    Ja3,
    /// JARM active TLS server fingerprint.
    Jarm,
    /// SHA1 of a TLS certificate (abuse.ch SSL blacklist).
    CertSha1,
    /// MD5, SHA1 or SHA256 of a transferred file.
    FileHash,
}

/// Threat-intelligence lookups. Implementations answer from memory (in-memory sets and
/// prefix tables), in nanoseconds, with no I/O; the data may be swapped atomically between
/// two calls when feeds are refreshed.
pub trait IocLookup: Send + Sync {
    /// A blacklisted IP or an IP inside a blacklisted range (longest prefix wins).
    fn ip(&self, ip: IpAddr) -> Option<IocInfo>;
    /// A blacklisted domain, or a domain whose parent is blacklisted; the flag is true when
    /// the match is on a parent domain. Case-insensitive, trailing dot ignored.
    fn domain(&self, domain: &str) -> Option<(IocInfo, bool)>;
    /// A blacklisted URL (compared without the scheme, case-insensitive host).
    fn url(&self, url: &str) -> Option<IocInfo>;
    /// A blacklisted fingerprint or hash (hex, case-insensitive).
    fn fingerprint(&self, kind: Fingerprint, value: &str) -> Option<IocInfo>;
    /// The ASN of the IP when that ASN is blacklisted.
    fn blacklisted_asn(&self, _ip: IpAddr) -> Option<(u32, IocInfo)> {
        None
    }
}

/// Shared data handed to detectors when they are built.
#[derive(Clone)]
pub struct Resources {
    /// Everything known beyond the traffic, threat intelligence included
    /// ([`Knowledge::intel`]).
    pub knowledge: Arc<dyn Knowledge>,
    /// Markov-chain behavioural models (`-m DIR`); `None`: no model-based detection.
    pub markov: Option<Arc<slips_models::ModelSet>>,
    /// Fewest letters a tuple needs before it is compared with the models (`-a`; at least 4).
    pub markov_min_letters: usize,
    /// The flow classifier (`--ml-model FILE`); `None`: no ML detection.
    pub ml: Option<Arc<slips_models::ml::ClassifierFile>>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            knowledge: Arc::new(NoKnowledge),
            markov: None,
            markov_min_letters: slips_models::markov::MIN_LETTERS,
            ml: None,
        }
    }
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources").finish_non_exhaustive()
    }
}
