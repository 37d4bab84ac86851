//! SMTP login failures and brute force from smtp.log (Slips' `flow_alerts/smtp.py`).
//!
//! A bad login is a record whose `last_reply` contains "bad smtp-auth user"; three of them
//! from one profile within 10 seconds are a brute force. Differences from Slips: the three
//! logins are looked for in a sliding 10-second window (Slips drops only the oldest one
//! when the first and third are too far apart, which is the same thing), and the memory is
//! per profile-window (at most 3 recent bad logins kept). Every smtp.log line counts, also
//! several lines of one session, as in Slips.

use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::collections::VecDeque;

/// Bad logins that make a brute force, and the time they must fit in.
pub const SMTP_BRUTEFORCE_THRESHOLD: usize = 3;
pub const SMTP_BRUTEFORCE_SECONDS: f64 = 10.0;

#[derive(Default)]
pub struct SmtpState {
    recent: VecDeque<(Timestamp, Str)>,
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
        if !reply.contains("bad smtp-auth user") {
            return;
        }
        out.emit(
            EvidenceDraft::new(
                EvidenceType::BAD_SMTP_LOGIN,
                e.saddr,
                Side::Src,
                ThreatLevel::High,
                1.0,
                s.ts,
                format!("doing bad SMTP login to {} ", e.daddr),
            )
            .victim_ip(e.daddr, Side::Dst)
            .proto(Proto::Tcp)
            .ports(Some(e.sport), Some(e.dport))
            .uids([s.uid.clone()]),
        );
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
        out.emit(
            EvidenceDraft::new(
                EvidenceType::SMTP_LOGIN_BRUTEFORCE,
                e.saddr,
                Side::Src,
                ThreatLevel::High,
                1.0,
                s.ts,
                format!(
                    "doing SMTP login bruteforce to {}. {SMTP_BRUTEFORCE_THRESHOLD} logins in 10 seconds. ",
                    e.daddr
                ),
            )
            .victim_ip(e.daddr, Side::Dst)
            .proto(Proto::Tcp)
            .ports(Some(e.sport), Some(e.dport))
            .uids(uids),
        );
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
                ThreatLevel::High,
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
                    1.0,
                    "doing SMTP login bruteforce to 80.75.42.226. 3 logins in 10 seconds. ".into(),
                    3
                ),
            ]
        );
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
