//! Stratosphere's IP-per-time-window detection metric.
//!
//! The unit of evaluation is an IP in a time window (a profile-window). Ground truth: the IP
//! is malicious in a window if any of the flows it originated there is labelled malicious
//! (botnet, malware...), normal if its labelled flows there are all normal; IPs whose flows
//! in the window are all background or unlabelled are not evaluated (as in the Stratosphere
//! methodology). A detection is an alert of that profile in that window. Then per window and
//! per IP: TP (malicious, alerted), FN (malicious, not alerted), FP (normal, alerted), TN
//! (normal, not alerted); precision, recall (TPR), F1, FPR and accuracy from the totals.
//!
//! Alerts on profile-windows without ground truth are counted separately
//! (`unlabelled_alerts`), not as false positives.

use crate::labels::{classify_truth, LabelClass};
use serde::Serialize;
use slips_core::{Flow, Timestamp, WindowClock};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Ground truth of one IP in one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Truth {
    Malicious,
    Normal,
}

/// Ground truth per (IP, window number), built from labelled flows.
#[derive(Clone, Debug, Default)]
pub struct GroundTruth {
    clock: Option<WindowClock>,
    width: f64,
    labels: BTreeMap<(IpAddr, i64), Truth>,
}

impl GroundTruth {
    /// `width`: the time-window width in seconds (the same as the analysis); windows are
    /// anchored at the first flow, as the engine does.
    pub fn new(width: f64) -> Self {
        GroundTruth {
            clock: None,
            width: if width > 0.0 && width.is_finite() {
                width
            } else {
                3600.0
            },
            labels: BTreeMap::new(),
        }
    }

    /// Adds a flow: its source IP gets the flow's label class in the flow's window.
    pub fn add(&mut self, f: &Flow) {
        let ts = f.record.ts();
        let clock = *self
            .clock
            .get_or_insert_with(|| WindowClock::new(ts, self.width));
        let Some(src) = f.record.hosts().0 else {
            return;
        };
        let class = f
            .label
            .as_deref()
            .map_or(LabelClass::Background, classify_truth);
        self.add_label(src, clock.number(ts), class);
    }

    /// Adds a label class for an IP in a window.
    pub fn add_label(&mut self, ip: IpAddr, window: i64, class: LabelClass) {
        let t = match class {
            LabelClass::Malicious => Truth::Malicious,
            LabelClass::Normal => Truth::Normal,
            LabelClass::Background => return,
        };
        let e = self.labels.entry((ip, window)).or_insert(t);
        if t == Truth::Malicious {
            *e = Truth::Malicious;
        }
    }

    /// The window number of a timestamp under this ground truth's clock.
    pub fn window_of(&self, ts: Timestamp) -> Option<i64> {
        self.clock.map(|c| c.number(ts))
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn get(&self, ip: IpAddr, window: i64) -> Option<Truth> {
        self.labels.get(&(ip, window)).copied()
    }
}

/// Confusion counts and the measures derived from them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    pub fn_: u64,
}

impl Counts {
    fn add(&mut self, truth: Truth, alerted: bool) {
        match (truth, alerted) {
            (Truth::Malicious, true) => self.tp += 1,
            (Truth::Malicious, false) => self.fn_ += 1,
            (Truth::Normal, true) => self.fp += 1,
            (Truth::Normal, false) => self.tn += 1,
        }
    }

    fn ratio(a: u64, b: u64) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }

    /// TP / (TP + FP); `None` without positives.
    pub fn precision(&self) -> Option<f64> {
        Self::ratio(self.tp, self.tp + self.fp)
    }
    /// TP / (TP + FN) (true positive rate); `None` without malicious units.
    pub fn recall(&self) -> Option<f64> {
        Self::ratio(self.tp, self.tp + self.fn_)
    }
    /// FP / (FP + TN); `None` without normal units.
    pub fn fpr(&self) -> Option<f64> {
        Self::ratio(self.fp, self.fp + self.tn)
    }
    /// (TP + TN) / all.
    pub fn accuracy(&self) -> Option<f64> {
        Self::ratio(self.tp + self.tn, self.tp + self.tn + self.fp + self.fn_)
    }
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        })
    }
}

/// The evaluation: totals, per window and per IP.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub total: Counts,
    pub per_window: BTreeMap<i64, Counts>,
    pub per_ip: BTreeMap<IpAddr, Counts>,
    /// Alerted profile-windows that have no ground truth.
    pub unlabelled_alerts: u64,
}

/// Compares alerts `(profile, window number)` with the ground truth.
pub fn evaluate(truth: &GroundTruth, alerts: &BTreeSet<(IpAddr, i64)>) -> Evaluation {
    let mut e = Evaluation::default();
    for (&(ip, w), &t) in &truth.labels {
        let alerted = alerts.contains(&(ip, w));
        e.total.add(t, alerted);
        e.per_window.entry(w).or_default().add(t, alerted);
        e.per_ip.entry(ip).or_default().add(t, alerted);
    }
    e.unlabelled_alerts = alerts
        .iter()
        .filter(|k| !truth.labels.contains_key(k))
        .count() as u64;
    e
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
}

impl Evaluation {
    /// A plain-text report: totals, then one line per window and per IP.
    pub fn report(&self) -> String {
        let line = |name: &str, c: &Counts| {
            format!(
                "{name}\tTP {}\tFP {}\tTN {}\tFN {}\tprecision {}\trecall {}\tF1 {}\tFPR {}\taccuracy {}\n",
                c.tp,
                c.fp,
                c.tn,
                c.fn_,
                fmt_opt(c.precision()),
                fmt_opt(c.recall()),
                fmt_opt(c.f1()),
                fmt_opt(c.fpr()),
                fmt_opt(c.accuracy())
            )
        };
        let mut s = line("total", &self.total);
        s.push_str(&format!(
            "alerts without ground truth: {}\n",
            self.unlabelled_alerts
        ));
        for (w, c) in &self.per_window {
            s.push_str(&line(&format!("timewindow{w}"), c));
        }
        for (ip, c) in &self.per_ip {
            s.push_str(&line(&ip.to_string(), c));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{Conn, Record};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn flow(ts: f64, src: &str, label: &str) -> Flow {
        Flow {
            record: Record::Conn(Conn {
                ts: Timestamp::from_secs(ts),
                saddr: Some(ip(src)),
                daddr: Some(ip("8.8.8.8")),
                ..Default::default()
            }),
            label: Some(Box::new(slips_core::GroundTruth {
                label: label.into(),
                detailed_label: None,
            })),
        }
    }

    #[test]
    fn confusion_per_window_and_ip() {
        let mut gt = GroundTruth::new(100.0);
        // Window 1: .1 malicious (one malicious flow among normal), .2 normal, .3 background.
        gt.add(&flow(0.0, "10.0.0.1", "flow=From-Normal-V1"));
        gt.add(&flow(10.0, "10.0.0.1", "flow=From-Botnet-V1-TCP"));
        gt.add(&flow(20.0, "10.0.0.2", "flow=From-Normal-V1"));
        gt.add(&flow(30.0, "10.0.0.3", "flow=Background"));
        // Window 2: .1 malicious, .2 normal.
        gt.add(&flow(150.0, "10.0.0.1", "flow=From-Botnet-V1-TCP"));
        gt.add(&flow(160.0, "10.0.0.2", "flow=From-Normal-V1"));
        assert_eq!(gt.len(), 4);
        assert_eq!(gt.get(ip("10.0.0.1"), 1), Some(Truth::Malicious));
        assert_eq!(gt.get(ip("10.0.0.3"), 1), None);
        // Alerts: .1 in window 1 (TP), .2 in window 2 (FP), .3 in window 1 (no truth).
        let alerts: BTreeSet<_> = [
            (ip("10.0.0.1"), 1),
            (ip("10.0.0.2"), 2),
            (ip("10.0.0.3"), 1),
        ]
        .into_iter()
        .collect();
        let e = evaluate(&gt, &alerts);
        assert_eq!(
            e.total,
            Counts {
                tp: 1,
                fp: 1,
                tn: 1,
                fn_: 1
            }
        );
        assert_eq!(e.total.precision(), Some(0.5));
        assert_eq!(e.total.recall(), Some(0.5));
        assert_eq!(e.total.f1(), Some(0.5));
        assert_eq!(e.total.fpr(), Some(0.5));
        assert_eq!(
            e.per_window[&1],
            Counts {
                tp: 1,
                fp: 0,
                tn: 1,
                fn_: 0
            }
        );
        assert_eq!(
            e.per_window[&2],
            Counts {
                tp: 0,
                fp: 1,
                tn: 0,
                fn_: 1
            }
        );
        assert_eq!(
            e.per_ip[&ip("10.0.0.1")],
            Counts {
                tp: 1,
                fp: 0,
                tn: 0,
                fn_: 1
            }
        );
        assert_eq!(
            e.per_ip[&ip("10.0.0.2")],
            Counts {
                tp: 0,
                fp: 1,
                tn: 1,
                fn_: 0
            }
        );
        assert_eq!(e.unlabelled_alerts, 1);
        assert_eq!(e.per_window[&1].f1(), Some(1.0));
        assert_eq!(e.per_window[&1].precision(), Some(1.0));
        assert_eq!(e.per_ip[&ip("10.0.0.2")].recall(), None);
        let r = e.report();
        assert_eq!(
            r.lines().next().unwrap(),
            "total\tTP 1\tFP 1\tTN 1\tFN 1\tprecision 0.5000\trecall 0.5000\tF1 0.5000\tFPR 0.5000\taccuracy 0.5000"
        );
        assert_eq!(r.lines().count(), 2 + 2 + 2);
    }

    #[test]
    fn empty_and_zero_cases() {
        let c = Counts::default();
        assert_eq!((c.precision(), c.recall(), c.f1()), (None, None, None));
        let c = Counts {
            tp: 0,
            fp: 2,
            tn: 0,
            fn_: 3,
        };
        assert_eq!(c.precision(), Some(0.0));
        assert_eq!(c.f1(), Some(0.0));
        let e = evaluate(&GroundTruth::new(0.0), &BTreeSet::new());
        assert_eq!(e.total, Counts::default());
    }
}
