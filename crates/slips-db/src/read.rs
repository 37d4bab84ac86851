//! Reading a database: past analyses, or a live one while it is written (WAL readers).

use crate::schema::SCHEMA_VERSION;
use crate::Error;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use slips_core::text::escape_controls;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// What to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Profiles,
    Windows,
    Alerts,
    Evidence,
    Flows,
    Blocking,
    Meta,
    Tuples,
}

impl Table {
    pub const ALL: [Table; 8] = [
        Table::Profiles,
        Table::Windows,
        Table::Tuples,
        Table::Alerts,
        Table::Evidence,
        Table::Flows,
        Table::Blocking,
        Table::Meta,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Profiles => "profiles",
            Table::Windows => "windows",
            Table::Alerts => "alerts",
            Table::Evidence => "evidence",
            Table::Flows => "flows",
            Table::Blocking => "blocking",
            Table::Meta => "meta",
            Table::Tuples => "tuples",
        }
    }
}

/// Filters; each applies to the tables that have the field.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The profile (or, for flows, either end; for blocking, the blocked IP).
    pub ip: Option<IpAddr>,
    pub window: Option<i64>,
    /// Evidence type, or record kind for flows.
    pub kind: Option<String>,
    /// Event time range, seconds since the epoch.
    pub from: Option<f64>,
    pub to: Option<f64>,
    pub uid: Option<String>,
    /// DNS query, HTTP host or TLS server name (flows).
    pub domain: Option<String>,
    /// Most rows returned (0: all).
    pub limit: usize,
}

/// Rows with named columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Rows {
    /// One JSON object per row.
    pub fn to_json(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|r| {
                Value::Object(
                    self.columns
                        .iter()
                        .cloned()
                        .zip(r.iter().cloned())
                        .collect(),
                )
            })
            .collect()
    }

    /// An aligned text table; control characters from traffic are escaped and long cells
    /// cut.
    pub fn to_table(&self) -> String {
        const WIDEST: usize = 60;
        const TIMES: [&str; 6] = ["ts", "start", "end", "first_seen", "last_seen", "until"];
        let cell = |(col, v): (&String, &Value)| -> String {
            let s = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                // Times read as dates in a table (JSON keeps the numbers).
                Value::Number(n) if TIMES.contains(&col.as_str()) => n
                    .as_f64()
                    .and_then(|x| jiff::Timestamp::from_microsecond((x * 1e6).round() as i64).ok())
                    .map(|t| format!("{t:.6}"))
                    .unwrap_or_else(|| n.to_string()),
                other => other.to_string(),
            };
            let s = escape_controls(&s).into_owned();
            if s.chars().count() > WIDEST {
                let cut: String = s.chars().take(WIDEST - 1).collect();
                format!("{cut}…")
            } else {
                s
            }
        };
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| self.columns.iter().zip(r.iter()).map(cell).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for r in &cells {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, items: &[String]| {
            let mut l = String::new();
            for (i, (c, w)) in items.iter().zip(&widths).enumerate() {
                if i + 1 == items.len() {
                    l.push_str(c);
                } else {
                    let _ = write!(l, "{c:<w$}  ");
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&mut out, &self.columns);
        for r in &cells {
            line(&mut out, r);
        }
        out
    }
}

/// A database opened for reading.
pub struct Reader {
    conn: Connection,
    path: PathBuf,
}

impl Reader {
    /// Opens read-only; a database of another schema version (or not slips') is refused.
    pub fn open(path: &Path) -> Result<Reader, Error> {
        if !path.is_file() {
            return Err(Error::NotADatabase(
                path.to_path_buf(),
                "no such file".into(),
            ));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::sql(path, e))?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| Error::NotADatabase(path.to_path_buf(), e.to_string()))
            .ok();
        let Some(version) = version else {
            return Err(Error::NotADatabase(
                path.to_path_buf(),
                "it has no slips schema version".into(),
            ));
        };
        if version != SCHEMA_VERSION.to_string() {
            return Err(Error::Version {
                path: path.to_path_buf(),
                found: version,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(Reader {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The run's metadata (version, command, input, ...).
    pub fn meta(&self, key: &str) -> Option<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    }

    /// Rows of `table` matching `f`, in a stable order.
    pub fn query(&self, table: Table, f: &Filter) -> Result<Rows, Error> {
        let mut wheres: Vec<String> = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        let mut arg = |wheres: &mut Vec<String>, clause: &str, v: SqlValue| {
            args.push(v);
            wheres.push(clause.replace('?', &format!("?{}", args.len())));
        };
        let (select, order, ip_col, window_col, kind_col, ts_col) = match table {
            Table::Profiles => (
                "SELECT ip, first_seen, last_seen, flows, windows, evidence, max_threat_level, \
                 alerted_windows, macs, host_names, software, enrichment FROM profiles",
                "ip",
                Some("ip = ?"),
                None,
                None,
                Some("last_seen"),
            ),
            Table::Windows => (
                "SELECT profile, number, start, end, flows, evidence, alerted, closed FROM windows",
                "profile, number",
                Some("profile = ?"),
                Some("number = ?"),
                None,
                Some("start"),
            ),
            Table::Alerts => (
                "SELECT id, ts, profile, window, accumulated_threat_level, threat_level, confidence, \
                 blocked, (SELECT count(*) FROM alert_evidence ae WHERE ae.alert = alerts.id) AS evidence \
                 FROM alerts",
                "ts, id",
                Some("profile = ?"),
                Some("window = ?"),
                None,
                Some("ts"),
            ),
            Table::Evidence => (
                "SELECT id, ts, type, profile, window, attacker, victim, threat_level, confidence, \
                 description FROM evidence",
                "ts, id",
                Some("profile = ?"),
                Some("window = ?"),
                Some("type = ?"),
                Some("ts"),
            ),
            Table::Flows => (
                "SELECT id, ts, kind, uid, profile, saddr, sport, daddr, dport, proto, domain, \
                 duration, sbytes, dbytes, spkts, dpkts, state, history, service, smac, dmac, data \
                 FROM records",
                "ts, id",
                Some("(profile = ? OR daddr = ?)"),
                None,
                Some("kind = ?"),
                Some("ts"),
            ),
            Table::Blocking => (
                "SELECT ts, ip, action, detail, alert, until, offences, dry_run, error FROM blocking",
                "id",
                Some("ip = ?"),
                None,
                Some("action = ?"),
                Some("ts"),
            ),
            Table::Meta => ("SELECT key, value FROM meta", "key", None, None, None, None),
            Table::Tuples => (
                "SELECT * FROM (SELECT w.profile AS profile, w.number AS window, 'out' AS direction, \
                 t.value ->> '$.daddr' AS peer, t.value ->> '$.dport' AS port, \
                 t.value ->> '$.proto' AS proto, t.value ->> '$.letters' AS letters, \
                 t.value ->> '$.flows' AS flows \
                 FROM windows w, json_each(w.data, '$.out_tuples') t \
                 UNION ALL SELECT w.profile, w.number, 'in', t.value ->> '$.daddr', \
                 t.value ->> '$.dport', t.value ->> '$.proto', t.value ->> '$.letters', \
                 t.value ->> '$.flows' FROM windows w, json_each(w.data, '$.in_tuples') t)",
                "profile, window, direction, peer, port, proto",
                Some("profile = ?"),
                Some("window = ?"),
                None,
                None,
            ),
        };
        if let (Some(ip), Some(col)) = (f.ip, ip_col) {
            // (The flows clause names the address twice: every `?` of a clause is its one
            // argument.)
            arg(&mut wheres, col, SqlValue::Text(ip.to_string()));
        }
        if let (Some(w), Some(col)) = (f.window, window_col) {
            arg(&mut wheres, col, SqlValue::Integer(w));
        }
        if let (Some(k), Some(col)) = (&f.kind, kind_col) {
            arg(&mut wheres, col, SqlValue::Text(k.clone()));
        }
        if let Some(col) = ts_col {
            if let Some(from) = f.from {
                arg(&mut wheres, &format!("{col} >= ?"), SqlValue::Real(from));
            }
            if let Some(to) = f.to {
                arg(&mut wheres, &format!("{col} < ?"), SqlValue::Real(to));
            }
        }
        if table == Table::Flows {
            if let Some(u) = &f.uid {
                arg(&mut wheres, "uid = ?", SqlValue::Text(u.clone()));
            }
            if let Some(d) = &f.domain {
                arg(&mut wheres, "domain = ?", SqlValue::Text(d.clone()));
            }
        }
        // Profiles and windows by window number: the windows of profiles in that window.
        if table == Table::Profiles {
            if let Some(w) = f.window {
                arg(
                    &mut wheres,
                    "ip IN (SELECT profile FROM windows WHERE number = ?)",
                    SqlValue::Integer(w),
                );
            }
        }
        let mut sql = select.to_string();
        if !wheres.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&wheres.join(" AND "));
        }
        let _ = write!(sql, " ORDER BY {order}");
        if f.limit > 0 {
            let _ = write!(sql, " LIMIT {}", f.limit);
        }
        let mut st = self
            .conn
            .prepare(&sql)
            .map_err(|e| Error::sql(&self.path, e))?;
        let columns: Vec<String> = st.column_names().map(|c| c.to_string()).collect();
        let n = columns.len();
        let json_cols: Vec<bool> = columns
            .iter()
            .map(|c| {
                matches!(
                    c.as_str(),
                    "data" | "alerted_windows" | "macs" | "host_names" | "software"
                )
            })
            .collect();
        let rows = st
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            ValueRef::Null => Value::Null,
                            ValueRef::Integer(x) => Value::from(x),
                            ValueRef::Real(x) => Value::from(x),
                            ValueRef::Text(t) => {
                                let s = String::from_utf8_lossy(t).into_owned();
                                if json_cols[i] {
                                    serde_json::from_str(&s).unwrap_or(Value::String(s))
                                } else {
                                    Value::String(s)
                                }
                            }
                            ValueRef::Blob(b) => Value::from(b.len()),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<Value>>>()
            })
            .map_err(|e| Error::sql(&self.path, e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| Error::sql(&self.path, e))?;
        Ok(Rows { columns, rows })
    }
}
