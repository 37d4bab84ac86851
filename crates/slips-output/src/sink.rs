//! The one interface every consumer of the analysis implements: alerts.log, alerts.json,
//! the profile files, the terminal, and later the database, Redis, the UIs, exports and
//! blocking.
//!
//! A sink sees the analysis only as the engine reports it: each record with the profile
//! that owns it (or none: not profiled, e.g. outside `home_network`), evidence, alerts,
//! closed windows, and the profiles at the end. Sinks never read the input themselves, so
//! what they write is, by construction, what the engine analysed.

use crate::error::Result;
use slips_core::summary::{ProfileSummary, WindowSummary};
use slips_core::{Alert, BlockingEvent, Evidence, Flow, Timestamp};
use std::net::IpAddr;

/// When an event is handed to the sinks.
#[derive(Clone, Copy, Debug)]
pub struct Now<'a> {
    /// Wall-clock time, formatted for IDMEF `CreateTime`: the only wall-clock value an
    /// output may carry (see the crate docs).
    pub create_time: &'a str,
    /// The time of the traffic: the latest record the engine analysed.
    pub event_time: Timestamp,
}

/// A consumer of engine events. Every method has a do-nothing default: a sink implements
/// what it uses. Calls come in the order the engine produced the events, from one thread.
pub trait Sink {
    /// A short name for logs and errors.
    fn name(&self) -> &'static str;

    /// A record the engine analysed, with the profile (the source host) that owns it;
    /// `None` when it was not profiled.
    fn record(&mut self, _flow: &Flow, _profile: Option<IpAddr>) -> Result<()> {
        Ok(())
    }

    /// One piece of evidence (already enriched).
    fn evidence(&mut self, _evidence: &Evidence, _now: &Now<'_>) -> Result<()> {
        Ok(())
    }

    /// An alert and the evidence that caused it.
    fn alert(&mut self, _alert: &Alert, _evidence: &[Evidence], _now: &Now<'_>) -> Result<()> {
        Ok(())
    }

    /// A blocking decision (with `--blocking`).
    fn blocking(&mut self, _event: &BlockingEvent) -> Result<()> {
        Ok(())
    }

    /// A profile-window closed (only when the engine keeps summaries).
    fn window_closed(&mut self, _window: &WindowSummary) -> Result<()> {
        Ok(())
    }

    /// Whether [`Sink::refresh`] wants the open windows (computing them costs).
    fn wants_open_windows(&self) -> bool {
        false
    }

    /// Live inputs, every few seconds: the windows still open, and the time. Sinks that
    /// act on time (blocking's probation) use `now`.
    fn refresh(&mut self, _open: &[WindowSummary], _now: &Now<'_>) -> Result<()> {
        Ok(())
    }

    /// Make what was written so far visible (live inputs, after each batch; and at the end).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// A profile retired during the run by the profile cap (enriched), as `finish` would
    /// have given it: its windows are closed and it is not in `finish`'s list.
    fn profile_retired(&mut self, _profile: &ProfileSummary) -> Result<()> {
        Ok(())
    }

    /// The end of the run, with every live profile (enriched), sorted by IP.
    fn finish(&mut self, _profiles: &[ProfileSummary]) -> Result<()> {
        Ok(())
    }
}

/// Several sinks, called in order.
#[derive(Default)]
pub struct Sinks {
    sinks: Vec<Box<dyn Sink>>,
}

impl Sinks {
    pub fn push(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.sinks.iter().map(|s| s.name()).collect()
    }

    pub fn record(&mut self, flow: &Flow, profile: Option<IpAddr>) -> Result<()> {
        self.sinks
            .iter_mut()
            .try_for_each(|s| s.record(flow, profile))
    }

    pub fn evidence(&mut self, e: &Evidence, now: &Now<'_>) -> Result<()> {
        self.sinks.iter_mut().try_for_each(|s| s.evidence(e, now))
    }

    pub fn alert(&mut self, a: &Alert, evidence: &[Evidence], now: &Now<'_>) -> Result<()> {
        self.sinks
            .iter_mut()
            .try_for_each(|s| s.alert(a, evidence, now))
    }

    pub fn window_closed(&mut self, w: &WindowSummary) -> Result<()> {
        self.sinks.iter_mut().try_for_each(|s| s.window_closed(w))
    }

    pub fn blocking(&mut self, e: &BlockingEvent) -> Result<()> {
        self.sinks.iter_mut().try_for_each(|s| s.blocking(e))
    }

    pub fn wants_open_windows(&self) -> bool {
        self.sinks.iter().any(|s| s.wants_open_windows())
    }

    pub fn refresh(&mut self, open: &[WindowSummary], now: &Now<'_>) -> Result<()> {
        self.sinks.iter_mut().try_for_each(|s| s.refresh(open, now))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.sinks.iter_mut().try_for_each(|s| s.flush())
    }

    pub fn profile_retired(&mut self, profile: &ProfileSummary) -> Result<()> {
        self.sinks
            .iter_mut()
            .try_for_each(|s| s.profile_retired(profile))
    }

    pub fn finish(&mut self, profiles: &[ProfileSummary]) -> Result<()> {
        self.sinks.iter_mut().try_for_each(|s| s.finish(profiles))
    }
}
