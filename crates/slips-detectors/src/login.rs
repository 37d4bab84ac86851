//! Telnet, rlogin and rsh logins from Zeek's login.log (Slips' `flow_alerts/login.py`):
//! informational evidence about the server that was logged into.

use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, ThreatLevel,
};

#[derive(Default)]
pub struct LoginLog;

impl Detector for LoginLog {
    const NAME: &'static str = "login";
    const DESCRIPTION: &'static str = "Telnet, rlogin and rsh logins (login.log)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::LOGIN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Login]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Login(l) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let Some(e) = l.id else { return };
        let status = if l.success == Some(true) {
            "successful"
        } else if l.confused == Some(true) {
            "confused"
        } else {
            "failed"
        };
        let proto = l
            .proto
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or("login");
        let user = match l.user.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => format!(" for user {u}"),
            None => String::new(),
        };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::LOGIN,
                e.daddr,
                Side::Dst,
                ThreatLevel::Info,
                1.0,
                l.ts,
                format!(
                    "{status} {proto} login. {user} destination IP: {}.",
                    e.daddr
                ),
            )
            .victim_ip(e.saddr, Side::Src)
            .proto(Proto::Tcp)
            .ports(Some(e.sport), Some(e.dport))
            .uids([l.uid.clone()]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Endpoints, Flow, Login, Timestamp};

    fn login(uid: &str, success: Option<bool>, confused: Option<bool>, user: Option<&str>) -> Flow {
        Flow::from(Record::Login(Box::new(Login {
            ts: Timestamp::from_secs(1.0),
            uid: uid.into(),
            id: Some(Endpoints {
                saddr: "10.0.0.5".parse().unwrap(),
                sport: 40000,
                daddr: "10.0.0.9".parse().unwrap(),
                dport: 23,
            }),
            proto: Some("telnet".into()),
            success,
            confused,
            user: user.map(Into::into),
            ..Default::default()
        })))
    }

    #[test]
    fn golden() {
        let ev = run(
            LoginLog,
            &[
                login("A", Some(true), None, Some("root")),
                login("B", Some(false), Some(true), None),
                login("C", Some(false), None, Some("admin")),
            ],
        );
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.attacker.value.to_string(),
                    e.attacker.side,
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect();
        let row = |d: &str| {
            (
                "10.0.0.9".to_string(),
                Side::Dst,
                ThreatLevel::Info,
                1.0,
                d.to_string(),
            )
        };
        assert_eq!(
            got,
            vec![
                row("successful telnet login.  for user root destination IP: 10.0.0.9."),
                row("confused telnet login.  destination IP: 10.0.0.9."),
                row("failed telnet login.  for user admin destination IP: 10.0.0.9."),
            ]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "10.0.0.5");
        assert_eq!(ev[0].dst_port, Some(23));
    }
}
