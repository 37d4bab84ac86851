//! What detectors may know about the world beyond the traffic: MAC vendors, TOR exit nodes,
//! domain ages, which organisation owns an IP or a domain. Enrichment code (threat
//! intelligence, GeoIP, whitelists) implements [`Knowledge`]; detectors only ask. Every
//! answer may be "unknown", and every detector must work when nothing is known
//! ([`NoKnowledge`]). Implementations answer from memory: no I/O on these calls.

use slips_core::{Mac, Str};
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
    /// Age of a registered domain in days (from whois, when enabled).
    fn domain_age_days(&self, _domain: &str) -> Option<u32> {
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
}

/// Knows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoKnowledge;

impl Knowledge for NoKnowledge {}

/// Shared data handed to detectors when they are built.
#[derive(Clone)]
pub struct Resources {
    pub knowledge: Arc<dyn Knowledge>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            knowledge: Arc::new(NoKnowledge),
        }
    }
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources").finish_non_exhaustive()
    }
}
