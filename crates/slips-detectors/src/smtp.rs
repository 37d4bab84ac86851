//! SMTP login failures and brute force from smtp.log (Slips' `flow_alerts/smtp.py`).
//!
//! A bad login is a record whose `last_reply` contains "bad smtp-auth user" or is a `535`
//! reply (LOW: one refused login is often a typo); three of them from one profile within 10
//! seconds start a brute force (HIGH, confidence 0.3 at 3 logins to 1 at 10), which then
//! counts every further bad login of the window, re-reported at each report step and with
//! its true count when the window closes. Differences from Slips: the three
//! logins are looked for in a sliding 10-second window (Slips drops only the oldest one
//! when the first and third are too far apart, which is the same thing), and the memory is
//! per profile-window (at most 3 recent bad logins kept). Every smtp.log line counts, also
//! several lines of one session, as in Slips.

use crate::util::{fmt_confidence, push_capped, ramp, report_step};
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::collections::VecDeque;

/// Bad logins that start a brute force, and the time they must fit in.
pub const SMTP_BRUTEFORCE_THRESHOLD: usize = 3;
pub const SMTP_BRUTEFORCE_SECONDS: f64 = 10.0;
/// Bad logins at which a brute force is certain.
pub const SMTP_BRUTEFORCE_FULL: u64 = 10;

#[derive(Default)]
pub struct SmtpState {
    recent: VecDeque<(Timestamp, Str)>,
    /// Once started: bad logins of the window, the uids, and the count last reported.
    campaign: Option<Campaign>,
}

struct Campaign {
    server: std::net::IpAddr,
    port: u16,
    logins: u64,
    reported: u64,
    uids: Vec<Str>,
    last_ts: Timestamp,
}

/// Whether an SMTP reply refuses a login: Slips' "bad smtp-auth user", or the standard
/// `535` reply (RFC 4954: authentication credentials invalid).
pub fn is_bad_login(reply: &str) -> bool {
    reply.contains("bad smtp-auth user") || reply.trim_start().starts_with("535")
}

fn bruteforce_draft(attacker: std::net::IpAddr, c: &Campaign) -> EvidenceDraft {
    let conf = ramp(
        c.logins as f64,
        SMTP_BRUTEFORCE_THRESHOLD as f64,
        SMTP_BRUTEFORCE_FULL as f64,
    );
    EvidenceDraft::new(
        EvidenceType::SMTP_LOGIN_BRUTEFORCE,
        attacker,
        Side::Src,
        ThreatLevel::High,
        conf,
        c.last_ts,
        format!(
            "doing SMTP login bruteforce to {}. {} bad logins. Confidence: {}. ",
            c.server,
            c.logins,
            fmt_confidence(conf)
        ),
    )
    .victim_ip(c.server, Side::Dst)
    .proto(Proto::Tcp)
    .ports(None, Some(c.port))
    .uids(c.uids.iter().cloned())
    .flow_count(c.logins)
}

#[derive(Default)]
pub struct SmtpLogin;

impl Detector for SmtpLogin {
    const NAME: &'static str = "smtp_login";
    const DESCRIPTION: &'static str = "Bad SMTP logins and SMTP login brute force";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::BAD_SMTP_LOGIN,
        EvidenceType::SMTP_LOGIN_BRUTEFORCE,
    ];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Smtp]);
    type WindowState = SmtpState;

    fn on_record(&mut self, ctx: &DetectorCtx, st: &mut SmtpState, r: &Record, out: &mut Emitter) {
        let Record::Smtp(s) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let (Some(e), Some(reply)) = (s.id, s.last_reply.as_deref()) else {
            return;
        };
        if !is_bad_login(reply) {
            return;
        }
        // One refused login is a typo as often as an attack: low.
        out.emit(
            EvidenceDraft::new(
                EvidenceType::BAD_SMTP_LOGIN,
                e.saddr,
                Side::Src,
                ThreatLevel::Low,
                1.0,
                s.ts,
                format!("doing bad SMTP login to {} ", e.daddr),
            )
            .victim_ip(e.daddr, Side::Dst)
            .proto(Proto::Tcp)
            .ports(Some(e.sport), Some(e.dport))
            .uids([s.uid.clone()]),
        );
        if let Some(c) = st.campaign.as_mut() {
            c.logins += 1;
            c.last_ts = c.last_ts.max(s.ts);
            c.server = e.daddr;
            c.port = e.dport;
            push_capped(&mut c.uids, s.uid.clone(), MAX_UIDS_PER_EVIDENCE);
            if report_step(c.logins) > report_step(c.reported) {
                c.reported = c.logins;
                out.emit(bruteforce_draft(e.saddr, c));
            }
            return;
        }
        st.recent.push_back((s.ts, s.uid.clone()));
        while st
            .recent
            .front()
            .is_some_and(|(ts, _)| s.ts.secs() - ts.secs() > SMTP_BRUTEFORCE_SECONDS)
            || st.recent.len() > SMTP_BRUTEFORCE_THRESHOLD
        {
            st.recent.pop_front();
        }
        if st.recent.len() < SMTP_BRUTEFORCE_THRESHOLD {
            return;
        }
        let uids: Vec<Str> = st.recent.drain(..).map(|(_, u)| u).collect();
        let c = Campaign {
            server: e.daddr,
            port: e.dport,
            logins: uids.len() as u64,
            reported: uids.len() as u64,
            uids,
            last_ts: s.ts,
        };
        out.emit(bruteforce_draft(e.saddr, &c));
        st.campaign = Some(c);
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, st: &mut SmtpState, out: &mut Emitter) {
        if let Some(c) = st.campaign.as_mut().filter(|c| c.logins > c.reported) {
            c.reported = c.logins;
            out.emit(bruteforce_draft(ctx.profile, c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{run, smtp};

    const BAD: &str = "554 5.7.1 bad smtp-auth user";

    #[test]
    fn bad_login_and_bruteforce_golden() {
        let ev = run(
            SmtpLogin,
            &[
                smtp(1.0, "A", "10.1.11.101", "80.75.42.226", "250 OK"),
                smtp(2.0, "A", "10.1.11.101", "80.75.42.226", BAD),
                smtp(6.0, "B", "10.1.11.101", "80.75.42.226", BAD),
                smtp(12.0, "C", "10.1.11.101", "80.75.42.226", BAD),
            ],
        );
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.evidence_type,
                    e.attacker.value.to_string(),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.uids.len(),
                )
            })
            .collect();
        let bad = |n| {
            (
                EvidenceType::BAD_SMTP_LOGIN,
                "10.1.11.101".to_string(),
                ThreatLevel::Low,
                1.0,
                "doing bad SMTP login to 80.75.42.226 ".to_string(),
                n,
            )
        };
        assert_eq!(
            got,
            vec![
                bad(1),
                bad(1),
                bad(1),
                (
                    EvidenceType::SMTP_LOGIN_BRUTEFORCE,
                    "10.1.11.101".into(),
                    ThreatLevel::High,
                    0.3,
                    "doing SMTP login bruteforce to 80.75.42.226. 3 bad logins. Confidence: 0.3. "
                        .into(),
                    3
                ),
            ]
        );
        // Four bad logins on one connection are four (and a 535 reply counts).
        let flows: Vec<_> = (0..12)
            .map(|i| {
                smtp(
                    i as f64,
                    "ONE",
                    "10.1.11.101",
                    "80.75.42.226",
                    "535 5.7.8 Authentication failed",
                )
            })
            .collect();
        let ev = run(SmtpLogin, &flows);
        let brute: Vec<_> = ev
            .iter()
            .filter(|e| e.evidence_type == EvidenceType::SMTP_LOGIN_BRUTEFORCE)
            .map(|e| (e.flow_count, e.confidence))
            .collect();
        assert_eq!(brute, vec![(3, 0.3), (5, 0.597), (10, 1.0), (12, 1.0)]);
        assert_eq!(ev[3].victim.as_ref().unwrap().value, "80.75.42.226");
    }

    #[test]
    fn bruteforce_needs_three_within_ten_seconds() {
        // Two bad logins: no brute force.
        let two = [
            smtp(1.0, "A", "10.1.11.101", "80.75.42.226", BAD),
            smtp(2.0, "B", "10.1.11.101", "80.75.42.226", BAD),
        ];
        assert!(run(SmtpLogin, &two)
            .iter()
            .all(|e| e.evidence_type == EvidenceType::BAD_SMTP_LOGIN));
        // Three spread over 10.5 s: no brute force; a fourth 2 s later makes one.
        let mut flows = vec![
            smtp(0.0, "A", "10.1.11.101", "80.75.42.226", BAD),
            smtp(5.0, "B", "10.1.11.101", "80.75.42.226", BAD),
            smtp(10.5, "C", "10.1.11.101", "80.75.42.226", BAD),
        ];
        let n = |fl: &[slips_core::Flow]| {
            run(SmtpLogin, fl)
                .iter()
                .filter(|e| e.evidence_type == EvidenceType::SMTP_LOGIN_BRUTEFORCE)
                .count()
        };
        assert_eq!(n(&flows), 0);
        flows.push(smtp(12.5, "D", "10.1.11.101", "80.75.42.226", BAD));
        assert_eq!(n(&flows), 1);
    }
}
