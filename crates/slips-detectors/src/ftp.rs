//! FTP password guessing from ftp.log (Zeek's, or the packet engine's): `PASS` commands
//! refused with `530` by one server, per profile and window. Evidence PASSWORD_GUESSING,
//! HIGH (as SSH guessing), from [`FTP_GUESSING_THRESHOLD`] refused logins, confidence 0.3
//! there to 1 at [`FTP_GUESSING_FULL`]; re-reported at each report step, with the true
//! count when the window closes, and CRITICAL (confidence 1) when a login (`230`) follows
//! the guessing. Slips has no FTP guessing detection.

use crate::util::{fmt_confidence, push_capped, ramp, report_step};
use foldhash::HashMap;
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::net::IpAddr;

/// Refused logins that make guessing, and the count at which it is certain.
pub const FTP_GUESSING_THRESHOLD: u64 = 5;
pub const FTP_GUESSING_FULL: u64 = 20;
const MAX_SERVERS: usize = 1024;

#[derive(Default)]
pub struct Guessing {
    refused: u64,
    reported: u64,
    succeeded: bool,
    last_ts: Timestamp,
    uids: Vec<Str>,
}

#[derive(Default)]
pub struct FtpBruteForce;

fn draft(src: IpAddr, server: IpAddr, port: u16, g: &Guessing) -> EvidenceDraft {
    let (level, conf) = if g.succeeded {
        (ThreatLevel::Critical, 1.0)
    } else {
        (
            ThreatLevel::High,
            ramp(
                g.refused as f64,
                FTP_GUESSING_THRESHOLD as f64,
                FTP_GUESSING_FULL as f64,
            ),
        )
    };
    let then = if g.succeeded {
        " Then a successful login."
    } else {
        ""
    };
    EvidenceDraft::new(
        EvidenceType::PASSWORD_GUESSING,
        src,
        Side::Src,
        level,
        conf,
        g.last_ts,
        format!(
            "FTP password guessing from {src} to {server} on port {port}/tcp. Refused logins: {}.{then} Confidence: {}. by Slips",
            g.refused,
            fmt_confidence(conf)
        ),
    )
    .victim_ip(server, Side::Dst)
    .proto(Proto::Tcp)
    .ports(None, Some(port))
    .uids(g.uids.iter().cloned())
    .flow_count(g.refused)
}

impl Detector for FtpBruteForce {
    const NAME: &'static str = "ftp_brute_force";
    const DESCRIPTION: &'static str =
        "FTP password guessing: many refused logins from one host to one server (ftp.log)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::PASSWORD_GUESSING];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Ftp]);
    type WindowState = HashMap<(IpAddr, u16), Guessing>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Record::Ftp(f) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let (Some(e), Some(cmd), Some(code)) = (f.id, f.command.as_deref(), f.reply_code) else {
            return;
        };
        if !cmd.eq_ignore_ascii_case("PASS") {
            return;
        }
        let key = (e.daddr, e.dport);
        if !st.contains_key(&key) && st.len() >= MAX_SERVERS {
            return;
        }
        let g = st.entry(key).or_default();
        if g.succeeded {
            return;
        }
        g.last_ts = g.last_ts.max(f.ts);
        push_capped(&mut g.uids, f.uid.clone(), MAX_UIDS_PER_EVIDENCE);
        match code {
            530 => {
                g.refused += 1;
                if g.refused >= FTP_GUESSING_THRESHOLD
                    && report_step(g.refused) > report_step(g.reported)
                {
                    g.reported = g.refused;
                    out.emit(draft(e.saddr, e.daddr, e.dport, g));
                }
            }
            230 if g.reported > 0 => {
                g.succeeded = true;
                out.emit(draft(e.saddr, e.daddr, e.dport, g));
            }
            _ => {}
        }
    }

    fn on_window_closed(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        out: &mut Emitter,
    ) {
        let mut keys: Vec<_> = st
            .iter()
            .filter(|(_, g)| g.reported > 0 && !g.succeeded && g.refused > g.reported)
            .map(|(k, _)| *k)
            .collect();
        keys.sort_unstable();
        for (server, port) in keys {
            if let Some(g) = st.get_mut(&(server, port)) {
                g.reported = g.refused;
                out.emit(draft(ctx.profile, server, port, g));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Endpoints, Flow, Ftp};

    fn pass(ts: f64, code: u16) -> Flow {
        Flow::from(Record::Ftp(Box::new(Ftp {
            ts: Timestamp::from_secs(ts),
            uid: format!("F{ts}").into(),
            id: Some(Endpoints {
                saddr: "10.77.0.10".parse().unwrap(),
                sport: 40000,
                daddr: "10.77.0.20".parse().unwrap(),
                dport: 21,
            }),
            command: Some("PASS".into()),
            reply_code: Some(code),
            ..Default::default()
        })))
    }

    #[test]
    fn refused_logins_then_success() {
        assert!(run(
            FtpBruteForce,
            &(0..4).map(|i| pass(i as f64, 530)).collect::<Vec<_>>()
        )
        .is_empty());
        let mut flows: Vec<_> = (0..30).map(|i| pass(i as f64, 530)).collect();
        let ev = run(FtpBruteForce, &flows);
        let n: Vec<u64> = ev.iter().map(|e| e.flow_count).collect();
        assert_eq!(n, vec![5, 10, 20, 30]);
        assert_eq!(ev[0].confidence, 0.3);
        assert_eq!(ev[3].confidence, 1.0);
        assert!(ev.iter().all(|e| e.threat_level == ThreatLevel::High));
        assert_eq!(
            ev[3].description,
            "FTP password guessing from 10.77.0.10 to 10.77.0.20 on port 21/tcp. Refused logins: 30. Confidence: 1. by Slips"
        );
        flows.push(pass(31.0, 230));
        let ev = run(FtpBruteForce, &flows);
        let last = ev.last().unwrap();
        assert_eq!(
            (last.threat_level, last.confidence),
            (ThreatLevel::Critical, 1.0)
        );
        // A plain login is nothing.
        assert!(run(FtpBruteForce, &[pass(1.0, 230)]).is_empty());
    }
}
