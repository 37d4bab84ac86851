//! DATA_UPLOAD: large uploads from the profile.
//!
//! - One flow whose originator sent at least 100 MB (Slips' hard-coded
//!   `flow_upload_threshold`).
//! - At window close: the bytes the profile sent to one destination in the window add up to
//!   at least `flow_alerts.data_exfiltration_threshold` MB (500).
//!
//! Both produce Slips' pair of evidence with the same description and the same flow uids,
//! linking them: INFO with the profile as attacker and HIGH with the destination as attacker
//! (stored in its profile), confidence 0.6, `Large data upload. {MB} MBs sent to {daddr}`.
//! MB are 10^6 bytes, printed as Python prints the float. Multicast, link-local, loopback
//! and reserved destinations are ignored (Slips also ignores the gateway, which file
//! analysis does not know). When one flow makes both findings with the same number, the
//! engine keeps one. Per-window memory: at most `LOG_CAP` (4,096) logged flows, then
//! at most [`MAX_KEYS_PER_WINDOW`] destinations, 64 uids each.

use crate::connections::{out_conn, MAX_KEYS_PER_WINDOW};
use foldhash::HashMap;
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::net::is_special;
use slips_core::{
    Detector, DetectorCtx, Emitter, EvidenceDraft, EvidenceType, Record, RecordKind, RecordKinds,
    Side, Str, ThreatLevel, Timestamp,
};
use std::net::IpAddr;

/// One flow sending this many MB is reported at once.
pub const FLOW_UPLOAD_MB: f64 = 100.0;
const MB: f64 = 1_000_000.0;

pub struct DataUpload {
    /// MB per destination and window.
    threshold_mb: f64,
}

impl Default for DataUpload {
    fn default() -> Self {
        DataUpload {
            threshold_mb: 500.0,
        }
    }
}

impl DataUpload {
    pub fn new(threshold_mb: f64) -> Self {
        DataUpload { threshold_mb }
    }
}

/// What the profile sent to one destination in the window.
#[derive(Clone, Copy, Default)]
pub struct Sent {
    bytes: u64,
    flows: u64,
    last: Timestamp,
}

/// Flows kept in arrival order before the window is tracked per destination.
const LOG_CAP: usize = 4096;

/// A flow of the window while it is only logged.
struct Logged {
    daddr: IpAddr,
    bytes: u64,
    ts: Timestamp,
    uid: Str,
}

/// Per window. While the profile's bytes in the window stay below the threshold no
/// destination can reach it, so the flows are only appended to a log (at most [`LOG_CAP`]).
/// Once the bytes reach the threshold or the log is full, the log is replayed into the
/// per-destination table and the window is tracked per destination from then on: the bytes
/// sent to each destination, and the uids of the first [`MAX_UIDS_PER_EVIDENCE`] flows to
/// each, in arrival order (one list for all destinations).
#[derive(Default)]
pub struct Uploads {
    log: Vec<Logged>,
    logged_bytes: u64,
    by_destination: bool,
    to: HashMap<IpAddr, Sent>,
    uids: Vec<(IpAddr, Str)>,
}

impl Uploads {
    fn add(&mut self, daddr: IpAddr, bytes: u64, ts: Timestamp, uid: Str) {
        let s = if self.to.len() < MAX_KEYS_PER_WINDOW {
            self.to.entry(daddr).or_default()
        } else {
            match self.to.get_mut(&daddr) {
                Some(s) => s,
                None => return,
            }
        };
        s.bytes = s.bytes.saturating_add(bytes);
        s.flows += 1;
        s.last = s.last.max(ts);
        if s.flows <= MAX_UIDS_PER_EVIDENCE as u64 {
            self.uids.push((daddr, uid));
        }
    }
}

/// A float as Python's `str()` prints it (`500.0`, `104.8576`).
fn py_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn emit_pair(
    out: &mut Emitter,
    src: IpAddr,
    dst: IpAddr,
    bytes: u64,
    ts: Timestamp,
    uids: &[Str],
    flows: u64,
) {
    let mb = (bytes as f64 / MB * 10_000.0).round() / 10_000.0;
    let description = format!("Large data upload. {} MBs sent to {dst}", py_float(mb));
    out.emit(
        EvidenceDraft::new(
            EvidenceType::DATA_UPLOAD,
            src,
            Side::Src,
            ThreatLevel::Info,
            0.6,
            ts,
            description.clone(),
        )
        .victim_ip(dst, Side::Dst)
        .uids(uids.iter().cloned())
        .flow_count(flows),
    );
    out.emit(
        EvidenceDraft::new(
            EvidenceType::DATA_UPLOAD,
            dst,
            Side::Dst,
            ThreatLevel::High,
            0.6,
            ts,
            description,
        )
        .victim_ip(src, Side::Src)
        .uids(uids.iter().cloned())
        .flow_count(flows),
    );
}

impl Detector for DataUpload {
    const NAME: &'static str = "data_upload";
    const DESCRIPTION: &'static str =
        "Large uploads: one big flow, or many bytes to one destination in a window";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DATA_UPLOAD];
    const CONFIG_KEYS: &'static [&'static str] = &["flow_alerts.data_exfiltration_threshold"];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = Uploads;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if c.sbytes == 0 || is_special(&daddr) {
            return;
        }
        if c.sbytes as f64 >= FLOW_UPLOAD_MB * MB {
            emit_pair(
                out,
                saddr,
                daddr,
                c.sbytes,
                c.ts,
                std::slice::from_ref(&c.uid),
                1,
            );
        }
        if st.by_destination {
            st.add(daddr, c.sbytes, c.ts, c.uid.clone());
            return;
        }
        st.logged_bytes = st.logged_bytes.saturating_add(c.sbytes);
        st.log.push(Logged {
            daddr,
            bytes: c.sbytes,
            ts: c.ts,
            uid: c.uid.clone(),
        });
        if (st.logged_bytes as f64) < self.threshold_mb * MB && st.log.len() < LOG_CAP {
            return;
        }
        st.by_destination = true;
        for l in std::mem::take(&mut st.log) {
            st.add(l.daddr, l.bytes, l.ts, l.uid);
        }
    }

    fn on_window_closed(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        out: &mut Emitter,
    ) {
        // Logged only: the window's bytes, hence every destination's, are below the
        // threshold.
        if !st.by_destination {
            return;
        }
        let mut big: Vec<_> = st
            .to
            .iter()
            .filter(|(_, s)| s.bytes as f64 >= self.threshold_mb * MB)
            .map(|(ip, s)| (*ip, *s))
            .collect();
        big.sort_unstable_by_key(|(ip, _)| *ip);
        for (dst, s) in big {
            let uids: Vec<Str> = st
                .uids
                .iter()
                .filter(|(ip, _)| *ip == dst)
                .map(|(_, u)| u.clone())
                .collect();
            emit_pair(out, ctx.profile, dst, s.bytes, s.last, &uids, s.flows);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::{Conn, ConnState, Flow, Proto};

    fn up(ts: f64, uid: &str, dst: &str, sbytes: u64) -> Flow {
        let mut f = conn(ts, uid, "10.0.0.1", dst, 443, Proto::Tcp, ConnState::SF);
        if let Record::Conn(Conn { sbytes: b, .. }) = &mut f.record {
            *b = sbytes;
        }
        f
    }

    #[test]
    fn python_floats() {
        assert_eq!(py_float(500.0), "500.0");
        assert_eq!(py_float(104.8576), "104.8576");
    }

    #[test]
    fn one_big_flow_gives_the_linked_pair() {
        assert!(run(
            DataUpload::default(),
            &[up(1.0, "C1", "5.5.5.5", 99_999_999)]
        )
        .is_empty());
        let ev = run(
            DataUpload::default(),
            &[up(1.0, "C1", "5.5.5.5", 100_000_000)],
        );
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.profile.to_string(),
                    e.attacker.side,
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.uids.clone(),
                )
            })
            .collect();
        let d = "Large data upload. 100.0 MBs sent to 5.5.5.5".to_string();
        assert_eq!(
            got,
            vec![
                (
                    "10.0.0.1".into(),
                    Side::Src,
                    ThreatLevel::Info,
                    0.6,
                    d.clone(),
                    vec![Str::from("C1")]
                ),
                (
                    "5.5.5.5".into(),
                    Side::Dst,
                    ThreatLevel::High,
                    0.6,
                    d,
                    vec![Str::from("C1")]
                ),
            ]
        );
    }

    #[test]
    fn logged_flows_are_replayed_into_the_destinations() {
        // 5,000 small flows to 10 destinations overflow the log (4,096) while the window's
        // bytes are below the 1 MB threshold; a big flow to one of them then crosses it.
        let mut flows: Vec<Flow> = (0..5000u32)
            .map(|i| {
                up(
                    f64::from(i) * 0.1,
                    &format!("U{i}"),
                    &format!("5.5.5.{}", i % 10),
                    100,
                )
            })
            .collect();
        flows.push(up(600.0, "BIG", "5.5.5.3", 1_000_000));
        let ev = run(DataUpload::new(1.0), &flows);
        let want_uids: Vec<Str> = (0..64u32)
            .map(|k| format!("U{}", 3 + 10 * k).into())
            .collect();
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.profile.to_string(),
                    e.attacker.side,
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.uids.clone(),
                    e.flow_count,
                    e.ts.secs(),
                )
            })
            .collect();
        let d = "Large data upload. 1.05 MBs sent to 5.5.5.3".to_string();
        assert_eq!(
            got,
            vec![
                (
                    "10.0.0.1".into(),
                    Side::Src,
                    ThreatLevel::Info,
                    0.6,
                    d.clone(),
                    want_uids.clone(),
                    501,
                    600.0
                ),
                (
                    "5.5.5.3".into(),
                    Side::Dst,
                    ThreatLevel::High,
                    0.6,
                    d,
                    want_uids,
                    501,
                    600.0
                ),
            ]
        );
        // Below the threshold nothing is reported, logged or not.
        assert!(run(DataUpload::new(2.0), &flows).is_empty());
    }

    #[test]
    fn window_total_at_close() {
        let flows: Vec<_> = (0..6)
            .map(|i| up(i as f64, &format!("C{i}"), "5.5.5.5", 90_000_000))
            .chain([
                up(7.0, "X", "6.6.6.6", 90_000_000),
                up(8.0, "M", "224.0.0.1", 900_000_000),
            ])
            .collect();
        assert!(
            run(DataUpload::default(), &flows[..5]).is_empty(),
            "450 MB < 500"
        );
        let ev = run(DataUpload::default(), &flows);
        assert_eq!(ev.len(), 2);
        assert_eq!(
            ev[0].description,
            "Large data upload. 540.0 MBs sent to 5.5.5.5"
        );
        assert_eq!(ev[0].uids.len(), 6);
        assert_eq!(ev[1].uids, ev[0].uids);
        assert_eq!(ev[1].profile.to_string(), "5.5.5.5");
        let low = run(DataUpload::new(100.0), &flows[..2]);
        assert_eq!(
            low[0].description,
            "Large data upload. 180.0 MBs sent to 5.5.5.5"
        );
    }
}
