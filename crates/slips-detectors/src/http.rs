//! HTTP detections from http.log and weird.log (Slips' `http_analyzer`): suspicious,
//! incompatible and changing user agents, empty connections to search engines, executable
//! downloads, unknown HTTP methods, and (disabled by default) every unencrypted request.
//!
//! Differences from Slips, on purpose:
//! - User agents are parsed offline (OS family, OS version token, browser) instead of asking
//!   useragentstring.com. `MULTIPLE_USER_AGENT` compares OS *families*: it fires when a
//!   profile whose first identifiable UA was, say, Windows later sends one identifiable as
//!   another OS (Slips looks for the cached OS name inside the new UA string, which without
//!   the online lookup is an empty string and never fires, and with it fires on every UA of
//!   a non-browser tool). Reported once per new UA per window.
//! - `INCOMPATIBLE_USER_AGENT` needs the profile's MAC (from conn.log `orig_l2_addr`, ARP or
//!   DHCP, at most 65,536 IPs remembered) and its vendor from [`Knowledge::mac_vendor`];
//!   with no vendor nothing is reported. It checks each new UA of the window (Slips checks
//!   only the first UA ever stored for the profile).
//! - `SUSPICIOUS_USER_AGENT` is reported once per user agent per window (Slips: once per
//!   request).
//! - `EMPTY_CONNECTIONS` counts per profile-window and host (Slips keeps one global counter
//!   per host for all profiles).
//! - `WEIRD_HTTP_METHOD` takes the addresses from the weird record itself (Slips waits 15 s
//!   for the conn.log record only to learn them); a weird record without addresses has no
//!   profile and never reaches detectors.

use crate::appkit::{CappedSet, FifoMap};
use crate::knowledge::{Knowledge, Resources};
use crate::FromConfig;
use foldhash::HashMap;
use slips_config::Config;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, Endpoints, EvidenceDraft, EvidenceType, Http, Mac,
    Proto, Record, RecordKind, RecordKinds, Side, Str, ThreatLevel,
};
use std::net::IpAddr;
use std::sync::Arc;

fn out_http<'a>(ctx: &DetectorCtx, r: &'a Record) -> Option<(&'a Http, Endpoints)> {
    match r {
        Record::Http(h) if ctx.direction == Direction::Out => Some((h, h.id?)),
        _ => None,
    }
}

/// OS families a user agent can reveal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OsFamily {
    Windows,
    MacOs,
    Ios,
    Android,
    ChromeOs,
    Linux,
}

/// What a user agent says about the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UaInfo {
    pub family: Option<OsFamily>,
    /// e.g. `Windows`, `Mac OS X`, `Android` (empty when unknown).
    pub os_name: String,
    /// e.g. `Windows NT 10.0`, `Android 13` (empty when unknown).
    pub os_type: String,
    /// e.g. `Chrome`, `Safari`, `Firefox` (empty when unknown).
    pub browser: String,
}

/// The version-looking token after `key` in the UA (`Windows NT 10.0`, `Android 13`).
fn token_after(ua: &str, key: &str) -> String {
    let Some(i) = ua.find(key) else {
        return String::new();
    };
    let rest = &ua[i + key.len()..];
    let v: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
        .collect();
    if v.is_empty() {
        key.trim().to_string()
    } else {
        format!("{} {v}", key.trim())
    }
}

/// Parses a user agent offline. Zeek's `server-bag [os,version,...]` form is understood.
pub fn parse_user_agent(ua: &str) -> UaInfo {
    let s = ua
        .strip_prefix("server-bag")
        .map(|r| r.replace(['[', ']'], ""))
        .unwrap_or_else(|| ua.to_string());
    let l = s.to_ascii_lowercase();
    let (family, os_name, os_type) = if ["iphone", "ipad", "ipod", "cpu os ", "ios "]
        .iter()
        .any(|k| l.contains(k))
    {
        (Some(OsFamily::Ios), "iOS", token_after(&s, "OS "))
    } else if l.contains("android") {
        (
            Some(OsFamily::Android),
            "Android",
            token_after(&s, "Android"),
        )
    } else if l.contains("windows") || l.contains("win64") || l.contains("win32") {
        (
            Some(OsFamily::Windows),
            "Windows",
            token_after(&s, "Windows NT"),
        )
    } else if l.contains("macintosh")
        || l.contains("mac os")
        || l.contains("macos")
        || l.contains("darwin")
    {
        (
            Some(OsFamily::MacOs),
            "Mac OS X",
            token_after(&s, "Mac OS X"),
        )
    } else if l.contains("cros ") {
        (Some(OsFamily::ChromeOs), "Chrome OS", String::new())
    } else if l.contains("linux") || l.contains("x11") {
        (Some(OsFamily::Linux), "Linux", String::new())
    } else {
        (None, "", String::new())
    };
    let browser = if l.contains("edg/") || l.contains("edge/") {
        "Edge"
    } else if l.contains("opr/") || l.contains("opera") {
        "Opera"
    } else if l.contains("firefox/") {
        "Firefox"
    } else if l.contains("chrome/") || l.contains("crios/") {
        "Chrome"
    } else if l.contains("msie") || l.contains("trident/") {
        "Internet Explorer"
    } else if l.contains("safari/") {
        "Safari"
    } else {
        ""
    };
    let os_type = if os_type.is_empty() {
        os_name.to_string()
    } else {
        os_type
    };
    UaInfo {
        family,
        os_name: os_name.to_string(),
        os_type,
        browser: browser.to_string(),
    }
}

/// Python's `str.capitalize()`.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Substrings of user agents of hacking tools and malware (Slips' list).
const SUSPICIOUS_UA_TOKENS: &[&str] = &["httpsend", "chm_msdn", "pb", "jndi", "tesseract"];
/// Keyword groups of vendors and OSes (Apple, Microsoft, Android).
const OS_KEYWORD_GROUPS: &[&[&str]] = &[
    &[
        "macos",
        "ios",
        "apple",
        "os x",
        "mac",
        "macintosh",
        "darwin",
    ],
    &["microsoft", "windows", "nt"],
    &["android", "google"],
];
const MAX_MAC_HOSTS: usize = 65_536;
const MAX_UA_PROFILES: usize = 65_536;

/// Suspicious, incompatible and changing user agents.
pub struct HttpUserAgents {
    knowledge: Arc<dyn Knowledge>,
    macs: FifoMap<IpAddr, Mac>,
    first_ua: FifoMap<IpAddr, (Str, OsFamily)>,
}

impl Default for HttpUserAgents {
    fn default() -> Self {
        Self::with(Resources::default().knowledge)
    }
}

impl HttpUserAgents {
    fn with(knowledge: Arc<dyn Knowledge>) -> Self {
        HttpUserAgents {
            knowledge,
            macs: FifoMap::new(MAX_MAC_HOSTS),
            first_ua: FifoMap::new(MAX_UA_PROFILES),
        }
    }

    fn learn_mac(&mut self, ip: Option<IpAddr>, mac: Option<Mac>) {
        if let (Some(ip), Some(mac)) = (ip, mac) {
            if !mac.is_zero() && !mac.is_broadcast() && self.macs.get(&ip).is_none() {
                self.macs.insert(ip, mac);
            }
        }
    }

    /// Whether the UA is incompatible with the MAC vendor (Slips' rules).
    fn incompatible(info: &UaInfo, vendor: &str) -> bool {
        let vendor = vendor.to_ascii_lowercase();
        if info.browser.to_ascii_lowercase().contains("safari") && !vendor.contains("apple") {
            return true;
        }
        let Some(own) = OS_KEYWORD_GROUPS
            .iter()
            .position(|g| g.iter().any(|k| vendor.contains(k)))
        else {
            return false;
        };
        let os = format!("{} {}", info.os_name, info.os_type).to_ascii_lowercase();
        OS_KEYWORD_GROUPS
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != own)
            .any(|(_, g)| g.iter().any(|k| os.contains(k)))
    }
}

impl FromConfig for HttpUserAgents {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::with(res.knowledge.clone())
    }
}

#[derive(Default)]
pub struct UaState {
    suspicious: CappedSet<Str>,
    incompatible: CappedSet<Str>,
    multiple: CappedSet<Str>,
}

impl Detector for HttpUserAgents {
    const NAME: &'static str = "http_user_agents";
    const DESCRIPTION: &'static str =
        "Suspicious user agents, user agents incompatible with the MAC vendor, and user agents of several OSes";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::SUSPICIOUS_USER_AGENT,
        EvidenceType::INCOMPATIBLE_USER_AGENT,
        EvidenceType::MULTIPLE_USER_AGENT,
    ];
    const INTERESTS: RecordKinds = RecordKinds::of(&[
        RecordKind::Http,
        RecordKind::Conn,
        RecordKind::Arp,
        RecordKind::Dhcp,
    ]);
    type WindowState = UaState;

    fn on_record(&mut self, ctx: &DetectorCtx, st: &mut UaState, r: &Record, out: &mut Emitter) {
        match r {
            Record::Conn(c) => return self.learn_mac(c.saddr, c.smac),
            Record::Arp(a) => return self.learn_mac(a.saddr, a.src_hw.or(a.src_mac)),
            Record::Dhcp(d) => return self.learn_mac(d.assigned_addr.or(d.client_addr), d.mac),
            _ => {}
        }
        let Some((h, e)) = out_http(ctx, r) else {
            return;
        };
        let Some(ua) = h
            .user_agent
            .as_deref()
            .filter(|u| !u.is_empty() && *u != "-")
        else {
            return;
        };
        let host = h.host.as_deref().unwrap_or("");
        let uri = h.uri.as_deref().unwrap_or("");
        let draft = |ty, level, description: String| {
            EvidenceDraft::new(ty, e.saddr, Side::Src, level, 1.0, h.ts, description)
                .proto(Proto::Tcp)
                .ports(Some(e.sport), Some(e.dport))
                .uids([h.uid.clone()])
        };
        let lower = ua.to_ascii_lowercase();
        if SUSPICIOUS_UA_TOKENS.iter().any(|t| lower.contains(t)) && st.suspicious.insert(ua.into())
        {
            out.emit(draft(
                EvidenceType::SUSPICIOUS_USER_AGENT,
                ThreatLevel::High,
                format!("Suspicious user-agent: {ua} while connecting to {host}{uri}"),
            ));
        }
        let info = parse_user_agent(ua);
        let vendor = self
            .macs
            .get(&e.saddr)
            .and_then(|m| self.knowledge.mac_vendor(*m));
        if let Some(vendor) = vendor {
            if Self::incompatible(&info, &vendor) && st.incompatible.insert(ua.into()) {
                out.emit(draft(
                    EvidenceType::INCOMPATIBLE_USER_AGENT,
                    ThreatLevel::High,
                    format!(
                        "using incompatible user-agent ({ua}) that belongs to OS: {} type: {} browser: {}. while connecting to {host}{uri}. IP has MAC vendor: {}",
                        info.os_name.to_lowercase(),
                        info.os_type.to_lowercase(),
                        info.browser.to_lowercase(),
                        capitalize(&vendor)
                    ),
                ));
            }
        }
        let Some(family) = info.family else { return };
        match self.first_ua.get(&e.saddr) {
            None => self.first_ua.insert(e.saddr, (ua.into(), family)),
            Some((old, fam)) if *fam != family => {
                if st.multiple.insert(ua.into()) {
                    let d = format!("Using multiple user-agents: \"{old}\" then \"{ua}\"");
                    out.emit(draft(
                        EvidenceType::MULTIPLE_USER_AGENT,
                        ThreatLevel::Info,
                        d,
                    ));
                }
            }
            Some(_) => {}
        }
    }
}

/// Search engines whose empty `GET /` requests are counted.
const EMPTY_CONNECTION_HOSTS: &[&str] = &[
    "bing.com",
    "google.com",
    "yandex.com",
    "yahoo.com",
    "duckduckgo.com",
    "gmail.com",
];
/// Empty requests to one host that make evidence.
pub const EMPTY_CONNECTIONS_THRESHOLD: usize = 4;

/// Repeated empty requests to search engines.
#[derive(Default)]
pub struct EmptyConnections;

impl Detector for EmptyConnections {
    const NAME: &'static str = "empty_http_connections";
    const DESCRIPTION: &'static str = "Repeated empty HTTP requests to search engines";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::EMPTY_CONNECTIONS];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Http]);
    /// Uids of the empty requests per search engine since the last evidence.
    type WindowState = HashMap<&'static str, Vec<Str>>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((h, e)) = out_http(ctx, r) else {
            return;
        };
        if h.uri.as_deref() != Some("/") || h.request_body_len != 0 {
            return;
        }
        let Some(host) = h.host.as_deref().map(|x| x.to_ascii_lowercase()) else {
            return;
        };
        let bare = host.strip_prefix("www.").unwrap_or(&host);
        let Some(engine) = EMPTY_CONNECTION_HOSTS.iter().copied().find(|x| *x == bare) else {
            return;
        };
        let uids = st.entry(engine).or_default();
        uids.push(h.uid.clone());
        if uids.len() < EMPTY_CONNECTIONS_THRESHOLD {
            return;
        }
        let uids = std::mem::take(uids);
        out.emit(
            EvidenceDraft::new(
                EvidenceType::EMPTY_CONNECTIONS,
                e.saddr,
                Side::Src,
                ThreatLevel::Medium,
                1.0,
                h.ts,
                format!("Multiple empty HTTP connections to {engine}"),
            )
            .proto(Proto::Tcp)
            .uids(uids),
        );
    }
}

/// MIME types of executables (Slips' list).
const EXECUTABLE_MIME_TYPES: &[&str] = &[
    "application/x-msdownload",
    "application/x-ms-dos-executable",
    "application/x-ms-exe",
    "application/x-exe",
    "application/x-winexe",
    "application/x-winhlp",
    "application/x-winhelp",
    "application/octet-stream",
    "application/x-dosexec",
];

/// Downloads of executables over HTTP.
#[derive(Default)]
pub struct ExecutableDownload;

impl Detector for ExecutableDownload {
    const NAME: &'static str = "executable_mime_type";
    const DESCRIPTION: &'static str = "Executables downloaded over plain HTTP (by MIME type)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::EXECUTABLE_MIME_TYPE];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Http]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Some((h, e)) = out_http(ctx, r) else {
            return;
        };
        if !h
            .resp_mime_types
            .iter()
            .any(|m| EXECUTABLE_MIME_TYPES.contains(&m.as_str()))
        {
            return;
        }
        let list: Vec<String> = h.resp_mime_types.iter().map(|m| format!("'{m}'")).collect();
        let description = format!(
            "Download of an executable with MIME type: [{}] by {} from {}.",
            list.join(", "),
            e.saddr,
            e.daddr
        );
        for (attacker, side) in [(e.saddr, Side::Src), (e.daddr, Side::Dst)] {
            out.emit(
                EvidenceDraft::new(
                    EvidenceType::EXECUTABLE_MIME_TYPE,
                    attacker,
                    side,
                    ThreatLevel::Low,
                    1.0,
                    h.ts,
                    description.clone(),
                )
                .proto(Proto::Tcp)
                .ports(Some(e.sport), Some(e.dport))
                .uids([h.uid.clone()]),
            );
        }
    }
}

/// Unknown HTTP methods seen by Zeek (weird.log `unknown_HTTP_method`).
#[derive(Default)]
pub struct WeirdHttpMethod;

impl Detector for WeirdHttpMethod {
    const NAME: &'static str = "weird_http_method";
    const DESCRIPTION: &'static str = "HTTP requests with methods Zeek does not know";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::WEIRD_HTTP_METHOD];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Weird]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Weird(w) = r else { return };
        if ctx.direction != Direction::Out || !w.name.contains("unknown_HTTP_method") {
            return;
        }
        let Some(e) = w.id else { return };
        let addl = w.addl.as_deref().unwrap_or("");
        let mut d = EvidenceDraft::new(
            EvidenceType::WEIRD_HTTP_METHOD,
            e.saddr,
            Side::Src,
            ThreatLevel::Medium,
            0.9,
            w.ts,
            format!("Weird HTTP method {addl} to IP: {}. by Zeek.", e.daddr),
        )
        .victim_ip(e.daddr, Side::Dst)
        .proto(Proto::Tcp)
        .ports(Some(e.sport), Some(e.dport));
        if let Some(uid) = &w.uid {
            d = d.uids([uid.clone()]);
        }
        out.emit(d);
    }
}

/// Every unencrypted HTTP request (informational; disabled by default because it floods).
#[derive(Default)]
pub struct HttpTraffic;

impl Detector for HttpTraffic {
    const NAME: &'static str = "http_traffic";
    const DESCRIPTION: &'static str =
        "Every unencrypted HTTP request (informational, floods; off by default)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::HTTP_TRAFFIC];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Http]);
    const ENABLED_BY_DEFAULT: bool = false;
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Some((h, e)) = out_http(ctx, r) else {
            return;
        };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::HTTP_TRAFFIC,
                e.saddr,
                Side::Src,
                ThreatLevel::Info,
                1.0,
                h.ts,
                format!("Unencrypted HTTP traffic from {} to {}.", e.saddr, e.daddr),
            )
            .victim_ip(e.daddr, Side::Dst)
            .proto(Proto::Tcp)
            .ports(Some(e.sport), Some(e.dport))
            .uids([h.uid.clone()]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{app_conn, http, run, weird};
    use slips_core::Flow;

    const WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
    const MAC_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
    const LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";

    use crate::testkit::rows;

    #[test]
    fn user_agent_parsing() {
        let w = parse_user_agent(WIN);
        assert_eq!(
            (
                w.family,
                w.os_name.as_str(),
                w.os_type.as_str(),
                w.browser.as_str()
            ),
            (
                Some(OsFamily::Windows),
                "Windows",
                "Windows NT 10.0",
                "Chrome"
            )
        );
        let m = parse_user_agent(MAC_SAFARI);
        assert_eq!(
            (m.family, m.os_type.as_str(), m.browser.as_str()),
            (Some(OsFamily::MacOs), "Mac OS X 10_15_7", "Safari")
        );
        assert_eq!(parse_user_agent(LINUX).family, Some(OsFamily::Linux));
        assert_eq!(parse_user_agent("Microsoft-CryptoAPI/10.0").family, None);
        assert_eq!(
            parse_user_agent("server-bag [iPhone OS,16.1,20B82,iPhone13,2]").family,
            Some(OsFamily::Ios)
        );
        assert_eq!(capitalize("APPLE, INC."), "Apple, inc.");
    }

    #[test]
    fn suspicious_user_agent_golden_once_per_ua() {
        let ev = run(
            HttpUserAgents::default(),
            &[
                http(
                    1.0,
                    "H1",
                    "10.0.0.5",
                    "1.2.3.4",
                    "evil.example",
                    "/gate.php",
                    "HTTPSend",
                ),
                http(
                    2.0,
                    "H2",
                    "10.0.0.5",
                    "1.2.3.4",
                    "evil.example",
                    "/gate2.php",
                    "HTTPSend",
                ),
                http(3.0, "H3", "10.0.0.5", "1.2.3.4", "good.example", "/", WIN),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::SUSPICIOUS_USER_AGENT,
                "10.0.0.5".into(),
                Side::Src,
                ThreatLevel::High,
                1.0,
                "Suspicious user-agent: HTTPSend while connecting to evil.example/gate.php".into()
            )]
        );
    }

    #[test]
    fn multiple_user_agents_of_different_oses() {
        let ev = run(
            HttpUserAgents::default(),
            &[
                http(1.0, "H1", "10.0.0.5", "1.2.3.4", "a.example", "/", WIN),
                http(
                    2.0,
                    "H2",
                    "10.0.0.5",
                    "1.2.3.4",
                    "a.example",
                    "/",
                    "Microsoft-CryptoAPI/10.0",
                ),
                http(3.0, "H3", "10.0.0.5", "1.2.3.4", "a.example", "/", WIN),
                http(4.0, "H4", "10.0.0.5", "1.2.3.4", "a.example", "/", LINUX),
                http(5.0, "H5", "10.0.0.5", "1.2.3.4", "a.example", "/", LINUX),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::MULTIPLE_USER_AGENT,
                "10.0.0.5".into(),
                Side::Src,
                ThreatLevel::Info,
                1.0,
                format!("Using multiple user-agents: \"{WIN}\" then \"{LINUX}\"")
            )]
        );
    }

    #[test]
    fn incompatible_user_agent_needs_a_vendor() {
        struct Vendors;
        impl Knowledge for Vendors {
            fn mac_vendor(&self, mac: Mac) -> Option<Str> {
                (mac.0[0] == 0x3c).then(|| "Apple, Inc.".into())
            }
        }
        let mut conn = app_conn(0.5, "C0", "10.0.0.5", "1.2.3.4", 80, 1, 1);
        if let Record::Conn(c) = &mut conn.record {
            c.smac = Some("3c:22:fb:00:00:01".parse().unwrap());
        }
        let flows = vec![
            conn,
            http(
                1.0,
                "H1",
                "10.0.0.5",
                "1.2.3.4",
                "a.example",
                "/x",
                MAC_SAFARI,
            ),
            http(2.0, "H2", "10.0.0.5", "1.2.3.4", "a.example", "/y", WIN),
        ];
        // No knowledge: nothing (the Windows UA after the Mac one is MULTIPLE_USER_AGENT only).
        let ev = run(HttpUserAgents::default(), &flows);
        assert!(ev
            .iter()
            .all(|e| e.evidence_type == EvidenceType::MULTIPLE_USER_AGENT));
        let d = HttpUserAgents::from_config(
            &Config::default(),
            &Resources {
                knowledge: Arc::new(Vendors),
                ..Resources::default()
            },
        );
        let ev = run(d, &flows);
        let inc: Vec<_> = rows(&ev)
            .into_iter()
            .filter(|r| r.0 == EvidenceType::INCOMPATIBLE_USER_AGENT)
            .collect();
        assert_eq!(
            inc,
            vec![(EvidenceType::INCOMPATIBLE_USER_AGENT, "10.0.0.5".into(), Side::Src, ThreatLevel::High, 1.0, format!("using incompatible user-agent ({WIN}) that belongs to OS: windows type: windows nt 10.0 browser: chrome. while connecting to a.example/y. IP has MAC vendor: Apple, inc."))]
        );
    }

    #[test]
    fn empty_connections_at_four() {
        let flows = |n: usize| -> Vec<Flow> {
            (0..n)
                .map(|i| {
                    http(
                        i as f64,
                        &format!("H{i}"),
                        "10.0.0.5",
                        "13.107.21.200",
                        if i % 2 == 0 {
                            "www.bing.com"
                        } else {
                            "bing.com"
                        },
                        "/",
                        WIN,
                    )
                })
                .collect()
        };
        assert!(run(EmptyConnections, &flows(3)).is_empty());
        let ev = run(EmptyConnections, &flows(9));
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::EMPTY_CONNECTIONS,
                    "10.0.0.5".into(),
                    Side::Src,
                    ThreatLevel::Medium,
                    1.0,
                    "Multiple empty HTTP connections to bing.com".into()
                ),
                (
                    EvidenceType::EMPTY_CONNECTIONS,
                    "10.0.0.5".into(),
                    Side::Src,
                    ThreatLevel::Medium,
                    1.0,
                    "Multiple empty HTTP connections to bing.com".into()
                ),
            ]
        );
        assert_eq!(ev[0].uids.len(), 4);
        // Non-empty URIs and other hosts do not count.
        let other: Vec<Flow> = (0..5)
            .map(|i| {
                http(
                    i as f64,
                    "H",
                    "10.0.0.5",
                    "1.1.1.1",
                    "example.com",
                    "/",
                    WIN,
                )
            })
            .collect();
        assert!(run(EmptyConnections, &other).is_empty());
        let uri: Vec<Flow> = (0..5)
            .map(|i| {
                http(
                    i as f64,
                    "H",
                    "10.0.0.5",
                    "1.1.1.1",
                    "google.com",
                    "/search",
                    WIN,
                )
            })
            .collect();
        assert!(run(EmptyConnections, &uri).is_empty());
    }

    #[test]
    fn executable_download_golden_pair() {
        let mut f = http(
            1.0,
            "H1",
            "10.0.0.5",
            "1.2.3.4",
            "dl.example",
            "/a.exe",
            WIN,
        );
        if let Record::Http(h) = &mut f.record {
            h.resp_mime_types = vec!["application/x-dosexec".into()];
        }
        let mut text = http(
            2.0,
            "H2",
            "10.0.0.5",
            "1.2.3.4",
            "dl.example",
            "/a.txt",
            WIN,
        );
        if let Record::Http(h) = &mut text.record {
            h.resp_mime_types = vec!["text/plain".into()];
        }
        let ev = run(ExecutableDownload, &[text, f]);
        let d = "Download of an executable with MIME type: ['application/x-dosexec'] by 10.0.0.5 from 1.2.3.4.";
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::EXECUTABLE_MIME_TYPE,
                    "10.0.0.5".into(),
                    Side::Src,
                    ThreatLevel::Low,
                    1.0,
                    d.into()
                ),
                (
                    EvidenceType::EXECUTABLE_MIME_TYPE,
                    "1.2.3.4".into(),
                    Side::Dst,
                    ThreatLevel::Low,
                    1.0,
                    d.into()
                ),
            ]
        );
    }

    #[test]
    fn weird_http_method_golden() {
        let ev = run(
            WeirdHttpMethod,
            &[
                weird(
                    1.0,
                    "W1",
                    "10.0.0.5",
                    "1.2.3.4",
                    "unknown_HTTP_method",
                    "BREW",
                ),
                weird(2.0, "W2", "10.0.0.5", "1.2.3.4", "bad_HTTP_request", ""),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::WEIRD_HTTP_METHOD,
                "10.0.0.5".into(),
                Side::Src,
                ThreatLevel::Medium,
                0.9,
                "Weird HTTP method BREW to IP: 1.2.3.4. by Zeek.".into()
            )]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "1.2.3.4");
    }

    #[test]
    fn http_traffic_every_request() {
        let ev = run(
            HttpTraffic,
            &[
                http(1.0, "H1", "10.0.0.5", "1.2.3.4", "a.example", "/", WIN),
                http(2.0, "H2", "10.0.0.5", "1.2.3.4", "a.example", "/", WIN),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::HTTP_TRAFFIC,
                    "10.0.0.5".into(),
                    Side::Src,
                    ThreatLevel::Info,
                    1.0,
                    "Unencrypted HTTP traffic from 10.0.0.5 to 1.2.3.4.".into()
                ),
                (
                    EvidenceType::HTTP_TRAFFIC,
                    "10.0.0.5".into(),
                    Side::Src,
                    ThreatLevel::Info,
                    1.0,
                    "Unencrypted HTTP traffic from 10.0.0.5 to 1.2.3.4.".into()
                ),
            ]
        );
        let none: [&str; 0] = [];
        let default = crate::select(&none, &none).unwrap();
        assert!(
            default.iter().all(|e| e.name != "http_traffic"),
            "off by default"
        );
    }
}
