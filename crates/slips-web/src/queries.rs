//! What each view asks the database. Every list is paged here, in SQL (`LIMIT`/`OFFSET`
//! with a total), so a page costs the same on a small run and on a million records; the
//! scans that cannot use an index (search by domain, JA3, text) run under a time budget and
//! say when they were cut short.
//!
//! Each function returns the JSON the API sends, so the HTTP layer only parses parameters.

use serde_json::{json, Map, Value};
use slips_db::{Arg, Error, Reader, Rows};
use std::time::Duration;

/// Rows per page unless asked; the most a page may hold.
pub const PER_PAGE: usize = 50;
pub const MAX_PER_PAGE: usize = 500;
/// Most rows an export (CSV/JSON of the current view) holds.
pub const MAX_EXPORT: usize = 100_000;
/// How long a search may scan before it answers with what it found.
pub const SEARCH_BUDGET: Duration = Duration::from_millis(100);
/// How long the parts of a window page read from its summary JSON may take in all.
pub const SUMMARY_BUDGET: Duration = Duration::from_millis(60);
/// The largest window summary (JSON) read for a page: about 10 ms of parsing.
pub const MAX_SUMMARY_BYTES: i64 = 4_000_000;

/// The size of a window's summary, without reading it (`octet_length` reads the length
/// from the record header).
fn summary_bytes(r: &Reader, args: &[Arg]) -> Result<i64, Error> {
    Ok(int(r.scalar(
        "SELECT octet_length(data) FROM windows WHERE profile = ?1 AND number = ?2",
        args,
    )?))
}

/// How long a page of tuples may take (a window's tuples are read from its JSON).
pub const TUPLES_BUDGET: Duration = Duration::from_millis(150);
/// Above this many flows in a window, sorting by another column than time and text
/// filters would take longer than a page may: time order, and filters under a budget.
pub const BIG_WINDOW: i64 = 200_000;
/// Buckets of the charts over time.
pub const BUCKETS: usize = 60;

/// Threat levels from least to most severe, as stored.
pub const LEVELS: [&str; 5] = ["info", "low", "medium", "high", "critical"];

/// A SQL expression ranking the threat level in `col` (0 info .. 4 critical, -1 none).
fn level_rank(col: &str) -> String {
    format!(
        "(CASE {col} WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 \
         WHEN 'critical' THEN 4 ELSE -1 END)"
    )
}

/// The rank of a level name, for filters.
pub fn level_index(s: &str) -> Option<i64> {
    LEVELS
        .iter()
        .position(|l| l.eq_ignore_ascii_case(s))
        .map(|i| i as i64)
}

/// A page request.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub page: usize,
    pub per: usize,
}

impl Page {
    pub fn new(page: Option<usize>, per: Option<usize>) -> Page {
        Page {
            page: page.unwrap_or(0),
            per: per.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE),
        }
    }
    fn limit(&self) -> String {
        format!(
            " LIMIT {} OFFSET {}",
            self.per,
            self.page.saturating_mul(self.per)
        )
    }
    fn wrap(&self, total: i64, rows: Vec<Value>) -> Value {
        json!({"page": self.page, "per": self.per, "total": total, "rows": rows})
    }
}

/// `WHERE` clauses with numbered arguments.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Adds `clause`, its `?` standing for `arg` (every `?` of a clause is the same
    /// argument).
    fn add(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        let n = self.args.len();
        self.clauses.push(clause.replace('?', &format!("?{n}")));
    }
    fn raw(&mut self, clause: &str) {
        self.clauses.push(clause.to_string());
    }
    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// `%text%` for LIKE, with the wildcards of the text escaped (`ESCAPE '\'`).
fn like(s: &str) -> Arg {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    Arg::Text(out)
}

fn int(v: Option<Value>) -> i64 {
    v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
        .unwrap_or(0)
}

fn real(v: Option<Value>) -> Option<f64> {
    v.and_then(|v| v.as_f64())
}

fn objects(rows: Rows) -> Vec<Value> {
    rows.to_json()
}

/// The run's metadata as an object.
pub fn meta(r: &Reader) -> Result<Value, Error> {
    let rows = r.select("SELECT key, value FROM meta ORDER BY key", &[])?;
    let mut m = Map::new();
    for row in rows.rows {
        if let (Some(Value::String(k)), Some(v)) = (row.first(), row.get(1)) {
            m.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(m))
}

/// The counts of the overview and of the live updates (cheap: no scan of the records).
pub fn counts(r: &Reader) -> Result<Value, Error> {
    let records = int(r.scalar("SELECT max(id) FROM records", &[])?);
    // As slips counts "analyzed flows": every record (connections, DNS, HTTP...). Without
    // stored records, the profiles' (complete runs) or the windows' connection counts (a
    // scan of the windows: only then).
    let flows = if records > 0 {
        records
    } else {
        match int(r.scalar("SELECT sum(flows) FROM profiles", &[])?) {
            0 => int(r.scalar("SELECT sum(flows) FROM windows", &[])?),
            n => n,
        }
    };
    let profiles = int(r.scalar("SELECT count(DISTINCT profile) FROM windows", &[])?);
    let windows = int(r.scalar("SELECT count(*) FROM windows", &[])?);
    let evidence = int(r.scalar("SELECT count(*) FROM evidence", &[])?);
    let alerts = int(r.scalar("SELECT count(*) FROM alerts", &[])?);
    let malicious = int(r.scalar("SELECT count(DISTINCT profile) FROM alerts", &[])?);
    let blocked = int(r.scalar(
        "SELECT count(*) FROM blocking WHERE id IN (SELECT max(id) FROM blocking \
         WHERE action IN ('block', 'extend', 'unblock', 'restore', 'keep') GROUP BY ip) \
         AND action IN ('block', 'extend', 'restore', 'keep')",
        &[],
    )?);
    let complete = r.meta("complete").is_some();
    Ok(json!({
        "records": records, "flows": flows, "profiles": profiles, "windows": windows,
        "evidence": evidence, "alerts": alerts, "malicious": malicious, "blocked": blocked,
        "complete": complete,
    }))
}

/// The time of record `id` (records are stored in time order: the reader sends them so).
fn record_ts(r: &Reader, id: i64) -> Result<Option<f64>, Error> {
    Ok(real(r.scalar(
        "SELECT ts FROM records WHERE id = ?1",
        &[Arg::Int(id)],
    )?))
}

/// Records per bucket of time between the first and the last record, without scanning
/// them: records are in time order and their ids dense, so the first record of each
/// bucket is found by bisection on the id (a few point lookups per bucket).
pub fn records_over_time(r: &Reader) -> Result<Value, Error> {
    let (Some(lo), Some(hi)) = (
        r.scalar("SELECT min(id) FROM records", &[])?
            .and_then(|v| v.as_i64()),
        r.scalar("SELECT max(id) FROM records", &[])?
            .and_then(|v| v.as_i64()),
    ) else {
        return Ok(json!({"start": null, "step": null, "counts": []}));
    };
    let (Some(t0), Some(t1)) = (record_ts(r, lo)?, record_ts(r, hi)?) else {
        return Ok(json!({"start": null, "step": null, "counts": []}));
    };
    let step = nice_step((t1 - t0).max(1.0) / BUCKETS as f64);
    let start = (t0 / step).floor() * step;
    let n = (((t1 - start) / step).floor() as usize + 1).min(BUCKETS * 2);
    // first[i]: the first id whose time is >= start + i·step.
    let mut first = Vec::with_capacity(n + 1);
    let mut from = lo;
    for i in 0..=n {
        let t = start + i as f64 * step;
        let (mut a, mut b) = (from, hi + 1);
        while a < b {
            let m = a + (b - a) / 2;
            match record_ts(r, m)? {
                Some(ts) if ts < t => a = m + 1,
                Some(_) => b = m,
                // A gap in the ids (should not happen): look right.
                None => a = m + 1,
            }
        }
        first.push(a);
        from = a;
    }
    let counts: Vec<i64> = first.windows(2).map(|w| w[1] - w[0]).collect();
    Ok(json!({"start": start, "step": step, "counts": counts}))
}

/// A bucket width of 1, 2, 5, 10, 15, 30 s, minutes, hours or days, at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    const STEPS: [f64; 16] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        21600.0, 86400.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= raw)
        .unwrap_or_else(|| (raw / 86400.0).ceil() * 86400.0)
}

/// Evidence per bucket of the same time axis.
fn evidence_over_time(r: &Reader, start: f64, step: f64, n: usize) -> Result<Vec<i64>, Error> {
    let rows = r.select(
        "SELECT CAST((ts - ?1) / ?2 AS INTEGER) AS b, count(*) FROM evidence GROUP BY b",
        &[Arg::Real(start), Arg::Real(step)],
    )?;
    let mut out = vec![0; n];
    for row in rows.rows {
        let b = row[0].as_i64().unwrap_or(-1);
        if b >= 0 && (b as usize) < n {
            out[b as usize] = row[1].as_i64().unwrap_or(0);
        }
    }
    Ok(out)
}

/// The overview: counts, charts, top attackers and victims, recent alerts.
pub fn overview(r: &Reader) -> Result<Value, Error> {
    let counts = counts(r)?;
    let mut over = records_over_time(r)?;
    if let (Some(start), Some(step), Some(n)) = (
        over["start"].as_f64(),
        over["step"].as_f64(),
        over["counts"].as_array().map(|a| a.len()),
    ) {
        over["evidence"] = json!(evidence_over_time(r, start, step, n)?);
    } else {
        // No records stored (database.store_flows off): the axis of the evidence.
        let t = r.select("SELECT min(ts), max(ts) FROM evidence", &[])?;
        if let (Some(t0), Some(t1)) = (
            t.rows.first().and_then(|x| x[0].as_f64()),
            t.rows.first().and_then(|x| x[1].as_f64()),
        ) {
            let step = nice_step((t1 - t0).max(1.0) / BUCKETS as f64);
            let start = (t0 / step).floor() * step;
            let n = ((t1 - start) / step).floor() as usize + 1;
            over = json!({"start": start, "step": step, "counts": [],
                "evidence": evidence_over_time(r, start, step, n.min(BUCKETS * 2))?});
        }
    }
    let by_type = objects(r.select(
        "SELECT type, count(*) AS n FROM evidence GROUP BY type ORDER BY n DESC, type LIMIT 12",
        &[],
    )?);
    let by_level = objects(r.select(
        &format!(
            "SELECT threat_level AS level, count(*) AS n FROM evidence GROUP BY threat_level \
             ORDER BY {} DESC",
            level_rank("threat_level")
        ),
        &[],
    )?);
    let attackers = objects(r.select(
        &format!(
            "SELECT attacker AS ip, count(*) AS evidence, max({}) AS level, \
             (SELECT count(*) FROM alerts a WHERE a.profile = e.attacker) AS alerts \
             FROM evidence e GROUP BY attacker ORDER BY alerts DESC, evidence DESC, ip LIMIT 10",
            level_rank("threat_level")
        ),
        &[],
    )?);
    let victims = objects(r.select(
        &format!(
            "SELECT victim AS ip, count(*) AS evidence, max({}) AS level, \
             count(DISTINCT attacker) AS attackers \
             FROM evidence WHERE victim IS NOT NULL GROUP BY victim \
             ORDER BY evidence DESC, ip LIMIT 10",
            level_rank("threat_level")
        ),
        &[],
    )?);
    let recent = objects(r.select(
        "SELECT id, ts, profile, window, threat_level, confidence, accumulated_threat_level, blocked, \
         (SELECT count(*) FROM alert_evidence ae WHERE ae.alert = alerts.id) AS evidence \
         FROM alerts ORDER BY ts DESC, id LIMIT 10",
        &[],
    )?);
    // The first and last records (in time order); without records, the profiles' span.
    let mut span = r.select(
        "SELECT (SELECT ts FROM records ORDER BY id LIMIT 1), \
         (SELECT ts FROM records ORDER BY id DESC LIMIT 1)",
        &[],
    )?;
    if span.rows.first().is_none_or(|x| x[0].is_null()) {
        span = r.select("SELECT min(first_seen), max(last_seen) FROM profiles", &[])?;
    }
    let span = span.rows.first().cloned().unwrap_or_default();
    let first = span.first().cloned().filter(|v| !v.is_null());
    let last = span.get(1).cloned().filter(|v| !v.is_null());
    Ok(json!({
        "meta": meta(r)?,
        "counts": counts,
        "first": first,
        "last": last,
        "over_time": over,
        "evidence_by_type": by_type,
        "evidence_by_level": by_level,
        "top_attackers": attackers,
        "top_victims": victims,
        "recent_alerts": recent,
    }))
}

/// Filters of the profiles list.
#[derive(Clone, Debug, Default)]
pub struct ProfileFilter {
    /// Text in the IP, enrichment (country, AS, organisation), host names or MACs.
    pub q: Option<String>,
    /// Only profiles that alerted.
    pub malicious: bool,
    /// Only profiles whose evidence reached this level.
    pub min_level: Option<i64>,
    /// `malicious` (default), `threat`, `flows`, `evidence`, `ip`, `last`.
    pub sort: Option<String>,
}

/// The profiles, built from the windows (present during a live run; the profiles table is
/// written at the end) with the profile facts when there.
pub fn profiles(r: &Reader, f: &ProfileFilter, page: Page) -> Result<Value, Error> {
    let mut w = Where::default();
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        w.add(
            "(ip LIKE ? ESCAPE '\\' OR enrichment LIKE ? ESCAPE '\\' \
             OR host_names LIKE ? ESCAPE '\\' OR macs LIKE ? ESCAPE '\\')",
            like(q),
        );
    }
    if f.malicious {
        w.raw("alerted > 0");
    }
    if let Some(l) = f.min_level {
        w.add("lvl >= ?", Arg::Int(l));
    }
    let order = match f.sort.as_deref().unwrap_or("malicious") {
        "threat" => "lvl DESC, alerts DESC, evidence DESC, ip",
        "flows" => "flows DESC, ip",
        "evidence" => "evidence DESC, ip",
        "ip" => "ip",
        "last" => "last_seen DESC, ip",
        "first" => "first_seen, ip",
        _ => "alerted DESC, alerts DESC, lvl DESC, evidence DESC, ip",
    };
    // A finished run has its profiles table (one row per IP); during a run only the
    // windows say who is there (a scan of the windows table).
    let complete = r.scalar("SELECT 1 FROM profiles LIMIT 1", &[])?.is_some();
    let base = if complete {
        format!(
            "WITH x AS (SELECT p.ip, p.windows, p.flows, p.evidence, \
             (json_array_length(p.alerted_windows) > 0) AS alerted, p.first_seen, p.last_seen, \
             p.enrichment, p.host_names, p.macs, \
             (SELECT count(*) FROM alerts a WHERE a.profile = p.ip) AS alerts, \
             {} AS lvl FROM profiles p)",
            level_rank("p.max_threat_level")
        )
    } else {
        format!(
            "WITH w AS (SELECT profile, count(*) AS windows, sum(flows) AS flows, \
             sum(evidence) AS evidence, max(alerted) AS alerted, min(start) AS wstart, \
             max(end) AS wend FROM windows GROUP BY profile), \
             x AS (SELECT w.profile AS ip, w.windows, w.flows, w.evidence, w.alerted, \
             coalesce(p.first_seen, w.wstart) AS first_seen, coalesce(p.last_seen, w.wend) AS last_seen, \
             p.enrichment, p.host_names, p.macs, \
             (SELECT count(*) FROM alerts a WHERE a.profile = w.profile) AS alerts, \
             (SELECT max({}) FROM evidence e WHERE e.profile = w.profile) AS lvl \
             FROM w LEFT JOIN profiles p ON p.ip = w.profile)",
            level_rank("e.threat_level")
        )
    };
    let wh = w.sql();
    let total = int(r.scalar(&format!("{base} SELECT count(*) FROM x{wh}"), &w.args)?);
    let rows = r.select(
        &format!(
            "{base} SELECT * FROM x{wh} ORDER BY {order}{}",
            page.limit()
        ),
        &w.args,
    )?;
    let mut rows = objects(rows);
    for row in &mut rows {
        let lvl = row["lvl"].as_i64();
        row["threat_level"] = lvl
            .and_then(|l| LEVELS.get(l as usize))
            .map_or(Value::Null, |s| json!(s));
        if let Some(o) = row.as_object_mut() {
            o.remove("lvl");
        }
    }
    Ok(page.wrap(total, rows))
}

/// One profile: its facts, windows (with their alerts) and blocking state.
pub fn profile(r: &Reader, ip: &str) -> Result<Option<Value>, Error> {
    let ipa = || vec![Arg::Text(ip.to_string())];
    let windows = objects(r.select(
        "SELECT number, start, end, flows, evidence, alerted, closed, \
         (SELECT count(*) FROM alerts a WHERE a.profile = w.profile AND a.window = w.number) AS alerts \
         FROM windows w WHERE profile = ?1 ORDER BY number LIMIT 5000",
        &ipa(),
    )?);
    let facts = r
        .select(
            "SELECT ip, first_seen, last_seen, flows, macs, host_names, user_agents, software, \
             windows, alerted_windows, evidence, max_threat_level, enrichment FROM profiles \
             WHERE ip = ?1",
            &ipa(),
        )?
        .to_json()
        .into_iter()
        .next();
    if windows.is_empty() && facts.is_none() {
        return Ok(None);
    }
    let level = r.scalar(
        &format!(
            "SELECT max({}) FROM evidence WHERE profile = ?1",
            level_rank("threat_level")
        ),
        &ipa(),
    )?;
    let blocking = objects(r.select(
        "SELECT ts, action, detail, alert, until, offences, dry_run, error FROM blocking \
         WHERE ip = ?1 ORDER BY id DESC LIMIT 20",
        &ipa(),
    )?);
    let blocked = blocking
        .iter()
        .find(|b| {
            matches!(
                b["action"].as_str(),
                Some("block" | "extend" | "unblock" | "restore" | "keep")
            )
        })
        .is_some_and(|b| b["action"].as_str() != Some("unblock"));
    // Threat intelligence: the evidence from feeds and the notes on this IP.
    let intel = objects(r.select(
        "SELECT type, description, threat_level, ts FROM evidence \
         WHERE (attacker = ?1 OR victim = ?1) AND (type LIKE '%THREAT_INTEL%' OR type LIKE '%BLACKLIST%' \
         OR type LIKE '%MALICIOUS%') ORDER BY ts LIMIT 50",
        &ipa(),
    )?);
    let as_victim = int(r.scalar("SELECT count(*) FROM evidence WHERE victim = ?1", &ipa())?);
    let mut out = json!({
        "ip": ip,
        "facts": facts,
        "windows": windows,
        "threat_level": level.and_then(|l| l.as_i64()).and_then(|l| LEVELS.get(l as usize)).map(|s| json!(s)),
        "blocked": blocked,
        "blocking": blocking,
        "intel": intel,
        "evidence_as_victim": as_victim,
    });
    let first_last = r.select(
        "SELECT min(start), max(end), sum(flows) FROM windows WHERE profile = ?1",
        &ipa(),
    )?;
    if let Some(row) = first_last.rows.first() {
        out["span"] = json!({"start": row[0], "end": row[1], "flows": row[2]});
    }
    Ok(Some(out))
}

/// One window: its numbers, top destinations and ports, tuple counts, and its traffic
/// over time.
pub fn window(r: &Reader, ip: &str, n: i64) -> Result<Option<Value>, Error> {
    let args = vec![Arg::Text(ip.to_string()), Arg::Int(n)];
    let Some(mut w) = r
        .select(
            "SELECT profile, number, start, end, flows, evidence, alerted, closed \
             FROM windows WHERE profile = ?1 AND number = ?2",
            &args,
        )?
        .to_json()
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    // The window's summary is one JSON value (tuples, addresses, ports): a scanner's holds
    // a million tuples (90 MB), too much to read for a page. A statement cannot be stopped
    // while it parses one value, so a summary too large to parse in time is not read; the
    // rest is asked under a shared budget. Either way `summary_partial` says what is left
    // out.
    let t0 = std::time::Instant::now();
    let left = || {
        SUMMARY_BUDGET
            .saturating_sub(t0.elapsed())
            .max(Duration::from_millis(1))
    };
    let too_big = summary_bytes(r, &args)? > MAX_SUMMARY_BYTES;
    let mut partial = too_big;
    let mut within = |sql: &str| -> Result<Vec<Value>, Error> {
        if too_big {
            return Ok(Vec::new());
        }
        let s = r.select_within(sql, &args, Some(left()))?;
        partial |= s.partial;
        Ok(objects(s.rows))
    };
    let sizes = within(
        "SELECT json_array_length(data, '$.out_tuples') AS out_tuples, \
         json_array_length(data, '$.in_tuples') AS in_tuples, \
         json_array_length(data, '$.dst_ips') AS dst_ips, \
         json_array_length(data, '$.src_ips') AS src_ips \
         FROM windows WHERE profile = ?1 AND number = ?2",
    )?;
    for (k, v) in sizes
        .into_iter()
        .next()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
    {
        w[k] = v;
    }
    let top = |path: &str| {
        format!(
            "SELECT t.value ->> 0 AS ip, t.value ->> 1 AS flows \
             FROM windows w, json_each(w.data, '{path}') t \
             WHERE w.profile = ?1 AND w.number = ?2 ORDER BY flows DESC, ip LIMIT 10"
        )
    };
    let ports = |path: &str| {
        format!(
            "SELECT t.value AS data FROM windows w, json_each(w.data, '{path}') t \
             WHERE w.profile = ?1 AND w.number = ?2 LIMIT 20"
        )
    };
    let top_destinations = within(&top("$.dst_ips"))?;
    let top_sources = within(&top("$.src_ips"))?;
    let client_ports = within(&ports("$.client_ports"))?;
    let server_ports = within(&ports("$.server_ports"))?;
    let (start, end) = (
        w["start"].as_f64().unwrap_or(0.0),
        w["end"].as_f64().unwrap_or(0.0),
    );
    let step = nice_step(((end - start) / BUCKETS as f64).max(1.0));
    let nb = (((end - start) / step).ceil() as usize).clamp(1, BUCKETS * 2);
    let mut flows = vec![0i64; nb];
    // One range count per bucket on the index (profile, ts): no table lookups, no sort.
    for (i, f) in flows.iter_mut().enumerate() {
        let a = start + i as f64 * step;
        let b = (a + step).min(end);
        *f = int(r.scalar(
            "SELECT count(*) FROM records WHERE profile = ?1 AND ts >= ?2 AND ts < ?3",
            &[Arg::Text(ip.to_string()), Arg::Real(a), Arg::Real(b)],
        )?);
    }
    let alerts = objects(r.select(
        "SELECT id, ts, profile, window, threat_level, confidence, accumulated_threat_level, blocked, \
         (SELECT count(*) FROM alert_evidence ae WHERE ae.alert = alerts.id) AS evidence \
         FROM alerts WHERE profile = ?1 AND window = ?2 ORDER BY ts, id",
        &args,
    )?);
    Ok(Some(json!({
        "window": w,
        "summary_partial": partial,
        "top_destinations": top_destinations,
        "top_sources": top_sources,
        "client_ports": client_ports,
        "server_ports": server_ports,
        "traffic": {"start": start, "step": step, "records": flows},
        "alerts": alerts,
    })))
}

/// Columns a flows list may be sorted by.
const FLOW_SORTS: [&str; 11] = [
    "ts", "daddr", "dport", "proto", "duration", "sbytes", "dbytes", "spkts", "dpkts", "state",
    "kind",
];

/// Filters of a flows list.
#[derive(Clone, Debug, Default)]
pub struct FlowFilter {
    pub kind: Option<String>,
    /// Text in the destination, domain, uid, service or state.
    pub q: Option<String>,
    pub sort: Option<String>,
    pub desc: bool,
}

const FLOW_COLUMNS: &str = "id, ts, kind, uid, profile, saddr, sport, daddr, dport, proto, \
    domain, duration, sbytes, dbytes, spkts, dpkts, state, history, service, smac, dmac, data";

/// The records of a profile in a window (the profile is their source), with the other
/// records of the same connection (DNS, HTTP, TLS, SSH... by uid) merged in.
pub fn window_flows(
    r: &Reader,
    ip: &str,
    n: i64,
    f: &FlowFilter,
    page: Page,
) -> Result<Option<Value>, Error> {
    let Some(span) = r
        .select(
            "SELECT start, end, flows FROM windows WHERE profile = ?1 AND number = ?2",
            &[Arg::Text(ip.to_string()), Arg::Int(n)],
        )?
        .rows
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let flows = span[2].as_i64().unwrap_or(0);
    let big = flows > BIG_WINDOW;
    let filtered = f.kind.as_deref().is_some_and(|k| !k.is_empty())
        || f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let mut w = Where::default();
    w.add("profile = ?", Arg::Text(ip.to_string()));
    w.add("ts >= ?", Arg::Real(span[0].as_f64().unwrap_or(0.0)));
    w.add("ts < ?", Arg::Real(span[1].as_f64().unwrap_or(0.0)));
    if let Some(k) = f.kind.as_deref().filter(|k| !k.is_empty()) {
        w.add("kind = ?", Arg::Text(k.to_string()));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        w.add(
            "(daddr LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\' OR uid LIKE ? ESCAPE '\\' \
             OR service LIKE ? ESCAPE '\\' OR state LIKE ? ESCAPE '\\' OR CAST(dport AS TEXT) LIKE ? ESCAPE '\\')",
            like(q),
        );
    }
    let mut sort = f
        .sort
        .as_deref()
        .filter(|s| FLOW_SORTS.contains(s))
        .unwrap_or("ts");
    let mut note = Value::Null;
    if big && sort != "ts" {
        note = json!(format!(
            "this window has {flows} flows: sorting them by {sort} would take too long, \
             so they are in time order"
        ));
        sort = "ts";
    }
    let (dir, back) = if f.desc {
        ("DESC", "ASC")
    } else {
        ("ASC", "DESC")
    };
    let select = |order: &str, limit: usize, offset: usize| {
        format!(
            "SELECT {FLOW_COLUMNS} FROM records{} ORDER BY {sort} {order}, id {order} \
             LIMIT {limit} OFFSET {offset}",
            w.sql()
        )
    };
    let offset = page.page.saturating_mul(page.per);
    if big && filtered {
        // Filters scan the window's records: what a budget finds, without a total.
        let sel = r.select_within(&select(dir, page.per, offset), &w.args, Some(SEARCH_BUDGET))?;
        let mut rows = objects(sel.rows);
        merge_details(r, &mut rows)?;
        return Ok(Some(
            json!({"page": page.page, "per": page.per, "total": null,
            "partial": sel.partial, "rows": rows, "note": format!(
            "this window has {flows} flows: a filter looks through them for {} ms per page",
            SEARCH_BUDGET.as_millis())}),
        ));
    }
    let total = int(r.scalar(&format!("SELECT count(*) FROM records{}", w.sql()), &w.args)?);
    let total_u = usize::try_from(total).unwrap_or(0);
    let mut rows = if offset >= total_u {
        // Past the end: nothing to read (an offset would walk every record first).
        Vec::new()
    } else if offset > total_u / 2 {
        // A deep page is read from the other end (an offset walks the index).
        let limit = page.per.min(total_u - offset);
        let from_end = total_u - offset - limit;
        let mut rows = objects(r.select(&select(back, limit, from_end), &w.args)?);
        rows.reverse();
        rows
    } else {
        objects(r.select(&select(dir, page.per, offset), &w.args)?)
    };
    merge_details(r, &mut rows)?;
    let mut v = page.wrap(total, rows);
    v["note"] = note;
    Ok(Some(v))
}

/// Adds `details` to each row: the other records with its uid.
fn merge_details(r: &Reader, rows: &mut [Value]) -> Result<(), Error> {
    let uids: Vec<String> = rows
        .iter()
        .filter_map(|x| x["uid"].as_str().map(str::to_string))
        .collect();
    if uids.is_empty() {
        return Ok(());
    }
    let marks = (1..=uids.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let args: Vec<Arg> = uids.iter().cloned().map(Arg::Text).collect();
    let found = r.select(
        &format!(
            "SELECT id, uid, kind, data FROM records WHERE uid IN ({marks}) ORDER BY id LIMIT 2000"
        ),
        &args,
    )?;
    for row in rows.iter_mut() {
        let (Some(uid), Some(id)) = (row["uid"].as_str().map(str::to_string), row["id"].as_i64())
        else {
            continue;
        };
        let details: Vec<Value> = found
            .rows
            .iter()
            .filter(|f| f[1].as_str() == Some(&uid) && f[0].as_i64() != Some(id))
            .map(|f| json!({"kind": f[2], "data": f[3]}))
            .collect();
        if !details.is_empty() {
            row["details"] = Value::Array(details);
        }
    }
    Ok(())
}

/// The records of these uids (evidence links to the flows it was made from).
pub fn flows_by_uid(r: &Reader, uids: &[String]) -> Result<Value, Error> {
    let uids: Vec<String> = uids
        .iter()
        .filter(|u| !u.is_empty())
        .take(MAX_UIDS)
        .cloned()
        .collect();
    if uids.is_empty() {
        return Ok(json!({"page": 0, "per": 0, "total": 0, "rows": []}));
    }
    let marks = (1..=uids.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let args: Vec<Arg> = uids.into_iter().map(Arg::Text).collect();
    let rows = objects(r.select(
        &format!(
            "SELECT {FLOW_COLUMNS} FROM records WHERE uid IN ({marks}) ORDER BY ts, id LIMIT 1000"
        ),
        &args,
    )?);
    let total = rows.len();
    Ok(json!({"page": 0, "per": total, "total": total, "rows": rows}))
}

/// Most uids asked at once (an evidence keeps at most 64).
pub const MAX_UIDS: usize = 100;

/// Tuples of a window, one direction (`out` or `in`), paged, with their letters.
pub fn tuples(r: &Reader, ip: &str, n: i64, dir: &str, page: Page) -> Result<Value, Error> {
    let path = if dir == "in" {
        "$.in_tuples"
    } else {
        "$.out_tuples"
    };
    let args = vec![Arg::Text(ip.to_string()), Arg::Int(n)];
    if summary_bytes(r, &args)? > MAX_SUMMARY_BYTES {
        return Ok(
            json!({"page": page.page, "per": page.per, "total": null, "rows": [],
            "partial": true}),
        );
    }
    let sel = r.select_within(
        &format!(
            "SELECT json_array_length(w.data, '{path}') AS total, t.value ->> '$.daddr' AS peer, \
             t.value ->> '$.dport' AS port, t.value ->> '$.proto' AS proto, \
             t.value ->> '$.flows' AS flows, t.value ->> '$.letters' AS letters \
             FROM windows w, json_each(w.data, '{path}') t \
             WHERE w.profile = ?1 AND w.number = ?2{}",
            page.limit()
        ),
        &args,
        Some(TUPLES_BUDGET),
    )?;
    let mut rows = objects(sel.rows);
    let total = rows.first().map(|x| int(Some(x["total"].clone())));
    for x in &mut rows {
        if let Some(o) = x.as_object_mut() {
            o.remove("total");
        }
    }
    if sel.partial {
        // Too many to page in time: say so rather than show a wrong page.
        return Ok(
            json!({"page": page.page, "per": page.per, "total": null, "rows": [],
            "partial": true}),
        );
    }
    let total = match total {
        Some(t) => t,
        None => int(r.scalar(
            &format!(
                "SELECT json_array_length(data, '{path}') FROM windows WHERE profile = ?1 AND number = ?2"
            ),
            &args,
        )?),
    };
    let mut v = page.wrap(total, rows);
    v["partial"] = json!(false);
    Ok(v)
}

/// A line per record of a profile's window, in words (Slips' timeline).
pub fn timeline(r: &Reader, ip: &str, n: i64, page: Page) -> Result<Option<Value>, Error> {
    let Some(flows) = window_flows(r, ip, n, &FlowFilter::default(), page)? else {
        return Ok(None);
    };
    let rows: Vec<Value> = flows["rows"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| json!({"ts": x["ts"], "uid": x["uid"], "text": describe(x)}))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(
        json!({"page": flows["page"], "per": flows["per"], "total": flows["total"], "rows": rows}),
    ))
}

/// A record in words.
fn describe(x: &Value) -> String {
    let s = |k: &str| match &x[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    };
    let kind = s("kind");
    let peer = if x["dport"].is_null() {
        s("daddr")
    } else {
        format!("{}:{}", s("daddr"), s("dport"))
    };
    match kind.as_str() {
        "conn" => {
            let mut t = format!("{} connection to {peer}", s("proto").to_uppercase());
            if !x["service"].is_null() {
                t.push_str(&format!(" ({})", s("service")));
            }
            if !x["state"].is_null() {
                t.push_str(&format!(", {}", s("state")));
            }
            t.push_str(&format!(
                ", {} sent, {} received",
                bytes(x["sbytes"].as_f64()),
                bytes(x["dbytes"].as_f64())
            ));
            if let Some(d) = x["duration"].as_f64() {
                t.push_str(&format!(", {d:.3} s"));
            }
            t
        }
        "dns" => format!("DNS query for {} to {peer}", s("domain")),
        "http" => format!("HTTP request to {} ({peer})", s("domain")),
        "ssl" | "tls" => format!("TLS to {} ({peer})", s("domain")),
        k => {
            if x["domain"].is_null() {
                format!("{k} record to {peer}")
            } else {
                format!("{k} record for {} ({peer})", s("domain"))
            }
        }
    }
}

/// Bytes with a unit.
pub fn bytes(b: Option<f64>) -> String {
    let Some(b) = b else { return "? B".into() };
    if b < 1000.0 {
        format!("{b} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} GB", b / 1e9)
    }
}

/// Filters of the alerts and evidence lists.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub min_level: Option<i64>,
    pub profile: Option<String>,
    pub window: Option<i64>,
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// Text in the description (evidence).
    pub q: Option<String>,
}

impl EventFilter {
    fn wheres(&self, evidence: bool) -> Where {
        let mut w = Where::default();
        if let Some(p) = self.profile.as_deref().filter(|p| !p.is_empty()) {
            w.add("profile = ?", Arg::Text(p.to_string()));
        }
        if let Some(n) = self.window {
            w.add("window = ?", Arg::Int(n));
        }
        if let Some(l) = self.min_level {
            w.add(&format!("{} >= ?", level_rank("threat_level")), Arg::Int(l));
        }
        if let Some(t) = self.from {
            w.add("ts >= ?", Arg::Real(t));
        }
        if let Some(t) = self.to {
            w.add("ts < ?", Arg::Real(t));
        }
        if let Some(k) = self.kind.as_deref().filter(|k| !k.is_empty()) {
            if evidence {
                w.add("type = ?", Arg::Text(k.to_string()));
            } else {
                w.add(
                    "id IN (SELECT ae.alert FROM alert_evidence ae JOIN evidence e ON e.id = ae.evidence WHERE e.type = ?)",
                    Arg::Text(k.to_string()),
                );
            }
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            if evidence {
                w.add(
                    "(description LIKE ? ESCAPE '\\' OR attacker LIKE ? ESCAPE '\\' OR victim LIKE ? ESCAPE '\\')",
                    like(q),
                );
            } else {
                w.add("profile LIKE ? ESCAPE '\\'", like(q));
            }
        }
        w
    }
}

const ALERT_COLUMNS: &str = "id, ts, profile, window, window_start, window_end, threat_level, \
    confidence, accumulated_threat_level, blocked, \
    (SELECT count(*) FROM alert_evidence ae WHERE ae.alert = alerts.id) AS evidence";

const EVIDENCE_COLUMNS: &str = "id, ts, type, profile, window, attacker, victim, threat_level, \
    confidence, description, data ->> '$.uids' AS uids, data ->> '$.detector' AS detector, \
    data ->> '$.dst_port' AS dst_port, data ->> '$.proto' AS proto";

/// Alerts, newest first.
pub fn alerts(r: &Reader, f: &EventFilter, page: Page) -> Result<Value, Error> {
    let w = f.wheres(false);
    let total = int(r.scalar(&format!("SELECT count(*) FROM alerts{}", w.sql()), &w.args)?);
    let rows = objects(r.select(
        &format!(
            "SELECT {ALERT_COLUMNS} FROM alerts{} ORDER BY ts DESC, id{}",
            w.sql(),
            page.limit()
        ),
        &w.args,
    )?);
    Ok(page.wrap(total, rows))
}

/// Evidence, newest first.
pub fn evidence(r: &Reader, f: &EventFilter, page: Page) -> Result<Value, Error> {
    let w = f.wheres(true);
    let total = int(r.scalar(
        &format!("SELECT count(*) FROM evidence{}", w.sql()),
        &w.args,
    )?);
    // The page's ids first: sorting whole rows would read every row's JSON.
    let rows = r.select(
        &format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE id IN \
             (SELECT id FROM evidence{} ORDER BY ts DESC, id{}) ORDER BY ts DESC, id",
            w.sql(),
            page.limit()
        ),
        &w.args,
    )?;
    Ok(page.wrap(total, evidence_rows(rows)))
}

/// Evidence rows with their uids as a list.
fn evidence_rows(rows: Rows) -> Vec<Value> {
    let mut out = objects(rows);
    for e in &mut out {
        if let Some(s) = e["uids"].as_str() {
            e["uids"] = serde_json::from_str(s).unwrap_or(Value::Array(vec![]));
        }
    }
    out
}

/// The evidence of an alert.
pub fn alert_evidence(r: &Reader, alert: &str) -> Result<Value, Error> {
    let cols = EVIDENCE_COLUMNS.replace("data ->>", "e.data ->>");
    let cols = cols
        .split(", ")
        .map(|c| {
            if c.starts_with("e.") || c.contains("->>") {
                c.to_string()
            } else {
                format!("e.{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let rows = r.select(
        &format!(
            "SELECT {cols} FROM alert_evidence ae JOIN evidence e ON e.id = ae.evidence \
             WHERE ae.alert = ?1 ORDER BY e.ts, e.id LIMIT 1000"
        ),
        &[Arg::Text(alert.to_string())],
    )?;
    Ok(json!({"rows": evidence_rows(rows)}))
}

/// The evidence types present (for the filter lists).
pub fn evidence_types(r: &Reader) -> Result<Value, Error> {
    let rows = r.select("SELECT DISTINCT type FROM evidence ORDER BY type", &[])?;
    Ok(Value::Array(
        rows.rows.into_iter().filter_map(|mut x| x.pop()).collect(),
    ))
}

/// Every IP's blocking state (its last decision) and the history, newest first.
pub fn blocking(r: &Reader, page: Page) -> Result<Value, Error> {
    let current = objects(r.select(
        "SELECT b.ip, b.ts, b.action, b.detail, b.alert, b.until, b.offences, b.dry_run, b.error, \
         (SELECT e.description FROM alert_evidence ae JOIN evidence e ON e.id = ae.evidence \
          WHERE ae.alert = b.alert ORDER BY e.ts DESC LIMIT 1) AS reason \
         FROM blocking b WHERE b.id IN (SELECT max(id) FROM blocking \
         WHERE action IN ('block', 'extend', 'unblock', 'restore', 'keep') GROUP BY ip) \
         AND b.action != 'unblock' ORDER BY b.ts DESC LIMIT 1000",
        &[],
    )?);
    let total = int(r.scalar("SELECT count(*) FROM blocking", &[])?);
    let history = objects(r.select(
        &format!(
            "SELECT ts, ip, action, detail, alert, until, offences, dry_run, error FROM blocking \
             ORDER BY id DESC{}",
            page.limit()
        ),
        &[],
    )?);
    Ok(json!({"blocked": current, "history": page.wrap(total, history)}))
}

/// Finds an IP, domain, uid, JA3 or text anywhere: profiles, evidence, alerts, records.
/// The scans share one time budget; `partial` says it ran out.
pub fn search(r: &Reader, q: &str) -> Result<Value, Error> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(json!({"q": q, "partial": false, "profiles": [], "evidence": [], "flows": []}));
    }
    let t0 = std::time::Instant::now();
    let left = || {
        SEARCH_BUDGET
            .saturating_sub(t0.elapsed())
            .max(Duration::from_millis(5))
    };
    let mut partial = false;
    let exact = Arg::Text(q.to_string());
    let pattern = like(q);
    // Profiles: the windows' index (IP) and the profiles table (host names, enrichment),
    // then the facts of at most 20.
    let profiles = objects(r.select(
        "WITH m AS (SELECT profile AS ip FROM windows \
         WHERE profile = ?1 OR profile LIKE ?2 ESCAPE '\\' GROUP BY profile \
         UNION SELECT ip FROM profiles \
         WHERE host_names LIKE ?2 ESCAPE '\\' OR enrichment LIKE ?2 ESCAPE '\\' LIMIT 20) \
         SELECT m.ip, (SELECT count(*) FROM windows w WHERE w.profile = m.ip) AS windows, \
         (SELECT sum(flows) FROM windows w WHERE w.profile = m.ip) AS flows, \
         (SELECT max(alerted) FROM windows w WHERE w.profile = m.ip) AS alerted, \
         p.enrichment, p.host_names FROM m LEFT JOIN profiles p ON p.ip = m.ip \
         ORDER BY m.ip = ?1 DESC, m.ip",
        &[exact.clone(), pattern.clone()],
    )?);
    let ev = r.select_within(
        &format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE attacker = ?1 OR victim = ?1 \
             OR description LIKE ?2 ESCAPE '\\' OR data LIKE ?2 ESCAPE '\\' ORDER BY ts DESC LIMIT 50"
        ),
        &[exact.clone(), pattern.clone()],
        Some(left()),
    )?;
    partial |= ev.partial;
    // Records: by uid through its index, then the scans (destination, domain, JA3 and other
    // values in the application records) under the budget.
    let mut flows = objects(r.select(
        &format!("SELECT {FLOW_COLUMNS} FROM records WHERE uid = ?1 ORDER BY ts, id LIMIT 50"),
        std::slice::from_ref(&exact),
    )?);
    if flows.is_empty() {
        let scan = r.select_within(
            &format!(
                "SELECT {FLOW_COLUMNS} FROM records WHERE daddr = ?1 OR domain = ?1 \
                 OR (data IS NOT NULL AND instr(data, ?2) > 0) ORDER BY id LIMIT 50"
            ),
            &[exact.clone(), Arg::Text(json_string_fragment(q))],
            Some(left()),
        )?;
        partial |= scan.partial;
        flows = objects(scan.rows);
    }
    merge_details(r, &mut flows)?;
    Ok(json!({
        "q": q,
        "partial": partial,
        "profiles": profiles,
        "evidence": evidence_rows(ev.rows),
        "flows": flows,
        "ms": t0.elapsed().as_secs_f64() * 1000.0,
    }))
}

/// `q` as it appears inside a JSON string (quotes and backslashes escaped).
fn json_string_fragment(q: &str) -> String {
    let s = serde_json::to_string(q).unwrap_or_default();
    s.trim_matches('"').to_string()
}

/// Rows as CSV; cells that a spreadsheet would run as formulas get a leading `'`.
pub fn to_csv(rows: &[Value]) -> String {
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        if let Some(o) = r.as_object() {
            for k in o.keys() {
                if !cols.contains(k) {
                    cols.push(k.clone());
                }
            }
        }
    }
    let cell = |v: &Value| -> String {
        let s = match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && v.is_string() {
            format!("'{s}")
        } else {
            s
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = cols
        .iter()
        .map(|c| cell(&json!(c)))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in rows {
        let line: Vec<String> = cols.iter().map(|c| cell(&r[c])).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}
