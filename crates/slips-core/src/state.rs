//! Connection states and their interpretation as established / not established.
//!
//! Every input format is mapped to Zeek's `conn_state` vocabulary by its parser, and this
//! module is the single place that says which states count as established. Detectors never
//! look at raw state strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Zeek's `conn_state` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ConnState {
    /// Connection attempt seen, no reply.
    S0,
    /// Established, not terminated.
    S1,
    /// Normal establishment and termination.
    SF,
    /// Connection attempt rejected.
    REJ,
    /// Established, close attempt by originator seen (no reply from responder).
    S2,
    /// Established, close attempt by responder seen (no reply from originator).
    S3,
    /// Established, originator aborted (sent a RST).
    RSTO,
    /// Responder sent a RST.
    RSTR,
    /// Originator sent a SYN followed by a RST, never saw a SYN-ACK.
    RSTOS0,
    /// Responder sent a SYN ACK followed by a RST, never saw a SYN from the originator.
    RSTRH,
    /// Originator sent a SYN followed by a FIN, never saw a SYN ACK.
    SH,
    /// Responder sent a SYN ACK followed by a FIN, never saw a SYN from the originator.
    SHR,
    /// No SYN seen, just midstream traffic.
    #[default]
    OTH,
    /// Zeek's RSTP (rare, seen in old logs): responder sent a RST after data.
    RSTP,
}

impl ConnState {
    /// Parses a Zeek `conn_state`. Unknown or unset values give `None`.
    pub fn parse_zeek(s: &str) -> Option<ConnState> {
        Some(match s {
            "S0" => ConnState::S0,
            "S1" => ConnState::S1,
            "SF" => ConnState::SF,
            "REJ" => ConnState::REJ,
            "S2" => ConnState::S2,
            "S3" => ConnState::S3,
            "RSTO" => ConnState::RSTO,
            "RSTR" => ConnState::RSTR,
            "RSTOS0" => ConnState::RSTOS0,
            "RSTRH" => ConnState::RSTRH,
            "SH" => ConnState::SH,
            "SHR" => ConnState::SHR,
            "OTH" => ConnState::OTH,
            "RSTP" => ConnState::RSTP,
            _ => return None,
        })
    }

    /// Slips' interpretation: `S0, REJ, RSTOS0, RSTRH, SH, SHR` are not established; all other
    /// states (`S1, SF, S2, S3, RSTO, RSTR, RSTP, OTH`) are.
    pub fn is_established(self) -> bool {
        !matches!(
            self,
            ConnState::S0
                | ConnState::REJ
                | ConnState::RSTOS0
                | ConnState::RSTRH
                | ConnState::SH
                | ConnState::SHR
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::S0 => "S0",
            ConnState::S1 => "S1",
            ConnState::SF => "SF",
            ConnState::REJ => "REJ",
            ConnState::S2 => "S2",
            ConnState::S3 => "S3",
            ConnState::RSTO => "RSTO",
            ConnState::RSTR => "RSTR",
            ConnState::RSTOS0 => "RSTOS0",
            ConnState::RSTRH => "RSTRH",
            ConnState::SH => "SH",
            ConnState::SHR => "SHR",
            ConnState::OTH => "OTH",
            ConnState::RSTP => "RSTP",
        }
    }
}

/// Argus' single-word states (man `ra`: TCP `RST`, `FIN`, `CON`, `EST`, `REQ`, `ACC`,
/// `CLO`, `TIM`; UDP `INT`, `CON`, `REQ`, `RSP`; ICMP `ECO`, `ECR`, `SRC`, `SRQ`, `MAS`,
/// `URN`, `URH`, `URP`, `URF`, `URFIL`, `URNU`, `RED`, `RTA`, `TXD`, `PAR`, `NNA`, `NNS`,
/// `UNK`), matched before flag strings (`ACC`, `SRC`, `RSP` are also flag letters).
const ARGUS_WORDS: &[&str] = &[
    "RST", "FIN", "CON", "EST", "REQ", "ACC", "CLO", "TIM", "INT", "RSP", "ECO", "ECR", "SRC",
    "SRQ", "MAS", "URN", "URH", "URP", "URF", "URFIL", "URNU", "RED", "RTA", "TXD", "PAR", "NNA",
    "NNS", "UNK",
];

/// TCP flags of one direction of a flow (the bits of the TCP header's flag byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// nfdump's text form: 8 positions `CEUAPRSF`, `.` for an unset flag (`...A.RS.`). A
    /// shorter string (older nfdump: 6 positions `UAPRSF`) is read from the right.
    pub fn parse_nfdump(s: &str) -> Option<TcpFlags> {
        const ORDER: [(u8, u8); 8] = [
            (b'F', TcpFlags::FIN),
            (b'S', TcpFlags::SYN),
            (b'R', TcpFlags::RST),
            (b'P', TcpFlags::PSH),
            (b'A', TcpFlags::ACK),
            (b'U', TcpFlags::URG),
            (b'E', TcpFlags::ECE),
            (b'C', TcpFlags::CWR),
        ];
        let b = s.trim().as_bytes();
        if b.is_empty() || b.len() > 8 {
            return None;
        }
        let mut bits = 0u8;
        for (c, (letter, bit)) in b.iter().rev().zip(ORDER) {
            match c.to_ascii_uppercase() {
                b'.' => {}
                x if x == letter => bits |= bit,
                _ => return None,
            }
        }
        Some(TcpFlags(bits))
    }

    /// A hexadecimal flag byte (Suricata's `tcp_flags_ts`, `tcp_flags_tc`: `1b`).
    pub fn parse_hex(s: &str) -> Option<TcpFlags> {
        let s = s.trim();
        let s = s.strip_prefix("0x").unwrap_or(s);
        if s.is_empty() || s.len() > 2 {
            return None;
        }
        u8::from_str_radix(s, 16).ok().map(TcpFlags)
    }

    /// One side of an Argus TCP state (`FSRPA`): letters in any order, `F S R P A U E C W`
    /// (`E` ECN echo, `C`/`W` congestion window reduced). An empty side is no flags.
    pub fn parse_argus(s: &str) -> Option<TcpFlags> {
        let mut bits = 0u8;
        for c in s.bytes() {
            bits |= match c.to_ascii_uppercase() {
                b'F' => TcpFlags::FIN,
                b'S' => TcpFlags::SYN,
                b'R' => TcpFlags::RST,
                b'P' => TcpFlags::PSH,
                b'A' => TcpFlags::ACK,
                b'U' => TcpFlags::URG,
                b'E' => TcpFlags::ECE,
                b'C' | b'W' => TcpFlags::CWR,
                _ => return None,
            };
        }
        Some(TcpFlags(bits))
    }
}

impl ConnState {
    /// The state of a TCP flow from the flags each side sent (`resp` empty when the
    /// responder sent nothing). Established, as Slips decides for Argus states (§2.3): both
    /// sides sent SYN and ACK (the handshake), or both sent PSH and ACK (data both ways);
    /// then `RSTO`/`RSTR` (a side reset), `SF` (both closed), `S2`/`S3` (one side closed) or
    /// `S1`. Not established: `REJ` (SYN answered by a RST), `RSTOS0` (originator reset),
    /// `SH` (originator closed), `RSTRH`/`SHR` (only the responder's SYN ACK was seen),
    /// else `S0`. No flags at all on either side (flow exporters that do not record them):
    /// `OTH`, as Zeek says for traffic without a handshake (established).
    ///
    /// Used for nfdump flows (pairs of unidirectional records), Suricata TCP flows and the
    /// two sides of Argus `pre_suf` states.
    pub fn from_tcp_flags(orig: TcpFlags, resp: TcpFlags) -> ConnState {
        use TcpFlags as T;
        let (o, r) = (orig, resp);
        if o.is_empty() && r.is_empty() {
            return ConnState::OTH;
        }
        let both = |a: u8, b: u8| o.has(a) && o.has(b) && r.has(a) && r.has(b);
        if both(T::SYN, T::ACK) || both(T::PSH, T::ACK) {
            return if o.has(T::RST) {
                ConnState::RSTO
            } else if r.has(T::RST) {
                ConnState::RSTR
            } else if o.has(T::FIN) && r.has(T::FIN) {
                ConnState::SF
            } else if o.has(T::FIN) {
                ConnState::S2
            } else if r.has(T::FIN) {
                ConnState::S3
            } else {
                ConnState::S1
            };
        }
        let syn_ack = r.has(T::SYN) && r.has(T::ACK);
        if (o.has(T::SYN) || o.is_empty()) && r.has(T::RST) && !syn_ack {
            ConnState::REJ
        } else if !o.has(T::SYN) && syn_ack && r.has(T::RST) {
            ConnState::RSTRH
        } else if !o.has(T::SYN) && syn_ack && r.has(T::FIN) {
            ConnState::SHR
        } else if o.has(T::RST) {
            ConnState::RSTOS0
        } else if o.has(T::FIN) {
            ConnState::SH
        } else {
            ConnState::S0
        }
    }

    /// The state of a flow without TCP flags (UDP and others) from whether the responder
    /// answered: `SF` if it did, else `S0` (Zeek's states for UDP); ICMP is `OTH` as in Zeek.
    pub fn from_reply(proto: crate::net::Proto, replied: bool) -> ConnState {
        if proto.is_icmp() {
            ConnState::OTH
        } else if replied {
            ConnState::SF
        } else {
            ConnState::S0
        }
    }

    /// An Argus state (`SA_SA`, `S_RA`, `FSPA_FSPA`, `CON`, `INT`, `RST`, `ECO`...) with the
    /// flow's total packets, interpreted as Slips does (§2.3):
    ///
    /// * `pre_suf` TCP states: [`ConnState::from_tcp_flags`] on the two sides (established
    ///   when both sides have S and A, or both have P and A); otherwise, when the first side
    ///   names an ICMP state (`ECO`, `ECR`, `URH`, `URP`: Slips' "ICMP ..." states, neither
    ///   established nor not) the flow is `OTH`; other letter pairs are not established.
    /// * single words: `CON` → `SF`, `EST` → `S1`, `ECO`, `UNK` → `OTH` (established);
    ///   `RST` → `RSTO` and `FIN` → `SF` with more than 3 packets, else `RSTOS0` / `SH`;
    ///   `INT`, `REQ` and every other word (`URP`, `ECR`, `NNS`, `TIM`...) → `S0`
    ///   (not established).
    ///
    /// `None` for a string that is not an Argus state (empty, other characters, a side
    /// with letters that are not TCP flags).
    pub fn from_argus(state: &str, pkts: u64) -> Option<ConnState> {
        let s = state.trim();
        if let Some((pre, suf)) = s.split_once('_') {
            let alpha = |x: &str| x.bytes().all(|c| c.is_ascii_alphabetic());
            if !alpha(pre) || !alpha(suf) || (pre.is_empty() && suf.is_empty()) {
                return None;
            }
            let flags = TcpFlags::parse_argus(pre).zip(TcpFlags::parse_argus(suf));
            let by_flags = flags.map(|(o, r)| ConnState::from_tcp_flags(o, r));
            if let Some(st) = by_flags.filter(|st| st.is_established()) {
                return Some(st);
            }
            let pre_up = pre.to_ascii_uppercase();
            if ["ECO", "ECR", "URH", "URP"]
                .iter()
                .any(|n| pre_up.contains(n))
            {
                return Some(ConnState::OTH);
            }
            return Some(by_flags.unwrap_or(ConnState::S0));
        }
        if s.is_empty() || s.len() > 8 || !s.bytes().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let up = s.to_ascii_uppercase();
        Some(match up.as_str() {
            "CON" => ConnState::SF,
            "EST" => ConnState::S1,
            "ECO" | "UNK" => ConnState::OTH,
            "RST" if pkts > 3 => ConnState::RSTO,
            "RST" => ConnState::RSTOS0,
            "FIN" if pkts > 3 => ConnState::SF,
            "FIN" => ConnState::SH,
            _ => ConnState::S0,
        })
    }

    /// Any state string of any input, through one interpretation: a Zeek `conn_state`
    /// (`S0`, `REJ`, `SF`, `RSTO`, `OTH`...), an Argus state (`S_RA`, `FSPA_FSPA`, `CON`,
    /// `INT`, `REQ`, `RST`, `ECO`...; see [`ConnState::from_argus`]) or a TCP flag string
    /// (nfdump's `...A.RS.`, letters `FSPA`, hexadecimal `0x1b`; see
    /// [`ConnState::from_flag_union`]). `pkts` is the flow's total packets (Argus' `RST`
    /// and `FIN` depend on it). Letters are case-insensitive. `None` for a string that is
    /// none of these.
    ///
    /// Order: Zeek names first (no Argus word is a Zeek name), then Argus `pre_suf` states
    /// and Argus words, then flag strings; an alphabetic word that is neither (Argus' many
    /// rare words) is not established, as [`ConnState::from_argus`] says.
    pub fn interpret(state: &str, pkts: u64) -> Option<ConnState> {
        let s = state.trim();
        if s.is_empty() {
            return None;
        }
        let up = s.to_ascii_uppercase();
        if let Some(z) = ConnState::parse_zeek(&up) {
            return Some(z);
        }
        if s.contains('_') || ARGUS_WORDS.contains(&up.as_str()) {
            return ConnState::from_argus(s, pkts);
        }
        if s.contains('.') {
            return TcpFlags::parse_nfdump(s).map(ConnState::from_flag_union);
        }
        if let Some(hex) = up.strip_prefix("0X") {
            return TcpFlags::parse_hex(hex).map(ConnState::from_flag_union);
        }
        if let Some(f) = TcpFlags::parse_argus(s) {
            return Some(ConnState::from_flag_union(f));
        }
        ConnState::from_argus(s, pkts)
    }

    /// The state of a TCP flow from one flag string that is the union of both directions'
    /// flags (flow exporters that write one `flags` field for a bidirectional flow):
    /// nothing → `OTH`; PSH and ACK (data was acknowledged) → as both sides sent them
    /// ([`ConnState::from_tcp_flags`]: `S1`, `SF`, `RSTO`...; established); a RST without
    /// data → `RSTOS0` when no ACK was seen (the originator gave up), else `REJ`; SYN and
    /// ACK without data or reset → the handshake (`S1`, or `SF` with FIN; established);
    /// anything else (a lone SYN, SYN FIN) → the originator's flags alone (`S0`, `SH`).
    pub fn from_flag_union(u: TcpFlags) -> ConnState {
        use TcpFlags as T;
        if u.is_empty() {
            ConnState::OTH
        } else if u.has(T::PSH) && u.has(T::ACK) {
            ConnState::from_tcp_flags(u, u)
        } else if u.has(T::RST) {
            if u.has(T::ACK) {
                ConnState::REJ
            } else {
                ConnState::RSTOS0
            }
        } else if u.has(T::SYN) && u.has(T::ACK) {
            ConnState::from_tcp_flags(u, u)
        } else {
            ConnState::from_tcp_flags(u, TcpFlags(0))
        }
    }

    /// The state of a flow without TCP flags from the packets each side sent, as the
    /// native packet engine and Zeek give it: UDP → `SF` (both sides), `S0` (only the
    /// originator: one-way UDP is not established), `SHR` (only the responder), `OTH`
    /// (no packets counted); other protocols (ICMP...) → `OTH`.
    pub fn from_packets(proto: crate::net::Proto, orig_pkts: u64, resp_pkts: u64) -> ConnState {
        if proto != crate::net::Proto::Udp {
            return ConnState::OTH;
        }
        match (orig_pkts > 0, resp_pkts > 0) {
            (true, true) => ConnState::SF,
            (true, false) => ConnState::S0,
            (false, true) => ConnState::SHR,
            (false, false) => ConnState::OTH,
        }
    }

    /// A Suricata flow, with the same meaning as the native packet engine's states:
    ///
    /// * TCP with flags (`tcp.tcp_flags_ts` / `tcp.tcp_flags_tc`): [`ConnState::from_tcp_flags`];
    /// * other protocols (`proto` known and not TCP): from the packets of each side
    ///   (`flow.pkts_toserver`, `flow.pkts_toclient`; [`ConnState::from_packets`]), so a
    ///   one-way UDP flow is `S0`, not established, as natively; a flow Suricata still
    ///   calls `new` had no answer from the responder (the packet Suricata counts to the
    ///   client is then an ICMP error, a flow of its own natively and in Zeek);
    /// * else `flow.state`: `new` → `OTH` and `established` → `S1` (established), `closed`
    ///   → `S0`, the `bypassed` states (Suricata stopped inspecting) → `OTH`; any other
    ///   string through [`ConnState::interpret`]. `None` when that fails too.
    pub fn from_suricata(
        flow_state: &str,
        tcp: Option<(TcpFlags, TcpFlags)>,
        proto: Option<crate::net::Proto>,
        pkts: (u64, u64),
    ) -> Option<ConnState> {
        if let Some((ts, tc)) = tcp {
            if !(ts.is_empty() && tc.is_empty()) {
                return Some(ConnState::from_tcp_flags(ts, tc));
            }
        }
        if let Some(p) = proto.filter(|p| *p != crate::net::Proto::Tcp) {
            // Suricata counts an ICMP error about the flow (port unreachable) as a packet to
            // the client, but keeps the flow `new` until the other side really answered.
            let resp = if flow_state.trim() == "new" {
                0
            } else {
                pkts.1
            };
            return Some(ConnState::from_packets(p, pkts.0, resp));
        }
        Some(match flow_state.trim() {
            "new" => ConnState::OTH,
            "established" => ConnState::S1,
            "closed" => ConnState::S0,
            "bypassed" | "local_bypassed" | "capture_bypassed" => ConnState::OTH,
            other => return ConnState::interpret(other, pkts.0.saturating_add(pkts.1)),
        })
    }
}

impl fmt::Display for ConnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeek_interpretation_table() {
        let not_est = ["S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR"];
        let est = ["S1", "SF", "S2", "S3", "RSTO", "RSTR", "RSTP", "OTH"];
        for s in not_est {
            assert!(!ConnState::parse_zeek(s).unwrap().is_established(), "{s}");
        }
        for s in est {
            assert!(ConnState::parse_zeek(s).unwrap().is_established(), "{s}");
        }
        assert_eq!(ConnState::parse_zeek("-"), None);
        for s in not_est.iter().chain(est.iter()) {
            assert_eq!(ConnState::parse_zeek(s).unwrap().as_str(), *s);
        }
    }

    #[test]
    fn tcp_flag_texts() {
        assert_eq!(
            TcpFlags::parse_nfdump("......S."),
            Some(TcpFlags(TcpFlags::SYN))
        );
        assert_eq!(
            TcpFlags::parse_nfdump("...A.R.."),
            Some(TcpFlags(TcpFlags::ACK | TcpFlags::RST))
        );
        assert_eq!(TcpFlags::parse_nfdump("........"), Some(TcpFlags(0)));
        assert_eq!(TcpFlags::parse_nfdump("CEUAPRSF"), Some(TcpFlags(0xff)));
        assert_eq!(TcpFlags::parse_nfdump("..X....."), None);
        assert_eq!(TcpFlags::parse_nfdump(""), None);
        assert_eq!(TcpFlags::parse_hex("1b"), Some(TcpFlags(0x1b)));
        assert_eq!(TcpFlags::parse_hex("0x14"), Some(TcpFlags(0x14)));
        assert_eq!(TcpFlags::parse_hex("zz"), None);
        assert_eq!(TcpFlags::parse_hex("123"), None);
        assert_eq!(
            TcpFlags::parse_argus("FSRPA"),
            Some(TcpFlags(
                TcpFlags::FIN | TcpFlags::SYN | TcpFlags::RST | TcpFlags::PSH | TcpFlags::ACK
            ))
        );
        assert_eq!(TcpFlags::parse_argus(""), Some(TcpFlags(0)));
        assert_eq!(TcpFlags::parse_argus("SX"), None);
    }

    #[test]
    fn argus_states_follow_slips() {
        // (state, packets, expected state, established)
        let cases = [
            ("SA_SA", 3, ConnState::S1, true),
            ("FSPA_FSPA", 10, ConnState::SF, true),
            ("FSRPA_FSPA", 10, ConnState::RSTO, true),
            ("SPA_SRPA", 10, ConnState::RSTR, true),
            ("FSPA_SPA", 10, ConnState::S2, true),
            ("SPA_FSPA", 10, ConnState::S3, true),
            ("PA_PA", 4, ConnState::S1, true),
            ("FSPA_SRA", 8, ConnState::RSTR, true),
            ("S_RA", 2, ConnState::REJ, false),
            ("S_R", 2, ConnState::REJ, false),
            ("S_", 1, ConnState::S0, false),
            ("SR_SA", 3, ConnState::RSTOS0, false),
            ("SRPA_", 5, ConnState::RSTOS0, false),
            ("FSA_", 2, ConnState::SH, false),
            ("FA_FA", 4, ConnState::SH, false),
            ("_SA", 1, ConnState::S0, false),
            ("_SRA", 1, ConnState::RSTRH, false),
            ("ECO_ECR", 2, ConnState::OTH, true),
            ("URP_", 1, ConnState::OTH, true),
            ("URH_URH", 2, ConnState::OTH, true),
            ("CON", 2, ConnState::SF, true),
            ("con", 2, ConnState::SF, true),
            ("EST", 2, ConnState::S1, true),
            ("ECO", 1, ConnState::OTH, true),
            ("UNK", 1, ConnState::OTH, true),
            ("INT", 1, ConnState::S0, false),
            ("REQ", 1, ConnState::S0, false),
            ("URP", 1, ConnState::S0, false),
            ("NNS", 1, ConnState::S0, false),
            ("RST", 3, ConnState::RSTOS0, false),
            ("RST", 4, ConnState::RSTO, true),
            ("FIN", 3, ConnState::SH, false),
            ("FIN", 4, ConnState::SF, true),
        ];
        for (s, pkts, want, est) in cases {
            let got = ConnState::from_argus(s, pkts);
            assert_eq!(got, Some(want), "{s}");
            assert_eq!(want.is_established(), est, "{s}");
        }
        assert_eq!(ConnState::from_argus("TIM_TIM", 1), Some(ConnState::S0));
        for bad in ["", "_", "S?_SA", "12", "CON CON", "TOOLONGSTATE", "S_1"] {
            assert_eq!(ConnState::from_argus(bad, 1), None, "{bad:?}");
        }
    }

    #[test]
    fn flag_pairs() {
        let f = |s: &str| TcpFlags::parse_nfdump(s).unwrap();
        // SYN answered by RST/ACK: rejected (nfdump's ......S. then ...A.R..).
        assert_eq!(
            ConnState::from_tcp_flags(f("......S."), f("...A.R..")),
            ConnState::REJ
        );
        // SYN without answer.
        assert_eq!(
            ConnState::from_tcp_flags(f("......S."), TcpFlags(0)),
            ConnState::S0
        );
        // Full connection closed by both.
        assert_eq!(
            ConnState::from_tcp_flags(f("...AP.SF"), f("...AP.SF")),
            ConnState::SF
        );
        // Only the responder's reset was seen.
        assert_eq!(
            ConnState::from_tcp_flags(TcpFlags(0), f("...A.R..")),
            ConnState::REJ
        );
        // No flags recorded at all.
        assert_eq!(
            ConnState::from_tcp_flags(TcpFlags(0), TcpFlags(0)),
            ConnState::OTH
        );
        // Suricata: ts 0x02 (SYN), tc 0x14 (RST ACK) → rejected; 0x13 / 0x12 established.
        let h = |s: &str| TcpFlags::parse_hex(s).unwrap();
        assert_eq!(ConnState::from_tcp_flags(h("02"), h("14")), ConnState::REJ);
        assert_eq!(ConnState::from_tcp_flags(h("13"), h("12")), ConnState::S2);
        assert_eq!(ConnState::from_tcp_flags(h("1b"), h("1b")), ConnState::SF);
    }

    #[test]
    fn suricata_states() {
        use crate::net::Proto;
        let tcp = Some(Proto::Tcp);
        assert_eq!(
            ConnState::from_suricata("new", None, tcp, (1, 0)),
            Some(ConnState::OTH)
        );
        assert_eq!(
            ConnState::from_suricata("established", None, tcp, (1, 0)),
            Some(ConnState::S1)
        );
        assert_eq!(
            ConnState::from_suricata("closed", None, tcp, (1, 0)),
            Some(ConnState::S0)
        );
        assert_eq!(
            ConnState::from_suricata("bypassed", None, tcp, (1, 0)),
            Some(ConnState::OTH)
        );
        assert_eq!(ConnState::from_suricata("1?", None, tcp, (1, 0)), None);
        // Other state vocabularies go through the one interpretation.
        assert_eq!(
            ConnState::from_suricata("REJ", None, tcp, (1, 1)),
            Some(ConnState::REJ)
        );
        // UDP: from the packets of each side, whatever flow.state says (one meaning with
        // the native engine): one-way UDP is not established.
        let udp = Some(Proto::Udp);
        assert_eq!(
            ConnState::from_suricata("new", None, udp, (3, 0)),
            Some(ConnState::S0)
        );
        assert!(!ConnState::from_suricata("new", None, udp, (3, 0))
            .unwrap()
            .is_established());
        assert_eq!(
            ConnState::from_suricata("established", None, udp, (3, 2)),
            Some(ConnState::SF)
        );
        // `new` with a packet to the client: an ICMP port unreachable, not an answer.
        assert_eq!(
            ConnState::from_suricata("new", None, udp, (1, 1)),
            Some(ConnState::S0)
        );
        assert_eq!(
            ConnState::from_suricata("new", None, Some(Proto::Icmp), (1, 0)),
            Some(ConnState::OTH)
        );
        assert!(ConnState::from_suricata("new", None, tcp, (1, 0))
            .unwrap()
            .is_established());
        assert!(!ConnState::from_suricata("closed", None, tcp, (1, 0))
            .unwrap()
            .is_established());
        // TCP flags win over flow.state when present.
        let flags = Some((TcpFlags(0x1b), TcpFlags(0x1b)));
        assert_eq!(
            ConnState::from_suricata("closed", flags, tcp, (1, 0)),
            Some(ConnState::SF)
        );
        let none = Some((TcpFlags(0), TcpFlags(0)));
        assert_eq!(
            ConnState::from_suricata("closed", none, tcp, (1, 0)),
            Some(ConnState::S0)
        );
    }

    #[test]
    fn reply_states() {
        use crate::net::Proto;
        assert_eq!(ConnState::from_reply(Proto::Udp, true), ConnState::SF);
        assert_eq!(ConnState::from_reply(Proto::Udp, false), ConnState::S0);
        assert_eq!(ConnState::from_reply(Proto::Icmp, false), ConnState::OTH);
    }
    #[test]
    fn every_vocabulary_through_one_interpretation() {
        // (state, packets, expected)
        let cases = [
            // Zeek.
            ("S0", 1, ConnState::S0),
            ("REJ", 2, ConnState::REJ),
            ("SF", 10, ConnState::SF),
            ("RSTO", 5, ConnState::RSTO),
            ("RSTOS0", 2, ConnState::RSTOS0),
            ("OTH", 1, ConnState::OTH),
            ("sh", 2, ConnState::SH),
            // Argus.
            ("S_RA", 2, ConnState::REJ),
            ("FSPA_FSPA", 10, ConnState::SF),
            ("CON", 2, ConnState::SF),
            ("INT", 1, ConnState::S0),
            ("REQ", 1, ConnState::S0),
            ("RST", 2, ConnState::RSTOS0),
            ("RST", 8, ConnState::RSTO),
            ("ECO", 1, ConnState::OTH),
            ("ACC", 1, ConnState::S0),
            ("RSP", 1, ConnState::S0),
            ("NNS", 1, ConnState::S0),
            // TCP flag strings (the union of both sides).
            ("......S.", 1, ConnState::S0),
            ("...A.RS.", 2, ConnState::REJ),
            (".....RS.", 2, ConnState::RSTOS0),
            ("...AP.SF", 10, ConnState::SF),
            ("...A..S.", 3, ConnState::S1),
            ("........", 1, ConnState::OTH),
            ("FSPA", 10, ConnState::SF),
            ("SA", 3, ConnState::S1),
            ("S", 1, ConnState::S0),
            ("0x1b", 10, ConnState::SF),
            ("0x02", 1, ConnState::S0),
        ];
        for (s, pkts, want) in cases {
            assert_eq!(ConnState::interpret(s, pkts), Some(want), "{s}");
        }
        for bad in ["", "  ", "12", "S?_SA", "..X.....", "0xzz", "CON CON"] {
            assert_eq!(ConnState::interpret(bad, 1), None, "{bad:?}");
        }
    }

    #[test]
    fn udp_states_from_packets() {
        use crate::net::Proto;
        assert_eq!(ConnState::from_packets(Proto::Udp, 2, 1), ConnState::SF);
        assert_eq!(ConnState::from_packets(Proto::Udp, 2, 0), ConnState::S0);
        assert_eq!(ConnState::from_packets(Proto::Udp, 0, 1), ConnState::SHR);
        assert_eq!(ConnState::from_packets(Proto::Udp, 0, 0), ConnState::OTH);
        assert_eq!(ConnState::from_packets(Proto::Icmp, 1, 0), ConnState::OTH);
        assert!(!ConnState::from_packets(Proto::Udp, 2, 0).is_established());
    }
}
