//! Feeding a past analysis to a sink (the terminal interface with `-G -d`): the same
//! calls, in the same order of kinds, as the run that wrote the database made.

use crate::read::Reader;
use crate::Error;
use rusqlite::Row;
use slips_core::summary::{ProfileSummary, WindowSummary};
use slips_core::{Alert, Conn, ConnState, Evidence, Flow, Mac, Proto, Record, Timestamp};
use slips_output::{Now, Sink};
use std::collections::HashMap;
use std::net::IpAddr;

/// What a replay handed over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    pub records: u64,
    pub evidence: u64,
    pub alerts: u64,
    pub windows: u64,
    pub profiles: u64,
    /// Rows that could not be read back (counted, skipped).
    pub unreadable: u64,
}

fn ip(s: Option<String>) -> Option<IpAddr> {
    s.and_then(|s| s.parse().ok())
}

/// A connection from its columns.
fn conn(r: &Row<'_>) -> rusqlite::Result<Conn> {
    let get_u64 = |i: usize| -> rusqlite::Result<u64> {
        Ok(r.get::<_, Option<i64>>(i)?.unwrap_or(0).max(0) as u64)
    };
    Ok(Conn {
        ts: Timestamp::from_secs(r.get(0)?),
        uid: r.get::<_, Option<String>>(2)?.unwrap_or_default().into(),
        saddr: ip(r.get(4)?),
        sport: r.get::<_, Option<u16>>(5)?.unwrap_or(0),
        daddr: ip(r.get(6)?),
        dport: r.get::<_, Option<u16>>(7)?.unwrap_or(0),
        proto: r.get::<_, Option<String>>(8)?.map(|p| Proto::parse(&p)),
        duration: r.get::<_, Option<f64>>(9)?.unwrap_or(0.0),
        sbytes: get_u64(10)?,
        dbytes: get_u64(11)?,
        spkts: get_u64(12)?,
        dpkts: get_u64(13)?,
        state: r
            .get::<_, Option<String>>(14)?
            .and_then(|s| ConnState::parse_zeek(&s))
            .unwrap_or_default(),
        history: r.get::<_, Option<String>>(15)?.unwrap_or_default().into(),
        service: r.get::<_, Option<String>>(16)?.map(Into::into),
        smac: r
            .get::<_, Option<String>>(17)?
            .and_then(|m| m.parse::<Mac>().ok()),
        dmac: r
            .get::<_, Option<String>>(18)?
            .and_then(|m| m.parse::<Mac>().ok()),
        ..Default::default()
    })
}

impl Reader {
    /// Hands everything in the database to `sink`: records, evidence, alerts with their
    /// evidence, windows with theirs, and the profiles (`finish`).
    pub fn replay(&self, sink: &mut dyn Sink) -> Result<Replayed, Error> {
        let mut done = Replayed::default();
        let sql = |e| Error::sql(self.path(), e);
        let out = |e: slips_output::OutputError| Error::Writer(e.to_string());
        let db = self.connection();

        let mut st = db
            .prepare(
                "SELECT ts, kind, uid, profile, saddr, sport, daddr, dport, proto, duration, sbytes, \
                 dbytes, spkts, dpkts, state, history, service, smac, dmac, data FROM records ORDER BY id",
            )
            .map_err(sql)?;
        let mut rows = st.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let kind: String = r.get(1).map_err(sql)?;
            let profile = ip(r.get(3).map_err(sql)?);
            let record = if kind == "conn" {
                conn(r).ok().map(Record::Conn)
            } else {
                r.get::<_, Option<String>>(19)
                    .map_err(sql)?
                    .and_then(|d| serde_json::from_str::<Record>(&d).ok())
            };
            match record {
                Some(rec) => {
                    sink.record(&Flow::from(rec), profile).map_err(out)?;
                    done.records += 1;
                }
                None => done.unreadable += 1,
            }
        }

        let evidence: Vec<Evidence> = self.json_rows(
            "SELECT data FROM evidence ORDER BY ts, id",
            &mut done.unreadable,
        )?;
        for e in &evidence {
            let now = Now {
                create_time: "",
                event_time: e.ts,
            };
            sink.evidence(e, &now).map_err(out)?;
            done.evidence += 1;
        }
        let by_id: HashMap<&str, &Evidence> = evidence.iter().map(|e| (e.id.as_str(), e)).collect();

        let alerts: Vec<Alert> = self.json_rows(
            "SELECT data FROM alerts ORDER BY ts, id",
            &mut done.unreadable,
        )?;
        for a in &alerts {
            let ev: Vec<Evidence> = a
                .evidence_ids
                .iter()
                .filter_map(|id| by_id.get(id.as_str()).map(|e| (*e).clone()))
                .collect();
            let now = Now {
                create_time: "",
                event_time: a.last_ts,
            };
            sink.alert(a, &ev, &now).map_err(out)?;
            done.alerts += 1;
        }

        let mut per_window: HashMap<(IpAddr, i64), Vec<Evidence>> = HashMap::new();
        for e in &evidence {
            per_window
                .entry((e.profile, e.timewindow.number))
                .or_default()
                .push(e.clone());
        }
        let windows: Vec<WindowSummary> = self.json_rows(
            "SELECT data FROM windows ORDER BY profile, number",
            &mut done.unreadable,
        )?;
        for mut w in windows {
            w.evidence = per_window
                .remove(&(w.profile, w.window.number))
                .unwrap_or_default();
            sink.window_closed(&w).map_err(out)?;
            done.windows += 1;
        }

        let profiles: Vec<ProfileSummary> = self.json_rows(
            "SELECT data FROM profiles ORDER BY ip",
            &mut done.unreadable,
        )?;
        done.profiles = profiles.len() as u64;
        sink.finish(&profiles).map_err(out)?;
        Ok(done)
    }

    /// The JSON column of every row of `sql`, parsed; unreadable rows counted.
    fn json_rows<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        unreadable: &mut u64,
    ) -> Result<Vec<T>, Error> {
        let e = |e| Error::sql(self.path(), e);
        let mut st = self.connection().prepare(sql).map_err(e)?;
        let texts = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(e)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(e)?;
        let mut out = Vec::with_capacity(texts.len());
        for t in texts {
            match serde_json::from_str(&t) {
                Ok(v) => out.push(v),
                Err(_) => *unreadable += 1,
            }
        }
        Ok(out)
    }
}
