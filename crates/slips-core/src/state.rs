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
}
