//! RITA's (v5) beacon score, computed incrementally with bounded memory, and RITA's
//! long-connection and C2-over-DNS (unique subdomains) scores.
//!
//! # Beacon score (RITA v5 `analysis/beacons.go`, defaults of `default_config.hjson`)
//! For a pair (source → destination IP, or source → server name), with at least 4 distinct
//! timestamps, at least 3 non-zero intervals and fewer than 86,400 connections:
//! * **timestamp** subscore: on the non-zero intervals between consecutive connections
//!   (whole seconds), `(skewScore + madScore) / 2` rounded to 3 decimals, where
//!   `skewScore = 1 − |Bowley skewness|` (skewness forced to 0 when `Q3 − Q1 < 10` or the
//!   median equals a quartile) and `madScore = (median − MAD) / median` (MAD about the
//!   median; 0 if negative; 1 when the median is below 1);
//! * **data size** subscore: the same on the source IP bytes of each connection (madScore 0
//!   when the median is below 1);
//! * **histogram** subscore: connections counted in 24 equal bins over the dataset's time
//!   span; `max(cvScore, bimodalFit)` with `cvScore = 1 − σ/μ` (0 when the CV exceeds 1) and
//!   the bimodal fit (bars bucketed by 5 % of the tallest bar; with at least 11 non-empty
//!   bins, `(top two buckets) / (non-empty bins − 1)`);
//! * **duration** subscore: with at least 6 non-empty bins, `max(coverage, consistency)`
//!   where coverage = (last − first connection) / dataset span and consistency = longest run
//!   of consecutive non-empty bins (wrapping around) / 12;
//! * `score = round(0.25·ts + 0.25·ds + 0.25·hist + 0.25·dur, 3)`;
//! * threat score `calculateBucketedScore(100·score, {50, 70, 90, 100})`: 0 below 50, then
//!   linear from 0.2 (at 50) to 0.4 (70), 0.6 (90) and 0.8 (100); RITA's severities are
//!   low ≥ 0.2, medium ≥ 0.4, high ≥ 0.6, critical > 0.8 ([`severity`]).
//!
//! # Bounded, incremental state
//! RITA keeps every timestamp and byte count of a pair (up to 86,400 a day). A [`PairStats`]
//! keeps three sorted multisets of (value, count): intervals, sizes and timestamps. Each is
//! exact while it holds few distinct values ([`MAX_INTERVALS`], [`MAX_SIZES`],
//! [`MAX_TIMESTAMPS`]); beyond that it coarsens itself by dropping the lowest bit of its keys
//! (values are then represented by their bucket's midpoint), so memory per pair is bounded
//! (about 6 KB at most) whatever the traffic. A perfect or jittered beacon keeps its
//! intervals and sizes exact; a day of one-minute beacons keeps timestamps at 256-second
//! resolution, which moves at most a few connections between histogram bins.
//!
//! Differences from RITA, deliberate: the dataset span is everything the tracker has seen
//! (RITA scores the last 24 hours of an import); intervals are taken in arrival order
//! (negative gaps of out-of-order connections count as 0, RITA sorts first).

use serde::{Deserialize, Serialize};

/// Most distinct intervals kept exactly per pair.
pub const MAX_INTERVALS: usize = 64;
/// Most distinct sizes kept exactly per pair.
pub const MAX_SIZES: usize = 64;
/// Most distinct timestamps (seconds) kept exactly per pair.
pub const MAX_TIMESTAMPS: usize = 256;

/// RITA's settings (its defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeaconConfig {
    pub ts_weight: f64,
    pub ds_weight: f64,
    pub dur_weight: f64,
    pub hist_weight: f64,
    /// Fewest distinct connection timestamps for a pair to be scored.
    pub unique_connection_threshold: u64,
    /// A pair with this many connections is a strobe, not scored as a beacon.
    pub strobe_threshold: u64,
    pub hist_mode_sensitivity: f64,
    pub hist_bimodal_outlier_removal: usize,
    pub hist_bimodal_min_hours: usize,
    pub dur_min_hours: usize,
    pub dur_ideal_consistent_hours: usize,
    /// Beacon score × 100 thresholds: base, low, medium, high.
    pub score_thresholds: [f64; 4],
}

impl Default for BeaconConfig {
    fn default() -> Self {
        BeaconConfig {
            ts_weight: 0.25,
            ds_weight: 0.25,
            dur_weight: 0.25,
            hist_weight: 0.25,
            unique_connection_threshold: 4,
            strobe_threshold: 86_400,
            hist_mode_sensitivity: 0.05,
            hist_bimodal_outlier_removal: 1,
            hist_bimodal_min_hours: 11,
            dur_min_hours: 6,
            dur_ideal_consistent_hours: 12,
            score_thresholds: [50.0, 70.0, 90.0, 100.0],
        }
    }
}

/// RITA's long-connection thresholds (total seconds): base 1 h, low 4 h, medium 8 h, high 12 h.
pub const LONG_CONNECTION_THRESHOLDS: [f64; 4] = [3600.0, 14_400.0, 28_800.0, 43_200.0];
/// RITA's C2-over-DNS thresholds (unique subdomains of a domain).
pub const C2_OVER_DNS_THRESHOLDS: [f64; 4] = [100.0, 500.0, 800.0, 1000.0];

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// RITA's `calculateBucketedScore`: 0 below `base`, then linear between the category
/// scores 0.2 (base), 0.4 (low), 0.6 (medium) and 0.8 (high, capped).
pub fn bucketed_score(value: f64, t: [f64; 4]) -> f64 {
    let [base, low, med, high] = t;
    let (none_s, low_s, med_s, high_s) = (20.0, 40.0, 60.0, 80.0);
    let s = if value < base {
        return 0.0;
    } else if value < low {
        none_s + (value - base) / (low - base) * (low_s - none_s)
    } else if value < med {
        low_s + (value - low) / (med - low) * (med_s - low_s)
    } else {
        let v = value.min(high);
        med_s + (v - med) / (high - med) * (high_s - med_s)
    };
    s / 100.0
}

/// RITA's severity of a threat score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// Critical > 0.8, high ≥ 0.6, medium ≥ 0.4, low ≥ 0.2 (RITA `viewer/results.go`).
pub fn severity(threat: f64) -> Severity {
    if threat > 0.8 {
        Severity::Critical
    } else if threat >= 0.6 {
        Severity::High
    } else if threat >= 0.4 {
        Severity::Medium
    } else if threat >= 0.2 {
        Severity::Low
    } else {
        Severity::None
    }
}

/// A sorted multiset of non-negative integers that coarsens itself to stay small.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Multiset {
    /// (value >> shift, count), sorted by key.
    entries: Vec<(u64, u64)>,
    shift: u32,
    total: u64,
}

impl Multiset {
    /// Adds a value; keeps at most `cap` distinct keys (cap ≥ 2).
    pub fn add(&mut self, v: u64, cap: usize) {
        let k = v >> self.shift;
        match self.entries.binary_search_by_key(&k, |e| e.0) {
            Ok(i) => self.entries[i].1 += 1,
            Err(i) => self.entries.insert(i, (k, 1)),
        }
        self.total += 1;
        while self.entries.len() > cap.max(2) && self.shift < 63 {
            self.shift += 1;
            let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.entries.len() / 2 + 1);
            for &(k, c) in &self.entries {
                let nk = k >> 1;
                match merged.last_mut() {
                    Some(last) if last.0 == nk => last.1 += c,
                    _ => merged.push((nk, c)),
                }
            }
            self.entries = merged;
        }
    }

    /// Number of values added.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Distinct keys held.
    pub fn distinct(&self) -> usize {
        self.entries.len()
    }

    /// Whether values are still exact.
    pub fn is_exact(&self) -> bool {
        self.shift == 0
    }

    /// The values as (representative value, count), ascending. Coarsened buckets are
    /// represented by their midpoint.
    pub fn weighted(&self) -> Vec<(f64, u64)> {
        let half = if self.shift == 0 {
            0.0
        } else {
            ((1u64 << self.shift) as f64 - 1.0) / 2.0
        };
        self.entries
            .iter()
            .map(|&(k, c)| (((k << self.shift) as f64) + half, c))
            .collect()
    }
}

/// A sorted list given as (value, count) runs: element access by rank.
struct Weighted<'a> {
    runs: &'a [(f64, u64)],
    /// cum[i] = number of elements before run i.
    cum: Vec<u64>,
    n: u64,
}

impl<'a> Weighted<'a> {
    fn new(runs: &'a [(f64, u64)]) -> Self {
        let mut cum = Vec::with_capacity(runs.len());
        let mut n = 0;
        for &(_, c) in runs {
            cum.push(n);
            n += c;
        }
        Weighted { runs, cum, n }
    }

    fn at(&self, rank: u64) -> f64 {
        let i = self.cum.partition_point(|&c| c <= rank).saturating_sub(1);
        self.runs.get(i).map_or(0.0, |r| r.0)
    }

    /// Median of the elements with rank in `[lo, hi)` (montanaflynn/stats `Median`).
    fn median(&self, lo: u64, hi: u64) -> f64 {
        let len = hi.saturating_sub(lo);
        if len == 0 {
            return f64::NAN;
        }
        if len.is_multiple_of(2) {
            (self.at(lo + len / 2 - 1) + self.at(lo + len / 2)) / 2.0
        } else {
            self.at(lo + len / 2)
        }
    }

    /// Quartiles as montanaflynn/stats `Quartile` computes them (exclusive method).
    fn quartiles(&self) -> (f64, f64, f64) {
        let n = self.n;
        let (c1, c2) = if n.is_multiple_of(2) {
            (n / 2, n / 2)
        } else {
            ((n - 1) / 2, (n - 1) / 2 + 1)
        };
        (self.median(0, c1), self.median(0, n), self.median(c2, n))
    }
}

/// Bowley skewness and RITA's skew score `1 − |s|` of a sorted weighted list (≥ 3 values).
pub fn bowley(runs: &[(f64, u64)]) -> Option<(f64, f64)> {
    let w = Weighted::new(runs);
    if w.n < 3 {
        return None;
    }
    let (q1, q2, q3) = w.quartiles();
    let num = q1 + q3 - 2.0 * q2;
    let den = q3 - q1;
    let skew = if den >= 10.0 && q2 != q1 && q2 != q3 {
        num / den
    } else {
        0.0
    };
    Some((skew, 1.0 - skew.abs()))
}

/// Median absolute deviation about the median and RITA's score `(median − MAD) / median`
/// (`default_score` when the median is below 1; 0 when negative or NaN).
pub fn mad(runs: &[(f64, u64)], default_score: f64) -> Option<(f64, f64)> {
    let w = Weighted::new(runs);
    if w.n == 0 {
        return None;
    }
    let median = w.median(0, w.n);
    let mut dev: Vec<(f64, u64)> = runs.iter().map(|&(v, c)| ((v - median).abs(), c)).collect();
    dev.sort_by(|a, b| a.0.total_cmp(&b.0));
    let dw = Weighted::new(&dev);
    let m = dw.median(0, dw.n);
    let mut score = default_score;
    if median >= 1.0 {
        score = (median - m) / median;
    }
    if score < 0.0 || score.is_nan() {
        score = 0.0;
    }
    Some((m, score))
}

/// RITA's `calculateStatisticalScore`: `round((skewScore + madScore) / 2, 3)`.
pub fn statistical_score(runs: &[(f64, u64)], default_mad_score: f64) -> Option<f64> {
    let (_, s) = bowley(runs)?;
    let (_, m) = mad(runs, default_mad_score)?;
    Some(round3((s + m) / 2.0))
}

/// Counts per bin, non-empty bins and the longest run of non-empty bins (wrapping).
pub fn histogram(
    dataset_min: f64,
    dataset_max: f64,
    timestamps: &[(f64, u64)],
    bins: usize,
) -> Option<Vec<u64>> {
    if dataset_max <= dataset_min || bins == 0 || timestamps.is_empty() {
        return None;
    }
    let step = (dataset_max - dataset_min) / bins as f64;
    let mut h = vec![0u64; bins];
    for &(t, c) in timestamps {
        let i = ((t - dataset_min) / step).floor();
        let i = if i.is_nan() || i < 0.0 {
            0
        } else {
            (i as usize).min(bins - 1)
        };
        h[i] += c;
    }
    Some(h)
}

/// (frequency buckets of bar heights, non-empty bars, longest consecutive run with wrap).
fn frequency_counts(hist: &[u64], sensitivity: f64) -> (Vec<(u64, u64)>, usize, usize) {
    let total_bars = hist.iter().filter(|&&x| x > 0).count();
    let largest = hist.iter().copied().max().unwrap_or(0);
    let bin_size = (largest as f64 * sensitivity).ceil().max(1.0);
    let mut freq: Vec<(u64, u64)> = Vec::new();
    let (mut longest, mut run) = (0usize, 0usize);
    for i in 0..hist.len() * 2 {
        let f = hist[i % hist.len()];
        if f > 0 {
            run += 1;
        } else {
            longest = longest.max(run);
            run = 0;
        }
        if i < hist.len() && f > 0 {
            let b = ((f as f64 / bin_size).floor() * bin_size) as u64;
            match freq.iter_mut().find(|e| e.0 == b) {
                Some(e) => e.1 += 1,
                None => freq.push((b, 1)),
            }
        }
    }
    longest = longest.max(run).min(hist.len());
    (freq, total_bars, longest)
}

/// RITA's coefficient-of-variation score of the bin counts.
pub fn cv_score(hist: &[u64]) -> f64 {
    let total: u64 = hist.iter().sum();
    if hist.is_empty() || total == 0 {
        return 0.0;
    }
    let n = hist.len() as f64;
    let mean = total as f64 / n;
    let sd = (hist.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    let cv = sd / mean.abs();
    if cv > 1.0 {
        0.0
    } else {
        round3(1.0 - cv).min(1.0)
    }
}

/// RITA's histogram subscore and the (non-empty bars, longest run) the duration needs.
pub fn histogram_score(hist: &[u64], cfg: &BeaconConfig) -> (f64, usize, usize) {
    let (freq, total_bars, longest) = frequency_counts(hist, cfg.hist_mode_sensitivity);
    let cv = cv_score(hist);
    let min_hours = if cfg.hist_bimodal_min_hours < 6 {
        11
    } else {
        cfg.hist_bimodal_min_hours
    };
    let mut fit = 0.0;
    if total_bars >= min_hours && total_bars > 0 {
        let (mut a, mut b) = (0u64, 0u64);
        // RITA iterates a Go map (random order); the top two values do not depend on it.
        for &(_, v) in &freq {
            if v > a {
                b = a;
                a = v;
            } else if v > b {
                b = v;
            }
        }
        let adjusted = (total_bars as f64 - cfg.hist_bimodal_outlier_removal as f64).max(1.0);
        fit = (a + b) as f64 / adjusted;
    }
    let fit = round3(fit).min(1.0);
    (cv.max(fit), total_bars, longest)
}

/// RITA's duration subscore.
#[allow(clippy::too_many_arguments)]
pub fn duration_score(
    dataset_min: f64,
    dataset_max: f64,
    first: f64,
    last: f64,
    total_bars: usize,
    longest_run: usize,
    cfg: &BeaconConfig,
) -> f64 {
    if dataset_max <= dataset_min || last <= first || total_bars < cfg.dur_min_hours.max(1) {
        return 0.0;
    }
    let coverage = (((last - first) / (dataset_max - dataset_min)) * 1000.0).ceil() / 1000.0;
    let consistency =
        ((longest_run as f64 / cfg.dur_ideal_consistent_hours.max(1) as f64) * 1000.0).ceil()
            / 1000.0;
    coverage.min(1.0).max(consistency.min(1.0))
}

/// A pair's beacon score and its parts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeaconScore {
    pub score: f64,
    pub ts: f64,
    pub ds: f64,
    pub hist: f64,
    pub dur: f64,
    /// `bucketed_score(100 · score)`.
    pub threat: f64,
    pub connections: u64,
}

/// What the tracker keeps per pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairStats {
    pub count: u64,
    pub first: f64,
    pub last: f64,
    last_sec: Option<u64>,
    nonzero_intervals: u64,
    intervals: Multiset,
    sizes: Multiset,
    /// Timestamps in whole seconds since `origin`.
    times: Multiset,
    origin: u64,
    /// Sum of the connections' durations (long-connection score).
    pub total_duration: f64,
}

impl PairStats {
    /// Adds a connection: start time (seconds), source bytes, duration.
    pub fn add(&mut self, ts: f64, bytes: u64, duration: f64) {
        let sec = ts.max(0.0).floor() as u64;
        if self.count == 0 {
            self.first = ts;
            self.last = ts;
            self.origin = sec;
        } else {
            self.first = self.first.min(ts);
            self.last = self.last.max(ts);
        }
        if let Some(prev) = self.last_sec {
            let gap = sec.saturating_sub(prev);
            if gap > 0 {
                self.intervals.add(gap, MAX_INTERVALS);
                self.nonzero_intervals += 1;
            }
        }
        self.last_sec = Some(self.last_sec.map_or(sec, |p| p.max(sec)));
        self.sizes.add(bytes, MAX_SIZES);
        self.times
            .add(sec.saturating_sub(self.origin), MAX_TIMESTAMPS);
        self.count += 1;
        if duration.is_finite() && duration > 0.0 {
            self.total_duration += duration;
        }
    }

    /// At least `n` distinct timestamps (exact below the coarsening cap; otherwise the
    /// number of non-zero intervals + 1 is a lower bound).
    fn unique_at_least(&self, n: u64) -> bool {
        self.nonzero_intervals + 1 >= n
    }

    /// The beacon score over the dataset span `[dataset_min, dataset_max]`, or `None` when the
    /// pair is not a candidate (too few distinct timestamps or intervals, or a strobe).
    pub fn score(
        &self,
        dataset_min: f64,
        dataset_max: f64,
        cfg: &BeaconConfig,
    ) -> Option<BeaconScore> {
        if !self.unique_at_least(cfg.unique_connection_threshold)
            || self.count >= cfg.strobe_threshold
            || self.nonzero_intervals < 3
            || dataset_max <= dataset_min
        {
            return None;
        }
        let ts = statistical_score(&self.intervals.weighted(), 1.0)?;
        let ds = statistical_score(&self.sizes.weighted(), 0.0)?;
        let origin = self.origin as f64;
        let times: Vec<(f64, u64)> = self
            .times
            .weighted()
            .into_iter()
            .map(|(t, c)| (t + origin, c))
            .collect();
        let hist_bins = histogram(dataset_min, dataset_max, &times, 24)?;
        let (hist, bars, run) = histogram_score(&hist_bins, cfg);
        let dur = duration_score(
            dataset_min.floor(),
            dataset_max.floor(),
            self.first.floor(),
            self.last.floor(),
            bars,
            run,
            cfg,
        );
        let score = round3(
            ts * cfg.ts_weight + ds * cfg.ds_weight + dur * cfg.dur_weight + hist * cfg.hist_weight,
        );
        Some(BeaconScore {
            score,
            ts,
            ds,
            hist,
            dur,
            threat: bucketed_score(score * 100.0, cfg.score_thresholds),
            connections: self.count,
        })
    }

    /// RITA's long-connection threat score of the pair's total duration.
    pub fn long_connection_threat(&self) -> f64 {
        bucketed_score(self.total_duration, LONG_CONNECTION_THRESHOLDS)
    }
}

/// The registered domain of a DNS name (last two labels; last three when the name ends in
/// a two-letter country code preceded by a generic second level such as `co.uk`). `None`
/// for reverse lookups, local names and single labels.
pub fn registered_domain(name: &str) -> Option<&str> {
    let n = name.trim_end_matches('.');
    let lower_ends = |s: &str| n.len() >= s.len() && n[n.len() - s.len()..].eq_ignore_ascii_case(s);
    if n.is_empty()
        || lower_ends(".in-addr.arpa")
        || lower_ends(".ip6.arpa")
        || lower_ends(".local")
        || lower_ends(".localdomain")
    {
        return None;
    }
    let labels: Vec<&str> = n.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let k = labels.len();
    const SECOND_LEVEL: [&str; 8] = ["co", "com", "net", "org", "gov", "edu", "ac", "or"];
    let take = if k >= 3
        && labels[k - 1].len() == 2
        && SECOND_LEVEL
            .iter()
            .any(|s| labels[k - 2].eq_ignore_ascii_case(s))
    {
        3
    } else {
        2
    };
    if k < take {
        return None;
    }
    let start: usize = labels[..k - take].iter().map(|l| l.len() + 1).sum();
    Some(&n[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(v: &[f64]) -> Vec<(f64, u64)> {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        let mut out: Vec<(f64, u64)> = Vec::new();
        for x in v {
            match out.last_mut() {
                Some(l) if l.0 == x => l.1 += 1,
                _ => out.push((x, 1)),
            }
        }
        out
    }

    #[test]
    fn bucketed_score_matches_rita() {
        let t = [50.0, 70.0, 90.0, 100.0];
        assert_eq!(bucketed_score(49.9, t), 0.0);
        assert!((bucketed_score(50.0, t) - 0.2).abs() < 1e-12);
        assert!((bucketed_score(60.0, t) - 0.3).abs() < 1e-12);
        assert!((bucketed_score(70.0, t) - 0.4).abs() < 1e-12);
        assert!((bucketed_score(95.0, t) - 0.7).abs() < 1e-12);
        assert!((bucketed_score(100.0, t) - 0.8).abs() < 1e-12);
        assert!((bucketed_score(150.0, t) - 0.8).abs() < 1e-12);
        // Long connections: 6 hours is between low (4 h) and medium (8 h).
        assert!((bucketed_score(6.0 * 3600.0, LONG_CONNECTION_THRESHOLDS) - 0.5).abs() < 1e-12);
        assert_eq!(severity(0.8), Severity::High);
        assert_eq!(severity(0.81), Severity::Critical);
        assert_eq!(severity(0.39), Severity::Low);
        assert_eq!(severity(0.0), Severity::None);
    }

    #[test]
    fn statistics_follow_rita_and_montanaflynn() {
        // Quartiles (exclusive) of 1..=9: Q1 = 2.5, Q2 = 5, Q3 = 7.5.
        let v = w(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let wt = Weighted::new(&v);
        assert_eq!(wt.quartiles(), (2.5, 5.0, 7.5));
        // Skewed: [10, 20, 30, 100, 200]: Q1 = 15, Q2 = 30, Q3 = 150 → (15+150−60)/135.
        let (s, score) = bowley(&w(&[10.0, 20.0, 30.0, 100.0, 200.0])).unwrap();
        assert!((s - 105.0 / 135.0).abs() < 1e-12);
        assert!((score - (1.0 - 105.0 / 135.0)).abs() < 1e-12);
        // IQR below 10: skewness forced to 0.
        assert_eq!(bowley(&w(&[60.0, 61.0, 65.0, 62.0])).unwrap(), (0.0, 1.0));
        // MAD of [1, 1, 2, 2, 4, 6, 9] about median 2 = median([1,1,0,0,2,4,7]) = 1.
        let (m, s) = mad(&w(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]), 0.0).unwrap();
        assert_eq!(m, 1.0);
        assert_eq!(s, 0.5);
        // Median below 1: the default score.
        assert_eq!(mad(&w(&[0.0, 0.0, 0.0]), 1.0).unwrap(), (0.0, 1.0));
        assert_eq!(mad(&w(&[0.0, 0.0, 0.0]), 0.0).unwrap(), (0.0, 0.0));
    }

    #[test]
    fn histogram_pieces_match_rita() {
        // RITA's example: timestamps [1, 5, 23, 25, 42, 45], edges 0..50 by 10 → [2,0,2,0,2].
        let h = histogram(0.0, 50.0, &w(&[1.0, 5.0, 23.0, 25.0, 42.0, 45.0]), 5).unwrap();
        assert_eq!(h, [2, 0, 2, 0, 2]);
        // The last edge is inclusive.
        assert_eq!(
            histogram(0.0, 50.0, &w(&[50.0]), 5).unwrap(),
            [0, 0, 0, 0, 1]
        );
        // Flat histogram: cv 0 → 1; longest run wraps.
        assert_eq!(cv_score(&[5; 24]), 1.0);
        let (_, bars, run) = frequency_counts(&[1, 1, 0, 0, 1, 1, 1], 0.05);
        assert_eq!((bars, run), (5, 5));
        // Alternating 10 and 20 connections per hour: cv = 5/15 → 0.667; bimodal fit:
        // bin size ceil(20·0.05) = 1, two modes with 12 bars each → 24/23 → capped at 1.
        let alt: Vec<u64> = (0..24).map(|i| if i % 2 == 0 { 10 } else { 20 }).collect();
        assert_eq!(cv_score(&alt), 0.667);
        assert_eq!(histogram_score(&alt, &BeaconConfig::default()).0, 1.0);
        // Duration: 6 bars needed; coverage 0.5, consistency 12/12.
        let cfg = BeaconConfig::default();
        assert_eq!(duration_score(0.0, 100.0, 10.0, 60.0, 6, 12, &cfg), 1.0);
        assert_eq!(duration_score(0.0, 100.0, 10.0, 60.0, 6, 3, &cfg), 0.5);
        assert_eq!(duration_score(0.0, 100.0, 10.0, 60.0, 5, 12, &cfg), 0.0);
    }

    #[test]
    fn perfect_beacon_scores_one() {
        // peers.md: a perfect 60 s, fixed-size, all-day beacon → ts = ds = hist = dur = 1 →
        // score 1.0 → threat 0.8.
        let mut p = PairStats::default();
        let start = 1_700_000_000.0;
        for i in 0..1440 {
            p.add(start + 60.0 * i as f64, 512, 0.5);
        }
        let s = p
            .score(start, start + 86_340.0, &BeaconConfig::default())
            .unwrap();
        assert_eq!(
            (s.ts, s.ds, s.hist, s.dur, s.score),
            (1.0, 1.0, 1.0, 1.0, 1.0)
        );
        assert!((s.threat - 0.8).abs() < 1e-12);
        assert_eq!(severity(s.threat), Severity::High);
        assert_eq!(s.connections, 1440);
        // Memory stayed bounded: timestamps coarsened, intervals and sizes exact.
        assert!(p.times.distinct() <= MAX_TIMESTAMPS && !p.times.is_exact());
        assert!(p.intervals.is_exact() && p.sizes.is_exact());
    }

    /// xorshift for reproducible test data.
    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn jittered_beacon_and_random_timings() {
        let cfg = BeaconConfig::default();
        let start = 1_700_000_000.0;
        let day = 86_400.0;
        // ±10 % jitter on a 300 s beacon, sizes ±3 %: still a beacon (threat ≥ 0.6).
        let mut r = rng(7);
        let mut p = PairStats::default();
        let mut t = start;
        while t < start + day {
            p.add(t, (1000.0 * (0.97 + 0.06 * r())) as u64, 1.0);
            t += 300.0 * (0.9 + 0.2 * r());
        }
        let s = p.score(start, start + day, &cfg).unwrap();
        assert!(
            s.ts >= 0.9 && s.ds >= 0.9 && s.hist >= 0.8 && s.dur == 1.0,
            "{s:?}"
        );
        assert!(severity(s.threat) >= Severity::High, "{s:?}");
        // The same number of connections at uniformly random times: the timestamp subscore
        // collapses to about 0.5 (exponential-like gaps).
        let mut times: Vec<f64> = (0..p.count).map(|_| start + day * r()).collect();
        times.sort_by(f64::total_cmp);
        let mut q = PairStats::default();
        for &t in &times {
            q.add(t, (1000.0 * (0.97 + 0.06 * r())) as u64, 1.0);
        }
        let s = q.score(start, start + day, &cfg).unwrap();
        assert!(s.ts < 0.65, "{s:?}");
        // Random sizes as well: no longer scored as a beacon at all.
        let mut z = PairStats::default();
        for &t in &times {
            z.add(t, (50.0 + 5000.0 * r() * r()) as u64, 1.0);
        }
        let s = z.score(start, start + day, &cfg).unwrap();
        assert!(s.ts < 0.65 && s.ds < 0.7 && s.score < 0.8, "{s:?}");
    }

    #[test]
    fn candidates_need_four_timestamps_and_are_not_strobes() {
        let cfg = BeaconConfig::default();
        let mut p = PairStats::default();
        for i in 0..3 {
            p.add(100.0 * f64::from(i), 10, 0.0);
        }
        assert_eq!(p.score(0.0, 1000.0, &cfg), None);
        p.add(300.0, 10, 0.0);
        assert!(p.score(0.0, 1000.0, &cfg).is_some());
        // Same-second connections do not make intervals.
        let mut q = PairStats::default();
        for _ in 0..10 {
            q.add(5.0, 10, 0.0);
        }
        assert_eq!(q.score(0.0, 1000.0, &cfg), None);
        let strobe = BeaconConfig {
            strobe_threshold: 4,
            ..BeaconConfig::default()
        };
        assert_eq!(p.score(0.0, 1000.0, &strobe), None);
    }

    #[test]
    fn multiset_coarsens_and_stays_bounded() {
        let mut m = Multiset::default();
        for v in 0..10_000u64 {
            m.add(v * 7, 64);
        }
        assert!(m.distinct() <= 64);
        assert_eq!(m.total(), 10_000);
        let n: u64 = m.weighted().iter().map(|e| e.1).sum();
        assert_eq!(n, 10_000);
        // The median is approximately right.
        let w = m.weighted();
        let med = Weighted::new(&w).median(0, 10_000);
        assert!((med - 35_000.0).abs() < 1100.0, "{med}");
    }

    #[test]
    fn long_connections_accumulate() {
        let mut p = PairStats::default();
        for i in 0..5 {
            p.add(f64::from(i) * 4000.0, 10, 3000.0);
        }
        assert_eq!(p.total_duration, 15_000.0);
        assert!((p.long_connection_threat() - (0.4 + 600.0 / 14_400.0 * 0.2)).abs() < 1e-12);
    }

    #[test]
    fn registered_domains() {
        assert_eq!(registered_domain("a.b.example.com"), Some("example.com"));
        assert_eq!(registered_domain("x.example.co.uk."), Some("example.co.uk"));
        assert_eq!(registered_domain("example.com"), Some("example.com"));
        assert_eq!(registered_domain("1.0.0.10.in-addr.arpa"), None);
        assert_eq!(registered_domain("printer.local"), None);
        assert_eq!(registered_domain("localhost"), None);
        assert_eq!(registered_domain("a..b"), None);
    }
}
