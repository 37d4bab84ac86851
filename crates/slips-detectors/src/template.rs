//! The template detector: a small, complete example to copy when writing a new detector.
//! It is registered but disabled by default (enable it with `modules.enable: [template]`).
//!
//! What it detects: a profile that contacts at least [`Template::THRESHOLD`] distinct
//! destination IPs in one time window. That is informational, not malicious.
//!
//! The pieces every detector has:
//! 1. A struct (its settings, and any memory that spans windows).
//! 2. A `WindowState`: memory per profile and time window, which the engine creates, hands
//!    back on every record of that window and drops when the window closes.
//! 3. `on_record`: look at one typed record, update the state, maybe emit evidence.
//! 4. Optionally `on_window_closed`, for decisions taken when a window ends.
//! 5. One line in the registry list in `lib.rs`.

use foldhash::HashSet;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Record, RecordKind,
    RecordKinds, Side, ThreatLevel,
};
use std::net::IpAddr;

pub struct Template {
    threshold: usize,
}

impl Template {
    pub const THRESHOLD: usize = 50;
}

impl Default for Template {
    fn default() -> Self {
        Template {
            threshold: Self::THRESHOLD,
        }
    }
}

#[derive(Default)]
pub struct TemplateState {
    destinations: HashSet<IpAddr>,
    reported: bool,
}

impl Detector for Template {
    const NAME: &'static str = "template";
    const DESCRIPTION: &'static str =
        "Example detector: a profile contacting many distinct destination IPs in one window";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::TEMPLATE];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    const ENABLED_BY_DEFAULT: bool = false;
    type WindowState = TemplateState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut TemplateState,
        r: &Record,
        out: &mut Emitter,
    ) {
        // Only the profile's own traffic, only connections with a destination.
        let Record::Conn(c) = r else { return };
        let (Direction::Out, Some(daddr)) = (ctx.direction, c.daddr) else {
            return;
        };
        if st.reported || st.destinations.len() >= self.threshold {
            return;
        }
        st.destinations.insert(daddr);
        if st.destinations.len() == self.threshold {
            st.reported = true;
            out.emit(
                EvidenceDraft::new(
                    EvidenceType::TEMPLATE,
                    ctx.profile,
                    Side::Src,
                    ThreatLevel::Info,
                    1.0,
                    c.ts,
                    format!(
                        "{} contacted {} distinct destination IPs in time window {}.",
                        ctx.profile, self.threshold, ctx.window.number
                    ),
                )
                .uids([c.uid.clone()]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::{ConnState, Proto};

    #[test]
    fn reports_once_at_the_threshold() {
        let flows: Vec<_> = (0..120)
            .map(|i| {
                conn(
                    i as f64,
                    &format!("C{i}"),
                    "10.0.0.1",
                    &format!("1.1.{}.{}", i / 200, i % 200),
                    443,
                    Proto::Tcp,
                    ConnState::SF,
                )
            })
            .collect();
        let ev = run(Template::default(), &flows);
        assert_eq!(ev.len(), 1);
        assert_eq!(
            ev[0].description,
            "10.0.0.1 contacted 50 distinct destination IPs in time window 1."
        );
        assert_eq!(ev[0].uids, vec!["C49"]);
        assert!(run(Template::default(), &flows[..49]).is_empty());
    }
}
